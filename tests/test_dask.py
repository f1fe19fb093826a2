"""Sweeps past one machine (#16): chunks as Dask tasks, written chunk by chunk, equal to a local sweep."""

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import cli
import landscapes
from viz import distributed, sweeps


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0")  # fmt: skip
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def _local_basins(n=48, steps=120) -> pd.DataFrame:
    s = landscapes.get("wobbly")
    return sweeps.basins("adam", s, n, steps, {"lr": 0.1}, cache=None).frame()


def test_a_chunked_job_equals_the_local_sweep_bit_for_bit(tmp_path, client):
    job = distributed.BasinsJob("adam", "wobbly", 48, 120, (("lr", 0.1),))
    local = _local_basins()
    here = pd.read_parquet(distributed.run_job(job, tmp_path / "here", chunk=500))
    pd.testing.assert_frame_equal(here, local, check_exact=True)
    there = pd.read_parquet(distributed.run_job(job, tmp_path / "there", client, chunk=300))
    pd.testing.assert_frame_equal(there, local, check_exact=True)
    assert len(list((tmp_path / "there").glob("part-*.parquet"))) == -(-48 * 48 // 300)
    with pytest.raises(ValueError, match="already holds"):
        distributed.run_job(job, tmp_path / "there", client)


def test_a_heatmap_job_equals_the_local_heatmap(tmp_path, client):
    x, y = sweeps.Axis("lr", 1e-3, 1.0, 24, log=True), sweeps.Axis("momentum", 0.0, 0.99, 20)
    s = landscapes.get("hills_and_canyon")
    local = sweeps.heatmap("momentum", s, s.start, 150, x, y, cache=None).frame()
    job = distributed.HeatmapJob("momentum", "hills_and_canyon", s.start, 150, x, y)
    there = pd.read_parquet(distributed.run_job(job, tmp_path / "hm", client, chunk=100))
    pd.testing.assert_frame_equal(there, local, check_exact=True)


def test_a_worker_that_dies_mid_sweep_loses_nothing(tmp_path, client):
    job = distributed.BasinsJob("adam", "wobbly", 96, 400, (("lr", 0.1),))
    pids = list(client.run(os.getpid).values())
    killed = threading.Event()

    def kill_one(done: float) -> None:
        if done > 0.2 and not killed.is_set():
            killed.set()
            os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker; its tasks run again

    out = distributed.run_job(job, tmp_path / "killed", client, chunk=256, progress=kill_one)
    assert killed.is_set()
    got = pd.read_parquet(out)
    expected = sweeps.basins("adam", landscapes.get("wobbly"), 96, 400, {"lr": 0.1}, cache=None).frame()
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert not list(out.glob(".part-*"))  # no half-written file left
    deadline = time.time() + 30
    while len(client.scheduler_info()["workers"]) < 2 and time.time() < deadline:
        time.sleep(0.2)


def test_the_pages_send_big_sweeps_to_the_cluster_named_in_the_environment(monkeypatch, client):
    s = landscapes.get("wobbly")
    local = sweeps.basins("momentum", s, 40, 100, {"lr": 0.01}, cache=None)
    calls = []
    real = distributed.sweep_on
    monkeypatch.setattr(distributed, "_PAGE_CLIENT", client)
    monkeypatch.setenv(distributed.ENV, client.scheduler.address)
    monkeypatch.setattr(distributed, "sweep_on", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(sweeps, "CHUNK", 256)
    remote = sweeps.run_chunked("momentum", s, np.c_[np.meshgrid(local.xs, local.ys)[0].ravel(),
                                np.meshgrid(local.xs, local.ys)[1].ravel()], 100, chunk=256, lr=0.01)  # fmt: skip
    assert calls
    np.testing.assert_array_equal(remote.final.reshape(local.final.shape), local.final)
    np.testing.assert_array_equal(remote.basin.reshape(local.basin.shape), local.basin)


def test_the_command_line_writes_a_dataset_with_a_local_cluster(tmp_path):
    out = tmp_path / "basins"
    code = cli.main(["sweep", "--surface", "wobbly", "--optimizer", "adam", "--grid", "32", "--steps", "60",
                     "--set", "lr=0.1", "--dask", "--chunk", "200", "--out", str(out)])  # fmt: skip
    assert code == 0
    local = sweeps.basins("adam", landscapes.get("wobbly"), 32, 60, {"lr": 0.1}, cache=None).frame()
    pd.testing.assert_frame_equal(pd.read_parquet(out), local, check_exact=True)
    again = ["sweep", "--surface", "wobbly", "--optimizer", "adam", "--grid", "32", "--dask", "--out", str(out)]
    assert cli.main(again) == 2  # refused: the folder already holds a sweep
