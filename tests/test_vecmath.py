"""The vectorisable exp/sin/cos against libm, and the lane kernels against the point forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

import landscapes
from landscapes import _generated as gen
from landscapes.vecmath import TRIG_LIMIT, vcos, vexp, vsin, vsincos


@njit
def _apply(which, xs):
    out = np.empty((2, xs.size))
    for i in range(xs.size):
        if which == 0:
            out[0, i] = vexp(xs[i])
        elif which == 1:
            out[0, i] = vsin(xs[i])
        elif which == 2:
            out[0, i] = vcos(xs[i])
        else:
            out[0, i], out[1, i] = vsincos(xs[i])
    return out


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    return np.abs(got - want) / np.spacing(np.abs(want))


def test_exp_within_one_ulp_over_the_whole_range() -> None:
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-745, 709.7, 200_000), rng.uniform(-3, 3, 200_000)])
    got = _apply(0, xs)[0]
    want = np.exp(xs)
    normal = want > np.finfo(float).tiny
    assert _ulps(got[normal], want[normal]).max() <= 1.0
    assert np.abs(got[~normal] - want[~normal]).max() <= 5e-324 * 2


def test_exp_special_values() -> None:
    xs = np.array([0.0, -0.0, 709.78, 709.79, 1e300, -1e300, -746.0, np.inf, -np.inf, np.nan])
    with np.errstate(over="ignore"):
        want = np.exp(xs)
    got = _apply(0, xs)[0]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("which, ref", [(1, np.sin), (2, np.cos)])
def test_sin_cos_close_to_libm(which: int, ref) -> None:
    rng = np.random.default_rng(1)
    small = rng.uniform(-100, 100, 200_000)
    got = _apply(which, small)[0]
    assert _ulps(got, ref(small)).max() <= 1.0
    large = rng.uniform(-TRIG_LIMIT, TRIG_LIMIT, 200_000)
    got = _apply(which, large)[0]
    assert np.abs(got - ref(large)).max() <= 1.2e-16  # absolute: near a zero the ulp is tiny
    exact = np.array([0.0, math.pi / 2, math.pi, 1e-300, -1e-300])
    np.testing.assert_allclose(_apply(which, exact)[0], ref(exact), rtol=0, atol=2e-16)


def test_sincos_equals_sin_and_cos() -> None:
    xs = np.random.default_rng(2).uniform(-50, 50, 10_000)
    both = _apply(3, xs)
    np.testing.assert_array_equal(both[0], _apply(1, xs)[0])
    np.testing.assert_array_equal(both[1], _apply(2, xs)[0])


@pytest.mark.parametrize("name", landscapes.names())
def test_lane_kernel_matches_point_form(name: str) -> None:
    """The sweep's lane code (vectorised math) agrees with the libm point form, including
    coordinates past the fast reduction's limit and non-finite ones (redone with libm)."""
    sid = gen.NAMES.index(name)
    rng = np.random.default_rng(3)
    (x0, x1), (y0, y1) = landscapes.get(name).bounds
    px = np.concatenate([rng.uniform(x0, x1, 96), [3e4, -2e5, 1e7, 0.0, np.inf, np.nan, 0.5, -0.5]])
    py = np.concatenate([rng.uniform(y0, y1, 96), [1.0, 5e4, -1e7, 0.0, 1.0, 2.0, np.inf, -np.nan]])
    n = px.size
    fs, gx, gy = np.empty(n), np.empty(n), np.empty(n)
    with np.errstate(all="ignore"):
        gen.value_grad_lanes(sid, px, py, n, fs, gx, gy)
        for i in range(n):
            want = gen.value_grad_raw(sid, px[i], py[i])
            for got, w in zip((fs[i], gx[i], gy[i]), want):
                if not np.isfinite(w):
                    assert np.isnan(w) == np.isnan(got) and (np.isnan(w) or got == w), (name, px[i], py[i])
                else:
                    assert got == pytest.approx(w, rel=1e-12, abs=1e-12 * (1 + abs(fs[i]))), (name, px[i], py[i])


def test_kernels_cache_under_the_engine_fingerprint() -> None:
    """Compiled kernels land in a cache folder named by a hash of all engine sources, so a
    change to any of them (say the generated surfaces, inlined into the optimizer loop)
    starts a fresh cache instead of loading stale machine code."""
    from pathlib import Path

    import numba

    import optimizers
    from landscapes import _jit

    assert numba.config.CACHE_DIR == _jit.CACHE_DIR
    assert Path(_jit.CACHE_DIR).name == f"engine-{_jit._engine_fingerprint()}"
    optimizers.trajectory("adam", "wobbly", None, 3)
    assert any(Path(_jit.CACHE_DIR).rglob("kernels.run-*.nbi"))
