"""The sweep pages as a class sees them: Debian's Chromium at 1440×900 (a projector) and 390×844 (a phone).

Basin maps wide enough to read, no label cut, tables that scroll inside their box, and chart text
as drawn (not as configured) dark enough. Skipped like ``test_browser.py`` when Chromium or
Playwright is missing outside CI.
"""

import time

import pytest
from test_browser import ARGS, CHROMIUM, _idle, server  # noqa: F401  (the same server fixture and browser)

PAGES = ("Hyperparameter_heatmap", "Basins_of_attraction", "Fair_comparison", "Noise_ensembles", "Gradient_response")

pytestmark = pytest.mark.browser

# Text the browser cuts: an element that clips its overflowing text, or an input whose value is
# wider than its box (a select shows its value in an input).
TRUNCATED = """() => {
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.right <= 0 || r.left >= window.innerWidth) continue;
    if (e.closest('.katex, .js-plotly-plot, [data-testid="stTable"]')) continue;
    const cs = getComputedStyle(e);
    const clips = cs.textOverflow === 'ellipsis' || cs.overflow === 'hidden' || cs.overflowX === 'hidden';
    if (clips && e.scrollWidth > e.clientWidth + 1 && e.textContent.trim() && !e.querySelector('svg, canvas, img'))
      out.push(e.textContent.trim().slice(0, 60));
  }
  const c = document.createElement('canvas').getContext('2d');
  for (const e of document.querySelectorAll('input:not([type=checkbox]):not([type=radio])')) {
    const r = e.getBoundingClientRect();
    if (r.width <= 0 || !e.value) continue;
    const cs = getComputedStyle(e);
    c.font = cs.font;
    if (c.measureText(e.value).width > e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) + 1)
      out.push('input: ' + e.value);
  }
  return [...new Set(out)];
}"""


HOSTS: set[str] = set()  # every host any page asked for (nothing may leave the machine)


def _open(browser, url, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("request", lambda r: HOSTS.add(r.url.split("/")[2] if "://" in r.url else r.url[:40]))
    page.goto(url)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=240_000)
    _idle(page)
    assert not page.query_selector('[data-testid="stException"]')
    return page


def _luminance(rgb: list[float]) -> float:
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in (c / 255 for c in rgb)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_pages_on_a_projector_and_a_phone(server):  # noqa: F811  (the imported fixture)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # Basin maps at 1440 px: at least 300 px of plot each, square.
        page = _open(browser, server + "/Basins_of_attraction", 1440, 900)
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].filter(p => (p.layout.images || []).length)
                 .map(p => [p._fullLayout.xaxis._length, p._fullLayout.yaxis._length])"""
        )
        assert len(sizes) == 4 and all(w >= 300 and abs(w - h) <= 2 for w, h in sizes), sizes
        # Chart text as drawn: tick labels, titles and legends at least 4.5:1 on the chart's white.
        fills = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot .xtick text, .js-plotly-plot .ytick text,'
                 + ' .js-plotly-plot .legendtext, .js-plotly-plot .xtitle, .js-plotly-plot .ytitle')]
                 .map(t => getComputedStyle(t).fill.match(/[0-9.]+/g).slice(0, 3).map(Number))"""
        )
        assert fills and all((1.05 / (_luminance(f) + 0.05)) >= 4.5 for f in fills), fills[:5]
        page.close()
        for width, height in ((1440, 900), (390, 844)):
            for name in PAGES:
                page = _open(browser, f"{server}/{name}", width, height)
                if width < 600:  # the sidebar opens over the page on a phone
                    page.locator('[data-testid="stExpandSidebarButton"]').first.click()
                    time.sleep(1.0)
                cut = page.evaluate(TRUNCATED)
                assert not cut, (name, width, cut)
                # an animated map's step slider never runs under its Play/Pause buttons
                overlaps = page.evaluate(
                    """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
                         const m = p.querySelector('.updatemenu-container'), s = p.querySelector('.slider-container');
                         if (!m || !s) return false;
                         const a = m.getBoundingClientRect(), b = s.getBoundingClientRect();
                         return !(a.bottom <= b.top || b.bottom <= a.top || a.right <= b.left || b.right <= a.left);
                       }).filter(Boolean).length"""
                )
                assert overlaps == 0, (name, width)
                if width < 600:
                    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name
                    tables = page.evaluate(
                        """() => [...document.querySelectorAll('[data-testid="stTable"]')].map(t => ({
                             right: t.getBoundingClientRect().right,
                             scrolls: [...t.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth
                                 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))}))"""
                    )
                    assert all(t["right"] <= width for t in tables), (name, tables)  # inside the screen
                    if name == "Basins_of_attraction":  # its table is wider than a phone: it scrolls in its box
                        assert tables and tables[0]["scrolls"], tables
                page.close()
        browser.close()
    assert HOSTS <= {server.split("/")[2]}, f"requests to other hosts: {HOSTS}"
