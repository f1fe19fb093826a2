"""Each surface's one-line lesson is a claim: checked here against the engine."""

import numpy as np

import landscapes
import optimizers
from landscapes.minima import find_minima


def _in_view(name):
    s = landscapes.get(name)
    m = find_minima(s, s.bounds)
    (x0, x1), (y0, y1) = s.bounds
    pts = [(p, v) for p, v in zip(m.points, m.values) if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    return s, m, pts


def test_counts_and_places_of_minima_said_in_the_texts():
    s, m, pts = _in_view("simple_quad")
    assert "one minimum at the origin" in s.description and len(pts) == 1 and np.allclose(pts[0][0], 0, atol=1e-6)
    s, m, pts = _in_view("wobbly")
    assert "one minimum in view" in s.description and len(pts) == 1
    s, m, pts = _in_view("basins_and_walls")
    assert "seven minima in view" in s.description and len(pts) == 7
    glob = [p for p, v in pts if m.is_global(v)]
    assert len(glob) == 1 and np.allclose(glob[0], 0, atol=1e-6)
    s, m, pts = _in_view("ripple")
    assert "625 in view" in s.description and len(pts) == 625
    s, m, pts = _in_view("himmelblau")
    assert "Four global minima" in s.description and len(pts) == 4 and all(m.is_global(v) for _, v in pts)
    s, m, pts = _in_view("rastrigin")
    glob = [p for p, v in pts if m.is_global(v)]
    assert len(glob) == 1 and np.allclose(glob[0], 0, atol=1e-6) and len(pts) > 50
    s, m, pts = _in_view("monkey_saddle")
    assert "unbounded below" in s.description and m.points == () and m.curves == ()
    s, m, pts = _in_view("two_neuron")
    assert "hyperbola" in s.description and len(m.curves) == 2
    s, m, pts = _in_view("rosenbrock")
    assert "(1, 1)" in s.description and len(pts) == 1 and np.allclose(pts[0][0], 1, atol=1e-6)


def test_giant_plateau_gradient_at_the_start():
    s = landscapes.get("giant_plateau")
    assert "~2e-5" in s.description
    g = np.hypot(*s.gradient(*s.start))
    assert 1.5e-5 <= g < 3e-5
    tr = optimizers.trajectory("sgd", s, s.start, 125, lr=0.01)
    assert np.hypot(*(tr.final - tr.path[0])) < 1e-4  # "barely move"


def test_beale_gradients_span_four_decades():
    s = landscapes.get("beale")
    gx, gy = s.gradient(*np.meshgrid(np.linspace(*s.bounds[0], 101), np.linspace(*s.bounds[1], 101)))
    g = np.hypot(gx, gy)
    g = g[g > 0]
    assert np.log10(g.max() / g.min()) > 4


def test_saddle_newton_is_drawn_in_gradient_descent_slides_off():
    s = landscapes.get("saddle")
    assert "Newton's method is drawn into it" in s.description
    newton = optimizers.trajectory("newton", s, s.start, 50)
    assert np.hypot(*newton.final) < 1e-6
    sgd = optimizers.trajectory("sgd", s, s.start, 50, lr=0.1)
    assert abs(sgd.final[1]) > 10 * abs(s.start[1])


def test_elongated_bowl_plain_descent_zigzags_and_crawls():
    s = landscapes.get("elongated_bowl")
    assert "lr 0.45 zig-zags" in s.description
    tr = optimizers.trajectory("sgd", s, s.start, 40, lr=0.45)
    dy = tr.update[:-1, 1]
    assert (np.sign(dy[:-1]) != np.sign(dy[1:])).all()  # across the narrow direction: every step flips
    assert abs(tr.final[0]) > 0.1 * abs(s.start[0])  # along the long one: still far after 40 steps
