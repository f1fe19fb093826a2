"""The network landscape page's numbers and figures (pure: no Streamlit).

A view trains one small network with several optimizers from the same start, picks a plane
through parameter space and evaluates the loss on it; every sentence the page shows about
the result is computed here from the results (``plane_sentence``, ``connection_sentence``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import networks
import optimizers
from networks import planes
from viz.cache import CACHE
from viz.figures import RunStyle, run_style, run_styles

PLANES = {
    "pca": "PCA of the paths",
    "random": "two filter-normalised random directions",
    "shared": "through the start and the first two runs' ends",
}
PLANE_HELP = {
    "pca": "The plane of the two directions along which the runs' iterates vary most (through their mean). "
    "A path drawn on it is its shadow: the chart below says how far each iterate really is from the plane.",
    "random": "Two random directions around the first run's end, each neuron's weights scaled to that neuron's "
    "own size (Li et al. 2018): a fair picture of the minimum's neighbourhood, but the paths lie mostly off it.",
    "shared": "The plane through the initial weights and the end points of the first two optimizers picked: those "
    "three points are exactly on it, so those two runs' ends are where the map shows them (the others' are shadows).",
}


@dataclass
class NetView:
    """What the page computed: the net, its trained runs, the plane and the loss on it."""

    net: networks.Net
    names: list[str]
    labels: list[str]
    runs: list[networks.Training]
    plane: planes.Plane
    alphas: np.ndarray
    betas: np.ndarray
    grid: np.ndarray
    coords: list[np.ndarray]
    residuals: list[np.ndarray]


def train_runs(net: networks.Net, chosen: list[tuple[str, dict[str, Any]]], steps: int) -> list[networks.Training]:
    """Every chosen optimizer from the net's ``params0`` (cached on the settings)."""
    out = []
    for name, hyper in chosen:
        key = ("net-train", net.dataset, net.hidden, net.activation, len(net.X), net.params0.tobytes(), name,
               tuple(sorted(hyper.items())), steps)  # fmt: skip
        out.append(CACHE.get_or_compute(key, lambda name=name, hyper=hyper: networks.train(net, name, steps, **hyper)))
    return out


def make_plane(kind: str, net: networks.Net, runs: list[networks.Training], seed: int = 0) -> planes.Plane:
    """The plane of ``kind`` (``PLANES``); raises ``ValueError`` with the reason when it cannot be made."""
    ok = [r for r in runs if r.diverged_step is None] or runs  # a diverged run would stretch the plane
    if kind == "pca":
        return planes.pca_plane([r.params for r in ok])
    ends = [r.params[_last(r)] for r in runs]
    if kind == "random":
        return planes.random_plane(ends[0], net.shapes, seed)
    if kind == "shared":
        if len(runs) < 2:
            raise ValueError("the shared plane goes through two runs' ends: pick at least two optimizers")
        return planes.plane_through(net.params0, ends[0], ends[1])
    raise ValueError(f"unknown plane {kind!r}; valid: {', '.join(PLANES)}")


def _last(r: networks.Training) -> int:
    return r.steps if r.diverged_step is None else max(r.diverged_step - 1, 0)


def view(net: networks.Net, names: list[str], labels: list[str], runs: list[networks.Training], kind: str,
         resolution: int = 61, seed: int = 0, progress=None) -> NetView:  # fmt: skip
    """The plane, the runs projected on it, and the loss on a grid that covers them."""
    plane = make_plane(kind, net, runs, seed)
    coords, residuals = [], []
    for r in runs:
        ok = np.isfinite(r.params).all(axis=1)
        xy = np.full((r.steps + 1, 2), np.nan)
        res = np.full(r.steps + 1, np.nan)
        xy[ok], res[ok] = plane.project(r.params[ok])
        coords.append(xy)
        residuals.append(res)
    shown = [c for c, r in zip(coords, runs, strict=True) if r.diverged_step is None] or coords
    pts = np.concatenate([c[np.isfinite(c).all(axis=1)] for c in shown] + [coords[0][:1]])  # the window: live runs
    if kind == "random":  # Li et al.'s window: ±1 along each normalised direction
        lo, hi = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    else:
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        lo, hi = lo - pad, hi + pad
    alphas = np.linspace(lo[0], hi[0], resolution)
    betas = np.linspace(lo[1], hi[1], resolution)
    key = ("net-grid", kind, plane.origin.tobytes(), plane.d1.tobytes(), plane.d2.tobytes(), alphas.tobytes(),
           betas.tobytes(), net.X.tobytes(), net.hidden, net.activation)  # fmt: skip
    if progress:
        progress(0.0)
    grid = CACHE.get_or_compute(key, lambda: planes.loss_grid(net, plane, alphas, betas))
    if progress:
        progress(1.0)
    return NetView(net, names, labels, runs, plane, alphas, betas, grid, coords, residuals)


