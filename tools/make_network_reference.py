"""Reference training runs for ``networks``: the same MLP in torch, float64, from the same params0.

    pip install torch==2.13.0   # CPU build; not a dependency of the app or its tests
    python -m tools.make_network_reference

writes ``tests/data/reference_networks.json``: for each case the loss after every step and the
parameters after the last, from ``torch.nn.Sequential`` of ``Linear`` layers (the net's flat
params0 copied into ``.parameters()`` in order), ``F.cross_entropy`` or ``F.mse_loss`` over the
full batch, and ``torch.optim``'s optimizer stepped ``steps`` times.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import networks  # noqa: E402

OUT = ROOT / "tests" / "data" / "reference_networks.json"
torch.set_default_dtype(torch.float64)

OPTIMS = {
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adagrad": (torch.optim.Adagrad, {}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "adamax": (torch.optim.Adamax, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
    "adadelta": (torch.optim.Adadelta, {}),
    "rprop": (torch.optim.Rprop, {}),
}

CASES = [
    ("moons", (16,), "tanh", "sgd", {"lr": 0.5}),
    ("moons", (16,), "tanh", "momentum", {"lr": 0.05, "weight_decay": 0.01}),
    ("circles", (8, 8), "relu", "nesterov", {"lr": 0.05}),
    ("xor", (8,), "tanh", "rmsprop", {"lr": 0.01}),
    ("spirals", (16, 16), "relu", "adagrad", {"lr": 0.05}),
    ("moons", (16,), "tanh", "adam", {"lr": 0.01}),
    ("regression", (16,), "tanh", "adam", {"lr": 0.02, "beta1": 0.8, "amsgrad": True}),
    ("circles", (16,), "tanh", "adamw", {"lr": 0.01, "weight_decay": 0.1}),
    ("regression", (8, 8), "relu", "adamw", {"lr": 0.01}),
    ("xor", (8,), "relu", "adamax", {"lr": 0.02}),
    ("moons", (8,), "tanh", "nadam", {"lr": 0.01}),
    ("spirals", (16,), "tanh", "radam", {"lr": 0.01}),
    ("moons", (8,), "relu", "adadelta", {"lr": 1.0}),
    ("regression", (8,), "tanh", "rprop", {"lr": 0.01}),
]
STEPS = 100
N = 128


def _torch_kwargs(name: str, hp: dict) -> dict:
    kw = {**OPTIMS[name][1], **hp}
    if "beta1" in kw or "beta2" in kw:
        kw["betas"] = (kw.pop("beta1", 0.9), kw.pop("beta2", 0.999))
    if "amsgrad" in kw:
        kw["amsgrad"] = bool(kw["amsgrad"])
    return kw


def run(dataset: str, hidden: tuple, act: str, opt: str, hp: dict) -> dict:
    net = networks.make(dataset, hidden, act, n=N, seed=1)
    sizes = [net.X.shape[1], *hidden, 2 if net.task == "classification" else 1]
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh() if act == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.tensor(net.params0), model.parameters())
    X = torch.tensor(net.X)
    if net.task == "classification":
        y = torch.tensor(net.y)

        def lossf():
            return torch.nn.functional.cross_entropy(model(X), y)
    else:
        y = torch.tensor(net.y)

        def lossf():
            return torch.nn.functional.mse_loss(model(X), y)

    o = OPTIMS[opt][0](model.parameters(), **_torch_kwargs(opt, hp))
    losses = []
    for _ in range(STEPS):
        o.zero_grad()
        f = lossf()
        f.backward()
        losses.append(float(f.detach()))
        o.step()
    with torch.no_grad():
        losses.append(float(lossf()))
    final = torch.nn.utils.parameters_to_vector(model.parameters()).detach().tolist()
    return {"dataset": dataset, "hidden": list(hidden), "activation": act, "optimizer": opt, "hyperparameters": hp,
            "n": N, "seed": 1, "steps": STEPS, "loss": losses, "final_params": final}  # fmt: skip


def main() -> None:
    cases = [run(*c) for c in CASES]
    OUT.write_text(json.dumps({"generator": "tools/make_network_reference.py", "torch_version": torch.__version__,
                               "cases": cases}, indent=0) + "\n")  # fmt: skip
    print(f"wrote {len(cases)} cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
