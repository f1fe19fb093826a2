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
import itertools
import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image

import landscapes
import optimizers

# Twelve run colours, any two at least 20 apart in CIEDE2000, at least 15 from every colour of the
# map, none darker than CIELAB L* 32 (near-black dashes vanish on the map's dark bands); the first
# six (the article's five methods and one more) with different colour names, so that a projector
# keeps them apart; chosen by ``python -m tools.make_palette``, checked by tests/test_palette.py.
PALETTE = (
    "#ff6600", "#00cc00", "#0000ff", "#ff66cc", "#993333", "#cc9900",
    "#006633", "#cc9999", "#9966ff", "#996633", "#993399", "#666600",
)  # fmt: skip
DASHES = ("solid", "dash", "dashdot", "longdash", "dot", "longdashdot")  # thin dots last: hardest to see
# Head markers, one per run: a run reads by its marker too, without colour (never the start's diamond).
SYMBOLS = (
    "circle", "square", "octagon", "triangle-up", "triangle-down", "pentagon",
    "hexagon", "cross", "triangle-left", "triangle-right", "hourglass", "bowtie",
)  # fmt: skip
# A run that diverged (or left the domain of f) ends in a burst at its last finite point: never the
# critical points' saddle ×, and named in the legend ("see why" draws saddles as ×).
DIVERGED_SYMBOL = "asterisk-open"
DIVERGED_NAME = "diverged: its last finite point"
# plotly.js config for every chart: no "send to cloud" / Chart Studio button, no logo link, and no
# mode bar at all (its icons sat over legends and titles on phones; every figure's data downloads as CSV).
PLOTLY_CONFIG = {
    "displayModeBar": False,
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
MAX_FRAMES = 200
MAX_TRAIL = 110  # trail points per run in the last frame (frames carry cumulative trails)
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


# Each optimizer's own style slot, so that it keeps its colour, dash and marker from view to view (a
# class told "follow the dark-red line" for Adam can still do so after switching presets): the
# article's five methods in its order first, then the ones most often compared with them.
HOME_SLOTS = {"nesterov": 0, "rmsprop": 1, "adadelta": 2, "adagrad": 3, "adam": 4, "sgd": 5, "momentum": 6,
              "adamw": 7, "lbfgs": 8, "nadam": 9, "lion": 10, "cmaes": 11}  # fmt: skip


def style_slots(optimizers_in_view: list[str]) -> list[int]:
    """The style slot of each run of a view, given its optimizers in order (keys like "nesterov#2"
    count as their optimizer): an optimizer's first run takes its home slot (``HOME_SLOTS``) when
    free; copies and the rest take the lowest free slot, so a view's runs never share one (up to 12)."""
    names = [k.partition("#")[0] for k in optimizers_in_view]
    out: list[int | None] = [None] * len(names)
    taken: set[int] = set()
    for i, n in enumerate(names):
        home = HOME_SLOTS.get(n)
        if home is not None and home not in taken and n not in names[:i]:
            out[i] = home
            taken.add(home)
    for i in range(len(names)):
        if out[i] is None:
            free = [k for k in range(len(PALETTE)) if k not in taken]
            out[i] = free[0] if free else i % len(PALETTE)
            taken.add(out[i])
    return [int(k) for k in out]


def run_styles(optimizers_in_view: list[str]) -> list[RunStyle]:
    """``run_style`` of each run's slot (``style_slots``): what every page that draws runs uses. Up
    to six runs also differ in dash: a run whose slot's dash is taken (slots 0 and 6 share one)
    takes the first free dash, keeping its colour and marker."""
    styles = [run_style(k) for k in style_slots(optimizers_in_view)]
    used: set[str] = set()
    for i, st in enumerate(styles):
        if st.dash in used and len(used) < len(DASHES):
            styles[i] = RunStyle(st.color, next(d for d in DASHES if d not in used), st.symbol)
        used.add(styles[i].dash)
    return styles


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


def band_rgb(band: np.ndarray, n_levels: int) -> np.ndarray:
    """The map's colour (RGB floats) of band ``band`` (0 … ``n_levels``: below the first level …
    above the last): lightened viridis, as the landscape image and its colour bar draw it."""
    t = np.asarray(band) / max(n_levels, 1)
    idx = np.clip(t * (len(_VIRIDIS) - 1), 0, len(_VIRIDIS) - 1)
    lo = np.floor(idx).astype(int)
    hi = np.minimum(lo + 1, len(_VIRIDIS) - 1)
    frac = (idx - lo)[..., None]
    rgb = _VIRIDIS[lo] * (1 - frac) + _VIRIDIS[hi] * frac
    return rgb * (1 - MAP_WHITE) + 255 * MAP_WHITE


@functools.lru_cache(maxsize=64)
def landscape_rgba(surface: landscapes.Surface, bounds=None, n: int = 360) -> tuple[np.ndarray, np.ndarray]:
    """The surface as an (n, n, 4) uint8 image, row 0 at the top (bands + level lines; NaN/inf
    transparent), and its contour levels. Shared by the map and the exported animations."""
    _, _, z = surface.grid(n, bounds)
    levels = contour_levels(surface, z)
    band = np.digitize(np.where(np.isfinite(z), z, np.nan), levels)
    rgb = band_rgb(band, len(levels))
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
    """Steps shown as frames: every step up to ``max_frames``, else evenly spread, always
    including 0 and the last step. Frame k shows θₖ, the point after k updates."""
    return np.unique(np.round(np.linspace(0, steps, min(steps + 1, max_frames))).astype(int))


def _trail_index(steps: int) -> np.ndarray:
    return np.unique(np.round(np.linspace(0, steps, min(steps + 1, MAX_TRAIL))).astype(int))


def path_index(path: np.ndarray, n: int = MAX_TRAIL) -> np.ndarray:
    """At most ~``n`` steps of a path to draw: all of them when they fit, else half evenly spread
    and half where the path turns or jumps most (the distance of θₖ from the midpoint of its
    neighbours), so that a sudden jump is never thinned away."""
    steps = len(path) - 1
    if steps + 1 <= n:
        return np.arange(steps + 1)
    even = _trail_index(steps)[::2]
    with np.errstate(invalid="ignore"):
        kink = np.hypot(*(path[1:-1] - (path[:-2] + path[2:]) / 2).T)
    kink = np.where(np.isfinite(kink), kink, -1.0)
    top = np.argsort(kink, kind="stable")[::-1][: n - len(even)] + 1
    return np.union1d(np.union1d(even, top), [0, steps])


def envelope_index(y: np.ndarray, n: int = 2 * MAX_TRAIL) -> np.ndarray:
    """At most ~``n`` indices of a series that keep its shape: in each of n/2 buckets the lowest
    and the highest value, so spikes and oscillations survive the thinning."""
    m = len(y)
    if m <= n:
        return np.arange(m)
    edges = np.linspace(0, m, n // 2 + 1).astype(int)
    yy = np.where(np.isfinite(y), y, np.nan)
    out = [0, m - 1]
    for a, b in itertools.pairwise(edges):
        seg = yy[a:b]
        if seg.size and np.any(np.isfinite(seg)):
            out += [a + int(np.nanargmin(seg)), a + int(np.nanargmax(seg))]
    return np.unique(out)


def _last_finite(traj: optimizers.Trajectory, k: int) -> int:
    if traj.diverged_step is not None and k >= traj.diverged_step:
        return max(traj.diverged_step - 1, 0)
    return k


def _sig(a: np.ndarray, digits: int = 6) -> np.ndarray:
    """Values rounded to ``digits`` significant digits (tiny losses keep their size); NaN for non-finite."""
    a = np.asarray(a, dtype=float)
    ok = np.isfinite(a) & (a != 0)
    mag = np.where(ok, np.floor(np.log10(np.abs(np.where(ok, a, 1.0)))), 0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.where(np.isfinite(a), np.where(ok, np.round(a * scale) / scale, a), np.nan)


def _arr(a: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    """Rounded float array (NaN and inf become NaN, serialised as null)."""
    a = np.asarray(a, dtype=float)
    return np.round(np.where(np.isfinite(a), a, np.nan), digits)


def _map_digits(bounds) -> int:
    """Decimals that keep map coordinates within ~1/10 pixel of a 1,000-px map of this window
    (3 for a window 6 wide): shorter frames, nothing visible lost."""
    (x0, x1), (y0, y1) = bounds
    return int(np.clip(math.ceil(-math.log10(max(x1 - x0, y1 - y0) / 10_000)), 2, 12))


def frame_ms_for(n_frames: int, speed: str = "normal") -> int:
    """Milliseconds per frame: a whole run plays in about 6 s at normal speed (12 s slow, 3 s
    fast), whatever its length, within 25–400 ms per frame."""
    total = {"slow": 12000, "normal": 6000, "fast": 3000}[speed]
    return int(np.clip(total / max(n_frames - 1, 1), 25, 400))


def best_so_far(traj: optimizers.Trajectory) -> np.ndarray:
    """Index of the lowest loss among steps 0…k, for every k (NaN losses never win)."""
    f = np.where(np.isfinite(traj.loss), traj.loss, np.inf)
    running = np.minimum.accumulate(f)
    new_best = np.r_[True, running[1:] < running[:-1]]
    idx = np.where(new_best, np.arange(f.size), 0)
    return np.maximum.accumulate(idx)


def _best_trace(line: Line, k: int, best: np.ndarray, digits: int = DIGITS) -> dict:
    tr = line.traj
    b = int(best[min(_last_finite(tr, k), tr.steps)])
    bx, by = tr.path[b]
    return {
        "x": [round(float(bx), digits)], "y": [round(float(by), digits)],
        "text": [f"{line.label}: best so far f = {tr.loss[b]:.4g} at step {b}"],
    }  # fmt: skip


def _run_traces(
    line: Line, k: int, trail_idx: np.ndarray, digits: int = DIGITS, rounded: np.ndarray | None = None
) -> tuple[dict, dict]:
    """Trail up to step k and the head marker at step k (diverged: a burst, ``DIVERGED_SYMBOL``, at
    the last finite point).
    ``rounded``: the whole path already through ``_arr`` (the same values, rounded once for all frames)."""
    tr = line.traj
    kk = _last_finite(tr, k)
    idx = trail_idx[trail_idx <= kk]
    if idx.size == 0 or idx[-1] != kk:
        idx = np.append(idx, kk)
    if rounded is None:
        path = tr.path[idx]
        trail = {"x": _arr(path[:, 0], digits), "y": _arr(path[:, 1], digits)}
    else:
        trail = {"x": rounded[idx, 0], "y": rounded[idx, 1]}
    diverged = tr.diverged_step is not None and k >= tr.diverged_step
    hx, hy = tr.path[kk]
    head = {
        "x": [round(float(hx), digits)],
        "y": [round(float(hy), digits)],
        "marker": {
            "symbol": DIVERGED_SYMBOL if diverged else line.symbol,
            "size": 24 if diverged else 11,  # its spokes reach past the best-so-far ring
            "color": line.color,
            "line": {"color": "white" if not diverged else line.color, "width": 2.5 if diverged else 1.5},
        },
        "text": [f"{line.label}: stopped at step {tr.diverged_step} (diverged or f not finite)" if diverged
                 else f"{line.label}: step {k}, f = {tr.loss[kk]:.4g}"],
    }  # fmt: skip
    return trail, head


def _cloud(line: Line, k: int, digits: int = DIGITS) -> dict:
    """The points a gradient-free run tried in step k (the step that led to θₖ)."""
    pop = line.traj.population[min(k, line.traj.steps)]
    pop = pop[np.isfinite(pop).all(axis=1)]
    return {"x": _arr(pop[:, 0], digits).tolist(), "y": _arr(pop[:, 1], digits).tolist()}


def _in_window(points, bounds) -> list[int]:
    (x0, x1), (y0, y1) = bounds
    return [i for i, (x, y) in enumerate(points) if x0 <= x <= x1 and y0 <= y <= y1]


def trajectory_figure(
    surface: landscapes.Surface,
    lines: list[Line],
    start: tuple[float, float],
    shown_step: int | None = None,
    bounds=None,
    frame_ms: int | None = None,
    arrows: list[dict] | None = None,
    click_grid: int = 40,
    height: int = 700,
    max_frames: int = MAX_FRAMES,
    rings: bool = True,
    overlays: list[dict] | None = None,
    unit: str = "step",
) -> dict:
    """The animated contour map: trails, heads, best-so-far points, minima, start, a step
    slider and play/pause/step buttons.

    Frame k shows θ₀…θₖ (θₖ is the point after k updates); ``shown_step`` is the step drawn
    before playing. Minima inside the view are stars; a curve of minima is a gold line.
    ``frame_ms`` defaults to ``frame_ms_for`` (a run plays in ~6 s). The invisible
    ``click_grid``×``click_grid`` scatter makes a click anywhere select the nearest grid point
    (``st.plotly_chart`` reports clicks on points only); ``click_grid=0`` leaves trace 0 an
    empty stub, for a chart that reports clicks by position (``ui.plotly_basic``). ``rings=False``
    hides the best-so-far rings (the lessons: one marker per run, the run's current point).
    ``overlays`` are static traces drawn under the start and the runs (``viz.why.mark_traces``).
    """
    (x0, x1), (y0, y1) = bounds or surface.bounds
    view = ((float(x0), float(x1)), (float(y0), float(y1)))
    png, _ = landscape_png(surface, view)
    steps = lines[0].traj.steps if lines else 0
    k0 = steps if shown_step is None else int(np.clip(shown_step, 0, steps))
    fsteps = np.union1d(frame_steps(steps, max_frames), [k0])  # the inspected step is a frame: same k everywhere
    frame_ms = frame_ms_for(len(fsteps)) if frame_ms is None else frame_ms
    trail_idx = {line.key: path_index(line.traj.path) for line in lines}  # a run's jumps are always drawn
    digits = _map_digits(view)
    inside = _in_window(surface.minima, view)
    if surface.minimum_curves:  # points sampled along curves are drawn as the curves themselves
        inside = [i for i in inside if not any(
            np.min(np.hypot(c[:, 0] - surface.minima[i][0], c[:, 1] - surface.minima[i][1])) < 1e-9
            for c in surface.minimum_curves)]  # fmt: skip
    cx: list = []
    cy: list = []
    for c in surface.minimum_curves:
        cx += [*_arr(c[:, 0]).tolist(), None]
        cy += [*_arr(c[:, 1]).tolist(), None]
    star = 17 if len(inside) <= 40 else 9

    gx, gy = np.meshgrid(np.linspace(x0, x1, click_grid), np.linspace(y0, y1, click_grid))
    n_local = sum(1 for i in inside if i >= surface.n_global)
    minima_name = "minima (gold: global, white: local)" if n_local and n_local < len(inside) else "minima"
    traces: list[dict] = [
        {
            "type": "scatter", "mode": "markers", "x": gx.ravel().round(4).tolist(), "y": gy.ravel().round(4).tolist(),
            "marker": {"size": 6, "opacity": 0.0}, "hoverinfo": "none", "showlegend": False, "name": "click",
        },
        {
            "type": "scatter", "mode": "lines", "name": "line of minima", "x": cx, "y": cy,
            "line": {"color": "gold", "width": 5}, "hoverinfo": "name", "showlegend": bool(cx),
        },
        {
            "type": "scatter", "mode": "markers", "name": minima_name,
            "x": [surface.minima[i][0] for i in inside], "y": [surface.minima[i][1] for i in inside],
            # the global minima gold and larger, local minima white: which star is the goal is visible
            "marker": {"symbol": "star", "size": [star + 4 if i < surface.n_global else star for i in inside],
                       "color": ["gold" if i < surface.n_global else "white" for i in inside],
                       "line": {"color": "black", "width": 1}},
            "text": [("global" if i < surface.n_global else "local") + f" minimum, f = {surface.minima_values[i]:.4g}"
                     for i in inside],
            "hoverinfo": "text", "showlegend": bool(inside),
        },
        *(overlays or []),
        *handoff_traces(lines),
        {
            "type": "scatter", "mode": "markers", "name": "start", "x": [start[0]], "y": [start[1]],
            "marker": {"symbol": "diamond", "size": 11, "color": "white", "line": {"color": "black", "width": 1.5}},
            "hoverinfo": "name",
        },
    ]  # fmt: skip
    n_static = len(traces)
    bests = [best_so_far(line.traj) for line in lines]
    rounded = {line.key: _arr(line.traj.path, digits) for line in lines}  # once, not once per frame
    for line, best in zip(lines, bests, strict=True):
        trail, head = _run_traces(line, k0, trail_idx[line.key], digits)
        traces.append(
            {"type": "scatter", "mode": "lines", "name": line.legend, "legendgroup": line.key,
             "line": {"color": line.color, "width": 3, "dash": line.dash}, "hoverinfo": "skip", **trail}
        )  # fmt: skip
        traces.append(
            {"type": "scatter", "mode": "markers", "name": line.label, "legendgroup": line.key,
             "showlegend": False, "hoverinfo": "text", **head}
        )  # fmt: skip
        traces.append(
            {"type": "scatter", "mode": "markers", "name": f"{line.label} best so far", "legendgroup": line.key,
             "showlegend": False, "hoverinfo": "text", "visible": rings,
             "marker": {"symbol": "circle-open", "size": 16, "color": line.color, "line": {"width": 2.5}},
             **_best_trace(line, k0, best, digits)}
        )  # fmt: skip
        if line.traj.population is not None:  # a gradient-free run: the points it tried in this step
            traces.append(
                {"type": "scatter", "mode": "markers", "name": f"{line.label}: the points tried in this step",
                 "legendgroup": line.key, "showlegend": True, "hoverinfo": "name", "hoverlabel": {"namelength": -1},
                 **_cloud(line, k0, digits),
                 "marker": {"symbol": "circle", "size": 6, "color": line.color, "opacity": 0.7,
                            "line": {"color": "white", "width": 0.5}}}
            )  # fmt: skip

    top = minima_outline(surface, inside, star)  # over the runs: a run that reaches a minimum never hides it
    if any(line.traj.diverged_step is not None for line in lines):  # what the burst means, in the legend
        top.append(
            {"type": "scatter", "mode": "markers", "name": DIVERGED_NAME, "x": [None], "y": [None],
             "hoverinfo": "skip", "marker": {"symbol": DIVERGED_SYMBOL, "size": 14, "color": "#444",
                                             "line": {"color": "#444", "width": 2.5}}}
        )  # fmt: skip
    traces += top
    frames = []
    for k in fsteps:
        data: list[dict] = [{"type": "scatter"} for _ in range(n_static)]
        for line, best in zip(lines, bests, strict=True):
            trail, head = _run_traces(line, int(k), trail_idx[line.key], digits, rounded[line.key])
            data += [{"type": "scatter", **trail}, {"type": "scatter", **head},
                     {"type": "scatter", **_best_trace(line, int(k), best, digits)}]  # fmt: skip
            if line.traj.population is not None:
                data.append({"type": "scatter", **_cloud(line, int(k), digits)})
        data += [{"type": "scatter"} for _ in top]
        frames.append({"name": str(int(k)), "data": data, "traces": list(range(len(traces)))})

    anim = {"mode": "immediate", "transition": {"duration": 0}}
    # The buttons sit on their own row under the x-axis title and the slider on the row below,
    # full width: the slider can never run under the buttons, at any width.
    slider = {
        "active": int(np.searchsorted(fsteps, k0)),
        "currentvalue": {"prefix": f"{unit} ", "font": {"size": 13}, "xanchor": "right"},
        "pad": {"t": 100, "b": 5},
        "len": 1.0, "x": 0.0, "y": 0, "yanchor": "top",
        "steps": [
            {"label": str(int(k)), "method": "animate",
             "args": [[str(int(k))], {**anim, "frame": {"duration": 0, "redraw": False}}]}
            for k in fsteps
        ],
    }  # fmt: skip
    buttons = {
        "type": "buttons", "direction": "left", "x": 0.0, "y": 0, "xanchor": "left", "yanchor": "top",
        "pad": {"t": 58, "r": 8}, "showactive": False,
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
        "height": height, "margin": {"l": 50, "r": 10, "t": 30, "b": 175 if len(fsteps) > 1 else 40},
        "legend": {"orientation": "h", "y": 1.03, "yanchor": "bottom", "x": 0},  # clear of the top tick label
        "hovermode": "closest", "hoverdistance": -1 if click_grid else 20, "clickmode": "event+select",
        "dragmode": False, "plot_bgcolor": "white", "uirevision": surface.name,
        "font": {"color": "#262730"},
        "updatemenus": [buttons] if len(fsteps) > 1 else [], "sliders": [slider] if len(fsteps) > 1 else [],
        "annotations": arrows or [],
    }  # fmt: skip
    return {"data": traces, "layout": layout, "frames": frames}


def minima_outline(surface: landscapes.Surface, inside: list[int], star: float) -> list[dict]:
    """The minima's stars once more, as outlines drawn over the runs (the last trace of the map).

    The filled stars lie under the runs; a run that ends at a minimum covered its star with its end
    marker and best-so-far ring. The outline (gold or white, edged in black, as large as the
    star) stays visible around those markers, and the markers stay visible inside it. Hover and
    clicks go through it to the filled star and the runs."""
    if not inside:
        return []
    size = [star + 4 if i < surface.n_global else star for i in inside]
    ink = ["gold" if i < surface.n_global else "white" for i in inside]
    return [{
        "type": "scatter", "mode": "markers", "name": "minima (outline)", "showlegend": False, "hoverinfo": "skip",
        "x": [surface.minima[i][0] for i in inside] * 2, "y": [surface.minima[i][1] for i in inside] * 2,
        "marker": {"symbol": "star-open", "size": size * 2, "color": ["black"] * len(inside) + ink,
                   "line": {"width": [4.0] * len(inside) + [2.0] * len(inside)}},
    }]  # fmt: skip


def handoffs(line: Line) -> list[tuple[int, str, str]]:
    """(step, "hand-off: Adam → SGD at step 50 (…)", "SGD") for each hand-off of a run (none for a
    plain run)."""
    ph = line.traj.phases
    out = []
    for a, b in itertools.pairwise(ph):
        if b["at"] > line.traj.steps or not np.isfinite(line.traj.path[b["at"]]).all():
            continue  # diverged before it
        first = optimizers.spec(a["optimizer"]).label
        what = optimizers.spec(b["optimizer"]).label if b["optimizer"] != a["optimizer"] else "new settings"
        changed = [f"{k}={v:g}" for k, v in b["hyperparameters"].items()
                   if not isinstance(v, str) and a["hyperparameters"].get(k) != v][:3]  # fmt: skip
        state = {"carry": "state carried", "reset": "state reset"}[b["state"]]
        out.append((b["at"], f"hand-off: {first} → {what} at step {b['at']} ({', '.join([*changed, state])})",
                    optimizers.spec(b["optimizer"]).label))  # fmt: skip
    return out


def handoff_traces(lines: list[Line]) -> list[dict]:
    """A hexagon in the run's colour where each hand-off happens, named on hover."""
    out = []
    for line in lines:
        for at, text, _ in handoffs(line):
            x, y = line.traj.path[at]
            out.append(
                {"type": "scatter", "mode": "markers", "x": [float(x)], "y": [float(y)], "name": "hand-off",
                 "legendgroup": "hand-off", "showlegend": not out, "hoverinfo": "text", "text": [text],
                 "hoverlabel": {"namelength": -1},
                 "marker": {"symbol": "hexagon", "size": 13, "color": line.color,
                            "line": {"color": "white", "width": 2}}}
            )  # fmt: skip
    return out


def inspector_arrows(lines: list[Line], k: int, bounds) -> list[dict]:
    """Arrows at θₖ for each run: −g, and (before the last step) the update to θₖ₊₁ and momentum.

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
        kk = min(k, tr.steps)
        px, py = tr.path[kk]
        spec = optimizers.spec(tr.optimizer)
        vecs = [] if spec.gradient_free else [("−g", -tr.grad[kk])]  # no gradient is used: none is drawn
        if kk < tr.steps:  # the update from θₖ to θₖ₊₁ and the momentum it used
            vecs.append(("Δθ", tr.update[kk]))
            if spec.momentum_state:
                vecs.append(("m", -tr.state[spec.momentum_state][kk + 1]))  # momentum points against the step
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


@dataclass(frozen=True)
class LossAxis:
    """How the loss panel draws f: ``mode`` is "log" (f), "log-gap" (f − f*) or "linear";
    ``note`` says what was changed and why (None when nothing was)."""

    mode: str
    f_star: float
    note: str | None
    title: str


def loss_axis(lines: list[Line], log: bool, f_star: float = math.nan) -> LossAxis:
    """Choose the loss axis so that no value is dropped silently.

    A log axis cannot show f ≤ 0. Then the panel plots the gap f − f* to the lowest known
    minimum f* (a gap of exactly 0 is drawn at the axis floor, and said so), or, when f
    goes below f* (no minimum known, or f unbounded below), switches to a linear axis.
    """
    finite = [ln.traj.loss[np.isfinite(ln.traj.loss)] for ln in lines]
    allf = np.concatenate(finite) if finite else np.zeros(0)
    if not log:
        return LossAxis("linear", f_star, None, "loss f(θ)")
    if allf.size == 0 or allf.min() > 0:
        return LossAxis("log", f_star, None, "loss f(θ)")
    if math.isfinite(f_star) and allf.min() >= f_star - 1e-12 * (1 + abs(f_star)):
        hit = [ln.label for ln, f in zip(lines, finite, strict=True) if f.size and (f - f_star <= 0).any()]
        note = (
            "Some losses are ≤ 0, which a log axis cannot show: the panel plots f − f*, the gap to the "
            f"lowest minimum found (f* = {f_star:.4g})."
        )
        if hit:
            note += f" {', '.join(hit)} reached f* to float precision (gap 0): drawn at the bottom of the axis."
        return LossAxis("log-gap", f_star, note, "f(θ) − f*")
    return LossAxis(
        "linear", f_star,
        "Some losses go below every known minimum (f may be unbounded below), which a log axis cannot show: "
        "the loss is drawn on a linear axis.",
        "loss f(θ)",
    )  # fmt: skip


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _tick_text(t: float) -> str:
    """A round tick value as a label: plain from 10⁻³ to 10⁴ ("0.35", "4.5", "1"), otherwise
    as a power of ten ("10⁻⁵", "2 × 10⁻⁵")."""
    if 1e-3 <= t < 1e4:
        return np.format_float_positional(t, trim="-")  # the shortest repr: ticks are rounded to 12 digits
    mantissa, exponent = f"{t:.11e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa} × {power}"


def _ticks_within(vmin: float, vmax: float) -> list[float]:
    """At least two round values in [vmin, vmax] for a log axis that spans less than two decade
    ticks: 1-2-5 steps, else every digit, else (a range narrower than one digit, 3.5 to 4.8)
    evenly spaced round values."""
    lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
    eps = 1e-9 * vmax
    for mantissas in ((1, 2, 5), range(1, 10)):
        ticks = [float(f"{m * 10.0**e:.12g}") for e in range(lo, hi + 1) for m in mantissas]
        ticks = [t for t in ticks if vmin - eps <= t <= vmax + eps]
        if len(ticks) >= 2:
            return ticks
    half = (vmax - vmin) / 2  # a step at most half the range leaves two to five ticks in it
    base = 10.0 ** math.floor(math.log10(half))
    step = max(m * base for m in (1, 2, 2.5, 5) if m * base <= half * (1 + 1e-9))
    first, last = math.ceil(vmin / step - 1e-9), math.floor(vmax / step + 1e-9)
    return [float(f"{k * step:.12g}") for k in range(first, last + 1)]


def _log_ticks(values: np.ndarray) -> dict:
    """Decade ticks, labelled unambiguously as powers of ten (10⁻³, not "0.001" beside "100µ").
    Values that span fewer than two decade ticks (losses from 3.5 to 4.8 have none) get round
    values in between instead, so the axis is never left without numbers."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return {"type": "log", "exponentformat": "power", "dtick": 1}
    vmin, vmax = float(v.min()), float(v.max())
    lo, hi = math.log10(vmin), math.log10(vmax)
    axis = {
        "type": "log",
        "exponentformat": "power",
        "dtick": max(1, math.ceil((hi - lo) / 5)),
        "minor": {"showgrid": False},
    }
    if vmax > vmin and math.floor(hi + 1e-9) - math.ceil(lo - 1e-9) + 1 < 2:
        ticks = _ticks_within(vmin, vmax)
        axis.update(tickmode="array", tickvals=ticks, ticktext=[_tick_text(t) for t in ticks])
    return axis


def series_figure(lines: list[Line], log_loss: bool = True, height: int = 640, f_star: float = math.nan,
                  shown_step: int | None = None, x_title: str = "step k") -> dict:  # fmt: skip
    """Loss, step size |Δθ| and gradient norm |g| against the step: three stacked panels in
    one figure (one Plotly instance instead of three: it loads faster). The loss axis is
    chosen by ``loss_axis``; a grey vertical line marks ``shown_step`` (the map's frame: the
    page's chart component moves it as the map animates)."""
    la = loss_axis(lines, log_loss, f_star)
    data = []
    panels = (("loss", "y", la.mode != "linear"), ("step", "y2", True), ("grad", "y3", True))
    collected: dict[str, list] = {"y": [], "y2": [], "y3": []}
    floor = None
    if la.mode == "log-gap":
        gaps = np.concatenate([ln.traj.loss - la.f_star for ln in lines])
        pos = gaps[np.isfinite(gaps) & (gaps > 0)]
        floor = float(pos.min()) / 10 if pos.size else 1e-16
    for line in lines:
        tr = line.traj
        for what, axis, log in panels:
            if what == "loss":
                y = tr.loss - la.f_star if la.mode == "log-gap" else tr.loss
            elif what == "step":
                y = np.hypot(tr.update[:, 0], tr.update[:, 1])
            else:
                y = np.hypot(tr.grad[:, 0], tr.grad[:, 1])
            idx = envelope_index(np.log10(np.abs(y) + 1e-300) if log else y)  # spikes survive the thinning
            yy = y[idx]
            if what == "loss" and floor is not None:
                yy = np.where(np.isfinite(yy) & (yy <= 0), floor, yy)
            if log:
                yy = np.where(yy > 0, yy, np.nan)
            collected[axis].append(yy)
            data.append(
                {"type": "scatter", "mode": "lines", "x": idx, "y": _sig(yy), "name": line.label, "yaxis": axis,
                 "xaxis": "x", "line": {"color": line.color, "width": 2, "dash": line.dash}, "showlegend": False,
                 "legendgroup": line.key}
            )  # fmt: skip
    axis = {"showline": True, "zeroline": False}

    def yax(key: str, log: bool) -> dict:
        vals = np.concatenate(collected[key]) if collected[key] else np.zeros(0)
        return _log_ticks(vals) if log else {"type": "linear"}

    steps = lines[0].traj.steps if lines else 0
    k = steps if shown_step is None else int(np.clip(shown_step, 0, steps))
    cursor = {"type": "line", "xref": "x", "yref": "paper", "x0": k, "x1": k, "y0": 0, "y1": 1,
              "line": {"color": "#555", "width": 1, "dash": "dot"}}  # fmt: skip
    # each hand-off: a vertical line in the run's colour and dash (the cursor stays shapes[0])
    marks = [{"type": "line", "xref": "x", "yref": "paper", "x0": at, "x1": at, "y0": 0, "y1": 1,
              "line": {"color": line.color, "width": 1.5, "dash": line.dash}}
             for line in lines for at, _, _ in handoffs(line)]  # fmt: skip
    notes = [{"x": at, "y": 1.0, "xref": "x", "yref": "paper", "yanchor": "bottom", "showarrow": False,
              "text": f"⇄ {to}", "font": {"size": 11, "color": line.color}}
             for line in lines for at, _, to in handoffs(line)]  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 26 if notes else 10, "b": 40},
            "hovermode": "x unified",
            "font": {"color": "#262730"}, "shapes": [cursor, *marks], "annotations": notes,
            "xaxis": {"title": {"text": x_title}, "anchor": "y3", **axis},
            "yaxis": {"domain": [0.70, 1.0], **yax("y", la.mode != "linear"), "title": {"text": la.title}, **axis},
            "yaxis2": {"domain": [0.36, 0.64], **yax("y2", True), "title": {"text": "step |Δθ|"}, **axis},
            "yaxis3": {"domain": [0.0, 0.30], **yax("y3", True), "title": {"text": "gradient |g|"}, **axis},
        },
    }  # fmt: skip


def _map_colorscale() -> list[list]:
    """The map's colours (lightened viridis) as a Plotly colour scale over [0, 1]."""
    rgb = _VIRIDIS * (1 - MAP_WHITE) + 255 * MAP_WHITE
    n = len(rgb) - 1
    return [[i / n, "rgb({:.0f},{:.0f},{:.0f})".format(*c)] for i, c in enumerate(rgb)]


def surface3d_figure(surface: landscapes.Surface, lines: list[Line], bounds=None, n: int = 120,
                     start: tuple[float, float] | None = None) -> dict:  # fmt: skip
    """The surface in 3-D with each trajectory lifted just above it (static: plotly resets the
    camera on every animation frame). Colours are the map's bands; start, end points and the
    minima in view are marked; heights above the 98th percentile are cut off (not drawn)."""
    xs, ys, z = surface.grid(n, bounds)
    finite = z[np.isfinite(z)]
    zmin = float(finite.min()) if finite.size else 0.0
    zmax = float(np.quantile(finite, 0.98)) if finite.size else 1.0
    lift = 0.015 * max(zmax - zmin, 1e-12)
    zc = np.where(np.isfinite(z) & (z <= zmax), z, np.nan)
    levels = contour_levels(surface, z)
    band = np.digitize(np.where(np.isfinite(z), z, np.nan), levels) / max(len(levels), 1)
    view = bounds or surface.bounds
    data: list[dict] = [
        {"type": "surface", "x": xs.tolist(), "y": ys.tolist(), "z": _arr(zc), "surfacecolor": _arr(band),
         "colorscale": _map_colorscale(), "cmin": 0, "cmax": 1, "opacity": 0.9, "showscale": False,
         "name": "f(x, y)", "hoverinfo": "x+y+z", "contours": {"z": {"show": False}}}
    ]  # fmt: skip
    inside = _in_window(surface.minima, view)
    if inside:
        mz = [min(surface.minima_values[i], zmax) + lift for i in inside]
        data.append(
            {"type": "scatter3d", "mode": "markers", "name": "minima",
             "x": [surface.minima[i][0] for i in inside], "y": [surface.minima[i][1] for i in inside], "z": mz,
             "marker": {"symbol": "diamond", "size": 5, "color": "gold", "line": {"color": "black", "width": 1}}}
        )  # fmt: skip
    if start is not None:
        f0 = float(surface.value(*start))
        data.append(
            {"type": "scatter3d", "mode": "markers", "name": "start", "x": [start[0]], "y": [start[1]],
             "z": [min(f0, zmax) + lift if math.isfinite(f0) else zmax],
             "marker": {"symbol": "diamond", "size": 6, "color": "white", "line": {"color": "black", "width": 2}}}
        )  # fmt: skip
    (x0, x1), (y0, y1) = view
    for line in lines:
        tr = line.traj
        idx = _trail_index(tr.steps)
        p, f = tr.path[idx].copy(), np.minimum(tr.loss[idx], zmax) + lift
        # only the part inside the window: a diverging run would stretch the axes to its last point
        out = ~((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1))
        p[out] = np.nan
        f[out] = np.nan
        data.append(
            {"type": "scatter3d", "mode": "lines", "x": _arr(p[:, 0]), "y": _arr(p[:, 1]), "z": _arr(f),
             "name": line.legend, "legendgroup": line.key, "line": {"color": line.color, "width": 6}}
        )  # fmt: skip
        k = tr.steps if tr.diverged_step is None else max(tr.diverged_step - 1, 0)
        if not (x0 <= tr.path[k, 0] <= x1 and y0 <= tr.path[k, 1] <= y1):
            continue  # its end is off the window (the map says where)
        data.append(
            {"type": "scatter3d", "mode": "markers", "x": [float(tr.path[k, 0])], "y": [float(tr.path[k, 1])],
             "z": [float(min(tr.loss[k], zmax) + lift)], "name": f"{line.label} end", "legendgroup": line.key,
             "showlegend": False, "marker": {"size": 6, "color": line.color, "symbol": "circle",
                                             "line": {"color": "white", "width": 2}}}
        )  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": 700, "margin": {"l": 0, "r": 0, "t": 30, "b": 0}, "font": {"color": "#262730"},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "scene": {"xaxis": {"title": {"text": "x = w₀"}, "range": [x0, x1]},
                      "yaxis": {"title": {"text": "y = w₁"}, "range": [y0, y1]},
                      "zaxis": {"title": {"text": "f(x, y)"}}, "aspectmode": "manual",
                      "aspectratio": {"x": 1, "y": 1, "z": 0.6},
                      "camera": {"eye": {"x": 1.3, "y": -1.5, "z": 1.1}}},
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
