"""Plotly figures for the sweep pages, as plain dicts (pure, no Streamlit).

Heatmaps are real ``heatmap`` traces (static, so plotly.js keeps them) with an invisible
scatter grid on top: Streamlit reports clicks on points only. Basin maps are images
(512×512 cells would be megabytes of JSON) with the known minima drawn in their colours;
the panels of one page share one legend (``basins_legend_html``) and one colour scale
(``basins_scale``, drawn once by ``colorbar_figure``).

Every figure carries its own text colour and background (``readable``): the pages draw them
with Streamlit's theme off, whose grey text (#808495) is below WCAG AA contrast.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from PIL import Image

import landscapes
import optimizers
from optimizers import response as resp
from viz.figures import RunStyle, _log_ticks, _sig, landscape_png, run_style
from viz.sweeps import METRICS, OBJECTIVES, BasinsResult, Ensemble, HeatmapResult, Tuned, fmt_number

TEXT_COLOR = "#31333f"  # Streamlit's own body text: 12.6:1 on white
BACKGROUND = "#ffffff"
FONT_SIZE = 13
DIVERGED_COLOR = "#b2182b"
NEVER_COLOR = "#d9d9d9"
CLICK_GRID = 96  # at most this many click/hover points per heatmap axis
MIN_IMAGE_PX = 512  # basin images are enlarged (nearest neighbour) to at least this many pixels a side
BASIN_COLORS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
# A run's head marker as a character, for titles and text next to a figure.
GLYPHS = {
    "circle": "●", "square": "■", "diamond": "◆", "triangle-up": "▲", "triangle-down": "▼", "pentagon": "⬟",
    "hexagon": "⬢", "cross": "✚", "triangle-left": "◀", "triangle-right": "▶", "hourglass": "⧗", "bowtie": "⋈",
}  # fmt: skip
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def readable(fig: dict) -> dict:
    """``fig`` with dark text on a white background set explicitly (ticks, titles, legends and
    colour bars inherit ``layout.font``), so it reads the same with any Streamlit theme."""
    layout = dict(fig.get("layout", {}))
    layout["font"] = {"size": FONT_SIZE, **layout.get("font", {}), "color": TEXT_COLOR}
    layout.setdefault("paper_bgcolor", BACKGROUND)
    layout.setdefault("plot_bgcolor", BACKGROUND)
    hover = dict(layout.get("hoverlabel", {}))
    hover.setdefault("bgcolor", BACKGROUND)
    hover["font"] = {**hover.get("font", {}), "color": TEXT_COLOR}
    layout["hoverlabel"] = hover
    return {**fig, "layout": layout}


def glyph(style: RunStyle) -> str:
    """The run's marker as a character in its colour (HTML for Plotly titles and legends)."""
    return f'<span style="color:{style.color}">{GLYPHS.get(style.symbol, "●")}</span>'


def _ticks(values: np.ndarray, log: bool) -> tuple[np.ndarray, dict]:
    """Plot coordinates for axis values (log10 for log axes, with decade ticks labelled by value)."""
    if not log:
        return values, {}
    u = np.log10(values)
    decades = np.arange(math.ceil(u.min() - 1e-9), math.floor(u.max() + 1e-9) + 1)
    if decades.size < 2:
        decades = np.round(np.linspace(u.min(), u.max(), 4), 2)
    # one notation per axis: powers of ten when any decade needs one (10⁻⁴ beside 0.001 read as two scales)
    powers = all(float(d).is_integer() for d in decades) and any(abs(d) > 3 for d in decades)
    text = [_power(int(d)) if powers else f"{10.0 ** float(d):.3g}" for d in decades]
    return u, {"tickvals": decades.tolist(), "ticktext": text}