def plane_sentence(v: NetView) -> str:
    """What the plane shows, computed: explained variance (PCA) and how far the paths leave it."""
    live = [(res, lab) for res, lab, r in zip(v.residuals, v.labels, v.runs, strict=True) if r.diverged_step is None]
    worst = [(float(np.nanmax(res[1:])), lab) for res, lab in live if res.size > 1]
    if not worst:
        return "Every run diverged: the plane shows where they started."
    d, who = max(worst)
    scale = float(np.linalg.norm(v.net.params0))
    d0 = float(v.residuals[0][0])
    start = (f" The initial weights themselves lie {d0:.3g} off the plane (every run starts there)."
             if d0 > 0.05 * scale else "")  # fmt: skip
    far = f"After the start the iterates stay within {d:.3g} of the plane (the initial weights have norm {scale:.3g})"
    if d > 0.05 * scale and start and d <= 1.1 * d0:
        # every run stays about as far off as the shared start: naming the farthest would be arbitrary
        far = (f"The iterates stay within {d:.3g} of the plane, about as far as the start (the initial weights "
               f"have norm {scale:.3g}): the drawn paths are shadows")  # fmt: skip
    elif d > 0.05 * scale:
        far = (f"The iterates of {who} leave the plane by up to {d:.3g} (the initial weights have norm {scale:.3g}): "
               "its drawn path is a shadow")  # fmt: skip
    if v.plane.kind == "pca":
        e1, e2 = v.plane.explained
        share = f"{100 * (e1 + e2):.1f}% of the iterates' variance ({100 * e1:.1f}% and {100 * e2:.1f}%)"
        return f"The two directions explain {share}. {far}.{start}"
    return far + "." + start


def plane_figure(v: NetView) -> dict:
    """The loss on the plane (log scale contours) with each run's path, start and end."""
    z = np.log10(np.maximum(v.grid, 1e-12))
    data: list[dict] = [{
        "type": "contour", "x": v.alphas.tolist(), "y": v.betas.tolist(),
        "z": np.where(np.isfinite(z), z, None).tolist(),
        "colorscale": "Viridis", "ncontours": 30, "contours": {"coloring": "heatmap"}, "line": {"width": 0.5},
        "colorbar": {"title": {"text": "log₁₀ loss"}, "thickness": 14},
        "hovertemplate": "a=%{x:.3g}<br>b=%{y:.3g}<br>log₁₀ loss=%{z:.3g}<extra></extra>",
    }]  # fmt: skip
    styles = run_styles(v.names)  # the playground's style per optimizer
    for i, (xy, lab) in enumerate(zip(v.coords, v.labels, strict=True)):
        st = styles[i]
        ok = np.isfinite(xy).all(axis=1)
        idx = np.flatnonzero(ok)
        data.append({"type": "scatter", "mode": "lines", "x": xy[ok, 0].tolist(), "y": xy[ok, 1].tolist(), "name": lab,
                     "line": {"color": st.color, "width": 3, "dash": st.dash}, "legendgroup": lab})  # fmt: skip
        if idx.size:
            k = idx[-1]
            data.append({"type": "scatter", "mode": "markers", "x": [xy[k, 0]], "y": [xy[k, 1]], "showlegend": False,
                         "legendgroup": lab, "name": f"{lab}: step {k}", "hoverinfo": "name",
                         "marker": {"symbol": st.symbol, "size": 12, "color": st.color,
                                    "line": {"color": "white", "width": 1.5}}})  # fmt: skip
    s0 = v.coords[0][0]
    data.append({"type": "scatter", "mode": "markers", "x": [s0[0]], "y": [s0[1]], "name": "initial weights",
                 "marker": {"symbol": "diamond", "size": 12, "color": "white",
                            "line": {"color": "black", "width": 1.5}}})  # fmt: skip
    return {"data": data, "layout": {
        "height": 560, "margin": {"l": 50, "r": 10, "t": 30, "b": 50},
        "xaxis": {"title": {"text": "a (first direction)"}, "range": [float(v.alphas[0]), float(v.alphas[-1])]},
        "yaxis": {"title": {"text": "b (second direction)"}, "range": [float(v.betas[0]), float(v.betas[-1])]},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }}  # fmt: skip


def series_figure(v: NetView, what: str) -> dict:
    """Per step: the loss (``what="loss"``, log scale) or the distance from the plane."""
    data = []
    styles = run_styles(v.names)  # the playground's style per optimizer
    for i, (r, res, lab) in enumerate(zip(v.runs, v.residuals, v.labels, strict=True)):
        st = styles[i]
        y = r.loss if what == "loss" else res
        data.append({"type": "scatter", "mode": "lines", "x": list(range(len(y))),
                     "y": np.where(np.isfinite(y), y, None).tolist(), "name": lab,
                     "line": {"color": st.color, "width": 2, "dash": st.dash}})  # fmt: skip
    title = "training loss" if what == "loss" else "distance from the plane"
    return {"data": data, "layout": {
        "height": 340, "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
        "legend": {"orientation": "h", "y": -0.25}, "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": title}, **({"type": "log", "dtick": 1} if what == "loss" else {"type": "linear"})},
    }}  # fmt: skip


