"""Lessons from the loss-landscape review that comes with the reference article, its comment threads and the
papers it cites, each sentence checked by ``tests/test_lessons_review.py``.

Every number a sentence states was measured with the engine first; the checks re-measure it
on the step's own results (with ``Say.at`` for a control value other than the default)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import landscapes
import optimizers
from viz.figures import classify_point
from viz.lessons import Bet, Control, Lesson, Say, Step, evaluate, runs
from viz.playground import settled_step
from viz.state import View, human

REVIEW = "the review of loss-landscape research that comes with the reference article"

# --- measurements shared by the lessons ---------------------------------------------------------


def _tr(result: Any, key: str) -> optimizers.Trajectory:
    """The trajectory of the run with this key ("sgd", "sgd#2")."""
    return next(ln.traj for ln in result.lines if ln.key == key)


def _label(result: Any, key: str) -> str:
    return next(ln.label for ln in result.lines if ln.key == key)


def _num(v: float, digits: int = 2) -> str:
    """A number as the sentences print it: fixed digits, a true minus sign, never "−0.00"."""
    v = 0.0 if abs(v) < 0.5 * 10**-digits else float(v)
    return f"{v:.{digits}f}".replace("-", "−")


def _pt(p: Any) -> str:
    return f"({_num(p[0])}, {_num(p[1])})"


def _curvatures(surface: landscapes.Surface, x: float, y: float) -> tuple[float, float]:
    """The Hessian's eigenvalues at (x, y), smallest first."""
    hxx, hxy, hyy = surface.hessian(float(x), float(y))
    mid, rad = (hxx + hyy) / 2, math.hypot((hxx - hyy) / 2, hxy)
    return mid - rad, mid + rad


@dataclass(frozen=True)
class StartControl(Control):
    """A start control whose options read as the sentences write them: (−2.8, 10⁻⁵), never "(-2.8, 1e-05)"."""

    def fmt(self, v: Any) -> str:
        return "(" + ", ".join(human(float(c)).replace("-", "−") for c in v) + ")"


def _near(a: float, b: float, rel: float = 0.05, abs_: float = 0.0) -> bool:
    return abs(a - b) <= rel * abs(b) + abs_


def _settled_at(result: Any, key: str) -> int | None:
    """The step from which the run stays within 10⁻³ of its nearest minimum's value (None: never)."""
    tr = _tr(result, key)
    if tr.diverged_step is not None:
        return None
    near = result.minima.nearest(*tr.final)
    return None if near is None else settled_step(tr.loss, near[1])


def _near_min(result: Any, key: str) -> tuple[float, bool]:
    """Distance from the run's end point to the nearest minimum, and whether that minimum is a global one."""
    d, v, _ = result.minima.nearest(*_tr(result, key).final)
    return d, result.minima.is_global(v)


def _kind(result: Any, key: str) -> str:
    """What the run's end point is: "minimum", "saddle", "flat (degenerate)", "not stationary", …"""
    tr = _tr(result, key)
    return "diverged" if tr.diverged_step is not None else classify_point(result.surface, *tr.final)


# --- 1. Saddles: gradient descent crawls, Newton is attracted, saddle-free Newton escapes -----------

SADDLE_SURFACE = landscapes.CUSTOM_PREFIX + "x^2 - y^2 + y^4/4"
SADDLE_STARTS = ((-2.8, 0.1), (-2.8, 0.01), (-2.8, 0.001), (-2.8, 1e-5))
SADDLE_NEAR = 0.25  # "near the saddle": closer than this


def _saddle_view(*items: tuple[str, dict]) -> View:
    return View(surface=SADDLE_SURFACE, start=(-2.8, 0.001), steps=80, runs=runs(*items))


def _steps_near_origin(result: Any, key: str, radius: float) -> int:
    p = _tr(result, key).path
    return int(np.sum(np.hypot(p[:, 0], p[:, 1]) < radius))


def _max_grad_near_origin(result: Any, key: str, radius: float) -> float:
    tr = _tr(result, key)
    near = np.hypot(tr.path[:, 0], tr.path[:, 1]) < radius
    return float(np.hypot(*tr.grad[near].T).max()) if near.any() else 0.0


def _growth(values: np.ndarray) -> np.ndarray:
    return values[1:] / values[:-1]


def _at_saddle(result: Any) -> str:
    ends = [ln.label for ln in result.lines if _kind(result, ln.key) == "saddle"]
    return ends[0] if len(ends) == 1 else ("None of them" if not ends else "Several")


def _saddle_why(result: Any) -> str:
    parts = []
    for ln in result.lines:
        kind, end = _kind(result, ln.key), ln.traj.final
        if kind == "saddle":
            first = int(np.argmax(np.hypot(*(ln.traj.path - end).T) < 1e-6))
            parts.append(
                f"{ln.label} reaches the saddle {_pt(end)} at step {first} and stays: the gradient there is 0."
            )
        elif kind == "minimum":
            parts.append(f"{ln.label} settles at the minimum {_pt(end)} from step {_settled_at(result, ln.key)}.")
        else:
            parts.append(f"{ln.label} ends at {_pt(end)} ({kind}).")
    return (
        " ".join(parts) + " Newton's method fits a curved surface to the slope and the curvature where it stands and "
        "jumps to the point where that surface is flat; near a saddle, that point is the saddle itself."
    )


def _saddle_observe(result: Any) -> str:
    tr = _tr(result, "sgd")
    y0 = tr.path[0, 1]
    n = _steps_near_origin(result, "sgd", SADDLE_NEAR)
    k = _settled_at(result, "sgd")
    end = "never settles" if k is None else f"settles at the minimum {_pt(tr.final)} from step {k}"
    return f"From y = {human(float(y0))}, SGD spends {n} steps within {SADDLE_NEAR:g} of the saddle and {end}."


