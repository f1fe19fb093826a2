"""Plotly figures for the playground, built as plain dicts (fast, no Streamlit).

The landscape is drawn once as a PNG in ``layout.images`` — colour bands between contour
levels with the level lines drawn in — because plotly.js drops contour/heatmap traces
while animating with ``redraw=False`` (plotly.js #4491). Every frame lists every trace
(static ones as stubs): a trace missing from a frame breaks clicks after the first play.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image

import landscapes
import optimizers

# Twelve run colours, any two at least 20 apart in CIEDE2000 and at least 15 from every colour
# of the map (chosen by ``python -m tools.make_palette``; tests/test_palette.py checks both).
PALETTE = (
    "#cc0099", "#00cc00", "#333300", "#ff6600", "#003366", "#990000",
    "#cc9900", "#cc9999", "#660033", "#6600ff", "#006633", "#ff66ff",
)  # fmt: skip
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# Head markers, one per run: a run reads by its marker too, without colour.
SYMBOLS = (
    "circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon",
    "hexagon", "cross", "triangle-left", "triangle-right", "hourglass", "bowtie",
)  # fmt: skip
# plotly.js config for every chart: no "send to cloud" / Chart Studio button, no logo link.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio"],
}
ARTICLE_LEVELS = np.array([k / 4 for k in range(-8, 24)] + [6.25, 6.5, 6.75, 7] + list(range(8, 20)), dtype=float)
# Viridis anchors, lightened towards white so coloured trails stay readable on top.
_VIRIDIS = np.array(
    [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
     [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]],
    dtype=float,
)  # fmt: skip
MAP_WHITE = 0.45  # the map's colours are mixed this much with white
MAX_FRAMES = 100
MAX_TRAIL = 200  # trail points per run in the last frame (frames carry cumulative trails)
DIGITS = 5  # coordinates rounded to 1e-5: far below a pixel, and short JSON


class PlotlyDict(go.Figure):
    """A finished figure dict that Streamlit can take without rebuilding it as plotly objects.

    ``st.plotly_chart`` validates a plain dict by constructing ``go.Figure`` from it, which
    costs ~1.5 s for an animation with thousands of frame traces; given a ``BaseFigure``
    it only calls ``to_dict()``. The dicts built here are well-formed by construction
    (tests load them into ``go.Figure`` with validation).
    """

    def __init__(self, fig: dict):  # no super().__init__: that is the slow part
        self._fig_dict = fig

    def to_dict(self) -> dict:
        return self._fig_dict


@dataclass(frozen=True)
class RunStyle:
    """How run number i is drawn everywhere: colour, line dash and head marker."""

    color: str
    dash: str
    symbol: str


def run_style(i: int) -> RunStyle:
    """The style of the i-th run of a view (0-based): colours and markers unique up to 12 runs."""
    return RunStyle(PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)], SYMBOLS[i % len(SYMBOLS)])


def run_color(key: str) -> str:
    """A colour fixed per optimizer (for pages that show one run per optimizer): its registry
    order in the palette. Pages that draw several runs should use ``run_style(i)``."""
    name = key.partition("#")[0]
    return PALETTE[optimizers.names().index(name) % len(PALETTE)]


@dataclass
class Line:
    """One run to draw: its label, style and trajectory.

    ``legend`` is the label with the run's key hyperparameters ("Adam · lr=0.25"); it
    defaults to ``label``.
    """

    key: str
    label: str
    color: str
    traj: optimizers.Trajectory
    dash: str = "solid"
    symbol: str = "circle"
    legend: str = ""

    def __post_init__(self) -> None:
        self.legend = self.legend or self.label


def contour_levels(surface: landscapes.Surface, z: np.ndarray) -> np.ndarray:
    """The article's levels for its surfaces; elsewhere ~28 levels at quantiles of z."""
    finite = z[np.isfinite(z)]
    if surface.article or finite.size == 0:
        return ARTICLE_LEVELS
    q = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, 30)[1:-1]))
    return q


