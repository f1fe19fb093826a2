"""The reference article's findings, from its own settings (start (-2.8, -2.5), 125 steps).

Its Lasagne settings in torch's names: Nesterov lr 0.01 (momentum 0.9); RMSProp lr 0.25
(alpha 0.9, eps 1e-6); Adadelta lr 100 (rho 0.95, eps 1e-6); Adagrad lr 1 (eps 1e-6); Adam lr 0.25.
"""

import numpy as np
import pytest

import landscapes
import optimizers

START, STEPS = (-2.8, -2.5), 125
ARTICLE = {
    "nesterov": {"lr": 0.01, "momentum": 0.9},
    "rmsprop": {"lr": 0.25, "alpha": 0.9, "eps": 1e-6},
    "adadelta": {"lr": 100.0, "rho": 0.95, "eps": 1e-6},
    "adagrad": {"lr": 1.0, "eps": 1e-6},
    "adam": {"lr": 0.25},
}


def run(name, surface, **extra):
    return optimizers.trajectory(name, surface, START, STEPS, **{**ARTICLE.get(name, {}), **extra})


def _dist(p, q):
    return float(np.hypot(p[0] - q[0], p[1] - q[1]))


def test_hills_and_canyon_only_adam_escapes():
    s = landscapes.get("hills_and_canyon")
    glob, trap = s.minima[0], (-2.034, -1.082)
    assert s.value(*trap) > s.minima_values[0] + 5  # the trap is a poor local minimum
    for name in ARTICLE:
        tr = run(name, s)
        assert tr.diverged_step is None
        if name == "adam":
            assert _dist(tr.path[-1], glob) < 0.05
        else:
            assert _dist(tr.path[-1], trap) < 0.3, name
            assert tr.loss[-1] > s.minima_values[0] + 5, name


def test_hills_and_canyon_rmsprop_draws_hedgehogs():
    """Inside the trap RMSProp keeps jumping: its late steps do not shrink like Adagrad's."""
    rms = run("rmsprop", "hills_and_canyon")
    ada = run("adagrad", "hills_and_canyon")
    late = slice(80, 124)
    rms_step = np.hypot(*rms.update[late].T)
    ada_step = np.hypot(*ada.update[late].T)
    assert rms_step.max() > 20 * ada_step.max()
    assert rms_step.max() > 0.05


def test_bad_init_every_method_stays_near_the_shallow_minimum():
    s = landscapes.get("bad_init")
    for name in ARTICLE:
        tr = run(name, s)
        assert _dist(tr.path[-1], (-2.5, -2.5)) < 0.75, name
        assert _dist(tr.path[-1], s.minima[0]) > 2.5, name


def test_giant_plateau_momentum_stuck_adaptive_cross():
    s = landscapes.get("giant_plateau")
    nest = run("nesterov", s)
    assert _dist(nest.path[-1], START) < 1e-3
    for name in ("adam", "adagrad", "rmsprop"):
        tr = run(name, s)
        assert np.hypot(*tr.path[-1]) < 0.5, name
        assert tr.loss[-1] < 0.5, name


@pytest.mark.parametrize("momentum,escapes", [(0.25, False), (0.9, False), (0.975, True)])
def test_nesterov_momentum_sweep_on_hills_and_canyon(momentum, escapes):
    s = landscapes.get("hills_and_canyon")
    tr = optimizers.trajectory("nesterov", s, START, 500, lr=0.01, momentum=momentum)
    assert (tr.basin == 0) is escapes


def test_adam_and_rmsprop_take_big_first_steps():
    """Their denominators start at zero, so the first step is ~lr whatever the gradient."""
    s = landscapes.get("giant_plateau")  # gradient ~1e-5 at the start
    for name in ("adam", "rmsprop"):
        tr = run(name, s)
        first = np.hypot(*tr.update[0])
        assert first > 0.1 * ARTICLE[name]["lr"], name
    assert np.hypot(*run("nesterov", s).update[0]) < 1e-6
