"""The engine's optimizers on a network's parameter vector, compiled: no Python loop over steps.

The update of every per-coordinate optimizer is the 2-D kernel's own coordinate function
(``optimizers.kernels._adam_1`` and the rest) applied to each parameter, so a network trains
with exactly the arithmetic the playground shows, which follows ``torch.optim``. Left out,
and refused with the reason: the methods whose step is not per coordinate (Newton and
saddle-free Newton need the Hessian, smoothed Nesterov extra look-ahead gradients, Adafactor
factors a weight matrix's second moment, Prodigy, L-BFGS and the gradient-free baselines).
"""

from __future__ import annotations

import math

import numpy as np

from landscapes._jit import jit
from networks.mlp import forward_backward
from optimizers import kernels as K
from optimizers.kernels import SC_AMU, SC_B1T, SC_B2T, SC_ETA, SC_LRMAX, SC_MU, SC_WSUM, WARM, O

SUPPORTED = (
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax", "nadam", "radam",
    "lion", "adabelief", "rprop", "asgd", "sgd_schedulefree", "adamw_schedulefree",
)  # fmt: skip


@jit
def _step(opt, h, st, sc, p, g, t, lr):
    """One optimizer step on every coordinate of ``p`` (in place); ``h`` is (slots, 1)."""
    n = p.shape[0]
    if opt == 0:
        wd = h[O + 1, 0]
        for i in range(n):
            gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
            p[i] = p[i] - lr * gi
    elif opt == 1 or opt == 2:
        for i in range(n):
            p[i] = K._momentum_1(h, st, 0, i, p[i], g[i], t, lr, opt == 2)
    elif opt == 4:
        for i in range(n):
            p[i] = K._adagrad_1(h, st, 0, i, p[i], g[i], t, lr)
    elif opt == 5:
        for i in range(n):
            p[i] = K._rmsprop_1(h, st, 0, i, p[i], g[i], lr)
    elif opt == 6:
        for i in range(n):
            p[i] = K._adadelta_1(h, st, 0, i, p[i], g[i], lr)
    elif opt == 7 or opt == 8:
        sc[SC_B1T, 0] *= h[O + 1, 0]
        sc[SC_B2T, 0] *= h[O + 2, 0]
        step_size = lr / (1.0 - sc[SC_B1T, 0])
        bc2_sqrt = math.sqrt(1.0 - sc[SC_B2T, 0])
        for i in range(n):
            p[i] = K._adam_1(h, st, 0, i, p[i], g[i], lr, opt == 8, step_size, bc2_sqrt, False)
    elif opt == 9 or opt == 11 or opt == 13:
        sc[SC_B1T, 0] *= h[O + 1, 0]
        sc[SC_B2T, 0] *= h[O + 2, 0]
        for i in range(n):
            if opt == 9:
                p[i] = K._adamax_1(h, st, sc, 0, i, p[i], g[i], lr)
            elif opt == 11:
                p[i] = K._radam_1(h, st, sc, 0, i, p[i], g[i], t, lr)
            else:
                p[i] = K._adabelief_1(h, st, sc, 0, i, p[i], g[i], lr)
    elif opt == 10:
        sc[SC_B1T, 0] *= h[O + 1, 0]
        sc[SC_B2T, 0] *= h[O + 2, 0]
        b1, md = h[O + 1, 0], h[O + 5, 0]
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * md))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * md))
        sc[SC_MU, 0] *= mu
        for i in range(n):
            p[i] = K._nadam_1(h, st, sc, 0, i, p[i], g[i], t, lr, mu, mu_next)
    elif opt == 12:
        for i in range(n):
            p[i] = K._lion_1(h, st, 0, i, p[i], g[i], lr)
    elif opt == 16:
        for i in range(n):
            p[i] = K._rprop_1(h, st, 0, i, p[i], g[i], t, lr)
    elif opt == 17:
        if t == 1:
            sc[SC_ETA, 0] = lr
            sc[SC_AMU, 0] = 1.0
        eta, mu = sc[SC_ETA, 0], sc[SC_AMU, 0]
        for i in range(n):
            p[i] = K._asgd_1(h, st, 0, i, p[i], g[i], eta, mu)
        lambd, alpha, t0 = h[O + 1, 0], h[O + 2, 0], h[O + 3, 0]
        sc[SC_ETA, 0] = lr / ((1.0 + lambd * lr * t) ** alpha)
        sc[SC_AMU, 0] = 1.0 / max(1.0, t - t0)
    elif opt == 19 or opt == 20:
        adam = opt == 20
        if t == 1:
            for i in range(n):
                st[0, i, 0] = p[i]
            sc[SC_WSUM, 0] = 0.0
            sc[SC_LRMAX, 0] = -1.0
        lr_max = max(lr, sc[SC_LRMAX, 0])
        sc[SC_LRMAX, 0] = lr_max
        r, power = (h[O + 5, 0], h[O + 6, 0]) if adam else (h[O + 3, 0], h[O + 4, 0])
        weight = (t**r) * (lr_max**power)
        wsum = sc[SC_WSUM, 0] + weight
        sc[SC_WSUM, 0] = wsum
        ckp1 = weight / wsum if wsum != 0.0 else 0.0
        if adam:
            bc2 = 1.0 - h[O + 2, 0] ** float(t)
            wd, eps, vs = h[O + 4, 0], h[O + 3, 0], 2
        else:
            bc2, wd, eps, vs = 1.0, h[O + 2, 0], 0.0, -1
        for i in range(n):
            p[i] = K._schedulefree_1(h, st, 0, i, p[i], g[i], lr, h[O + 1, 0], ckp1, wd, vs, bc2, eps)


