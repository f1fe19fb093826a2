"""How long the playground and a lesson take to load in a real browser, against the smallest Streamlit pages.

    .venv/bin/python bench/bench_page.py

Starts two Streamlit servers (the app and ``bench/peer_page.py``) with a warm Numba cache,
loads each page several times in Debian's headless Chromium and prints the best time to
the first control and to the drawn chart. The peers (a page of text, a page with one
three-point Plotly chart) show what Streamlit and plotly.js cost on this machine by
themselves; the ratio is what the playground adds on top.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
CHART = ".js-plotly-plot"  # st.plotly_chart's and ui.plotly_basic's charts alike


def serve(script: str, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError(f"{script} did not start")


def load(browser, url: str, control: str | None, chart: bool) -> tuple[float, float]:
    """Seconds from navigation to the first control (or heading) and to the drawn chart."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(control or "h1", timeout=180_000)
    t_control = time.perf_counter() - t
    t_chart = float("nan")
    if chart:
        page.wait_for_selector(CHART, timeout=180_000)
        t_chart = time.perf_counter() - t
    page.close()
    return t_control, t_chart


def main() -> None:
    reps = 6
    app, peer = serve("app.py", 8611), serve("bench/peer_page.py", 8612)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            cases = [
                ("Streamlit page, text only", "http://localhost:8612", None, False),
                ("Streamlit page, one 3-point Plotly chart", "http://localhost:8612/?chart=1", None, True),
                ("playground (app.py)", "http://localhost:8611", '[data-testid="stSelectbox"]', True),
                ("a lesson step (lessons page)", "http://localhost:8611/lessons?lesson=momentum_wobbly&step=1",
                 '[data-testid="stSelectbox"]', True),
            ]  # fmt: skip
            load(browser, cases[2][1], cases[2][2], True)  # first session: imports, kernels from the cache
            results = {name: [load(browser, url, ctl, ch) for _ in range(reps)] for name, url, ctl, ch in cases}
            browser.close()
    finally:
        app.kill()
        peer.kill()
    base = min(r[1] for r in results["Streamlit page, one 3-point Plotly chart"])
    print(f"best of {reps} (median)")
    print("| page | first control | chart drawn | chart ÷ one-chart peer |")
    print("|---|---|---|---|")
    for name, rows in results.items():
        ctl = min(r[0] for r in rows)
        chart = min((r[1] for r in rows), default=float("nan"))
        ratio = f"{chart / base:.1f}×" if chart == chart else ""
        chart_s = f"{chart:.2f} s ({statistics.median(r[1] for r in rows):.2f})" if chart == chart else ""
        print(f"| {name} | {ctl:.2f} s ({statistics.median(r[0] for r in rows):.2f}) | {chart_s} | {ratio} |")


if __name__ == "__main__":
    main()
