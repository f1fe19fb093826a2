"""The compiled optimizer loop.

One kernel, ``run``, advances N independent runs (a trajectory is N = 1) of one
optimizer on one surface. Optimizer and surface are integer codes and every
hyperparameter is a float in the row ``hp[r]`` (layout in ``registry.py``), so moving a
slider never recompiles. Runs are processed in chunks of ``LANES`` whose steps are
interleaved: independent dependency chains hide the latency of exp/sin/sqrt. The
updates mirror ``torch.optim``'s single-tensor code operation by operation (``lerp``,
``addcdiv``'s association) so trajectories agree with PyTorch to rounding.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from landscapes._generated import value_grad_lanes
from landscapes._jit import jit
from landscapes.kernels import hessian, subgradient, value_grad
from optimizers.registry import N_COMMON, N_STATE

LANES = 8
BLOW_UP = 1e12  # |θ|² at which a run counts as diverged (|θ| ≥ 1e6)

# Common slots (registry.COMMON order).
SCHED, STEP_SIZE, GAMMA, T_MAX, ETA_MIN, T_0, T_MULT, WARM, WARM_START, NOISE, SEED, CLIP, EFF = range(13)
O = N_COMMON  # first optimizer-specific slot: always lr

# Per-lane scalars: running powers β1^t, β2^t and NAdam's μ product.
SC_B1T, SC_B2T, SC_MU = 0, 1, 2
N_SCALARS = 3

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
def _perturb(hp, r, gx, gy, t, j):
    """Gradient noise, then norm clipping as torch.nn.utils.clip_grad_norm_ does it."""
    sigma = hp[r, NOISE]
    if sigma > 0.0:
        nx, ny = gaussian_pair(hp[r, SEED], t, j)
        gx += sigma * nx
        gy += sigma * ny
    clip = hp[r, CLIP]
    if clip < math.inf:
        coef = clip / (math.sqrt(gx * gx + gy * gy) + 1e-6)
        if coef < 1.0:
            gx *= coef
            gy *= coef
    return gx, gy


@jit
def schedule_factor(hp, r, k):
    """lr multiplier after k scheduler steps (torch.optim.lr_scheduler closed forms)."""
    code = hp[r, SCHED]
    f = 1.0
    if code == 1.0:  # StepLR
        f = hp[r, GAMMA] ** math.floor(k / hp[r, STEP_SIZE])
    elif code == 2.0:  # ExponentialLR
        f = hp[r, GAMMA] ** k
    elif code == 3.0:  # CosineAnnealingLR, as a fraction of the base lr
        base = hp[r, O]
        eta = hp[r, ETA_MIN]
        lr = eta + (base - eta) * (1.0 + math.cos(math.pi * k / hp[r, T_MAX])) / 2.0
        f = lr / base if base != 0.0 else 0.0
    elif code == 4.0:  # CosineAnnealingWarmRestarts
        t0 = hp[r, T_0]
        tm = hp[r, T_MULT]
        if tm == 1.0:
            t_cur = k % t0
            t_i = t0
        elif k >= t0:
            n = math.floor(math.log(k / t0 * (tm - 1.0) + 1.0) / math.log(tm))
            t_cur = k - t0 * (tm**n - 1.0) / (tm - 1.0)
            t_i = t0 * tm**n
        else:
            t_cur = k
            t_i = t0
        base = hp[r, O]
        eta = hp[r, ETA_MIN]
        lr = eta + (base - eta) * (1.0 + math.cos(math.pi * t_cur / t_i)) / 2.0
        f = lr / base if base != 0.0 else 0.0
    warm = hp[r, WARM]
    if warm > 0.0:  # LinearLR(start_factor, total_iters=warm), multiplied in
        s = hp[r, WARM_START]
        f *= s + (1.0 - s) * min(k, warm) / warm
    return f


@jit
def _lerp(a, b, w):
    # ATen's lerp: two formulas depending on the weight, for accuracy near both ends.
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1.0 - w)


# ---------------------------------------------------------------------------------------
# Coordinate-wise updates. Each returns the new coordinate value.


@jit
def _momentum_1(hp, r, st, l, i, p, g, t, lr, nesterov):
    mom = hp[r, O + 1]
    if nesterov:
        wd = hp[r, O + 2]
        damp = 0.0
    else:
        damp = hp[r, O + 2]
        wd = hp[r, O + 3]
    if wd != 0.0:
        g = g + wd * p
    if t == 1:
        buf = g
    else:
        buf = st[l, 0, i] * mom + (1.0 - damp) * g
    st[l, 0, i] = buf
    d = g + mom * buf if nesterov else buf
    return p - lr * d


@jit
def _adagrad_1(hp, r, st, l, i, p, g, t, lr):
    lr_decay, wd, eps = hp[r, O + 1], hp[r, O + 2], hp[r, O + 4]
    if wd != 0.0:
        g = g + wd * p
    clr = lr / (1.0 + (t - 1) * lr_decay)
    s = st[l, 0, i] + 1.0 * g * g
    st[l, 0, i] = s
    std = math.sqrt(s) + eps
    st[l, 1, i] = clr / std
    return p + (-clr * g) / std


@jit
def _rmsprop_1(hp, r, st, l, i, p, g, lr):
    alpha, eps, wd, mom, centered = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4], hp[r, O + 5]
    if wd != 0.0:
        g = g + wd * p
    sq = st[l, 0, i] * alpha + (1.0 - alpha) * g * g
    st[l, 0, i] = sq
    if centered != 0.0:
        ga = _lerp(st[l, 1, i], g, 1.0 - alpha)
        st[l, 1, i] = ga
        avg = math.sqrt(sq + (-1.0 * ga) * ga)
    else:
        avg = math.sqrt(sq)
    avg = avg + eps
    st[l, 3, i] = lr / avg
    if mom > 0.0:
        buf = st[l, 2, i] * mom + g / avg
        st[l, 2, i] = buf
        return p + (-lr) * buf
    return p + (-lr * g) / avg


@jit
def _adadelta_1(hp, r, st, l, i, p, g, lr):
    rho, eps, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3]
    if wd != 0.0:
        g = g + wd * p
    sq = st[l, 0, i] * rho + (1.0 - rho) * g * g
    st[l, 0, i] = sq
    std = math.sqrt(sq + eps)
    scale = math.sqrt(st[l, 1, i] + eps) / std
    delta = scale * g
    st[l, 1, i] = st[l, 1, i] * rho + (1.0 - rho) * delta * delta
    st[l, 2, i] = lr * scale
    return p + (-lr) * delta


@jit
def _adam_1(hp, r, st, l, i, p, g, lr, decoupled, step_size, bc2_sqrt):
    """One coordinate of torch's Adam/AdamW; ``step_size`` = lr/(1−β1^t) and ``bc2_sqrt`` = √(1−β2^t)
    are the same for both coordinates, so the caller computes them once per lane."""
    b1, b2, eps, wd, ams = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4], hp[r, O + 5]
    if wd != 0.0:
        if decoupled:
            p = p * (1.0 - lr * wd)
        else:
            g = g + wd * p
    m = _lerp(st[l, 0, i], g, 1.0 - b1)
    v = st[l, 1, i] * b2 + (1.0 - b2) * g * g
    st[l, 0, i] = m
    st[l, 1, i] = v
    if ams != 0.0:
        vmax = max(st[l, 2, i], v)
        st[l, 2, i] = vmax
        denom = math.sqrt(vmax) / bc2_sqrt + eps
    else:
        denom = math.sqrt(v) / bc2_sqrt + eps
    st[l, 3, i] = step_size / denom
    return p + (-step_size * m) / denom


@jit
def _adamax_1(hp, r, st, sc, l, i, p, g, lr):
    b1, b2, eps, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4]
    if wd != 0.0:
        g = g + wd * p
    m = _lerp(st[l, 0, i], g, 1.0 - b1)
    u = max(st[l, 1, i] * b2, abs(g) + eps)
    st[l, 0, i] = m
    st[l, 1, i] = u
    clr = lr / (1.0 - sc[l, SC_B1T])
    st[l, 2, i] = clr / u
    return p + (-clr * m) / u


@jit
def _nadam_1(hp, r, st, sc, l, i, p, g, t, lr, mu, mu_next):
    b1, b2, eps, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4]
    bc2 = 1.0 - sc[l, SC_B2T]
    if wd != 0.0:
        g = g + wd * p
    mu_product = sc[l, SC_MU]
    m = _lerp(st[l, 0, i], g, 1.0 - b1)
    v = st[l, 1, i] * b2 + (1.0 - b2) * g * g
    st[l, 0, i] = m
    st[l, 1, i] = v
    st[l, 2, i] = mu_product
    denom = math.sqrt(v / bc2) + eps
    mu_product_next = mu_product * mu_next
    c1 = -lr * (1.0 - mu) / (1.0 - mu_product)
    c2 = (-lr * mu_next) / (1.0 - mu_product_next)
    st[l, 3, i] = (-c1 - c2) / denom
    p = p + (c1 * g) / denom
    return p + (c2 * m) / denom


@jit
def _radam_1(hp, r, st, sc, l, i, p, g, t, lr):
    b1, b2, eps, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4]
    if wd != 0.0:
        g = g + wd * p
    m = _lerp(st[l, 0, i], g, 1.0 - b1)
    v = st[l, 1, i] * b2 + (1.0 - b2) * g * g
    st[l, 0, i] = m
    st[l, 1, i] = v
    b2t = sc[l, SC_B2T]
    bc1 = 1.0 - sc[l, SC_B1T]
    bc2 = 1.0 - b2t
    m_hat = m / bc1
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * t * b2t / bc2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        adaptive = math.sqrt(bc2) / (math.sqrt(v) + eps)
        st[l, 2, i] = lr * adaptive * rect / bc1
        return p + -1.0 * (m_hat * lr * adaptive * rect)
    st[l, 2, i] = lr / bc1
    return p + -1.0 * (m_hat * lr)


@jit
def _lion_1(hp, r, st, l, i, p, g, lr):
    b1, b2, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3]
    p = p * (1.0 - lr * wd)
    m = st[l, 0, i]
    c = b1 * m + (1.0 - b1) * g
    s = 1.0 if c > 0.0 else (-1.0 if c < 0.0 else 0.0)
    st[l, 0, i] = b2 * m + (1.0 - b2) * g
    return p - lr * s


@jit
def _adabelief_1(hp, r, st, sc, l, i, p, g, lr):
    b1, b2, eps, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3], hp[r, O + 4]
    if wd != 0.0:
        g = g + wd * p
    m = b1 * st[l, 0, i] + (1.0 - b1) * g
    res = g - m
    s = b2 * st[l, 1, i] + (1.0 - b2) * res * res + eps
    st[l, 0, i] = m
    st[l, 1, i] = s
    step_size = lr / (1.0 - sc[l, SC_B1T])
    denom = math.sqrt(s) / math.sqrt(1.0 - sc[l, SC_B2T]) + eps
    st[l, 2, i] = step_size / denom
    return p - step_size * m / denom


# ---------------------------------------------------------------------------------------
# Whole-point updates (need both coordinates).


@jit
def _smoothed_nesterov(sid, hp, r, st, l, px, py, t, lr):
    gamma, weighted, wd = hp[r, O + 1], hp[r, O + 2], hp[r, O + 3]
    vx, vy = st[l, 0, 0], st[l, 0, 1]
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
        gx, gy = _perturb(hp, r, gx, gy, t, k + 1)
        sx += w * (gx + wd * qx)
        sy += w * (gy + wd * qy)
    vx = gamma * vx + lr * sx
    vy = gamma * vy + lr * sy
    st[l, 0, 0] = vx
    st[l, 0, 1] = vy
    return px - vx, py - vy


@jit
def _newton(sid, hp, r, st, l, px, py, gx, gy, lr, saddle_free):
    damping = hp[r, O + 1]
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
    st[l, 0, 0] = dx
    st[l, 0, 1] = dy
    return px - lr * dx, py - lr * dy


@jit
def init_state(opt, hp, r, st, sc, l):
    """Fresh optimizer state for lane l (row r of hp)."""
    for k in range(N_STATE):
        st[l, k, 0] = 0.0
        st[l, k, 1] = 0.0
    sc[l, SC_B1T] = 1.0
    sc[l, SC_B2T] = 1.0
    sc[l, SC_MU] = 1.0
    if opt == 4:  # Adagrad's initial accumulator
        st[l, 0, 0] = hp[r, O + 3]
        st[l, 0, 1] = hp[r, O + 3]
    elif opt == 6:  # Adadelta: E[Δθ²]_0 = RMS[Δθ]_0²
        a = hp[r, O + 4] * hp[r, O + 4]
        st[l, 1, 0] = a
        st[l, 1, 1] = a


@jit(inline="always")  # called once, from run: no code growth
def gradients(opt, sid, hp, lo, n, alive, st, sc, px, py, t, fs, gxs, gys, lrs):
    """Phase 1 of a step for every live lane: f, the noisy clipped gradient and the lr.

    Kept apart from the update so that the lanes' independent, latency-bound
    transcendental chains overlap in the CPU.
    """
    builtin = sid[0] >= 0
    if builtin:  # all lanes at once, the surface chosen once (dead lanes compute harmless garbage)
        value_grad_lanes(sid[0], px, py, n, fs, gxs, gys)
    for l in range(n):
        if not alive[l]:
            continue
        r = lo + l
        x = px[l]
        y = py[l]
        if builtin:
            f = fs[l]
            gx, gy = subgradient(f, gxs[l], gys[l])
        else:
            f, gx, gy = value_grad(sid, x, y)
        gx, gy = _perturb(hp, r, gx, gy, t, 0)
        fs[l] = f
        gxs[l] = gx
        gys[l] = gy
        lr = hp[r, O]
        if hp[r, SCHED] != 0.0 or hp[r, WARM] > 0.0:
            lr = lr * schedule_factor(hp, r, t - 1.0)
        if hp[r, EFF] != 0.0:
            lr = lr / max(math.sqrt(x * x + y * y), 1e-12)
        lrs[l] = lr
        if opt >= 7 and opt <= 13:  # β1^t and β2^t as running products (pow per step would dominate)
            sc[l, SC_B1T] *= hp[r, O + 1]
            sc[l, SC_B2T] *= hp[r, O + 2]


@jit(inline="always")
def updates(opt, sid, hp, lo, n, alive, st, sc, px, py, t, gxs, gys, lrs, nxs, nys):
    """Phase 2: the optimizer's update for every live lane, dispatched once per step."""
    if opt == 0:
        for l in range(n):
            if alive[l]:
                wd = hp[lo + l, O + 1]
                gx = gxs[l] + wd * px[l] if wd != 0.0 else gxs[l]
                gy = gys[l] + wd * py[l] if wd != 0.0 else gys[l]
                nxs[l] = px[l] - lrs[l] * gx
                nys[l] = py[l] - lrs[l] * gy
    elif opt == 1 or opt == 2:
        nes = opt == 2
        for l in range(n):
            if alive[l]:
                nxs[l] = _momentum_1(hp, lo + l, st, l, 0, px[l], gxs[l], t, lrs[l], nes)
                nys[l] = _momentum_1(hp, lo + l, st, l, 1, py[l], gys[l], t, lrs[l], nes)
    elif opt == 3:
        for l in range(n):
            if alive[l]:
                nxs[l], nys[l] = _smoothed_nesterov(sid, hp, lo + l, st, l, px[l], py[l], t, lrs[l])
    elif opt == 4:
        for l in range(n):
            if alive[l]:
                nxs[l] = _adagrad_1(hp, lo + l, st, l, 0, px[l], gxs[l], t, lrs[l])
                nys[l] = _adagrad_1(hp, lo + l, st, l, 1, py[l], gys[l], t, lrs[l])
    elif opt == 5:
        for l in range(n):
            if alive[l]:
                nxs[l] = _rmsprop_1(hp, lo + l, st, l, 0, px[l], gxs[l], lrs[l])
                nys[l] = _rmsprop_1(hp, lo + l, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 6:
        for l in range(n):
            if alive[l]:
                nxs[l] = _adadelta_1(hp, lo + l, st, l, 0, px[l], gxs[l], lrs[l])
                nys[l] = _adadelta_1(hp, lo + l, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 7 or opt == 8:
        dec = opt == 8
        for l in range(n):
            if alive[l]:
                step_size = lrs[l] / (1.0 - sc[l, SC_B1T])
                bc2_sqrt = math.sqrt(1.0 - sc[l, SC_B2T])
                nxs[l] = _adam_1(hp, lo + l, st, l, 0, px[l], gxs[l], lrs[l], dec, step_size, bc2_sqrt)
                nys[l] = _adam_1(hp, lo + l, st, l, 1, py[l], gys[l], lrs[l], dec, step_size, bc2_sqrt)
    elif opt == 9:
        for l in range(n):
            if alive[l]:
                nxs[l] = _adamax_1(hp, lo + l, st, sc, l, 0, px[l], gxs[l], lrs[l])
                nys[l] = _adamax_1(hp, lo + l, st, sc, l, 1, py[l], gys[l], lrs[l])
    elif opt == 10:
        for l in range(n):
            if alive[l]:
                r = lo + l
                b1, md = hp[r, O + 1], hp[r, O + 5]
                mu = b1 * (1.0 - 0.5 * 0.96 ** (t * md))
                mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * md))
                sc[l, SC_MU] *= mu
                nxs[l] = _nadam_1(hp, r, st, sc, l, 0, px[l], gxs[l], t, lrs[l], mu, mu_next)
                nys[l] = _nadam_1(hp, r, st, sc, l, 1, py[l], gys[l], t, lrs[l], mu, mu_next)
    elif opt == 11:
        for l in range(n):
            if alive[l]:
                nxs[l] = _radam_1(hp, lo + l, st, sc, l, 0, px[l], gxs[l], t, lrs[l])
                nys[l] = _radam_1(hp, lo + l, st, sc, l, 1, py[l], gys[l], t, lrs[l])
    elif opt == 12:
        for l in range(n):
            if alive[l]:
                nxs[l] = _lion_1(hp, lo + l, st, l, 0, px[l], gxs[l], lrs[l])
                nys[l] = _lion_1(hp, lo + l, st, l, 1, py[l], gys[l], lrs[l])
    elif opt == 13:
        for l in range(n):
            if alive[l]:
                nxs[l] = _adabelief_1(hp, lo + l, st, sc, l, 0, px[l], gxs[l], lrs[l])
                nys[l] = _adabelief_1(hp, lo + l, st, sc, l, 1, py[l], gys[l], lrs[l])
    elif opt == 14 or opt == 15:
        sf = opt == 15
        for l in range(n):
            if alive[l]:
                nxs[l], nys[l] = _newton(sid, hp, lo + l, st, l, px[l], py[l], gxs[l], gys[l], lrs[l], sf)
    else:
        for l in range(n):
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


