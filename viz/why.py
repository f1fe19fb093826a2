"""See why: critical points, curvature against the stability limit, the local quadratic at the
inspected step, gradient flows and the path between two minima, as data for every renderer.

Pure (no Streamlit). ``compute_why`` runs the engine's pieces for a view's toggles; the map's
overlays are ``Mark``s, drawn the same way by Plotly (``mark_traces``) and by the PNG/GIF/MP4
renderer (``viz.export``), so an export shows what the page shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

import landscapes
import optimizers
from landscapes.critical import CriticalPoint, critical_points
from landscapes.flow import Flow, gradient_flow
from landscapes.mep import EnergyPath, minimum_energy_path
from viz.cache import CACHE
from viz.figures import Line, _log_ticks, _sig
from viz.state import WHY

WHY_LABELS = {
    "critical": "critical points",
    "flow": "gradient flow",
    "quadratic": "local quadratic",
    "curvature": "curvature",
    "path": "path between minima",
}
WHY_HELP = {
    "critical": "Every point where the gradient vanishes, classified by its Hessian: minimum (green ring), "
    "saddle (×), maximum (▲), degenerate (■, a zero eigenvalue).",
    "flow": "The continuous path θ' = −∇f(θ) from the start (black), and for each plain gradient-descent run the "
    "modified flow θ' = −∇(f + (lr/4)‖∇f‖²) (Barrett & Dherin 2021), dotted in its colour. Gradient descent's "
    "step k corresponds to the flow at time t = k·lr: the gaps below compare them at equal times, so a run can "
    "follow the flow's path on the map and still be ahead of it or behind it.",
    "quadratic": "At θₖ of each run, drawn in grey: the second-order model f(θₖ) + gᵀd + ½dᵀHd — its level "
    "curve through θₖ (an ellipse where H curves the same way in both directions: up near a minimum, down near a "
    "maximum, where the Newton step points uphill; a hyperbola at a saddle-like point), its principal axes, and "
    "the Newton step (dashed arrow) to the model's stationary point.",
    "curvature": "The sharpness λmax(H) along each run (λmax(P⁻¹H) for Adam, AdamW, Adamax, RMSProp and "
    "Adagrad, with the step's own denominator P) against the largest curvature that optimizer converges on at "
    "its learning rate: 2/lr for gradient descent and Adagrad (Cohen et al. 2021); 2(1+μ)/lr for heavy-ball "
    "momentum μ (3.8/lr at 0.9) and RMSProp; (2+2μ)/((1+2μ)lr) for Nesterov (1.357/lr at 0.9); "
    "(2+2β1)/((1−β1)lr) for Adam (38/lr at β1 = 0.9; Cohen et al. 2022). The limit only bounds directions that "
    "curve up.",
    "path": "The minimum-energy path between two minima (string method): the lowest route over the ridges "
    "between them, crossing each at a saddle; its highest point sets the barrier. The straight segment is drawn "
    "for comparison.",
}
KIND_STYLE = {  # marker symbol, colour, legend text
    "minimum": ("circle-open", "#1a7f37", "critical: minimum"),
    "saddle": ("x", "#cf222e", "saddle"),
    "maximum": ("triangle-up", "#8250df", "maximum"),
    "degenerate": ("square", "#bc4c00", "degenerate"),
}
KIND_NAMES = tuple(name for *_, name in KIND_STYLE.values())
GD_NAMES = ("sgd",)  # the modified flow describes plain gradient descent


@dataclass(frozen=True)
class Mark:
    """One overlay on the map: a polyline or a set of markers, with its legend entry."""

    name: str
    x: np.ndarray
    y: np.ndarray
    color: str
    mode: str = "lines"  # "lines", "markers" or "lines+markers" (an arrow: a marker at the end only)
    dash: str = "solid"
    width: float = 1.5
    symbol: str = "circle"
    size: float = 10.0
    hover: tuple[str, ...] = ()
    legend: bool = True
    group: str = ""


@dataclass
class Why:
    """What the toggles computed for one view (each field empty when its toggle is off)."""

    shown: tuple[str, ...] = ()
    critical: list[CriticalPoint] = field(default_factory=list)
    flow: Flow | None = None
    modified: list[tuple[Line, Flow, Flow]] = field(default_factory=list)  # (run, its modified flow, plain flow)
    path: EnergyPath | None = None
    ends: tuple[tuple[float, float], tuple[float, float]] | None = None
    sharpness: list[tuple[Line, optimizers.Sharpness]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def minima_in_view(surface: landscapes.Surface) -> list[tuple[float, float]]:
    """The isolated minima inside the view window, lowest first: the choices for a path's ends."""
    (x0, x1), (y0, y1) = surface.bounds
    return [(float(x), float(y)) for x, y in surface.minima if x0 <= x <= x1 and y0 <= y <= y1]


