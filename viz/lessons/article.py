"""Lessons from the reference article (``../shared/ARTICLE.md``): its surfaces, its settings
(start (−2.8, −2.5), 125 steps, the Lasagne hyperparameters written in torch's names) and its
findings, each sentence checked by ``tests/test_lessons_article.py``."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

import landscapes
from optimizers.response import METHODS
from viz.lessons import Bet, Control, Lesson, Response, Say, Step, at_global_labels, endings_text, runs
from viz.presets import (
    ARTICLE_RUNS,
    _near,
    at_global,
    at_local,
    last_step_at_least,
    moved_at_most,
    near_local,
    not_settled,
    settled,
)
from viz.state import View, human

ARTICLE = (
    "The reference article, «Методы оптимизации нейронных сетей» (optimization methods for neural networks; "
    "its 2-D figures were made with Lasagne)"
)


def _article_view(surface: str, steps: int = 125) -> View:
    return View(surface=surface, start=(-2.8, -2.5), steps=steps, runs=runs(*ARTICLE_RUNS))


def _locals(surface: str) -> str:
    """How many local minima the surface has, in words ("a local minimum", "two local minima")."""
    s = landscapes.get(surface)
    n = len(s.minima) - s.n_global
    words = {1: "a local minimum", 2: "two local minima", 3: "three local minima"}
    return words.get(n, f"{n} local minima")


def _only(result) -> str:
    won = at_global_labels(result, within=0.05)
    return won[0] if len(won) == 1 else ("None of them" if not won else "Several")


HILLS = Lesson(
    "hills_and_canyon",
    "Hills and canyon: who escapes the trap?",
    f"Five optimizers from one start; {_locals('hills_and_canyon')} beside the canyon.",
    ARTICLE,
    (
        Step(
            "Place your bet",
            (
                Say(
                    "Five optimizers start from the white diamond with the article's settings. The canyon runs "
                    f"diagonally with {_locals('hills_and_canyon')} beside it (white stars) and the global minimum "
                    "further on."
                ),
                Say(
                    "The big gold star is the global minimum, white stars are local minima. Pick your answer, "
                    "then press Reveal to watch the runs."
                ),
            ),
            view=_article_view("hills_and_canyon"),
            bet=Bet(
                "Which optimizer reaches the global minimum?",
                ("Nesterov", "RMSProp", "Adadelta", "Adagrad", "Adam", "Several", "None of them"),
                _only,
                endings_text,
            ),
        ),
        Step(
            "Why the others stay",
            (
                Say(
                    "Nesterov and Adagrad settle in the local minimum: once the gradient there is zero, nothing "
                    "pushes them on.",
                    lambda r: at_local("nesterov", "adagrad", within=0.01)(r) and settled("nesterov", "adagrad")(r),
                ),
                Say(
                    "RMSProp and Adadelta keep jumping about 0.2 from it: their steps never shrink, because their "
                    "squared-gradient average forgets and a tiny gradient is divided by a tiny average.",
                    lambda r: (
                        near_local("rmsprop", "adadelta", lo=0.1, hi=0.4)(r)
                        and not_settled("rmsprop", "adadelta")(r)
                        and last_step_at_least(0.05, "rmsprop", "adadelta")(r)
                    ),
                ),
                Say("Adam ends at the global minimum.", at_global("adam", within=0.01)),
            ),
            view=_article_view("hills_and_canyon"),
        ),
    ),
)

# --- helpers for the lessons below: numbers read off a step's own results ------------------------

START = (-2.8, -2.5)


def _tr(r, key: str):
    """The trajectory of the run with this key ("nesterov#3") or label ("Nesterov · γ=0.975")."""
    return next(ln.traj for ln in r.lines if ln.key == key or ln.label == key)


def _lens(r, key: str) -> np.ndarray:
    """Step lengths |Δθₖ| of a run, k = 0 … N−1."""
    return np.hypot(*_tr(r, key).update[:-1].T)


def _end(r, key: str) -> tuple[float, float, bool, np.ndarray]:
    """(distance, f value, is global, point) of the minimum nearest to the run's end point."""
    tr = _tr(r, key)
    d, v, _ = r.minima.nearest(*tr.final)
    pts = np.asarray(r.minima.points, float)
    return d, v, r.minima.is_global(v), pts[int(np.argmin(np.hypot(*(pts - tr.final).T)))]


def _settle(r, key: str) -> int | None:
    """The step from which the run's f stays within 10⁻³ of its nearest minimum's (None: never)."""
    from viz.playground import settled_step

    return settled_step(_tr(r, key).loss, _end(r, key)[1])


def _glob(r) -> np.ndarray:
    """The global minimum's point (minima are listed lowest first)."""
    return np.asarray(r.minima.points[0], float)


def _closest(r, key: str, point) -> tuple[float, int]:
    """The run's closest approach to ``point``: (distance, step)."""
    d = np.hypot(*(_tr(r, key).path - np.asarray(point, float)).T)
    k = int(np.nanargmin(d))
    return float(d[k]), k


def _moved(r, key: str) -> float:
    tr = _tr(r, key)
    return float(np.hypot(*(tr.final - tr.path[0])))


def _rises(r, key: str) -> int:
    """On how many steps f went up."""
    return int(np.sum(np.diff(_tr(r, key).loss) > 0))


def _turns(r, key: str, point) -> float:
    """How many times the run turned around ``point`` (unsigned, in full turns)."""
    rel = _tr(r, key).path - np.asarray(point, float)
    ang = np.unwrap(np.arctan2(rel[:, 1], rel[:, 0]))
    return float(abs(ang[-1] - ang[0]) / (2 * np.pi))


def _at(r, key: str, *, glob: bool, within: float = 0.01) -> bool:
    """The run ends within ``within`` of a global (``glob``) or a local minimum."""
    d, _, is_global, _ = _end(r, key)
    return is_global == glob and d <= within


def _num(x: float) -> str:
    """A length for a sentence: "less than 0.001", two significant digits, or a whole number from 10 up."""
    if x < 1e-3:
        return "less than 0.001"
    return f"{x:.2g}" if x < 10 else f"{x:,.0f}"