@functools.lru_cache(maxsize=64)
def landscape_rgba(surface: landscapes.Surface, bounds=None, n: int = 360) -> tuple[np.ndarray, np.ndarray]:
    """The surface as an (n, n, 4) uint8 image, row 0 at the top (bands + level lines; NaN/inf
    transparent), and its contour levels. Shared by the map and the exported animations."""
    _, _, z = surface.grid(n, bounds)
    levels = contour_levels(surface, z)
    band = np.digitize(np.where(np.isfinite(z), z, np.nan), levels)
    t = band / max(len(levels), 1)
    idx = np.clip(t * (len(_VIRIDIS) - 1), 0, len(_VIRIDIS) - 1)
    lo = np.floor(idx).astype(int)
    hi = np.minimum(lo + 1, len(_VIRIDIS) - 1)
    frac = (idx - lo)[..., None]
    rgb = _VIRIDIS[lo] * (1 - frac) + _VIRIDIS[hi] * frac
    rgb = rgb * (1 - MAP_WHITE) + 255 * MAP_WHITE
    edge = np.zeros(band.shape, dtype=bool)
    edge[:-1, :] |= band[:-1, :] != band[1:, :]
    edge[:, :-1] |= band[:, :-1] != band[:, 1:]
    rgb[edge] *= 0.62
    alpha = np.where(np.isfinite(z), 255, 0)[..., None]
    img = np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)[::-1]  # row 0 = top = ymax
    img.flags.writeable = False
    return img, levels