def _decade_ticks(lo: float, hi: float) -> dict:
    """Colour-bar ticks for log10 values: powers of ten (10⁻⁸, 10⁻⁴, …), at most ~7 of them."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first < 1:
        return {}
    step = max(1, math.ceil((last - first) / 6))
    decades = list(range(first, last + 1, step))
    return {"tickvals": decades, "ticktext": [_power(d) for d in decades]}


def _power(d: int) -> str:
    return {0: "1", 1: "10"}.get(d, "10" + str(d).translate(_SUPERSCRIPT))


def _legend_square(name: str, color: str) -> dict:
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": name, "hoverinfo": "skip",
            "marker": {"symbol": "square", "size": 12, "color": color}}  # fmt: skip


def heatmap_figure(
    result: HeatmapResult,
    metric: str,
    log_color: bool = True,
    selected: tuple[int, int] | None = None,
    height: int = 560,
) -> dict:
    """The metric over the two swept hyperparameters; diverged cells in their own colour.

    The last trace is the invisible click grid (≤ ``CLICK_GRID``² points at cell centres), which
    also carries the hover text. ``selected`` = (row, column) draws a marker on that cell.
    A log colour scale (loss, distance) is labelled in powers of ten.
    """
    xs, ys = result.x.values(), result.y.values()
    xu, xt = _ticks(xs, result.x.log)
    yu, yt = _ticks(ys, result.y.log)
    raw = result.metric(metric)
    z = raw
    label = METRICS[metric]
    bar: dict = {"title": {"text": label, "side": "right"}}
    if log_color and metric in ("final_loss", "distance"):
        z = np.log10(np.maximum(raw, 1e-16))
        label = f"{label} (log scale)"
        finite = z[np.isfinite(z)]
        if finite.size:
            bar.update(_decade_ticks(float(finite.min()), float(finite.max())))
        bar["title"]["text"] = label
    ny, nx = z.shape
    ci = np.unique(np.round(np.linspace(0, nx - 1, min(nx, CLICK_GRID))).astype(int))
    cj = np.unique(np.round(np.linspace(0, ny - 1, min(ny, CLICK_GRID))).astype(int))
    gi, gj = np.meshgrid(ci, cj)
    undefined = ~np.isfinite(z) & ~result.diverged
    zg = raw[gj.ravel(), gi.ravel()]
    custom = np.stack([xs[gi.ravel()], ys[gj.ravel()], np.where(np.isfinite(zg), zg, np.nan)], axis=1)
    data: list[dict] = [
        {"type": "heatmap", "x": _sig(xu), "y": _sig(yu), "z": np.where(result.diverged, 1.0, np.nan),
         "colorscale": [[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]], "showscale": False, "hoverinfo": "skip",
         "name": "diverged"},
        {"type": "heatmap", "x": _sig(xu), "y": _sig(yu), "z": np.where(undefined, 1.0, np.nan),
         "colorscale": [[0, NEVER_COLOR], [1, NEVER_COLOR]], "showscale": False, "hoverinfo": "skip",
         "name": "undefined"},
        {"type": "heatmap", "x": _sig(xu), "y": _sig(yu), "z": _sig(z), "colorscale": "Viridis",
         "reversescale": metric != "diverged", "colorbar": bar, "hoverinfo": "skip", "name": metric},
        _legend_square("diverged", DIVERGED_COLOR),
    ]  # fmt: skip
    if metric == "steps_to_tol":
        data.append(_legend_square("never settles", NEVER_COLOR))
    if selected is not None:
        j, i = selected
        data.append(
            {"type": "scatter", "mode": "markers", "x": [float(xu[i])], "y": [float(yu[j])], "name": "selected run",
             "marker": {"symbol": "square-open", "size": 14, "color": "black", "line": {"width": 3}},
             "hoverinfo": "skip"}
        )  # fmt: skip
    # Last, so it is on top: the hover and click target (Streamlit reports clicks on points only).
    data.append(
        {"type": "scatter", "mode": "markers", "x": _sig(xu[gi.ravel()]), "y": _sig(yu[gj.ravel()]),
         "customdata": _sig(custom), "marker": {"size": 8, "opacity": 0.0}, "showlegend": False,
         "name": "click",
         "hovertemplate": f"{result.x.name} = %{{customdata[0]:.4g}}<br>{result.y.name} = %{{customdata[1]:.4g}}"
                          f"<br>{METRICS[metric]} = %{{customdata[2]:.4g}}<extra>click to see this run</extra>"}
    )  # fmt: skip
    return readable({
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 50},
            "xaxis": {"title": {"text": result.x.name + (" (log scale)" if result.x.log else "")}, **xt,
                      "range": [float(xu[0]), float(xu[-1])], "showgrid": False},
            "yaxis": {"title": {"text": result.y.name + (" (log scale)" if result.y.log else "")}, **yt,
                      "range": [float(yu[0]), float(yu[-1])], "showgrid": False},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "hovermode": "closest", "hoverdistance": -1, "clickmode": "event+select", "dragmode": False,
        },
    })  # fmt: skip


def click_to_cell(result: HeatmapResult, point: dict) -> tuple[int, int] | None:
    """(row, column) of the cell nearest a clicked point (plot coordinates: log10 on log axes)."""
    try:
        px, py = float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return None
    xu, _ = _ticks(result.x.values(), result.x.log)
    yu, _ = _ticks(result.y.values(), result.y.log)
    return int(np.argmin(np.abs(yu - py))), int(np.argmin(np.abs(xu - px)))


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def _png(rgb: np.ndarray, min_px: int = MIN_IMAGE_PX) -> str:
    """An (ny, nx, 3) image, row 0 at the bottom, as a PNG data URI. Small grids are enlarged by
    repeating pixels, so the browser's smoothing blurs only a sliver at each cell edge."""
    k = max(1, math.ceil(min_px / max(rgb.shape[0], rgb.shape[1])))
    img = np.ascontiguousarray(rgb[::-1]).astype(np.uint8)
    if k > 1:
        img = np.repeat(np.repeat(img, k, axis=0), k, axis=1)
    buf = io.BytesIO()
    Image.fromarray(img, "RGB").save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


