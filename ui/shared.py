"""What the playground and the lessons share: the kernels' warm-up and the map's hover grid."""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np
import streamlit as st

import landscapes
import optimizers

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Load (or, on a fresh machine, compile) the kernels once per server, then freeze the heap."""
    optimizers.trajectory("adam", "wobbly", None, 3)
    landscapes.get("wobbly").value(np.zeros(2), np.zeros(2))
    freeze_heap()
    return True


def freeze_heap() -> None:
    """Move every object alive now (the imported modules: NumPy, Numba, SymPy, pandas, Plotly,
    Streamlit, ~230,000 objects) out of the garbage collector's sight.

    Streamlit runs a full collection after every script run (``runner.postScriptGC``, kept on so
    a class's sessions do not pile up memory). Over this process's heap that took ~100 ms, more
    than the page itself: with the import-time objects frozen it takes ~1 ms. Frozen objects are
    still freed by reference counting; only cycles among them would stay, and modules live as
    long as the server anyway.
    """
    gc.collect()
    gc.freeze()


def session_memo(name: str, key: Hashable, build: Callable[[], T]) -> T:
    """What ``build`` made for ``key`` in this session's last run, or a new one in its place.

    A rerun whose view did not change (a panel opened, a tab switched, the page reloaded)
    then rebuilds nothing. One value per ``name`` and session, dropped with the session."""
    slot = f"_memo::{name}"
    last = st.session_state.get(slot)
    if last is not None and last[0] == key:
        return last[1]
    value = build()
    st.session_state[slot] = (key, value)
    return value


@st.cache_data(show_spinner=False, max_entries=32)
def f_grid(surface_name: str, bounds: tuple, n: int = 101) -> dict:
    """f on an n×n grid over the view, for the map's hover read-out (cached per surface and window)."""
    s = landscapes.get(surface_name)
    _, _, z = s.grid(n, bounds)
    z = np.where(np.isfinite(z), z, np.nan)
    zs = [None if not np.isfinite(v) else float(f"{v:.5g}") for v in z.ravel()]
    return {"x0": bounds[0][0], "x1": bounds[0][1], "y0": bounds[1][0], "y1": bounds[1][1], "n": n, "z": zs}


@st.cache_data(show_spinner=False, max_entries=32)
def f_grid_json(surface_name: str, bounds: tuple, n: int = 101) -> str:
    """``f_grid`` as JSON text: serialised once per surface and window, not with every new map."""
    return json.dumps(f_grid(surface_name, bounds, n), separators=(",", ":"))


def base_url(url: str | None, prefix: str | None = None) -> str:
    """The app's root from the address of any of its pages ("http://host:8501/" or, behind a
    path, "http://host/prefix/"); "/" when the address is unknown (a relative link still works)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url or "")
    if not parts.scheme or not parts.netloc:
        return "/"
    p = (prefix or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/" + (p + "/" if p else "")


def app_base() -> str:
    """This app's root URL as the browser sees it (for links to its pages)."""
    return base_url(st.context.url, st.get_option("server.baseUrlPath"))


_SCROLL_JS = """
export default function (component) {
  const token = component.data.token;
  if (window.__pageTop === token) return;
  const first = window.__pageTop === undefined;
  window.__pageTop = token;
  if (first) return;
  for (const el of document.querySelectorAll(
      '[data-testid="stMain"], [data-testid="stAppViewContainer"], section.main')) el.scrollTo({top: 0});
  window.scrollTo({top: 0});
}
"""


def scroll_to_top(token: str) -> None:
    """Scroll the page to its top whenever ``token`` changes (a new lesson step starts at its heading)."""
    _scroll_component()(key="scroll_top", data={"token": token})


@functools.cache
def _scroll_component():
    return st.components.v2.component("landscapes.scroll_top", html="<span></span>", js=_SCROLL_JS)
