"""Fair comparison: every optimizer gets the same tuning budget on the same surface and starts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import optimizers
from ui.widgets import csv_download, optimizer_label, progress_bar, surface_select
from viz import export, figures, sweeps
from viz import sweep_figures as sf
from viz.figures import Line, PlotlyDict, run_color
from viz.playground import Result

st.set_page_config(page_title="Fair comparison", page_icon="⚖️", layout="wide")

with st.sidebar:
    st.header("Landscape")
    surf = surface_select("fc::surface", window=True)
    steps = st.number_input("steps", 1, 2000, value=125, step=25, key="fc::steps")
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
    budget = st.select_slider("budget (settings per optimizer)", [4, 9, 16, 25, 36, 64, 100, 144, 256, 512],
                              value=64, key="fc::budget")  # fmt: skip
    method = st.radio("search", ["random", "grid"], horizontal=True, key="fc::method")
    lr_only = st.checkbox(
        "tune the learning rate only",
        key="fc::lronly",
        help="otherwise also momentum / betas / alpha / rho / damping (sampled as 1 − β on a log scale)",
    )
    objective = st.selectbox("objective (lower is better)", list(sweeps.OBJECTIVES),
                             format_func=sweeps.OBJECTIVES.get, key="fc::objective")  # fmt: skip
    seed = st.number_input("random seed", 0, 10_000, value=0, key="fc::seed")

st.title("Fair comparison")
st.caption(
    "Each optimizer tries the same number of settings of its own hyperparameters (learning rate log-uniform in "
    "[1e-4, 10]) from the same starts, and keeps its best. Comparing defaults says little: comparing tuned "
    "optimizers says which one suits the landscape."
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
                          progress=update)  # fmt: skip
except (ValueError, TypeError) as e:
    st.error(f"Cannot tune: {e}")
    st.stop()
done()

table = sweeps.tune_table(results, objective)
st.subheader("Tuned settings")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={"share of budget diverged": st.column_config.NumberColumn(format="percent")},
)
csv_download(table, f"fair_{surf.name}_{objective}.csv", label="Download the table (CSV)")

left, right = st.columns([3, 2], gap="medium")
lines = []
for t in results:
    tr = optimizers.trajectory(t.optimizer, surf, tuple(starts[0]), int(steps), **t.best)
    lines.append(Line(t.optimizer, optimizer_label(t.optimizer), run_color(t.optimizer), tr))
with left:
    st.markdown(f"**The tuned runs from ({starts[0][0]:.2f}, {starts[0][1]:.2f})** — press ▶ to animate.")
    fig = figures.trajectory_figure(surf, lines, tuple(starts[0]), bounds=surf.bounds, click_grid=2, height=560)
    st.plotly_chart(PlotlyDict(fig), key="fc::map", width="stretch", config={"displayModeBar": False})
    csv_download(lambda: export.trajectories_frame(Result(surf, lines)), f"fair_{surf.name}_tuned_runs.csv",
                 label="Download the tuned runs (CSV)")  # fmt: skip
with right:
    st.markdown("**Every tried setting** (score against lr: how forgiving each optimizer is)")
    st.plotly_chart(PlotlyDict(sf.tuning_scatter(results, objective)), key="fc::scatter", width="stretch")
    st.plotly_chart(PlotlyDict(figures.series_figure(lines, height=360)), key="fc::series", width="stretch")
rows = [{"optimizer": t.optimizer, **{k: v[i] for k, v in t.candidates.items()}, "score": t.scores[i]}
        for t in results for i in range(t.scores.size)]  # fmt: skip
csv_download(pd.DataFrame(rows), f"fair_{surf.name}_all_settings.csv", label="Download every setting (CSV)")
