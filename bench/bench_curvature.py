"""Issue #14's engine pieces against their speed goals, beside peers measured in the same run.

    .venv/bin/python bench/bench_curvature.py

Goals from the issue: curvature for 8 runs × 10,000 steps ≤ 20 ms; a flow to t = 100 ≤ 50 ms;
a minimum-energy path ≤ 0.5 s; the critical points of a custom formula ≤ 0.5 s. Each time is
the median of several repeats after one warm-up call (which loads or compiles the Numba
kernels); this 2-core machine is noisy, so the table prints ratios against the engine measured
in the same run. Peers: the same Hessians' eigenvalues by ``np.linalg.eigvalsh``; the same
``solve_ivp`` call as the engine's flow made before, DOP853 with a Python right-hand side
calling ``surface.gradient`` (too slow for the goal: the flow turns stiff in a minimum), and
LSODA with that Python right-hand side; on a quadratic, the closed form expm(−At)θ₀ by
``scipy.linalg.expm`` at the same 400 times.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import landscapes  # noqa: E402
import optimizers  # noqa: E402

CUSTOM = "sin(x)*cos(y) + 0.1*x^2"
RUNS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax")
T_END, N_SAMPLES, RTOL = 100.0, 400, 1e-10
NEAR = ((-1.3, 0.0), (1.3, 3.1))  # the two minima of CUSTOM the path joins (in (−4, 4)²)
_TYPED = itertools.count(1)  # a new formula for each call of typed_then_critical


def median_ms(fn, reps: int) -> float:
    fn()  # warm-up: Numba loads (or compiles) the kernels here
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


# --- curvature -----------------------------------------------------------------------------


def runs(surface: landscapes.Surface) -> list[optimizers.Trajectory]:
    return [optimizers.trajectory(name, surface, None, 10_000) for name in RUNS]


def engine_eigenvalues(trs) -> None:
    for tr in trs:
        dataclasses.replace(tr, _hess_eig=None).hessian_eigenvalues  # noqa: B018 (a property that computes)


def engine_sharpness(trs) -> None:
    for tr in trs:
        optimizers.sharpness(tr)


def eigvalsh_peer(trs, surface: landscapes.Surface) -> None:
    for tr in trs:
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = surface.hessian(tr.path[:, 0], tr.path[:, 1])
        np.linalg.eigvalsh(np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2))


# --- gradient flow -------------------------------------------------------------------------


def python_rhs(surface: landscapes.Surface):
    def rhs(_t, th):
        gx, gy = surface.gradient(th[0], th[1])
        return [-gx, -gy]

    return rhs


def python_jac(surface: landscapes.Surface):
    def jac(_t, th):
        hxx, hxy, hyy = surface.hessian(th[0], th[1])
        return [[-hxx, -hxy], [-hxy, -hyy]]

    return jac


def ivp_peer(surface: landscapes.Surface, start, method: str):
    ts = np.linspace(0.0, T_END, N_SAMPLES)
    jac = python_jac(surface) if method == "LSODA" else None
    kw = {"rtol": RTOL, "atol": RTOL * 1e-2, "t_eval": ts} | ({"jac": jac} if jac else {})
    return lambda: solve_ivp(python_rhs(surface), (0.0, T_END), np.asarray(start, float), method=method, **kw)


def typed_then_critical() -> None:
    """A formula as the user types it: parse, derive, tape, minima search (``from_formula``), then its
    critical points. Each call types a new formula (SymPy and the minima search cache by formula)."""
    landscapes.critical_points(landscapes.from_formula(f"{CUSTOM} + {next(_TYPED)}e-4*y"))


def expm_peer(a: np.ndarray, theta0: np.ndarray):
    ts = np.linspace(0.0, T_END, N_SAMPLES)
    return lambda: np.array([expm(-a * t) @ theta0 for t in ts])


def main() -> None:
    rows: list[tuple[str, str, float, float | None]] = []  # (group, what, median ms, goal ms)

    def add(group: str, what: str, fn, reps: int, goal: float | None = None) -> None:
        rows.append((group, what, median_ms(fn, reps), goal))

    builtin, custom = landscapes.get("wobbly"), landscapes.from_formula(CUSTOM)
    himmelblau, rosenbrock = landscapes.get("himmelblau"), landscapes.get("rosenbrock")

    for label, s in (("wobbly", builtin), (f"custom {CUSTOM}", custom)):
        trs = runs(s)
        group = f"curvature, 8 runs × 10,000 steps ({label})"
        add(group, "engine: Trajectory.hessian_eigenvalues", partial(engine_eigenvalues, trs), 9, 20)
        add(group, "engine: optimizers.sharpness (λmax(H) or λmax(P⁻¹H))", partial(engine_sharpness, trs), 9, 20)
        add(group, "peer: surface.hessian + np.linalg.eigvalsh, stacked 2×2", partial(eigvalsh_peer, trs, s), 9)

    for label, s in (("himmelblau", himmelblau), ("rosenbrock", rosenbrock), (f"custom {CUSTOM}", custom)):
        group = f"gradient flow to t = 100 ({label}, from {s.start})"
        add(group, "engine: gradient_flow", partial(landscapes.gradient_flow, s, s.start, T_END), 9, 50)
        modified = partial(landscapes.gradient_flow, s, s.start, T_END, modified_lr=0.01)
        add(group, "engine: gradient_flow, modified (lr 0.01)", modified, 9, 50)
        add(group, "peer: solve_ivp LSODA, Python rhs + Jacobian", ivp_peer(s, s.start, "LSODA"), 5)
        slow = 3 if s is rosenbrock else 5  # 2 s a call
        add(group, "peer: solve_ivp DOP853, Python rhs (the engine before)", ivp_peer(s, s.start, "DOP853"), slow)
    quad = landscapes.from_formula("1.5*x^2 + x*y + y^2")
    a, theta0 = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([2.0, -1.5])
    group = "gradient flow to t = 100 (quadratic 1.5x² + xy + y², from (2, −1.5))"
    add(group, "engine: gradient_flow", partial(landscapes.gradient_flow, quad, theta0, T_END), 9, 50)
    add(group, "peer: scipy.linalg.expm(−At)θ₀ at the 400 times", expm_peer(a, theta0), 5)

    group = "minimum-energy path, 101 images (himmelblau (3, 2) → (−2.81, 3.13))"
    mep = partial(landscapes.minimum_energy_path, himmelblau, (3.0, 2.0), (-2.805118, 3.131312))
    add(group, "engine: minimum_energy_path", mep, 7, 500)
    wide = landscapes.from_formula(CUSTOM, bounds=((-4, 4), (-4, 4)))  # (−3, 3)² holds one minimum
    lows = [c for c in landscapes.critical_points(wide) if c.kind == "minimum"]
    ca, cb = ((c.x, c.y) for c in (min(lows, key=lambda c: np.hypot(c.x - x, c.y - y)) for x, y in NEAR))
    group = f"minimum-energy path, 101 images (custom, ({ca[0]:.2f}, {ca[1]:.2f}) → ({cb[0]:.2f}, {cb[1]:.2f}))"
    add(group, "engine: minimum_energy_path", partial(landscapes.minimum_energy_path, wide, ca, cb), 7, 500)

    group = f"critical points in the view, 201 × 201 grid (custom {CUSTOM})"
    add(group, "engine: critical_points", partial(landscapes.critical_points, custom), 7, 500)
    add(group, "engine: the typed text → surface → critical_points", typed_then_critical, 5, 500)
    group = "critical points in the view, 201 × 201 grid (himmelblau)"
    add(group, "engine: critical_points", partial(landscapes.critical_points, himmelblau), 7, 500)

    base: dict[str, float] = {}
    for g, w, ms, _ in rows:
        if w.startswith("engine"):
            base.setdefault(g, ms)
    print("| group | what | median ms | goal ms | ÷ goal | peer ÷ engine |\n|---|---|---|---|---|---|")
    for g, w, ms, goal in rows:
        over = f"{ms / goal:.2f}" if goal else ""
        ratio = f"{ms / base[g]:,.1f}×" if w.startswith("peer") else ""
        print(f"| {g} | {w} | {ms:,.2f} | {goal or ''} | {over} | {ratio} |")


if __name__ == "__main__":
    main()
