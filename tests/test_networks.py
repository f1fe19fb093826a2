"""Tiny real networks (#15): exact gradients, training equal to torch.optim, datasets, bad input."""

import json
from pathlib import Path

import numpy as np
import pytest

import networks

REF = json.loads((Path(__file__).parent / "data" / "reference_networks.json").read_text())


@pytest.mark.parametrize("dataset", networks.DATASETS)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradient_matches_finite_differences(dataset, activation):
    net = networks.make(dataset, (5, 4), activation, n=40, seed=2)
    rng = np.random.default_rng(0)
    p = net.params0 + 0.3 * rng.standard_normal(net.n_params)
    g = net.grad(p)
    h = 1e-6
    fd = np.array([(net.loss(p + h * e) - net.loss(p - h * e)) / (2 * h) for e in np.eye(net.n_params)])
    # a ReLU kink inside ±h would spoil the difference quotient: none is that close at these points
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_parameters_are_laid_out_as_torch_does():
    net = networks.make("moons", (3, 4), "tanh", n=8)
    assert net.shapes == [(3, 2), (3,), (4, 3), (4,), (2, 4), (2,)]
    assert net.n_params == 6 + 3 + 12 + 4 + 8 + 2
    parts = net.unflatten(np.arange(net.n_params, dtype=float))
    assert [p.shape for p in parts] == net.shapes and parts[0][1, 0] == 2.0  # weight (out, in), row-major


