"""Sweeps past one machine: the runs split into chunks, one Dask task each, written chunk by chunk.

A ``BasinsJob`` or ``HeatmapJob`` is a small, picklable description of a sweep; ``job.frame(lo,
hi)`` computes runs lo…hi-1 from it alone (the starts and settings follow from the run's index),
so a worker needs nothing but the job. ``run_job`` writes one Parquet file per chunk into a
folder (a Parquet dataset), locally or on a ``dask.distributed`` cluster, so no machine holds the
whole result. The rows are the ones ``viz.sweeps`` computes on one machine, bit for bit: the
same engine call on the same runs (each run is independent of the others in its chunk). A chunk
lost with a worker is computed again by another; its file is written whole or not at all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import landscapes
import optimizers

ENV = "LANDSCAPES_DASK"  # a scheduler address the pages send big sweeps to
CHUNK = 65_536  # runs per task: ~0.5–2 s of engine time, a few MB of Parquet
MAX_RUNS = 1 << 26  # 8192² starts


@dataclass(frozen=True)
class BasinsJob:
    """Runs of ``optimizer`` from every point of an n×n grid over ``bounds`` (default: the
    surface's view); run r starts at (xs[r % n], ys[r // n]), as ``sweeps.basins`` orders them."""

    optimizer: str
    surface: str
    n: int
    steps: int
    hyper: tuple = ()
    bounds: tuple | None = None

    @property
    def runs(self) -> int:
        return self.n * self.n

    def frame(self, lo: int, hi: int) -> pd.DataFrame:
        s = landscapes.get(self.surface)
        (x0, x1), (y0, y1) = self.bounds or s.bounds
        xs, ys = np.linspace(x0, x1, self.n), np.linspace(y0, y1, self.n)
        j, i = np.divmod(np.arange(lo, hi), self.n)
        starts = np.c_[xs[i], ys[j]]
        sw = optimizers.sweep(self.optimizer, s, starts, self.steps, **dict(self.hyper))
        return pd.DataFrame({
            "start_x": starts[:, 0], "start_y": starts[:, 1], "final_x": sw.final[:, 0], "final_y": sw.final[:, 1],
            "final_loss": sw.loss, "basin": sw.basin, "steps_to_tol": sw.steps_to_tol, "diverged": sw.diverged,
        })  # fmt: skip


@dataclass(frozen=True)
class HeatmapJob:
    """Runs of ``optimizer`` from ``start`` for every (x, y) pair of two hyperparameter axes; run r
    takes x.values()[r % nx] and y.values()[r // nx], as ``sweeps.heatmap`` orders them."""

    optimizer: str
    surface: str
    start: tuple[float, float]
    steps: int
    x: Any  # viz.sweeps.Axis
    y: Any
    fixed: tuple = field(default=())

    @property
    def runs(self) -> int:
        return self.x.n * self.y.n

    def frame(self, lo: int, hi: int) -> pd.DataFrame:
        from viz.sweeps import METRICS, metric_values

        s = landscapes.get(self.surface)
        j, i = np.divmod(np.arange(lo, hi), self.x.n)
        xv, yv = self.x.values()[i], self.y.values()[j]
        fixed = {k: v for k, v in self.fixed if k not in (self.x.name, self.y.name)}
        starts = np.tile(np.array(self.start, dtype=float), (hi - lo, 1))
        sw = optimizers.sweep(self.optimizer, s, starts, self.steps, **fixed, **{self.x.name: xv, self.y.name: yv})
        df = pd.DataFrame({self.x.name: xv, self.y.name: yv})
        for m in METRICS:
            df[m] = metric_values(s, sw, m)
        df["diverged_flag"] = sw.diverged
        df["final_x"], df["final_y"] = sw.final[:, 0], sw.final[:, 1]
        df["basin"] = sw.basin
        return df


def chunks(n: int, size: int = CHUNK) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def write_part(job: BasinsJob | HeatmapJob, lo: int, hi: int, out: str, k: int) -> int:
    """Compute runs lo…hi-1 and write them to ``out/part-k.parquet`` whole or not at all (a
    unique temporary name, then a rename); returns the number of rows."""
    df = job.frame(lo, hi)
    final = Path(out) / f"part-{k:06d}.parquet"
    tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, final)
    return len(df)


def run_job(
    job: BasinsJob | HeatmapJob,
    out: str | os.PathLike,
    client: Any = None,
    chunk: int = CHUNK,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Write ``job``'s rows into the folder ``out`` as a Parquet dataset (one file per chunk), on
    ``client`` (a ``dask.distributed.Client``) or here; returns the folder. Read it back with
    ``pandas.read_parquet(out)``."""
    if not 1 <= job.runs <= MAX_RUNS:
        raise ValueError(f"{job.runs:,} runs: 1 to {MAX_RUNS:,} here")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("part-*.parquet")):
        raise ValueError(f"{out} already holds a sweep's parts: choose an empty folder")
    parts = chunks(job.runs, chunk)
    if progress:
        progress(0.0)
    if client is None:
        for k, (lo, hi) in enumerate(parts):
            write_part(job, lo, hi, str(out), k)
            if progress:
                progress((k + 1) / len(parts))
    else:
        from distributed import as_completed

        futures = [client.submit(write_part, job, lo, hi, str(out), k, key=f"sweep-part-{uuid.uuid4().hex}-{k}",
                                 retries=3) for k, (lo, hi) in enumerate(parts)]  # fmt: skip
        for done, f in enumerate(as_completed(futures), 1):
            f.result()  # raises the task's error here
            if progress:
                progress(done / len(parts))
    for stale in out.glob(".part-*.tmp"):  # an attempt cut short by a lost worker
        stale.unlink(missing_ok=True)
    return out


def client_for(address: str | None) -> Any:
    """A ``dask.distributed.Client``: to the scheduler at ``address``, or to a new ``LocalCluster``
    (one worker process per core) when it is None."""
    from distributed import Client, LocalCluster

    if address:
        return Client(address)
    # loopback only: the scheduler, the workers and the scheduler's HTTP endpoint
    return Client(LocalCluster(processes=True, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0"))  # fmt: skip


_PAGE_CLIENT: Any = None


def page_client() -> Any:
    """The cluster the pages send big sweeps to (``LANDSCAPES_DASK`` = its scheduler address), or None."""
    global _PAGE_CLIENT
    address = os.environ.get(ENV)
    if not address:
        return None
    if _PAGE_CLIENT is None:
        from distributed import Client

        _PAGE_CLIENT = Client(address)
    return _PAGE_CLIENT


def _sweep_chunk(name: str, surface: str, starts: np.ndarray, steps: int, paths: bool, hyper: dict) -> Any:
    return optimizers.sweep(name, landscapes.get(surface), starts, steps, paths=paths, **hyper)


def sweep_on(client: Any, name: str, surface: landscapes.Surface, starts: np.ndarray, steps: int, paths: bool,
             hyper_parts: list[dict], bounds: list[tuple[int, int]]) -> list:  # fmt: skip
    """``optimizers.sweep`` over chunks on the cluster, results in chunk order (same bits as here)."""
    futures = [client.submit(_sweep_chunk, name, surface.name, starts[a:b], steps, paths, hp, pure=False)
               for (a, b), hp in zip(bounds, hyper_parts, strict=True)]  # fmt: skip
    return client.gather(futures)
