"""The playground page driven headlessly with Streamlit's AppTest (no browser, no JavaScript)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

import landscapes
import optimizers
from ui.plotly_basic import payload_of

TIMEOUT = 180  # a cold Numba compile takes longer than AppTest's default 3 s


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _basic_charts(at: AppTest) -> dict[str, dict]:
    """The figures drawn by ``ui.plotly_basic`` (Streamlit v2 components), by element key."""
    return {
        el.proto.id.rsplit("-", 1)[-1]: payload_of(el.proto)["spec"]
        for el in at.get("bidi_component")
        if el.proto.component_name == "landscapes.plotly_basic"
    }


def _map(at: AppTest) -> dict:
    return _basic_charts(at)["map"]


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_default_view_renders():
    at = _app()
    _ok(at)
    charts = _basic_charts(at)
    assert set(charts) == {"map", "series"}  # both drawn with plotly.js's basic bundle
    fig = charts["map"]
    assert fig["layout"]["images"] and len(fig["frames"]) > 10
    assert fig["data"][0].get("x", []) == []  # no click grid: the component reports clicks by position
    assert fig["layout"]["clickmode"] == "event" and fig["config"]["displayModeBar"] is False
    assert not at.get("plotly_chart")
    assert not at.table and any("results-table" in m.value for m in at.markdown)  # the Results tab only
    assert at.query_params["surface"] == "hills_and_canyon"
    at.radio(key="view_mode").set_value("3-D surface").run()
    _ok(at)
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["type"] == "surface"


def test_lower_panels_render_only_when_their_tab_is_open():
    at = _app({"run": ["adam", "rmsprop"]})
    assert [t.label for t in at.tabs] == ["Results", "Step details", "Update rules", "Export and share"]
    assert not at.get("download_button") and not at.latex  # the formula is inline math in markdown
    at.session_state["panel"] = "Step details"
    at.run()
    _ok(at)
    assert len(at.table) == 1 and "effective step" in at.table[0].value.columns[-1].lower()
    at.session_state["panel"] = "Update rules"
    at.run()
    _ok(at)
    assert len(at.latex) == 2 and not at.table
    at.session_state["panel"] = "Export and share"
    at.run()
    _ok(at)
    assert len(at.get("download_button")) == 5
    at.session_state["inspect"] = 7  # the map stopped at step 7 (ps.on_map_step): the page follows
    at.run()
    _ok(at)
    assert at.query_params["step"] == "7" and at.session_state["panel"] == "Export and share"


def test_without_static_serving_the_charts_fall_back_to_st_plotly_chart(monkeypatch):
    from ui import plotly_basic

    monkeypatch.setattr(plotly_basic, "enabled", lambda: False)
    at = _app()
    _ok(at)
    assert not _basic_charts(at)
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(figs) == 2 and figs[0]["layout"]["images"]
    assert len(figs[0]["data"][0]["x"]) == 40 * 40  # the invisible grid that makes clicks reach Streamlit


@pytest.mark.parametrize("name", landscapes.names())
def test_every_surface_renders(name):
    at = _app()
    at.selectbox(key="surface").set_value(name).run()
    _ok(at)
    fig = _map(at)
    s = landscapes.in_view(landscapes.get(name))
    (x0, x1), (y0, y1) = s.bounds
    inside = [p for p in s.minima if x0 <= p[0] <= x1 and y0 <= p[1] <= y1]
    shown = len(fig["data"][2]["x"]) + len(fig["data"][1]["x"])  # stars, and points of lines of minima
    assert (shown > 0) == bool(inside)
    assert at.query_params["surface"] == name


def test_every_optimizer_renders_with_its_controls():
    names = optimizers.names()
    for batch in (names[i : i + 8] for i in range(0, len(names), 8)):
        at = _app()
        at.multiselect(key="runs").set_value(batch).run()
        _ok(at)
        fig = _map(at)
        clouds = sum(optimizers.spec(n).gradient_free for n in batch)  # the points tried, per step
        assert len(fig["data"]) == 4 + 3 * len(batch) + clouds + 1  # + the minima drawn again over the runs
        assert not any(k.startswith("hp::") for k in _widget_keys(at))  # collapsed: drawn only when open
        for n in batch:
            at.session_state[f"open::{n}"] = True
        at.run()
        _ok(at)
        keys = _widget_keys(at)
        for n in batch:  # every hyperparameter got a widget bound to its key
            for h in optimizers.spec(n).hypers:
                assert f"hp::{n}::{h.name}" in keys


def _widget_keys(at: AppTest) -> set[str]:
    return {getattr(w, "key", None) for kind in ("slider", "select_slider", "checkbox") for w in at.get(kind)}


def test_hyperparameters_keep_their_values_while_their_panel_is_closed():
    at = _app()
    at.session_state["open::adam"] = True
    at.run()
    at.select_slider(key="hp::adam::lr").set_value(0.01).run()
    at.session_state["open::adam"] = False
    at.run()
    at.number_input(key="steps").set_value(130).run()  # two reruns without the widget drawn
    _ok(at)
    assert at.session_state["hp::adam::lr"] == 0.01
    assert any(r.startswith("adam:") and "lr=0.01" in r for r in at.query_params["run"])


def test_changing_a_hyperparameter_changes_the_trajectory_and_the_url():
    at = _app()
    before = _map(at)["frames"][-1]["data"][11]["x"]  # Adam's head at the last frame
    at.session_state["open::adam"] = True
    at.run()
    at.select_slider(key="hp::adam::lr").set_value(0.01).run()
    _ok(at)
    after = _map(at)["frames"][-1]["data"][11]["x"]
    assert before != after
    assert any(r.startswith("adam:") and "lr=0.01" in r for r in at.query_params["run"])


def test_url_state_round_trips():
    query = {
        "surface": "wobbly",
        "start": "1.5,-2",
        "steps": "300",
        "run": ["adam:lr=0.1,amsgrad=1", "nesterov#2:lr=0.02,momentum=0.95"],
        "schedule": "cosine",
        "T_max": "200",
        "noise": "0.2",
        "seed": "5",
        "step": "40",
    }
    at = _app(query)
    _ok(at)
    assert not at.warning
    ss = at.session_state
    assert ss["surface"] == "wobbly" and ss["start_x"] == 1.5 and ss["start_y"] == -2.0 and ss["steps"] == 300
    assert ss["runs"] == ["adam", "nesterov#2"]
    assert ss["hp::adam::amsgrad"] is True and ss["hp::nesterov#2::momentum"] == 0.95
    assert ss["schedule"] == "cosine" and ss["c::T_max"] == 200 and ss["inspect"] == 40
    assert at.query_params["run"] == query["run"]
    for k in ("surface", "start", "steps", "schedule", "seed", "step"):
        assert at.query_params[k] == query[k], k
    # opening the app again with the URL it wrote gives the same trajectories
    again = _app(dict(at.query_params))
    assert _map(again)["frames"][-1]["data"] == _map(at)["frames"][-1]["data"]


@pytest.mark.parametrize(
    "query",
    [
        {"surface": "everest"},
        {"start": "a,b"},
        {"steps": "100000000"},
        {"run": ["adam:lr=-3", "sgdd"]},
        {"schedule": "nope", "noise": "-2"},
        {"step": "-4"},
        {"run": ["adam:lr=__import__('os').system('x')"]},
    ],
)
def test_bad_query_parameters_show_a_notice_not_an_exception(query):
    at = _app(query)
    _ok(at)
    assert at.warning and all("Link parameter refused" in w.value for w in at.warning)
    assert _map(at)["frames"]


def test_presets_load_the_articles_experiments():
    at = _app()
    at.button(key="preset::nesterov_gamma").click().run()
    _ok(at)
    assert at.session_state["runs"] == ["nesterov#1", "nesterov#2", "nesterov#3"]
    assert [at.session_state[f"hp::nesterov#{i}::momentum"] for i in (1, 2, 3)] == [0.25, 0.9, 0.975]
    assert any("0.975" in i.value for i in at.info)
    at.button(key="preset::article_giant_plateau").click().run()
    _ok(at)
    assert at.session_state["surface"] == "giant_plateau"
    assert len(_map(at)["data"]) == 4 + 3 * 5 + 1  # + the minima drawn again over the runs


def test_diverging_optimizer_is_marked_and_others_keep_animating():
    at = _app({"surface": "rosenbrock", "start": "-1.2,1", "run": ["sgd:lr=0.05", "adam:lr=0.01"]})
    _ok(at)
    assert any("Stopped early" in w.value and "SGD" in w.value for w in at.warning)
    last = _map(at)["frames"][-1]["data"]
    burst = "asterisk-open"  # viz.figures.DIVERGED_SYMBOL (a saddle is an ×)
    assert last[5]["marker"]["symbol"] == burst and last[8]["marker"]["symbol"] != burst


def test_copy_of_an_optimizer_with_other_settings():
    at = _app()
    at.selectbox(key="copy_of").set_value("adam").run()
    btn = next(b for b in at.button if b.label == "Add")
    btn.click().run()
    _ok(at)
    assert "adam#2" in at.session_state["runs"]
    assert len(_map(at)["data"]) == 4 + 3 * 4 + 1  # + the minima drawn again over the runs
    # an optimizer not compared yet is added itself (not as "#2"), at a learning rate that moves
    at.selectbox(key="copy_of").set_value("sgd").run()
    next(b for b in at.button if b.label == "Add").click().run()
    _ok(at)
    assert "sgd" in at.session_state["runs"] and "sgd#2" not in at.session_state["runs"]
    assert at.session_state["hp::sgd::lr"] == 0.05
    at.session_state["open::sgd"] = True
    at.run()
    at.button(key="defaults::sgd").click().run()  # torch's default one click away
    _ok(at)
    assert at.session_state["hp::sgd::lr"] == optimizers.spec("sgd").defaults()["lr"]


def test_custom_formula_from_the_box_the_examples_and_the_link():
    at = _app()
    at.selectbox(key="surface").set_value("custom").run()
    _ok(at)
    assert at.query_params["surface"].startswith("f:")
    at.text_area(key="surface::formula").input("x^2 + 3*sin(y)^2").run()
    _ok(at)
    assert at.query_params["surface"] == "f:x^2 + 3*sin(y)^2"
    assert any("3 \\sin^{2}" in m.value for m in at.markdown)
    at.text_area(key="surface::formula").input("__import__('os').getcwd()").run()
    _ok(at)
    assert "Formula refused" in at.error[0].value and "only calls of the listed functions" in at.error[0].value
    assert at.query_params["surface"] == "f:x^2 + 3*sin(y)^2"  # the last accepted formula stays
    at.selectbox(key="surface::example").set_value("log(1 + (x*y - 1)^2)").run()
    _ok(at)
    assert at.text_area(key="surface::formula").value == "log(1 + (x*y - 1)^2)"
    shared = _app({"surface": "f:log(1 + (x*y - 1)^2)", "run": "adam:lr=0.1"})
    _ok(shared)
    assert shared.selectbox(key="surface").value == "custom"
    assert shared.text_area(key="surface::formula").value == "log(1 + (x*y - 1)^2)"
    assert len(_map(shared)["data"][1]["x"]) > 20  # the hyperbola of minima drawn as a line


def test_view_window_from_the_link_and_the_controls():
    at = _app({"surface": "rosenbrock", "view": "-1,1.5,-0.5,2", "run": "adam:lr=0.01", "start": "-0.5,1.5"})
    _ok(at)
    fig = _map(at)
    assert fig["layout"]["xaxis"]["range"] == [-1.0, 1.5] and fig["layout"]["yaxis"]["range"] == [-0.5, 2.0]
    assert at.query_params["view"] == "-1,1.5,-0.5,2"
    at.session_state["open::window"] = True
    at.run()
    at.number_input(key="win_x1").set_value(3.0).run()
    _ok(at)
    assert _map(at)["layout"]["xaxis"]["range"] == [-1.0, 3.0] and at.query_params["view"] == "-1,3,-0.5,2"
    at.selectbox(key="surface").set_value("wobbly").run()  # another surface: its own window
    _ok(at)
    assert "view" not in at.query_params
    at.number_input(key="win_x0").set_value(5.0).run()  # min > max: refused with a message, nothing breaks
    _ok(at)
    assert any("min < max" in w.value for w in at.warning)


def test_custom_formula_minima_are_searched_inside_the_window():
    at = _app({"surface": "f:(x^2+y-11)^2+(x+y^2-7)^2", "view": "-5,5,-5,5", "run": "adam:lr=0.1"})
    _ok(at)
    assert len(_map(at)["data"][2]["x"]) == 4  # Himmelblau's four minima, found in the wider window
    bad = _app({"surface": "wobbly", "view": "1,0,0,1"})
    assert any("xmin,xmax,ymin,ymax" in w.value for w in bad.warning)


def test_a_handoff_set_in_the_run_panel_runs_and_goes_into_the_link():
    at = _app({"run": ["adam:lr=0.1"], "surface": "wobbly", "steps": "120"})
    at.session_state["open::adam"] = True
    at.run()
    at.toggle(key="ho::adam::on").set_value(True).run()
    _ok(at)
    at.number_input(key="ho::adam::at").set_value(40).run()
    at.selectbox(key="ho::adam::to").set_value("sgd").run()
    _ok(at)
    assert at.query_params["run"] in ("adam:lr=0.1|at=40,to=sgd,lr=0.05", ["adam:lr=0.1|at=40,to=sgd,lr=0.05"])
    fig = _map(at)
    hexes = [t for t in fig["data"] if t.get("name") == "hand-off"]
    assert len(hexes) == 1 and "→ SGD at step 40" in hexes[0]["text"][0]
    # the same view from its link: the widgets come back as they were
    again = _app({k: at.query_params[k] for k in ("run", "surface", "steps")})
    _ok(again)
    assert again.session_state["ho::adam::on"] and again.session_state["ho::adam::at"] == 40
    assert again.session_state["ho::adam::to"] == "sgd" and again.query_params["run"] == at.query_params["run"]


def test_a_stale_chip_label_sent_back_keeps_its_run():
    """The browser can send back the "Compare" chip it still shows ("Adam · lr=0.25") after that
    run's lr changed (a slider nudged twice quickly): the page keeps the run instead of failing
    with an unknown optimizer."""
    at = _app()
    ms = at.multiselect(key="runs")
    keys = list(ms.value)
    old_labels = {k: ms.format_func(k) for k in keys}
    at.session_state["open::adam"] = True
    at.run()
    at.select_slider(key="hp::adam::lr").set_value(0.01).run()
    _ok(at)
    at.session_state["runs"] = [old_labels[k] if k == "adam" else k for k in keys]
    at.run()
    _ok(at)
    assert list(at.multiselect(key="runs").value) == keys
    assert at.session_state["hp::adam::lr"] == 0.01


def test_a_new_surface_moves_a_start_it_cannot_show_and_says_so():
    at = _app()  # hills and canyon, start (−2.8, −2.5)
    at.selectbox(key="surface").set_value("rosenbrock").run()
    _ok(at)
    s = landscapes.get("rosenbrock")
    assert (at.session_state["start_x"], at.session_state["start_y"]) == tuple(float(v) for v in s.start)
    assert any("outside this surface's window" in i.value for i in at.info)
    at.selectbox(key="surface").set_value("wobbly").run()  # rosenbrock's start is inside wobbly's window: kept
    assert (at.session_state["start_x"], at.session_state["start_y"]) == tuple(float(v) for v in s.start)
    assert not any("outside this surface's window" in i.value for i in at.info)


def test_a_links_refusals_go_once_a_setting_changes():
    """The refusal of a link's unknown parameter stayed on screen whatever the reader did after."""
    at = _app({"preset": "x", "surface": "wobbly"})
    _ok(at)
    assert any("unknown parameter 'preset'" in w.value for w in at.warning)
    at.run()  # a rerun that changes nothing (the map reporting its step) keeps it
    assert any("unknown parameter 'preset'" in w.value for w in at.warning)
    at.selectbox(key="surface").set_value("rosenbrock").run()
    _ok(at)
    assert not any("Link parameter refused" in w.value for w in at.warning)
