"""The minimum energy path between two points (the review's mode connectivity, in 2-D), by the
simplified string method (E, Ren & Vanden-Eijnden 2007): images on a string between the ends
move down the gradient, then are spread evenly again along the string's arc length, until the
string stops moving. It then runs along the valley floors and crosses the ridge at a saddle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EnergyPath:
    """``path`` (n, 2) from a to b; ``loss`` f along it; ``saddle`` its highest point; ``barrier``
    the height of that point above the higher end; ``straight_loss`` f on the straight segment
    (same n points) and ``straight_barrier`` its barrier, for comparison."""

    path: np.ndarray
    loss: np.ndarray
    saddle: tuple[float, float]
    barrier: float
    straight_loss: np.ndarray
    straight_barrier: float
    iterations: int


def _respace(p: np.ndarray) -> np.ndarray:
    seg = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0:
        return p
    u = np.linspace(0.0, s[-1], len(p))
    return np.stack([np.interp(u, s, p[:, 0]), np.interp(u, s, p[:, 1])], axis=1)


def minimum_energy_path(surface, a, b, n: int = 101, *, iters: int = 20000, tol: float = 1e-10) -> EnergyPath:
    """The minimum energy path from ``a`` to ``b`` (usually two minima) with ``n`` images."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if n < 3:
        raise ValueError(f"n must be at least 3 (got {n})")
    line = a + np.linspace(0.0, 1.0, n)[:, None] * (b - a)
    with np.errstate(all="ignore"):
        straight = np.asarray(surface.value(line[:, 0], line[:, 1]), float)
        hxx, hxy, hyy = surface.hessian(line[:, 0], line[:, 1])
    lam = np.nanmax(np.abs(np.stack([hxx, hyy, hxy])) * 2.0)  # bounds the largest |eigenvalue|
    dt = 0.5 / max(float(lam), 1e-12)
    p = line.copy()
    it = 0
    with np.errstate(all="ignore"):
        while it < iters:
            it += 1
            gx, gy = surface.gradient(p[1:-1, 0], p[1:-1, 1])
            q = p.copy()
            q[1:-1, 0] -= dt * gx
            q[1:-1, 1] -= dt * gy
            q = _respace(q)
            moved = float(np.max(np.hypot(*(q - p).T)))
            p = q
            if not np.isfinite(moved) or moved < tol:
                break
        loss = np.asarray(surface.value(p[:, 0], p[:, 1]), float)
    k = int(np.nanargmax(loss))
    if 0 < k < n - 1:  # the top image lies within an image spacing of the saddle: step onto it
        p, loss = _onto_saddle(surface, p, loss, k)
    top = max(loss[0], loss[-1])
    return EnergyPath(
        path=p, loss=loss, saddle=(float(p[k, 0]), float(p[k, 1])), barrier=float(loss[k] - top),
        straight_loss=straight, straight_barrier=float(np.nanmax(straight) - max(straight[0], straight[-1])),
        iterations=it,
    )  # fmt: skip


def _onto_saddle(surface, p: np.ndarray, loss: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Replace the highest image by the saddle beside it (Newton's method on ∇f = 0 from it, each
    step at most an image spacing), when that converges to a saddle nearby; else leave it."""
    from landscapes.critical import _newton

    spacing = float(np.hypot(*(p[k + 1] - p[k - 1]))) / 2
    sx, sy = _newton(surface, p[k : k + 1, 0], p[k : k + 1, 1], cap=spacing, iters=60)
    x, y = float(sx[0]), float(sy[0])
    with np.errstate(all="ignore"):
        g = np.hypot(*surface.gradient(x, y))
        hxx, hxy, hyy = surface.hessian(x, y)
        f = float(surface.value(x, y))
    near = np.hypot(x - p[k, 0], y - p[k, 1]) <= 2 * spacing
    if near and np.isfinite(f) and g <= 1e-9 * max(1.0, abs(hxx) + abs(hyy)) and hxx * hyy - hxy * hxy < 0:
        p, loss = p.copy(), loss.copy()
        p[k], loss[k] = (x, y), f
    return p, loss
