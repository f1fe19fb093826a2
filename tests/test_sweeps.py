"""The sweep computations behind the practitioner's pages: they must agree with single runs."""

import base64
import dataclasses
import io
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

import landscapes
import optimizers
from optimizers import response as resp
from viz import sweep_figures as sf
from viz import sweeps
from viz.cache import ResultCache
from viz.figures import run_style
from viz.sweeps import fmt_number, fmt_percent

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
    c = sweeps.BASIN_COLUMNS
    assert table.loc[0, c["diverged"]] == 100.0 and table.loc[0, c["global"]] == 0.0
    assert sweeps.format_table(table).loc[0, c["steps"]] == "—"
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
    c = sweeps.BASIN_COLUMNS
    total = t.loc[0, [c["global"], c["local"], c["none"], c["diverged"]]].sum()
    assert total == pytest.approx(100.0)
    assert t.loc[0, c["global"]] == pytest.approx(100 * r.share_global()) and r.share_global() > 0.9  # four global
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
    assert table[sweeps.tune_columns(objective)["best"]].is_monotonic_increasing


def test_ensemble_runs_are_the_seeded_trajectories():
    e = sweeps.ensemble("sgd", HC, HC.start, 60, 20, 0.8, seed=5, hyper={"lr": 0.05}, cache=None)
    for k in (0, 7, 19):
        tr = optimizers.trajectory("sgd", HC, HC.start, 60, lr=0.05, noise=0.8, seed=5 + k)
        np.testing.assert_array_equal(e.paths[k], tr.path)
    b = e.bands()
    assert b.shape == (5, 61) and np.all(np.diff(b, axis=0) >= 0)
    s = e.summary()
    c = sweeps.ENSEMBLE_COLUMNS
    assert s[c["runs"]] == 20 and 0 <= s[c["within"]] <= s[c["nearest"]] <= 100
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
    go.Figure(sf.ensemble_map(HC, [(e, "Adam", run_style(0))], HC.start))
    go.Figure(sf.ensemble_bands([(e, "Adam", run_style(0))]))
    t = sweeps.tune(["sgd"], HC, [HC.start], 20, 4, cache=None)
    go.Figure(sf.tuning_scatter(t, "final_loss"))
    b = sweeps.basins("adam", HC, 12, 30, cache=None)
    for c in ("final_loss", "steps_to_tol"):
        go.Figure(sf.colorbar_figure(sf.basins_scale([b], c), c))
        go.Figure(sf.basins_figure(b, c, key=True))
    go.Figure(sf.settle_figure([b], ["Adam"]))
    go.Figure(sf.response_figure(np.ones(20), np.ones((2, 20)), [0.5, 0.9], "momentum"))


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


# --- numbers, tables and sentences for people ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e-15, "10⁻¹⁵"), (1.332e-15, "1.332 × 10⁻¹⁵"), (12.345678, "12.35"), (200, "200"), (16384, "16,384"),
     (0.0, "0"), (-0.5, "−0.5"), (0.001, "0.001"), (9999.5, "10⁴"), (2.5e-5, "2.5 × 10⁻⁵"), (123456.0, "1.235 × 10⁵"),
     (math.nan, "—"), (None, "—"), (np.int64(7), "7"), (math.inf, "∞")],
)  # fmt: skip
def test_numbers_read_as_people_write_them(value, text):
    assert fmt_number(value) == text


def test_percentages_never_round_a_share_away():
    assert [fmt_percent(v) for v in (0, 100, 73.52, 0.006, 99.97, 50, math.nan)] == [
        "0%", "100%", "73.5%", "<0.1%", ">99.9%", "50.0%", "—"]  # fmt: skip


def test_format_table_uses_the_kinds():
    df = sweeps._table(
        [{"Optimizer": "SGD", "Share (%)": 12.345, "Steps": 103.0, "Loss": 1e-15, "Score": math.inf},
         {"Optimizer": None, "Share (%)": math.nan, "Steps": math.nan, "Loss": 0.30421, "Score": 2.0}],
        {"Optimizer": "text", "Share (%)": "percent", "Steps": "integer", "Loss": "number", "Score": "score"},
        ["Optimizer", "Share (%)", "Steps", "Loss", "Score"],
    )  # fmt: skip
    out = sweeps.format_table(df)
    assert out.to_numpy().tolist() == [["SGD", "12.3%", "103", "10⁻¹⁵", "diverged"], ["—", "—", "—", "0.3042", "2"]]


