"""One place that decides how engine kernels are compiled.

Every kernel in ``landscapes`` and ``optimizers`` is compiled with the same policy:
on-disk caching (so a fresh process loads machine code instead of recompiling) and
NumPy's error model (division by zero gives inf/nan instead of raising, which is what
a diverging optimizer needs).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numba
from llvmlite import binding as llvm


def _engine_fingerprint() -> str:
    """A hash of every engine source file.

    Numba checks a cached kernel only against its own file's timestamp, so a kernel that
    inlines code from another file (the generated surfaces, vecmath) would load stale
    machine code after that file changed. Keying the cache folder on all engine sources
    makes any change start a fresh cache.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder in ("landscapes", "optimizers", "networks"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_dir() -> str:
    """Where compiled kernels are cached: NUMBA_CACHE_DIR if given, else ``.numba_cache``
    beside the packages when writable, else the temporary folder (with neither the
    package nor HOME writable, importing a cache=True function fails), always with a
    subfolder per engine fingerprint."""
    root = Path(__file__).resolve().parents[1]
    if os.environ.get("NUMBA_CACHE_DIR"):
        base = Path(os.environ["NUMBA_CACHE_DIR"])
    elif os.access(root, os.W_OK):
        base = root / ".numba_cache"
    else:
        base = Path(tempfile.gettempdir()) / "landscape-numba-cache"
    current = base / f"engine-{_engine_fingerprint()}"
    for old in base.glob("engine-*"):  # caches of earlier sources are never loaded again
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
    return str(current)


CACHE_DIR = _cache_dir()
numba.config.CACHE_DIR = CACHE_DIR  # read when a cache=True function is created

JIT_OPTIONS = {"cache": True, "error_model": "numpy", "nogil": True}

# The lane loops read and write a dozen arrays (hyperparameters, state, positions, gradients)
# that LLVM cannot prove apart, so it guards the vector loop with run-time overlap checks, and
# gives up vectorising a loop needing more than 128 of them: Adam's update stayed scalar,
# about half the sweep's time (bench/bench_engine.py). The checks cost a few compares per
# chunk and step; the limit only affects code compiled in this process.
llvm.set_option("", "-vectorize-memory-check-threshold=1024")


def target_cpu() -> tuple[str, str]:
    """The CPU name and feature string the kernels are compiled for: the host's, unless
    ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` name another (as for a portable cache)."""
    name = numba.config.CPU_NAME or llvm.get_host_cpu_name()
    features = numba.config.CPU_FEATURES
    if features is None:
        features = llvm.get_host_cpu_features().flatten()
    return name, features


def vector_width(features: str | None = None) -> int:
    """float64 values in one SIMD register of the target CPU (or of an LLVM feature string such
    as ``"+avx2,-avx512f"``): 8 with AVX-512, 4 with AVX or AVX2, else 2 (SSE2, NEON). Chunks of
    runs are sized in whole registers."""
    features = target_cpu()[1] if features is None else features
    enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
    if "avx512f" in enabled:
        return 8
    return 4 if "avx" in enabled else 2


def jit(*args, **kwargs):
    """``numba.njit`` with the engine's policy (cache, NumPy error model, no GIL)."""
    options = {**JIT_OPTIONS, **kwargs}
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(**options)