SADDLES = Lesson(
    "saddles",
    "Saddles: three methods meet a saddle point",
    "Gradient descent crawls past a saddle; Newton's method jumps into it; saddle-free Newton escapes.",
    "Dauphin, Pascanu, Gulcehre, Cho, Ganguli, Bengio (2014), Identifying and attacking the saddle point "
    "problem in high-dimensional non-convex optimization; " + REVIEW,
    (
        Step(
            "Place your bet",
            (
                Say(
                    "On this surface, f = x² − y² + y⁴/4, the origin is a saddle: the surface curves up along x and "
                    "down along y. The two minima are at (0, 1.41) and (0, −1.41).",
                    lambda r: (
                        np.allclose(r.surface.hessian(0.0, 0.0), (2.0, 0.0, -2.0))
                        and sorted(round(p[1], 2) for p in r.minima.points) == [-1.41, 1.41]
                        and all(abs(p[0]) < 1e-6 for p in r.minima.points)
                    ),
                ),
                Say(
                    "SGD, Newton's method and saddle-free Newton start from (−2.8, 0.001), a hair above the x axis: "
                    "along that axis the surface slopes straight down into the saddle. Newton's method jumps to the "
                    "point where the bowl or saddle that best fits the surface here is flat; saddle-free Newton "
                    "does the same but always heads downhill."
                ),
            ),
            view=_saddle_view(("sgd", {"lr": 0.1}), ("newton", {}), ("saddle_free_newton", {})),
            bet=Bet(
                "Which method ends at the saddle?",
                ("SGD", "Newton", "Saddle-free Newton", "None of them", "Several"),
                _at_saddle,
                _saddle_why,
            ),
        ),
        Step(
            "Gradient descent crawls past",
            (
                Say(
                    "SGD with lr 0.1 first slides along the x axis toward the saddle: each step multiplies x by "
                    "0.8 (that is 1 − 2·lr).",
                    lambda r: np.allclose(_growth(_tr(r, "sgd").path[:10, 0]), 0.8, rtol=1e-3),
                ),
                Say(
                    "Near the saddle the gradient almost vanishes, so the steps do too: SGD spends 20 steps within "
                    "0.25 of the saddle, where the gradient is below 0.5 (5.6 at the start).",
                    lambda r: (
                        abs(_steps_near_origin(r, "sgd", SADDLE_NEAR) - 20) <= 1
                        and _max_grad_near_origin(r, "sgd", SADDLE_NEAR) < 0.5
                        and _near(float(np.hypot(*_tr(r, "sgd").grad[0])), 5.6, 0.01)
                    ),
                ),
                Say(
                    "It leaves only because each step multiplies y by 1.2 (that is 1 + 2·lr), so the closer to the "
                    f"axis it starts, the longer it stays: from y = {human(SADDLE_STARTS[-1][1])} it spends 45 steps "
                    "that close.",
                    lambda r: (
                        np.allclose(_growth(_tr(r, "sgd").path[:15, 1]), 1.2, rtol=0.01)
                        and abs(_steps_near_origin(r, "sgd", SADDLE_NEAR) - 45) <= 1
                    ),
                    at=(("start", SADDLE_STARTS[-1]),),
                ),
                Say("Pick other starts and compare how many slow steps each one costs."),
            ),
            view=_saddle_view(("sgd", {"lr": 0.1})),
            controls=(
                StartControl(
                    "start",
                    "Start (how far above the x axis)",
                    "start",
                    SADDLE_STARTS,
                    (-2.8, 0.001),
                    help="The smaller y, the closer the start is to the line that leads into the saddle.",
                ),
            ),
            observe=_saddle_observe,
        ),
        Step(
            "Newton is pulled in, saddle-free Newton escapes",
            (
                Say(
                    "Newton's method jumps to the saddle in one step and stays there: the gradient is zero, so it has "
                    "nothing left to do.",
                    lambda r: (
                        float(np.hypot(*_tr(r, "newton").path[1])) < 1e-6
                        and float(np.hypot(*_tr(r, "newton").final)) < 1e-6
                        and _kind(r, "newton") == "saddle"
                    ),
                ),
                Say(
                    "It divides the gradient by the curvature. Along y the curvature is negative, so its first step "
                    "in y points toward the saddle, against SGD's downhill step.",
                    lambda r: _tr(r, "newton").update[0][1] < 0 < _tr(r, "sgd").update[0][1],
                ),
                Say(
                    "Saddle-free Newton divides by the size of the curvature instead: its steps in y go downhill, "
                    "y doubles every step, and it settles at the minimum (0, 1.41) from step 11 — SGD only from "
                    "step 47.",
                    lambda r: (
                        np.allclose(_growth(_tr(r, "saddle_free_newton").path[1:7, 1]), 2.0, rtol=0.01)
                        and _kind(r, "saddle_free_newton") == "minimum"
                        and _tr(r, "saddle_free_newton").final[1] > 1.4
                        and _settled_at(r, "saddle_free_newton") == 11
                        and _settled_at(r, "sgd") == 47
                    ),
                ),
            ),
            view=_saddle_view(("sgd", {"lr": 0.1}), ("newton", {}), ("saddle_free_newton", {})),
        ),
    ),
)


# --- 2. The monkey saddle: flat to second order, three valleys, no bottom --------------------------

MONKEY_STARTS = ((1.5, 0.01), (1.5, 0.001), (1.5, 0.0001), (1.5, 1e-6))
MONKEY_LR = 0.05


def _monkey_view(start: tuple[float, float], steps: int) -> View:
    return View(surface="monkey_saddle", start=start, steps=steps, runs=runs(("sgd", {"lr": MONKEY_LR})))


def _angle(p: Any) -> float:
    """The direction of a point seen from the origin, in degrees in [0, 360)."""
    return float(np.degrees(np.arctan2(p[1], p[0])) % 360)