def _fake_basins(shares: dict[str, float], n: int = 20) -> list[sweeps.BasinsResult]:
    """Basin results where optimizer k reaches the global minimum from exactly shares[k] % of the starts."""
    base = sweeps.basins("sgd", HC, n, 5, cache=None)
    out = []
    for name, pct in shares.items():
        basin = np.full(n * n, HC.n_global, dtype=base.basin.dtype)  # a local minimum
        basin[: round(pct / 100 * n * n)] = 0
        out.append(dataclasses.replace(base, optimizer=name, basin=basin.reshape(n, n)))
    return out


def test_basins_sentence_follows_the_numbers():
    r = _fake_basins({"sgd": 74.0, "momentum": 75.0, "rmsprop": 0.0, "adam": 84.0})
    assert sweeps.basins_sentence(r) == (
        "Adam reaches the global minimum from the most starts (84.0%), 9.0 percentage points more than Momentum "
        "(75.0%); RMSProp from the fewest (0%)."
    )
    r = _fake_basins({"sgd": 90.0, "adam": 10.0})
    assert sweeps.basins_sentence(r).startswith("SGD reaches the global minimum from the most starts (90.0%), 80.0")
    r = _fake_basins({"sgd": 50.0, "momentum": 50.0, "adam": 25.0})
    assert sweeps.basins_sentence(r) == (
        "SGD and Momentum reach the global minimum from the most starts (50.0% each), 25.0 percentage points more "
        "than Adam (25.0%)."
    )
    assert sweeps.basins_sentence(_fake_basins({"adam": 100.0, "sgd": 0.0, "momentum": 0.0})) == (
        "Adam reaches the global minimum from the most starts (100%), 100.0 percentage points more than SGD and "
        "Momentum (0%)."
    )  # tied runners-up are named together, not split into "more than" and "fewest"
    assert sweeps.basins_sentence(_fake_basins({"sgd": 30.0, "adam": 30.0})).startswith("All 2 reach")
    assert sweeps.basins_sentence(_fake_basins({"sgd": 30.0})) == (
        "SGD reaches the global minimum from 30.0% of the starts."
    )


def test_ensemble_and_tuning_sentences_follow_the_numbers():
    e = [sweeps.ensemble(n, HC, HC.start, 150, 40, 1.0, hyper=hp, cache=None)
         for n, hp in (("sgd", {"lr": 0.05}), ("adam", {"lr": 0.25}))]  # fmt: skip
    shares = {optimizers.spec(x.optimizer).label: x.summary()[sweeps.ENSEMBLE_COLUMNS["nearest"]] for x in e}
    best = max(shares, key=shares.get)
    text = sweeps.ensemble_sentence(e, 1.0)
    assert shares["SGD"] != shares["Adam"] and f"{best}'s runs end nearest a global minimum most often" in text
    res = sweeps.tune(["sgd", "adam"], HC, [HC.start], 80, 9, cache=None)
    win = min(res, key=lambda t: t.score)
    text = sweeps.tune_sentence(res, "final_loss")
    assert text.startswith(f"Tuned, {optimizers.spec(win.optimizer).label} scores best (final loss − f* = "
                           f"{fmt_number(win.score)})")  # fmt: skip


