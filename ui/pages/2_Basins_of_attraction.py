"""Basins of attraction: a grid of start points coloured by where each run ends, for up to four optimizers."""

from __future__ import annotations

import streamlit as st

import optimizers
from ui.widgets import (
    chart,
    csv_download,
    md,
    optimizer_controls,
    optimizer_label,
    progress_bar,
    run_legend,
    surface_select,
    table,
)
from viz import sweep_figures as sf
from viz import sweeps
from viz.figures import run_styles
from viz.presets import TEACHING_SETTINGS
from viz.sweeps import fmt_percent

st.set_page_config(page_title="Basins of attraction", page_icon="🗺️", layout="wide")

with st.sidebar:
    st.header("Landscape")
    surf = surface_select("bs::surface", window=True)
    st.select_slider("starts per side", [16, 32, 64, 128, 192, 256, 384, 512], value=128, key="bs::n")
    steps = st.number_input("steps", 1, 2000, value=300, step=25, key="bs::steps")
    color_by = st.radio("colour by", list(sf.COLOR_BY), format_func=sf.COLOR_BY.get, key="bs::color")
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
    f"{steps} steps: within 0.05 of a known minimum (that star's colour), near none of them (grey) or diverged "
    "(dark red). Settings start at the article's where it has them (each optimizer's panel in the sidebar)."
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
if not results:
    st.stop()

# The result, stated from the numbers shown below (never a fixed sentence).
grey = sweeps.grey_sentence(results, hint=color_by == "basin")
st.markdown(f"**{md(sweeps.basins_sentence(results))}** {md(grey)}")

by_name = dict(zip(chosen, run_styles(chosen), strict=True))  # each optimizer keeps its playground style
styles = [by_name[r.optimizer] for r in results]
labels = [run_legend(r.optimizer, r.hyper) for r in results]
scale = sf.basins_scale(results, color_by)
st.markdown(sf.basins_legend_html(surf, color_by), unsafe_allow_html=True)  # one legend for every map
if scale is not None:
    chart(sf.colorbar_figure(scale, color_by), key="bs::colorbar")  # one colour scale for every map
for row in range(0, len(results), 2):  # two maps per row (one per row on a phone)
    cols = st.columns(2, gap="medium")
    for col, r, style, label in zip(cols, results[row : row + 2], styles[row:], labels[row:], strict=False):
        with col:
            share = f"{fmt_percent(100 * r.share_global())} of starts → global minimum"
            fig = sf.basins_figure(r, color_by, title=f"{sf.glyph(style)} {label}", subtitle=share, scale=scale)
            chart(fig, key=f"bs::fig::{r.optimizer}")
            csv_download(r.frame(), f"basins_{r.optimizer}_{surf.name}_{n}.csv", key=f"bs::csv::{r.optimizer}")

st.subheader("Where the starts end")
summary = sweeps.basin_table(results, labels)
table(summary)
st.caption(
    "Reach: the run ends within 0.05 of that minimum. Settle: from that step on, the loss stays within 0.001 of "
    "the minimum's value. The four shares of a row add up to 100% (up to rounding)."
)
csv_download(summary, f"basins_summary_{surf.name}_{n}.csv", label="Download the table (CSV)")
st.markdown(
    "**How fast they get there:** the share of all starts (%) that have settled at the global minimum by each step"
)
chart(sf.settle_figure(results, labels, styles), key="bs::settle")