def _small(x: float) -> str:
    """A small number as the lessons write it: two significant digits, 0.0063 from 0.001 up, 2.3×10⁻⁵ and 10⁻⁴
    below (never 0.0001)."""
    if x == 0 or abs(x) >= 1e-3:
        return human(float(f"{x:.2g}"))
    mant, exp = f"{x:.1e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    power = "10" + str(int(exp)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return power if mant == "1" else f"{mant}×{power}"


def _in(x: float | None, lo: float, hi: float) -> bool:
    return x is not None and lo <= x <= hi


def _one_ending(r, key: str) -> str:
    """``endings_text`` for one run of the result."""
    return endings_text(replace(r, lines=[ln for ln in r.lines if ln.key == key]))


# --- momentum on wobbly ----------------------------------------------------------------------------


def _wobbly(*keys: str) -> View:
    settings = {
        "sgd": {"lr": 0.01},
        "momentum": {"lr": 0.01, "momentum": 0.9},
        "nesterov": {"lr": 0.01, "momentum": 0.9},
    }
    return View(surface="wobbly", start=START, steps=125, runs=runs(*((k, settings[k]) for k in keys)))


def _off_map(r, key: str) -> np.ndarray:
    """Whether each point of the run's path lies outside the map (the surface's view window)."""
    (x0, x1), (y0, y1) = r.surface.bounds
    p = _tr(r, key).path
    return (p[:, 0] < x0) | (p[:, 0] > x1) | (p[:, 1] < y0) | (p[:, 1] > y1)


def _momentum_observe(r) -> str:
    g = _tr(r, "momentum").hyperparameters["momentum"]
    off = _off_map(r, "momentum")
    if off[-1]:
        ending = (
            f"It leaves the map at step {int(np.argmax(off))} and is still off it at step {len(off) - 1}, out of view."
        )
    else:
        ending = _one_ending(r, "momentum")
    return (
        f"With γ = {g:g}, Momentum's longest step is {_lens(r, 'momentum').max():.2f} and its f goes up on "
        f"{_rises(r, 'momentum')} of its {len(_lens(r, 'momentum'))} steps. {ending}"
    )


MOMENTUM = Lesson(
    "momentum_wobbly",
    "Momentum: a heavy ball on the wobbly surface",
    "SGD against heavy-ball momentum and Nesterov: speed, overshoot, and too much momentum.",
    ARTICLE + "; momentum: Polyak (1964), Nesterov (1983)",
    (
        Step(
            "Build up speed",
            (
                Say(
                    "All three runs use the same learning rate, 0.01. SGD steps straight down the slope. Momentum "
                    "keeps a velocity: each step is the new gradient step plus 0.9 times the previous step, like a "
                    "heavy ball rolling downhill."
                ),
                Say(
                    "Nesterov is momentum that measures the slope where its velocity is about to carry it, "
                    "instead of where it stands."
                ),
                Say(
                    "SGD never goes uphill, but it is slow: after 125 steps it is still 0.48 from the minimum.",
                    lambda r: _rises(r, "sgd") == 0 and _end(r, "sgd")[2] and _in(_end(r, "sgd")[0], 0.43, 0.53),
                ),
                Say(
                    "Momentum builds up speed: its longest step is 0.32, four times SGD's longest (0.07).",
                    lambda r: (
                        _in(_lens(r, "momentum").max(), 0.3, 0.34)
                        and _in(_lens(r, "sgd").max(), 0.065, 0.075)
                        and _lens(r, "momentum").max() > 4 * _lens(r, "sgd").max()
                    ),
                ),
                Say(
                    "Both momentum methods settle at the global minimum within the 125 steps: Nesterov from "
                    "step 79, Momentum from step 109.",
                    lambda r: (
                        at_global("nesterov", "momentum", within=0.01)(r)
                        and _in(_settle(r, "nesterov"), 75, 83)
                        and _in(_settle(r, "momentum"), 105, 113)
                    ),
                ),
            ),
            view=_wobbly("sgd", "momentum", "nesterov"),
        ),
        Step(
            "Overshoot",
            (
                Say(
                    "A rolling ball does not stop at the bottom. With γ = 0.9 Momentum rolls past the valley floor "
                    "and up the far side, where the loss f reaches 4.4 at step 29 (at the minimum f is 0.92); its f "
                    "goes up on 49 of its 125 steps.",
                    lambda r: (
                        _in(float(_tr(r, "momentum").loss[int(np.argmax(_tr(r, "momentum").path[:, 1]))]), 4.2, 4.6)
                        and _in(int(np.argmax(_tr(r, "momentum").path[:, 1])), 27, 31)
                        and _in(_rises(r, "momentum"), 45, 53)
                        and _in(_end(r, "momentum")[1], 0.91, 0.93)
                    ),
                ),
                Say(
                    "With γ = 0.5 the ball is light: its f never goes up, and after 125 steps it is still 0.16 "
                    "from the minimum.",
                    lambda r: _rises(r, "momentum") == 0 and _in(_end(r, "momentum")[0], 0.13, 0.19),
                    at=(("gamma", 0.5),),
                ),
                Say(
                    "With γ = 0.95 it circles the minimum more than once and is still moving, 0.14 from it, at "
                    "step 125.",
                    lambda r: (
                        _turns(r, "momentum", _glob(r)) > 1.0
                        and _end(r, "momentum")[2]
                        and _in(_end(r, "momentum")[0], 0.11, 0.17)
                        and _settle(r, "momentum") is None
                    ),
                    at=(("gamma", 0.95),),
                ),
                Say(
                    "With γ = 0.975 it passes 0.35 from the global minimum at step 20 and does not stop: it rolls "
                    "over the ridge and off the top of the map at step 37, and at step 125 it is still off the map, "
                    "swinging around a dip just beyond the top edge.",
                    lambda r: (
                        _in(_closest(r, "momentum", _glob(r))[0], 0.3, 0.4)
                        and _in(_closest(r, "momentum", _glob(r))[1], 18, 22)
                        and int(np.argmax(_off_map(r, "momentum"))) == 37
                        and _tr(r, "momentum").path[37, 1] > r.surface.bounds[1][1]
                        and bool(_off_map(r, "momentum")[-1])
                        and not _end(r, "momentum")[2]
                        and _end(r, "momentum")[3][1] > r.surface.bounds[1][1]
                        and _end(r, "momentum")[0] < 0.5
                        and _settle(r, "momentum") is None
                        and last_step_at_least(0.05, "momentum")(r)
                    ),
                    at=(("gamma", 0.975),),
                ),
            ),
            view=_wobbly("sgd", "momentum"),
            controls=(
                Control(
                    "gamma",
                    "Momentum γ",
                    "hp:momentum:momentum",
                    (0.5, 0.9, 0.95, 0.975),
                    0.9,
                    help="The share of the previous step each new step keeps.",
                ),
            ),
            observe=_momentum_observe,
        ),
    ),
)


