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
