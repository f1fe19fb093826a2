"""The compiled optimizer loop.

One kernel, ``run``, advances N independent runs (a trajectory is N = 1) of one
optimizer on one surface. Optimizer and surface are integer codes and every
hyperparameter is a float in the row ``hp[r]`` (layout in ``registry.py``), so moving a
slider never recompiles. Runs are processed in chunks of up to ``LANES`` whose steps
are interleaved, and each per-step loop over a chunk's lanes is branch-free arithmetic
(``landscapes.vecmath`` for exp/sin/cos) that LLVM vectorises with AVX. The
updates mirror ``torch.optim``'s single-tensor code operation by operation (``lerp``,
``addcdiv``'s association) so trajectories agree with PyTorch to rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from landscapes._generated import value_grad_lanes, value_grad_one
from landscapes._jit import jit, vector_width
from landscapes.kernels import hessian, subgradient, value_grad
from optimizers.registry import N_COMMON, N_STATE

LANES = 64  # runs per chunk (a sweep); fewer when there are few runs, see lanes_for
WIDTH = vector_width()  # float64 lanes in one SIMD register of the CPU compiled for


def lanes_for(n_runs: int) -> int:
    """Runs per chunk: ``LANES`` for a sweep; for a few runs, just enough that both cores
    get a chunk, rounded up to whole SIMD registers (``WIDTH``) beyond one run."""
    half = -(-n_runs // 2)
    return LANES if half >= LANES else (1 if half <= 1 else -(-half // WIDTH) * WIDTH)


BLOW_UP = 1e12  # |θ|² at which a run counts as diverged (|θ| ≥ 1e6)

# Common slots (registry.COMMON order).
SCHED, STEP_SIZE, GAMMA, T_MAX, ETA_MIN, T_0, T_MULT, WARM, WARM_START, NOISE, SEED, CLIP, EFF = range(13)
O = N_COMMON  # first optimizer-specific slot: always lr

# Per-lane scalars: running powers β1^t, β2^t and NAdam's μ product; the slots from 3 on are
# named per optimizer (one optimizer per kernel call, so they may share indices).
SC_B1T, SC_B2T, SC_MU = 0, 1, 2
SC_ETA, SC_AMU = 3, 4  # ASGD: the next step's eta and mu
SC_WSUM, SC_LRMAX = 3, 4  # schedule-free: the average's weight sum and the largest lr so far
SC_D, SC_DMAX, SC_DNUM, SC_K, SC_P0X, SC_P0Y = 3, 4, 5, 6, 7, 8  # Prodigy: d, d_max, d_numerator, k, θ0
N_SCALARS = 9

# Features some lane of a chunk uses (each gets its own loop only then).
F_NOISE, F_CLIP, F_SCHED, F_EFF = range(4)
F_UNIFORM = 4  # every lane has lane 0's h[O..O+2] (Adam: lr, β1, β2) and scalars; no schedule or effective lr

# ---------------------------------------------------------------------------------------
# Noise: a counter-based generator, so run r's noise depends only on (seed, step, eval),
# never on thread scheduling: a trajectory with seed s equals sweep run s.
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


@jit
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def gaussian_pair(seed, t, j):
    """Two independent N(0, 1) draws for (seed, step t, evaluation j) — splitmix64 + Box–Muller."""
    k = _mix(np.uint64(seed) * _GOLD + _mix(np.uint64(t) * np.uint64(4) + np.uint64(j)))
    u1 = 1.0 - float(k >> _S11) * (1.0 / 9007199254740992.0)  # (0, 1]
    k2 = _mix(k + _GOLD)
    u2 = float(k2 >> _S11) * (1.0 / 9007199254740992.0)
    rad = math.sqrt(-2.0 * math.log(u1))
    return rad * math.cos(2.0 * math.pi * u2), rad * math.sin(2.0 * math.pi * u2)


@jit
def _perturb(h, l, gx, gy, t, j):
    """Gradient noise, then norm clipping as torch.nn.utils.clip_grad_norm_ does it."""
    sigma = h[NOISE, l]
    if sigma > 0.0:
        nx, ny = gaussian_pair(h[SEED, l], t, j)
        gx += sigma * nx
        gy += sigma * ny
    clip = h[CLIP, l]
    if clip < math.inf:
        coef = clip / (math.sqrt(gx * gx + gy * gy) + 1e-6)
        if coef < 1.0:
            gx *= coef
            gy *= coef
    return gx, gy


@jit
def schedule_factor(h, l, k, linear_warmup=True):
    """lr multiplier after k scheduler steps (torch.optim.lr_scheduler closed forms).

    ``linear_warmup=False`` leaves out LinearLR: the schedule-free optimizers read
    ``warmup_steps`` as their own warm-up instead."""
    code = h[SCHED, l]
    f = 1.0
    if code == 1.0:  # StepLR
        f = h[GAMMA, l] ** math.floor(k / h[STEP_SIZE, l])
    elif code == 2.0:  # ExponentialLR
        f = h[GAMMA, l] ** k
    elif code == 3.0:  # CosineAnnealingLR, as a fraction of the base lr
        base = h[O, l]
        eta = h[ETA_MIN, l]
        lr = eta + (base - eta) * (1.0 + math.cos(math.pi * k / h[T_MAX, l])) / 2.0
        f = lr / base if base != 0.0 else 0.0
    elif code == 4.0:  # CosineAnnealingWarmRestarts
        t0 = h[T_0, l]
        tm = h[T_MULT, l]
        if tm == 1.0:
            t_cur = k % t0
            t_i = t0
        elif k >= t0:
            # the cycle n with k in [T_0(T_mult^n − 1)/(T_mult − 1), …): a guess from the logarithm,
            # then settled with exact integer-valued arithmetic (the logarithm alone misses
            # restarts: log(243)/log(3) < 5), as torch's stepped scheduler counts them
            n = math.floor(math.log(k / t0 * (tm - 1.0) + 1.0) / math.log(tm))
            while n > 0 and t0 * (tm**n - 1.0) / (tm - 1.0) > k:
                n -= 1
            while t0 * (tm ** (n + 1) - 1.0) / (tm - 1.0) <= k:
                n += 1
            t_cur = k - t0 * (tm**n - 1.0) / (tm - 1.0)
            t_i = t0 * tm**n
        else:
            t_cur = k
            t_i = t0
        base = h[O, l]
        eta = h[ETA_MIN, l]
        lr = eta + (base - eta) * (1.0 + math.cos(math.pi * t_cur / t_i)) / 2.0
        f = lr / base if base != 0.0 else 0.0
    warm = h[WARM, l]
    if warm > 0.0 and linear_warmup:  # LinearLR(start_factor, total_iters=warm), multiplied in
        s = h[WARM_START, l]
        f *= s + (1.0 - s) * min(k, warm) / warm
    return f


@jit
def _lerp(a, b, w):
    # ATen's lerp: two formulas depending on the weight, for accuracy near both ends. Both are
    # computed and one selected: a branch here kept the lane loops that call it from vectorising.
    near_a = a + w * (b - a)
    near_b = b - (b - a) * (1.0 - w)
    return near_a if abs(w) < 0.5 else near_b


# ---------------------------------------------------------------------------------------
# Coordinate-wise updates. Each returns the new coordinate value.


@jit
def _momentum_1(h, st, l, i, p, g, t, lr, nesterov):
    mom = h[O + 1, l]
    if nesterov:
        wd = h[O + 2, l]
        damp = 0.0
    else:
        damp = h[O + 2, l]
        wd = h[O + 3, l]
    if wd != 0.0:
        g = g + wd * p
    if t == 1:
        buf = g
    else:
        buf = st[0, i, l] * mom + (1.0 - damp) * g
    st[0, i, l] = buf
    d = g + mom * buf if nesterov else buf
    return p - lr * d


@jit
def _adagrad_1(h, st, l, i, p, g, t, lr):
    lr_decay, wd, eps = h[O + 1, l], h[O + 2, l], h[O + 4, l]
    if wd != 0.0:
        g = g + wd * p
    clr = lr / (1.0 + (t - 1) * lr_decay)
    s = st[0, i, l] + 1.0 * g * g
    st[0, i, l] = s
    std = math.sqrt(s) + eps
    st[1, i, l] = clr / std
    return p + (-clr * g) / std


@jit
def _rmsprop_1(h, st, l, i, p, g, lr):
    alpha, eps, wd, mom, centered = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l], h[O + 5, l]
    if wd != 0.0:
        g = g + wd * p
    sq = st[0, i, l] * alpha + (1.0 - alpha) * g * g
    st[0, i, l] = sq
    if centered != 0.0:
        ga = _lerp(st[1, i, l], g, 1.0 - alpha)
        st[1, i, l] = ga
        avg = math.sqrt(sq + (-1.0 * ga) * ga)
    else:
        avg = math.sqrt(sq)
    avg = avg + eps
    st[3, i, l] = lr / avg
    if mom > 0.0:
        buf = st[2, i, l] * mom + g / avg
        st[2, i, l] = buf
        return p + (-lr) * buf
    return p + (-lr * g) / avg


@jit
def _adadelta_1(h, st, l, i, p, g, lr):
    rho, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l]
    if wd != 0.0:
        g = g + wd * p
    sq = st[0, i, l] * rho + (1.0 - rho) * g * g
    st[0, i, l] = sq
    std = math.sqrt(sq + eps)
    scale = math.sqrt(st[1, i, l] + eps) / std
    delta = scale * g
    st[1, i, l] = st[1, i, l] * rho + (1.0 - rho) * delta * delta
    st[2, i, l] = lr * scale
    return p + (-lr) * delta


@jit
def _adam_1(h, st, l, i, p, g, lr, decoupled, step_size, bc2_sqrt, rec):
    """One coordinate of torch's Adam/AdamW; ``step_size`` = lr/(1−β1^t) and ``bc2_sqrt`` = √(1−β2^t)
    are the same for both coordinates, so the caller computes them once per lane. The step
    scale (shown, never read back) is stored only when ``rec``: recording a trajectory."""
    b1, b2, eps, wd, ams = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l], h[O + 5, l]
    if wd != 0.0:
        if decoupled:
            p = p * (1.0 - lr * wd)
        else:
            g = g + wd * p
    m = _lerp(st[0, i, l], g, 1.0 - b1)
    v = st[1, i, l] * b2 + (1.0 - b2) * g * g
    st[0, i, l] = m
    st[1, i, l] = v
    if ams != 0.0:
        vmax = max(st[2, i, l], v)
        st[2, i, l] = vmax
        denom = math.sqrt(vmax) / bc2_sqrt + eps
    else:
        denom = math.sqrt(v) / bc2_sqrt + eps
    if rec:
        st[3, i, l] = step_size / denom
    return p + (-step_size * m) / denom


@jit(inline="always")
def _adam_lanes(h, st, sc, lanes, px, py, gxs, gys, lrs, nxs, nys, decoupled, rec, uniform):
    """Adam/AdamW for all lanes; called with constant ``rec`` and ``uniform`` so that each copy
    of the loop is straight-line code (a store or a choice under a run-time flag kept it from
    vectorising). ``uniform``: every lane has lane 0's lr, β1, β2 and step, so the step size
    and √(1−β2^t) are the same numbers for all and are computed once."""
    step0 = lrs[0] / (1.0 - sc[SC_B1T, 0])
    bc0 = math.sqrt(1.0 - sc[SC_B2T, 0])
    for l in range(lanes):
        if uniform:
            step_size = step0
            bc2_sqrt = bc0
        else:
            step_size = lrs[l] / (1.0 - sc[SC_B1T, l])
            bc2_sqrt = math.sqrt(1.0 - sc[SC_B2T, l])
        nxs[l] = _adam_1(h, st, l, 0, px[l], gxs[l], lrs[l], decoupled, step_size, bc2_sqrt, rec)
        nys[l] = _adam_1(h, st, l, 1, py[l], gys[l], lrs[l], decoupled, step_size, bc2_sqrt, rec)


@jit
def _adamax_1(h, st, sc, l, i, p, g, lr):
    b1, b2, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l]
    if wd != 0.0:
        g = g + wd * p
    m = _lerp(st[0, i, l], g, 1.0 - b1)
    u = max(st[1, i, l] * b2, abs(g) + eps)
    st[0, i, l] = m
    st[1, i, l] = u
    clr = lr / (1.0 - sc[SC_B1T, l])
    st[2, i, l] = clr / u
    return p + (-clr * m) / u


@jit
def _nadam_1(h, st, sc, l, i, p, g, t, lr, mu, mu_next):
    b1, b2, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l]
    bc2 = 1.0 - sc[SC_B2T, l]
    if wd != 0.0:
        g = g + wd * p
    mu_product = sc[SC_MU, l]
    m = _lerp(st[0, i, l], g, 1.0 - b1)
    v = st[1, i, l] * b2 + (1.0 - b2) * g * g
    st[0, i, l] = m
    st[1, i, l] = v
    st[2, i, l] = mu_product
    denom = math.sqrt(v / bc2) + eps
    mu_product_next = mu_product * mu_next
    c1 = -lr * (1.0 - mu) / (1.0 - mu_product)
    c2 = (-lr * mu_next) / (1.0 - mu_product_next)
    st[3, i, l] = (-c1 - c2) / denom
    p = p + (c1 * g) / denom
    return p + (c2 * m) / denom


@jit
def _radam_1(h, st, sc, l, i, p, g, t, lr):
    b1, b2, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l]
    if wd != 0.0:
        g = g + wd * p
    m = _lerp(st[0, i, l], g, 1.0 - b1)
    v = st[1, i, l] * b2 + (1.0 - b2) * g * g
    st[0, i, l] = m
    st[1, i, l] = v
    b2t = sc[SC_B2T, l]
    bc1 = 1.0 - sc[SC_B1T, l]
    bc2 = 1.0 - b2t
    m_hat = m / bc1
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * t * b2t / bc2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        adaptive = math.sqrt(bc2) / (math.sqrt(v) + eps)
        st[2, i, l] = lr * adaptive * rect / bc1
        return p + -1.0 * (m_hat * lr * adaptive * rect)
    st[2, i, l] = lr / bc1
    return p + -1.0 * (m_hat * lr)


@jit
def _lion_1(h, st, l, i, p, g, lr):
    b1, b2, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l]
    p = p * (1.0 - lr * wd)
    m = st[0, i, l]
    c = b1 * m + (1.0 - b1) * g
    s = 1.0 if c > 0.0 else (-1.0 if c < 0.0 else 0.0)
    st[0, i, l] = b2 * m + (1.0 - b2) * g
    return p - lr * s


@jit
def _adabelief_1(h, st, sc, l, i, p, g, lr):
    b1, b2, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l]
    if wd != 0.0:
        g = g + wd * p
    m = b1 * st[0, i, l] + (1.0 - b1) * g
    res = g - m
    s = b2 * st[1, i, l] + (1.0 - b2) * res * res + eps
    st[0, i, l] = m
    st[1, i, l] = s
    step_size = lr / (1.0 - sc[SC_B1T, l])
    denom = math.sqrt(s) / math.sqrt(1.0 - sc[SC_B2T, l]) + eps
    st[2, i, l] = step_size / denom
    return p - step_size * m / denom


@jit
def _rprop_1(h, st, l, i, p, g, t, lr):
    em, ep, smin, smax = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l]
    if t == 1:  # torch fills step_size with the lr of the first step
        st[1, i, l] = lr
    gp = g * st[0, i, l]
    f = ep if gp > 0.0 else (em if gp < 0.0 else 1.0)
    ss = min(max(st[1, i, l] * f, smin), smax)
    st[1, i, l] = ss
    if f == em:  # after a sign flip the step is skipped and the flip forgotten
        g = 0.0
    st[0, i, l] = g
    sg = 1.0 if g > 0.0 else (-1.0 if g < 0.0 else 0.0)
    return p + (-1.0 * sg) * ss


@jit
def _asgd_1(h, st, l, i, p, g, eta, mu):
    lambd, wd = h[O + 1, l], h[O + 4, l]
    if wd != 0.0:
        g = g + wd * p
    p = p * (1.0 - lambd * eta)
    p = p + (-eta) * g
    st[0, i, l] = st[0, i, l] + (p - st[0, i, l]) * mu if mu != 1.0 else p
    st[1, i, l] = eta
    return p


@jit
def _schedulefree_1(h, st, l, i, y, g, lr, beta, ckp1, wd, v_slot, bc2, eps):
    """One coordinate of schedulefree's SGD (``v_slot`` < 0) or AdamW step; y is the parameter."""
    if v_slot >= 0:
        v = st[v_slot, i, l] * h[O + 2, l] + (1.0 - h[O + 2, l]) * g * g
        st[v_slot, i, l] = v
        denom = math.sqrt(v / bc2) + eps
        g = g / denom
        st[3, i, l] = lr / denom
        if wd != 0.0:
            g = g + wd * y
    elif wd != 0.0:
        g = g + wd * y
    z = st[0, i, l]
    y = _lerp(y, z, ckp1)
    y = y + (lr * (beta * (1.0 - ckp1) - 1.0)) * g
    z = z - lr * g
    st[0, i, l] = z
    st[1, i, l] = _lerp(y, z, 1.0 - 1.0 / beta)  # x: what .eval() puts in the parameters
    return y


