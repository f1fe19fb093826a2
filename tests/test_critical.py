"""``landscapes.critical_points``: every stationary point in a window, with its kind and eigenvalues.

Reference coordinates come from SymPy's ``nsolve`` (50 digits) on the surface's own formula,
started from the literature's six-digit values, so anyone can rerun them here."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import landscapes
from landscapes.catalog import SURFACES

# Himmelblau's stationary points as the literature lists them (six digits): 4 minima, 4 saddles, 1 maximum.
HIMMELBLAU = {
    "minimum": [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
    "saddle": [(0.086677, 2.884255), (-3.073026, -0.081353), (3.385154, 0.073852), (-0.127961, -1.953715)],
    "maximum": [(-0.270845, -0.923039)],
}


def _formula(name: str) -> sp.Expr:
    d = next(d for d in SURFACES if d.name == name)
    x, y = sp.symbols("x y")
    return sp.sympify(d.formula, locals={"x": x, "y": y})


def test_himmelblau_nine_points_at_the_literature_coordinates():
    x, y = sp.symbols("x y")
    f = _formula("himmelblau")
    grad = [sp.diff(f, x), sp.diff(f, y)]
    found = landscapes.critical_points(landscapes.get("himmelblau"))
    assert sorted(c.kind for c in found) == sorted(k for k, pts in HIMMELBLAU.items() for _ in pts)
    for kind, pts in HIMMELBLAU.items():
        for px, py in pts:
            ref = sp.nsolve(grad, (x, y), (px, py), prec=50)
            rx, ry = float(ref[0]), float(ref[1])
            assert abs(rx - px) < 1e-5 and abs(ry - py) < 1e-5  # it is the literature's point
            c = min(found, key=lambda c: np.hypot(c.x - rx, c.y - ry))
            assert abs(c.x - rx) < 1e-8 and abs(c.y - ry) < 1e-8, (kind, c, rx, ry)
            assert c.kind == kind


@pytest.mark.parametrize("name", ["himmelblau", "wobbly", "two_neuron", "saddle", "rosenbrock", "beale"])
def test_points_are_stationary_and_eigenvalues_are_numpys(name):
    s = landscapes.get(name)
    pts = landscapes.critical_points(s)
    assert pts
    for c in pts:
        gx, gy = s.gradient(c.x, c.y)
        hxx, hxy, hyy = s.hessian(c.x, c.y)
        assert np.hypot(gx, gy) <= 1e-8 * max(1.0, abs(c.eigenvalues[1]))
        assert np.allclose(c.eigenvalues, np.linalg.eigvalsh([[hxx, hxy], [hxy, hyy]]), rtol=1e-12, atol=1e-12)
        assert c.value == pytest.approx(s.value(c.x, c.y), rel=1e-15, abs=1e-300)
        (x0, x1), (y0, y1) = s.bounds
        assert x0 < c.x < x1 and y0 < c.y < y1


def test_monkey_saddle_origin_is_degenerate():
    (c,) = landscapes.critical_points(landscapes.get("monkey_saddle"))
    assert c.kind == "degenerate" and abs(c.x) < 1e-6 and abs(c.y) < 1e-6
    assert max(abs(v) for v in c.eigenvalues) < 1e-9


def test_a_curve_of_minima_is_not_a_list_of_points():
    """The two-neuron loss: its hyperbola of minima is a line (``landscapes.minima``); the only
    isolated stationary point is the saddle at the origin."""
    (c,) = landscapes.critical_points(landscapes.get("two_neuron"))
    assert c.kind == "saddle" and (c.x, c.y) == pytest.approx((0, 0), abs=1e-9)
    assert c.eigenvalues == pytest.approx((-2.0, 2.0))


@pytest.mark.parametrize(
    ("formula", "kinds"),
    [("x^2 - y^2", ["saddle"]), ("-(x^2 + y^2)", ["maximum"]), ("x^2 + 3*y^2", ["minimum"]),
     ("x^4 + y^2", ["degenerate"]), ("sin(x)*sin(y)", None)],
)  # fmt: skip
def test_custom_formulas(formula, kinds):
    s = landscapes.from_formula(formula, bounds=((-2, 2), (-2, 2)))
    found = landscapes.critical_points(s)
    if kinds is not None:
        assert [c.kind for c in found] == kinds
    else:  # sin x sin y in (−2, 2)²: the saddle at 0 and the extrema at (±π/2, ±π/2)
        got = sorted((round(c.x, 6), round(c.y, 6), c.kind) for c in found)
        h = round(np.pi / 2, 6)
        assert got == sorted(
            [(0.0, 0.0, "saddle"), (h, h, "maximum"), (-h, -h, "maximum"), (h, -h, "minimum"), (-h, h, "minimum")]
        )
