"""Optimizer API: arguments, divergence, sweeps vs trajectories, noise, clipping, state."""

import math

import numpy as np
import pytest

import landscapes
import optimizers
from optimizers import kernels
from optimizers.registry import N_OWN, N_STATE


def test_registry_is_complete_and_self_consistent():
    expected = {
        "sgd", "momentum", "nesterov", "smoothed_nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
        "adamax", "nadam", "radam", "lion", "adabelief", "newton", "saddle_free_newton", "rprop", "asgd",
        "adafactor", "sgd_schedulefree", "adamw_schedulefree", "prodigy", "lbfgs", "random_search", "cmaes",
    }  # fmt: skip
    assert set(optimizers.names()) == expected
    codes = [optimizers.spec(n).code for n in optimizers.names()]
    assert codes == list(range(len(codes)))
    for n in optimizers.names():
        s = optimizers.spec(n)
        assert s.hypers[0].name == "lr" and s.latex and s.description and s.reference
        assert len(s.hypers) <= N_OWN and len(s.state) <= N_STATE
        assert s.momentum_state in (None, *s.state) and s.scale_state in (None, *s.state)
        for h in s.hypers:
            h.check(h.default)  # every default is valid
            assert h.ui[0] <= h.ui[1]
        tr = optimizers.trajectory(n, "wobbly", None, 5)
        assert set(tr.state) == set(s.state)
        assert all(v.shape == (6, 2) for v in tr.state.values())


def test_unknown_optimizer_and_hyperparameter():
    with pytest.raises(KeyError, match="adam"):
        optimizers.trajectory("adamm", "wobbly")
    with pytest.raises(TypeError, match=r"'betas'.*beta1.*beta2"):
        optimizers.trajectory("adam", "wobbly", betas=(0.9, 0.99))
    with pytest.raises(TypeError, match=r"'mom'; valid: lr, weight_decay, schedule"):
        optimizers.sweep("sgd", "wobbly", [(0, 0)], 10, mom=0.9)


@pytest.mark.parametrize(
    "name,kw,match",
    [
        ("sgd", {"lr": -0.1}, r"lr=-0.1 is out of range: must be \[0, inf\]"),
        ("adam", {"beta1": 1.0}, r"beta1=1.0 .*\[0, 1\)"),
        ("adam", {"beta2": 1.5}, r"beta2"),
        ("rmsprop", {"eps": float("nan")}, r"eps"),
        ("adam", {"amsgrad": 0.5}, r"bool"),
        ("sgd", {"schedule": "linear"}, r"constant, step"),
        ("sgd", {"T_0": 2.5, "schedule": "cosine_restarts"}, r"integer"),
        ("nesterov", {"momentum": 0.0}, r"momentum"),
        ("sgd", {"noise": -1}, r"noise"),
        ("sgd", {"lr": "fast"}, r"not a number"),
    ],
)
def test_out_of_range_values_raise_valueerror_with_range(name, kw, match):
    with pytest.raises(ValueError, match=match):
        optimizers.trajectory(name, "wobbly", None, 10, **kw)


def test_bad_steps_and_starts():
    with pytest.raises(ValueError, match="steps"):
        optimizers.trajectory("sgd", "wobbly", None, -1)
    with pytest.raises(ValueError, match="steps"):
        optimizers.trajectory("sgd", "wobbly", None, 2.5)
    with pytest.raises(ValueError, match="finite"):
        optimizers.trajectory("sgd", "wobbly", (np.nan, 0.0), 10)
    with pytest.raises(ValueError, match="pairs"):
        optimizers.sweep("sgd", "wobbly", np.zeros((4, 3)), 10)
    with pytest.raises(ValueError, match="one value per run"):
        optimizers.sweep("sgd", "wobbly", np.zeros((4, 2)), 10, lr=[0.1, 0.2])