@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"{c['optimizer']}-{c['dataset']}-{c['activation']}")
def test_training_equals_torch_optim(case):
    net = networks.make(case["dataset"], tuple(case["hidden"]), case["activation"], n=case["n"], seed=case["seed"])
    run = networks.train(net, case["optimizer"], case["steps"], **case["hyperparameters"])
    assert run.diverged_step is None
    np.testing.assert_allclose(run.loss, case["loss"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run.params[-1], case["final_params"], rtol=1e-9, atol=1e-9)
    assert run.loss[-1] < run.loss[0]  # and it learns


def test_the_reference_covers_the_issues_optimizers():
    assert {c["optimizer"] for c in REF["cases"]} >= {"sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam",
                                                      "adamw"}  # fmt: skip


def test_datasets_are_seeded_and_shaped():
    for name in networks.DATASETS[:-1]:  # sine9 is fixed: nine points of sin(x)
        a, b = networks.make(name, n=64, seed=3), networks.make(name, n=64, seed=3)
        np.testing.assert_array_equal(a.X, b.X)
        other = networks.make(name, n=64, seed=4)
        assert not (np.array_equal(a.X, other.X) and np.array_equal(a.y, other.y))
        if a.task == "classification":
            assert a.X.shape == (64, 2) and set(np.unique(a.y)) == {0, 1}
        else:
            assert a.X.shape == (64, 1) and a.y.shape == (64, 1)


def test_divergence_is_marked_and_bad_input_refused():
    net = networks.make("moons", (16,), n=64)
    run = networks.train(net, "sgd", 200, lr=1e4)
    assert run.diverged_step is not None and np.isnan(run.params[run.diverged_step + 1 :]).all()
    with pytest.raises(ValueError, match="not available for networks"):
        networks.train(net, "newton", 10)
    with pytest.raises(ValueError, match="unknown dataset"):
        networks.make("mnist")
    with pytest.raises(ValueError, match="parameters: at most 20,000 here"):
        networks.make("moons", (200, 200))
    with pytest.raises(ValueError, match="noise is a 2-D playground option"):
        networks.train(net, "adam", 10, noise=0.1)


def test_the_two_weight_network_is_the_tanh_neuron_surface():
    """ŷ = w2·tanh(w1·x) on sine9 is a 2-D surface: the playground's tanh_neuron is its loss, and
    every page works on a real (tiny) network."""
    import landscapes

    net = networks.make("sine9", hidden=(1,), bias=False)
    assert net.shapes == [(1, 1), (1, 1)] and np.array_equal(net.X.ravel(), np.linspace(-2, 2, 9))
    s = landscapes.get("tanh_neuron")
    rng = np.random.default_rng(1)
    for w in rng.uniform(-4, 4, (20, 2)):
        assert s.value(*w) == pytest.approx(net.loss(w), rel=1e-13, abs=1e-15)
        np.testing.assert_allclose(s.gradient(*w), net.grad(w), rtol=1e-12, atol=1e-14)
    # its two minima are one network with both signs flipped
    (a, b) = s.minima
    np.testing.assert_allclose(a, -np.array(b), atol=1e-9)
    assert net.loss(a) == pytest.approx(net.loss(b), abs=1e-15)
    # and a network trained from the surface's start reaches one of them, as the playground's run does
    run = networks.train(net, "adam", 400, params0=np.array(s.start), lr=0.1)
    tr = __import__("optimizers").trajectory("adam", s, s.start, 400, lr=0.1)
    np.testing.assert_allclose(run.params, tr.path, rtol=1e-9, atol=1e-12)


# --- planes and the path between two solutions ----------------------------------------------------


def test_a_pca_plane_reproduces_a_trajectory_that_lies_in_a_plane():
    from networks import planes

    rng = np.random.default_rng(0)
    o, u, v = rng.standard_normal((3, 50))
    k = np.linspace(0, 1, 30)[:, None]
    traj = o + np.sin(3 * k) * u + k**2 * v  # a curve inside the plane o + span(u, v)
    pl = planes.pca_plane([traj])
    xy, residual = pl.project(traj)
    np.testing.assert_allclose(residual, 0.0, atol=1e-12)
    np.testing.assert_allclose(pl.origin + xy @ np.stack([pl.d1, pl.d2]), traj, atol=1e-12)
    assert sum(pl.explained) == pytest.approx(1.0) and pl.explained[0] >= pl.explained[1]
    bent = traj + np.outer(k.ravel() * (1 - k.ravel()), rng.standard_normal(50))  # leaves the plane
    assert planes.pca_plane([bent]).project(bent)[1].max() > 1e-3


def test_filter_normalized_directions_have_each_neurons_norm():
    from networks import planes

    net = networks.make("moons", (6, 5), n=16)
    pl = planes.random_plane(net.params0, net.shapes, seed=3)
    d, w = net.unflatten(pl.d1), net.unflatten(net.params0)
    for s, dd, ww in zip(net.shapes, d, w, strict=True):
        if len(s) == 2:
            np.testing.assert_allclose(np.linalg.norm(dd, axis=1), np.linalg.norm(ww, axis=1), rtol=1e-8)
        else:
            assert not dd.any()  # biases are not moved


def test_the_grid_is_the_loss_at_each_point_and_the_shared_plane_holds_both_ends():
    from networks import planes

    net = networks.make("xor", (8,), n=64)
    a = networks.train(net, "adam", 60, lr=0.05).params[-1]
    b = networks.train(net, "sgd", 60, lr=0.5).params[-1]
    pl = planes.plane_through(net.params0, a, b)
    xy, res = pl.project(np.stack([net.params0, a, b]))
    np.testing.assert_allclose(res, 0.0, atol=1e-10)
    assert xy[0] == pytest.approx([0, 0], abs=1e-12) and xy[1][1] == pytest.approx(0, abs=1e-10)
    al, be = np.linspace(-1, 2, 7), np.linspace(-0.5, 1.5, 5)
    z = planes.loss_grid(net, pl, al, be)
    for j, bb in enumerate(be):
        for i, aa in enumerate(al):
            assert z[j, i] == pytest.approx(net.loss(pl.point(aa, bb)), rel=1e-12)


def test_the_trained_bezier_barrier_is_never_above_the_straight_one():
    from networks import planes

    net = networks.make("moons", (16,), n=128, seed=0)
    a = networks.train(net, "adam", 600, lr=0.02).params[-1]
    b = networks.train(net, "adam", 600, params0=networks.init_params((2, 16, 2), 9), lr=0.02).params[-1]
    con = planes.connect(net, a, b, steps=600, lr=0.02)
    # the untrained curve (control at the midpoint) is the segment itself
    np.testing.assert_allclose(planes.bezier(a, (a + b) / 2, b, con.t), (1 - con.t)[:, None] * a + con.t[:, None] * b)
    assert con.curve_barrier <= con.segment_barrier
    assert con.segment_barrier > 0.05 and con.curve_barrier < 0.5 * con.segment_barrier  # training found a lower pass
    assert con.curve_loss[0] == pytest.approx(net.loss(a)) and con.curve_loss[-1] == pytest.approx(net.loss(b))