_VIR = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float)
_VIR_SCALE = [[i / (len(_VIR) - 1), "#" + "".join(f"{int(c):02x}" for c in row)] for i, row in enumerate(_VIR)]


def _viridis(t: np.ndarray) -> np.ndarray:
    idx = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(_VIR) - 1)
    lo = np.floor(idx).astype(int)
    hi = np.minimum(lo + 1, len(_VIR) - 1)
    f = (idx - lo)[..., None]
    return _VIR[lo] * (1 - f) + _VIR[hi] * f


def basin_colors(surface: landscapes.Surface) -> list[str]:
    """One colour per known minimum (index into ``surface.minima``)."""
    return [BASIN_COLORS[i % len(BASIN_COLORS)] for i in range(len(surface.minima))]


COLOR_BY = {"basin": "which minimum it reaches", "final_loss": "final loss", "steps_to_tol": "steps to settle"}


def basin_values(result: BasinsResult, color_by: str) -> np.ndarray:
    """What a continuous basin map shows per start: log10(f − f*) or steps to settle; NaN where
    undefined (diverged, never settled)."""
    s = result.surface
    if color_by == "final_loss":
        v = np.log10(np.maximum(result.loss - min(s.minima_values[: s.n_global]), 1e-16))
    elif color_by == "steps_to_tol":
        v = np.where(result.steps_to_tol >= 0, result.steps_to_tol, np.nan).astype(float)
    else:
        raise ValueError(f"colour by 'basin', 'final_loss' or 'steps_to_tol'; got {color_by!r}")
    return np.where(result.diverged, np.nan, v)


def basins_scale(results: list[BasinsResult], color_by: str) -> tuple[float, float, str] | None:
    """One colour scale for every panel: (low, high, title) over all results' values; None for
    colouring by basin."""
    if color_by == "basin":
        return None
    finite = [v[np.isfinite(v)] for v in (basin_values(r, color_by) for r in results)]
    allv = np.concatenate(finite) if finite else np.array([])
    lo, hi = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    title = "final loss − f* (log scale)" if color_by == "final_loss" else "steps to settle"
    return lo, hi, title


def _colorbar_trace(scale: tuple[float, float, str], color_by: str, horizontal: bool) -> dict:
    lo, hi, title = scale
    bar: dict = {"title": {"text": title, "side": "top" if horizontal else "right"}, "thickness": 14}
    if color_by == "final_loss":
        bar.update(_decade_ticks(lo, hi))
    if horizontal:
        bar.update({"orientation": "h", "x": 0.0, "xanchor": "left", "y": 0.0, "yanchor": "bottom", "len": 1.0})
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "showlegend": False, "hoverinfo": "skip",
            "marker": {"color": [lo, hi], "cmin": lo, "cmax": hi, "colorscale": _VIR_SCALE, "showscale": True,
                       "colorbar": bar}}  # fmt: skip