@jit(parallel=True)
def run(
    opt, sid, hp, starts, steps, minima, minima_f, tol, radius, level,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr,
):  # fmt: skip
    """Advance every run ``steps`` steps; fill the summaries and, by ``level``, the records.

    level 0: summaries only; 1: + path and loss per step; 2: + gradient, update, state
    and lr per step. Record arrays must be NaN-filled by the caller (rows after a
    divergence stay NaN).
    """
    n_runs = starts.shape[0]
    n_chunks = (n_runs + LANES - 1) // LANES
    f_lo = math.inf  # no minimum's value is within tol of f outside [f_lo, f_hi]
    f_hi = -math.inf
    for k in range(minima_f.shape[0]):
        f_lo = min(f_lo, minima_f[k] - tol)
        f_hi = max(f_hi, minima_f[k] + tol)
    for c in prange(n_chunks):
        lo = c * LANES
        n = min(LANES, n_runs - lo)
        st = np.zeros((LANES, N_STATE, 2))
        sc = np.ones((LANES, N_SCALARS))
        px = np.empty(LANES)
        py = np.empty(LANES)
        alive = np.zeros(LANES, dtype=np.bool_)
        for l in range(n):
            r = lo + l
            px[l] = starts[r, 0]
            py[l] = starts[r, 1]
            alive[l] = True
            diverged_step[r] = -1
            steps_to_tol[r] = -1
            init_state(opt, hp, r, st, sc, l)
            if level >= 1:
                rec_path[r, 0, 0] = px[l]
                rec_path[r, 0, 1] = py[l]
            if level >= 2:
                for k in range(N_STATE):
                    rec_state[r, 0, k, 0] = st[l, k, 0]
                    rec_state[r, 0, k, 1] = st[l, k, 1]
            if not (math.isfinite(px[l]) and math.isfinite(py[l])):
                alive[l] = False
                diverged_step[r] = 0
        fs = np.empty(LANES)
        gxs = np.empty(LANES)
        gys = np.empty(LANES)
        lrs = np.empty(LANES)
        nxs = np.empty(LANES)
        nys = np.empty(LANES)
        for t in range(1, steps + 1):
            gradients(opt, sid, hp, lo, n, alive, st, sc, px, py, t, fs, gxs, gys, lrs)
            updates(opt, sid, hp, lo, n, alive, st, sc, px, py, t, gxs, gys, lrs, nxs, nys)
            for l in range(n):
                if not alive[l]:
                    continue
                r = lo + l
                x0 = px[l]
                y0 = py[l]
                f = fs[l]
                if level >= 1:
                    rec_loss[r, t - 1] = f
                if level >= 2:
                    rec_grad[r, t - 1, 0] = gxs[l]
                    rec_grad[r, t - 1, 1] = gys[l]
                    rec_lr[r, t - 1] = lrs[l]
                if not math.isfinite(f):
                    alive[l] = False
                    diverged_step[r] = t - 1
                    continue
                if steps_to_tol[r] < 0 and f_lo <= f <= f_hi:  # near some minimum's value: check the nearest
                    k, _ = _nearest(minima, x0, y0)
                    if abs(f - minima_f[k]) <= tol:
                        steps_to_tol[r] = t - 1
                nx = nxs[l]
                ny = nys[l]
                px[l] = nx
                py[l] = ny
                if level >= 1:
                    rec_path[r, t, 0] = nx
                    rec_path[r, t, 1] = ny
                if level >= 2:
                    rec_update[r, t - 1, 0] = nx - x0
                    rec_update[r, t - 1, 1] = ny - y0
                    for k in range(N_STATE):
                        rec_state[r, t, k, 0] = st[l, k, 0]
                        rec_state[r, t, k, 1] = st[l, k, 1]
                if not (nx * nx + ny * ny < BLOW_UP):  # also catches NaN
                    alive[l] = False
                    diverged_step[r] = t
        for l in range(n):
            r = lo + l
            if not alive[l]:
                final[r, 0] = math.nan
                final[r, 1] = math.nan
                loss[r] = math.nan
                basin[r] = -1
                continue
            f, gx, gy = value_grad(sid, px[l], py[l])
            gx, gy = _perturb(hp, r, gx, gy, steps + 1, 0)
            final[r, 0] = px[l]
            final[r, 1] = py[l]
            loss[r] = f
            if level >= 1:
                rec_loss[r, steps] = f
            if level >= 2:
                rec_grad[r, steps, 0] = gx
                rec_grad[r, steps, 1] = gy
            if not math.isfinite(f):
                diverged_step[r] = steps
                final[r, 0] = math.nan
                final[r, 1] = math.nan
                loss[r] = math.nan
                basin[r] = -1
                continue
            basin[r] = -1
            if minima.shape[0] > 0:
                k, d2 = _nearest(minima, px[l], py[l])
                if steps_to_tol[r] < 0 and abs(f - minima_f[k]) <= tol:
                    steps_to_tol[r] = steps
                if d2 <= radius * radius:
                    basin[r] = k
