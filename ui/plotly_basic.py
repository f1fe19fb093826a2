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
import json
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

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

// Controls drawn as real buttons (reachable and operable from the keyboard), a hover
// read-out of f, and a step cursor that another chart on the page follows.
function buildRoot(parentElement, controls) {
  let root = parentElement.querySelector(".pb-root");
  // kept across reruns, unless the controls come or go (a lesson's map before and after the reveal)
  if (root && !!root.querySelector(".pb-bar") === !!controls) return root;
  parentElement.textContent = "";
  root = document.createElement("div");
  root.className = "pb-root";
  root.style.position = "relative";
  if (controls) {
    const bar = document.createElement("div");
    bar.className = "pb-bar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "animation");
    bar.style.cssText = "display:flex;gap:6px;flex-wrap:wrap;align-items:center;margin:2px 0 4px 0;" +
      "font:14px sans-serif";
    const mk = (cls, text, label) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = cls; b.textContent = text; b.setAttribute("aria-label", label);
      b.title = label;
      b.style.cssText = "padding:4px 10px;border:1px solid #8a8d99;border-radius:6px;background:#fff;" +
        "color:#262730;cursor:pointer;font:inherit";
      bar.appendChild(b);
      return b;
    };
    mk("pb-first", "|◀", "first step (Home)");
    mk("pb-back", "◀ step", "one step back (←)");
    mk("pb-play", "▶ Play", "play or pause (space)");
    mk("pb-fwd", "step ▶", "one step forward (→)");
    mk("pb-last", "▶|", "last step (End)");
    const st = document.createElement("span");
    st.className = "pb-status"; st.setAttribute("aria-live", "polite");
    st.style.cssText = "margin-left:6px;color:#262730";
    bar.appendChild(st);
    root.appendChild(bar);
  }
  const gd = document.createElement("div");
  gd.className = "plotly-basic";
  root.appendChild(gd);
  const ro = document.createElement("div");
  ro.className = "pb-readout";
  ro.style.cssText = "position:absolute;right:12px;pointer-events:none;background:rgba(255,255,255,.92);" +
    "color:#262730;font:13px sans-serif;padding:2px 6px;border-radius:4px;display:none";
  root.appendChild(ro);
  parentElement.appendChild(root);
  return root;
}

function fAt(g, x, y) {
  // bilinear interpolation in the grid the page sent (f on n×n points over the view)
  const n = g.n, tx = (x - g.x0) / (g.x1 - g.x0) * (n - 1), ty = (y - g.y0) / (g.y1 - g.y0) * (n - 1);
  if (!(tx >= 0 && ty >= 0 && tx <= n - 1 && ty <= n - 1)) return null;
  const j = Math.min(Math.floor(tx), n - 2), i = Math.min(Math.floor(ty), n - 2), a = tx - j, b = ty - i;
  const z = (ii, jj) => g.z[ii * n + jj];
  const v = (1 - a) * (1 - b) * z(i, j) + a * (1 - b) * z(i, j + 1) +
    (1 - a) * b * z(i + 1, j) + a * b * z(i + 1, j + 1);
  return v === null || !isFinite(v) ? null : v;
}

