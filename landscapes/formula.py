"""Custom surfaces from a typed formula, safely.

The text is parsed by Python's parser into a syntax tree (``ast.parse`` builds a tree; it
never runs anything) and the tree is walked against a whitelist: numbers, ``x``, ``y``,
``pi``, ``e``, + − × ÷ and powers (``^`` is read as a power), and the functions in
``FUNCTIONS``. Anything else is refused with a ``FormulaError`` (a ``ValueError``) that names
the offending part exactly as typed and its column (1-based), then shows the formula with
carets under it; a syntax error is diagnosed from the tokens (an unclosed bracket, a missing
term or operator, a keyword…). ``FormulaError.markdown()`` is the same for Markdown renderers.
SymPy then derives the gradient and Hessian exactly, common subexpressions are shared, and
the result becomes a tape for ``landscapes.vm`` — already compiled, so a new formula is
ready in milliseconds and never recompiles a kernel.

Bounds keep every accepted formula cheap: at most ``MAX_LENGTH`` characters, ``MAX_NODES``
tree nodes, nesting depth ``MAX_DEPTH``, constant exponents of magnitude ≤ ``MAX_EXPONENT``,
and constant parts must be finite (they are folded to one number while parsing, so
``9**9**9`` is refused instead of computed).
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
import string
import warnings
from collections.abc import Callable

import numpy as np
import sympy as sp

from landscapes import vm

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 30
MAX_EXPONENT = 64
MAX_TAPE = 20_000

X, Y = sp.symbols("x y", real=True)

# name → (arity, SymPy function, float function for constant folding)
FUNCTIONS: dict[str, tuple[int, Callable, Callable]] = {
    "sin": (1, sp.sin, math.sin),
    "cos": (1, sp.cos, math.cos),
    "tan": (1, sp.tan, math.tan),
    "exp": (1, sp.exp, math.exp),
    "log": (1, sp.log, math.log),
    "sqrt": (1, sp.sqrt, math.sqrt),
    "abs": (1, sp.Abs, abs),
    "tanh": (1, sp.tanh, math.tanh),
    "sinh": (1, sp.sinh, math.sinh),
    "cosh": (1, sp.cosh, math.cosh),
    "arctan": (1, sp.atan, math.atan),
    "min": (2, sp.Min, min),
    "max": (2, sp.Max, max),
}
CONSTANTS = {"pi": (sp.pi, math.pi), "e": (sp.E, math.e)}
EXAMPLES = (
    "x^2 + y^2",
    "(1 - x)^2 + 100*(y - x^2)^2",
    "sin(3*x) * cos(3*y) + 0.1*(x^2 + y^2)",
    "log(1 + (x*y - 1)^2)",
    "abs(x) + abs(y) + 0.5*sin(5*x)",
    "max(x^2, y^2) - exp(-(x^2 + y^2))",
)


class FormulaError(ValueError):
    """A refused formula: what is wrong, where, and the text with carets under the place.

    ``str(e)`` is plain text: the reason with its column (1-based) on the first line, then the
    formula with ``^`` under the offending characters. Parts of the formula are quoted as
    typed (``'__import__'``). For a Markdown renderer (Streamlit's ``st.error``, where
    ``__import__`` would turn into a bold "import") use ``e.markdown()``.

    Attributes
    ----------
    summary : str
        The first line: what is wrong and the column.
    text : str
        The formula as typed.
    column : int or None
        1-based column of the first offending character (None: the whole formula).
    width : int
        How many characters the carets underline.
    """

    def __init__(self, template: str, parts: tuple[str, ...] = (), text: str = "", column: int | None = None,
                 width: int = 1):  # fmt: skip
        self.template, self.parts, self.text, self.column = template, tuple(parts), text, column
        self.width = max(1, int(width))
        self.summary = _fill(template, [repr(p) for p in self.parts], str, column)
        super().__init__("\n".join([self.summary, *("    " + ln for ln in self.snippet())]))

    def snippet(self) -> list[str]:
        """The formula (a window of it if it is long) and a caret line under the offending part; [] without a column."""
        if self.column is None or not self.text:
            return []
        a = self.column - 1
        lo = max(0, min(a - 30, len(self.text) - 72))
        hi = min(len(self.text), lo + 72)
        shown = ("…" if lo else "") + self.text[lo:hi] + ("…" if hi < len(self.text) else "")
        pad = a - lo + (1 if lo else 0)
        return [shown, " " * pad + "^" * max(1, min(self.width, hi - a))]

    def markdown(self) -> str:
        """The message as Markdown: the formula's parts in code spans, the caret lines in a code block."""
        out = _fill(self.template, [_code_span(p) for p in self.parts], _md_escape, self.column)
        lines = self.snippet()
        if lines:
            fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", "\n".join(lines))), default=0))
            out += "\n\n" + "\n".join([fence + "text", *lines, fence])
        return out