@jit
def _sgd_lane(h, l, x, y, gx, gy, lr):
    wd = h[O + 1, l]
    gx = gx + wd * x if wd != 0.0 else gx
    gy = gy + wd * y if wd != 0.0 else gy
    return x - lr * gx, y - lr * gy


@jit
def _nadam_lane(h, st, sc, l, x, y, gx, gy, t, lr):
    b1, md = h[O + 1, l], h[O + 5, l]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * md))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * md))
    sc[SC_MU, l] *= mu
    return _nadam_1(h, st, sc, l, 0, x, gx, t, lr, mu, mu_next), _nadam_1(h, st, sc, l, 1, y, gy, t, lr, mu, mu_next)


@jit
def _asgd_lane(h, st, sc, l, x, y, gx, gy, t, lr):
    if t == 1:  # torch: eta starts at the first step's lr, mu at 1
        sc[SC_ETA, l] = lr
        sc[SC_AMU, l] = 1.0
    eta, mu = sc[SC_ETA, l], sc[SC_AMU, l]
    nx = _asgd_1(h, st, l, 0, x, gx, eta, mu)
    ny = _asgd_1(h, st, l, 1, y, gy, eta, mu)
    lambd, alpha, t0 = h[O + 1, l], h[O + 2, l], h[O + 3, l]
    sc[SC_ETA, l] = lr / ((1.0 + lambd * lr * t) ** alpha)
    sc[SC_AMU, l] = 1.0 / max(1.0, t - t0)
    return nx, ny


