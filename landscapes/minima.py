"""Find every local minimum of a surface in and around a view: isolated points and curves.

A teacher reads "distance to the nearest minimum" aloud, so the list must be complete and
honest: the wells near the window's edge are found (the search covers the window padded on
every side), a minimum just outside the window still counts, nothing is invented where f
only keeps decreasing past the edge (a candidate stuck on the border of the searched region
is not a minimum), and a valley floor of equal values (``abs(x)``, the two-neuron
hyperbola) is reported as one curve, not as arbitrary points along it.

Method: local minima of f on a grid over the padded region and any extra seeds (for example
the end points of runs) are refined by damped Newton steps, kept if the gradient vanishes
and the Hessian is positive semi-definite, and, where the Hessian is singular, followed
along the flat direction: f constant along it means a curve of minima; f falling means
no minimum.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

Bounds = tuple[tuple[float, float], tuple[float, float]]
MAX_CANDIDATES = 6000  # grid minima refined per search (ripple has ~1,800 wells in its padded view)


@dataclass(frozen=True)
class Minima:
    """Minima of a surface found in ``region`` (the view padded on every side).

    Attributes
    ----------
    points, values
        Isolated minimisers (x, y) and f there, lowest first.
    curves, curve_values
        Curves of minima as (m, 2) polylines (traced inside the region) and f on each.
    region
        The searched rectangle.
    """

    points: tuple[tuple[float, float], ...]
    values: tuple[float, ...]
    curves: tuple[np.ndarray, ...]
    curve_values: tuple[float, ...]
    region: Bounds

    @property
    def lowest(self) -> float:
        """The lowest value of any minimum found (``nan`` if none)."""
        vals = (*self.values, *self.curve_values)
        return min(vals) if vals else math.nan

    def is_global(self, value: float) -> bool:
        """Whether a minimum of this value is the lowest one found (to 1e-9 relative)."""
        return value <= self.lowest + 1e-9 * (1 + abs(self.lowest))

    def nearest(self, x: float, y: float) -> tuple[float, float, str] | None:
        """``(distance, value, "point" | "curve")`` of the minimum nearest to (x, y), or None."""
        best = None
        for (mx, my), v in zip(self.points, self.values, strict=True):
            d = math.hypot(x - mx, y - my)
            if best is None or d < best[0]:
                best = (d, v, "point")
        for c, v in zip(self.curves, self.curve_values, strict=True):
            d = _distance_to_polyline(c, x, y)
            if best is None or d < best[0]:
                best = (d, v, "curve")
        return best

    def sample_points(self, per_curve: int = 24) -> tuple[tuple[tuple[float, float], ...], tuple[float, ...]]:
        """Points and values for code that takes a list of points (the compiled kernels):
        the isolated minima, then ``per_curve`` points spread along each curve."""
        pts, vals = list(self.points), list(self.values)
        for c, v in zip(self.curves, self.curve_values, strict=True):
            idx = np.unique(np.linspace(0, len(c) - 1, min(per_curve, len(c))).round().astype(int))
            pts += [(float(c[i, 0]), float(c[i, 1])) for i in idx]
            vals += [v] * len(idx)
        return tuple(pts), tuple(vals)


def _distance_to_polyline(c: np.ndarray, x: float, y: float) -> float:
    if len(c) == 1:
        return math.hypot(x - c[0, 0], y - c[0, 1])
    a, b = c[:-1], c[1:]
    ab = b - a
    t = np.clip(((x - a[:, 0]) * ab[:, 0] + (y - a[:, 1]) * ab[:, 1]) / np.maximum((ab**2).sum(1), 1e-300), 0, 1)
    px, py = a[:, 0] + t * ab[:, 0], a[:, 1] + t * ab[:, 1]
    return float(np.min(np.hypot(x - px, y - py)))


def padded(bounds: Bounds, pad: float) -> Bounds:
    """``bounds`` grown by ``pad`` times its width (height) on each side."""
    (x0, x1), (y0, y1) = bounds
    dx, dy = pad * (x1 - x0), pad * (y1 - y0)
    return (x0 - dx, x1 + dx), (y0 - dy, y1 + dy)


def _eig(hxx, hxy, hyy):
    """Eigenvalues (ascending) and the eigenvector of the smaller one, elementwise (NaN where
    the Hessian is not finite)."""
    with np.errstate(all="ignore"):
        return _eig_raw(hxx, hxy, hyy)


def _eig_raw(hxx, hxy, hyy):
    mid, rad = (hxx + hyy) / 2, np.hypot((hxx - hyy) / 2, hxy)
    lo, hi = mid - rad, mid + rad
    # eigenvector of lo: (hxy, lo - hxx) or (lo - hyy, hxy), whichever is longer
    v1x, v1y = hxy, lo - hxx
    v2x, v2y = lo - hyy, hxy
    use1 = np.hypot(v1x, v1y) >= np.hypot(v2x, v2y)
    vx, vy = np.where(use1, v1x, v2x), np.where(use1, v1y, v2y)
    n = np.hypot(vx, vy)
    flat_h = n == 0  # a multiple of the identity: any direction
    vx, vy = np.where(flat_h, 1.0, vx / np.where(flat_h, 1, n)), np.where(flat_h, 0.0, vy / np.where(flat_h, 1, n))
    return lo, hi, vx, vy


def _newton(s, px: np.ndarray, py: np.ndarray, cap: float, iters: int = 60):
    """Damped Newton steps towards stationary points; along a direction of zero or negative
    curvature, a gradient step of at most ``cap`` (so a flat or falling direction is followed).
    Points stop once their step is below 1e-13 of ``cap``·1e4 (converged); the rest go on."""
    px, py = np.array(px, dtype=float), np.array(py, dtype=float)
    active = np.arange(px.size)
    with np.errstate(all="ignore"):
        for _ in range(iters):
            if active.size == 0:
                break
            x, y = px[active], py[active]
            gx, gy = s.gradient(x, y)
            hxx, hxy, hyy = s.hessian(x, y)
            lo, hi, vx, vy = _eig(hxx, hxy, hyy)
            # Newton in the eigenbasis, each curvature floored at |λ| (never towards a maximum)
            wx, wy = -vy, vx  # eigenvector of hi
            g1, g2 = gx * vx + gy * vy, gx * wx + gy * wy
            tiny = 1e-12 * np.maximum(1.0, np.abs(hi))
            s1 = np.where(lo > tiny, g1 / np.where(lo > tiny, lo, 1), g1 * cap / np.maximum(np.abs(g1), 1e-300))
            s1 = np.where(lo > tiny, s1, np.where(np.abs(g1) > 0, s1, 0.0))
            s2 = np.where(hi > tiny, g2 / np.where(hi > tiny, hi, 1), 0.0)
            dx, dy = s1 * vx + s2 * wx, s1 * vy + s2 * wy
            norm = np.hypot(dx, dy)
            scale = np.where(norm > cap, cap / np.where(norm > 0, norm, 1), 1.0)
            ok = np.isfinite(dx) & np.isfinite(dy)
            px[active] = np.where(ok, x - dx * scale, x)
            py[active] = np.where(ok, y - dy * scale, y)
            moving = ok & (norm * scale > 1e-9 * cap)
            active = active[moving]
    return px, py


def _flat_direction(s, x: float, y: float, r: float) -> tuple[float, float]:
    """The unit direction in which f rises least over distance r (both ways from (x, y))."""
    ang = np.linspace(0, np.pi, 48, endpoint=False)
    cx, cy = np.cos(ang), np.sin(ang)
    f0 = float(s.value(x, y))
    fp = s.value(x + r * cx, y + r * cy)
    fm = s.value(x - r * cx, y - r * cy)
    rise = np.maximum(fp, fm) - f0
    k = int(np.nanargmin(np.where(np.isfinite(rise), rise, np.inf)))
    return float(cx[k]), float(cy[k])


def _to_floor(s, x: float, y: float, nx: float, ny: float, r: float) -> tuple[float, float]:
    """Slide (x, y) along the normal (nx, ny) to the lowest f within ±r: 41 samples, then
    four rounds of 41 samples around the best (each 20× finer; t = 0 is always a sample, so a
    point already on a kink's floor stays exactly there)."""
    t0, half = 0.0, r
    best_t, best_f = 0.0, float(s.value(x, y))
    for _ in range(5):
        ts = t0 + np.linspace(-half, half, 41)
        with np.errstate(all="ignore"):
            fs = s.value(x + ts * nx, y + ts * ny)
        fs = np.where(np.isfinite(fs), fs, np.inf)
        k = int(np.argmin(fs))
        if fs[k] < best_f:
            best_t, best_f = float(ts[k]), float(fs[k])
        t0, half = best_t, half / 20
    return x + best_t * nx, y + best_t * ny


def _trace(s, x: float, y: float, f0: float, h: float, region: Bounds, ftol: float):
    """Follow a valley floor of value f0 from (x, y) both ways. Returns (polyline, falls):
    ``falls`` is True when f drops below f0 - ftol along the way (not a minimum)."""
    d = _flat_direction(s, x, y, h)
    (x0, x1), (y0, y1) = region
    sides = []
    for sign in (1.0, -1.0):
        px, py, tx, ty = x, y, sign * d[0], sign * d[1]
        pts = []
        for _ in range(2000):
            qx, qy = px + h * tx, py + h * ty
            qx, qy = _to_floor(s, qx, qy, -ty, tx, 0.5 * h)
            f = float(s.value(qx, qy))
            if not math.isfinite(f) or f > f0 + ftol:
                break
            if f < f0 - ftol:
                return None, True
            if not (x0 <= qx <= x1 and y0 <= qy <= y1):
                break
            ntx, nty = qx - px, qy - py
            n = math.hypot(ntx, nty)
            if n < 0.2 * h:
                break
            tx, ty = ntx / n, nty / n
            px, py = qx, qy
            pts.append((px, py))
            if len(pts) > 3 and math.hypot(px - x, py - y) < 0.9 * h:  # a closed curve
                break
        sides.append(pts)
    line = [*reversed(sides[1]), (x, y), *sides[0]]
    return np.array(line), False


def find_minima(surface, bounds: Bounds | None = None, *, pad: float = 0.35, seeds=(), n: int = 201) -> Minima:
    """Every local minimum of ``surface`` in ``bounds`` (default: its view) padded by ``pad``.

    ``seeds`` are extra starting points (for example where runs ended): an isolated minimum
    they lead to counts even outside the region. The region's search is cached per surface
    and bounds, so only the seeds cost anything on a rerun.
    """
    b = tuple(tuple(float(v) for v in pair) for pair in (bounds or surface.bounds))
    found = _search(surface, b, float(pad), int(n))
    seeds = [(float(x), float(y)) for x, y in seeds if math.isfinite(x) and math.isfinite(y)]
    if not seeds:
        return found
    span = max(b[0][1] - b[0][0], b[1][1] - b[1][0])
    sx, sy = np.array(seeds).T
    px, py = _newton(surface, sx, sy, cap=span / 100)
    pts = list(zip(found.points, found.values, strict=True))
    for x, y, v, ok in zip(px, py, *_classify(surface, px, py), strict=True):
        if ok != 1 or any(math.hypot(x - a, y - b_) < 1e-4 * span for (a, b_), _ in pts):
            continue  # not a strict minimum (flat ones are the region search's), or known
        if any(_distance_to_polyline(c, x, y) < span / 100 for c in found.curves):
            continue
        pts.append(((float(x), float(y)), float(v)))
    pts.sort(key=lambda t: (t[1], math.hypot(*t[0])))
    return Minima(tuple(p for p, _ in pts), tuple(v for _, v in pts), found.curves, found.curve_values, found.region)


def _classify(s, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f and a code per point: 1 a strict minimum, 2 stationary with a singular PSD Hessian, 0 else."""
    with np.errstate(all="ignore"):
        f = s.value(px, py)
        gx, gy = s.gradient(px, py)
        hxx, hxy, hyy = s.hessian(px, py)
    lo, hi, _, _ = _eig(hxx, hxy, hyy)
    scale = np.maximum(1.0, np.abs(hi))
    stationary = np.isfinite(f) & (np.hypot(gx, gy) <= 1e-6 * scale) & (lo >= -1e-6 * scale)
    code = np.where(stationary, np.where(lo > 1e-6 * scale, 1, 2), 0)
    # A kink (the Hessian is not finite there, as at Ackley's origin): a minimum if f is
    # higher a little way off in every direction.
    kink = np.flatnonzero(np.isfinite(f) & ~np.isfinite(lo))
    if kink.size:
        ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        r = 1e-7 * np.maximum(1.0, np.hypot(px[kink], py[kink]))[:, None]
        with np.errstate(all="ignore"):
            ring = s.value(px[kink][:, None] + r * np.cos(ang), py[kink][:, None] + r * np.sin(ang))
        code[kink] = np.where(np.all(ring > f[kink][:, None], axis=1), 1, 0)
    return f, code


def sign_change_cells(surface, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the grid cells across which both partial derivatives change
    sign: each holds a stationary point of some kind (or a kink)."""
    with np.errstate(all="ignore"):
        gx, gy = surface.gradient(xs[None, :], ys[:, None])
    sx, sy = np.sign(gx), np.sign(gy)
    blk = [(slice(0, -1), slice(0, -1)), (slice(0, -1), slice(1, None)), (slice(1, None), slice(0, -1)),
           (slice(1, None), slice(1, None))]  # fmt: skip
    cross = (np.max([sx[b] for b in blk], 0) > np.min([sx[b] for b in blk], 0)) & (
        np.max([sy[b] for b in blk], 0) > np.min([sy[b] for b in blk], 0)
    )
    return np.nonzero(cross)


@functools.lru_cache(maxsize=128)
def _search(surface, bounds: Bounds, pad: float, n: int) -> Minima:
    region = padded(bounds, pad)
    (x0, x1), (y0, y1) = region
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    cell = max(xs[1] - xs[0], ys[1] - ys[0])
    span = max(x1 - x0, y1 - y0)
    with np.errstate(all="ignore"):
        z = surface.value(xs[None, :], ys[:, None])
    z = np.where(np.isfinite(z), z, np.inf)
    zp = np.pad(z, 1, constant_values=np.inf)
    is_min = np.isfinite(z)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= z <= zp[1 + di : n + 1 + di, 1 + dj : n + 1 + dj]
    # Shallow wells on a steep tilt hide from the value grid: also every cell across which
    # both partial derivatives change sign (stationary points of any kind; Newton sorts them).
    ci, cj = sign_change_cells(surface, xs, ys)
    ii, jj = np.nonzero(is_min)
    cand_x = np.concatenate([xs[jj], (xs[cj] + xs[cj + 1]) / 2])
    cand_y = np.concatenate([ys[ii], (ys[ci] + ys[ci + 1]) / 2])
    cand_f = np.concatenate([z[ii, jj], np.minimum(z[ci, cj], z[ci + 1, cj + 1])])
    order = np.argsort(cand_f, kind="stable")[:MAX_CANDIDATES]
    px, py = _newton(surface, cand_x[order], cand_y[order], cap=cell)
    f, code = _classify(surface, px, py)
    margin = 0.5 * cell
    inside = (x0 + margin < px) & (px < x1 - margin) & (y0 + margin < py) & (py < y1 - margin)
    keep = (code > 0) & inside  # on the searched border, f may keep falling beyond it
    points: dict[tuple[int, int], tuple[float, float, float]] = {}
    curves: list[tuple[np.ndarray, float]] = []
    q = 1e-4 * span  # points closer than this are one minimum
    for k in np.flatnonzero(keep)[np.argsort(f[keep], kind="stable")]:
        x, y, v = float(px[k]), float(py[k]), float(f[k])
        key = (round(x / q), round(y / q))
        if any((key[0] + a, key[1] + b) in points for a in (-1, 0, 1) for b in (-1, 0, 1)):
            continue
        if code[k] == 2:  # singular Hessian: an isolated degenerate minimum, a curve, or a slope
            if any(
                _distance_to_polyline(c, x, y) < 0.6 * cell and abs(v - cv) < 1e-6 * (1 + abs(v)) for c, cv in curves
            ):
                continue
            line, falls = _trace(surface, x, y, v, cell, region, 1e-9 * (1 + abs(v)))
            if falls:
                continue
            if len(line) >= 5:
                curves.append((line, v))
                continue
        points[key] = (x, y, v)
    pts = sorted(points.values(), key=lambda t: (t[2], math.hypot(t[0], t[1])))
    curves.sort(key=lambda t: t[1])
    return Minima(
        points=tuple((p[0], p[1]) for p in pts),
        values=tuple(p[2] for p in pts),
        curves=tuple(c for c, _ in curves),
        curve_values=tuple(v for _, v in curves),
        region=region,
    )
