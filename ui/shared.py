"""What the playground and the lessons share: the kernels' warm-up and the map's hover grid."""

from __future__ import annotations

import numpy as np
import streamlit as st

import landscapes
import optimizers


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Load (or, on a fresh machine, compile) the kernels once per server."""
    optimizers.trajectory("adam", "wobbly", None, 3)
    landscapes.get("wobbly").value(np.zeros(2), np.zeros(2))
    return True


@st.cache_data(show_spinner=False, max_entries=32)
def f_grid(surface_name: str, bounds: tuple, n: int = 101) -> dict:
    """f on an n×n grid over the view, for the map's hover read-out (cached per surface and window)."""
    s = landscapes.get(surface_name)
    _, _, z = s.grid(n, bounds)
    z = np.where(np.isfinite(z), z, np.nan)
    zs = [None if not np.isfinite(v) else float(f"{v:.5g}") for v in z.ravel()]
    return {"x0": bounds[0][0], "x1": bounds[0][1], "y0": bounds[1][0], "y1": bounds[1][1], "n": n, "z": zs}
