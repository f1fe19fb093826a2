"""The built-in surfaces: each one's formula is its single source of truth.

Gradients, Hessians, LaTeX and the list of minima are all derived from ``formula`` by
``tools/gen_landscapes.py`` (SymPy), which writes ``landscapes/_generated.py``; a test
checks that the generated file is in sync with this catalog. Formulas use SymPy syntax
with exact rationals (``1/10``, not ``0.1``) so the derivation is exact.

The article's seven surfaces are copied from its code (``shared/seeds/001_…``,
``O_wobbly`` etc.); the classic ones follow Surjanovic & Bingham's Virtual Library of
Simulation Experiments and SciPy's global-optimisation benchmark set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

ARTICLE_START = (-2.8, -2.5)
ARTICLE_BOUNDS = ((-3.0, 3.0), (-3.0, 3.0))


@dataclass(frozen=True)
class SurfaceDef:
    """Declaration of one surface before derivation.

    Attributes
    ----------
    name : str
        Registry key.
    formula : str
        f(x, y) in SymPy syntax with exact constants.
    description : str
        One line for the UI: what the surface teaches.
    bounds : tuple
        Default view ``((xmin, xmax), (ymin, ymax))``.
    start : tuple
        Default start point.
    minima_hint : tuple
        Known minimisers to refine (used where a grid search would miss or overflow,
        e.g. Himmelblau's four or the hyperbola of ``two_neuron``); empty = search.
    max_minima : int
        How many minima to list at most (global first, then lowest local ones).
    article : bool
        One of the reference article's surfaces.
    """

    name: str
    formula: str
    description: str
    bounds: tuple = ARTICLE_BOUNDS
    start: tuple = ARTICLE_START
    minima_hint: tuple = field(default_factory=tuple)
    max_minima: int = 9
    article: bool = False


SURFACES: tuple[SurfaceDef, ...] = (
    SurfaceDef(
        "simple_quad",
        "x**2 + y**2",
        "A round bowl with one minimum at the origin: the baseline to compare step sizes.",
        article=True,
    ),
    SurfaceDef(
        "wobbly",
        "(x**2 + y**2)/3 + Abs(x)*sqrt(Abs(x) + 1/10) + 3*sin(x + y) + 3 + 8*exp(-2*((x + 1)**2 + (y + 2)**2))",
        "A bowl with a sine ripple, a kink along x = 0 and a bump beside the start: one minimum in view, and "
        "ridges that bend every path.",
        article=True,
    ),
    SurfaceDef(
        "basins_and_walls",
        "(x**2 + y**2)/2 + sin(4*x)**2",
        "Parallel basins separated by walls: seven minima in view, the global one at the origin; where a run "
        "stops depends on how far its steps carry it.",
        article=True,
    ),
    SurfaceDef(
        "ripple",
        "(x**2 + y**2)/3 + (sin(20*x)**2 + sin(20*y)**2)/15",
        "A bowl covered in fine ripples: hundreds of shallow traps (625 in view).",
        article=True,
    ),
    SurfaceDef(
        "giant_plateau",
        "4*(1 - exp(-(x**2 + y**2)))",
        "A flat plateau around a narrow well: the gradient at the default start is ~2e-5, so plain methods "
        "at small learning rates barely move.",
        article=True,
    ),
    SurfaceDef(
        "hills_and_canyon",
        "(x**2 + y**2)/3 + 3*exp(-((x + 1)**2 + (y + 2)**2))"
        " + exp(-3/2*(2*(x + 2)**2 + (y - 1/2)**2))"
        " + 3*exp(-3/2*((x - 1)**2 + 2*(y + 3/2)**2))"
        " + 3/2*exp(-((x + 3/2)**2 + 3*(y + 1/2)**2))"
        " + 4*(1 - exp(-(x + y)**2))",
        "Hills around a diagonal canyon with local minima beside it; in the article's experiment (its preset), "
        "only Adam of five methods reaches the global one.",
        article=True,
    ),
    SurfaceDef(
        "bad_init",
        "4 - exp(-((x + 5/2)**2 + (y + 5/2)**2))/2 - 3*exp(-(x**2 + y**2))",
        "A shallow dip next to the start and the real minimum far away across a plateau.",
        article=True,
    ),
    SurfaceDef(
        "rosenbrock",
        "(1 - x)**2 + 100*(y - x**2)**2",
        "A curved, narrow valley: easy to find, slow to follow to (1, 1).",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.2, 1.0),
        minima_hint=((1.0, 1.0),),
    ),
    SurfaceDef(
        "beale",
        "(3/2 - x + x*y)**2 + (9/4 - x + x*y**2)**2 + (21/8 - x + x*y**3)**2",
        "Flat valleys and steep edges: in view, gradients span more than four orders of magnitude.",
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.5),
        minima_hint=((3.0, 0.5),),
        max_minima=1,
    ),
    SurfaceDef(
        "himmelblau",
        "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
        "Four global minima of equal depth: where you start decides where you end.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(0.0, 0.0),
        minima_hint=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
    ),
    SurfaceDef(
        "rastrigin",
        "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
        "A regular egg-crate of local minima around one global minimum at the origin.",
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        start=(-2.6, 2.3),
    ),
    SurfaceDef(
        "ackley",
        "-20*exp(-sqrt((x**2 + y**2)/2)/5) - exp((cos(2*pi*x) + cos(2*pi*y))/2) + E + 20",
        "A nearly flat, bumpy plain with a sharp cone at the origin.",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-3.5, 3.2),
        minima_hint=((0.0, 0.0),),
        max_minima=5,
    ),
    SurfaceDef(
        "saddle",
        "x**2 - y**2",
        "A pure saddle: Newton's method is drawn into it, gradient methods slide off it.",
        start=(-2.8, 0.05),
    ),
    SurfaceDef(
        "monkey_saddle",
        "x**3 - 3*x*y**2",
        "A degenerate saddle with three descending valleys; unbounded below.",
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        start=(1.5, 0.3),
    ),
    SurfaceDef(
        "two_neuron",
        "(x*y - 1)**2",
        "Two-neuron network E(w1, w2) = (w1 w2 - 1)^2: minima on a hyperbola, a saddle at 0.",
        start=(-2.5, 0.5),
        minima_hint=((1.0, 1.0), (-1.0, -1.0), (2.0, 0.5), (0.5, 2.0), (-2.0, -0.5), (-0.5, -2.0)),
    ),
    SurfaceDef(
        "tanh_neuron",
        # a real network's loss: ŷ = w2·tanh(w1·x) fitted by mean squared error to y = sin(x) at the
        # nine points x = -2, -1.5, …, 2 (networks.make("sine9", hidden=(1,), bias=False) is the same net)
        "(" + " + ".join(f"(y*tanh(({Fraction(k, 2)})*x) - sin({Fraction(k, 2)}))**2" for k in range(-4, 5)) + ")/9",
        "A real (tiny) network: ŷ = w2·tanh(w1·x) fitted to 9 points of sin(x). Two mirror-image minima "
        "(flip both signs: the same network), and along w1 = 0 a flat ridge where the neuron is off.",
        bounds=((-4.0, 4.0), (-3.0, 3.0)),
        start=(-3.5, -0.5),
    ),
    SurfaceDef(
        "elongated_bowl",
        "x**2/20 + 2*y**2",
        "An ill-conditioned bowl (curvatures 0.1 and 4): plain descent at lr 0.45 zig-zags across the narrow "
        "direction while it crawls along the long one.",
        start=(-2.8, 1.5),
    ),
)
