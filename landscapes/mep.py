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
    top = max(loss[0], loss[-1])
    return EnergyPath(
        path=p, loss=loss, saddle=(float(p[k, 0]), float(p[k, 1])), barrier=float(loss[k] - top),
        straight_loss=straight, straight_barrier=float(np.nanmax(straight) - max(straight[0], straight[-1])),
        iterations=it,
    )  # fmt: skip
