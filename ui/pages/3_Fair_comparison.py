"""Fair comparison: every optimizer gets the same tuning budget on the same surface and starts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import optimizers
from ui.widgets import chart, csv_download, md, optimizer_label, progress_bar, run_legend, surface_select, table
from viz import export, figures, sweeps
from viz import sweep_figures as sf
from viz.figures import Line, run_styles
from viz.playground import Result

st.set_page_config(page_title="Fair comparison", page_icon="⚖️", layout="wide")

with st.sidebar:
    st.header("Landscape")
    surf = surface_select("fc::surface", window=True)
    unit = st.radio("budget counted in", list(sweeps.UNITS), format_func=sweeps.UNITS.get, horizontal=True,
                    key="fc::unit", help="Steps: every optimizer takes the same number of steps. Function "
                    "evaluations: every optimizer gets the same number of evaluations of f and its gradient, so one "
                    "whose step costs more (L-BFGS's line search, smoothed Nesterov's look-aheads, the "
                    "gradient-free methods' tries) takes fewer steps.")  # fmt: skip
    steps = st.number_input(sweeps.UNITS[unit], 1, 2000, value=125, step=25, key="fc::steps")
    n_starts = st.select_slider(
        "start points",
        [1, 4, 8, 16, 32],
        value=1,
        key="fc::nstarts",
        help="1 = the surface's default start; more = random starts in the view (seeded)",
    )
    st.header("Tuning")
    chosen = st.multiselect("Optimizers", optimizers.names(), default=["sgd", "momentum", "nesterov", "rmsprop",
                            "adam"], key="fc::opts", format_func=optimizer_label)  # fmt: skip
    budget = st.select_slider("settings per optimizer", [4, 9, 16, 25, 36, 64, 100, 144, 256, 512], value=64,
                              key="fc::budget", help="the tuning budget: how many settings each one tries")  # fmt: skip
    method = st.radio("search", ["random", "grid"], horizontal=True, key="fc::method")
    lr_only = st.checkbox(
        "tune the learning rate only",
        key="fc::lronly",
        help="otherwise also momentum / betas / alpha / rho / damping (sampled as 1 − β on a log scale)",
    )
    objective = st.selectbox("objective (lower is better)", list(sweeps.OBJECTIVES), format_func=sweeps.OBJECTIVES.get,
                             key="fc::objective",
                             help="  \n".join(f"**{sweeps.OBJECTIVES[o]}**: {h}"
                                              for o, h in sweeps.OBJECTIVE_HELP.items()))  # fmt: skip
    seed = st.number_input("random seed", 0, 10_000, value=0, key="fc::seed")

st.title("Fair comparison")
spacing = "log-uniform at random" if method == "random" else "on a log-spaced grid"
per_eval = ""
if unit == "evaluations" and chosen:
    takes = [f"{optimizer_label(n)} {sweeps.budget_steps(n, int(steps), unit)} steps" for n in chosen if n != "lbfgs"]
    per_eval = f" The budget is {int(steps)} function evaluations for every optimizer: " + ", ".join(takes)
    per_eval += ", and L-BFGS stops where its evaluations run out." if "lbfgs" in chosen else "."
st.caption(
    f"Each optimizer tries the same number of settings ({budget}) of its own hyperparameters (learning rate from "
    f"10⁻⁴ to 10, {spacing}) from the same starts, and keeps its best. A setting's score is its objective averaged "
    "over the starts; a setting that diverges from any start is out." + per_eval
)
if not chosen:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()

if n_starts == 1:
    starts = np.array([surf.start], dtype=float)
else:
    (x0, x1), (y0, y1) = surf.bounds
    rng = np.random.default_rng(int(seed))
    starts = np.c_[rng.uniform(x0, x1, n_starts), rng.uniform(y0, y1, n_starts)]

update, done = progress_bar(f"Tuning {len(chosen)} optimizers × {budget} settings × {n_starts} starts…")
try:
    results = sweeps.tune(chosen, surf, starts, int(steps), int(budget), objective, method, int(seed), lr_only,
                          progress=update, unit=unit)  # fmt: skip
except (ValueError, TypeError) as e:
    st.error(f"Cannot tune: {e}")
    st.stop()
done()

# Each optimizer keeps its playground colour, dash and marker (figures.style_slots).
styles = run_styles([t.optimizer for t in results])
labels = [run_legend(t.optimizer, t.best) for t in results]
st.markdown(f"**{md(sweeps.tune_sentence(results, objective))}**")
st.subheader("Tuned settings")
summary = sweeps.tune_table(results, objective)
table(summary)
if objective == "steps_to_tol":
    st.caption(f"A run that never settles counts as {int(steps) + 1} {sweeps.UNITS[unit]} (the budget + 1).")
csv_download(summary, f"fair_{surf.name}_{objective}.csv", label="Download the table (CSV)")

left, right = st.columns([3, 2], gap="medium")
lines = []
for t, style, label in zip(results, styles, labels, strict=True):
    tr = sweeps.tuned_trajectory(t.optimizer, surf, tuple(starts[0]), int(steps), unit, **t.best)
    if unit == "evaluations":  # one clock for all: runs whose steps cost more take fewer of them
        tr = sweeps.by_evaluations(tr, int(steps))
    lines.append(Line(t.optimizer, optimizer_label(t.optimizer), style.color, tr, dash=style.dash,
                      symbol=style.symbol, legend=label))  # fmt: skip
with left:
    st.markdown(f"**The tuned runs from ({starts[0][0]:.2f}, {starts[0][1]:.2f})** — press ▶ to animate.")
    clock = "evaluation" if unit == "evaluations" else "step"
    fig = figures.trajectory_figure(surf, lines, tuple(starts[0]), bounds=surf.bounds, click_grid=2, height=600,
                                    unit=clock)  # fmt: skip
    chart(fig, key="fc::map")
    csv_download(lambda: export.trajectories_frame(Result(surf, lines)), f"fair_{surf.name}_tuned_runs.csv",
                 label="Download the tuned runs (CSV)")  # fmt: skip
with right:
    st.markdown(
        f"**Every tried setting:** its score ({md(sweeps.OBJECTIVES[objective])}) against its learning rate; settings "
        "that diverged are not drawn. A wide low valley = an optimizer that forgives a rough lr."
    )
    chart(sf.tuning_scatter(results, objective, styles, labels), key="fc::scatter")
    st.markdown("**The tuned runs " + ("evaluation by evaluation" if unit == "evaluations" else "step by step")
                + ":** loss, step size and gradient norm")  # fmt: skip
    chart(figures.series_figure(lines, height=420, x_title="function evaluations" if unit == "evaluations"
                                else "step k"), key="fc::series")  # fmt: skip
rows = [{"optimizer": t.optimizer, **{k: v[i] for k, v in t.candidates.items()}, "score": t.scores[i]}
        for t in results for i in range(t.scores.size)]  # fmt: skip
csv_download(pd.DataFrame(rows), f"fair_{surf.name}_all_settings.csv", label="Download every setting (CSV)")
