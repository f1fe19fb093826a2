"""Basins of attraction: a grid of start points coloured by where each run ends, for up to four optimizers."""

from __future__ import annotations

import streamlit as st

import optimizers
from ui.widgets import csv_download, optimizer_controls, optimizer_label, progress_bar, surface_select
from viz import sweep_figures as sf
from viz import sweeps
from viz.figures import PlotlyDict
from viz.presets import TEACHING_SETTINGS

st.set_page_config(page_title="Basins of attraction", page_icon="🗺️", layout="wide")

COLOR_BY = {"basin": "which minimum it reaches", "final_loss": "final loss", "steps_to_tol": "steps to tolerance"}

with st.sidebar:
    st.header("Landscape")
    surf = surface_select("bs::surface", window=True)
    st.select_slider("starts per side", [16, 32, 64, 128, 192, 256, 384, 512], value=128, key="bs::n")
    steps = st.number_input("steps", 1, 2000, value=300, step=25, key="bs::steps")
    color_by = st.radio("colour by", list(COLOR_BY), format_func=COLOR_BY.get, key="bs::color")
    st.header("Optimizers (up to four)")
    chosen = st.multiselect("Compare", optimizers.names(), default=["sgd", "momentum", "rmsprop", "adam"],
                            max_selections=4, key="bs::opts", format_func=optimizer_label)  # fmt: skip
    common = {}
    noise = st.slider("gradient noise σ (same for all)", 0.0, 3.0, 0.0, 0.05, key="bs::noise")
    if noise:
        common["noise"] = noise
    hypers = {}
    for name in chosen:
        with st.expander(optimizer_label(name)):
            hypers[name] = optimizer_controls("bs", name, initial=TEACHING_SETTINGS.get(name))

st.title("Basins of attraction")
n = int(st.session_state["bs::n"])
st.caption(
    f"Each pixel is a start point on a {n}×{n} grid over the view; its colour says where the optimizer ends after "
    f"{steps} steps (within 0.05 of a known minimum, its star's colour). Momentum and Adam escape where plain "
    "gradient descent stays. Grey: the run is still moving or hovering — RMSProp at a constant lr keeps jumping "
    "around a minimum instead of settling (try 'final loss'). Learning rates start at the article's settings "
    "(torch's defaults barely move here)."
)
if not chosen:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()

results, errors = [], []
for k, name in enumerate(chosen):
    try:
        update, done = progress_bar(f"{optimizer_label(name)}: {n * n:,} runs × {steps} steps ({k + 1}/{len(chosen)})…")
        results.append(sweeps.basins(name, surf, n, int(steps), {**hypers[name], **common}, progress=update))
        done()
    except (ValueError, TypeError) as e:
        errors.append(f"{optimizer_label(name)}: {e}")
for e in errors:
    st.error(e)

cols = st.columns(max(len(results), 1))
for col, r in zip(cols, results, strict=False):
    with col:
        share = r.share_global()
        title = f"{optimizer_label(r.optimizer)}: {share:.0%} → global min"
        fig = sf.basins_figure(r, color_by, title=title, height=440)
        st.plotly_chart(PlotlyDict(fig), key=f"bs::fig::{r.optimizer}", width="stretch",
                        config={"displayModeBar": False})  # fmt: skip
        csv_download(r.frame(), f"basins_{r.optimizer}_{surf.name}_{n}.csv", key=f"bs::csv::{r.optimizer}")

if results:
    st.subheader("Where the starts end")
    table = sweeps.basin_table(results)
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={c: st.column_config.NumberColumn(format="percent") for c in table.columns[1:5]},
    )  # fmt: skip
    csv_download(table, f"basins_summary_{surf.name}_{n}.csv", label="Download the table (CSV)")
