"""The "see why" layer (``viz.why``): the local quadratic, the overlays, the computed sentences,
the view's link round trip, the exports and the playground page."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import landscapes
import optimizers
from ui.plotly_basic import payload_of
from viz import export, why
from viz.playground import compute
from viz.state import View, from_query, to_query

ALL = "critical,flow,quadratic,curvature,path"


def _view(**q) -> View:
    v, notices = from_query(q)
    assert not notices, notices
    return v


@pytest.mark.parametrize(("formula", "point", "kind"), [
    ("2*x^2 + 0.5*y^2 + x*y", (1.0, -2.0), "ellipse"),
    ("x^2 - 3*y^2 + 0.5*x*y", (0.7, 0.4), "hyperbola"),
    ("sin(x)*cos(y) + 0.1*x^2", (0.4, 0.3), None),
])  # fmt: skip
def test_the_local_quadratic_passes_through_the_point_and_centres_on_the_newton_point(formula, point, kind):
    s = landscapes.from_formula(formula)
    q = why.local_quadratic(s, point)
    g = np.array(s.gradient(*point))
    hxx, hxy, hyy = s.hessian(*point)
    h = np.array([[hxx, hxy], [hxy, hyy]])
    assert np.allclose(q.centre, np.array(point) - np.linalg.solve(h, g), atol=1e-12)
    assert np.allclose(q.eigenvalues, np.linalg.eigvalsh(h))
    if kind:
        assert q.kind == kind
    curve = why._conic(q, span=6.0)
    pts = curve[np.isfinite(curve).all(axis=1)]
    d = pts - np.array(point)
    model = d @ g + 0.5 * np.einsum("ni,ij,nj->n", d, h, d)  # the model's change from θₖ: zero on its level curve
    assert np.allclose(model, 0.0, atol=1e-9 * max(1.0, float(np.abs(g).max())))
    if q.kind == "ellipse":  # a closed curve through the point itself
        assert np.min(np.hypot(*d.T)) < 0.05


def test_no_quadratic_where_the_hessian_is_singular():
    s = landscapes.from_formula("x^2 + y")  # H = diag(2, 0)
    assert why.local_quadratic(s, (0.5, 0.5)) is None


def test_himmelblau_overlays_have_one_marker_per_critical_point_and_kind():
    v = _view(surface="himmelblau", run=["sgd:lr=0.01", "adam:lr=0.1"], steps="200", why=ALL)
    r = compute(v)
    seen = why.for_view(v, r)
    marks = why.view_marks(seen, r.surface, r.lines, 40, r.surface.bounds)
    counts = {m.name: len(m.x) for m in marks if m.mode == "markers" and m.name in why.KIND_NAMES}
    assert counts == {"critical: minimum": 4, "saddle": 4, "maximum": 1}
    traces = why.mark_traces(marks)
    newton = [t for t in traces if t["name"] == "Newton step"]
    assert len(newton) == 2 and all(t["marker"]["size"][:-1] == [0] and t["marker"]["size"][-1] > 0 for t in newton)
    assert sum(t["showlegend"] for t in traces if t["legendgroup"] == "quadratic") == 1  # one entry per group
    fig = why.curvature_figure(seen.sharpness, 40)
    assert [t["name"] for t in fig["data"]] == ["SGD: λmax(H)", "SGD: limit 2/lr", "Adam: λmax(P⁻¹H)",
                                                "Adam: limit 38/lr"]  # fmt: skip
    assert fig["layout"]["shapes"][0]["x0"] == 40


def test_flow_sentences_are_the_measured_gaps():
    v = _view(surface="wobbly", run=["sgd:lr=0.02", "sgd#2:lr=5"], steps="100", why="flow")
    r = compute(v)
    seen = why.for_view(v, r)
    texts = why.flow_texts(seen)
    ln, _, plain = seen.modified[0]
    gap = np.hypot(*(ln.traj.path - plain.path).T)
    assert np.allclose(plain.t, np.arange(101) * 0.02)  # sampled at the step times
    assert f"largest gaps along the way are {gap.max():.2g}" in texts[0]
    assert r.lines[1].traj.diverged_step is not None and "diverged at step" in texts[1]


def test_curvature_sentence_on_the_edge_of_stability():
    v = _view(surface="rosenbrock", start="0,0", run=["sgd:lr=0.003", "sgd#2:lr=0.001"], steps="3000")
    r = compute(v)
    rows = [(ln, optimizers.sharpness(ln.traj)) for ln in r.lines]
    eos, calm = why.curvature_texts(rows)
    first = why.edge_of_stability(rows[0][1])["first_above"]
    assert f"first exceeds 2/lr at step {first}, then hovers at it" in eos
    assert "stays below 2/lr" in calm


def test_path_needs_two_minima_and_says_so():
    v = _view(surface="saddle", run=["sgd:lr=0.1"], why="path")
    seen = why.for_view(v, compute(v))
    assert seen.path is None and "needs two isolated minima" in seen.notes[0]


def test_the_link_carries_the_toggles_and_refuses_bad_ones():
    v = _view(surface="himmelblau", why="path,critical", ends="3,1")  # minima counted from 1, as the page does
    assert v.why == ("critical", "path") and v.ends == (2, 0)
    q = to_query(v)
    assert q["why"] == "critical,path" and q["ends"] == "3,1"
    back, notices = View.from_json(v.to_json())
    assert not notices and back.why == v.why and back.ends == v.ends
    bad, notices = from_query({"why": "critical,spaghetti", "ends": "0,1"})
    assert bad.why == ("critical",) and bad.ends is None
    assert any("spaghetti" in n for n in notices) and any("ends" in n for n in notices)


def test_exports_draw_what_the_view_shows():
    v = _view(surface="himmelblau", run=["sgd:lr=0.01"], steps="100", step="30")
    r = compute(v)
    plain = np.asarray(Image.open(io.BytesIO(export.png_bytes(r, v, 30))).convert("RGB")).astype(int)
    v.why = ("critical", "path")
    shown = np.asarray(Image.open(io.BytesIO(export.png_bytes(r, v, 30))).convert("RGB")).astype(int)
    red = (shown[..., 0] > 180) & (shown[..., 1] < 80) & (shown[..., 2] < 80)  # the saddles' red ×
    red0 = (plain[..., 0] > 180) & (plain[..., 1] < 80) & (plain[..., 2] < 80)
    assert red.sum() > red0.sum() + 50
    html = export.html_bytes(r, v).decode()
    assert '"name":"saddle"' in html.replace(" ", "") and "path between minima" in html


def test_the_playground_shows_each_panel_its_toggle_asks_for():
    at = AppTest.from_file("../app.py", default_timeout=180)
    for k, val in {"surface": "himmelblau", "run": ["sgd:lr=0.01", "adam:lr=0.1"], "steps": "200", "why": ALL}.items():
        at.query_params[k] = val
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heads = [h.value for h in at.subheader]
    assert heads == ["Curvature against the stability limit", "The path between two minima", "Gradient flow",
                     "Critical points in the view"]  # fmt: skip
    charts = {el.proto.id.rsplit("-", 1)[-1] for el in at.get("bidi_component")}
    assert {"map", "series", "curvature", "mep"} <= charts
    fig = next(payload_of(el.proto)["spec"] for el in at.get("bidi_component")
               if el.proto.id.endswith("-map"))  # fmt: skip
    names = {t.get("name") for t in fig["data"]}
    assert {"gradient flow", "saddle", "path between minima", "local model at θₖ"} <= names
    assert at.table[0].value.shape[0] == 9
    at.selectbox(key="end_b").set_value(2).run()
    assert at.query_params["ends"] == "1,3"
    at.session_state["why"] = []
    at.run()
    assert not at.subheader and "why" not in at.query_params


def test_a_presets_sentences_show_only_while_the_view_is_that_preset():
    from viz.presets import PRESETS

    at = AppTest.from_file("../app.py", default_timeout=180)
    for k, val in to_query(PRESETS["why_flow"].view()).items():  # a shared link to the preset
        at.query_params[k] = val
    at.run()
    assert [i.value for i in at.info] == [PRESETS["why_flow"].caption]
    at.number_input(key="steps").set_value(99).run()  # its sentences no longer hold: gone
    assert not at.info
    at.button(key="preset::why_edge_of_stability").click().run()
    assert [i.value for i in at.info] == [PRESETS["why_edge_of_stability"].caption]
    at.selectbox(key="surface").set_value("rastrigin").run()
    assert not at.info


def test_data_exports_carry_the_curvature_and_the_flows_when_shown():
    v = _view(surface="wobbly", run=["sgd:lr=0.02", "adam:lr=0.1"], steps="50", why="curvature,flow")
    r = compute(v)
    df = export.trajectories_frame(r, v)
    seen = why.for_view(v, r)
    sgd = df[df.run == "sgd"]
    assert np.allclose(sgd.sharpness, seen.sharpness[0][1].value)
    assert np.allclose(sgd[["flow_x", "flow_y"]].to_numpy(), seen.modified[0][2].path)
    assert df[df.run == "adam"].flow_x.isna().all()  # the flows describe plain gradient descent only
    assert "sharpness" not in export.trajectories_frame(r).columns


def test_the_drawn_flow_is_smooth_and_the_path_sentence_fits_the_numbers():
    v = _view(surface="himmelblau", run=["adam:lr=0.1"], why="flow,path", ends="2,3")
    r = compute(v)
    seen = why.for_view(v, r)
    jumps = np.hypot(*np.diff(seen.flow.path, axis=0).T)
    assert jumps.max() < 0.01 * 10  # no chords: the flow to t = 100 settles by t ≈ 1, sampled geometrically
    text = why.path_text(seen.path)
    assert "crosses 2 saddles and passes 1 other minimum" in text and "climbs 142.6" in text
    v = _view(surface="rastrigin", run=["adam:lr=0.1"], why="path")
    seen = why.for_view(v, compute(v))
    assert "The straight segment climbs as much" in why.path_text(seen.path)  # not "lower than the straight line"
