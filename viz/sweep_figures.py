"""Plotly figures for the sweep pages, as plain dicts (pure, no Streamlit).

Heatmaps are real ``heatmap`` traces (static, so plotly.js keeps them) with an invisible
scatter grid on top: Streamlit reports clicks on points only. Basin maps are images
(512×512 cells would be megabytes of JSON) with the known minima drawn in their colours.
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
from viz.figures import PALETTE, _arr, landscape_png
from viz.sweeps import METRICS, BasinsResult, Ensemble, HeatmapResult

DIVERGED_COLOR = "#b2182b"
NEVER_COLOR = "#d9d9d9"
CLICK_GRID = 96  # at most this many click/hover points per heatmap axis
BASIN_COLORS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip


def _ticks(values: np.ndarray, log: bool) -> tuple[np.ndarray, dict]:
    """Plot coordinates for axis values (log10 for log axes, with decade ticks labelled by value)."""
    if not log:
        return values, {}
    u = np.log10(values)
    decades = np.arange(math.ceil(u.min() - 1e-9), math.floor(u.max() + 1e-9) + 1)
    if decades.size < 2:
        decades = np.round(np.linspace(u.min(), u.max(), 4), 2)
    return u, {"tickvals": decades.tolist(), "ticktext": [f"{10.0 ** float(d):.3g}" for d in decades]}


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
    also carries the hover text.
    ``selected`` = (row, column) draws a marker on that cell.
    """
    xs, ys = result.x.values(), result.y.values()
    xu, xt = _ticks(xs, result.x.log)
    yu, yt = _ticks(ys, result.y.log)
    z = result.metric(metric)
    label = METRICS[metric]
    if log_color and metric in ("final_loss", "distance"):
        z = np.log10(np.maximum(z, 1e-16))
        label = f"log₁₀ {label}"
    ny, nx = z.shape
    ci = np.unique(np.round(np.linspace(0, nx - 1, min(nx, CLICK_GRID))).astype(int))
    cj = np.unique(np.round(np.linspace(0, ny - 1, min(ny, CLICK_GRID))).astype(int))
    gi, gj = np.meshgrid(ci, cj)
    undefined = ~np.isfinite(z) & ~result.diverged
    zg = z[gj.ravel(), gi.ravel()]
    custom = np.stack([xs[gi.ravel()], ys[gj.ravel()], np.where(np.isfinite(zg), zg, np.nan)], axis=1)
    data: list[dict] = [
        {"type": "heatmap", "x": _arr(xu), "y": _arr(yu), "z": np.where(result.diverged, 1.0, np.nan),
         "colorscale": [[0, DIVERGED_COLOR], [1, DIVERGED_COLOR]], "showscale": False, "hoverinfo": "skip",
         "name": "diverged"},
        {"type": "heatmap", "x": _arr(xu), "y": _arr(yu), "z": np.where(undefined, 1.0, np.nan),
         "colorscale": [[0, NEVER_COLOR], [1, NEVER_COLOR]], "showscale": False, "hoverinfo": "skip",
         "name": "undefined"},
        {"type": "heatmap", "x": _arr(xu), "y": _arr(yu), "z": _arr(z), "colorscale": "Viridis",
         "reversescale": metric != "diverged", "colorbar": {"title": {"text": label, "side": "right"}},
         "hoverinfo": "skip", "name": metric},
        _legend_square("diverged", DIVERGED_COLOR),
    ]  # fmt: skip
    if metric == "steps_to_tol":
        data.append(_legend_square("never within tolerance", NEVER_COLOR))
    if selected is not None:
        j, i = selected
        data.append(
            {"type": "scatter", "mode": "markers", "x": [float(xu[i])], "y": [float(yu[j])], "name": "selected run",
             "marker": {"symbol": "square-open", "size": 14, "color": "black", "line": {"width": 3}},
             "hoverinfo": "skip"}
        )  # fmt: skip
    # Last, so it is on top: the hover and click target (Streamlit reports clicks on points only).
    data.append(
        {"type": "scatter", "mode": "markers", "x": _arr(xu[gi.ravel()]), "y": _arr(yu[gj.ravel()]),
         "customdata": np.round(custom, 6), "marker": {"size": 8, "opacity": 0.0}, "showlegend": False,
         "name": "click",
         "hovertemplate": f"{result.x.name} = %{{customdata[0]:.4g}}<br>{result.y.name} = %{{customdata[1]:.4g}}"
                          "<br>value = %{customdata[2]:.4g}<extra>click to see this run</extra>"}
    )  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 60, "r": 10, "t": 30, "b": 50},
            "xaxis": {"title": {"text": result.x.name + (" (log)" if result.x.log else "")}, **xt,
                      "range": [float(xu[0]), float(xu[-1])], "showgrid": False},
            "yaxis": {"title": {"text": result.y.name + (" (log)" if result.y.log else "")}, **yt,
                      "range": [float(yu[0]), float(yu[-1])], "showgrid": False},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            "hovermode": "closest", "hoverdistance": -1, "clickmode": "event+select", "dragmode": False,
        },
    }  # fmt: skip


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


