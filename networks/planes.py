"""Planes through parameter space, the loss on them, and the path between two solutions.

* ``pca_plane``: the plane of the first two principal components of one or several
  trajectories (loss-landscape-anim's view), with each iterate's distance from the plane,
  the projection residual that a drawn path hides (loss-landscape issue #1).
* ``random_plane``: two filter-normalised random directions (Li et al. 2018): each neuron's
  incoming weights in a direction are scaled to the norm of that neuron's weights; biases 0.
* ``plane_through``: the plane through three points (the start and two optimizers' ends), so
  several optimizers' paths are drawn on one shared plane.
* ``loss_grid``: the exact loss on a grid of a plane, compiled and parallel over rows.
* ``connect``: a quadratic Bézier curve between two solutions trained as Garipov et al. 2018,
  against the straight segment, with both barrier heights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import prange

from landscapes._jit import jit
from networks.mlp import forward_backward


@dataclass(frozen=True)
class Plane:
    """Points ``origin + a·d1 + b·d2``; ``kind`` says how the directions were chosen and
    ``explained`` (PCA only) the share of the trajectories' variance along each."""

    origin: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str
    explained: tuple[float, float] | None = None

    def point(self, a: float, b: float) -> np.ndarray:
        return self.origin + a * self.d1 + b * self.d2

    def project(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plane coordinates (k, 2) of parameter vectors (k, P) — least squares, exact for
        points on the plane — and each point's distance from the plane (k,)."""
        P = np.atleast_2d(np.asarray(params, dtype=np.float64))
        B = np.stack([self.d1, self.d2], axis=1)
        rel = P - self.origin
        coef, *_ = np.linalg.lstsq(B, rel.T, rcond=None)
        residual = np.linalg.norm(rel - (B @ coef).T, axis=1)
        return coef.T, residual


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    if not n > 0:
        raise ValueError("the points do not span a plane (two of them coincide)")
    return v / n


def pca_plane(trajectories: list[np.ndarray]) -> Plane:
    """The plane of the two leading principal components of all iterates of ``trajectories``
    (each (k+1, P), NaN rows after a divergence dropped), through their mean."""
    pts = np.concatenate([t[np.isfinite(t).all(axis=1)] for t in trajectories])
    if len(pts) < 3:
        raise ValueError("a PCA plane needs at least three finite iterates")
    mean = pts.mean(axis=0)
    _, s, vt = np.linalg.svd(pts - mean, full_matrices=False)
    var = s**2
    total = var.sum()
    if not total > 0:
        raise ValueError("the trajectories do not move: no plane to show")
    d2 = vt[1] if len(vt) > 1 else np.zeros_like(vt[0])
    return Plane(mean, vt[0], d2, "pca", (float(var[0] / total), float(var[1] / total) if len(var) > 1 else 0.0))


def filter_normalized(direction: np.ndarray, params: np.ndarray, shapes: list[tuple[int, ...]]) -> np.ndarray:
    """Li et al. 2018's filter normalisation for Linear layers: each row of a weight matrix (one
    neuron's incoming weights) rescaled to the norm of the same row of ``params``; biases 0."""
    out = np.zeros_like(direction)
    pos = 0
    for s in shapes:
        k = int(np.prod(s))
        if len(s) == 2:
            d = direction[pos : pos + k].reshape(s)
            w = params[pos : pos + k].reshape(s)
            scale = np.linalg.norm(w, axis=1, keepdims=True) / (np.linalg.norm(d, axis=1, keepdims=True) + 1e-10)
            out[pos : pos + k] = (d * scale).ravel()
        pos += k
    return out


def random_plane(params: np.ndarray, shapes: list[tuple[int, ...]], seed: int = 0) -> Plane:
    """Two filter-normalised Gaussian directions around ``params`` (seeded)."""
    rng = np.random.default_rng(seed)
    d1 = filter_normalized(rng.standard_normal(params.size), params, shapes)
    d2 = filter_normalized(rng.standard_normal(params.size), params, shapes)
    return Plane(np.asarray(params, dtype=np.float64).copy(), d1, d2, "filter-normalized")


def plane_through(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> Plane:
    """The plane through three parameter vectors, with orthonormal directions: p0 at (0, 0), p1
    on the first axis, p2 above it."""
    e1 = _unit(p1 - p0)
    v = p2 - p0
    e2 = _unit(v - (v @ e1) * e1)
    return Plane(np.asarray(p0, dtype=np.float64).copy(), e1, e2, "three points")


@jit(parallel=True)
def _grid(origin, d1, d2, alphas, betas, XT, labels, targets, sizes, act, task, bias, out):
    units = 0
    for k in range(sizes.shape[0]):
        units += sizes[k]
    n = XT.shape[1]
    for j in prange(betas.shape[0]):
        A = np.empty((units, n))
        D = np.empty((units, n))
        g = np.empty(origin.shape[0])
        p = np.empty(origin.shape[0])
        for i in range(alphas.shape[0]):
            for k in range(p.shape[0]):
                p[k] = origin[k] + alphas[i] * d1[k] + betas[j] * d2[k]
            out[j, i] = forward_backward(p, XT, labels, targets, sizes, act, task, bias, A, D, g, False)


def loss_grid(net, plane: Plane, alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """The exact loss at every ``plane.point(a, b)``, shape (len(betas), len(alphas))."""
    a = np.ascontiguousarray(alphas, dtype=np.float64)
    b = np.ascontiguousarray(betas, dtype=np.float64)
    out = np.empty((b.size, a.size))
    _grid(plane.origin, plane.d1, plane.d2, a, b, *net._args(), out)
    return out


# --- the path between two solutions -------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """The straight segment and the trained Bézier curve between solutions ``a`` and ``b``:
    the loss along each at ``t`` and their barriers (Frankle et al. 2020: the largest rise
    above the straight interpolation of the two ends' losses)."""

    a: np.ndarray
    b: np.ndarray
    control: np.ndarray
    t: np.ndarray
    segment_loss: np.ndarray
    curve_loss: np.ndarray
    segment_barrier: float
    curve_barrier: float
    history: np.ndarray  # the curve's barrier at each check during training


def bezier(a: np.ndarray, c: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points (len(t), P) of the quadratic Bézier curve from a to b with control point c."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * c + t**2 * b


def barrier(loss: np.ndarray, t: np.ndarray) -> float:
    """max over t of loss(t) − ((1−t)·loss(0) + t·loss(1)): 0 when the path never rises above
    the line between its ends' losses."""
    return float(np.max(loss - ((1 - t) * loss[0] + t * loss[-1])))


def _path_loss(net, pts: np.ndarray) -> np.ndarray:
    return np.array([net.loss(p) for p in pts])


def connect(
    net, a: np.ndarray, b: np.ndarray, steps: int = 500, lr: float = 0.01, seed: int = 0, n_t: int = 41,
    check_every: int = 25,
) -> Connection:  # fmt: skip
    """Train the control point of a quadratic Bézier curve from ``a`` to ``b`` (Garipov et al.
    2018): Adam on E_t[L(φ(t))] with one t ~ U(0, 1) per step; the gradient with respect to the
    control point is 2t(1 − t)·∇L(φ(t)). The curve starts as the straight segment (control at
    the midpoint) and the control point with the lowest barrier seen at the checks is kept, so
    the curve's barrier is never above the segment's."""
    from networks.train import train_curve

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n_t)
    seg = _path_loss(net, bezier(a, 0.5 * (a + b), b, t))
    ts = np.random.default_rng(seed).uniform(0.0, 1.0, steps)
    controls = train_curve(net, a, b, 0.5 * (a + b), ts, lr, check_every)
    best_c, best, history = 0.5 * (a + b), barrier(seg, t), []
    best_loss = seg
    for c in controls:
        curve = _path_loss(net, bezier(a, c, b, t))
        bar = barrier(curve, t)
        history.append(bar)
        if np.isfinite(bar) and bar < best:
            best_c, best, best_loss = c, bar, curve
    return Connection(a, b, best_c, t, seg, best_loss, barrier(seg, t), best, np.array(history))
