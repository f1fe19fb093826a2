"""The playground's session state: a View written into the widgets and read back from them.

Callbacks (presets, map clicks, copies, uploads) live here too, so the page script only
draws. Nothing here computes: the view goes to ``viz.playground.compute``.
"""

from __future__ import annotations

import streamlit as st

import landscapes
import optimizers
from ui.widgets import CUSTOM
from viz.presets import PRESETS, TEACHING_SETTINGS
from viz.state import COMMON_KEYS, WHY, Run, View


def hp_key(run_key: str, name: str) -> str:
    """The session-state key of one run's hyperparameter widget."""
    return f"hp::{run_key}::{name}"


def ho_key(run_key: str, what: str, to: str = "") -> str:
    """The session-state key of one hand-off widget of a run (``to``: per target optimizer)."""
    return f"ho::{run_key}::{what}" + (f"::{to}" if to else "")


def handoff_lr(run_key: str, to: str) -> float:
    """The lr a hand-off to ``to`` starts at: the run's own for the same optimizer, else the
    target's teaching value."""
    h = optimizers.spec(to).hyper("lr")
    if to == run_key.split("#")[0]:
        return float(st.session_state.get(hp_key(run_key, "lr"), h.default))
    return float(teaching_values(to).get("lr", h.default))


def read_handoff(run_key: str, steps: int) -> dict | None:
    """The run's hand-off as the widgets describe it (``Run.then``), or None."""
    ss = st.session_state
    if not ss.get(ho_key(run_key, "on")) or steps < 2:
        return None
    name = run_key.split("#")[0]
    to = ss.get(ho_key(run_key, "to"), name)
    at = min(max(int(ss.get(ho_key(run_key, "at"), steps // 2)), 1), steps - 1)
    hyper = dict(ss.get(ho_key(run_key, "extra", to), {}))  # settings a link gave beyond lr
    hyper["lr"] = float(ss.get(ho_key(run_key, "lr", to), handoff_lr(run_key, to)))
    state = ss.get(ho_key(run_key, "state"), "auto")
    if state == "carry" or not optimizers.can_carry(name, to):
        state = "auto"  # carried when it can be; another optimizer's state always starts fresh
    return {"at": at, "to": to, "hyper": hyper, "state": state}


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
        for h in optimizers.spec(r.optimizer).hypers:
            v = r.hyper.get(h.name, h.default)
            ss[hp_key(r.key, h.name)] = bool(v) if h.kind == "bool" else float(v)
        ss[ho_key(r.key, "on")] = bool(r.then)
        if r.then:
            to = r.then["to"]
            ss[ho_key(r.key, "at")] = int(r.then["at"])
            ss[ho_key(r.key, "to")] = to
            ss[ho_key(r.key, "state")] = "reset" if r.then.get("state") == "reset" else "auto"
            hyper = dict(r.then.get("hyper", {}))
            ss[ho_key(r.key, "lr", to)] = float(hyper.pop("lr", handoff_lr(r.key, to)))
            ss[ho_key(r.key, "extra", to)] = hyper
    c = view.common
    ss["schedule"] = c.get("schedule", "constant")
    for k in COMMON_KEYS[1:]:
        h = optimizers.COMMON_OPTIONS[k]
        ss[f"c::{k}"] = int(c.get(k, h.default)) if k == "seed" else float(c.get(k, h.default))
    ss["use_wd"] = view.weight_decay is not None
    ss["wd"] = float(view.weight_decay or 0.0)
    ss["inspect"] = int(view.step) if view.step is not None else int(view.steps)
    ss["applied_steps"] = int(view.steps)
    ss["why"] = list(view.why)
    ss["end_a"], ss["end_b"] = view.ends or (0, 1)


def load_preset(name: str) -> None:
    """Load one of the article's experiments (on_click of its button)."""
    apply_view(PRESETS[name].view())
    st.session_state["caption"] = PRESETS[name].caption
    st.session_state["caption_for"] = name
    st.session_state["notices"] = []


def on_map_click(point: dict) -> None:
    """A click on the map moves the start there."""
    st.session_state["start_x"] = round(float(point["x"]), 3)
    st.session_state["start_y"] = round(float(point["y"]), 3)


def on_map_step(k: int) -> None:
    """The map's animation stopped at step k (pause, a step button or key, its slider): the arrows, the
    loss charts' cursor, "Step details" and the link follow."""
    st.session_state["inspect"] = int(k)


def on_step_input() -> None:
    """A step typed in "Step details" (a long run's map has a frame every few steps only): the map
    shows it (the inspected step is always one of its frames) and everything else follows."""
    st.session_state["inspect"] = int(st.session_state["inspect_k"])


def teaching_values(name: str) -> dict[str, float]:
    """Settings an optimizer added from the menu starts with: a learning rate that visibly
    moves on the article's surfaces (torch's own defaults, lr 1e-3 for SGD, barely move in
    125 steps); torch's defaults are one click away ("torch defaults")."""
    return dict(TEACHING_SETTINGS.get(name, {}))


def resolve_runs() -> None:
    """Turn chip labels back into run keys in the "Compare" selection. The chips show each run's
    settings ("Adam · lr=0.25"); when a setting changes while the browser still shows the old chip,
    the browser can send that old label back as the selected value. Labels shown recently map to
    their runs (``run_label_keys``, kept by the page); anything else is dropped."""
    ss = st.session_state
    known = set(optimizers.names()) | set(ss.get("extra_keys", []))
    back = ss.get("run_label_keys", {})
    runs = []
    for k in ss.get("runs", []):
        key = k if k in known else back.get(k)
        if key is not None and key not in runs:
            runs.append(key)
    if runs != list(ss.get("runs", [])):
        ss["runs"] = runs


def remember_run_labels(labels: dict[str, str]) -> None:
    """Keep the chip labels of this run and the one before it (see ``resolve_runs``)."""
    ss = st.session_state
    previous = ss.get("run_label_keys_now", {})
    now = {label: key for key, label in labels.items()}
    ss["run_label_keys_now"] = now
    ss["run_label_keys"] = {**previous, **now}


def init_new_runs() -> None:
    """Give every run that has no widget values yet its teaching settings (on_change of the menu)."""
    ss = st.session_state
    resolve_runs()
    for key in ss.get("runs", []):
        name = key.split("#")[0]
        spec = optimizers.spec(name)
        if all(hp_key(key, h.name) in ss for h in spec.hypers):
            continue
        start = {**spec.defaults(), **teaching_values(name)}
        for h in spec.hypers:
            v = start[h.name]
            ss[hp_key(key, h.name)] = bool(v) if h.kind == "bool" else float(v)


def torch_defaults(key: str) -> None:
    """Reset one run's hyperparameters to torch's defaults."""
    for h in optimizers.spec(key.split("#")[0]).hypers:
        st.session_state[hp_key(key, h.name)] = bool(h.default) if h.kind == "bool" else float(h.default)


def add_copy() -> None:
    """Add the optimizer chosen in the "add" menu: itself if it is not in the view yet, else a
    copy with the same settings (to change one of them)."""
    ss = st.session_state
    name = ss.get("copy_of")
    if not name:
        return
    if name not in ss["runs"]:
        ss["runs"] = [*ss["runs"], name]
        init_new_runs()  # teaching settings unless it already has values
        return
    taken = set(ss["runs"]) | set(ss.get("extra_keys", []))
    k = 2
    while f"{name}#{k}" in taken:
        k += 1
    key = f"{name}#{k}"
    for h in optimizers.spec(name).hypers:
        ss[hp_key(key, h.name)] = ss.get(hp_key(name, h.name), h.default)
    ss["extra_keys"] = sorted({*ss.get("extra_keys", []), key})
    ss["runs"] = [*ss["runs"], key]


def load_config() -> None:
    """Apply an uploaded JSON configuration (the "configuration (JSON)" download) to the page."""
    f = st.session_state.get("config_upload")
    if f is None:
        return
    view, notices = View.from_json(f.getvalue().decode("utf-8", errors="replace"))
    apply_view(view)
    st.session_state["notices"] = notices
    st.session_state["caption"] = f"Loaded {f.name}."
    st.session_state["caption_for"] = None


def view_from_widgets(surface: landscapes.Surface) -> tuple[View, bool]:
    """The view the widgets describe, and whether the view window is valid."""
    ss = st.session_state
    runs = []
    for key in ss["runs"]:
        spec = optimizers.spec(key.split("#")[0])
        hyper = {}
        for h in spec.hypers:
            v = ss.get(hp_key(key, h.name), h.default)
            if v != h.default:
                hyper[h.name] = bool(v) if h.kind == "bool" else float(v)
        runs.append(Run(key, hyper, read_handoff(key, int(ss["steps"]))))
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
    if ss.get("applied_steps") != steps:  # a new run length: inspect its last point
        ss["inspect"] = steps
        ss["applied_steps"] = steps
    window = ((float(ss["win_x0"]), float(ss["win_x1"])), (float(ss["win_y0"]), float(ss["win_y1"])))
    window_ok = window[0][0] < window[0][1] and window[1][0] < window[1][1]
    step = int(min(ss.get("inspect", steps), steps))
    view = View(
        bounds=window if window_ok and window != surface.bounds else None,
        surface=surface.name,
        start=(float(ss["start_x"]), float(ss["start_y"])),
        steps=steps,
        runs=runs,
        common=common,
        weight_decay=float(ss["wd"]) if ss["use_wd"] else None,
        step=step if step != steps else None,
        why=tuple(w for w in WHY if w in ss.get("why", [])),
        ends=None if (ends := (int(ss.get("end_a", 0)), int(ss.get("end_b", 1)))) == (0, 1) else ends,
    )
    return view, window_ok