def predict(net: networks.Net, params: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The network's outputs at inputs ``X`` (n, d): class-1 probability, or the regression output."""
    a = np.asarray(X, dtype=np.float64)
    parts = net.unflatten(params)
    step = 2 if net.bias else 1
    layers = [(parts[i], parts[i + 1] if net.bias else None) for i in range(0, len(parts), step)]
    for j, (w, b) in enumerate(layers):
        a = a @ w.T + (b if b is not None else 0.0)
        if j < len(layers) - 1:
            a = np.tanh(a) if net.activation == "tanh" else np.maximum(a, 0.0)
    if net.task == "classification":
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e[:, 1] / e.sum(axis=1)
    return a[:, 0]


def boundary_figure(
    net: networks.Net, params: np.ndarray, label: str, n: int = 120, style: RunStyle | None = None
) -> dict:
    """What the trained network computes: its class-1 probability over the input plane with the
    data on top, or for regression its curve through the points. ``style``: the run's (its
    colour and dash on the plane); the first run's by default."""
    style = style or run_style(0)
    X, y = net.X, net.y
    if net.task == "regression":
        xs = np.linspace(X[:, 0].min() - 0.2, X[:, 0].max() + 0.2, 200)
        fit = predict(net, params, xs[:, None])
        return {"data": [
            {"type": "scatter", "mode": "markers", "x": X[:, 0].tolist(), "y": y[:, 0].tolist(), "name": "data",
             "marker": {"color": "#333", "size": 5}},
            {"type": "scatter", "mode": "lines", "x": xs.tolist(), "y": fit.tolist(), "name": label,
             "line": {"color": style.color, "width": 3, "dash": style.dash}},
        ], "layout": {"height": 360, "margin": {"l": 40, "r": 10, "t": 30, "b": 40},
                      "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"}}}  # fmt: skip
    pad = 0.3
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, n)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, n)
    gx, gy = np.meshgrid(xs, ys)
    prob = predict(net, params, np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    data = [{"type": "contour", "x": xs.tolist(), "y": ys.tolist(), "z": prob.tolist(), "zmin": 0, "zmax": 1,
             "colorscale": "RdBu", "reversescale": True, "contours": {"start": 0, "end": 1, "size": 0.1},
             "opacity": 0.75,
             "colorbar": {"title": {"text": "P(class 1)"}, "thickness": 14}, "hoverinfo": "skip"}]  # fmt: skip
    for c, colour, sym in ((0, "#b2182b", "circle"), (1, "#2166ac", "square")):
        m = y == c
        data.append({"type": "scatter", "mode": "markers", "x": X[m, 0].tolist(), "y": X[m, 1].tolist(),
                     "name": f"class {c}", "marker": {"color": colour, "symbol": sym, "size": 6,
                                                       "line": {"color": "white", "width": 1}}})  # fmt: skip
    return {"data": data, "layout": {
        "height": 440, "margin": {"l": 40, "r": 10, "t": 30, "b": 40}, "title": {"text": label, "font": {"size": 13}},
        "legend": {"orientation": "h", "y": -0.15}, "yaxis": {"scaleanchor": "x"},
    }}  # fmt: skip


def accuracy(net: networks.Net, params: np.ndarray) -> float:
    """The share of training points classified right (classification only)."""
    return float(np.mean((predict(net, params, net.X) > 0.5) == (net.y == 1)))


def connection_figure(con: planes.Connection) -> dict:
    """The loss along the straight segment and along the trained Bézier curve."""
    return {"data": [
        {"type": "scatter", "mode": "lines", "x": con.t.tolist(), "y": con.segment_loss.tolist(),
         "name": f"straight segment (barrier {con.segment_barrier:.3g})",
         "line": {"color": "#d62728", "width": 3, "dash": "dash"}},
        {"type": "scatter", "mode": "lines", "x": con.t.tolist(), "y": con.curve_loss.tolist(),
         "name": f"trained Bézier curve (barrier {con.curve_barrier:.3g})", "line": {"color": "#1f77b4", "width": 3}},
    ], "layout": {"height": 340, "margin": {"l": 60, "r": 10, "t": 10, "b": 40},
                  "xaxis": {"title": {"text": "t (0 = first solution, 1 = second)"}},
                  "yaxis": {"title": {"text": "training loss"}},
                  "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"}}}  # fmt: skip


