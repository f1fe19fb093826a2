"""Every stationary point of a surface in a window, classified by its exact Hessian.

Candidates are the grid cells across which both partial derivatives change sign; Newton's
method on ∇f = 0 (the full Hessian, not floored: saddles and maxima are wanted here) refines
them. A point is a minimum, a saddle or a maximum by the signs of its Hessian's eigenvalues,
and "degenerate" when one of them is zero to the tolerance (the monkey saddle's origin). Points
on a curve of stationary points (the two-neuron hyperbola) are left out: they are not isolated,
and ``landscapes.minima`` reports such curves as lines of minima.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from landscapes.minima import sign_change_cells

Bounds = tuple[tuple[float, float], tuple[float, float]]
KINDS = ("minimum", "saddle", "maximum", "degenerate")


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point: where, what kind, f there and the Hessian's eigenvalues (ascending)."""

    x: float
    y: float
    kind: str
    value: float
    eigenvalues: tuple[float, float]


def eigenvalues_2x2(hxx, hxy, hyy):
    """(λmin, λmax) of the symmetric 2×2 matrices [[hxx, hxy], [hxy, hyy]], elementwise: the one
    closed form the critical points, a trajectory's curvature and its sharpness all use."""
    mid, rad = (hxx + hyy) / 2, np.hypot((hxx - hyy) / 2, hxy)
    return mid - rad, mid + rad


def _newton(surface, px: np.ndarray, py: np.ndarray, cap: float, iters: int = 80):
    """Newton's method on ∇f = 0 from every candidate at once, each step at most ``cap``."""
    px, py = px.astype(float).copy(), py.astype(float).copy()
    with np.errstate(all="ignore"):
        for _ in range(iters):
            gx, gy = surface.gradient(px, py)
            hxx, hxy, hyy = surface.hessian(px, py)
            det = hxx * hyy - hxy * hxy
            dx = (hyy * gx - hxy * gy) / det
            dy = (hxx * gy - hxy * gx) / det
            bad = ~(np.isfinite(dx) & np.isfinite(dy))
            dx, dy = np.where(bad, 0.0, dx), np.where(bad, 0.0, dy)
            norm = np.hypot(dx, dy)
            scale = np.where(norm > cap, cap / np.where(norm > 0, norm, 1.0), 1.0)
            px, py = px - dx * scale, py - dy * scale
            if float(np.max(norm * scale, initial=0.0)) < 1e-15 * max(1.0, cap):
                break
    return px, py


def critical_points(surface, bounds: Bounds | None = None, *, n: int = 201) -> list[CriticalPoint]:
    """Every isolated stationary point of ``surface`` inside ``bounds`` (default: its view),
    sorted by f, classified as ``"minimum"``, ``"saddle"``, ``"maximum"`` or ``"degenerate"``.

    Parameters
    ----------
    surface
        A ``landscapes.Surface`` (built-in or ``from_formula``).
    bounds
        ((x0, x1), (y0, y1)); points on or outside it are not reported.
    n
        Grid resolution of the candidate search (n × n cells); a smaller feature than a cell
        may be missed.
    """
    (x0, x1), (y0, y1) = bounds or surface.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    cell = max(xs[1] - xs[0], ys[1] - ys[0])
    span = max(x1 - x0, y1 - y0)
    ci, cj = sign_change_cells(surface, xs, ys)
    px, py = _newton(surface, (xs[cj] + xs[cj + 1]) / 2, (ys[ci] + ys[ci + 1]) / 2, cap=cell)
    with np.errstate(all="ignore"):
        f = surface.value(px, py)
        gx, gy = surface.gradient(px, py)
        hxx, hxy, hyy = surface.hessian(px, py)
    lo, hi = eigenvalues_2x2(hxx, hxy, hyy)
    scale = np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
    ok = np.isfinite(f) & np.isfinite(lo) & (np.hypot(gx, gy) <= 1e-9 * scale)
    ok &= (x0 < px) & (px < x1) & (y0 < py) & (py < y1)
    out: list[CriticalPoint] = []
    for k in np.flatnonzero(ok)[np.argsort(f[ok], kind="stable")]:
        x, y = float(px[k]), float(py[k])
        if any(math.hypot(x - c.x, y - c.y) < 1e-6 * span for c in out):
            continue
        tol = 1e-7 * float(scale[k])
        a, b = float(lo[k]), float(hi[k])
        if a > tol:
            kind = "minimum"
        elif b < -tol:
            kind = "maximum"
        elif a < -tol and b > tol:
            kind = "saddle"
        else:
            kind = "degenerate"
            if _on_a_curve(surface, x, y, hxx[k], hxy[k], hyy[k], 1e-3 * span):
                continue
        out.append(CriticalPoint(x, y, kind, float(f[k]), (a, b)))
    return out


def _on_a_curve(surface, x: float, y: float, hxx: float, hxy: float, hyy: float, r: float) -> bool:
    """Whether the stationary point continues along the Hessian's null direction (a curve of
    stationary points, not an isolated one): the gradient vanishes a step ``r`` away too."""
    lo, hi = eigenvalues_2x2(hxx, hxy, hyy)
    lam = lo if abs(lo) <= abs(hi) else hi
    v = np.array([hxy, lam - hxx]) if abs(hxy) + abs(lam - hxx) > 0 else np.array([lam - hyy, hxy])
    if not np.any(v):
        v = np.array([1.0, 0.0])
    v = v / np.hypot(*v)
    g0 = float(np.hypot(*surface.gradient(x, y)))
    for sgn in (1.0, -1.0):
        px, py = _newton(surface, np.array([x + sgn * r * v[0]]), np.array([y + sgn * r * v[1]]), cap=r, iters=30)
        moved = math.hypot(float(px[0]) - x, float(py[0]) - y)
        g = float(np.hypot(*surface.gradient(float(px[0]), float(py[0]))))
        if moved > 0.5 * r and g <= max(1e-9, 10 * g0):
            return True
    return False