@jit
def _schedulefree_lane(h, st, sc, l, x, y, gx, gy, t, lr, adam):
    if t == 1:  # z starts at the parameters; lr_max at −1 as in the package
        st[0, 0, l] = x
        st[0, 1, l] = y
        sc[SC_WSUM, l] = 0.0
        sc[SC_LRMAX, l] = -1.0
    lr_max = max(lr, sc[SC_LRMAX, l])
    sc[SC_LRMAX, l] = lr_max
    r, power = (h[O + 5, l], h[O + 6, l]) if adam else (h[O + 3, l], h[O + 4, l])
    weight = (t**r) * (lr_max**power)
    wsum = sc[SC_WSUM, l] + weight
    sc[SC_WSUM, l] = wsum
    ckp1 = weight / wsum if wsum != 0.0 else 0.0
    if adam:
        bc2 = 1.0 - h[O + 2, l] ** float(t)  # C pow, as Python's float ** int
        wd, eps, vs = h[O + 4, l], h[O + 3, l], 2
    else:
        bc2, wd, eps, vs = 1.0, h[O + 2, l], 0.0, -1
    beta = h[O + 1, l]
    nx = _schedulefree_1(h, st, l, 0, x, gx, lr, beta, ckp1, wd, vs, bc2, eps)
    ny = _schedulefree_1(h, st, l, 1, y, gy, lr, beta, ckp1, wd, vs, bc2, eps)
    return nx, ny


# ---------------------------------------------------------------------------------------
# Whole-point updates (need both coordinates).


@jit
def _smoothed_nesterov(sid, h, st, l, px, py, t, lr):
    gamma, weighted, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l]
    vx, vy = st[0, 0, l], st[0, 1, l]
    sx = 0.0
    sy = 0.0
    for k in range(3):
        if weighted != 0.0:
            frac = (0.5, 0.75, 1.0)[k]
            w = (1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0)[k]
        else:
            frac = (1.0 / 3.0, 2.0 / 3.0, 1.0)[k]
            w = 1.0 / 3.0
        qx = px - frac * gamma * vx
        qy = py - frac * gamma * vy
        _, gx, gy = value_grad(sid, qx, qy)
        gx, gy = _perturb(h, l, gx, gy, t, k + 1)
        sx += w * (gx + wd * qx)
        sy += w * (gy + wd * qy)
    vx = gamma * vx + lr * sx
    vy = gamma * vy + lr * sy
    st[0, 0, l] = vx
    st[0, 1, l] = vy
    return px - vx, py - vy


