"""Exports of a playground view: animations (GIF, MP4, HTML), a PNG frame, data (CSV, Parquet) and JSON.

Pure (no Streamlit), shared by the app's download buttons and ``cli.py``. Animations are
composited with Pillow on the same landscape image the app draws (``figures.landscape_rgba``):
a title with "step k of N", axes with tick numbers and titles (x = w₀, y = w₁), a legend
with each run's colour, dash, head marker and key settings (``Line.legend``), the contour
bands, the minima and the start, and the trails and heads, which are cut at the map's edge.
Frame k shows θ₀…θₖ (θₖ after k updates), in every format. GIF frames are drawn directly in
a palette image (no per-frame quantisation); MP4 frames are piped to the ffmpeg that
``imageio-ffmpeg`` ships (libx264). ``file_stem`` names a view's files so that two different
comparisons never share a name. Files are written to a temporary name and renamed, so an
existing file is never half-written.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

import landscapes
from viz.figures import (
    DIVERGED_NAME,
    PLOTLY_CONFIG,
    Line,
    band_rgb,
    frame_steps,
    landscape_rgba,
    trajectory_figure,
)
from viz.playground import Result, compute
from viz.state import View

FORMATS = ("gif", "mp4", "html", "png", "csv", "parquet", "json")
ANIMATED = ("gif", "mp4", "html")
Progress = Callable[[float], None] | None
MAX_SIDE = 1920
MAX_EXPORT_FRAMES = 1000
# plotly.js options of the HTML export: the app's, less two that plotly.py's writer does not know
HTML_CONFIG = {k: v for k, v in PLOTLY_CONFIG.items() if k not in ("showEditInChartStudio", "showLink")}
TRANSPARENT = 255  # the GIF palette index meaning "unchanged since the previous frame"


def check_options(width: int, height: int, fps: float, frames: int) -> None:
    """Raise ``ValueError`` with the valid range for an unusable size, frame rate or frame count."""
    if not (160 <= width <= MAX_SIDE and 120 <= height <= MAX_SIDE):
        raise ValueError(f"size {width}x{height} must be between 160x120 and {MAX_SIDE}x{MAX_SIDE}")
    if not (math.isfinite(fps) and 1 <= fps <= 60):
        raise ValueError(f"fps={fps} must be between 1 and 60")
    if not 2 <= frames <= MAX_EXPORT_FRAMES:
        raise ValueError(f"frames={frames} must be between 2 and {MAX_EXPORT_FRAMES}")


def file_stem(view: View, lines: list[Line] | None = None) -> str:
    """A file name stem (no extension) that identifies a view: surface, optimizers, steps and a hash.

    Parameters
    ----------
    view : View
        The view; the last part is the first 8 hex digits of the SHA-256 of its configuration
        (``view.to_json()`` with sorted keys), so two views that differ in anything, a
        hyperparameter or the inspected step, never share a name.
    lines : list of Line, optional
        The runs drawn (their optimizers name the file); default: the view's runs.

    Returns
    -------
    str
        ASCII letters, digits, ``-`` and ``_`` only, e.g.
        ``hills_and_canyon_nesterov-rmsprop-adam_125steps_1a2b3c4d``.
    """
    config = json.dumps(json.loads(view.to_json()), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(config.encode()).hexdigest()[:8]
    if view.surface.startswith(landscapes.CUSTOM_PREFIX):
        surface = "f-" + (re.sub(r"[^A-Za-z0-9]+", "-", view.surface[len(landscapes.CUSTOM_PREFIX) :]).strip("-")[:24]
                          or "custom")  # fmt: skip
    else:
        surface = re.sub(r"[^A-Za-z0-9_-]+", "-", view.surface)[:40]
    names = [ln.traj.optimizer for ln in lines] if lines is not None else [r.optimizer for r in view.runs]
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    parts = [re.sub(r"[^A-Za-z0-9]+", "", n) + (f"x{c}" if c > 1 else "") for n, c in counts.items()]
    if len(parts) > 4:
        parts = [*parts[:3], f"{len(parts) - 3}more"]
    runs = "-".join(parts) or "noruns"
    return f"{surface}_{runs}_{view.steps}steps_{digest}"


# --- data ---------------------------------------------------------------------------------


def phase_optimizer(tr) -> np.ndarray:
    """The optimizer that takes the step from each row (a hand-off changes it from its step on)."""
    out = np.full(tr.steps + 1, tr.optimizer, dtype=object)
    for p in tr.phases[1:]:
        out[p["at"] :] = p["optimizer"]
    return out


def trajectories_frame(result: Result, view: View | None = None) -> pd.DataFrame:
    """One row per run × step: position, loss, gradient, the update taken, the lr used, the
    function evaluations spent so far and, after a hand-off, the optimizer then in charge.

    Rows after a run diverged hold NaN (the engine's convention); ``diverged_step`` repeats
    the step at which it happened (-1 if never). When ``view`` shows the curvature, each row
    adds the sharpness and the stability limit; when it shows the flows, a plain
    gradient-descent run's rows add the gradient flow and its modified flow at t = k·lr.
    """
    from viz import why

    seen = why.for_view(view, result) if view is not None and view.why else why.Why()
    sharp = {ln.key: sh for ln, sh in seen.sharpness}
    flows = {ln.key: (mod, plain) for ln, mod, plain in seen.modified}
    parts = []
    for line in result.lines:
        tr = line.traj
        n = tr.steps + 1
        part = pd.DataFrame({
            "run": line.key, "optimizer": phase_optimizer(tr), "label": line.label, "step": np.arange(n),
            "x": tr.path[:, 0], "y": tr.path[:, 1], "loss": tr.loss, "grad_x": tr.grad[:, 0], "grad_y": tr.grad[:, 1],
            "update_x": tr.update[:, 0], "update_y": tr.update[:, 1], "lr": tr.lr,
            "evals": tr.evals if tr.evals is not None else np.arange(n),
            "diverged_step": -1 if tr.diverged_step is None else tr.diverged_step,
        })  # fmt: skip
        if "curvature" in seen.shown:
            sh = sharp.get(line.key)
            part["sharpness"] = sh.value if sh is not None else np.nan
            part["stability_limit"] = sh.limit if sh is not None and sh.limit is not None else np.nan
        if "flow" in seen.shown:
            mod, plain = flows.get(line.key, (None, None))
            for name, fl in (("flow", plain), ("modified_flow", mod)):
                for i, c in enumerate("xy"):
                    col = np.full(n, np.nan)
                    if fl is not None:
                        col[: len(fl.path)] = fl.path[:n, i]
                    part[f"{name}_{c}"] = col
        parts.append(part)
    cols = ["run", "optimizer", "label", "step", "x", "y", "loss", "grad_x", "grad_y", "update_x", "update_y", "lr",
            "evals", "diverged_step"]  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def csv_bytes(result: Result, view: View | None = None) -> bytes:
    return trajectories_frame(result, view).to_csv(index=False).encode()


def parquet_bytes(result: Result, view: View | None = None) -> bytes:
    buf = io.BytesIO()
    trajectories_frame(result, view).to_parquet(buf, index=False)
    return buf.getvalue()


# --- the animation, drawn with Pillow ----------------------------------------------------

FONT_FILES = (  # the first that exists and draws Greek letters and subscripts; else Pillow's own
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
# plotly.js's dash patterns, in multiples of the line width (at least 3 px): on, off, on, off…
DASH_PATTERNS = {"dot": (1, 1), "dash": (3, 3), "longdash": (5, 5), "dashdot": (3, 1, 1, 1),
                 "longdashdot": (5, 2, 1, 2)}  # fmt: skip
MAX_DASHES = 20_000  # dash pieces per stretch of trail; a longer one is drawn solid (it reads as one anyway)
MAX_TRAIL_POINTS = 1000  # trail vertices per run (every step up to this, else evenly spread)


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


@functools.cache
def _font_file() -> str | None:
    for path in FONT_FILES:
        if os.path.isfile(path):
            return path
    return None


@functools.cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = _font_file()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType
        return ImageFont.load_default()


@functools.cache
def _has_glyph(font: ImageFont.ImageFont | ImageFont.FreeTypeFont, ch: str) -> bool:
    """Whether ``font`` draws ``ch`` (a missing glyph draws the same box as an unassigned code point)."""
    if ch.isascii():
        return True
    try:
        mask = font.getmask(ch)
        missing = font.getmask("\U000f0000")
    except (UnicodeEncodeError, OSError):
        return False
    return bytes(mask) != bytes(missing) or mask.size != missing.size


def _drawable(font, text: str) -> str:
    """``text`` with characters the font lacks spelled in ASCII (γ → gamma, ₀ → 0, − → -)."""
    out = []
    for ch in text:
        if _has_glyph(font, ch):
            out.append(ch)
            continue
        plain = unicodedata.normalize("NFKD", ch)
        if plain.isascii() and plain.strip():
            out.append(plain)
        else:
            name = unicodedata.name(ch, "")
            out.append({"MINUS SIGN": "-", "MIDDLE DOT": "|", "MULTIPLICATION SIGN": "x"}.get(name)
                       or (name.split()[-1].lower() if "LETTER" in name else "?"))  # fmt: skip
    return "".join(out)


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 × 10ᵏ) inside [lo, hi]: about ``target`` of
    them, never fewer than two."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo]
    raw = span / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    steps = [m * mag for m in (0.5, 1, 2, 2.5, 5, 10)]
    step = next(st for st in steps[1:] if raw <= st * 1.0000001)
    for st in [step, *reversed([st for st in steps if st < step])]:
        first = math.ceil(lo / st - 1e-9)
        ticks = [float(f"{(first + i) * st:.12g}") for i in range(math.floor(hi / st + 1e-9) - first + 1)]
        if len(ticks) >= 2:
            break
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


def tick_label(v: float, ticks: list[float]) -> str:
    """A tick's number as the axis shows it: as many decimals as the tick step needs (``nice_ticks``),
    plain digits up to 10⁵ (else like 2e+06), a real minus sign."""
    if v == 0:
        return "0"
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(v)
    if not step >= 1e-4 or step >= 1e5 or abs(v) >= 1e6:
        text = f"{v:.6g}"
    else:
        mag = math.floor(math.log10(step) + 1e-9)
        digits = max(0, -mag + (1 if round(step / 10.0**mag, 6) == 2.5 else 0))
        text = f"{v:.{digits}f}"
    return text.replace("-", "−")


def _shape(symbol: str, x: float, y: float, r: float) -> list[tuple[float, float]] | None:
    """The polygon of a plotly marker symbol centred at (x, y) with radius ~r; None for a circle."""

    def regular(n: int, rot: float, rr: float) -> list[tuple[float, float]]:
        return [(x + rr * math.cos(rot + 2 * math.pi * i / n), y + rr * math.sin(rot + 2 * math.pi * i / n))
                for i in range(n)]  # fmt: skip

    up, t = -math.pi / 2, 1.2 * r
    if symbol == "square":
        q = 0.88 * r
        return [(x - q, y - q), (x + q, y - q), (x + q, y + q), (x - q, y + q)]
    if symbol == "diamond":
        return regular(4, up, 1.2 * r)
    if symbol == "triangle-up":
        return regular(3, up, t)
    if symbol == "triangle-down":
        return regular(3, -up, t)
    if symbol == "triangle-left":
        return regular(3, math.pi, t)
    if symbol == "triangle-right":
        return regular(3, 0.0, t)
    if symbol == "pentagon":
        return regular(5, up, 1.05 * r)
    if symbol == "hexagon":
        return regular(6, 0.0, 1.05 * r)
    if symbol == "octagon":
        return regular(8, math.pi / 8, 1.05 * r)
    if symbol == "cross":
        a, b = 0.36 * r, 1.1 * r
        arm = [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b), (-a, a), (-b, a), (-b, -a),
               (-a, -a)]  # fmt: skip
        return [(x + u, y + v) for u, v in arm]
    if symbol == "hourglass":
        q = r
        return [(x - q, y - q), (x + q, y - q), (x, y), (x + q, y + q), (x - q, y + q), (x, y)]
    if symbol == "bowtie":
        q = r
        return [(x - q, y - q), (x, y), (x + q, y - q), (x + q, y + q), (x, y), (x - q, y + q)]
    return None


def _clip_polyline(pts: np.ndarray, box: tuple[float, float, float, float],
                   arc: np.ndarray | None = None) -> list[tuple[np.ndarray, float]]:  # fmt: skip
    """The visible pieces of a polyline inside ``box`` (x0, y0, x1, y1), segments cut at its edges
    (Liang–Barsky), so that far-away points never reach the drawing code.

    Returns (points, arc length at the piece's first point) pairs; ``arc`` is the arc length at
    each input point (default: measured from the first), so that dashes keep their phase.
    """
    if arc is None:
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))]) if len(pts) else np.zeros(0)
    if len(pts) < 2:
        inside = len(pts) == 1 and box[0] <= pts[0, 0] <= box[2] and box[1] <= pts[0, 1] <= box[3]
        return [(pts, float(arc[0]))] if inside else []
    p0, d = pts[:-1], np.diff(pts, axis=0)
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    reject = np.zeros(len(d), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis, lo, hi in ((0, box[0], box[2]), (1, box[1], box[3])):
            for p, q in ((-d[:, axis], p0[:, axis] - lo), (d[:, axis], hi - p0[:, axis])):
                r = q / p
                reject |= (p == 0) & (q < 0)
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
    keep = ~reject & (t0 <= t1)
    if keep.all() and not t0.any() and (t1 == 1).all():  # all inside: the common case
        return [(pts, float(arc[0]))]
    a = (p0 + t0[:, None] * d).tolist()
    b = (p0 + t1[:, None] * d).tolist()
    seg = np.diff(arc)
    pieces: list[tuple[np.ndarray, float]] = []
    cur: list = []
    phase = 0.0
    for i in np.flatnonzero(keep).tolist():
        if cur and (t0[i] > 0 or not keep[i - 1] or t1[i - 1] < 1):
            pieces.append((np.array(cur), phase))
            cur = []
        if not cur:
            cur.append(a[i])
            phase = float(arc[i] + t0[i] * seg[i])
        cur.append(b[i])
    if cur:
        pieces.append((np.array(cur), phase))
    return pieces


def _dashes(pts: np.ndarray, pattern: tuple[float, ...], phase: float = 0.0) -> list[list] | None:
    """The "on" pieces (lists of points) of a dashed polyline whose first point lies at arc length
    ``phase`` of the pattern (in pixels); None if there would be more than ``MAX_DASHES``."""
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    total = float(cum[-1])
    period = float(sum(pattern))
    if total <= 0 or period <= 0:
        return [pts.tolist()]
    ons = np.cumsum((0.0, *pattern))[:-1][::2]  # where each "on" part starts in a period
    lens = np.asarray(pattern[::2], dtype=float)
    first = math.floor(phase / period) - 1
    n = int((phase + total) // period) - first + 1
    if n * len(ons) > MAX_DASHES:
        return None
    base = (first + np.arange(n))[:, None] * period - phase
    starts = np.maximum((base + ons).ravel(), 0.0)
    ends = np.minimum((base + ons + lens).ravel(), total)
    ok = ends > starts
    starts, ends = starts[ok], ends[ok]
    if not starts.size:
        return []
    sx, sy = np.interp(starts, cum, pts[:, 0]), np.interp(starts, cum, pts[:, 1])
    ex, ey = np.interp(ends, cum, pts[:, 0]), np.interp(ends, cum, pts[:, 1])
    i0 = np.searchsorted(cum, starts, side="right").tolist()
    i1 = np.searchsorted(cum, ends, side="left").tolist()
    plist = pts.tolist()
    return [
        [(a, b), *plist[j0:j1], (c, e)]
        for a, b, c, e, j0, j1 in zip(sx.tolist(), sy.tolist(), ex.tolist(), ey.tolist(), i0, i1, strict=True)
    ]


@dataclass
class _Entry:
    """One legend entry: a run (colour, dash, marker) or a static item, with one or two lines of text."""

    color: str
    dash: str | None
    symbol: str | None
    text: str
    detail: str = ""


def step_label(k: int, n: int) -> str:
    """What a frame of step k of an N-step run says: "step k of N" (it shows θ₀…θₖ)."""
    return f"step {int(k)} of {int(n)}"


def surface_title(surface: landscapes.Surface) -> str:
    """How a surface is named in a title: "hills and canyon", or a custom formula as typed."""
    name = surface.name
    if name.startswith(landscapes.CUSTOM_PREFIX):
        return name[len(landscapes.CUSTOM_PREFIX) :]
    return name.replace("_", " ")


class Renderer:
    """Draws frames of a view at a given size: a fixed background (title, legend, axes with ticks,
    the landscape, minima, start) and per-step trails and heads clipped to the plotting area.

    Frame k shows θ₀…θₖ, the points after 0…k updates, and says "step k of N". ``mode`` "RGB"
    draws anti-aliased RGB frames (PNG, MP4); "P" draws into a palette image whose palette
    holds the landscape's colours plus every run colour exactly (GIF).
    """

    def __init__(self, surface: landscapes.Surface, lines: list[Line], start, steps: int, width: int, height: int,
                 mode: str = "RGB", bounds=None, marks=()):  # fmt: skip
        self.surface, self.lines, self.mode, self.start, self.steps = surface, lines, mode, start, steps
        self.marks = list(marks)  # the "see why" overlays (``viz.why.Mark``), drawn under the runs
        self.w, self.h = width, height
        (self.x0, self.x1), (self.y0, self.y1) = bounds or surface.bounds
        s = min(width, height) / 480
        self.scale = s
        self.font = _font(max(10, round(13 * s)))
        self.small = _font(max(9, round(12 * s)))
        self.big = _font(max(11, round(16 * s)))
        self.lw = max(2, round(2.5 * s))
        self.colors = {"black": (0, 0, 0), "white": (255, 255, 255), "gold": (255, 200, 0), "grey": (90, 90, 90),
                       "text": (38, 39, 48)}  # fmt: skip
        for ln in lines:
            self.colors[ln.color] = _hex(ln.color)
        for m in self.marks:
            if m.color not in self.colors:
                self.colors[m.color] = _hex(m.color)
        window = ((float(self.x0), float(self.x1)), (float(self.y0), float(self.y1)))
        rgba, self.levels = landscape_rgba(surface, window)
        # a colour bar beside the map when the surface names what its colours show (a network's log loss)
        self.bar_title = getattr(surface, "colorbar_title", None)
        self._layout(ImageDraw.Draw(Image.new("L", (1, 1))))
        land = Image.fromarray(np.asarray(rgba), "RGBA").resize((self.side, self.side), Image.Resampling.BILINEAR)
        base = Image.new("RGB", (width, height), "white")
        base.paste(land, (self.left, self.top), land)
        if self.bar_title:
            self._bar_colours(ImageDraw.Draw(base))
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
        # Trail vertices: the same steps in every frame (all of them up to MAX_TRAIL_POINTS), so a
        # frame's trail is the previous one's plus a piece, and dashes keep their place (the arc
        # length from the start sets their phase).
        self._trail_idx = np.unique(np.round(np.linspace(0, steps, min(steps + 1, MAX_TRAIL_POINTS))).astype(int))
        self._pix, self._arc, self._last_ok = [], [], []
        for ln in lines:
            pix = self._to_pixels(ln.traj.path)
            finite = np.isfinite(pix).all(axis=1)
            last_ok = len(pix) - 1 if finite.all() else max(int(np.argmin(finite)) - 1, 0)
            if ln.traj.diverged_step is not None:
                last_ok = min(last_ok, max(ln.traj.diverged_step - 1, 0))
            pts = pix[self._trail_idx[self._trail_idx <= last_ok]]
            arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
            self._pix.append(pix)
            self._arc.append(arc)
            self._last_ok.append(last_ok)

    # --- geometry ------------------------------------------------------------------------

    def _text(self, font, text: str) -> str:
        return _drawable(font, text)

    def _fit(self, d: ImageDraw.ImageDraw, text: str, font, width: float) -> str:
        """``text`` cut with "…" to fit ``width`` pixels."""
        text = self._text(font, text)
        if d.textlength(text, font=font) <= width:
            return text
        while text and d.textlength(text + "…", font=font) > width:
            text = text[:-1]
        return text.rstrip() + "…" if text else ""

    def _entries(self) -> list[_Entry]:
        out = []
        for ln in self.lines:
            label, _, detail = ln.legend.partition(" · ")
            out.append(_Entry(ln.color, ln.dash, ln.symbol, label, detail))
        (x0, x1), (y0, y1) = (self.x0, self.x1), (self.y0, self.y1)
        self.minima = [(mx, my, i < self.surface.n_global) for i, (mx, my) in enumerate(self.surface.minima)
                       if x0 <= mx <= x1 and y0 <= my <= y1]  # fmt: skip
        self.curves = [c for c in getattr(self.surface, "minimum_curves", ()) if len(c) > 1]
        if self.curves:
            out.append(_Entry("gold", "solid", None, "line of minima"))
        if any(g for *_, g in self.minima):
            out.append(_Entry("gold", None, "star", "global minimum"))
        if any(not g for *_, g in self.minima):  # white, as on the page
            out.append(_Entry("white", None, "star-local", "local minimum"))
        out.append(_Entry("white", None, "start", getattr(self.surface, "start_label", "start")))
        if any(ln.traj.diverged_step is not None for ln in self.lines):
            out.append(_Entry("grey", None, "asterisk", DIVERGED_NAME))
        for m in self.marks:
            if m.legend:
                line = m.mode != "markers"
                out.append(_Entry(m.color, m.dash if line else None, None if line else m.symbol, m.name))
        return out

    def _layout(self, d: ImageDraw.ImageDraw) -> None:
        """Place the title row, the axes' margins, the plotting square and the legend (beside the
        map or in rows above it, whichever leaves the larger map)."""
        s, w, h = self.scale, self.w, self.h
        pad = round(8 * s)
        self.title_h = round(5 * s) + self.big.getbbox("Ay")[3] + max(2, round(4 * s))  # the text sits at y = 5s
        n_ticks = int(np.clip(min(w, h) * 0.8 / 60, 2, 7))  # about one number per 60 px of map
        self.xt = nice_ticks(self.x0, self.x1, n_ticks)
        self.yt = nice_ticks(self.y0, self.y1, n_ticks)
        tick = round(5 * s)
        fh = self.small.getbbox("0")[3]
        ylab_w = max(d.textlength(self._text(self.small, tick_label(v, self.yt)), font=self.small) for v in self.yt)
        axis_h = self.font.getbbox("Ay")[3]
        self.tick = tick
        left = pad + axis_h + round(6 * s) + ylab_w + tick + round(3 * s)
        bottom = tick + round(3 * s) + fh + round(6 * s) + axis_h + pad
        self.entries = self._entries()
        self.bar_w = 0
        if self.bar_title:  # the bar, its value labels and its rotated title, right of the map
            self.bar_ticks = self._bar_ticks()
            label_w = max(d.textlength(self._text(self.small, t), font=self.small) for _, t in self.bar_ticks)
            self.bar_w = round(8 * s) + round(12 * s) + tick + round(3 * s) + int(label_w) + round(6 * s) + axis_h
        sample = round(34 * s)
        line_h = self.font.getbbox("Ay")[3] + round(3 * s)
        small_h = self.small.getbbox("Ay")[3] + round(3 * s)
        gap = round(6 * s)
        flat = [sample + gap + d.textlength(self._text(self.font, self._flat(e)), font=self.font) for e in self.entries]
        two = [sample + gap + max(d.textlength(self._text(self.font, e.text), font=self.font),
                                  d.textlength(self._text(self.small, e.detail), font=self.small))
               for e in self.entries]  # fmt: skip
        # Candidates: beside the map with the settings on a second line ("side2") or after the
        # label ("side1"), or in rows above the map ("top"); the one giving the largest map wins.
        below_title = h - self.title_h - pad
        options = {}
        for name, widths, heights in (
            ("side2", two, [line_h + (small_h if e.detail else 0) + round(4 * s) for e in self.entries]),
            ("side1", flat, [line_h + round(2 * s) for _ in self.entries]),
        ):
            col_w = min(max(widths), max(w * 0.45, 60 * s))
            if sum(heights) <= below_title:
                options[name] = (min(below_title - bottom, w - left - col_w - 2 * pad - self.bar_w), col_w, 0)
        rows, x = 1, 0.0
        for fw in flat:
            if x and x + fw > w - 2 * pad:
                rows, x = rows + 1, 0.0
            x += fw + round(14 * s)
        legend_h = rows * (line_h + round(3 * s))
        options["top"] = (min(below_title - legend_h - round(4 * s) - bottom, w - left - 2 * pad - self.bar_w), 0,
                          legend_h)  # fmt: skip
        self.legend_mode = max(options, key=lambda k: (options[k][0], -list(options).index(k)))
        side_f, col_w, legend_h = options[self.legend_mode]
        side = int(max(side_f, 40))
        self.side = side
        if self.legend_mode != "top":
            block = left + side + self.bar_w + pad + col_w
            self.left = int(max(left, left + (w - block - pad) // 2))
            self.top = int(self.title_h + max(0, (h - self.title_h - bottom - side) // 2))
            self.legend_box = (self.left + side + self.bar_w + pad, self.top, w - round(4 * s), h - pad)
        else:
            self.left = int(left + max(0, (w - left - side - self.bar_w - pad) // 2))
            self.top = int(self.title_h + legend_h + round(4 * s))
            self.legend_box = (pad, self.title_h, w - pad, self.title_h + legend_h)
        self.sample, self.line_h, self.small_h = sample, line_h, small_h
        # the plotting area, inside the frame line: everything a run draws stays in it
        self.plot = (self.left + 1, self.top + 1, self.left + side, self.top + side)
        reach = 30 * s  # lines are cut a little beyond the area, so that its edge cuts them cleanly
        self._reach = (-reach, -reach, side + reach, side + reach)

    def _bar_ticks(self) -> list[tuple[int, str]]:
        """(level index, label) for about five of the map's level boundaries, lowest to highest."""
        n = len(self.levels)
        idx = np.unique(np.round(np.linspace(0, n - 1, min(n, 5))).astype(int))
        return [(int(i), f"{self.levels[i]:.3g}".replace("-", "−")) for i in idx]

    def _bar_box(self) -> tuple[int, int, int, int]:
        x0 = self.left + self.side + round(8 * self.scale)
        return x0, self.top, x0 + round(12 * self.scale), self.top + self.side

    def _bar_y(self, boundary: int) -> float:
        """The bar's pixel row between band ``boundary`` and the next (bands stacked evenly, lowest at
        the bottom, as the map's colours step from level to level)."""
        _, y0, _, y1 = self._bar_box()
        return y1 - (boundary + 1) * (y1 - y0) / (len(self.levels) + 1)

    def _bar_colours(self, d: ImageDraw.ImageDraw) -> None:
        x0, y0, x1, y1 = self._bar_box()
        n = len(self.levels)
        for b in range(n + 1):
            c = tuple(int(v) for v in band_rgb(np.array(b), n))  # as the landscape image (uint8) has it
            top = y0 if b == n else self._bar_y(b)
            bottom = y1 if b == 0 else self._bar_y(b - 1)
            d.rectangle([x0, round(top), x1, round(bottom)], fill=c)

    def _draw_bar_labels(self, d: ImageDraw.ImageDraw) -> None:
        """The bar's frame, a tick and a value at each labelled level, and its title, rotated."""
        x0, y0, x1, y1 = self._bar_box()
        d.rectangle([x0, y0, x1, y1], outline=self.fill("grey"))
        fh = self.small.getbbox("0")[3]
        right = x1
        for i, label in self.bar_ticks:
            y = round(self._bar_y(i))
            d.line([(x1, y), (x1 + self.tick, y)], fill=self.fill("grey"), width=1)
            text = self._text(self.small, label)
            d.text((x1 + self.tick + round(3 * self.scale), y - fh / 2 - 1), text, fill=self.fill("text"),
                   font=self.small)  # fmt: skip
            right = max(right, x1 + self.tick + round(3 * self.scale) + d.textlength(text, font=self.small))
        axis_h = self.font.getbbox("Ay")[3]
        self._rotated_text(self.base, self._text(self.font, self.bar_title), self.font,
                           right + round(6 * self.scale) + axis_h / 2, (y0 + y1) / 2)  # fmt: skip

    @staticmethod
    def _flat(e: _Entry) -> str:
        return f"{e.text} · {e.detail}" if e.detail else e.text

    def fill(self, name: str):
        return self.index[name] if self.mode == "P" else self.colors[name]

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """Pixel position of a point (x, y) of the map, in the whole frame."""
        return (self.left + (x - self.x0) / (self.x1 - self.x0) * self.side,
                self.top + (self.y1 - y) / (self.y1 - self.y0) * self.side)  # fmt: skip

    def _to_pixels(self, path: np.ndarray) -> np.ndarray:
        """Pixel positions relative to the plotting area's corner (its crop image)."""
        px = self.left + (path[:, 0] - self.x0) / (self.x1 - self.x0) * self.side - self.plot[0]
        py = self.top + (self.y1 - path[:, 1]) / (self.y1 - self.y0) * self.side - self.plot[1]
        return np.column_stack([px, py])

    # --- drawing -------------------------------------------------------------------------

    def _star(self, d: ImageDraw.ImageDraw, x: float, y: float, r: float, color: str = "gold") -> None:
        pts = []
        for k in range(10):
            a = -math.pi / 2 + k * math.pi / 5
            rr = r if k % 2 == 0 else r * 0.45
            pts.append((x + rr * math.cos(a), y + rr * math.sin(a)))
        d.polygon(pts, fill=self.fill(color), outline=self.fill("black"))

    def _star_radius(self, is_global: bool) -> float:
        star = 8 * self.scale if len(self.minima) <= 40 else 5 * self.scale
        return star if is_global else 0.8 * star

    def _minima_outline(self, d: ImageDraw.ImageDraw) -> None:
        """The minima's stars again as outlines, over the runs' heads (as on the page's map): a run
        that ends at a minimum does not hide it."""
        w = max(1, round(1.5 * self.scale))
        for mx, my, is_global in self.minima:
            x, y = self._to_pixels(np.array([[mx, my]]))[0]
            r = self._star_radius(is_global)
            pts = [
                (
                    x + (r if k % 2 == 0 else r * 0.45) * math.cos(-math.pi / 2 + k * math.pi / 5),
                    y + (r if k % 2 == 0 else r * 0.45) * math.sin(-math.pi / 2 + k * math.pi / 5),
                )
                for k in range(10)
            ]
            pts.append(pts[0])
            d.line(pts, fill=self.fill("black"), width=w + 2, joint="curve")
            d.line(pts, fill=self.fill("gold" if is_global else "white"), width=w, joint="curve")

    def _marker(self, d: ImageDraw.ImageDraw, symbol: str, x: float, y: float, r: float, color: str,
                outline: str = "white") -> None:  # fmt: skip
        ow = max(1, round(1.2 * self.scale))
        if symbol == "x":  # the overlays' saddle
            w = max(2, round(2.5 * self.scale))
            d.line([(x - r, y - r), (x + r, y + r)], fill=self.fill(color), width=w)
            d.line([(x - r, y + r), (x + r, y - r)], fill=self.fill(color), width=w)
            return
        if symbol == "asterisk":  # a run that diverged, at its last finite point (never the saddle's ×)
            w = max(2, round(2.5 * self.scale))
            for a in (0.0, math.pi / 4, math.pi / 2, 3 * math.pi / 4):
                dx, dy = r * math.cos(a), r * math.sin(a)
                d.line([(x - dx, y - dy), (x + dx, y + dy)], fill=self.fill(color), width=w)
            return
        if symbol == "circle-open":  # the overlays' ring around a minimum
            d.ellipse([x - r, y - r, x + r, y + r], outline=self.fill(color), width=max(2, round(3 * self.scale)))
            return
        if symbol in ("star", "star-local"):
            self._star(d, x, y, r * (1.5 if symbol == "star" else 1.2), "gold" if symbol == "star" else "white")
            return
        if symbol == "start":
            r = r * 1.1
            d.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], fill=self.fill("white"),
                      outline=self.fill("black"), width=ow)  # fmt: skip
            return
        pts = _shape(symbol, x, y, r)
        if pts is None:
            d.ellipse([x - r, y - r, x + r, y + r], fill=self.fill(color), outline=self.fill(outline), width=ow)
        else:
            d.polygon(pts, fill=self.fill(color), outline=self.fill(outline), width=ow)

    def _draw_mark(self, d: ImageDraw.ImageDraw, m) -> None:
        """One overlay: its polyline (broken at NaN, cut at the plotting area) or its markers."""
        s = self.scale
        pix = self._to_pixels(np.column_stack([m.x, m.y]).astype(float))
        if m.mode != "markers":
            ok = np.isfinite(pix).all(axis=1)
            breaks = np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1
            for run in np.split(np.arange(len(pix)), breaks):
                if len(run) > 1 and ok[run[0]]:
                    for piece, phase in _clip_polyline(pix[run], self._reach):
                        if len(piece) > 1:
                            self._polyline(d, piece, self.fill(m.color), m.dash, max(1, round(m.width * s)), phase)
            if m.mode == "lines+markers" and len(pix) > 1 and np.isfinite(pix[-2:]).all():
                (x0, y0), (x1, y1) = pix[-2], pix[-1]
                ang, r = math.atan2(y1 - y0, x1 - x0), 6 * s
                head = [(x1, y1), (x1 - r * math.cos(ang - 0.45), y1 - r * math.sin(ang - 0.45)),
                        (x1 - r * math.cos(ang + 0.45), y1 - r * math.sin(ang + 0.45))]  # fmt: skip
                d.polygon(head, fill=self.fill(m.color))
            return
        r = 0.42 * m.size * s if m.symbol != "circle-open" else 13 * s  # a ring around the minimum's star
        for px, py in pix[np.isfinite(pix).all(axis=1)]:
            self._marker(d, m.symbol, px, py, r, m.color)

    def _polyline(self, d: ImageDraw.ImageDraw, pts: np.ndarray, ink, dash: str | None, width: int,
                  phase: float = 0.0) -> None:  # fmt: skip
        """A line through ``pts`` (pixels) in ``ink`` (a ``fill`` value), dashed as plotly dashes it;
        ``phase`` is the arc length at its start."""
        pattern = DASH_PATTERNS.get(dash or "solid")
        pieces = None
        if pattern is not None and len(pts) > 1:
            unit = max(width, 3)
            pieces = _dashes(pts, tuple(p * unit for p in pattern), phase)
        for piece in pieces if pieces is not None else [pts.tolist()]:
            if len(piece) > 1:
                d.line([tuple(p) for p in piece], fill=ink, width=width)

    def _stroke(self, d: ImageDraw.ImageDraw, i: int, j0: int, j1: int, tail: int | None = None) -> None:
        """Run i's trail from vertex j0 to vertex j1 of its trail steps, then on to step ``tail`` if
        given, drawn (255) into its mask ``d`` over the plotting area and cut at the area's edges."""
        ln, pix, arc = self.lines[i], self._pix[i], self._arc[i]
        pts = pix[self._trail_idx[j0 : j1 + 1]]
        cum = arc[j0 : j1 + 1]
        if tail is not None and tail != self._trail_idx[j1]:
            end = pix[tail]
            pts = np.vstack([pts, end])
            cum = np.append(cum, cum[-1] + math.hypot(*(end - pts[-2])))
        if len(pts) < 2:
            return
        for piece, phase in _clip_polyline(pts, self._reach, cum):
            if len(piece) > 1:
                self._polyline(d, piece, 255, ln.dash, self.lw, phase)

    def _rotated_text(self, im: Image.Image, text: str, font, cx: float, cy: float) -> None:
        """``text`` turned 90° anticlockwise, centred at (cx, cy)."""
        box = font.getbbox(text)
        mask = Image.new("L", (box[2] + 2, box[3] + 2), 0)
        md = ImageDraw.Draw(mask)
        if self.mode == "P":
            md.fontmode = "1"
        md.text((1, 1), text, fill=255, font=font)
        mask = mask.transpose(Image.Transpose.ROTATE_90)
        if self.mode == "P":  # a palette image takes whole pixels only
            mask = mask.point(lambda v: 255 if v >= 128 else 0)
        x, y = round(cx - mask.width / 2), round(cy - mask.height / 2)
        im.paste(self.fill("text"), (x, y, x + mask.width, y + mask.height), mask)

    def _draw_static(self, d: ImageDraw.ImageDraw) -> None:
        s = self.scale
        title = "f = " + surface_title(self.surface)
        step_w = d.textlength(self._step_text(self.steps), font=self.big) + round(24 * s)
        d.text((round(8 * s), round(5 * s)), self._fit(d, title, self.big, self.w - step_w - round(8 * s)),
               fill=self.fill("text"), font=self.big)  # fmt: skip
        # the map's furniture, drawn inside the plotting area only
        x0, y0 = self.plot[:2]
        area = self.base.crop(self.plot)
        ad = ImageDraw.Draw(area)
        for c in self.curves:
            for piece, _ in _clip_polyline(self._to_pixels(np.asarray(c, dtype=float)), self._reach):
                ad.line([tuple(p) for p in piece.tolist()], fill=self.fill("gold"), width=max(3, round(4 * s)))
        for m in self.marks:  # lines under the minima's stars, markers over them
            if m.mode != "markers":
                self._draw_mark(ad, m)
        for mx, my, is_global in self.minima:
            px, py = self._to_pixels(np.array([[mx, my]]))[0]
            self._star(ad, px, py, self._star_radius(is_global), "gold" if is_global else "white")
        for m in self.marks:
            if m.mode == "markers":
                self._draw_mark(ad, m)
        sx, sy = self._to_pixels(np.array([self.start], dtype=float))[0]
        if -50 < sx < 1e4 and -50 < sy < 1e4:
            self._marker(ad, "start", sx, sy, 6 * s, "white")
        self.base.paste(area, (x0, y0))
        # frame, ticks, tick labels and axis titles
        d.rectangle([self.left, self.top, self.left + self.side, self.top + self.side], outline=self.fill("grey"))
        t, gap = self.tick, round(3 * s)
        fh = self.small.getbbox("0")[3]
        bottom = self.top + self.side
        for v in self.xt:
            px = round(self.xy(v, self.y0)[0])
            d.line([(px, bottom), (px, bottom + t)], fill=self.fill("grey"), width=1)
            label = self._text(self.small, tick_label(v, self.xt))
            d.text((px - d.textlength(label, font=self.small) / 2, bottom + t + gap), label, fill=self.fill("text"),
                   font=self.small)  # fmt: skip
        for v in self.yt:
            py = round(self.xy(self.x0, v)[1])
            d.line([(self.left - t, py), (self.left, py)], fill=self.fill("grey"), width=1)
            label = self._text(self.small, tick_label(v, self.yt))
            d.text((self.left - t - gap - d.textlength(label, font=self.small), py - fh / 2 - 1), label,
                   fill=self.fill("text"), font=self.small)  # fmt: skip
        xname, yname = getattr(self.surface, "axis_titles", ("x = w₀", "y = w₁"))  # a network's plane: a, b
        xtitle = self._text(self.font, xname)
        d.text((self.left + self.side / 2 - d.textlength(xtitle, font=self.font) / 2, bottom + t + gap + fh + gap * 2),
               xtitle, fill=self.fill("text"), font=self.font)  # fmt: skip
        ylab_w = max(d.textlength(self._text(self.small, tick_label(v, self.yt)), font=self.small) for v in self.yt)
        axis_h = self.font.getbbox("Ay")[3]
        ycx = self.left - t - gap - ylab_w - round(6 * s) - axis_h / 2
        self._rotated_text(self.base, self._text(self.font, yname), self.font, ycx, self.top + self.side / 2)
        if self.bar_title:
            self._draw_bar_labels(d)
        self._draw_legend(d)

    def _draw_legend(self, d: ImageDraw.ImageDraw) -> None:
        s = self.scale
        bx0, by0, bx1, by1 = self.legend_box
        x, y = bx0, by0 + round(2 * s)
        gap = round(6 * s)
        for e in self.entries:
            if self.legend_mode != "top":
                text_w = bx1 - x - self.sample - gap
                two = self.legend_mode == "side2"
                self._legend_sample(d, e, x, y + self.line_h / 2)
                d.text((x + self.sample + gap, y), self._fit(d, e.text if two else self._flat(e), self.font, text_w),
                       fill=self.fill("text"), font=self.font)  # fmt: skip
                y += self.line_h
                if two and e.detail:
                    d.text((x + self.sample + gap, y), self._fit(d, e.detail, self.small, text_w),
                           fill=self.fill("grey"), font=self.small)  # fmt: skip
                    y += self.small_h
                y += round(4 * s) if two else round(2 * s)
                if y > by1:
                    break
            else:
                label = self._text(self.font, self._flat(e))
                fw = self.sample + gap + d.textlength(label, font=self.font)
                if x > bx0 and x + fw > bx1:
                    x, y = bx0, y + self.line_h + round(3 * s)
                label = self._fit(d, label, self.font, bx1 - x - self.sample - gap)
                self._legend_sample(d, e, x, y + self.line_h / 2)
                d.text((x + self.sample + gap, y), label, fill=self.fill("text"), font=self.font)
                x += self.sample + gap + d.textlength(label, font=self.font) + round(14 * s)

    def _legend_sample(self, d: ImageDraw.ImageDraw, e: _Entry, x: float, cy: float) -> None:
        s = self.scale
        if e.dash is not None:
            pts = np.array([[x, cy], [x + self.sample, cy]])
            self._polyline(d, pts, self.fill(e.color), e.dash, self.lw if e.color != "gold" else max(3, round(4 * s)))
        if e.symbol is not None:
            self._marker(d, e.symbol, x + self.sample / 2, cy, 5 * s, e.color)

    def _step_text(self, k: int) -> str:
        return step_label(k, self.steps)

    def _last(self, i: int, k: int) -> tuple[int, int]:
        """(last step drawn, its trail vertex) of run i at step k: k, or the last finite point."""
        last = min(k, self._last_ok[i])
        return last, int(np.searchsorted(self._trail_idx, last, side="right")) - 1

    def _finish(self, masks: list[Image.Image], k: int) -> Image.Image:
        """The frame at step k from the runs' trail masks: trails in run order, heads, the step counter."""
        im = self.base.copy()
        area = im.crop(self.plot)
        size = (0, 0, *area.size)
        for ln, mask in zip(self.lines, masks, strict=True):
            area.paste(self.fill(ln.color), size, mask)
        d = ImageDraw.Draw(area)
        s = self.scale
        hr = 5.5 * s
        box = self._reach
        for i, ln in enumerate(self.lines):
            last, _ = self._last(i, k)
            hx, hy = self._pix[i][last]
            if not (box[0] <= hx <= box[2] and box[1] <= hy <= box[3]):
                continue
            if ln.traj.diverged_step is not None and k >= ln.traj.diverged_step:  # a burst, as on the page
                self._marker(d, "asterisk", hx, hy, 1.3 * hr, ln.color)
            else:
                self._marker(d, ln.symbol, hx, hy, hr, ln.color)
        self._minima_outline(d)
        im.paste(area, self.plot[:2])
        d = ImageDraw.Draw(im)
        text = self._step_text(k)
        tw = d.textlength(text, font=self.big)
        d.text((self.w - tw - round(10 * s), round(5 * s)), text, fill=self.fill("text"), font=self.big)
        return im

    def _mask(self) -> Image.Image:
        return Image.new("L", (self.plot[2] - self.plot[0], self.plot[3] - self.plot[1]), 0)

    def frame(self, k: int) -> Image.Image:
        """The picture at step ``k``: θ₀…θₖ of every run (θₖ after k updates), heads at θₖ, "step k of N".

        Trails are drawn into one mask per run and laid on the map in run order, so that
        ``frames`` (which extends the masks) gives the same pixels.
        """
        k = int(min(max(k, 0), self.steps))
        masks = []
        for i in range(len(self.lines)):
            mask = self._mask()
            last, j = self._last(i, k)
            self._stroke(ImageDraw.Draw(mask), i, 0, j, last)
            masks.append(mask)
        return self._finish(masks, k)

    def frames(self, ks) -> Iterator[Image.Image]:
        """``frame(k)`` for each of the increasing steps ``ks``, faster: each trail is extended, not redrawn."""
        masks = [self._mask() for _ in self.lines]  # each run's trail up to its last trail vertex so far
        done = [0] * len(self.lines)
        for k in ks:
            k = int(min(max(k, 0), self.steps))
            shown = []
            for i, mask in enumerate(masks):
                last, j = self._last(i, k)
                if j > done[i]:
                    self._stroke(ImageDraw.Draw(mask), i, done[i], j)
                    done[i] = j
                if self._trail_idx[j] != last:  # between trail vertices: the last piece on a copy
                    mask = mask.copy()
                    self._stroke(ImageDraw.Draw(mask), i, j, j, last)
                shown.append(mask)
            yield self._finish(shown, k)