def _key_traces(surface: landscapes.Surface, color_by: str) -> list[dict]:
    data = []
    if color_by == "basin":
        for i, (m, c) in enumerate(zip(surface.minima, basin_colors(surface), strict=True)):
            kind = "global" if i < surface.n_global else "local"
            data.append(_legend_square(f"{kind} min ({m[0]:.2f}, {m[1]:.2f})", c))
        data.append(_legend_square("no known minimum", NEVER_COLOR))
    elif color_by == "steps_to_tol":
        data.append(_legend_square("never settles", NEVER_COLOR))
    data.append(_legend_square("diverged", DIVERGED_COLOR))
    return data


def basins_legend_html(surface: landscapes.Surface, color_by: str) -> str:
    """The one colour legend of a page of basin maps as HTML (it wraps on a narrow screen):
    a square per colour and what it means."""
    items = []
    for t in _key_traces(surface, color_by):
        color = t["marker"]["color"]
        square = (
            f'<span style="display:inline-block;width:0.9em;height:0.9em;background:{color};'
            'border:1px solid #31333f;vertical-align:-0.1em;margin-right:0.3em"></span>'
        )
        items.append(f'<span style="white-space:nowrap;margin-right:1.2em">{square}{t["name"]}</span>')
    return '<div style="line-height:1.9;margin-bottom:0.6em">' + " ".join(items) + "</div>"


def colorbar_figure(scale: tuple[float, float, str], color_by: str, height: int = 96) -> dict:
    """A horizontal colour bar across the page: the one colour scale every basin map uses."""
    hidden = {"visible": False, "fixedrange": True}
    return readable({
        "data": [_colorbar_trace(scale, color_by, horizontal=True)],
        "layout": {
            "height": height, "margin": {"l": 12, "r": 12, "t": 4, "b": 4},
            "xaxis": hidden, "yaxis": {**hidden, "domain": [0.99, 1.0]}, "showlegend": False,
        },
    })  # fmt: skip


