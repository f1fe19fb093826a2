"""A lesson as a student and a teacher meet it in Debian's Chromium: arrow keys, a bet, the reveal,
the map playing by itself, and a teacher-mode link with no menus and only the chosen control.

Skipped like ``test_browser.py`` when Chromium or Playwright is missing outside CI.
"""

import time

import pytest
from test_browser import ARGS, ARTIFACTS, CHROMIUM, _idle, server  # noqa: F401  (the same server fixture)

from viz.lessons.custom import lesson_link
from viz.state import Run, View

pytestmark = pytest.mark.browser

PLAYING = "() => { const g = document.querySelector('.plotly-basic'); return !!(g && g.__playing); }"
STATUS = "() => document.querySelector('.pb-status').textContent"


def _step_shown(page) -> str:
    return page.get_by_text("Step ", exact=False).filter(has_text=" of ").first.inner_text()


def test_lesson_keys_bet_reveal_and_teacher_link(server):  # noqa: F811  (the imported fixture)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        hosts = set()  # every host the lessons ask for: nothing may leave the machine
        page.on("request", lambda r: hosts.add(r.url.split("/")[2] if "://" in r.url else r.url[:40]))
        page.goto(server + "/lessons?lesson=hills_and_canyon&step=1")
        _idle(page)
        page.wait_for_selector(".plotly-basic .main-svg", timeout=60_000)
        assert "Step 1 of 2" in _step_shown(page)
        n_before = page.evaluate("() => document.querySelector('.plotly-basic').data.length")

        # place a bet, reveal: the runs appear and the map plays by itself
        page.get_by_text("Adam", exact=True).click()
        _idle(page)
        page.get_by_role("button", name="Reveal").click()
        page.wait_for_function(PLAYING, timeout=60_000)
        _idle(page)
        assert page.evaluate("() => document.querySelector('.plotly-basic').data.length") > n_before
        assert page.get_by_text("Right: Adam.").count() == 1
        page.screenshot(path=str(ARTIFACTS / "lesson_1440.png"))

        # the map keeps its own arrow keys: stepping it does not change the lesson step
        page.locator(".pb-root").focus()
        page.keyboard.press("ArrowRight")
        _idle(page)
        assert "step=1" in page.url and "Step 1 of 2" in _step_shown(page)

        # elsewhere on the page, → and ← move between the lesson's steps (and the link follows)
        page.locator("h1").click()
        page.keyboard.press("ArrowRight")
        page.wait_for_url("**step=2**", timeout=30_000)
        _idle(page)
        assert "Step 2 of 2" in _step_shown(page)
        page.wait_for_function(PLAYING, timeout=30_000)  # a new step plays by itself too
        page.locator("h1").click()
        page.keyboard.press("ArrowLeft")
        page.wait_for_url("**step=1**", timeout=30_000)
        _idle(page)
        assert "Step 1 of 2" in _step_shown(page)

        # a teacher's link: no navigation, no lesson menu, only the chosen control, projector type
        view = View(surface="elongated_bowl", start=(-2.5, 2.0), steps=60,
                    runs=[Run("sgd", {"lr": 0.3}), Run("momentum", {"lr": 0.05, "momentum": 0.9})])  # fmt: skip
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(lesson_link(server + "/lessons", view, ["hp:sgd:lr"], "Zig-zag", "Watch SGD."))
            _idle(page)
            page.wait_for_selector(".plotly-basic .main-svg", timeout=60_000)
            assert page.locator("[data-testid='stSidebar']").count() == 0
            assert page.locator("[data-testid='stSidebarCollapsedControl']").count() == 0
            assert page.locator("[data-testid='stSelectbox']").count() == 0
            assert page.locator("[data-testid='stNumberInput']").count() == 1
            assert page.get_by_text("SGD: learning rate (lr)").count() == 1
            assert page.locator("[data-testid='stHeader']").is_hidden()
            size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
            assert size >= 40, size
            body = page.evaluate(
                "() => parseFloat(getComputedStyle(document.querySelector('.lesson-text p')).fontSize)"
            )
            assert body >= 24, body
            time.sleep(1)
            page.screenshot(path=str(ARTIFACTS / f"lesson_teacher_{width}.png"))
        browser.close()
    app_host = server.split("/")[2]
    assert hosts <= {app_host}, f"requests to other hosts: {hosts - {app_host}}"