@jit
def _newton(sid, h, st, l, px, py, gx, gy, lr, saddle_free):
    damping = h[O + 1, l]
    hxx, hxy, hyy = hessian(sid, px, py)
    if saddle_free:
        # |H| = V |Λ| Vᵀ from the closed-form 2×2 eigen-decomposition.
        mid = 0.5 * (hxx + hyy)
        rad = math.hypot(0.5 * (hxx - hyy), hxy)
        ang = 0.5 * math.atan2(2.0 * hxy, hxx - hyy)
        c, s = math.cos(ang), math.sin(ang)
        c1 = (c * gx + s * gy) / (abs(mid + rad) + damping)
        c2 = (-s * gx + c * gy) / (abs(mid - rad) + damping)
        dx = c1 * c - c2 * s
        dy = c1 * s + c2 * c
    else:
        a = hxx + damping
        d = hyy + damping
        det = a * d - hxy * hxy
        dx = (d * gx - hxy * gy) / det
        dy = (a * gy - hxy * gx) / det
    st[0, 0, l] = dx
    st[0, 1, l] = dy
    return px - lr * dx, py - lr * dy


@jit
def _adafactor(h, st, l, px, py, gx, gy, t, lr):
    """torch's Adafactor on a vector parameter: the second moment is not factored, but the step
    is scaled by the parameters' RMS and clipped by the update's RMS over both coordinates."""
    c, eps1, eps2, dd, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l], h[O + 5, l]
    one_minus_b2 = float(t) ** c
    rho = min(lr, 1.0 / (float(t) ** 0.5))
    alpha = max(eps2, math.sqrt(px * px + py * py) / math.sqrt(2.0)) * rho
    if wd != 0.0:
        px = px * (1.0 - lr * wd)
        py = py * (1.0 - lr * wd)
    vx = _lerp(st[0, 0, l], gx * gx, one_minus_b2)
    vy = _lerp(st[0, 1, l], gy * gy, one_minus_b2)
    st[0, 0, l] = vx
    st[0, 1, l] = vy
    ux = 1.0 / math.sqrt(max(vx, eps1 * eps1)) * gx
    uy = 1.0 / math.sqrt(max(vy, eps1 * eps1)) * gy
    denom = max(1.0, math.sqrt(ux * ux + uy * uy) / (math.sqrt(2.0) * dd))
    a = -alpha / denom
    st[1, 0, l] = -a / math.sqrt(max(vx, eps1 * eps1))
    st[1, 1, l] = -a / math.sqrt(max(vy, eps1 * eps1))
    return px + a * ux, py + a * uy


@jit
def _prodigy(h, st, sc, l, px, py, gx, gy, t, lr):
    """prodigyopt 1.1.2's Prodigy step for one 2-D parameter (operation order kept)."""
    b1, b2, b3, eps, wd = h[O + 1, l], h[O + 2, l], h[O + 3, l], h[O + 4, l], h[O + 5, l]
    dec, ubc, sgw, d0, dcoef, growth = h[O + 6, l], h[O + 7, l], h[O + 8, l], h[O + 9, l], h[O + 10, l], h[O + 11, l]
    if b3 < 0.0:
        b3 = math.sqrt(b2)
    if t == 1:
        sc[SC_D, l] = d0
        sc[SC_DMAX, l] = d0
        sc[SC_DNUM, l] = 0.0
        sc[SC_K, l] = 0.0
        sc[SC_P0X, l] = px
        sc[SC_P0Y, l] = py
    k = sc[SC_K, l]
    d = sc[SC_D, l]
    d_max = sc[SC_DMAX, l]
    bias_correction = ((1.0 - b2 ** (k + 1.0)) ** 0.5) / (1.0 - b1 ** (k + 1.0)) if ubc != 0.0 else 1.0
    dlr = d * lr * bias_correction
    d_num = sc[SC_DNUM, l] * b3
    if wd != 0.0 and dec == 0.0:
        gx = gx + wd * px
        gy = gy + wd * py
    d_denom = 0.0
    delta_num = 0.0
    if lr > 0.0:
        delta_num += (d / d0) * dlr * (gx * (sc[SC_P0X, l] - px) + gy * (sc[SC_P0Y, l] - py))
        if b1 > 0.0:
            st[0, 0, l] = st[0, 0, l] * b1 + (d * (1.0 - b1)) * gx
            st[0, 1, l] = st[0, 1, l] * b1 + (d * (1.0 - b1)) * gy
        st[1, 0, l] = st[1, 0, l] * b2 + (d * d * (1.0 - b2)) * gx * gx
        st[1, 1, l] = st[1, 1, l] * b2 + (d * d * (1.0 - b2)) * gy * gy
        ds = (d / d0) * d if sgw != 0.0 else (d / d0) * dlr
        st[2, 0, l] = st[2, 0, l] * b3 + ds * gx
        st[2, 1, l] = st[2, 1, l] * b3 + ds * gy
        d_denom += abs(st[2, 0, l]) + abs(st[2, 1, l])
    if d_denom == 0.0:  # prodigyopt returns before the update (and before counting the step)
        st[3, 0, l] = d
        st[3, 1, l] = d
        return px, py
    if lr > 0.0:
        d_num = d_num + delta_num
        d_hat = dcoef * d_num / d_denom
        if d == d0:
            d = d_hat if d_hat > d else d
        d_max = d_hat if d_hat > d_max else d_max
        grown = d * growth
        d = grown if grown < d_max else d_max
    sc[SC_DNUM, l] = d_num
    sc[SC_D, l] = d
    sc[SC_DMAX, l] = d_max
    sc[SC_K, l] = k + 1.0
    st[3, 0, l] = d
    st[3, 1, l] = d
    denx = math.sqrt(st[1, 0, l]) + d * eps
    deny = math.sqrt(st[1, 1, l]) + d * eps
    if wd != 0.0 and dec != 0.0:
        px = px + (-wd * dlr) * px
        py = py + (-wd * dlr) * py
    if b1 > 0.0:
        return px + (-dlr * st[0, 0, l]) / denx, py + (-dlr * st[0, 1, l]) / deny
    return px + (-dlr * d * gx) / denx, py + (-dlr * d * gy) / deny


@jit
def init_state(opt, h, st, sc, l):
    """Fresh optimizer state for lane l."""
    for k in range(N_STATE):
        st[k, 0, l] = 0.0
        st[k, 1, l] = 0.0
    sc[SC_B1T, l] = 1.0
    sc[SC_B2T, l] = 1.0
    sc[SC_MU, l] = 1.0
    if opt == 4:  # Adagrad's initial accumulator
        st[0, 0, l] = h[O + 3, l]
        st[0, 1, l] = h[O + 3, l]
    elif opt == 6:  # Adadelta: E[Δθ²]_0, the article's start of torch's acc_delta
        a = h[O + 4, l]
        st[1, 0, l] = a
        st[1, 1, l] = a


