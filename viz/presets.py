"""Built-in views: the reference article's experiments, each with what to notice.

Settings are the article's (start (-2.8, -2.5), 125 steps) with its Lasagne
hyperparameters written in torch's names (see ``tests/test_article.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

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
    "asgd": {"lr": 0.05},
    "adafactor": {"lr": 0.05},
    "prodigy": {"lr": 0.1},
    "sgd_schedulefree": {"lr": 0.05},
    "adamw_schedulefree": {"lr": 0.25},
}


# --- claims: every sentence a preset says is checked against its own results -------------------


def _line(result, name: str):
    return next(ln for ln in result.lines if ln.traj.optimizer == name or ln.label == name)


def _near(result, name: str):
    """(distance, value, kind, is_global) of the minimum nearest to the run's end point."""
    ln = _line(result, name)
    d, v, kind = result.minima.nearest(*ln.traj.final)
    return d, v, kind, result.minima.is_global(v)


def at_global(*names: str, within: float = 0.05) -> Callable:
    return lambda r: all(_near(r, n)[3] and _near(r, n)[0] <= within for n in names)


def at_local(*names: str, within: float = 0.05) -> Callable:
    return lambda r: all(not _near(r, n)[3] and _near(r, n)[0] <= within for n in names)


def near_local(*names: str, lo: float, hi: float) -> Callable:
    return lambda r: all(not _near(r, n)[3] and lo <= _near(r, n)[0] <= hi for n in names)


def near_global(*names: str, lo: float, hi: float) -> Callable:
    return lambda r: all(_near(r, n)[3] and lo <= _near(r, n)[0] <= hi for n in names)


def settled(*names: str) -> Callable:
    from viz.playground import settled_step

    return lambda r: all(settled_step(_line(r, n).traj.loss, _near(r, n)[1]) is not None for n in names)


def not_settled(*names: str) -> Callable:
    from viz.playground import settled_step

    return lambda r: all(settled_step(_line(r, n).traj.loss, _near(r, n)[1]) is None for n in names)


def last_step_at_least(size: float, *names: str) -> Callable:
    return lambda r: all(float(np.hypot(*_line(r, n).traj.update[-2])) >= size for n in names)


def reached_within(*names: str, point: tuple[float, float], dist: float, steps: int) -> Callable:
    """Each run comes within ``dist`` of ``point`` at some step ≤ ``steps``."""
    return lambda r: all(
        bool(np.any(np.hypot(*(_line(r, n).traj.path[: steps + 1] - np.asarray(point)).T) < dist)) for n in names
    )


def ends_near(*names: str, point: tuple[float, float], within: float) -> Callable:
    """Each run's end point is within ``within`` of ``point``."""
    return lambda r: all(float(np.hypot(*(_line(r, n).traj.final - np.asarray(point)))) <= within for n in names)


def moved_at_most(dist: float, *names: str) -> Callable:
    return lambda r: all(float(np.hypot(*(_line(r, n).traj.final - _line(r, n).traj.path[0]))) <= dist for n in names)


def first_step_per_coordinate(name: str, size: float) -> Callable:
    """The run's first update is ``size`` in each coordinate (to 1%)."""
    return lambda r: bool(np.allclose(np.abs(_line(r, name).traj.update[0]), size, rtol=0.01))


def gradient_at_start_below(g: float) -> Callable:
    return lambda r: float(np.hypot(*r.lines[0].traj.grad[0])) < g


def first_steps_ranked(*names: str) -> Callable:
    """The runs' first steps |Δθ₀| are in this order, largest first, and larger than every other run's."""

    def check(r) -> bool:
        first = {ln.traj.optimizer: float(np.hypot(*ln.traj.update[0])) for ln in r.lines}
        ranked = [first[n] for n in names]
        others = [v for k, v in first.items() if k not in names]
        return ranked == sorted(ranked, reverse=True) and min(ranked) > max(others, default=0.0)

    return check


def all_end_far_from_global(dist: float) -> Callable:
    """No run ends nearest to a global minimum, and each ends at least ``dist`` from every one."""

    def check(r) -> bool:
        glob = [np.array(p) for p, v in zip(r.minima.points, r.minima.values, strict=True) if r.minima.is_global(v)]
        return all(
            not _near(r, ln.label)[3] and min(np.hypot(*(ln.traj.final - g)) for g in glob) >= dist for ln in r.lines
        )

    return check


