"""The practitioner's computations: hyperparameter heatmaps, basins of attraction, fair tuning, noise ensembles.

Pure (no Streamlit): every function takes plain values, runs the engine's ``sweep`` in
chunks (calling ``progress(fraction)`` between chunks, which is where a page can stop a
computation a user no longer wants) and returns arrays. Results are cached by their
arguments in ``viz.cache.CACHE`` so going back to a setting is instant.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import landscapes
import optimizers
from optimizers.registry import Hyper
from viz.cache import CACHE, ResultCache

Progress = Callable[[float], None] | None
CHUNK = 8192  # runs per engine call between progress reports (~10-60 ms of work)
MAX_HEATMAP = 256
MAX_BASINS = 512
MAX_ENSEMBLE = 2000
MAX_BUDGET = 512

METRICS = {
    "final_loss": "final loss − global minimum value",
    "distance": "distance to the nearest global minimum",
    "steps_to_tol": "steps to tolerance (1e-3 of a minimum's value)",
    "diverged": "step at which the run diverged",
}
OBJECTIVES = {
    "final_loss": "final loss − global minimum value",
    "distance": "distance to the nearest global minimum",
    "auc": "area under the loss curve (mean of f − f* over steps)",
    "steps_to_tol": "steps to tolerance (never = steps + 1)",
}
# Hyperparameters fair tuning searches (the rest keep their defaults): the ones that set
# an optimizer's step and memory. Decay-like ones are sampled as 1 − β on a log scale.
TUNABLE = ("lr", "momentum", "beta1", "beta2", "alpha", "rho", "damping")
_ONE_MINUS = ("momentum", "beta1", "beta2", "alpha", "rho")


# --- the engine, chunked ----------------------------------------------------------------


def run_chunked(
    name: str,
    surface: landscapes.Surface,
    starts: np.ndarray,
    steps: int,
    progress: Progress = None,
    paths: bool = False,
    chunk: int = CHUNK,
    **hyper: Any,
) -> optimizers.Sweep:
    """``optimizers.sweep`` over ``starts`` in chunks, reporting progress between them.

    Per-run hyperparameter arrays are sliced with the starts, so the result is identical
    to one ``sweep`` call (each run is independent).
    """
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    n = starts.shape[0]
    parts = []
    if progress:
        progress(0.0)
    for a in range(0, max(n, 1), chunk):
        b = min(a + chunk, n)
        hp = {k: (v[a:b] if np.ndim(v) == 1 else v) for k, v in hyper.items()}
        parts.append(optimizers.sweep(name, surface, starts[a:b], steps, paths=paths, **hp))
        if progress:
            progress(b / n)
    if len(parts) == 1:
        return parts[0]

    def cat(attr: str) -> np.ndarray | None:
        arrays = [getattr(p, attr) for p in parts]
        return None if arrays[0] is None else np.concatenate(arrays)

    return optimizers.Sweep(
        final=cat("final"), loss=cat("loss"), diverged=cat("diverged"), diverged_step=cat("diverged_step"),
        steps_to_tol=cat("steps_to_tol"), basin=cat("basin"), paths=cat("paths"), losses=cat("losses"),
        hyperparameters=parts[0].hyperparameters,
    )  # fmt: skip


def global_value(surface: landscapes.Surface) -> float:
    """f at the global minimum (the lowest known minimum's value)."""
    return float(min(surface.minima_values[: surface.n_global]))


def distance_to_global(surface: landscapes.Surface, points: np.ndarray) -> np.ndarray:
    """Euclidean distance of each point to the nearest global minimiser."""
    g = np.array(surface.global_minima, dtype=float).reshape(-1, 2)
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    return np.sqrt(((p[:, None, :] - g[None, :, :]) ** 2).sum(-1)).min(axis=1)


def metric_values(surface: landscapes.Surface, sw: optimizers.Sweep, metric: str) -> np.ndarray:
    """A metric per run as floats; NaN where it is undefined (diverged, never reached)."""
    if metric == "final_loss":
        v = sw.loss - global_value(surface)
    elif metric == "distance":
        v = distance_to_global(surface, sw.final)
    elif metric == "steps_to_tol":
        v = np.where(sw.steps_to_tol >= 0, sw.steps_to_tol, np.nan).astype(float)
    elif metric == "diverged":
        return np.where(sw.diverged, sw.diverged_step, np.nan).astype(float)
    else:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    return np.where(sw.diverged, np.nan, v)


# --- hyperparameter heatmap ---------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """One heatmap axis: a hyperparameter swept over [lo, hi] with n values (log-spaced if log)."""

    name: str
    lo: float
    hi: float
    n: int
    log: bool = False

    def values(self) -> np.ndarray:
        if self.log:
            return np.geomspace(self.lo, self.hi, self.n)
        return np.linspace(self.lo, self.hi, self.n)


def sweepable(name: str) -> list[Hyper]:
    """The hyperparameters of ``name`` a heatmap can sweep (numbers, not flags), plus gradient noise."""
    own = [h for h in optimizers.spec(name).hypers if h.kind != "bool"]
    return [*own, optimizers.COMMON_OPTIONS["noise"]]


def check_axis(name: str, axis: Axis) -> None:
    """Raise ``ValueError`` with a reason when an axis is not a valid sweep of ``name``."""
    hypers = {h.name: h for h in sweepable(name)}
    if axis.name not in hypers:
        raise ValueError(f"{name} has no sweepable hyperparameter {axis.name!r}; valid: {', '.join(hypers)}")
    if not 2 <= axis.n <= MAX_HEATMAP:
        raise ValueError(f"an axis has 2 to {MAX_HEATMAP} values; got {axis.n}")
    if not (math.isfinite(axis.lo) and math.isfinite(axis.hi)) or axis.lo >= axis.hi:
        raise ValueError(f"{axis.name}: the range must be finite with low < high; got [{axis.lo:g}, {axis.hi:g}]")
    if axis.log and axis.lo <= 0:
        raise ValueError(f"{axis.name}: a log axis needs a positive low end; got {axis.lo:g}")
    hypers[axis.name].check(axis.lo)
    hypers[axis.name].check(axis.hi)


@dataclass
class HeatmapResult:
    """A 2D hyperparameter sweep: every field is (ny, nx), row j = y.values()[j], column i = x.values()[i]."""

    optimizer: str
    surface: landscapes.Surface
    start: tuple[float, float]
    steps: int
    x: Axis
    y: Axis
    fixed: dict[str, Any]
    final: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray
    diverged_step: np.ndarray
    steps_to_tol: np.ndarray
    basin: np.ndarray

    def as_sweep(self) -> optimizers.Sweep:
        return optimizers.Sweep(
            final=self.final.reshape(-1, 2), loss=self.loss.ravel(), diverged=self.diverged.ravel(),
            diverged_step=self.diverged_step.ravel(), steps_to_tol=self.steps_to_tol.ravel(),
            basin=self.basin.ravel(),
        )  # fmt: skip

    def metric(self, metric: str) -> np.ndarray:
        return metric_values(self.surface, self.as_sweep(), metric).reshape(self.loss.shape)

    def cell_hyper(self, j: int, i: int) -> dict[str, Any]:
        """All hyperparameters of cell (row j, column i)."""
        return {**self.fixed, self.x.name: float(self.x.values()[i]), self.y.name: float(self.y.values()[j])}

    def frame(self) -> pd.DataFrame:
        """One row per cell: both swept values and every metric (for CSV)."""
        xv, yv = np.meshgrid(self.x.values(), self.y.values())
        df = pd.DataFrame({self.x.name: xv.ravel(), self.y.name: yv.ravel()})
        for m in METRICS:
            df[m] = self.metric(m).ravel()
        df["diverged_flag"] = self.diverged.ravel()
        df["final_x"], df["final_y"] = self.final[..., 0].ravel(), self.final[..., 1].ravel()
        df["basin"] = self.basin.ravel()
        return df


def _cached(cache: ResultCache | None, key, compute):
    return cache.get_or_compute(key, compute) if cache is not None else compute()


def _hkey(hyper: dict[str, Any]) -> tuple:
    return tuple(sorted((k, v if isinstance(v, (str, bool)) else float(v)) for k, v in hyper.items()))


def heatmap(
    optimizer: str,
    surface: landscapes.Surface,
    start: tuple[float, float],
    steps: int,
    x: Axis,
    y: Axis,
    fixed: dict[str, Any] | None = None,
    progress: Progress = None,
    cache: ResultCache | None = CACHE,
) -> HeatmapResult:
    """Run ``optimizer`` from ``start`` for every (x, y) pair of hyperparameter values."""
    fixed = {k: v for k, v in (fixed or {}).items() if k not in (x.name, y.name)}
    if x.name == y.name:
        raise ValueError("the two axes must sweep different hyperparameters")
    check_axis(optimizer, x)
    check_axis(optimizer, y)
    start = (float(start[0]), float(start[1]))

    def compute() -> HeatmapResult:
        xv, yv = np.meshgrid(x.values(), y.values())
        n = xv.size
        starts = np.tile(np.array(start), (n, 1))
        swept = {x.name: xv.ravel(), y.name: yv.ravel()}
        sw = run_chunked(optimizer, surface, starts, steps, progress, **fixed, **swept)
        shape = xv.shape
        return HeatmapResult(
            optimizer, surface, start, steps, x, y, fixed, sw.final.reshape(*shape, 2), sw.loss.reshape(shape),
            sw.diverged.reshape(shape), sw.diverged_step.reshape(shape), sw.steps_to_tol.reshape(shape),
            sw.basin.reshape(shape),
        )  # fmt: skip

    key = ("heatmap", optimizer, surface, start, steps, x, y, _hkey(fixed))
    return _cached(cache, key, compute)


# --- basins of attraction ------------------------------------------------------------------


@dataclass
class BasinsResult:
    """Runs from an n×n grid of starts; fields are (n, n), row j = ys[j], column i = xs[i]."""

    optimizer: str
    surface: landscapes.Surface
    steps: int
    hyper: dict[str, Any]
    xs: np.ndarray
    ys: np.ndarray
    final: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray
    steps_to_tol: np.ndarray
    basin: np.ndarray

    def share_global(self) -> float:
        """Share of the starts whose run ends at a global minimum."""
        return float(np.mean((self.basin >= 0) & (self.basin < self.surface.n_global)))

    def frame(self) -> pd.DataFrame:
        """One row per start: where it started, where it ended, its basin, loss and steps to tolerance."""
        sx, sy = np.meshgrid(self.xs, self.ys)
        return pd.DataFrame({
            "start_x": sx.ravel(), "start_y": sy.ravel(), "final_x": self.final[..., 0].ravel(),
            "final_y": self.final[..., 1].ravel(), "final_loss": self.loss.ravel(), "basin": self.basin.ravel(),
            "steps_to_tol": self.steps_to_tol.ravel(), "diverged": self.diverged.ravel(),
        })  # fmt: skip


def basins(
    optimizer: str,
    surface: landscapes.Surface,
    n: int,
    steps: int,
    hyper: dict[str, Any] | None = None,
    bounds=None,
    progress: Progress = None,
    cache: ResultCache | None = CACHE,
) -> BasinsResult:
    """Run ``optimizer`` from every point of an n×n grid over ``bounds`` (default: the surface's view)."""
    if not 2 <= int(n) <= MAX_BASINS:
        raise ValueError(f"the start grid has 2 to {MAX_BASINS} points per side; got {n}")
    hyper = dict(hyper or {})
    (x0, x1), (y0, y1) = bounds or surface.bounds
    bounds = ((float(x0), float(x1)), (float(y0), float(y1)))

    def compute() -> BasinsResult:
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)
        sw = run_chunked(optimizer, surface, np.c_[gx.ravel(), gy.ravel()], steps, progress, **hyper)
        sh = gx.shape
        return BasinsResult(
            optimizer, surface, steps, hyper, xs, ys, sw.final.reshape(*sh, 2), sw.loss.reshape(sh),
            sw.diverged.reshape(sh), sw.steps_to_tol.reshape(sh), sw.basin.reshape(sh),
        )  # fmt: skip

    key = ("basins", optimizer, surface, int(n), steps, _hkey(hyper), bounds)
    return _cached(cache, key, compute)


