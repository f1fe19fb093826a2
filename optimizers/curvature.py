"""Sharpness along a run against the optimizer's stability limit (Cohen et al. 2021, 2022).

On a quadratic with curvature λ, gradient descent at a constant learning rate converges only
while λ < 2/lr; momentum and Adam have their own limits. A run whose sharpness λmax(H(θₖ))
rises to its limit and stays there trains "at the edge of stability". For the adaptive
methods the relevant quantity is the *preconditioned* sharpness λmax(P⁻¹H), P the diagonal
denominator of the step (√v̂ + ε for Adam), against a limit in lr alone (38/lr for Adam at
β1 = 0.9; Cohen et al. 2022).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from landscapes.critical import eigenvalues_2x2

__all__ = ["Sharpness", "sharpness", "stability_limit"]

_ADAM = ("adam", "adamw", "adamax")
_PRECONDITIONED = (*_ADAM, "rmsprop", "adagrad")
_COUPLED = ("sgd", "momentum", "nesterov", "adam", "adamax", "rmsprop", "adagrad")  # weight decay through g


def stability_limit(
    name: str, lr: float, momentum: float = 0.0, *, dampening: float = 0.0, beta1: float = 0.9
) -> float:
    """The largest curvature λ on which the optimizer still converges on a quadratic
    f = λθ²/2 at constant ``lr``.

    2/lr for gradient descent, 2(1 + μ)/((1 − τ) lr) for heavy-ball momentum (torch's SGD with
    ``momentum`` μ and ``dampening`` τ), (2 + 2μ)/(lr(1 + 2μ)) for Nesterov (torch's
    ``nesterov=True``). For the preconditioned methods λ is an eigenvalue of P⁻¹H: 2/lr for
    Adagrad, 2(1 + μ)/lr for RMSProp with ``momentum`` μ, (2 + 2β1)/((1 − β1) lr) for Adam,
    AdamW and Adamax (``beta1``; 38/lr at 0.9). Above it the iterates grow.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0 (got {lr})")
    if name in ("sgd", "adagrad") or (name in ("momentum", "rmsprop") and momentum == 0):
        return 2.0 / lr
    if name == "momentum":
        return 2.0 * (1.0 + momentum) / ((1.0 - dampening) * lr)
    if name == "rmsprop":
        return 2.0 * (1.0 + momentum) / lr
    if name == "nesterov":
        return (2.0 + 2.0 * momentum) / (lr * (1.0 + 2.0 * momentum))
    if name in _ADAM:
        return (2.0 + 2.0 * beta1) / ((1.0 - beta1) * lr)
    known = "sgd, momentum, nesterov, " + ", ".join(_PRECONDITIONED)
    raise ValueError(f"no closed-form stability limit for {name!r} ({known})")


@dataclass(frozen=True)
class Sharpness:
    """Per iterate k: ``value[k]`` the sharpness the step from θₖ meets, ``limit[k]`` the
    stability limit at that step's lr (``None`` for an optimizer without a closed form).
    ``symbol`` names the quantity (λmax(H) or λmax(P⁻¹H)) and ``rule`` the limit at the run's settings
    ("2/lr", "38/lr" for Adam at β1 = 0.9, "3.8/lr" for heavy-ball momentum 0.9)."""

    value: np.ndarray
    limit: np.ndarray | None
    symbol: str
    rule: str | None

    @property
    def preconditioned(self) -> bool:
        return "P" in self.symbol


def _denominator(tr, hp: dict, t0: int = 0) -> np.ndarray:
    """P for the step from every iterate, (steps + 1, 2): the state after that step (row k + 1),
    NaN on the last row (no step is taken from it). ``t0``: optimizer steps taken before row 0."""
    name, st = tr.optimizer, tr.state
    t = np.arange(t0 + 1, t0 + tr.steps + 1, dtype=float)[:, None]
    if name in ("adam", "adamw"):
        v = st["max_exp_avg_sq"] if hp.get("amsgrad") else st["exp_avg_sq"]
        p = np.sqrt(v[1:]) / np.sqrt(1.0 - hp["beta2"] ** t) + hp["eps"]
    elif name == "adamax":
        p = st["exp_inf"][1:]
    elif name == "rmsprop":
        sq = st["square_avg"][1:]
        if hp.get("centered"):
            sq = sq - st["grad_avg"][1:] ** 2
        p = np.sqrt(sq) + hp["eps"]
    else:  # adagrad
        p = np.sqrt(st["sum"][1:]) + hp["eps"]
    return np.vstack([p, np.full((1, 2), np.nan)])


