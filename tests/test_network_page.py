"""The network landscape page (#15): it runs as a user runs it, and what it says is computed."""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import networks
from viz import network as nv

PAGE = "../ui/pages/6_Network_landscape.py"


def test_the_page_trains_draws_and_connects_two_solutions():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "of the iterates' variance" in text and "accuracy" in text
    at.toggle(key="nl::connect").set_value(True).run()
    assert not at.exception
    assert any("Walking straight from one solution to the other" in m.value for m in at.markdown)
    at.selectbox(key="nl::arch").set_value("64, 64").run()  # fine: 4,546 weights
    assert not at.exception and not at.error


def test_bad_settings_get_a_message_not_a_crash():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["nl::opts"] = ["adam"]
    at.session_state["nl::plane"] = "shared"
    at.run()
    assert any("pick at least two optimizers" in e.value for e in at.error)
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["nl::data"] = "regression"
    at.session_state["nl::act"] = "relu"
    at.session_state["nl::opts"] = ["sgd", "adam"]
    at.session_state["nl::sgd::lr"] = 10.0  # mean squared error through ReLUs: blows up in a few steps
    at.run()
    assert not at.exception
    assert any("SGD · lr=10 diverged at step" in w.value for w in at.warning)
    assert any("of the iterates' variance" in m.value for m in at.markdown)  # Adam's run is still drawn


def _view(kind: str, opts=("sgd", "adam")) -> nv.NetView:
    net = networks.make("moons", (8,), n=64, seed=0)
    chosen = [(o, {"lr": {"sgd": 0.5, "adam": 0.02}[o]}) for o in opts]
    runs = nv.train_runs(net, chosen, 200)
    return nv.view(net, list(opts), [nv.label_for(o, h) for o, h in chosen], runs, kind, 21)


def test_the_plane_sentence_is_computed_from_the_results():
    v = _view("pca")
    s = nv.plane_sentence(v)
    share = float(re.search(r"explain ([\d.]+)%", s).group(1))
    assert share == pytest.approx(100 * sum(v.plane.explained), abs=0.05)
    worst = max(float(np.nanmax(r[1:])) for r in v.residuals)  # after the shared start
    assert f"{worst:.3g}" in s
    v = _view("shared")
    ends = [r.params[-1] for r in v.runs]
    assert max(v.plane.project(np.stack([v.net.params0, *ends]))[1]) < 1e-9  # all three on the plane
    assert "leave the plane" in nv.plane_sentence(v) or "stay within" in nv.plane_sentence(v)


def test_the_grid_covers_the_paths_and_equals_the_loss():
    v = _view("pca")
    xy = np.concatenate(v.coords)
    assert v.alphas[0] <= xy[:, 0].min() and xy[:, 0].max() <= v.alphas[-1]
    assert v.betas[0] <= xy[:, 1].min() and xy[:, 1].max() <= v.betas[-1]
    j, i = 7, 13
    assert v.grid[j, i] == pytest.approx(v.net.loss(v.plane.point(v.alphas[i], v.betas[j])), rel=1e-12)


def test_the_connection_sentence_tells_the_barriers_it_shows():
    from networks import planes

    v = _view("pca", ("adam",))
    second = networks.train(v.net, "adam", 200, params0=networks.init_params((2, 8, 2), 5), lr=0.02)
    con = planes.connect(v.net, v.runs[0].params[-1], second.params[-1], steps=300, lr=0.02)
    s = nv.connection_sentence(con)
    assert f"{con.segment_barrier:.3g}" in s and f"{con.curve_barrier:.3g}" in s


