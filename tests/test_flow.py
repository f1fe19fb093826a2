"""``landscapes.gradient_flow``: the gradient flow against its closed form on a quadratic, and the
modified flow (Barrett & Dherin 2021) tracking gradient descent more closely than the plain one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

import landscapes
import optimizers

A = np.array([[3.0, 1.0], [1.0, 2.0]])  # f = θᵀAθ/2


def _quadratic() -> landscapes.Surface:
    return landscapes.from_formula("1.5*x^2 + x*y + y^2", bounds=((-3, 3), (-3, 3)))


@pytest.mark.parametrize("lr", [None, 0.1])
def test_flow_on_a_quadratic_is_the_matrix_exponential(lr):
    theta0 = np.array([2.0, -1.5])
    flow = landscapes.gradient_flow(_quadratic(), theta0, 3.0, n=31, modified_lr=lr)
    m = A if lr is None else A + (lr / 2) * A @ A  # ∇(f + lr/4·‖Aθ‖²) = (A + lr/2·A²)θ
    for t, p in zip(flow.t, flow.path, strict=True):
        assert np.allclose(p, expm(-m * t) @ theta0, rtol=0, atol=1e-8), t
    assert flow.stopped is None and flow.t[-1] == pytest.approx(3.0)


# lr·λmax stays ≲ 0.2 along these runs: the modified flow is an expansion in small steps
@pytest.mark.parametrize(("surface", "lr"), [("wobbly", 0.02), ("himmelblau", 0.002), ("rosenbrock", 0.0002)])
def test_modified_flow_tracks_gradient_descent(surface, lr):
    s = landscapes.get(surface)
    steps = 100
    tr = optimizers.trajectory("sgd", s, None, steps, lr=lr)
    plain = landscapes.gradient_flow(s, tr.path[0], steps * lr, n=steps + 1)
    mod = landscapes.gradient_flow(s, tr.path[0], steps * lr, n=steps + 1, modified_lr=lr)
    e_plain = np.hypot(*(plain.path - tr.path).T).max()
    e_mod = np.hypot(*(mod.path - tr.path).T).max()
    assert e_mod < e_plain / 4, (e_mod, e_plain)


def test_flow_that_runs_away_stops_and_says_so():
    s = landscapes.get("monkey_saddle")
    flow = landscapes.gradient_flow(s, (0.5, 0.3), 50.0)
    assert flow.stopped == "left for infinity" and flow.t[-1] < 50.0
    with pytest.raises(ValueError, match="t_end"):
        landscapes.gradient_flow(s, (0.5, 0.3), 0.0)


def test_flow_off_the_domain_stops_at_its_edge():
    """√x's flow reaches x = 0 at t = 0.5^1.5·4/3 ≈ 0.47 and cannot go on: it ends there, as before."""
    s = landscapes.from_formula("sqrt(x) + y^2")
    flow = landscapes.gradient_flow(s, (0.5, 0.3), 10.0)
    assert flow.stopped is not None and flow.stopped.startswith("the integrator stopped")
    assert np.all(np.isfinite(flow.path)) and np.all(flow.path[:, 0] > 0) and flow.t[-1] < 0.48


def test_flow_onto_a_crease_gives_up_instead_of_running_forever():
    """wobbly's |x|·√(|x| + 0.1) has a crease along x = 0 that this flow meets at t ≈ 0.62 and would
    slide along; the integrator's step shrinks to nothing there (it used to never return)."""
    flow = landscapes.gradient_flow(landscapes.get("wobbly"), (1.9662, -0.5448), 100.0)
    assert flow.stopped is not None and "gave up at t = 0.62" in flow.stopped
    assert flow.t[-1] < 0.63 and np.all(np.isfinite(flow.path))
