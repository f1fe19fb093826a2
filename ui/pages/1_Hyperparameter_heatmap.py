"""Hyperparameter heatmap: one optimizer, two of its hyperparameters swept on a grid, one metric per cell.

Clicking a cell draws that run's trajectory on the landscape beside the heatmap.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

import optimizers
from ui.widgets import (
    chart,
    csv_download,
    hyper_widget,
    md,
    optimizer_label,
    progress_bar,
    run_legend,
    start_inputs,
    surface_select,
)
from viz import export, figures, sweeps
from viz import sweep_figures as sf
from viz.figures import Line, run_color
from viz.playground import Result
from viz.sweeps import fmt_number

st.set_page_config(page_title="Hyperparameter heatmap", page_icon="🟪", layout="wide")
ss = st.session_state
SECOND = ("momentum", "beta1", "alpha", "rho", "damping", "lr_decay", "beta2", "eps")


def default_axis(opt: str, h, which: str) -> tuple[float, float, bool]:
    """A useful default range: two decades either side of the default lr, the slider range otherwise."""
    if h.name == "lr":
        lo, hi = h.default / 100, min(h.default * 1000, 100.0)
        return float(f"{lo:.3g}"), float(f"{hi:.3g}"), True
    if h.name == "noise":
        return 0.0, 2.0, False
    lo, hi = h.ui
    return float(lo), float(hi), bool(h.log)


def axis_controls(opt: str, which: str, default_name: str, exclude: str | None) -> sweeps.Axis:
    hs = [h for h in sweeps.sweepable(opt) if h.name != exclude]
    names = [h.name for h in hs]
    k = f"hm::{opt}::{which}"
    if ss.get(k) not in names:
        ss[k] = default_name if default_name in names else names[0]
    name = st.selectbox(f"{which} axis", names, key=k)
    h = next(h for h in hs if h.name == name)
    lo0, hi0, log0 = default_axis(opt, h, which)
    c1, c2 = st.columns(2)
    lo = c1.number_input("from", value=lo0, key=f"{k}::{name}::lo", format="%.4g")
    hi = c2.number_input("to", value=hi0, key=f"{k}::{name}::hi", format="%.4g")
    log = st.checkbox("log scale", value=log0, key=f"{k}::{name}::log",
                      help="space the values evenly in log10 (for ranges over several decades, like lr)")  # fmt: skip
    return sweeps.Axis(name, float(lo), float(hi), int(ss["hm::n"]), bool(log))


with st.sidebar:
    st.header("Landscape")
    surf = surface_select("hm::surface", window=True)
    sx, sy = start_inputs("hm", surf)
    steps = st.number_input("steps", 1, 2000, value=200, step=25, key="hm::steps")

    st.header("Optimizer and axes")
    opt = st.selectbox("Optimizer", optimizers.names(), index=optimizers.names().index("momentum"),
                       key="hm::opt", format_func=optimizer_label)  # fmt: skip
    st.select_slider("cells per axis", [8, 16, 32, 48, 64, 96, 128, 192, 256], value=64, key="hm::n")
    own = [h.name for h in sweeps.sweepable(opt)]
    second = next((n for n in SECOND if n in own), "noise")
    xa = axis_controls(opt, "x", "lr", None)
    ya = axis_controls(opt, "y", second if second != xa.name else "noise", xa.name)
    st.header("Other settings")
    fixed = {}
    for h in optimizers.spec(opt).hypers:
        if h.name in (xa.name, ya.name):
            continue
        v = hyper_widget(f"hm::{opt}::fixed::{h.name}", h)
        if v != (bool(h.default) if h.kind == "bool" else h.default):
            fixed[h.name] = v
    if "noise" not in (xa.name, ya.name):
        noise = st.slider("gradient noise σ", 0.0, 3.0, 0.0, 0.05, key="hm::noise")
        if noise:
            fixed["noise"] = noise
    st.header("Colour")
    metric_help = "  \n".join(f"**{sweeps.METRICS[m]}**: {h}" for m, h in sweeps.METRIC_HELP.items())
    metric = st.selectbox("metric", list(sweeps.METRICS), format_func=sweeps.METRICS.get, key="hm::metric",
                          help=metric_help)  # fmt: skip
    log_color = st.checkbox("log colour scale", value=True, key="hm::logc",
                            help="colours by powers of ten; for final loss and distance only")  # fmt: skip

st.title("Hyperparameter heatmap")
st.caption(
    "Every cell is one run of the optimizer from the same start with the two hyperparameters set to the cell's "
    "values. Dark red cells diverged. Click a cell to draw its run on the map beside the heatmap (below it on a "
    "narrow screen)."
)

try:
    update, done = progress_bar(f"Running {xa.n * ya.n:,} × {steps} steps…")
    result = sweeps.heatmap(opt, surf, (sx, sy), int(steps), xa, ya, fixed, progress=update)
    done()
except (ValueError, TypeError) as e:
    st.error(f"Cannot run this sweep: {e}")
    st.stop()

cell_key = ("hm::cell", opt, surf.name, xa, ya)
z = result.metric(metric)
if ss.get("hm::cell_for") != cell_key:  # a new sweep: select its best cell
    ss["hm::cell_for"] = cell_key
    finite = np.isfinite(z)
    score = np.where(finite, z, np.inf) if metric != "diverged" else np.where(finite, -z, np.inf)
    ss["hm::cell"] = tuple(int(v) for v in np.unravel_index(int(np.argmin(score)), z.shape))


def on_click() -> None:
    ev = ss.get("hm::chart")
    pts = []
    if ev is not None:
        sel = ev.get("selection", {}) if isinstance(ev, dict) else getattr(ev, "selection", {})
        pts = sel.get("points", []) if isinstance(sel, dict) else []
    for p in pts:
        cell = sf.click_to_cell(result, p)
        if cell is not None:
            ss["hm::cell"] = cell
            break


j, i = ss["hm::cell"]
j, i = min(j, ya.n - 1), min(i, xa.n - 1)
hyper = result.cell_hyper(j, i)
left, right = st.columns([1, 1], gap="medium")
with left:
    fig = sf.heatmap_figure(result, metric, log_color, selected=(j, i))
    chart(fig, key="hm::chart", on_select=on_click, selection_mode="points")
    n_div = int(result.diverged.sum())
    st.caption(f"{n_div:,} of {result.diverged.size:,} runs diverged." if n_div else "No run diverged.")
    csv_download(result.frame(), f"heatmap_{opt}_{surf.name}_{xa.name}_{ya.name}.csv")
with right:
    tr = optimizers.trajectory(opt, surf, (sx, sy), int(steps), **hyper)
    label = (
        f"{xa.name} = {fmt_number(hyper[xa.name], small=1e-6)}, {ya.name} = {fmt_number(hyper[ya.name], small=1e-6)}"
    )
    line = Line(opt, optimizer_label(opt), run_color(opt), tr, legend=run_legend(opt, hyper))
    fig = figures.trajectory_figure(surf, [line], (sx, sy), click_grid=2, height=560)
    chart(fig, key="hm::traj")
    csv_download(lambda: export.trajectories_frame(Result(surf, [line])), f"run_{opt}_{surf.name}.csv",
                 label="Download this run (CSV)", key="hm::run_csv")  # fmt: skip
    value = z[j, i]
    st.markdown(
        f"**Selected cell:** {label}  \n"
        + (f"diverged at step {tr.diverged_step}" if tr.diverged_step is not None
           else f"{md(sweeps.METRICS[metric])}: **{fmt_number(value)}**" if math.isfinite(value) else "never settles")
    )  # fmt: skip
