"""Playground internals without a server: URL state, presets, figures, tables."""

import json

import numpy as np
import plotly.io as pio
import pytest

import landscapes
import optimizers
from viz import figures
from viz.playground import compute, inspector_table, styled, summary_table
from viz.presets import PRESETS
from viz.state import Run, View, default_view, from_query, to_query


def _roundtrip(view: View) -> View:
    q = to_query(view)
    # what a browser sends back: every value a string, "run" repeated
    q = {k: (v if isinstance(v, list) else str(v)) for k, v in q.items()}
    back, notices = from_query(q)
    assert notices == []
    return back


def test_url_round_trip_reproduces_the_view():
    v = View(
        surface="wobbly",
        start=(-1.25, 2.5),
        steps=300,
        runs=[
            Run("adam", {"lr": 0.25, "amsgrad": True}),
            Run("nesterov#2", {"lr": 0.01, "momentum": 0.975}),
            Run("rmsprop", {"lr": 0.1, "centered": True}),
        ],
        common={"schedule": "cosine_restarts", "T_0": 40, "T_mult": 2, "eta_min": 0.001, "noise": 0.3, "seed": 7},
        weight_decay=0.01,
        step=42,
    )
    back = _roundtrip(v)
    assert back == v
    a, b = compute(v), compute(back)
    for la, lb in zip(a.lines, b.lines):
        np.testing.assert_array_equal(la.traj.path, lb.traj.path)


def test_json_round_trip():
    v = PRESETS["nesterov_gamma"].view()
    back, notices = View.from_json(v.to_json())
    assert notices == [] and back == v


@pytest.mark.parametrize(
    "query,expect",
    [
        ({"surface": "everest"}, "unknown surface"),
        ({"start": "1,abc"}, "start"),
        ({"start": "nan,0"}, "start"),
        ({"steps": "-5"}, "steps"),
        ({"steps": "1e9"}, "steps"),
        ({"run": ["adam:lr=-1"]}, "adam.lr"),
        ({"run": ["adam:beta1=1.5"]}, "adam.beta1"),
        ({"run": ["adam:betas=0.9"]}, "no hyperparameter 'betas'"),
        ({"run": ["sgdd:lr=0.1"]}, "unknown optimizer 'sgdd'"),
        ({"run": ["adam", "adam"]}, "duplicate"),
        ({"schedule": "linear"}, "schedule"),
        ({"noise": "-1"}, "noise"),
        ({"wd": "x"}, "weight decay"),
        ({"step": "9999"}, "step"),
        ({"foo": "bar"}, "unknown parameter 'foo'"),
        ({"run": ["adam:lr=__import__('os')"]}, "adam.lr"),
    ],
)
def test_bad_query_parameters_fall_back_with_a_notice(query, expect):
    view, notices = from_query(query)
    assert any(expect in n for n in notices), notices
    compute(view)  # the fallback view still runs


def test_bad_json_is_refused_with_a_reason():
    view, notices = View.from_json("{not json")
    assert "not valid JSON" in notices[0] and view == default_view()
    view, notices = View.from_json("[1, 2]")
    assert "JSON object" in notices[0]


def test_presets_are_valid_views_with_the_articles_settings():
    assert {"article_wobbly", "article_basins_and_walls", "article_giant_plateau", "article_hills_and_canyon",
            "article_bad_init", "nesterov_gamma"} <= set(PRESETS)  # fmt: skip
    for p in PRESETS.values():
        v = p.view()
        assert (v.start == (-2.8, -2.5) or p.group == "why") and p.caption  # the article's start for its own
        res = compute(v)
        assert not res.errors and len(res.lines) == len(v.runs)
        _roundtrip(v)
    hc = compute(PRESETS["article_hills_and_canyon"].view())
    basins = {ln.key: ln.traj.basin for ln in hc.lines}
    assert basins["adam"] == 0 and all(b != 0 for k, b in basins.items() if k != "adam")


def _figure(view):
    res = compute(view)
    s = landscapes.get(view.surface)
    return res, figures.trajectory_figure(s, res.lines, view.start)