@jit
def _lane_lr(opt, h, feat, l, t, x, y):
    """Step t's lr for lane l: the schedule and warm-up, then the effective-lr mode."""
    lr = h[O, l]
    if feat[F_SCHED] and (h[SCHED, l] != 0.0 or h[WARM, l] > 0.0):
        sf = opt == 19 or opt == 20  # schedule-free: warmup_steps is the package's own warm-up
        lr = lr * schedule_factor(h, l, t - 1.0, not sf)
        if sf and t - 1.0 < h[WARM, l]:
            lr = lr * (t / h[WARM, l])
    if feat[F_EFF] and h[EFF, l] != 0.0:
        lr = lr / max(math.sqrt(x * x + y * y), 1e-12)
    return lr


@jit(inline="always")  # called once, from run: no code growth
def gradients(opt, sid, lanes, h, feat, st, sc, px, py, t, shift, fs, gxs, gys, lrs):
    """Phase 1 of a step for all lanes: f, the noisy clipped gradient and the lr.

    Kept apart from the update so that the lanes' independent chains run side by side;
    each loop without a libm call is vectorised by LLVM. Noise, clipping, schedules and
    the effective-lr mode get their own loops, entered only when some lane of the chunk
    uses them (``feat``), so the common case stays straight-line code.
    """
    if sid[0] >= 0:  # built-in: all lanes at once, the surface chosen once (dead lanes compute garbage)
        value_grad_lanes(sid[0], px, py, lanes, fs, gxs, gys)
        for l in range(lanes):
            gxs[l], gys[l] = subgradient(fs[l], gxs[l], gys[l])
    else:
        for l in range(lanes):
            fs[l], gxs[l], gys[l] = value_grad(sid, px[l], py[l])
    if feat[F_NOISE] or feat[F_CLIP]:
        for l in range(lanes):
            gxs[l], gys[l] = _perturb(h, l, gxs[l], gys[l], t + shift, 0)
    if feat[F_SCHED] or feat[F_EFF]:
        for l in range(lanes):
            lrs[l] = _lane_lr(opt, h, feat, l, t, px[l], py[l])
    else:
        for l in range(lanes):
            lrs[l] = h[O, l]
    if opt >= 7 and opt <= 13:  # β1^t and β2^t as running products (pow per step would dominate)
        for l in range(lanes):
            sc[SC_B1T, l] *= h[O + 1, l]
            sc[SC_B2T, l] *= h[O + 2, l]