def basins_figure(
    result: BasinsResult,
    color_by: str = "basin",
    title: str = "",
    height: int = 500,
    scale: tuple[float, float, str] | None = None,
    key: bool = False,
    subtitle: str = "",
) -> dict:
    """Where each start ends: a colour per minimum reached (grey: none, dark red: diverged),
    or the final loss / steps to settle (viridis, low = dark), over the start grid.

    ``scale`` = (low, high, title) fixes the colour scale (``basins_scale``: the same for every
    panel of a page); ``key`` adds the legend and colour bar to this figure (the pages draw one
    legend, ``basins_legend_html``, and one ``colorbar_figure`` for all panels instead).
    ``subtitle`` is a second title line.
    """
    s = result.surface
    n = result.basin.shape
    rgb = np.empty((*n, 3))
    data: list[dict] = []
    if color_by == "basin":
        cols = np.array([_hex(c) for c in basin_colors(s)] + [_hex(NEVER_COLOR)], dtype=float)
        rgb[:] = cols[np.where(result.basin >= 0, result.basin, len(cols) - 1)]
        scale = None
    else:
        v = basin_values(result, color_by)
        scale = scale or basins_scale([result], color_by)
        lo, hi, _ = scale
        rgb[:] = _viridis((v - lo) / (hi - lo))
        rgb[~np.isfinite(v)] = _hex(NEVER_COLOR)
    rgb[result.diverged] = _hex(DIVERGED_COLOR)
    if key:
        data += _key_traces(s, color_by)
        if scale is not None:
            data.append(_colorbar_trace(scale, color_by, horizontal=False))
    data.append(
        {"type": "scatter", "mode": "markers", "x": [m[0] for m in s.minima], "y": [m[1] for m in s.minima],
         "name": "known minima", "showlegend": False,
         "marker": {"symbol": "star", "size": 13, "color": basin_colors(s) if color_by == "basin" else "gold",
                    "line": {"color": "white" if color_by == "basin" else "black", "width": 1.5}},
         "text": [("global" if i < s.n_global else "local") + f" minimum: f = {fmt_number(v)}"
                  for i, v in enumerate(s.minima_values)], "hoverinfo": "text"}
    )  # fmt: skip
    x0, x1 = float(result.xs[0]), float(result.xs[-1])
    y0, y1 = float(result.ys[0]), float(result.ys[-1])
    dx = (x1 - x0) / max(len(result.xs) - 1, 1) / 2
    dy = (y1 - y0) / max(len(result.ys) - 1, 1) / 2
    return readable({
        "data": data,
        "layout": {
            "title": {"text": title, "x": 0.02, "xanchor": "left", "yref": "container", "y": 1.0, "yanchor": "top",
                      "pad": {"t": 10}, "font": {"size": 15}, "subtitle": {"text": subtitle, "font": {"size": 14}}},
            "images": [{"source": _png(rgb), "xref": "x", "yref": "y", "x": x0 - dx, "y": y1 + dy,
                        "sizex": x1 - x0 + 2 * dx, "sizey": y1 - y0 + 2 * dy, "sizing": "stretch",
                        "layer": "below"}],
            "xaxis": {"range": [x0 - dx, x1 + dx], "showgrid": False, "zeroline": False, "constrain": "domain",
                      "title": {"text": "start x"}},
            "yaxis": {"range": [y0 - dy, y1 + dy], "showgrid": False, "zeroline": False, "scaleanchor": "x",
                      "scaleratio": 1, "constrain": "domain", "constraintoward": "top",
                      "title": {"text": "start y"}},
            "height": height, "margin": {"l": 50, "r": 10, "t": (84 if subtitle else 50) if title else 20, "b": 45},
            "legend": {"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0},
            "showlegend": key,
        },
    })  # fmt: skip


def settle_figure(
    results: list[BasinsResult], labels: list[str], styles: list[RunStyle] | None = None, height: int = 360
) -> dict:
    """Percent of the starts that have settled at a global minimum by each step, one line per
    optimizer (its run colour, dash and marker): how fast, and from how many starts."""
    styles = styles or [run_style(i) for i in range(len(results))]
    data = []
    for r, label, st in zip(results, labels, styles, strict=True):
        s = r.surface
        glob = (r.basin >= 0) & (r.basin < s.n_global) & (r.steps_to_tol >= 0)
        steps = np.arange(r.steps + 1)
        settled = np.sort(r.steps_to_tol[glob].ravel())
        share = 100 * np.searchsorted(settled, steps, side="right") / r.basin.size
        idx = np.unique(np.round(np.linspace(0, r.steps, min(r.steps + 1, 300))).astype(int))
        marks = np.unique(np.round(np.linspace(0, r.steps, 8)).astype(int))
        data.append(
            {"type": "scatter", "mode": "lines", "x": idx, "y": _sig(share[idx], 5), "name": label,
             "legendgroup": label, "line": {"color": st.color, "dash": st.dash, "width": 2.5},
             "hovertemplate": "step %{x}: %{y:.1f}%<extra>" + label + "</extra>"}
        )  # fmt: skip
        data.append(
            {"type": "scatter", "mode": "markers", "x": marks, "y": _sig(share[marks], 5), "name": label,
             "legendgroup": label, "showlegend": False, "hoverinfo": "skip",
             "marker": {"symbol": st.symbol, "size": 9, "color": st.color, "line": {"color": "white", "width": 1}}}
        )  # fmt: skip
    return readable({
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 45},
            "xaxis": {"title": {"text": "step"}, "gridcolor": "#e6e6e6"},
            "yaxis": {"title": {"text": "settled at global min (%)"}, "range": [0, 101],
                      "gridcolor": "#e6e6e6"},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "hovermode": "x unified",
        },
    })  # fmt: skip


EnsembleRun = tuple[Ensemble, str, RunStyle]


