"""Gradient response (1D): the article's six gradient signals and the updates each method makes to them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from optimizers import response as resp
from ui.widgets import chart, csv_download, table
from viz import sweep_figures as sf
from viz import sweeps

st.set_page_config(page_title="Gradient response (1D)", page_icon="〰️", layout="wide")
ss = st.session_state
SIGNALS = resp.signals()
# How each rule works, read from its formula; tests/test_pages.py checks every number in these
# sentences against the method's own response to a gradient of constant size.
NOTES = {
    "momentum": "Momentum adds up its past updates: on a constant gradient g its update grows towards "
    "η·g/(1 − γ), ten times one step for γ = 0.9.",
    "nesterov": "Nesterov adds up past updates like momentum, but reads the gradient where the momentum is "
    "heading (at t + γ·v) instead of where it stands.",
    "smoothed_nesterov": "Smoothed Nesterov averages the gradient at four points along the look-ahead instead of "
    "reading it at one.",
    "adagrad": "Adagrad divides by the root of the sum of all squared gradients so far: on a gradient of constant "
    "size its update shrinks like η/√t.",
    "rmsprop": "RMSProp divides by the root of a moving average of g² instead: on a gradient of constant size its "
    "update levels off at η.",
    "adadelta_zero": "Adadelta scales each update by the root of its own past squared updates: started at "
    "E[Δθ²] = 0, its first update is √ε/√((1 − γ)g² + ε) · g (ε = 0.001: 0.1·g for γ = 0.9), and on a gradient of "
    "constant size its updates then grow step by step.",
    "adadelta_big": "Adadelta started at a large E[Δθ²] = η: its first update is √(η + ε)/√((1 − γ)g² + ε) · g, "
    "22 times g for η = 50 and γ = 0.9.",
    "adam": "Adam divides a bias-corrected moving average of g by the root of one of g²: on a gradient of constant "
    "size its update is η from the first step.",
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
chart(fig, key="gr::fig")
table(sweeps.response_table(signal, updates, values, m.param))
st.caption(
    "Updates are in the article's sign convention (positive = along the gradient; the parameter moves by −update), "
    "so an update curve's sum is how far the parameter moved in all."
)
df = pd.DataFrame({"step": np.arange(signal.size), "gradient": signal})
for v, u in zip(values, updates, strict=True):
    df[f"update_{m.param}={v:g}"] = u
csv_download(df, f"response_{method}_{signal_name.replace(' ', '_')}.csv")