def _fill(template: str, parts: list[str], escape: Callable[[str], str], column: int | None) -> str:
    """``template`` with ``{0}``, ``{1}``… replaced by ``parts`` and ``{where}`` by "at column N";
    the template's own text passed through ``escape``."""
    out = []
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(escape(literal))
        if field == "where":
            out.append(f"at column {column}" if column is not None else "")
        elif field is not None:
            out.append(parts[int(field)])
    return "".join(out)


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|$~])", r"\\\1", text)


def _code_span(text: str) -> str:
    fence = "`" * (1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(error: ValueError) -> str:
    """Any refusal from ``parse``/``compiled``/``landscapes.from_formula`` as Markdown (see ``FormulaError``)."""
    if isinstance(error, FormulaError):
        return error.markdown()
    return _md_escape(str(error))


def _short(part: str, limit: int = 40) -> str:
    return part if len(part) <= limit else part[: limit - 1] + "…"


class _Source:
    """The text as Python parses it (``^`` written ``**``, outer spaces stripped), mapped back to typed columns."""

    def __init__(self, text: str):
        self.text = text
        lead = len(text) - len(text.lstrip())
        body = text.strip()
        chars, where = [], []
        for i, ch in enumerate(body):
            for c in "**" if ch == "^" else ch:
                chars.append(c)
                where.append(lead + i)
        self.src = "".join(chars)
        self.where = [*where, lead + len(body)]  # src index → text index (one past the end included)

    def span(self, start: int, end: int | None) -> tuple[int, int]:
        """The typed (0-based start, width) of ``src[start:end]``."""
        a = self.where[min(max(start, 0), len(self.src))]
        b = self.where[min(max(end, start + 1), len(self.src)) - 1] + 1 if end is not None else a + 1
        return a, max(1, b - a)

    def error(self, template: str, parts: tuple[str, ...], start: int, end: int | None) -> FormulaError:
        a, w = self.span(start, end)
        return FormulaError(template, parts, self.text, a + 1, w)


class _Builder:
    """Walks the syntax tree against the whitelist, building an exact SymPy expression and a display one."""

    def __init__(self, source: _Source):
        self.source = source
        self.src = source.src
        self.nodes = 0

    def part(self, node: ast.AST) -> str:
        """The typed text of a node."""
        a, w = self._span(node)
        return self.source.text[a : a + w]

    def _span(self, node: ast.AST) -> tuple[int, int]:
        return self.source.span(getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None))

    def refuse(self, node: ast.AST, template: str, *parts: str) -> FormulaError:
        """A refusal pointing at ``node``; ``{where}`` in the template is its column, ``{0}``… the quoted parts."""
        if "{where}" not in template:
            template += " {where}"
        return self.source.error(template, parts, getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None))

    def build(self, node: ast.AST, depth: int = 0) -> tuple[sp.Expr, sp.Expr, float | None]:
        """(exact expression, display expression, value if the subtree is constant)."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.refuse(node, f"the formula is too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"the formula is nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.refuse(node, f"{type(v).__name__} values are not allowed {{where}}, only numbers")
            f = float(v)
            if not math.isfinite(f):
                raise self.refuse(node, "the number {0} {where} is too large", _short(self.part(node)))
            exact = sp.Integer(v) if isinstance(v, int) else sp.Float(f)
            return exact, exact, f
        if isinstance(node, ast.Name):
            if node.id == "x":
                return X, X, None
            if node.id == "y":
                return Y, Y, None
            if node.id in CONSTANTS:
                sym, val = CONSTANTS[node.id]
                return sp.Float(val), sym, val
            if node.id in FUNCTIONS:
                raise self.refuse(node, f"{node.id} is a function {{where}}: write {node.id}(…)")
            raise self.refuse(node, "unknown name {0} {where}: only x, y, pi and e" + _did_you_mean(node.id),
                              node.id)  # fmt: skip
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                sign = {ast.Invert: "~", ast.Not: "not"}.get(type(node.op), "?")
                raise self.source.error("only + and − signs are allowed before a term; {0} {where} is not",
                                        (sign,), node.col_offset, node.col_offset + len(sign))  # fmt: skip
            e, d, c = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return e, d, c
            neg = -d if d.is_Number else sp.Mul(-1, d, evaluate=False)  # "x^-2" shows x^{-2}, not x^{(-1) 2}
            return self._fold(node, -e, neg, None if c is None else -c)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Tuple) and not node.elts:
            raise self.refuse(node, "empty parentheses {0} {where}", self.part(node))
        kind = {
            ast.Attribute: "attribute access (a.b) is", ast.Subscript: "indexing (a[…]) is", ast.Lambda: "lambda is",
            ast.Compare: "comparisons are", ast.BoolOp: "and/or is", ast.IfExp: "if/else is",
            ast.JoinedStr: "strings are", ast.List: "lists are", ast.Tuple: "tuples (a, b) are", ast.Dict: "dicts are",
            ast.Set: "sets are", ast.NamedExpr: ":= is", ast.Starred: "* unpacking is",
            ast.GeneratorExp: "generators are",
            ast.ListComp: "comprehensions are", ast.SetComp: "comprehensions are", ast.DictComp: "comprehensions are",
            ast.Await: "await is", ast.Yield: "yield is", ast.YieldFrom: "yield is",
        }.get(type(node), type(node).__name__ + " is")  # fmt: skip
        raise self.refuse(node, f"{kind} not allowed {{where}}: {{0}}", _short(self.part(node)))

    def _fold(self, node, exact, display, value):
        if value is not None:
            if not math.isfinite(value) or abs(value) > 1e300:
                part = _short(self.part(node))
                raise self.refuse(node, "this constant part {0} {where} is not a finite number", part)
            return sp.Float(value), display, value
        return exact, display, None

    def _operator(self, node: ast.BinOp, sym: str) -> tuple[int, int]:
        """Where the operator of ``node`` is in ``src`` (between its operands, outside parentheses)."""
        a, b = node.left.end_col_offset or 0, node.right.col_offset
        i = self.src.find(sym, a, b)
        return (i, i + len(sym)) if i >= 0 else (node.col_offset, node.end_col_offset)

    def _binop(self, node: ast.BinOp, depth: int):
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
        op = ops.get(type(node.op))
        if op is None:
            sym = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
                   ast.LShift: "<<", ast.RShift: ">>", ast.BitXor: "^"}.get(type(node.op), "?")  # fmt: skip
            raise self.source.error(f"the operator {sym} is not allowed {{where}} (use + - * / ^)", (),
                                    *self._operator(node, sym))  # fmt: skip
        a, da, ca = self.build(node.left, depth + 1)
        b, db, cb = self.build(node.right, depth + 1)
        if op == "**" and cb is not None and abs(cb) > MAX_EXPONENT:
            raise self.refuse(node.right, f"exponents are limited to ±{MAX_EXPONENT}; the exponent {{0}} {{where}} "
                                          f"is {cb:.4g}", _short(self.part(node.right)))  # fmt: skip
        value = None
        if ca is not None and cb is not None:
            try:
                value = {"+": ca + cb, "-": ca - cb, "*": ca * cb, "/": ca / cb if cb else math.inf}.get(op)
                if op == "**":
                    value = math.pow(ca, cb)
            except (OverflowError, ValueError, ZeroDivisionError):
                raise self.refuse(node, "this constant part {0} {where} is not a finite number",
                                  _short(self.part(node))) from None  # fmt: skip
        if op == "+":
            exact, disp = a + b, sp.Add(da, db, evaluate=False)
        elif op == "-":
            exact, disp = a - b, sp.Add(da, sp.Mul(-1, db, evaluate=False), evaluate=False)
        elif op == "*":
            exact, disp = a * b, sp.Mul(da, db, evaluate=False)
        elif op == "/":
            exact, disp = a / b, sp.Mul(da, sp.Pow(db, -1, evaluate=False), evaluate=False)
            if da == 1:  # "1/(x-y)" shows \frac{1}{x - y}, not 1 \frac{1}{x - y}
                disp = sp.Pow(db, -1, evaluate=False)
        else:
            if cb is None and ca is not None and ca <= 0:
                raise self.refuse(node.left, "a non-positive number to a variable power is undefined for most x, y: "
                                             "{0} {where}", _short(self.part(node.left)))  # fmt: skip
            exact, disp = a**b, sp.Pow(da, db, evaluate=False)
        if op == "/" and da.is_Integer and db.is_Integer and db != 0:  # 1/2 shown as \frac{1}{2}, not 1 · ½
            disp = sp.Rational(da, db)
        return self._fold(node, exact, disp, value)

    def _call(self, node: ast.Call, depth: int):
        func = node.func
        if not isinstance(func, ast.Name):
            if (
                isinstance(func, ast.Constant)
                and isinstance(func.value, (int, float))
                and not isinstance(func.value, bool)
            ):  # "2(x + 1)"
                raise self.refuse(func, "a number cannot be called: {0} {where} is followed by '(' (write {1})",
                                  self.part(func), f"{self.part(func)}*(…)")  # fmt: skip
            raise self.refuse(func, "only calls of the listed functions are allowed; {0} {where} is not one",
                              _short(self.part(func)))  # fmt: skip
        name = func.id
        if name in ("x", "y", *CONSTANTS):  # "x(y + 1)"
            raise self.refuse(func, "{0} {where} is not a function (write {1} to multiply)", name, f"{name}*(…)")
        if name not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise self.refuse(func, "unknown function {0} {where}" + _did_you_mean(name) + f"; allowed: {allowed}",
                              name)  # fmt: skip
        if node.keywords:
            kw = node.keywords[0]
            raise self.refuse(kw, f"{name}() takes no keyword arguments; {{0}} {{where}}", _short(self.part(kw)))
        arity, fn, fnum = FUNCTIONS[name]
        if len(node.args) != arity:
            got = {0: "none"}.get(len(node.args), str(len(node.args)))
            raise self.refuse(node, f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {got}: "
                                    "{0} {where}", _short(self.part(node)))  # fmt: skip
        built = [self.build(a, depth + 1) for a in node.args]
        consts = [c for _, _, c in built]
        value = None
        if all(c is not None for c in consts):
            try:
                value = float(fnum(*consts))
            except (OverflowError, ValueError, ZeroDivisionError):
                raise self.refuse(node, "this constant part {0} {where} is not a finite number",
                                  _short(self.part(node))) from None  # fmt: skip
        exact = fn(*[e for e, _, _ in built])
        disp = fn(*[d for _, d, _ in built], evaluate=False)
        return self._fold(node, exact, disp, value)


_ALIASES = {"ln": "log", "atan": "arctan", "pow": "^", "power": "^", "fabs": "abs"}


def _did_you_mean(name: str) -> str:
    known = ["x", "y", *CONSTANTS, *FUNCTIONS]
    guess = _ALIASES.get(name) or next((k for k in known if k == name.lower()), None)
    return f" (did you mean {guess}?)" if guess and guess != name else ""


# --- syntax errors: what is wrong and where, from the tokens ----------------------------------

_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<string>[rRbBuUfF]{0,2}(?:'[^']*'?|\"[^\"]*\"?))"
    r"|(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|<<|>>|<=|>=|==|!=|:=|->|\.\.\.|.)"
)
_OPEN, _CLOSE = "([{", ")]}"
_BINARY = {"+", "-", "*", "/", "**", "^", "//", "%", "@", "<<", ">>", "&", "|", "<", ">", "<=", ">=", "==", "!="}
_KEYWORDS = set(keyword.kwlist) - {"True", "False", "None"}


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, 0-based column) for each token of the typed text, spaces left out."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "op"
        if kind != "ws":
            out.append((kind, m.group(), m.start()))
    return out


def _diagnose(text: str) -> FormulaError | None:
    """The first place where ``text`` stops being a formula, read left to right; None if none is found.

    Expects an operand or an operator in turn and keeps a stack of open brackets; each
    refusal names the token as typed and its column.
    """

    def err(template: str, parts: tuple[str, ...], tok: tuple[str, str, int]) -> FormulaError:
        return FormulaError("not a formula: " + template, parts, text, tok[2] + 1, len(tok[1]))

    stack: list[tuple[str, str, int]] = []
    operand = True  # an operand (number, name, "(" or a sign) is expected next
    toks = _tokens(text)
    prev: tuple[str, str, int] | None = None
    for i, tok in enumerate(toks):
        kind, t, _ = tok
        if kind == "name" and t in _KEYWORDS:
            return err("{0} {where} is a Python keyword, not part of a formula", (t,), tok)
        if kind == "string" and (len(t.lstrip("rRbBuUfF")) < 2 or t[-1] != t.lstrip("rRbBuUfF")[0]):
            return err("the quote {where} is never closed (and strings are not allowed)", (), tok)
        if kind == "op" and t in (";", "=", ":"):
            what = {";": "a formula is one expression", "=": "a formula is an expression, not an assignment",
                    ":": "a formula has no ':'"}[t]  # fmt: skip
            return err("{0} {where} is not allowed: " + what, (t,), tok)
        if kind == "op" and t not in _BINARY and t not in _OPEN + _CLOSE + ",.~":
            return err(("the operator" if len(t) > 1 else "the character") + " {0} {where} is not allowed", (t,), tok)
        if t in _CLOSE and kind == "op":
            if not stack:
                return err("{0} {where} has no matching {1}", (t, _OPEN[_CLOSE.index(t)]), tok)
            if stack[-1][1] != _OPEN[_CLOSE.index(t)]:
                o = stack[-1]
                return err(f"{{0}} {{where}} does not close {{1}} at column {o[2] + 1}", (t, o[1]), tok)
        if operand:
            if kind in ("number", "name", "string"):
                operand = False
            elif t in _OPEN:
                stack.append(tok)
            elif t in ("+", "-", "~"):
                pass
            elif t in _CLOSE:
                if prev is not None and prev[1] == _OPEN[_CLOSE.index(t)]:
                    before = toks[i - 2] if i >= 2 else None
                    if before is None or (before[0] not in ("name", "number") and before[1] not in _CLOSE):
                        return err("empty parentheses {0} {where}", (prev[1] + t,), (kind, prev[1] + t, prev[2]))
                elif prev is not None and prev[1] in _BINARY | {"~"}:
                    return err("{0} {where} needs a term after it", (prev[1],), prev)
                stack.pop()
                operand = False
            elif prev is None:
                return err("the formula cannot start with {0} {where}", (t,), tok)
            elif prev[1] in _BINARY | {"~"}:
                return err(f"{{0}} {{where}} follows {{1}} at column {prev[2] + 1} with no term between them",
                           (t, prev[1]), tok)  # fmt: skip
            else:
                return err("a term is missing before {0} {where}", (t,), tok)
        else:
            if kind in ("number", "name", "string"):
                if prev and prev[0] == "name" and prev[1] in FUNCTIONS:
                    return err("{0} {where} needs parentheses: write {1}", (prev[1], f"{prev[1]}({t})"), prev)
                if prev and prev[0] == "number" and kind == "name" and prev[2] + len(prev[1]) == tok[2]:
                    return err("missing * between {0} and {1} {where} (write {2})",
                               (prev[1], t, f"{prev[1]}*{t}"), tok)  # fmt: skip
                return err("missing operator between {0} and {1} {where}", (prev[1] if prev else "", t), tok)
            if t in _BINARY or t == ",":
                operand = True
            elif t in _OPEN:
                stack.append(tok)
                operand = True
            elif t in _CLOSE:
                stack.pop()
            elif t == ".":
                return err("{0} {where} is not allowed (attribute access a.b)", (t,), tok)
            else:
                return err("unexpected {0} {where}", (t,), tok)
        prev = tok
    if stack:
        o = stack[-1]
        return err("{0} {where} is never closed", (o[1],), o)
    if operand and prev is not None:
        return err("{0} {where} needs a term after it", (prev[1],), prev)
    return None


def parse(text: str) -> tuple[sp.Expr, sp.Expr]:
    """The exact and display SymPy expressions of a formula in x and y.

    Raises
    ------
    FormulaError
        (a ``ValueError``) saying what is wrong, at which column, with the text and a caret.
    """
    if not isinstance(text, str):
        raise ValueError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError("the formula is empty")
    bad = re.search(r"[^\x20-\x7e]", text)
    if bad:
        raise FormulaError("character {0} {where} is not allowed", (bad.group(),), text, bad.start() + 1)
    source = _Source(text)
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal" for 1if: the refusal says it
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source.src, mode="eval")
    except SyntaxError as e:
        found = _diagnose(text)
        if found is not None:
            raise found from None
        a, w = source.span((e.offset or len(source.src) + 1) - 1, None)
        msg = str(e.msg).replace("{", "{{").replace("}", "}}")
        raise FormulaError(f"not a formula: {msg} {{where}}", (), text, a + 1, w) from None
    except (RecursionError, MemoryError):
        raise FormulaError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)") from None
    exact, display, _ = _Builder(source).build(tree.body)
    return exact, display


# --- derivatives and the tape --------------------------------------------------------------


def _derivatives(expr: sp.Expr) -> tuple[list[sp.Expr], list[sp.Expr]]:
    fx, fy = sp.diff(expr, X), sp.diff(expr, Y)
    h = [sp.diff(fx, X), sp.diff(fx, Y), sp.diff(fy, Y)]

    def clean(e):
        return e.replace(sp.DiracDelta, lambda *a: sp.S.Zero)

    return [clean(e) for e in (expr, fx, fy)], [clean(e) for e in h]


class _Tape:
    """Emits instructions for SymPy trees, sharing registers for repeated subtrees."""

    def __init__(self):
        self.rows: list[tuple[float, float, float, float]] = []
        self.memo: dict[sp.Basic, int] = {}

    def emit(self, op: int, a: int = 0, b: int = 0, c: float = 0.0) -> int:
        self.rows.append((float(op), float(a), float(b), float(c)))
        if len(self.rows) > MAX_TAPE:
            raise ValueError("the formula's derivatives are too large to evaluate quickly")
        return len(self.rows) - 1

    def const(self, v: float) -> int:
        key = ("const", float(v))
        if key not in self.memo:
            self.memo[key] = self.emit(vm.CONST, c=float(v))
        return self.memo[key]

    def node(self, e: sp.Basic) -> int:
        if e in self.memo:
            return self.memo[e]
        r = self._node(e)
        self.memo[e] = r
        return r

    def _fold(self, op: int, args) -> int:
        regs = [self.node(a) for a in args]
        r = regs[0]
        for s in regs[1:]:
            r = self.emit(op, r, s)
        return r

    def _node(self, e: sp.Basic) -> int:
        if e == X:
            return self.emit(vm.X)
        if e == Y:
            return self.emit(vm.Y)
        if e.is_Number or e in (sp.pi, sp.E):
            v = float(e)
            return self.const(v)
        if isinstance(e, sp.Add):
            return self._fold(vm.ADD, e.args)
        if isinstance(e, sp.Mul):
            return self._fold(vm.MUL, e.args)
        if isinstance(e, sp.Pow):
            base, p = e.args
            b = self.node(base)
            if p == -1:
                return self.emit(vm.RECIP, b)
            if p == 2:
                return self.emit(vm.SQUARE, b)
            if p == sp.Rational(1, 2):
                return self.emit(vm.SQRT, b)
            if p == sp.Rational(-1, 2):
                return self.emit(vm.RECIP, self.emit(vm.SQRT, b))
            return self.emit(vm.POW, b, self.node(p))
        unary = {sp.sin: vm.SIN, sp.cos: vm.COS, sp.tan: vm.TAN, sp.exp: vm.EXP, sp.log: vm.LOG, sp.Abs: vm.ABS,
                 sp.tanh: vm.TANH, sp.sinh: vm.SINH, sp.cosh: vm.COSH, sp.atan: vm.ATAN, sp.sign: vm.SIGN}  # fmt: skip
        for cls, op in unary.items():
            if isinstance(e, cls):
                return self.emit(op, self.node(e.args[0]))
        if isinstance(e, sp.Heaviside):
            return self.emit(vm.HEAVISIDE, self.node(e.args[0]))
        if isinstance(e, sp.Min):
            return self._fold(vm.MIN, e.args)
        if isinstance(e, sp.Max):
            return self._fold(vm.MAX, e.args)
        if isinstance(e, (sp.sec, sp.csc, sp.cot)):
            inner = {sp.sec: vm.COS, sp.csc: vm.SIN, sp.cot: vm.TAN}[type(e)]
            return self.emit(vm.RECIP, self.emit(inner, self.node(e.args[0])))
        raise ValueError(f"cannot evaluate {type(e).__name__} in a derivative")


def _program(exprs: list[sp.Expr]) -> np.ndarray:
    """A tape computing ``exprs`` whose last len(exprs) registers hold their values."""
    temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("t"), optimizations="basic")
    t = _Tape()
    for sym, val in temps:
        t.memo[sym] = t.node(val)
    outs = [t.node(e) for e in reduced]
    for r in outs:
        t.emit(vm.ADD, r, t.const(0.0))  # copy into the last registers (x + 0 keeps NaN and -0.0 → 0.0)
    return np.array(t.rows, dtype=np.float64)


def compile_tape(expr: sp.Expr) -> np.ndarray:
    """The full tape (header, value-and-gradient program, Hessian program) of an exact expression."""
    vg, h = _derivatives(expr)
    p1, p2 = _program(vg), _program(h)
    header = np.array([[len(p1), len(p2), 0.0, 0.0]])
    tape = np.ascontiguousarray(np.concatenate([header, p1, p2]))
    tape.flags.writeable = False
    return tape


class _Typed(str):
    """A normalized formula that remembers the text as typed, so that a refusal can point into it."""

    typed: str


def normalize(text: str) -> str:
    """The formula as it is stored in links and configurations: spaces collapsed, ** written ^.

    The result is a ``str`` that also keeps the text as typed: if ``compiled`` refuses it, the
    message quotes and points into what was typed (``**`` stays ``**``, columns count every space).
    """
    out = _Typed(re.sub(r"\s+", " ", text.strip()).replace("**", "^"))
    out.typed = text
    return out


@functools.lru_cache(maxsize=128)
def compiled(text: str) -> tuple[sp.Expr, sp.Expr, np.ndarray]:
    """(exact, display, tape) for a formula; cached, so reopening a link costs nothing."""
    try:
        exact, display = parse(text)
    except FormulaError as e:
        typed = getattr(text, "typed", None)
        if typed is None or typed == text or e.column is None:
            raise
        try:  # the same refusal, pointing into the text as typed (any space is one column)
            parse(re.sub(r"\s", " ", typed))
        except FormulaError as as_typed:
            if as_typed.column is not None:
                raise as_typed from None
        raise
    if not exact.free_symbols <= {X, Y}:
        raise ValueError("the formula may only use x and y")
    return exact, display, compile_tape(exact)
