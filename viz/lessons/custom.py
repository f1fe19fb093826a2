"""A teacher's own lesson: a playground view carried in a link, with the controls the teacher
chose to leave visible ("Make a lesson link" in the playground). Pure: parsing and building."""

from __future__ import annotations

import functools
import urllib.parse

import optimizers
from viz.lessons import Control, Lesson, Say, Step
from viz.state import SYMBOL, View, from_query, run_labels, to_query

LINK_KEYS = ("lesson", "step", "teacher", "show", "title", "note")
MAX_NOTE = 600
DEFAULT_TITLE = "A view from the playground"


def control_choices(view: View) -> dict[str, str]:
    """The controls a teacher can leave visible for this view: id → label."""
    out = {"start": "start point (click the map)", "steps": "number of steps", "noise": "gradient noise σ"}
    for run, (label, _) in zip(view.runs, run_labels(view.runs), strict=True):
        for h in optimizers.spec(run.optimizer).hypers:
            if h.kind != "bool":
                desc = SYMBOL.get(h.name) or (h.help if h.help and len(h.help) <= 30 else "")
                name = f"{desc} ({h.name})" if desc and desc != h.name else h.name
                out[f"hp:{run.key}:{h.name}"] = f"{label}: {name}"
    return out


def _control(cid: str, label: str, view: View) -> Control:
    if cid == "start":
        return Control(cid, label, "start", (), tuple(view.start))
    if cid == "steps":
        return Control(cid, label, "steps", (), int(view.steps))
    if cid == "noise":
        return Control(cid, label, "common:noise", (), float(view.common.get("noise", 0.0)))
    _, key, name = cid.split(":", 2)
    run = next(r for r in view.runs if r.key == key)
    h = next(h for h in optimizers.spec(run.optimizer).hypers if h.name == name)
    return Control(cid, label, cid, (), float(run.hyper.get(name, h.default)), help=h.help)


def custom_lesson(query: dict[str, list[str]]) -> tuple[Lesson, list[str]]:
    """The lesson a link describes, and notices for what it refused."""
    frozen = tuple(sorted((k, tuple(v)) for k, v in query.items() if k != "step"))
    return _custom(frozen)


@functools.lru_cache(maxsize=64)
def _custom(frozen: tuple) -> tuple[Lesson, list[str]]:
    q = dict(frozen)
    view, notices = from_query({k: list(v) for k, v in q.items() if k not in LINK_KEYS})
    choices = control_choices(view)
    shown = [c for part in q.get("show", ()) for c in part.split(",") if c]
    controls = []
    for cid in shown:
        if cid not in choices:
            notices.append(f"control '{cid[:40]}' is not in this view; left out")
        elif len(controls) < 4 and cid not in [c.name for c in controls]:
            controls.append(_control(cid, choices[cid], view))
    title = (q.get("title", ("",))[0] or DEFAULT_TITLE)[:120]
    note = q.get("note", ("",))[0][:MAX_NOTE]
    text = [Say(note)] if note else []
    text.append(
        Say(
            "Press ▶ Play to watch again"
            + (", and change the settings below to see what changes." if controls else ".")
        )
    )
    step = Step("the teacher's view", tuple(text), view=view, controls=tuple(controls))
    return Lesson("custom", title, "", "A view made in the playground.", (step,)), notices


def lesson_link(base: str, view: View, show: list[str], title: str = "", note: str = "", teacher: bool = True) -> str:
    """The link of a teacher's lesson for ``view`` with the controls ``show`` left visible."""
    q: dict = {"lesson": "custom", **to_query(view)}
    q.pop("step", None)
    if show:
        q["show"] = ",".join(show)
    if title.strip():
        q["title"] = title.strip()[:120]
    if note.strip():
        q["note"] = note.strip()[:MAX_NOTE]
    if teacher:
        q["teacher"] = "1"
    return base + "?" + urllib.parse.urlencode(q, doseq=True)
