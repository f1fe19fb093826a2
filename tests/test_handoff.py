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


# --- the playground's view: links, JSON, labels, pictures and exports --------------------------


def test_a_link_carries_a_handoff_and_bad_ones_are_refused_with_a_reason():
    from viz.state import View, from_query, run_labels, to_query

    q = {
        "steps": "125",
        "run": [
            "adam:lr=0.1|at=50,to=sgd,lr=0.01",
            "nesterov|at=30,to=nesterov,state=reset,lr=0.001",
            "adam#2|at=500,to=sgd",
            "rmsprop|at=10,to=sgd,state=carry,momentum=1",
        ],
    }
    view, notices = from_query(q)
    then = [r.then for r in view.runs]
    assert then[0] == {"at": 50, "to": "sgd", "hyper": {"lr": 0.01}, "state": "auto"}
    assert then[1]["state"] == "reset" and then[2] is None and then[3]["state"] == "reset"
    assert any("between 1 and 124" in n for n in notices)
    assert any("cannot go to SGD" in n for n in notices)
    assert any("no hyperparameter 'momentum'" in n for n in notices)
    again, more = from_query(to_query(view))
    assert again.runs == view.runs and not more
    loaded, more = View.from_json(view.to_json())
    assert loaded.runs == view.runs and not more
    labels = dict(zip([r.key for r in view.runs], run_labels(view.runs), strict=True))
    assert labels["adam"][0].endswith("→ SGD at step 50") and "→ SGD lr=0.01 at step 50" in labels["adam"][1]
    assert labels["nesterov"][0].endswith("→ lr=0.001 (state reset) at step 30")


def test_the_playground_runs_a_handoff_and_shows_where_it_happened():
    from viz import export, figures
    from viz.playground import compute
    from viz.state import from_query

    view, _ = from_query({"surface": "wobbly", "steps": "150", "run": ["adam:lr=0.1|at=60,to=sgd,lr=0.02", "adam"]})
    result = compute(view)
    switched = result.lines[0].traj
    assert [p["optimizer"] for p in switched.phases] == ["adam", "sgd"] and switched.lr[60] == 0.02
    plain = optimizers.trajectory("adam", "wobbly", view.start, 60, lr=0.1)
    np.testing.assert_array_equal(switched.path[:61], plain.path)
    fig = figures.trajectory_figure(result.surface, result.lines, view.start)
    hex_ = [t for t in fig["data"] if t.get("name") == "hand-off"]
    assert len(hex_) == 1 and hex_[0]["x"] == [switched.path[60, 0]] and "at step 60" in hex_[0]["text"][0]
    series = figures.series_figure(result.lines)
    assert [s["x0"] for s in series["layout"]["shapes"][1:]] == [60]  # the cursor stays first
    frame = export.trajectories_frame(result, view)
    rows = frame[frame.run == "adam"]
    assert list(rows.optimizer.iloc[[59, 60, 150]]) == ["adam", "sgd", "sgd"] and rows.evals.iloc[-1] == 150


def test_sharpness_is_measured_phase_by_phase():
    tr = optimizers.trajectory(
        "adam", "rosenbrock", (0, 0), 400, lr=0.003, handoffs=[Handoff(200, "sgd", {"lr": 0.001})]
    )
    sh = optimizers.sharpness(tr)
    adam = optimizers.sharpness(optimizers.trajectory("adam", "rosenbrock", (0, 0), 200, lr=0.003))
    np.testing.assert_allclose(sh.value[:200], adam.value[:200])
    np.testing.assert_allclose(sh.limit[:200], adam.limit[:200])
    np.testing.assert_allclose(sh.limit[200:400], 2 / 0.001)  # gradient descent's 2/lr after the switch
    np.testing.assert_allclose(sh.value[200:], tr.hessian_eigenvalues[200:, 1])
    assert sh.symbol == "λmax(P⁻¹H) then λmax(H)" and sh.rule == "38/lr then 2/lr"
