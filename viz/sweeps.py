"""The practitioner's computations: hyperparameter heatmaps, basins of attraction, fair tuning, noise ensembles.

Pure (no Streamlit): every function takes plain values, runs the engine's ``sweep`` in
chunks (calling ``progress(fraction)`` between chunks, which is where a page can stop a
computation a user no longer wants) and returns arrays. Results are cached by their
arguments in ``viz.cache.CACHE`` so going back to a setting is instant.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import landscapes
import optimizers
from optimizers.registry import Hyper
from viz import distributed
from viz.cache import CACHE, ResultCache
from viz.state import SYMBOL

Progress = Callable[[float], None] | None
CHUNK = 8192  # runs per engine call between progress reports (~10-60 ms of work)
MAX_HEATMAP = 256
MAX_BASINS = 512
MAX_ENSEMBLE = 2000
MAX_BUDGET = 512

# Short names for menus and colour bars (they fit a sidebar at 390 px); the full definitions
# are the menus' help text.
METRICS = {
    "final_loss": "final loss − f*",
    "distance": "distance to global min",
    "steps_to_tol": "steps to settle",
    "diverged": "step it diverged",
}
METRIC_HELP = {
    "final_loss": "f at the last step minus f*, the global minimum's value (0 = at the global minimum)",
    "distance": "Euclidean distance from the last point to the nearest global minimiser",
    "steps_to_tol": "the first step after which the loss stays within 0.001 of the nearest minimum's value",
    "diverged": "the step at which the run left |θ| < 10⁶ or stopped being finite",
}
OBJECTIVES = {
    "final_loss": "final loss − f*",
    "distance": "distance to global min",
    "auc": "mean loss over the run",
    "steps_to_tol": "steps to settle",
}
OBJECTIVE_HELP = {
    "final_loss": METRIC_HELP["final_loss"],
    "distance": METRIC_HELP["distance"],
    "auc": "the area under the loss curve: the mean of f − f* over every step (rewards getting there early)",
    "steps_to_tol": METRIC_HELP["steps_to_tol"] + "; a run that never settles counts as steps + 1",
}
# Hyperparameters fair tuning searches (the rest keep their defaults): the ones that set
# an optimizer's step and memory. Decay-like ones are sampled as 1 − β on a log scale.
TUNABLE = ("lr", "momentum", "beta1", "beta2", "alpha", "rho", "damping")
_ONE_MINUS = ("momentum", "beta1", "beta2", "alpha", "rho")


# --- numbers and tables for people ------------------------------------------------------

DASH = "—"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_number(v: Any, digits: int = 4, small: float = 1e-3) -> str:
    """A number as a person reads it: ``digits`` significant digits, integers as integers,
    powers of ten as ``1.5 × 10⁻⁸`` outside [``small``, 10⁴), missing values as a dash.
    (``small=1e-6`` writes 0.0009641 for a learning rate instead of 9.641 × 10⁻⁴.)

    Examples
    --------
    >>> fmt_number(0.000000000000001), fmt_number(12.345678), fmt_number(200), fmt_number(float("nan"))
    ('10⁻¹⁵', '12.35', '200', '—')
    """
    if v is None or v is pd.NA:
        return DASH
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    v = float(v)
    if math.isnan(v):
        return DASH
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    a = abs(v)
    if a == 0:
        return "0"
    short = f"{v:.{digits}g}"
    if 1e-3 <= a < 1e4 and "e" not in short:
        return short.replace("-", "−")
    if small <= a < 1e-3:
        return np.format_float_positional(v, precision=digits, unique=False, fractional=False, trim="-").replace(
            "-", "−"
        )
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".").replace("-", "−")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa} × {power}"


def fmt_percent(v: Any) -> str:
    """A percentage (0–100) to one decimal; never rounds a nonzero share to 0 % or a partial one
    to 100 %, and a missing value is a dash."""
    if v is None or v is pd.NA or not math.isfinite(float(v)):
        return DASH
    v = float(v)
    if v == 0 or v == 100:
        return f"{v:.0f}%"
    if v < 0.05:
        return "<0.1%"
    if v >= 99.95:
        return ">99.9%"
    return f"{v:.1f}%"


def format_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as display text: ``df.attrs["kinds"]`` names a column's kind ("percent",
    "integer", "number", "score", "text"); otherwise integer columns are integers, float
    columns numbers. A score of +inf (every run diverged) reads "diverged".
    """
    kinds = df.attrs.get("kinds", {})
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        col = df[c]
        kind = kinds.get(c)
        if kind is None:
            if pd.api.types.is_integer_dtype(col):
                kind = "integer"
            elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                kind = "number"
            else:
                kind = "text"
        if kind == "percent":
            out[c] = [fmt_percent(v) for v in col]
        elif kind == "integer":
            out[c] = [DASH if pd.isna(v) else fmt_number(int(v)) for v in col]
        elif kind == "score":
            out[c] = ["diverged" if (v is not None and not pd.isna(v) and math.isinf(v) and v > 0) else fmt_number(v)
                      for v in col]  # fmt: skip
        elif kind == "number":
            out[c] = [fmt_number(v) for v in col]
        else:
            out[c] = [DASH if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in col]
    out.attrs["kinds"] = {c: kinds.get(c, "") for c in df.columns}
    return out


