"""Built-in views: the reference article's experiments, each with what to notice.

Settings are the article's (start (-2.8, -2.5), 125 steps) with its Lasagne
hyperparameters written in torch's names (see ``tests/test_article.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from viz.state import Run, View

ARTICLE_RUNS = (
    ("nesterov", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.25, "alpha": 0.9, "eps": 1e-6}),
    ("adadelta", {"lr": 100.0, "rho": 0.95, "eps": 1e-6}),
    ("adagrad", {"lr": 1.0, "eps": 1e-6}),
    ("adam", {"lr": 0.25}),
)
# Settings the sweep pages start from: the article's where it has them, and learning rates
# that move within a few hundred steps for the rest (torch's defaults, lr 1e-3, barely move
# on these surfaces). Every control shows the value and the torch default is one click away.
TEACHING_SETTINGS: dict[str, dict[str, float]] = {
    "sgd": {"lr": 0.05},
    "momentum": {"lr": 0.01, "momentum": 0.9},
    **dict(ARTICLE_RUNS),
    "adamw": {"lr": 0.25},
    "adamax": {"lr": 0.25},
    "nadam": {"lr": 0.25},
    "radam": {"lr": 0.25},
    "lion": {"lr": 0.025},
    "adabelief": {"lr": 0.25},
    "smoothed_nesterov": {"lr": 0.01, "momentum": 0.9},
}


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    caption: str
    surface: str
    runs: tuple
    steps: int = 125
    start: tuple[float, float] = (-2.8, -2.5)

    def view(self) -> View:
        return View(
            surface=self.surface,
            start=self.start,
            steps=self.steps,
            runs=[Run(k, dict(h)) for k, h in self.runs],
        )


def _article(surface: str, title: str, caption: str) -> Preset:
    return Preset(f"article_{surface}", title, caption, surface, ARTICLE_RUNS)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _article(
            "wobbly",
            "Article: wobbly",
            "All five methods converge with little tuning. Adam and RMSProp take big first steps "
            "because their denominators start at zero.",
        ),
        _article(
            "basins_and_walls",
            "Article: basins and walls",
            "Walls between parallel basins: watch which methods climb a wall and which settle in the first basin.",
        ),
        _article(
            "giant_plateau",
            "Article: giant plateau",
            "The gradient at the start is ~1e-5: Nesterov with lr 0.01 barely moves, "
            "while the adaptive methods rescale it and cross the plateau.",
        ),
        _article(
            "hills_and_canyon",
            "Article: hills and canyon",
            "Only Adam escapes to the global minimum. Nesterov circles and fades in the trap; RMSProp draws "
            "'hedgehogs' (spiky jumps as its squared-gradient average shrinks); Adagrad's steps only shrink.",
        ),
        _article(
            "bad_init",
            "Article: bad init",
            "Every method settles in the shallow minimum near (-2.5, -2.5): the global one at the origin, "
            "across a flat plateau, is never found.",
        ),
        Preset(
            "nesterov_gamma",
            "Article: Nesterov γ sweep",
            "Small γ behaves like plain gradient descent; large γ wanders — enough, at 0.975, "
            "to carry it out of the trap and over to the global minimum.",
            "hills_and_canyon",
            tuple((f"nesterov#{i}", {"lr": 0.01, "momentum": m}) for i, m in ((1, 0.25), (2, 0.9), (3, 0.975))),
            steps=250,
        ),
    )
}
