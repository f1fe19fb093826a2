"""End to end in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

Skipped only outside CI when Chromium or Playwright is missing; ``scripts/test.sh`` installs both.
"""

import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
MAP = ".plotly-basic.js-plotly-plot"  # the playground's map: the first chart ui.plotly_basic draws
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip

pytestmark = pytest.mark.browser


def _require():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright not installed (scripts/test.sh installs it)")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: scripts/test.sh installs it")
        pytest.skip("chromium not installed (scripts/test.sh installs it)")


@pytest.fixture(scope="module")
def server():
    _require()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start")
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


def _idle(page, timeout=240_000):
    """Wait for a rerun to finish: no stale element and no running-status widget."""
    time.sleep(1.0)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout,
    )
    time.sleep(0.5)


def _map_state(page):
    return page.evaluate(
        """() => {
        const p = document.querySelector('.js-plotly-plot');
        const fr = p._transitionData ? p._transitionData._frames : [];
        return {traces: p.data.length, frames: fr.length, last: fr.length ? fr[fr.length - 1].name : null,
                start: [p.data[3].x[0], p.data[3].y[0]], image: (p.layout.images || []).length};
    }"""
    )


def test_page_loads_changes_and_clicks(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1400})
        errors = []
        hosts = set()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: hosts.add(r.url.split("/")[2] if "://" in r.url else r.url[:40]))
        page.goto(server + "/?surface=wobbly&run=adam:lr=0.25&run=nesterov:lr=0.01&steps=125")
        page.wait_for_selector(MAP, timeout=240_000)
        _idle(page)
        assert not page.query_selector('[data-testid="stException"]')
        assert page.evaluate(
            "() => !!window.Plotly && /basic/.test(document.querySelector('script[src*=plotly-basic]').src)"
        )
        before = _map_state(page)
        assert before["traces"] == 4 + 3 * 2 + 1 and before["image"] == 1 and before["last"] == "125"
        # the step slider never runs under the play/step buttons (element boxes)
        boxes = page.evaluate(
            """() => { const r = (el) => { const b = el.getBoundingClientRect();
                         return [b.left, b.top, b.right, b.bottom]; };
                       return {bar: r(document.querySelector('.pb-bar')),
                               slider: r(document.querySelector('.js-plotly-plot .slider-container'))}; }"""
        )
        bar, sl = boxes["bar"], boxes["slider"]
        assert bar[3] <= sl[1] or sl[3] <= bar[1] or bar[2] <= sl[0] or sl[2] <= bar[0], boxes
        # the keyboard: focus the map, step back with ←, the status says which step is shown
        page.focus(".pb-root")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => document.querySelector('.pb-status').textContent === 'step 124 of 125'")
        page.keyboard.press("Home")
        page.wait_for_function("() => document.querySelector('.pb-status').textContent === 'step 0 of 125'")
        # the loss chart's cursor followed the map to step 0
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot')[1].layout.shapes[0].x0 === 0", timeout=10_000
        )

        # change a control: the run length
        steps = page.get_by_label("steps", exact=True)
        steps.fill("300")
        steps.press("Enter")
        _idle(page)
        after = _map_state(page)
        assert after["last"] == "300"
        assert "steps=300" in page.url

        # click on the map where there is no point: the start moves there
        _click_plot(page, 0, 1.0, 1.0, MAP)
        _idle(page)
        clicked = _map_state(page)
        px = page.evaluate(f"() => {{ const a = document.querySelector('{MAP}')._fullLayout.xaxis; return 1 / a._m; }}")
        for c in clicked["start"]:  # within two pixels of (1, 1)
            assert abs(c - 1.0) <= 2 * px + 1e-3, (clicked, px)
        assert "start=" in page.url and "start=-2.8" not in page.url

        # play the animation for a moment: the landscape image must stay
        play = page.get_by_role("button", name="play or pause (space)")
        play.click()
        time.sleep(1.5)
        assert _map_state(page)["image"] == 1
        assert page.locator(".pb-play").inner_text() == "❚❚ Pause"  # playing
        play.click()  # pause: the frame holds, and the inspector follows it
        time.sleep(0.3)
        held = page.locator(".pb-status").inner_text()
        time.sleep(1.0)
        assert page.locator(".pb-status").inner_text() == held and page.locator(".pb-play").inner_text() == "▶ Play"
        _idle(page)
        k = held.split()[1]
        assert f"step={k}" in page.url or k == "300", (held, page.url)
        page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)
        # a phone: the page renders without an exception
        page.set_viewport_size({"width": 390, "height": 844})
        time.sleep(1.0)
        assert not page.query_selector('[data-testid="stException"]')
        page.screenshot(path=str(ARTIFACTS / "playground-390.png"))
        browser.close()
    app_host = server.split("/")[2]
    assert hosts <= {app_host}, f"requests to other hosts: {hosts - {app_host}}"
    real = [e for e in errors if "undefined" not in e]  # Pause rejects a promise with undefined (harmless)
    assert not real, real


