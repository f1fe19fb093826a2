"""The practitioner's pages driven headlessly with Streamlit's AppTest: every page and control path."""

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

import optimizers
from optimizers import response as resp
from viz import sweeps

TIMEOUT = 180


def _page(name: str) -> AppTest:
    return AppTest.from_file(f"../pages/{name}.py", default_timeout=TIMEOUT).run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _fig(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def _downloads(at: AppTest) -> list:
    return at.get("download_button")


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
    assert fig["layout"]["yaxis"]["title"]["text"] == "eps (log)"


def test_heatmap_selected_cell_follows_a_click_state():
    at = _page(HEATMAP)
    at.select_slider(key="hm::n").set_value(8).run()
    at.session_state["hm::cell"] = (2, 5)
    at.run()
    _ok(at)
    sel = next(t for t in _fig(at)["data"] if t.get("name") == "selected run")
    xs = sweeps.Axis("lr", 1e-5, 1.0, 8, True).values()
    assert sel["x"][0] == pytest.approx(math.log10(xs[5]))
    assert "lr = " + f"{xs[5]:.4g}" in at.markdown[-1].value


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
    assert len(at.get("plotly_chart")) == 4
    assert _fig(at)["layout"]["images"][0]["source"].startswith("data:image/png")
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["SGD", "Momentum", "RMSProp", "Adam"]
    for c in ("final_loss", "steps_to_tol", "basin"):
        at.radio(key="bs::color").set_value(c).run()
        _ok(at)
    assert len(_downloads(at)) == 5


def test_basins_diverging_everywhere_and_other_settings():
    at = _page(BASINS)
    at.multiselect(key="bs::opts").set_value(["sgd"]).run()
    at.select_slider(key="bs::sgd::lr").set_value(100.0).run()
    at.selectbox(key="bs::surface").set_value("rosenbrock").run()
    at.select_slider(key="bs::n").set_value(32).run()
    _ok(at)
    assert at.dataframe[0].value.loc[0, "diverged"] == 1.0
    at.slider(key="bs::noise").set_value(0.5).run()
    at.multiselect(key="bs::opts").set_value([]).run()
    _ok(at)
    assert at.info  # asks for an optimizer


FAIR = "3_Fair_comparison"


def test_fair_comparison_every_objective_and_search():
    at = _page(FAIR)
    _ok(at)
    table = at.dataframe[0].value
    assert len(table) == 5 and table["best final_loss"].is_monotonic_increasing
    assert len(_fig(at, 0)["frames"]) > 10  # tuned runs animate together
    for obj in sweeps.OBJECTIVES:
        at.selectbox(key="fc::objective").set_value(obj).run()
        _ok(at)
        assert f"best {obj}" in at.dataframe[0].value.columns
    at.radio(key="fc::method").set_value("grid").run()
    at.checkbox(key="fc::lronly").check().run()
    at.select_slider(key="fc::nstarts").set_value(4).run()
    _ok(at)
    assert all(s.startswith("lr = ") and "," not in s for s in at.dataframe[0].value["tuned settings"])
    at.multiselect(key="fc::opts").set_value([]).run()
    _ok(at)


NOISE = "4_Noise_ensembles"


def test_noise_ensembles():
    at = _page(NOISE)
    _ok(at)
    assert len(at.get("plotly_chart")) == 2
    summary = at.dataframe[0].value
    assert list(summary["runs"]) == [200, 200, 200]
    at.slider(key="ne::noise").set_value(0.0).run()
    _ok(at)
    assert at.dataframe[0].value["end within 0.05 of it"].nunique() >= 1
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
    table = at.dataframe[0].value
    assert table.loc[0, "global minimum"] > 0.9  # SGD: two global minima at (±1, 0) split the plane
    at = _page(HEATMAP)
    at.selectbox(key="hm::surface").set_value("custom").run()
    at.text_area(key="hm::surface::formula").input("x^2 + 10*y^2").run()
    at.select_slider(key="hm::n").set_value(8).run()
    _ok(at)
    assert "Selected cell" in at.markdown[-1].value
