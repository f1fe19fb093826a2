"""Issue #16's sweep on Dask against the same sweep here, measured in one run.

    .venv/bin/python bench/bench_dask.py            # 2048² starts × 500 Adam steps on wobbly
    .venv/bin/python bench/bench_dask.py --quick    # 512² × 200

Both write the same Parquet dataset (one file per chunk) with ``viz.distributed.run_job``: here
in this process (the engine's own threads on every core), and on a LocalCluster of 2 worker
processes with 1 thread each. Goal: the cluster's overhead ≤ 10%. Workers are started (and
their compiled kernels loaded) before timing, as a running cluster would be.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from viz import distributed  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    n, steps = (512, 200) if a.quick else (2048, 500)
    job = distributed.BasinsJob("adam", "wobbly", n, steps, (("lr", 0.1),))
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0")  # fmt: skip
    client = Client(cluster)
    client.run(lambda: distributed.BasinsJob("adam", "wobbly", 4, 2, (("lr", 0.1),)).frame(0, 16))  # warm workers
    job.frame(0, 16)  # and this process
    tmp = Path(tempfile.mkdtemp())
    try:
        t = time.perf_counter()
        distributed.run_job(job, tmp / "here")
        t_here = time.perf_counter() - t
        t = time.perf_counter()
        distributed.run_job(job, tmp / "dask", client)
        t_dask = time.perf_counter() - t
        same = pd.read_parquet(tmp / "here").equals(pd.read_parquet(tmp / "dask"))
    finally:
        client.close()
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)
    work = n * n * steps
    print(f"machine: {platform.machine()}, {n}² starts × {steps} Adam steps on wobbly ({work:.2e} run-steps)")
    print("| where | seconds | ns per run-step | overhead | goal |")
    print("|---|---|---|---|---|")
    print(f"| here (run_job, engine threads) | {t_here:.2f} | {1e9 * t_here / work:.1f} |  |  |")
    print(f"| LocalCluster, 2 workers × 1 thread | {t_dask:.2f} | {1e9 * t_dask / work:.1f} | "
          f"{100 * (t_dask / t_here - 1):+.1f}% | ≤ +10% |")  # fmt: skip
    print(f"identical datasets: {same}")


if __name__ == "__main__":
    main()
