"""Lessons from the reference article (``../shared/ARTICLE.md``): its surfaces, its settings
(start (−2.8, −2.5), 125 steps, the Lasagne hyperparameters written in torch's names) and its
findings, each sentence checked by ``tests/test_lessons_article.py``."""

from __future__ import annotations

from viz.lessons import Bet, Lesson, Say, Step, at_global_labels, endings_text, runs
from viz.presets import ARTICLE_RUNS, _near, at_global, at_local, last_step_at_least, near_local, not_settled, settled
from viz.state import View

ARTICLE = "The reference article (Lasagne optimizers on 2-D surfaces), ../shared/ARTICLE.md"


def _article_view(surface: str, steps: int = 125) -> View:
    return View(surface=surface, start=(-2.8, -2.5), steps=steps, runs=runs(*ARTICLE_RUNS))


def _only(result) -> str:
    won = at_global_labels(result, within=0.05)
    return won[0] if len(won) == 1 else ("None of them" if not won else "Several")


HILLS = Lesson(
    "hills_and_canyon",
    "Hills and canyon: only Adam escapes",
    "Five optimizers from one start; a local minimum waits beside the canyon.",
    ARTICLE,
    (
        Step(
            "Place your bet",
            (
                Say(
                    "Five optimizers start from the white diamond with the article's settings. The canyon runs "
                    "diagonally; a local minimum sits beside it, the global minimum further on."
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

LESSONS: tuple[Lesson, ...] = (HILLS,)
__all__ = ["LESSONS", "_near"]
