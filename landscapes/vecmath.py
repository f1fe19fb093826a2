"""exp, sin and cos that a compiler can vectorise across lanes.

Numba calls libm's scalar ``exp``/``sin``/``cos``, which stop LLVM from vectorising a
loop over independent runs, and the pip build of llvmlite has no vector math library.
These versions are straight-line float64 arithmetic (Cody–Waite range reduction, fdlibm's
polynomials, the exponent built from bits), so the lane loops of the sweep kernel become SIMD code.
Accuracy (``tests/test_vecmath.py``): ``exp`` within 1 ulp of libm over its whole range,
with libm's inf/0/NaN at the ends; ``sin``/``cos`` within 1 ulp for |x| ≤ 100 and within
1.2e-16 absolute for |x| ≤ ``TRIG_LIMIT`` (callers redo larger arguments with libm).
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from landscapes._jit import jit

TRIG_LIMIT = 1.0e6  # |x| up to which the three-part π/2 reduction is exact enough

_SHIFT = 6755399441055744.0  # 1.5·2⁵²: adding it rounds to an integer held in the low bits
_SHIFT_BITS = 0x4338000000000000
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2: k·LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # fdlibm's three-part π/2: first 33 bits
_PIO2_2 = 6.07710050630396597660e-11
_PIO2_3 = 2.02226624871116645580e-21

# fdlibm __kernel_sin / __kernel_cos minimax coefficients on [-π/4, π/4].
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_C1, _C2, _C3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_C4, _C5, _C6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (a register move, vectorisable)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, i):
    """The float64 whose IEEE-754 bits are the int64 ``i``."""
    if i != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a·b + c rounded once (LLVM's fma): the same bits in scalar and vector code. Fusing left to
    the compiler (fastmath contract) fused the vectorised loop and its scalar remainder
    differently, so a run in a sweep parted from the same run alone by an ulp."""
    if not all(isinstance(v, types.Number) for v in (a, b, c)):
        return None
    sig = types.float64(a, b, c)

    def codegen(context, builder, signature, args):
        cast = [context.cast(builder, v, t, types.float64) for v, t in zip(args, signature.args)]
        return builder.fma(*cast)

    return sig, codegen


@jit(inline="always")
def vexp(x: float) -> float:
    """eˣ: x = k·ln2 + r, |r| ≤ ln2/2, eʳ by its Taylor polynomial, times 2^⌊k/2⌋·2^⌈k/2⌉."""
    xc = x if x < 1000.0 else 1000.0  # also sends NaN here; fixed at the end
    xc = xc if xc > -1000.0 else -1000.0
    kf = _fma(xc, _INV_LN2, _SHIFT)
    k = _bits(kf) - _SHIFT_BITS
    kn = kf - _SHIFT
    r = _fma(-kn, _LN2_LO, _fma(-kn, _LN2_HI, xc))
    # Taylor to r¹³ by Estrin's scheme: shorter chains of dependent operations than Horner's,
    # which is what a single trajectory waits on
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    a0 = _fma(r, 1.0 / 6.0, 0.5)
    a1 = _fma(r, 1.0 / 120.0, 1.0 / 24.0)
    a2 = _fma(r, 1.0 / 5040.0, 1.0 / 720.0)
    a3 = _fma(r, 1.0 / 362880.0, 1.0 / 40320.0)
    a4 = _fma(r, 1.0 / 39916800.0, 1.0 / 3628800.0)
    a5 = _fma(r, 1.0 / 6227020800.0, 1.0 / 479001600.0)
    p = _fma(r8, _fma(r2, a5, a4), _fma(r4, _fma(r2, a3, a2), _fma(r2, a1, a0)))
    p = 1.0 + _fma(r2, p, r)
    k1 = k >> 1
    s1 = _from_bits((k1 + 1023) << 52)
    s2 = _from_bits((k - k1 + 1023) << 52)
    e = p * s1 * s2
    return e if x == x else x


@jit(inline="always")
def _reduce(x):
    qf = _fma(x, _TWO_OVER_PI, _SHIFT)
    q = _bits(qf) - _SHIFT_BITS
    qn = qf - _SHIFT
    r = _fma(-qn, _PIO2_3, _fma(-qn, _PIO2_2, _fma(-qn, _PIO2_1, x)))
    z = r * r
    ps = _fma(z, _fma(z, _fma(z, _fma(z, _fma(z, _S6, _S5), _S4), _S3), _S2), _S1)
    s = _fma(r * z, ps, r)
    pc = _fma(z, _fma(z, _fma(z, _fma(z, _fma(z, _C6, _C5), _C4), _C3), _C2), _C1)
    hz = 0.5 * z
    w = 1.0 - hz
    c = w + _fma(z * z, pc, (1.0 - w) - hz)
    return q, s, c


@jit(inline="always")
def vsin(x: float) -> float:
    """sin x for |x| ≤ TRIG_LIMIT: quadrant by rounding x·2/π, then fdlibm's kernels."""
    q, s, c = _reduce(x)
    v = c if (q & 1) != 0 else s
    return -v if (q & 2) != 0 else v


@jit(inline="always")
def vcos(x: float) -> float:
    """cos x for |x| ≤ TRIG_LIMIT: quadrant by rounding x·2/π, then fdlibm's kernels."""
    q, s, c = _reduce(x)
    v = -s if (q & 1) != 0 else c
    return -v if (q & 2) != 0 else v


@jit(inline="always")
def vsincos(x: float) -> tuple[float, float]:
    """(sin x, cos x) from one reduction: what a formula with both needs."""
    q, s, c = _reduce(x)
    sv = c if (q & 1) != 0 else s
    cv = -s if (q & 1) != 0 else c
    sv = -sv if (q & 2) != 0 else sv
    cv = -cv if (q & 2) != 0 else cv
    return sv, cv
