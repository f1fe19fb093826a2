"""Gradient-free baselines (optimizers/gradient_free.py): random search and CMA-ES through the public API."""

import math
import warnings

import numpy as np
import pytest

import landscapes
import optimizers

with warnings.catch_warnings():  # cma warns at import that matplotlib is missing
    warnings.simplefilter("ignore")
    import cma

HIMMELBLAU_MINIMA = np.array([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)])

# The options the engine documents (optimizers.gradient_free.CMA_OPTIONS), written out here so
# that the reference is the package itself, seeded the package's own way (seed = engine seed + 1).
REFERENCE_OPTIONS = {
    "verbose": -9, "verb_disp": 0, "verb_log": 0, "signals_filename": "", "bounds": [None, None],
    "maxiter": math.inf, "maxfevals": math.inf, "timeout": math.inf, "tolstagnation": 0,
    "tolflatfitness": math.inf, "tolupsigma": math.inf, "tolfacupx": math.inf,
}  # fmt: skip


def _expected_steps_to_tol(surface, path, loss, tol=1e-3):
    """The documented rule: the first step after which f stays within tol of the nearest known
    minimum's value (-1 if the last point is not)."""
    mins, vals = np.array(surface.minima), np.array(surface.minima_values)
    nearest = np.argmin(((path[:, None, :] - mins[None]) ** 2).sum(axis=2), axis=1)
    inside = np.abs(loss - vals[nearest]) <= tol
    if not inside[-1]:
        return -1
    return int(len(inside) - np.argmax(~inside[::-1])) if not inside.all() else 0


def _cma_reference(surface, start, sigma0, seed, generations, popsize=None):
    """A plain ask/tell loop of the cma package: means, sigmas and populations per generation."""
    opts = {**REFERENCE_OPTIONS, "seed": seed + 1}
    if popsize:
        opts["popsize"] = popsize
    saved = np.random.get_state()  # noqa: NPY002 -- cma's seed option reseeds NumPy's global generator
    try:
        es = cma.CMAEvolutionStrategy(list(start), sigma0, opts)
        means, sigmas, pops = [], [], []
        for _ in range(generations):
            xs = es.ask()
            a = np.array(xs)
            es.tell(xs, surface.value(a[:, 0], a[:, 1]))
            means.append(es.mean.copy())
            sigmas.append(es.sigma)
            pops.append(a)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    return np.array(means), np.array(sigmas), np.array(pops)


def test_cmaes_path_is_the_cma_package_run():
    s = landscapes.get("himmelblau")
    tr = optimizers.trajectory("cmaes", "himmelblau", (0, 0), 60, lr=0.5, seed=3)
    means, sigmas, pops = _cma_reference(s, (0.0, 0.0), 0.5, 3, 60)
    assert tr.diverged_step is None
    np.testing.assert_array_equal(tr.path[0], [0.0, 0.0])
    np.testing.assert_array_equal(tr.path[1:], means)  # the path is the mean after each generation
    np.testing.assert_array_equal(tr.state["sigma"][0], [0.5, 0.5])
    np.testing.assert_array_equal(tr.state["sigma"][1:, 0], sigmas)
    np.testing.assert_array_equal(tr.state["sigma"][:, 1], tr.state["sigma"][:, 0])
    np.testing.assert_array_equal(tr.lr[:-1], tr.state["sigma"][:-1, 0])  # σ that sampled the next generation
    assert np.isnan(tr.lr[-1])
    assert tr.population.shape == (61, 6, 2)  # cma's default 4 + ⌊3 ln 2⌋
    assert np.isnan(tr.population[0]).all()
    np.testing.assert_array_equal(tr.population[1:], pops)
    np.testing.assert_array_equal(tr.evals, 6 * np.arange(61))  # no convergence stop within 60 generations
    np.testing.assert_array_equal(tr.loss, s.value(tr.path[:, 0], tr.path[:, 1]))
    gx, gy = s.gradient(tr.path[:, 0], tr.path[:, 1])
    np.testing.assert_array_equal(tr.grad, np.stack([gx, gy], axis=1))
    np.testing.assert_array_equal(tr.update[:-1], np.diff(tr.path, axis=0))


