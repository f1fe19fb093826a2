"""Plotly charts drawn with plotly.js's basic bundle: the playground's first paint in half the time.

``st.plotly_chart`` loads the full plotly.js (4.7 MB of JavaScript, every trace type). In a
browser without a GPU on two cores, parsing and running it takes ~1.5 s before the first
chart appears, the largest part of the page's load. The map and the loss panels use only
scatter traces and the layout machinery (images, sliders, buttons, annotations), which the
basic bundle (1.2 MB) has. This module draws such figures through a Streamlit v2 component
that loads ``static/plotly-basic-<version>.min.js`` once per browser tab.

Streamlit serves ``static/`` only with ``server.enableStaticServing`` (set in
``.streamlit/config.toml``, read from the folder Streamlit starts in). When it is off, the
chart falls back to ``st.plotly_chart`` with the same figure, so nothing is lost but speed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import plotly.io as pio
import streamlit as st

STATIC = Path(__file__).resolve().parents[1] / "static"
BUNDLE = next(iter(sorted(STATIC.glob("plotly-basic-*.min.js"))), None)
TRACE_TYPES = frozenset({"scatter", "bar", "pie"})  # what the basic bundle draws

_JS = """
const SRC = "app/static/%(bundle)s";

function loadPlotly() {
  if (!window.__plotlyBasic) {
    window.__plotlyBasic = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL(SRC, document.baseURI).href;
      s.async = true;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { window.__plotlyBasic = null; reject(new Error("could not load " + s.src)); };
      document.head.appendChild(s);
    });
  }
  return window.__plotlyBasic;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let gd = parentElement.querySelector(".plotly-basic");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "plotly-basic";
    parentElement.appendChild(gd);
  }
  const spec = data.spec;
  gd.__spec = spec;  // the newest figure wins if renders overlap
  gd.__clicks = data.clicks;
  loadPlotly().then((Plotly) => {
    if (gd.__spec !== spec) return;
    const fig = JSON.parse(spec);
    return Plotly.react(gd, fig).then(() => {
      if (gd.__wired) return;
      gd.__wired = true;
      // A click anywhere inside the axes reports its data coordinates (points or not).
      // _fullLayout's axis offsets and p2d are plotly.js internals, stable since v1.
      gd.addEventListener("click", (ev) => {
        const L = gd._fullLayout, xa = L && L.xaxis, ya = L && L.yaxis;
        if (!xa || !ya || !gd.__clicks) return;
        const r = gd.getBoundingClientRect();
        const px = ev.clientX - r.left - xa._offset, py = ev.clientY - r.top - ya._offset;
        if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
        setTriggerValue("click", {x: xa.p2d(px), y: ya.p2d(py)});
      });
    });
  }).catch((err) => {
    gd.textContent = "The chart could not be drawn: " + (err && err.message ? err.message : err);
  });
}
"""


@functools.cache
def _component():
    """The component, registered once per process (on first use, inside a running app)."""
    return st.components.v2.component(
        "landscapes.plotly_basic",
        html="<div class='plotly-basic'></div>",
        js=_JS % {"bundle": BUNDLE.name if BUNDLE else "missing.js"},
        isolate_styles=False,
    )


def enabled() -> bool:
    """Whether this server can hand out the basic bundle (it is in ``static/`` and served)."""
    return BUNDLE is not None and bool(st.get_option("server.enableStaticServing"))


def available(fig: dict) -> bool:
    """Whether ``fig`` can be drawn with the basic bundle on this server."""
    return enabled() and {t.get("type", "scatter") for t in fig.get("data", [])} <= TRACE_TYPES


def to_spec(fig: dict, config: dict | None = None) -> str:
    """The JSON the component draws: the figure with its config, clicks as events (no selection styling)."""
    layout = {**fig.get("layout", {}), "clickmode": "event"}
    return pio.to_json({**fig, "layout": layout, "config": {"responsive": True, **(config or {})}}, validate=False)


def plotly_basic_chart(
    fig: dict,
    *,
    key: str,
    on_click: Callable[[dict], None] | None = None,
    config: dict | None = None,
) -> None:
    """Draw a figure dict with plotly.js's basic bundle, or with ``st.plotly_chart`` if it cannot.

    Parameters
    ----------
    fig
        A finished figure dict (``data``, ``layout``, optional ``frames``); NumPy arrays allowed.
    key
        The element's key: the browser keeps the chart (and its zoom) across reruns.
    on_click
        Called before the rerun with ``{"x": …, "y": …}``, the data coordinates of a click
        inside the axes. The ``st.plotly_chart`` fallback reports clicks on points only: give
        such a figure an invisible grid of points to click (``trajectory_figure``'s ``click_grid``).
    config
        plotly.js config (e.g. ``{"displayModeBar": False}``).
    """
    from viz.figures import PlotlyDict  # no import cycle: viz does not import ui

    if not available(fig):
        cb = None
        if on_click is not None:

            def cb() -> None:
                pts = (st.session_state.get(key) or {}).get("selection", {}).get("points", [])
                if pts:
                    on_click({"x": float(pts[0]["x"]), "y": float(pts[0]["y"])})

        st.plotly_chart(PlotlyDict(fig), key=key, width="stretch", config=config or {},
                        on_select=cb or "ignore", selection_mode="points")  # fmt: skip
        return

    spec = to_spec(fig, config)

    def on_trigger() -> None:
        ev = (st.session_state.get(key) or {}).get("click")
        if ev and on_click is not None:
            on_click({"x": float(ev["x"]), "y": float(ev["y"])})

    _component()(key=key, data={"spec": spec, "clicks": on_click is not None}, on_click_change=on_trigger)