def _click_plot(page, index, x, y, selector='[data-testid="stPlotlyChart"] .js-plotly-plot'):
    """Hover towards plot coordinates (x, y) of the index-th Plotly chart and click there."""
    box = page.evaluate(
        """([i, x, y, sel]) => {
        const p = document.querySelectorAll(sel)[i];
        const r = p.getBoundingClientRect(), L = p._fullLayout;
        return {x: r.left + L.xaxis._offset + L.xaxis.l2p(x), y: r.top + L.yaxis._offset + L.yaxis.l2p(y)};
    }""",
        [index, x, y, selector],
    )
    for i in range(7):  # approach in steps, ending exactly on the target (Plotly clicks the last hover)
        page.mouse.move(box["x"] - 30 + 5 * i, box["y"] - 30 + 5 * i)
        time.sleep(0.05)
    time.sleep(0.4)
    page.mouse.down()
    page.mouse.up()


def test_heatmap_cell_click_shows_that_run_and_the_gif_downloads(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/Hyperparameter_heatmap")
        page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=240_000)
        _idle(page)
        assert not page.query_selector('[data-testid="stException"]')
        cell = page.locator("p", has_text="Selected cell:").first
        before = cell.inner_text()
        # the heatmap's x axis is log10(lr): click the cell at lr = 1e-3, momentum = 0.5
        _click_plot(page, 0, -3.0, 0.5)
        _idle(page)
        after = cell.inner_text()
        lr = float(re.search(r"lr = ([0-9.e+-]+)", after).group(1))
        momentum = float(re.search(r"momentum = ([0-9.e+-]+)", after).group(1))
        assert after != before, after
        assert abs(math.log10(lr) + 3) < 0.1 and abs(momentum - 0.5) < 0.02, after
        page.screenshot(path=str(ARTIFACTS / "heatmap.png"), full_page=True)

        page.goto(server + "/?surface=wobbly&run=adam:lr=0.25&steps=60")
        page.wait_for_selector(MAP, timeout=240_000)
        _idle(page)
        page.get_by_role("tab", name="Export and share").click()
        _idle(page)
        page.get_by_text("Animation as GIF or MP4").click()
        time.sleep(0.5)
        page.get_by_role("button", name="Render GIF").click()
        _idle(page)
        with page.expect_download(timeout=60_000) as d:
            page.locator("button", has_text="Download GIF").first.click()
        out = tmp_path / "run.gif"
        d.value.save_as(out)
        browser.close()
    from PIL import Image

    assert Image.open(out).n_frames == 61  # 60 steps: every step is a frame (≤ 120)
    assert not [e for e in errors if "undefined" not in e]


# --- the teacher's tour (session 10): what a class sees projected, at 1440 and 390 px -----------

TOUR = "/?surface=rosenbrock&start=-1.2,1&steps=60&run=sgd:lr=0.01&run=adam:lr=0.05&run=lbfgs&run=rmsprop:lr=0.01"


