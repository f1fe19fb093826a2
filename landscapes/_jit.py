"""One place that decides how engine kernels are compiled.

Every kernel in ``landscapes`` and ``optimizers`` is compiled with the same policy:
on-disk caching (so a fresh process loads machine code instead of recompiling) and
NumPy's error model (division by zero gives inf/nan instead of raising, which is what
a diverging optimizer needs).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _choose_cache_dir() -> None:
    # Numba caches next to the source file; when that folder is read-only (an installed
    # package, a container) and HOME is too, importing a cache=True function fails.
    # Pick a writable folder before numba reads its configuration.
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    here = Path(__file__).resolve().parent
    if os.access(here, os.W_OK):
        return
    os.environ["NUMBA_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "landscape-numba-cache")


_choose_cache_dir()

import numba  # noqa: E402

JIT_OPTIONS = {"cache": True, "error_model": "numpy", "nogil": True}


def jit(*args, **kwargs):
    """``numba.njit`` with the engine's policy (cache, NumPy error model, no GIL)."""
    options = {**JIT_OPTIONS, **kwargs}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(**options)
