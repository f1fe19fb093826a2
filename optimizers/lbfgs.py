"""torch.optim.LBFGS as an engine optimizer, compiled with Numba.

One engine step is one ``LBFGS.step(closure)`` call: a first evaluation at the current point,
then up to ``max_iter`` inner iterations (fixed steps of length lr, or a strong-Wolfe line
search), so a step spends a varying number of evaluations; ``rec_evals`` counts them. Each
run is a scalar transcription of torch 2.13's ``torch/optim/lbfgs.py`` (``step``,
``_strong_wolfe``, ``_cubic_interpolate``) in 2-D, in torch's order of floating-point
operations, so trajectories agree with PyTorch to rounding: dot products are ``a0*b0 + a1*b1``
and every ``add_(v, alpha=a)`` is the fused ``fma(a, v, p)`` that ATen's vectorised add
computes. The curvature history is a ring buffer of ``history_size`` pairs (torch pops the
oldest). Gradient noise and clipping (``kernels._perturb``) apply to every evaluation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange, types
from numba.extending import intrinsic

from landscapes._jit import jit
from landscapes.kernels import value_grad
from optimizers.kernels import BLOW_UP, EFF, SCHED, WARM, O, _nearest, _perturb, _value_band, schedule_factor, within
from optimizers.registry import N_STATE

# Own slots (registry order): lr, max_iter, max_eval, tolerance_grad, tolerance_change,
# history_size, strong_wolfe.
LR, MAX_ITER, MAX_EVAL, TOL_GRAD, TOL_CHANGE, HISTORY, WOLFE = range(O, O + 7)

# _strong_wolfe's defaults: LBFGS.step passes neither c1, c2 nor its own tolerance_change.
C1 = 1e-4
C2 = 0.9
LS_TOL_CHANGE = 1e-9

# Persistent per-run state between steps (torch's ``state`` dict): scalars ...
S_T, S_HDIAG, S_PREV_LOSS, S_NITER, S_HEAD, S_COUNT = range(6)
N_SC = 6
# ... and 2-vectors: the direction d, prev_flat_grad, the current point.
V_D, V_PG, V_X = range(3)
N_VEC = 3


@intrinsic
def fma(typingctx, a, b, c):
    """a*b + c with one rounding (LLVM's llvm.fma): what ATen's ``add_(v, alpha=a)`` computes."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@jit(inline="always")
def _pymax(a, b):
    """Python's ``max(a, b)``: b only if b > a (so a NaN in front stays)."""
    return b if b > a else a


@jit(inline="always")
def _pymin(a, b):
    """Python's ``min(a, b)``: b only if b < a."""
    return b if b < a else a


@jit(inline="always")
def _absmax(a, b):
    """``tensor.abs().max()`` of a 2-vector; NaN if either is NaN, as torch propagates it."""
    if a != a or b != b:
        return math.nan
    return max(abs(a), abs(b))


@jit(inline="always")
def _closure(sid, h, r, x, y, e):
    """f and the (noisy, clipped) gradient at (x, y); ``e`` is the run's evaluation counter,
    which indexes the noise so that no two evaluations of a run share a draw."""
    f, gx, gy = value_grad(sid, x, y)
    gx, gy = _perturb(h, r, gx, gy, 1 + e // 4, e % 4)
    return f, gx, gy


@jit
def cubic_interpolate(x1, f1, g1, x2, f2, g2, xmin_bound, xmax_bound):
    """torch's ``_cubic_interpolate``: the minimiser of the cubic through two points with
    their slopes, clamped to [xmin_bound, xmax_bound]; the midpoint if it has none."""
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0.0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return _pymin(_pymax(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


@jit
def strong_wolfe(sid, h, r, x, y, t, dx, dy, f, gx, gy, gtd, max_ls, e, br):
    """torch's ``_strong_wolfe`` along d from (x, y): bracket, then zoom.

    Returns ``(f_new, gx_new, gy_new, t, ls_func_evals)``; ``e`` is the evaluation counter
    of the run before the search (for the noise index) and ``br`` a (5, 2) scratch array.
    """
    d_norm = _absmax(dx, dy)
    f_new, gnx, gny = _closure(sid, h, r, fma(t, dx, x), fma(t, dy, y), e)
    ls_func_evals = 1
    gtd_new = gnx * dx + gny * dy
    t_prev, f_prev, gpx, gpy, gtd_prev = 0.0, f, gx, gy, gtd
    # The bracket (rows of ``br``): up to two points with t, f, gradient and directional derivative.
    bt, bf, bgx, bgy, bgtd = br[0], br[1], br[2], br[3], br[4]
    n_br = 0
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + C1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            n_br = 2
            bt[0], bt[1] = t_prev, t
            bf[0], bf[1] = f_prev, f_new
            bgx[0], bgx[1] = gpx, gnx
            bgy[0], bgy[1] = gpy, gny
            bgtd[0], bgtd[1] = gtd_prev, gtd_new
            break
        if abs(gtd_new) <= -C2 * gtd:
            n_br = 1
            bt[0], bf[0], bgx[0], bgy[0] = t, f_new, gnx, gny
            done = True
            break
        if gtd_new >= 0.0:
            n_br = 2
            bt[0], bt[1] = t_prev, t
            bf[0], bf[1] = f_prev, f_new
            bgx[0], bgx[1] = gpx, gnx
            bgy[0], bgy[1] = gpy, gny
            bgtd[0], bgtd[1] = gtd_prev, gtd_new
            break
        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10.0
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step)
        t_prev, f_prev, gpx, gpy, gtd_prev = tmp, f_new, gnx, gny, gtd_new
        f_new, gnx, gny = _closure(sid, h, r, fma(t, dx, x), fma(t, dy, y), e + ls_func_evals)
        ls_func_evals += 1
        gtd_new = gnx * dx + gny * dy
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations before a bracket was found
        n_br = 2
        bt[0], bt[1] = 0.0, t
        bf[0], bf[1] = f, f_new
        bgx[0], bgx[1] = gx, gnx
        bgy[0], bgy[1] = gy, gny

    # zoom: shrink the bracket until a point satisfies the strong Wolfe conditions
    insuf_progress = False
    low, high = (0, 1) if (n_br == 1 or bf[0] <= bf[1]) else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bt[1] - bt[0]) * d_norm < LS_TOL_CHANGE:
            break
        lo, hi = (bt[0], bt[1]) if bt[0] <= bt[1] else (bt[1], bt[0])  # torch's default bounds
        t = cubic_interpolate(bt[0], bf[0], bgtd[0], bt[1], bf[1], bgtd[1], lo, hi)
        b_max = _pymax(bt[0], bt[1])
        b_min = _pymin(bt[0], bt[1])
        eps = 0.1 * (b_max - b_min)
        if _pymin(b_max - t, t - b_min) < eps:
            # interpolation close to the boundary
            if insuf_progress or t >= b_max or t <= b_min:
                t = b_max - eps if abs(t - b_max) < abs(t - b_min) else b_min + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, gnx, gny = _closure(sid, h, r, fma(t, dx, x), fma(t, dy, y), e + ls_func_evals)
        ls_func_evals += 1
        gtd_new = gnx * dx + gny * dy
        ls_iter += 1
        if f_new > (f + C1 * t * gtd) or f_new >= bf[low]:
            # Armijo condition not satisfied or not lower than the lowest point
            bt[high], bf[high], bgx[high], bgy[high], bgtd[high] = t, f_new, gnx, gny, gtd_new
            low, high = (0, 1) if bf[0] <= bf[1] else (1, 0)
        else:
            if abs(gtd_new) <= -C2 * gtd:
                done = True
            elif gtd_new * (bt[high] - bt[low]) >= 0.0:
                # the old high becomes the new low
                bt[high], bf[high], bgx[high], bgy[high], bgtd[high] = bt[low], bf[low], bgx[low], bgy[low], bgtd[low]
            bt[low], bf[low], bgx[low], bgy[low], bgtd[low] = t, f_new, gnx, gny, gtd_new
    return bf[low], bgx[low], bgy[low], bt[low], ls_func_evals


@jit
def lbfgs_step(sid, h, r, lr, loss, gx, gy, e, sc, vec, dirs, stps, ro, al, br):
    """The rest of one ``LBFGS.step(closure)`` after its first evaluation (``loss``, g at the
    current point ``vec[V_X]``): the inner iterations. Updates the point and the persistent
    state in place and returns the evaluations spent beyond the first. ``e`` is the run's
    evaluation counter including that first evaluation."""
    max_iter = int(h[MAX_ITER, r])
    max_eval = int(h[MAX_EVAL, r]) if h[MAX_EVAL, r] > 0.0 else max_iter * 5 // 4
    tol_grad = h[TOL_GRAD, r]
    tol_change = h[TOL_CHANGE, r]
    hs = int(h[HISTORY, r])
    wolfe = h[WOLFE, r] != 0.0
    cap = dirs.shape[0]  # ring capacity: history_size, or fewer when the run cannot fill it
    current_evals = 1
    if _absmax(gx, gy) <= tol_grad:  # optimal condition
        return 0
    x, y = vec[V_X, 0], vec[V_X, 1]
    dx, dy = vec[V_D, 0], vec[V_D, 1]
    pgx, pgy = vec[V_PG, 0], vec[V_PG, 1]
    t = sc[S_T]
    h_diag = sc[S_HDIAG]
    prev_loss = sc[S_PREV_LOSS]
    head = int(sc[S_HEAD])
    count = int(sc[S_COUNT])
    opt_cond = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        sc[S_NITER] += 1.0
        # compute the descent direction
        if sc[S_NITER] == 1.0:
            dx, dy = -gx, -gy
            head = 0
            count = 0
            h_diag = 1.0
        else:
            yx = gx - pgx
            yy = gy - pgy
            sx = dx * t
            sy = dy * t
            ys = yx * sx + yy * sy
            if ys > 1e-10:
                if count == hs:  # shift the history by one
                    head = (head + 1) % cap
                    count -= 1
                k = (head + count) % cap
                dirs[k, 0], dirs[k, 1] = yx, yy
                stps[k, 0], stps[k, 1] = sx, sy
                ro[k] = 1.0 / ys
                count += 1
                h_diag = ys / (yx * yx + yy * yy)
            # two-loop recursion: d = -H g
            qx, qy = -gx, -gy
            for i in range(count - 1, -1, -1):
                k = (head + i) % cap
                a = (stps[k, 0] * qx + stps[k, 1] * qy) * ro[k]
                al[i] = a
                qx = fma(-a, dirs[k, 0], qx)
                qy = fma(-a, dirs[k, 1], qy)
            rx = qx * h_diag
            ry = qy * h_diag
            for i in range(count):
                k = (head + i) % cap
                be_i = (dirs[k, 0] * rx + dirs[k, 1] * ry) * ro[k]
                c = al[i] - be_i
                rx = fma(c, stps[k, 0], rx)
                ry = fma(c, stps[k, 1], ry)
            dx, dy = rx, ry
        pgx, pgy = gx, gy
        prev_loss = loss
        # step length
        if sc[S_NITER] == 1.0:
            t = _pymin(1.0, 1.0 / (abs(gx) + abs(gy))) * lr
        else:
            t = lr
        gtd = gx * dx + gy * dy
        if gtd > -tol_change:  # the directional derivative is below tolerance
            break
        ls_func_evals = 0
        if wolfe:
            loss, gx, gy, t, ls_func_evals = strong_wolfe(
                sid, h, r, x, y, t, dx, dy, loss, gx, gy, gtd, max_eval - current_evals, e, br
            )
            x = fma(t, dx, x)
            y = fma(t, dy, y)
            opt_cond = _absmax(gx, gy) <= tol_grad
        else:
            x = fma(t, dx, x)
            y = fma(t, dy, y)
            if n_iter != max_iter:  # torch re-evaluates only if this is not the last iteration
                loss, gx, gy = _closure(sid, h, r, x, y, e)
                opt_cond = _absmax(gx, gy) <= tol_grad
                ls_func_evals = 1
        current_evals += ls_func_evals
        e += ls_func_evals
        # check conditions
        if n_iter == max_iter:
            break
        if current_evals >= max_eval:
            break
        if opt_cond:
            break
        if _absmax(dx * t, dy * t) <= tol_change:  # lack of progress
            break
        if abs(loss - prev_loss) < tol_change:
            break
    vec[V_X, 0], vec[V_X, 1] = x, y
    vec[V_D, 0], vec[V_D, 1] = dx, dy
    vec[V_PG, 0], vec[V_PG, 1] = pgx, pgy
    sc[S_T] = t
    sc[S_HDIAG] = h_diag
    sc[S_PREV_LOSS] = prev_loss
    sc[S_HEAD] = head
    sc[S_COUNT] = count
    return current_evals - 1


@jit
def _one_run(
    sid, h, r, starts, steps, minima, minima_f, f_lo, f_hi, tol, radius, level,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
):  # fmt: skip
    """Run r: ``steps`` L-BFGS steps with the bookkeeping of ``kernels.run``."""
    max_iter = int(h[MAX_ITER, r])
    cap = max(1, min(int(h[HISTORY, r]), steps * max_iter))
    dirs = np.zeros((cap, 2))
    stps = np.zeros((cap, 2))
    ro = np.zeros(cap)
    al = np.zeros(cap)
    br = np.zeros((5, 2))
    sc = np.zeros(N_SC)
    sc[S_HDIAG] = 1.0
    vec = np.zeros((N_VEC, 2))
    px = starts[r, 0]
    py = starts[r, 1]
    vec[V_X, 0], vec[V_X, 1] = px, py
    diverged_step[r] = -1
    steps_to_tol[r] = -1
    rec_evals[r, 0] = 0
    if level >= 1:
        rec_path[r, 0, 0] = px
        rec_path[r, 0, 1] = py
    if level >= 2:
        for k in range(N_STATE):
            rec_state[r, 0, k, 0] = 0.0
            rec_state[r, 0, k, 1] = 0.0
    alive = math.isfinite(px) and math.isfinite(py)
    if not alive:
        diverged_step[r] = 0
    scheduled = h[SCHED, r] != 0.0 or h[WARM, r] > 0.0
    evals = 0
    done = 0  # rows of rec_evals written
    for t in range(1, steps + 1):
        if not alive:
            break
        lr = h[LR, r]
        if scheduled:
            lr = lr * schedule_factor(h, r, t - 1.0)
        f, gx, gy = _closure(sid, h, r, px, py, evals)
        if level >= 1:
            rec_loss[r, t - 1] = f
        if level >= 2:
            rec_grad[r, t - 1, 0] = gx
            rec_grad[r, t - 1, 1] = gy
            rec_lr[r, t - 1] = lr
        if not math.isfinite(f):
            alive = False
            diverged_step[r] = t - 1
            break
        # steps_to_tol: as kernels.run, the first step after which f stays within tol of the
        # nearest minimum's value
        inside = False
        if f_lo <= f <= f_hi:
            k, _ = _nearest(minima, px, py)
            inside = within(f, minima_f[k], tol)
        if inside and steps_to_tol[r] < 0:
            steps_to_tol[r] = t - 1
        elif not inside and steps_to_tol[r] >= 0:
            steps_to_tol[r] = -1
        evals += 1
        evals += lbfgs_step(sid, h, r, lr, f, gx, gy, evals, sc, vec, dirs, stps, ro, al, br)
        nx = vec[V_X, 0]
        ny = vec[V_X, 1]
        rec_evals[r, t] = evals
        done = t
        if level >= 1:
            rec_path[r, t, 0] = nx
            rec_path[r, t, 1] = ny
        if level >= 2:
            rec_update[r, t - 1, 0] = nx - px
            rec_update[r, t - 1, 1] = ny - py
            rec_state[r, t, 0, 0] = vec[V_D, 0]
            rec_state[r, t, 0, 1] = vec[V_D, 1]
            for k in range(1, N_STATE):
                rec_state[r, t, k, 0] = 0.0
                rec_state[r, t, k, 1] = 0.0
        if not (nx * nx + ny * ny < BLOW_UP):  # also catches NaN
            alive = False
            diverged_step[r] = t
            break
        px = nx
        py = ny
    for t in range(done + 1, steps + 1):  # no evaluations after a divergence
        rec_evals[r, t] = evals
    basin[r] = -1
    if not alive:
        final[r, 0] = math.nan
        final[r, 1] = math.nan
        loss[r] = math.nan
        return
    f, gx, gy = _closure(sid, h, r, px, py, evals)  # what the next step would see first
    final[r, 0] = px
    final[r, 1] = py
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
        return
    if minima.shape[0] > 0:
        k, d2 = _nearest(minima, px, py)
        if not within(f, minima_f[k], tol):
            steps_to_tol[r] = -1
        elif steps_to_tol[r] < 0:
            steps_to_tol[r] = steps
        if d2 <= radius * radius:
            basin[r] = k


@jit(parallel=True)
def run_all(
    sid, h, starts, steps, minima, minima_f, tol, radius, level,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
):  # fmt: skip
    """Every run, in parallel (each run is sequential: its inner iterations depend on each other).
    ``h`` is the hyperparameter matrix transposed, (N_SLOTS, n), as ``kernels`` indexes it."""
    f_lo, f_hi = _value_band(minima_f, tol)
    for r in prange(starts.shape[0]):
        _one_run(
            sid, h, r, starts, steps, minima, minima_f, f_lo, f_hi, tol, radius, level,
            final, loss, diverged_step, steps_to_tol, basin,
            rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
        )  # fmt: skip


def run(
    s, surf, hp, starts, steps, mins, mins_f, tol, radius, level,
    final, loss, div, stt, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
):  # fmt: skip
    """Advance every run ``steps`` L-BFGS steps and fill the arrays ``kernels.run`` fills, plus
    ``rec_evals`` (cumulative closure calls after k steps).

    Returns ``None``: L-BFGS has no population. Raises ``ValueError`` for ``effective_lr``,
    which has no meaning for a method whose step length comes from its own line search.
    """
    if np.any(hp[:, EFF] != 0.0):
        raise ValueError("effective_lr is not supported by lbfgs (its step length is its own)")
    h = np.ascontiguousarray(hp.T, dtype=np.float64)
    h[MAX_EVAL] = np.minimum(h[MAX_EVAL], 2.0**53)  # an integer the kernel can convert: beyond any budget
    run_all(
        surf.kernel_arg, h, np.ascontiguousarray(starts, dtype=np.float64), int(steps), mins, mins_f,
        float(tol), float(radius), int(level), final, loss, div, stt, basin,
        rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
    )  # fmt: skip
    return None
