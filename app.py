"""The playground: watch optimizers race across a loss landscape and see why they behave as they do.

Run with ``streamlit run app.py``. The page only wires widgets to the engine: every
number comes from ``optimizers`` / ``landscapes``, every figure from ``viz.figures``.
The whole view lives in the URL, so a link reproduces it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import landscapes
import optimizers
from ui import plotly_basic
from ui.plotly_basic import plotly_basic_chart
from ui.widgets import CUSTOM, hyper_widget, safe_filename, surface_select
from viz import export, figures
from viz.playground import MAP_FRAMES, compute, inspector_table, styled, summary_table
from viz.presets import PRESETS
from viz.state import COMMON_KEYS, MAX_RUNS, MAX_STEPS, Run, View, from_query, to_query

st.set_page_config(page_title="Optimizer landscapes", page_icon="⛰️", layout="wide")


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Load (or, on a fresh machine, compile) the kernels once per server."""
    optimizers.trajectory("adam", "wobbly", None, 3)
    landscapes.get("wobbly").value(np.zeros(2), np.zeros(2))
    return True


with st.spinner("Compiling the optimizer kernels (first start only, ~30 s)…"):
    warm_up()

SCHEDULE_LABELS = {
    "constant": "constant",
    "step": "step decay (StepLR)",
    "exponential": "exponential (ExponentialLR)",
    "cosine": "cosine annealing",
    "cosine_restarts": "cosine with warm restarts",
}


# --- view <-> widget state --------------------------------------------------------------


def _hp_key(run_key: str, name: str) -> str:
    return f"hp::{run_key}::{name}"


def apply_view(view: View) -> None:
    """Write a view into the widgets' session state (before the widgets are drawn)."""
    ss = st.session_state
    if view.surface.startswith(landscapes.CUSTOM_PREFIX):
        ss["surface"] = CUSTOM
        ss["surface::formula"] = view.surface[len(landscapes.CUSTOM_PREFIX) :]
    else:
        ss["surface"] = view.surface
    ss["start_x"], ss["start_y"] = float(view.start[0]), float(view.start[1])
    b = view.bounds or landscapes.get(view.surface).bounds
    ss["win_x0"], ss["win_x1"], ss["win_y0"], ss["win_y1"] = (float(v) for pair in b for v in pair)
    ss["window_for"] = view.surface
    ss["steps"] = int(view.steps)
    ss["runs"] = [r.key for r in view.runs]
    ss["extra_keys"] = sorted({r.key for r in view.runs if "#" in r.key})
    for r in view.runs:
        spec = optimizers.spec(r.optimizer)
        for h in spec.hypers:
            v = r.hyper.get(h.name, h.default)
            ss[_hp_key(r.key, h.name)] = bool(v) if h.kind == "bool" else float(v)
    c = view.common
    ss["schedule"] = c.get("schedule", "constant")
    for k in COMMON_KEYS[1:]:
        h = optimizers.COMMON_OPTIONS[k]
        ss[f"c::{k}"] = int(c.get(k, h.default)) if k == "seed" else float(c.get(k, h.default))
    ss["use_wd"] = view.weight_decay is not None
    ss["wd"] = float(view.weight_decay or 0.0)
    ss["inspect"] = int(view.step) if view.step is not None else max(int(view.steps) - 1, 0)
    ss["applied_steps"] = int(view.steps)


def load_preset(name: str) -> None:
    view = PRESETS[name].view()
    apply_view(view)
    st.session_state["caption"] = PRESETS[name].caption
    st.session_state["notices"] = []


def on_map_click(point: dict) -> None:
    """A click on the map moves the start there."""
    st.session_state["start_x"] = round(float(point["x"]), 3)
    st.session_state["start_y"] = round(float(point["y"]), 3)


def add_copy() -> None:
    name = st.session_state.get("copy_of")
    if not name:
        return
    taken = set(st.session_state["runs"]) | set(st.session_state.get("extra_keys", []))
    k = 2
    while f"{name}#{k}" in taken:
        k += 1
    key = f"{name}#{k}"
    src = name if name in st.session_state["runs"] else None
    for h in optimizers.spec(name).hypers:
        v = st.session_state.get(_hp_key(src, h.name), h.default) if src else h.default
        st.session_state[_hp_key(key, h.name)] = v
    st.session_state["extra_keys"] = sorted({*st.session_state.get("extra_keys", []), key})
    st.session_state["runs"] = [*st.session_state["runs"], key]


