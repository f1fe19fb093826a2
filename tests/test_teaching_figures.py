"""The pictures say what they show: no value dropped silently, one step convention, a step cursor,
controls that never overlap, privacy-safe chart configs."""

import json
import math

import numpy as np

from ui import plotly_basic
from viz import figures
from viz.playground import COLUMN_HELP, compute, html_table, summary_table
from viz.presets import PRESETS
from viz.state import Run, View


def _res(surface, runs, steps=125, start=(-2.8, -2.5)):
    return compute(View(surface=surface, start=start, steps=steps, runs=runs))


def test_log_loss_with_negative_values_switches_to_linear_and_says_so():
    res = _res("f:x^2 + y", [Run("adam", {"lr": 0.25})])
    assert np.nanmin(res.lines[0].traj.loss) < -10
    la = figures.loss_axis(res.lines, True, res.minima.lowest)
    assert la.mode == "linear" and "linear" in la.note
    fig = figures.series_figure(res.lines, log_loss=True, f_star=res.minima.lowest)
    loss = next(t for t in fig["data"] if t["yaxis"] == "y")
    assert np.isfinite(np.array(loss["y"], dtype=float)).all()  # nothing dropped
    assert fig["layout"]["yaxis"]["type"] == "linear"


def test_log_loss_reaching_zero_plots_the_gap_at_the_floor_with_a_note():
    res = compute(PRESETS["article_giant_plateau"].view())
    ada = next(ln for ln in res.lines if ln.traj.optimizer == "adagrad")
    assert (ada.traj.loss == 0).any()  # Adagrad reaches f = 0 exactly
    la = figures.loss_axis(res.lines, True, res.minima.lowest)
    assert la.mode == "log-gap" and "Adagrad" in la.note
    fig = figures.series_figure(res.lines, log_loss=True, f_star=res.minima.lowest)
    y = np.array(next(t for t in fig["data"] if t["yaxis"] == "y" and t["name"] == ada.label)["y"], dtype=float)
    assert np.isfinite(y).all() and (y > 0).all()  # the line runs to the end
    ax = fig["layout"]["yaxis"]
    assert ax["type"] == "log" and ax["exponentformat"] == "power" and isinstance(ax["dtick"], int)


def _numbered_ticks(ax: dict, lo: float, hi: float) -> list[float]:
    """The tick values Plotly labels on a log axis over the data range [lo, hi]."""
    if ax.get("tickmode") == "array":
        return [t for t in ax["tickvals"] if lo <= t <= hi]
    d = ax["dtick"]
    return [10.0**k for k in range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1) if k % d == 0]


def test_a_log_loss_axis_within_one_decade_still_has_numbers():
    # bad init: every loss lies between 3.5 and 10, so no power of ten falls inside the panel
    res = compute(PRESETS["article_bad_init"].view())
    fig = figures.series_figure(res.lines, log_loss=True, f_star=res.minima.lowest)
    ys = np.concatenate([np.array(t["y"], dtype=float) for t in fig["data"] if t["yaxis"] == "y"])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    assert 1 < ys.min() and ys.max() < 10
    ax = fig["layout"]["yaxis"]
    ticks = _numbered_ticks(ax, ys.min(), ys.max())
    assert len(ticks) >= 2
    labels = dict(zip(ax["tickvals"], ax["ticktext"], strict=True))
    assert all(float(labels[t]) == t for t in ticks)  # each label is its value
    # narrower ranges and ranges far from 1 get distinct, readable labels too
    for lo, hi in ((3.511, 3.595), (2e-5, 7e-5), (0.3, 3.0), (1.2e5, 1.8e5)):
        ax = figures._log_ticks(np.array([lo, hi]))
        ticks = _numbered_ticks(ax, lo, hi)
        text = [ax["ticktext"][ax["tickvals"].index(t)] for t in ticks]
        assert len(ticks) >= 2 and len(set(text)) == len(text), (lo, hi, text)
        assert not any("e" in t for t in text)  # powers of ten, never 2e-05
    wide = figures._log_ticks(np.array([1e-8, 10.0]))  # many decades: decade ticks, as before
    assert "tickvals" not in wide and len(_numbered_ticks(wide, 1e-8, 10.0)) >= 2


def test_positive_losses_keep_a_plain_log_axis():
    res = compute(PRESETS["article_hills_and_canyon"].view())
    la = figures.loss_axis(res.lines, True, res.minima.lowest)
    assert la.mode == "log" and la.note is None


def test_one_step_convention_map_slider_frames_and_cursor():
    res = compute(PRESETS["article_wobbly"].view())
    fig = figures.trajectory_figure(res.surface, res.lines, (-2.8, -2.5), shown_step=125, click_grid=0)
    names = [f["name"] for f in fig["frames"]]
    assert names[0] == "0" and names[-1] == "125" and len(names) == 126  # every step a frame (≤ 200)
    sl = fig["layout"]["sliders"][0]
    assert sl["steps"][sl["active"]]["label"] == "125"
    head = fig["frames"][-1]["data"][5]  # the first run's head at the last frame is θ_125
    np.testing.assert_allclose([head["x"][0], head["y"][0]], res.lines[0].traj.path[125], atol=1e-3)
    series = figures.series_figure(res.lines, shown_step=40)
    assert series["layout"]["shapes"][0]["x0"] == 40
    assert figures.frame_steps(5000).size == 200


