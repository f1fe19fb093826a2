"""Custom surfaces from typed formulas: exact derivatives, hostile input refused, nothing executed."""

import ast
import builtins
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
import sympy.tensor.tensor  # SymPy imports it lazily, with exec: import it before exec is patched
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import landscapes
import optimizers
from landscapes import formula as F
from landscapes.catalog import SURFACES
from optimizers import kernels as opt_kernels
from viz.state import View, from_query, to_query

RNG = np.random.default_rng(7)


def _as_typed(formula: str) -> str:
    return re.sub(r"\bE\b", "e", formula.replace("Abs(", "abs("))


@pytest.mark.parametrize("d", SURFACES, ids=lambda d: d.name)
def test_every_builtin_typed_as_a_formula_matches_the_generated_code(d):
    s = landscapes.get(d.name)
    c = landscapes.from_formula(_as_typed(d.formula), bounds=s.bounds)
    (x0, x1), (y0, y1) = s.bounds
    x, y = RNG.uniform(x0, x1, 300), RNG.uniform(y0, y1, 300)
    np.testing.assert_allclose(c.value(x, y), s.value(x, y), rtol=1e-12, atol=1e-12)
    for a, b in zip(c.gradient(x, y), s.gradient(x, y), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-9)
    for a, b in zip(c.hessian(x, y), s.hessian(x, y), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-8)


def test_custom_surfaces_agree_with_numpy_evaluation():
    for text in F.EXAMPLES:
        s = landscapes.from_formula(text)
        exact, _ = F.parse(text.replace("^", "**"))
        f = sp.lambdify((F.X, F.Y), exact, modules="numpy")  # evaluates SymPy's tree, not the user's text
        x, y = RNG.uniform(-3, 3, 400), RNG.uniform(-3, 3, 400)
        np.testing.assert_allclose(s.value(x, y), f(x, y), rtol=1e-12, atol=1e-13)


# --- property-based: random valid formulas have exact derivatives -----------------------------

SMOOTH_UNARY = ("sin", "cos", "tanh", "arctan", "exp")


def _formulas(max_leaves: int = 12):
    leaf = st.one_of(
        st.sampled_from(["x", "y", "pi", "e"]),
        st.floats(0.1, 5.0, allow_nan=False).map(lambda v: f"{v:.3g}"),
    )

    def extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(children, children).map(lambda t: f"({t[0]}) / (1.5 + ({t[1]})^2)"),
            st.tuples(st.sampled_from(SMOOTH_UNARY), children).map(
                lambda t: f"{t[0]}(0.3*({t[1]}))" if t[0] == "exp" else f"{t[0]}({t[1]})"
            ),
            st.tuples(children, st.integers(2, 4)).map(lambda t: f"({t[0]})^{t[1]}"),
            children.map(lambda c: f"log(1 + ({c})^2)"),
            children.map(lambda c: f"sqrt(2 + sin({c}))"),
        )

    return st.recursive(leaf, extend, max_leaves=max_leaves)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_formulas(), st.floats(-2, 2), st.floats(-2, 2))
def test_random_formulas_have_gradients_and_hessians_matching_finite_differences(text, x, y):
    s = landscapes.from_formula(text)
    h = 1e-5
    f0 = s.value(x, y)
    if not np.isfinite(f0) or abs(f0) > 1e8:
        return
    gx, gy = s.gradient(x, y)
    fd_x = (s.value(x + h, y) - s.value(x - h, y)) / (2 * h)
    fd_y = (s.value(x, y + h) - s.value(x, y - h)) / (2 * h)
    scale = 1 + abs(gx) + abs(gy) + abs(f0)
    assert abs(gx - fd_x) <= 1e-5 * scale
    assert abs(gy - fd_y) <= 1e-5 * scale
    hxx, hxy, hyy = s.hessian(x, y)
    gxp, gyp = s.gradient(x + h, y)
    gxm, gym = s.gradient(x - h, y)
    hscale = 1 + abs(hxx) + abs(hxy) + abs(hyy) + scale
    assert abs(hxx - (gxp - gxm) / (2 * h)) <= 1e-4 * hscale
    assert abs(hxy - (gyp - gym) / (2 * h)) <= 1e-4 * hscale


