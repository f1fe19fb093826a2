"""The playground page: watch optimizers race across a loss landscape and see why they behave
as they do.

The page only wires widgets to the engine: every number comes from ``viz.playground.compute``
(``optimizers`` / ``landscapes``), every figure from ``viz.figures``, the session state from
``ui.playground_state``. The whole view lives in the URL, so a link reproduces it.
"""

from __future__ import annotations

import dataclasses
import urllib.parse

import pandas as pd
import streamlit as st

import landscapes
import optimizers
from ui import lesson_links, plotly_basic
from ui import playground_state as ps
from ui.plotly_basic import plotly_basic_chart
from ui.shared import app_base, f_grid_json, session_memo, warm_up
from ui.widgets import hyper_widget, surface_select
from viz import export, figures, why
from viz.playground import (
    COLUMN_HELP,
    STEP_CONVENTION,
    compute,
    html_table,
    inspector_table,
    stopped_note,
    styled,
    summary_table,
)  # fmt: skip
from viz.presets import PRESETS, matching
from viz.state import MAX_RUNS, MAX_STEPS, from_query, human, to_query

SCHEDULE_LABELS = {
    "constant": "constant",
    "step": "step decay (StepLR)",
    "exponential": "exponential (ExponentialLR)",
    "cosine": "cosine annealing",
    "cosine_restarts": "cosine with warm restarts",
}
# Phones: the formula wraps. The results table fits a wide page (headers and text cells wrap;
# numbers and points do not); on a phone it scrolls sideways inside its box, says so, and keeps
# its first column (which run) in view.
CSS = """<style>
.stMarkdown .katex { white-space: normal; }
.results-table table { border-collapse: collapse; font-size: 0.9rem; }
.results-table th, .results-table td { padding: 4px 8px; border-bottom: 1px solid #d5d7de; text-align: left;
  white-space: nowrap; vertical-align: top; }
.results-table th { white-space: normal; vertical-align: bottom; min-width: 4em; }
.results-table td.wrap { white-space: normal; min-width: 6em; }
.results-table th[title] { cursor: help; text-decoration: underline dotted; }
.results-table th:first-child, .results-table td:first-child { position: sticky; left: 0; z-index: 1;
  background: #fff; min-width: 8em; box-shadow: 1px 0 0 #d5d7de; }
.results-table-hint { display: none; font-size: 0.8rem; color: #555; }
@media (max-width: 640px) { .results-table-hint { display: block; } }
</style>"""


