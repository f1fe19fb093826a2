"""Gradient-free baselines: (1+λ) random search (compiled) and CMA-ES (Hansen's ``cma`` package).

``run`` is the runner ``optimizers._execute`` calls for the specs with
``runner="optimizers.gradient_free"``; it fills the same summaries and records as the
compiled kernel (``optimizers.kernels.run``), plus the evaluation counts and, at record
level 2, the population each step tried. Both methods use f only; ``grad`` records the
true gradient at the path point for display.

Evaluations are counted as the points a method tries: popsize per step (random search)
or per generation (CMA-ES). The value of f at a path point (the start, and CMA-ES's mean
after each generation) is bookkeeping for the display and is not counted; random search
gets it for free from its tries anyway.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import prange

from landscapes._jit import jit
from landscapes.kernels import value_grad
from optimizers.kernels import BLOW_UP, SEED, O, _nearest, gaussian_pair, within
from optimizers.registry import COMMON, SCHEDULES, OptimizerSpec

if TYPE_CHECKING:
    from landscapes import Surface

# ---------------------------------------------------------------------------------------
# Shared bookkeeping: one run's path -> the kernel's summaries and records.


@jit
def _settle(
    r, pts, fs, gs, lrs, sts, m, e, conv, per_step, has_state, steps, minima, minima_f, tol, radius, level,
    final, loss, diverged_step, steps_to_tol, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr,
    rec_evals,
):  # fmt: skip
    """Write run r's summaries and records with ``optimizers.kernels.run``'s semantics.

    ``pts[0..m]`` are the path points reached, ``fs``/``gs[0..e]`` f and its gradient at the
    points evaluated (e = m, or m - 1 when point m blew up). Point m diverged if it blew up
    (|θ|² ≥ BLOW_UP or NaN) or its f is not finite; otherwise m = steps. ``lrs[k]`` is the
    step size used by step k + 1, ``sts[k]`` the scalar state after k steps (when
    ``has_state``), ``conv`` the step after which the run stopped spending evaluations
    (-1: never) and ``per_step`` the evaluations per step.
    """
    d = -1
    if e < m or not math.isfinite(fs[m]):
        d = m
    diverged_step[r] = d
    if level >= 1:
        for k in range(m + 1):
            rec_path[r, k, 0] = pts[k, 0]
            rec_path[r, k, 1] = pts[k, 1]
        for k in range(e + 1):
            rec_loss[r, k] = fs[k]
    if level >= 2:
        for k in range(e + 1):
            rec_grad[r, k, 0] = gs[k, 0]
            rec_grad[r, k, 1] = gs[k, 1]
        for k in range(min(e, steps - 1) + 1):
            rec_lr[r, k] = lrs[k]
        for k in range(m):
            rec_update[r, k, 0] = pts[k + 1, 0] - pts[k, 0]
            rec_update[r, k, 1] = pts[k + 1, 1] - pts[k, 1]
        for k in range(m + 1):
            for j in range(rec_state.shape[2]):
                v = sts[k] if has_state and j == 0 else 0.0
                rec_state[r, k, j, 0] = v
                rec_state[r, k, j, 1] = v
    # steps_to_tol: the start of the trailing stretch of checked points whose f is within tol
    # of the nearest known minimum's value (the kernel checks every point with a finite f).
    last = e if math.isfinite(fs[e]) else e - 1
    s = -1
    if minima.shape[0] > 0:
        for k in range(last, -1, -1):
            i, _ = _nearest(minima, pts[k, 0], pts[k, 1])
            if within(fs[k], minima_f[i], tol):
                s = k
            else:
                break
    steps_to_tol[r] = s
    done = steps if d < 0 else d
    if conv >= 0:
        done = min(done, conv)
    for k in range(rec_evals.shape[1]):
        rec_evals[r, k] = min(k, done) * per_step
    basin[r] = -1
    if d >= 0:
        final[r, 0] = math.nan
        final[r, 1] = math.nan
        loss[r] = math.nan
        return
    final[r, 0] = pts[steps, 0]
    final[r, 1] = pts[steps, 1]
    loss[r] = fs[steps]
    if minima.shape[0] > 0:
        i, d2 = _nearest(minima, pts[steps, 0], pts[steps, 1])
        if d2 <= radius * radius:
            basin[r] = i


# ---------------------------------------------------------------------------------------
# Random search, compiled.


@jit(parallel=True)
def _random_search(
    sid, hp, starts, steps, minima, minima_f, tol, radius, level,
    final, loss, diverged_step, steps_to_tol, basin,
    rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals, population,
):  # fmt: skip
    """(1+λ) random search with a fixed σ for every run, in parallel over runs.

    Try j of step t is θ + σ·ξ with ξ the draw k = (t−1)·popsize + j of the run's seed:
    ``gaussian_pair(seed, k // 4, k % 4)``, which walks the counter-based stream without
    reusing a draw (the generator mixes (t, j) as 4t + j, so j ≥ 4 would repeat the next
    step's draws). A run thus depends only on its own row: a sweep's run with seed s is the
    trajectory with seed s.
    """
    for r in prange(starts.shape[0]):
        sigma = hp[r, O]
        pop = int(hp[r, O + 1])
        seed = hp[r, SEED]
        pts = np.full((steps + 1, 2), np.nan)
        fs = np.full(steps + 1, np.nan)
        gs = np.full((steps + 1, 2), np.nan)
        lrs = np.full(steps + 1, sigma)
        x = starts[r, 0]
        y = starts[r, 1]
        f, gx, gy = value_grad(sid, x, y)
        pts[0, 0] = x
        pts[0, 1] = y
        fs[0] = f
        gs[0, 0] = gx
        gs[0, 1] = gy
        m = 0
        e = 0
        for t in range(1, steps + 1):
            if not math.isfinite(f):
                break
            bx, by, bf, bgx, bgy = x, y, f, gx, gy
            for j in range(pop):
                k = (t - 1) * pop + j
                zx, zy = gaussian_pair(seed, k // 4, k % 4)
                tx = x + sigma * zx
                ty = y + sigma * zy
                ft, ax, ay = value_grad(sid, tx, ty)
                if level >= 2:
                    population[r, t, j, 0] = tx
                    population[r, t, j, 1] = ty
                if ft < bf:  # strictly lower: ties and NaN keep the current point
                    bx, by, bf, bgx, bgy = tx, ty, ft, ax, ay
            x, y = bx, by
            m = t
            pts[t, 0] = x
            pts[t, 1] = y
            if not (x * x + y * y < BLOW_UP):
                break
            f, gx, gy = bf, bgx, bgy
            e = t
            fs[t] = f
            gs[t, 0] = gx
            gs[t, 1] = gy
        _settle(
            r, pts, fs, gs, lrs, lrs, m, e, -1, pop, False, steps, minima, minima_f, tol, radius, level,
            final, loss, diverged_step, steps_to_tol, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state,
            rec_lr, rec_evals,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------
# CMA-ES through the cma package.

CMA_DEFAULT_POPSIZE = 4 + int(3 * math.log(2))  # cma's 4 + ⌊3 ln n⌋ for n = 2

CMA_OPTIONS: dict[str, Any] = {
    "verbose": -9,  # silent
    "verb_disp": 0,
    "verb_log": 0,  # no output files
    "signals_filename": "",  # never read options from a file in the working directory
    "bounds": [None, None],
    # No stop by budget, stagnation, flat fitness or a growing σ: the engine runs `steps`
    # generations and decides divergence itself. Convergence criteria keep their defaults.
    "maxiter": math.inf,
    "maxfevals": math.inf,
    "timeout": math.inf,
    "tolstagnation": 0,
    "tolflatfitness": math.inf,
    "tolupsigma": math.inf,
    "tolfacupx": math.inf,
}
"""The options every run gets, besides ``popsize`` (when not 0) and the seeding (see ``cma_rng``)."""

CONVERGED = frozenset({"tolx", "tolfun", "tolfunhist", "tolxstagnation", "noeffectcoord", "noeffectaxis",
                       "tolconditioncov"})  # fmt: skip
"""``es.stop()`` keys taken as convergence (cma's defaults: tolfun = tolx = 1e-11): the run then
stays at its mean. An exactly flat region counts too (tolfun: no f differences left to rank)."""


def cma_seed(seed: float) -> int:
    """The cma seed of the engine's ``seed``: seed + 1, as cma reads 0 (and None) as "from the clock"."""
    return int(seed) + 1


def cma_rng(seed: float) -> np.random.RandomState:
    """The generator whose ``randn`` a run's cma instance samples with.

    cma's own ``seed`` option reseeds NumPy's global generator and samples from it; a private
    ``RandomState(cma_seed(seed))`` yields the same numbers without touching global state,
    so runs in parallel threads and the caller's ``np.random`` do not interfere. Seeds
    beyond its 32-bit range seed it with the two 32-bit halves instead.
    """
    s = cma_seed(seed)
    return np.random.RandomState(s if s < 2**32 else [s & 0xFFFFFFFF, s >> 32])


def _import_cma():
    with warnings.catch_warnings():  # cma warns at import that matplotlib (its plotting) is missing
        warnings.filterwarnings("ignore", message=".*matplotlib", category=UserWarning)
        import cma
    return cma


@jit
def _evaluate(sid, pts, fs, gs):
    """f and its gradient at each row of ``pts`` (k, 2), in one compiled call."""
    for i in range(pts.shape[0]):
        fs[i], gs[i, 0], gs[i, 1] = value_grad(sid, pts[i, 0], pts[i, 1])


def _cmaes_run(cma, sid, x0, sigma0, lam, seed, steps, pop_out):
    """One CMA-ES run: path (means), f and gradient there, σ per generation, last indices and
    the generation after which it converged (-1 if it did not)."""
    pts = np.full((steps + 1, 2), np.nan)
    fs = np.full(steps + 1, np.nan)
    gs = np.full((steps + 1, 2), np.nan)
    sig = np.full(steps + 1, np.nan)
    pts[0] = x0
    sig[0] = sigma0
    _evaluate(sid, pts[:1], fs[:1], gs[:1])
    m = e = 0
    conv = -1
    if steps == 0 or not math.isfinite(fs[0]):
        return pts, fs, gs, sig, m, e, conv
    opts = {**CMA_OPTIONS, "seed": math.nan, "randn": cma_rng(seed).randn}
    if lam != CMA_DEFAULT_POPSIZE:
        opts["popsize"] = lam
    es = cma.CMAEvolutionStrategy(list(x0), sigma0, opts)
    if es.popsize != lam:
        raise RuntimeError(f"cma chose popsize {es.popsize}, expected {lam}")
    fx = np.empty(lam)
    gx = np.empty((lam, 2))
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            if not math.isfinite(fs[t - 1]):
                break
            xs = es.ask()
            a = np.array(xs)
            _evaluate(sid, a, fx, gx)
            if pop_out is not None:
                pop_out[t, :lam] = a
            es.tell(xs, np.where(np.isnan(fx), np.inf, fx))  # undefined f ranks last
            m = t
            pts[t] = es.mean
            sig[t] = es.sigma
            if not (pts[t, 0] * pts[t, 0] + pts[t, 1] * pts[t, 1] < BLOW_UP):
                break
            _evaluate(sid, pts[t : t + 1], fs[t : t + 1], gs[t : t + 1])
            e = t
            if t < steps and math.isfinite(fs[t]) and CONVERGED.intersection(es.stop()):
                conv = t  # stay at the mean: no more generations, no more evaluations
                pts[t + 1 :] = pts[t]
                fs[t + 1 :] = fs[t]
                gs[t + 1 :] = gs[t]
                sig[t + 1 :] = sig[t]
                m = e = steps
                break
    return pts, fs, gs, sig, m, e, conv


def _cmaes(s, surf, hp, starts, steps, mins, mins_f, tol, radius, level, out, rec_evals):
    """CMA-ES, one engine step per generation, runs one after another.

    The path point after generation k is the distribution mean ``es.mean``, where f is
    evaluated for the display (not counted: evaluations are the population's, λ per
    generation). cma's own stopping criteria are off except those of convergence
    (``CONVERGED``); a run that converges stays at its mean for the remaining steps with no
    further evaluations (population rows NaN). A population member whose f is NaN is told
    to cma as +inf (ranked last); the run diverges, as in the kernel, only when the mean's f
    is not finite or |mean|² ≥ BLOW_UP.

    cma is pure Python: one generation costs ~0.3 ms, and a sweep's runs are done one after
    another, so a sweep costs runs × steps × ~0.3 ms.
    """
    sigma0 = hp[:, O]
    bad = ~((sigma0 > 0) & np.isfinite(sigma0))
    if bad.any():
        raise ValueError(f"cmaes needs a finite lr (σ0) > 0; got lr={sigma0[bad][0]!r}")
    pops = hp[:, O + 1].astype(np.int64)
    if (pops == 1).any():
        raise ValueError("popsize=1 is too few for CMA-ES: use 0 (cma's default, 6 samples in 2-D) or at least 2")
    lams = np.where(pops == 0, CMA_DEFAULT_POPSIZE, pops)
    population = np.full((starts.shape[0], steps + 1, int(lams.max()), 2), np.nan) if level >= 2 else None
    cma = _import_cma() if steps > 0 else None
    sid = surf.kernel_arg
    for r in range(starts.shape[0]):
        pop_out = population[r] if population is not None else None
        pts, fs, gs, sig, m, e, conv = _cmaes_run(
            cma, sid, starts[r], float(sigma0[r]), int(lams[r]), hp[r, SEED], steps, pop_out
        )
        _settle(r, pts, fs, gs, sig, sig, m, e, conv, int(lams[r]), True, steps, mins, mins_f, tol, radius, level,
                *out, rec_evals)  # fmt: skip
    return population


# ---------------------------------------------------------------------------------------

_GRADIENT_ONLY = {i: h for i, h in enumerate(COMMON) if h.name != "seed"}


def _refuse_gradient_options(s: OptimizerSpec, hp: np.ndarray, steps: int) -> None:
    """ValueError naming the first common option that is set although it needs a gradient or an
    lr schedule (noise, clip_norm, schedules and their parameters, warm-up, effective_lr)."""
    for i, h in _GRADIENT_ONLY.items():
        default = float(max(steps, 1)) if h.name == "T_max" else h.default  # _pack resolves T_max=0 to steps
        col = hp[:, i]
        if np.any(col != default):
            v = col[col != default][0]
            shown = f"schedule={SCHEDULES[int(v)]!r}" if h.name == "schedule_code" else f"{h.name}={v:g}"
            raise ValueError(
                f"{s.name} uses no gradient and no lr schedule: {shown} does not apply "
                "(of the common options only seed is used)"
            )


def run(
    s: OptimizerSpec,
    surf: Surface,
    hp: np.ndarray,
    starts: np.ndarray,
    steps: int,
    mins: np.ndarray,
    mins_f: np.ndarray,
    tol: float,
    radius: float,
    level: int,
    final: np.ndarray,
    loss: np.ndarray,
    div: np.ndarray,
    stt: np.ndarray,
    basin: np.ndarray,
    rec_path: np.ndarray,
    rec_loss: np.ndarray,
    rec_grad: np.ndarray,
    rec_update: np.ndarray,
    rec_state: np.ndarray,
    rec_lr: np.ndarray,
    rec_evals: np.ndarray,
) -> np.ndarray | None:
    """Advance every run of a gradient-free optimizer ``steps`` steps, filling the arrays as
    ``optimizers.kernels.run`` does plus ``rec_evals`` (cumulative evaluations after k steps).

    ``lr`` records σ (random search) or cma's current σ (CMA-ES: the σ that samples the next
    generation; also the state ``sigma``, in both coordinates). Returns, when ``level`` ≥ 2,
    the points tried in each step, shape (n, steps + 1, max popsize, 2): row 0, the rows
    after a divergence or convergence and the columns beyond a run's own popsize are NaN.
    Raises ``ValueError`` for options that need a gradient or an lr schedule.
    """
    _refuse_gradient_options(s, hp, steps)
    out = (final, loss, div, stt, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr)
    if s.name == "random_search":
        width = int(hp[:, O + 1].max()) if level >= 2 else 1
        population = np.full((starts.shape[0] if level >= 2 else 0, steps + 1, width, 2), np.nan)
        _random_search(surf.kernel_arg, hp, starts, steps, mins, mins_f, tol, radius, level, *out, rec_evals,
                       population)  # fmt: skip
        return population if level >= 2 else None
    if s.name == "cmaes":
        return _cmaes(s, surf, hp, starts, steps, mins, mins_f, tol, radius, level, out, rec_evals)
    raise ValueError(f"optimizers.gradient_free has no method {s.name!r}")