# --- Nesterov's γ: 0.25 / 0.9 / 0.975 -------------------------------------------------------------------

_GAMMAS = (0.25, 0.9, 0.975)


def _gamma_view(surface: str) -> View:
    return View(
        surface=surface,
        start=START,
        steps=250,
        runs=runs(*((f"nesterov#{i}", {"lr": 0.01, "momentum": g}) for i, g in enumerate(_GAMMAS, 1))),
    )


def _gamma_answer(r) -> str:
    won = at_global_labels(r, within=0.05)
    if not won:
        return "None of them"
    return "γ = " + won[0].rpartition("=")[2] if len(won) == 1 else "Two or more"


NESTEROV_GAMMA = Lesson(
    "nesterov_gamma",
    "Nesterov's γ: creep, roll or wander",
    "Three Nesterov runs that differ only in γ, on hills and canyon and on basins and walls.",
    ARTICLE + " (its Nesterov sweep: lr 0.01, γ ∈ {0.25, 0.9, 0.975})",
    (
        Step(
            "Place your bet",
            (
                Say(
                    "Three Nesterov runs start from the white diamond with lr 0.01. They differ only in γ, the "
                    "share of its previous step each new step keeps: 0.25, 0.9 and 0.975."
                ),
                Say(
                    "A local minimum, a trap (the white star on the left, beside the canyon), waits near the start; "
                    "the global minimum, the big gold star, lies further on, past the trap's rim. Each run gets 250 "
                    "steps."
                ),
            ),
            view=_gamma_view("hills_and_canyon"),
            bet=Bet(
                "Which γ escapes the trap and reaches the global minimum?",
                ("γ = 0.25", "γ = 0.9", "γ = 0.975", "Two or more", "None of them"),
                _gamma_answer,
                endings_text,
            ),
        ),
        Step(
            "What γ does",
            (
                Say(
                    "γ = 0.25 behaves like plain gradient descent: it creeps into the trap and settles there only "
                    "from step 156.",
                    lambda r: _at(r, "nesterov#1", glob=False, within=0.05) and _settle(r, "nesterov#1") == 156,
                ),
                Say(
                    "γ = 0.9 rolls in faster and settles in the same trap from step 60.",
                    lambda r: _at(r, "nesterov#2", glob=False, within=0.05) and _settle(r, "nesterov#2") == 60,
                ),
                Say(
                    "γ = 0.975 wanders: its steps grow to 0.38, it rolls on past the trap, and it settles at the "
                    "global minimum from step 175.",
                    lambda r: (
                        _in(_lens(r, "nesterov#3").max(), 0.36, 0.40)
                        and _at(r, "nesterov#3", glob=True, within=0.05)
                        and _settle(r, "nesterov#3") == 175
                    ),
                ),
            ),
            view=_gamma_view("hills_and_canyon"),
        ),
        Step(
            "Past the global minimum",
            (
                Say(
                    "Basins and walls is a bowl with ridges (walls) across it: the global minimum is at the origin, "
                    "side basins sit at x ≈ ±0.76, ±1.52, ±2.28. Same three runs, same start.",
                    lambda r: (
                        np.allclose(_glob(r), (0, 0), atol=0.01)
                        and all(
                            any(np.allclose(p, (sx * x, 0), atol=0.01) for p in r.minima.points)
                            for x in (0.76, 1.52, 2.28)
                            for sx in (-1, 1)
                        )
                    ),
                ),
                Say(
                    "γ = 0.975 passes 0.17 from the global minimum at step 17 and rolls on over the next wall: it "
                    "settles in the side basin on the far side, at x ≈ +0.76, from step 225.",
                    lambda r: (
                        _in(_closest(r, "nesterov#3", (0, 0))[0], 0.15, 0.19)
                        and _in(_closest(r, "nesterov#3", (0, 0))[1], 15, 19)
                        and not _end(r, "nesterov#3")[2]
                        and np.allclose(_end(r, "nesterov#3")[3], (0.76, 0.0), atol=0.01)
                        and _end(r, "nesterov#3")[0] < 0.05
                        and _in(_settle(r, "nesterov#3"), 220, 230)
                    ),
                ),
                Say(
                    "γ = 0.9 stops in the side basin on the start's side, at x ≈ −0.76, from step 56.",
                    lambda r: (
                        np.allclose(_end(r, "nesterov#2")[3], (-0.76, 0.0), atol=0.01)
                        and _end(r, "nesterov#2")[0] < 0.01
                        and _in(_settle(r, "nesterov#2"), 52, 60)
                    ),
                ),
                Say(
                    "γ = 0.25 does not get over the first walls: after 250 steps it is 0.09 from the basin at "
                    "x ≈ −2.28, three walls out, and still has not settled.",
                    lambda r: (
                        np.allclose(_end(r, "nesterov#1")[3], (-2.28, 0.0), atol=0.01)
                        and _in(_end(r, "nesterov#1")[0], 0.07, 0.11)
                        and _settle(r, "nesterov#1") is None
                    ),
                ),
            ),
            view=_gamma_view("basins_and_walls"),
        ),
    ),
)


# --- the giant plateau ------------------------------------------------------------------------------------

_PLATEAU_NAMES = ("nesterov", "rmsprop", "adadelta", "adagrad", "adam")


def _stuck(r, within: float = 0.01) -> list[str]:
    """Labels of the runs that moved less than ``within`` from the start."""
    return [ln.label for ln in r.lines if _moved(r, ln.key) < within]


def _stuck_answer(r) -> str:
    s = _stuck(r)
    return s[0] if len(s) == 1 else ("None of them" if not s else "Several")


def _slope0(r) -> float:
    """The slope (gradient length) at the start."""
    return float(np.hypot(*r.lines[0].traj.grad[0]))