def sidebar() -> landscapes.Surface:
    """The controls; returns the chosen surface."""
    ss = st.session_state
    with st.sidebar:
        st.header("Landscape")
        surf = surface_select("surface", describe=False)  # the page says it once, under the formula
        if window_for := ss.get("window_for"):
            both_custom = window_for.startswith(landscapes.CUSTOM_PREFIX) and surf.name.startswith(
                landscapes.CUSTOM_PREFIX
            )  # editing a formula keeps the window
            if window_for != surf.name and not both_custom:  # a new surface: its own default window
                for k, v in zip(
                    ("win_x0", "win_x1", "win_y0", "win_y1"), (*surf.bounds[0], *surf.bounds[1]), strict=True
                ):
                    ss[k] = float(v)
                # and a start it can show: one outside the window would run off the map unseen
                (x0, x1), (y0, y1) = surf.bounds
                sx, sy = float(ss.get("start_x", 0.0)), float(ss.get("start_y", 0.0))
                if not (x0 <= sx <= x1 and y0 <= sy <= y1):
                    ss["start_x"], ss["start_y"] = float(surf.start[0]), float(surf.start[1])
                    ss["start_moved"] = (
                        f"The start ({sx:g}, {sy:g}) is outside this surface's window, so it moved to the "
                        f"surface's own start ({surf.start[0]:g}, {surf.start[1]:g})."
                    )
        ss["window_for"] = surf.name
        window_box = st.expander("View window", icon=":material/crop_free:", key="open::window", on_change="rerun")
        if window_box.open:
            with window_box:
                w1, w2 = st.columns(2)
                w1.number_input("x min", key="win_x0", step=0.5, format="%.3g")
                w2.number_input("x max", key="win_x1", step=0.5, format="%.3g")
                w1.number_input("y min", key="win_y0", step=0.5, format="%.3g")
                w2.number_input("y max", key="win_y1", step=0.5, format="%.3g")
        c1, c2 = st.columns(2)
        c1.number_input("start x", key="start_x", step=0.1, format="%.3f")
        c2.number_input("start y", key="start_y", step=0.1, format="%.3f")
        st.caption("…or click on the map to set the start.")
        st.number_input("steps", min_value=1, max_value=MAX_STEPS, key="steps", step=25)

        st.header("Optimizers")
        options = optimizers.names() + ss.get("extra_keys", [])
        ps.resolve_runs()  # a chip label sent back for a run whose settings just changed
        labels = dict(zip(ss["runs"], (lg for _, lg in _labels(ss["runs"])), strict=True))
        ps.remember_run_labels(labels)
        st.multiselect("Compare", options, key="runs", max_selections=MAX_RUNS, on_change=ps.init_new_runs,
                       format_func=lambda k: labels.get(k, optimizers.spec(k.split("#")[0]).label))  # fmt: skip
        with st.popover("Add an optimizer or a copy"):
            st.selectbox("optimizer", optimizers.names(), key="copy_of", format_func=lambda n: optimizers.spec(n).label)
            st.caption("Adds it, or a copy with the same settings if it is already compared.")
            st.button("Add", on_click=ps.add_copy)
        styles = figures.run_styles(ss["runs"])
        for i, key in enumerate(ss["runs"]):
            spec = optimizers.spec(key.split("#")[0])
            style = styles[i]
            # a stable title (the optimizer, and its copy number): editing a setting keeps the panel open
            copy = key.partition("#")[2]
            box = st.expander(f":material/tune: {spec.label}{' #' + copy if copy else ''}", key=f"open::{key}",
                              on_change="rerun")  # fmt: skip
            if not box.open:
                continue
            with box:
                st.markdown(f"<span style='color:{style.color}'>■</span> **{labels[key]}** — {spec.description}",
                            unsafe_allow_html=True)  # fmt: skip
                for h in spec.hypers:
                    if h.name == "weight_decay" and ss.get("use_wd"):
                        continue
                    hyper_widget(ps.hp_key(key, h.name), h)
                st.button("torch defaults", key=f"defaults::{key}", on_click=ps.torch_defaults, args=(key,),
                          help="Reset to torch.optim's defaults")  # fmt: skip
                handoff_widgets(key)

        st.header("Training options")
        st.selectbox("Learning-rate schedule", list(SCHEDULE_LABELS), key="schedule", format_func=SCHEDULE_LABELS.get)
        sched = ss["schedule"]
        if sched == "step":
            st.number_input("step_size", 1.0, 10000.0, key="c::step_size", step=1.0)
            st.number_input("gamma", 0.001, 1.0, key="c::gamma", step=0.05)
        elif sched == "exponential":
            st.number_input("gamma", 0.5, 1.0, key="c::gamma", step=0.001, format="%.4f")
        elif sched == "cosine":
            st.number_input("T_max (0 = run length)", 0.0, 100000.0, key="c::T_max", step=10.0)
            st.number_input("eta_min", 0.0, 10.0, key="c::eta_min", format="%.4g")
        elif sched == "cosine_restarts":
            st.number_input("T_0", 1.0, 100000.0, key="c::T_0", step=5.0)
            st.number_input("T_mult", 1.0, 8.0, key="c::T_mult", step=1.0)
            st.number_input("eta_min", 0.0, 10.0, key="c::eta_min", format="%.4g")
        st.number_input("linear warm-up steps", 0.0, 10000.0, key="c::warmup_steps", step=5.0, format="%.0f")
        st.slider(
            "gradient noise σ", 0.0, 5.0, key="c::noise", step=0.05, help="Gaussian noise added to every gradient"
        )
        st.number_input("noise seed", 0, 1_000_000, key="c::seed", step=1)
        st.checkbox("same weight decay for all", key="use_wd")
        if ss["use_wd"]:
            st.slider("weight decay", 0.0, 0.5, key="wd", step=0.005)
    return surf