def ensemble_map(
    surface: landscapes.Surface, ensembles: list[EnsembleRun], start, max_paths: int = 60, height: int = 560
) -> dict:
    """The cloud of noisy paths over the landscape: up to ``max_paths`` per optimizer, thin and
    translucent in its run colour and dash; end points as its marker."""
    (x0, x1), (y0, y1) = surface.bounds
    png, _ = landscape_png(surface, surface.bounds)
    data: list[dict] = []
    for ens, label, st in ensembles:
        n, rows, _ = ens.paths.shape
        pick = np.unique(np.round(np.linspace(0, n - 1, min(n, max_paths))).astype(int))
        idx = np.unique(np.round(np.linspace(0, rows - 1, min(rows, 150))).astype(int))
        xs, ys = [], []
        for k in pick:
            xs += [*_sig(ens.paths[k, idx, 0]).tolist(), None]
            ys += [*_sig(ens.paths[k, idx, 1]).tolist(), None]
        data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "name": label, "hoverinfo": "skip",
                     "line": {"color": st.color, "width": 1.2, "dash": st.dash}, "opacity": 0.4,
                     "legendgroup": label, "showlegend": False})  # fmt: skip
        finals = ens.paths[:, -1]
        ok = np.all(np.isfinite(finals), axis=1)
        data.append({"type": "scatter", "mode": "markers", "x": _sig(finals[ok, 0]), "y": _sig(finals[ok, 1]),
                     "name": f"{label}: end points", "legendgroup": label, "showlegend": False, "hoverinfo": "skip",
                     "marker": {"color": st.color, "symbol": st.symbol, "size": 7,
                                "line": {"color": "white", "width": 0.8}}})  # fmt: skip
        # The legend entry: the run's line and marker together, fully opaque.
        data.append({"type": "scatter", "mode": "lines+markers", "x": [None], "y": [None], "name": label,
                     "legendgroup": label, "line": {"color": st.color, "width": 2, "dash": st.dash},
                     "marker": {"color": st.color, "symbol": st.symbol, "size": 8}})  # fmt: skip
    # as on the playground's map: the global minima gold and larger, local minima white
    glob = [i < surface.n_global for i in range(len(surface.minima))]
    data.append(
        {"type": "scatter", "mode": "markers", "x": [m[0] for m in surface.minima],
         "y": [m[1] for m in surface.minima], "hoverinfo": "skip",
         "name": "minima (gold: global, white: local)" if not all(glob) else "minima",
         "marker": {"symbol": "star", "size": [15 if g else 12 for g in glob],
                    "color": ["gold" if g else "white" for g in glob], "line": {"color": "black", "width": 1}}}
    )  # fmt: skip
    data.append(
        {"type": "scatter", "mode": "markers", "x": [start[0]], "y": [start[1]], "name": "start",
         "marker": {"symbol": "diamond", "size": 11, "color": "white", "line": {"color": "black", "width": 1.5}}}
    )  # fmt: skip
    return readable({
        "data": data,
        "layout": {
            "images": [{"source": png, "xref": "x", "yref": "y", "x": x0, "y": y1, "sizex": x1 - x0,
                        "sizey": y1 - y0, "sizing": "stretch", "layer": "below"}],
            "xaxis": {"range": [x0, x1], "showgrid": False, "zeroline": False, "constrain": "domain",
                      "title": {"text": "x"}},
            "yaxis": {"range": [y0, y1], "showgrid": False, "zeroline": False, "scaleanchor": "x",
                      "scaleratio": 1, "constrain": "domain", "title": {"text": "y"}},
            "height": height, "margin": {"l": 50, "r": 10, "t": 30, "b": 45},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    })  # fmt: skip


def _rgba(color: str, a: float) -> str:
    r, g, b = _hex(color)
    return f"rgba({r},{g},{b},{a})"


def ensemble_bands(ensembles: list[EnsembleRun], log: bool = True, height: int = 560) -> dict:
    """Loss quantile bands per step: 5–95 % light, 25–75 % darker, the median as a line in the
    run's colour and dash (with its marker every few steps)."""
    data: list[dict] = []
    drawn = []
    for ens, label, st in ensembles:
        b = ens.bands()
        if log:
            b = np.where(b > 0, b, np.nan)
        drawn.append(b.ravel())
        steps = np.arange(b.shape[1])
        idx = np.unique(np.round(np.linspace(0, len(steps) - 1, min(len(steps), 400))).astype(int))
        for lo, hi, a, name in ((0, 4, 0.12, "5–95 %"), (1, 3, 0.25, "25–75 %")):
            data.append({"type": "scatter", "mode": "lines", "x": steps[idx], "y": _sig(b[lo, idx]),
                         "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip",
                         "legendgroup": label})  # fmt: skip
            data.append({"type": "scatter", "mode": "lines", "x": steps[idx], "y": _sig(b[hi, idx]),
                         "fill": "tonexty", "fillcolor": _rgba(st.color, a), "line": {"width": 0},
                         "name": f"{label} {name}", "showlegend": False, "hoverinfo": "skip",
                         "legendgroup": label})  # fmt: skip
        marks = np.unique(np.round(np.linspace(0, len(steps) - 1, 9)).astype(int))
        data.append({"type": "scatter", "mode": "lines", "x": steps[idx], "y": _sig(b[2, idx]), "name": label,
                     "line": {"color": st.color, "width": 2.5, "dash": st.dash}, "legendgroup": label,
                     "hovertemplate": "%{y:.4g}"})  # fmt: skip
        data.append({"type": "scatter", "mode": "markers", "x": steps[marks], "y": _sig(b[2, marks]), "name": label,
                     "marker": {"color": st.color, "symbol": st.symbol, "size": 9,
                                "line": {"color": "white", "width": 1}},
                     "legendgroup": label, "showlegend": False, "hoverinfo": "skip"})  # fmt: skip
    b_all = np.concatenate(drawn) if drawn else np.zeros(0)
    return readable({
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 45},
            "xaxis": {"title": {"text": "step"}, "gridcolor": "#e6e6e6"}, "hovermode": "x unified",
            "yaxis": {**(_log_ticks(b_all) if log else {"type": "linear"}), "title": {"text": "loss f(θ)"},
                      "gridcolor": "#e6e6e6"},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    })  # fmt: skip


