"""Analytic 2-D loss surfaces with exact, compiled gradients and Hessians.

>>> import landscapes
>>> s = landscapes.get("wobbly")
>>> s.value(0.0, 0.0), s.gradient([0.0, 1.0], 0.0)

Every surface's formula is its single source of truth (``catalog.py``); the derivatives
are derived by SymPy into ``_generated.py`` and compiled by Numba.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from landscapes import _generated as _gen
from landscapes import kernels as _k
from landscapes.catalog import SURFACES as _DEFS

__all__ = ["Surface", "get", "names"]


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
        Index used by the compiled kernels.
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

    def value(self, x: Any, y: Any) -> Any:
        """f(x, y) for floats or arrays of any (broadcastable) shape."""
        xs, ys, shape = _k.flat_pair(x, y)
        out = np.empty(xs.size)
        _k.map_value(self.sid, xs, ys, out)
        return _shaped(out, shape)

    def gradient(self, x: Any, y: Any) -> tuple[Any, Any]:
        """(∂f/∂x, ∂f/∂y), exact; 0 at a kink where f is finite but the derivative is not."""
        xs, ys, shape = _k.flat_pair(x, y)
        gx, gy = np.empty(xs.size), np.empty(xs.size)
        _k.map_gradient(self.sid, xs, ys, gx, gy)
        return _shaped(gx, shape), _shaped(gy, shape)

    def hessian(self, x: Any, y: Any) -> tuple[Any, Any, Any]:
        """(f_xx, f_xy, f_yy), exact (0 for the Dirac terms of |x| at its kink)."""
        xs, ys, shape = _k.flat_pair(x, y)
        h = [np.empty(xs.size) for _ in range(3)]
        _k.map_hessian(self.sid, xs, ys, *h)
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
    """The surface called ``name``; ``KeyError`` listing the valid names otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown surface {name!r}; valid names: {', '.join(_REGISTRY)}") from None