def test_divergence_is_marked_not_raised():
    tr = optimizers.trajectory("sgd", "rosenbrock", None, 200, lr=0.05)
    assert tr.diverged_step is not None and 0 < tr.diverged_step < 10
    k = tr.diverged_step
    assert np.all(np.isfinite(tr.path[:k]))
    assert not np.hypot(*tr.path[k]) < 1e6  # the escaping point itself is kept
    assert np.all(np.isnan(tr.path[k + 1 :])) and np.all(np.isnan(tr.loss[k + 1 :]))
    assert np.all(np.isfinite(tr.final))
    # unbounded below: the monkey saddle runs off to -inf
    tr = optimizers.trajectory("sgd", "monkey_saddle", (-0.5, 0.1), 3000, lr=0.1)
    assert tr.diverged_step is not None
    # absurd learning rates on every optimizer never raise
    for n in optimizers.names():
        tr = optimizers.trajectory(n, "wobbly", None, 50, lr=1e12)
        assert tr.path.shape == (51, 2)


def test_sweep_marks_diverged_runs_and_keeps_others():
    lrs = np.array([0.0005, 0.001, 0.05, 0.5])
    sw = optimizers.sweep("sgd", "rosenbrock", (-1.2, 1.0), 300, lr=lrs)
    assert list(sw.diverged) == [False, False, True, True]
    assert np.all(np.isnan(sw.final[2:])) and np.all(np.isfinite(sw.final[:2]))
    assert np.all(sw.diverged_step[:2] == -1) and np.all(sw.diverged_step[2:] > 0)


@pytest.mark.parametrize("name", optimizers.names())
def test_sweep_agrees_with_single_trajectories(name):
    rng = np.random.default_rng(3)
    n = 19  # not a multiple of the chunk size
    s = landscapes.get("hills_and_canyon")
    starts = rng.uniform(-2.5, 2.5, size=(n, 2))
    lr = optimizers.defaults(name)["lr"] * rng.uniform(1, 20, n)
    noise = 0.0 if optimizers.spec(name).gradient_free else 0.3  # no gradient, no gradient noise
    sw = optimizers.sweep(name, s, starts, 60, paths=True, lr=lr, noise=noise, seed=np.arange(n))
    for i in (0, 7, 8, 18):
        tr = optimizers.trajectory(name, s, starts[i], 60, lr=lr[i], noise=noise, seed=i)
        np.testing.assert_array_equal(sw.paths[i], tr.path)
        np.testing.assert_array_equal(sw.losses[i], tr.loss)
        assert sw.basin[i] == tr.basin and sw.steps_to_tol[i] == tr.steps_to_tol
        if tr.diverged_step is None:
            np.testing.assert_array_equal(sw.final[i], tr.path[-1])
            assert sw.loss[i] == tr.loss[-1]


def test_lr_by_momentum_grid_in_one_call():
    lr, mom = np.meshgrid(np.geomspace(1e-3, 1e-1, 8), np.linspace(0, 0.99, 8))
    sw = optimizers.sweep("momentum", "wobbly", (-2.8, -2.5), 200, lr=lr.ravel(), momentum=mom.ravel())
    assert sw.final.shape == (64, 2)
    tr = optimizers.trajectory("momentum", "wobbly", (-2.8, -2.5), 200, lr=lr.ravel()[37], momentum=mom.ravel()[37])
    assert sw.loss[37] == tr.loss[-1]


def test_noise_is_reproducible_and_gaussian():
    a = optimizers.trajectory("sgd", "simple_quad", None, 100, lr=0.1, noise=0.5, seed=4)
    b = optimizers.trajectory("sgd", "simple_quad", None, 100, lr=0.1, noise=0.5, seed=4)
    c = optimizers.trajectory("sgd", "simple_quad", None, 100, lr=0.1, noise=0.5, seed=5)
    np.testing.assert_array_equal(a.path, b.path)
    assert not np.allclose(a.path, c.path)
    # On the flat plane of giant_plateau's corner the recorded gradient is pure noise.
    sw_noise = np.array([kernels.gaussian_pair(7.0, t, 0) for t in range(1, 40001)])
    assert abs(sw_noise.mean()) < 0.02
    assert abs(sw_noise.std() - 1.0) < 0.02
    assert abs(np.corrcoef(sw_noise[:, 0], sw_noise[:, 1])[0, 1]) < 0.02
    exact = landscapes.get("simple_quad").gradient(a.path[:-1, 0], a.path[:-1, 1])
    resid = a.grad[:-1] - np.column_stack(exact)
    assert 0.4 < resid.std() < 0.6