def connection_sentence(con: planes.Connection) -> str:
    """The barriers compared, computed (a teacher reads it aloud)."""
    if con.segment_barrier <= 1e-6:
        return (f"The straight segment between the two solutions never rises above its ends (barrier "
                f"{con.segment_barrier:.2g}): they are linearly connected.")  # fmt: skip
    ratio = con.curve_barrier / con.segment_barrier
    return (f"Walking straight from one solution to the other, the loss rises by up to {con.segment_barrier:.3g}; "
            f"along the trained curve by {con.curve_barrier:.3g} ({100 * ratio:.0f}% of it): "
            + ("the two solutions sit in one connected valley." if ratio < 0.2
               else "a lower pass, but still a rise."))  # fmt: skip


def paths_frame(v: NetView) -> pd.DataFrame:
    """One row per run × step: plane coordinates, the distance from the plane and the loss."""
    rows = []
    for name, lab, r, xy, res in zip(v.names, v.labels, v.runs, v.coords, v.residuals, strict=True):
        rows.append(pd.DataFrame({"optimizer": name, "label": lab, "step": np.arange(r.steps + 1), "a": xy[:, 0],
                                  "b": xy[:, 1], "distance_from_plane": res, "loss": r.loss}))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def grid_frame(v: NetView) -> pd.DataFrame:
    """The loss grid on the plane, long format (a, b, loss)."""
    a, b = np.meshgrid(v.alphas, v.betas)
    return pd.DataFrame({"a": a.ravel(), "b": b.ravel(), "loss": v.grid.ravel()})


def stop_text(r: networks.Training) -> str | None:
    """ "diverged at step k" for a run that stopped (its loss or weights stopped being finite)."""
    return None if r.diverged_step is None else f"diverged at step {r.diverged_step}"


def label_for(name: str, hyper: dict[str, Any]) -> str:
    spec = optimizers.spec(name)
    lr = hyper.get("lr", spec.defaults()["lr"])
    return f"{spec.label} · lr={lr:g}"


__all__ = ["PLANES", "NetView", "boundary_figure", "connection_figure", "plane_figure", "train_runs", "view"]


# --- exports: the playground's renderer drawing the plane ----------------------------------------


class PlaneSurface:
    """The loss on a view's plane shaped like a ``landscapes.Surface`` for the export renderer:
    the exact grid, interpolated bilinearly between its points for the picture."""

    article = False
    minima: tuple = ()
    minima_values: tuple = ()
    n_global = 0
    minimum_curves: tuple = ()

    def __init__(self, v: NetView):
        from scipy.interpolate import RegularGridInterpolator

        self.name = f"log₁₀ loss on a plane through {v.net.n_params} weights"
        self.axis_titles = ("a (first direction)", "b (second direction)")
        self.start_label = "initial weights"  # as the page calls it
        self.colorbar_title = "log₁₀ loss"  # the exports draw a colour bar, as the page's map has
        self.bounds = ((float(v.alphas[0]), float(v.alphas[-1])), (float(v.betas[0]), float(v.betas[-1])))
        z = np.log10(np.maximum(v.grid, 1e-12))  # shaded as the page shows it: by log loss
        self._f = RegularGridInterpolator((v.betas, v.alphas), z, bounds_error=False, fill_value=np.nan)

    def value(self, x: Any, y: Any) -> np.ndarray:
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        return self._f(np.stack([y.ravel(), x.ravel()], axis=1)).reshape(x.shape)

    def grid(self, n: int, bounds=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        (x0, x1), (y0, y1) = bounds or self.bounds
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        return xs, ys, self.value(xs[None, :], ys[:, None])


@dataclass
class _PlanePath:
    """A run's path on the plane, shaped like an ``optimizers.Trajectory`` for the renderer."""

    optimizer: str
    path: np.ndarray
    loss: np.ndarray
    diverged_step: int | None

    @property
    def steps(self) -> int:
        return self.path.shape[0] - 1


def export_result(v: NetView):
    """The view as the playground's (``Result``, ``View``) pair, so its PNG, GIF and MP4 exports
    draw the plane: the same renderer, colours, dashes and step numbers."""
    from viz.figures import Line
    from viz.playground import Result
    from viz.state import View

    lines = []
    styles = run_styles(v.names)  # the playground's style per optimizer
    for i, (name, lab, r, xy) in enumerate(zip(v.names, v.labels, v.runs, v.coords, strict=True)):
        st = styles[i]
        tr = _PlanePath(name, xy, r.loss, r.diverged_step)
        lines.append(Line(name, lab, st.color, tr, dash=st.dash, symbol=st.symbol, legend=lab))
    start = tuple(float(c) for c in v.coords[0][0])
    return Result(PlaneSurface(v), lines), View(surface="network", start=start, steps=v.runs[0].steps)
