"""Every optimizer against a reference: torch.optim where it exists, the paper elsewhere.

The reference file is written by ``tools/make_reference.py`` (needs torch==2.13.0 CPU).
"""

import json
from pathlib import Path

import numpy as np
import pytest

import optimizers

DATA = json.loads((Path(__file__).parent / "data" / "reference_trajectories.json").read_text())
CASES = DATA["cases"]


def _id(c):
    return f"{c['optimizer']}-{c['surface']}-" + ",".join(f"{k}={v}" for k, v in c["hyperparameters"].items())


def test_every_optimizer_has_reference_cases():
    covered = {c["optimizer"] for c in CASES}
    # L-BFGS (tests/test_lbfgs.py) and the gradient-free baselines (tests/test_gradient_free.py)
    # have their own references: their steps are not one gradient each.
    own = {n for n in optimizers.names() if optimizers.spec(n).runner}
    assert own == {"lbfgs", "random_search", "cmaes"}
    assert covered == set(optimizers.names()) - own
    for c in CASES:
        if c["optimizer"] in DATA["torch_defaults"] and "initial_acc_delta" not in c["hyperparameters"]:
            assert c["source"].startswith("torch")  # the article's Adadelta start is not in torch


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_matches_reference(case):
    ref = np.array(case["path"], dtype=float)
    tr = optimizers.trajectory(case["optimizer"], case["surface"], None, case["steps"], **case["hyperparameters"])
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.hypot(ref[:, 0], ref[:, 1])
    blown = np.flatnonzero(~(norms < 1e6))
    if blown.size:  # the reference blew up: the engine must stop at that same step
        assert tr.diverged_step == blown[0]
        rows = slice(0, blown[0] + 1)
        assert np.all(np.isnan(tr.path[blown[0] + 1 :]))
    else:
        assert tr.diverged_step is None
        rows = slice(None)
    np.testing.assert_allclose(tr.path[rows], ref[rows], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(DATA["torch_defaults"]))
def test_defaults_are_torchs(name):
    torch_d = DATA["torch_defaults"][name]
    ours = optimizers.defaults(name)
    for k, v in ours.items():
        if k in torch_d:
            assert v == torch_d[k], f"{name}.{k}: engine {v}, torch {torch_d[k]}"
    # Every numeric torch hyperparameter the engine could expose is exposed.
    skip = {"maximize", "foreach", "capturable", "differentiable", "fused", "nesterov", "decoupled_weight_decay"}
    # prodigyopt's distributed-training switches; schedule-free's warmup_steps is the engine's common option.
    skip |= {"fsdp_in_use", "slice_p", "warmup_steps"}
    # Split by design: plain "sgd" has no momentum (that is the "momentum" optimizer), and
    # torch requires dampening = 0 with nesterov=True.
    skip |= {"sgd": {"momentum", "dampening"}, "nesterov": {"dampening"}}.get(name, set())
    missing = {k for k in torch_d if k not in skip} - set(ours)
    assert not missing, missing


@pytest.mark.parametrize("sched", DATA["schedules"], ids=lambda s: json.dumps(s["case"]))
def test_schedules_match_torch_lr_scheduler(sched):
    tr = optimizers.trajectory("sgd", "simple_quad", (1.0, 1.0), sched["steps"], lr=sched["lr"], **sched["case"])
    np.testing.assert_allclose(tr.lr[:-1], sched["lrs"], rtol=1e-12, atol=1e-15)