def flow_time(lines: list[Line], steps: int) -> float:
    """The flow's duration: steps·lr of the longest plain gradient-descent run (the time its last
    step is comparable with), else 100."""
    times = [steps * float(ln.traj.hyperparameters["lr"]) for ln in lines if ln.traj.optimizer in GD_NAMES]
    return max(times) if times else 100.0


def compute_why(surface: landscapes.Surface, lines: list[Line], start, steps: int, shown, ends=None) -> Why:
    """Run the engine pieces that ``shown`` (a subset of ``WHY``) asks for. ``ends`` picks the
    path's two minima by index in ``minima_in_view`` (default: the two lowest)."""
    why = Why(shown=tuple(w for w in WHY if w in set(shown)))
    key = (surface.name, surface.bounds)

    def cached(what: tuple, fn):  # the surface's pieces are shared by every view (and session) that asks
        return CACHE.get_or_compute(("why", *key, *what), fn)

    if "critical" in why.shown:
        why.critical = cached(("critical",), lambda: critical_points(surface))
        if not why.critical:
            why.notes.append("No isolated critical point in the view window.")
    if "flow" in why.shown:
        t_end = flow_time(lines, steps)
        start = (float(start[0]), float(start[1]))
        n = steps + 1  # the runs' flows are sampled at t = k·lr: gradient descent's step k, exactly
        dense = max(1000, n)  # the drawn flow: smooth wherever it moves, however long it rests
        why.flow = cached(("flow", start, t_end, dense, "geometric"),
                          lambda: gradient_flow(surface, start, t_end, n=dense, spacing="geometric"))  # fmt: skip
        if why.flow.stopped == "left for infinity":
            why.notes.append(f"The gradient flow runs off to infinity (|θ| ≥ 10⁶) at t ≈ {why.flow.t[-1]:.3g}.")
        elif why.flow.stopped:
            why.notes.append(f"The gradient flow stopped at t ≈ {why.flow.t[-1]:.3g}: {why.flow.stopped}.")
        for ln in lines:
            if ln.traj.optimizer in GD_NAMES:
                lr = float(ln.traj.hyperparameters["lr"])
                t = steps * lr
                mod = cached(("flow", start, t, n, lr), partial(gradient_flow, surface, start, t, modified_lr=lr, n=n))
                plain = cached(("flow", start, t, n), partial(gradient_flow, surface, start, t, n=n))
                why.modified.append((ln, mod, plain))
    if "path" in why.shown:
        mins = minima_in_view(surface)
        i, j = ends if ends is not None else (0, 1)
        if len(mins) < 2:
            why.notes.append("The path between two minima needs two isolated minima in the view window.")
        elif not (0 <= i < len(mins) and 0 <= j < len(mins)) or i == j:
            why.notes.append("The path's ends must be two different minima of the view.")
        else:
            why.ends = (mins[i], mins[j])
            why.path = cached(("path", mins[i], mins[j]), lambda: minimum_energy_path(surface, mins[i], mins[j]))
    if "curvature" in why.shown:
        why.sharpness = [(ln, optimizers.sharpness(ln.traj)) for ln in lines]
    return why


def for_view(view, result) -> Why:
    """``compute_why`` for a playground view and its computed result."""
    return compute_why(result.surface, result.lines, view.start, view.steps, view.why, view.ends)


def view_marks(why: Why, surface: landscapes.Surface, lines: list[Line], k: int | None, bounds) -> list[Mark]:
    """Every overlay the toggles ask for; the local quadratic at step ``k`` (none when ``k`` is None)."""
    marks = map_marks(why, bounds)
    if "quadratic" in why.shown and k is not None:
        marks += quadratic_marks(surface, lines, k, bounds)
    return marks


# --- marks on the map ---------------------------------------------------------------------------


