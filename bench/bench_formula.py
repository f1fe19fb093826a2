"""How long a typed formula takes to become a usable surface, against compiling it with Numba.

    .venv/bin/python bench/bench_formula.py

The issue's bound: no formula takes more than a second to accept or compile. Ours goes
text → whitelist tree → SymPy derivatives → tape for an already-compiled interpreter. The
peer is the obvious route: SymPy → source code → a fresh ``numba.njit`` per formula (which
is also what the optimizer kernel would have to recompile with). Both are timed here.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import landscapes  # noqa: E402
import optimizers  # noqa: E402
from landscapes import formula as F  # noqa: E402
from landscapes.derive import emit_block  # noqa: E402

BIG = " + ".join(f"sin({k}*x + y)*exp(-(x - {k / 10})^2)" for k in range(1, 9))  # near the size limit
HOSTILE = ["9^9^9", "x" + "+x" * 249, "-(" * 40 + "x" + ")" * 40, "__import__('os').system('ls')"]


def njit_peer(text: str) -> float:
    """Seconds to derive and compile value+gradient of ``text`` with a fresh Numba function."""
    t = time.perf_counter()
    exact, _ = F.parse(text.replace("^", "**"))
    d = [exact, sp.diff(exact, F.X), sp.diff(exact, F.Y)]
    body = "\n".join(emit_block(d, ["f", "gx", "gy"], "    "))
    src = f"def vg(x, y):\n{body}\n    return f, gx, gy\n"
    ns: dict = {"math": __import__("math")}
    exec(compile(src, "<peer>", "exec"), ns)  # code generated from SymPy's tree by this benchmark
    fn = numba.njit(ns["vg"])
    fn(0.1, 0.2)
    return time.perf_counter() - t


def ours(text: str) -> float:
    F.compiled.cache_clear()
    t = time.perf_counter()
    s = landscapes.from_formula(text)
    optimizers.trajectory("adam", s, (0.5, 0.5), 10)
    return time.perf_counter() - t


def main() -> None:
    ours("x^2 + y^2")  # load the kernels once
    print(f"{'formula':44s} {'ours s':>8s} {'njit s':>8s} {'njit/ours':>10s}  ≤ 1 s")
    for text in [*F.EXAMPLES, BIG]:
        a = min(ours(text) for _ in range(3))
        b = njit_peer(text)
        label = text if len(text) <= 44 else text[:41] + "…"
        print(f"{label:44s} {a:8.3f} {b:8.3f} {b / a:10.1f}  {'yes' if a <= 1 else 'NO'}")
    for text in HOSTILE:
        t = time.perf_counter()
        try:
            landscapes.from_formula(text)
            verdict = "accepted?!"
        except ValueError:
            verdict = "refused"
        dt = time.perf_counter() - t
        label = text if len(text) <= 44 else text[:41] + "…"
        print(f"{label:44s} {dt:8.4f} {'':>8s} {'':>10s}  {'yes' if dt <= 1 else 'NO'} ({verdict})")
    s = landscapes.from_formula(BIG)
    x = np.random.default_rng(0).uniform(-3, 3, 100_000)
    t = time.perf_counter()
    s.gradient(x, x[::-1])
    print(f"\ntape evaluation of the big formula: {1e9 * (time.perf_counter() - t) / x.size:.0f} ns per gradient")


if __name__ == "__main__":
    main()