def settled_later(a: str, b: str) -> Callable:
    """Run ``a`` settles, and later than run ``b``."""
    from viz.playground import settled_step

    def check(r) -> bool:
        sa = settled_step(_line(r, a).traj.loss, _near(r, a)[1])
        sb = settled_step(_line(r, b).traj.loss, _near(r, b)[1])
        return sa is not None and sb is not None and sa > sb

    return check


def _why(r, *shown: str):
    """The "see why" pieces for a result (its runs share one start and length)."""
    from viz.why import compute_why

    tr = r.lines[0].traj
    return compute_why(r.surface, r.lines, tuple(tr.path[0]), tr.steps, shown)


def _edge(r, name: str) -> dict:
    import optimizers
    from viz.why import edge_of_stability

    return edge_of_stability(optimizers.sharpness(_line(r, name).traj))


def _gaps(r, name: str) -> tuple[float, float]:
    """The largest distance of run ``name`` from the gradient flow and from its modified flow."""
    for ln, mod, plain in _why(r, "flow").modified:
        if ln.label == name or ln.key == name:
            p = ln.traj.path
            return float(np.max(np.hypot(*(p - plain.path).T))), float(np.max(np.hypot(*(p - mod.path).T)))
    raise KeyError(name)


def _quadratic_at_start(r):
    from viz.why import local_quadratic

    return local_quadratic(r.surface, r.lines[0].traj.path[0])


def _crosses_at_saddle(r, barrier: float, straight: float, near: tuple[float, float]) -> bool:
    """The path between the preset's two minima crosses at the critical saddle nearest ``near``
    (its highest point on it, to 10⁻⁴, and it within 0.01 of ``near``), with the barrier heights the text gives
    (rounded to whole numbers)."""
    from viz.why import compute_why, path_text

    tr = r.lines[0].traj
    w = compute_why(r.surface, r.lines, tuple(tr.path[0]), tr.steps, ("critical", "path"), ends=(1, 2))
    sad = min(((c.x, c.y) for c in w.critical if c.kind == "saddle"), key=lambda p: math.dist(p, near))
    return (
        w.path is not None
        and math.dist(sad, near) < 0.01
        and math.dist(w.path.saddle, sad) < 1e-4
        and round(w.path.barrier) == barrier
        and round(w.path.straight_barrier) == straight
        and float(np.min(np.hypot(*(w.path.path - (3.0, 2.0)).T))) < 0.05  # by way of the minimum at (3, 2)
        and "crosses 2 saddles and passes 1 other minimum" in path_text(w.path)
    )


def _newton_jumps_into_the_saddle(r) -> bool:
    q = _quadratic_at_start(r)
    return (
        q is not None
        and float(np.hypot(*q.centre)) < 1e-9
        and float(np.hypot(*_line(r, "newton").traj.final)) < 1e-9
        and abs(_line(r, "sgd").traj.final[1]) > 1.0
    )


def _first_rise(loss: np.ndarray) -> int:
    """The first step whose loss is above the step before (len(loss) if it never rises)."""
    up = np.flatnonzero(np.diff(loss) > 0)
    return int(up[0]) + 1 if up.size else len(loss)


def _rounds_to(value: float, shown: float) -> bool:
    """``value`` is what the text says, to the digits it shows (2 significant)."""
    return float(f"{value:.2g}") == shown


def _valley(*runs: tuple) -> dict:
    """The edge-of-stability views: Rosenbrock's valley from (0, 0), 3000 steps, the curvature shown."""
    return {"surface": "rosenbrock", "runs": runs, "steps": 3000, "start": (0.0, 0.0), "why": ("curvature",),
            "group": "why"}  # fmt: skip


Claim = tuple[str, Callable]


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    claims: tuple[Claim, ...]
    surface: str
    runs: tuple
    steps: int = 125
    start: tuple[float, float] = (-2.8, -2.5)
    why: tuple[str, ...] = ()  # the "see why" overlays it shows
    group: str = "article"  # the row of buttons it sits in
    step: int | None = None  # the inspected step (None: the last)
    ends: tuple[int, int] | None = None  # the path's two minima (from 0, as ``View.ends``)

    @property
    def caption(self) -> str:
        """What to notice: the claims' sentences, each checked by ``tests/test_presets.py``."""
        return " ".join(text for text, _ in self.claims)

    def check(self, result) -> list[str]:
        """The sentences that this preset's own results do not support (empty when all hold)."""
        return [text for text, ok in self.claims if not ok(result)]

    def view(self) -> View:
        return View(
            surface=self.surface,
            start=self.start,
            steps=self.steps,
            runs=[Run(k, dict(h)) for k, h in self.runs],
            why=self.why,
            step=self.step,
            ends=self.ends,
        )