def test_cmaes_popsize_and_leaves_the_global_generator_alone():
    s = landscapes.get("rosenbrock")
    # The legacy global generator is the one cma's own seeding would have touched.
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    first = np.random.rand()  # noqa: NPY002
    tr = optimizers.trajectory("cmaes", s, (1.5, -0.5), 40, lr=0.3, popsize=11, seed=7)
    assert [first, *np.random.rand(2)] == list(expected)  # noqa: NPY002 -- neither reseeded nor drawn from
    means, _, pops = _cma_reference(s, (1.5, -0.5), 0.3, 7, 40, popsize=11)
    np.testing.assert_array_equal(tr.path[1:], means)
    np.testing.assert_array_equal(tr.population[1:], pops)
    np.testing.assert_array_equal(tr.evals, 11 * np.arange(41))


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_cmaes_converges_to_a_himmelblau_minimum_within_budget(seed):
    budget = 300  # generations; 6 evaluations each
    tr = optimizers.trajectory("cmaes", "himmelblau", (0, 0), budget, lr=0.5, seed=seed)
    assert tr.diverged_step is None
    assert np.min(np.linalg.norm(HIMMELBLAU_MINIMA - tr.final, axis=1)) < 1e-4
    assert tr.loss[-1] < 1e-9
    assert tr.basin >= 0 and 0 <= tr.steps_to_tol < budget
    assert tr.steps_to_tol == _expected_steps_to_tol(landscapes.get("himmelblau"), tr.path, tr.loss)
    assert np.linalg.norm(tr.final - np.array(landscapes.get("himmelblau").minima[tr.basin])) < 1e-4
    # It converged (cma's tolfun/tolx) before the budget: from then on it stays at its mean and
    # spends no evaluations.
    c = int(np.argmax(tr.evals == tr.evals[-1]))
    assert 0 < c < budget and tr.evals[-1] == 6 * c
    assert (tr.path[c:] == tr.path[c]).all() and (tr.loss[c:] == tr.loss[c]).all()
    assert np.isnan(tr.population[c + 1 :]).all() and not np.isnan(tr.population[1 : c + 1]).any()
    assert (tr.update[c:-1] == 0).all()


def test_random_search_descends_by_moving_to_drawn_tries():
    s = landscapes.get("rastrigin")
    sigma, pop = 0.3, 5
    tr = optimizers.trajectory("random_search", s, (-2.6, 2.3), 400, lr=sigma, popsize=pop, seed=11)
    assert tr.diverged_step is None
    assert (np.diff(tr.loss) <= 0).all()  # f never increases along the path
    assert tr.population.shape == (401, pop, 2) and np.isnan(tr.population[0]).all()
    f_tries = s.value(tr.population[1:, :, 0], tr.population[1:, :, 1])  # (steps, pop)
    moved = (tr.path[1:] != tr.path[:-1]).any(axis=1)
    assert 10 < moved.sum() < 400
    for k in range(400):
        if moved[k]:  # the new point is the best try, and it is lower
            j = int(np.argmin(f_tries[k]))
            np.testing.assert_array_equal(tr.path[k + 1], tr.population[k + 1, j])
            assert f_tries[k, j] == tr.loss[k + 1] < tr.loss[k]
        else:  # no try was lower
            assert f_tries[k].min() >= tr.loss[k]
    np.testing.assert_array_equal(tr.evals, pop * np.arange(401))
    np.testing.assert_array_equal(tr.lr[:-1], np.full(400, sigma))
    assert tr.state == {}
    assert tr.steps_to_tol == _expected_steps_to_tol(s, tr.path, tr.loss)
    # The tries are θ + σ·N(0, I) with fresh draws every time: unit variance, and no draw
    # reused by a later step (a counter collision would repeat offsets).
    z = ((tr.population[1:] - tr.path[:-1, None, :]) / sigma).reshape(-1, 2)
    assert abs(np.mean(z**2) - 1.0) < 0.1 and abs(np.mean(z)) < 0.1
    assert len(np.unique(np.round(z, 8), axis=0)) == len(z)


def test_random_search_reaches_a_minimum_and_counts_popsize_per_step():
    s = landscapes.get("himmelblau")
    sw = optimizers.sweep("random_search", s, [(0, 0)] * 3, 600, lr=0.05, popsize=[4, 8, 16], seed=2, paths=True)
    np.testing.assert_array_equal(sw.evals, [4 * 600, 8 * 600, 16 * 600])
    assert not sw.diverged.any()
    assert (np.min(np.linalg.norm(HIMMELBLAU_MINIMA[None] - sw.final[:, None], axis=2), axis=1) < 0.05).all()
    assert (sw.basin >= 0).all() and (sw.steps_to_tol > 0).all()
    for r in range(3):
        assert sw.steps_to_tol[r] == _expected_steps_to_tol(s, sw.paths[r], sw.losses[r])


