"""The sweep pages' compute against a vectorised NumPy peer, measured side by side in one run.

    .venv/bin/python bench/bench_sweeps.py

Basins of attraction (a 256×256 grid of starts, 500 Adam steps) and a 64×64 lr × momentum
heatmap (500 steps), each through ``viz.sweeps`` exactly as the pages call it (no cache),
and the same work in NumPy (one array op per step over all runs). Issue goals: ≤ 1 s
and ≤ 0.2 s of compute on this 2-core machine. Best of several runs (the machine is noisy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import LR, best_of, numpy_adam, wobbly_grad_np  # noqa: E402

import landscapes  # noqa: E402
from viz import sweeps  # noqa: E402

STEPS = 500


def numpy_momentum(lr: np.ndarray, mom: np.ndarray, start, steps: int) -> np.ndarray:
    """torch SGD(momentum) on wobbly for every (lr, momentum) pair at once."""
    x = np.full(lr.shape, start[0])
    y = np.full(lr.shape, start[1])
    bx, by = np.zeros_like(x), np.zeros_like(x)
    for t in range(steps):
        gx, gy = wobbly_grad_np(x, y)
        bx = gx if t == 0 else mom * bx + gx
        by = gy if t == 0 else mom * by + gy
        x = x - lr * bx
        y = y - lr * by
    return np.column_stack([x, y])


def main() -> None:
    w = landscapes.get("wobbly")
    hc = landscapes.get("hills_and_canyon")
    sweeps.basins("adam", w, 8, 5, cache=None)  # load the kernels
    rows = []

    n = 256
    g = np.linspace(-3, 3, n)
    gx, gy = np.meshgrid(g, g)
    starts = np.c_[gx.ravel(), gy.ravel()]
    t_w = best_of(lambda: sweeps.basins("adam", w, n, STEPS, {"lr": LR}, bounds=((-3, 3), (-3, 3)), cache=None), 3)
    t_h = best_of(lambda: sweeps.basins("adam", hc, n, STEPS, {"lr": LR}, bounds=((-3, 3), (-3, 3)), cache=None), 3)
    t_np = best_of(lambda: numpy_adam(starts, STEPS), 1)
    rows.append(("basins 256×256 × 500 Adam, wobbly", t_w, t_np, 1.0))
    rows.append(("basins 256×256 × 500 Adam, hills_and_canyon", t_h, None, 1.0))

    x = sweeps.Axis("lr", 1e-4, 1.0, 64, log=True)
    y = sweeps.Axis("momentum", 0.0, 0.99, 64)
    lr, mom = (a.ravel() for a in np.meshgrid(x.values(), y.values()))
    t_hm = best_of(lambda: sweeps.heatmap("momentum", w, w.start, STEPS, x, y, cache=None), 5)
    t_hm_np = best_of(lambda: numpy_momentum(lr, mom, w.start, STEPS), 3)
    rows.append(("heatmap 64×64 × 500 momentum, wobbly", t_hm, t_hm_np, 0.2))

    print(f"{'workload':46s} {'engine s':>9s} {'NumPy s':>9s} {'NumPy/engine':>13s} {'goal s':>7s}  met")
    for name, t, peer, goal in rows:
        ratio = f"{peer / t:13.1f}" if peer else f"{'—':>13s}"
        peer_s = f"{peer:9.3f}" if peer else f"{'—':>9s}"
        print(f"{name:46s} {t:9.3f} {peer_s} {ratio} {goal:7.2f}  {'yes' if t <= goal else 'NO'}")


if __name__ == "__main__":
    main()
