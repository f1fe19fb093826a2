"""Export speed: a 120-frame animation of five trajectories at 640×480, against a naive peer in the same run.

    .venv/bin/python bench/bench_export.py

The issue's goal is ≤ 2 s for a 120-frame GIF or MP4 of five trajectories on this machine.
The peer is the obvious Pillow GIF: RGB frames, each quantised to its own palette, saved
whole. Ours draws into one shared palette and stores only the changed pixels.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from viz import export  # noqa: E402
from viz.playground import compute  # noqa: E402
from viz.presets import PRESETS  # noqa: E402

W, H, N, FPS = 640, 480, 120, 12


def best_of(fn, reps: int = 3) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
        size = len(out)
    return best, size


def naive_gif(result, view) -> bytes:
    frames = [im.quantize(colors=256) for im in export.frames(result, view, W, H, N, "RGB")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / FPS), loop=0)
    return buf.getvalue()


def main() -> None:
    view = PRESETS["article_hills_and_canyon"].view()  # five optimizers, 125 steps
    result = compute(view)
    assert len(result.lines) == 5
    rows = [
        ("GIF (shared palette, deltas)", *best_of(lambda: export.gif_bytes(result, view, W, H, FPS, N)), 2.0),
        ("MP4 (libx264 via imageio-ffmpeg)", *best_of(lambda: export.mp4_bytes(result, view, W, H, FPS, N)), 2.0),
        ("HTML (plotly.js embedded)", *best_of(lambda: export.html_bytes(result, view, FPS, N)), None),
        ("PNG (one frame)", *best_of(lambda: export.png_bytes(result, view, None, W, H)), None),
        ("peer: naive Pillow GIF", *best_of(lambda: naive_gif(result, view), 1), None),
    ]
    peer = rows[-1][1]
    print(f"{'export (120 frames, 640x480, 5 runs)':38s} {'seconds':>8s} {'MB':>7s} {'peer/this':>10s} {'goal':>6s}")
    for name, t, size, goal in rows:
        g = f"{goal:4.1f} s {'yes' if t <= goal else 'NO'}" if goal else ""
        print(f"{name:38s} {t:8.3f} {size / 1e6:7.2f} {peer / t:10.1f} {g}")
    Image.open(io.BytesIO(export.gif_bytes(result, view, W, H, FPS, N))).verify()


if __name__ == "__main__":
    main()
