"""A class on one server: N sessions at once over Streamlit's own websocket protocol (no browser).

    .venv/bin/python bench/bench_load.py --port 8501 --sessions 20 --reruns 3
    .venv/bin/python bench/bench_load.py --port 8501 --sessions 100 --reruns 0   # open and close: memory

Each session connects to ``ws://127.0.0.1:PORT/_stcore/stream`` (loopback only), asks for the
playground with its own link (a different start per session) and reruns it ``--reruns`` more
times, all sessions at once; a rerun's latency is from the request to the server's
``script_finished``. Prints p50/p95/max latency, errors, and the server's resident memory
before, after and (``--settle`` seconds later) once the sessions are gone. Bounded: at most
200 sessions and ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

MAX_SESSIONS = 200


def server_process(port: int) -> psutil.Process | None:
    """The process listening on ``port`` (loopback), or None."""
    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port and c.pid:
            return psutil.Process(c.pid)
    return None


def server_rss(ports: list[int]) -> float | None:
    """The resident memory (MB) of the processes listening on ``ports`` (summed), or None."""
    procs = [server_process(p) for p in ports]
    return None if None in procs else sum(p.memory_info().rss for p in procs) / 2**20


def server_cpu(ports: list[int]) -> float | None:
    """CPU seconds (user + system, every thread) the processes on ``ports`` have used, or None."""
    procs = [server_process(p) for p in ports]
    return None if None in procs else sum(t.user + t.system for t in (p.cpu_times() for p in procs))


async def rerun(ws, query: str) -> float:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    t = time.perf_counter()
    await ws.send(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await ws.recv())
        if fm.WhichOneof("type") == "script_finished":
            return time.perf_counter() - t


async def session(port: int, i: int, reruns: int, lat: list, errors: list) -> None:
    runs = "run=nesterov:lr=0.01&run=rmsprop:lr=0.25&run=adam:lr=0.25"
    query = f"surface=hills_and_canyon&start={-2.8 + 0.01 * i:.2f},-2.5&{runs}"  # the default view, own start
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", max_size=None) as ws:
            for _ in range(1 + reruns):
                lat.append(await rerun(ws, query))
    except Exception as e:  # every failure counts, whatever it is
        errors.append(f"session {i}: {type(e).__name__}: {e}")


async def main_async(a: argparse.Namespace) -> None:
    n = min(a.sessions, MAX_SESSIONS)
    servers = [int(p) for p in a.servers.split(",")] if a.servers else [a.port]
    before = server_rss(servers)
    cpu0 = server_cpu(servers)
    lat: list[float] = []
    errors: list[str] = []
    t = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(session(a.port, i, a.reruns, lat, errors) for i in range(n))), a.timeout)
    wall = time.perf_counter() - t
    cpu1 = server_cpu(servers)
    after = server_rss(servers)
    await asyncio.sleep(a.settle)
    settled = server_rss(servers)
    q = sorted(lat)
    p95 = q[min(len(q) - 1, int(0.95 * len(q)))] if q else float("nan")
    print(f"{n} sessions × {1 + a.reruns} runs on port {a.port}: {len(q)} done in {wall:.1f} s, {len(errors)} errors")
    print("| p50 (s) | p95 (s) | max (s) | runs/s | server MB before | after | after the sessions closed |")
    print("|---|---|---|---|---|---|---|")
    med = statistics.median(q) if q else float("nan")
    print(f"| {med:.2f} | {p95:.2f} | {max(q, default=float('nan')):.2f} | {len(q) / wall:.1f} | "
          f"{before or float('nan'):.0f} | {after or float('nan'):.0f} | {settled or float('nan'):.0f} |")  # fmt: skip
    if q and cpu0 is not None and cpu1 is not None:  # the server's whole cost: script threads, JSON, websocket
        print(f"server CPU per run: {(cpu1 - cpu0) / len(q) * 1e3:.0f} ms (all threads; {cpu1 - cpu0:.1f} s in all)")
    for e in errors[:5]:
        print("error:", e)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--servers", default="", help="ports of the app servers behind a proxy on --port (for "
                   "memory and CPU), e.g. 8622,8623; default: the process on --port")  # fmt: skip
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--reruns", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--settle", type=float, default=5.0, help="seconds to wait before the last memory reading")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