def _radius(r, level: float) -> float:
    """How far from the origin (along x) the giant plateau's f first reaches ``level``."""
    xs = np.linspace(0.0, 3.0, 3001)
    return float(xs[int(np.argmax(r.surface.value(xs, 0 * xs) >= level))])


def _plateau_why(r) -> str:
    parts = [f"The slope at the start is only {_small(_slope0(r))}."]
    for ln in r.lines:
        lr = ln.traj.hyperparameters.get("lr")
        moved, d = _num(_moved(r, ln.key)), _num(_end(r, ln.key)[0])
        parts.append(f"{ln.label} (lr {lr:g}) moves {moved} and ends {d} from the minimum.")
    return " ".join(parts)


def _lr_observe(r) -> str:
    tr = _tr(r, "nesterov")
    d, k = _closest(r, "nesterov", (0, 0))
    end = float(np.hypot(*tr.final))
    near = f", comes within {_num(d)} of the minimum (step {k})" if d < 0.99 * end else ""
    return (
        f"With lr = {tr.hyperparameters['lr']:g}, Nesterov moves {_num(_moved(r, 'nesterov'))} in 125 steps{near} "
        f"and ends {_num(end)} from the minimum."
    )


GIANT_PLATEAU = Lesson(
    "giant_plateau",
    "The giant plateau: too flat to roll",
    "Momentum with a small learning rate cannot move on a near-flat table; adaptive methods cross it.",
    ARTICLE,
    (
        Step(
            "Place your bet",
            (
                Say(
                    "Here the loss f is a flat table at height 4 with one round well in the middle. The big gold star "
                    "at the well's bottom, f = 0, is the global minimum. Five optimizers start from the white "
                    "diamond with the article's settings.",
                    lambda r: (
                        np.allclose(_glob(r), (0, 0), atol=0.01)
                        and abs(r.minima.values[0]) < 1e-3
                        and abs(float(r.surface.value(*START)) - 4) < 1e-3
                    ),
                ),
                Say(
                    "The well is wide: it fills the middle of the map, about 3.5 across. Within 1.7 of the "
                    "star f is below 3.8; beyond 2 it is above 3.9, almost the table's 4.",
                    lambda r: _in(_radius(r, 3.8), 1.68, 1.76) and _radius(r, 3.9) <= 2.0,
                ),
                Say(
                    "The start is far out on the table, where it is so flat that the slope is only 2.3×10⁻⁵.",
                    lambda r: _small(_slope0(r)) == "2.3×10⁻⁵" and float(np.hypot(*START)) > _radius(r, 3.9),
                ),
            ),
            view=_article_view("giant_plateau"),
            bet=Bet(
                "Which optimizer stays stuck at the start?",
                ("Nesterov", "RMSProp", "Adadelta", "Adagrad", "Adam", "Several", "None of them"),
                _stuck_answer,
                _plateau_why,
            ),
        ),
        Step(
            "Dividing by the slope",
            (
                Say(
                    "Nesterov with lr 0.01 moves less than 0.001 in 125 steps: lr × slope is 2.3×10⁻⁷ per step.",
                    lambda r: moved_at_most(1e-3, "nesterov")(r) and _small(0.01 * _slope0(r)) == "2.3×10⁻⁷",
                ),
                Say(
                    "Adagrad, RMSProp and Adam divide the gradient by a measure of its own size built from past "
                    "gradients, so even a tiny slope gives a full-size step: their first steps are 1.33, 0.93 "
                    "and 0.35.",
                    lambda r: (
                        _in(_lens(r, "adagrad")[0], 1.3, 1.36)
                        and _in(_lens(r, "rmsprop")[0], 0.9, 0.96)
                        and _in(_lens(r, "adam")[0], 0.34, 0.36)
                    ),
                ),
                Say(
                    "Adagrad and Adam settle at the minimum, from steps 15 and 85; RMSProp and Adadelta reach the "
                    "well but keep hopping, 0.18 and 0.52 from its bottom.",
                    lambda r: (
                        at_global("adagrad", "adam", within=0.01)(r)
                        and _in(_settle(r, "adagrad"), 12, 18)
                        and _in(_settle(r, "adam"), 80, 90)
                        and _in(_end(r, "rmsprop")[0], 0.15, 0.21)
                        and _in(_end(r, "adadelta")[0], 0.45, 0.6)
                        and not_settled("rmsprop", "adadelta")(r)
                    ),
                ),
            ),
            view=_article_view("giant_plateau"),
        ),
        Step(
            "Just raise the learning rate?",
            (
                Say(
                    "Try Nesterov with bigger learning rates. With lr = 1, a hundred times more, it still moves only "
                    "0.03 in 125 steps.",
                    lambda r: _in(_moved(r, "nesterov"), 0.025, 0.035),
                    at=(("lr", 1.0),),
                ),
                Say(
                    "With lr = 10 it crosses the table slowly and gets into the well, 1.1 from the bottom at step 92, "
                    "where the slope is 100 000 times steeper than at the start.",
                    lambda r: (
                        _in(_closest(r, "nesterov", (0, 0))[0], 1.0, 1.2)
                        and _in(_closest(r, "nesterov", (0, 0))[1], 88, 96)
                        and np.hypot(*_tr(r, "nesterov").grad.T).max() > 1e5 * np.hypot(*_tr(r, "nesterov").grad[0])
                    ),
                    at=(("lr", 10.0),),
                ),
                Say(
                    "The same lr on that steep slope flings it out: it ends 256 from the minimum. No single "
                    "learning rate suits both the table and the well.",
                    lambda r: _in(float(np.hypot(*_tr(r, "nesterov").final)), 240, 270),
                    at=(("lr", 10.0),),
                ),
            ),
            view=View(
                surface="giant_plateau", start=START, steps=125, runs=runs(("nesterov", {"lr": 0.01, "momentum": 0.9}))
            ),
            controls=(Control("lr", "Nesterov's learning rate", "hp:nesterov:lr", (0.01, 1.0, 10.0, 100.0), 0.01),),
            observe=_lr_observe,
        ),
    ),
)


# --- bad init ---------------------------------------------------------------------------------------------

_WHERE = (
    "All in the shallow minimum near (−2.5, −2.5)",
    "All at the global minimum (0, 0)",
    "Some in each",
    "Some stay stuck on the plateau",
)


def _stays(r, key: str) -> bool:
    """The run barely moves (less than 0.1) and ends far (over 0.75) from every minimum: stuck on the plateau."""
    return _moved(r, key) < 0.1 and _end(r, key)[0] > 0.75