def test_every_frame_lists_every_trace_and_the_landscape_is_an_image():
    view = default_view()
    view.steps = 1000
    res, fig = _figure(view)
    n = len(fig["data"])
    # click stub, line of minima, minima, start; trail, head, best per run; the minima's outlines over the runs
    assert n == 4 + 3 * len(res.lines) + 1
    assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert not any(t["type"] in ("contour", "heatmap") for t in fig["data"])
    names = [f["name"] for f in fig["frames"]]
    assert names[0] == "0" and names[-1] == "1000" and len(names) <= figures.MAX_FRAMES
    for f in fig["frames"]:
        assert f["traces"] == list(range(n)) and len(f["data"]) == n
    last = fig["frames"][-1]["data"]
    for i, line in enumerate(res.lines):
        head = last[4 + 3 * i + 1]
        assert head["x"][0] == pytest.approx(line.traj.path[-1, 0], abs=1e-4)  # ~1/100 px
    json.loads(pio.to_json(fig, validate=False))  # serialisable as is


def test_figures_pass_plotly_validation():
    """PlotlyDict skips validation in the app, so every figure kind is validated here."""
    import plotly.graph_objects as go

    view = View(surface="wobbly", steps=30, runs=[Run("adam"), Run("rmsprop", {"lr": 0.1}), Run("sgd", {"lr": 9.0})])
    res = compute(view)
    s = res.surface
    arrows = figures.inspector_arrows(res.lines, 5, s.bounds)
    for fig in (
        figures.trajectory_figure(s, res.lines, view.start, shown_step=5, arrows=arrows),
        figures.series_figure(res.lines, log_loss=True),
        figures.series_figure(res.lines, log_loss=False),
        figures.surface3d_figure(s, res.lines),
    ):
        go.Figure(fig)  # raises on any invalid property
        assert figures.PlotlyDict(fig).to_dict() is fig


def test_diverged_run_is_drawn_as_a_burst_at_its_last_finite_point():
    view = View(surface="rosenbrock", start=(-1.2, 1.0), steps=50, runs=[Run("sgd", {"lr": 0.05}), Run("adam")])
    res, fig = _figure(view)
    sgd = res.lines[0].traj
    assert sgd.diverged_step is not None
    head = fig["frames"][-1]["data"][5]
    assert head["marker"]["symbol"] == figures.DIVERGED_SYMBOL and "stopped" in head["text"][0]
    assert head["x"][0] == pytest.approx(sgd.path[sgd.diverged_step - 1, 0], abs=1e-4)
    assert fig["frames"][-1]["data"][8]["marker"]["symbol"] == res.lines[1].symbol  # adam keeps animating
    table = summary_table(res)
    assert table.loc[0, "stopped"] == f"diverged at step {sgd.diverged_step}" and table.loc[0, "end point is"] == "—"
    cells = styled(table).to_html()  # as the page shows it: integers stay integers, missing is a dash
    assert ">—<" in cells and "nan" not in cells.lower()


def test_landscape_png_marks_non_finite_values_transparent():
    import base64
    import io

    from PIL import Image

    s = landscapes.get("monkey_saddle")
    uri, _ = figures.landscape_png(s, ((-1e200, 1e200), (-1e200, 1e200)), n=40)
    img = np.array(Image.open(io.BytesIO(base64.b64decode(uri.split(",")[1]))))
    assert img.shape == (40, 40, 4) and (img[..., 3] == 0).any()


def test_classify_point_by_hessian():
    assert figures.classify_point(landscapes.get("simple_quad"), 0.0, 0.0) == "minimum"
    assert figures.classify_point(landscapes.get("saddle"), 0.0, 0.0) == "saddle"
    assert figures.classify_point(landscapes.get("giant_plateau"), 2.9, 2.9) == "flat (degenerate)"
    assert figures.classify_point(landscapes.get("simple_quad"), 1.0, 0.0) == "not stationary"
    assert figures.classify_point(landscapes.get("monkey_saddle"), 0.0, 0.0) == "flat (degenerate)"


