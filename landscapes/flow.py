"""Continuous paths on a surface: the gradient flow θ' = −∇f(θ) and Barrett & Dherin's (2021)
modified flow θ' = −∇(f + (lr/4)‖∇f‖²) = −(∇f + (lr/2)·H∇f), which gradient descent with step
lr follows to second order. Integrated by SciPy's ``solve_ivp`` (an adaptive, tested
integrator), with the surface's exact gradient and Hessian."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

ESCAPE = 1e6  # |θ| at which the flow stops (it left for infinity, as a diverged run does)


@dataclass(frozen=True)
class Flow:
    """``t`` (n,) and ``path`` (n, 2): the flow at those times, from the start at t = 0. A flow
    that leaves f's domain or runs off to |θ| ≥ 10⁶ ends there (``stopped`` says why)."""

    t: np.ndarray
    path: np.ndarray
    stopped: str | None = None


def gradient_flow(
    surface, start, t_end: float, *, modified_lr: float | None = None, n: int = 400, rtol: float = 1e-10
) -> Flow:
    """The gradient flow from ``start`` for times 0…``t_end`` (``n`` samples), or with
    ``modified_lr`` the modified flow of gradient descent at that learning rate. Gradient
    descent's step k is comparable with the flow at t = k·lr."""
    if not t_end > 0:
        raise ValueError(f"t_end must be > 0 (got {t_end})")
    half = 0.0 if modified_lr is None else float(modified_lr) / 2

    def rhs(_t, th):
        gx, gy = surface.gradient(th[0], th[1])
        if half:
            hxx, hxy, hyy = surface.hessian(th[0], th[1])
            gx, gy = gx + half * (hxx * gx + hxy * gy), gy + half * (hxy * gx + hyy * gy)
        return [-gx, -gy]

    def escape(_t, th):
        return ESCAPE - np.hypot(th[0], th[1]) if np.all(np.isfinite(th)) else -1.0

    escape.terminal = True
    ts = np.linspace(0.0, float(t_end), n)
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (0.0, float(t_end)), np.asarray(start, float), method="DOP853", t_eval=ts,
                        rtol=rtol, atol=rtol * 1e-2, events=escape)  # fmt: skip
    path = sol.y.T
    stopped = None
    if sol.status == 1:
        stopped = "left for infinity"
    elif sol.status < 0:
        stopped = f"the integrator stopped: {sol.message}"
    return Flow(sol.t, path, stopped)