def response_figure(
    signal: np.ndarray, updates: np.ndarray, values, method: str, cumulative: bool = False, height: int = 480
) -> dict:
    """The gradient signal (grey area) and the update a method makes for each parameter value
    (or their running sums), each value in its run colour and dash."""
    m = resp.METHODS[method]
    x = np.arange(signal.size)
    data: list[dict] = [
        {"type": "scatter", "mode": "lines", "x": x, "y": _sig(np.cumsum(signal) if cumulative else signal),
         "name": "gradient (running sum)" if cumulative else "gradient", "fill": "tozeroy",
         "fillcolor": "rgba(0,0,0,0.10)", "line": {"color": "#8c8c8c", "width": 1}}
    ]  # fmt: skip
    for k, (v, u) in enumerate(zip(np.atleast_1d(values), updates, strict=True)):
        st = run_style(k)
        data.append(
            {"type": "scatter", "mode": "lines", "x": x, "y": _sig(np.cumsum(u) if cumulative else u),
             "name": f"{m.param} = {v:g}", "line": {"color": st.color, "width": 2.2, "dash": st.dash}}
        )  # fmt: skip
    return readable({
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 45}, "hovermode": "x unified",
            "xaxis": {"title": {"text": "step (epoch)"}, "dtick": 20, "gridcolor": "#e6e6e6"},
            "yaxis": {"title": {"text": "total distance moved" if cumulative else "update"}, "zeroline": True,
                      "zerolinecolor": "#8c8c8c", "gridcolor": "#e6e6e6"},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    })  # fmt: skip


def tuning_scatter(
    results: list[Tuned],
    objective: str,
    styles: list[RunStyle] | None = None,
    labels: list[str] | None = None,
    height: int = 420,
) -> dict:
    """Every tried setting's score against its learning rate (diverged settings left out): how
    sensitive each optimizer is to lr. Each optimizer in its run colour and marker."""
    styles = styles or [run_style(i) for i in range(len(results))]
    data = []
    for k, t in enumerate(results):
        st = styles[k]
        score = np.where(np.isfinite(t.scores) & (t.scores > 0), t.scores, np.nan)
        data.append(
            {"type": "scatter", "mode": "markers", "x": _sig(t.candidates["lr"]), "y": _sig(score),
             "name": labels[k] if labels else optimizers.spec(t.optimizer).label,
             "marker": {"color": st.color, "symbol": st.symbol, "size": 8, "opacity": 0.8,
                        "line": {"color": "white", "width": 0.5}},
             "hovertemplate": "lr = %{x:.4g}<br>score = %{y:.4g}"}
        )  # fmt: skip
    return readable({
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 45},
            "xaxis": {"type": "log", "title": {"text": "learning rate lr"}, "exponentformat": "power",
                      "gridcolor": "#e6e6e6"},
            "yaxis": {"type": "log", "title": {"text": OBJECTIVES[objective]}, "exponentformat": "power",
                      "gridcolor": "#e6e6e6"},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    })  # fmt: skip