def _clip(path: np.ndarray, bounds, margin: float = 1.0) -> np.ndarray:
    """``path`` with points far outside the window (beyond ``margin`` windows) set to NaN: the
    line breaks there and no huge number reaches the browser."""
    (x0, x1), (y0, y1) = bounds
    w, h = x1 - x0, y1 - y0
    out = np.array(path, dtype=float)
    far = (out[:, 0] < x0 - margin * w) | (out[:, 0] > x1 + margin * w)
    far |= (out[:, 1] < y0 - margin * h) | (out[:, 1] > y1 + margin * h)
    out[far] = np.nan
    return out


def map_marks(why: Why, bounds) -> list[Mark]:
    """The static overlays the toggles ask for: critical points, flows, the path between minima."""
    out: list[Mark] = []
    if why.flow is not None:
        p = _clip(why.flow.path, bounds)
        out.append(Mark("gradient flow", p[:, 0], p[:, 1], "black", width=1.5,
                        hover=(f"gradient flow, t = 0 … {why.flow.t[-1]:.3g}",) * len(p)))  # fmt: skip
    for ln, fl, _ in why.modified:
        p = _clip(fl.path, bounds)
        lr = ln.traj.hyperparameters["lr"]
        out.append(Mark(f"modified flow lr={lr:g}", p[:, 0], p[:, 1], ln.color, dash="dot", width=2.0))
    if why.path is not None:
        p, (a, b) = why.path.path, why.ends
        out.append(Mark("straight segment", np.array([a[0], b[0]]), np.array([a[1], b[1]]), "#57606a", dash="dash",
                        width=1.5))  # fmt: skip
        out.append(Mark("path between minima", p[:, 0], p[:, 1], "#0969da", width=3.0, group="path"))
        s = why.path.saddle
        tip = f"highest point on the path, barrier {why.path.barrier:.4g}"
        out.append(Mark("its highest point", np.array([s[0]]), np.array([s[1]]), "#0969da", mode="markers",
                        symbol="hexagon", size=11, hover=(tip,), legend=False, group="path"))  # fmt: skip
    for kind, (symbol, color, name) in KIND_STYLE.items():
        pts = [c for c in why.critical if c.kind == kind]
        if pts:
            out.append(Mark(name, np.array([c.x for c in pts]), np.array([c.y for c in pts]), color, mode="markers",
                            symbol=symbol, size=13 if kind == "minimum" else 10,
                            hover=tuple(_point_text(c) for c in pts)))  # fmt: skip
    return out


def _point_text(c: CriticalPoint) -> str:
    return (f"{c.kind} at ({c.x:.4g}, {c.y:.4g}), f = {c.value:.4g}, "
            f"Hessian eigenvalues {c.eigenvalues[0]:.3g}, {c.eigenvalues[1]:.3g}")  # fmt: skip


@dataclass(frozen=True)
class Quadratic:
    """The second-order model at θₖ: its centre (the Newton point θₖ − H⁻¹g), eigenvalues
    (ascending) and eigenvectors (columns), and r = dᵀHd at θₖ relative to the centre: the level
    curve through θₖ is {c + u : uᵀHu = r}."""

    point: np.ndarray
    centre: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    r: float

    @property
    def kind(self) -> str:
        lo, hi = self.eigenvalues
        if lo > 0:
            return "ellipse"
        if hi < 0:
            return "ellipse (both directions curve down)"
        return "hyperbola"


def local_quadratic(surface: landscapes.Surface, point) -> Quadratic | None:
    """The model at ``point``, or None where H is singular or the gradient is not finite."""
    x, y = float(point[0]), float(point[1])
    with np.errstate(all="ignore"):
        g = np.array(surface.gradient(x, y), dtype=float)
        hxx, hxy, hyy = (float(v) for v in surface.hessian(x, y))
    h = np.array([[hxx, hxy], [hxy, hyy]])
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
        return None
    lam, vec = np.linalg.eigh(h)
    if min(abs(lam)) <= 1e-12 * max(1.0, max(abs(lam))):
        return None
    d = -np.linalg.solve(h, g)  # the Newton step
    centre = np.array([x, y]) + d
    r = float(d @ h @ d)
    return Quadratic(np.array([x, y]), centre, lam, vec, r)


