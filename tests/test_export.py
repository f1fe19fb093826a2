"""Exports decode in their formats, configurations round-trip to identical runs, the CLI fails clearly."""

import copy
import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageSequence

import cli
from viz import export
from viz.figures import SYMBOLS, frame_steps
from viz.playground import Result, compute
from viz.presets import PRESETS
from viz.state import Run, View

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def view() -> View:
    v = PRESETS["article_hills_and_canyon"].view()
    v.steps = 90
    v.runs.append(Run("sgd", {"lr": 5.0}))  # diverges: exports must cope
    return v


@pytest.fixture(scope="module")
def result(view):
    r = compute(view)
    assert any(ln.traj.diverged_step is not None for ln in r.lines)
    return r


def test_gif_has_the_frames_and_is_lossless(result, view):
    data = export.gif_bytes(result, view, 320, 240, fps=10, n_frames=25)
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.size == (320, 240)
    assert im.n_frames == len(frame_steps(view.steps, 25)) == 25
    assert im.info.get("loop") == 0
    decoded = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    drawn = list(export.frames(result, view, 320, 240, 25, "P"))
    for k in (0, 1, 12, 24):
        np.testing.assert_array_equal(decoded[k], np.asarray(drawn[k].convert("RGB")))
    assert not np.array_equal(decoded[0], decoded[-1])  # trails grow