@jit(inline="always")
def updates(opt, sid, lanes, h, feat, st, sc, px, py, t, shift, gxs, gys, lrs, nxs, nys, rec):
    """Phase 2: the optimizer's update for all lanes, dispatched once per step."""
    if opt == 0:
        for l in range(lanes):
            nxs[l], nys[l] = _sgd_lane(h, l, px[l], py[l], gxs[l], gys[l], lrs[l])
    elif opt == 1 or opt == 2:
        nes = opt == 2
        for l in range(lanes):
            nxs[l] = _momentum_1(h, st, l, 0, px[l], gxs[l], t, lrs[l], nes)
            nys[l] = _momentum_1(h, st, l, 1, py[l], gys[l], t, lrs[l], nes)
    elif opt == 3:
        for l in range(lanes):
            nxs[l], nys[l] = _smoothed_nesterov(sid, h, st, l, px[l], py[l], t + shift, lrs[l])
    elif opt == 4:
        for l in range(lanes):
            nxs[l] = _adagrad_1(h, st, l, 0, px[l], gxs[l], t, lrs[l])
            nys[l] = _adagrad_1(h, st, l, 1, py[l], gys[l], t, lrs[l])
    elif opt == 5:
        for l in range(lanes):
            nxs[l] = _rmsprop_1(h, st, l, 0, px[l], gxs[l], lrs[l])
            nys[l] = _rmsprop_1(h, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 6:
        for l in range(lanes):
            nxs[l] = _adadelta_1(h, st, l, 0, px[l], gxs[l], lrs[l])
            nys[l] = _adadelta_1(h, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 7 or opt == 8:
        dec = opt == 8
        uni = feat[F_UNIFORM]
        if rec and uni:
            _adam_lanes(h, st, sc, lanes, px, py, gxs, gys, lrs, nxs, nys, dec, True, True)
        elif rec:
            _adam_lanes(h, st, sc, lanes, px, py, gxs, gys, lrs, nxs, nys, dec, True, False)
        elif uni:
            _adam_lanes(h, st, sc, lanes, px, py, gxs, gys, lrs, nxs, nys, dec, False, True)
        else:
            _adam_lanes(h, st, sc, lanes, px, py, gxs, gys, lrs, nxs, nys, dec, False, False)
    elif opt == 9:
        for l in range(lanes):
            nxs[l] = _adamax_1(h, st, sc, l, 0, px[l], gxs[l], lrs[l])
            nys[l] = _adamax_1(h, st, sc, l, 1, py[l], gys[l], lrs[l])
    elif opt == 10:
        for l in range(lanes):
            nxs[l], nys[l] = _nadam_lane(h, st, sc, l, px[l], py[l], gxs[l], gys[l], t, lrs[l])
    elif opt == 11:
        for l in range(lanes):
            nxs[l] = _radam_1(h, st, sc, l, 0, px[l], gxs[l], t, lrs[l])
            nys[l] = _radam_1(h, st, sc, l, 1, py[l], gys[l], t, lrs[l])
    elif opt == 12:
        for l in range(lanes):
            nxs[l] = _lion_1(h, st, l, 0, px[l], gxs[l], lrs[l])
            nys[l] = _lion_1(h, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 13:
        for l in range(lanes):
            nxs[l] = _adabelief_1(h, st, sc, l, 0, px[l], gxs[l], lrs[l])
            nys[l] = _adabelief_1(h, st, sc, l, 1, py[l], gys[l], lrs[l])
    elif opt == 14 or opt == 15:
        sf = opt == 15
        for l in range(lanes):
            nxs[l], nys[l] = _newton(sid, h, st, l, px[l], py[l], gxs[l], gys[l], lrs[l], sf)
    elif opt == 16:
        for l in range(lanes):
            nxs[l] = _rprop_1(h, st, l, 0, px[l], gxs[l], t, lrs[l])
            nys[l] = _rprop_1(h, st, l, 1, py[l], gys[l], t, lrs[l])
    elif opt == 17:
        for l in range(lanes):
            nxs[l], nys[l] = _asgd_lane(h, st, sc, l, px[l], py[l], gxs[l], gys[l], t, lrs[l])
    elif opt == 18:
        for l in range(lanes):
            nxs[l], nys[l] = _adafactor(h, st, l, px[l], py[l], gxs[l], gys[l], t, lrs[l])
    elif opt == 19 or opt == 20:
        adam = opt == 20
        for l in range(lanes):
            nxs[l], nys[l] = _schedulefree_lane(h, st, sc, l, px[l], py[l], gxs[l], gys[l], t, lrs[l], adam)
    elif opt == 21:
        for l in range(lanes):
            nxs[l], nys[l] = _prodigy(h, st, sc, l, px[l], py[l], gxs[l], gys[l], t, lrs[l])
    else:
        for l in range(lanes):
            nxs[l] = math.nan
            nys[l] = math.nan


@jit
def _nearest(minima, x, y):
    best = -1
    bd = math.inf
    for k in range(minima.shape[0]):
        dx = x - minima[k, 0]
        dy = y - minima[k, 1]
        d = dx * dx + dy * dy
        if d < bd:
            bd = d
            best = k
    return best, bd


# ---------------------------------------------------------------------------------------
# A run's bookkeeping, shared by the chunked kernel and the single-run one.


@jit
def _safe_radii(minima):
    """Per known minimum, the squared radius of a disk around it inside which it is surely the
    nearest minimum (0.49 of the distance to the nearest other one, leaving room for rounding);
    inf for a lone minimum."""
    m = minima.shape[0]
    out = np.full(m, np.inf)
    for a in range(m):
        for b in range(m):
            if a != b:
                dx = minima[a, 0] - minima[b, 0]
                dy = minima[a, 1] - minima[b, 1]
                out[a] = min(out[a], 0.2401 * (dx * dx + dy * dy))
    return out


@jit(inline="always")
def _load_run(opt, hp, r, h, st, sc, l, resume, st0, sc0, feat):
    """Run r's hyperparameters and starting state into lane l; mark the features it uses."""
    for k in range(hp.shape[1]):
        h[k, l] = hp[r, k]
    init_state(opt, h, st, sc, l)
    if resume:
        for k in range(N_STATE):
            st[k, 0, l] = st0[r, k, 0]
            st[k, 1, l] = st0[r, k, 1]
        for k in range(N_SCALARS):
            sc[k, l] = sc0[r, k]
    feat[F_NOISE] |= h[NOISE, l] > 0.0
    feat[F_CLIP] |= h[CLIP, l] < math.inf
    feat[F_SCHED] |= h[SCHED, l] != 0.0 or h[WARM, l] > 0.0
    feat[F_EFF] |= h[EFF, l] != 0.0


@jit(inline="always")
def _begin(level, r, x, y, st, l, diverged_step, steps_to_tol, rec_path, rec_state):
    """Record run r's start; False if the start is not a finite point (diverged at step 0)."""
    diverged_step[r] = -1
    steps_to_tol[r] = -1
    if level >= 1:
        rec_path[r, 0, 0] = x
        rec_path[r, 0, 1] = y
    if level >= 2:
        for k in range(N_STATE):
            rec_state[r, 0, k, 0] = st[k, 0, l]
            rec_state[r, 0, k, 1] = st[k, 1, l]
    if not (math.isfinite(x) and math.isfinite(y)):
        diverged_step[r] = 0
        return False
    return True


@jit(inline="always")
def _finish(
    sid, h, st, sc, l, x, y, alive, r, steps, t_start, shift, level, minima, minima_f, tol, radius,
    final, loss, diverged_step, steps_to_tol, basin, rec_loss, rec_grad, st_out, sc_out,
):  # fmt: skip
    """Run r's summaries after its last step, and its state for a hand-off (NaN once diverged:
    nothing to continue)."""
    for k in range(N_STATE):
        st_out[r, k, 0] = st[k, 0, l] if alive else math.nan
        st_out[r, k, 1] = st[k, 1, l] if alive else math.nan
    for k in range(N_SCALARS):
        sc_out[r, k] = sc[k, l] if alive else math.nan
    final[r, 0] = math.nan
    final[r, 1] = math.nan
    loss[r] = math.nan
    basin[r] = -1
    if not alive:
        return
    f, gx, gy = value_grad(sid, x, y)
    gx, gy = _perturb(h, l, gx, gy, t_start + steps + 1 + shift, 0)
    if level >= 1:
        rec_loss[r, steps] = f
    if level >= 2:
        rec_grad[r, steps, 0] = gx
        rec_grad[r, steps, 1] = gy
    if not math.isfinite(f):
        diverged_step[r] = steps
        return
    final[r, 0] = x
    final[r, 1] = y
    loss[r] = f
    if minima.shape[0] > 0:
        k, d2 = _nearest(minima, x, y)
        if not within(f, minima_f[k], tol):
            steps_to_tol[r] = -1
        elif steps_to_tol[r] < 0:
            steps_to_tol[r] = steps
        if d2 <= radius * radius:
            basin[r] = k


@jit(inline="always")
def within(f, m, tol):
    """Whether f is within tol of a minimum's value m: in the band [m − tol, m + tol], each end
    rounded once. One test everywhere (here, the runners, ``_settle_step``), so that a check of f
    against the union of the bands is exact: with one minimum it is the same test."""
    return m - tol <= f <= m + tol


@jit
def _value_band(minima_f, tol):
    """[f_lo, f_hi]: the union of the minima's bands; no minimum's value is within tol of an f
    outside it."""
    f_lo = math.inf
    f_hi = -math.inf
    for k in range(minima_f.shape[0]):
        f_lo = min(f_lo, minima_f[k] - tol)
        f_hi = max(f_hi, minima_f[k] + tol)
    return f_lo, f_hi


@jit(parallel=True)
def run(
    opt, sid, hp, starts, steps, minima, minima_f, tol, radius, level, lanes, phase, st0, sc0,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, st_out, sc_out,
):  # fmt: skip
    """Advance every run ``steps`` steps; fill the summaries and, by ``level``, the records.

    level 0: summaries only; 1: + path and loss per step; 2: + gradient, update, state
    and lr per step. Record arrays must be NaN-filled by the caller (rows after a
    divergence stay NaN). ``lanes`` (from ``lanes_for``) is passed in rather than read as
    a constant because LLVM fully unrolls a loop of known short length into scalar code
    instead of vectorising it.

    ``phase`` = (resume, t_start, noise_shift) continues a run (a hand-off): with resume 1 the
    state comes from ``st0[r]``/``sc0[r]`` instead of a fresh start, the optimizer's step
    count starts after ``t_start`` and the noise stream after ``t_start + noise_shift``.
    Each run's state after the last step is left in ``st_out``/``sc_out``.
    """
    resume = phase[0] != 0
    t_start = phase[1]
    shift = phase[2]
    n_runs = starts.shape[0]
    n_hp = hp.shape[1]
    n_chunks = (n_runs + lanes - 1) // lanes
    f_lo, f_hi = _value_band(minima_f, tol)
    safe_r2 = _safe_radii(minima)
    multi = minima.shape[0] > 1
    for c in prange(n_chunks):
        lo = c * lanes
        n = min(lanes, n_runs - lo)
        # The chunk's hyperparameters and state, lane index last: contiguous across lanes,
        # so the lane loops vectorise. Lanes past n copy the last run's settings and start
        # at 0: they compute harmless numbers that are never read.
        h = np.empty((n_hp, lanes))
        st = np.zeros((N_STATE, 2, lanes))
        sc = np.ones((N_SCALARS, lanes))
        px = np.zeros(lanes)
        py = np.zeros(lanes)
        alive = np.zeros(lanes, dtype=np.bool_)
        watch = np.zeros(lanes)  # 1.0 while a live run is not within tol of a minimum's value
        # a settled lane (watch 0): its minimum's value and the disk where that minimum is surely
        # the nearest; while it stays on both, the step's bookkeeping cannot change anything
        s_lo = np.zeros(lanes)
        s_hi = np.zeros(lanes)
        s_x = np.zeros(lanes)
        s_y = np.zeros(lanes)
        s_r2 = np.zeros(lanes)
        feat = np.zeros(5, dtype=np.bool_)
        for l in range(lanes):
            _load_run(opt, hp, min(lo + l, n_runs - 1), h, st, sc, l, resume, st0, sc0, feat)
        uniform = not (feat[F_SCHED] or feat[F_EFF])
        for l in range(lanes):
            for k in range(O, O + 3):
                uniform &= h[k, l] == h[k, 0]
            for k in range(N_SCALARS):
                uniform &= sc[k, l] == sc[k, 0]
        feat[F_UNIFORM] = uniform
        for l in range(n):
            r = lo + l
            alive[l] = _begin(
                level, r, starts[r, 0], starts[r, 1], st, l, diverged_step, steps_to_tol, rec_path, rec_state
            )
            watch[l] = 1.0 if alive[l] else 0.0
            px[l] = starts[r, 0] if alive[l] else 0.0
            py[l] = starts[r, 1] if alive[l] else 0.0
        fs = np.empty(lanes)
        gxs = np.empty(lanes)
        gys = np.empty(lanes)
        lrs = np.empty(lanes)
        nxs = np.empty(lanes)
        nys = np.empty(lanes)
        for t in range(t_start + 1, t_start + steps + 1):
            gradients(opt, sid, lanes, h, feat, st, sc, px, py, t, shift, fs, gxs, gys, lrs)
            updates(opt, sid, lanes, h, feat, st, sc, px, py, t, shift, gxs, gys, lrs, nxs, nys, level >= 2)
            i = t - t_start  # this call's step number: the record row
            if level == 0:
                # The common case, vectorised: a lane needs the bookkeeping below only when it
                # diverges, may settle (its f comes near a minimum's value while watched) or may
                # leave (settled, but off its minimum's value or off the disk where that minimum
                # is surely the nearest): otherwise the bookkeeping would change nothing.
                events = 0
                if multi:
                    for l in range(lanes):
                        f = fs[l]
                        nx = nxs[l]
                        ny = nys[l]
                        ok = (f - f == 0.0) & (nx * nx + ny * ny < BLOW_UP)
                        near = (f_lo <= f) & (f <= f_hi)
                        dx = px[l] - s_x[l]
                        dy = py[l] - s_y[l]
                        stays = (s_lo[l] <= f) & (f <= s_hi[l]) & (dx * dx + dy * dy < s_r2[l])
                        watched = watch[l] != 0.0
                        # a dead lane has alive False and never counts
                        events |= alive[l] & ((not ok) | (watched & near) | ((not watched) & (not stays)))
                else:  # one minimum (or none): its band is [f_lo, f_hi] and it is always the nearest
                    for l in range(lanes):
                        f = fs[l]
                        nx = nxs[l]
                        ny = nys[l]
                        ok = (f - f == 0.0) & (nx * nx + ny * ny < BLOW_UP)
                        near = (f_lo <= f) & (f <= f_hi)
                        events |= alive[l] & ((not ok) | (near == (watch[l] != 0.0)))
                if not events:
                    for l in range(lanes):
                        px[l] = nxs[l] if alive[l] else px[l]
                        py[l] = nys[l] if alive[l] else py[l]
                    continue
            # The bookkeeping is written out here and in run_one rather than shared as a helper:
            # Numba counts references to a helper's array arguments at every call (atomic
            # increments), which took a trajectory from 63 to 110 ns per step.
            for l in range(n):
                if not alive[l]:
                    continue
                r = lo + l
                x0 = px[l]
                y0 = py[l]
                f = fs[l]
                if level >= 1:
                    rec_loss[r, i - 1] = f
                if level >= 2:
                    rec_grad[r, i - 1, 0] = gxs[l]
                    rec_grad[r, i - 1, 1] = gys[l]
                    rec_lr[r, i - 1] = lrs[l]
                if not math.isfinite(f):
                    alive[l] = False
                    watch[l] = 0.0
                    diverged_step[r] = i - 1
                    continue
                # steps_to_tol: the first step after which f stays within tol of the value of the
                # nearest minimum; a run that leaves that band is watched again.
                inside = -1
                if f_lo <= f <= f_hi:  # _nearest written out, as in run_one
                    k = 0
                    best = math.inf
                    for j in range(minima.shape[0]):
                        dx = x0 - minima[j, 0]
                        dy = y0 - minima[j, 1]
                        if dx * dx + dy * dy < best:
                            best = dx * dx + dy * dy
                            k = j
                    if within(f, minima_f[k], tol):
                        inside = k
                if inside >= 0 and steps_to_tol[r] < 0:
                    steps_to_tol[r] = i - 1
                elif inside < 0 and steps_to_tol[r] >= 0:
                    steps_to_tol[r] = -1
                watch[l] = 1.0 if inside < 0 else 0.0
                if inside >= 0:
                    s_lo[l] = minima_f[inside] - tol  # within()'s band
                    s_hi[l] = minima_f[inside] + tol
                    s_x[l] = minima[inside, 0]
                    s_y[l] = minima[inside, 1]
                    s_r2[l] = safe_r2[inside]
                nx = nxs[l]
                ny = nys[l]
                if level >= 1:
                    rec_path[r, i, 0] = nx
                    rec_path[r, i, 1] = ny
                if level >= 2:
                    rec_update[r, i - 1, 0] = nx - x0
                    rec_update[r, i - 1, 1] = ny - y0
                    for k in range(N_STATE):
                        rec_state[r, i, k, 0] = st[k, 0, l]
                        rec_state[r, i, k, 1] = st[k, 1, l]
                if not (nx * nx + ny * ny < BLOW_UP):  # also catches NaN
                    alive[l] = False
                    watch[l] = 0.0
                    diverged_step[r] = i
                    continue
                px[l] = nx
                py[l] = ny
        for l in range(n):
            _finish(
                sid, h, st, sc, l, px[l], py[l], alive[l], lo + l, steps, t_start, shift, level,
                minima, minima_f, tol, radius, final, loss, diverged_step, steps_to_tol, basin,
                rec_loss, rec_grad, st_out, sc_out,
            )  # fmt: skip


@jit
def run_one(
    opt, sid, hp, starts, steps, minima, minima_f, tol, radius, level, phase, st0, sc0,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, st_out, sc_out,
):  # fmt: skip
    """``run`` for one run (a trajectory): its point, gradient and lr in registers rather than
    in lane arrays, one step a straight chain of arithmetic. Unlike ``run`` it NaN-fills the
    record rows the run does not reach, so the caller may pass them uninitialised. The per-lane functions are the
    lane code's own (``value_grad_one``, the optimizers' lane updates), so the bits equal the
    run's in a sweep.
    """
    resume = phase[0] != 0
    t_start = phase[1]
    shift = phase[2]
    h = np.empty((hp.shape[1], 1))
    st = np.zeros((N_STATE, 2, 1))
    sc = np.ones((N_SCALARS, 1))
    feat = np.zeros(5, dtype=np.bool_)
    _load_run(opt, hp, 0, h, st, sc, 0, resume, st0, sc0, feat)
    f_lo, f_hi = _value_band(minima_f, tol)
    x = starts[0, 0]
    y = starts[0, 1]
    alive = _begin(level, 0, x, y, st, 0, diverged_step, steps_to_tol, rec_path, rec_state)
    # rows written: path and state up to p_end, loss and gradient up to l_end, update and lr up
    # to u_end (exclusive); run_one fills the rest with NaN itself (the caller need not)
    p_end, l_end, u_end = steps + 1, steps + 1, steps
    if not alive:
        x = 0.0
        y = 0.0
        p_end, l_end, u_end = 1, 0, 0
    built_in = sid[0] >= 0
    perturbed = feat[F_NOISE] or feat[F_CLIP]
    lr_varies = feat[F_SCHED] or feat[F_EFF]
    products = opt >= 7 and opt <= 13  # β1^t and β2^t, as gradients() keeps them
    for t in range(t_start + 1, t_start + steps + 1 if alive else t_start + 1):
        i = t - t_start  # this call's step number: the record row
        if built_in:
            f, gx, gy = value_grad_one(sid[0], x, y)
            gx, gy = subgradient(f, gx, gy)
        else:
            f, gx, gy = value_grad(sid, x, y)
        if perturbed:
            gx, gy = _perturb(h, 0, gx, gy, t + shift, 0)
        lr = _lane_lr(opt, h, feat, 0, t, x, y) if lr_varies else h[O, 0]
        if products:
            sc[SC_B1T, 0] *= h[O + 1, 0]
            sc[SC_B2T, 0] *= h[O + 2, 0]
        # Phase 2: updates()'s per-lane functions for lane 0. The step scale is always stored
        # (a constant flag: a run-time one kept Numba's reference counting in the loop).
        if opt == 0:
            nx, ny = _sgd_lane(h, 0, x, y, gx, gy, lr)
        elif opt == 1 or opt == 2:
            nx = _momentum_1(h, st, 0, 0, x, gx, t, lr, opt == 2)
            ny = _momentum_1(h, st, 0, 1, y, gy, t, lr, opt == 2)
        elif opt == 3:
            nx, ny = _smoothed_nesterov(sid, h, st, 0, x, y, t + shift, lr)
        elif opt == 4:
            nx = _adagrad_1(h, st, 0, 0, x, gx, t, lr)
            ny = _adagrad_1(h, st, 0, 1, y, gy, t, lr)
        elif opt == 5:
            nx = _rmsprop_1(h, st, 0, 0, x, gx, lr)
            ny = _rmsprop_1(h, st, 0, 1, y, gy, lr)
        elif opt == 6:
            nx = _adadelta_1(h, st, 0, 0, x, gx, lr)
            ny = _adadelta_1(h, st, 0, 1, y, gy, lr)
        elif opt == 7 or opt == 8:
            step_size = lr / (1.0 - sc[SC_B1T, 0])  # as _adam_lanes computes them
            bc2_sqrt = math.sqrt(1.0 - sc[SC_B2T, 0])
            nx = _adam_1(h, st, 0, 0, x, gx, lr, opt == 8, step_size, bc2_sqrt, True)
            ny = _adam_1(h, st, 0, 1, y, gy, lr, opt == 8, step_size, bc2_sqrt, True)
        elif opt == 9:
            nx = _adamax_1(h, st, sc, 0, 0, x, gx, lr)
            ny = _adamax_1(h, st, sc, 0, 1, y, gy, lr)
        elif opt == 10:
            nx, ny = _nadam_lane(h, st, sc, 0, x, y, gx, gy, t, lr)
        elif opt == 11:
            nx = _radam_1(h, st, sc, 0, 0, x, gx, t, lr)
            ny = _radam_1(h, st, sc, 0, 1, y, gy, t, lr)
        elif opt == 12:
            nx = _lion_1(h, st, 0, 0, x, gx, lr)
            ny = _lion_1(h, st, 0, 1, y, gy, lr)
        elif opt == 13:
            nx = _adabelief_1(h, st, sc, 0, 0, x, gx, lr)
            ny = _adabelief_1(h, st, sc, 0, 1, y, gy, lr)
        elif opt == 14 or opt == 15:
            nx, ny = _newton(sid, h, st, 0, x, y, gx, gy, lr, opt == 15)
        elif opt == 16:
            nx = _rprop_1(h, st, 0, 0, x, gx, t, lr)
            ny = _rprop_1(h, st, 0, 1, y, gy, t, lr)
        elif opt == 17:
            nx, ny = _asgd_lane(h, st, sc, 0, x, y, gx, gy, t, lr)
        elif opt == 18:
            nx, ny = _adafactor(h, st, 0, x, y, gx, gy, t, lr)
        elif opt == 19 or opt == 20:
            nx, ny = _schedulefree_lane(h, st, sc, 0, x, y, gx, gy, t, lr, opt == 20)
        elif opt == 21:
            nx, ny = _prodigy(h, st, sc, 0, x, y, gx, gy, t, lr)
        else:
            nx, ny = math.nan, math.nan
        # the bookkeeping of run's slow path (see there why it is written out)
        if level >= 1:
            rec_loss[0, i - 1] = f
        if level >= 2:
            rec_grad[0, i - 1, 0] = gx
            rec_grad[0, i - 1, 1] = gy
            rec_lr[0, i - 1] = lr
        if not math.isfinite(f):
            diverged_step[0] = i - 1
            alive = False
            p_end, l_end, u_end = i, i, i - 1
            break
        inside = False
        if f_lo <= f <= f_hi:  # _nearest written out: a call here cost 2.3 of 47 ns per step near a minimum
            k = 0
            best = math.inf
            for j in range(minima.shape[0]):
                dx = x - minima[j, 0]
                dy = y - minima[j, 1]
                if dx * dx + dy * dy < best:
                    best = dx * dx + dy * dy
                    k = j
            inside = within(f, minima_f[k], tol)
        if inside and steps_to_tol[0] < 0:
            steps_to_tol[0] = i - 1
        elif not inside and steps_to_tol[0] >= 0:
            steps_to_tol[0] = -1
        if level >= 1:
            rec_path[0, i, 0] = nx
            rec_path[0, i, 1] = ny
        if level >= 2:
            rec_update[0, i - 1, 0] = nx - x
            rec_update[0, i - 1, 1] = ny - y
            for k in range(N_STATE):
                rec_state[0, i, k, 0] = st[k, 0, 0]
                rec_state[0, i, k, 1] = st[k, 1, 0]
        if not (nx * nx + ny * ny < BLOW_UP):  # also catches NaN
            diverged_step[0] = i
            alive = False
            p_end, l_end, u_end = i + 1, i, i
            break
        x = nx
        y = ny
    _finish(
        sid, h, st, sc, 0, x, y, alive, 0, steps, t_start, shift, level, minima, minima_f, tol, radius,
        final, loss, diverged_step, steps_to_tol, basin, rec_loss, rec_grad, st_out, sc_out,
    )  # fmt: skip
    if level >= 1:
        rec_path[0, p_end:] = math.nan
        rec_loss[0, l_end:] = math.nan
    if level >= 2:
        rec_state[0, p_end:] = math.nan
        rec_grad[0, l_end:] = math.nan
        rec_update[0, u_end:] = math.nan
        rec_lr[0, u_end:] = math.nan