def _png(rgb: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[::-1]).astype(np.uint8), "RGB").save(buf, format="PNG", compress_level=3)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


_VIR = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=float)


def _viridis(t: np.ndarray) -> np.ndarray:
    idx = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(_VIR) - 1)
    lo = np.floor(idx).astype(int)
    hi = np.minimum(lo + 1, len(_VIR) - 1)
    f = (idx - lo)[..., None]
    return _VIR[lo] * (1 - f) + _VIR[hi] * f


def basin_colors(surface: landscapes.Surface) -> list[str]:
    """One colour per known minimum (index into ``surface.minima``)."""
    return [BASIN_COLORS[i % len(BASIN_COLORS)] for i in range(len(surface.minima))]


def basins_figure(result: BasinsResult, color_by: str = "basin", title: str = "", height: int = 430) -> dict:
    """Where each start ends: a colour per minimum reached (grey: none, dark red: diverged),
    or the final loss / steps to tolerance (viridis, low = dark), over the start grid."""
    s = result.surface
    n = result.basin.shape
    rgb = np.empty((*n, 3))
    data: list[dict] = []
    if color_by == "basin":
        cols = np.array([_hex(c) for c in basin_colors(s)] + [_hex(NEVER_COLOR)], dtype=float)
        rgb[:] = cols[np.where(result.basin >= 0, result.basin, len(cols) - 1)]
        for i, (m, c) in enumerate(zip(s.minima, basin_colors(s), strict=True)):
            kind = "global" if i < s.n_global else "local"
            data.append(_legend_square(f"{kind} min ({m[0]:.2f}, {m[1]:.2f})", c))
        data.append(_legend_square("no known minimum", NEVER_COLOR))
        scale = None
    else:
        if color_by == "final_loss":
            v = np.log10(np.maximum(result.loss - min(s.minima_values[: s.n_global]), 1e-16))
            label = "log₁₀(f − f*)"
        elif color_by == "steps_to_tol":
            v = np.where(result.steps_to_tol >= 0, result.steps_to_tol, np.nan).astype(float)
            label = "steps to tolerance"
        else:
            raise ValueError(f"colour by 'basin', 'final_loss' or 'steps_to_tol'; got {color_by!r}")
        v = np.where(result.diverged, np.nan, v)
        finite = v[np.isfinite(v)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1.0
        rgb[:] = _viridis((v - lo) / (hi - lo))
        rgb[~np.isfinite(v)] = _hex(NEVER_COLOR)
        scale = (lo, hi, label)
        if color_by == "steps_to_tol":
            data.append(_legend_square("never within tolerance", NEVER_COLOR))
    rgb[result.diverged] = _hex(DIVERGED_COLOR)
    data.append(_legend_square("diverged", DIVERGED_COLOR))
    if scale:
        lo, hi, label = scale
        data.append(
            {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "showlegend": False, "hoverinfo": "skip",
             "marker": {"color": [lo, hi], "cmin": lo, "cmax": hi, "colorscale": "Viridis", "showscale": True,
                        "colorbar": {"title": {"text": label, "side": "right"}, "thickness": 12}}}
        )  # fmt: skip
    mx = [m[0] for m in s.minima]
    my = [m[1] for m in s.minima]
    data.append(
        {"type": "scatter", "mode": "markers", "x": mx, "y": my, "name": "known minima", "showlegend": False,
         "marker": {"symbol": "star", "size": 13, "color": basin_colors(s) if color_by == "basin" else "gold",
                    "line": {"color": "white" if color_by == "basin" else "black", "width": 1.5}},
         "text": [f"minimum {i}: f = {v:.4g}" for i, v in enumerate(s.minima_values)], "hoverinfo": "text"}
    )  # fmt: skip
    x0, x1 = float(result.xs[0]), float(result.xs[-1])
    y0, y1 = float(result.ys[0]), float(result.ys[-1])
    dx = (x1 - x0) / max(len(result.xs) - 1, 1) / 2
    dy = (y1 - y0) / max(len(result.ys) - 1, 1) / 2
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "x": 0.02, "font": {"size": 15}},
            "images": [{"source": _png(rgb), "xref": "x", "yref": "y", "x": x0 - dx, "y": y1 + dy,
                        "sizex": x1 - x0 + 2 * dx, "sizey": y1 - y0 + 2 * dy, "sizing": "stretch",
                        "layer": "below"}],
            "xaxis": {"range": [x0 - dx, x1 + dx], "showgrid": False, "zeroline": False, "constrain": "domain",
                      "title": {"text": "start x"}},
            "yaxis": {"range": [y0 - dy, y1 + dy], "showgrid": False, "zeroline": False, "scaleanchor": "x",
                      "constrain": "domain", "title": {"text": "start y"}},
            "height": height, "margin": {"l": 45, "r": 10, "t": 40, "b": 40},
            "legend": {"orientation": "h", "y": -0.15, "yanchor": "top", "x": 0, "font": {"size": 11}},
            "plot_bgcolor": "white",
        },
    }  # fmt: skip