def basin_table(results: list[BasinsResult]) -> pd.DataFrame:
    """Per optimizer: share of starts reaching the global minimum, a local one, none, diverged."""
    rows = []
    for r in results:
        s = r.surface
        glob = (r.basin >= 0) & (r.basin < s.n_global)
        local = r.basin >= s.n_global
        stt = r.steps_to_tol[glob & (r.steps_to_tol >= 0)]
        rows.append({
            "optimizer": optimizers.spec(r.optimizer).label,
            "global minimum": float(glob.mean()),
            "a local minimum": float(local.mean()),
            "no known minimum": float(((r.basin < 0) & ~r.diverged).mean()),
            "diverged": float(r.diverged.mean()),
            "median steps to tol (global)": float(np.median(stt)) if stt.size else math.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


# --- fair comparison ---------------------------------------------------------------------


def search_space(name: str, lr_only: bool = False) -> list[Hyper]:
    """The hyperparameters fair tuning searches for ``name`` (``lr`` first)."""
    hs = [h for h in optimizers.spec(name).hypers if h.name in TUNABLE]
    return [h for h in hs if h.name == "lr"] if lr_only else hs


def _unit_to_value(h: Hyper, u: np.ndarray, lr_range: tuple[float, float]) -> np.ndarray:
    """Map u ∈ [0, 1] to a value of h: lr and damping log-uniform, decays as 1 − β log-uniform."""
    if h.name == "lr":
        lo, hi = lr_range
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    if h.name == "damping":
        return np.exp(np.log(1e-3) + u * (np.log(10.0) - np.log(1e-3)))
    if h.name in _ONE_MINUS:  # 1 − β log-uniform in [1e-3, 0.99]: u=0 → β=0.999, u=1 → β=0.01
        return 1.0 - np.exp(np.log(1e-3) + u * (np.log(0.99) - np.log(1e-3)))
    lo, hi = h.ui
    return lo + u * (hi - lo)


def candidates(
    name: str,
    budget: int,
    method: str = "random",
    seed: int = 0,
    lr_only: bool = False,
    lr_range: tuple[float, float] = (1e-4, 10.0),
) -> dict[str, np.ndarray]:
    """``budget`` hyperparameter settings for ``name``: uniform random (seeded) or a full grid.

    A grid uses ⌊budget^(1/d)⌋ values per searched hyperparameter, so it never exceeds the
    budget; every optimizer searches its own space with the same number of runs.
    """
    if method not in ("random", "grid"):
        raise ValueError(f"search method must be 'random' or 'grid'; got {method!r}")
    if not 1 <= budget <= MAX_BUDGET:
        raise ValueError(f"the budget is 1 to {MAX_BUDGET} settings; got {budget}")
    hs = search_space(name, lr_only)
    d = len(hs)
    if method == "random":
        rng = np.random.default_rng([seed, optimizers.spec(name).code])
        u = rng.random((budget, d))
    else:
        k = max(math.floor(budget ** (1.0 / d) + 1e-9), 1)
        axes = np.meshgrid(*[np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5])] * d, indexing="ij")
        u = np.stack([a.ravel() for a in axes], axis=1)
    return {h.name: _unit_to_value(h, u[:, i], lr_range) for i, h in enumerate(hs)}


