"""Widgets the pages share: hyperparameter controls from the registry, progress, CSV downloads.

Widgets are generated from ``optimizers.registry`` so every page offers the same ranges,
log scales and PyTorch defaults as the playground.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import landscapes
import optimizers
from optimizers.registry import Hyper
from viz.figures import PLOTLY_CONFIG, PlotlyDict
from viz.state import Run, run_labels


def log_options(h: Hyper, current: float) -> list[float]:
    """Options of a log-scale select-slider: 6 per decade over the hyperparameter's UI range, plus its default."""
    lo, hi = h.ui
    lo = max(lo, 1e-12)
    grid = [float(f"{v:.3g}") for v in np.geomspace(lo, hi, round(math.log10(hi / lo) * 6) + 1)]
    return sorted({*grid, float(h.default), float(current)} - {0.0} if current > 0 else {*grid, float(h.default)})


def hyper_widget(key: str, h: Hyper, label: str | None = None, initial: float | None = None) -> Any:
    """One control for ``h`` (checkbox, log select-slider or slider) stored under ``key``; returns its value.

    ``initial`` is the first value shown (default: the hyperparameter's torch default).
    """
    ss = st.session_state
    first = h.default if initial is None else initial
    ss.setdefault(key, bool(first) if h.kind == "bool" else float(first))
    label = label or h.name
    if h.kind == "bool":
        return st.checkbox(label, key=key, help=h.help)
    if h.log:
        opts = log_options(h, float(ss[key]))
        if ss[key] not in opts:
            ss[key] = min(opts, key=lambda o: abs(math.log(o) - math.log(max(ss[key], 1e-300))))
        return st.select_slider(label, options=opts, key=key, help=h.help + " (log scale)", format_func=_g)
    lo, hi = h.ui
    if h.kind == "int":  # whole numbers only: steps of 1 (a fraction would be refused)
        ss[key] = round(float(ss[key]))
        lo, hi = min(int(lo), ss[key]), max(int(hi), ss[key])
        return st.slider(label, lo, hi, key=key, step=1, help=h.help)
    cur = float(ss[key])
    lo, hi = min(lo, cur), max(hi, cur)
    return st.slider(label, float(lo), float(hi), key=key, step=(hi - lo) / 200 or 0.01, format="%.4g", help=h.help)


def _g(v: float) -> str:
    return f"{v:g}"


def optimizer_controls(
    prefix: str, name: str, skip: tuple[str, ...] = (), initial: dict[str, float] | None = None
) -> dict[str, Any]:
    """Controls for every hyperparameter of ``name`` (except ``skip``), starting at ``initial`` where given;
    returns the values that differ from torch's defaults."""
    out = {}
    for h in optimizers.spec(name).hypers:
        if h.name in skip:
            continue
        v = hyper_widget(f"{prefix}::{name}::{h.name}", h, initial=(initial or {}).get(h.name))
        if v != (bool(h.default) if h.kind == "bool" else h.default):
            out[h.name] = bool(v) if h.kind == "bool" else float(v)
    return out


CUSTOM = "custom"


def _use_example(key: str) -> None:
    st.session_state[f"{key}::formula"] = st.session_state[f"{key}::example"]


def custom_surface(key: str) -> landscapes.Surface:
    """A formula box with examples and live validation; returns the surface of the last accepted formula.

    The text is checked on every change: a refused formula shows the reason (and the page
    keeps the last formula that worked), so nothing typed is ever lost or executed.
    """
    from landscapes.formula import EXAMPLES

    ss = st.session_state
    fkey = f"{key}::formula"
    ss.setdefault(fkey, EXAMPLES[2])
    st.text_area("f(x, y) =", key=fkey, height=80, max_chars=500,
                 help="numbers, x, y, pi, e, + - * / ^, parentheses, sin cos tan exp log sqrt abs tanh sinh cosh "
                      "arctan, min(a, b), max(a, b)")  # fmt: skip
    st.selectbox("examples", EXAMPLES, index=None, key=f"{key}::example", placeholder="try an example…",
                 on_change=_use_example, args=(key,))  # fmt: skip
    try:
        s = landscapes.from_formula(ss[fkey])
        ss[f"{key}::last_ok"] = ss[fkey]
    except ValueError as e:
        from landscapes.formula import to_markdown

        st.error("Formula refused: " + to_markdown(e), icon=":material/error:")
        s = landscapes.from_formula(ss.get(f"{key}::last_ok", EXAMPLES[2]))
        st.caption(f"Still showing: {s.formula}")
    bad = ~np.isfinite(s.grid(60)[2])
    if bad.any():
        st.warning(f"f is not finite at {bad.mean():.0%} of the view (shown as gaps).", icon=":material/warning:")
    return s