def test_noise_ensemble_spreads_paths():
    sw = optimizers.sweep("sgd", "ripple", (-2.0, -2.0), 300, paths=True, lr=0.05, noise=1.0, seed=np.arange(32))
    assert sw.paths.shape == (32, 301, 2)
    assert np.std(sw.final[:, 0]) > 0.01
    assert len({tuple(p) for p in sw.final.round(12)}) == 32


def test_gradient_clipping_bounds_the_gradient():
    tr = optimizers.trajectory("sgd", "rosenbrock", None, 100, lr=1e-3, clip_norm=2.0)
    norms = np.hypot(*tr.grad.T)
    assert norms.max() <= 2.0 + 1e-9
    free = optimizers.trajectory("sgd", "rosenbrock", None, 100, lr=1e-3)
    assert np.hypot(*free.grad.T).max() > 100


def test_effective_lr_divides_by_the_norm():
    tr = optimizers.trajectory("sgd", "wobbly", None, 20, lr=0.1, effective_lr=True)
    np.testing.assert_allclose(tr.lr[:-1], 0.1 / np.hypot(*tr.path[:-1].T), rtol=1e-14)


def test_warmup_and_cosine_multiply():
    tr = optimizers.trajectory("sgd", "simple_quad", None, 100, lr=0.1, schedule="cosine", warmup_steps=10)
    k = np.arange(100)
    cosine = 0.1 * (1 + np.cos(np.pi * k / 100)) / 2
    warm = 1 / 3 + (2 / 3) * np.minimum(k, 10) / 10
    np.testing.assert_allclose(tr.lr[:-1], cosine * warm, rtol=1e-12)


def test_newton_is_drawn_into_the_saddle_and_saddle_free_newton_escapes():
    nt = optimizers.trajectory("newton", "saddle", (-2.8, 0.05), 5)
    assert np.hypot(*nt.path[-1]) < 1e-12  # exact on a quadratic: straight to the saddle
    sfn = optimizers.trajectory("saddle_free_newton", "saddle", (-2.8, 0.05), 20, lr=0.5)
    assert abs(sfn.path[-1, 0]) < 1e-3 and abs(sfn.path[-1, 1]) > 1.0
    assert sfn.loss[-1] < nt.loss[-1] - 1


def test_saddle_free_newton_equals_newton_where_convex():
    a = optimizers.trajectory("newton", "elongated_bowl", None, 3, damping=0.0)
    b = optimizers.trajectory("saddle_free_newton", "elongated_bowl", None, 3, damping=0.0)
    np.testing.assert_allclose(a.path, b.path, atol=1e-14)


def test_steps_to_tol_and_basin():
    s = landscapes.get("simple_quad")
    tr = optimizers.trajectory("sgd", s, (1.0, 0.0), 200, lr=0.1)
    first = int(np.argmax(tr.loss <= 1e-3))
    assert tr.steps_to_tol == first and tr.loss[first - 1] > 1e-3
    assert tr.basin == 0
    sw = optimizers.sweep("sgd", s, [(1.0, 0.0), (1.0, 0.0)], 5, lr=[0.1, 1e-6])
    assert list(sw.steps_to_tol) == [-1, -1] and list(sw.basin) == [-1, -1]
    h = landscapes.get("himmelblau")
    sw = optimizers.sweep("adam", h, np.array(h.minima) * 0.9, 2000, lr=0.05)
    assert list(sw.basin) == [0, 1, 2, 3]


