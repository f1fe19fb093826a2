"""Engine speed against its peers, measured side by side in one run.

    .venv/bin/python bench/bench_engine.py            # everything (needs torch and jax)
    .venv/bin/python bench/bench_engine.py --quick    # smaller sizes, skips missing peers
    .venv/bin/python bench/bench_engine.py --isa native   # skip the AVX2-restricted sweep

It prints the CPU and the SIMD width the kernels were compiled for. On an AVX-512 CPU the
sweep is timed twice: natively, and with both the engine and JAX restricted to AVX2.

Peers are optional: ``pip install torch==2.13.0 jax jaxlib`` (CPU builds) for the full
table. Each timing is the best of several repetitions (this 2-core machine is noisy);
the table prints ratios against the engine measured in the same run.
"""

from __future__ import annotations

import argparse
import json
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
from landscapes._jit import target_cpu, vector_width  # noqa: E402

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


def bare_adam(steps: int):
    """The same arithmetic as a bare Numba loop: wobbly's lane formulas and torch's Adam with the
    state in registers and nothing recorded. A step is one chain of dependent operations, so
    this is the floor a trajectory can reach."""
    import numba

    from landscapes._generated import value_grad_one
    from optimizers.kernels import _lerp

    sid = landscapes.get("wobbly").kernel_arg[0]

    @numba.njit(error_model="numpy")
    def loop(x, y, steps, lr, b1, b2, eps):
        mx = my = vx = vy = 0.0
        b1t = b2t = 1.0
        for _ in range(steps):
            _, gx, gy = value_grad_one(sid, x, y)
            b1t *= b1
            b2t *= b2
            step_size = lr / (1.0 - b1t)
            bc = math.sqrt(1.0 - b2t)
            mx = _lerp(mx, gx, 1.0 - b1)
            my = _lerp(my, gy, 1.0 - b1)
            vx = vx * b2 + (1.0 - b2) * gx * gx
            vy = vy * b2 + (1.0 - b2) * gy * gy
            x = x + (-step_size * mx) / (math.sqrt(vx) / bc + eps)
            y = y + (-step_size * my) / (math.sqrt(vy) / bc + eps)
        return x, y

    loop(-2.8, -2.5, 10, LR, B1, B2, EPS)
    return lambda: loop(-2.8, -2.5, steps, LR, B1, B2, EPS)


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


# --- instruction sets ----------------------------------------------------------------------
# The sweep is timed on the CPU's own instruction set and, on an AVX-512 CPU, again with both
# the engine and JAX restricted to AVX2 (what an AVX2-only CPU runs): Numba compiles for the
# CPU named by NUMBA_CPU_NAME/NUMBA_CPU_FEATURES, XLA obeys --xla_cpu_max_isa.

ISAS = ("native", "avx2")
ISA_WIDTH = {"avx2": 4}


def host_has(feature: str) -> bool:
    from llvmlite import binding as llvm

    return bool(llvm.get_host_cpu_features().get(feature))


def isa_label(isa: str) -> str:
    return f"native ({target_cpu()[0]})" if isa == "native" else "AVX2 only"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def sweep_times(starts: np.ndarray, steps: int, reps: int) -> dict[str, float]:
    """Best seconds of the engine's sweep and, when JAX is installed, of JAX's, timed alternately."""
    s = landscapes.get("wobbly")
    optimizers.sweep("adam", s, starts[:16], 5)
    engine = lambda: optimizers.sweep("adam", s, starts, steps, lr=LR)  # noqa: E731
    try:
        jrun = jax_adam(steps)
    except ImportError:
        return {"engine": best_of(engine, reps)}
    jrun(starts)
    t_eng, t_jax = best_of_pair(engine, lambda: jrun(starts), reps)
    return {"engine": t_eng, "jax": t_jax}