function fmt(v) {
  const a = Math.abs(v);
  return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

function toData(gd, ev) {
  const L = gd._fullLayout, xa = L && L.xaxis, ya = L && L.yaxis;
  if (!xa || !ya) return null;
  const r = gd.getBoundingClientRect();
  const px = ev.clientX - r.left - xa._offset, py = ev.clientY - r.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  return {x: xa.p2d(px), y: ya.p2d(py), top: ya._offset};
}

function wireControls(root, gd, Plotly, channel, report) {
  const names = () => (gd.__frames || []);
  const opts = (ms) => ({mode: "immediate", transition: {duration: 0}, frame: {duration: ms, redraw: false}});
  const play = root.querySelector(".pb-play");
  const status = root.querySelector(".pb-status");
  const show = () => {
    const n = names(); if (!n.length) return;
    status.textContent = "step " + n[gd.__cur] + " of " + n[n.length - 1];
    play.textContent = gd.__playing ? "❚❚ Pause" : "▶ Play";
  };
  // The figure's arrows (annotations) belong to the step the page drew them at (gd.__shown): they go
  // while the map shows another frame and come back when it stops on that step again.
  const hideArrows = () => {
    if ((gd.layout.annotations || []).length) Plotly.relayout(gd, {annotations: []}).catch(() => {});
  };
  const showArrows = () => {
    const a = gd.__arrows || [];
    if (a.length && !(gd.layout.annotations || []).length) Plotly.relayout(gd, {annotations: a}).catch(() => {});
  };
  // Where the animation stops, the page follows (arrows, loss cursor, step details): a step other
  // than the one drawn is reported to Streamlit (debounced, so holding an arrow key reruns once) and
  // comes back with its arrows; stopping on the step drawn (a run played to its end) shows its arrows.
  let timer = null;
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (gd.__playing) return;
      const k = Number(names()[gd.__cur]);
      if (k === gd.__shown) showArrows(); else report(k);
    }, 450);
  };
  const go = (i) => {
    const n = names(); if (!n.length) return;
    if (gd.__playing) Plotly.animate(gd, [null], opts(0)).catch(() => {});
    gd.__playing = false;
    gd.__cur = Math.max(0, Math.min(n.length - 1, i));
    hideArrows();
    Plotly.animate(gd, [n[gd.__cur]], opts(0)).catch(() => {});
    show();
    settle();
  };
  const toggle = () => {
    const n = names(); if (!n.length) return;
    if (gd.__playing) {
      gd.__playing = false;  // pausing rejects the running animation's promise: harmless
      Plotly.animate(gd, [null], opts(0)).catch(() => {});
      show();
      settle();
    } else {
      const from = gd.__cur >= n.length - 1 ? 0 : gd.__cur + 1;
      gd.__playing = true;
      hideArrows();
      show();
      Plotly.animate(gd, n.slice(from), opts(gd.__ms)).catch(() => {});
    }
  };
  root.querySelector(".pb-first").onclick = () => go(0);
  root.querySelector(".pb-back").onclick = () => go(gd.__cur - 1);
  root.querySelector(".pb-fwd").onclick = () => go(gd.__cur + 1);
  root.querySelector(".pb-last").onclick = () => go(names().length - 1);
  play.onclick = toggle;
  root.tabIndex = 0;
  root.setAttribute("aria-label", "map: space plays or pauses, arrow keys step, Home and End jump");
  root.addEventListener("keydown", (ev) => {
    if (ev.target && ev.target.tagName === "BUTTON" && (ev.key === " " || ev.key === "Enter")) return;
    const k = ev.key;
    if (k === " " || k === "k") toggle();
    else if (k === "ArrowLeft") go(gd.__cur - 1);
    else if (k === "ArrowRight") go(gd.__cur + 1);
    else if (k === "Home") go(0);
    else if (k === "End") go(names().length - 1);
    else return;
    ev.preventDefault();
    ev.stopPropagation();  // the page's own arrow-key shortcuts (the lessons' next/previous) stay out
  });
  gd.on("plotly_animatingframe", (ev) => {
    const i = names().indexOf(ev.name);
    if (i >= 0) gd.__cur = i;
    show();
    if (channel) window.dispatchEvent(new CustomEvent("pb-step:" + channel, {detail: Number(ev.name)}));
  });
  // the whole sequence played to its end (a pause interrupts it instead)
  gd.on("plotly_animated", () => {
    if (gd.__playing && gd.__cur >= names().length - 1) { gd.__playing = false; show(); settle(); }
  });
  gd.on("plotly_sliderchange", (ev) => {
    if (!ev || !ev.interaction) return;  // the animation moves the slider too: only a person's drag counts
    const i = ev.step ? names().indexOf(ev.step.label) : -1;
    if (i >= 0) { gd.__cur = i; gd.__playing = false; hideArrows(); show(); settle(); }
  });
  gd.__show = show;
  show();
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  // The page sends its payload as JSON bytes, built once per figure (plotly_basic_chart).
  const raw = component.data;
  const bytes = raw instanceof ArrayBuffer || ArrayBuffer.isView(raw);
  const data = bytes ? JSON.parse(new TextDecoder().decode(raw)) : raw;
  const root = buildRoot(parentElement, data.controls);
  const gd = root.querySelector(".plotly-basic"), readout = root.querySelector(".pb-readout");
  const spec = data.spec;
  gd.__spec = spec;  // the newest figure wins if renders overlap
  gd.__clicks = data.clicks;
  gd.__fgrid = data.fgrid || null;
  loadPlotly().then((Plotly) => {
    if (gd.__spec !== spec) return;
    const fig = typeof spec === "string" ? JSON.parse(spec) : spec;
    const frames = (fig.frames || []).map((f) => f.name);
    return Plotly.react(gd, fig).then(() => {
      gd.__frames = frames;
      gd.__ms = data.frame_ms || 100;
      const sl = fig.layout && fig.layout.sliders && fig.layout.sliders[0];
      const active = sl ? sl.active : frames.length - 1;
      gd.__cur = Math.max(0, active || 0);
      gd.__playing = false;
      if (data.controls && !gd.__ctl) {
        gd.__ctl = true;
        wireControls(root, gd, Plotly, data.channel, (k) => {
          // only a page that listens hears where the animation stopped: a report reruns the page
          if (gd.__report && k !== gd.__shown) setTriggerValue("step", k);
        });
      }
      gd.__shown = data.shown;
      gd.__arrows = (fig.layout && fig.layout.annotations) || [];
      gd.__report = data.report_step;
      if (gd.__show) gd.__show();
      // a figure that should play by itself (the lessons): play it once from step 0 per token
      if (data.controls && data.autoplay && gd.__autoplayed !== data.autoplay && frames.length > 1) {
        gd.__autoplayed = data.autoplay;
        gd.__cur = frames.length - 1;
        const play = root.querySelector(".pb-play");
        if (play) play.click();
      }
      if (data.follow && !gd.__follow) {
        // this chart's first shape is a step cursor that follows another chart's animation
        gd.__follow = true;
        let pending = null;
        window.addEventListener("pb-step:" + data.follow, (ev) => {
          const first = pending === null;
          pending = ev.detail;
          if (first) requestAnimationFrame(() => {
            Plotly.relayout(gd, {"shapes[0].x0": pending, "shapes[0].x1": pending}).catch(() => {});
            pending = null;
          });
        });
      }
      if (gd.__wired) return;
      gd.__wired = true;
      // A click anywhere inside the axes reports its data coordinates (points or not).
      // _fullLayout's axis offsets and p2d are plotly.js internals, stable since v1.
      gd.addEventListener("click", (ev) => {
        const p = toData(gd, ev);
        if (p && gd.__clicks) setTriggerValue("click", {x: p.x, y: p.y});
      });
      gd.addEventListener("mousemove", (ev) => {
        const p = gd.__fgrid ? toData(gd, ev) : null;
        const f = p ? fAt(gd.__fgrid, p.x, p.y) : null;
        if (f === null) { readout.style.display = "none"; return; }
        readout.textContent = "x = " + fmt(p.x) + ", y = " + fmt(p.y) + ", f ≈ " + fmt(f);
        readout.style.top = (gd.offsetTop + p.top + 4) + "px";
        readout.style.display = "block";
      });
      gd.addEventListener("mouseleave", () => { readout.style.display = "none"; });
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


def to_spec(fig: dict, config: dict | None = None, controls: bool = False) -> str:
    """The JSON the component draws: the figure with its config, clicks as events (no selection
    styling), and no plotly "send to cloud" button or logo link. With ``controls`` the
    figure's own play/pause buttons are dropped: the component draws real buttons instead."""
    from viz.figures import PLOTLY_CONFIG

    layout = {**fig.get("layout", {}), "clickmode": "event"}
    if controls and layout.get("updatemenus"):
        layout["updatemenus"] = []
        layout["sliders"] = [{**sl, "pad": {**sl.get("pad", {}), "t": 55}} for sl in layout.get("sliders", [])]
        layout["margin"] = {**layout.get("margin", {}), "b": 125}
    cfg = {"responsive": True, **(config or {}), **PLOTLY_CONFIG}
    return pio.to_json({**fig, "layout": layout, "config": cfg}, validate=False)


def frame_ms(fig: dict) -> int:
    """The play speed the figure's own Play button would use (ms per frame)."""
    try:
        return int(fig["layout"]["updatemenus"][0]["buttons"][0]["args"][1]["frame"]["duration"])
    except (KeyError, IndexError, TypeError):
        return 100


class RawJSON(str):
    """A value of ``payload``'s ``meta`` that is already JSON text (e.g. a cached hover grid)."""


def payload(spec: str, meta: dict[str, Any]) -> bytes:
    """What the component receives: ``{"spec": <the figure>, **meta}`` as JSON bytes.

    Bytes, not a dict: Streamlit serialises a dict payload with ``json.dumps`` twice per run
    (the message and the element's identity), escaping the whole figure each time; bytes go
    as they are, hashed once. The figure is embedded as JSON, not as a string inside JSON;
    so is any ``RawJSON`` value of ``meta``."""
    parts = [f"{json.dumps(k)}:{v if isinstance(v, RawJSON) else json.dumps(v)}" for k, v in meta.items()]
    return b'{"spec":' + spec.encode() + "".join("," + p for p in parts).encode() + b"}"


def payload_of(proto) -> dict:
    """The payload a ``landscapes.plotly_basic`` element carries, with its figure as a dict."""
    d = json.loads(proto.bytes if proto.WhichOneof("data") == "bytes" else proto.json)
    return {**d, "spec": json.loads(d["spec"]) if isinstance(d["spec"], str) else d["spec"]}


def plotly_basic_chart(
    fig: dict | Callable[[], dict],
    *,
    key: str,
    on_click: Callable[[dict], None] | None = None,
    config: dict | None = None,
    controls: bool = False,
    fgrid: dict | Callable[[], dict] | None = None,
    channel: str | None = None,
    follow: str | None = None,
    on_step: Callable[[int], None] | None = None,
    shown_step: int | None = None,
    autoplay: str | None = None,
    memo: Hashable | None = None,
) -> None:
    """Draw a figure dict with plotly.js's basic bundle, or with ``st.plotly_chart`` if it cannot.

    Parameters
    ----------
    fig
        A finished figure dict (``data``, ``layout``, optional ``frames``); NumPy arrays allowed.
        Or a function that builds it, called only when ``memo`` does not match the last run's.
    key
        The element's key: the browser keeps the chart (and its zoom) across reruns.
    on_click
        Called before the rerun with ``{"x": …, "y": …}``, the data coordinates of a click
        inside the axes. The ``st.plotly_chart`` fallback reports clicks on points only: give
        such a figure an invisible grid of points to click (``trajectory_figure``'s ``click_grid``).
    config
        plotly.js config (e.g. ``{"displayModeBar": False}``); cloud buttons are always removed.
    controls
        For an animation: first / step back / play-pause / step forward / last as buttons, and
        the keyboard (space, arrows, Home, End) on the focused chart.
    fgrid
        ``{"x0", "x1", "y0", "y1", "n", "z"}``: f on an n×n grid; hovering shows f there (or a
        function that returns it, called only when the payload is built; or its ``RawJSON``).
    channel, follow
        An animated chart announces its step on ``channel``; a chart with ``follow`` set to that
        name moves its first shape (a vertical cursor) to the step.
    on_step, shown_step
        Called before the rerun with the step where the animation stopped (pause, a step
        button, a key, the slider), when it differs from ``shown_step`` (the step drawn).
    autoplay
        With ``controls``: a token; whenever it changes, the figure plays once from step 0 by
        itself (a rerun with the same token does not replay).
    memo
        A hashable that identifies ``fig`` and ``fgrid`` (e.g. the view they are drawn from).
        When this session's previous run drew the chart ``key`` with the same ``memo`` and the
        same options, its payload is sent again as it was: nothing is rebuilt or serialised,
        and the browser, which holds a message with the same hash, gets a reference to it.
    """
    from viz.figures import PLOTLY_CONFIG, PlotlyDict  # no import cycle: viz does not import ui

    options = (json.dumps(config, sort_keys=True), controls, channel, follow, shown_step, autoplay,
               on_click is not None, on_step is not None)  # fmt: skip
    slot = f"_plotly_basic::{key}"
    last = st.session_state.get(slot) if memo is not None else None
    data = last[1] if last is not None and last[0] == (memo, options) and enabled() else None
    if data is None:
        fig = fig() if callable(fig) else fig
        if not available(fig):
            st.session_state.pop(slot, None)
            cb = None
            if on_click is not None:

                def cb() -> None:
                    pts = (st.session_state.get(key) or {}).get("selection", {}).get("points", [])
                    if pts:
                        on_click({"x": float(pts[0]["x"]), "y": float(pts[0]["y"])})

            st.plotly_chart(PlotlyDict(fig), key=key, width="stretch", config={**(config or {}), **PLOTLY_CONFIG},
                            on_select=cb or "ignore", selection_mode="points", theme=None)  # fmt: skip
            return
        has_controls = controls and bool(fig.get("frames"))
        meta = {"clicks": on_click is not None, "controls": has_controls, "frame_ms": frame_ms(fig),
                "fgrid": fgrid() if callable(fgrid) else fgrid, "channel": channel, "follow": follow,
                "shown": shown_step, "autoplay": autoplay, "report_step": on_step is not None}  # fmt: skip
        data = payload(to_spec(fig, config, has_controls), meta)
        if memo is not None:
            st.session_state[slot] = ((memo, options), data)

    def on_trigger() -> None:
        ev = (st.session_state.get(key) or {}).get("click")
        if ev and on_click is not None:
            on_click({"x": float(ev["x"]), "y": float(ev["y"])})

    def on_step_trigger() -> None:
        k = (st.session_state.get(key) or {}).get("step")
        if k is not None and on_step is not None:
            on_step(int(k))

    _component()(key=key, data=data, on_click_change=on_trigger, on_step_change=on_step_trigger)