def test_the_plane_exports_as_the_playground_does():
    import io

    from PIL import Image

    from viz import export

    v = _view("pca")
    res, view = nv.export_result(v)
    png = Image.open(io.BytesIO(export.png_bytes(res, view, width=640, height=480)))
    assert png.size == (640, 480)
    gif = Image.open(io.BytesIO(export.gif_bytes(res, view, width=320, height=240, n_frames=12)))
    assert gif.n_frames == 12
    assert export.mp4_bytes(res, view, width=320, height=240, n_frames=12)[4:8] == b"ftyp"
    # the renderer draws each run where the page does: its plane coordinates
    assert all(np.array_equal(ln.traj.path, xy, equal_nan=True) for ln, xy in zip(res.lines, v.coords, strict=True))
    frame = nv.paths_frame(v)
    assert len(frame) == sum(r.steps + 1 for r in v.runs) and {"a", "b", "distance_from_plane"} <= set(frame)


def test_a_diverged_run_neither_shapes_the_plane_nor_stretches_the_window():
    net = networks.make("regression", (16,), "relu", n=64, seed=0)
    chosen = [("sgd", {"lr": 10.0}), ("adam", {"lr": 0.02}), ("momentum", {"lr": 0.01})]
    runs = nv.train_runs(net, chosen, 200)
    assert runs[0].diverged_step is not None and runs[1].diverged_step is None
    v = nv.view(net, [c[0] for c in chosen], [nv.label_for(*c) for c in chosen], runs, "pca", 21)
    live = np.concatenate([v.coords[1], v.coords[2]])
    span = np.ptp(live, axis=0)
    assert v.alphas[-1] - v.alphas[0] < 2 * span[0] + 1e-9 and v.betas[-1] - v.betas[0] < 2 * span[1] + 1e-9
    assert "explain" in nv.plane_sentence(v) and "SGD" not in nv.plane_sentence(v)


def test_the_plane_exports_have_a_colour_bar_for_the_loss():
    """The page's map has a colour bar for log₁₀ loss; the PNG, GIF and MP4 frames had none."""
    from viz import export
    from viz.figures import band_rgb

    v = _view("pca")
    res, view = nv.export_result(v)
    for mode in ("RGB", "P"):  # PNG and MP4 frames, GIF frames
        r = export.renderer(res, view, 640, 480, mode)
        assert r.bar_title == "log₁₀ loss"
        im = np.asarray(r.frame(view.steps).convert("RGB")).astype(int)
        x0, y0, x1, y1 = r._bar_box()
        assert r.left + r.side < x0 < x1 < r.w  # right of the map, inside the frame
        n = len(r.levels)
        x = (x0 + x1) // 2
        for band, y in ((0, y1 - 3), (n, y0 + 3)):  # the lowest band at the bottom, the highest at the top
            want = np.array([int(c) for c in band_rgb(np.array(band), n)])
            assert np.abs(im[y, x] - want).max() <= (0 if mode == "RGB" else 8), (mode, band)
        labels = [float(t.replace("−", "-")) for _, t in r.bar_ticks]
        assert labels == sorted(labels) and labels[0] == pytest.approx(r.levels[0], rel=1e-2)
    # the playground's exports keep their layout: no bar
    from viz.playground import compute
    from viz.presets import PRESETS

    pv = PRESETS["article_wobbly"].view()
    assert export.renderer(compute(pv), pv, 640, 480).bar_title is None


def test_the_plane_sentence_names_no_run_when_all_stay_as_far_off_as_their_start():
    """Every run starts off a PCA plane by the initial weights' own distance; the sentence named the
    run whose distance was largest, though each stayed about that far (a tour found "Momentum")."""
    net = networks.make("moons", (8,), n=64, seed=0)
    chosen = [("momentum", {"lr": 0.05}), ("adam", {"lr": 0.02})]
    runs = nv.train_runs(net, chosen, 200)
    v = nv.view(net, [c[0] for c in chosen], [nv.label_for(*c) for c in chosen], runs, "pca", 21)
    d0 = float(v.residuals[0][0])
    worst = max(float(np.nanmax(r[1:])) for r in v.residuals)
    s = nv.plane_sentence(v)
    assert d0 > 0.05 * float(np.linalg.norm(net.params0)) and worst <= 1.1 * d0  # the tour's case
    assert "Momentum" not in s and "about as far as the start" in s and f"{worst:.3g}" in s