def _table(rows: list[dict[str, Any]], kinds: dict[str, str], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    df.attrs["kinds"] = kinds
    return df


@dataclass(frozen=True)
class Ranking:
    """Who leads on a percentage, as the page shows it (one decimal): the leaders (ties share
    the lead), the runners-up, the gap in percentage points between the shown values, and the
    last (empty when the runners-up are last)."""

    top: list[str]
    top_value: str
    runner_up: list[str]
    runner_up_value: str
    gap: float
    bottom: list[str]
    bottom_value: str


def rank_shares(shares: list[tuple[str, float]]) -> Ranking:
    """Rank ``(name, percent)`` pairs by their displayed value (``fmt_percent``), largest first.

    The gap is the difference of the displayed numbers, so a sentence built from it adds up
    with the table beside it; equal displayed values are ties.
    """
    shown = [(name, fmt_percent(v), round(float(v), 1)) for name, v in shares]
    order = sorted(shown, key=lambda t: -t[2])
    groups: list[list[tuple[str, str, float]]] = []
    for t in order:
        if groups and groups[-1][0][1] == t[1]:
            groups[-1].append(t)
        else:
            groups.append([t])
    top, second, last = groups[0], groups[1] if len(groups) > 1 else [], groups[-1] if len(groups) > 2 else []
    return Ranking(
        [t[0] for t in top], top[0][1], [t[0] for t in second], second[0][1] if second else "",
        round(top[0][2] - second[0][2], 1) if second else 0.0, [t[0] for t in last], last[0][1] if last else "",
    )  # fmt: skip


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- the engine, chunked ----------------------------------------------------------------


MAX_CMAES_WORK = 40_000  # runs × generations a page may ask of CMA-ES (~15 s)


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
    if name == "cmaes" and n * steps > MAX_CMAES_WORK:
        raise ValueError(
            f"CMA-ES runs one generation at a time through the cma package (about 0.4 ms each): {n:,} runs × "
            f"{steps:,} generations would take minutes. Here at most {MAX_CMAES_WORK:,} runs × generations: "
            "fewer starts, settings or steps."
        )
    parts = []
    if progress:
        progress(0.0)
    bounds = [(a, min(a + chunk, n)) for a in range(0, max(n, 1), chunk)]
    client = distributed.page_client() if len(bounds) > 1 else None
    if client is not None and landscapes.get(surface.name) is surface:  # a cluster (LANDSCAPES_DASK) takes it
        hps = [{k: (v[a:b] if np.ndim(v) == 1 else v) for k, v in hyper.items()} for a, b in bounds]
        parts = distributed.sweep_on(client, name, surface, starts, steps, paths, hps, bounds)
        bounds = []
        if progress:
            progress(1.0)
    for a, b in bounds:
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
        hyperparameters=parts[0].hyperparameters, evals=cat("evals"), eval_counts=cat("eval_counts"),
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


BASIN_COLUMNS = {
    "global": "Reach the global minimum (% of starts)",
    "local": "Reach a local minimum (% of starts)",
    "none": "End near no known minimum (% of starts)",
    "diverged": "Diverged (% of starts)",
    "steps": "Median steps to settle at the global minimum",
}


def basin_table(results: list[BasinsResult], labels: list[str] | None = None) -> pd.DataFrame:
    """Per optimizer: percent of starts that end at the global minimum, a local one, none, or
    diverge (they add up to 100), and the median steps to settle of those that reach the global one.

    ``labels`` name the rows (default: the optimizers' names).
    """
    rows = []
    c = BASIN_COLUMNS
    for k, r in enumerate(results):
        s = r.surface
        glob = (r.basin >= 0) & (r.basin < s.n_global)
        local = r.basin >= s.n_global
        stt = r.steps_to_tol[glob & (r.steps_to_tol >= 0)]
        rows.append({
            "Optimizer": labels[k] if labels else optimizers.spec(r.optimizer).label,
            c["global"]: 100 * float(glob.mean()),
            c["local"]: 100 * float(local.mean()),
            c["none"]: 100 * float(((r.basin < 0) & ~r.diverged).mean()),
            c["diverged"]: 100 * float(r.diverged.mean()),
            c["steps"]: float(np.median(stt)) if stt.size else math.nan,
        })  # fmt: skip
    kinds = {"Optimizer": "text", **{v: "percent" for k, v in c.items() if k != "steps"}, c["steps"]: "number"}
    return _table(rows, kinds, ["Optimizer", *c.values()])


def basins_sentence(results: list[BasinsResult]) -> str:
    """What the maps show, computed from them: which optimizer reaches the global minimum from
    the most starts, by how many percentage points over the next, and which from the fewest."""
    if not results:
        return ""
    shares = [(optimizers.spec(r.optimizer).label, 100 * r.share_global()) for r in results]
    if len(shares) == 1:
        return f"{shares[0][0]} reaches the global minimum from {fmt_percent(shares[0][1])} of the starts."
    rk = rank_shares(shares)
    if not rk.runner_up:
        return f"All {len(shares)} reach the global minimum from the same share of starts ({rk.top_value})."
    verb = "reaches" if len(rk.top) == 1 else "reach"
    each = "" if len(rk.top) == 1 else " each"
    text = (
        f"{_and(rk.top)} {verb} the global minimum from the most starts ({rk.top_value}{each}), "
        f"{rk.gap:.1f} percentage points more than {_and(rk.runner_up)} ({rk.runner_up_value})"
    )
    if rk.bottom:
        text += f"; {_and(rk.bottom)} from the fewest ({rk.bottom_value})"
    return text + "."


def grey_sentence(results: list[BasinsResult], at_least: float = 10.0, hint: bool = True) -> str:
    """Names the optimizers whose runs end near no known minimum from at least ``at_least``
    percent of the starts (grey on the maps), with that share; empty if none does. ``hint``
    adds where to look next (colour by final loss)."""
    grey = [(optimizers.spec(r.optimizer).label, 100 * float(((r.basin < 0) & ~r.diverged).mean())) for r in results]
    grey = [(n, v) for n, v in grey if v >= at_least]
    if not grey:
        return ""
    if len(grey) == 1:
        who = f"{grey[0][0]} ends near no known minimum (grey) from {fmt_percent(grey[0][1])} of the starts"
    else:
        who = _and([f"{n} ({fmt_percent(v)})" for n, v in grey]) + " end near no known minimum (grey) from that "
        who += "share of the starts"
    return who + (": colour by final loss to see how close those runs come." if hint else ".")


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


UNITS = {"steps": "steps", "evaluations": "function evaluations"}


def budget_steps(name: str, budget: int, unit: str = "steps") -> int:
    """How many steps ``name`` may take within ``budget`` steps or function evaluations: the
    evaluations one of its steps costs (smoothed Nesterov 3, random search and CMA-ES their
    population at the default popsize); L-BFGS's vary, so it runs ``budget`` steps (each costs
    at least one) and ``cut_at_budget`` stops it where the evaluations run out."""
    if unit not in UNITS:
        raise ValueError(f"a budget is counted in {' or '.join(UNITS)}; got {unit!r}")
    s = optimizers.spec(name)
    if unit == "steps" or s.name == "lbfgs":
        return budget
    per = s.evals_per_step
    if s.gradient_free:
        pop = int(s.defaults()["popsize"])
        per = pop if pop > 0 else 6  # cma's default 4 + ⌊3 ln 2⌋ in 2-D
    return max(budget // per, 1)


def cut_at_budget(
    sw: optimizers.Sweep, surface: landscapes.Surface, budget: int, tol: float = 1e-3, radius: float = 0.05
) -> optimizers.Sweep:
    """The sweep as it stood when each run had spent ``budget`` evaluations (needs its paths and
    evaluation counts): end point, loss, settling step, basin and divergence at that row
    (``tol`` and ``radius`` as in ``optimizers.sweep``)."""
    counts = sw.eval_counts
    k = np.maximum((counts <= budget).sum(axis=1) - 1, 0)  # the last row within the budget
    rows = np.arange(len(k))
    final = sw.paths[rows, k].copy()
    loss = sw.losses[rows, k].copy()
    diverged = sw.diverged & (sw.diverged_step <= k)
    mins, mins_f = optimizers._minima(surface)
    settle = np.array([
        optimizers._settle_step(sw.paths[r, : k[r] + 1], sw.losses[r, : k[r] + 1], mins, mins_f, tol) for r in rows
    ], dtype=np.int64)  # fmt: skip
    basin = np.full(len(k), -1, dtype=np.int64)
    if mins.size:
        d2 = ((final[:, None, :] - mins[None, :, :]) ** 2).sum(axis=2)
        near = np.argmin(np.where(np.isfinite(d2), d2, np.inf), axis=1)
        basin = np.where(d2[rows, near] <= radius * radius, near, -1)
    width = sw.losses.shape[1]
    losses = np.where(np.arange(width)[None, :] <= k[:, None], sw.losses, loss[:, None])  # held after the cut
    return optimizers.Sweep(
        final=final, loss=loss, diverged=diverged, diverged_step=np.where(diverged, sw.diverged_step, -1),
        steps_to_tol=np.where(diverged, -1, settle), basin=np.where(diverged, -1, basin), paths=sw.paths, losses=losses,
        hyperparameters=sw.hyperparameters, evals=counts[rows, k], eval_counts=counts,
    )  # fmt: skip


def tuned_trajectory(
    name: str, surface: landscapes.Surface, start: Any, budget: int, unit: str = "steps", **hyper: Any
) -> optimizers.Trajectory:
    """One run within the budget: ``budget_steps`` steps, and L-BFGS stopped at the last step
    whose evaluations fit (the same prefix as its longer run)."""
    tr = optimizers.trajectory(name, surface, start, budget_steps(name, budget, unit), **hyper)
    if unit == "evaluations" and name == "lbfgs":
        k = max(int((tr.evals <= budget).sum()) - 1, 0)
        tr = optimizers.trajectory(name, surface, start, k, **hyper)
    return tr


def by_evaluations(tr: optimizers.Trajectory, budget: int) -> optimizers.Trajectory:
    """The run seen on a common clock of function evaluations 0…``budget``: row e shows the run
    after the last step whose evaluations fit in e (runs of different costs per step then line
    up, on the map and in the charts)."""
    k = np.clip(np.searchsorted(tr.evals, np.arange(budget + 1), side="right") - 1, 0, tr.steps)
    div = None if tr.diverged_step is None else int(tr.evals[min(tr.diverged_step, tr.steps)])
    return dataclasses.replace(
        tr, path=tr.path[k], loss=tr.loss[k], grad=tr.grad[k], update=tr.update[k], lr=tr.lr[k],
        state={n: v[k] for n, v in tr.state.items()}, evals=np.arange(budget + 1),
        population=None if tr.population is None else tr.population[k], phases=(),
        diverged_step=div if div is not None and div <= budget else None,
        steps_to_tol=int(tr.evals[tr.steps_to_tol]) if tr.steps_to_tol >= 0 else -1, _hess_eig=None,
    )  # fmt: skip


def objective_values(
    surface: landscapes.Surface, sw: optimizers.Sweep, objective: str, steps: int, unit: str = "steps"
) -> np.ndarray:
    """Each run's objective (lower is better); +inf for a run that diverged. With ``unit``
    "evaluations", "steps to tolerance" counts the evaluations spent until the run settled."""
    if objective == "auc":
        excess = sw.losses - global_value(surface)
        v = np.mean(excess, axis=1)
    elif objective == "steps_to_tol" and unit == "evaluations":
        settled = sw.steps_to_tol >= 0
        spent = sw.eval_counts[np.arange(len(settled)), np.where(settled, sw.steps_to_tol, 0)]
        v = np.where(settled, spent, steps + 1).astype(float)
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
    unit: str = "steps",
) -> list[Tuned]:
    """Give every optimizer the same budget of settings and the same starts; keep each one's best.

    A setting's score is its objective averaged over the starts (+inf if any start
    diverges). The optimizer's defaults are scored too, for comparison. ``unit``
    "evaluations" reads ``steps`` as a budget of function evaluations, the same for all: an
    optimizer whose step costs more evaluations takes fewer steps (``budget_steps``).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    starts = np.asarray(starts, dtype=float).reshape(-1, 2)
    key = ("tune", tuple(names), surface, starts.tobytes(), steps, budget, objective, method, seed, lr_only, unit)

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

            n_steps = budget_steps(name, steps, unit)
            cut = unit == "evaluations" and name == "lbfgs"
            sw = run_chunked(name, surface, all_starts, n_steps, sub, paths=objective == "auc" or cut or (
                unit == "evaluations" and objective == "steps_to_tol"), chunk=2048, **runs)  # fmt: skip
            if cut:
                sw = cut_at_budget(sw, surface, steps)
            obj = objective_values(surface, sw, objective, steps, unit).reshape(b + 1, s_n).mean(axis=1)
            div = sw.diverged.reshape(b + 1, s_n).any(axis=1)
            i = int(np.argmin(obj[:b]))
            out.append(Tuned(
                name, {h: float(v[i]) for h, v in cand.items()}, float(obj[i]), float(obj[b]),
                float(div[:b].mean()), cand, obj[:b],
            ))  # fmt: skip
        return out

    return _cached(cache, key, compute)


def _setting_text(best: dict[str, float]) -> str:
    """Settings as the legends write them (the article's symbols: γ, α, β₁ …)."""
    return ", ".join(f"{SYMBOL.get(k, k)} = {fmt_number(v)}" for k, v in best.items())


def tune_columns(objective: str) -> dict[str, str]:
    """The fair-comparison table's headers for ``objective`` (its name is in the score columns)."""
    what = OBJECTIVES[objective]
    return {
        "best": f"Best score: {what} (lower is better)",
        "default": f"With torch's defaults: {what}",
        "diverged": "Settings that diverged (% of those tried)",
    }


def tune_table(results: list[Tuned], objective: str, labels: list[str] | None = None) -> pd.DataFrame:
    """The tuned settings and scores, one row per optimizer, best first (a score is the objective
    averaged over the starts; a setting with any diverged start scores +inf, shown "diverged")."""
    c = tune_columns(objective)
    rows = []
    for k, t in enumerate(results):
        rows.append({
            "Optimizer": labels[k] if labels else optimizers.spec(t.optimizer).label,
            "Best setting found": _setting_text(t.best) if math.isfinite(t.score) else "none (all diverged)",
            c["best"]: t.score,
            c["default"]: t.default_score,
            c["diverged"]: 100 * t.diverged_share,
        })  # fmt: skip
    kinds = {"Optimizer": "text", "Best setting found": "text", c["best"]: "score", c["default"]: "score",
             c["diverged"]: "percent"}  # fmt: skip
    df = _table(rows, kinds, list(kinds))
    if rows:
        df = df.sort_values(c["best"], kind="stable").reset_index(drop=True)
        df.attrs["kinds"] = kinds
    return df


def tune_sentence(results: list[Tuned], objective: str) -> str:
    """Who scores best once tuned (and who next), and who with torch's defaults, with the scores
    as the table shows them (ties by the shown value share the place)."""
    if not results:
        return ""
    what = OBJECTIVES[objective]
    names = [optimizers.spec(t.optimizer).label for t in results]

    def places(scores: list[float]) -> list[tuple[list[str], str]]:
        shown = sorted({fmt_number_key(v) for v in scores if math.isfinite(v)})
        return [([n for n, v in zip(names, scores, strict=True) if math.isfinite(v) and fmt_number_key(v) == key],
                 fmt_number(key)) for key in shown]  # fmt: skip

    tuned = places([t.score for t in results])
    default = places([t.default_score for t in results])
    if not tuned:
        return "Every setting of every optimizer diverged from at least one start."
    verb = "scores" if len(tuned[0][0]) == 1 else "score"
    text = f"Tuned, {_and(tuned[0][0])} {verb} best ({what} = {tuned[0][1]})"
    if len(tuned) > 1:
        text += f", then {_and(tuned[1][0])} ({tuned[1][1]})"
    if len(results) > 1:
        if not default:
            text += "; with torch's defaults every optimizer diverged"
        else:
            verb = "scores" if len(default[0][0]) == 1 else "score"
            text += f"; with torch's defaults, {_and(default[0][0])} {verb} best ({default[0][1]})"
    return text + "."


def fmt_number_key(v: float) -> float:
    """A score as the table shows it (4 significant digits), for comparing what people see."""
    return float(f"{v:.4g}")


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

    def summary(self, label: str | None = None) -> dict[str, Any]:
        """One row of the page's table (see ``ENSEMBLE_COLUMNS``): runs, median final loss of
        the runs that did not diverge, and percent of runs by where they end."""
        finite = self.losses[:, -1][np.isfinite(self.losses[:, -1])]
        near = self.nearest_minimum()
        n_global = self.surface.n_global
        c = ENSEMBLE_COLUMNS
        return {
            "Optimizer": label or optimizers.spec(self.optimizer).label,
            c["runs"]: int(self.paths.shape[0]),
            c["median"]: float(np.median(finite)) if finite.size else math.nan,
            c["nearest"]: 100 * float(np.mean((near >= 0) & (near < n_global))),
            c["within"]: 100 * float(np.mean((self.basin >= 0) & (self.basin < n_global))),
            c["diverged"]: 100 * float(self.diverged.mean()),
        }


ENSEMBLE_COLUMNS = {
    "runs": "Runs",
    "median": "Median final loss (runs that did not diverge)",
    "nearest": "End nearest a global minimum (% of runs)",
    "within": "End within 0.05 of it (% of runs)",
    "diverged": "Diverged (% of runs)",
}


def ensemble_table(ensembles: list[Ensemble], labels: list[str] | None = None) -> pd.DataFrame:
    """One row per optimizer: ``Ensemble.summary``, with display kinds for ``format_table``."""
    rows = [e.summary(labels[k] if labels else None) for k, e in enumerate(ensembles)]
    c = ENSEMBLE_COLUMNS
    kinds = {"Optimizer": "text", c["runs"]: "integer", c["median"]: "number", c["nearest"]: "percent",
             c["within"]: "percent", c["diverged"]: "percent"}  # fmt: skip
    return _table(rows, kinds, list(kinds))


def ensemble_sentence(ensembles: list[Ensemble], noise: float) -> str:
    """Which optimizer's noisy runs end nearest a global minimum most often (and least), by how much."""
    if not ensembles:
        return ""
    shares = [(optimizers.spec(e.optimizer).label, e.summary()[ENSEMBLE_COLUMNS["nearest"]]) for e in ensembles]
    n = ensembles[0].paths.shape[0]
    head = f"With σ = {noise:g}"
    if len(shares) == 1:
        return f"{head}, {fmt_percent(shares[0][1])} of {shares[0][0]}'s {n:,} runs end nearest a global minimum."
    rk = rank_shares(shares)
    if not rk.runner_up:
        return f"{head}, every optimizer's runs end nearest a global minimum equally often ({rk.top_value})."

    def whose(names: list[str]) -> str:
        return _and([f"{name}'s" for name in names])

    text = (
        f"{head}, {whose(rk.top)} runs end nearest a global minimum most often ({rk.top_value} of {n:,}), "
        f"{rk.gap:.1f} percentage points more than {whose(rk.runner_up)} ({rk.runner_up_value})"
    )
    if rk.bottom:
        text += f"; {whose(rk.bottom)} least often ({rk.bottom_value})"
    return text + "."


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


# --- the 1D gradient response ------------------------------------------------------------


def response_table(signal: np.ndarray, updates: np.ndarray, values, param: str) -> pd.DataFrame:
    """What each curve of the gradient-response chart does, read off its numbers: the largest
    update (and its step), the last update and the total distance moved, with the gradient
    itself as the first row for scale."""
    rows = []
    for name, u in [("gradient itself", np.asarray(signal, dtype=float))] + [
        (f"{param} = {v:g}", np.asarray(u, dtype=float)) for v, u in zip(np.atleast_1d(values), updates, strict=True)
    ]:
        finite = np.where(np.isfinite(u), np.abs(u), -np.inf)
        k = int(np.argmax(finite))
        rows.append({
            "Curve": name,
            "Largest size |value|": float(abs(u[k])) if math.isfinite(finite[k]) else math.nan,
            "At step": k,
            "Value at the last step": float(u[-1]),
            "Sum over all steps": float(np.sum(u)),
        })  # fmt: skip
    kinds = {"Curve": "text", "Largest size |value|": "number", "At step": "integer",
             "Value at the last step": "number", "Sum over all steps": "number"}  # fmt: skip
    return _table(rows, kinds, list(kinds))