def _where_answer(r) -> str:
    kinds = {"stuck" if _stays(r, ln.key) else ("global" if _end(r, ln.key)[2] else "shallow") for ln in r.lines}
    if "stuck" in kinds:
        return _WHERE[3]
    if kinds == {"shallow"}:
        return _WHERE[0]
    return _WHERE[1] if kinds == {"global"} else _WHERE[2]


def _bad_init_observe(r) -> str:
    """Where each run ends from the chosen start, and which runs stay on the plateau."""
    stuck = [ln for ln in r.lines if _stays(r, ln.key)]
    text = endings_text(replace(r, lines=[ln for ln in r.lines if ln not in stuck]))
    for ln in stuck:
        text += f" {ln.label} stays on the plateau: it moves {_num(_moved(r, ln.key))}."
    return text.strip()


_STARTS = ((-2.8, -2.5), (-1.5, -1.5), (-1.2, -1.2), (2.5, 2.5))

BAD_INIT = Lesson(
    "bad_init",
    "Bad init: the start decides",
    "A shallow minimum next to the start and a deep one across a plateau; where you start decides where you end.",
    ARTICLE,
    (
        Step(
            "Place your bet",
            (
                Say(
                    "This surface has a shallow dip, a white star near (−2.5, −2.5), right next to the start, and "
                    "the deep global minimum, the big gold star, at the origin, across a flat plateau. Five "
                    "optimizers start with the article's settings."
                ),
                Say(
                    "The global minimum is 2.5 deeper: the loss f is 1.0 there, against 3.5 in the shallow dip.",
                    lambda r: (
                        np.allclose(_glob(r), (0, 0), atol=0.01)
                        and _in(r.minima.values[0], 0.99, 1.01)
                        and any(
                            np.allclose(p, (-2.5, -2.5), atol=0.01) and _in(v, 3.49, 3.51)
                            for p, v in zip(r.minima.points, r.minima.values, strict=True)
                        )
                    ),
                ),
            ),
            view=_article_view("bad_init"),
            bet=Bet("Where will these five runs end?", _WHERE, _where_answer, endings_text),
        ),
        Step(
            "Move the start",
            (
                Say(
                    "From the article's start, Nesterov, Adagrad and Adam settle at the shallow minimum; RMSProp and "
                    "Adadelta hop around it, 0.18 and 0.46 away.",
                    lambda r: (
                        at_local("nesterov", "adagrad", "adam", within=0.01)(r)
                        and settled("nesterov", "adagrad", "adam")(r)
                        and _in(_end(r, "rmsprop")[0], 0.15, 0.21)
                        and _in(_end(r, "adadelta")[0], 0.4, 0.52)
                        and not any(_end(r, n)[2] for n in _PLATEAU_NAMES)
                    ),
                ),
                Say(
                    "Starting at (−1.5, −1.5), 1.6 closer to the origin, changes nothing: all five still end in the "
                    "shallow minimum's basin.",
                    lambda r: (
                        _in(float(np.hypot(*START) - np.hypot(*_tr(r, "nesterov").path[0])), 1.55, 1.65)
                        and all(not _end(r, n)[2] and _end(r, n)[0] < 0.6 for n in _PLATEAU_NAMES)
                    ),
                    at=(("start", (-1.5, -1.5)),),
                ),
                Say(
                    "From (−1.2, −1.2) all five reach the global minimum's well; Nesterov, Adagrad and Adam settle "
                    "at it.",
                    lambda r: (
                        all(_end(r, n)[2] and _end(r, n)[0] < 0.6 for n in _PLATEAU_NAMES)
                        and at_global("nesterov", "adagrad", "adam", within=0.01)(r)
                    ),
                    at=(("start", (-1.2, -1.2)),),
                ),
                Say(
                    "From (2.5, 2.5), beyond the plateau, Adagrad and Adam cross it and settle at the global minimum "
                    "and RMSProp and Adadelta keep moving around it, but Nesterov with lr 0.01 moves less than "
                    "0.001: the plateau is too flat there.",
                    lambda r: (
                        at_global("adagrad", "adam", within=0.01)(r)
                        and settled("adagrad", "adam")(r)
                        and all(_end(r, n)[2] and _end(r, n)[0] < 1.0 for n in ("rmsprop", "adadelta"))
                        and not_settled("rmsprop", "adadelta")(r)
                        and _moved(r, "nesterov") < 1e-3
                    ),
                    at=(("start", (2.5, 2.5)),),
                ),
            ),
            view=_article_view("bad_init"),
            controls=(Control("start", "Start", "start", _STARTS, _STARTS[0]),),
            observe=_bad_init_observe,
        ),
    ),
)


# --- Adagrad against RMSProp: shrinking steps and hedgehogs ------------------------------------------------

_ADAGRAD = ("adagrad", {"lr": 1.0, "eps": 1e-6})
_RMSPROP = ("rmsprop", {"lr": 0.25, "alpha": 0.9, "eps": 1e-6})


def _scale_y(r, key: str) -> np.ndarray:
    """The run's per-step multiplier for y (lr / √(average or sum of g²)), after each step."""
    return _tr(r, key).state["step_scale"][1:, 1]


def _late_y(r, key: str, after: int = 60) -> np.ndarray:
    return np.abs(_tr(r, key).update[after:-1, 1])


def _wall(r) -> float:
    """x of the first wall right of the origin on basins and walls (the highest f on y = 0 before the next basin)."""
    xs = np.linspace(0.0, 0.76, 7601)
    return float(xs[int(np.argmax(r.surface.value(xs, 0 * xs)))])


def _middle_from(r, key: str) -> int:
    """The step from which the run stays in the middle basin (between the walls either side of the origin)."""
    outside = np.flatnonzero(np.abs(_tr(r, key).path[:, 0]) > _wall(r))
    return int(outside[-1] + 1) if outside.size else 0


def _x_span(r, key: str) -> tuple[float, float]:
    """The lowest and highest x of the run's path after its first step."""
    x = _tr(r, key).path[1:, 0]
    return float(x.min()), float(x.max())


def _peak_y(r, key: str, after: int = 60) -> tuple[int, float]:
    """After step ``after``: the step where the path is furthest from the x-axis, and its y there."""
    y = _tr(r, key).path[after:, 1]
    k = int(np.argmax(np.abs(y)))
    return after + k, float(y[k])