def _conic(q: Quadratic, span: float, n: int = 161) -> np.ndarray:
    """Points of {c + u : uᵀHu = r} (NaN-separated branches), at most ~2 spans from θₖ."""
    lam, vec, r = q.eigenvalues, q.eigenvectors, q.r
    if r == 0 or not math.isfinite(r):
        return np.empty((0, 2))
    if np.all(lam * r > 0):  # an ellipse
        t = np.linspace(0, 2 * np.pi, n)
        u = np.stack([np.sqrt(r / lam[0]) * np.cos(t), np.sqrt(r / lam[1]) * np.sin(t)], axis=1)
        return q.centre + u @ vec.T
    # a hyperbola: the axis whose λ has r's sign carries the vertices
    a = 0 if lam[0] * r > 0 else 1
    b = 1 - a
    ra, rb = math.sqrt(r / lam[a]), math.sqrt(-r / lam[b])
    smax = math.asinh(3 * span / min(ra, rb)) if min(ra, rb) > 0 else 3.0
    s = np.linspace(-smax, smax, n)
    pieces = []
    for sign in (1.0, -1.0):
        u = np.zeros((n, 2))
        u[:, a] = sign * ra * np.cosh(s)
        u[:, b] = rb * np.sinh(s)
        pieces += [q.centre + u @ vec.T, np.full((1, 2), np.nan)]
    return np.vstack(pieces)


QUAD_COLOR = "#3d3d3d"  # the local model in one neutral colour: it is not a run


def quadratic_marks(surface: landscapes.Surface, lines: list[Line], k: int, bounds) -> list[Mark]:
    """At θₖ of each run (once per distinct point): the model's level curve through θₖ, its
    principal axes and the Newton step, in grey with the run named on hover."""
    (x0, x1), (y0, y1) = bounds
    span = max(x1 - x0, y1 - y0)
    out: list[Mark] = []
    done: list[np.ndarray] = []
    for ln in lines:
        tr = ln.traj
        kk = min(k, tr.steps)
        if tr.diverged_step is not None and kk >= tr.diverged_step:
            continue
        if any(np.allclose(tr.path[kk], p, rtol=0, atol=1e-12 * span) for p in done):
            continue  # several runs at one point (the start): one model
        done.append(tr.path[kk])
        q = local_quadratic(surface, tr.path[kk])
        if q is None:
            continue
        names = ", ".join(o.label for o in lines if np.allclose(o.traj.path[min(k, o.traj.steps)], tr.path[kk],
                                                                  rtol=0, atol=1e-12 * span))  # fmt: skip
        curve = _clip(_conic(q, span), bounds)
        first = not any(m.legend for m in out) and bool(np.isfinite(curve).any())
        tip = (f"{names}: the model's {q.kind}",) * len(curve)
        out.append(Mark("local model at θₖ", curve[:, 0], curve[:, 1], QUAD_COLOR, dash="dashdot", width=1.5,
                        legend=first, group="quadratic", hover=tip))  # fmt: skip
        axes = []
        for i in range(2):
            half = math.sqrt(abs(q.r / q.eigenvalues[i])) if q.r else 0.1 * span
            half = min(max(half, 0.05 * span), 2 * span)
            v = q.eigenvectors[:, i] * half
            axes += [q.centre - v, q.centre + v, np.full(2, np.nan)]
        ax = _clip(np.array(axes), bounds)
        out.append(Mark("principal axes", ax[:, 0], ax[:, 1], QUAD_COLOR, dash="dot", width=1.0, legend=False,
                        group="quadratic"))  # fmt: skip
        nw = _clip(np.array([q.point, q.centre]), bounds)
        out.append(Mark("Newton step", nw[:, 0], nw[:, 1], QUAD_COLOR, mode="lines+markers", dash="dash", width=2.0,
                        symbol="arrow", size=12, legend=False, group="quadratic",
                        hover=(f"{names}: Newton step to ({q.centre[0]:.3g}, {q.centre[1]:.3g})",) * 2))  # fmt: skip
    return out