@jit
def train_loop(opt, h, params0, XT, labels, targets, sizes, act, task, bias, steps, rec_params, rec_loss, st, sc, A, D):
    """``steps`` full-batch steps from ``params0``: every iterate into ``rec_params`` (steps + 1, P)
    and the loss at each into ``rec_loss``; a non-finite loss or parameter stops the run (later
    rows stay NaN). Returns the step at which it stopped, or -1."""
    p = params0.copy()
    g = np.zeros_like(p)
    for k in range(p.shape[0]):
        rec_params[0, k] = p[k]
    sf = opt == 19 or opt == 20
    for t in range(1, steps + 1):
        f = forward_backward(p, XT, labels, targets, sizes, act, task, bias, A, D, g, True)
        rec_loss[t - 1] = f
        if not math.isfinite(f):
            return t - 1
        lr = h[O, 0]
        if h[K.SCHED, 0] != 0.0 or h[WARM, 0] > 0.0:
            lr = lr * K.schedule_factor(h, 0, t - 1.0, not sf)
            if sf and t - 1.0 < h[WARM, 0]:
                lr = lr * (t / h[WARM, 0])
        _step(opt, h, st, sc, p, g, t, lr)
        ok = True
        for k in range(p.shape[0]):
            rec_params[t, k] = p[k]
            ok = ok and math.isfinite(p[k]) and abs(p[k]) < 1e6
        if not ok:
            return t
    rec_loss[steps] = forward_backward(p, XT, labels, targets, sizes, act, task, bias, A, D, g, False)
    if not math.isfinite(rec_loss[steps]):
        return steps
    return -1


@jit
def _curve_loop(opt, h, a, b, c0, ts, XT, labels, targets, sizes, act, task, bias, check_every, out, st, sc, A, D):
    c = c0.copy()
    g = np.zeros_like(c)
    p = np.zeros_like(c)
    row = 0
    for s in range(ts.shape[0]):
        t = ts[s]
        w = 2.0 * t * (1.0 - t)
        for k in range(c.shape[0]):
            p[k] = (1.0 - t) ** 2 * a[k] + w * c[k] + t * t * b[k]
        forward_backward(p, XT, labels, targets, sizes, act, task, bias, A, D, g, True)
        for k in range(c.shape[0]):
            g[k] *= w
        _step(opt, h, st, sc, c, g, s + 1, h[O, 0])
        if (s + 1) % check_every == 0:
            for k in range(c.shape[0]):
                out[row, k] = c[k]
            row += 1
    return row


def train_curve(net, a, b, c0, ts, lr: float, check_every: int) -> np.ndarray:
    """Adam on a Bézier curve's control point, one sampled t per step; the control point at
    every ``check_every`` steps, (checks, P)."""
    import optimizers
    from optimizers.registry import N_STATE

    s = optimizers.spec("adam")
    hp, _ = optimizers._pack(s, 1, len(ts), {"lr": lr})
    h = np.ascontiguousarray(hp.T)
    st = np.zeros((N_STATE, c0.size, 1))
    sc = np.ones((K.N_SCALARS, 1))
    out = np.full((len(ts) // check_every, c0.size), np.nan)
    A, D = net.buffers()
    rows = _curve_loop(s.code, h, a, b, np.ascontiguousarray(c0), np.ascontiguousarray(ts), *net._args(),
                       check_every, out, st, sc, A, D)  # fmt: skip
    return out[:rows]