def _hedgehog_observe(r) -> str:
    a = _tr(r, "rmsprop").hyperparameters["alpha"]
    y = _late_y(r, "rmsprop")
    med = float(np.median(y))
    k, yk = _peak_y(r, "rmsprop")
    spikes = (
        f"its largest y-jump is {y.max():.2f}, {y.max() / med:.1f} times the median ({med:.2f}), and the path "
        f"reaches furthest from the x-axis at step {k}, y = {yk:.2f}"
        if med >= 1e-3
        else (
            f"its y-jumps are all at most {_small(y.max())}" if y.max() >= 1e-4 else "its y-jumps all stay below 10⁻⁴"
        )
    )
    lo, hi = _x_span(r, "rmsprop")
    return re.sub(
        r"-(?=\d)",
        "−",
        f"With α = {a:g}, after its first step RMSProp's x goes from {lo:.1f} to {hi:.1f}, and it stays in the middle "
        f"basin from step {_middle_from(r, 'rmsprop')}. After step 60 {spikes}; its multiplier for y peaks at "
        f"{_scale_y(r, 'rmsprop').max():.2g}.",
    )


ADAGRAD_RMSPROP = Lesson(
    "adagrad_rmsprop",
    "Adagrad remembers, RMSProp forgets",
    "Adagrad's steps shrink for good; RMSProp's never do, and inside a trap they grow spikes (hedgehogs).",
    ARTICLE + "; Adagrad: Duchi, Hazan & Singer (2011); RMSProp: Tieleman & Hinton (2012)",
    (
        Step(
            "Shrinking against steady steps",
            (
                Say(
                    "Adagrad divides each step by the root of the sum of all squared gradients so far; the sum only "
                    "grows, so its steps can only shrink. RMSProp divides by the root of a running average "
                    "(α = 0.9) that forgets old gradients within about ten steps."
                ),
                Say(
                    "Adagrad's first step is 1.41 long and its last 10 steps average less than 0.1% of that: it "
                    "sits still in the trap from step 5.",
                    lambda r: (
                        _in(_lens(r, "adagrad")[0], 1.40, 1.42)
                        and _lens(r, "adagrad")[-10:].mean() < 1e-3 * _lens(r, "adagrad")[0]
                        and at_local("adagrad", within=0.01)(r)
                        and _in(_settle(r, "adagrad"), 3, 7)
                    ),
                ),
                Say(
                    "RMSProp's last 10 steps still average 0.35, a third of its first step (1.12). That is about "
                    "lr = 0.25 in each coordinate: a gradient divided by the root of its own recent average is "
                    "about ±1, whatever its size.",
                    lambda r: (
                        _in(_lens(r, "rmsprop")[-10:].mean(), 0.32, 0.38)
                        and _in(_lens(r, "rmsprop")[0], 1.1, 1.14)
                        and _in(_lens(r, "rmsprop")[-10:].mean() / _lens(r, "rmsprop")[0], 0.28, 0.36)
                        and bool(
                            np.all(np.abs(np.median(np.abs(_tr(r, "rmsprop").update[-11:-1]), axis=0) - 0.25) < 0.03)
                        )
                    ),
                ),
                Say(
                    "So RMSProp keeps hopping around the trap, 0.23 from its bottom at step 125, and never settles.",
                    lambda r: (
                        near_local("rmsprop", lo=0.19, hi=0.27)(r)
                        and not_settled("rmsprop")(r)
                        and last_step_at_least(0.2, "rmsprop")(r)
                    ),
                ),
            ),
            view=View(surface="hills_and_canyon", start=START, steps=125, runs=runs(_ADAGRAD, _RMSPROP)),
        ),
        Step(
            "Hedgehogs",
            (
                Say(
                    "The article calls RMSProp's paths hedgehogs: on the map the path is a line with sharp spikes "
                    "sticking out of it, like a hedgehog's quills. x and y each have their own average, so each can "
                    "spike on its own."
                ),
                Say(
                    "With α = 0.9, RMSProp is in the middle basin from step 4 on and hops left and right across the "
                    "origin, 0.25 per step in x, while y shrinks to almost zero (below 0.01 from step 25 to step 70).",
                    lambda r: (
                        _middle_from(r, "rmsprop") == 4
                        and abs(float(np.median(np.abs(_tr(r, "rmsprop").update[60:-1, 0]))) - 0.25) < 0.01
                        and np.abs(_tr(r, "rmsprop").path[25:71, 1]).max() < 0.01
                    ),
                ),
                Say(
                    "With almost no y-gradient to average, y's average fades and RMSProp's multiplier for y grows "
                    "from 0.32 after the first step to 10 at step 75. Then a tiny y-gradient becomes a spike: after "
                    "step 60 the y-jumps reach 0.77, six times their median (0.13). To see them, watch the origin "
                    "from step 75 on: the path shoots up and down there, as far as y = −0.52 at step 76.",
                    lambda r: (
                        _in(_scale_y(r, "rmsprop")[0], 0.3, 0.33)
                        and _in(_scale_y(r, "rmsprop").max(), 9.5, 11)
                        and _in(int(np.argmax(_scale_y(r, "rmsprop"))) + 1, 73, 77)
                        and _in(_late_y(r, "rmsprop").max(), 0.74, 0.8)
                        and _in(float(np.median(_late_y(r, "rmsprop"))), 0.12, 0.14)
                        and _in(_late_y(r, "rmsprop").max() / np.median(_late_y(r, "rmsprop")), 5.5, 6.5)
                        and _peak_y(r, "rmsprop")[0] == 76
                        and _in(_peak_y(r, "rmsprop")[1], -0.53, -0.51)
                        and int(np.flatnonzero(_late_y(r, "rmsprop") > 0.3)[0]) + 60 == 75
                    ),
                ),
                Say(
                    "Adagrad's sum never fades, so its multiplier for y only shrinks (0.40 at most) and after step 60 "
                    "its steps are all below 0.01: no spikes.",
                    lambda r: (
                        _in(_scale_y(r, "adagrad").max(), 0.39, 0.41)
                        and bool(np.all(np.diff(_scale_y(r, "adagrad")) <= 1e-12))
                        and _lens(r, "adagrad")[60:].max() < 0.01
                    ),
                ),
                Say(
                    "With α = 0.99 the average forgets ten times more slowly, and it starts at zero, so it fills "
                    "slowly too: the first steps are 2.5 in each coordinate, and RMSProp swings across the basins, "
                    "from x = −1.7 to x = 2.0, before it stays in the middle basin from step 35. But y does not "
                    "spike: after step 60 its y-jumps stay below 0.01.",
                    lambda r: (
                        bool(np.allclose(np.abs(_tr(r, "rmsprop").update[0]), 2.5, atol=0.01))
                        and _in(_x_span(r, "rmsprop")[0], -1.72, -1.65)
                        and _in(_x_span(r, "rmsprop")[1], 1.95, 2.05)
                        and _middle_from(r, "rmsprop") == 35
                        and _late_y(r, "rmsprop").max() < 0.01
                    ),
                    at=(("alpha", 0.99),),
                ),
            ),
            view=View(surface="basins_and_walls", start=START, steps=125, runs=runs(_RMSPROP, _ADAGRAD)),
            controls=(
                Control(
                    "alpha",
                    "RMSProp's α",
                    "hp:rmsprop:alpha",
                    (0.9, 0.99),
                    0.9,
                    help="The share of the old squared-gradient average kept each step.",
                ),
            ),
            observe=_hedgehog_observe,
        ),
    ),
)