def sweep_times_restricted(isa: str, n_starts: int, steps: int, reps: int) -> dict[str, float]:
    """``sweep_times`` in a fresh process whose Numba and XLA target only ``isa`` (compiles once
    into its own cache entries: Numba keys its cache by the target CPU)."""
    from llvmlite import binding as llvm

    wide = ("avx512", "avx10", "amx")
    features = ",".join(
        ("-" if k.startswith(wide) else "+" if on else "-") + k for k, on in llvm.get_host_cpu_features().items()
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NUMBA_CPU_NAME": "haswell",
        "NUMBA_CPU_FEATURES": features,
        "XLA_FLAGS": (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_max_isa=AVX2").strip(),
    }
    code = (
        "import json, sys, numpy as np; sys.path.insert(0, 'bench'); import bench_engine as b; "
        f"st = np.random.default_rng(0).uniform(-3, 3, ({n_starts}, 2)); "
        f"print(json.dumps(b.sweep_times(st, {steps}, {reps})))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    ap.add_argument("--isa", choices=("native", "all"), default="all",
                    help="all: also time the sweep restricted to AVX2 on an AVX-512 CPU")  # fmt: skip
    args = ap.parse_args()
    traj_steps = 10_000
    n_starts, sweep_steps = (10_000, 200) if args.quick else (100_000, 500)
    reps = 3 if args.quick else 5
    rows: list[tuple[str, str, float, str]] = []  # (group, what, value, unit)

    s = landscapes.get("wobbly")
    optimizers.trajectory("adam", s, None, 10)  # load kernels
    # a trajectory takes ~0.5 ms: the best of many calls, as for the bare loop below
    t_engine = best_of(lambda: optimizers.trajectory("adam", s, None, traj_steps, lr=LR), 10 * reps) / traj_steps
    rows.append(("trajectory (Adam, wobbly, 10,000 steps)", "engine (records path, state)", t_engine, "ns/step"))
    t_bare = best_of(bare_adam(traj_steps), 10 * reps) / traj_steps
    traj = "trajectory (Adam, wobbly, 10,000 steps)"
    rows.append((traj, "bare Numba loop, same arithmetic, no records", t_bare, "ns/step"))
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
    for isa in ISAS:
        if isa != "native" and (args.isa != "all" or not host_has("avx512f")):
            continue  # a narrower ISA only where this CPU has a wider one to restrict
        width = vector_width() if isa == "native" else ISA_WIDTH[isa]
        group = f"sweep (Adam, wobbly, {n_starts:,} starts × {sweep_steps} steps), {isa_label(isa)}"
        if isa == "native":
            times = sweep_times(starts, sweep_steps, reps)
        else:
            times = sweep_times_restricted(isa, n_starts, sweep_steps, reps)
        what = f"engine sweep, {width} float64 per register"
        what += " (timed alternately with JAX)" if "jax" in times else ""
        rows.append((group, what, times["engine"] / work, "ns/trajectory-step"))
        if "jax" in times:
            rows.append((group, "JAX vmap + jit + lax.scan", times["jax"] / work, "ns/trajectory-step"))
        if isa == "native":
            t_np = best_of(lambda: numpy_adam(starts, sweep_steps), max(1, reps - 2)) / work
            rows.append((group, "NumPy vectorised over the batch", t_np, "ns/trajectory-step"))

    with tempfile.TemporaryDirectory() as cache:
        cold = startup_seconds(cache)
        warm = min(startup_seconds(cache) for _ in range(2))
    rows.append(("start-up (import + first trajectory and sweep)", "cold: compile into an empty cache", cold, "s"))
    rows.append(("start-up (import + first trajectory and sweep)", "warm: load from the on-disk cache", warm, "s"))

    name, _ = target_cpu()
    print(f"CPU: {cpu_model()}; kernels compiled for {name}, {vector_width()} float64 per SIMD register")
    if any("AVX2 only" in r[0] for r in rows):
        print("AVX2 only: Numba compiled as haswell without AVX-512, JAX with XLA_FLAGS=--xla_cpu_max_isa=AVX2")
    print()
    base = {g: v for g, w, v, _ in rows if w.startswith("engine")}
    print("| group | what | time | peer ÷ engine |\n|---|---|---|---|")
    for g, w, v, unit in rows:
        shown = f"{v * 1e9:,.1f} {unit}" if unit != "s" else f"{v:.2f} s"
        ratio = f"{v / base[g]:,.1f}×" if g in base and not w.startswith("engine") else ""
        print(f"| {g} | {w} | {shown} | {ratio} |")


if __name__ == "__main__":
    main()
