"""A tiny register machine that evaluates a typed formula's f, gradient and Hessian inside the kernels.

A custom surface is compiled, not to machine code (Numba would take seconds per formula and
the optimizer kernel would recompile with it), but to a *tape*: a float array of
instructions that one already-compiled interpreter runs. Every kernel takes the pair
``(sid, tape)``; built-in surfaces (sid ≥ 0) ignore the tape, custom ones (sid = -1) run it.

Tape layout (float64, shape (1 + n_vg + n_h, 4)): row 0 = ``[n_vg, n_h, 0, 0]``; then the
value-and-gradient program, whose last three registers are f, f_x, f_y; then the Hessian
program, whose last three are f_xx, f_xy, f_yy. An instruction is ``[op, a, b, c]``: the
result goes to the next register; a and b are earlier registers; c is a constant.
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import jit

# Opcodes (stable: tapes are rebuilt from formulas, never stored).
(CONST, X, Y, ADD, SUB, MUL, DIV, POW, NEG, SIN, COS, TAN, EXP, LOG, SQRT, ABS, TANH, SINH, COSH, ATAN, MIN, MAX,
 SIGN, HEAVISIDE, SQUARE, RECIP) = range(26)  # fmt: skip
UNARY = {NEG, SIN, COS, TAN, EXP, LOG, SQRT, ABS, TANH, SINH, COSH, ATAN, SIGN, HEAVISIDE, SQUARE, RECIP}
BINARY = {ADD, SUB, MUL, DIV, POW, MIN, MAX}

EMPTY_TAPE = np.zeros((1, 4))
EMPTY_TAPE.flags.writeable = False


@jit(inline="always")
def _run(tape, start, n, x, y, reg):
    for i in range(n):
        row = start + i
        op = int(tape[row, 0])
        a = int(tape[row, 1])
        b = int(tape[row, 2])
        if op == CONST:
            v = tape[row, 3]
        elif op == X:
            v = x
        elif op == Y:
            v = y
        elif op == ADD:
            v = reg[a] + reg[b]
        elif op == SUB:
            v = reg[a] - reg[b]
        elif op == MUL:
            v = reg[a] * reg[b]
        elif op == DIV:
            v = reg[a] / reg[b]
        elif op == POW:
            v = reg[a] ** reg[b]
        elif op == NEG:
            v = -reg[a]
        elif op == SIN:
            v = math.sin(reg[a])
        elif op == COS:
            v = math.cos(reg[a])
        elif op == TAN:
            v = math.tan(reg[a])
        elif op == EXP:
            v = math.exp(reg[a])
        elif op == LOG:
            u = reg[a]
            v = math.log(u) if u > 0 else (-math.inf if u == 0 else math.nan)
        elif op == SQRT:
            u = reg[a]
            v = math.sqrt(u) if u >= 0 else math.nan
        elif op == ABS:
            v = abs(reg[a])
        elif op == TANH:
            v = math.tanh(reg[a])
        elif op == SINH:
            v = math.sinh(reg[a])
        elif op == COSH:
            v = math.cosh(reg[a])
        elif op == ATAN:
            v = math.atan(reg[a])
        elif op == MIN:
            v = min(reg[a], reg[b])
        elif op == MAX:
            v = max(reg[a], reg[b])
        elif op == SIGN:
            u = reg[a]
            v = 1.0 if u > 0 else (-1.0 if u < 0 else (0.0 if u == 0 else math.nan))
        elif op == HEAVISIDE:
            u = reg[a]
            v = 1.0 if u > 0 else (0.0 if u < 0 else (0.5 if u == 0 else math.nan))
        elif op == SQUARE:
            v = reg[a] * reg[a]
        else:  # RECIP
            v = 1.0 / reg[a]
        reg[i] = v


@jit
def value_grad(tape, x, y):
    """f, f_x, f_y of a custom surface at one point."""
    n = int(tape[0, 0])
    reg = np.empty(max(n, 1))
    _run(tape, 1, n, x, y, reg)
    return reg[n - 3], reg[n - 2], reg[n - 1]


@jit
def hessian(tape, x, y):
    """f_xx, f_xy, f_yy of a custom surface at one point."""
    n_vg = int(tape[0, 0])
    n = int(tape[0, 1])
    reg = np.empty(max(n, 1))
    _run(tape, 1 + n_vg, n, x, y, reg)
    return reg[n - 3], reg[n - 2], reg[n - 1]
