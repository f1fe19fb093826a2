"""Exact derivatives of a formula and the Numba source that evaluates them.

SymPy differentiates the formula (gradient and Hessian), common subexpressions are
shared between f and its derivatives, and the result is printed as plain ``math``-module
Python that Numba compiles. Nothing here is imported on the app's hot path: the built-in
surfaces are derived once by ``tools/gen_landscapes.py`` into ``_generated.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

X, Y = sp.symbols("x y", real=True)


def parse_trusted(formula: str) -> sp.Expr:
    """Parse a formula written by this project (never user input) with exact rationals."""
    return sp.sympify(formula, locals={"x": X, "y": Y}, rational=True)


def derivatives(expr: sp.Expr) -> dict[str, sp.Expr]:
    """f, its gradient and Hessian, with distributions from |x| replaced by 0.

    The derivative of ``sign(x)`` is a Dirac delta: zero everywhere but the kink, where
    the Hessian does not exist. Evaluated code uses 0 there.
    """
    fx, fy = sp.diff(expr, X), sp.diff(expr, Y)
    out = {
        "f": expr,
        "fx": fx,
        "fy": fy,
        "fxx": sp.diff(fx, X),
        "fxy": sp.diff(fx, Y),
        "fyy": sp.diff(fy, Y),
    }
    return {k: v.replace(sp.DiracDelta, lambda *a: sp.S.Zero) for k, v in out.items()}


class _NumbaPrinter(PythonCodePrinter):
    """Prints with the ``math`` module (Numba-friendly) and plain float literals."""

    def _print_Rational(self, expr):  # 1/10 -> (1/10): exact double, no sympy objects
        return f"({expr.p}/{expr.q})"

    def _print_Half(self, expr):
        return "0.5"


def emit_block(exprs: Sequence[sp.Expr], names: Sequence[str], indent: str) -> list[str]:
    """Source lines assigning ``names`` from ``exprs`` with shared subexpressions."""
    printer = _NumbaPrinter({"fully_qualified_modules": True, "standard": "python3"})
    temps, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("t"), optimizations="basic")
    lines = [f"{indent}{sym} = {printer.doprint(val)}" for sym, val in temps]
    lines += [f"{indent}{n} = float({printer.doprint(e)})" for n, e in zip(names, reduced)]
    return lines


def lambdify_all(d: dict[str, sp.Expr]) -> dict[str, Callable]:
    """NumPy callables for the generator's minima search."""
    return {k: sp.lambdify((X, Y), v, modules="numpy") for k, v in d.items()}


def _newton_refine(fns: dict[str, Callable], p: np.ndarray, iters: int = 60) -> np.ndarray:
    """Newton iterations with a pseudo-inverse (minima on a valley have singular H)."""
    p = np.array(p, dtype=float)
    for _ in range(iters):
        g = np.array([fns["fx"](*p), fns["fy"](*p)], dtype=float)
        if not np.all(np.isfinite(g)) or np.hypot(*g) < 1e-14:
            break
        h = np.array([[fns["fxx"](*p), fns["fxy"](*p)], [fns["fxy"](*p), fns["fyy"](*p)]], dtype=float)
        step = np.linalg.pinv(h) @ g
        if np.hypot(*step) > 0.2:  # stay in the basin the grid found
            step *= 0.2 / np.hypot(*step)
        p = p - step
    return p


def find_minima(
    d: dict[str, sp.Expr],
    bounds: tuple,
    hints: Sequence[tuple[float, float]] = (),
    max_minima: int = 9,
    grid: int = 401,
) -> tuple[list[tuple[float, float]], list[float], int]:
    """Local minimisers inside ``bounds``: hints plus a grid search, refined by Newton.

    Returns the minimisers sorted by value (global ones first, ties by distance to the
    origin), their values and how many share the lowest value. A point is kept when its
    gradient vanishes (|g| < 1e-8) and no nearby point is lower, so saddles and maxima
    from the grid are dropped. Surfaces with a hand list of minima use only that list.
    """
    with np.errstate(all="ignore"):  # 0/0 at kinks such as Ackley's cone tip
        return _find_minima(lambdify_all(d), bounds, hints, max_minima, grid)


def _find_minima(fns, bounds, hints, max_minima, grid):
    (x0, x1), (y0, y1) = bounds
    candidates = [np.array(h, dtype=float) for h in hints]
    if not hints:
        xs, ys = np.linspace(x0, x1, grid), np.linspace(y0, y1, grid)
        xx, yy = np.meshgrid(xs, ys)
        zz = np.broadcast_to(np.asarray(fns["f"](xx, yy), dtype=float), xx.shape)
        c = zz[1:-1, 1:-1]
        is_min = np.ones_like(c, dtype=bool)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    is_min &= c < zz[1 + di : grid - 1 + di, 1 + dj : grid - 1 + dj]
        ii, jj = np.nonzero(is_min)
        candidates += [np.array([xs[j + 1], ys[i + 1]]) for i, j in zip(ii, jj)]
    found: list[np.ndarray] = []
    for p in candidates:
        q = _newton_refine(fns, p)
        g = np.array([fns["fx"](*q), fns["fy"](*q)], dtype=float)
        f0 = float(fns["f"](*q))
        if np.all(np.isfinite(g)) and np.hypot(*g) > 1e-8:
            continue
        if not (x0 <= q[0] <= x1 and y0 <= q[1] <= y1):
            continue
        ring = [q + 1e-3 * np.array([np.cos(a), np.sin(a)]) for a in np.linspace(0, 2 * np.pi, 16)]
        if min(float(fns["f"](*r)) for r in ring) < f0 - 1e-12:
            continue  # a saddle or a maximum
        if any(np.hypot(*(q - o)) < 1e-6 for o in found):
            continue
        found.append(q)
    values = [float(fns["f"](*q)) for q in found]
    order = sorted(range(len(found)), key=lambda k: (round(values[k], 9), float(np.hypot(*found[k]))))
    order = order[:max_minima]
    minima = [(float(found[k][0]), float(found[k][1])) for k in order]
    vals = [values[k] for k in order]
    n_global = sum(1 for v in vals if vals and v <= vals[0] + 1e-9)
    # Exact zeros print as 0.0 rather than 1e-17 noise from Newton's last step.
    minima = [tuple(0.0 if abs(c) < 1e-13 else c for c in m) for m in minima]
    return minima, vals, n_global
