"""L-BFGS (optimizers/lbfgs.py) against torch.optim.LBFGS, and its engine contract.

The reference file is written by ``tools/reference_lbfgs.py`` (needs torch==2.13.0 CPU);
one engine step is one ``LBFGS.step(closure)`` call, ``evals`` counts the closure calls.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

import landscapes
import optimizers
from optimizers import kernels

DATA = json.loads((Path(__file__).parent / "data" / "reference_lbfgs.json").read_text())
CASES = DATA["cases"]
TOL = {"rtol": 1e-10, "atol": 1e-10}


def _id(c):
    return f"{c['surface'][:24]}-{c['start']}-" + ",".join(f"{k}={v}" for k, v in c["hyperparameters"].items())


def test_reference_covers_the_options():
    hp = [c["hyperparameters"] for c in CASES]
    assert len(CASES) >= 10 and DATA["torch_version"].startswith("2.13")
    assert any(h.get("strong_wolfe") for h in hp) and any(not h.get("strong_wolfe") for h in hp)
    assert any(c["surface"].startswith(landscapes.CUSTOM_PREFIX) for c in CASES)
    assert all(20 <= c["steps"] <= 100 for c in CASES)
    # the ring buffer wraps (history shorter than the iterations) and max_eval cuts steps short
    assert any(h.get("history_size", 100) < sum(c["evals"]) for h, c in zip(hp, CASES))
    assert any("max_eval" in h for h in hp)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    ref = np.array(case["path"], dtype=float)
    ref_evals = np.concatenate([[0], np.cumsum(case["evals"])])
    tr = optimizers.trajectory("lbfgs", case["surface"], case["start"], case["steps"], **case["hyperparameters"])
    with np.errstate(over="ignore", invalid="ignore"):
        blown = np.flatnonzero(~(np.hypot(ref[:, 0], ref[:, 1]) < 1e6))
    if blown.size:  # torch ran off to infinity: the engine stops at that same step
        k = int(blown[0])
        assert tr.diverged_step == k
        assert np.all(np.isnan(tr.path[k + 1 :])) and np.all(tr.evals[k:] == ref_evals[k])
    else:
        assert tr.diverged_step is None
        k = len(ref) - 1
    rows = slice(0, k + 1)  # the escaping point itself is kept; f is not evaluated there
    np.testing.assert_allclose(tr.path[rows], ref[rows], **TOL)
    np.testing.assert_array_equal(tr.evals[rows], ref_evals[rows])
    np.testing.assert_allclose(tr.state["direction"][rows], np.array(case["direction"])[rows], **TOL)
    np.testing.assert_allclose(tr.loss[: len(ref) - 1][:k], np.array(case["loss"])[:k], **TOL)


def test_sweep_equals_single_trajectories_bit_for_bit():
    rng = np.random.default_rng(7)
    n = 9
    starts = rng.uniform(-2.5, 2.5, size=(n, 2))
    hp = {
        "lr": rng.uniform(0.2, 1.0, n),
        "strong_wolfe": np.arange(n) % 2,
        "max_iter": 1 + np.arange(n) % 4,
        "history_size": 1 + np.arange(n) % 3,
        "noise": 0.05,
        "seed": np.arange(n),
    }
    sw = optimizers.sweep("lbfgs", "hills_and_canyon", starts, 30, paths=True, **hp)
    summary = optimizers.sweep("lbfgs", "hills_and_canyon", starts, 30, **hp)  # level 0: summaries only
    for i in range(n):
        one = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in hp.items()}
        tr = optimizers.trajectory("lbfgs", "hills_and_canyon", starts[i], 30, **one)
        np.testing.assert_array_equal(sw.paths[i], tr.path)
        np.testing.assert_array_equal(sw.losses[i], tr.loss)
        assert sw.evals[i] == tr.evals[-1] == summary.evals[i]
        assert sw.basin[i] == tr.basin == summary.basin[i]
        assert sw.steps_to_tol[i] == tr.steps_to_tol == summary.steps_to_tol[i]
        np.testing.assert_array_equal(sw.final[i], tr.path[-1])
        np.testing.assert_array_equal(summary.final[i], tr.path[-1])
        assert sw.loss[i] == tr.loss[-1] == summary.loss[i]


def test_records_follow_the_kernel_conventions():
    s = landscapes.get("rosenbrock")
    tr = optimizers.trajectory("lbfgs", s, (-1.2, 1.0), 25, strong_wolfe=True, max_iter=3)
    np.testing.assert_array_equal(tr.state["direction"][0], [0.0, 0.0])
    np.testing.assert_array_equal(tr.update[:-1], np.diff(tr.path, axis=0))
    assert np.all(np.isnan(tr.update[-1])) and np.all(tr.lr[:-1] == 1.0)
    gx, gy = s.gradient(tr.path[:, 0], tr.path[:, 1])
    np.testing.assert_array_equal(tr.grad, np.stack([gx, gy], axis=1))
    # s.value's array code fuses multiply-adds: equal to rounding, relative to f's size along the run
    np.testing.assert_allclose(tr.loss, s.value(tr.path[:, 0], tr.path[:, 1]), rtol=1e-14, atol=1e-14 * tr.loss[0])
    # the first step starts along -g with t = min(1, 1/|g|_1) * lr, and the search starts there
    g0 = tr.grad[0]
    assert tr.evals[1] > 1 and np.all(np.sign(tr.update[0]) == -np.sign(g0))
    # settled at (1, 1): steps_to_tol is the first row after which the loss stays within tol
    assert tr.basin == 0
    inside = np.abs(tr.loss - 0.0) <= 1e-3
    assert inside[tr.steps_to_tol :].all() and not inside[tr.steps_to_tol - 1]


def test_schedule_and_clipping_apply_per_step_and_per_evaluation():
    tr = optimizers.trajectory("lbfgs", "wobbly", None, 20, lr=0.5, max_iter=2, schedule="exponential", gamma=0.9)
    np.testing.assert_allclose(tr.lr[:-1], 0.5 * 0.9 ** np.arange(20), rtol=1e-14)
    tr = optimizers.trajectory("lbfgs", "rosenbrock", None, 20, strong_wolfe=True, clip_norm=1.0)
    assert np.all(np.hypot(tr.grad[:, 0], tr.grad[:, 1]) <= 1.0 + 1e-12)


def test_noise_is_seeded_and_reaches_every_evaluation():
    kw = {"lr": 0.3, "max_iter": 4, "noise": 0.2}
    a = optimizers.trajectory("lbfgs", "simple_quad", None, 15, seed=3, **kw)
    b = optimizers.trajectory("lbfgs", "simple_quad", None, 15, seed=3, **kw)
    c = optimizers.trajectory("lbfgs", "simple_quad", None, 15, seed=4, **kw)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.array_equal(a.path, c.path)
    clean = optimizers.trajectory("lbfgs", "simple_quad", None, 15, lr=0.3, max_iter=4)
    free = optimizers.trajectory("lbfgs", "simple_quad", None, 15, seed=3, **{**kw, "noise": 0.0})
    np.testing.assert_array_equal(clean.path, free.path)


def test_noise_index_is_the_runs_evaluation_counter():
    # f = x² + y²: one step with max_iter=2 (and max_eval above its default 2) evaluates at x0
    # (evaluation 0) and x1 (evaluation 1), then moves along the L-BFGS direction without
    # evaluating; evaluation e draws gaussian_pair(seed, 1 + e // 4, e % 4)
    sigma, seed, lr = 0.2, 3, 0.7
    x0 = np.array([1.0, -0.5])
    kw = {"lr": lr, "max_iter": 2, "max_eval": 3, "noise": sigma, "seed": seed}
    tr = optimizers.trajectory("lbfgs", "simple_quad", x0, 6, **kw)

    def grad(x, e):
        return 2 * x + sigma * np.array(kernels.gaussian_pair(float(seed), 1 + e // 4, e % 4))

    g0 = grad(x0, 0)
    t = min(1.0, 1.0 / np.abs(g0).sum()) * lr
    x1 = x0 - t * g0
    g1 = grad(x1, 1)
    y, s = g1 - g0, -g0 * t
    ro = 1.0 / (y @ s)
    a = (s @ -g1) * ro
    r = (-g1 - a * y) * ((y @ s) / (y @ y))
    r = r + (a - (y @ r) * ro) * s
    x2 = x1 + lr * r
    np.testing.assert_allclose(tr.grad[0], g0, rtol=1e-14)
    np.testing.assert_allclose(tr.path[1], x2, rtol=1e-12)
    assert tr.evals[:3].tolist() == [0, 2, 4]
    # every step's first evaluation, at path[k], is evaluation evals[k]: no draw is used twice
    for k in range(7):
        np.testing.assert_allclose(tr.grad[k], grad(tr.path[k], int(tr.evals[k])), rtol=1e-14)


def test_evals_are_monotone_and_bounded():
    starts = np.array([[-1.2, 1.0], [0.5, 2.0], [2.0, -1.0], [-2.0, -2.0]])
    for wolfe in (0, 1):
        for max_iter, max_eval in ((20, 0), (5, 3), (3, 7), (1, 0)):
            # fixed steps need a short step on Rosenbrock's steep walls to stay finite
            kw = {"strong_wolfe": wolfe, "max_iter": max_iter, "max_eval": max_eval, "lr": 1.0 if wolfe else 1e-3}
            sw = optimizers.sweep("lbfgs", "rosenbrock", starts, 25, **kw)
            cap = max_eval if max_eval else max_iter * 5 // 4
            for i in range(len(starts)):
                tr = optimizers.trajectory("lbfgs", "rosenbrock", starts[i], 25, **kw)
                assert tr.diverged_step is None
                per_step = np.diff(tr.evals)
                assert tr.evals[0] == 0 and np.all(per_step >= 1) and tr.evals[-1] == sw.evals[i]
                # fixed steps: the first call plus one per iteration but the last; the line search
                # may overrun max_eval by its one obligatory evaluation, as torch's does
                assert np.all(per_step <= (max(max_iter, 1) if not wolfe else max(cap, 1) + 1))


def test_divergence_and_nan_are_marked_not_raised():
    # unbounded below: the run leaves for infinity and stops at the step that blows up
    tr = optimizers.trajectory("lbfgs", "monkey_saddle", (1.5, 0.3), 40, max_iter=3)
    k = tr.diverged_step
    assert k is not None and np.all(np.isfinite(tr.path[:k]))
    assert not np.hypot(*tr.path[k]) < 1e6 and np.all(np.isnan(tr.path[k + 1 :]))
    assert np.all(tr.evals[k:] == tr.evals[k]) and np.all(np.isnan(tr.loss[k + 1 :]))
    # log(x) is -inf at 0 and NaN beyond: the first step lands on x = 0
    f = landscapes.from_formula("log(x) + y^2")
    for wolfe in (False, True):
        tr = optimizers.trajectory("lbfgs", f, (0.5, 1.0), 10, strong_wolfe=wolfe)
        assert tr.diverged_step is not None and tr.basin == -1
        assert np.all(np.isnan(tr.path[tr.diverged_step + 1 :]))
    sw = optimizers.sweep("lbfgs", f, [(0.5, 1.0), (1.0, 1.0)], 10, lr=[1.0, 1e-3], max_iter=2)
    assert list(sw.diverged) == [True, False] and np.isnan(sw.final[0]).all()
    # absurd step lengths never raise
    for wolfe in (False, True):
        tr = optimizers.trajectory("lbfgs", "wobbly", None, 30, lr=1e12, strong_wolfe=wolfe)
        assert tr.path.shape == (31, 2)


@pytest.mark.parametrize(
    "kw",
    [
        {"lr": -1.0},
        {"max_iter": 0},
        {"max_iter": 2.5},
        {"max_eval": -1},
        {"max_eval": 1.5},
        {"tolerance_grad": -1e-3},
        {"tolerance_change": math.nan},
        {"history_size": 0},
        {"strong_wolfe": 2},
        {"effective_lr": True},
    ],
)
def test_bad_hyperparameters_raise(kw):
    with pytest.raises(ValueError):
        optimizers.trajectory("lbfgs", "wobbly", None, 5, **kw)
    with pytest.raises(ValueError):
        optimizers.sweep("lbfgs", "wobbly", [(0.0, 1.0), (1.0, 0.0)], 5, **kw)


def test_steps_zero_and_converged_start():
    tr = optimizers.trajectory("lbfgs", "simple_quad", (0.0, 0.0), 0)
    assert tr.path.shape == (1, 2) and tr.evals.tolist() == [0]
    tr = optimizers.trajectory("lbfgs", "simple_quad", (0.0, 0.0), 5)  # g = 0: one call per step, no move
    assert tr.evals.tolist() == [0, 1, 2, 3, 4, 5] and np.all(tr.path == 0.0) and tr.steps_to_tol == 0