# --- Adadelta: zero start against big start ----------------------------------------------------------------


def _adadelta(*acc0: float) -> View:
    keys = ["adadelta"] if len(acc0) == 1 else [f"adadelta#{i}" for i in range(1, len(acc0) + 1)]
    return View(
        surface="simple_quad",
        start=START,
        steps=125,
        runs=runs(*((k, {"lr": 1.0, "rho": 0.95, "eps": 1e-6, "initial_acc_delta": v}) for k, v in zip(keys, acc0))),
    )


def _start_name(tr) -> str:
    return "Zero start" if tr.hyperparameters["initial_acc_delta"] == 0 else "Big start"


def _bowl_answer(r) -> str:
    won = [_start_name(ln.traj) for ln in r.lines if ln.label in at_global_labels(r, within=0.01)]
    return won[0] if len(won) == 1 else ("Both" if won else "Neither")


def _bowl_why(r) -> str:
    return " ".join(
        f"{_start_name(ln.traj)}: first step {_num(_lens(r, ln.key)[0])}, last step {_num(_lens(r, ln.key)[-1])}, "
        f"ends {float(np.hypot(*ln.traj.final)):.3g} from the minimum."
        for ln in r.lines
    )


def _adadelta_observe(r) -> str:
    tr = _tr(r, "adadelta")
    h = tr.hyperparameters
    return (
        f"Remembered squared step at the start {h['initial_acc_delta']:g}, lr {h['lr']:g}: the first step is "
        f"{_num(_lens(r, 'adadelta')[0])} long, the last {_num(_lens(r, 'adadelta')[-1])}. "
        f"{_one_ending(r, 'adadelta')}"
    )


ADADELTA = Lesson(
    "adadelta_start",
    "Adadelta: zero start or big start",
    "Adadelta's step is set by its own past steps, so where that memory starts decides everything.",
    ARTICLE + "; Adadelta: Zeiler (2012)",
    (
        Step(
            "Place your bet",
            (
                Say(
                    "Adadelta's step is the slope times its memory of how big its past steps were, divided by its "
                    "memory of how steep the slope was. Before the first step there is nothing to remember, so that "
                    "memory has to start somewhere: at zero (the zero start) or large (the big start)."
                ),
                Say(
                    "The article's 1-D experiments try both; its big start is 50 for the average squared step, that "
                    "is a typical step of √50 ≈ 7.07. The map's legend calls this starting average "
                    "initial_acc_delta: 0 for the zero start, 50 for the big start.",
                    lambda r: (
                        abs(7.07 - np.sqrt(50)) < 0.005
                        and [ln.label for ln in r.lines]
                        == ["Adadelta · initial_acc_delta=0", "Adadelta · initial_acc_delta=50"]
                    ),
                ),
                Say(
                    "Both runs use the learning rate lr = 1, and ρ = 0.95, the share of its memory Adadelta keeps "
                    "each step, on a plain round bowl whose bottom is the big gold star."
                ),
            ),
            view=_adadelta(0.0, 50.0),
            bet=Bet(
                "Which start reaches the bottom of the bowl, the big gold star, within 125 steps?",
                ("Zero start", "Big start", "Both", "Neither"),
                _bowl_answer,
                _bowl_why,
            ),
        ),
        Step(
            "Too little, too much, and the fixes",
            (
                Say(
                    "With the zero start, its memory of past steps holds only the tiny number ε = 10⁻⁶ that Adadelta "
                    "adds so that its step is never exactly zero: the first step is 0.006 long, the steps stay that "
                    "small, and in 125 steps Adadelta covers 0.80 of the 3.75 to the minimum.",
                    lambda r: (
                        _in(_lens(r, "adadelta")[0], 0.0055, 0.0070)
                        and _lens(r, "adadelta").max() < 0.01
                        and _in(_moved(r, "adadelta"), 0.75, 0.85)
                        and _in(float(np.hypot(*START)), 3.7, 3.8)
                    ),
                ),
                Say(
                    "With the big start (50) the first step is 45 long, far off the map. Its memory of big steps "
                    "keeps them big: it ends jumping back and forth across the bowl, 14.8 on either side of the "
                    "minimum, in steps of 29.5 that no longer shrink.",
                    lambda r: (
                        _in(_lens(r, "adadelta")[0], 44, 46)
                        and _in(_lens(r, "adadelta")[-20:].min(), 29, 30)
                        and _in(_lens(r, "adadelta")[-20:].max(), 29, 30)
                        and _in(float(np.hypot(*_tr(r, "adadelta").final)), 14.5, 15.0)
                    ),
                    at=(("acc0", 50.0),),
                ),
                Say(
                    "Starting the remembered squared step at 0.01 (a typical step of 0.1) gives a first step of "
                    "0.63, and Adadelta settles at the minimum from step 21.",
                    lambda r: (
                        _in(_lens(r, "adadelta")[0], 0.62, 0.64)
                        and at_global("adadelta", within=0.01)(r)
                        and _in(_settle(r, "adadelta"), 19, 23)
                    ),
                    at=(("acc0", 0.01),),
                ),
                Say(
                    "The article's 2-D runs keep the zero start and use lr = 100 instead: Adadelta multiplies each "
                    "step by lr, "
                    "so the first step is again 0.63, and Adadelta settles from step 20.",
                    lambda r: (
                        _in(_lens(r, "adadelta")[0], 0.62, 0.64)
                        and at_global("adadelta", within=0.01)(r)
                        and _in(_settle(r, "adadelta"), 18, 22)
                    ),
                    at=(("acc0", 0.0), ("lr", 100.0)),
                ),
            ),
            view=_adadelta(0.0),
            controls=(
                Control(
                    "acc0",
                    "Remembered squared step at the start",
                    "hp:adadelta:initial_acc_delta",
                    (0.0, 0.01, 0.25, 50.0),
                    0.0,
                    help="The average squared step Adadelta takes its past steps to have had before it has taken any "
                    "(the legend's initial_acc_delta). 50 is the article's big start: a typical step of √50 ≈ 7.07.",
                ),
                Control("lr", "Learning rate", "hp:adadelta:lr", (1.0, 100.0), 1.0),
            ),
            observe=_adadelta_observe,
        ),
    ),
)