def mark_traces(marks: list[Mark], digits: int = 6) -> list[dict]:
    """Plotly scatter traces for ``marks`` (an arrow is a line with an arrowhead at its end)."""
    out = []
    for m in marks:
        x, y = _sig(np.asarray(m.x, float), digits), _sig(np.asarray(m.y, float), digits)
        t: dict = {"type": "scatter", "name": m.name, "x": x, "y": y, "showlegend": m.legend,
                   "legendgroup": m.group or m.name, "legendrank": 2000}  # after the runs in the legend  # fmt: skip
        if m.mode == "markers":
            t |= {"mode": "markers", "marker": {"symbol": m.symbol, "size": m.size, "color": m.color,
                                                "line": {"color": "white" if m.symbol != "circle-open" else m.color,
                                                         "width": 1 if m.symbol != "circle-open" else 3}}}  # fmt: skip
        elif m.mode == "lines+markers":
            sizes = [0] * (len(m.x) - 1) + [m.size]
            t |= {"mode": "lines+markers", "line": {"color": m.color, "width": m.width, "dash": m.dash},
                  "marker": {"symbol": m.symbol, "size": sizes, "color": m.color, "angleref": "previous"}}  # fmt: skip
        else:
            t |= {"mode": "lines", "line": {"color": m.color, "width": m.width, "dash": m.dash}}
        if m.hover:
            t |= {"text": list(m.hover), "hoverinfo": "text"}
        else:
            t |= {"hoverinfo": "name"}
        out.append(t)
    return out


# --- panels ------------------------------------------------------------------------------------


def curvature_figure(rows: list[tuple[Line, optimizers.Sharpness]], shown_step: int | None = None,
                     height: int = 360) -> dict:  # fmt: skip
    """Sharpness against the step, each run in its colour and dash, its stability limit as a thin
    dashed line of the same colour; a log axis when the values are positive and span decades."""
    data, vals = [], []
    for ln, sh in rows:
        k = np.arange(len(sh.value))
        vals.append(sh.value[np.isfinite(sh.value)])
        style = {"color": ln.color, "width": 2, "dash": ln.dash}
        data.append({"type": "scatter", "mode": "lines", "x": k, "y": _sig(sh.value), "legendgroup": ln.key,
                     "name": f"{ln.label}: {sh.symbol}", "line": style})  # fmt: skip
        if sh.limit is not None:
            lim = np.where(np.isfinite(sh.limit), sh.limit, np.nan)
            vals.append(lim[np.isfinite(lim)])
            data.append({"type": "scatter", "mode": "lines", "x": k, "y": _sig(lim),
                         "name": f"{ln.label}: limit {sh.rule}", "legendgroup": ln.key,
                         "line": {"color": ln.color, "width": 1.5, "dash": "dot"}})  # fmt: skip
    allv = np.concatenate(vals) if vals else np.zeros(0)
    wide = allv.size and np.all(allv > 0) and allv.max() > 50 * allv.min()  # a log axis only across decades
    yaxis = _log_ticks(allv) if wide else {"type": "linear"}
    clip = _warmup_clip(rows)
    if clip is not None:  # the first steps of an adaptive method (v̂ ≈ 0) would squash the rest
        lo, hi = clip
        yaxis["range"] = [math.log10(lo), math.log10(hi)] if yaxis["type"] == "log" else [min(0.0, lo), hi]
    steps = max((len(sh.value) - 1 for _, sh in rows), default=0)
    k = steps if shown_step is None else int(np.clip(shown_step, 0, steps))
    cursor = {"type": "line", "xref": "x", "yref": "paper", "x0": k, "x1": k, "y0": 0, "y1": 1,
              "line": {"color": "#555", "width": 1, "dash": "dot"}}  # fmt: skip
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 60, "r": 10, "t": 10, "b": 40}, "hovermode": "x unified",
        "font": {"color": "#262730"}, "shapes": [cursor],
        "legend": {"orientation": "h", "y": -0.28, "yanchor": "top", "x": 0},
        "xaxis": {"title": {"text": "step k"}, "showline": True, "zeroline": False},
        "yaxis": {**yaxis, "title": {"text": "sharpness"}, "showline": True},
    }}  # fmt: skip


WARMUP = 10  # steps of an adaptive method whose denominator is still near zero


def _warmup_clip(rows) -> tuple[float, float] | None:
    """A y range that leaves out the preconditioned sharpness's first ``WARMUP`` steps when they
    tower over the rest (P ≈ ε before v̂ has grown), or None when nothing needs leaving out."""
    pre = [sh for _, sh in rows if sh.preconditioned and len(sh.value) > 4 * WARMUP]
    if not pre:
        return None
    rest = [sh.value[WARMUP:] for _, sh in rows] + [sh.limit for _, sh in rows if sh.limit is not None]
    rest = np.concatenate(rest)
    rest = rest[np.isfinite(rest)]
    early = np.concatenate([sh.value[:WARMUP] for sh in pre])
    early = early[np.isfinite(early)]
    if not rest.size or not early.size or early.max() <= 2 * rest.max():
        return None
    return float(rest[rest > 0].min()) / 1.5 if np.any(rest > 0) else float(rest.min()), float(rest.max()) * 1.5


