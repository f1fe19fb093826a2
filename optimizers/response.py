"""The article's 1D "gradient response" experiments: the update each method makes to a given gradient signal.

A signal g[0..n) is fed to a method step by step (step i sees g[i]); the result is the
update the method makes at every step, in the article's sign convention (positive along
the gradient, so the parameter moves by −update). Look-ahead methods (Nesterov, smoothed
Nesterov) read the signal between samples at i + γ·v, linearly interpolated — correctly:
(1 − f)·g[lo] + f·g[hi]; the article's script used g[lo] + f·g[hi]. Reading past the end
gives 0, as in the article.

The formulas are the article's (``../shared/ARTICLE.md``), not ``torch.optim``'s: this
page reproduces its figures. One compiled kernel serves every method and parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from landscapes._jit import jit

N_DEFAULT = 300
SEED = 413


def signals(n: int = N_DEFAULT, seed: int = SEED) -> dict[str, np.ndarray]:
    """The article's six gradient signals over x = 0…n−1 (the noise drawn as its script draws it)."""
    x = np.arange(n)
    rng = np.random.RandomState(seed)  # the article's generator, drawn in its order
    noise1 = rng.random_sample(n)
    noise2 = rng.random_sample(n)
    return {
        "spikes": (x % 60 == 0).astype(float),
        "rectangles": 2.0 * (x % 40 < 20) - 1.0,
        "noisy sin": np.sin(x / 20) + noise1 - 0.5,
        "very noisy sin": np.sin(x / 20) / 5 + noise2 - 0.5,
        "uneven sawtooth": (x % 20) / (15.0 * (x > 80) + 5.0),
        "saturation": (x % 80 < 40).astype(float),
    }


@dataclass(frozen=True)
class Method:
    """A method of the 1D experiments: its swept parameter, the article's values, and fixed settings."""

    name: str
    code: int
    label: str
    param: str
    values: tuple[float, float, float]
    lr: float
    log: bool = False
    formula: str = ""


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("momentum", 0, "Momentum", "gamma", (0.25, 0.9, 0.975), 0.25,
               formula=r"v_t = \gamma v_{t-1} + \eta g_t"),
        Method("nesterov", 1, "Nesterov", "gamma", (0.25, 0.9, 0.975), 0.25,
               formula=r"v_t = \gamma v_{t-1} + \eta\, g(t + \gamma v_{t-1})"),
        Method("smoothed_nesterov", 2, "Smoothed Nesterov", "gamma", (0.25, 0.9, 0.975), 0.25,
               formula=r"v_t = \gamma v_{t-1} + \tfrac{\eta}{4}\sum_{k=1}^{4} g(t + \tfrac{k}{4}\gamma v_{t-1})"),
        Method("adagrad", 3, "Adagrad", "eps", (1e-7, 0.1, 10.0), 2.5, log=True,
               formula=r"G_t = G_{t-1} + g_t^2,\quad u_t = \frac{\eta}{\sqrt{G_t + \epsilon}}\, g_t"),
        Method("rmsprop", 4, "RMSProp", "gamma", (0.25, 0.9, 0.975), 0.25,
               formula=r"E_t = \gamma E_{t-1} + (1-\gamma) g_t^2,\quad u_t = \frac{\eta}{\sqrt{E_t + \epsilon}}\, g_t"),
        Method("adadelta_zero", 5, "Adadelta (zero start)", "gamma", (0.25, 0.9, 0.975), 0.0,
               formula=r"u_t = \frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t,"
               r"\quad E[\Delta^2]_0 = 0"),
        Method("adadelta_big", 6, "Adadelta (big start)", "gamma", (0.25, 0.9, 0.975), 50.0,
               formula=r"u_t = \frac{\sqrt{E[\Delta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t,"
               r"\quad E[\Delta^2]_0 = \eta"),
        Method("adam", 7, "Adam", "beta1", (0.25, 0.9, 0.975), 0.25,
               formula=r"u_t = \eta\,\frac{\hat m_t}{\sqrt{\hat v_t + \epsilon}},\ \beta_2 = 0.999"),
    )
}  # fmt: skip

# Fixed ε of each method in the article's script.
_EPS = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 1e-5, 5: 1e-3, 6: 1e-3, 7: 1e-7}


@jit
def _interp(g, pos):
    """g at a fractional index, linearly interpolated; 0 past the end (the article's convention)."""
    n = g.shape[0]
    if pos >= n:
        return 0.0
    if pos <= 0.0:
        return g[0]
    lo = math.floor(pos)
    hi = lo + 1
    if hi >= n:
        return g[lo]
    f = pos - lo
    return (1.0 - f) * g[lo] + f * g[hi]


@jit
def _respond(code, g, params, lr, eps, out):
    n = g.shape[0]
    for j in range(params.shape[0]):
        p = params[j]
        a = 0.0  # v, G, E[g²], or m
        b = 0.0  # E[Δ²] or v
        if code == 6 or code == 5:
            b = lr
        for i in range(n):
            x = g[i]
            if code == 0:
                a = p * a + lr * x
                u = a
            elif code == 1:
                a = p * a + lr * _interp(g, i + p * a)
                u = a
            elif code == 2:
                s = 0.0
                for k in range(1, 5):
                    s += _interp(g, i + p * a * k / 4.0)
                a = p * a + lr * s / 4.0
                u = a
            elif code == 3:
                a += x * x
                u = lr / math.sqrt(a + p) * x
            elif code == 4:
                a = p * a + (1.0 - p) * x * x
                u = lr / math.sqrt(a + eps) * x
            elif code == 5 or code == 6:
                a = p * a + (1.0 - p) * x * x
                u = math.sqrt(b + eps) / math.sqrt(a + eps) * x
                b = p * b + (1.0 - p) * u * u
            else:
                a = p * a + (1.0 - p) * x
                b = 0.999 * b + 0.001 * x * x
                mh = a / (1.0 - p ** (i + 1))
                vh = b / (1.0 - 0.999 ** (i + 1))
                u = lr / math.sqrt(vh + eps) * mh
            out[j, i] = u


def response(method: str, signal: np.ndarray, values, lr: float | None = None) -> np.ndarray:
    """The updates ``method`` makes to ``signal`` for each value of its swept parameter.

    Returns an array (len(values), len(signal)). ``lr`` defaults to the article's (for
    Adadelta it is the initial E[Δθ²]: 0 for "zero start", 50 for "big start").
    Raises ``KeyError`` for an unknown method and ``ValueError`` for a parameter outside
    its range (γ, β1 in [0, 1), ε ≥ 0).
    """
    if method not in METHODS:
        raise KeyError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    m = METHODS[method]
    vals = np.atleast_1d(np.asarray(values, dtype=np.float64))
    g = np.ascontiguousarray(signal, dtype=np.float64)
    if g.ndim != 1 or not np.all(np.isfinite(g)):
        raise ValueError("the signal must be a finite 1D array")
    if m.param == "eps":
        if np.any(~np.isfinite(vals) | (vals < 0)):
            raise ValueError("eps must be ≥ 0")
    elif np.any(~np.isfinite(vals) | (vals < 0) | (vals >= 1)):
        raise ValueError(f"{m.param} must be in [0, 1)")
    lr = m.lr if lr is None else float(lr)
    if not math.isfinite(lr) or lr < 0:
        raise ValueError("lr must be ≥ 0")
    out = np.empty((vals.size, g.size))
    _respond(m.code, g, vals, lr, _EPS[m.code], out)
    return out