def test_state_is_recorded_per_step():
    tr = optimizers.trajectory("adam", "wobbly", None, 30, lr=0.1)
    m, v = tr.state["exp_avg"], tr.state["exp_avg_sq"]
    assert np.all(m[0] == 0) and np.all(v[0] == 0)
    np.testing.assert_allclose(m[1], 0.1 * tr.grad[0], rtol=1e-14)
    scale = tr.state["step_scale"]
    # The update is -step_scale * m, coordinate by coordinate.
    np.testing.assert_allclose(tr.update[:-1], -scale[1:] * m[1:], rtol=1e-10, atol=1e-15)
    assert np.all(np.isnan(tr.update[-1]))
    mom = optimizers.trajectory("momentum", "wobbly", None, 10, lr=0.01)
    np.testing.assert_allclose(mom.update[:-1], -0.01 * mom.state["momentum_buffer"][1:], rtol=1e-10, atol=1e-15)


def test_changing_hyperparameters_never_recompiles():
    optimizers.trajectory("adam", "wobbly", None, 10)
    optimizers.sweep("adam", "wobbly", np.zeros((3, 2)), 10, paths=True)
    before = len(kernels.run.signatures)
    for n in optimizers.names():
        gradient = {} if optimizers.spec(n).gradient_free else {"schedule": "cosine", "noise": 0.1}
        for surface in ("wobbly", "rosenbrock", "saddle"):
            optimizers.trajectory(n, surface, (0.3, 0.2), 7, lr=0.02, seed=3, **gradient)
            optimizers.sweep(n, surface, np.zeros((5, 2)), 7, lr=np.linspace(0.01, 0.1, 5))
    assert len(kernels.run.signatures) == before == 1
    # the runners' compiled loops too: one machine code for every setting and surface
    from optimizers import gradient_free, lbfgs

    assert len(lbfgs.run_all.signatures) == 1 and len(gradient_free._random_search.signatures) == 1


def _stepped_warm_restarts(base: float, eta_min: float, t0: int, t_mult: int, n: int) -> np.ndarray:
    """torch's CosineAnnealingWarmRestarts as ``.step()`` advances it (integer counters, no logarithm)."""
    out, t_cur, t_i = [], 0, t0
    for _ in range(n):
        out.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_i * t_mult
    return np.array(out)


@pytest.mark.parametrize(("t0", "t_mult"), [(1, 3), (2, 3), (1, 10), (3, 9), (1, 2), (5, 2), (7, 1)])
def test_warm_restarts_restart_where_torchs_stepped_scheduler_does(t0, t_mult):
    """The period is settled with integer-valued arithmetic: a floating-point logarithm misses
    restarts (log(243)/log(3) < 5 put step 121 of T_0 = 1, T_mult = 3 at lr 0 instead of the base lr)."""
    n = 1500
    tr = optimizers.trajectory("sgd", "simple_quad", None, n - 1, lr=0.1, schedule="cosine_restarts", T_0=t0,
                               T_mult=t_mult, eta_min=0.0)  # fmt: skip
    ref = _stepped_warm_restarts(0.1, 0.0, t0, t_mult, n - 1)
    assert np.allclose(tr.lr[: n - 1], ref, rtol=1e-12, atol=1e-15)
    if (t0, t_mult) == (1, 3):
        assert tr.lr[121] == pytest.approx(0.1)


def test_adabelief_says_what_it_does_l2_weight_decay_and_no_rectification():
    """Its registry reference names the adabelief-pytorch options it matches, and its weight decay
    is L2 through the gradient: a run with wd on f equals a run without wd on f + (wd/2)‖θ‖²."""
    ref = optimizers.spec("adabelief").reference
    assert "rectify=False" in ref and "weight_decouple=False" in ref
    wd = 0.3
    f = landscapes.from_formula("(x^2 - 1)^2 + 0.5*sin(3*y)")
    f_l2 = landscapes.from_formula(f"(x^2 - 1)^2 + 0.5*sin(3*y) + {wd / 2}*(x^2 + y^2)")
    a = optimizers.trajectory("adabelief", f, (0.4, 1.1), 100, lr=0.05, weight_decay=wd)
    b = optimizers.trajectory("adabelief", f_l2, (0.4, 1.1), 100, lr=0.05)
    assert np.allclose(a.path, b.path, rtol=1e-10, atol=1e-12)