@functools.lru_cache(maxsize=64)
def landscape_png(surface: landscapes.Surface, bounds=None, n: int = 360) -> tuple[str, np.ndarray]:
    """The surface as a data-URI PNG (see ``landscape_rgba``), and its levels."""
    img, levels = landscape_rgba(surface, bounds, n)
    buf = io.BytesIO()
    Image.fromarray(img, "RGBA").save(buf, format="PNG", optimize=False, compress_level=3)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), levels


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Steps shown as frames: evenly spread, always including 0 and the last step."""
    return np.unique(np.round(np.linspace(0, steps, min(steps + 1, max_frames))).astype(int))


def _trail_index(steps: int) -> np.ndarray:
    return np.unique(np.round(np.linspace(0, steps, min(steps + 1, MAX_TRAIL))).astype(int))


def _last_finite(traj: optimizers.Trajectory, k: int) -> int:
    if traj.diverged_step is not None and k >= traj.diverged_step:
        return max(traj.diverged_step - 1, 0)
    return k


def _arr(a: np.ndarray) -> np.ndarray:
    """Rounded float array (NaN and inf become NaN, serialised as null)."""
    a = np.asarray(a, dtype=float)
    return np.round(np.where(np.isfinite(a), a, np.nan), DIGITS)


def _run_traces(line: Line, k: int, trail_idx: np.ndarray) -> tuple[dict, dict]:
    """Trail up to step k and the head marker at step k (diverged: an × at the last finite point)."""
    tr = line.traj
    kk = _last_finite(tr, k)
    idx = trail_idx[trail_idx <= kk]
    if idx.size == 0 or idx[-1] != kk:
        idx = np.append(idx, kk)
    path = tr.path[idx]
    trail = {"x": _arr(path[:, 0]), "y": _arr(path[:, 1])}
    diverged = tr.diverged_step is not None and k >= tr.diverged_step
    hx, hy = tr.path[kk]
    head = {
        "x": [float(hx)],
        "y": [float(hy)],
        "marker": {
            "symbol": "x" if diverged else line.symbol,
            "size": 14 if diverged else 11,
            "color": line.color,
            "line": {"color": "white" if not diverged else line.color, "width": 1.5},
        },
        "text": [f"{line.label}: diverged at step {tr.diverged_step}" if diverged else f"{line.label}: step {k}"],
    }
    return trail, head


def trajectory_figure(
    surface: landscapes.Surface,
    lines: list[Line],
    start: tuple[float, float],
    shown_step: int | None = None,
    bounds=None,
    frame_ms: int = 120,
    arrows: list[dict] | None = None,
    click_grid: int = 40,
    height: int = 620,
    max_frames: int = MAX_FRAMES,
) -> dict:
    """The animated contour map: trails, heads, minima, start, a step slider and play/pause.

    ``shown_step`` is the step drawn before playing (the inspector's step). The invisible
    ``click_grid``×``click_grid`` scatter makes a click anywhere on the map select the
    nearest grid point (``st.plotly_chart`` reports clicks on points only). With
    ``click_grid=0`` trace 0 is an empty stub: for a chart that reports clicks by position
    (``ui.plotly_basic``), which also skips drawing 1,600 invisible points.
    """
    (x0, x1), (y0, y1) = bounds or surface.bounds
    png, _ = landscape_png(surface, ((float(x0), float(x1)), (float(y0), float(y1))))
    steps = lines[0].traj.steps if lines else 0
    fsteps = frame_steps(steps, max_frames)
    trail_idx = _trail_index(steps)
    k0 = steps if shown_step is None else int(np.clip(shown_step, 0, steps))

    gx, gy = np.meshgrid(np.linspace(x0, x1, click_grid), np.linspace(y0, y1, click_grid))
    traces: list[dict] = [
        {
            "type": "scatter", "mode": "markers", "x": gx.ravel().round(4).tolist(), "y": gy.ravel().round(4).tolist(),
            "marker": {"size": 6, "opacity": 0.0}, "hoverinfo": "none", "showlegend": False, "name": "click",
        },
        {
            "type": "scatter", "mode": "markers", "name": "known minima",
            "x": [m[0] for m in surface.minima], "y": [m[1] for m in surface.minima],
            "marker": {"symbol": "star", "size": 13, "color": "gold", "line": {"color": "black", "width": 1}},
            "text": [("global" if i < surface.n_global else "local") + f" minimum, f = {v:.4g}"
                     for i, v in enumerate(surface.minima_values)],
            "hoverinfo": "text",
        },
        {
            "type": "scatter", "mode": "markers", "name": "start", "x": [start[0]], "y": [start[1]],
            "marker": {"symbol": "diamond", "size": 11, "color": "white", "line": {"color": "black", "width": 1.5}},
            "hoverinfo": "name",
        },
    ]  # fmt: skip
    n_static = len(traces)
    for line in lines:
        trail, head = _run_traces(line, k0, trail_idx)
        traces.append(
            {"type": "scatter", "mode": "lines", "name": line.legend, "legendgroup": line.key,
             "line": {"color": line.color, "width": 2.5, "dash": line.dash}, "hoverinfo": "skip", **trail}
        )  # fmt: skip
        traces.append(
            {"type": "scatter", "mode": "markers", "name": line.label, "legendgroup": line.key,
             "showlegend": False, "hoverinfo": "text", **head}
        )  # fmt: skip

    frames = []
    for k in fsteps:
        data: list[dict] = [{"type": "scatter"} for _ in range(n_static)]
        for line in lines:
            trail, head = _run_traces(line, int(k), trail_idx)
            data += [{"type": "scatter", **trail}, {"type": "scatter", **head}]
        frames.append({"name": str(int(k)), "data": data, "traces": list(range(len(traces)))})

    anim = {"mode": "immediate", "transition": {"duration": 0}}
    slider = {
        "active": int(np.searchsorted(fsteps, k0)),
        "currentvalue": {"prefix": "step ", "font": {"size": 13}, "xanchor": "right"},
        "pad": {"t": 50, "b": 5},
        "len": 0.8, "x": 0.2, "y": 0, "yanchor": "top",
        "steps": [
            {"label": str(int(k)), "method": "animate",
             "args": [[str(int(k))], {**anim, "frame": {"duration": 0, "redraw": False}}]}
            for k in fsteps
        ],
    }  # fmt: skip
    buttons = {
        "type": "buttons", "direction": "left", "x": 0.0, "y": 0, "xanchor": "left", "yanchor": "top",
        "pad": {"t": 62, "r": 8}, "showactive": False,
        "buttons": [
            {"label": "▶ Play", "method": "animate",
             "args": [None, {**anim, "fromcurrent": True, "frame": {"duration": frame_ms, "redraw": False}}]},
            {"label": "❚❚ Pause", "method": "animate",
             "args": [[None], {**anim, "frame": {"duration": 0, "redraw": False}}]},
        ],
    }  # fmt: skip
    layout = {
        "images": [{
            "source": png, "xref": "x", "yref": "y", "x": x0, "y": y1, "sizex": x1 - x0, "sizey": y1 - y0,
            "sizing": "stretch", "layer": "below",
        }],
        "xaxis": {"range": [x0, x1], "title": {"text": "x = w₀"}, "showgrid": False, "zeroline": False,
                  "constrain": "domain"},
        "yaxis": {"range": [y0, y1], "title": {"text": "y = w₁"}, "showgrid": False, "zeroline": False,
                  "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        "height": height, "margin": {"l": 50, "r": 10, "t": 30, "b": 30},
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        "hovermode": "closest", "hoverdistance": -1 if click_grid else 20, "clickmode": "event+select",
        "dragmode": False, "plot_bgcolor": "white", "uirevision": surface.name,
        "updatemenus": [buttons], "sliders": [slider] if len(fsteps) > 1 else [],
        "annotations": arrows or [],
    }  # fmt: skip
    return {"data": traces, "layout": layout, "frames": frames}


def inspector_arrows(lines: list[Line], k: int, bounds) -> list[dict]:
    """Arrows at step k for each run: gradient (−g direction), update and momentum.

    Lengths are scaled to the view so that every arrow is visible; the table beside the
    map gives the true values.
    """
    (x0, x1), (y0, y1) = bounds
    span = max(x1 - x0, y1 - y0)
    out = []
    for line in lines:
        tr = line.traj
        if tr.diverged_step is not None and k >= tr.diverged_step:
            continue
        kk = min(k, tr.steps - 1) if tr.steps > 0 else 0
        px, py = tr.path[kk]
        spec = optimizers.spec(tr.optimizer)
        vecs = [("−g", -tr.grad[kk])]
        if tr.steps > 0:
            vecs.append(("Δθ", tr.update[kk]))
        if spec.momentum_state and tr.steps > 0:
            m = tr.state[spec.momentum_state][kk + 1]
            vecs.append(("m", -m))  # every momentum-like state points against the step
        for name, v in vecs:
            n = float(np.hypot(*v))
            if not math.isfinite(n) or n == 0:
                continue
            length = span * (0.06 + 0.06 * min(1.0, math.log10(1 + n)))  # visible, grows slowly with |v|
            tx, ty = px + v[0] / n * length, py + v[1] / n * length
            out.append({
                "x": float(tx), "y": float(ty), "ax": float(px), "ay": float(py),
                "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
                "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 2.2 if name != "−g" else 1.6,
                "arrowcolor": line.color if name != "−g" else "black", "opacity": 0.9,
                "text": name, "font": {"size": 11, "color": line.color}, "standoff": 0,
            })  # fmt: skip
    return out


def series_figure(lines: list[Line], log_loss: bool = True, height: int = 640) -> dict:
    """Loss, step size |Δθ| and gradient norm |g| against the step: three stacked panels
    in one figure (one Plotly instance instead of three: it loads faster)."""
    data = []
    panels = (("loss", "y", log_loss), ("step", "y2", True), ("grad", "y3", True))
    for line in lines:
        tr = line.traj
        idx = _trail_index(tr.steps) if tr.steps > 2 * MAX_TRAIL else np.arange(tr.steps + 1)
        for what, axis, log in panels:
            if what == "loss":
                y = tr.loss
            elif what == "step":
                y = np.hypot(tr.update[:, 0], tr.update[:, 1])
            else:
                y = np.hypot(tr.grad[:, 0], tr.grad[:, 1])
            yy = y[idx]
            if log:
                yy = np.where(yy > 0, yy, np.nan)
            data.append(
                {"type": "scatter", "mode": "lines", "x": idx, "y": _arr(yy), "name": line.label, "yaxis": axis,
                 "xaxis": "x", "line": {"color": line.color, "width": 2, "dash": line.dash}, "showlegend": False,
                 "legendgroup": line.key}
            )  # fmt: skip
    axis = {"showline": True, "zeroline": False}
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 55, "r": 10, "t": 10, "b": 40}, "hovermode": "x unified",
            "xaxis": {"title": {"text": "step"}, "anchor": "y3", **axis},
            "yaxis": {"domain": [0.70, 1.0], "type": "log" if log_loss else "linear",
                      "title": {"text": "loss f(θ)"}, **axis},
            "yaxis2": {"domain": [0.36, 0.64], "type": "log", "title": {"text": "step |Δθ|"}, **axis},
            "yaxis3": {"domain": [0.0, 0.30], "type": "log", "title": {"text": "gradient |g|"}, **axis},
        },
    }  # fmt: skip


def surface3d_figure(surface: landscapes.Surface, lines: list[Line], bounds=None, n: int = 120) -> dict:
    """The surface in 3-D with each trajectory lifted onto it (static: plotly resets the camera per frame)."""
    xs, ys, z = surface.grid(n, bounds)
    finite = z[np.isfinite(z)]
    zmax = float(np.quantile(finite, 0.98)) if finite.size else 1.0
    zc = np.where(np.isfinite(z), np.minimum(z, zmax), np.nan)
    data: list[dict] = [
        {"type": "surface", "x": xs.tolist(), "y": ys.tolist(), "z": _arr(zc),
         "colorscale": "Viridis", "opacity": 0.85, "showscale": False, "name": surface.name}
    ]  # fmt: skip
    for line in lines:
        tr = line.traj
        idx = _trail_index(tr.steps)
        p, f = tr.path[idx], np.minimum(tr.loss[idx], zmax)
        data.append(
            {"type": "scatter3d", "mode": "lines+markers", "x": _arr(p[:, 0]), "y": _arr(p[:, 1]),
             "z": _arr(f), "name": line.label, "line": {"color": line.color, "width": 6},
             "marker": {"size": 2, "color": line.color}}
        )  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": 620, "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
            "scene": {"xaxis": {"title": {"text": "x"}}, "yaxis": {"title": {"text": "y"}},
                      "zaxis": {"title": {"text": "f"}}, "aspectmode": "manual",
                      "aspectratio": {"x": 1, "y": 1, "z": 0.6}},
            "uirevision": surface.name,
        },
    }  # fmt: skip


def classify_point(surface: landscapes.Surface, x: float, y: float, gtol: float = 1e-3, ctol: float = 1e-4) -> str:
    """What a point is by its gradient and Hessian: minimum, saddle, maximum, flat, or not stationary.

    Stationary means |g| ≤ ``gtol``; a curvature (Hessian eigenvalue) of magnitude below
    ``ctol`` counts as flat, so a plateau is not called a saddle.
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        return "—"
    gx, gy = surface.gradient(x, y)
    if math.hypot(gx, gy) > gtol:
        return "not stationary"
    hxx, hxy, hyy = surface.hessian(x, y)
    mid, rad = (hxx + hyy) / 2, math.hypot((hxx - hyy) / 2, hxy)
    lo, hi = mid - rad, mid + rad
    eps = ctol
    if lo > eps:
        return "minimum"
    if hi < -eps:
        return "maximum"
    if lo < -eps < eps < hi:
        return "saddle"
    return "flat (degenerate)"