def objective_values(surface: landscapes.Surface, sw: optimizers.Sweep, objective: str, steps: int) -> np.ndarray:
    """Each run's objective (lower is better); +inf for a run that diverged."""
    if objective == "auc":
        excess = sw.losses - global_value(surface)
        v = np.mean(excess, axis=1)
    elif objective == "steps_to_tol":
        v = np.where(sw.steps_to_tol >= 0, sw.steps_to_tol, steps + 1).astype(float)
    elif objective in ("final_loss", "distance"):
        v = metric_values(surface, sw, objective)
    else:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    return np.where(sw.diverged | ~np.isfinite(v), np.inf, v)


@dataclass
class Tuned:
    """The outcome of tuning one optimizer."""

    optimizer: str
    best: dict[str, float]
    score: float
    default_score: float
    diverged_share: float
    candidates: dict[str, np.ndarray]
    scores: np.ndarray = field(repr=False)


def tune(
    names: list[str],
    surface: landscapes.Surface,
    starts: np.ndarray,
    steps: int,
    budget: int,
    objective: str = "final_loss",
    method: str = "random",
    seed: int = 0,
    lr_only: bool = False,
    progress: Progress = None,
    cache: ResultCache | None = CACHE,
) -> list[Tuned]:
    """Give every optimizer the same budget of settings and the same starts; keep each one's best.

    A setting's score is its objective averaged over the starts (+inf if any start
    diverges). The optimizer's defaults are scored too, for comparison.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    key = ("tune", tuple(names), surface, starts.tobytes(), steps, budget, objective, method, seed, lr_only)

    def compute() -> list[Tuned]:
        out = []
        s_n = starts.shape[0]
        for k, name in enumerate(names):
            cand = candidates(name, budget, method, seed, lr_only)
            b = next(iter(cand.values())).size
            defaults = optimizers.defaults(name)
            hp = {h: np.append(v, defaults[h]) for h, v in cand.items()}  # last setting = defaults
            runs = {h: np.repeat(v, s_n) for h, v in hp.items()}
            all_starts = np.tile(starts, (b + 1, 1))

            def sub(f: float, k: int = k) -> None:
                if progress:
                    progress((k + f) / len(names))

            sw = run_chunked(name, surface, all_starts, steps, sub, paths=objective == "auc", chunk=2048, **runs)
            obj = objective_values(surface, sw, objective, steps).reshape(b + 1, s_n).mean(axis=1)
            div = sw.diverged.reshape(b + 1, s_n).any(axis=1)
            i = int(np.argmin(obj[:b]))
            out.append(Tuned(
                name, {h: float(v[i]) for h, v in cand.items()}, float(obj[i]), float(obj[b]),
                float(div[:b].mean()), cand, obj[:b],
            ))  # fmt: skip
        return out

    return _cached(cache, key, compute)


def tune_table(results: list[Tuned], objective: str) -> pd.DataFrame:
    """The tuned settings and scores, one row per optimizer, best first."""
    rows = []
    for t in results:
        rows.append({
            "optimizer": optimizers.spec(t.optimizer).label,
            "tuned settings": ", ".join(f"{k} = {v:.4g}" for k, v in t.best.items()),
            f"best {objective}": t.score,
            f"{objective} with defaults": t.default_score,
            "share of budget diverged": t.diverged_share,
        })  # fmt: skip
    df = pd.DataFrame(rows)
    return df.sort_values(f"best {objective}", kind="stable").reset_index(drop=True) if rows else df


# --- noise ensembles -----------------------------------------------------------------------


@dataclass
class Ensemble:
    """N runs of one optimizer from one start, differing only in the gradient-noise seed."""

    optimizer: str
    paths: np.ndarray  # (n, steps+1, 2), NaN after divergence
    losses: np.ndarray  # (n, steps+1)
    diverged: np.ndarray
    basin: np.ndarray
    surface: landscapes.Surface

    QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

    def bands(self) -> np.ndarray:
        """Loss quantiles (5, 25, 50, 75, 95 %) per step over the runs still finite: (5, steps+1)."""
        finite = np.where(np.isfinite(self.losses), self.losses, np.nan)
        ok = np.isfinite(finite).any(axis=0)
        out = np.full((len(self.QUANTILES), finite.shape[1]), np.nan)
        if ok.any():
            out[:, ok] = np.nanquantile(finite[:, ok], self.QUANTILES, axis=0)
        return out

    def frame(self) -> pd.DataFrame:
        """Quantile bands per step (for CSV)."""
        b = self.bands()
        df = pd.DataFrame({"step": np.arange(b.shape[1])})
        for q, row in zip(self.QUANTILES, b, strict=True):
            df[f"loss_q{int(q * 100):02d}"] = row
        df.insert(0, "optimizer", self.optimizer)
        return df

    def nearest_minimum(self) -> np.ndarray:
        """Index of the known minimum nearest each run's end point (-1 if it diverged)."""
        m = np.array(self.surface.minima, dtype=float).reshape(-1, 2)
        end = self.paths[:, -1]
        d = ((end[:, None, :] - m[None, :, :]) ** 2).sum(-1)
        return np.where(self.diverged | ~np.isfinite(d).all(axis=1), -1, np.argmin(np.nan_to_num(d, nan=np.inf), 1))

    def paths_frame(self) -> pd.DataFrame:
        """Every run's path: one row per run × step (run k used seed first + k)."""
        n, rows, _ = self.paths.shape
        return pd.DataFrame({
            "optimizer": self.optimizer, "run": np.repeat(np.arange(n), rows), "step": np.tile(np.arange(rows), n),
            "x": self.paths[..., 0].ravel(), "y": self.paths[..., 1].ravel(), "loss": self.losses.ravel(),
        })  # fmt: skip

    def summary(self) -> dict[str, Any]:
        finite = self.losses[:, -1][np.isfinite(self.losses[:, -1])]
        near = self.nearest_minimum()
        n_global = self.surface.n_global
        return {
            "optimizer": optimizers.spec(self.optimizer).label,
            "runs": int(self.paths.shape[0]),
            "median final loss": float(np.median(finite)) if finite.size else math.nan,
            "end nearest a global minimum": float(np.mean((near >= 0) & (near < n_global))),
            "end within 0.05 of it": float(np.mean((self.basin >= 0) & (self.basin < n_global))),
            "diverged": float(self.diverged.mean()),
        }