def test_tables_and_inspector():
    res = compute(PRESETS["article_hills_and_canyon"].view())
    t = summary_table(res)
    assert list(t["run"]) == [ln.legend for ln in res.lines]
    ins = inspector_table(res, 10)
    adam = ins[ins["optimizer"] == "Adam"].iloc[0]
    tr = next(ln.traj for ln in res.lines if ln.key == "adam")
    assert adam["update Δθ"] == f"({tr.update[10][0]:.3g}, {tr.update[10][1]:.3g})"
    assert adam["effective step per coordinate"] != "—"
    arrows = figures.inspector_arrows(res.lines, 10, res.surface.bounds)
    assert len(arrows) >= 2 * len(res.lines)


def test_run_colours_are_stable_and_distinct():
    cols = [figures.run_color(n) for n in optimizers.names()[: len(figures.PALETTE)]]
    assert len(set(cols)) == len(cols)
    assert figures.run_color("adam") == figures.run_color("adam")
    assert len({figures.run_style(i) for i in range(12)}) == 12


def test_long_runs_are_subsampled_keeping_the_last_step():
    fs = figures.frame_steps(10_000)
    assert fs[0] == 0 and fs[-1] == 10_000 and len(fs) <= figures.MAX_FRAMES
    assert list(figures.frame_steps(5)) == [0, 1, 2, 3, 4, 5]


def test_view_window_round_trips_through_links_and_json():
    from viz.state import View, from_query, to_query

    v = View(surface="rosenbrock", bounds=((-1.0, 1.5), (-0.5, 2.0)))
    back, notices = from_query(to_query(v))
    assert notices == [] and back.bounds == v.bounds
    again, notices = View.from_json(v.to_json())
    assert notices == [] and again.bounds == v.bounds
    assert again.resolve_surface().bounds == ((-1.0, 1.5), (-0.5, 2.0))
    plain = View(surface="rosenbrock").resolve_surface()
    assert plain.bounds == landscapes.get("rosenbrock").bounds and plain.minima[0] == pytest.approx((1.0, 1.0))
    for bad in ("1,0,0,1", "a,b,c,d", "0,1,0", "0,1e9,0,1"):
        view, notices = from_query({"surface": "wobbly", "view": bad})
        assert view.bounds is None and "xmin,xmax,ymin,ymax" in notices[0]


def test_map_without_click_grid_keeps_trace_indices_and_a_short_hover_reach():
    view = default_view()
    res = compute(view)
    s = landscapes.get(view.surface)
    grid = figures.trajectory_figure(s, res.lines, view.start)
    bare = figures.trajectory_figure(s, res.lines, view.start, click_grid=0)
    assert len(grid["data"][0]["x"]) == 40 * 40 and bare["data"][0]["x"] == []
    assert [t.get("name") for t in grid["data"]][1:] == [t.get("name") for t in bare["data"]][1:]
    assert json.dumps(bare["frames"][-1]["data"], default=list) == json.dumps(grid["frames"][-1]["data"], default=list)
    # with the grid, hover must reach any point (clicks select the nearest grid point); without it,
    # an unlimited reach would pop up the nearest trail's label wherever the mouse is
    assert grid["layout"]["hoverdistance"] == -1 and bare["layout"]["hoverdistance"] == 20


def test_thinned_pictures_keep_jumps_and_spikes():
    """A map trail and a series are thinned for the browser, never so that a jump or a spike vanishes."""
    from viz.figures import MAX_TRAIL, envelope_index, path_index

    t = np.linspace(0, 1, 126)
    path = np.stack([t, t**2], axis=1)
    path[4] = (3.19, 3.18)  # one far jump at step 4 of 125 (Nesterov on Himmelblau does this)
    idx = path_index(path)
    assert len(idx) <= MAX_TRAIL + 2 and {0, 3, 4, 5, 125} <= set(idx.tolist())
    y = np.exp(-np.arange(3001) / 300.0)
    y[1777] = 50.0  # one loss spike in 3000 steps
    y[2000:] *= 1 + 0.5 * (-1) ** np.arange(1001)  # and a 2-cycle: its band must stay visible
    e = envelope_index(y)
    assert len(e) <= 2 * MAX_TRAIL + 2 and 1777 in e
    late = y[e[e >= 2000]]
    assert late.max() / late.min() > 2.0  # both sides of the oscillation are kept