def _article(surface: str, title: str, claims: tuple[Claim, ...]) -> Preset:
    return Preset(f"article_{surface}", title, claims, surface, ARTICLE_RUNS)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _article(
            "wobbly",
            "Article: wobbly",
            (
                (
                    "Nesterov, Adagrad and Adam settle at the global minimum within the 125 steps.",
                    lambda r: (
                        at_global("nesterov", "adagrad", "adam", within=0.01)(r)
                        and settled("nesterov", "adagrad", "adam")(r)
                    ),
                ),
                (
                    "RMSProp and Adadelta reach its basin but keep hopping around it: at a constant learning rate their "
                    "steps do not shrink.",
                    lambda r: (
                        near_global("rmsprop", "adadelta", lo=0.05, hi=1.0)(r)
                        and not_settled("rmsprop", "adadelta")(r)
                        and last_step_at_least(0.05, "rmsprop", "adadelta")(r)
                    ),
                ),
                (
                    "Adagrad and RMSProp take the biggest first steps: their denominators start at zero, so the first "
                    "step is set by the learning rate, not by the gradient (Adagrad: lr per coordinate; RMSProp: "
                    "lr/√(1−α) ≈ 3.2·lr).",
                    lambda r: (
                        first_steps_ranked("adagrad", "rmsprop")(r)
                        and first_step_per_coordinate("adagrad", 1.0)(r)
                        and first_step_per_coordinate("rmsprop", 0.25 / np.sqrt(1 - 0.9))(r)
                    ),
                ),
            ),
        ),
        _article(
            "basins_and_walls",
            "Article: basins and walls",
            (
                (
                    "Nesterov and Adam settle in the side basin next to the global one, at x ≈ −0.76.",
                    lambda r: (
                        at_local("nesterov", "adam", within=0.01)(r)
                        and settled("nesterov", "adam")(r)
                        and ends_near("nesterov", "adam", point=(-0.76, 0.0), within=0.01)(r)
                    ),
                ),
                (
                    "Adagrad crosses the walls to the global minimum at the origin.",
                    lambda r: at_global("adagrad", within=0.01)(r),
                ),
                (
                    "RMSProp and Adadelta come within 0.5 of the origin in their first 10 steps but never settle: "
                    "they keep hopping between the walls to the end, still with steps of 0.3 or more.",
                    lambda r: (
                        reached_within("rmsprop", "adadelta", point=(0.0, 0.0), dist=0.5, steps=10)(r)
                        and not_settled("rmsprop", "adadelta")(r)
                        and last_step_at_least(0.3, "rmsprop", "adadelta")(r)
                    ),
                ),
            ),
        ),
        _article(
            "giant_plateau",
            "Article: giant plateau",
            (
                (
                    "The gradient at the start is ~2e-5: Nesterov with lr 0.01 does not move (less than 0.001 in 125 steps).",
                    lambda r: gradient_at_start_below(1e-4)(r) and moved_at_most(1e-3, "nesterov")(r),
                ),
                (
                    "The adaptive methods rescale the tiny gradient and cross the plateau to the minimum's well; "
                    "Adagrad and Adam reach the minimum.",
                    lambda r: (
                        near_global("rmsprop", "adadelta", lo=0.0, hi=0.6)(r)
                        and at_global("adagrad", "adam", within=0.01)(r)
                    ),
                ),
            ),
        ),
        _article(
            "hills_and_canyon",
            "Article: hills and canyon",
            (
                (
                    "Only Adam escapes the trap and reaches the global minimum.",
                    lambda r: (
                        at_global("adam", within=0.01)(r)
                        and all(not _near(r, n)[3] for n in ("nesterov", "rmsprop", "adadelta", "adagrad"))
                    ),
                ),
                (
                    "Nesterov and Adagrad settle in the local minimum;",
                    lambda r: at_local("nesterov", "adagrad", within=0.01)(r) and settled("nesterov", "adagrad")(r),
                ),
                (
                    "RMSProp and Adadelta keep jumping about 0.2 from it, their steps never shrinking.",
                    lambda r: (
                        near_local("rmsprop", "adadelta", lo=0.1, hi=0.4)(r)
                        and not_settled("rmsprop", "adadelta")(r)
                        and last_step_at_least(0.05, "rmsprop", "adadelta")(r)
                    ),
                ),
            ),
        ),
        _article(
            "bad_init",
            "Article: bad init",
            (
                (
                    "Every method ends in the shallow minimum's basin near (−2.5, −2.5) — Nesterov, Adagrad and Adam at it, "
                    "RMSProp and Adadelta hopping around it.",
                    lambda r: (
                        at_local("nesterov", "adagrad", "adam", within=0.01)(r)
                        and near_local("rmsprop", "adadelta", lo=0.05, hi=0.6)(r)
                    ),
                ),
                (
                    "The global minimum at the origin, across a flat plateau, is never found.",
                    all_end_far_from_global(2.0),
                ),
            ),
        ),
        Preset(
            "nesterov_gamma",
            "Article: Nesterov γ sweep",
            (
                (
                    "With γ = 0.25 and γ = 0.9 Nesterov ends in the trap; γ = 0.25 creeps in and settles later than "
                    "γ = 0.9.",
                    lambda r: (
                        near_local("Nesterov · γ=0.25", "Nesterov · γ=0.9", lo=0.0, hi=0.05)(r)
                        and settled_later("Nesterov · γ=0.25", "Nesterov · γ=0.9")(r)
                    ),
                ),
                (
                    "With γ = 0.975 it wanders far enough to leave the trap and ends in the global minimum's basin.",
                    near_global("Nesterov · γ=0.975", lo=0.0, hi=0.1),
                ),
            ),
            "hills_and_canyon",
            tuple((f"nesterov#{i}", {"lr": 0.01, "momentum": m}) for i, m in ((1, 0.25), (2, 0.9), (3, 0.975))),
            steps=250,
        ),
        Preset(
            "why_edge_of_stability",
            "Edge of stability",
            (
                (
                    "Toward its minimum the Rosenbrock valley gets sharper. Gradient descent at lr 0.003 follows it "
                    "until the sharpness λmax(H) crosses 2/lr ≈ 667, near step 500, and keeps sharpening past it "
                    "until the iterates start to bounce across the valley, near step 700, where the loss first goes "
                    "up. From then on it stays at that edge: over the second half of the run it averages within 1% "
                    "of 2/lr while the loss goes up and down.",
                    lambda r: (
                        450 <= (_edge(r, "SGD · lr=0.003")["first_above"] or 0) <= 550
                        and 650 <= _first_rise(_line(r, "SGD · lr=0.003").traj.loss) <= 800
                        and abs(_edge(r, "SGD · lr=0.003")["late_mean"] - 1) < 0.01
                        and bool(np.any(np.diff(_line(r, "SGD · lr=0.003").traj.loss[1500:]) > 0))
                    ),
                ),
                (
                    "At lr 0.001 the limit is 2/lr = 2000: the sharpness stays below it and the loss falls at every "
                    "step.",
                    lambda r: (
                        _edge(r, "SGD · lr=0.001")["first_above"] is None
                        and bool(np.all(np.diff(_line(r, "SGD · lr=0.001").traj.loss) <= 0))
                    ),
                ),
                (
                    "Here the edge stalls the larger step: over its last 1000 steps the loss at lr 0.003 never gets "
                    "below 0.25, while lr 0.001 ends at 0.012.",
                    lambda r: (
                        float(np.min(_line(r, "SGD · lr=0.003").traj.loss[2000:])) >= 0.25
                        and _rounds_to(_line(r, "SGD · lr=0.001").traj.loss[-1], 0.012)
                    ),
                ),
            ),
            **_valley(("sgd", {"lr": 0.003}), ("sgd#2", {"lr": 0.001})),
        ),
        Preset(
            "why_adam_edge",
            "Adam's edge of stability",
            (
                (
                    "Adam has its own limit: with its denominator P = √v̂ + ε, the preconditioned sharpness "
                    "λmax(P⁻¹H) must stay below 38/lr (Cohen et al. 2022). On the same valley it settles just under "
                    "that limit at both learning rates: over the second half it averages between 0.9 and 0.96 of it, "
                    "and never goes above 1.07×.",
                    lambda r: all(
                        0.9 <= _edge(r, n)["late_mean"] <= 0.96 and _edge(r, n)["late_max"] <= 1.07
                        for n in ("Adam · lr=0.003", "Adam · lr=0.03")
                    ),
                ),
                (
                    "Unlike gradient descent at its edge, both get to the bottom of the valley (each reaches a loss "
                    "below 10⁻¹⁰), but the edge keeps throwing them back up: over the second half their loss swings "
                    "by more than a factor of 10⁸.",
                    lambda r: all(
                        float(np.min(ln.traj.loss)) < 1e-10
                        and float(np.max(ln.traj.loss[1500:]) / np.min(ln.traj.loss[1500:])) > 1e8
                        for ln in r.lines
                    ),
                ),
            ),
            **_valley(("adam", {"lr": 0.003}), ("adam#2", {"lr": 0.03})),
        ),
        Preset(
            "why_flow",
            "Gradient flow",
            (
                (
                    "Small steps keep pace with the continuous gradient flow; larger ones fall out of step. Compared "
                    "at equal times (step k against the flow at t = k·lr), gradient descent at lr 0.02 is never more "
                    "than 0.2 from the flow, at lr 0.1 up to 0.95, though on the map both paths look alike.",
                    lambda r: (
                        _rounds_to(_gaps(r, "SGD · lr=0.02")[0], 0.2) and _rounds_to(_gaps(r, "SGD · lr=0.1")[0], 0.95)
                    ),
                ),
                (
                    "The modified flow, the flow of f + (lr/4)‖∇f‖², stays closer to each run: at most 0.012 away at "
                    "lr 0.02 and 0.41 at lr 0.1.",
                    lambda r: (
                        _rounds_to(_gaps(r, "SGD · lr=0.02")[1], 0.012)
                        and _rounds_to(_gaps(r, "SGD · lr=0.1")[1], 0.41)
                    ),
                ),
            ),
            "wobbly",
            (("sgd", {"lr": 0.02}), ("sgd#2", {"lr": 0.1})),
            steps=100,
            why=("flow",),
            group="why",
        ),
        Preset(
            "why_two_minima",
            "Between two minima",
            (
                (
                    "Himmelblau's surface has nine critical points in view: four minima, four saddles and one maximum.",
                    lambda r: (
                        sorted(c.kind for c in _why(r, "critical").critical)
                        == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
                    ),
                ),
                (
                    "The lowest path from the minimum at (3.58, −1.85) to the one at (−2.81, 3.13) goes by way of "
                    "the minimum at (3, 2), over two saddles; the higher one, near (0.09, 2.88), is 68 above the "
                    "minima. The straight segment between them climbs 143, over the hill in the middle.",
                    lambda r: _crosses_at_saddle(r, barrier=68, straight=143, near=(0.09, 2.88)),
                ),
            ),
            "himmelblau",
            (("adam", {"lr": 0.1}),),
            steps=150,
            start=(0.0, 0.0),
            why=("critical", "path"),
            group="why",
            ends=(1, 2),
        ),
        Preset(
            "why_newton_saddle",
            "Newton at a saddle",
            (
                (
                    "At the start the local quadratic is a hyperbola: the surface curves up along x and down along y.",
                    lambda r: getattr(_quadratic_at_start(r), "kind", None) == "hyperbola",
                ),
                (
                    "The Newton step goes to the model's stationary point, the saddle at (0, 0): Newton's method jumps "
                    "there in one step and stays, while gradient descent slides off it along y.",
                    _newton_jumps_into_the_saddle,
                ),
            ),
            "saddle",
            (("newton", {}), ("sgd", {"lr": 0.1})),
            steps=50,
            start=(-2.8, 0.05),
            why=("critical", "quadratic"),
            group="why",
            step=0,
        ),
    )
}


def _canonical(view: View) -> tuple:
    """What makes two views the same experiment: everything but the inspected step, with every
    hyperparameter spelled out (a value equal to torch's default is the same setting left out)."""
    import optimizers

    runs = tuple(
        (r.key, tuple(sorted({**optimizers.defaults(r.optimizer), **r.hyper}.items())), repr(r.then)) for r in view.runs
    )
    same = {"schedule": "constant"} | {k: h.default for k, h in optimizers.COMMON_OPTIONS.items()}
    common = tuple(sorted((k, v) for k, v in view.common.items() if v is not None and v != same.get(k)))
    start = tuple(round(float(c), 9) for c in view.start)
    # the overlays shown change no result: a preset with one more toggle is still that preset
    return view.surface, start, view.steps, runs, common, view.weight_decay, view.bounds, view.ends


def matching(view: View) -> str | None:
    """The preset this view is (its step aside), so its sentences still apply; None otherwise."""
    key = _canonical(view)
    return next((name for name, p in PRESETS.items() if _canonical(p.view()) == key), None)