def test_random_search_stays_unless_a_try_is_strictly_lower():
    surf = landscapes.from_formula("max(x^2 + y^2, 1)")  # exactly flat (f = 1) on the unit disc
    tr = optimizers.trajectory("random_search", surf, (0, 0), 100, lr=0.5)
    assert (np.abs(tr.population[1:]) < 1).any()  # it tried points of equal f ...
    assert (tr.path == 0).all()  # ... and never moved to one


@pytest.mark.parametrize("name", ["random_search", "cmaes"])
def test_basin_is_the_nearest_minimum_within_radius(name):
    s = landscapes.get("himmelblau")
    tr = optimizers.trajectory(name, s, (0, 0), 12, lr=0.3, seed=1)
    dist = np.linalg.norm(np.array(s.minima) - tr.final, axis=1)
    k, d = int(np.argmin(dist)), float(dist.min())
    assert 1e-3 < d < 1.0
    assert optimizers.trajectory(name, s, (0, 0), 12, lr=0.3, seed=1, radius=1.01 * d).basin == k
    assert optimizers.trajectory(name, s, (0, 0), 12, lr=0.3, seed=1, radius=0.99 * d).basin == -1


def _assert_sweep_equals_trajectories(name, surface, starts, steps, **hp):
    sw = optimizers.sweep(name, surface, starts, steps, paths=True, **hp)
    for r, start in enumerate(starts):
        one = {k: (v[r] if np.ndim(v) else v) for k, v in hp.items()}
        tr = optimizers.trajectory(name, surface, start, steps, **one)
        np.testing.assert_array_equal(sw.paths[r], tr.path)
        np.testing.assert_array_equal(sw.losses[r], tr.loss)
        np.testing.assert_array_equal(sw.final[r], tr.path[-1] if tr.diverged_step is None else [np.nan] * 2)
        assert sw.diverged_step[r] == (-1 if tr.diverged_step is None else tr.diverged_step)
        assert sw.steps_to_tol[r] == tr.steps_to_tol and sw.basin[r] == tr.basin
        assert sw.evals[r] == tr.evals[-1]
    return sw


def test_sweeps_equal_single_trajectories_bit_for_bit():
    starts = [(0.0, 0.0), (1.0, -1.0), (-4.0, 4.0), (2.0, 2.0), (0.5, 0.5)]
    sw = _assert_sweep_equals_trajectories(
        "random_search", "himmelblau", starts, 150, lr=[0.05, 0.1, 0.2, 0.4, 1.0], popsize=[1, 3, 8, 5, 20],
        seed=[0, 1, 2, 3, 2**40],
    )  # fmt: skip
    assert not sw.diverged.any()
    sw = _assert_sweep_equals_trajectories(
        "cmaes", "himmelblau", starts[:4], 80, lr=[0.5, 0.1, 1.0, 2.0], popsize=[0, 2, 10, 6], seed=[0, 3, 2**33, 4]
    )
    assert not sw.diverged.any()
    assert (sw.evals % [6, 2, 10, 6] == 0).all() and (sw.evals <= [6 * 80, 2 * 80, 10 * 80, 6 * 80]).all()
    # A sweep mixing diverging and converging runs (see the divergence tests).
    _assert_sweep_equals_trajectories("cmaes", "f:sqrt(x) + (y-1)^2", [(1.0, 0.5)] * 3, 150, lr=0.5, seed=[0, 1, 2])


@pytest.mark.parametrize("name", ["random_search", "cmaes"])
def test_same_seed_same_run_different_seed_different_run(name):
    def path(**kw):
        return optimizers.trajectory(name, "himmelblau", (0, 0), 50, lr=0.3, **kw).path

    np.testing.assert_array_equal(path(), path())  # the default seed 0 is a seed, not the clock
    np.testing.assert_array_equal(path(seed=9), path(seed=9))
    np.testing.assert_array_equal(path(), path(seed=0))
    assert not np.array_equal(path(seed=9), path(seed=10))
    assert not np.array_equal(path(), path(seed=1))


@pytest.mark.parametrize("name", ["random_search", "cmaes"])
@pytest.mark.parametrize(
    ("option", "value"),
    [("noise", 0.1), ("clip_norm", 1.0), ("schedule", "cosine"), ("warmup_steps", 5), ("effective_lr", True),
     ("gamma", 0.5), ("step_size", 10), ("eta_min", 0.01)],
)  # fmt: skip
def test_gradient_only_options_are_refused(name, option, value):
    with pytest.raises(ValueError, match=option):
        optimizers.trajectory(name, "himmelblau", (0, 0), 5, **{option: value})