def test_adadelta_start_has_the_articles_meaning_everywhere():
    """initial_acc_delta is E[Δθ²] before the first step, as the article's code sets it (big start 50):
    the first step is √(50 + ε)/√(g² + ε)·g per coordinate, as on the 1-D page; old links' RMS is squared."""
    from viz.state import from_query

    s = landscapes.get("simple_quad")
    tr = optimizers.trajectory("adadelta", s, (1.0, 0.5), 3, lr=1.0, rho=0.95, eps=1e-6, initial_acc_delta=50.0)
    g = tr.grad[0]
    sq = 0.05 * g * g
    acc = 0.95 * 50.0  # ρ·E[Δθ²]₀ + (1 − ρ)·Δθ₁²: E[Δθ²] before the step enters the first step
    step = np.sqrt(50.0 + 1e-6) / np.sqrt(sq + 1e-6) * g
    assert np.allclose(tr.update[0], -step, rtol=1e-12)
    assert acc < tr.state["acc_delta"][1][0]
    help_text = optimizers.spec("adadelta").hypers[-1].help
    assert "E[Δθ²]" in help_text and "big start 50" in help_text
    view, notices = from_query({"run": "adadelta:initial_rms_delta=7"})
    assert view.runs[0].hyper["initial_acc_delta"] == 49.0 and "now initial_acc_delta" in notices[0]


def test_scalar_surface_code_does_not_inherit_the_lane_codes_fastmath():
    """Numba compiles a callee with its caller's fastmath unless the callee sets its own: the
    lane code (contract) calls value_grad_raw, so whichever kernel compiled first decided
    whether the scalar gradient fused multiply-adds, and results changed with test order.
    The scalar code states fastmath=False: it computes what the plain Python code computes."""
    from landscapes._generated import value_grad_raw

    optimizers.sweep("adam", "rosenbrock", [(0.0, 0.0)] * 3, 3)  # compiles (or loads) the lane code first
    for name in ("rosenbrock", "himmelblau", "beale"):
        sid = landscapes.get(name).kernel_arg[0]
        for x, y in ((-1.2, 1.0), (0.3, -0.7), (2.5, 1.1)):
            assert value_grad_raw(sid, x, y) == value_grad_raw.py_func(sid, x, y), (name, x, y)


@pytest.mark.parametrize("surface", landscapes.names())
def test_every_run_of_a_sweep_is_bit_for_bit_its_trajectory(surface):
    """The sweep's vectorised lane code and a trajectory's one lane give the same bits on every
    surface: with the compiler free to fuse multiply-adds, the vector loop and its scalar remainder
    fused differently and Ackley's paths parted by an ulp. Same settings in every lane (Adam's
    shared step size) and different ones (SGD's per-run lr)."""
    s = landscapes.get(surface)
    rng = np.random.default_rng(1)
    (x0, x1), (y0, y1) = s.bounds
    starts = np.column_stack([rng.uniform(x0, x1, 24), rng.uniform(y0, y1, 24)])
    for name, lr in (("adam", np.full(24, 0.05)), ("sgd", np.geomspace(1e-3, 0.1, 24))):
        sw = optimizers.sweep(name, s, starts, 100, paths=True, lr=lr)
        for i in range(24):
            tr = optimizers.trajectory(name, s, starts[i], 100, lr=lr[i])
            np.testing.assert_array_equal(sw.paths[i], tr.path)


def test_simd_width_follows_the_cpu_features():
    from landscapes._jit import vector_width

    assert vector_width("+sse2,+avx,+avx2,+avx512f,+fma") == 8
    assert vector_width("+sse2,+avx,+avx2,-avx512f,+fma") == 4
    assert vector_width("+sse2,-avx") == 2
    assert vector_width("+neon") == 2
    assert kernels.WIDTH == vector_width()
    assert kernels.lanes_for(3) % vector_width() == 0