def ensemble_map(
    surface: landscapes.Surface,
    ensembles: list[tuple[Ensemble, str, str]],
    start,
    max_paths: int = 60,
    height: int = 560,
) -> dict:
    """The cloud of noisy paths over the landscape: up to ``max_paths`` per optimizer, thin and translucent."""
    (x0, x1), (y0, y1) = surface.bounds
    png, _ = landscape_png(surface, surface.bounds)
    data: list[dict] = []
    for ens, label, color in ensembles:
        n, rows, _ = ens.paths.shape
        pick = np.unique(np.round(np.linspace(0, n - 1, min(n, max_paths))).astype(int))
        idx = np.unique(np.round(np.linspace(0, rows - 1, min(rows, 150))).astype(int))
        xs, ys = [], []
        for k in pick:
            xs += [*_arr(ens.paths[k, idx, 0]).tolist(), None]
            ys += [*_arr(ens.paths[k, idx, 1]).tolist(), None]
        data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "name": label, "hoverinfo": "skip",
                     "line": {"color": color, "width": 1}, "opacity": 0.35, "legendgroup": label})  # fmt: skip
        finals = ens.paths[:, -1]
        ok = np.all(np.isfinite(finals), axis=1)
        data.append({"type": "scatter", "mode": "markers", "x": _arr(finals[ok, 0]), "y": _arr(finals[ok, 1]),
                     "name": f"{label}: end points", "legendgroup": label, "showlegend": False, "hoverinfo": "skip",
                     "marker": {"color": color, "size": 5, "line": {"color": "white", "width": 0.5}}})  # fmt: skip
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [m[0] for m in surface.minima],
            "y": [m[1] for m in surface.minima],
            "name": "known minima",
            "hoverinfo": "skip",
            "marker": {"symbol": "star", "size": 13, "color": "gold", "line": {"color": "black", "width": 1}},
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [start[0]],
            "y": [start[1]],
            "name": "start",
            "marker": {"symbol": "diamond", "size": 11, "color": "white", "line": {"color": "black", "width": 1.5}},
        }
    )
    return {
        "data": data,
        "layout": {
            "images": [{"source": png, "xref": "x", "yref": "y", "x": x0, "y": y1, "sizex": x1 - x0,
                        "sizey": y1 - y0, "sizing": "stretch", "layer": "below"}],
            "xaxis": {"range": [x0, x1], "showgrid": False, "zeroline": False, "constrain": "domain"},
            "yaxis": {"range": [y0, y1], "showgrid": False, "zeroline": False, "scaleanchor": "x",
                      "constrain": "domain"},
            "height": height, "margin": {"l": 45, "r": 10, "t": 30, "b": 30},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, "plot_bgcolor": "white",
        },
    }  # fmt: skip