@settings(max_examples=25, deadline=None)
@given(_formulas(6))
def test_random_formulas_round_trip_through_links(text):
    s = landscapes.from_formula(text)
    view, notices = from_query(to_query(View(surface=s.name)))
    assert notices == [] and view.surface == s.name
    assert landscapes.get(view.surface).tape.tobytes() == s.tape.tobytes()


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    ("__import__('os').system('touch /tmp/pwned_formula')", "only calls of the listed functions"),
    ("open('/tmp/pwned_formula', 'w')", "unknown function 'open'"),
    ("x.__class__.__mro__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "only calls of the listed functions"),
    ("x.__class__", "attribute access"),
    ("globals()['x']", "indexing"),
    ("(lambda: 1)()", "only calls of the listed functions"),
    ("lambda x: x", "lambda"),
    ("eval('1+1')", "unknown function 'eval'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("sin(x, y)", "sin() takes 1 argument"),
    ("max(x)", "max() takes 2 arguments"),
    ("sin(x=1)", "no keyword arguments"),
    ("'x' + 'y'", "str values are not allowed"),
    ("x if y else 1", "if/else is not allowed"),
    ("[x for x in range(9)]", "comprehensions"),
    ("x < y", "comparisons"),
    ("x and y", "and/or"),
    ("x % 2", "the operator % is not allowed"),
    ("x // 2", "the operator // is not allowed"),
    ("x @ y", "the operator @ is not allowed"),
    ("~x", "only + and − signs"),
    ("z + 1", "unknown name 'z'"),
    ("sin + 1", "sin is a function"),
    ("9^9^9", "exponents are limited"),
    ("x^1000", "exponents are limited"),
    ("(10^60)^6", "not a finite number"),
    ("1e309 * x", "too large"),
    ("exp(1000) * x", "not a finite number"),
    ("log(0) + x", "not a finite number"),
    ("x; import os", "not a formula"),
    ("import os", "not a formula"),
    ("x +", "not a formula"),
    ("", "empty"),
    ("x" + "+x" * 300, "characters long"),
    ("(" * 240 + "x" + ")" * 240, "too many nested parentheses"),
    ("-(" * 40 + "x" + ")" * 40, "nested too deeply"),
    ("sin(" * 40 + "x" + ")" * 40, "nested too deeply"),
    ("+".join(["x*y"] * 120), "nested too deeply"),
    ("+".join("(" + "+".join(["x*y"] * 10) + ")" for _ in range(10)), "too large"),
    ("x\u00b2 + y", "character '²'"),
    ("True + x", "bool values are not allowed"),
    ("1j * x", "complex values"),
    ("(-2)^x", "non-positive number to a variable power"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_hostile_input_is_refused_with_a_reason_and_nothing_runs(text, message, monkeypatch):
    calls = []
    real_compile = builtins.compile

    def forbidden(*a, **k):
        calls.append(a)
        raise AssertionError("the formula reached eval/exec")

    def tree_only(source, filename, mode, flags=0, *a, **k):  # ast.parse = compile(..., PyCF_ONLY_AST)
        if not flags & ast.PyCF_ONLY_AST:
            calls.append(source)
            raise AssertionError("the formula was compiled to code")
        return real_compile(source, filename, mode, flags, *a, **k)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", tree_only)
    try:
        with pytest.raises(ValueError, match=re.escape(message)):
            landscapes.from_formula(text)
    finally:
        monkeypatch.undo()
    assert calls == []
    assert not Path("/tmp/pwned_formula").exists()


def test_redundant_parentheses_are_harmless():
    assert landscapes.from_formula("(" * 60 + "x^2 + y^2" + ")" * 60).tape.tobytes() == (
        landscapes.from_formula("x^2 + y^2").tape.tobytes()
    )


def test_refusals_point_at_the_offending_part():
    with pytest.raises(ValueError, match=r"unknown function 'foo' at column 5;"):
        landscapes.from_formula("x + foo(x)")
    with pytest.raises(ValueError, match=r"attribute access \(a\.b\) is not allowed at column 9: 'x\.real'"):
        landscapes.from_formula("y + 2 * x.real")
    with pytest.raises(ValueError, match=r"unknown name 'z' at column 9:"):  # typed columns: ^ is one character
        landscapes.from_formula("  x^2 + z")
    with pytest.raises(ValueError, match=r"^not a formula: '\*\*' at column 4 needs a term after it\n    x  \*\*\n"):
        landscapes.from_formula("x  **")  # as typed, though links store it as "x^"


# Malformed formulas: the exact message (what is wrong, where), then the formula and carets under the place.
MALFORMED = [
    ("__import__('os')", "unknown function '__import__' at column 1; allowed: " + ", ".join(F.FUNCTIONS), "^^^^^^^^^^"),
    ("x^2 +", "not a formula: '+' at column 5 needs a term after it", "    ^"),
    ("x**", "not a formula: '**' at column 2 needs a term after it", " ^^"),
    ("2x", "not a formula: missing * between '2' and 'x' at column 2 (write '2*x')", " ^"),
    ("sin()", "sin() takes 1 argument, got none: 'sin()' at column 1", "^^^^^"),
    ("(x + 1", "not a formula: '(' at column 1 is never closed", "^"),
    ("x + 1)", "not a formula: ')' at column 6 has no matching '('", "     ^"),
    ("sin((x)", "not a formula: '(' at column 4 is never closed", "   ^"),
    ("(x]", "not a formula: ']' at column 3 does not close '(' at column 1", "  ^"),
    ("x y", "not a formula: missing operator between 'x' and 'y' at column 3", "  ^"),
    ("sin x", "not a formula: 'sin' at column 1 needs parentheses: write 'sin(x)'", "^^^"),
    ("3 * * x", "not a formula: '*' at column 5 follows '*' at column 3 with no term between them", "    ^"),
    ("foo + 1", "unknown name 'foo' at column 1: only x, y, pi and e", "^^^"),
    ("X + y", "unknown name 'X' at column 1: only x, y, pi and e (did you mean x?)", "^"),
    ("ln(x)", "unknown function 'ln' at column 1 (did you mean log?); allowed: " + ", ".join(F.FUNCTIONS), "^^"),
    ("y + __class__", "unknown name '__class__' at column 5: only x, y, pi and e", "    ^^^^^^^^^"),
    ("x + 'a'", "str values are not allowed at column 5, only numbers", "    ^^^"),
    ("x + 'abc", "not a formula: the quote at column 5 is never closed (and strings are not allowed)", "    ^^^^"),
    ("x.real", "attribute access (a.b) is not allowed at column 1: 'x.real'", "^^^^^^"),
    ("x.", "not a formula: '.' at column 2 is not allowed (attribute access a.b)", " ^"),
    ("x = 1", "not a formula: '=' at column 3 is not allowed: a formula is an expression, not an assignment", "  ^"),
    ("x; y", "not a formula: ';' at column 2 is not allowed: a formula is one expression", " ^"),
    ("import os", "not a formula: 'import' at column 1 is a Python keyword, not part of a formula", "^^^^^^"),
    ("x $ y", "not a formula: the character '$' at column 3 is not allowed", "  ^"),
    ("x^^2", "not a formula: '^' at column 3 follows '^' at column 2 with no term between them", "  ^"),
    ("* x", "not a formula: the formula cannot start with '*' at column 1", "^"),
    ("x + ()", "empty parentheses '()' at column 5", "    ^^"),
    ("2(x + 1)", "a number cannot be called: '2' at column 1 is followed by '(' (write '2*(…)')", "^"),
    ("x % 2", "the operator % is not allowed at column 3 (use + - * / ^)", "  ^"),
    ("x^1000", "exponents are limited to ±64; the exponent '1000' at column 3 is 1000", "  ^^^^"),
    ("max(x)", "max() takes 2 arguments, got 1: 'max(x)' at column 1", "^^^^^^"),
]


@pytest.mark.parametrize(("text", "summary", "carets"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_formulas_say_what_is_wrong_and_where(text, summary, carets):
    with pytest.raises(F.FormulaError) as info:
        F.parse(text)
    e = info.value
    assert isinstance(e, ValueError)
    assert str(e).splitlines() == [summary, "    " + text, "    " + carets]
    assert e.summary == summary and e.column == len(carets) - len(carets.lstrip()) + 1
    assert e.text == text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="xy()[]+-*/^.,;=<'`$ 0123456789episncoqrtl_", min_size=1, max_size=16))
def test_any_text_is_accepted_or_refused_with_a_place(text):
    try:
        F.parse(text)
    except F.FormulaError as e:
        if text.strip():
            assert e.column is not None and 1 <= e.column <= len(text) + 1, str(e)
            summary, shown, carets = str(e).splitlines()
            assert f"at column {e.column}" in summary and shown == "    " + text
            assert carets.index("^") == 4 + e.column - 1


def test_long_formulas_show_a_window_around_the_place():
    text = "x + 1" + "0" * 150 + " + foo + y" + " " * 60
    with pytest.raises(F.FormulaError) as info:
        F.parse(text)
    summary, shown, carets = str(info.value).splitlines()
    assert summary.startswith("unknown name 'foo' at column 159:")
    assert shown.startswith("    …") and shown.endswith("…") and len(shown) <= 4 + 74
    assert shown[carets.index("^") : carets.index("^") + 3] == "foo" and carets.strip() == "^^^"


def test_refusals_as_markdown_keep_names_exactly_as_typed():
    with pytest.raises(F.FormulaError) as info:
        F.parse("__import__('os')")
    md = info.value.markdown()
    first, *rest = md.split("\n")
    # in Markdown '__import__' would turn into a bold "import": the name goes in a code span
    assert first.startswith("unknown function `__import__` at column 1")
    assert rest[1:] == ["```text", "__import__('os')", "^^^^^^^^^^", "```"]
    assert F.to_markdown(info.value) == md
    with pytest.raises(F.FormulaError) as info:
        F.parse("x*`y`")
    assert "`` ` ``" in info.value.markdown()  # a backtick inside a code span
    assert F.to_markdown(ValueError("bad *bounds*")) == "bad \\*bounds\\*"


def test_links_carrying_a_bad_formula_fall_back_with_a_notice():
    view, notices = from_query({"surface": "f:__import__('os')"})
    assert view.surface == "hills_and_canyon" and "custom formula refused" in notices[0]
    view, notices = View.from_json('{"surface": "f:x^2 + sin(y)", "runs": [{"key": "adam"}]}')
    assert notices == [] and view.surface == "f:x^2 + sin(y)"


def test_non_finite_values_are_gaps_not_errors():
    s = landscapes.from_formula("log(x) + sqrt(y)")
    z = s.grid(21)[2]
    assert np.isnan(z[:, :10]).all() and np.isfinite(z[11:, 11:]).all()
    tr = optimizers.trajectory("adam", s, (-1.0, 1.0), 20)
    assert tr.diverged_step == 0 or tr.diverged_step is not None


def test_custom_surfaces_run_every_optimizer_without_recompiling():
    optimizers.trajectory("adam", landscapes.from_formula("x^2 + 3*y^2"), (1.0, 1.0), 3)
    before = len(opt_kernels.run.signatures)
    for i, text in enumerate(F.EXAMPLES):
        s = landscapes.from_formula(text)
        for name in optimizers.names():
            tr = optimizers.trajectory(name, s, (0.7, -0.4 + i / 10), 30)
            assert tr.path.shape == (31, 2)
        optimizers.sweep("momentum", s, np.zeros((16, 2)) + 0.3, 20, lr=np.geomspace(1e-3, 0.1, 16))
    assert len(opt_kernels.run.signatures) == before


def test_custom_trajectories_equal_the_builtin_ones():
    s = landscapes.get("rosenbrock")
    c = landscapes.from_formula("(1 - x)^2 + 100*(y - x^2)^2", bounds=s.bounds)
    a = optimizers.trajectory("adam", s, (-1.5, 2.0), 100, lr=0.01)
    b = optimizers.trajectory("adam", c, (-1.5, 2.0), 100, lr=0.01)
    np.testing.assert_allclose(a.path, b.path, rtol=1e-12, atol=1e-12)
    assert c.minima[0] == pytest.approx((1.0, 1.0)) and c.n_global == 1


def test_from_formula_api():
    s = landscapes.from_formula("x^2 + (y - 1)^2", bounds=((-2, 2), (-1, 3)))
    assert s.bounds == ((-2.0, 2.0), (-1.0, 3.0)) and s.minima[0] == pytest.approx((0.0, 1.0))
    assert s.latex and s.description and s.name == "f:x^2 + (y - 1)^2" and landscapes.get(s.name).formula == s.formula
    assert landscapes.from_formula("x**2 + (y - 1)**2") == landscapes.from_formula("x^2   +  (y - 1)^2")
    with pytest.raises(ValueError, match="bounds"):
        landscapes.from_formula("x", bounds=((1, 0), (0, 1)))
    with pytest.raises(ValueError, match="bounds"):
        landscapes.from_formula("x", bounds="wide")


@pytest.mark.parametrize(("text", "latex"), [
    ("x^-2", r"\frac{1}{x^{2}}"),  # was x^{\left(-1\right) 2}
    ("1/(x-y)", r"\frac{1}{x - y}"),  # was 1 \frac{1}{x - y}
    ("x^(1/2)", r"\sqrt{x}"),  # was x^{1 \cdot \frac{1}{2}}
    ("-2.5*x", r"- 2.5 x"),  # was \left(-1\right) 2.5 x
    ("x^-0.5", r"x^{-0.5}"),
    ("2*x - y", r"2 x - y"),
    ("x - (y - 1)", r"x - \left(y - 1\right)"),
])  # fmt: skip
def test_formulas_are_shown_as_they_are_written(text, latex):
    assert landscapes.from_formula(text).latex == latex


def test_a_gradient_that_is_not_zero_is_never_reported_as_zero():
    """0 replaces a NaN derivative only at a kink (defined on both sides, f finite); where f overflows
    or the derivative is undefined around the point, the NaN stays and a run there stops and says so."""
    softplus = landscapes.from_formula("log(1 + exp(x))")
    gx, _ = softplus.gradient(800.0, 0.0)  # f overflows to inf here: the true slope 1 is not representable
    assert math.isnan(gx)  # was 0.0
    assert softplus.gradient(3.0, 0.0)[0] == pytest.approx(1 / (1 + math.exp(-3.0)), rel=1e-12)
    power = landscapes.from_formula("x^y")
    gx, gy = power.gradient(-2.0, 2.0)  # ∂/∂y = x^y·log(x): undefined for x < 0
    assert gx == pytest.approx(-4.0) and math.isnan(gy)  # gy was 0.0
    tr = optimizers.trajectory("sgd", power, (-2.0, 2.0), 5, lr=0.1)
    assert tr.diverged_step is not None  # the run stops where the gradient is undefined, it does not stall
    assert landscapes.from_formula("abs(x) + sqrt(x^2 + y^2)").gradient(0.0, 0.0) == (0.0, 0.0)  # kinks: 0
