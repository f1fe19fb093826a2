"""Compiled point evaluations shared by the optimizers and the array API.

``value_grad`` is what every optimizer step calls: f and its gradient from one block of
shared subexpressions. At a kink where the derivative is 0/0 but f is finite (Ackley's
cone tip, |x| at 0) it returns the subgradient 0 rather than NaN, so a run that lands
exactly on a kink is not mistaken for a diverged one. Where f is not finite, or a typed
formula's derivative is undefined around the point too (x^y at x < 0), the NaN stays: a
gradient that is not zero is never reported as zero.

Every kernel takes the surface as ``surf = (sid, tape)``: a built-in surface's index into
the generated code, or sid = -1 and a typed formula's tape for ``landscapes.vm``. One
compiled signature serves both, so a new formula never recompiles anything.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from landscapes import vm
from landscapes._generated import hessian_raw, value_grad_raw, value_raw
from landscapes._jit import jit


@jit(inline="always")
def value_grad_any(surf, x, y):
    if surf[0] < 0:
        return vm.value_grad(surf[1], x, y)
    return value_grad_raw(surf[0], x, y)


@jit(inline="always")
def subgradient(f, gx, gy):
    """The gradient with a 0/0 component replaced by 0 where f itself is finite (a kink). Where f
    is infinite or NaN the gradient is left as it is: a NaN there says f is not defined."""
    if abs(f) < np.inf:
        if gx != gx:
            gx = 0.0
        if gy != gy:
            gy = 0.0
    return gx, gy


@jit
def _kink_or_undefined(surf, x, y, gx, gy):
    """A typed formula's NaN derivative component at a point where f is finite: 0 at a kink (the
    derivative is defined on both sides, as |x| at 0), NaN where it is undefined around the point
    too (x^y at x < 0: log(x) in the derivative), so a run there says so instead of stalling."""
    h = 1e-7 * max(1.0, abs(x), abs(y))
    _, ax, ay = value_grad_any(surf, x + h, y + h)
    _, bx, by = value_grad_any(surf, x - h, y - h)
    if gx != gx and ax == ax and bx == bx:
        gx = 0.0
    if gy != gy and ay == ay and by == by:
        gy = 0.0
    return gx, gy


@jit(inline="always")
def value_grad(surf, x, y):
    f, gx, gy = value_grad_any(surf, x, y)
    if surf[0] < 0 and (gx != gx or gy != gy) and abs(f) < np.inf:
        gx, gy = _kink_or_undefined(surf, x, y, gx, gy)
    else:
        gx, gy = subgradient(f, gx, gy)
    return f, gx, gy


@jit(inline="always")
def value(surf, x, y):
    if surf[0] < 0:
        return vm.value_grad(surf[1], x, y)[0]
    return value_raw(surf[0], x, y)[0]


@jit(inline="always")
def hessian(surf, x, y):
    if surf[0] < 0:
        return vm.hessian(surf[1], x, y)
    return hessian_raw(surf[0], x, y)


# Parallel maps for grids; serial ones for a handful of points, where waking the thread pool
# costs more than the work (the minima search and the curve tracing call them thousands of times).
SERIAL_BELOW = 512


@jit(parallel=True)
def map_value(surf, xs, ys, out):
    for i in prange(xs.size):
        out[i] = value(surf, xs[i], ys[i])


@jit(parallel=True)
def map_gradient(surf, xs, ys, gx, gy):
    for i in prange(xs.size):
        _, a, b = value_grad(surf, xs[i], ys[i])
        gx[i] = a
        gy[i] = b


@jit(parallel=True)
def map_hessian(surf, xs, ys, hxx, hxy, hyy):
    for i in prange(xs.size):
        a, b, c = hessian(surf, xs[i], ys[i])
        hxx[i] = a
        hxy[i] = b
        hyy[i] = c


# The same loops, serial (separate functions: Numba's on-disk cache keys a function by its name).
@jit
def map_value_serial(surf, xs, ys, out):
    for i in range(xs.size):
        out[i] = value(surf, xs[i], ys[i])


@jit
def map_gradient_serial(surf, xs, ys, gx, gy):
    for i in range(xs.size):
        _, a, b = value_grad(surf, xs[i], ys[i])
        gx[i] = a
        gy[i] = b


@jit
def map_hessian_serial(surf, xs, ys, hxx, hxy, hyy):
    for i in range(xs.size):
        a, b, c = hessian(surf, xs[i], ys[i])
        hxx[i] = a
        hxy[i] = b
        hyy[i] = c


def flat_pair(x, y) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Broadcast x and y to one shape and return contiguous float64 1-D copies."""
    bx, by = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np.ascontiguousarray(bx).ravel(), np.ascontiguousarray(by).ravel(), bx.shape
