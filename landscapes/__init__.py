"""Analytic 2-D loss surfaces with exact, compiled gradients and Hessians.

>>> import landscapes
>>> s = landscapes.get("wobbly")
>>> s.value(0.0, 0.0), s.gradient([0.0, 1.0], 0.0)

Every surface's formula is its single source of truth (``catalog.py``); the derivatives
are derived by SymPy into ``_generated.py`` and compiled by Numba.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from landscapes import _generated as _gen
from landscapes import kernels as _k
from landscapes.catalog import SURFACES as _DEFS
from landscapes.critical import CriticalPoint, critical_points
from landscapes.flow import Flow, gradient_flow
from landscapes.mep import EnergyPath, minimum_energy_path
from landscapes.vm import EMPTY_TAPE

__all__ = [
    "CriticalPoint", "EnergyPath", "Flow", "Surface", "critical_points", "from_formula", "get", "gradient_flow",
    "in_view", "minimum_energy_path", "names",
]  # fmt: skip
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
    minimum_curves : tuple of (m, 2) arrays
        Curves of minima (valley floors of one value), when found; ``minima`` then holds
        points spread along them too, for code that takes points.
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
    minimum_curves: tuple = field(default=(), compare=False, hash=False, repr=False)
    tape: np.ndarray = field(default_factory=lambda: EMPTY_TAPE, compare=False, hash=False, repr=False)

    @property
    def kernel_arg(self) -> tuple[int, np.ndarray]:
        """What the compiled kernels take: ``(sid, tape)``."""
        return (self.sid, self.tape)

    def value(self, x: Any, y: Any) -> Any:
        """f(x, y) for floats or arrays of any (broadcastable) shape."""
        xs, ys, shape = _k.flat_pair(x, y)
        out = np.empty(xs.size)
        (_k.map_value if xs.size >= _k.SERIAL_BELOW else _k.map_value_serial)(self.kernel_arg, xs, ys, out)
        return _shaped(out, shape)

    def gradient(self, x: Any, y: Any) -> tuple[Any, Any]:
        """(∂f/∂x, ∂f/∂y), exact; 0 at a kink where f is finite but the derivative is not."""
        xs, ys, shape = _k.flat_pair(x, y)
        gx, gy = np.empty(xs.size), np.empty(xs.size)
        (_k.map_gradient if xs.size >= _k.SERIAL_BELOW else _k.map_gradient_serial)(self.kernel_arg, xs, ys, gx, gy)
        return _shaped(gx, shape), _shaped(gy, shape)

    def hessian(self, x: Any, y: Any) -> tuple[Any, Any, Any]:
        """(f_xx, f_xy, f_yy), exact (0 for the Dirac terms of |x| at its kink)."""
        xs, ys, shape = _k.flat_pair(x, y)
        h = [np.empty(xs.size) for _ in range(3)]
        (_k.map_hessian if xs.size >= _k.SERIAL_BELOW else _k.map_hessian_serial)(self.kernel_arg, xs, ys, *h)
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


def in_view(surface: Surface, bounds=None) -> Surface:
    """``surface`` with the view ``bounds`` (default: its own) and every minimum found in and
    around that view (``landscapes.minima.find_minima``): isolated points, then points along
    each curve of minima; ``n_global`` counts those at the lowest value."""
    from landscapes.minima import find_minima

    b = _check_bounds(bounds if bounds is not None else surface.bounds)
    m = find_minima(surface, b)
    pts, vals = m.sample_points()
    order = sorted(range(len(pts)), key=lambda i: vals[i])
    pts, vals = tuple(pts[i] for i in order), tuple(vals[i] for i in order)
    n_global = sum(1 for v in vals if m.is_global(v))
    return dataclasses.replace(surface, bounds=b, minima=pts, minima_values=vals, n_global=n_global,
                               minimum_curves=m.curves)  # fmt: skip


def from_formula(text: str, bounds=None) -> Surface:
    """A surface from a typed formula in x and y, with exact derivatives, usable everywhere a built-in is.

    Allowed: numbers, x, y, pi, e, + - * / and ^ or ** (powers), parentheses, and sin, cos,
    tan, exp, log, sqrt, abs, tanh, sinh, cosh, arctan, min(a, b), max(a, b). Anything else
    raises ``ValueError`` quoting the offending part. The text is parsed to a tree and
    checked against that list; it is never evaluated. ``bounds`` is the default view
    (default ((-3, 3), (-3, 3))). Its minima are those ``in_view`` finds.
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
    return in_view(s)