def test_frames_keep_the_last_step_and_use_the_run_colours(result, view):
    ks = frame_steps(view.steps, 7)
    assert ks[0] == 0 and ks[-1] == view.steps and len(ks) == 7
    last = np.asarray(list(export.frames(result, view, 480, 360, 7))[-1])
    colours = {
        tuple(int(last[..., c].ravel()[i]) for c in range(3)) for i in range(0, last.shape[0] * last.shape[1], 7)
    }
    for line in result.lines:
        rgb = tuple(int(line.color[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, line.label


def test_mp4_is_readable_with_the_right_frame_count(result, view):
    data = export.mp4_bytes(result, view, 322, 240, fps=8, n_frames=30)
    path = Path(__file__).parent / "_tmp_test.mp4"
    try:
        path.write_bytes(data)
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = reader.__next__()
        n = sum(1 for _ in reader)
    finally:
        path.unlink(missing_ok=True)
    assert meta["size"] == (322, 240) and meta["fps"] == 8
    assert n == 30


def test_html_is_self_contained_and_holds_the_data(result, view):
    html = export.html_bytes(result, view, fps=10, n_frames=40).decode()
    assert "<script src=" not in html  # nothing is loaded from the network
    assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js is inside
    for line in result.lines:
        assert f'"name":"{line.label}"' in html.replace(": ", ":")
    assert "Plotly.addFrames" in html and html.count('"traces":[') == len(frame_steps(view.steps, 40))


def test_png_frame(result, view):
    im = Image.open(io.BytesIO(export.png_bytes(result, view, step=10, width=400, height=300)))
    assert im.format == "PNG" and im.size == (400, 300)


def _rgb(line) -> tuple[int, int, int]:
    return tuple(int(line.color[i : i + 2], 16) for i in (1, 3, 5))


def _frame_box(im: np.ndarray) -> tuple[int, int, int, int]:
    """The map's frame found in the picture: the rows and columns of its grey (90, 90, 90) border."""
    grey = (im[..., :3] == (90, 90, 90)).all(axis=-1)
    rows, cols = grey.sum(axis=1), grey.sum(axis=0)
    r = np.flatnonzero(rows >= 0.8 * rows.max())
    c = np.flatnonzero(cols >= 0.8 * cols.max())
    return int(c[0]), int(r[0]), int(c[-1]), int(r[-1])


@pytest.mark.parametrize("size", [(640, 480), (320, 240), (480, 640)])
def test_trails_never_leave_the_map(result, view, size):
    """Outside the map's frame every frame equals the first (title row aside: the step counter),
    although SGD at lr=5 flies far off the map and its trail is cut at the frame."""
    frames = [np.asarray(f.convert("RGB")) for f in export.frames(result, view, *size, 30, "P")]
    x0, y0, x1, y1 = _frame_box(frames[-1])
    r = export.renderer(result, view, *size)
    assert (x0, y0, x1, y1) == (r.left, r.top, r.left + r.side, r.top + r.side)
    outside = np.ones(frames[0].shape[:2], dtype=bool)
    outside[y0 : y1 + 1, x0 : x1 + 1] = False
    outside[: r.title_h] = False
    for k, f in enumerate(frames):
        changed = (f != frames[0]).any(axis=-1) & outside
        assert not changed.any(), f"frame {k}: {changed.sum()} pixels drawn outside the map"
    sgd = next(ln for ln in result.lines if ln.key == "sgd")
    on = (frames[-1][y0 + 1 : y1, x0 + 1 : x1] == _rgb(sgd)).all(axis=-1)
    assert on[[0, -1], :].any() or on[:, [0, -1]].any()  # drawn up to the frame's edge, not dropped
    png = np.asarray(Image.open(io.BytesIO(export.png_bytes(result, view, None, *size))).convert("RGB"))
    bx0, by0, bx1, by1 = r.legend_box
    for line in result.lines:  # run colours outside the map: the legend's samples only
        ys, xs = np.nonzero((png == _rgb(line)).all(axis=-1) & outside)
        assert ys.size and (bx0 <= xs).all() and (xs <= bx1).all() and (by0 <= ys).all() and (ys <= by1).all()


def test_frames_have_axes_with_numbers_and_titles(result, view):
    r = export.renderer(result, view, 640, 480)
    im = np.asarray(r.frame(view.steps))
    x0, y0, x1, y1 = _frame_box(im)
    dark = im.sum(axis=-1) < 300  # text is (38, 39, 48)
    grey = (im == 90).all(axis=-1)
    xt, yt = export.nice_ticks(r.x0, r.x1), export.nice_ticks(r.y0, r.y1)
    assert 3 <= len(xt) <= 8 and 3 <= len(yt) <= 8
    for v in xt:
        px = round(r.xy(v, r.y0)[0])
        assert grey[y1 + 1 : y1 + 4, px].all()  # the tick mark under the frame
        assert dark[y1 + 6 : y1 + 24, px - 12 : px + 13].sum() > 10  # its number under it
    for v in yt:
        py = round(r.xy(r.x0, v)[1])
        assert grey[py, x0 - 4 : x0].all()
        assert dark[py - 9 : py + 10, x0 - 40 : x0 - 5].sum() > 10
    mid_x, mid_y = (x0 + x1) // 2, (y0 + y1) // 2
    assert dark[y1 + 26 : y1 + 50, mid_x - 30 : mid_x + 30].sum() > 30  # "x = w₀"
    assert dark[mid_y - 30 : mid_y + 30, : x0 - 30].sum() > 30  # "y = w₁", turned
    assert not dark[y1 + 26 : y1 + 50, x0 : x0 + 40].any()  # nothing else there
    assert export.nice_ticks(-3, 3) == [-3, -2, -1, 0, 1, 2, 3] and export.nice_ticks(-3, 3, 2) == [-2.5, 0, 2.5]
    assert export.nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert export.nice_ticks(0.1, 0.9, 1) == [0.25, 0.5, 0.75]  # never fewer than two
    assert [export.tick_label(v, [-5, -2.5, 0, 2.5, 5]) for v in (-5, -2.5, 0)] == ["−5.0", "−2.5", "0"]


def test_the_legend_shows_each_run_with_its_dash_marker_and_settings(result, view):
    r = export.renderer(result, view, 640, 480, "P")  # exact colours: the palette's text is not anti-aliased
    im = np.asarray(r.frame(0).convert("RGB"))
    assert r.legend_mode == "side2" and r.legend_box[0] > r.left + r.side  # beside the map at 640x480
    bx0, by0, bx1, by1 = r.legend_box
    leg = im[by0:by1, bx0:bx1]
    dark = leg.sum(axis=-1) < 300
    grey = (leg == 90).all(axis=-1)
    shapes = []
    for line in result.lines:
        mine = (leg == _rgb(line)).all(axis=-1)
        rows = np.flatnonzero(mine.any(axis=1))
        assert rows.size, line.label
        top, bottom = rows[0], rows[-1]
        assert dark[top - 3 : bottom + 3, r.sample :].sum() > 30, line.label  # its name
        if " · " in line.legend:  # and its settings on the line under it
            assert grey[bottom + 2 : bottom + 20, r.sample :].sum() > 20, line.label
        cy = int(np.argmax(mine[:, : r.sample // 2 - 8].sum(axis=1)))  # the sample line's row
        # the line sample either side of the marker: whole if solid, with gaps if dashed
        row = np.r_[mine[cy, : r.sample // 2 - 8], mine[cy, r.sample // 2 + 9 : r.sample]]
        assert row.all() if line.dash == "solid" else (row.any() and not row.all()), (line.label, line.dash)
        shapes.append(mine[top : bottom + 1, r.sample // 2 - 9 : r.sample // 2 + 10])
    for i, a in enumerate(shapes):  # every head marker has its own shape
        for b in shapes[:i]:
            assert a.shape != b.shape or not np.array_equal(a, b)
    assert len({ln.symbol for ln in result.lines}) == len(result.lines)
    # the settings come from line.legend: without them the legend's second lines are gone
    bare = Result(result.surface, [dataclasses.replace(ln, legend=ln.label) for ln in result.lines])
    r2 = export.renderer(bare, view, 640, 480, "P")
    im2 = np.asarray(r2.frame(0).convert("RGB"))
    cx0, cy0, cx1, cy1 = r2.legend_box
    assert (im2[cy0:cy1, cx0 + 1 : cx1] == 90).all(axis=-1).sum() < grey[:, 1:].sum() / 3


def test_text_falls_back_to_ascii_where_the_font_lacks_a_glyph():
    from PIL import ImageFont

    bare = ImageFont.load_default(size=13)  # Pillow's own font: no Greek, no subscripts (slim containers)
    assert export._drawable(bare, "Nesterov γ=0.975 · lr=0.01, β₁=0.9 x = w₀ −2") == (
        "Nesterov gamma=0.975 · lr=0.01, beta1=0.9 x = w0 -2"
    )
    full = export._font(13)
    if getattr(full, "path", None):  # DejaVu draws them all
        assert export._drawable(full, "γ β₁ w₀ −2") == "γ β₁ w₀ −2"


def test_every_marker_symbol_is_drawn_as_its_shape():
    masks = []
    for sym in SYMBOLS:
        im = Image.new("L", (40, 40), 0)
        pts = export._shape(sym, 20, 20, 12)
        d = ImageDraw.Draw(im)
        if pts is None:
            assert sym == "circle"
            d.ellipse([8, 8, 32, 32], fill=255)
        else:
            d.polygon(pts, fill=255)
        masks.append(np.asarray(im) > 0)
    for i, a in enumerate(masks):
        assert 60 < a.sum() < 1400, SYMBOLS[i]
        for j, b in enumerate(masks[:i]):
            assert (a != b).sum() > 20, (SYMBOLS[i], SYMBOLS[j])


def test_dashes_follow_plotly_patterns_and_keep_their_phase():
    line = np.array([[0.0, 0.0], [30.0, 0.0]])
    pieces = export._dashes(line, (3.0, 3.0))
    assert [(p[0][0], p[-1][0]) for p in pieces] == [(0, 3), (6, 9), (12, 15), (18, 21), (24, 27)]
    later = export._dashes(line, (3.0, 3.0), phase=4.5)  # continuing a trail 4.5 px long
    assert [(p[0][0], p[-1][0]) for p in later][:2] == [(1.5, 4.5), (7.5, 10.5)]
    clipped = export._clip_polyline(np.array([[-50.0, 5.0], [50.0, 5.0], [50.0, 500.0]]), (0, 0, 20, 20))
    assert len(clipped) == 1 and clipped[0][1] == 50.0  # cut at x=0, 50 px along the trail
    np.testing.assert_allclose(clipped[0][0], [[0, 5], [20, 5]])


def test_one_step_convention_png_equals_the_animation_frame(result, view):
    assert export.step_label(10, 90) == "step 10 of 90"
    every = list(export.frames(result, view, 480, 360, view.steps + 1, "RGB"))  # one frame per step
    assert len(every) == view.steps + 1
    for k in (0, 10, view.steps):
        png = Image.open(io.BytesIO(export.png_bytes(result, view, step=k, width=480, height=360)))
        np.testing.assert_array_equal(np.asarray(png.convert("RGB")), np.asarray(every[k]))
    r = export.renderer(result, view, 480, 360)
    band = np.s_[: r.title_h, 240:]
    assert not np.array_equal(np.asarray(every[10])[band], np.asarray(every[11])[band])  # the counter moves
    # frame k ends at θ_k: a single run's head marker is drawn there
    line = next(ln for ln in result.lines if ln.traj.diverged_step is None)
    one = export.Renderer(result.surface, [line], view.start, view.steps, 480, 360)
    for k in (5, 40):
        im = np.asarray(one.frame(k))
        hx, hy = one.xy(*line.traj.path[k])
        assert tuple(im[round(hy), round(hx)]) == _rgb(line)


def test_file_stem_names_a_view_uniquely_and_safely(result, view):
    stem = export.file_stem(view, result.lines)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", stem) and len(stem) <= 120
    assert stem.startswith("hills_and_canyon_") and f"_{view.steps}steps_" in stem
    assert re.search(r"_[0-9a-f]{8}$", stem)
    assert export.file_stem(view) == stem  # from the view's runs: the same
    again = copy.deepcopy(view)
    again.runs = [Run(r.key, dict(reversed(list(r.hyper.items())))) for r in view.runs]
    assert export.file_stem(again) == stem  # the same view, settings listed in another order
    other = copy.deepcopy(view)
    other.runs[0].hyper["lr"] = float(other.runs[0].hyper.get("lr", 0.01)) * 1.5  # one hyperparameter
    assert export.file_stem(other) != stem
    assert export.file_stem(other)[:-8] == stem[:-8]  # only the hash tells them apart
    custom = View(surface="f:x^2 + 3*sin(y)^2 / (1 + x)", runs=[Run("adam", {"lr": 0.1}), Run("adam#2", {"lr": 0.3})])
    c = export.file_stem(custom)
    assert re.fullmatch(r"f-x-2-3-sin-y-2-1-x_adamx2_125steps_[0-9a-f]{8}", c), c


def test_html_title_and_legend_do_not_overlap_in_a_browser(result, view, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: scripts/test.sh installs it")
        pytest.skip("chromium not installed")
    page_file = tmp_path / "anim.html"
    page_file.write_bytes(export.html_bytes(result, view, fps=10, n_frames=30))
    requests = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])  # fmt: skip
        try:
            for width in (1280, 800, 560):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.on("request", lambda rq: requests.append(rq.url))
                page.goto(page_file.as_uri())
                page.wait_for_selector(".js-plotly-plot g.legend", timeout=30_000)
                title = page.locator(".js-plotly-plot .gtitle").bounding_box()
                legend = page.locator(".js-plotly-plot g.legend").bounding_box()
                assert title and legend and title["width"] > 50 and legend["height"] > 50
                t, g = title, legend
                apart = (t["x"] + t["width"] <= g["x"] or g["x"] + g["width"] <= t["x"]
                         or t["y"] + t["height"] <= g["y"] or g["y"] + g["height"] <= t["y"])  # fmt: skip
                assert apart, (width, title, legend)
                page.close()
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith("file:")] == []


def test_csv_and_parquet_round_trip(result):
    df = export.trajectories_frame(result)
    assert len(df) == sum(ln.traj.steps + 1 for ln in result.lines)
    pq = pd.read_parquet(io.BytesIO(export.parquet_bytes(result)))
    pd.testing.assert_frame_equal(pq, df)
    csv = pd.read_csv(io.BytesIO(export.csv_bytes(result)))
    np.testing.assert_allclose(csv[["x", "y", "loss"]].to_numpy(), df[["x", "y", "loss"]].to_numpy(), rtol=1e-15)
    first = result.lines[0].traj
    rows = df[df["run"] == result.lines[0].key]
    np.testing.assert_array_equal(rows[["x", "y"]].to_numpy(), first.path)
    np.testing.assert_array_equal(rows[["update_x", "update_y"]].to_numpy(), first.update)
    sgd = df[df["run"] == "sgd"]
    assert (sgd["diverged_step"] > 0).all() and sgd["x"].isna().any()


def test_json_configuration_reproduces_identical_trajectories(result, view):
    text = export.render(view, "json").decode()
    again, notices = View.from_json(text)
    assert notices == []
    r2 = compute(again)
    assert [ln.key for ln in r2.lines] == [ln.key for ln in result.lines]
    for a, b in zip(result.lines, r2.lines, strict=True):
        np.testing.assert_array_equal(a.traj.path, b.traj.path)
        assert a.traj.hyperparameters == b.traj.hyperparameters


def test_bad_options_are_refused():
    v = PRESETS["article_wobbly"].view()
    with pytest.raises(ValueError, match="not one of"):
        export.render(v, "webm")
    with pytest.raises(ValueError, match="between 160x120"):
        export.render(v, "gif", width=10, height=10)
    with pytest.raises(ValueError, match="fps"):
        export.render(v, "mp4", fps=0)
    with pytest.raises(ValueError, match="frames"):
        export.render(v, "gif", n_frames=1)


def test_write_atomic_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "out.gif"
    target.write_bytes(b"old")
    export.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        export.write_atomic(target, b"half")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gif"]


# --- the command line ------------------------------------------------------------------------


def test_cli_presets_lists_the_articles_experiments():
    out = subprocess.run([sys.executable, str(ROOT / "cli.py"), "presets"], capture_output=True, text=True,
                         check=True, timeout=120).stdout  # fmt: skip
    for name in PRESETS:
        assert name in out


@pytest.mark.parametrize("fmt", ["gif", "png", "csv", "parquet", "json", "html"])
def test_cli_export_writes_each_format(tmp_path, fmt, capsys):
    out = tmp_path / f"x.{fmt}"
    rc = cli.main(["export", "--preset", "article_wobbly", "--format", fmt, "--out", str(out), "--frames", "12",
                   "--size", "320x240"])  # fmt: skip
    assert rc == 0 and out.stat().st_size > 100
    assert f"wrote {out}" in capsys.readouterr().err
    if fmt == "gif":
        assert Image.open(out).n_frames == 12
    if fmt == "json":
        assert json.loads(out.read_text())["surface"] == "wobbly"


def test_cli_export_from_a_config_equals_the_app(tmp_path, view):
    cfg = tmp_path / "view.json"
    cfg.write_text(view.to_json())
    out = tmp_path / "t.parquet"
    assert cli.main(["export", "--config", str(cfg), "--format", "parquet", "--out", str(out)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), export.trajectories_frame(compute(view)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--preset", "nope", "--format", "gif"], "unknown preset 'nope'; valid: article_wobbly"),
        (["export", "--config", "missing.json", "--format", "gif"], "does not exist"),
        (["export", "--preset", "article_wobbly", "--format", "gif", "--size", "10x10"], "between 160x120"),
        (["export", "--preset", "article_wobbly", "--format", "gif", "--fps", "500"], "fps=500"),
        (["sweep", "--surface", "wobb", "--optimizer", "adam"], "unknown surface 'wobb'"),
        (["sweep", "--surface", "wobbly", "--optimizer", "adum"], "unknown optimizer 'adum'"),
        (["sweep", "--surface", "f:__import__('os')", "--optimizer", "adam"], "unknown function '__import__'"),
        (["sweep", "--surface", "wobbly", "--optimizer", "adam", "--set", "lr=-1"], "lr=-1.0 is out of range"),
        (["sweep", "--surface", "wobbly", "--optimizer", "adam", "--set", "lr"], "expected name=value"),
        (["sweep", "--surface", "wobbly", "--optimizer", "adam", "--set", "betas=0.9"], "unexpected hyperparameter"),
        (["sweep", "--surface", "wobbly", "--optimizer", "adam", "--x", "lr=1:2:3"], "needs both --x and --y"),
        (
            ["sweep", "--surface", "wobbly", "--optimizer", "adam", "--x", "lr=0:1:4:log", "--y", "beta1=0:0.9:4"],
            "log axis needs a positive",
        ),
        (
            ["sweep", "--surface", "wobbly", "--optimizer", "adam", "--x", "lr=a:1:4", "--y", "beta1=0:0.9:4"],
            "'a' is not a number",
        ),
        (["sweep", "--surface", "wobbly", "--optimizer", "adam", "--grid", "5000"], "2 to 512"),
    ],
)
def test_cli_errors_are_clear_and_exit_2(tmp_path, args, message, capsys):
    out = tmp_path / ("o.parquet" if args[0] == "sweep" else "o.gif")
    out.write_bytes(b"keep me")
    rc = cli.main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith(f"cli.py {args[0]}: error:")]
    assert rc == 2 and len(lines) == 1 and message in lines[0]
    assert out.read_bytes() == b"keep me"


def test_cli_export_names_the_file_after_the_view(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    view = PRESETS["article_wobbly"].view()
    assert cli.main(["export", "--preset", "article_wobbly", "--format", "json"]) == 0
    name = f"{export.file_stem(view)}.json"
    assert [p.name for p in tmp_path.iterdir()] == [name] and name.startswith("wobbly_")
    folder = tmp_path / "out"
    folder.mkdir()
    assert cli.main(["export", "--preset", "article_wobbly", "--format", "png", "--out", str(folder), "--size",
                     "320x240"]) == 0  # fmt: skip
    assert [p.name for p in folder.iterdir()] == [f"{export.file_stem(view)}_step{view.steps}.png"]
    other = tmp_path / "v.json"
    view.runs[0].hyper["lr"] = 0.5  # another comparison: another name
    other.write_text(view.to_json())
    assert cli.main(["export", "--config", str(other), "--format", "json"]) == 0
    assert (tmp_path / f"{export.file_stem(view)}.json").exists() and (tmp_path / name).exists()
    assert len(list(tmp_path.glob("wobbly_*.json"))) == 2
    capsys.readouterr()


def test_cli_shows_a_refused_formula_with_a_caret(tmp_path, capsys):
    out = tmp_path / "o.csv"
    assert cli.main(["sweep", "--surface", "f:x^2 +", "--optimizer", "adam", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[-3:] == [
        "cli.py sweep: error: not a formula: '+' at column 5 needs a term after it",
        "    x^2 +",
        "        ^",
    ]
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"surface": "f:sin(x) + __import__('os')", "runs": [{"key": "adam"}]}))
    assert cli.main(["export", "--config", str(cfg), "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-3:] == [
        f"cli.py export: error: {cfg}: custom formula refused: unknown function '__import__' at column 10; "
        "allowed: sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, arctan, min, max",
        "    sin(x) + __import__('os')",
        "    " + " " * 9 + "^" * 10,
    ]
    assert not out.exists()


def test_cli_bad_config_is_refused(tmp_path, capsys):
    cfg = tmp_path / "bad.json"
    cfg.write_text('{"surface": "wobbly", "runs": [{"key": "adam", "hyper": {"lr": -3}}]}')
    assert cli.main(["export", "--config", str(cfg), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 2
    assert "adam.lr" in capsys.readouterr().err and not (tmp_path / "o.csv").exists()
    cfg.write_text("{not json")
    assert cli.main(["export", "--config", str(cfg), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_cli_sweeps_write_one_row_per_run(tmp_path):
    hm = tmp_path / "hm.csv"
    assert cli.main(["sweep", "--surface", "wobbly", "--optimizer", "momentum", "--x", "lr=1e-3:0.1:5:log", "--y",
                     "momentum=0:0.9:4", "--steps", "50", "--out", str(hm)]) == 0  # fmt: skip
    df = pd.read_csv(hm)
    assert len(df) == 20 and {"lr", "momentum", "final_loss", "diverged_flag"} <= set(df.columns)
    c = tmp_path / "c.csv"
    assert cli.main(["sweep", "--surface", "f:(x - 1)^2 + (y + 2)^2", "--optimizer", "adam", "--grid", "4",
                     "--steps", "300", "--set", "lr=0.1", "--out", str(c)]) == 0  # fmt: skip
    assert (pd.read_csv(c)["basin"] == 0).all()
    b = tmp_path / "b.parquet"
    assert cli.main(["sweep", "--surface", "himmelblau", "--optimizer", "adam", "--grid", "8", "--steps", "100",
                     "--set", "lr=0.1", "--out", str(b)]) == 0  # fmt: skip
    df = pd.read_parquet(b)
    assert len(df) == 64 and df["basin"].between(0, 3).mean() > 0.9


def test_cli_argparse_errors_exit_2():
    with pytest.raises(SystemExit) as e:
        cli.main(["export", "--preset", "article_wobbly", "--format", "webm", "--out", "x"])
    assert e.value.code == 2