def load_config() -> None:
    """Apply an uploaded JSON configuration (the "configuration (JSON)" download) to the page."""
    f = st.session_state.get("config_upload")
    if f is None:
        return
    view, notices = View.from_json(f.getvalue().decode("utf-8", errors="replace"))
    apply_view(view)
    st.session_state["notices"] = notices
    st.session_state["caption"] = f"Loaded {f.name}."


if "initialized" not in st.session_state:
    view0, notices = from_query({k: st.query_params.get_all(k) for k in st.query_params})
    apply_view(view0)
    st.session_state["notices"] = notices
    st.session_state["caption"] = ""
    st.session_state["initialized"] = True

# Hyperparameters and the view window live in expanders whose widgets are drawn only while open
# (a smaller first paint). Streamlit forgets the value of a widget that a run does not draw;
# assigning the value back at the top of every run keeps it.
for _k in [k for k in st.session_state if k.startswith(("hp::", "win_"))]:
    st.session_state[_k] = st.session_state[_k]


# --- sidebar: controls ------------------------------------------------------------------


with st.sidebar:
    st.header("Landscape")
    surf = surface_select("surface")
    if ss_window_for := st.session_state.get("window_for"):
        both_custom = ss_window_for.startswith(landscapes.CUSTOM_PREFIX) and surf.name.startswith(
            landscapes.CUSTOM_PREFIX
        )  # editing a formula keeps the window
        if ss_window_for != surf.name and not both_custom:  # a new surface: its own default window
            for k, v in zip(("win_x0", "win_x1", "win_y0", "win_y1"), (*surf.bounds[0], *surf.bounds[1]), strict=True):
                st.session_state[k] = float(v)
    st.session_state["window_for"] = surf.name
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
    options = optimizers.names() + st.session_state.get("extra_keys", [])
    st.session_state["runs"] = [k for k in st.session_state["runs"] if k in options]
    st.multiselect(
        "Compare",
        options,
        key="runs",
        max_selections=MAX_RUNS,
        format_func=lambda k: optimizers.spec(k.split("#")[0]).label + (f" #{k.split('#')[1]}" if "#" in k else ""),
    )
    with st.popover("Add a copy with other settings"):
        st.selectbox("optimizer", optimizers.names(), key="copy_of", format_func=lambda n: optimizers.spec(n).label)
        st.button("Add copy", on_click=add_copy)
    for key in st.session_state["runs"]:
        spec = optimizers.spec(key.split("#")[0])
        color = figures.run_color(key)
        title = spec.label + (f" #{key.split('#')[1]}" if "#" in key else "")
        box = st.expander(f":material/circle: {title}", key=f"open::{key}", on_change="rerun")
        if not box.open:
            continue
        with box:
            st.markdown(f"<span style='color:{color}'>■</span> {spec.description}", unsafe_allow_html=True)
            for h in spec.hypers:
                if h.name == "weight_decay" and st.session_state.get("use_wd"):
                    continue
                hyper_widget(_hp_key(key, h.name), h)

    st.header("Training options")
    st.selectbox("Learning-rate schedule", list(SCHEDULE_LABELS), key="schedule", format_func=SCHEDULE_LABELS.get)
    sched = st.session_state["schedule"]
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
    st.number_input("linear warm-up steps", 0.0, 10000.0, key="c::warmup_steps", step=5.0)
    st.slider("gradient noise σ", 0.0, 5.0, key="c::noise", step=0.05, help="Gaussian noise added to every gradient")
    st.number_input("noise seed", 0, 1_000_000, key="c::seed", step=1)
    st.checkbox("same weight decay for all", key="use_wd")
    if st.session_state["use_wd"]:
        st.slider("weight decay", 0.0, 0.5, key="wd", step=0.005)

    st.header("The article's experiments")
    for name, p in PRESETS.items():
        st.button(p.title, key=f"preset::{name}", on_click=load_preset, args=(name,), width="stretch")


# --- build the view from the widgets ----------------------------------------------------

