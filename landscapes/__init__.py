"""Analytic 2-D loss surfaces with exact, compiled gradients and Hessians.

>>> import landscapes
>>> s = landscapes.get("wobbly")
>>> s.value(0.0, 0.0), s.gradient([0.0, 1.0], 0.0)

Every surface's formula is its single source of truth (``catalog.py``); the derivatives
are derived by SymPy into ``_generated.py`` and compiled by Numba.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from landscapes import _generated as _gen
from landscapes import kernels as _k
from landscapes.catalog import SURFACES as _DEFS
from landscapes.vm import EMPTY_TAPE

__all__ = ["Surface", "from_formula", "get", "names"]
CUSTOM_PREFIX = "f:"  # get("f:x^2+y^2") is from_formula("x^2+y^2"): how links and configs name a custom surface


@dataclass(frozen=True)
class Surface:
    """A surface f(x, y) with its derivatives and what the UI needs to show it.

    Attributes
    ----------
    name, formula, latex, description : str
        Identity, SymPy formula, its LaTeX and a one-line lesson.
    bounds : ((xmin, xmax), (ymin, ymax))
        Default view.
    start : (x, y)
        Default start point.
    minima : tuple of (x, y)
        Known minimisers, global ones first (``n_global`` of them), then notable local ones.
    minima_values : tuple of float
        f at each minimiser.
    sid : int
        Index used by the compiled kernels (-1 for a typed formula, evaluated from ``tape``).
    """

    name: str
    sid: int
    formula: str
    latex: str
    description: str
    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    minima_values: tuple[float, ...]
    n_global: int
    article: bool = False
    tape: np.ndarray = field(default_factory=lambda: EMPTY_TAPE, compare=False, hash=False, repr=False)

    @property
    def kernel_arg(self) -> tuple[int, np.ndarray]:
        """What the compiled kernels take: ``(sid, tape)``."""
        return (self.sid, self.tape)

    def value(self, x: Any, y: Any) -> Any:
        """f(x, y) for floats or arrays of any (broadcastable) shape."""
        xs, ys, shape = _k.flat_pair(x, y)
        out = np.empty(xs.size)
        _k.map_value(self.kernel_arg, xs, ys, out)
        return _shaped(out, shape)

    def gradient(self, x: Any, y: Any) -> tuple[Any, Any]:
        """(∂f/∂x, ∂f/∂y), exact; 0 at a kink where f is finite but the derivative is not."""
        xs, ys, shape = _k.flat_pair(x, y)
        gx, gy = np.empty(xs.size), np.empty(xs.size)
        _k.map_gradient(self.kernel_arg, xs, ys, gx, gy)
        return _shaped(gx, shape), _shaped(gy, shape)

    def hessian(self, x: Any, y: Any) -> tuple[Any, Any, Any]:
        """(f_xx, f_xy, f_yy), exact (0 for the Dirac terms of |x| at its kink)."""
        xs, ys, shape = _k.flat_pair(x, y)
        h = [np.empty(xs.size) for _ in range(3)]
        _k.map_hessian(self.kernel_arg, xs, ys, *h)
        return tuple(_shaped(a, shape) for a in h)

    @property
    def global_minima(self) -> tuple[tuple[float, float], ...]:
        """The minimisers that share the lowest known value."""
        return self.minima[: self.n_global]

    def grid(self, n: int = 200, bounds=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(xs, ys, Z)`` on an n×n grid over ``bounds`` (default view); Z[i, j] = f(xs[j], ys[i])."""
        (x0, x1), (y0, y1) = bounds or self.bounds
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        return xs, ys, self.value(xs[None, :], ys[:, None])


def _shaped(a: np.ndarray, shape: tuple[int, ...]) -> Any:
    return float(a[0]) if shape == () else a.reshape(shape)


def _build() -> dict[str, Surface]:
    out = {}
    for sid, d in enumerate(_DEFS):
        if _gen.NAMES[sid] != d.name:
            raise RuntimeError("landscapes/_generated.py is stale: run python -m tools.gen_landscapes")
        out[d.name] = Surface(
            name=d.name,
            sid=sid,
            formula=d.formula,
            latex=_gen.LATEX[d.name],
            description=d.description,
            bounds=d.bounds,
            start=d.start,
            minima=tuple(_gen.MINIMA[d.name]),
            minima_values=tuple(_gen.MINIMA_VALUES[d.name]),
            n_global=_gen.N_GLOBAL[d.name],
            article=d.article,
        )
    return out


_REGISTRY = _build()


def names() -> list[str]:
    """Names of the built-in surfaces, the article's seven first."""
    return list(_REGISTRY)


def get(name: str) -> Surface:
    """The surface called ``name``; ``KeyError`` listing the valid names otherwise.

    ``"f:<formula>"`` is the custom surface of that formula (``ValueError`` if it is refused).
    """
    if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
        return from_formula(name[len(CUSTOM_PREFIX) :])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown surface {name!r}; valid names: {', '.join(_REGISTRY)}") from None