def _rgba(color: str, a: float) -> str:
    r, g, b = _hex(color)
    return f"rgba({r},{g},{b},{a})"


def ensemble_bands(ensembles: list[tuple[Ensemble, str, str]], log: bool = True, height: int = 560) -> dict:
    """Loss quantile bands per step: 5–95 % light, 25–75 % darker, the median as a line."""
    data: list[dict] = []
    for ens, label, color in ensembles:
        b = ens.bands()
        if log:
            b = np.where(b > 0, b, np.nan)
        steps = np.arange(b.shape[1])
        idx = np.unique(np.round(np.linspace(0, len(steps) - 1, min(len(steps), 400))).astype(int))
        for lo, hi, a, name in ((0, 4, 0.15, "5–95 %"), (1, 3, 0.3, "25–75 %")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": steps[idx],
                    "y": _arr(b[lo, idx]),
                    "line": {"width": 0},
                    "showlegend": False,
                    "hoverinfo": "skip",
                    "legendgroup": label,
                }
            )
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": steps[idx],
                    "y": _arr(b[hi, idx]),
                    "fill": "tonexty",
                    "fillcolor": _rgba(color, a),
                    "line": {"width": 0},
                    "name": f"{label} {name}",
                    "showlegend": False,
                    "hoverinfo": "skip",
                    "legendgroup": label,
                }
            )
        data.append({"type": "scatter", "mode": "lines", "x": steps[idx], "y": _arr(b[2, idx]), "name": label,
                     "line": {"color": color, "width": 2.5}, "legendgroup": label})  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 55, "r": 10, "t": 30, "b": 40},
            "xaxis": {"title": {"text": "step"}}, "hovermode": "x unified",
            "yaxis": {"type": "log" if log else "linear", "title": {"text": "loss (median, 25–75 %, 5–95 %)"}},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    }  # fmt: skip


def response_figure(
    signal: np.ndarray, updates: np.ndarray, values, method: str, cumulative: bool = False, height: int = 480
) -> dict:
    """The gradient signal and the update a method makes for each parameter value (or their running sums)."""
    m = resp.METHODS[method]
    x = np.arange(signal.size)
    data: list[dict] = [
        {"type": "scatter", "mode": "lines", "x": x, "y": _arr(np.cumsum(signal) if cumulative else signal),
         "name": "gradient (sum)" if cumulative else "gradient", "line": {"color": "#444", "width": 2, "dash": "dot"}}
    ]  # fmt: skip
    for k, (v, u) in enumerate(zip(np.atleast_1d(values), updates, strict=True)):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": _arr(np.cumsum(u) if cumulative else u),
                "name": f"{m.param} = {v:g}",
                "line": {"color": PALETTE[k % len(PALETTE)], "width": 2},
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 55, "r": 10, "t": 30, "b": 40}, "hovermode": "x unified",
            "xaxis": {"title": {"text": "step (epoch)"}, "dtick": 20},
            "yaxis": {"title": {"text": "total distance moved" if cumulative else "update"}, "zeroline": True},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    }  # fmt: skip


def tuning_scatter(results, objective: str, height: int = 420) -> dict:
    """Every tried setting's score against its learning rate: how sensitive each optimizer is to lr."""
    data = []
    for t in results:
        color = PALETTE[optimizers.spec(t.optimizer).code % len(PALETTE)]
        score = np.where(np.isfinite(t.scores) & (t.scores > 0), t.scores, np.nan)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": _arr(t.candidates["lr"]),
                "y": _arr(score),
                "name": optimizers.spec(t.optimizer).label,
                "marker": {"color": color, "size": 6, "opacity": 0.7},
            }
        )
    return {
        "data": data,
        "layout": {
            "height": height, "margin": {"l": 55, "r": 10, "t": 30, "b": 40},
            "xaxis": {"type": "log", "title": {"text": "lr"}},
            "yaxis": {"type": "log", "title": {"text": objective + " (diverged runs not shown)"}},
            "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        },
    }  # fmt: skip
