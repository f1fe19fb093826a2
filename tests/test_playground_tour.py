"""A teacher's tour of the playground (session 10): what a class sees projected, checked.

Each test names the problem the tour found; it fails on the build before the fix.
"""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

import landscapes

TIMEOUT = 180  # a cold Numba compile takes longer than AppTest's default 3 s


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows (markdown, captions, notices, the sidebar's too)."""
    kinds = ("markdown", "caption", "info", "warning", "success", "error")
    return [el.value for kind in kinds for el in at.get(kind)]


def test_the_surface_description_is_shown_once():
    at = _app({"surface": "wobbly"})
    assert not at.exception
    description = landscapes.get("wobbly").description
    assert sum(t.count(description) for t in _texts(at)) == 1


def test_every_run_label_reads_optimizer_dot_settings():
    """The edge-of-stability preset said "SGD lr=0.003" where everything else says "SGD · lr=…"."""
    import re

    import optimizers
    from viz.playground import compute
    from viz.presets import PRESETS
    from viz.state import run_labels

    eos = compute(PRESETS["why_edge_of_stability"].view())
    assert [ln.label for ln in eos.lines] == ["SGD · lr=0.003", "SGD · lr=0.001"]
    assert [ln.legend for ln in eos.lines] == ["SGD · lr=0.003", "SGD · lr=0.001"]
    for name, preset in PRESETS.items():
        view = preset.view()
        for run, (label, legend) in zip(view.runs, run_labels(view.runs), strict=True):
            head = re.escape(optimizers.spec(run.optimizer).label) + r"( #\d+)?"
            assert re.fullmatch(head + r"( · [^·]+)?", label), (name, label)
            assert re.fullmatch(head + r" · [^·]+", legend), (name, legend)


def test_momentum_that_is_not_used_shows_as_a_dash():
    """RMSProp at momentum 0 (torch's default) keeps no momentum buffer: its state reads "—", not "(0, 0)"."""
    from viz.playground import compute, inspector_table
    from viz.state import Run, View

    runs = [Run("rmsprop", {"lr": 0.1}), Run("rmsprop#2", {"lr": 0.1, "momentum": 0.5}), Run("nesterov")]
    res = compute(View(surface="wobbly", steps=20, runs=runs))
    rows = inspector_table(res, 10).set_index("optimizer")["momentum / 1st moment"]
    assert rows.iloc[0] == "—"
    assert rows.iloc[1].startswith("(") and rows.iloc[1] != "(0, 0)"
    assert rows.iloc[2].startswith("(") and rows.iloc[2] != "(0, 0)"


def test_results_columns_do_not_change_when_a_run_diverges():
    """An "evaluations" column appeared as soon as a run diverged (its count stops at that step); it
    belongs to views that compare an optimizer spending more than one evaluation per step."""
    from viz.playground import COLUMN_HELP, compute, summary_table
    from viz.state import from_query

    def columns(*runs: str) -> list[str]:
        view, _ = from_query({"surface": "rosenbrock", "start": "-1.2,1", "steps": "60", "run": list(runs)})
        res = compute(view)
        return res, summary_table(res).columns.tolist()

    calm, calm_cols = columns("sgd:lr=0.001", "adam:lr=0.05")
    wild, wild_cols = columns("sgd:lr=0.01", "adam:lr=0.05")
    assert calm.lines[0].traj.diverged_step is None and wild.lines[0].traj.diverged_step is not None
    assert wild_cols == calm_cols and "evaluations" not in wild_cols
    res, cols = columns("sgd:lr=0.01", "lbfgs")
    assert cols == list(COLUMN_HELP)  # L-BFGS's line search spends more: the column is there
    assert summary_table(res).set_index("run")["evaluations"].iloc[1] > 60


def _reaches_global():
    """The article's hills and canyon: Adam ends at the global minimum, Nesterov at the local one."""
    from viz.playground import compute
    from viz.presets import PRESETS

    view = PRESETS["article_hills_and_canyon"].view()
    res = compute(view)
    adam = next(ln for ln in res.lines if ln.traj.optimizer == "adam")
    g = res.surface.minima[0]
    assert np.hypot(*(adam.traj.final - g)) < 0.01
    return view, res, g


def test_the_gold_star_is_drawn_over_the_runs_that_reach_it():
    """The global minimum's star was hidden under the end markers of the runs that reach it: the
    map draws the minima once more, as outlines, after every run's trail, head and ring."""
    from viz import figures

    view, res, g = _reaches_global()
    fig = figures.trajectory_figure(res.surface, res.lines, view.start, click_grid=0)
    data = fig["data"]
    runs = [i for i, t in enumerate(data) if t.get("legendgroup") in {ln.key for ln in res.lines}]
    top = next(i for i, t in enumerate(data) if t["name"] == "minima (outline)")
    assert top > max(runs) and top == len(data) - 1
    m = data[top]["marker"]
    assert m["symbol"] == "star-open" and data[top]["hoverinfo"] == "skip"
    pts = list(zip(data[top]["x"], data[top]["y"], m["color"], strict=True))
    assert (g[0], g[1], "gold") in pts and (g[0], g[1], "black") in pts  # gold, edged in black
    assert all(len(f["data"]) == len(data) and top in f["traces"] for f in fig["frames"])


def test_the_exports_draw_the_star_over_the_heads_too():
    from viz import export

    view, res, g = _reaches_global()
    r = export.renderer(res, view, 640, 480)
    im = np.asarray(r.frame(view.steps))
    gx, gy = r._to_pixels(np.array([g]))[0] + np.array(r.plot[:2])
    hr = 5.5 * r.scale  # the end marker's radius
    yy, xx = np.mgrid[: im.shape[0], : im.shape[1]]
    disc = np.hypot(xx - gx, yy - gy) < 0.8 * hr  # inside Adam's end marker
    gold = (im[..., :3] == r.colors["gold"]).all(axis=-1)
    assert gold[disc].any()


def test_diverged_runs_and_saddles_have_different_symbols_both_in_the_legend():
    """The red × meant both "saddle" (see why: critical points) and "diverged": a diverged run now
    ends in a burst, and the legend names both."""
    from viz import figures, why
    from viz.playground import compute
    from viz.state import from_query

    view, _ = from_query({"surface": "himmelblau", "start": "0,0", "steps": "60", "run": ["sgd:lr=0.05"],
                          "why": "critical"})  # fmt: skip
    res = compute(view)
    assert res.lines[0].traj.diverged_step is not None
    marks = why.view_marks(why.for_view(view, res), res.surface, res.lines, view.steps, res.surface.bounds)
    fig = figures.trajectory_figure(res.surface, res.lines, view.start, click_grid=0, overlays=why.mark_traces(marks))
    head = fig["frames"][-1]["data"][next(i for i, t in enumerate(fig["data"]) if t["name"] == "SGD")]
    burst = head["marker"]["symbol"]
    legend = {t["name"]: t["marker"]["symbol"] for t in fig["data"] if t.get("showlegend", True) and "marker" in t}
    assert legend["saddle"] == "x" and legend[figures.DIVERGED_NAME] == burst == figures.DIVERGED_SYMBOL
    assert burst != "x"


def test_the_stopped_warning_says_where_the_map_shows_it():
    from viz.playground import compute, stopped_note
    from viz.state import from_query

    def note(**q):
        view, _ = from_query({"steps": "30", **q})
        return stopped_note(compute(view))

    inside = note(surface="f:log(x)+y^2", start="0.5,1", run=["sgd:lr=0.5", "adam:lr=0.01"])
    assert inside == (
        "Stopped early (diverged, or f not finite). SGD: marked ✳ on the map at its last finite point. "
        "The Results tab says why."
    )
    off = note(surface="rosenbrock", start="-1.2,1", run=["sgd:lr=0.01", "nesterov:lr=0.01"])
    assert "SGD, Nesterov: their last finite points are off the map" in off
    assert note(surface="rosenbrock", start="-1.2,1", run=["adam:lr=0.01"]) is None


def test_the_exports_draw_and_name_the_burst_too():
    from viz import export, figures
    from viz.playground import compute
    from viz.state import from_query

    view, _ = from_query({"surface": "f:log(x)+y^2", "start": "0.5,1", "steps": "30", "run": ["sgd:lr=0.5"]})
    res = compute(view)
    r = export.renderer(res, view, 640, 480)
    assert [e.symbol for e in r.entries if e.text == figures.DIVERGED_NAME] == ["asterisk"]
    im = np.asarray(r.frame(view.steps))
    x, y = r._to_pixels(res.lines[0].traj.path[:1])[0] + np.array(r.plot[:2])  # its last finite point: the start
    hr = 1.3 * 5.5 * r.scale
    orange = (im[..., :3] == r.colors[res.lines[0].color]).all(axis=-1)
    # the burst's vertical and horizontal strokes (an × has none)
    assert orange[round(y - 0.8 * hr), round(x)] and orange[round(y), round(x + 0.8 * hr)]


def test_one_step_control_the_map_and_everything_follows_its_step():
    """Two step sliders (the map's and "inspect step k") confused: the map's slider is the one step
    control; the arrows, the loss cursor, "Step details" and the link show its step."""
    from ui.plotly_basic import payload_of

    at = _app({"surface": "wobbly", "run": ["adam:lr=0.25", "rmsprop:lr=0.01"], "steps": "125"})
    assert not at.exception
    assert [s.label for s in at.slider] == ["gradient noise σ"]  # no step slider beside the map's own
    at.session_state["inspect"] = 40  # what the map reports when it stops at step 40 (ps.on_map_step)
    at.session_state["panel"] = "Step details"
    at.run()
    assert not at.exception
    charts = {el.proto.id.rsplit("-", 1)[-1]: payload_of(el.proto) for el in at.get("bidi_component")
              if el.proto.component_name == "landscapes.plotly_basic"}  # fmt: skip
    fig = charts["map"]["spec"]
    sl = fig["layout"]["sliders"][0]
    assert charts["map"]["shown"] == 40 and sl["steps"][sl["active"]]["label"] == "40"
    assert fig["layout"]["annotations"]  # the arrows at θ₄₀
    assert charts["series"]["spec"]["layout"]["shapes"][0]["x0"] == 40  # the loss charts' cursor
    assert any(m.value.startswith("**Step 40** (the map's step)") for m in at.markdown)
    assert at.query_params["step"] == "40"
    assert "inspect_k" not in [w.key for w in at.number_input]  # every step is a frame: no box for it


def test_a_long_run_takes_any_step_from_step_details():
    """A run longer than the map's 200 frames: its slider moves by a few steps; "Step details" takes any
    step, and the map shows that step as a frame of its own."""
    from ui.plotly_basic import payload_of

    at = _app({"surface": "wobbly", "run": ["adam:lr=0.1"], "steps": "1000"})
    at.session_state["panel"] = "Step details"
    at.run()
    at.number_input(key="inspect_k").set_value(123).run()
    assert not at.exception
    assert at.session_state["inspect"] == 123 and at.query_params["step"] == "123"
    fig = next(payload_of(el.proto)["spec"] for el in at.get("bidi_component") if el.proto.id.endswith("-map"))
    sl = fig["layout"]["sliders"][0]
    assert sl["steps"][sl["active"]]["label"] == "123"


def test_a_diverged_run_has_no_nearest_minimum_in_the_results():
    """A diverged run's last finite point is far off (here ~1e5 away): the table said "9.33e+05
    (global)" beside "diverged at step 4". It has no end point to measure from, so it says —."""
    from viz.playground import compute, summary_table
    from viz.state import from_query

    view, _ = from_query(
        {"surface": "rosenbrock", "start": "-1.2,1", "steps": "60", "run": ["sgd:lr=0.01", "adam:lr=0.05"]}
    )
    res = compute(view)
    assert res.lines[0].traj.diverged_step is not None and res.lines[1].traj.diverged_step is None
    table = summary_table(res)
    assert table["nearest minimum"].iloc[0] == "—"
    assert table["nearest minimum"].iloc[1].endswith("(global)")


def test_each_preset_group_is_one_row_so_the_map_starts_on_the_first_screen():
    """At 1440×900 the presets took four rows of three and pushed Play and the map below the first
    screen of a projector: each group is now one row (a phone stacks the columns)."""
    from viz.presets import PRESETS

    def blocks(node):
        for child in getattr(node, "children", {}).values():
            yield child
            yield from blocks(child)

    at = _app()
    rows = [b for b in blocks(at.main) if getattr(b, "type", "") == "flex_container"]  # st.columns
    for group in {p.group for p in PRESETS.values()}:
        keys = {f"preset::{n}" for n, p in PRESETS.items() if p.group == group}
        holding = [r for r in rows if {b.key for b in r.button} & keys]
        assert len(holding) == 1 and len(holding[0].children) == len(keys), group
        assert {b.key for b in holding[0].button} == keys
