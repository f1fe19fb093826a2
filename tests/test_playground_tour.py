"""A teacher's tour of the playground (session 10): what a class sees projected, checked.

Each test names the problem the tour found; it fails on the build before the fix.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import landscapes

TIMEOUT = 180  # a cold Numba compile takes longer than AppTest's default 3 s


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def _texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows (markdown, captions, notices, the sidebar's too)."""
    kinds = ("markdown", "caption", "info", "warning", "success", "error")
    return [el.value for kind in kinds for el in at.get(kind)]


def test_the_surface_description_is_shown_once():
    at = _app({"surface": "wobbly"})
    assert not at.exception
    description = landscapes.get("wobbly").description
    assert sum(t.count(description) for t in _texts(at)) == 1