def warmup_note(rows) -> str | None:
    """Says so when the curvature chart leaves out an adaptive method's first steps."""
    if _warmup_clip(rows) is None:
        return None
    return (f"The first {WARMUP} steps of the adaptive methods run off the top of the chart: their denominator "
            "√v̂ + ε starts near ε where a coordinate's gradient is still 0.")  # fmt: skip


def path_figure(path: EnergyPath, height: int = 300) -> dict:
    """f along the minimum-energy path and along the straight segment, against the fraction of
    the way from one minimum to the other."""
    a, b = path.path[0], path.path[-1]
    seg = np.linspace(0, 1, len(path.straight_loss))
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path.path, axis=0).T))])
    arc = arc / arc[-1] if arc[-1] > 0 else arc
    data = [
        {"type": "scatter", "mode": "lines", "x": _sig(arc), "y": _sig(path.loss), "name": "minimum-energy path",
         "line": {"color": "#0969da", "width": 3}},
        {"type": "scatter", "mode": "lines", "x": _sig(seg), "y": _sig(path.straight_loss), "name": "straight segment",
         "line": {"color": "#57606a", "width": 1.5, "dash": "dash"}},
    ]  # fmt: skip
    return {"data": data, "layout": {
        "height": height, "margin": {"l": 60, "r": 10, "t": 10, "b": 40}, "hovermode": "x unified",
        "font": {"color": "#262730"}, "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": {"title": {"text": f"fraction of the way from ({a[0]:.3g}, {a[1]:.3g}) to ({b[0]:.3g}, {b[1]:.3g})"},
                  "showline": True, "zeroline": False},
        "yaxis": {"title": {"text": "f"}, "showline": True},
    }}  # fmt: skip


# --- sentences computed from the results ---------------------------------------------------------


def edge_of_stability(sh: optimizers.Sharpness, window: float = 0.5) -> dict | None:
    """How a run met its stability limit: the first step its sharpness exceeded the limit, the
    fraction of steps below it before then, and the median of sharpness/limit over the last
    ``window`` of the run. None when the optimizer has no closed-form limit."""
    if sh.limit is None:
        return None
    ratio = sh.value / sh.limit
    ok = np.isfinite(ratio)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    above = np.flatnonzero(ok & (ratio > 1))
    late = ratio[idx[int(len(idx) * (1 - window)) :]]
    return {
        "start": float(ratio[idx[0]]),
        "first_above": int(above[0]) if above.size else None,
        "late_mean": float(np.mean(late)),
        "late_min": float(np.min(late)),
        "late_max": float(np.max(late)),
    }


def curvature_texts(rows: list[tuple[Line, optimizers.Sharpness]]) -> list[str]:
    """One sentence per run: where its sharpness stands against its limit, from its own results."""
    out = []
    for ln, sh in rows:
        e = edge_of_stability(sh)
        finite = sh.value[np.isfinite(sh.value)]
        if e is None:
            if finite.size:
                out.append(f"**{ln.label}**: sharpness from {finite[0]:.3g} to {finite[-1]:.3g}; no closed-form "
                           "stability limit for this optimizer.")  # fmt: skip
            continue
        lim, mean, peak = sh.rule, e["late_mean"], e["late_max"]
        if sh.preconditioned:  # the first steps (P ≈ ε) say little: the second half says where it settled
            text = (f"**{ln.label}**: over the second half {sh.symbol} averages {mean:.2f}× its limit {lim} "
                    f"(at most {peak:.2f}×)")  # fmt: skip
            text += " — at the edge of stability." if 0.85 <= mean <= 1.1 and peak <= 1.3 else "."
        elif e["first_above"] is None:
            text = f"**{ln.label}**: {sh.symbol} stays below {lim} (at most {peak:.0%} of it over the second half)."
        elif abs(mean - 1) <= 0.05:
            text = (f"**{ln.label}**: {sh.symbol} first exceeds {lim} at step {e['first_above']}, then hovers at it "
                    f"— on average {mean:.2f}× the limit over the second half (edge of stability).")  # fmt: skip
        else:
            text = (f"**{ln.label}**: {sh.symbol} first exceeds {lim} at step {e['first_above']}; over the second "
                    f"half it is {mean:.2f}× the limit on average.")  # fmt: skip
        lam = ln.traj.hessian_eigenvalues
        last = np.flatnonzero(np.isfinite(lam[:, 0]))
        if last.size and lam[last[-1], 0] < 0:
            text += (" At its last point the surface curves down in one direction (λmin < 0): the limit bounds "
                     "only the directions that curve up, so nothing stops the run along that one.")  # fmt: skip
        out.append(text)
    return out