def _pixels(fig: dict) -> np.ndarray:
    src = fig["layout"]["images"][0]["source"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB"))


def test_basin_panels_share_one_colour_scale():
    """With the page's shared scale, one value has one colour in every panel; each panel's own
    scale (the old behaviour) would colour the same runs differently."""
    a = sweeps.basins("sgd", HC, 16, 100, {"lr": 0.05}, cache=None)
    b = dataclasses.replace(a, loss=a.loss.copy())
    b.loss[0, 0] = 1e6  # one start far worse: it stretches b's own range
    scale = sf.basins_scale([a, b], "final_loss")
    same = np.isclose(a.loss, b.loss)  # every start but (0, 0)
    assert not same[0, 0] and same.sum() == same.size - 1
    big = np.repeat(np.repeat(same[::-1], 32, axis=0), 32, axis=1)  # the image is enlarged and upside down
    pa = _pixels(sf.basins_figure(a, "final_loss", scale=scale))
    pb = _pixels(sf.basins_figure(b, "final_loss", scale=scale))
    assert np.array_equal(pa[big], pb[big])
    own_a, own_b = _pixels(sf.basins_figure(a, "final_loss")), _pixels(sf.basins_figure(b, "final_loss"))
    assert not np.array_equal(own_a[big], own_b[big])
    assert pa.shape[0] >= sf.MIN_IMAGE_PX  # a 16×16 grid is enlarged, not blurred by the browser


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


# --- one budget of function evaluations for all (#17) ---------------------------------------------


def test_an_evaluation_budget_gives_each_optimizer_the_steps_it_can_pay_for():
    assert sweeps.budget_steps("adam", 120, "evaluations") == 120
    assert sweeps.budget_steps("smoothed_nesterov", 120, "evaluations") == 40  # three look-aheads a step
    assert sweeps.budget_steps("random_search", 120, "evaluations") == 15  # 8 tries a step
    assert sweeps.budget_steps("cmaes", 120, "evaluations") == 20  # cma's 6 samples a generation in 2-D
    assert sweeps.budget_steps("lbfgs", 120, "evaluations") == 120  # cut where the evaluations run out
    assert sweeps.budget_steps("cmaes", 120, "steps") == 120
    with pytest.raises(ValueError, match="steps or evaluations"):
        sweeps.budget_steps("adam", 10, "seconds")
    for name in ("smoothed_nesterov", "random_search", "cmaes"):
        tr = sweeps.tuned_trajectory(name, HC, HC.start, 120, "evaluations", lr=0.01)
        assert tr.evals[-1] <= 120 and tr.evals[-1] > 120 - optimizers.spec(name).evals_per_step * 8


def test_lbfgs_is_cut_where_its_evaluations_run_out():
    starts = np.array([[-2.8, -2.5], [1.5, 2.0], [0.5, -1.0]])
    sw = optimizers.sweep("lbfgs", HC, starts, 40, paths=True, strong_wolfe=True, max_iter=4)
    cut = sweeps.cut_at_budget(sw, HC, 30)
    for r, s in enumerate(starts):
        full = optimizers.trajectory("lbfgs", HC, s, 40, strong_wolfe=True, max_iter=4)
        k = int((full.evals <= 30).sum()) - 1
        short = sweeps.tuned_trajectory("lbfgs", HC, s, 30, "evaluations", strong_wolfe=True, max_iter=4)
        assert short.steps == k and short.evals[-1] <= 30 < full.evals[k + 1]
        np.testing.assert_array_equal(cut.final[r], full.path[k])
        assert cut.loss[r] == full.loss[k] and cut.evals[r] == full.evals[k]
        assert cut.steps_to_tol[r] == short.steps_to_tol and cut.basin[r] == short.basin


def test_tuning_at_one_evaluation_budget_scores_what_each_run_reached():
    res = sweeps.tune(["sgd", "smoothed_nesterov", "lbfgs"], HC, np.array([HC.start]), 60, 4, "final_loss",
                      "grid", lr_only=True, cache=None, unit="evaluations")  # fmt: skip
    for t in res:
        tr = sweeps.tuned_trajectory(t.optimizer, HC, HC.start, 60, "evaluations", **t.best)
        assert tr.evals[-1] <= 60
        gap = tr.loss[-1] - sweeps.global_value(HC)  # the final-loss objective: the gap to the global minimum
        assert t.score == pytest.approx(gap, rel=1e-12) or (t.score == math.inf and tr.diverged_step)


def test_a_cmaes_sweep_too_big_for_a_page_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="at most 40,000 runs × generations"):
        sweeps.basins("cmaes", HC, 64, 125, {})  # 4,096 starts × 125 generations
    small = sweeps.run_chunked("cmaes", HC, np.tile(HC.start, (3, 1)), 20, seed=np.arange(3))
    assert small.evals.tolist() == [120, 120, 120]


def test_noise_cloud_marks_global_and_local_minima_as_the_playground_does():
    e = sweeps.ensemble("adam", HC, HC.start, 30, 5, 0.5, cache=None)
    fig = sf.ensemble_map(HC, [(e, "Adam", run_style(0))], HC.start)
    stars = next(t for t in fig["data"] if t.get("marker", {}).get("symbol") == "star")
    colors = stars["marker"]["color"]
    assert HC.n_global < len(HC.minima)  # hills and canyon has local minima too
    assert colors == ["gold"] * HC.n_global + ["white"] * (len(HC.minima) - HC.n_global)
    assert stars["name"] == "minima (gold: global, white: local)"


def test_noise_bands_log_axis_shows_decades_not_every_digit():
    e = sweeps.ensemble("adam", HC, HC.start, 60, 5, 0.5, cache=None)
    ax = sf.ensemble_bands([(e, "Adam", run_style(0))])["layout"]["yaxis"]
    assert ax["type"] == "log" and ax["exponentformat"] == "power" and isinstance(ax["dtick"], int)


def test_a_log_axis_uses_one_notation():
    """The lr × momentum heat map's axis read "10⁻⁴, 0.001, 0.01": two notations on one scale."""
    from viz.sweep_figures import _ticks

    _, wide = _ticks(np.geomspace(1e-4, 1.0, 9), log=True)
    assert wide["ticktext"] == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"]
    _, narrow = _ticks(np.geomspace(1e-3, 10.0, 9), log=True)
    assert narrow["ticktext"] == ["0.001", "0.01", "0.1", "1", "10"]