def ensemble(
    optimizer: str,
    surface: landscapes.Surface,
    start: tuple[float, float],
    steps: int,
    n: int,
    noise: float,
    seed: int = 0,
    hyper: dict[str, Any] | None = None,
    progress: Progress = None,
    cache: ResultCache | None = CACHE,
) -> Ensemble:
    """``n`` runs with seeds seed, seed+1, …; run k equals ``trajectory(..., noise=noise, seed=seed+k)``."""
    if not 1 <= int(n) <= MAX_ENSEMBLE:
        raise ValueError(f"an ensemble has 1 to {MAX_ENSEMBLE} runs; got {n}")
    hyper = dict(hyper or {})
    start = (float(start[0]), float(start[1]))

    def compute() -> Ensemble:
        seeds = np.arange(int(seed), int(seed) + int(n), dtype=float)
        starts = np.tile(np.array(start), (int(n), 1))
        sw = run_chunked(optimizer, surface, starts, steps, progress, paths=True, chunk=512, noise=noise,
                         seed=seeds, **hyper)  # fmt: skip
        return Ensemble(optimizer, sw.paths, sw.losses, sw.diverged, sw.basin, surface)

    key = ("ensemble", optimizer, surface, start, steps, int(n), float(noise), int(seed), _hkey(hyper))
    return _cached(cache, key, compute)
