"""Engine speed against its peers, measured side by side in one run.

    .venv/bin/python bench/bench_engine.py            # everything (needs torch and jax)
    .venv/bin/python bench/bench_engine.py --quick    # smaller sizes, skips missing peers

Peers are optional: ``pip install torch==2.13.0 jax jaxlib`` (CPU builds) for the full
table. Each timing is the best of several repetitions (this 2-core machine is noisy);
the table prints ratios against the engine measured in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import landscapes  # noqa: E402
import optimizers  # noqa: E402

LR, B1, B2, EPS = 0.05, 0.9, 0.999, 1e-8


def best_of(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def best_of_pair(fa, fb, reps: int) -> tuple[float, float]:
    """Best times of two workloads measured alternately, so that drift in the machine's
    speed (±30% over minutes here) hits both alike."""
    ta, tb = [], []
    for _ in range(reps):
        for fn, acc in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t)
    return min(ta), min(tb)


# --- one trajectory ---------------------------------------------------------------------


def wobbly_grad_py(x: float, y: float) -> tuple[float, float]:
    ax = abs(x)
    sq = math.sqrt(ax + 0.1)
    sg = math.copysign(1.0, x) if x else 0.0
    e = math.exp(-2 * ((x + 1) ** 2 + (y + 2) ** 2))
    c = 3 * math.cos(x + y)
    return sg * sq + ax * sg / (2 * sq) + c + 2 * x / 3 - 32 * (x + 1) * e, c + 2 * y / 3 - 32 * (y + 2) * e


def python_adam(steps: int) -> None:
    x, y = -2.8, -2.5
    mx = my = vx = vy = 0.0
    for t in range(1, steps + 1):
        gx, gy = wobbly_grad_py(x, y)
        mx += (1 - B1) * (gx - mx)
        my += (1 - B1) * (gy - my)
        vx = vx * B2 + (1 - B2) * gx * gx
        vy = vy * B2 + (1 - B2) * gy * gy
        ss, bc = LR / (1 - B1**t), math.sqrt(1 - B2**t)
        x -= ss * mx / (math.sqrt(vx) / bc + EPS)
        y -= ss * my / (math.sqrt(vy) / bc + EPS)


def torch_adam(steps: int):
    import torch

    p = torch.tensor([-2.8, -2.5], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=LR)

    def run():
        for _ in range(steps):
            opt.zero_grad()
            x, y = p[0], p[1]
            f = (x * x + y * y) / 3 + x.abs() * (x.abs() + 0.1).sqrt() + 3 * torch.sin(x + y) + 3
            f = f + 8 * torch.exp(-2 * ((x + 1) ** 2 + (y + 2) ** 2))
            f.backward()
            opt.step()

    return run


# --- sweeps -------------------------------------------------------------------------------


def wobbly_grad_np(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """wobbly's gradient for whole arrays (the NumPy peers' hand-written derivative)."""
    ax = np.abs(x)
    sq = np.sqrt(ax + 0.1)
    sg = np.sign(x)
    e = np.exp(-2 * ((x + 1) ** 2 + (y + 2) ** 2))
    c = 3 * np.cos(x + y)
    return sg * sq + ax * sg / (2 * sq) + c + 2 * x / 3 - 32 * (x + 1) * e, c + 2 * y / 3 - 32 * (y + 2) * e


def numpy_adam(starts: np.ndarray, steps: int) -> np.ndarray:
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    mx, my, vx, vy = (np.zeros_like(x) for _ in range(4))
    for t in range(1, steps + 1):
        gx, gy = wobbly_grad_np(x, y)
        mx += (1 - B1) * (gx - mx)
        my += (1 - B1) * (gy - my)
        vx *= B2
        vx += (1 - B2) * gx * gx
        vy *= B2
        vy += (1 - B2) * gy * gy
        ss, bc = LR / (1 - B1**t), math.sqrt(1 - B2**t)
        x -= ss * mx / (np.sqrt(vx) / bc + EPS)
        y -= ss * my / (np.sqrt(vy) / bc + EPS)
    return np.column_stack([x, y])


def jax_adam(steps: int):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def f(p):
        x, y = p[0], p[1]
        return (
            (x * x + y * y) / 3
            + jnp.abs(x) * jnp.sqrt(jnp.abs(x) + 0.1)
            + 3 * jnp.sin(x + y)
            + 3
            + 8 * jnp.exp(-2 * ((x + 1) ** 2 + (y + 2) ** 2))
        )

    g = jax.grad(f)

    def one(p0):
        def body(c, t):
            p, m, v = c
            gr = g(p)
            m = m + (1 - B1) * (gr - m)
            v = v * B2 + (1 - B2) * gr * gr
            step = LR / (1 - B1**t) * m / (jnp.sqrt(v) / jnp.sqrt(1 - B2**t) + EPS)
            return (p - step, m, v), None

        ts = jnp.arange(1, steps + 1, dtype=jnp.float64)
        return jax.lax.scan(body, (p0, jnp.zeros(2), jnp.zeros(2)), ts)[0][0]

    batched = jax.jit(jax.vmap(one))
    return lambda starts: batched(starts).block_until_ready()


# --- compile and start-up -----------------------------------------------------------------

_STARTUP = (
    "import time; t=time.perf_counter(); import landscapes, optimizers; "
    "optimizers.trajectory('adam', 'wobbly', None, 10); optimizers.sweep('adam', 'wobbly', [[0.0, 0.0]], 10); "
    "print(time.perf_counter()-t)"
)


def startup_seconds(cache_dir: str) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _STARTUP], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    args = ap.parse_args()
    traj_steps = 10_000
    n_starts, sweep_steps = (10_000, 200) if args.quick else (100_000, 500)
    reps = 3 if args.quick else 5
    rows: list[tuple[str, str, float, str]] = []  # (group, what, value, unit)

    s = landscapes.get("wobbly")
    optimizers.trajectory("adam", s, None, 10)  # load kernels
    t_engine = best_of(lambda: optimizers.trajectory("adam", s, None, traj_steps, lr=LR), reps) / traj_steps
    rows.append(("trajectory (Adam, wobbly, 10,000 steps)", "engine (records path, state)", t_engine, "ns/step"))
    t_py = best_of(lambda: python_adam(traj_steps), reps) / traj_steps
    rows.append(("trajectory (Adam, wobbly, 10,000 steps)", "plain Python loop", t_py, "ns/step"))
    try:
        run = torch_adam(2000)
        run()
        t_torch = best_of(run, reps) / 2000
        rows.append(("trajectory (Adam, wobbly, 10,000 steps)", "torch.optim.Adam eager", t_torch, "ns/step"))
    except ImportError:
        pass

    rng = np.random.default_rng(0)
    starts = rng.uniform(-3, 3, (n_starts, 2))
    work = n_starts * sweep_steps
    group = f"sweep (Adam, wobbly, {n_starts:,} starts × {sweep_steps} steps)"
    optimizers.sweep("adam", s, starts[:16], 5)
    t_sweep = best_of(lambda: optimizers.sweep("adam", s, starts, sweep_steps, lr=LR), reps) / work
    rows.append((group, "engine sweep", t_sweep, "ns/trajectory-step"))
    t_np = best_of(lambda: numpy_adam(starts, sweep_steps), max(1, reps - 2)) / work
    rows.append((group, "NumPy vectorised over the batch", t_np, "ns/trajectory-step"))
    try:
        jrun = jax_adam(sweep_steps)
        jrun(starts)
        t_eng, t_jax = best_of_pair(lambda: optimizers.sweep("adam", s, starts, sweep_steps, lr=LR),
                                    lambda: jrun(starts), reps)  # fmt: skip
        rows[-2] = (group, "engine sweep (timed alternately with JAX)", t_eng / work, "ns/trajectory-step")
        rows.append((group, "JAX vmap + jit + lax.scan", t_jax / work, "ns/trajectory-step"))
    except ImportError:
        pass

    with tempfile.TemporaryDirectory() as cache:
        cold = startup_seconds(cache)
        warm = min(startup_seconds(cache) for _ in range(2))
    rows.append(("start-up (import + first trajectory and sweep)", "cold: compile into an empty cache", cold, "s"))
    rows.append(("start-up (import + first trajectory and sweep)", "warm: load from the on-disk cache", warm, "s"))

    base = {g: v for g, w, v, _ in rows if w.startswith("engine")}
    print("| group | what | time | peer ÷ engine |\n|---|---|---|---|")
    for g, w, v, unit in rows:
        shown = f"{v * 1e9:,.1f} {unit}" if unit != "s" else f"{v:.2f} s"
        ratio = f"{v / base[g]:,.1f}×" if g in base and not w.startswith("engine") else ""
        print(f"| {g} | {w} | {shown} | {ratio} |")


if __name__ == "__main__":
    main()