def flow_texts(why: Why) -> list[str]:
    """Per plain gradient-descent run: how far its iterates stray from the gradient flow and from
    its modified flow, both sampled at the step times t = k·lr."""
    out = []
    for ln, mod, plain in why.modified:
        tr = ln.traj
        if tr.diverged_step is not None:
            out.append(f"**{ln.label}** diverged at step {tr.diverged_step}: at this learning rate gradient descent "
                       "does not follow any flow.")  # fmt: skip
            continue
        n = min(len(mod.t), len(plain.t), tr.steps + 1)
        if n < 2:
            continue
        d_plain = np.hypot(*(tr.path[:n] - plain.path[:n]).T)
        d_mod = np.hypot(*(tr.path[:n] - mod.path[:n]).T)
        k = n - 1
        out.append(f"**{ln.label}**: at step {k} it is {d_plain[k]:.2g} from the "
                   f"gradient flow at t = {plain.t[k]:.3g} and {d_mod[k]:.2g} from its modified flow; the largest "
                   f"gaps along the way are {d_plain.max():.2g} and {d_mod.max():.2g}.")  # fmt: skip
    if why.flow is not None and not why.modified:
        out.append(f"The gradient flow is drawn to t = {why.flow.t[-1]:.3g}. Add plain gradient descent (SGD) to "
                   "compare its steps with the flow (step k ↔ t = k·lr).")  # fmt: skip
    return out


def _num(v: float, scale: float = 1.0) -> str:
    """A value as the tables show it: 4 significant digits, and 0 for round-off (|v| ≤ 10⁻⁹·scale)."""
    return "0" if abs(v) <= 1e-9 * max(scale, 1.0) else f"{v:.4g}"


def critical_rows(points: list[CriticalPoint], minima: list[tuple[float, float]] = ()) -> list[dict]:
    """The critical points as table rows, lowest f first; a minimum carries its number in the path's
    menus (its place in ``minima``, counted from 1)."""
    rows = []
    for c in points:
        num = next((str(i + 1) for i, m in enumerate(minima) if math.dist(m, (c.x, c.y)) < 1e-6), "")
        big = max(abs(c.eigenvalues[0]), abs(c.eigenvalues[1]))
        rows.append({"kind": c.kind + (f" {num}" if num else ""), "x": _num(c.x), "y": _num(c.y),
                     "f": _num(c.value, abs(c.value)), "Hessian eigenvalues":
                     f"{_num(c.eigenvalues[0], big)}, {_num(c.eigenvalues[1], big)}"})  # fmt: skip
    return rows


def path_text(path: EnergyPath) -> str:
    """The barrier along the path against the straight segment's, and the saddles and minima it
    passes on the way, from the computed losses."""
    s, f = path.saddle, path.loss
    inner = np.arange(1, len(f) - 1)
    peaks = int(np.sum((f[inner] > f[inner - 1]) & (f[inner] >= f[inner + 1])))
    dips = int(np.sum((f[inner] < f[inner - 1]) & (f[inner] <= f[inner + 1])))
    text = f"The minimum-energy path's highest point is at ({s[0]:.4g}, {s[1]:.4g}), {path.barrier:.4g} above "
    text += "the higher end"
    if peaks > 1:
        text += f"; on the way it crosses {peaks} saddles and passes {dips} other minim{'a' if dips != 1 else 'um'}"
    if round(path.straight_barrier, 2) <= round(path.barrier, 2):
        same = f"{path.straight_barrier:.4g}"
        return text + f". The straight segment climbs as much ({same}): here it is already the lowest route."
    return text + f". The straight segment climbs {path.straight_barrier:.4g}."
