"""Exports of a playground view: animations (GIF, MP4, HTML), a PNG frame, data (CSV, Parquet) and JSON.

Pure (no Streamlit), shared by the app's download buttons and ``cli.py``. Animations are
composited with Pillow on the same landscape image the app draws (``figures.landscape_rgba``):
the contour bands and lines, coloured trails and heads, the known minima, the start, a legend
and a step counter. GIF frames are drawn directly in a palette image (no per-frame
quantisation); MP4 frames are piped to the ffmpeg that ``imageio-ffmpeg`` ships (libx264).
Files are written to a temporary name and renamed, so an existing file is never half-written.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

import landscapes
from viz.figures import Line, frame_steps, landscape_rgba, trajectory_figure
from viz.playground import Result, compute
from viz.state import View

FORMATS = ("gif", "mp4", "html", "png", "csv", "parquet", "json")
ANIMATED = ("gif", "mp4", "html")
Progress = Callable[[float], None] | None
MAX_SIDE = 1920
MAX_EXPORT_FRAMES = 1000
TRANSPARENT = 255  # the GIF palette index meaning "unchanged since the previous frame"


def check_options(width: int, height: int, fps: float, frames: int) -> None:
    """Raise ``ValueError`` with the valid range for an unusable size, frame rate or frame count."""
    if not (160 <= width <= MAX_SIDE and 120 <= height <= MAX_SIDE):
        raise ValueError(f"size {width}x{height} must be between 160x120 and {MAX_SIDE}x{MAX_SIDE}")
    if not (math.isfinite(fps) and 1 <= fps <= 60):
        raise ValueError(f"fps={fps} must be between 1 and 60")
    if not 2 <= frames <= MAX_EXPORT_FRAMES:
        raise ValueError(f"frames={frames} must be between 2 and {MAX_EXPORT_FRAMES}")


# --- data ---------------------------------------------------------------------------------


def trajectories_frame(result: Result) -> pd.DataFrame:
    """One row per run × step: position, loss, gradient, the update taken and the lr used.

    Rows after a run diverged hold NaN (the engine's convention); ``diverged_step`` repeats
    the step at which it happened (-1 if never).
    """
    parts = []
    for line in result.lines:
        tr = line.traj
        n = tr.steps + 1
        parts.append(pd.DataFrame({
            "run": line.key, "optimizer": tr.optimizer, "label": line.label, "step": np.arange(n),
            "x": tr.path[:, 0], "y": tr.path[:, 1], "loss": tr.loss, "grad_x": tr.grad[:, 0], "grad_y": tr.grad[:, 1],
            "update_x": tr.update[:, 0], "update_y": tr.update[:, 1], "lr": tr.lr,
            "diverged_step": -1 if tr.diverged_step is None else tr.diverged_step,
        }))  # fmt: skip
    cols = ["run", "optimizer", "label", "step", "x", "y", "loss", "grad_x", "grad_y", "update_x", "update_y", "lr",
            "diverged_step"]  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def csv_bytes(result: Result) -> bytes:
    return trajectories_frame(result).to_csv(index=False).encode()


def parquet_bytes(result: Result) -> bytes:
    buf = io.BytesIO()
    trajectories_frame(result).to_parquet(buf, index=False)
    return buf.getvalue()


# --- the animation, drawn with Pillow ----------------------------------------------------


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType
        return ImageFont.load_default()


class Renderer:
    """Draws frames of a view: a fixed background (landscape, minima, start, legend) and per-step trails.

    ``mode`` "RGB" draws anti-aliased-free RGB frames (PNG, MP4); "P" draws into a palette
    image whose palette holds the landscape's colours plus every run colour exactly (GIF).
    """

    def __init__(self, surface: landscapes.Surface, lines: list[Line], start, steps: int, width: int, height: int,
                 mode: str = "RGB", bounds=None):  # fmt: skip
        self.surface, self.lines, self.mode, self.start, self.steps = surface, lines, mode, start, steps
        self.w, self.h = width, height
        (self.x0, self.x1), (self.y0, self.y1) = bounds or surface.bounds
        s = min(width, height) / 480
        self.scale = s
        self.font = _font(max(10, round(13 * s)))
        self.big = _font(max(12, round(16 * s)))
        legend_h = round(26 * s)
        top = round(34 * s) + legend_h
        side = min(width - round(20 * s), height - top - round(10 * s))
        self.left = (width - side) // 2
        self.top = top
        self.side = side
        self.legend_y = round(34 * s)
        rgba, _ = landscape_rgba(surface, ((float(self.x0), float(self.x1)), (float(self.y0), float(self.y1))))
        land = Image.fromarray(np.asarray(rgba), "RGBA").resize((side, side), Image.Resampling.BILINEAR)
        base = Image.new("RGB", (width, height), "white")
        base.paste(land, (self.left, self.top), land)
        self.colors = {"black": (0, 0, 0), "white": (255, 255, 255), "gold": (255, 200, 0), "grey": (90, 90, 90)}
        for ln in lines:
            self.colors[ln.color] = _hex(ln.color)
        if mode == "P":  # landscape colours, then the exact named colours, then one transparent index
            n_land = 255 - len(self.colors)
            pal = base.quantize(colors=n_land, dither=Image.Dither.NONE)
            palette = pal.getpalette()[: 3 * n_land]
            palette += [255, 255, 255] * (n_land - len(palette) // 3)
            self.index = {}
            for k, (name, rgb) in enumerate(self.colors.items()):
                self.index[name] = n_land + k
                palette += list(rgb)
            pal.putpalette([*palette, 255, 0, 255])  # index 255: TRANSPARENT
            base = pal
        self.base = base
        self._draw_static(ImageDraw.Draw(self.base))

    def fill(self, name: str):
        return self.index[name] if self.mode == "P" else self.colors[name]

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (self.left + (x - self.x0) / (self.x1 - self.x0) * self.side,
                self.top + (self.y1 - y) / (self.y1 - self.y0) * self.side)  # fmt: skip

    def _star(self, d: ImageDraw.ImageDraw, x: float, y: float, r: float) -> None:
        pts = []
        for k in range(10):
            a = -math.pi / 2 + k * math.pi / 5
            rr = r if k % 2 == 0 else r * 0.45
            pts.append((x + rr * math.cos(a), y + rr * math.sin(a)))
        d.polygon(pts, fill=self.fill("gold"), outline=self.fill("black"))

    def _draw_static(self, d: ImageDraw.ImageDraw) -> None:
        s = self.scale
        d.rectangle([self.left, self.top, self.left + self.side, self.top + self.side], outline=self.fill("grey"))
        d.text((round(10 * s), round(8 * s)), f"f = {self.surface.name.replace('_', ' ')}", fill=self.fill("black"),
               font=self.big)  # fmt: skip
        for mx, my in self.surface.minima:
            if self.x0 <= mx <= self.x1 and self.y0 <= my <= self.y1:
                self._star(d, *self.xy(mx, my), 8 * s)
        x = round(10 * s)
        for ln in self.lines:
            d.line([(x, self.legend_y + 8 * s), (x + 18 * s, self.legend_y + 8 * s)], fill=self.fill(ln.color),
                   width=max(2, round(3 * s)))  # fmt: skip
            d.text((x + 22 * s, self.legend_y), ln.label, fill=self.fill("black"), font=self.font)
            x += round(22 * s + d.textlength(ln.label, font=self.font) + 16 * s)
        sx, sy = self.xy(*self.start)
        r = 6 * s
        d.polygon([(sx, sy - r), (sx + r, sy), (sx, sy + r), (sx - r, sy)], fill=self.fill("white"),
                  outline=self.fill("black"))  # fmt: skip

    def frame(self, k: int) -> Image.Image:
        """The picture at step ``k``: trails from the start to step k, heads, the step counter."""
        im = self.base.copy()
        d = ImageDraw.Draw(im)
        s = self.scale
        for ln in self.lines:
            tr = ln.traj
            last = k if tr.diverged_step is None or k < tr.diverged_step else max(tr.diverged_step - 1, 0)
            idx = np.unique(np.round(np.linspace(0, last, min(last + 1, 400))).astype(int))
            pts = [self.xy(px, py) for px, py in tr.path[idx] if math.isfinite(px) and math.isfinite(py)]
            pts = [(min(max(px, -1e4), 1e4), min(max(py, -1e4), 1e4)) for px, py in pts]
            if len(pts) > 1:
                d.line(pts, fill=self.fill(ln.color), width=max(2, round(2.5 * s)), joint="curve")
            if pts:
                hx, hy = pts[-1]
                hr = 5 * s
                if tr.diverged_step is not None and k >= tr.diverged_step:
                    w = max(2, round(3 * s))
                    d.line([(hx - hr, hy - hr), (hx + hr, hy + hr)], fill=self.fill(ln.color), width=w)
                    d.line([(hx - hr, hy + hr), (hx + hr, hy - hr)], fill=self.fill(ln.color), width=w)
                else:
                    d.ellipse([hx - hr, hy - hr, hx + hr, hy + hr], fill=self.fill(ln.color),
                              outline=self.fill("white"))  # fmt: skip
        text = f"step {k} / {self.steps}"
        tw = d.textlength(text, font=self.big)
        d.text((self.w - tw - round(10 * s), round(8 * s)), text, fill=self.fill("black"), font=self.big)
        return im


def renderer(result: Result, view: View, width: int, height: int, mode: str = "RGB") -> Renderer:
    """A renderer for a computed view (its surface and window, runs, start and length)."""
    start = (float(view.start[0]), float(view.start[1]))
    return Renderer(result.surface, result.lines, start, view.steps, width, height, mode)


def frames(result: Result, view: View, width: int, height: int, n_frames: int, mode: str = "RGB",
           progress: Progress = None) -> Iterator[Image.Image]:  # fmt: skip
    """The animation's frames: ``n_frames`` steps spread evenly, the first and last step always kept."""
    r = renderer(result, view, width, height, mode)
    ks = frame_steps(view.steps, n_frames)
    for i, k in enumerate(ks):
        yield r.frame(int(k))
        if progress:
            progress((i + 1) / len(ks))


def gif_bytes(result: Result, view: View, width: int = 640, height: int = 480, fps: float = 12,
              n_frames: int = 120, progress: Progress = None) -> bytes:  # fmt: skip
    """An animated GIF (looping), the last frame held for a second."""
    check_options(width, height, fps, n_frames)
    fr = list(frames(result, view, width, height, n_frames, "P", progress))
    # Each frame after the first keeps only the pixels that changed, the rest transparent over
    # the previous frame (disposal 1): long runs of one index compress ~10x better.
    arrays = [np.asarray(im) for im in fr]
    out = [fr[0]]
    for prev, cur in itertools.pairwise(arrays):
        delta = np.where(cur == prev, np.uint8(TRANSPARENT), cur)
        im = Image.fromarray(delta, "P")
        im.putpalette(fr[0].getpalette())
        out.append(im)
    ms = round(1000 / fps)
    durations = [ms] * (len(out) - 1) + [max(ms, 1000)]
    buf = io.BytesIO()
    out[0].save(buf, format="GIF", save_all=True, append_images=out[1:], duration=durations, loop=0,
                optimize=False, disposal=1, transparency=TRANSPARENT)  # fmt: skip
    return buf.getvalue()


def mp4_bytes(result: Result, view: View, width: int = 640, height: int = 480, fps: float = 12,
              n_frames: int = 120, progress: Progress = None) -> bytes:  # fmt: skip
    """An H.264 MP4 (yuv420p, plays everywhere); width and height are rounded down to even numbers."""
    import imageio_ffmpeg

    check_options(width, height, fps, n_frames)
    width, height = width - width % 2, height - height % 2
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.mp4")
        writer = imageio_ffmpeg.write_frames(path, (width, height), fps=fps, codec="libx264", pix_fmt_in="rgb24",
                                             pix_fmt_out="yuv420p", macro_block_size=2, quality=7,
                                             output_params=["-preset", "veryfast"])  # fmt: skip
        writer.send(None)
        for im in frames(result, view, width, height, n_frames, "RGB", progress):
            writer.send(im.tobytes())
        writer.close()
        return Path(path).read_bytes()


def png_bytes(result: Result, view: View, step: int | None = None, width: int = 960, height: int = 720) -> bytes:
    """One frame (default: the last step) as PNG."""
    check_options(width, height, 1, 2)
    k = view.steps if step is None else int(np.clip(step, 0, view.steps))
    im = renderer(result, view, width, height).frame(k)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def html_bytes(result: Result, view: View, fps: float = 12, n_frames: int = 120, height: int = 700) -> bytes:
    """A self-contained HTML page: the app's animated map with plotly.js embedded (opens offline)."""
    import plotly.io as pio

    check_options(640, 480, fps, n_frames)
    fig = trajectory_figure(result.surface, result.lines, view.start, shown_step=0, frame_ms=round(1000 / fps),
                            click_grid=2, height=height, max_frames=n_frames)  # fmt: skip
    fig["layout"]["title"] = {"text": f"{view.surface.replace('_', ' ')} — {view.steps} steps", "x": 0.02}
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True, auto_play=False, validate=False,
                       config={"displaylogo": False})  # fmt: skip
    return html.encode()


def render(view: View, fmt: str, progress: Progress = None, width: int = 640, height: int = 480, fps: float = 12,
           n_frames: int = 120) -> bytes:  # fmt: skip
    """The bytes of ``view`` exported as ``fmt`` (one of ``FORMATS``)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "json":
        return view.to_json().encode()
    result = compute(view)
    if result.errors:
        raise ValueError("; ".join(result.errors))
    if fmt == "csv":
        return csv_bytes(result)
    if fmt == "parquet":
        return parquet_bytes(result)
    if fmt == "html":
        return html_bytes(result, view, fps, n_frames)
    if fmt == "png":
        return png_bytes(result, view, view.step, width, height)
    if fmt == "gif":
        return gif_bytes(result, view, width, height, fps, n_frames, progress)
    return mp4_bytes(result, view, width, height, fps, n_frames, progress)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