def _ring(surface: landscapes.Surface, radius: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """f on a circle around the origin, one value per degree."""
    deg = np.arange(360.0)
    th = np.radians(deg)
    return deg, np.asarray(surface.value(radius * np.cos(th), radius * np.sin(th)))


def _local_extrema(values: np.ndarray, lowest: bool) -> list[int]:
    """Indices of the strict local minima (or maxima) of a periodic sequence."""
    v = values if lowest else -values
    return [i for i in range(len(v)) if v[i] < v[i - 1] and v[i] < v[(i + 1) % len(v)]]


def _monkey_observe(result: Any) -> str:
    tr = _tr(result, "sgd")
    y0 = tr.path[0, 1]
    n = int(np.sum(np.hypot(*tr.path.T) < 0.5))
    if tr.diverged_step is not None:
        end = (
            f"then leaves down the {_angle(tr.final):.0f}° valley and runs off without end "
            f"(stopped at step {tr.diverged_step})"
        )
    else:
        end = f"and after {tr.steps} steps it is still {float(np.hypot(*tr.final)):.3f} from the origin"
    return f"From {human(float(y0))} above the ridge, SGD spends {n} steps within 0.5 of the origin, {end}."


MONKEY = Lesson(
    "monkey_saddle",
    "The monkey saddle: flat, then three ways down",
    "A saddle that is flat even in its curvature: gradient descent creeps in and leaves far more slowly than from an "
    "ordinary one.",
    "The monkey saddle x³ − 3xy², a degenerate saddle (its curvature, the Hessian, is zero there); saddles in "
    + REVIEW,
    (
        Step(
            "Three valleys, no bottom",
            (
                Say(
                    "f = x³ − 3xy². At the origin both the slope (the gradient) and the curvature (how fast the "
                    "slope changes, the Hessian) are zero: the surface is even flatter there than at an ordinary "
                    "saddle — a degenerate saddle.",
                    lambda r: (
                        np.allclose(r.surface.gradient(0.0, 0.0), 0.0) and np.allclose(r.surface.hessian(0.0, 0.0), 0.0)
                    ),
                ),
                Say(
                    "Around it three ridges rise (at 0°, 120° and 240°) and three valleys fall (at 60°, 180° and "
                    "300°). The valleys have no bottom: f keeps falling as far as they go.",
                    lambda r: (
                        _local_extrema(_ring(r.surface)[1], lowest=False) == [0, 120, 240]
                        and _local_extrema(_ring(r.surface)[1], lowest=True) == [60, 180, 300]
                        and r.surface.value(-100.0, 0.0) < r.surface.value(-10.0, 0.0) < r.surface.value(-1.0, 0.0)
                        and not r.minima.points
                        and not r.minima.curves
                    ),
                ),
                Say(
                    "SGD (lr 0.05) starts at (1.5, 0.01), just above the ridge along the x axis. It comes within "
                    "0.35 of the origin, turns into the 60° valley and runs down it without end: the run stops at "
                    "step 48, when the numbers grow too large.",
                    lambda r: (
                        _tr(r, "sgd").diverged_step == 48
                        and abs(_angle(_tr(r, "sgd").final) - 60) < 1
                        and 0.33 < float(np.nanmin(np.hypot(*_tr(r, "sgd").path.T))) < 0.36
                    ),
                ),
            ),
            view=_monkey_view((1.5, 0.01), 60),
        ),
        Step(
            "A slow way out",
            (
                Say(
                    "The gradient's size is 3r² at a distance r from the origin: at r = 0.1 it is only 0.03. Near an "
                    "ordinary saddle it shrinks like r, here like r².",
                    lambda r: bool(
                        np.allclose(
                            np.hypot(*_tr(r, "sgd").grad[:100].T), 3 * np.hypot(*_tr(r, "sgd").path[:100].T) ** 2
                        )
                    ),
                ),
                Say(
                    "From 0.001 above the ridge SGD spends 78 steps within 0.5 of the origin before it leaves down "
                    "the 60° valley (the run stops at step 105).",
                    lambda r: (
                        abs(int(np.sum(np.hypot(*_tr(r, "sgd").path.T) < 0.5)) - 78) <= 1
                        and _tr(r, "sgd").diverged_step == 105
                        and abs(_angle(_tr(r, "sgd").final) - 60) < 1
                    ),
                ),
                Say(
                    "Each step multiplies y by 1 + 6·lr·x, and x shrinks as SGD comes in: the push off the ridge "
                    "weakens the closer it gets.",
                    lambda r: bool(
                        np.allclose(
                            _growth(_tr(r, "sgd").path[:60, 1]),
                            1 + 6 * MONKEY_LR * _tr(r, "sgd").path[:59, 0],
                            rtol=1e-9,
                        )
                    ),
                ),
                Say(
                    "From 10⁻⁶ above the ridge SGD is still within 0.02 of the origin after 400 steps: it creeps in, "
                    "the distance falling like 1/(3·lr·k) after k steps instead of by a fixed factor per step.",
                    lambda r: (
                        _tr(r, "sgd").diverged_step is None
                        and float(np.hypot(*_tr(r, "sgd").final)) < 0.02
                        and all(
                            _near(float(np.hypot(*_tr(r, "sgd").path[k])) * 3 * MONKEY_LR * k, 1.0, 0.1)
                            for k in (100, 200, 400)
                        )
                    ),
                    at=(("start", (1.5, 1e-6)),),
                ),
            ),
            view=_monkey_view((1.5, 0.001), 400),
            controls=(
                StartControl(
                    "start",
                    "Start (how far above the ridge)",
                    "start",
                    MONKEY_STARTS,
                    (1.5, 0.001),
                    help="The ridge is the x axis; the smaller y, the closer SGD starts to it.",
                ),
            ),
            observe=_monkey_observe,
        ),
    ),
)


# --- 3. The two-neuron loss: a curve of minima, a flat direction, a saddle at 0 --------------------

NEURON_STARTS = ((-2.5, 0.5), (-0.5, 2.5), (-1.5, 1.5), (2.0, 2.0))
BRANCH_POS = "On the branch where w1 and w2 are both positive"
BRANCH_NEG = "On the branch where both are negative"
AT_ORIGIN = "At the saddle (0, 0)"


def _neuron_view(steps: int = 150, lr: float = 0.05) -> View:
    return View(surface="two_neuron", start=(-2.5, 0.5), steps=steps, runs=runs(("sgd", {"lr": lr})))


def _balance(p: Any) -> float:
    """w1² − w2², which gradient descent in small steps keeps (nearly) constant."""
    return float(p[0] ** 2 - p[1] ** 2)


def _neuron_end(result: Any) -> str:
    x, y = _tr(result, "sgd").final
    if math.hypot(x, y) < 1e-3:
        return AT_ORIGIN
    if abs(x * y - 1) < 1e-3:
        return BRANCH_POS if x > 0 else BRANCH_NEG
    return "Somewhere else"


def _neuron_why(result: Any) -> str:
    tr = _tr(result, "sgd")
    (x0, y0), (x, y) = tr.path[0], tr.final
    if _neuron_end(result) == AT_ORIGIN:
        where = f"SGD ends at {_pt((x, y))}, the saddle: there the gradient is zero."
    else:
        where = f"SGD ends at {_pt((x, y))}, where w1·w2 = {_num(x * y, 3)}: a point of the hyperbola."
    return (
        f"{where} From {_pt((x0, y0))}, w1² − w2² starts at {_num(_balance((x0, y0)))} and ends at "
        f"{_num(_balance((x, y)))}: gradient descent nearly keeps it, so a run that starts with w1² > w2² cannot "
        "bring w1 through 0, one with w2² > w1² cannot bring w2 through 0, and one with w1² = w2² and opposite "
        "signs slides straight into the saddle."
    )


def _neuron_observe(result: Any) -> str:
    tr = _tr(result, "sgd")
    (x0, y0), (x, y) = tr.path[0], tr.final
    return (
        f"From {_pt((x0, y0))} SGD ends at {_pt((x, y))} (w1·w2 = {_num(x * y, 3)}); w1² − w2² goes from "
        f"{_num(_balance((x0, y0)))} to {_num(_balance((x, y)))}."
    )


NEURON_START_CONTROL = StartControl(
    "start",
    "Start (w1, w2)",
    "start",
    NEURON_STARTS,
    (-2.5, 0.5),
    help="Starts on both sides of the line w1 = −w2, and one on it.",
)

TWO_NEURON = Lesson(
    "two_neuron",
    "Two neurons: a valley floor of minima",
    "E(w1, w2) = (w1·w2 − 1)²: every point of a hyperbola is a minimum, and the start picks which.",
    "The two-neuron landscape E(w1, w2) = (w1·w2 − 1)² from " + REVIEW + "; why w1² − w2² stays constant: Du, "
    "Hu and Lee (2018), Algorithmic regularization in learning deep homogeneous models",
    (
        Step(
            "Place your bet",
            (
                Say(
                    "The smallest network there is: input 1, a weight w1, a hidden neuron, a weight w2, target 1. "
                    "Its loss is E = (w1·w2 − 1)², drawn with w1 across (the map's x) and w2 up (the map's y); the "
                    "map's labels count from 0, so its w₀ is our w1 and its w₁ our w2."
                ),
                Say(
                    "Every point with w1·w2 = 1 is a minimum with E = 0: together they form a hyperbola (the gold "
                    "curves on the map) with two branches, one where both weights are positive and one where both "
                    "are negative.",
                    lambda r: (
                        len(r.minima.curves) == 2
                        and all(v == 0 for v in r.minima.curve_values)
                        and all(np.allclose(c[:, 0] * c[:, 1], 1.0, atol=1e-6) for c in r.minima.curves)
                        and sorted(bool(c[0, 0] > 0) for c in r.minima.curves) == [False, True]
                    ),
                ),
                Say("SGD (lr 0.05) starts at the white diamond. Move the start before you bet, if you like."),
            ),
            view=_neuron_view(),
            controls=(NEURON_START_CONTROL,),
            bet=Bet(
                "Where will SGD end from this start?",
                (BRANCH_POS, BRANCH_NEG, AT_ORIGIN),
                _neuron_end,
                _neuron_why,
            ),
        ),
        Step(
            "A flat valley floor",
            (
                Say(
                    "From (−2.5, 0.5) SGD settles on the negative branch, at (−2.41, −0.41), where w1·w2 = 1.000.",
                    lambda r: (
                        np.allclose(_tr(r, "sgd").final, (-2.41, -0.41), atol=0.005)
                        and abs(float(np.prod(_tr(r, "sgd").final)) - 1) < 5e-4
                        and _settled_at(r, "sgd") is not None
                    ),
                ),
                Say(
                    "There the surface curves in one direction only: across the hyperbola its curvature is "
                    "2(w1² + w2²) ≈ 12, along it 0.",
                    lambda r: (
                        abs(_curvatures(r.surface, *_tr(r, "sgd").final)[0]) < 1e-6
                        and _near(
                            _curvatures(r.surface, *_tr(r, "sgd").final)[1],
                            2 * float(np.sum(_tr(r, "sgd").final ** 2)),
                            1e-6,
                        )
                        and _near(_curvatures(r.surface, *_tr(r, "sgd").final)[1], 12.0, 0.05)
                    ),
                ),
                Say(
                    "Sliding along the hyperbola changes nothing, so the loss alone cannot prefer one of its points: "
                    "the start, the optimizer and its settings pick one."
                ),
            ),
            view=_neuron_view(),
        ),
        Step(
            "What the start decides",
            (
                Say(
                    "Gradient descent keeps w1² − w2² nearly constant: from (−2.5, 0.5) it is 6.00 at the start and "
                    "5.65 at the end with lr 0.05.",
                    lambda r: (
                        abs(_balance(_tr(r, "sgd").path[0]) - 6.0) < 1e-9
                        and abs(_balance(_tr(r, "sgd").final) - 5.65) < 0.01
                    ),
                ),
                Say(
                    "With lr 0.01 it ends at 5.95: the smaller the steps, the better it is kept.",
                    lambda r: abs(_balance(_tr(r, "sgd").final) - 5.95) < 0.01 and _settled_at(r, "sgd") is not None,
                    at=(("lr", 0.01),),
                ),
                Say(
                    "A start on the line w1 = −w2, such as (−1.5, 1.5), has w1² − w2² = 0 and keeps it exactly: SGD "
                    "slides into the saddle at (0, 0) and stays there, because the gradient there is zero.",
                    lambda r: (
                        float(np.hypot(*_tr(r, "sgd").final)) < 1e-5
                        and np.all(np.abs(_tr(r, "sgd").path[:, 0] + _tr(r, "sgd").path[:, 1]) < 1e-12)
                        and _kind(r, "sgd") == "saddle"
                    ),
                    at=(("start", (-1.5, 1.5)),),
                ),
            ),
            view=_neuron_view(steps=400),
            controls=(
                NEURON_START_CONTROL,
                Control("lr", "Learning rate", "hp:sgd:lr", (0.01, 0.05), 0.05),
            ),
            observe=_neuron_observe,
        ),
    ),
)


# --- 4. Effective learning rate under weight decay ------------------------------------------------

DIRECTION_SURFACE = landscapes.CUSTOM_PREFIX + "1 - x/sqrt(x^2 + y^2)"
DIRECTION_LR = 0.1
DIRECTION_STARTS = ((-0.5, 0.5), (-1.0, 1.0), (-2.0, 2.0))
WD_OPTIONS = (0.01, 0.03, 0.1)


def _off_angle(path: np.ndarray) -> np.ndarray:
    """How far each point's direction is from the best one (the +x axis), in degrees."""
    return np.abs(np.degrees(np.arctan2(path[:, 1], path[:, 0])))


def _norms(path: np.ndarray) -> np.ndarray:
    return np.hypot(path[:, 0], path[:, 1])


def _first_within(path: np.ndarray, degrees: float = 1.0) -> int | None:
    hit = np.flatnonzero(_off_angle(path) < degrees)
    return int(hit[0]) if hit.size else None


def _kick(path: np.ndarray) -> tuple[int, float] | None:
    """After first pointing within 1° of the best direction: the step and size (degrees) of the largest
    turn away from it, if it ever exceeds 5°."""
    k = _first_within(path)
    if k is None:
        return None
    later = _off_angle(path[k:])
    j = int(np.argmax(later))
    return (k + j, float(later[j])) if later[j] > 5 else None


def _turn_matches(result: Any, key: str, steps: int = 30) -> bool:
    """Each step turns w by atan(lr·sin(angle)/‖w‖²): the gradient is perpendicular to w, of size sin/‖w‖."""
    tr = _tr(result, key)
    p = tr.path[: steps + 1]
    th = np.arctan2(p[:, 1], p[:, 0])
    turned = np.abs(np.diff(th))
    lr = tr.lr[:steps]
    predicted = np.arctan(lr * np.abs(np.sin(th[:-1])) / _norms(p[:-1]) ** 2)
    radial = np.einsum("ij,ij->i", tr.grad[:steps], p[:-1])
    return bool(np.allclose(turned, predicted, rtol=1e-6) and np.allclose(radial, 0.0, atol=1e-12))


def _direction_observe(result: Any) -> str:
    p = _tr(result, "sgd").path
    k = _first_within(p)
    when = (
        f"points within 1° of the best direction from step {k}"
        if k is not None
        else (f"still points {_off_angle(p)[-1]:.1f}° away from the best direction after {len(p) - 1} steps")
    )
    return f"From ‖w‖ = {_norms(p)[0]:.2f}, SGD {when}; ‖w‖ ends at {_norms(p)[-1]:.2f}."


def _wd_observe(result: Any) -> str:
    tr = _tr(result, "sgd#2")
    wd = tr.hyperparameters["weight_decay"]
    p = tr.path
    k = _first_within(p)
    n = _norms(p)
    low = f"lowest {n.min():.2f}, step {int(n.argmin())}"
    text = f"With weight decay {wd:g}, ‖w‖ goes from {n[0]:.2f} to {n[-1]:.2f} ({low})"
    text += (
        f" and w points within 1° of the best direction from step {k}"
        if k is not None
        else (f" and w still points {_off_angle(p)[-1]:.1f}° away")
    )
    kick = _kick(p)
    if kick:
        text += f"; then a step that is too large throws it {kick[1]:.0f}° off at step {kick[0]}"
    return text + "."


def _direction_view(start: tuple[float, float], *items: tuple[str, dict]) -> View:
    return View(surface=DIRECTION_SURFACE, start=start, steps=400, runs=runs(*items))


EFFECTIVE_LR = Lesson(
    "effective_lr",
    "Weight decay and the effective learning rate",
    "When the loss ignores the length of w, the step turns w by lr/‖w‖²; weight decay keeps ‖w‖ small.",
    "van Laarhoven (2017), L2 regularization versus batch and weight normalization; the effective-learning-rate "
    "experiment that comes with the reference article",
    (
        Step(
            "Only the direction counts",
            (
                Say(
                    "Here the loss depends only on the direction of w = (x, y), not on its length: f = 1 − cos of "
                    "the angle between w and the x axis. (In a network, weights followed by a normalisation layer "
                    "behave this way: scaling them changes nothing.)",
                    lambda r: bool(
                        np.allclose(r.surface.value(-0.5, 0.5), r.surface.value(-2.0, 2.0))
                        and np.isclose(r.surface.value(0.3, 0.0), 0.0)
                    ),
                ),
                Say(
                    "So the gradient is perpendicular to w and shrinks as w gets longer: each SGD step turns w by "
                    "about lr·sin(angle)/‖w‖² and pushes it slightly outward. How fast the direction changes — the "
                    "effective learning rate — is lr/‖w‖², not lr.",
                    lambda r: _turn_matches(r, "sgd") and bool(np.all(np.diff(_norms(_tr(r, "sgd").path)) >= -1e-12)),
                ),
                Say(
                    "From ‖w‖ = 0.71 SGD (lr 0.1) points within 1° of the x axis from step 34.",
                    lambda r: _first_within(_tr(r, "sgd").path) == 34,
                ),
                Say(
                    "From (−1, 1), the same direction twice as far out, it needs 119 steps.",
                    lambda r: _first_within(_tr(r, "sgd").path) == 119,
                    at=(("start", (-1.0, 1.0)),),
                ),
                Say(
                    "From (−2, 2) it still points 2.0° away after 400 steps.",
                    lambda r: (
                        _first_within(_tr(r, "sgd").path) is None
                        and _near(_off_angle(_tr(r, "sgd").path)[-1], 2.0, 0, 0.05)
                    ),
                    at=(("start", (-2.0, 2.0)),),
                ),
            ),
            view=_direction_view((-0.5, 0.5), ("sgd", {"lr": DIRECTION_LR})),
            controls=(
                StartControl(
                    "start", "Start", "start", DIRECTION_STARTS, (-0.5, 0.5), help="Same direction, three lengths."
                ),
            ),
            observe=_direction_observe,
        ),
        Step(
            "Weight decay keeps the turns fast",
            (
                Say(
                    "Weight decay adds wd·w to the gradient: it pulls w toward the origin. This loss ignores the "
                    "length of w, so weight decay does not change which direction is best; it only changes ‖w‖, and "
                    "with it the effective learning rate."
                ),
                Say(
                    "Without it, ‖w‖ grows from 2.83 to 2.86 and w still points 2.0° away from the x axis after 400 "
                    "steps.",
                    lambda r: (
                        _near(_norms(_tr(r, "sgd").path)[-1], 2.86, 0, 0.005)
                        and _near(_off_angle(_tr(r, "sgd").path)[-1], 2.0, 0, 0.05)
                    ),
                ),
                Say(
                    "With weight decay 0.03, ‖w‖ shrinks to 0.86, the turns grow, and w points within 1° of the x "
                    "axis from step 220.",
                    lambda r: (
                        _near(_norms(_tr(r, "sgd#2").path)[-1], 0.86, 0, 0.005)
                        and _first_within(_tr(r, "sgd#2").path) == 220
                        and _kick(_tr(r, "sgd#2").path) is None
                    ),
                ),
                Say(
                    "With 0.1, ‖w‖ falls below 0.1 by step 345; there the turns are so large that one throws w "
                    "about 50° off before it comes back: a saw-tooth, like the one in the effective-learning-rate "
                    "experiment that comes with the reference article.",
                    lambda r: (
                        float(_norms(_tr(r, "sgd#2").path)[:346].min()) < 0.1
                        and _kick(_tr(r, "sgd#2").path) is not None
                        and _kick(_tr(r, "sgd#2").path)[0] in range(340, 351)
                        and _near(_kick(_tr(r, "sgd#2").path)[1], 50, 0.1)
                        and _off_angle(_tr(r, "sgd#2").path)[-1] < 1
                    ),
                    at=(("wd", 0.1),),
                ),
            ),
            view=_direction_view(
                (-2.0, 2.0), ("sgd", {"lr": DIRECTION_LR}), ("sgd#2", {"lr": DIRECTION_LR, "weight_decay": 0.03})
            ),
            controls=(Control("wd", "Weight decay of the second run", "hp:sgd#2:weight_decay", WD_OPTIONS, 0.03),),
            observe=_wd_observe,
        ),
    ),
)


# --- 5. Cosine annealing with warm restarts, and where its snapshots land --------------------------

RESTART_LR = 0.3


def _restart_view() -> View:
    return View(
        surface="basins_and_walls",
        steps=400,
        runs=runs(("sgd", {"lr": RESTART_LR})),
        common={"schedule": "cosine_restarts", "T_0": 100, "noise": 0.0, "seed": 0},
    )


def _snapshot_steps(tr: optimizers.Trajectory) -> list[int]:
    """The last step of every learning-rate cycle: each step just before the lr jumps back up, and the
    run's last step (a cycle that ends there)."""
    lr = tr.lr[: tr.steps]
    ups = [int(k) for k in np.flatnonzero(lr[1:] > lr[:-1]) + 1]
    return [*ups, tr.steps] if not ups or ups[-1] != tr.steps else ups


def _nearest_point(result: Any, p: Any) -> int:
    pts = np.asarray(result.minima.points, float)
    return int(np.argmin(np.hypot(*(pts - np.asarray(p)).T)))


def _snapshots(result: Any, key: str = "sgd") -> list[tuple[int, int, float]]:
    """Per snapshot: (step, index of the nearest minimum point, distance to it)."""
    tr = _tr(result, key)
    out = []
    for k in _snapshot_steps(tr):
        i = _nearest_point(result, tr.path[k])
        out.append((k, i, float(np.hypot(*(tr.path[k] - result.minima.points[i])))))
    return out


def _snapshot_minima(result: Any) -> list[tuple[float, float]]:
    return [tuple(round(c, 2) for c in result.minima.points[i]) for _, i, _ in _snapshots(result)]


def _distinct_snapshots(result: Any) -> str:
    return str(len({i for _, i, _ in _snapshots(result)}))


def _snapshots_text(result: Any) -> str:
    parts = []
    for k, i, d in _snapshots(result):
        v = result.minima.values[i]
        which = "global" if result.minima.is_global(v) else "local"
        at = "at" if d < 0.01 else f"{d:.2f} from"
        parts.append(f"step {k} {at} the {which} minimum {_pt(result.minima.points[i])}")
    return "Snapshots: " + "; ".join(parts) + "."


def _restart_why(result: Any) -> str:
    n = _distinct_snapshots(result)
    return (
        f"{_snapshots_text(result)[:-1]}: {n} different minima. Each restart throws SGD out of the minimum it had "
        "settled in, and where it settles next depends on how it lands as the learning rate falls again."
    )


def _escape_growth(result: Any, cycle_end: int, steps: int = 8) -> np.ndarray:
    """How much the distance to the snapshot's minimum grows per step just after the restart."""
    tr = _tr(result, "sgd")
    m = np.asarray(result.minima.points[_nearest_point(result, tr.path[cycle_end])])
    d = np.abs(tr.path[cycle_end : cycle_end + steps + 1, 0] - m[0])
    return d[1:] / d[:-1]


def _basin_changes(result: Any) -> list[tuple[int, float]]:
    """Per cycle: the last step at which SGD moved into another basin, and the lr of that step."""
    tr = _tr(result, "sgd")
    near = np.array([_nearest_point(result, p) for p in tr.path])
    out, start = [], 0
    for end in _snapshot_steps(tr):
        ch = np.flatnonzero(np.diff(near[start : end + 1])) + start
        if ch.size:
            out.append((int(ch[-1]), float(tr.lr[ch[-1]])))
        start = end
    return out


def _first_jump_after(result: Any, k: int) -> int:
    """How many steps after step k SGD first stands nearer another minimum than the one at step k."""
    tr = _tr(result, "sgd")
    home = _nearest_point(result, tr.path[k])
    j = 1
    while k + j <= tr.steps and _nearest_point(result, tr.path[k + j]) == home:
        j += 1
    return j


def _restart_kick_holds(result: Any) -> bool:
    """Curvature ≈ 33 across the walls at every snapshot's minimum; the ~10⁻¹¹ offset left at the end of every
    cycle is what the last, ever smaller steps left over (over the cycle's last 15 steps the offset is multiplied
    by 1 − lr·λ each step, as the steps dictate: no noise, and rounding plays no part); after the first restart it
    grows by |1 − lr·λ| per step, and SGD is in another basin 8 to 14 steps after every restart."""
    snaps = _snapshots(result)
    lam = [_curvatures(result.surface, *result.minima.points[i])[1] for _, i, _ in snaps]
    tr = _tr(result, "sgd")
    left_over = []
    for (k, i, _), v in zip(snaps, lam, strict=True):
        off = tr.path[k - 15 : k + 1, 0] - result.minima.points[i][0]
        left_over.append(
            1e-12 < abs(off[-1]) < 1e-10 and np.allclose(off[1:] / off[:-1], 1 - tr.lr[k - 15 : k] * v, rtol=1e-3)
        )
    growth = _escape_growth(result, snaps[0][0])[1:]
    return (
        all(_near(v, 33, 0.03) for v in lam)
        and _noise_of(result)[0] == 0
        and all(left_over)
        and bool(np.allclose(growth, abs(1 - RESTART_LR * lam[0]), rtol=0.02))
        and _near(abs(1 - RESTART_LR * lam[0]), 9, 0.05)
        and all(8 <= _first_jump_after(result, k) <= 14 for k, _, _ in snaps[:-1])
    )


def _settling(result: Any) -> list[tuple[float, float, float]]:
    """Per cycle, after its last move into another basin: the largest distance from that basin's bottom while the
    learning rate is between 2/λ (λ: the bottom's curvature across the walls) and 0.1; the learning rate of the
    step from which SGD stays within 0.01 of the bottom; and 2/λ."""
    tr = _tr(result, "sgd")
    near = np.array([_nearest_point(result, p) for p in tr.path])
    out, start = [], 0
    for end in _snapshot_steps(tr):
        ch = np.flatnonzero(np.diff(near[start : end + 1])) + start
        first = int(ch[-1]) + 1 if ch.size else start + 1
        m = np.asarray(result.minima.points[near[end]])
        edge = 2 / _curvatures(result.surface, *m)[1]
        ks = np.arange(first, end + 1)
        d = np.hypot(*(tr.path[ks] - m).T)
        lr = tr.lr[ks - 1]  # the learning rate of the step that led to each point
        swing = d[(lr > edge) & (lr <= 0.1)]
        far = np.flatnonzero(d >= 0.01)
        rest = float(lr[far[-1] + 1]) if far.size and far[-1] + 1 < len(ks) else math.nan
        out.append((float(swing.max()) if swing.size else 0.0, rest, edge))
        start = end
    return out


def _restart_observe(result: Any) -> str:
    tr = _tr(result, "sgd")
    t0 = int(tr.hyperparameters["T_0"])
    lr = tr.hyperparameters["lr"]
    cycles = f"a restart every {t0} steps" if t0 < tr.steps else "no restart"
    n = int(_distinct_snapshots(result))
    count = (
        "one snapshot"
        if len(_snapshots(result)) == 1
        else ("all in one minimum" if n == 1 else f"{n} different minima")
    )
    return f"Peak lr {lr:g}, {cycles}. {_snapshots_text(result)[:-1]}: {count}."


RESTARTS = Lesson(
    "warm_restarts",
    "Warm restarts and snapshots",
    "A cosine learning rate that restarts: each cycle ends in a minimum, not always the same one.",
    "Loshchilov and Hutter (2017), SGDR: Stochastic gradient descent with warm restarts; Huang, Li, Pleiss, Liu, "
    "Hopcroft, Weinberger (2017), Snapshot ensembles: train 1, get M for free; the comments on warm restarts "
    "that come with the reference article",
    (
        Step(
            "Place your bet",
            (
                Say(
                    "SGD's learning rate falls smoothly from 0.3 to almost 0 over 100 steps (following a cosine "
                    "curve), then jumps straight back to 0.3: a warm restart. In 400 steps that makes four cycles.",
                    lambda r: (
                        np.isclose(_tr(r, "sgd").lr[0], 0.3)
                        and _tr(r, "sgd").lr[99] < 1e-3
                        and _snapshot_steps(_tr(r, "sgd")) == [100, 200, 300, 400]
                    ),
                ),
                Say(
                    "The surface is a row of basins along the x axis, with walls between them; each star marks the "
                    "bottom of one (the big gold star is the global minimum, the white stars local minima).",
                    lambda r: len(r.minima.points) >= 5 and all(abs(p[1]) < 1e-9 for p in r.minima.points),
                ),
                Say(
                    "At the end of each cycle the learning rate is below 0.001: the steps are tiny and SGD sits at "
                    "the bottom of a basin. A restart makes the steps large again in one go. Can such a step throw SGD "
                    "out of its basin, and where does it come to rest when the steps shrink again?",
                    lambda r: (
                        all(_tr(r, "sgd").lr[k - 1] < 1e-3 for k in _snapshot_steps(_tr(r, "sgd")))
                        and all(d < 1e-6 for _, _, d in _snapshots(r))
                    ),
                ),
                Say(
                    "A snapshot is the point at the end of a cycle. A snapshot ensemble keeps one per cycle and "
                    "averages their predictions, which helps only if the snapshots differ."
                ),
            ),
            view=_restart_view(),
            bet=Bet(
                "In how many different minima do the four snapshots land?",
                ("1", "2", "3", "4"),
                _distinct_snapshots,
                _restart_why,
            ),
        ),
        Step(
            "Why a restart throws it out",
            (
                Say(
                    "The four snapshots land at x = 0, 0.76, 0 and 0: two different minima.",
                    lambda r: (
                        [p[0] for p in _snapshot_minima(r)] == [0.0, 0.76, 0.0, 0.0]
                        and all(d < 1e-6 for _, _, d in _snapshots(r))
                    ),
                ),
                Say(
                    "Across the walls each bottom is sharply curved: the slope changes by about 33 per unit of x. So "
                    "one step with lr 0.3 multiplies a small distance from the bottom by |1 − 0.3·33| ≈ 9. At the "
                    "end of a cycle about 10⁻¹¹ is left: the learning rate reaches almost 0 before the last bit of "
                    "distance is gone (there is no noise in this run). About 10 steps after the restart, that tiny "
                    "distance has grown into a jump over a wall.",
                    _restart_kick_holds,
                ),
                Say(
                    "Leaving a basin and settling in one are different things. The jumps to other basins stop when "
                    "the falling learning rate is near 0.15: the steps are now too short to clear a wall. But until "
                    "the rate is below 2/33 ≈ 0.06, |1 − lr·33| is still above 1, so SGD keeps swinging inside its "
                    "basin, still reaching 0.2 or more from the bottom. In the cycles that end at the origin it "
                    "comes to rest there (within 0.01) only once the rate is down to about 0.04; in the one that "
                    "ends at x = 0.76 it happens to land almost exactly on the bottom and stays from 0.09.",
                    lambda r: (
                        len(_basin_changes(r)) == 4
                        and all(0.12 <= lr <= 0.17 for _, lr in _basin_changes(r))
                        and all(_near(edge, 0.06, 0.05) for _, _, edge in _settling(r))
                        and all(swing >= 0.2 for swing, _, _ in _settling(r))
                        and [p[0] for p in _snapshot_minima(r)] == [0.0, 0.76, 0.0, 0.0]
                        and all(
                            0.035 <= rest <= 0.045 and rest < edge
                            for (_, rest, edge), p in zip(_settling(r), _snapshot_minima(r))
                            if p[0] == 0.0
                        )
                        and _near(_settling(r)[1][1], 0.09, 0.05)
                    ),
                ),
                Say(
                    "At lr 0.05 a restart cannot move it: even at the sharpest bottom |1 − 0.05·33| < 1, so every "
                    "bottom holds SGD, and all four snapshots are in the basin of the same minimum, x = −2.28.",
                    lambda r: [p[0] for p in _snapshot_minima(r)] == [-2.28] * 4,
                    at=(("lr", 0.05),),
                ),
                Say(
                    "What this measures: where the snapshots land, not how good their ensemble would be — a 2-D "
                    "surface has no data to predict."
                ),
            ),
            view=_restart_view(),
            controls=(
                Control("lr", "Peak learning rate", "hp:sgd:lr", (0.05, 0.3), 0.3),
                Control("T_0", "Cycle length (steps)", "common:T_0", (50, 100, 200, 400), 100),
            ),
            observe=_restart_observe,
        ),
    ),
)


# --- 6. Learning rate against curvature: 2/λmax ----------------------------------------------------

BOWL = landscapes.get("elongated_bowl")
BOWL_CURVATURES = _curvatures(BOWL, *BOWL.start)  # constant on a quadratic: (0.1, 4)
LAMBDA_MAX = BOWL_CURVATURES[1]
LR_LIMIT = 2 / LAMBDA_MAX
# below 1/λmax (no zig-zag), between 1/λmax and 2/λmax, at 2/λmax, above it
CURVATURE_LRS = tuple(round(c * LR_LIMIT, 6) for c in (0.4, 0.9, 1.0, 1.1))
LR_BET = CURVATURE_LRS[3]
SMOOTH, ZIGZAG, EDGE, DIVERGES = (
    "It converges smoothly",
    "It zig-zags but converges",
    "It zig-zags at the same width forever",
    "It diverges",
)


def _bowl_view(lr: float) -> View:
    return View(surface="elongated_bowl", start=BOWL.start, steps=125, runs=runs(("sgd", {"lr": lr})))


def _sharp_axis(tr: optimizers.Trajectory) -> np.ndarray:
    """The coordinate along the sharp (high-curvature) axis, y on this bowl, up to the last finite step."""
    k = tr.steps if tr.diverged_step is None else tr.diverged_step - 1
    return tr.path[: k + 1, 1]


def _verdict(tr: optimizers.Trajectory) -> str:
    y = _sharp_axis(tr)
    if tr.diverged_step is not None:
        return DIVERGES
    flips = bool(np.all(y[1:20] * y[:19] < 0))
    if abs(abs(y[-1]) - abs(y[0])) < 1e-9 * abs(y[0]):
        return EDGE if flips else SMOOTH
    return ZIGZAG if flips else SMOOTH


def _curvature_sentence(result: Any) -> str:
    tr = _tr(result, "sgd")
    lr = float(tr.hyperparameters["lr"])
    factor = 1 - lr * LAMBDA_MAX
    rel = "<" if lr < LR_LIMIT - 1e-12 else ("=" if abs(lr - LR_LIMIT) < 1e-12 else ">")
    head = (
        f"lr = {lr:g} {rel} 2/λmax = {LR_LIMIT:g}: each step multiplies y, the distance from the bottom along the "
        f"sharp axis, by 1 − lr·λmax = {_num(factor)}"
    )
    verdict = _verdict(tr)
    if verdict == DIVERGES:
        return f"{head}, so y grows, flipping sign every step; the run diverged at step {tr.diverged_step}."
    if verdict == EDGE:
        return f"{head}: y flips sign every step and its size never changes."
    y = _sharp_axis(tr)
    tail = "flipping sign every step" if factor < 0 else "without changing sign"
    size = human(float(f"{abs(y[-1]):.1g}"))
    return f"{head}, so y shrinks toward 0, {tail}; after {tr.steps} steps its size is {size}."


def _curvature_why(result: Any) -> str:
    return _curvature_sentence(result) + " Along the long axis the curvature is only 0.1, so that direction is stable."


CURVATURE = Lesson(
    "lr_vs_curvature",
    "Learning rate against curvature",
    "On a long, narrow bowl, gradient descent converges while lr is below 2 divided by the sharpest curvature, "
    "zig-zags near that edge and diverges above it.",
    "The classical step-size limit of gradient descent on a quadratic bowl, 2/λmax (λmax: how sharply the bowl "
    "curves along its sharpest direction, the largest eigenvalue of the Hessian), as " + REVIEW + " discusses it",
    (
        Step(
            "Place your bet",
            (
                Say(
                    "This bowl, f = x²/20 + 2y², is long and narrow. How sharply it curves along each axis (how fast "
                    f"the slope changes as you move) is {BOWL_CURVATURES[0]:g} along x and {LAMBDA_MAX:g} along y: y "
                    f"is the sharp axis. Call the sharper curvature λmax, here {LAMBDA_MAX:g}. (Mathematicians call "
                    "these two numbers the eigenvalues of the Hessian.)",
                    lambda r: (
                        np.allclose(_curvatures(r.surface, -1.0, 0.7), BOWL_CURVATURES)
                        and np.allclose(BOWL_CURVATURES, (0.1, 4.0))
                    ),
                ),
                Say(
                    "Along the sharp axis, one step of gradient descent multiplies y, the distance from the bottom, "
                    f"by 1 − lr·λmax. The edge is lr = 2/λmax = {LR_LIMIT:g}, where that number reaches −1. SGD runs "
                    f"with lr = {LR_BET:g}.",
                ),
            ),
            view=_bowl_view(LR_BET),
            bet=Bet(
                f"What happens at lr = {LR_BET:g}?",
                (SMOOTH, ZIGZAG, EDGE, DIVERGES),
                lambda r: _verdict(_tr(r, "sgd")),
                _curvature_why,
            ),
        ),
        Step(
            "Below, at and above the edge",
            (
                Say(
                    f"At lr = {CURVATURE_LRS[1]:g}, each step multiplies y by 1 − 0.45·4 = −0.8: y flips sign and "
                    "its size is multiplied by 0.8, so it zig-zags across the valley and converges.",
                    lambda r: (
                        _verdict(_tr(r, "sgd")) == ZIGZAG
                        and np.allclose(_growth(_sharp_axis(_tr(r, "sgd"))[:30]), -0.8, rtol=1e-9)
                    ),
                ),
                Say(
                    f"At lr = {CURVATURE_LRS[0]:g}, below 1/λmax, each step multiplies y by 0.2: it shrinks much "
                    "faster, without changing sign.",
                    lambda r: (
                        _verdict(_tr(r, "sgd")) == SMOOTH
                        and np.allclose(_growth(_sharp_axis(_tr(r, "sgd"))[:20]), 0.2, rtol=1e-9)
                    ),
                    at=(("lr", CURVATURE_LRS[0]),),
                ),
                Say(
                    f"At lr = {CURVATURE_LRS[2]:g}, exactly 2/λmax, each step multiplies y by −1: it jumps between "
                    "+1.5 and −1.5 for all 125 steps.",
                    lambda r: (
                        _verdict(_tr(r, "sgd")) == EDGE
                        and np.allclose(np.abs(_sharp_axis(_tr(r, "sgd"))), 1.5)
                        and np.allclose(_growth(_sharp_axis(_tr(r, "sgd"))), -1.0, rtol=1e-9)
                    ),
                    at=(("lr", CURVATURE_LRS[2]),),
                ),
                Say(
                    f"At lr = {CURVATURE_LRS[3]:g}, each step multiplies y by −1.2: it grows, and the run diverges "
                    "at step 74.",
                    lambda r: (
                        _tr(r, "sgd").diverged_step == 74
                        and np.allclose(_growth(_sharp_axis(_tr(r, "sgd"))), -1.2, rtol=1e-9)
                    ),
                    at=(("lr", CURVATURE_LRS[3]),),
                ),
                Say(
                    f"The long axis is the slow one: at lr = {CURVATURE_LRS[1]:g}, each step multiplies x by "
                    "1 − 0.45·0.1 = 0.955, so in 125 steps it only gets from −2.8 to −0.009. The sharp axis caps lr; "
                    "the flat one sets the pace.",
                    lambda r: (
                        np.allclose(_growth(_tr(r, "sgd").path[:, 0]), 0.955, rtol=1e-9)
                        and _near(float(_tr(r, "sgd").final[0]), -0.0089, 0.02)
                    ),
                ),
            ),
            view=_bowl_view(CURVATURE_LRS[1]),
            controls=(
                Control(
                    "lr",
                    "Learning rate",
                    "hp:sgd:lr",
                    CURVATURE_LRS,
                    CURVATURE_LRS[1],
                    help=f"0.4, 0.9, 1 and 1.1 times the edge 2/λmax = {LR_LIMIT:g}",
                ),
            ),
            observe=_curvature_sentence,
        ),
    ),
)


# --- 7. Gradient noise that carries a run out of a side basin -------------------------------------

NOISE_LR = 0.1
NOISE_SEEDS = tuple(range(10))


def _noise_view() -> View:
    return View(
        surface="basins_and_walls",
        steps=300,
        runs=runs(("sgd", {"lr": NOISE_LR})),
        common={"schedule": "cosine", "noise": 0.5, "seed": 0},
    )


def _end_minimum(result: Any, key: str = "sgd") -> tuple[tuple[float, float], float]:
    """The minimum nearest to the run's end point (its basin: all minima here lie on the x axis) and f there."""
    i = _nearest_point(result, _tr(result, key).final)
    return result.minima.points[i], result.minima.values[i]


def _start_basin_value(result: Any) -> float:
    """f at the minimum of the start's own basin (where the noiseless run settles)."""
    return result.minima.values[_nearest_point(result, (-2.28, 0.0))]


def _ends_deeper(result: Any) -> bool:
    return _end_minimum(result)[1] < _start_basin_value(result) - 1e-9


def _noise_of(result: Any) -> tuple[float, int]:
    """The gradient noise σ and the seed the run used."""
    h = _tr(result, "sgd").hyperparameters
    return float(h.get("noise", 0.0)), int(h.get("seed", 0))


def _tally(result: Any) -> tuple[int, int]:
    """At the result's σ, over seeds 0–9 of the ten-seed step: how many runs end in a deeper basin than the
    start's, and how many at the global minimum."""
    sigma, _ = _noise_of(result)
    ends = [evaluate(NOISE_SEEDS_STEP, {"noise": sigma, "seed": k}) for k in NOISE_SEEDS]
    return sum(_ends_deeper(r) for r in ends), sum(r.minima.is_global(_end_minimum(r)[1]) for r in ends)


def _noise_observe(result: Any) -> str:
    (x, _), v = _end_minimum(result)
    sigma, seed = _noise_of(result)
    where = "a deeper basin" if _ends_deeper(result) else "the start's own basin"
    drawn = f" (seed {seed})" if sigma > 0 else ""
    return f"With σ = {sigma:g}{drawn}, SGD ends in {where}, the one of the minimum at x = {_num(x)} (f = {v:.2f})."


def _seeds_observe(result: Any) -> str:
    deeper, best = _tally(result)
    sigma, _ = _noise_of(result)
    return (
        f"{_noise_observe(result)} Over seeds 0 to 9 at σ = {sigma:g}, {deeper} of {len(NOISE_SEEDS)} runs end in a "
        f"deeper basin than the start's, {best} of them at the global minimum."
    )


NOISE_CONTROL = Control(
    "noise",
    "Gradient noise σ",
    "common:noise",
    (0.0, 0.25, 0.5, 1.0),
    0.5,
    help="The typical size of the random push added to each step's gradient.",
)

NOISE_SEEDS_STEP = Step(
    "Other seeds",
    (
        Say("Pick another seed: each one is another draw of the noise, from the same start with the same σ."),
        Say(
            "Over the ten seeds 0 to 9 with σ = 0.5, all ten runs end in a deeper basin than the start's "
            "(f = 2.69), two of them at the global minimum, the big gold star.",
            lambda r: _tally(r) == (10, 2),
        ),
        Say(
            "With σ = 0.25 only 3 of the 10 get out.",
            lambda r: _tally(r)[0] == 3,
            at=(("noise", 0.25),),
        ),
        Say(
            "With σ = 1 all 10 get out, and 6 reach the global minimum.",
            lambda r: _tally(r) == (10, 6),
            at=(("noise", 1.0),),
        ),
    ),
    view=_noise_view(),
    controls=(
        NOISE_CONTROL,
        Control("seed", "Noise seed", "common:seed", NOISE_SEEDS, 0, help="Which random draw of the pushes."),
    ),
    observe=_seeds_observe,
)

NOISE = Lesson(
    "gradient_noise",
    "Noise that helps: leaving a side basin",
    "The same start, with and without gradient noise: noise carries SGD over walls into deeper basins.",
    "The reference article's comment thread: the noise of estimating the gradient from small batches of examples "
    "lets SGD escape minima",
    (
        Step(
            "One start, with and without noise",
            (
                Say(
                    "Real training estimates the gradient from a small random batch of examples, so each step's "
                    "gradient is a little off. Here that randomness is imitated: each step adds a random push of "
                    "typical size σ to the gradient."
                ),
                Say(
                    "The seed says which random pushes: seed 0 is one particular draw, the same every time. The "
                    "learning rate starts at 0.1 and shrinks smoothly to 0 by the last step (following a cosine "
                    "curve), so the pushes fade out and the run comes to rest.",
                    lambda r: (
                        _noise_of(r)[1] == 0
                        and np.isclose(_tr(r, "sgd").lr[0], NOISE_LR)
                        and bool(np.all(np.diff(_tr(r, "sgd").lr[: _tr(r, "sgd").steps]) < 0))
                        and _tr(r, "sgd").lr[_tr(r, "sgd").steps - 1] < 1e-4
                    ),
                ),
                Say(
                    "Without noise (σ = 0) SGD settles in the basin next to the start, at x = −2.28, where f = 2.69.",
                    lambda r: (
                        np.allclose(_end_minimum(r)[0], (-2.28, 0.0), atol=0.005)
                        and _near(_end_minimum(r)[1], 2.69, 0, 0.005)
                        and _settled_at(r, "sgd") is not None
                    ),
                    at=(("noise", 0.0),),
                ),
                Say(
                    "With σ = 0.5 the same start ends two walls further in, in the basin at x = −0.76, where f = 0.30.",
                    lambda r: (
                        np.allclose(_end_minimum(r)[0], (-0.76, 0.0), atol=0.005)
                        and _near(_end_minimum(r)[1], 0.30, 0, 0.005)
                    ),
                ),
                Say("This is one seed, one particular draw of the noise; the next step tries ten."),
            ),
            view=_noise_view(),
            controls=(NOISE_CONTROL,),
            observe=_noise_observe,
        ),
        NOISE_SEEDS_STEP,
    ),
)


# --- 8. Defaults against tuned settings --------------------------------------------------------------

LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
FAIR_METHODS = ("sgd", "momentum", "adam")
TUNED_LR = {"sgd": 0.1, "momentum": 0.03, "adam": 0.3}
FAIR_STEPS = 200


def _default_lr(name: str) -> float:
    return float(optimizers.defaults(name)["lr"])


def _fair_view(tuned: bool) -> View:
    items = [(m, {"lr": _default_lr(m)}) for m in FAIR_METHODS]
    if tuned:
        items += [(f"{m}#2", {"lr": TUNED_LR[m]}) for m in FAIR_METHODS]
    return View(surface="hills_and_canyon", steps=FAIR_STEPS, runs=runs(*items))


def _final_loss(result: Any, key: str) -> float:
    tr = _tr(result, key)
    return math.inf if tr.diverged_step is not None else float(tr.loss[-1])


def _moved(result: Any, key: str) -> float:
    tr = _tr(result, key)
    return float(np.hypot(*(tr.final - tr.path[0])))


def _ranking(result: Any, keys: tuple[str, ...]) -> list[str]:
    """The runs' keys, lowest final loss first."""
    return sorted(keys, key=lambda k: _final_loss(result, k))


REST = 0.01  # a run whose last step is shorter than this has come to rest


def _grid_runs(result: Any, key: str):
    """The run's optimizer at every lr of ``LR_GRID`` (same start, steps and other settings):
    each lr's final loss (inf if diverged) and last step length."""
    tr = _tr(result, key)
    hyper = {k: v for k, v in tr.hyperparameters.items() if k != "lr"}
    sw = optimizers.sweep(
        tr.optimizer, result.surface, [tuple(tr.path[0])] * len(LR_GRID), tr.steps, paths=True, lr=list(LR_GRID),
        **hyper,
    )  # fmt: skip
    losses = np.where(sw.diverged, np.inf, sw.loss)
    last = np.hypot(*(sw.paths[:, -1] - sw.paths[:, -2]).T)
    return losses, np.where(sw.diverged, np.inf, last)


def _best_in_grid(result: Any, key: str) -> bool:
    """The run's lr ends lowest of the lrs in ``LR_GRID`` whose runs have come to rest."""
    losses, last = _grid_runs(result, key)
    resting = np.where(last < REST, losses, np.inf)
    lr = _tr(result, key).hyperparameters["lr"]
    return lr in LR_GRID and bool(last[LR_GRID.index(lr)] < REST and resting[LR_GRID.index(lr)] <= resting.min())


def _jumping_at(result: Any, key: str, lr: float, at_least: float) -> bool:
    """At ``lr`` the run's optimizer is still taking steps of ``at_least`` or more at the end."""
    return bool(_grid_runs(result, key)[1][LR_GRID.index(lr)] >= at_least)


def _loss_text(v: float) -> str:
    return "diverged" if not math.isfinite(v) else human(float(f"{v:.4g}"))


def _fair_observe(result: Any) -> str:
    keys = tuple(ln.key for ln in result.lines)
    parts = [f"{_label(result, k)} {_loss_text(_final_loss(result, k))}" for k in _ranking(result, keys)]
    return "Final loss after 200 steps, lowest first: " + ", ".join(parts) + "."


DEFAULTS = Lesson(
    "defaults_vs_tuned",
    "Defaults against tuned settings",
    "At PyTorch's default learning rates a comparison ranks step sizes; tune each method and the ranking turns over.",
    "Why fair comparisons tune every method (a point the reference article's comment thread makes; see also "
    "Wilson et al. 2017, The marginal value of adaptive gradient methods)",
    (
        Step(
            "At the defaults",
            (
                Say(
                    "SGD, SGD with momentum 0.9 and Adam run 200 steps from the article's start, each at PyTorch's "
                    "default learning rate, 0.001."
                ),
                Say(
                    "Adam moves only 0.27 from the start and SGD 0.38: both are still on the slope where they began.",
                    lambda r: _near(_moved(r, "adam"), 0.27, 0, 0.005) and _near(_moved(r, "sgd"), 0.38, 0, 0.005),
                ),
                Say(
                    "Momentum, whose steps build up to about ten plain steps, gets within 0.04 of the local minimum "
                    "beside the canyon.",
                    lambda r: not _near_min(r, "momentum")[1] and _near_min(r, "momentum")[0] < 0.04,
                ),
                Say(
                    "Ranked by final loss: Momentum, SGD, Adam. That ranks the default step sizes, not the methods.",
                    lambda r: _ranking(r, FAIR_METHODS) == ["momentum", "sgd", "adam"],
                ),
            ),
            view=_fair_view(tuned=False),
            observe=_fair_observe,
        ),
        Step(
            "Each one tuned",
            (
                Say(
                    "Now each method also runs with the learning rate, out of 0.001, 0.003, 0.01, …, 1, that ends "
                    "lowest after 200 steps among those that have come to rest: SGD 0.1, Momentum 0.03, Adam 0.3. "
                    "(SGD at 1 is still jumping about, with steps longer than 1.)",
                    lambda r: (
                        all(_best_in_grid(r, f"{m}#2") for m in FAIR_METHODS) and _jumping_at(r, "sgd#2", 1.0, 1.0)
                    ),
                ),
                Say(
                    "Tuned, Adam and Momentum reach the global minimum and SGD settles in the local one.",
                    lambda r: (
                        all(_near_min(r, k)[1] and _near_min(r, k)[0] < 0.1 for k in ("adam#2", "momentum#2"))
                        and not _near_min(r, "sgd#2")[1]
                        and _settled_at(r, "sgd#2") is not None
                    ),
                ),
                Say(
                    "The ranking turns over: Adam, last at the defaults, now shares first place with Momentum (their "
                    "final losses differ by less than 10⁻⁶), and SGD, second at the defaults, is last.",
                    lambda r: (
                        _ranking(r, FAIR_METHODS) == ["momentum", "sgd", "adam"]
                        and _ranking(r, ("sgd#2", "momentum#2", "adam#2"))[2] == "sgd#2"
                        and abs(_final_loss(r, "adam#2") - _final_loss(r, "momentum#2")) < 1e-6
                        and _final_loss(r, "sgd#2") - _final_loss(r, "adam#2") > 1
                    ),
                ),
                Say(
                    "A fair comparison gives every method the same budget and tunes each one; with a single shared "
                    "or default setting it mostly measures that setting."
                ),
            ),
            view=_fair_view(tuned=True),
            observe=_fair_observe,
        ),
    ),
)

LESSONS: tuple[Lesson, ...] = (SADDLES, MONKEY, TWO_NEURON, EFFECTIVE_LR, RESTARTS, CURVATURE, NOISE, DEFAULTS)
