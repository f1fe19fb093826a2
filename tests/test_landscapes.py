"""Surfaces: exact derivatives, self-consistent metadata, the generated code in sync."""

import numpy as np
import pytest

import landscapes
from landscapes.catalog import SURFACES

NAMES = landscapes.names()
ARTICLE = ["simple_quad", "wobbly", "basins_and_walls", "ripple", "giant_plateau", "hills_and_canyon", "bad_init"]
CLASSIC = ["rosenbrock", "beale", "himmelblau", "rastrigin", "ackley", "saddle", "monkey_saddle", "two_neuron"]


def test_registry_has_the_article_and_classic_surfaces():
    assert NAMES[:7] == ARTICLE
    assert {*CLASSIC, "elongated_bowl"} <= set(NAMES)


def test_unknown_surface_lists_valid_names():
    with pytest.raises(KeyError, match=r"wobbly.*rosenbrock"):
        landscapes.get("wobly")


def test_generated_module_is_in_sync_with_catalog():
    from tools.gen_landscapes import TARGET, render

    assert TARGET.read_text() == render(), "run: python -m tools.gen_landscapes"


def _random_points(s, n, rng):
    (x0, x1), (y0, y1) = s.bounds
    pts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    return pts[np.abs(pts[:, 0]) > 1e-3]  # |x| has a kink at x = 0 (wobbly)


def _central(fn, x, y, h):
    fx = (fn(x + h, y) - fn(x - h, y)) / (2 * h)
    fy = (fn(x, y + h) - fn(x, y - h)) / (2 * h)
    return fx, fy


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    s = landscapes.get(name)
    rng = np.random.default_rng(7)
    p = _random_points(s, 400, rng)
    if name == "ackley":
        p = p[np.hypot(p[:, 0], p[:, 1]) > 1e-2]  # cone tip
    x, y = p[:, 0], p[:, 1]
    gx, gy = s.gradient(x, y)
    h = 1e-6
    fx, fy = _central(s.value, x, y, h)
    scale = 1 + np.abs(s.value(x, y)) + np.hypot(gx, gy)
    assert np.max(np.abs(gx - fx) / scale) < 1e-6
    assert np.max(np.abs(gy - fy) / scale) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_central_differences_of_gradient(name):
    s = landscapes.get(name)
    rng = np.random.default_rng(11)
    p = _random_points(s, 400, rng)
    if name == "ackley":
        p = p[np.hypot(p[:, 0], p[:, 1]) > 1e-2]
    x, y = p[:, 0], p[:, 1]
    hxx, hxy, hyy = s.hessian(x, y)
    h = 1e-6
    gxx, gxy = _central(lambda a, b: s.gradient(a, b)[0], x, y, h)
    gyx, gyy = _central(lambda a, b: s.gradient(a, b)[1], x, y, h)
    scale = 1 + np.abs(hxx) + np.abs(hyy) + np.abs(hxy) + np.hypot(*s.gradient(x, y))
    for exact, fd in ((hxx, gxx), (hxy, gxy), (hxy, gyx), (hyy, gyy)):
        assert np.max(np.abs(exact - fd) / scale) < 1e-5


@pytest.mark.parametrize("name", NAMES)
def test_listed_minima_are_stationary_and_ordered(name):
    s = landscapes.get(name)
    assert len(s.minima) == len(s.minima_values)
    for (mx, my), v in zip(s.minima, s.minima_values):
        gx, gy = s.gradient(mx, my)
        assert np.hypot(gx, gy) < 1e-7, (mx, my)
        assert s.value(mx, my) == pytest.approx(v, abs=1e-12)
        ring = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        around = s.value(mx + 1e-3 * np.cos(ring), my + 1e-3 * np.sin(ring))
        assert np.all(around >= v - 1e-12), "a listed minimum has a lower point next to it"
    vals = np.array(s.minima_values)
    assert np.all(np.diff(vals) >= -1e-9), "global minima first"
    if len(vals):
        assert 1 <= s.n_global <= len(vals)
        assert np.all(vals[: s.n_global] <= vals[0] + 1e-9)
        assert np.all(vals[s.n_global :] > vals[0] + 1e-9)


def test_known_minima_of_classic_surfaces():
    h = landscapes.get("himmelblau")
    assert h.n_global == 4
    ref = {(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)}
    for r in ref:
        assert min(np.hypot(r[0] - m[0], r[1] - m[1]) for m in h.minima) < 1e-5
    assert landscapes.get("rosenbrock").minima[0] == pytest.approx((1.0, 1.0))
    assert landscapes.get("beale").minima[0] == pytest.approx((3.0, 0.5))
    assert landscapes.get("ackley").value(0.0, 0.0) == pytest.approx(0.0, abs=1e-12)
    tn = landscapes.get("two_neuron")
    assert all(abs(x * y - 1) < 1e-12 for x, y in tn.minima) and len(tn.minima) >= 4
    assert landscapes.get("saddle").minima == ()