STATE_RULES = {
    "auto": "carry it when it can",
    "reset": "start fresh",
}


def handoff_widgets(key: str) -> None:
    """A run's hand-off: from step k on, another optimizer (or the same with a new lr)."""
    ss = st.session_state
    name = key.split("#")[0]
    if not st.toggle("Hand off at a step", key=ps.ho_key(key, "on"),
                     help="Switch optimizer or learning rate mid-run, e.g. Adam for 50 steps, then SGD"):  # fmt: skip
        return
    steps = int(ss.get("steps", 125))
    if steps < 2:
        st.caption("A hand-off needs at least 2 steps.")
        return
    ss.setdefault(ps.ho_key(key, "to"), name)
    ss[ps.ho_key(key, "at")] = min(max(int(ss.get(ps.ho_key(key, "at"), steps // 2)), 1), steps - 1)
    c1, c2 = st.columns(2)
    c1.number_input("at step", 1, steps - 1, key=ps.ho_key(key, "at"), step=5)
    c2.selectbox("then", optimizers.names(), key=ps.ho_key(key, "to"),
                 format_func=lambda n: optimizers.spec(n).label)  # fmt: skip
    to = ss[ps.ho_key(key, "to")]
    h = optimizers.spec(to).hyper("lr")
    hyper_widget(ps.ho_key(key, "lr", to), h, label="lr after the hand-off", initial=ps.handoff_lr(key, to))
    if optimizers.can_carry(name, to):
        st.radio("optimizer state", list(STATE_RULES), key=ps.ho_key(key, "state"), horizontal=True,
                 format_func=STATE_RULES.get,
                 help="Carried: moments, buffers and the step count go on, as when you change a torch param "
                      "group's lr. Fresh: a new torch optimizer.")  # fmt: skip
    else:
        st.caption(f"{optimizers.spec(to).label} keeps different state from {optimizers.spec(name).label}: it "
                   "starts fresh, as a new torch optimizer does.")  # fmt: skip


def _labels(keys: list[str]) -> list[tuple[str, str]]:
    from viz.state import Run, run_labels

    ss = st.session_state
    runs = []
    for key in keys:
        spec = optimizers.spec(key.split("#")[0])
        hyper = {h.name: ss.get(ps.hp_key(key, h.name), h.default) for h in spec.hypers}
        runs.append(Run(key, hyper, ps.read_handoff(key, int(ss.get("steps", 125)))))
    return run_labels(runs)


PRESET_ROWS = {
    "article": "**The article's experiments** — one click loads the surface, start, optimizers and settings:",
    "why": "**See why** — curvature, flows, critical points and the local model, each on a view that shows it:",
}


def presets_row() -> None:
    """The article's experiments and the "see why" views, one click each, at the top of the page."""
    for group, intro in PRESET_ROWS.items():
        st.markdown(intro)
        # one row per group on a wide screen, so that the map and its Play button come into the
        # first screen of a projector (1440×900); a phone stacks the columns
        items = [(n, p) for n, p in PRESETS.items() if p.group == group]
        cols = st.columns(len(items))
        for i, (name, p) in enumerate(items):
            cols[i].button(p.title.removeprefix("Article: "), key=f"preset::{name}", on_click=ps.load_preset,
                           args=(name,), width="stretch")  # fmt: skip


def copy_link(query: dict) -> None:
    """A link to this exact view, with a copy button (``st.code`` has one)."""
    base = (st.context.url or "").split("?")[0] or "http://localhost:8501/"
    url = base + "?" + urllib.parse.urlencode(query, doseq=True)
    with st.popover("Copy link", icon=":material/link:"):
        st.caption("This link opens exactly this view (the address bar holds it too):")
        st.code(url, language=None, wrap_lines=True)


MAX_CRITICAL_ROWS = 30


def see_why(seen: why.Why, result, view, k: int) -> None:
    """The panels of the "See why" toggles: curvature, the path between minima, critical points, flows."""
    for n in seen.notes:
        st.info(n, icon=":material/info:")
    if "curvature" in seen.shown and seen.sharpness:
        st.subheader("Curvature against the stability limit")
        st.caption(why.WHY_HELP["curvature"])
        plotly_basic_chart(why.curvature_figure(seen.sharpness, k), key="curvature",
                           config={"displayModeBar": False}, follow="map")  # fmt: skip
        if note := why.warmup_note(seen.sharpness):
            st.caption(note)
        st.markdown("\n".join(f"- {t}" for t in why.curvature_texts(seen.sharpness)))
    if "path" in seen.shown:
        mins = why.minima_in_view(result.surface)
        if len(mins) >= 2:
            st.subheader("The path between two minima")
            names = {i: f"minimum {i + 1} ({x:.3g}, {y:.3g})" for i, (x, y) in enumerate(mins)}
            for key, fallback in (("end_a", 0), ("end_b", 1)):  # another surface may have fewer minima
                if st.session_state.get(key) not in names:
                    st.session_state[key] = fallback
            c1, c2 = st.columns(2)
            c1.selectbox("from", list(names), key="end_a", format_func=names.get)
            c2.selectbox("to", list(names), key="end_b", format_func=names.get)
        if seen.path is not None:
            st.caption(why.WHY_HELP["path"])
            plotly_basic_chart(why.path_figure(seen.path), key="mep", config={"displayModeBar": False})
            st.markdown(why.path_text(seen.path))
    if "flow" in seen.shown and seen.flow is not None:
        st.subheader("Gradient flow")
        st.caption(why.WHY_HELP["flow"])
        st.markdown("\n".join(f"- {t}" for t in why.flow_texts(seen)))
    if "critical" in seen.shown and seen.critical:
        st.subheader("Critical points in the view")
        st.caption(why.WHY_HELP["critical"])
        rows = why.critical_rows(seen.critical, why.minima_in_view(result.surface))
        st.table(pd.DataFrame(rows[:MAX_CRITICAL_ROWS]))
        if len(rows) > MAX_CRITICAL_ROWS:
            st.caption(f"The {MAX_CRITICAL_ROWS} lowest of {len(rows)} critical points; zoom in with the View window "
                       "to see the others listed.")  # fmt: skip


# --- the page --------------------------------------------------------------------------

with st.spinner("Compiling the optimizer kernels (first start only, ~30 s)…"):
    warm_up()
ss = st.session_state
if "initialized" not in ss:
    view0, notices = from_query({k: st.query_params.get_all(k) for k in st.query_params})
    ps.apply_view(view0)
    ss["notices"] = notices
    ss["notices_for"] = None  # the view the link opened: its notices show until a setting changes
    ss["caption"] = ""
    ss["initialized"] = True
# Hyperparameters and the view window live in expanders whose widgets are drawn only while open
# (a smaller first paint). Streamlit forgets the value of a widget that a run does not draw;
# assigning the value back at the top of every run keeps it.
for _k in [k for k in ss if k.startswith(("hp::", "win_"))]:
    ss[_k] = ss[_k]

surf = sidebar()
view, window_ok = ps.view_from_widgets(surf)
query = to_query(view)
if ss.get("notices"):
    if ss.get("notices_for") is None:
        ss["notices_for"] = query
    elif query != ss["notices_for"]:  # the reader changed a setting: the link's refusals are done
        ss["notices"] = []
if {k: (v if isinstance(v, list) else [v]) for k, v in query.items()} != {
    k: st.query_params.get_all(k) for k in st.query_params
}:
    st.query_params.from_dict(query)

st.html(CSS)
t1, t2 = st.columns([4, 1], vertical_alignment="bottom")
t1.title("Optimizer landscapes")
with t2:
    copy_link(query)
    lesson_links.make_link_popover(view, app_base())
st.markdown(
    "Each coloured line is one optimizer walking downhill on the surface from the white diamond; the gold "
    "star is the global minimum, white stars are local minima. **Press ▶ Play**, then try another optimizer, "
    "learning rate or start (click the map)."
)
presets_row()
st.markdown(f"$f(x, y) = {surf.latex}$")
st.markdown(f"**This surface:** {surf.description}")
if moved := ss.pop("start_moved", None):
    st.info(moved, icon=":material/my_location:")
for n in ss.get("notices", []):
    st.warning("Link parameter refused: " + n.replace("_", r"\_").replace("*", r"\*"), icon="⚠️")
# A preset's sentences hold for its own settings only: shown while the view is that preset (opened
# from its button or from a link to it), gone as soon as a setting changes.
if preset := matching(view):
    st.info(PRESETS[preset].caption, icon=":material/lightbulb:")
elif ss.get("caption") and ss.get("caption_for") is None:  # a loaded configuration file's name
    st.info(ss["caption"], icon=":material/lightbulb:")

# The trajectories depend on the view but not on the inspected step or the "see why" toggles: a
# rerun that changes none of what they depend on (a panel, a tab, the inspected step) reuses them.
compute_key = repr(dataclasses.replace(view, step=None, why=(), ends=None))
result = session_memo("result", compute_key, lambda: compute(view))
for e in result.errors:
    st.error(e)
if not result.lines:
    if not view.runs:
        st.info("Pick at least one optimizer in the sidebar.")
    else:  # the start is outside f's domain: the bare map, to click a start where it is coloured
        empty = figures.trajectory_figure(result.surface, [], view.start, bounds=result.surface.bounds,
                                          click_grid=0 if plotly_basic.enabled() else 40)  # fmt: skip
        plotly_basic_chart(empty, key="map", on_click=ps.on_map_click, config={"displayModeBar": False})
    st.stop()

surf = result.surface  # with the view window and its minima
bounds = surf.bounds
steps = view.steps
inspect_step = int(min(ss.get("inspect", steps), steps))
if not window_ok:
    st.warning("The view window needs min < max on both axes; showing the surface's default window.")
seen = why.for_view(view, result)
left, right = st.columns([3, 2], gap="medium")
with left:
    c1, c2 = st.columns(2)
    mode = c1.radio("view", ["contour map", "3-D surface"], horizontal=True, key="view_mode")
    if mode == "contour map":
        speed = c2.radio("animation speed", ["slow", "normal", "fast"], index=1, key="speed", horizontal=True)
        n_frames = len(figures.frame_steps(steps, figures.MAX_FRAMES))
        show_arrows = ss.get("show_arrows", True)

        def map_figure() -> dict:
            arrows = figures.inspector_arrows(result.lines, inspect_step, bounds) if show_arrows else []
            marks = why.view_marks(seen, surf, result.lines, inspect_step, bounds)
            return figures.trajectory_figure(
                surf, result.lines, view.start, shown_step=inspect_step, bounds=bounds,
                frame_ms=figures.frame_ms_for(n_frames, speed), arrows=arrows,
                click_grid=0 if plotly_basic.enabled() else 40, overlays=why.mark_traces(marks),
            )  # fmt: skip

        # built again only when what it draws changes: the view, the inspected step, speed, arrows
        plotly_basic_chart(map_figure, key="map", on_click=ps.on_map_click, config={"displayModeBar": False},
                           controls=True, fgrid=lambda: plotly_basic.RawJSON(f_grid_json(surf.name, bounds)),
                           channel="map", on_step=ps.on_map_step, shown_step=inspect_step,
                           memo=(repr(view), inspect_step, speed, show_arrows))  # fmt: skip
        # One step control: the map's own slider and buttons. Where the map stops, the arrows, the loss
        # charts' cursor, "Step details" and the link follow (the same step number everywhere).
        st.caption(STEP_CONVENTION + " The slider under the map picks the step; the arrows, the cursor on the "
                   "loss charts and “Step details” follow the step the map stops at. Keyboard: focus the map, "
                   "then space plays or pauses and ← → step.")  # fmt: skip
        st.checkbox("arrows at θₖ", key="show_arrows", value=True,
                    help="−g in black; the update Δθ and the momentum in the run's colour")  # fmt: skip
    else:
        st.caption("The 3-D view shows the whole runs and does not animate: switch back to the contour map to play"
                   + (" and to see the overlays of “See why”." if view.why else "."))  # fmt: skip
        fig3 = figures.surface3d_figure(surf, result.lines, bounds, start=view.start)
        st.plotly_chart(figures.PlotlyDict(fig3), width="stretch", config=figures.PLOTLY_CONFIG, theme=None)
    st.pills("See why", list(why.WHY), selection_mode="multi", key="why", format_func=why.WHY_LABELS.get,
             wrap=True, width="stretch",
             help="Each toggle draws on the map; all but the local quadratic also add a panel below it that says "
                  "what it shows.")  # fmt: skip
with right:
    log = st.toggle("log-scale loss", key="logloss", value=True)
    la = figures.loss_axis(result.lines, log, result.minima.lowest if result.minima else float("nan"))
    plotly_basic_chart(lambda: figures.series_figure(result.lines, log_loss=log, f_star=la.f_star,
                                                     shown_step=inspect_step),
                       key="series", config={"displayModeBar": False}, follow="map",
                       memo=(compute_key, log, repr(la.f_star), inspect_step))  # fmt: skip
    if la.note:
        st.caption(la.note)

see_why(seen, result, view, inspect_step)

if note := stopped_note(result):
    st.warning(note, icon="💥")

# The panels below run only when their tab is open: the page's first paint stays small.
results_tab, step_tab, rules_tab, export_tab = st.tabs(
    ["Results", "Step details", "Update rules", "Export and share"], key="panel", on_change="rerun"
)
if results_tab.open:
    with results_tab:
        table = session_memo("results_table", compute_key, lambda: html_table(summary_table(result), COLUMN_HELP))
        st.markdown('<div class="results-table-hint">The table scrolls sideways: more columns to the right →</div>'
                    + table, unsafe_allow_html=True)  # fmt: skip
        with st.expander("What the columns mean", icon=":material/help:"):
            st.markdown("\n".join(f"- **{c}**: {t}" for c, t in COLUMN_HELP.items()) + "\n\n" + STEP_CONVENTION)

if step_tab.open:
    with step_tab:
        nxt = f", the update to θ<sub>{inspect_step + 1}</sub>" if inspect_step < steps else " (the last point)"
        st.markdown(f"**Step {inspect_step}** (the map's step): at θ<sub>{inspect_step}</sub>{nxt}",
                    unsafe_allow_html=True)  # fmt: skip
        # the map's slider has a frame every few steps of a long run (and, drawn by st.plotly_chart without
        # static serving, does not report its step): any step here
        if steps + 1 > figures.MAX_FRAMES or not plotly_basic.enabled():
            ss["inspect_k"] = inspect_step
            st.number_input(f"go to step (0–{steps}); the map moves there too", 0, steps, key="inspect_k",
                            on_change=ps.on_step_input)  # fmt: skip
        st.table(styled(inspector_table(result, inspect_step)))
        st.caption(
            "Effective step per coordinate = the factor the optimizer multiplies its numerator by "
            "(lr/(√v̂+ε) for Adam, lr/(√E[g²]+ε) for RMSProp): when it jumps in one coordinate, RMSProp draws a "
            "hedgehog."
        )

if rules_tab.open:
    with rules_tab:
        for line in result.lines:
            spec = optimizers.spec(line.traj.optimizer)
            hp = line.traj.hyperparameters
            values = ", ".join(f"{h.name} = {human(hp[h.name])}" for h in spec.hypers)
            st.markdown(f"**{line.label}** — {spec.description}  \n<small>{values} · {spec.reference}</small>",
                        unsafe_allow_html=True)  # fmt: skip
            st.latex(spec.latex)
            for ph in line.traj.phases[1:]:  # a hand-off: the rule in charge from its step on
                to = optimizers.spec(ph["optimizer"])
                vals = ", ".join(f"{h.name} = {human(ph['hyperparameters'][h.name])}" for h in to.hypers)
                kept = "state carried" if ph["state"] == "carry" else "state fresh"
                st.markdown(f"*then, from step {ph['at']} ({kept}):* **{to.label}** — {to.description}  \n"
                            f"<small>{vals} · {to.reference}</small>", unsafe_allow_html=True)  # fmt: skip
                st.latex(to.latex)

if export_tab.open:
    with export_tab:
        st.caption("The link in the address bar reproduces this view. Files below are made from the same trajectories.")
        base = export.file_stem(view, result.lines)  # surface, optimizers, steps and a hash of the view
        files = [  # label, data (a callable is run only when clicked), file suffix, MIME type, icon, help
            ("Configuration (JSON)", view.to_json(), ".json", "application/json", "tune", None),
            ("Trajectories (CSV)", lambda: export.csv_bytes(result, view), ".csv", "text/csv", "table", None),
            ("Trajectories (Parquet)", lambda: export.parquet_bytes(result, view), ".parquet",
             "application/vnd.apache.parquet", "table", None),
            ("Animation (HTML)", lambda: export.html_bytes(result, view), ".html", "text/html", "animation",
             "self-contained: plotly.js embedded, plays offline"),
            ("This frame (PNG)", lambda: export.png_bytes(result, view, inspect_step), f"_step{inspect_step}.png",
             "image/png", "image", None),
        ]  # fmt: skip
        for col, (label, data, suffix, mime, icon, tip) in zip(st.columns(len(files)), files, strict=True):
            col.download_button(label, data, base + suffix, mime, icon=f":material/{icon}:", help=tip,
                                on_click="ignore")  # fmt: skip
        with st.expander("Animation as GIF or MP4", icon=":material/movie:"):
            a1, a2, a3, a4 = st.columns(4)
            fmt = a1.radio("format", ["gif", "mp4"], horizontal=True, key="exp_fmt")
            fps = a2.slider("frames per second", 2, 30, 12, key="exp_fps")
            n_exp = a3.slider("frames (last step always kept)", 10, 300, 120, 10, key="exp_frames")
            size = a4.selectbox("size", ["480x360", "640x480", "800x600", "1280x960"], index=1, key="exp_size")
            w, h = (int(v) for v in size.split("x"))
            job = (repr(query), fmt, fps, n_exp, size)
            if st.button(f"Render {fmt.upper()}", icon=":material/play_circle:", key="exp_render"):
                bar = st.progress(0.0, text=f"Rendering {n_exp} frames…")
                render = export.gif_bytes if fmt == "gif" else export.mp4_bytes
                ss["exp_file"] = (job, render(result, view, w, h, fps, n_exp, lambda f: bar.progress(f)))
                bar.empty()
            done = ss.get("exp_file")
            if done and done[0] == job:
                mime = "image/gif" if fmt == "gif" else "video/mp4"
                st.download_button(f"Download {fmt.upper()} ({len(done[1]) / 1e6:.1f} MB)", done[1], f"{base}.{fmt}",
                                   mime, icon=":material/download:", key="exp_download", on_click="ignore")  # fmt: skip
        st.file_uploader(
            "Load a configuration (JSON) saved from here", type=["json"], key="config_upload", on_change=ps.load_config
        )