ss = st.session_state
runs = []
for key in ss["runs"]:
    spec = optimizers.spec(key.split("#")[0])
    hyper = {}
    for h in spec.hypers:
        v = ss.get(_hp_key(key, h.name), h.default)
        if v != h.default:
            hyper[h.name] = bool(v) if h.kind == "bool" else float(v)
    runs.append(Run(key, hyper))
common = {"schedule": ss["schedule"]}
used = {"step": ("step_size", "gamma"), "exponential": ("gamma",), "cosine": ("T_max", "eta_min"),
        "cosine_restarts": ("T_0", "T_mult", "eta_min")}.get(ss["schedule"], ())  # fmt: skip
for k in (*used, "warmup_steps", "noise", "seed"):
    v = ss[f"c::{k}"]
    if optimizers.COMMON_OPTIONS[k].kind == "int":
        v = int(v)
    if v != optimizers.COMMON_OPTIONS[k].default or k in used:
        common[k] = v
steps = int(ss["steps"])
last_step = max(steps - 1, 0)  # the inspector shows the step from θ_k to θ_k+1
if ss.get("applied_steps") != steps:  # a new run length: inspect its last step
    ss["inspect"] = last_step
    ss["applied_steps"] = steps
window = ((float(ss["win_x0"]), float(ss["win_x1"])), (float(ss["win_y0"]), float(ss["win_y1"])))
window_ok = window[0][0] < window[0][1] and window[1][0] < window[1][1]
view = View(
    bounds=window if window_ok and window != surf.bounds else None,
    surface=surf.name,
    start=(float(ss["start_x"]), float(ss["start_y"])),
    steps=steps,
    runs=runs,
    common=common,
    weight_decay=float(ss["wd"]) if ss["use_wd"] else None,
    step=None,
)
inspect_step = int(min(ss.get("inspect", last_step), last_step))
view.step = inspect_step if inspect_step != last_step else None
query = to_query(view)
if {k: (v if isinstance(v, list) else [v]) for k, v in query.items()} != {
    k: st.query_params.get_all(k) for k in st.query_params
}:
    st.query_params.from_dict(query)

# --- main area --------------------------------------------------------------------------

st.title("Optimizer landscapes")
st.latex(f"f(x, y) = {surf.latex}")
for n in ss.get("notices", []):
    st.warning("Link parameter refused: " + n.replace("_", r"\_").replace("*", r"\*"), icon="⚠️")
if ss.get("caption"):
    st.info(ss["caption"], icon=":material/lightbulb:")

result = compute(view)
for e in result.errors:
    st.error(e)
if not result.lines:
    st.info("Pick at least one optimizer in the sidebar.")
    st.stop()

surf = result.surface  # with the view window applied
bounds = surf.bounds
if not window_ok:
    st.warning("The view window needs min < max on both axes; showing the surface's default window.")
left, right = st.columns([3, 2], gap="medium")
with left:
    c1, c2 = st.columns(2)
    mode = c1.radio("view", ["contour map", "3-D surface"], horizontal=True, key="view_mode")
    speed = c2.radio("animation speed", ["slow", "normal", "fast"], index=1, key="speed", horizontal=True)
    if mode == "contour map":
        frame_ms = {"slow": 250, "normal": 110, "fast": 40}[speed]
        arrows = figures.inspector_arrows(result.lines, inspect_step, bounds) if ss.get("show_arrows", True) else []
        fig = figures.trajectory_figure(
            surf, result.lines, view.start, shown_step=inspect_step, bounds=bounds, frame_ms=frame_ms, arrows=arrows,
            click_grid=0 if plotly_basic.enabled() else 40, max_frames=MAP_FRAMES,
        )  # fmt: skip
        plotly_basic_chart(fig, key="map", on_click=on_map_click, config={"displayModeBar": False})
    else:
        st.plotly_chart(figures.PlotlyDict(figures.surface3d_figure(surf, result.lines, bounds)), width="stretch")
    if steps > 1:
        st.slider("inspect step k (from θₖ to θₖ₊₁): the map draws it, “Step details” below lists it", 0, last_step,
                  key="inspect")  # fmt: skip
    st.checkbox("arrows at step k (−g black; Δθ and momentum in the run's colour)", key="show_arrows", value=True)
with right:
    log = st.toggle("log-scale loss", key="logloss", value=True)
    plotly_basic_chart(figures.series_figure(result.lines, log_loss=log), key="series")