def view_marks(result: Result, view: View, step: int | None = None) -> list:
    """The view's "see why" overlays (``viz.why``), with the local quadratic at ``step`` if given."""
    if not view.why:
        return []
    from viz import why

    seen = why.for_view(view, result)
    return why.view_marks(seen, result.surface, result.lines, step, result.surface.bounds)


def renderer(result: Result, view: View, width: int, height: int, mode: str = "RGB", step: int | None = None
             ) -> Renderer:  # fmt: skip
    """A renderer for a computed view (its surface and window, runs, start and length, and its
    overlays; the local quadratic only for a single frame at ``step``)."""
    start = (float(view.start[0]), float(view.start[1]))
    return Renderer(result.surface, result.lines, start, view.steps, width, height, mode,
                    marks=view_marks(result, view, step))  # fmt: skip


def frames(result: Result, view: View, width: int, height: int, n_frames: int, mode: str = "RGB",
           progress: Progress = None) -> Iterator[Image.Image]:  # fmt: skip
    """The animation's frames: ``n_frames`` steps spread evenly, the first and last step always kept."""
    r = renderer(result, view, width, height, mode)
    ks = frame_steps(view.steps, n_frames)
    for i, im in enumerate(r.frames(ks)):
        yield im
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
    """One frame as PNG: step ``step`` (default: the last, N), drawing θ₀…θₖ and titled "step k of N"."""
    check_options(width, height, 1, 2)
    k = view.steps if step is None else int(np.clip(step, 0, view.steps))
    im = renderer(result, view, width, height, step=k).frame(k)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def html_bytes(result: Result, view: View, fps: float = 12, n_frames: int = 120, height: int = 700) -> bytes:
    """A self-contained HTML page: the app's animated map with plotly.js embedded (opens offline)."""
    import plotly.io as pio

    check_options(640, 480, fps, n_frames)
    from viz.why import mark_traces

    marks = mark_traces(view_marks(result, view, view.step))
    fig = trajectory_figure(result.surface, result.lines, view.start, shown_step=0, frame_ms=round(1000 / fps),
                            click_grid=2, height=height, max_frames=n_frames, overlays=marks)  # fmt: skip
    layout = fig["layout"]
    # The title has the top margin to itself and the legend stands right of the map, top-aligned
    # with it: they cannot overlap at any page width (the app's legend sits above the map).
    layout["title"] = {"text": f"f = {surface_title(result.surface)} · {view.steps} steps", "x": 0.01,
                       "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top", "yref": "container",
                       "pad": {"t": 14, "l": 6}, "font": {"size": 18}}  # fmt: skip
    layout["legend"] = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
    layout["margin"] = {**layout.get("margin", {}), "t": 64, "r": 10}
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True, auto_play=False, validate=False,
                       config=HTML_CONFIG)  # fmt: skip
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
        return csv_bytes(result, view)
    if fmt == "parquet":
        return parquet_bytes(result, view)
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