def view_window(key: str, s: landscapes.Surface) -> landscapes.Surface:
    """An expander with the x/y range; returns ``s`` with that window (a formula's minima searched inside it)."""
    ss = st.session_state
    keys = [f"{key}::w{k}" for k in ("x0", "x1", "y0", "y1")]
    custom = s.sid < 0
    prev = ss.get(f"{key}::window_for")
    if prev != s.name and not (custom and prev is not None and prev.startswith(landscapes.CUSTOM_PREFIX)):
        for k, v in zip(keys, (*s.bounds[0], *s.bounds[1]), strict=True):
            ss[k] = float(v)
    ss[f"{key}::window_for"] = s.name
    with st.expander("View window", icon=":material/crop_free:"):
        c1, c2 = st.columns(2)
        for col, k, label in zip((c1, c2, c1, c2), keys, ("x min", "x max", "y min", "y max"), strict=True):
            col.number_input(label, key=k, step=0.5, format="%.3g")
    x0, x1, y0, y1 = (float(ss[k]) for k in keys)
    if not (x0 < x1 and y0 < y1):
        st.warning("The view window needs min < max; using the surface's own.")
        return s
    b = ((x0, x1), (y0, y1))
    if b == s.bounds:
        return s
    return landscapes.from_formula(s.formula, bounds=b) if custom else dataclasses.replace(s, bounds=b)


def surface_select(
    key: str = "surface", default: str = "hills_and_canyon", window: bool = False, describe: bool = True
) -> landscapes.Surface:
    """A surface menu (article surfaces marked, "Custom formula…" last) with its description below
    (unless ``describe`` is False: a page that shows it elsewhere), and with ``window`` an editable
    view window."""
    names = [*landscapes.names(), CUSTOM]
    st.session_state.setdefault(key, default)
    name = st.selectbox("Surface", names, key=key, format_func=surface_label)
    s = custom_surface(key) if name == CUSTOM else landscapes.get(name)
    if describe:
        st.caption(s.description)
    return view_window(key, s) if window else s


def start_inputs(prefix: str, s: landscapes.Surface) -> tuple[float, float]:
    """Two number inputs for the start point, reset to the surface's own start when the surface changes."""
    c1, c2 = st.columns(2)
    x = c1.number_input("start x", value=float(s.start[0]), key=f"{prefix}::sx::{s.name}", step=0.1)
    y = c2.number_input("start y", value=float(s.start[1]), key=f"{prefix}::sy::{s.name}", step=0.1)
    return float(x), float(y)


def surface_label(name: str) -> str:
    if name == CUSTOM:
        return "Custom formula…"
    return name.replace("_", " ") + (" (article)" if landscapes.get(name).article else "")


def optimizer_label(name: str) -> str:
    return optimizers.spec(name).label


def progress_bar(text: str) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A progress bar and its (update, done) callbacks. Each update is a point where Streamlit
    can stop the run, so changing a control cancels a long computation."""
    bar = st.progress(0.0, text=text)

    def update(f: float) -> None:
        bar.progress(min(max(float(f), 0.0), 1.0), text=text)

    return update, bar.empty


def safe_filename(name: str) -> str:
    """A file name without characters browsers or shells trip on (custom formulas become readable ASCII)."""
    stem, dot, ext = name.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_")[:80] or "data"
    return f"{stem}{dot}{ext}" if dot else stem


def csv_download(
    df: pd.DataFrame | Callable[[], pd.DataFrame],
    filename: str,
    label: str = "Download the data (CSV)",
    key: str | None = None,
) -> None:
    """A download button with a figure's data as CSV; a callable is only run when the button is clicked."""
    data = (lambda: df().to_csv(index=False).encode()) if callable(df) else df.to_csv(index=False).encode()
    name = safe_filename(filename)
    st.download_button(label, data, file_name=name, mime="text/csv", key=key or f"csv::{name}",
                       icon=":material/download:", on_click="ignore")  # fmt: skip


def chart(fig: dict, key: str, **kwargs: Any) -> Any:
    """``st.plotly_chart`` as every sweep page draws it: the figure's own dark text on white
    (Streamlit's theme off: its grey text is below WCAG AA), no cloud or logo buttons
    (``PLOTLY_CONFIG``), the container's width. ``kwargs`` go to ``st.plotly_chart``."""
    from viz.sweep_figures import readable  # the sweep modules load only on the sweep pages (not the playground)

    return st.plotly_chart(PlotlyDict(readable(fig)), key=key, theme=None, config=PLOTLY_CONFIG, width="stretch",
                           **kwargs)  # fmt: skip


def table(df: pd.DataFrame) -> None:
    """A table for people (``viz.sweeps.format_table``: ~4 significant digits, integers as
    integers, missing values as a dash), numbers right-aligned; it wraps its headers and
    scrolls sideways inside its box when the screen is narrower than the table."""
    from viz.sweeps import format_table

    shown = format_table(df)
    kinds = shown.attrs.get("kinds", {})
    numeric = [c for c in shown.columns if kinds.get(c) in ("percent", "integer", "number", "score")]
    styler = shown.style.hide(axis="index")
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    st.table(styler, hide_index=True)


def run_legend(name: str, hyper: dict[str, Any]) -> str:
    """A run's legend label with its key hyperparameters, as the playground writes it
    ("Adam · lr=0.25", "ε=10⁻⁶"); values rounded to 4 significant digits."""
    shown = {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in hyper.items()}
    return run_labels([Run(name, shown)])[0][1]


def md(text: str) -> str:
    """``text`` with Markdown's emphasis characters escaped, for computed text inside
    ``st.markdown`` (a name like "f*" would otherwise start italics)."""
    return re.sub(r"([*_`])", r"\\\1", text)