diverged = [ln.label for ln in result.lines if ln.traj.diverged_step is not None]
if diverged:
    st.warning(f"Diverged (|θ| ≥ 10⁶ or not finite): {', '.join(diverged)} — marked × on the map.", icon="💥")

# The panels below run only when their tab is open: the page's first paint stays small.
results_tab, step_tab, rules_tab, export_tab = st.tabs(
    ["Results", "Step details", "Update rules", "Export and share"], key="panel", on_change="rerun"
)
if results_tab.open:
    with results_tab:
        st.table(styled(summary_table(result)))
        st.caption(
            "End point by its Hessian: a minimum, a saddle (a real trap: the gradient vanishes there), "
            "or not stationary (the run had not arrived)."
        )

if step_tab.open:
    with step_tab:
        st.markdown(f"**Step {inspect_step}**: from θ<sub>{inspect_step}</sub> to θ<sub>{inspect_step + 1}</sub>",
                    unsafe_allow_html=True)  # fmt: skip
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
            values = ", ".join(
                f"{h.name} = {hp[h.name]}" if isinstance(hp[h.name], bool) else f"{h.name} = {hp[h.name]:g}"
                for h in spec.hypers
            )
            st.markdown(f"**{line.label}** — {spec.description}  \n<small>{values} · {spec.reference}</small>",
                        unsafe_allow_html=True)  # fmt: skip
            st.latex(spec.latex)

# --- export -----------------------------------------------------------------------------

if export_tab.open:
    with export_tab:
        st.caption("The link in the address bar reproduces this view. Files below are made from the same trajectories.")
        base = safe_filename(f"{view.surface}_{steps}steps.x").removesuffix(".x")
        files = [  # label, data (a callable is run only when clicked), file suffix, MIME type, icon, help
            ("Configuration (JSON)", view.to_json(), ".json", "application/json", "tune", None),
            ("Trajectories (CSV)", lambda: export.csv_bytes(result), ".csv", "text/csv", "table", None),
            ("Trajectories (Parquet)", lambda: export.parquet_bytes(result), ".parquet",
             "application/vnd.apache.parquet", "table", None),
            ("Animation (HTML)", lambda: export.html_bytes(result, view), ".html", "text/html", "animation",
             "self-contained: plotly.js embedded, plays offline"),
            ("This frame (PNG)", lambda: export.png_bytes(result, view, inspect_step), "_step.png", "image/png",
             "image", None),
        ]  # fmt: skip
        for col, (label, data, suffix, mime, icon, tip) in zip(st.columns(len(files)), files, strict=True):
            col.download_button(label, data, base + suffix, mime, icon=f":material/{icon}:", help=tip,
                                on_click="ignore")  # fmt: skip
        with st.expander("Animation as GIF or MP4", icon=":material/movie:"):
            a1, a2, a3, a4 = st.columns(4)
            fmt = a1.radio("format", ["gif", "mp4"], horizontal=True, key="exp_fmt")
            fps = a2.slider("frames per second", 2, 30, 12, key="exp_fps")
            n_frames = a3.slider("frames (last step always kept)", 10, 300, 120, 10, key="exp_frames")
            size = a4.selectbox("size", ["480x360", "640x480", "800x600", "1280x960"], index=1, key="exp_size")
            w, h = (int(v) for v in size.split("x"))
            job = (repr(query), fmt, fps, n_frames, size)
            if st.button(f"Render {fmt.upper()}", icon=":material/play_circle:", key="exp_render"):
                bar = st.progress(0.0, text=f"Rendering {n_frames} frames…")
                render = export.gif_bytes if fmt == "gif" else export.mp4_bytes
                ss["exp_file"] = (job, render(result, view, w, h, fps, n_frames, lambda f: bar.progress(f)))
                bar.empty()
            done = ss.get("exp_file")
            if done and done[0] == job:
                mime = "image/gif" if fmt == "gif" else "video/mp4"
                st.download_button(
                    f"Download {fmt.upper()} ({len(done[1]) / 1e6:.1f} MB)",
                    done[1],
                    f"{base}.{fmt}",
                    mime,
                    icon=":material/download:",
                    key="exp_download",
                    on_click="ignore",
                )
        st.file_uploader(
            "Load a configuration (JSON) saved from here", type=["json"], key="config_upload", on_change=load_config
        )