def _open(browser, url: str, width: int, height: int = 1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(MAP, timeout=240_000)
    _idle(page)
    assert not page.query_selector('[data-testid="stException"]')
    return page


def test_results_table_fits_a_wide_page_and_scrolls_on_purpose_on_a_phone(server):
    """The results table was cut off at 1440 px: it fits there; on a phone it scrolls inside its box,
    says so and keeps the run column in view, and the page itself never scrolls sideways."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (1440, 390):
            page = _open(browser, server + TOUR, width)
            m = page.evaluate(
                """() => { const d = document.querySelector('.results-table');
                           const hint = document.querySelector('.results-table-hint');
                           return {scroll: d.scrollWidth, client: d.clientWidth,
                                   page: document.documentElement.scrollWidth,
                                   sticky: getComputedStyle(d.querySelector('td')).position,
                                   hint: getComputedStyle(hint).display,
                                   cols: [...d.querySelectorAll('th')].map((th) => th.textContent)}; }"""
            )
            assert "evaluations" in m["cols"] and "stopped" in m["cols"], m  # L-BFGS is compared; SGD diverges
            assert m["page"] <= width, m
            if width == 1440:
                assert m["scroll"] <= m["client"] and m["hint"] == "none", m
            else:
                assert m["scroll"] > m["client"] and m["sticky"] == "sticky" and m["hint"] == "block", m
            page.close()
        browser.close()


def _arrows_at_head(page) -> dict:
    """The map's arrows, the first run's head in the frame shown, and the map's step."""
    return page.evaluate(
        f"""() => {{ const gd = document.querySelector('{MAP}');
            const head = gd.data.findIndex((t) => t.mode === 'markers' && t.legendgroup && !/best/.test(t.name));
            return {{arrows: (gd.layout.annotations || []).map((a) => [a.ax, a.ay]),
                     head: [gd.data[head].x[0], gd.data[head].y[0]],
                     status: document.querySelector('.pb-status').textContent,
                     playing: document.querySelector('.pb-play').textContent !== '▶ Play'}}; }}"""
    )


def test_arrows_come_back_after_play_at_the_frame_shown(server):
    """The inspector's arrows vanished after Play until a step or slider move: when the map stops,
    its arrows are there, drawn at the head of the frame it shows, and the page follows its step."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = _open(browser, server + "/?surface=wobbly&run=adam:lr=0.25&steps=60", 1440)
        first = _arrows_at_head(page)
        assert first["arrows"] and first["status"] == "step 60 of 60"
        page.get_by_role("button", name="play or pause (space)").click()  # plays 0 … 60 and stops at the end
        page.wait_for_function("() => document.querySelector('.pb-play').textContent === '▶ Play'", timeout=30_000)
        time.sleep(1.5)
        _idle(page)
        end = _arrows_at_head(page)
        assert end["status"] == "step 60 of 60" and end["arrows"], end  # back, without a step or slider move
        for ax, ay in end["arrows"]:
            assert math.hypot(ax - end["head"][0], ay - end["head"][1]) < 1e-3  # at θ₆₀, the head shown
        # play again and pause midway: the page moves to that step, and its arrows start at its head
        page.get_by_role("button", name="play or pause (space)").click()
        time.sleep(2.0)
        page.get_by_role("button", name="play or pause (space)").click()
        time.sleep(0.3)
        k = int(page.locator(".pb-status").inner_text().split()[1])
        assert 0 < k < 60
        page.wait_for_function("() => /step=/.test(location.search)", timeout=30_000)
        _idle(page)
        mid = _arrows_at_head(page)
        assert mid["status"] == f"step {k} of 60" and f"step={k}" in page.url and mid["arrows"], mid
        for ax, ay in mid["arrows"]:
            assert math.hypot(ax - mid["head"][0], ay - mid["head"][1]) < 1e-3
        page.screenshot(path=str(ARTIFACTS / "playground-arrows.png"))
        browser.close()
