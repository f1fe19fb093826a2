"""Small datasets generated in code from a seed: nothing is downloaded.

Each returns ``(X, y, task)``: ``X`` (n, d) float64; ``y`` int64 class labels (0/1) for
classification or (n, 1) float64 targets for regression. The shapes are the usual ones of
teaching examples (two moons, two circles, XOR, two spirals, a noisy 1-D curve).
"""

from __future__ import annotations

import numpy as np

DATASETS = ("moons", "circles", "xor", "spirals", "regression", "sine9")
LABELS = {
    "moons": "two moons",
    "circles": "two circles",
    "xor": "XOR (four clusters)",
    "spirals": "two spirals",
    "regression": "1-D regression (a noisy sine)",
    "sine9": "9 points of sin(x) (no noise, no seed: the two-weight network's data)",
}
SINE9_X = tuple(-2.0 + 0.5 * i for i in range(9))  # exact in binary and in SymPy


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    a, b = _halves(n)
    t0, t1 = np.linspace(0.0, np.pi, a), np.linspace(0.0, np.pi, b)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1.0 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.r_[np.zeros(a, np.int64), np.ones(b, np.int64)]
    return X + noise * rng.standard_normal(X.shape), y


def circles(n: int, rng: np.random.Generator, noise: float = 0.05, factor: float = 0.5) -> tuple:
    a, b = _halves(n)
    t0 = np.linspace(0.0, 2 * np.pi, a, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, b, endpoint=False)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], factor * np.c_[np.cos(t1), np.sin(t1)]])
    y = np.r_[np.zeros(a, np.int64), np.ones(b, np.int64)]
    return X + noise * rng.standard_normal(X.shape), y


def xor(n: int, rng: np.random.Generator, noise: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    k = np.arange(n) % 4
    X = centres[k] + noise * rng.standard_normal((n, 2))
    return X, (k >= 2).astype(np.int64)


def spirals(n: int, rng: np.random.Generator, noise: float = 0.08, turns: float = 1.5) -> tuple:
    a, b = _halves(n)
    out = []
    for m, sign in ((a, 1.0), (b, -1.0)):
        t = np.linspace(0.25, 1.0, m) * turns * 2 * np.pi
        r = t / (turns * 2 * np.pi)
        out.append(sign * np.c_[r * np.cos(t), r * np.sin(t)])
    X = np.concatenate(out) + noise * rng.standard_normal((n, 2))
    return X, np.r_[np.zeros(a, np.int64), np.ones(b, np.int64)]


def regression(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(-2.0, 2.0, n)
    y = np.sin(1.5 * x) + noise * rng.standard_normal(n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def sine9(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) at x = -2, -1.5, …, 2 (``n`` and the seed are ignored): the data of the
    ``tanh_neuron`` surface, ŷ = w2·tanh(w1·x)."""
    x = np.array(SINE9_X)
    return x.reshape(-1, 1), np.sin(x).reshape(-1, 1)


def load(name: str, n: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """The dataset ``name`` with ``n`` points, drawn from ``seed``; raises ``ValueError`` naming
    the valid datasets for an unknown name."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}")
    if not 4 <= n <= 100_000:
        raise ValueError(f"n={n} points: must be 4 to 100,000")
    rng = np.random.default_rng(seed)
    X, y = globals()[name](int(n), rng)
    task = "regression" if name in ("regression", "sine9") else "classification"
    return np.ascontiguousarray(X, dtype=np.float64), y, task