def test_a_trajectory_leaves_the_thread_count_as_it_found_it():
    import numba

    before = numba.get_num_threads()
    optimizers.trajectory("adam", "wobbly", None, 20)
    assert numba.get_num_threads() == before


_LANE_CODE = [n for n in optimizers.names() if not optimizers.spec(n).runner]
_OPTIONS = (
    {},
    {"schedule": "cosine_restarts", "T_0": 7, "warmup_steps": 5, "noise": 0.3, "seed": 4, "clip_norm": 2.0},
    {"lr": 40.0},  # diverges on most surfaces: the rows after it must be NaN in both paths
)


@pytest.mark.parametrize("name", _LANE_CODE)
def test_a_trajectory_on_the_scalar_path_equals_its_run_in_a_chunk(name):
    """A single run takes ``run_one`` (point in registers, records filled by the kernel); two or
    more take the chunked lane code. Every record, summary and final state must agree bit for
    bit: path, loss, gradient, update, state, lr, divergence, settling, basin; also on a typed
    formula, with a schedule, noise and clipping, and for a run that diverges."""
    formula = landscapes.from_formula("x^2/4 + (y - sin(2*x))^2")
    surfaces = [landscapes.get(n) for n in ("wobbly", "basins_and_walls", "rastrigin", "ackley", "beale")]
    rng = np.random.default_rng(7)
    for surf in [*surfaces, formula]:
        (x0, x1), (y0, y1) = surf.bounds
        for options in _OPTIONS:
            start = (rng.uniform(x0, x1), rng.uniform(y0, y1))
            other = (rng.uniform(x0, x1), rng.uniform(y0, y1))
            one = optimizers._execute(name, surf, [start], 60, 2, 1e-3, 0.05, options)
            two = optimizers._execute(name, surf, [start, other], 60, 2, 1e-3, 0.05, options)
            what = f"{name} on {surf.name} with {options}"
            for field in ("final", "loss", "div", "stt", "basin", "path", "losses", "grad", "update", "state", "lr"):
                np.testing.assert_array_equal(
                    getattr(one, field)[0], getattr(two, field)[0], err_msg=f"{field}: {what}"
                )
            if one.div[0] < 0:  # the state a hand-off continues from
                np.testing.assert_array_equal(one.st_out[0], two.st_out[0], err_msg=what)
                np.testing.assert_array_equal(one.sc_out[0], two.sc_out[0], err_msg=what)


def test_a_sweep_without_paths_says_when_runs_settle_as_one_with_paths():
    """A sweep's summaries-only fast path skips a step's bookkeeping when nothing can change. It
    used to skip a settled run that left its minimum's value while staying within tol of some
    other minimum's value (surfaces with minima at different heights), so heatmaps said a run
    settled earlier than its own trajectory did (basins and walls, momentum: 136 of 4,000 runs)."""
    rng = np.random.default_rng(0)
    for surface, name, hyper in (
        ("basins_and_walls", "momentum", {"lr": 0.01, "momentum": 0.95}),
        ("basins_and_walls", "adam", {"lr": 0.1}),
        ("hills_and_canyon", "adam", {"lr": 0.1}),
        ("rastrigin", "adam", {"lr": 0.1}),
    ):
        s = landscapes.get(surface)
        (x0, x1), (y0, y1) = s.bounds
        starts = np.column_stack([rng.uniform(x0, x1, 1500), rng.uniform(y0, y1, 1500)])
        fast = optimizers.sweep(name, s, starts, 200, **hyper)
        full = optimizers.sweep(name, s, starts, 200, paths=True, **hyper)
        np.testing.assert_array_equal(fast.steps_to_tol, full.steps_to_tol, err_msg=f"{name} on {surface}")
        np.testing.assert_array_equal(fast.basin, full.basin)