@pytest.mark.parametrize("name", ["wobbly", "hills_and_canyon", "bad_init", "basins_and_walls", "giant_plateau"])
def test_no_minimum_missing_from_the_list(name):
    """Descend from a grid of starts: every stationary end point must be a listed minimum."""
    import optimizers

    s = landscapes.get(name)
    (x0, x1), (y0, y1) = s.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 25), np.linspace(y0, y1, 25))
    starts = np.column_stack([gx.ravel(), gy.ravel()])
    sw = optimizers.sweep("sgd", s, starts, 20000, lr=0.01)
    ends = sw.final[~sw.diverged]
    inside = (ends[:, 0] > x0) & (ends[:, 0] < x1) & (ends[:, 1] > y0) & (ends[:, 1] < y1)
    g = np.hypot(*s.gradient(ends[:, 0], ends[:, 1]))
    hxx, hxy, hyy = s.hessian(ends[:, 0], ends[:, 1])
    lam_min = (hxx + hyy) / 2 - np.hypot((hxx - hyy) / 2, hxy)
    settled = ends[inside & (g < 1e-8) & (lam_min > 1e-6)]  # not a flat plateau
    assert len(settled) > 100
    mins = np.array(s.minima)
    dist = np.min(np.hypot(settled[:, None, 0] - mins[None, :, 0], settled[:, None, 1] - mins[None, :, 1]), axis=1)
    assert np.all(dist < 1e-3), settled[dist >= 1e-3][:5]


def test_array_shapes_and_scalars():
    s = landscapes.get("wobbly")
    assert isinstance(s.value(0.5, -1.0), float)
    z = s.value(np.zeros((3, 4)), np.ones(4))
    assert z.shape == (3, 4)
    gx, gy = s.gradient(np.linspace(-1, 1, 5)[:, None], np.linspace(-1, 1, 6)[None, :])
    assert gx.shape == gy.shape == (5, 6)
    assert all(a.shape == (2,) for a in s.hessian([0.1, 0.2], [0.3, 0.4]))
    xs, ys, zz = s.grid(50)
    assert zz.shape == (50, 50) and zz[3, 7] == pytest.approx(s.value(xs[7], ys[3]))


def test_kink_gives_subgradient_zero_not_nan():
    a = landscapes.get("ackley")
    assert a.gradient(0.0, 0.0) == (0.0, 0.0)
    w = landscapes.get("wobbly")
    assert np.all(np.isfinite(w.gradient(0.0, 0.3)))


def test_metadata_is_complete():
    for d in SURFACES:
        s = landscapes.get(d.name)
        assert s.latex and s.description and s.formula == d.formula
        (x0, x1), (y0, y1) = s.bounds
        assert x0 < s.start[0] < x1 and y0 < s.start[1] < y1
        assert np.isfinite(s.value(*s.start))


def test_article_formulas_evaluate_as_written():
    """Spot values computed by hand from the article's code (shared/seeds/001, O_* lines)."""
    import math

    x, y = 0.7, -1.3
    w = (x * x + y * y) / 3 + abs(x) * math.sqrt(abs(x) + 0.1) + 3 * math.sin(x + y) + 3
    w += 8 * math.exp(-2 * ((x + 1) ** 2 + (y + 2) ** 2))
    assert landscapes.get("wobbly").value(x, y) == pytest.approx(w, rel=1e-14)
    hc = (x * x + y * y) / 3 + 3 * math.exp(-((x + 1) ** 2 + (y + 2) ** 2))
    hc += math.exp(-1.5 * (2 * (x + 2) ** 2 + (y - 0.5) ** 2))
    hc += 3 * math.exp(-1.5 * ((x - 1) ** 2 + 2 * (y + 1.5) ** 2))
    hc += 1.5 * math.exp(-((x + 1.5) ** 2 + 3 * (y + 0.5) ** 2)) + 4 * (1 - math.exp(-((x + y) ** 2)))
    assert landscapes.get("hills_and_canyon").value(x, y) == pytest.approx(hc, rel=1e-14)
    bi = 4 - 0.5 * math.exp(-((x + 2.5) ** 2 + (y + 2.5) ** 2)) - 3 * math.exp(-(x * x + y * y))
    assert landscapes.get("bad_init").value(x, y) == pytest.approx(bi, rel=1e-14)
