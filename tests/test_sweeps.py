"""The sweep computations behind the practitioner's pages: they must agree with single runs."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest

import landscapes
import optimizers
from optimizers import response as resp
from viz import sweep_figures as sf
from viz import sweeps
from viz.cache import ResultCache

HC = landscapes.get("hills_and_canyon")


def test_run_chunked_equals_one_sweep_and_reports_progress():
    rng = np.random.default_rng(1)
    starts = rng.uniform(-3, 3, (37, 2))
    lr = np.geomspace(1e-3, 0.5, 37)
    seen = []
    a = sweeps.run_chunked("adam", HC, starts, 60, seen.append, chunk=8, lr=lr, noise=0.3)
    b = optimizers.sweep("adam", HC, starts, 60, lr=lr, noise=0.3)
    np.testing.assert_array_equal(a.final, b.final)
    np.testing.assert_array_equal(a.steps_to_tol, b.steps_to_tol)
    np.testing.assert_array_equal(a.basin, b.basin)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 6


def test_heatmap_cells_agree_with_single_trajectories():
    x = sweeps.Axis("lr", 1e-3, 1.0, 9, log=True)
    y = sweeps.Axis("momentum", 0.0, 0.99, 7)
    r = sweeps.heatmap("momentum", HC, HC.start, 150, x, y, {"dampening": 0.1}, cache=None)
    assert r.loss.shape == (7, 9)
    for j, i in [(0, 0), (3, 4), (6, 8), (5, 1)]:
        hp = r.cell_hyper(j, i)
        assert hp["lr"] == pytest.approx(x.values()[i]) and hp["momentum"] == pytest.approx(y.values()[j])
        tr = optimizers.trajectory("momentum", HC, HC.start, 150, **hp)
        assert tr.hyperparameters["dampening"] == 0.1
        if tr.diverged_step is None:
            np.testing.assert_array_equal(r.final[j, i], tr.path[-1])
            assert r.loss[j, i] == tr.loss[-1]
        assert r.diverged[j, i] == (tr.diverged_step is not None)
        assert r.steps_to_tol[j, i] == tr.steps_to_tol
    df = r.frame()
    assert len(df) == 63 and set(sweeps.METRICS) <= set(df.columns)


def test_heatmap_metrics():
    r = sweeps.heatmap("sgd", HC, HC.start, 100, sweeps.Axis("lr", 1e-3, 0.5, 5, True),
                       sweeps.Axis("noise", 0.0, 1.0, 3), cache=None)  # fmt: skip
    fl = r.metric("final_loss")
    np.testing.assert_allclose(fl, r.loss - sweeps.global_value(HC))
    d = r.metric("distance")
    g = np.array(HC.global_minima[0])
    np.testing.assert_allclose(d, np.hypot(*(r.final - g).transpose(2, 0, 1)))
    assert np.all(np.isnan(r.metric("diverged")) == ~r.diverged)
    with pytest.raises(ValueError, match="unknown metric"):
        r.metric("speed")


def test_a_sweep_that_diverges_everywhere_is_shown_as_diverged():
    lr, noise = sweeps.Axis("lr", 1.0, 100.0, 4, True), sweeps.Axis("noise", 0.0, 1.0, 3)
    r = sweeps.heatmap("sgd", landscapes.get("rosenbrock"), (-1.5, 2.0), 50, lr, noise, cache=None)
    assert r.diverged.all()
    for m in sweeps.METRICS:
        z = r.metric(m)
        assert np.isnan(z).all() if m != "diverged" else np.isfinite(z).all()
        go.Figure(sf.heatmap_figure(r, m))  # validates
    b = sweeps.basins("sgd", landscapes.get("rosenbrock"), 8, 50, {"lr": 100.0}, cache=None)
    table = sweeps.basin_table([b])
    assert table.loc[0, "diverged"] == 1.0 and table.loc[0, "global minimum"] == 0.0
    for c in ("basin", "final_loss", "steps_to_tol"):
        go.Figure(sf.basins_figure(b, c))


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        (sweeps.Axis("betas", 0, 1, 8), "no sweepable hyperparameter 'betas'"),
        (sweeps.Axis("lr", 0.0, 1.0, 8, log=True), "log axis needs a positive"),
        (sweeps.Axis("lr", 1.0, 0.1, 8), "low < high"),
        (sweeps.Axis("lr", 0.1, 1.0, 1000), "2 to 256"),
        (sweeps.Axis("beta1", 0.5, 1.5, 8), r"beta1=1.5 is out of range"),
        (sweeps.Axis("amsgrad", 0, 1, 8), "no sweepable"),
    ],
)
def test_invalid_axes_are_refused_with_a_reason(axis, message):
    name = "adam" if axis.name in ("amsgrad", "beta1") else "momentum"
    with pytest.raises(ValueError, match=message):
        sweeps.heatmap(name, HC, HC.start, 10, axis, sweeps.Axis("noise", 0, 1, 3), cache=None)


def test_basins_agree_with_single_runs_and_shares_add_up():
    s = landscapes.get("himmelblau")
    r = sweeps.basins("adam", s, 12, 200, {"lr": 0.1}, cache=None)
    for j, i in [(0, 0), (5, 7), (11, 11), (2, 9)]:
        tr = optimizers.trajectory("adam", s, (r.xs[i], r.ys[j]), 200, lr=0.1)
        np.testing.assert_array_equal(r.final[j, i], tr.path[-1])
        assert r.basin[j, i] == tr.basin
    t = sweeps.basin_table([r])
    total = t.loc[0, ["global minimum", "a local minimum", "no known minimum", "diverged"]].sum()
    assert total == pytest.approx(1.0)
    assert t.loc[0, "global minimum"] == pytest.approx(r.share_global()) and r.share_global() > 0.9  # four global
    assert len(r.frame()) == 144


def test_basins_show_that_momentum_escapes_where_sgd_stays():
    sgd = sweeps.basins("sgd", HC, 24, 300, {"lr": 0.05}, cache=None)
    mom = sweeps.basins("momentum", HC, 24, 300, {"lr": 0.01, "momentum": 0.9}, cache=None)
    trapped = sgd.basin >= HC.n_global  # SGD ends in a local minimum from these starts
    assert trapped.mean() > 0.2
    escaped = (mom.basin[trapped] >= 0) & (mom.basin[trapped] < HC.n_global)
    assert escaped.mean() > 0.05


def test_candidates_stay_in_range_and_within_budget():
    for name in optimizers.names():
        for method in ("random", "grid"):
            c = sweeps.candidates(name, 50, method, seed=3)
            hs = sweeps.search_space(name)
            assert list(c) == [h.name for h in hs] and hs[0].name == "lr"
            n = next(iter(c.values())).size
            assert n == 50 if method == "random" else 1 <= n <= 50
            assert np.all((c["lr"] >= 1e-4) & (c["lr"] <= 10))
            for h in hs:
                for v in c[h.name][:5]:
                    h.check(v)
            optimizers.sweep(name, HC, HC.start, 2, **c)  # every candidate is accepted by the engine
    np.testing.assert_array_equal(
        sweeps.candidates("adam", 9, seed=1)["lr"], sweeps.candidates("adam", 9, seed=1)["lr"]
    )
    assert list(sweeps.candidates("adam", 9, lr_only=True)) == ["lr"]
    with pytest.raises(ValueError, match="budget"):
        sweeps.candidates("adam", 0)


@pytest.mark.parametrize("objective", list(sweeps.OBJECTIVES))
def test_tuning_keeps_the_best_setting_and_its_score_reproduces(objective):
    starts = np.array([HC.start, (1.0, 2.0)])
    res = sweeps.tune(["sgd", "adam"], HC, starts, 80, 16, objective, "random", seed=2, cache=None)
    for t in res:
        finite = t.scores[np.isfinite(t.scores)]
        assert t.score == finite.min()
        per_start = []
        for st in starts:
            tr = optimizers.trajectory(t.optimizer, HC, tuple(st), 80, **t.best)
            f_star = sweeps.global_value(HC)
            per_start.append({
                "final_loss": tr.loss[-1] - f_star,
                "distance": float(sweeps.distance_to_global(HC, tr.path[-1:])[0]),
                "auc": float(np.mean(tr.loss - f_star)),
                "steps_to_tol": tr.steps_to_tol if tr.steps_to_tol >= 0 else 81,
            }[objective])  # fmt: skip
        assert t.score == pytest.approx(np.mean(per_start), rel=1e-12, abs=1e-15)
    table = sweeps.tune_table(res, objective)
    assert table[f"best {objective}"].is_monotonic_increasing


def test_ensemble_runs_are_the_seeded_trajectories():
    e = sweeps.ensemble("sgd", HC, HC.start, 60, 20, 0.8, seed=5, hyper={"lr": 0.05}, cache=None)
    for k in (0, 7, 19):
        tr = optimizers.trajectory("sgd", HC, HC.start, 60, lr=0.05, noise=0.8, seed=5 + k)
        np.testing.assert_array_equal(e.paths[k], tr.path)
    b = e.bands()
    assert b.shape == (5, 61) and np.all(np.diff(b, axis=0) >= 0)
    s = e.summary()
    assert s["runs"] == 20 and 0 <= s["end within 0.05 of it"] <= s["end nearest a global minimum"] <= 1
    assert len(e.frame()) == 61
    pf = e.paths_frame()
    assert len(pf) == 20 * 61
    np.testing.assert_array_equal(pf[pf["run"] == 7][["x", "y"]].to_numpy(), e.paths[7])
    with pytest.raises(ValueError, match="1 to"):
        sweeps.ensemble("sgd", HC, HC.start, 10, 0, 1.0, cache=None)


def test_figures_validate_and_clicks_map_to_cells():
    x = sweeps.Axis("lr", 1e-3, 1.0, 20, log=True)
    y = sweeps.Axis("momentum", 0.0, 0.9, 10)
    r = sweeps.heatmap("momentum", HC, HC.start, 30, x, y, cache=None)
    for m in sweeps.METRICS:
        go.Figure(sf.heatmap_figure(r, m, selected=(2, 3)))
    fig = sf.heatmap_figure(r, "final_loss")
    click = fig["data"][-1]
    assert click["name"] == "click"
    k = 57
    j, i = sf.click_to_cell(r, {"x": click["x"][k], "y": click["y"][k]})
    assert click["customdata"][k][0] == pytest.approx(x.values()[i], rel=1e-5)
    assert click["customdata"][k][1] == pytest.approx(y.values()[j], abs=1e-6)
    assert sf.click_to_cell(r, {"x": math.log10(0.0101), "y": 0.41}) == (4, 6)
    assert sf.click_to_cell(r, {}) is None
    e = sweeps.ensemble("adam", HC, HC.start, 30, 5, 0.5, cache=None)
    go.Figure(sf.ensemble_map(HC, [(e, "Adam", "#1f77b4")], HC.start))
    go.Figure(sf.ensemble_bands([(e, "Adam", "#1f77b4")]))
    t = sweeps.tune(["sgd"], HC, [HC.start], 20, 4, cache=None)
    go.Figure(sf.tuning_scatter(t, "final_loss"))


def test_cache_evicts_by_bytes_and_counts_hits():
    c = ResultCache(max_bytes=3 * 8000)
    calls = []

    def make(i):
        calls.append(i)
        return np.zeros(1000) + i

    for i in range(5):
        c.get_or_compute(i, lambda i=i: make(i))
    assert len(c) == 3 and c.get(0) is None and c.get(4)[0] == 4
    c.get_or_compute(4, lambda: make(99))
    assert calls == [0, 1, 2, 3, 4] and c.hits == 2


# --- the 1D gradient response --------------------------------------------------------------


def _interp(x, idx, buggy=False):
    lo, hi = math.floor(idx), math.ceil(idx)
    if lo == hi or hi >= len(x):
        return x[lo]
    if lo < 0:
        return x[hi]
    f = idx - lo
    return x[lo] + f * x[hi] if buggy else (1 - f) * x[lo] + f * x[hi]


def _article(method, x, p, lr, buggy=False):
    """The article's 1D script, transcribed (with its interpolation fixed unless ``buggy``)."""
    out, a, b = [], 0.0, 0.0
    n = len(x)
    if method == "adadelta":
        b = lr
    for i, g in enumerate(x):
        if method == "momentum":
            a = p * a + lr * g
            u = a
        elif method == "nesterov":
            a = p * a + lr * (_interp(x, i + p * a, buggy) if i + p * a < n else 0)
            u = a
        elif method == "smoothed_nesterov":
            s = sum(_interp(x, i + p * a * k / 4, buggy) if i + p * a * k / 4 < n else 0 for k in (1, 2, 3, 4))
            a = p * a + lr * s / 4
            u = a
        elif method == "adagrad":
            a += g * g
            u = lr / math.sqrt(a + p) * g
        elif method == "rmsprop":
            a = p * a + (1 - p) * g * g
            u = lr / math.sqrt(a + 1e-5) * g
        elif method == "adadelta":
            a = p * a + (1 - p) * g * g
            u = math.sqrt(b + 1e-3) / math.sqrt(a + 1e-3) * g
            b = p * b + (1 - p) * u * u
        else:
            a = p * a + (1 - p) * g
            b = 0.999 * b + 0.001 * g * g
            u = lr / math.sqrt(b / (1 - 0.999 ** (i + 1)) + 1e-7) * (a / (1 - p ** (i + 1)))
        out.append(u)
    return np.array(out)


