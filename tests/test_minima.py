"""Minima in and around the view: complete (against an independent dense search), none invented,
curves of minima reported as curves, and results that agree with each other."""

import math

import numpy as np
import pytest

import landscapes
from landscapes.minima import find_minima
from viz.playground import compute, settled_step, summary_table
from viz.state import from_query

DEFAULT_FORMULA = "sin(3*x)*cos(3*y)+0.1*(x^2+y^2)"


def dense_minima(s, bounds, n=1201):
    """Strict local minima of f on a fine grid, away from the window's border (independent of the search)."""
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    z = s.value(xs[None, :], ys[:, None])
    c = z[1:-1, 1:-1]
    m = np.ones_like(c, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                m &= c < z[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    ii, jj = np.nonzero(m)
    return [(xs[j + 1], ys[i + 1]) for i, j in zip(ii, jj)]


@pytest.mark.parametrize("name", [f"f:{DEFAULT_FORMULA}", "rastrigin", "basins_and_walls", "himmelblau", "ripple"])
def test_every_well_in_the_window_is_found(name):
    s = landscapes.get(name)
    found = find_minima(s, s.bounds)
    dense = dense_minima(s, s.bounds)
    cell = (s.bounds[0][1] - s.bounds[0][0]) / 1200
    assert len(dense) > 0
    for x, y in dense:  # every grid well has a found minimum within two grid cells
        assert min(math.hypot(x - a, y - b) for a, b in found.points) < 2 * cell * 1.5
    (x0, x1), (y0, y1) = s.bounds
    inside = [p for p in found.points if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    edge = 2 * cell  # a well within a grid cell of the border is not a strict grid minimum there
    assert len([p for p in inside if x0 + edge < p[0] < x1 - edge and y0 + edge < p[1] < y1 - edge]) <= len(dense)


def test_default_formula_wells_near_the_edges_are_stars():
    s = landscapes.get(f"f:{DEFAULT_FORMULA}")
    (x0, x1), (y0, y1) = s.bounds
    inside = [p for p in s.minima if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    assert len(inside) == len(dense_minima(s, s.bounds)) == 15
    assert any(max(abs(x), abs(y)) > 2.4 for x, y in inside)  # wells near the edge


@pytest.mark.parametrize("formula", ["exp(x*50)+y^2", "x^2+y", "log(x)+y^2", "-x^2-y^2", "x^3+y^2"])
def test_no_minimum_is_invented_where_there_is_none(formula):
    s = landscapes.get(f"f:{formula}")
    m = find_minima(s, s.bounds)
    assert m.points == () and m.curves == ()


@pytest.mark.parametrize("name,expect", [("f:abs(x)", 1), ("two_neuron", 2), ("f:(x^2+y^2-1)^2", 1)])
def test_a_line_of_minima_is_one_curve(name, expect):
    s = landscapes.get(name)
    m = find_minima(s, s.bounds)
    assert len(m.curves) == expect and m.points == ()
    for c, v in zip(m.curves, m.curve_values):
        np.testing.assert_allclose(s.value(c[:, 0], c[:, 1]), v, atol=1e-8)
        assert len(c) > 20
    if name == "two_neuron":
        for c in m.curves:
            np.testing.assert_allclose(c[:, 0] * c[:, 1], 1.0, atol=1e-4)  # the hyperbola w1·w2 = 1


def test_minima_just_outside_the_window_count_and_agree_with_the_label():
    view, notices = from_query({"surface": ["wobbly"], "start": ["2.1,1.9"], "steps": ["300"],
                                "run": ["sgd:lr=0.05", "momentum:lr=0.01,momentum=0.9", "adam:lr=0.1"]})  # fmt: skip
    assert notices == []
    res = compute(view)
    t = summary_table(res)
    for _, row in t.iterrows():
        assert row["end point is"] == "minimum"
        d = float(row["nearest minimum"].split()[0])
        assert d < 1e-3 and "local" in row["nearest minimum"]
        assert res.surface.bounds[1][1] < 3.07  # the minimum (0.896, 3.067) is just above the window


def test_the_end_point_label_agrees_with_the_distance_on_every_preset():
    from viz.presets import PRESETS

    for p in PRESETS.values():
        t = summary_table(compute(p.view()))
        for _, row in t.iterrows():
            if row["end point is"] == "minimum":
                assert float(row["nearest minimum"].split()[0]) < 0.01, (p.name, row.to_dict())


def test_no_minimum_means_no_distance_and_no_settling():
    view, _ = from_query({"surface": ["f:exp(x*50)+y^2"]})
    res = compute(view)
    t = summary_table(res)
    assert set(t["nearest minimum"]) == {"none found near the view"}
    assert t["settled at step"].isna().all()
    assert res.surface.minima == ()


def test_settled_means_staying_within_tolerance():
    loss = np.array([5.0, 1.0005, 3.0, 1.0004, 1.0002, 1.0001])
    assert settled_step(loss, 1.0, 1e-3) == 3  # passing near at step 1 does not count
    assert settled_step(loss[:3], 1.0, 1e-3) is None
    assert settled_step(np.array([1.0, 1.0]), 1.0) == 0


def test_hills_and_canyon_rmsprop_is_not_settled_although_it_passes_near():
    from viz.presets import PRESETS

    res = compute(PRESETS["article_hills_and_canyon"].view())
    t = summary_table(res).set_index("run")
    rms = next(i for i in t.index if i.startswith("RMSProp"))
    assert t.loc[rms, "end point is"].startswith("not stationary") and t["settled at step"].isna()[rms]
    # the engine's sweep agrees: steps_to_tol is "stays within" there too
    ln = next(ln for ln in res.lines if ln.traj.optimizer == "rmsprop")
    assert ln.traj.steps_to_tol == -1


def test_undefined_at_the_start_is_said_so():
    view, _ = from_query({"surface": ["f:log(x)+y^2"]})
    res = compute(view)
    assert res.lines == [] and "not defined at the start" in res.errors[0]
