"""Serving a class: scripts/serve_class.sh (app processes behind Debian's nginx, sticky sessions)
and deploy/compose.yaml.

The script test starts two app processes and nginx on free loopback ports, checks that the
route cookie keeps a browser on one process while browsers without it are spread over both,
and runs a playground session's websocket reruns through the proxy; then stops the script and
checks that everything it started is gone. Skipped when nginx is missing (scripts/test.sh
installs Debian's package when it runs as root).
"""

from __future__ import annotations

import asyncio
import http.cookies
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; "
                                 "scripts/test.sh does it as root)")  # fmt: skip


def _free_ports(n: int) -> int:
    """The first of n consecutive free loopback ports."""
    for base in range(18600, 19600, 10):
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def _get(port: int, cookie: str | None = None) -> tuple[int, str, str]:
    """GET / through the proxy: status, the route cookie it sets (or ""), the process that answered."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        jar = http.cookies.SimpleCookie()
        for c in r.headers.get_all("Set-Cookie") or []:
            jar.load(c)
        route = jar["landscapes_route"].value if "landscapes_route" in jar else ""
        return r.status, route, r.headers.get("X-Landscapes-Upstream", "")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def served(tmp_path):
    """scripts/serve_class.sh 2 on free loopback ports: (proxy port, app ports)."""
    base = _free_ports(3)
    proxy, apps = base, [base + 1, base + 2]
    env = {**os.environ, "LISTEN": "127.0.0.1", "PORT": str(proxy), "APP_PORT": str(apps[0]), "NGINX": NGINX,
           "VENV": str(Path(sys.executable).parents[1]), "RUN_DIR": str(tmp_path / "serve")}  # fmt: skip
    proc = subprocess.Popen(["bash", str(ROOT / "scripts/serve_class.sh"), "2"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        line = ""
        while time.monotonic() < deadline and "serving:" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                logs = "\n".join(p.read_text()[-2000:] for p in (tmp_path / "serve").glob("*.log"))
                pytest.fail(f"serve_class.sh exited with {proc.returncode}:\n{logs}")
        assert "serving:" in line, "the script did not start in time"
        for _ in range(100):  # nginx is started last, in the background
            if _listening(proxy):
                break
            time.sleep(0.1)
        yield proxy, apps, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@needs_nginx
def test_serve_class_sticky_sessions_and_websocket_reruns(served):
    proxy, apps, proc = served
    upstreams = {f"127.0.0.1:{p}" for p in apps}

    # A browser's first request gets a route cookie; with it, every request reaches the same process.
    status, route, first = _get(proxy)
    assert status == 200 and route and first in upstreams
    for _ in range(8):
        status, again, up = _get(proxy, f"landscapes_route={route}")
        assert (status, again, up) == (200, "", first)  # no new cookie, same process

    # Browsers without the cookie (a class behind one NAT address) are spread over both processes.
    assert {_get(proxy)[2] for _ in range(24)} == upstreams

    # A playground session through the proxy: the websocket (/_stcore/stream) and its reruns.
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_load
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    seen: dict[str, object] = {"pages": set(), "map": 0}
    widget_state = bench_load.widget_state

    def spy(fm: ForwardMsg):
        kind = fm.WhichOneof("type")
        if kind == "page_info_changed":
            seen["pages"].add(fm.page_info_changed.query_string)
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == "bidi_component" and el.bidi_component.id.endswith("-map"):
                seen["map"] += 1
        return widget_state(fm)

    async def session() -> list[float]:
        import websockets

        cookie = {"Cookie": f"landscapes_route={route}"}
        cached: dict = {}
        widgets: dict = {}
        async with websockets.connect(f"ws://127.0.0.1:{proxy}/_stcore/stream", max_size=None,
                                      additional_headers=cookie) as ws:  # fmt: skip
            q = "surface=wobbly&start=1.5,-1&steps=40&run=adam:lr=0.1"
            return [await bench_load.rerun(ws, q, cached, [0], widgets) for _ in range(3)]

    bench_load.widget_state = spy
    try:
        times = asyncio.run(asyncio.wait_for(session(), 120))
    finally:
        bench_load.widget_state = widget_state
    assert len(times) == 3  # three runs, each ended by the server's script_finished
    assert seen["map"] >= 1  # the map was drawn (later runs may send it as a reference to the same message)
    assert len(seen["pages"]) == 1 and "surface=wobbly" in next(iter(seen["pages"]))  # the same view every run

    # Stopping the script stops everything it started.
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    time.sleep(1.0)
    assert not any(_listening(p) for p in (proxy, *apps))


def test_compose_file_describes_replicas_behind_the_proxy():
    yaml = pytest.importorskip("yaml")
    deploy = ROOT / "deploy"
    doc = yaml.safe_load((deploy / "compose.yaml").read_text())
    app, proxy = doc["services"]["app"], doc["services"]["proxy"]
    assert (deploy / app["build"]["context"] / app["build"]["dockerfile"]).is_file()
    assert app["deploy"]["replicas"] >= 2 and app["expose"] == ["8501"]
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in app["environment"]  # one secret for every replica
    assert (deploy / proxy["build"]["context"] / proxy["build"]["dockerfile"]).is_file()
    assert proxy["ports"] == ["8501:8501"] and proxy["depends_on"]["app"]["condition"] == "service_healthy"
    dockerfile = (deploy / proxy["build"]["dockerfile"]).read_text()
    assert "apt-get install" in dockerfile and "nginx=" in dockerfile  # Debian's package
    assert "COPY nginx.conf" in dockerfile
    conf = (deploy / "nginx.conf").read_text()
    assert "server app:8501;" in conf and "hash $landscapes_route consistent;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf  # the websocket
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        env = {**os.environ, "LANDSCAPES_COOKIE_SECRET": "test"}
        r = subprocess.run([docker, "compose", "-f", str(deploy / "compose.yaml"), "config", "-q"], env=env,
                           capture_output=True, text=True)  # fmt: skip
        assert r.returncode == 0, r.stderr


@needs_nginx
def test_compose_nginx_conf_is_valid_nginx(tmp_path):
    """The compose file's nginx.conf as nginx reads it (the replicas' name pointed at loopback)."""
    conf = (ROOT / "deploy/nginx.conf").read_text()
    conf = conf.replace("server app:8501;", "server 127.0.0.1:8501;").replace("/tmp/nginx-landscapes", str(tmp_path))
    (tmp_path / "nginx.conf").write_text(conf)
    r = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