def test_best_so_far_marker_follows_the_lowest_loss():
    res = compute(PRESETS["article_hills_and_canyon"].view())
    for ln in res.lines:
        best = figures.best_so_far(ln.traj)
        k = 60
        assert ln.traj.loss[best[k]] == np.nanmin(ln.traj.loss[: k + 1])


def test_buttons_and_slider_are_on_separate_rows():
    res = compute(PRESETS["article_wobbly"].view())
    lay = figures.trajectory_figure(res.surface, res.lines, (-2.8, -2.5), click_grid=0)["layout"]
    assert lay["sliders"][0]["pad"]["t"] > lay["updatemenus"][0]["pad"]["t"] + 25
    assert lay["sliders"][0]["x"] == 0 and lay["sliders"][0]["len"] == 1.0


def test_three_d_view_has_markers_titles_and_the_map_colours():
    res = compute(PRESETS["article_hills_and_canyon"].view())
    fig = figures.surface3d_figure(res.surface, res.lines, start=(-2.8, -2.5))
    names = {t.get("name") for t in fig["data"]}
    assert {"minima", "start"} <= names
    sc = fig["layout"]["scene"]
    assert sc["zaxis"]["title"]["text"] and sc["xaxis"]["title"]["text"]
    assert fig["data"][0]["colorscale"] == figures._map_colorscale()


def test_chart_config_has_no_cloud_button():
    spec = json.loads(plotly_basic.to_spec({"data": [], "layout": {}}, {"displayModeBar": True}))
    cfg = spec["config"]
    assert cfg["displaylogo"] is False and cfg["showSendToCloud"] is False
    assert "sendDataToCloud" in cfg["modeBarButtonsToRemove"]


def test_results_headers_have_tooltips_and_missing_values_are_dashes():
    res = compute(PRESETS["article_wobbly"].view())
    table = summary_table(res)
    html = html_table(table, COLUMN_HELP)
    assert "evaluations" not in table.columns  # one per step for every run: the steps say it
    for col in table.columns:
        assert f'">{col}</th>' in html and html.count('title="') >= len(table.columns)
    assert "None" not in html and "nan" not in html.lower() and "&lt;NA&gt;" not in html
    assert "overflow-x:auto" in html


def test_an_inspected_step_of_a_long_run_is_a_frame_of_its_own():
    res = _res("wobbly", [Run("adam", {"lr": 0.1})], steps=500)
    fig = figures.trajectory_figure(res.surface, res.lines, (-2.8, -2.5), shown_step=123, click_grid=0)
    sl = fig["layout"]["sliders"][0]
    assert sl["steps"][sl["active"]]["label"] == "123"  # the map says the same k as the inspector and the PNG
    assert "123" in [f["name"] for f in fig["frames"]]


def test_results_count_evaluations_when_a_run_spends_more_than_one_per_step():
    from viz.state import from_query

    view, _ = from_query(
        {"surface": "himmelblau", "start": "0,0", "steps": "30", "run": ["adam:lr=0.1", "lbfgs", "cmaes"]}
    )
    table = summary_table(compute(view)).set_index("run")
    evals = table["evaluations"]
    assert evals.iloc[0] == 30 and evals.iloc[1] > 30 and evals.iloc[2] == 30 * 6  # cma's 6 samples a generation


def test_three_d_view_stays_on_the_window_when_a_run_diverges():
    """A diverging run stretched the 3-D axes to its last point (billions), shrinking the surface to a
    dot: only the part of a path inside the view window is drawn, on axes set to the window."""
    res = _res("rosenbrock", [Run("nesterov", {"lr": 0.01}), Run("adam", {"lr": 0.05})], start=(-1.2, 1.0))
    assert res.lines[0].traj.diverged_step is not None and res.lines[1].traj.diverged_step is None
    (x0, x1), (y0, y1) = res.surface.bounds
    fig = figures.surface3d_figure(res.surface, res.lines, start=(-1.2, 1.0))
    sc = fig["layout"]["scene"]
    assert sc["xaxis"]["range"] == [x0, x1] and sc["yaxis"]["range"] == [y0, y1]
    for t in fig["data"][1:]:
        xs = [v for v in t["x"] if v is not None and np.isfinite(v)]
        ys = [v for v in t["y"] if v is not None and np.isfinite(v)]
        assert all(x0 <= v <= x1 for v in xs) and all(y0 <= v <= y1 for v in ys), t["name"]
    assert sum(str(t.get("name")).endswith(" end") for t in fig["data"]) == 1  # the diverged run has none
