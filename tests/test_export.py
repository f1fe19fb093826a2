"""Exports decode in their formats, configurations round-trip to identical runs, the CLI fails clearly."""

import io
import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageSequence

import cli
from viz import export
from viz.figures import frame_steps
from viz.playground import compute
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
