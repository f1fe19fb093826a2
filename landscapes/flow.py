"""Continuous paths on a surface: the gradient flow θ' = −∇f(θ) and Barrett & Dherin's (2021)
modified flow θ' = −∇(f + (lr/4)‖∇f‖²) = −(∇f + (lr/2)·H∇f), which gradient descent with step
lr follows to second order. Integrated by SciPy's ``solve_ivp`` (an adaptive, tested
integrator), with the surface's exact gradient and Hessian.

The method is LSODA, which switches between Adams steps and stiff (BDF) steps. A flow turns
stiff as it settles into a minimum: an explicit method (DOP853, used before) must then keep
its step below a few 1/λmax for stability however little the path still moves, which cost
17,000 gradients to t = 100 on Himmelblau and 200,000 in Rosenbrock's valley; LSODA takes
~500 and ~9,000 for the same accuracy at the same tolerance. The velocity and the plain
flow's Jacobian −H are one compiled call each on the surface's kernel, and the usual flow
runs without ``solve_ivp`` events, whose bookkeeping (~9 µs a step) cost more than the rest.

A flow that runs off towards |θ| = 10⁶, leaves f's domain (f or its gradient not finite;
LSODA would step on with NaN) or uses up ``MAX_EVALS`` gradients is redone the careful way:
DOP853, which refuses steps off the domain and stops at its edge, with events that stop it
at |θ| = 10⁶ or after ``MAX_EVALS`` gradients. The last one ends the flows that reach a kink
or crease they cannot cross smoothly (√|x| at x = 0, wobbly's crease x = 0, a cone's tip),
where any method's step shrinks towards 0 without end (before, they never returned)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from landscapes import kernels as _k
from landscapes._jit import jit

ESCAPE = 1e6  # |θ| at which the flow stops (it left for infinity, as a diverged run does)
MAX_EVALS = 100_000  # LSODA took ≤ 12,000 to t = 1000 from 64 starts on the built-in surfaces


@dataclass(frozen=True)
class Flow:
    """``t`` (n,) and ``path`` (n, 2): the flow at those times, from the start at t = 0. A flow
    that leaves f's domain, runs off to |θ| ≥ 10⁶ or is stuck on a kink ends there (``stopped``
    says why)."""

    t: np.ndarray
    path: np.ndarray
    stopped: str | None = None


class _Unusual(Exception):
    """The flow left f's domain, ran off or used up its gradients: it is redone the careful way."""


@jit
def _velocity(surf, th, half):
    """θ' at θ: −∇f, or with ``half`` = lr/2 the modified flow's −(∇f + half·H∇f); NaN off f's domain."""
    f, gx, gy = _k.value_grad(surf, th[0], th[1])
    if not math.isfinite(f):
        gx = gy = math.nan
    if half != 0.0:
        hxx, hxy, hyy = _k.hessian(surf, th[0], th[1])
        gx, gy = gx + half * (hxx * gx + hxy * gy), gy + half * (hxy * gx + hyy * gy)
    out = np.empty(2)
    out[0] = -gx
    out[1] = -gy
    return out


@jit
def _minus_hessian(surf, th):
    """The plain flow's Jacobian ∂θ'/∂θ = −H(θ)."""
    hxx, hxy, hyy = _k.hessian(surf, th[0], th[1])
    out = np.empty((2, 2))
    out[0, 0] = -hxx
    out[0, 1] = -hxy
    out[1, 0] = -hxy
    out[1, 1] = -hyy
    return out


def gradient_flow(
    surface,
    start,
    t_end: float,
    *,
    modified_lr: float | None = None,
    n: int = 400,
    rtol: float = 1e-10,
    spacing: str = "linear",
) -> Flow:
    """The gradient flow from ``start`` for times 0…``t_end`` (``n`` samples), or with
    ``modified_lr`` the modified flow of gradient descent at that learning rate. Gradient
    descent's step k is comparable with the flow at t = k·lr. ``spacing="geometric"`` puts the
    samples at 0 and geometrically from t_end·10⁻⁶ on: a flow that settles early is still drawn
    smoothly where it moves."""
    if not t_end > 0:
        raise ValueError(f"t_end must be > 0 (got {t_end})")
    half = 0.0 if modified_lr is None else float(modified_lr) / 2
    surf = surface.kernel_arg

    evals = 0
    t_stuck = None

    def velocity(_t, th):
        nonlocal evals
        evals += 1
        return _velocity(surf, th, half)

    def usual(t, th):
        v = velocity(t, th)
        off = not (math.isfinite(v[0]) and math.isfinite(v[1])) or th[0] ** 2 + th[1] ** 2 >= ESCAPE**2
        if off or evals > MAX_EVALS:
            raise _Unusual
        return v

    # The modified flow's Jacobian needs third derivatives: LSODA forms it by differences.
    jac = None if half else (lambda _t, th: _minus_hessian(surf, th))

    def escape(_t, th):
        return ESCAPE - np.hypot(th[0], th[1]) if np.all(np.isfinite(th)) else -1.0

    def stuck(t, _th):  # 0 at the end of the step that used up the gradients, > 0 before
        nonlocal t_stuck
        if evals <= MAX_EVALS:
            return 1.0
        t_stuck = t if t_stuck is None else t_stuck
        return t_stuck - t

    escape.terminal = stuck.terminal = True
    if spacing == "geometric":
        ts = np.concatenate([[0.0], np.geomspace(float(t_end) * 1e-6, float(t_end), n - 1)])
    elif spacing == "linear":
        ts = np.linspace(0.0, float(t_end), n)
    else:
        raise ValueError(f"spacing must be 'linear' or 'geometric' (got {spacing!r})")
    span, y0 = (0.0, float(t_end)), np.asarray(start, float)
    tol = {"rtol": rtol, "atol": rtol * 1e-2, "t_eval": ts}
    sol = None
    with np.errstate(all="ignore"):
        try:
            sol = solve_ivp(usual, span, y0, method="LSODA", jac=jac, **tol)
        except _Unusual:
            pass
        if sol is None or sol.status != 0:
            evals = 0
            sol = solve_ivp(velocity, span, y0, method="DOP853", events=(escape, stuck), **tol)
    stopped = None
    if sol.t_events and sol.t_events[0].size:
        stopped = "left for infinity"
    elif sol.t_events and sol.t_events[1].size:
        t = sol.t_events[1][0]
        stopped = f"the integrator gave up at t = {t:.6g} after {MAX_EVALS:,} gradients (a kink or crease stalls it)"
    elif sol.status < 0:
        stopped = f"the integrator stopped: {sol.message}"
    return Flow(sol.t, sol.y.T, stopped)
