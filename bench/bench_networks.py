"""Issue #15's speed goals for the network engine, beside torch eager measured in the same run.

    .venv/bin/python bench/bench_networks.py      # torch optional: pip install torch==2.13.0 (CPU)

Goals: 1,000 Adam steps of a 2-16-2 tanh network on 256 points at least 10× faster than
torch eager on the same net (float64, full batch, the same params0); a 101 × 101 plane of
the loss at most 1 s. Each time is the median of several repeats after a warm-up call (which
loads or compiles the kernels); the machine is noisy, so read the ratio measured in one run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import networks  # noqa: E402
from networks import planes  # noqa: E402

STEPS = 1000


def median_s(fn, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def torch_adam(net: networks.Net):
    import torch

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(os.cpu_count() or 1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    X, y = torch.tensor(net.X), torch.tensor(net.y)

    def run():
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(torch.tensor(net.params0), model.parameters())
        o = torch.optim.Adam(model.parameters(), lr=0.01)
        for _ in range(STEPS):
            o.zero_grad()
            torch.nn.functional.cross_entropy(model(X), y).backward()
            o.step()
        return torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()

    return run


def main() -> None:
    net = networks.make("moons", (16,), "tanh", n=256, seed=0)
    rows = []
    t_eng = median_s(lambda: networks.train(net, "adam", STEPS, lr=0.01), 7)
    rows.append(("1,000 Adam steps, 2-16-2 tanh, 256 points", "engine: networks.train", t_eng, None))
    try:
        run = torch_adam(net)
        ours = networks.train(net, "adam", STEPS, lr=0.01).params[-1]
        gap = float(np.max(np.abs(run() - ours)))
        t_torch = median_s(run, 3)
        rows.append(("1,000 Adam steps, 2-16-2 tanh, 256 points", f"torch {__import__('torch').__version__} eager "
                     f"(same final weights to {gap:.1e})", t_torch, t_torch / t_eng))  # fmt: skip
    except ImportError:
        rows.append(("1,000 Adam steps, 2-16-2 tanh, 256 points", "torch eager: not installed", float("nan"), None))
    runs = [networks.train(net, n, 500, lr=lr).params for n, lr in (("adam", 0.01), ("sgd", 0.5))]
    plane = planes.pca_plane(runs)
    a = np.linspace(-5, 5, 101)
    t_plane = median_s(lambda: planes.loss_grid(net, plane, a, a), 5)
    rows.append(("101 × 101 plane of the loss (PCA plane)", "engine: planes.loss_grid", t_plane, None))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print("| what | who | seconds | peer ÷ engine | goal |")
    print("|---|---|---|---|---|")
    goals = {0: "", 1: "≥ 10×", 2: "≤ 1 s"}
    for i, (what, who, t, ratio) in enumerate(rows):
        r = f"{ratio:.1f}×" if ratio else ""
        print(f"| {what} | {who} | {t:.4f} | {r} | {goals.get(i, '')} |")


if __name__ == "__main__":
    main()
