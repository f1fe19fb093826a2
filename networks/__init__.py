"""Tiny real networks: multilayer perceptrons on generated 2-D datasets, trained by the engine's
optimizers, with the loss landscape of their parameters seen on planes.

>>> import networks
>>> net = networks.make("moons", hidden=(16,), activation="tanh", n=256, seed=0)
>>> run = networks.train(net, "adam", 1000, lr=0.01)
>>> run.params.shape, run.loss.shape
((1001, 82), (1001,))

Pure numerics like ``landscapes`` and ``optimizers`` (no Streamlit): float64, exact
gradients by backpropagation, parameters as one flat vector in ``torch.nn.Module.parameters()``
order, so a net here and its ``torch.nn.Sequential`` twin compute the same numbers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import optimizers
from networks import data
from networks.mlp import ACTIVATIONS, CLASSIFICATION, REGRESSION, forward_backward, layout
from networks.train import SUPPORTED, train_loop
from optimizers import kernels as _k
from optimizers.registry import N_STATE

__all__ = ["DATASETS", "MAX_PARAMS", "SUPPORTED", "Net", "Training", "make", "train"]

DATASETS = data.DATASETS
MAX_PARAMS = 20_000  # what a page may train interactively
MAX_POINTS = 10_000


@dataclass
class Net:
    """A multilayer perceptron and its data: ``loss(params)`` and ``grad(params)`` are the
    full-batch loss (cross-entropy or mean squared error) and its exact gradient."""

    dataset: str
    hidden: tuple[int, ...]
    activation: str
    X: np.ndarray
    y: np.ndarray
    task: str
    params0: np.ndarray
    shapes: list[tuple[int, ...]]
    sizes: np.ndarray = field(repr=False)
    bias: bool = True
    _work: tuple = field(default=(), repr=False)

    @property
    def n_params(self) -> int:
        return int(self.params0.size)

    def _args(self) -> tuple:
        labels = self.y if self.task == "classification" else np.zeros(len(self.X), np.int64)
        targets = self.y if self.task == "regression" else np.zeros((len(self.X), 1))
        task = CLASSIFICATION if self.task == "classification" else REGRESSION
        return (np.ascontiguousarray(self.X.T), labels, targets, self.sizes, ACTIVATIONS[self.activation], task,
                self.bias)  # fmt: skip

    def buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """Work arrays for the compiled loss (activations and errors, units × points)."""
        units = int(self.sizes.sum())
        return np.empty((units, len(self.X))), np.empty((units, len(self.X)))

    def _eval(self, params: Any, want_grad: bool) -> tuple[float, np.ndarray]:
        p = np.ascontiguousarray(params, dtype=np.float64)
        if p.shape != self.params0.shape:
            raise ValueError(f"params must have shape {self.params0.shape}; got {p.shape}")
        if not self._work:
            self._work = (self._args(), self.buffers())
        args, (A, D) = self._work
        g = np.zeros_like(p)
        f = forward_backward(p, *args, A, D, g, want_grad)
        return float(f), g

    def loss(self, params: Any) -> float:
        """The mean loss over the whole dataset at ``params``."""
        return self._eval(params, False)[0]

    def grad(self, params: Any) -> np.ndarray:
        """The exact gradient of ``loss`` at ``params`` (backpropagation)."""
        return self._eval(params, True)[1]

    def unflatten(self, params: Any) -> list[np.ndarray]:
        """The flat vector as torch's tensors: [W1 (out, in), b1, W2, b2, …]."""
        out, pos = [], 0
        for s in self.shapes:
            k = int(np.prod(s))
            out.append(np.asarray(params[pos : pos + k]).reshape(s))
            pos += k
        return out


