"""Hand-offs: a run that switches optimizer or hyperparameters at a step (#17)."""

import numpy as np
import pytest

import optimizers
from optimizers import Handoff

KW = {"lr": 0.1, "noise": 0.3, "seed": 4, "schedule": "cosine", "T_max": 200}


@pytest.mark.parametrize("name", ["adam", "momentum", "rmsprop", "adagrad", "nadam", "rprop", "prodigy"])
def test_carrying_the_state_equals_the_uninterrupted_run(name):
    """Same optimizer, same settings, state carried: bit for bit the run without a hand-off
    (the step count, the noise stream and the schedule continue)."""
    kw = {**KW, "lr": optimizers.defaults(name)["lr"] * 10}
    a = optimizers.trajectory(name, "wobbly", None, 120, **kw)
    b = optimizers.trajectory(name, "wobbly", None, 120, handoffs=[Handoff(40, name), Handoff(77, name)], **kw)
    assert [p["state"] for p in b.phases] == ["fresh", "carry", "carry"]
    for field in ("path", "loss", "lr", "evals"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    np.testing.assert_array_equal(a.grad[:-1], b.grad[:-1])
    np.testing.assert_array_equal(a.update[:-1], b.update[:-1])
    for k in a.state:
        np.testing.assert_array_equal(a.state[k], b.state[k])
    assert (a.steps_to_tol, a.basin, a.diverged_step) == (b.steps_to_tol, b.basin, b.diverged_step)


def test_switching_optimizer_resets_and_continues_from_the_point():
    a = optimizers.trajectory("adam", "wobbly", None, 50, lr=0.1)
    b = optimizers.trajectory("sgd", "wobbly", a.path[-1], 150, lr=0.01)
    c = optimizers.trajectory(
        "adam", "wobbly", None, 200, lr=0.1, handoffs=[{"at": 50, "optimizer": "sgd", "hyperparameters": {"lr": 0.01}}]
    )
    np.testing.assert_array_equal(c.path[:51], a.path)
    np.testing.assert_array_equal(c.path[50:], b.path)
    np.testing.assert_array_equal(c.lr[:50], a.lr[:50])
    np.testing.assert_array_equal(c.lr[50:], b.lr)
    assert c.phases[1] == {"at": 50, "optimizer": "sgd", "hyperparameters": {"lr": 0.01, "weight_decay": 0.0},
                           "state": "reset"}  # fmt: skip
    # Adam's state is shown while Adam runs and absent (NaN) after the switch
    assert np.isfinite(c.state["exp_avg"][:51]).all() and np.isnan(c.state["exp_avg"][51:]).all()
    assert c.evals[-1] == 200
    if b.steps_to_tol != 0:  # settling is judged on the whole record
        assert c.steps_to_tol == (50 + b.steps_to_tol if b.steps_to_tol > 0 else -1)


def test_same_optimizer_keeps_the_settings_not_given_and_a_reset_forgets_the_state():
    a = optimizers.trajectory(
        "adam", "wobbly", None, 100, lr=0.1, beta1=0.5, handoffs=[Handoff(30, "adam", {"lr": 0.01})]
    )
    assert a.phases[1]["hyperparameters"]["beta1"] == 0.5 and a.phases[1]["hyperparameters"]["lr"] == 0.01
    r = optimizers.trajectory(
        "adam", "wobbly", None, 100, lr=0.1, beta1=0.5, handoffs=[Handoff(30, "adam", {"lr": 0.01}, "reset")]
    )
    fresh = optimizers.trajectory("adam", "wobbly", a.path[30], 70, lr=0.01, beta1=0.5)
    np.testing.assert_array_equal(r.path[30:], fresh.path)
    assert not np.array_equal(a.path[30:], fresh.path)  # carried moments steer differently


def test_adam_state_carries_into_adamw():
    a = optimizers.trajectory("adam", "hills_and_canyon", None, 100, lr=0.25)
    b = optimizers.trajectory(
        "adam", "hills_and_canyon", None, 100, lr=0.25, handoffs=[Handoff(40, "adamw", {"lr": 0.25, "weight_decay": 0})]
    )
    assert b.phases[1]["state"] == "carry"
    np.testing.assert_array_equal(a.path, b.path)  # AdamW without decay is Adam, moments and all


def test_divergence_after_a_handoff_is_marked_at_the_global_step():
    t = optimizers.trajectory("adam", "rosenbrock", None, 200, lr=0.01, handoffs=[Handoff(20, "sgd", {"lr": 0.05})])
    assert t.diverged_step is not None and t.diverged_step > 20
    assert np.isnan(t.path[t.diverged_step + 1 :]).all() and np.isfinite(t.path[: t.diverged_step]).all()
    assert (t.evals[t.diverged_step :] == t.evals[t.diverged_step]).all()


@pytest.mark.parametrize(
    ("handoff", "match"),
    [
        (Handoff(50, "sgd", state="carry"), "cannot be carried"),
        (Handoff(250, "sgd"), "before 200"),
        (Handoff(0, "sgd"), "after step 0"),
        (Handoff(50, "sgd", state="keep"), "'carry', 'reset' or 'auto'"),
        (Handoff(50, "sgd", {"momentum": 0.9}), "unexpected hyperparameter 'momentum'"),
        (Handoff(50, "nosuch"), "unknown optimizer"),
    ],
)
def test_bad_handoffs_are_refused_with_a_reason(handoff, match):
    with pytest.raises((ValueError, TypeError, KeyError), match=match):
        optimizers.trajectory("adam", "wobbly", None, 200, handoffs=[handoff])
