"""Gradient response (1D): the article's six gradient signals and the updates each method makes to them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from optimizers import response as resp
from ui.widgets import csv_download
from viz import sweep_figures as sf
from viz.figures import PlotlyDict

st.set_page_config(page_title="Gradient response (1D)", page_icon="〰️", layout="wide")
ss = st.session_state
SIGNALS = resp.signals()
NOTES = {
    "momentum": "Momentum accumulates: on a constant gradient its step grows to η/(1−γ), far beyond one step.",
    "nesterov": "Nesterov reads the gradient ahead of itself: it speeds up where the gradient grows ahead.",
    "smoothed_nesterov": "Averaging four look-ahead points smooths Nesterov's reaction to sharp changes.",
    "adagrad": "Adagrad divides by the sum of all squared gradients: on the square wave its updates decay to zero.",
    "rmsprop": "RMSProp divides by a moving average instead: its updates settle at a level.",
    "adadelta_zero": "Adadelta started at E[Δθ²] = 0 creeps: its step is scaled by its own past steps.",
    "adadelta_big": "Adadelta started big takes large steps until its memory of past steps decays.",
    "adam": "Adam synchronises quickly with the signal and smooths its noise.",
}

with st.sidebar:
    st.header("Signal")
    signal_name = st.radio("gradient signal", list(SIGNALS), key="gr::signal")
    st.header("Method")
    method = st.selectbox("method", list(resp.METHODS), format_func=lambda m: resp.METHODS[m].label,
                          key="gr::method")  # fmt: skip
    m = resp.METHODS[method]
    values = []
    for k, default in enumerate(m.values):
        key = f"gr::{method}::{k}"
        if m.log:
            opts = sorted({*[float(f"{v:.3g}") for v in np.geomspace(1e-8, 100, 31)], *m.values})
            values.append(st.select_slider(f"{m.param} #{k + 1}", opts, value=default, key=key))
        else:
            values.append(st.slider(f"{m.param} #{k + 1}", 0.0, 0.995, default, 0.005, key=key, format="%.3f"))
    lr_label = "initial E[Δθ²]" if method.startswith("adadelta") else "lr η"
    lr = st.number_input(lr_label, 0.0, 1000.0, value=m.lr, key=f"gr::{method}::lr", format="%.4g")
    cumulative = st.checkbox("show the total distance moved (running sum)", key="gr::cum")

st.title("Gradient response (1D)")
st.caption(
    "The article feeds each method a fixed gradient signal for 300 steps and plots the update it makes "
    "(positive = along the gradient). Look-ahead methods read the signal between samples, linearly interpolated "
    "— correctly here; the article's script used g[lo] + f·g[hi]."
)
st.latex(m.formula)
st.info(NOTES[method], icon=":material/lightbulb:")
signal = SIGNALS[signal_name]
try:
    updates = resp.response(method, signal, values, lr)
except (ValueError, KeyError) as e:
    st.error(str(e))
    st.stop()
fig = sf.response_figure(signal, updates, values, method, cumulative=cumulative)
st.plotly_chart(PlotlyDict(fig), key="gr::fig", width="stretch")
df = pd.DataFrame({"step": np.arange(signal.size), "gradient": signal})
for v, u in zip(values, updates, strict=True):
    df[f"update_{m.param}={v:g}"] = u
csv_download(df, f"response_{method}_{signal_name.replace(' ', '_')}.csv")
