"""A class on one server: N sessions at once over Streamlit's own websocket protocol (no browser).

    .venv/bin/python bench/bench_load.py --port 8501 --sessions 20 --reruns 3
    .venv/bin/python bench/bench_load.py --port 8501 --sessions 100 --reruns 0 --expire 125   # memory

Each session connects to ``ws://127.0.0.1:PORT/_stcore/stream`` (loopback only), asks for the
playground with its own link (a different start per session) and reruns it ``--reruns`` more
times, all sessions at once; a rerun's latency is from the request to the server's
``script_finished``. Each session behaves as a browser tab does: it loads the page first (and
keeps the cookies it sets: a proxy's route), sends back the value of every widget drawn, and
lists the hashes of the large messages it already holds. Prints p50/p95/max
latency, errors, the server's CPU time per run (every thread: the real server cost), and its
resident memory before, after and (``--settle`` seconds later) once the sessions are gone;
with ``--expire`` also once the closed sessions, which Streamlit keeps 120 s for a reconnect,
have expired (two more sessions, one after the other, make the server drop and collect them).
``--servers`` names the app servers' ports when ``--port`` is a proxy. Bounded: at most 200
sessions and ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import time
import urllib.request

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

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


def widget_state(fm: ForwardMsg) -> tuple[WidgetState, bool] | None:
    """The value a browser gives the widget a message draws, and whether the server set it
    (``set_value``: it replaces the browser's own); None: not a widget, or a button, whose
    clicks are not state. A widget seen before keeps the browser's value otherwise."""
    if fm.WhichOneof("type") != "delta":
        return None
    ws = WidgetState()
    kind = fm.delta.WhichOneof("type")
    if kind == "add_block":
        b = fm.delta.add_block
        part = b.WhichOneof("type")
        if part == "expandable" and b.expandable.id:
            ws.id, ws.bool_value = b.expandable.id, b.expandable.expanded
        elif part == "tab_container" and b.tab_container.id:
            ws.id, ws.string_value = b.tab_container.id, b.tab_container.default_tab_label
        elif part == "popover" and b.popover.id:
            ws.id, ws.bool_value = b.popover.id, b.popover.open
        return (ws, False) if ws.id else None
    if kind != "new_element":
        return None
    el = fm.delta.new_element
    kind = el.WhichOneof("type")
    w = getattr(el, kind) if kind else None
    if kind == "number_input":
        ws.double_value = w.value if w.set_value else w.default
    elif kind == "slider" and not w.options:
        ws.double_array_value.data.extend(w.value if w.set_value else w.default)
    elif kind == "checkbox":
        ws.bool_value = w.value if w.set_value else w.default
    elif kind in ("selectbox", "radio"):
        if w.set_value:
            ws.string_value = w.raw_value
        elif 0 <= w.default < len(w.options):
            ws.string_value = w.options[w.default]
        else:
            return None
    elif kind == "multiselect":
        ws.string_array_value.data.extend(w.raw_values if w.set_value else [w.options[i] for i in w.default])
    elif kind == "button_group":
        ws.string_array_value.data.extend(w.raw_values if w.set_value else [w.options[i].content for i in w.default])
    elif kind in ("text_input", "text_area"):
        ws.string_value = w.value if w.set_value else w.default
    else:
        return None
    ws.id = w.id
    return ws, w.set_value


async def rerun(ws, query: str, cached: dict[str, ForwardMsg] | None, received: list[int], widgets: dict) -> float:
    """One run: the request, then the server's messages up to ``script_finished``.

    As the browser does, the request carries the value of every widget the last run drew
    (``widgets``, by id: without them the page would fall back to the widgets' minimum values)
    and lists the hashes of the large messages it holds (``cached``, by hash; None: a client
    without that cache), for which the server sends a reference instead."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.widget_states.widgets.extend(widgets.values())
    if cached:
        msg.rerun_script.cached_message_hashes.extend(sorted(cached))
    t = time.perf_counter()
    await ws.send(msg.SerializeToString())
    drawn: dict = {}
    while True:
        raw = await ws.recv()
        received[0] += len(raw)
        fm = ForwardMsg()
        fm.ParseFromString(raw)
        if fm.WhichOneof("type") == "ref_hash":  # a message this client holds: as the browser, use it
            fm = cached[fm.ref_hash]
        elif cached is not None and fm.metadata.cacheable and fm.hash:
            cached[fm.hash] = fm
        if (drawn_state := widget_state(fm)) is not None:
            state, set_by_server = drawn_state
            drawn[state.id] = state if set_by_server or state.id not in widgets else widgets[state.id]
        if fm.WhichOneof("type") == "script_finished":
            widgets.clear()
            widgets.update(drawn)
            return time.perf_counter() - t


def page_cookie(port: int) -> tuple[str, str]:
    """Load the page as a browser does first: the cookies it sets (a proxy's route cookie) and
    which app process answered (a proxy's ``X-Landscapes-Upstream`` header; "" without one)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
        return "; ".join(cookies), r.headers.get("X-Landscapes-Upstream", "")


async def session(port: int, i: int, reruns: int, lat: list, errors: list, received: list[int],
                  browser_cache: bool = True, upstreams: list | None = None, vary: bool = False) -> None:  # fmt: skip
    runs = "run=nesterov:lr=0.01&run=rmsprop:lr=0.25&run=adam:lr=0.25"
    query = f"surface=hills_and_canyon&start={-2.8 + 0.01 * i:.2f},-2.5&{runs}"  # the default view, own start
    cached: dict[str, ForwardMsg] | None = {} if browser_cache else None
    widgets: dict = {}
    try:
        cookie, upstream = await asyncio.to_thread(page_cookie, port)
        if upstreams is not None:
            upstreams.append(upstream)
        headers = {"Cookie": cookie} if cookie else {}
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", max_size=None,
                                      additional_headers=headers) as ws:  # fmt: skip
            for k in range(1 + reruns):
                if vary and k:  # a student moving a control: the run length, so everything is drawn anew
                    steps = next((w for i, w in widgets.items() if i.endswith("-steps")), None)
                    if steps is not None:
                        steps.double_value = 125 + k % 2
                lat.append(await rerun(ws, query, cached, received, widgets))
    except Exception as e:  # every failure counts, whatever it is
        errors.append(f"session {i}: {type(e).__name__}: {e}")


async def main_async(a: argparse.Namespace) -> None:
    n = min(a.sessions, MAX_SESSIONS)
    servers = [int(p) for p in a.servers.split(",")] if a.servers else [a.port]
    before = server_rss(servers)
    cpu0 = server_cpu(servers)
    lat: list[float] = []
    errors: list[str] = []
    received = [0]
    t = time.perf_counter()
    upstreams: list[str] = []
    runs = (session(a.port, i, a.reruns, lat, errors, received, not a.no_browser_cache, upstreams, a.vary)
            for i in range(n))  # fmt: skip
    await asyncio.wait_for(asyncio.gather(*runs), a.timeout)
    wall = time.perf_counter() - t
    cpu1 = server_cpu(servers)
    after = server_rss(servers)
    await asyncio.sleep(a.settle)
    settled = server_rss(servers)
    expired = None
    if a.expire:  # closed sessions are kept for a reconnect (server.disconnectedSessionTTL, 120 s) and
        # dropped lazily, when another closed session is stored: wait, open and close one more (its close
        # drops them), then one more (Streamlit's garbage collection after its run frees what they held)
        await asyncio.sleep(a.expire)
        for k in range(2):
            await session(a.port, n + k, 0, [], errors, [0], not a.no_browser_cache)
            await asyncio.sleep(1.0)
        expired = server_rss(servers)
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
    if q:
        print(f"received per run: {received[0] / len(q) / 1e6:.2f} MB")
    if any(upstreams):  # behind the proxy: how the sessions were spread
        spread = ", ".join(f"{u}: {c}" for u, c in sorted(collections.Counter(upstreams).items()))
        print(f"sessions per app process: {spread}")
    if expired is not None and before:
        print(f"server MB {a.expire:.0f} s after the sessions closed (kept sessions expired): {expired:.0f} "
              f"({(expired - before) / before:+.1%} of before; goal within ±10%)")  # fmt: skip
    for e in errors[:5]:
        print("error:", e)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--servers", default="", help="ports of the app servers behind a proxy on --port (for "
                   "memory and CPU), e.g. 8622,8623; default: the process on --port")  # fmt: skip
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--reruns", type=int, default=3)
    p.add_argument("--no-browser-cache", action="store_true", help="do not list the messages already held "
                   "(the browser does; without it the server resends every large message on every run)")  # fmt: skip
    p.add_argument("--vary", action="store_true", help="each rerun changes the run length (125 ↔ 126 steps), "
                   "as a student moving a control: trajectories and figures are all made again")  # fmt: skip
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--settle", type=float, default=5.0, help="seconds to wait before the last memory reading")
    p.add_argument("--expire", type=float, default=0.0, help="then wait this long (> the server's "
                   "disconnectedSessionTTL, 120 s by default), open and close one session, read the memory "
                   "again")  # fmt: skip
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
