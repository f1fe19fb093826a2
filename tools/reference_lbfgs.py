"""Reference trajectories for L-BFGS: torch.optim.LBFGS itself, in float64.

    PYTHONPATH=. .venv/bin/python -m tools.reference_lbfgs

writes ``tests/data/reference_lbfgs.json``. One engine step is one ``LBFGS.step(closure)``
call, so each case records the point after every call, the closure calls each call made,
the loss it returned (f at the point before it) and torch's last search direction
``state["d"]``. Gradients come from torch autograd on the catalog's formula (lambdified to
torch as ``tools/make_reference.py`` does), or on a typed formula's exact SymPy expression,
never from the engine's derived code. Cases cover fixed steps and the strong-Wolfe line
search, short histories (the ring buffer wraps), ``max_eval`` cut-offs, an lr schedule and
gradient clipping applied inside the closure.
"""

from __future__ import annotations

import json
import math

import sympy as sp
import torch

from landscapes import CUSTOM_PREFIX
from landscapes.derive import X, Y
from landscapes.formula import compiled, normalize
from tools.make_reference import ROOT, SCHEDULERS, torch_fn

OUT = ROOT / "tests" / "data" / "reference_lbfgs.json"
CUSTOM = CUSTOM_PREFIX + "(x^2 - 1)^2 + 2*(y - x/2)^2 + 0.3*sin(3*x + y)"
ENGINE_ONLY = {"schedule", "step_size", "gamma", "T_max", "eta_min", "T_0", "T_mult", "clip_norm"}

# (surface, start, steps, hyperparameters as the engine names them)
CASES: list[tuple[str, tuple[float, float], int, dict]] = [
    ("rosenbrock", (-1.2, 1.0), 30, {"strong_wolfe": True}),
    ("rosenbrock", (-1.2, 1.0), 60, {"strong_wolfe": True, "max_iter": 2}),
    ("rosenbrock", (0.5, -0.5), 60, {"lr": 1e-3, "max_iter": 4}),
    ("rosenbrock", (-1.2, 1.0), 40, {"strong_wolfe": True, "max_iter": 3, "clip_norm": 10.0}),
    ("wobbly", (1.0, -2.0), 50, {"strong_wolfe": True, "max_iter": 4, "history_size": 3}),
    ("wobbly", (-2.8, -2.5), 50, {"lr": 0.1, "max_iter": 5}),
    ("wobbly", (2.0, 1.0), 60, {"lr": 0.3, "max_iter": 3, "schedule": "exponential", "gamma": 0.95}),
    ("hills_and_canyon", (-2.8, -2.5), 50, {"strong_wolfe": True, "max_iter": 5, "history_size": 2}),
    ("hills_and_canyon", (-2.8, -2.5), 40, {"lr": 0.5, "max_iter": 3, "max_eval": 3}),
    ("hills_and_canyon", (1.5, 2.0), 40, {"strong_wolfe": True, "max_iter": 10, "max_eval": 4}),
    ("himmelblau", (0.0, 0.0), 30, {"strong_wolfe": True}),
    ("himmelblau", (-1.0, -1.0), 40, {"lr": 0.05, "max_iter": 4, "history_size": 5}),
    (
        "himmelblau",
        (1.0, 1.0),
        30,
        {"strong_wolfe": True, "max_iter": 6, "tolerance_change": 1e-4, "tolerance_grad": 1e-5},
    ),
    ("beale", (1.0, 1.5), 40, {"strong_wolfe": True, "max_iter": 3, "max_eval": 5}),
    (CUSTOM, (-2.0, 2.5), 40, {"strong_wolfe": True, "max_iter": 3, "history_size": 4}),
    (CUSTOM, (2.0, -2.0), 40, {"lr": 0.2, "max_iter": 2, "history_size": 1}),
    (CUSTOM, (0.1, 0.3), 100, {"strong_wolfe": True, "max_iter": 1}),
    # Unbounded below: both run off to infinity, and the engine must stop at the same step.
    ("monkey_saddle", (1.5, 0.3), 30, {"max_iter": 3}),
    ("monkey_saddle", (1.5, 0.3), 30, {"strong_wolfe": True, "max_iter": 3}),
]
# Left out on purpose: runs whose line search meets a near-tie that rounding decides. From the
# article's start on wobbly (strong_wolfe, max_iter=4, history_size=3) the second step's cubic
# interpolation between t = 1.01 and 1.0101 lands on the upper or the lower bound depending on
# 1e-14 in the gradient (autograd's vs the engine's derived code), and with max_iter=20 the
# converged iterates wander by rounding noise (1e-5) once the gradient is ~1e-8.


def objective(surface: str):
    """f(x, y) on torch tensors: the catalog formula, or a typed formula's exact expression."""
    if surface.startswith(CUSTOM_PREFIX):
        expr = compiled(normalize(surface[len(CUSTOM_PREFIX) :]))[0]
        return sp.lambdify((X, Y), expr, modules="torch")
    return torch_fn(surface)


def run_lbfgs(surface: str, start: tuple[float, float], steps: int, hp: dict) -> dict:
    """``steps`` calls of ``LBFGS.step(closure)``: the path, closure calls, losses, directions."""
    f = objective(surface)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    kw = {k: v for k, v in hp.items() if k not in ENGINE_ONLY and k != "strong_wolfe"}
    for k in ("max_iter", "history_size"):
        if k in kw:
            kw[k] = int(kw[k])
    if kw.get("max_eval", 0) == 0:
        kw["max_eval"] = None
    else:
        kw["max_eval"] = int(kw["max_eval"])
    opt = torch.optim.LBFGS([p], line_search_fn="strong_wolfe" if hp.get("strong_wolfe") else None, **kw)
    sched = SCHEDULERS[hp["schedule"]](opt, hp, steps) if "schedule" in hp else None
    calls = 0

    def closure():
        nonlocal calls
        calls += 1
        opt.zero_grad()
        loss = f(p[0], p[1])
        loss.backward()
        if "clip_norm" in hp:
            torch.nn.utils.clip_grad_norm_([p], hp["clip_norm"])
        return loss

    path, evals, losses, direction = [p.detach().tolist()], [], [], [[0.0, 0.0]]
    for _ in range(steps):
        before = calls
        losses.append(float(opt.step(closure).detach()))
        evals.append(calls - before)
        path.append(p.detach().tolist())
        d = opt.state[p].get("d")
        direction.append(direction[-1] if d is None else d.tolist())
        if sched:
            sched.step()
    return {"path": path, "evals": evals, "loss": losses, "direction": direction}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    out = []
    for surface, start, steps, hp in CASES:
        ref = run_lbfgs(surface, start, steps, hp)
        out.append({"surface": surface, "start": list(start), "steps": steps, "hyperparameters": hp, **ref})
    doc = {"generator": "tools/reference_lbfgs.py", "torch_version": torch.__version__, "cases": out}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=0) + "\n")
    blown = [c for c in out if not all(math.isfinite(v) and abs(v) < 1e6 for row in c["path"] for v in row)]
    total = sum(sum(c["evals"]) for c in out)
    print(f"wrote {len(out)} cases ({total} closure calls) to {OUT.relative_to(ROOT)}; diverging: {len(blown)}")


if __name__ == "__main__":
    main()