# --- the 1-D gradient responses ---------------------------------------------------------------------------


def _ups(r) -> np.ndarray:
    """The updates as (len(values), n) (``evaluate`` stacks one (1, n) row per value)."""
    return np.asarray(r.updates).reshape(len(r.values), -1)


def _row(r, value: float) -> np.ndarray:
    """The updates made with this value of the swept parameter."""
    return _ups(r)[r.values.index(value)]


RESPONSES = Lesson(
    "gradient_response",
    "One gradient signal, three replies",
    "Feed a made-up gradient to momentum, Adagrad and RMSProp and watch the size of each update.",
    ARTICLE + " (its 1-D gradient-response experiments)",
    (
        Step(
            "Momentum adds up",
            (
                Say(
                    "This chart feeds a made-up gradient, 300 steps long, to one optimizer and plots the update it "
                    "makes at each step. Here the gradient is 1 for 40 steps, then 0 for 40 steps, over and over. "
                    "A plain step would be lr × gradient = 0.25."
                ),
                Say(
                    "Momentum adds up its past steps: with γ = 0.9 its update grows to 2.46, ten times a single "
                    "step (the limit is 0.25 / (1 − γ) = 2.5).",
                    lambda r: _in(_row(r, 0.9).max(), 2.44, 2.48),
                ),
                Say(
                    "With γ = 0.975 it reaches 7.3, 29 times a single step, and even while the gradient is zero its "
                    "update never drops below 0.25.",
                    lambda r: _in(_row(r, 0.975).max(), 7.25, 7.4) and _row(r, 0.975).min() >= 0.249,
                ),
                Say(
                    "With γ = 0.25 it never exceeds 0.33 and stops within 10 steps once the gradient stops.",
                    lambda r: _row(r, 0.25).max() <= 0.334 and abs(_row(r, 0.25)[50]) < 1e-3,
                ),
            ),
            response=Response("momentum", "saturation", METHODS["momentum"].values),
        ),
        Step(
            "Adagrad's replies fade",
            (
                Say(
                    "Now the gradient is a square wave: +1 for 20 steps, −1 for 20 steps. Adagrad (lr 2.5) divides by "
                    "the root of the sum of every squared gradient so far; each line is one ε, the small number "
                    "the article's formula adds under the root (PyTorch adds it after the root)."
                ),
                Say(
                    "The sum only grows, so each switch of the wave gets a smaller reply: with ε = 10⁻⁷ the update is "
                    "2.5 at step 0, 0.39 at step 40 and 0.15 at step 280, 6% of the first.",
                    lambda r: (
                        _in(_row(r, 1e-7)[0], 2.49, 2.51)
                        and _in(_row(r, 1e-7)[40], 0.38, 0.40)
                        and _in(_row(r, 1e-7)[280], 0.14, 0.16)
                        and _in(_row(r, 1e-7)[280] / _row(r, 1e-7)[0], 0.055, 0.065)
                    ),
                ),
                Say(
                    "After t steps of ±1 the sum is t, so the update is lr/√t: it keeps falling toward zero, slowly.",
                    lambda r: abs(_row(r, 1e-7)[280] - 2.5 / np.sqrt(281)) < 0.01 * _row(r, 1e-7)[280],
                ),
                Say(
                    "ε = 10 only softens the start (0.75 instead of 2.5): by step 280 all three are within 0.01 of "
                    "each other.",
                    lambda r: _in(_row(r, 10.0)[0], 0.74, 0.76) and np.ptp(_ups(r)[:, 280]) < 0.01,
                ),
            ),
            response=Response("adagrad", "rectangles", METHODS["adagrad"].values),
        ),
        Step(
            "RMSProp's replies settle",
            (
                Say(
                    "The same square wave to RMSProp (lr 0.25), which divides by the root of a running average of "
                    "squared gradients that forgets; each line is one γ, the share of the old average kept each step."
                ),
                Say(
                    "Its updates settle at a level instead of fading: from step 100 on, every γ's update is "
                    "0.25 ± 0.01 in size, the learning rate, on both halves of the wave.",
                    lambda r: bool(np.all(np.abs(np.abs(_ups(r)[:, 100:]) - 0.25) <= 0.0105)),
                ),
                Say(
                    "A square wave's g² is always 1, so the average is 1 and the update is lr × g. Only the first "
                    "update is bigger, lr/√(1 − γ): 0.79 for γ = 0.9, 1.58 for γ = 0.975.",
                    lambda r: _in(_row(r, 0.9)[0], 0.78, 0.80) and _in(_row(r, 0.975)[0], 1.57, 1.59),
                ),
            ),
            response=Response("rmsprop", "rectangles", METHODS["rmsprop"].values),
        ),
    ),
)

LESSONS: tuple[Lesson, ...] = (
    HILLS,
    MOMENTUM,
    NESTEROV_GAMMA,
    GIANT_PLATEAU,
    BAD_INIT,
    ADAGRAD_RMSPROP,
    ADADELTA,
    RESPONSES,
)
__all__ = ["LESSONS", "_near"]
