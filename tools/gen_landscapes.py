"""Derive every built-in surface and write ``landscapes/_generated.py``.

Run ``python -m tools.gen_landscapes`` after changing ``landscapes/catalog.py``.
``tests/test_landscapes.py`` re-renders the module and fails if the committed file differs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landscapes.catalog import SURFACES  # noqa: E402
from landscapes.derive import derivatives, emit_block, find_minima, parse_trusted  # noqa: E402

TARGET = ROOT / "landscapes" / "_generated.py"
_VEC = re.compile(r"math\.(exp|sin|cos)\(")
_VEC_NAMES = {"exp": "vexp", "sin": "vsin", "cos": "vcos"}


def _dispatch(name: str, outs: list[str], keys: list[str], derived: list[dict]) -> list[str]:
    # fastmath=False stated: Numba lets a callee inherit an unset fastmath from the caller that
    # compiles it first, which made the scalar results depend on which kernel compiled first
    # (when the lane code allowed contraction).
    lines = ["", "", "@jit(fastmath=False)", f"def {name}(sid, x, y):"]
    for sid, d in enumerate(derived):
        lines.append(f"    {'if' if sid == 0 else 'elif'} sid == {sid}:")
        lines += emit_block([d[k] for k in keys], outs, " " * 8)
        lines.append(f"        return {', '.join(outs)}" + ("," if len(outs) == 1 else ""))
    nan = ", ".join(["math.nan"] * len(outs))
    lines.append(f"    return {nan}" + ("," if len(outs) == 1 else ""))
    return lines


def _calls(line: str, name: str) -> list[str]:
    """The argument texts of every ``name(...)`` call in a line (balanced parentheses)."""
    out, start = [], 0
    while (i := line.find(name + "(", start)) >= 0:
        j, depth = i + len(name) + 1, 1
        while depth:
            depth += {"(": 1, ")": -1}.get(line[j], 0)
            j += 1
        out.append(line[i + len(name) + 1 : j - 1])
        start = j
    return out


def _share_sincos(block: list[str]) -> list[str]:
    """Where sin and cos of the same argument both appear, compute them with one vsincos."""
    sins = {a for line in block for a in _calls(line, "vsin")}
    coss = {a for line in block for a in _calls(line, "vcos")}
    for k, arg in enumerate(sorted(sins & coss)):
        first = next(i for i, line in enumerate(block) if f"vsin({arg})" in line or f"vcos({arg})" in line)
        indent = block[first][: len(block[first]) - len(block[first].lstrip())]
        block = [line.replace(f"vsin({arg})", f"sn{k}").replace(f"vcos({arg})", f"cs{k}") for line in block]
        block.insert(first, f"{indent}sn{k}, cs{k} = vsincos({arg})")
    return block


def _lanes(derived: list[dict]) -> list[str]:
    """f and the gradient for a chunk of lanes, the surface chosen once per call rather than per lane.

    The lane loop calls ``landscapes.vecmath``'s exp/sin/cos so that LLVM vectorises it
    across lanes; a lane whose coordinates are too large for the fast sin/cos reduction
    (or not finite) is redone by the point form, which uses libm.
    """
    lines = ["", "", "@jit(fastmath=False)", "def value_grad_lanes(sid, px, py, n, fs, gxs, gys):"]
    for sid, d in enumerate(derived):
        lines.append(f"    {'if' if sid == 0 else 'elif'} sid == {sid}:")
        lines += ["        for l in range(n):", "            x = px[l]", "            y = py[l]"]
        block = emit_block([d["f"], d["fx"], d["fy"]], ["f", "gx", "gy"], " " * 12)
        block = _share_sincos([_VEC.sub(lambda m: _VEC_NAMES[m.group(1)] + "(", line) for line in block])
        lines += block
        lines += ["            fs[l] = f", "            gxs[l] = gx", "            gys[l] = gy"]
        if any(k in line for k in ("vsin(", "vcos(", "vsincos(") for line in block):
            # First a branch-free test over all lanes, then the redo loop only when some lane
            # needs it: a loop holding the call, even never taken, made the whole function 5×
            # slower (LLVM inlines the scalar code into it): wobbly's lanes took 10.8 ns per run
            # instead of 1.9, timed alone.
            lines += [
                "        far = False",
                "        for l in range(n):",
                "            far |= not (abs(px[l]) <= LANE_LIMIT and abs(py[l]) <= LANE_LIMIT)",
                "        if far:",
                "            for l in range(n):",
                "                if not (abs(px[l]) <= LANE_LIMIT and abs(py[l]) <= LANE_LIMIT):",
                "                    fs[l], gxs[l], gys[l] = value_grad_raw(sid, px[l], py[l])",
            ]
    lines += ["    else:", "        for l in range(n):"]
    lines += [f"            {a}[l] = math.nan" for a in ("fs", "gxs", "gys")]
    return lines


def _one(derived: list[dict]) -> list[str]:
    """f and the gradient at one point with the lane code's exact arithmetic (vecmath, the same
    operations in the same order, so the same bits): a single trajectory's scalar path.

    The point form ``value_grad_raw`` uses libm instead and can differ in the last bit, so a
    trajectory computed with it would part from the same run in a sweep.
    """
    lines = ["", "", '@jit(fastmath=False, inline="always")', "def value_grad_one(sid, x, y):"]
    for sid, d in enumerate(derived):
        lines.append(f"    {'if' if sid == 0 else 'elif'} sid == {sid}:")
        block = emit_block([d["f"], d["fx"], d["fy"]], ["f", "gx", "gy"], " " * 8)
        block = _share_sincos([_VEC.sub(lambda m: _VEC_NAMES[m.group(1)] + "(", line) for line in block])
        if any(k in line for k in ("vsin(", "vcos(", "vsincos(") for line in block):
            lines += [
                "        if not (abs(x) <= LANE_LIMIT and abs(y) <= LANE_LIMIT):",
                "            return value_grad_raw(sid, x, y)",
            ]
        lines += block
        lines.append("        return f, gx, gy")
    lines.append("    return math.nan, math.nan, math.nan")
    return lines


def render() -> str:
    """The full text of ``_generated.py``."""
    derived, meta = [], []
    for s in SURFACES:
        expr = parse_trusted(s.formula)
        d = derivatives(expr)
        minima, values, n_global = find_minima(d, s.bounds, s.minima_hint, s.max_minima)
        derived.append(d)
        meta.append((s.name, sp.latex(expr), minima, values, n_global))
    out = [
        '"""Generated by tools/gen_landscapes.py from landscapes/catalog.py. Do not edit."""',
        "",
        "import math",
        "",
        "from landscapes._jit import jit",
        "from landscapes.vecmath import vcos, vexp, vsin, vsincos",
        "",
        "LANE_LIMIT = 1.0e4  # |x|, |y| up to which every sin/cos argument stays within vecmath.TRIG_LIMIT",
        f"NAMES = {tuple(m[0] for m in meta)!r}",
        "LATEX = {",
    ]
    out += [f"    {m[0]!r}: {m[1]!r}," for m in meta]
    out += ["}", "MINIMA = {"]
    out += [f"    {m[0]!r}: {m[2]!r}," for m in meta]
    out += ["}", "MINIMA_VALUES = {"]
    out += [f"    {m[0]!r}: {m[3]!r}," for m in meta]
    out += ["}", "N_GLOBAL = {"]
    out += [f"    {m[0]!r}: {m[4]!r}," for m in meta]
    out += ["}"]
    out += _dispatch("value_raw", ["f"], ["f"], derived)
    out += _dispatch("value_grad_raw", ["f", "gx", "gy"], ["f", "fx", "fy"], derived)
    out += _dispatch("hessian_raw", ["hxx", "hxy", "hyy"], ["fxx", "fxy", "fyy"], derived)
    out += _lanes(derived)
    out += _one(derived)
    return "\n".join(out) + "\n"


def main() -> None:
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
