"""The practitioner's pages driven headlessly with Streamlit's AppTest: every page and control path."""

import json
import math
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
import optimizers
from optimizers import response as resp
from viz import sweeps
from viz.figures import PLOTLY_CONFIG
from viz.presets import TEACHING_SETTINGS
from viz.sweeps import fmt_number, fmt_percent

TIMEOUT = 180
PAGES = ("1_Hyperparameter_heatmap", "2_Basins_of_attraction", "3_Fair_comparison", "4_Noise_ensembles",
         "5_Gradient_response")  # fmt: skip


def _page(name: str) -> AppTest:
    return AppTest.from_file(f"../ui/pages/{name}.py", default_timeout=TIMEOUT).run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _fig(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def _downloads(at: AppTest) -> list:
    return at.get("download_button")


def _table(at: AppTest, i: int = 0):
    """A table as the page shows it: every cell is display text."""
    return at.table[i].value


def _pct(text: str) -> float:
    """A percentage cell ("73.5%", "<0.1%") as a number."""
    return float(text.strip("<>%"))


HEATMAP = "1_Hyperparameter_heatmap"


def test_heatmap_default_and_every_metric():
    at = _page(HEATMAP)
    _ok(at)
    fig = _fig(at)
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(heat) == 3 and len(heat[-1]["z"]) == 64 and len(heat[-1]["z"][0]) == 64
    assert _fig(at, 1)["frames"]  # the selected cell's trajectory, animated
    assert at.markdown[-1].value.startswith("**Selected cell:**")
    assert len(_downloads(at)) == 2  # the heatmap's cells and the selected run
    for m in sweeps.METRICS:
        at.selectbox(key="hm::metric").set_value(m).run()
        _ok(at)


def test_heatmap_other_optimizer_axes_and_resolution():
    at = _page(HEATMAP)
    at.selectbox(key="hm::opt").set_value("adam").run()
    _ok(at)
    assert at.selectbox(key="hm::adam::y").value == "beta1"
    at.selectbox(key="hm::adam::y").set_value("eps").run()
    at.checkbox(key="hm::adam::y::eps::log").check().run()
    at.select_slider(key="hm::n").set_value(16).run()
    _ok(at)
    fig = _fig(at)
    assert len(next(t for t in fig["data"] if t.get("name") == "final_loss")["z"]) == 16
    assert fig["layout"]["yaxis"]["title"]["text"] == "eps (log scale)"


def test_heatmap_selected_cell_follows_a_click_state():
    at = _page(HEATMAP)
    at.select_slider(key="hm::n").set_value(8).run()
    at.session_state["hm::cell"] = (2, 5)
    at.run()
    _ok(at)
    sel = next(t for t in _fig(at)["data"] if t.get("name") == "selected run")
    xs = sweeps.Axis("lr", 1e-5, 1.0, 8, True).values()
    assert sel["x"][0] == pytest.approx(math.log10(xs[5]))
    assert "lr = " + fmt_number(xs[5], small=1e-6) in at.markdown[-1].value
    at.session_state["hm::cell"] = (2, 1)
    at.run()
    assert f"lr = {xs[1]:.4g}" == "lr = 5.179e-05" and "lr = 0.00005179," in at.markdown[-1].value  # no 10⁻⁵


def test_heatmap_that_diverges_everywhere():
    at = _page(HEATMAP)
    at.selectbox(key="hm::opt").set_value("sgd").run()
    at.number_input(key="hm::sgd::x::lr::lo").set_value(20.0).run()
    at.number_input(key="hm::sgd::x::lr::hi").set_value(100.0).run()
    at.selectbox(key="hm::surface").set_value("rosenbrock").run()
    _ok(at)
    assert any("diverged" in c.value and "of 4,096" in c.value for c in at.caption)
    assert "diverged at step" in at.markdown[-1].value


def test_heatmap_refuses_a_bad_range_with_a_reason():
    at = _page(HEATMAP)
    at.number_input(key="hm::momentum::x::lr::lo").set_value(0.0).run()
    _ok(at)
    assert at.error and "log axis needs a positive low end" in at.error[0].value


BASINS = "2_Basins_of_attraction"


def test_basins_default_and_colourings():
    at = _page(BASINS)
    _ok(at)
    assert len(at.get("plotly_chart")) == 5  # four maps and the settle curves
    assert _fig(at)["layout"]["images"][0]["source"].startswith("data:image/png")
    table = _table(at)
    assert [o.split(" · ")[0] for o in table["Optimizer"]] == ["SGD", "Momentum", "RMSProp", "Adam"]
    assert table.loc[0, "Optimizer"] == "SGD · lr=0.05"  # the legend label: key hyperparameters
    for c in ("final_loss", "steps_to_tol", "basin"):
        at.radio(key="bs::color").set_value(c).run()
        _ok(at)
    assert len(_downloads(at)) == 5


@pytest.mark.parametrize("color_by", ["final_loss", "steps_to_tol"])
def test_basin_maps_share_one_colour_bar(color_by):
    at = _page(BASINS)
    at.radio(key="bs::color").set_value(color_by).run()
    _ok(at)
    figs = [_fig(at, i) for i in range(len(at.get("plotly_chart")))]
    bars = [f for f in figs if any(t.get("marker", {}).get("showscale") for t in f["data"])]
    maps = [f for f in figs if f["layout"].get("images")]
    assert len(bars) == 1 and len(maps) == 4  # one colour bar for the four maps
    assert all(not any(t.get("marker", {}).get("showscale") for t in f["data"]) for f in maps)


def test_basins_sentence_is_computed_from_the_numbers_shown():
    """The default view's sentence names the optimizer that reaches the global minimum from the
    most starts, with the numbers of an independent run of the same settings."""
    at = _page(BASINS)
    _ok(at)
    s = landscapes.get("hills_and_canyon")
    names = ["sgd", "momentum", "rmsprop", "adam"]
    runs = [sweeps.basins(n, s, 128, 300, TEACHING_SETTINGS[n], cache=None) for n in names]
    shares = {optimizers.spec(r.optimizer).label: 100 * r.share_global() for r in runs}
    ranked = sorted(shares, key=shares.get, reverse=True)
    best, second, last = ranked[0], ranked[1], ranked[-1]
    sentence = next(m.value for m in at.markdown if "global minimum from the most starts" in m.value)
    text = sentence.replace("**", "").replace("\\", "")
    assert text.startswith(f"{best} reaches the global minimum from the most starts ({fmt_percent(shares[best])})")
    gap = round(shares[best], 1) - round(shares[second], 1)
    assert f"{gap:.1f} percentage points more than {second} ({fmt_percent(shares[second])})" in text
    assert f"{last} from the fewest ({fmt_percent(shares[last])})" in text
    assert "escape" not in " ".join(c.value for c in at.main.caption)  # no fixed claim left in the captions
    assert text.startswith(sweeps.basins_sentence(runs))
    table = _table(at)  # and the table beside it shows the same numbers
    for label, cell in zip(table["Optimizer"], table["Reach the global minimum (% of starts)"], strict=True):
        assert cell == fmt_percent(shares[label.split(" · ")[0]])


def test_basins_diverging_everywhere_and_other_settings():
    at = _page(BASINS)
    at.multiselect(key="bs::opts").set_value(["sgd"]).run()
    at.select_slider(key="bs::sgd::lr").set_value(100.0).run()
    at.selectbox(key="bs::surface").set_value("rosenbrock").run()
    at.select_slider(key="bs::n").set_value(32).run()
    _ok(at)
    assert _table(at).loc[0, "Diverged (% of starts)"] == "100%"
    assert _table(at).loc[0, "Median steps to settle at the global minimum"] == "—"
    at.slider(key="bs::noise").set_value(0.5).run()
    at.multiselect(key="bs::opts").set_value([]).run()
    _ok(at)
    assert at.info  # asks for an optimizer


FAIR = "3_Fair_comparison"


def test_fair_comparison_every_objective_and_search():
    at = _page(FAIR)
    _ok(at)
    table = _table(at)
    hc = landscapes.get("hills_and_canyon")
    res = sweeps.tune(["sgd", "momentum", "nesterov", "rmsprop", "adam"], hc, np.array([hc.start]), 125, 64)
    best = sorted(res, key=lambda t: t.score)
    assert list(table["Optimizer"]) == [optimizers.spec(t.optimizer).label for t in best]  # best first
    assert list(table["Best score: final loss − f* (lower is better)"]) == [fmt_number(t.score) for t in best]
    sentence = next(m.value for m in at.markdown if m.value.startswith("**Tuned,")).replace("\\", "")
    top = optimizers.spec(best[0].optimizer).label
    assert f"Tuned, {top} scores best (final loss − f* = {fmt_number(best[0].score)})" in sentence
    assert len(_fig(at, 0)["frames"]) > 10  # tuned runs animate together
    for obj in sweeps.OBJECTIVES:
        at.selectbox(key="fc::objective").set_value(obj).run()
        _ok(at)
        assert f"Best score: {sweeps.OBJECTIVES[obj]} (lower is better)" in _table(at).columns
    at.radio(key="fc::method").set_value("grid").run()
    at.checkbox(key="fc::lronly").check().run()
    at.select_slider(key="fc::nstarts").set_value(4).run()
    _ok(at)
    assert all(s.startswith("lr = ") and "," not in s for s in _table(at)["Best setting found"])
    at.multiselect(key="fc::opts").set_value([]).run()
    _ok(at)


def test_fair_comparison_at_one_evaluation_budget_draws_every_run_on_one_clock():
    at = _page(FAIR)
    at.radio(key="fc::unit").set_value("evaluations").run()
    at.multiselect(key="fc::opts").set_value(["lbfgs", "cmaes", "adam"]).run()
    at.select_slider(key="fc::budget").set_value(4).run()
    _ok(at)
    caption = " ".join(c.value for c in at.caption)
    assert "125 function evaluations for every optimizer: CMA-ES 20 steps, Adam 125 steps" in caption
    fig = _fig(at, 0)
    assert fig["layout"]["sliders"][0]["currentvalue"]["prefix"] == "evaluation "
    heads = [t for t in fig["data"] if t.get("mode") == "lines" and t.get("name", "").split(" ·")[0] in
             ("L-BFGS", "CMA-ES", "Adam")]  # fmt: skip
    assert len(heads) == 3
    # every run's last frame is at evaluation 125: the same clock on the map for all three
    assert fig["frames"][-1]["name"] == "125"


NOISE = "4_Noise_ensembles"


def test_noise_ensembles():
    at = _page(NOISE)
    _ok(at)
    assert len(at.get("plotly_chart")) == 2
    summary = _table(at)
    assert list(summary["Runs"]) == ["200", "200", "200"]
    shares = {o.split(" · ")[0]: _pct(v) for o, v in zip(summary["Optimizer"], summary.iloc[:, 3], strict=True)}
    sentence = next(m.value for m in at.markdown if m.value.startswith("**With σ")).replace("\\", "")
    best = max(shares, key=shares.get)
    assert f"{best}'s runs end nearest a global minimum most often ({fmt_percent(shares[best])} of 200)" in sentence
    at.slider(key="ne::noise").set_value(0.0).run()
    _ok(at)
    assert _table(at)["End within 0.05 of it (% of runs)"].nunique() >= 1
    at.checkbox(key="ne::log").uncheck().run()
    at.select_slider(key="ne::n").set_value(10).run()
    at.multiselect(key="ne::opts").set_value(["lion", "newton"]).run()
    _ok(at)


RESPONSE = "5_Gradient_response"


def test_gradient_response_every_method_and_signal():
    at = _page(RESPONSE)
    _ok(at)
    for method in resp.METHODS:
        at.selectbox(key="gr::method").set_value(method).run()
        _ok(at)
        fig = _fig(at)
        assert len(fig["data"]) == 4 and fig["data"][1]["name"].startswith(resp.METHODS[method].param)
    for sig in resp.signals():
        at.radio(key="gr::signal").set_value(sig).run()
        _ok(at)
    at.checkbox(key="gr::cum").check().run()
    _ok(at)
    assert _fig(at)["layout"]["yaxis"]["title"]["text"] == "total distance moved"


def test_every_page_offers_every_optimizer():
    at = _page(BASINS)
    assert at.multiselect(key="bs::opts").options == [optimizers.spec(n).label for n in optimizers.names()]


def test_pages_take_a_view_window_and_custom_formulas():
    at = _page(BASINS)
    at.select_slider(key="bs::n").set_value(16).run()
    at.number_input(key="bs::surface::wx0").set_value(-1.0).run()
    _ok(at)
    fig = _fig(at)
    assert fig["layout"]["xaxis"]["range"][0] == pytest.approx(-1.0 - 4 / 15 / 2)  # half a cell of margin
    at.selectbox(key="bs::surface").set_value("custom").run()
    at.text_area(key="bs::surface::formula").input("(x^2 - 1)^2 + y^2").run()
    _ok(at)
    assert at.number_input(key="bs::surface::wx0").value == -3.0  # a new surface: its own window
    table = _table(at)
    assert _pct(table.loc[0, "Reach the global minimum (% of starts)"]) > 90  # SGD: two global minima at (±1, 0)
    at = _page(HEATMAP)
    at.selectbox(key="hm::surface").set_value("custom").run()
    at.text_area(key="hm::surface::formula").input("x^2 + 10*y^2").run()
    at.select_slider(key="hm::n").set_value(8).run()
    _ok(at)
    assert "Selected cell" in at.markdown[-1].value


# --- what a teacher projects: readable charts, nothing sent away, tables for people -----------


def _rgb(color: str) -> tuple[float, float, float]:
    named = {"white": "#ffffff", "black": "#000000"}
    c = named.get(color.strip().lower(), color.strip())
    if c.startswith("#"):
        h = c[1:]
        h = "".join(2 * ch for ch in h) if len(h) == 3 else h[:6]
        return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))
    m = re.fullmatch(r"rgba?\(([^)]*)\)", c)
    assert m, f"unparsed colour {color!r}"
    return tuple(float(v) / 255 for v in m.group(1).split(",")[:3])


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""

    def lum(c: str) -> float:
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in _rgb(c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#808495", "#ffffff") == pytest.approx(3.72, abs=0.01)  # Streamlit's chart grey: fails AA
    assert contrast("#31333f", "#ffffff") > 12


def _font_colors(node, inside_font: bool = False):
    """Every colour set for text anywhere in a figure part (``font``, ``tickfont``, ``title.font``, …)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "color" and inside_font and isinstance(v, str):
                yield v
            elif k in ("frames", "images"):
                continue
            else:
                yield from _font_colors(v, inside_font or "font" in k.lower())
    elif isinstance(node, list):
        for v in node:
            yield from _font_colors(v, inside_font)


def _check_charts(at: AppTest) -> int:
    """Every chart: Streamlit's theme off, the cloud-free config, and all its text at least 4.5:1
    against the figure's own background."""
    charts = at.get("plotly_chart")
    for ch in charts:
        assert ch.proto.theme == "", "Streamlit's theme greys the text: pass theme=None"
        assert json.loads(ch.proto.config) == PLOTLY_CONFIG
        fig = json.loads(ch.proto.spec)
        layout = fig["layout"]
        bg = layout["paper_bgcolor"]
        assert layout["font"]["color"], "the text colour must be the figure's own"
        for bgs in {bg, layout.get("plot_bgcolor", bg)}:
            for color in [layout["font"]["color"], *_font_colors(layout), *_font_colors(fig["data"])]:
                assert contrast(color, bgs) >= 4.5, (color, bgs, layout.get("title"))
        legend_bg = layout.get("legend", {}).get("bgcolor")
        if legend_bg:
            assert contrast(layout["font"]["color"], legend_bg) >= 4.5
    return len(charts)


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_is_readable_and_sends_nothing_away(page):
    at = _page(page)
    _ok(at)
    assert _check_charts(at) >= 1
    if page == BASINS:
        at.radio(key="bs::color").set_value("final_loss").run()  # the colour-bar figure too
        _ok(at)
        assert _check_charts(at) == 6


@pytest.mark.parametrize("page", PAGES[1:])
def test_tables_are_written_for_people(page):
    at = _page(page)
    _ok(at)
    assert at.table and not at.dataframe
    for t in at.table:
        df = t.value
        for header in df.columns:
            assert "_" not in header and header[0].isupper(), header  # plain English, not snake_case
        for cell in df.to_numpy().ravel():
            text = str(cell)
            assert text not in ("None", "nan", "NaN", "<NA>", "inf"), df
            assert not re.search(r"0\.000|e[+-]?\d", text), text  # tiny numbers as powers of ten
            for number in re.findall(r"\d+\.\d+", text):  # ≤ 4 significant digits
                assert len(number.replace(".", "").lstrip("0")) <= 4, text
            assert not re.fullmatch(r"-?\d+\.0", text), text  # integers as integers


def test_runs_shown_together_differ_in_colour_and_in_dash_or_marker():
    at = _page(FAIR)
    _ok(at)
    runs = [t for t in _fig(at, 0)["data"] if t.get("mode") == "lines" and " · lr=" in t.get("name", "")]
    assert len(runs) == 5  # the tuned runs on the map, legends with their key hyperparameters
    assert len({t["line"]["color"] for t in runs}) == 5 and len({t["line"]["dash"] for t in runs}) == 5
    scatter = [t for t in _fig(at, 1)["data"] if t.get("mode") == "markers"]
    assert len({t["marker"]["symbol"] for t in scatter}) == 5 and len({t["marker"]["color"] for t in scatter}) == 5
    at = _page(NOISE)
    _ok(at)
    medians = [t for t in _fig(at, 1)["data"] if t.get("line", {}).get("width", 0) > 1]
    assert len({(t["line"]["color"], t["line"]["dash"]) for t in medians}) == 3
    assert len({t["line"]["dash"] for t in medians}) == 3
    at = _page(BASINS)
    _ok(at)
    curves = [t for t in _fig(at, 4)["data"] if t.get("mode") == "lines"]
    assert [t["name"] for t in curves] == ["SGD · lr=0.05", "Momentum · lr=0.01, γ=0.9",
                                           "RMSProp · lr=0.25, α=0.9, ε=10⁻⁶", "Adam · lr=0.25"]  # fmt: skip
    assert len({t["line"]["dash"] for t in curves}) == 4 and len({t["line"]["color"] for t in curves}) == 4


def test_heatmap_labels_fit_their_sidebar():
    """Labels short enough not to be cut (the sidebar's select shows ~28 characters); the full
    definitions are in the help text."""
    at = _page(HEATMAP)
    assert all(len(v) <= 24 for v in sweeps.METRICS.values())
    assert all(len(v) <= 24 for v in sweeps.OBJECTIVES.values())
    assert at.checkbox(key="hm::momentum::x::lr::log").label == "log scale"
    assert all(sweeps.METRIC_HELP[m] in at.selectbox(key="hm::metric").help for m in sweeps.METRICS)


def test_gradient_response_notes_say_what_the_rules_do():
    """Each method's note states a number; the method's response to a gradient of constant size
    (g = 1) must show it."""
    g = np.ones(300)
    t = np.arange(1, 301)
    r = resp.response
    at = _page(RESPONSE)
    claims = {
        "momentum": ("ten times one step for γ = 0.9", lambda: r("momentum", g, [0.9], 0.25)[0][-1] / (10 * 0.25)),
        "adagrad": ("shrinks like η/√t", lambda: r("adagrad", g, [1e-7], 2.5)[0] * np.sqrt(t) / 2.5),
        "rmsprop": ("levels off at η", lambda: r("rmsprop", g, [0.25, 0.9, 0.975], 0.25)[:, -1] / 0.25),
        "adadelta_zero": ("0.1·g for γ = 0.9", lambda: r("adadelta_zero", g, [0.9], 0.0)[0][0] / 0.1),
        "adadelta_big": ("22 times g for η = 50 and γ = 0.9", lambda: r("adadelta_big", g, [0.9], 50.0)[0][0] / 22),
        "adam": ("η from the first step", lambda: r("adam", g, [0.25, 0.9, 0.975], 0.25) / 0.25),
    }  # fmt: skip
    for method, (phrase, ratio) in claims.items():
        at.selectbox(key="gr::method").set_value(method).run()
        _ok(at)
        assert phrase in at.info[0].value, (method, at.info[0].value)
        np.testing.assert_allclose(ratio(), 1.0, rtol=0.015, err_msg=method)
    growing = resp.response("adadelta_zero", g, [0.25, 0.9, 0.975], 0.0)
    assert np.all(np.diff(growing, axis=1) > 0)  # "its updates then grow step by step"