def init_params(sizes: tuple[int, ...], seed: int, bias: bool = True) -> np.ndarray:
    """torch.nn.Linear's default initialisation (weights and biases uniform in ±1/√fan_in),
    drawn from NumPy's generator with ``seed``."""
    rng = np.random.default_rng([seed, 1])
    parts = []
    for a, b in itertools.pairwise(sizes):
        bound = 1.0 / np.sqrt(a)
        parts.append(rng.uniform(-bound, bound, (b, a)).ravel())
        if bias:
            parts.append(rng.uniform(-bound, bound, b))
    return np.concatenate(parts)


def make(
    dataset: str,
    hidden: tuple[int, ...] = (16,),
    activation: str = "tanh",
    n: int = 256,
    seed: int = 0,
    bias: bool = True,
) -> Net:
    """A network for ``dataset`` with ``hidden`` layer widths (``bias=False``: torch's
    ``Linear(bias=False)``); raises ``ValueError`` for an unknown dataset or activation, or a
    network over ``MAX_PARAMS`` parameters."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    hidden = tuple(int(h) for h in hidden)
    if any(h < 1 for h in hidden) or len(hidden) > 6:
        raise ValueError(f"hidden={hidden}: up to 6 layers of at least one unit each")
    if n > MAX_POINTS:
        raise ValueError(f"n={n} points: at most {MAX_POINTS:,} here")
    X, y, task = data.load(dataset, n, seed)
    out = 2 if task == "classification" else 1
    sizes = (X.shape[1], *hidden, out)
    shapes, count = layout(sizes, bias)
    if count > MAX_PARAMS:
        raise ValueError(f"{count:,} parameters: at most {MAX_PARAMS:,} here (fewer or narrower hidden layers)")
    return Net(dataset, hidden, activation, X, y, task, init_params(sizes, seed, bias), shapes,
               np.array(sizes, dtype=np.int64), bias)  # fmt: skip


@dataclass
class Training:
    """One training run: ``params[k]`` after k steps (row 0 = ``params0``) and ``loss[k]`` there;
    after a divergence at ``diverged_step`` later rows are NaN."""

    optimizer: str
    hyperparameters: dict[str, Any]
    params: np.ndarray
    loss: np.ndarray
    diverged_step: int | None

    @property
    def steps(self) -> int:
        return self.params.shape[0] - 1


def train(net: Net, optimizer: str, steps: int, params0: Any = None, **hyper: Any) -> Training:
    """Train ``net`` full-batch for ``steps`` steps with ``optimizer`` (torch's names and
    defaults, as ``optimizers.trajectory``), from ``params0`` (default ``net.params0``).

    Schedules and warm-up apply; gradient noise, clipping and the effective lr are 2-D
    options and are refused here, as are the optimizers outside ``SUPPORTED``.
    """
    s = optimizers.spec(optimizer)
    if optimizer not in SUPPORTED:
        raise ValueError(f"{s.label} is not available for networks (its step is not per coordinate); "
                         f"available: {', '.join(SUPPORTED)}")  # fmt: skip
    for k in ("noise", "clip_norm", "effective_lr"):
        if hyper.get(k):
            raise ValueError(f"{k} is a 2-D playground option; networks train without it")
    steps = optimizers._check_steps(steps)
    hp, used = optimizers._pack(s, 1, steps, hyper)
    h = np.ascontiguousarray(hp.T)  # (slots, 1): the kernel's layout, one lane
    p0 = net.params0 if params0 is None else np.ascontiguousarray(params0, dtype=np.float64)
    n_p = p0.size
    st = np.zeros((N_STATE, n_p, 1))
    sc = np.ones((_k.N_SCALARS, 1))
    if optimizer == "adagrad":
        st[0, :, 0] = h[_k.O + 3, 0]
    elif optimizer == "adadelta":
        st[1, :, 0] = h[_k.O + 4, 0]
    rec_params = np.full((steps + 1, n_p), np.nan)
    rec_loss = np.full(steps + 1, np.nan)
    A, D = net.buffers()
    div = train_loop(s.code, h, p0, *net._args(), steps, rec_params, rec_loss, st, sc, A, D)
    return Training(optimizer, {**s.defaults(), **used}, rec_params, rec_loss, None if div < 0 else int(div))