def test_signals_are_the_articles():
    s = resp.signals()
    x = np.arange(300)
    np.random.seed(413)  # noqa: NPY002 - the article's script, as it is written
    noisy = np.asarray([np.sin(v / 20) + np.random.random() - 0.5 for v in x])  # noqa: NPY002
    very = np.asarray([np.sin(v / 20) / 5 + np.random.random() - 0.5 for v in x])  # noqa: NPY002
    np.testing.assert_array_equal(s["noisy sin"], noisy)
    np.testing.assert_array_equal(s["very noisy sin"], very)
    np.testing.assert_array_equal(s["uneven sawtooth"], [v % 20 / (15 * int(v > 80) + 5) for v in x])
    assert s["spikes"].sum() == 5 and set(s["rectangles"]) == {-1.0, 1.0}


@pytest.mark.parametrize("method", list(resp.METHODS))
@pytest.mark.parametrize("signal", ["spikes", "noisy sin", "uneven sawtooth"])
def test_response_matches_the_articles_script(method, signal):
    m = resp.METHODS[method]
    g = resp.signals()[signal]
    got = resp.response(method, g, m.values)
    kind = "adadelta" if method.startswith("adadelta") else method
    for row, p in zip(got, m.values, strict=True):
        np.testing.assert_allclose(row, _article(kind, g, p, m.lr), rtol=1e-12, atol=1e-15)


def test_the_articles_interpolation_bug_is_fixed():
    g = resp.signals()["uneven sawtooth"]
    fixed = resp.response("nesterov", g, [0.9])[0]
    np.testing.assert_allclose(fixed, _article("nesterov", g, 0.9, 0.25), rtol=1e-12)
    assert np.max(np.abs(fixed - _article("nesterov", g, 0.9, 0.25, buggy=True))) > 0.05
    # on a linear ramp the correct interpolation returns the ramp itself
    ramp = np.linspace(0, 1, 50)
    assert resp._interp(ramp, 10.25) == pytest.approx(ramp[10] + 0.25 * (ramp[11] - ramp[10]))


def test_response_refuses_bad_input():
    with pytest.raises(KeyError, match="valid"):
        resp.response("lbfgs", np.ones(5), [0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        resp.response("momentum", np.ones(5), [1.0])
    with pytest.raises(ValueError, match="eps"):
        resp.response("adagrad", np.ones(5), [-1.0])
    with pytest.raises(ValueError, match="finite"):
        resp.response("adam", np.array([1.0, np.nan]), [0.9])
