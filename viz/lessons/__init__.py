"""Guided lessons: the article's and the review's findings as short, live, checked steps.

A ``Lesson`` is a sequence of ``Step``s. A step is a view of the playground (or a 1-D gradient
response) with two to five sentences, at most two exposed ``Control``s, and optionally a
``Bet``: a question the reader answers before the animation is revealed.

Every sentence that states what happens is a ``Say`` with a check: a function of the step's
own results (``evaluate``), run with the lesson's settings (and, with ``at``, with given
control values). ``tests/test_lessons_*.py`` runs every check. A bet's answer and its "why"
are computed from the results, never typed as free-standing claims. Pure: no Streamlit.
"""

from __future__ import annotations

import copy
import functools
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from viz.state import Run, View

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Say:
    """One sentence. ``check`` (on the step's result) makes it a claim the tests verify; ``at``
    gives the control values the claim is about (default: the controls' defaults). A sentence
    without a check explains (a definition, what to look at) and states no outcome."""

    text: str
    check: Check | None = None
    at: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Control:
    """An exposed control: one setting of the step's view, chosen among ``options``.

    ``target`` is ``"hp:<run key>:<name>"`` (a run's hyperparameter), ``"common:<name>"`` (schedule
    option such as ``noise``), ``"steps"``, ``"wd"`` (weight decay for all) or ``"start"`` (an
    (x, y) pair). ``name`` is its key in links and in ``Say.at``."""

    name: str
    label: str
    target: str
    options: tuple
    default: Any
    help: str | None = None

    def fmt(self, v: Any) -> str:
        """The value as students read it: 10⁻⁵, not 1e-05."""
        from viz.state import human

        if self.target == "start":
            return f"({human(float(v[0]))}, {human(float(v[1]))})"
        return human(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


@dataclass(frozen=True)
class Bet:
    """Place your bets: ``answer(result)`` is the option the results make true; ``why(result)`` is
    the explanation, written from the same results (at the step's current control values)."""

    question: str
    options: tuple[str, ...]
    answer: Callable[[Any], str]
    why: Callable[[Any], str]


@dataclass(frozen=True)
class Response:
    """A 1-D gradient-response step: ``method`` (``optimizers.response.METHODS``) fed ``signal``
    for each of ``values`` of its parameter."""

    method: str
    signal: str
    values: tuple[float, ...]
    cumulative: bool = False


@dataclass(frozen=True)
class ResponseResult:
    signal: np.ndarray
    updates: np.ndarray  # (len(values), n)
    values: tuple[float, ...]
    method: str


@dataclass(frozen=True)
class Step:
    """One screen of a lesson: a view (or a 1-D response), its sentences, controls and bet.

    ``observe`` writes one more sentence from the current result (for the reader's own control
    values), so what the page says about a setting the lesson did not pre-compute is computed too."""

    title: str
    text: tuple[Say, ...]
    view: View | None = None
    response: Response | None = None
    controls: tuple[Control, ...] = ()
    bet: Bet | None = None
    observe: Callable[[Any], str] | None = None

    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def claims(self) -> list[Say]:
        return [s for s in self.text if s.check is not None]


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str  # one line for the lesson menu
    source: str  # where the lesson comes from (the article, the review, a cited paper)
    steps: tuple[Step, ...]


def apply_controls(view: View, controls: tuple[Control, ...], values: dict[str, Any]) -> View:
    """The step's view with the controls set to ``values`` (missing: their defaults)."""
    v = copy.deepcopy(view)
    for c in controls:
        val = values.get(c.name, c.default)
        kind, _, rest = c.target.partition(":")
        if kind == "hp":
            key, _, name = rest.partition(":")
            run = next(r for r in v.runs if r.key == key)
            run.hyper[name] = val
        elif kind == "common":
            v.common[rest] = val
        elif kind == "steps":
            v.steps = int(val)
        elif kind == "wd":
            v.weight_decay = float(val) if val else None
        elif kind == "start":
            v.start = (float(val[0]), float(val[1]))
        else:
            raise ValueError(f"unknown control target {c.target!r}")
    return v


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 64


def evaluate(step: Step, values: dict[str, Any] | None = None):
    """Run the step with its controls at ``values``: a ``viz.playground.Result`` for a map step,
    a ``ResponseResult`` for a 1-D step. Results are kept (LRU, per process), so going back and
    forth between steps, or between two control values, is instant."""
    vals = {**step.defaults(), **(values or {})}
    key = (id(step), tuple(sorted((k, repr(v)) for k, v in vals.items())))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    if step.response is not None:
        from optimizers import response as resp

        r = step.response
        sig = resp.signals()[r.signal]
        ups = np.atleast_2d(resp.response(r.method, sig, r.values))
        out: Any = ResponseResult(sig, ups, r.values, r.method)
    else:
        from viz.playground import compute

        out = compute(apply_controls(step.view, step.controls, vals))
    _CACHE[key] = out
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


def refuted(step: Step) -> list[str]:
    """The step's claims that its own results do not support (empty when all hold)."""
    bad = []
    for s in step.claims():
        r = evaluate(step, dict(s.at))
        if not s.check(r):
            bad.append(s.text)
    return bad


def computed_texts(step: Step) -> list[str]:
    """The step's reveal and observation sentences, at the controls' defaults and at every option."""
    out = []
    for v in [{}] + [{c.name: o} for c in step.controls for o in c.options]:
        r = evaluate(step, v)
        if step.bet is not None:
            out.append(step.bet.why(r))
        if step.observe is not None:
            out.append(step.observe(r))
    return out


def student_texts(lesson: Lesson) -> list[str]:
    """Everything of a lesson a reader sees or hears: title, summary, source, each step's title and
    sentences, its controls (label, help, every option), its bet, and the computed sentences."""
    out = [lesson.title, lesson.summary, lesson.source]
    for step in lesson.steps:
        out += [step.title, *(s.text for s in step.text)]
        for c in step.controls:
            out += [c.label, c.help or "", *(c.fmt(o) for o in c.options)]
        if step.bet is not None:
            out += [step.bet.question, *step.bet.options]
        out += computed_texts(step)
    return out


def view_for(step: Step, values: dict[str, Any] | None = None) -> View | None:
    """The playground view of a step at these control values ("Open in the playground")."""
    if step.view is None:
        return None
    return apply_controls(step.view, step.controls, {**step.defaults(), **(values or {})})


def _pt(p) -> str:
    return f"({p[0]:.2f}, {p[1]:.2f})"


def endings(result) -> list[tuple[str, str, str]]:
    """Per run, ``(label, where it ends, detail)`` in words, from the run's end point, its nearest
    minimum and its last steps: ("Adam", "settle at the global minimum (0.00, 0.00)", "from step
    95"), ("RMSProp", "keep moving around the local minimum (…)", "0.23 away"), ("SGD",
    "stopped early: diverged or left the domain of f", "step 12")."""
    from viz.playground import settled_step

    out = []
    for ln in result.lines:
        tr = ln.traj
        if tr.diverged_step is not None:
            out.append((ln.label, "stopped early: diverged or left the domain of f", f"step {tr.diverged_step}"))
            continue
        near = result.minima.nearest(*tr.final) if result.minima is not None else None
        if near is None:  # a surface without a minimum in or around the view (unbounded below)
            out.append((ln.label, "end with no minimum in sight", f"at {_pt(tr.final)}"))
            continue
        d, v, kind = near
        which = "global" if result.minima.is_global(v) else "local"
        what = "line of minima" if kind == "curve" else f"{which} minimum"
        if kind != "curve":
            pts = np.asarray(result.minima.points, float)
            what += " " + _pt(pts[int(np.argmin(np.hypot(*(pts - tr.final).T)))])
        settled = settled_step(tr.loss, v)
        moving = float(np.hypot(*tr.update[-2])) >= 0.01
        if d <= 0.05 and settled is not None:
            out.append((ln.label, f"settle at the {what}", f"from step {settled}"))
        elif d <= 0.01:
            out.append((ln.label, f"end at the {what}", f"f still {abs(tr.loss[-1] - v):.1g} above it"))
        elif moving and d <= 0.5:
            out.append((ln.label, f"keep moving around the {what}", f"{d:.2f} away"))
        elif moving:
            out.append((ln.label, f"are still moving, far from the {what}", f"{d:.3g} away"))
        elif d <= 0.1:
            out.append((ln.label, f"end near the {what}", f"{d:.2f} away"))
        else:
            out.append((ln.label, f"are still short of the {what}", f"{d:.2f} away"))
    return out


def endings_text(result) -> str:
    """``endings`` as sentences, runs that end alike grouped: "Nesterov (from step 60) and
    Adagrad (from step 5) settle at the local minimum (−2.03, −1.08)."."""
    groups: dict[str, list[str]] = {}
    for label, where, detail in endings(result):
        groups.setdefault(where, []).append(f"{label} ({detail})")
    parts = []
    for where, who in groups.items():
        names = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]
        if len(who) == 1:
            first, _, rest = where.partition(" ")
            where = {"settle": "settles", "end": "ends", "keep": "keeps", "are": "is"}.get(first, first) + " " + rest
        parts.append(f"{names} {where}.")
    return re.sub(r"-(?=\d)", "−", " ".join(parts))


def at_global_labels(result, within: float = 0.05) -> list[str]:
    """Labels of the runs that end within ``within`` of a global minimum."""
    out = []
    for ln in result.lines:
        if ln.traj.diverged_step is not None:
            continue
        d, v, _ = result.minima.nearest(*ln.traj.final)
        if d <= within and result.minima.is_global(v):
            out.append(ln.label)
    return out


def runs(*items: tuple[str, dict]) -> list[Run]:
    """Runs from (key, hyperparameters) pairs, as lessons write them."""
    return [Run(k, dict(h)) for k, h in items]


@functools.cache
def lessons() -> dict[str, Lesson]:
    """Every lesson by name, in the order the menu lists them (built on first use)."""
    from viz.lessons import article, review

    out: dict[str, Lesson] = {}
    for lesson in (*article.LESSONS, *review.LESSONS):
        if lesson.name in out:
            raise ValueError(f"two lessons named {lesson.name!r}")
        out[lesson.name] = lesson
    return out
