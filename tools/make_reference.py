"""Reference trajectories: torch.optim where PyTorch has the optimizer, the papers elsewhere.

    pip install torch==2.13.0   # CPU build; not a dependency of the app or its tests
    pip install --no-deps schedulefree==1.4.1 prodigyopt==1.1.2
    python -m tools.make_reference

writes ``tests/data/reference_trajectories.json``. Gradients come from torch autograd on
the catalog's formula (lambdified to torch), not from the engine's derived code, so the
comparison checks derivatives and update rules together. Optimizers PyTorch lacks (Lion,
AdaBelief, smoothed Nesterov, Newton, saddle-free Newton, Adadelta's big start) use short
plain-Python transcriptions of their papers' algorithms, written independently of the
engine's kernel. Runs are ≤ 120 steps: long runs on chaotic surfaces amplify rounding.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import prodigyopt
import schedulefree
import sympy as sp
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landscapes.catalog import SURFACES  # noqa: E402
from landscapes.derive import X, Y, parse_trusted  # noqa: E402

OUT = ROOT / "tests" / "data" / "reference_trajectories.json"
torch.set_default_dtype(torch.float64)
FORMULAS = {s.name: parse_trusted(s.formula) for s in SURFACES}
START = {s.name: s.start for s in SURFACES}


def torch_fn(surface: str):
    return sp.lambdify((X, Y), FORMULAS[surface], modules="torch")


def np_grad(surface: str):
    e = FORMULAS[surface]
    gx, gy = (sp.lambdify((X, Y), sp.diff(e, v), modules="math") for v in (X, Y))
    return lambda p: np.array([gx(*p), gy(*p)])


def np_hess(surface: str):
    e = FORMULAS[surface]
    fs = [sp.lambdify((X, Y), sp.diff(e, a, b), modules="math") for a, b in ((X, X), (X, Y), (Y, Y))]
    return lambda p: np.array([[fs[0](*p), fs[1](*p)], [fs[1](*p), fs[2](*p)]])


TORCH_CLASSES = {
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adadelta": (torch.optim.Adadelta, {}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "adamax": (torch.optim.Adamax, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
    "rprop": (torch.optim.Rprop, {}),
    "asgd": (torch.optim.ASGD, {}),
    "adafactor": (torch.optim.Adafactor, {}),
    "sgd_schedulefree": (schedulefree.SGDScheduleFree, {}),
    "adamw_schedulefree": (schedulefree.AdamWScheduleFree, {}),
    "prodigy": (prodigyopt.Prodigy, {}),
}
# The engine splits tuple arguments into named scalars; (torch name, engine names).
_TUPLES = {
    "rprop": (
        ("etas", ("etaminus", "etaplus"), (0.5, 1.2)),
        ("step_sizes", ("step_size_min", "step_size_max"), (1e-6, 50)),
    ),
    "adafactor": (("eps", ("eps1", "eps2"), (None, 1e-3)),),
}
_BOOLS = ("amsgrad", "centered", "nesterov", "decouple", "use_bias_correction", "safeguard_warmup")
SCHEDULERS = {
    "step": lambda o, h, n: torch.optim.lr_scheduler.StepLR(o, step_size=h.get("step_size", 30), gamma=h["gamma"]),
    "exponential": lambda o, h, n: torch.optim.lr_scheduler.ExponentialLR(o, gamma=h["gamma"]),
    "cosine": lambda o, h, n: torch.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=h.get("T_max", n), eta_min=h.get("eta_min", 0.0)
    ),
    "cosine_restarts": lambda o, h, n: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=h["T_0"], T_mult=h.get("T_mult", 1), eta_min=h.get("eta_min", 0.0)
    ),
}


def run_torch(opt: str, surface: str, steps: int, hp: dict) -> list[list[float]]:
    cls, fixed = TORCH_CLASSES[opt]
    kw = {**fixed, **{k: v for k, v in hp.items() if k not in _ENGINE_ONLY}}
    if "beta1" in kw:
        kw["betas"] = (
            kw.pop("beta1"),
            kw.pop("beta2", 0.999 if opt != "lion" else 0.99),
        )
    elif "beta2" in kw:
        kw["betas"] = (0.9, kw.pop("beta2"))
    for tname, names, dflt in _TUPLES.get(opt, ()):
        if any(n in kw for n in names):
            kw[tname] = tuple(kw.pop(n, d) for n, d in zip(names, dflt))
    if kw.get("beta3", 0) < 0:
        kw["beta3"] = None  # the engine's −1 is prodigyopt's None (√β2)
    for k in _BOOLS:
        if k in kw:
            kw[k] = bool(kw[k])
    f = torch_fn(surface)
    p = torch.tensor(START[surface], dtype=torch.float64, requires_grad=True)
    o = cls([p], **kw)
    if hasattr(o, "train"):  # schedule-free optimizers step in train mode; the path is y
        o.train()
    sched = SCHEDULERS[hp["schedule"]](o, hp, steps) if "schedule" in hp else None
    base_lr = o.param_groups[0]["lr"]
    path = [p.detach().tolist()]
    for _ in range(steps):
        o.zero_grad()
        f(p[0], p[1]).backward()
        if "clip_norm" in hp:
            torch.nn.utils.clip_grad_norm_([p], hp["clip_norm"])
        if hp.get("effective_lr"):
            cur = sched.get_last_lr()[0] if sched else base_lr
            o.param_groups[0]["lr"] = cur / max(float(p.detach().norm()), 1e-12)
        o.step()
        if hp.get("effective_lr"):
            o.param_groups[0]["lr"] = sched.get_last_lr()[0] if sched else base_lr
        if sched:
            sched.step()
        path.append(p.detach().tolist())
    return path


_ENGINE_ONLY = {
    "schedule",
    "step_size",
    "gamma",
    "T_max",
    "eta_min",
    "T_0",
    "T_mult",
    "clip_norm",
    "effective_lr",
}


# --- Paper transcriptions (plain Python, one coordinate vector at a time) ---------------


def run_lion(surface, steps, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0):
    # Chen et al. 2023, Algorithm 2 (decoupled weight decay).
    g_of, p, m, path = (
        np_grad(surface),
        np.array(START[surface], float),
        np.zeros(2),
        [],
    )
    path.append(p.tolist())
    for _ in range(steps):
        g = g_of(p)
        c = beta1 * m + (1 - beta1) * g
        p = p * (1 - lr * weight_decay) - lr * np.sign(c)
        m = beta2 * m + (1 - beta2) * g
        path.append(p.tolist())
    return path


def run_adabelief(surface, steps, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-16, weight_decay=0.0):
    # Zhuang et al. 2020, Algorithm 2: s_t = β2 s + (1-β2)(g - m_t)² + ε, bias-corrected.
    g_of, p, m, s, path = (
        np_grad(surface),
        np.array(START[surface], float),
        np.zeros(2),
        np.zeros(2),
        [],
    )
    path.append(p.tolist())
    for t in range(1, steps + 1):
        g = g_of(p) + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * (g - m) ** 2 + eps
        m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(s_hat) + eps)
        path.append(p.tolist())
    return path


def run_smoothed_nesterov(surface, steps, lr=1e-2, momentum=0.9, weighted=False):
    # The article: v = γv + η/3 Σ ∇J(θ - kγv/3)  or  η/7 [∇J(θ-γv/2) + 2∇J(θ-3γv/4) + 4∇J(θ-γv)].
    g_of, p, v, path = (
        np_grad(surface),
        np.array(START[surface], float),
        np.zeros(2),
        [],
    )
    path.append(p.tolist())
    for _ in range(steps):
        if weighted:
            look = (g_of(p - momentum * v / 2) + 2 * g_of(p - 3 * momentum * v / 4) + 4 * g_of(p - momentum * v)) / 7
        else:
            look = sum(g_of(p - k * momentum * v / 3) for k in (1, 2, 3)) / 3
        v = momentum * v + lr * look
        p = p - v
        path.append(p.tolist())
    return path


def run_adadelta_start(surface, steps, lr=1.0, rho=0.9, eps=1e-6, initial_acc_delta=0.0):
    # Zeiler 2012 with E[Δθ²]_0 = initial_acc_delta (the article's "big start" is 50), torch's ε placement.
    g_of, p, eg, ed, path = (
        np_grad(surface),
        np.array(START[surface], float),
        np.zeros(2),
        None,
        [],
    )
    ed = np.full(2, float(initial_acc_delta))
    path.append(p.tolist())
    for _ in range(steps):
        g = g_of(p)
        eg = rho * eg + (1 - rho) * g * g
        d = np.sqrt(ed + eps) / np.sqrt(eg + eps) * g
        ed = rho * ed + (1 - rho) * d * d
        p = p - lr * d
        path.append(p.tolist())
    return path


def run_newton(surface, steps, lr=1.0, damping=0.0, saddle_free=False):
    # Newton: solve (H + λI) d = g. Saddle-free (Dauphin et al. 2014): |H| = V|Λ|Vᵀ via eigh.
    g_of, h_of, p, path = (
        np_grad(surface),
        np_hess(surface),
        np.array(START[surface], float),
        [],
    )
    path.append(p.tolist())
    for _ in range(steps):
        g, h = g_of(p), h_of(p)
        if saddle_free:
            w, v = np.linalg.eigh(h)
            d = v @ ((v.T @ g) / (np.abs(w) + damping))
        else:
            d = np.linalg.solve(h + damping * np.eye(2), g)
        p = p - lr * d
        path.append(p.tolist())
    return path


PAPER = {
    "lion": run_lion,
    "adabelief": run_adabelief,
    "smoothed_nesterov": run_smoothed_nesterov,
    "newton": run_newton,
    "saddle_free_newton": lambda s, n, **h: run_newton(s, n, saddle_free=True, **{"damping": 1e-2, **h}),
    "adadelta_start": run_adadelta_start,
}

SURF3 = ("wobbly", "hills_and_canyon", "rosenbrock")
CASES: list[tuple[str, str, int, dict]] = []
for s in SURF3:
    CASES += [
        ("sgd", s, 100, {"lr": 1e-3}),
        ("sgd", s, 100, {"lr": 0.05, "weight_decay": 0.1}),
        ("momentum", s, 100, {"lr": 1e-3}),
        (
            "momentum",
            s,
            100,
            {"lr": 0.01, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.05},
        ),
        ("nesterov", s, 100, {"lr": 0.01}),
        ("nesterov", s, 100, {"lr": 0.01, "momentum": 0.975}),
        ("adagrad", s, 100, {"lr": 1.0}),
        (
            "adagrad",
            s,
            100,
            {
                "lr": 0.5,
                "lr_decay": 0.01,
                "initial_accumulator_value": 0.1,
                "eps": 1e-6,
            },
        ),
        ("rmsprop", s, 100, {"lr": 0.25, "alpha": 0.9, "eps": 1e-6}),
        (
            "rmsprop",
            s,
            100,
            {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01},
        ),
        ("adadelta", s, 100, {"lr": 100.0, "rho": 0.95}),
        ("adadelta", s, 100, {"lr": 1.0, "weight_decay": 0.1}),
        ("adam", s, 100, {"lr": 0.25}),
        (
            "adam",
            s,
            100,
            {
                "lr": 0.05,
                "beta1": 0.3,
                "beta2": 0.9,
                "amsgrad": True,
                "weight_decay": 0.05,
            },
        ),
        ("adamw", s, 100, {"lr": 0.05}),
        ("adamw", s, 100, {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}),
        ("adamax", s, 100, {"lr": 0.1}),
        (
            "adamax",
            s,
            100,
            {"lr": 0.2, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.02},
        ),
        ("nadam", s, 100, {"lr": 0.05}),
        ("nadam", s, 100, {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.02}),
        ("radam", s, 100, {"lr": 0.05}),
        ("radam", s, 100, {"lr": 0.1, "beta2": 0.99, "weight_decay": 0.02}),
        ("lion", s, 100, {"lr": 0.02}),
        (
            "lion",
            s,
            100,
            {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.5},
        ),
        ("adabelief", s, 100, {"lr": 0.05}),
        ("smoothed_nesterov", s, 100, {"lr": 0.01}),
        ("smoothed_nesterov", s, 100, {"lr": 0.01, "momentum": 0.95, "weighted": True}),
        ("adadelta_start", s, 100, {"lr": 1.0, "rho": 0.9, "initial_acc_delta": 0.25}),
        ("rprop", s, 100, {"lr": 0.01}),
        ("rprop", s, 100, {"lr": 0.1, "etaminus": 0.3, "etaplus": 1.5, "step_size_min": 1e-3, "step_size_max": 0.5}),
        ("asgd", s, 100, {"lr": 0.01}),
        ("asgd", s, 100, {"lr": 0.02, "lambd": 0.05, "alpha": 0.5, "t0": 20, "weight_decay": 0.05}),
        ("adafactor", s, 30 if s == "rosenbrock" else 100, {"lr": 0.05}),
        ("adafactor", s, 100, {"lr": 0.2, "beta2_decay": -0.5, "eps2": 0.05, "d": 2.0, "weight_decay": 0.1}),
        ("sgd_schedulefree", s, 100, {"lr": 0.01}),
        ("sgd_schedulefree", s, 100, {"lr": 0.02, "momentum": 0.8, "weight_decay": 0.05, "r": 1.0}),
        ("adamw_schedulefree", s, 100, {"lr": 0.05}),
        (
            "adamw_schedulefree",
            s,
            100,
            {"lr": 0.1, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.05, "r": 0.5, "weight_lr_power": 1.0},
        ),
        ("prodigy", s, {"wobbly": 20, "hills_and_canyon": 30}.get(s, 100), {"lr": 1.0}),
        (
            "prodigy",
            s,
            {"wobbly": 9, "hills_and_canyon": 10}.get(s, 100),
            {"lr": 0.5, "beta1": 0.0, "weight_decay": 0.05, "decouple": False, "d0": 1e-3},
        ),
        ("prodigy", s, 100, {"lr": 1.0, "use_bias_correction": True, "safeguard_warmup": True, "growth_rate": 1.1}),
    ]
# Rosenbrock's gradient is ~200 at its start: plain steps need a smaller lr to stay finite.
_SMALL_LR = {"sgd", "momentum", "nesterov", "smoothed_nesterov", "radam", "asgd", "sgd_schedulefree"}
# Runs whose rounding differences grow chaotically after this many steps (checked by hand:
# the engine-torch gap grows from 1e-16 exponentially); shorter runs compare cleanly. The
# second round's chaotic cases (Prodigy's large d, Adafactor bouncing across Rosenbrock's
# valley: the gap doubles per step from one ulp of torch's sin/cos) set their length above.
_CHAOTIC = {
    ("adadelta", "hills_and_canyon", 100.0): 60,
    ("adadelta_start", "hills_and_canyon", 1.0): 12,
}
CASES = [
    (
        o,
        s,
        _CHAOTIC.get((o, s, h.get("lr")), n),
        {**h, "lr": h["lr"] * 0.05} if s == "rosenbrock" and o in _SMALL_LR else h,
    )
    for o, s, n, h in CASES
]
CASES += [
    (
        "sgd",
        "rosenbrock",
        30,
        {"lr": 0.05},
    ),  # diverges: the engine must stop at the same step
    ("newton", "rosenbrock", 20, {"lr": 1.0}),
    ("newton", "himmelblau", 20, {"lr": 0.5, "damping": 0.1}),
    ("saddle_free_newton", "rosenbrock", 40, {"lr": 0.5}),
    ("saddle_free_newton", "saddle", 10, {"lr": 0.5, "damping": 0.1}),
    ("saddle_free_newton", "himmelblau", 40, {"lr": 0.5}),
    # Schedules, clipping and the effective learning rate, through torch's own machinery.
    (
        "momentum",
        "wobbly",
        120,
        {"lr": 0.01, "schedule": "cosine", "T_max": 120, "eta_min": 1e-4},
    ),
    (
        "adam",
        "hills_and_canyon",
        120,
        {"lr": 0.25, "schedule": "step", "step_size": 25, "gamma": 0.5},
    ),
    ("rmsprop", "wobbly", 120, {"lr": 0.05, "schedule": "exponential", "gamma": 0.98}),
    (
        "sgd",
        "rosenbrock",
        120,
        {"lr": 1e-3, "schedule": "cosine_restarts", "T_0": 10, "T_mult": 2},
    ),
    (
        "nesterov",
        "wobbly",
        120,
        {"lr": 0.02, "schedule": "cosine_restarts", "T_0": 30, "eta_min": 0.001},
    ),
    ("adam", "wobbly", 100, {"lr": 0.3, "clip_norm": 1.0}),
    ("sgd", "rosenbrock", 100, {"lr": 0.01, "clip_norm": 5.0}),
    ("sgd", "wobbly", 60, {"lr": 0.2, "effective_lr": True}),
    (
        "adam",
        "wobbly",
        100,
        {"lr": 0.5, "effective_lr": True, "schedule": "exponential", "gamma": 0.99},
    ),
    # The second round's optimizers under schedules: ASGD's eta and Prodigy read the scheduled lr,
    # Rprop only at its first step; schedule-free's warmup_steps is its own warm-up.
    ("asgd", "wobbly", 120, {"lr": 0.05, "schedule": "exponential", "gamma": 0.98}),
    ("rprop", "hills_and_canyon", 120, {"lr": 0.05, "schedule": "step", "step_size": 25, "gamma": 0.5}),
    ("sgd_schedulefree", "wobbly", 120, {"lr": 0.05, "warmup_steps": 20}),
    (
        "adamw_schedulefree",
        "hills_and_canyon",
        120,
        {"lr": 0.2, "warmup_steps": 30, "schedule": "cosine", "T_max": 120},
    ),
    ("prodigy", "wobbly", 24, {"lr": 1.0, "schedule": "cosine", "T_max": 120}),
    ("adafactor", "wobbly", 28, {"lr": 0.5, "clip_norm": 1.0}),
]


def torch_defaults() -> dict[str, dict]:
    """Constructor defaults of each torch optimizer, betas split, as the engine names them."""
    import inspect

    out = {}
    for name, (cls, fixed) in TORCH_CLASSES.items():
        sig = inspect.signature(cls.__init__).parameters
        d = {k: v.default for k, v in sig.items() if k not in ("self", "params")}
        d.update(fixed)
        if "betas" in d:
            d["beta1"], d["beta2"] = d.pop("betas")
        for tname, names, _ in _TUPLES.get(name, ()):
            d.update(zip(names, d.pop(tname)))
        out[name] = {k: v for k, v in d.items() if isinstance(v, (int, float, bool)) and v is not None}
    return out


SCHEDULE_CASES = [
    {"schedule": "step", "step_size": 7, "gamma": 0.5},
    {"schedule": "exponential", "gamma": 0.97},
    {"schedule": "cosine", "T_max": 50, "eta_min": 0.01},
    {"schedule": "cosine", "T_max": 30},
    {"schedule": "cosine_restarts", "T_0": 10, "T_mult": 2, "eta_min": 0.001},
    {"schedule": "cosine_restarts", "T_0": 17, "T_mult": 1},
    {"warmup_steps": 20, "warmup_start": 0.1},
    {"warmup_steps": 10},
]


def schedule_lrs(case: dict, steps: int = 120, lr: float = 0.1) -> list[float]:
    """The lr torch uses at each of ``steps`` optimizer steps under ``case``."""
    p = torch.zeros(2, requires_grad=True)
    o = torch.optim.SGD([p], lr=lr)
    if "schedule" in case:
        sched = SCHEDULERS[case["schedule"]](o, case, steps)
    else:
        sched = torch.optim.lr_scheduler.LinearLR(
            o, start_factor=case.get("warmup_start", 1 / 3), total_iters=case["warmup_steps"]
        )
    lrs = []
    for _ in range(steps):
        lrs.append(o.param_groups[0]["lr"])
        o.step()
        sched.step()
    return lrs


def main() -> None:
    out = []
    for opt, surface, steps, hp in CASES:
        if opt in TORCH_CLASSES:
            path, source = (
                run_torch(opt, surface, steps, hp),
                f"torch {torch.__version__}",
            )
        else:
            path, source = PAPER[opt](surface, steps, **hp), "paper transcription"
        engine_opt = "adadelta" if opt == "adadelta_start" else opt
        out.append(
            {
                "optimizer": engine_opt,
                "surface": surface,
                "steps": steps,
                "hyperparameters": hp,
                "source": source,
                "path": path,
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generator": "tools/make_reference.py",
        "torch_version": torch.__version__,
        "torch_defaults": torch_defaults(),
        "schedules": [{"lr": 0.1, "steps": 120, "case": c, "lrs": schedule_lrs(c)} for c in SCHEDULE_CASES],
        "cases": out,
    }
    OUT.write_text(json.dumps(doc, indent=0) + "\n")
    bad = [c for c in out if not all(math.isfinite(v) for row in c["path"] for v in row)]
    print(f"wrote {len(out)} cases to {OUT.relative_to(ROOT)}; non-finite: {len(bad)}")


if __name__ == "__main__":
    main()
