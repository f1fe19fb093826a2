"""Noise ensembles: many runs from one start that differ only in the gradient-noise seed."""

from __future__ import annotations

import pandas as pd
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
    start_inputs,
    surface_select,
    table,
)
from viz import sweep_figures as sf
from viz import sweeps
from viz.figures import run_styles
from viz.presets import TEACHING_SETTINGS

st.set_page_config(page_title="Noise ensembles", page_icon="🌫️", layout="wide")

with st.sidebar:
    st.header("Landscape")
    surf = surface_select("ne::surface", window=True)
    sx, sy = start_inputs("ne", surf)
    steps = st.number_input("steps", 1, 2000, value=200, step=25, key="ne::steps")
    st.header("Noise")
    noise = st.slider("gradient noise σ", 0.0, 5.0, 1.0, 0.05, key="ne::noise")
    n = st.select_slider("runs", [10, 25, 50, 100, 200, 500, 1000, 2000], value=200, key="ne::n")
    seed = st.number_input("first seed", 0, 1_000_000, value=0, key="ne::seed")
    st.header("Optimizers")
    chosen = st.multiselect("Compare", optimizers.names(), default=["sgd", "momentum", "adam"], max_selections=4,
                            key="ne::opts", format_func=optimizer_label)  # fmt: skip
    hypers = {}
    for name in chosen:
        with st.expander(optimizer_label(name)):
            hypers[name] = optimizer_controls("ne", name, initial=TEACHING_SETTINGS.get(name))
    log = st.checkbox("log-scale loss", value=True, key="ne::log")

st.title("Noise ensembles")
st.caption(
    "Minibatch gradients are noisy. Each run adds Gaussian noise of σ to every gradient, with its own seed "
    "(run k uses seed first + k, so any single run can be reproduced in the playground)."
)
if not chosen:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()

ens, errors = [], []
styles = run_styles(chosen)  # each optimizer keeps its playground colour, dash and marker
for k, name in enumerate(chosen):
    try:
        update, done = progress_bar(f"{optimizer_label(name)}: {n} noisy runs × {steps} steps…")
        e = sweeps.ensemble(name, surf, (sx, sy), int(steps), int(n), float(noise), int(seed), hypers[name],
                            progress=update)  # fmt: skip
        done()
        ens.append((e, run_legend(name, hypers[name]), styles[k]))
    except (ValueError, TypeError) as err:
        errors.append(f"{optimizer_label(name)}: {err}")
for err in errors:
    st.error(err)
if not ens:
    st.stop()

runs = [e for e, _, _ in ens]
st.markdown(f"**{md(sweeps.ensemble_sentence(runs, float(noise)))}**")
left, right = st.columns(2, gap="medium")
with left:
    st.markdown("**The cloud of paths** (up to 60 per optimizer drawn; markers = end points)")
    chart(sf.ensemble_map(surf, ens, (sx, sy)), key="ne::map")
with right:
    st.markdown("**Loss over steps:** the median (line), the middle half (25–75 %, darker) and 90 % (5–95 %) of runs")
    chart(sf.ensemble_bands(ens, log=log), key="ne::bands")
summary = sweeps.ensemble_table(runs, [label for _, label, _ in ens])
table(summary)
st.caption("Nearest: of all known minima, a global one is the closest to where the run ends (however far).")
csv_download(
    pd.concat([e.frame() for e, _, _ in ens]),
    f"ensemble_{surf.name}_{noise:g}.csv",
    label="Download the loss bands (CSV)",
)
csv_download(lambda: pd.concat([e.paths_frame() for e, _, _ in ens]), f"ensemble_{surf.name}_{noise:g}_paths.csv",
             label="Download every path (CSV)")  # fmt: skip