def test_gradient_only_option_refused_when_one_sweep_row_sets_it():
    with pytest.raises(ValueError, match="noise"):
        optimizers.sweep("random_search", "himmelblau", [(0, 0)] * 2, 5, noise=[0.0, 0.1])
    optimizers.sweep("random_search", "himmelblau", [(0, 0)] * 2, 5, noise=[0.0, 0.0], seed=[1, 2])  # defaults pass


def test_cmaes_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="popsize"):
        optimizers.trajectory("cmaes", "himmelblau", (0, 0), 5, popsize=1)
    with pytest.raises(ValueError, match="lr"):
        optimizers.trajectory("cmaes", "himmelblau", (0, 0), 5, lr=0.0)


def _assert_diverged_cleanly(tr, d):
    assert tr.diverged_step == d
    assert np.isnan(tr.path[d + 1 :]).all() and np.isnan(tr.loss[d + 1 :]).all()
    assert np.isfinite(tr.path[:d]).all() and np.isfinite(tr.loss[:d]).all()
    assert not np.isfinite(tr.loss[d])  # f undefined or overflowing there, or never evaluated (blow-up)
    assert (tr.evals[d:] == tr.evals[d]).all()  # nothing spent after the divergence
    assert tr.basin == -1
    if tr.population is not None:
        assert np.isnan(tr.population[d + 1 :]).all()


@pytest.mark.parametrize("name", ["random_search", "cmaes"])
def test_start_where_f_is_undefined_diverges_at_step_0(name):
    surf = landscapes.from_formula("sqrt(x) + (y-1)^2")
    tr = optimizers.trajectory(name, surf, (-1.0, 0.0), 20)
    _assert_diverged_cleanly(tr, 0)
    np.testing.assert_array_equal(tr.path[0], [-1.0, 0.0])
    assert (tr.evals == 0).all()
    sw = optimizers.sweep(name, surf, [(-1.0, 0.0), (1.0, 0.5)], 20)
    assert list(sw.diverged) == [True, False] and np.isnan(sw.final[0]).all() and np.isfinite(sw.final[1]).all()


def test_undefined_region_stops_cmaes_mean_but_not_random_search():
    surf = landscapes.from_formula("sqrt(x) + (y-1)^2")  # NaN for x < 0; the minimum is on that edge
    tr = optimizers.trajectory("cmaes", surf, (1.0, 0.5), 300, lr=0.5)
    d = tr.diverged_step
    assert d is not None and 0 < d < 300
    assert tr.path[d, 0] < 0 and np.isnan(tr.loss[d])  # the mean stepped into the undefined region
    _assert_diverged_cleanly(tr, d)
    assert tr.evals[-1] == 6 * d
    # Random search never moves to a try whose f is NaN, though it tries such points.
    tr = optimizers.trajectory("random_search", surf, (1.0, 0.5), 300, lr=0.5)
    assert tr.diverged_step is None and (tr.path[:, 0] >= 0).all() and np.isfinite(tr.loss).all()
    assert (tr.population[1:, :, 0] < 0).any()


@pytest.mark.parametrize(("name", "hp"), [("cmaes", {"lr": 0.5}), ("random_search", {"lr": 50.0, "popsize": 4})])
def test_overflowing_f_diverges_without_raising(name, hp):
    surf = landscapes.from_formula("-exp(x) + y^2")  # f = -inf once exp overflows (x > 709.8)
    tr = optimizers.trajectory(name, surf, (0.0, 0.0), 300, **hp)
    d = tr.diverged_step
    assert d is not None and 0 < d < 300
    assert tr.loss[d] == -np.inf and tr.path[d, 0] > 709
    _assert_diverged_cleanly(tr, d)


@pytest.mark.parametrize(("name", "hp"), [("cmaes", {"lr": 0.5}), ("random_search", {"lr": 1e5})])
def test_unbounded_surface_blows_up_without_raising(name, hp):
    surf = landscapes.from_formula("-(x^2 + y^2)")
    tr = optimizers.trajectory(name, surf, (0.5, 0.5), 300, **hp)
    d = tr.diverged_step
    assert d is not None and 0 < d < 300
    assert tr.path[d] @ tr.path[d] >= 1e12 and np.isnan(tr.loss[d])  # |θ|² ≥ BLOW_UP: f never taken there
    _assert_diverged_cleanly(tr, d)
    sw = optimizers.sweep(name, surf, [(0.5, 0.5)], 300, **hp)
    assert sw.diverged_step[0] == d and np.isnan(sw.loss[0])