def _check_bounds(bounds) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = ((float(a), float(b)) for a, b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)); got {bounds!r}") from None
    for lo, hi in ((x0, x1), (y0, y1)):
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi and max(abs(lo), abs(hi)) <= 1e6):
            raise ValueError(f"bounds must be finite with min < max and |value| ≤ 1e6; got {bounds!r}")
    return (x0, x1), (y0, y1)


def _search_minima(s: Surface, n: int = 161, keep: int = 40, max_minima: int = 9):
    """Local minima of a custom surface: grid candidates refined by vectorised Newton steps."""
    (x0, x1), (y0, y1) = s.bounds
    xs, ys, z = s.grid(n)
    z = np.pad(np.where(np.isfinite(z), z, np.inf), 1, constant_values=np.inf)  # edge cells count too
    c = z[1:-1, 1:-1]
    is_min = np.isfinite(c)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= c <= z[1 + di : n + 1 + di, 1 + dj : n + 1 + dj]
    ii, jj = np.nonzero(is_min)
    order = np.argsort(c[ii, jj])[:keep]
    px, py = xs[jj[order]].copy(), ys[ii[order]].copy()
    step_cap = 0.5 * (xs[1] - xs[0] + ys[1] - ys[0])
    with np.errstate(all="ignore"):
        for _ in range(40):
            gx, gy = s.gradient(px, py)
            hxx, hxy, hyy = s.hessian(px, py)
            det = hxx * hyy - hxy * hxy
            ok = np.isfinite(det) & (np.abs(det) > 1e-14)
            # Singular Hessian (a kink or a flat direction): Newton along each curved coordinate alone.
            cx, cy = np.abs(hxx) > 1e-12, np.abs(hyy) > 1e-12
            dx = np.where(ok, (hyy * gx - hxy * gy) / np.where(ok, det, 1), np.where(cx, gx / np.where(cx, hxx, 1), 0))
            dy = np.where(ok, (hxx * gy - hxy * gx) / np.where(ok, det, 1), np.where(cy, gy / np.where(cy, hyy, 1), 0))
            norm = np.hypot(dx, dy)
            scale = np.where(norm > step_cap, step_cap / np.where(norm > 0, norm, 1), 1.0)
            px, py = px - dx * scale, py - dy * scale
        gx, gy = s.gradient(px, py)
        f = s.value(px, py)
        hxx, hxy, hyy = s.hessian(px, py)
    found: list[tuple[float, float, float]] = []
    for k in range(px.size):
        x, y, v = float(px[k]), float(py[k]), float(f[k])
        tol = 1e-9 * max(x1 - x0, y1 - y0)
        if not (np.isfinite(v) and x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol):
            continue
        if np.hypot(gx[k], gy[k]) > 1e-7 or hxx[k] + hyy[k] < 0 or hxx[k] * hyy[k] - hxy[k] ** 2 < -1e-12:
            continue  # not stationary, or a saddle / maximum
        if any(np.hypot(x - a, y - b) < 1e-5 for a, b, _ in found):
            continue
        found.append((x, y, v))
    found.sort(key=lambda t: (round(t[2], 9), np.hypot(t[0], t[1])))
    found = found[:max_minima]
    vals = [t[2] for t in found]
    n_global = sum(1 for v in vals if v <= vals[0] + 1e-9) if vals else 0
    return tuple((t[0], t[1]) for t in found), tuple(vals), n_global


def from_formula(text: str, bounds=None) -> Surface:
    """A surface from a typed formula in x and y, with exact derivatives, usable everywhere a built-in is.

    Allowed: numbers, x, y, pi, e, + - * / and ^ or ** (powers), parentheses, and sin, cos,
    tan, exp, log, sqrt, abs, tanh, sinh, cosh, arctan, min(a, b), max(a, b). Anything else
    raises ``ValueError`` quoting the offending part. The text is parsed to a tree and
    checked against that list; it is never evaluated. ``bounds`` is the default view
    (default ((-3, 3), (-3, 3))). Known minima are found by a grid search and Newton steps.
    """
    import sympy as sp

    from landscapes import formula as _f

    norm = _f.normalize(text) if isinstance(text, str) else text
    _, display, tape = _f.compiled(norm)
    b = _check_bounds(bounds if bounds is not None else ((-3.0, 3.0), (-3.0, 3.0)))
    (x0, x1), (y0, y1) = b
    start = (round(x0 + 0.0333 * (x1 - x0), 6), round(y0 + 0.0833 * (y1 - y0), 6))
    s = Surface(name=CUSTOM_PREFIX + norm, sid=-1, formula=norm, latex=sp.latex(display),
                description="Your formula: gradient and Hessian derived exactly by SymPy.", bounds=b, start=start,
                minima=(), minima_values=(), n_global=0, tape=tape)  # fmt: skip
    minima, values, n_global = _search_minima(s)
    return Surface(**{**s.__dict__, "minima": minima, "minima_values": values, "n_global": n_global})