def sharpness(tr) -> Sharpness:
    """The sharpness along ``tr`` (an ``optimizers.Trajectory``) and its stability limit.

    For SGD, momentum and Nesterov: λmax of the Hessian of the objective the optimizer descends
    (f plus torch's coupled ``weight_decay``/2·‖θ‖²) against ``stability_limit``. For Adam,
    AdamW, Adamax, RMSProp and Adagrad: λmax(P⁻¹H) with the step's own denominator P (the
    state after that step), so the last row is NaN; AdamW's decoupled decay is added as wd·I to
    P⁻¹H (exact without momentum). Other optimizers: λmax(H) with no limit. Rows after a
    divergence are NaN. A run with hand-offs is measured phase by phase, each with its own
    optimizer's quantity and limit.
    """
    if len(tr.phases) > 1:
        return _by_phase(tr)
    return _sharpness(tr)


def _by_phase(tr) -> Sharpness:
    value = np.full(tr.steps + 1, np.nan)
    limit = np.full(tr.steps + 1, np.nan)
    symbols, rules, has_limit, t_opt = [], [], False, 0
    ats = [p["at"] for p in tr.phases] + [tr.steps]
    for p, a, b in zip(tr.phases, ats, ats[1:], strict=False):
        t0 = t_opt if p["state"] == "carry" else 0
        sub = replace(
            tr, optimizer=p["optimizer"], hyperparameters=p["hyperparameters"], path=tr.path[a : b + 1],
            loss=tr.loss[a : b + 1], lr=tr.lr[a : b + 1].copy(), state={k: v[a : b + 1] for k, v in tr.state.items()},
            phases=(), _hess_eig=None,
        )  # fmt: skip
        sub.lr[-1] = np.nan  # the step from the hand-off point belongs to the next phase
        one = _sharpness(sub, t0)
        end = b + 1 if b == tr.steps else b  # the last point belongs to the last phase
        value[a:end] = one.value[: end - a]
        if one.limit is not None:
            limit[a:end] = one.limit[: end - a]
            has_limit = True
        symbols.append(one.symbol)
        rules.append(one.rule or "no limit")
        t_opt = t0 + (b - a)
    if len(set(symbols)) == 1:
        symbol = symbols[0]
    else:
        symbol = " then ".join(dict.fromkeys(symbols))
    return Sharpness(value, limit if has_limit else None, symbol, " then ".join(rules) if has_limit else None)


def _sharpness(tr, t0: int = 0) -> Sharpness:
    name, hp = tr.optimizer, tr.hyperparameters
    hxx, hxy, hyy = (np.asarray(a, float) for a in tr.hessian())
    wd = float(hp.get("weight_decay", 0.0))
    limit_args = {"momentum": float(hp.get("momentum", 0.0)), "dampening": float(hp.get("dampening", 0.0)),
                  "beta1": float(hp.get("beta1", 0.9))}  # fmt: skip
    lr = np.asarray(tr.lr, float)
    with np.errstate(all="ignore"):
        coupled = wd if name in _COUPLED else 0.0  # torch adds coupled decay to the gradient: wd·I in H
        hxx, hyy = hxx + coupled, hyy + coupled
        if name in _PRECONDITIONED:
            p = _denominator(tr, hp, t0)
            value = eigenvalues_2x2(hxx / p[:, 0], hxy / np.sqrt(p[:, 0] * p[:, 1]), hyy / p[:, 1])[1]
            value = value + (wd if name == "adamw" else 0.0)  # AdamW's decay acts on θ itself, beside P⁻¹H
            symbol = "λmax(P⁻¹H)"
        else:
            value = eigenvalues_2x2(hxx, hxy, hyy)[1]
            symbol = "λmax(H)"
        if name in ("sgd", "momentum", "nesterov", *_PRECONDITIONED):
            one = stability_limit(name, 1.0, **limit_args)
            limit = np.where(np.isnan(lr), np.nan, np.where(lr > 0, one / lr, np.inf))  # no step from the last point
            rule = f"{one:.4g}/lr"  # the limit's constant at these settings: 2/lr, 38/lr (Adam at β1 = 0.9) …
        else:
            limit, rule = None, None
    return Sharpness(value, limit, symbol, rule)
