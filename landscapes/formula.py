"""Custom surfaces from a typed formula, safely.

The text is parsed by Python's parser into a syntax tree (``ast.parse`` builds a tree; it
never runs anything) and the tree is walked against a whitelist: numbers, ``x``, ``y``,
``pi``, ``e``, + − × ÷ and powers (``^`` is read as a power), and the functions in
``FUNCTIONS``. Anything else is refused with a ``ValueError`` that quotes the offending
part and its column. SymPy then derives the gradient and Hessian exactly, common
subexpressions are shared, and the result becomes a tape for ``landscapes.vm`` — already
compiled, so a new formula is ready in milliseconds and never recompiles a kernel.

Bounds keep every accepted formula cheap: at most ``MAX_LENGTH`` characters, ``MAX_NODES``
tree nodes, nesting depth ``MAX_DEPTH``, constant exponents of magnitude ≤ ``MAX_EXPONENT``,
and constant parts must be finite (they are folded to one number while parsing, so
``9**9**9`` is refused instead of computed).
"""

from __future__ import annotations

import ast
import functools
import math
import re
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


class _Refuse(ValueError):
    pass


def _where(text: str, node: ast.AST) -> str:
    a = getattr(node, "col_offset", None)
    b = getattr(node, "end_col_offset", None)
    if a is None:
        return ""
    part = text[a:b] if b is not None else text[a:]
    part = part if len(part) <= 40 else part[:37] + "…"
    return f" at column {a + 1}: {part!r}"


class _Builder:
    """Walks the syntax tree against the whitelist, building an exact SymPy expression and a display one."""

    def __init__(self, text: str):
        self.text = text
        self.nodes = 0

    def refuse(self, node: ast.AST, why: str) -> _Refuse:
        return _Refuse(f"{why}{_where(self.text, node)}")

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
                raise self.refuse(node, f"{type(v).__name__} values are not allowed, only numbers")
            f = float(v)
            if not math.isfinite(f):
                raise self.refuse(node, "the number is too large")
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
                raise self.refuse(node, f"{node.id} is a function: write {node.id}(…)")
            raise self.refuse(node, f"unknown name {node.id!r}: only x, y, pi and e")
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.refuse(node, "only + and − signs are allowed before a term")
            e, d, c = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return e, d, c
            return self._fold(node, -e, sp.Mul(-1, d, evaluate=False), None if c is None else -c)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        kind = {
            ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[…])", ast.Lambda: "lambda",
            ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.JoinedStr: "strings",
            ast.List: "lists", ast.Tuple: "tuples (a, b)", ast.Dict: "dicts", ast.Set: "sets",
            ast.NamedExpr: ":=", ast.Starred: "*", ast.GeneratorExp: "generators", ast.ListComp: "comprehensions",
        }.get(type(node), type(node).__name__)  # fmt: skip
        raise self.refuse(node, f"{kind} is not allowed")

    def _fold(self, node, exact, display, value):
        if value is not None:
            if not math.isfinite(value) or abs(value) > 1e300:
                raise self.refuse(node, "this constant part is not a finite number")
            return sp.Float(value), display, value
        return exact, display, None

    def _binop(self, node: ast.BinOp, depth: int):
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
        op = ops.get(type(node.op))
        if op is None:
            sym = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
                   ast.LShift: "<<", ast.RShift: ">>", ast.BitXor: "^"}.get(type(node.op), "?")  # fmt: skip
            raise self.refuse(node, f"the operator {sym} is not allowed (use + - * / ^)")
        a, da, ca = self.build(node.left, depth + 1)
        b, db, cb = self.build(node.right, depth + 1)
        if op == "**" and cb is not None and abs(cb) > MAX_EXPONENT:
            raise self.refuse(node, f"exponents are limited to ±{MAX_EXPONENT}")
        value = None
        if ca is not None and cb is not None:
            try:
                value = {"+": ca + cb, "-": ca - cb, "*": ca * cb, "/": ca / cb if cb else math.inf}.get(op)
                if op == "**":
                    value = math.pow(ca, cb)
            except (OverflowError, ValueError, ZeroDivisionError):
                raise self.refuse(node, "this constant part is not a finite number") from None
        if op == "+":
            exact, disp = a + b, sp.Add(da, db, evaluate=False)
        elif op == "-":
            exact, disp = a - b, sp.Add(da, sp.Mul(-1, db, evaluate=False), evaluate=False)
        elif op == "*":
            exact, disp = a * b, sp.Mul(da, db, evaluate=False)
        elif op == "/":
            exact, disp = a / b, sp.Mul(da, sp.Pow(db, -1, evaluate=False), evaluate=False)
        else:
            if cb is None and ca is not None and ca <= 0:
                raise self.refuse(node, "a non-positive number to a variable power is undefined for most x, y")
            exact, disp = a**b, sp.Pow(da, db, evaluate=False)
        return self._fold(node, exact, disp, value)

    def _call(self, node: ast.Call, depth: int):
        if not isinstance(node.func, ast.Name):
            raise self.refuse(node, "only calls of the listed functions are allowed")
        name = node.func.id
        if name not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise self.refuse(node.func, f"unknown function {name!r}; allowed: {allowed}")
        if node.keywords:
            raise self.refuse(node, f"{name}() takes no keyword arguments")
        arity, fn, fnum = FUNCTIONS[name]
        if len(node.args) != arity:
            raise self.refuse(node, f"{name}() takes {arity} argument{'s' if arity > 1 else ''}")
        built = [self.build(a, depth + 1) for a in node.args]
        consts = [c for _, _, c in built]
        value = None
        if all(c is not None for c in consts):
            try:
                value = float(fnum(*consts))
            except (OverflowError, ValueError, ZeroDivisionError):
                raise self.refuse(node, "this constant part is not a finite number") from None
        exact = fn(*[e for e, _, _ in built])
        disp = fn(*[d for _, d, _ in built], evaluate=False)
        return self._fold(node, exact, disp, value)


def parse(text: str) -> tuple[sp.Expr, sp.Expr]:
    """The exact and display SymPy expressions of a formula in x and y; ``ValueError`` says what is wrong."""
    if not isinstance(text, str):
        raise ValueError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ValueError("the formula is empty")
    bad = re.search(r"[^\x20-\x7e]", text)
    if bad:
        raise ValueError(f"character {bad.group()!r} at column {bad.start() + 1} is not allowed")
    src = text.replace("^", "**")
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ValueError(f"not a formula ({e.msg}){col}") from None
    except (RecursionError, MemoryError):
        raise ValueError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)") from None
    exact, display, _ = _Builder(src.strip()).build(tree.body)
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


def normalize(text: str) -> str:
    """The formula as it is stored in links and configurations: spaces collapsed, ** written ^."""
    return re.sub(r"\s+", " ", text.strip()).replace("**", "^")


@functools.lru_cache(maxsize=128)
def compiled(text: str) -> tuple[sp.Expr, sp.Expr, np.ndarray]:
    """(exact, display, tape) for a formula; cached, so reopening a link costs nothing."""
    exact, display = parse(text)
    if not exact.free_symbols <= {X, Y}:
        raise ValueError("the formula may only use x and y")
    return exact, display, compile_tape(exact)
