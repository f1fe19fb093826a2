"""PyTorch-faithful optimizers on 2-D surfaces: single trajectories and batched sweeps.

>>> import landscapes, optimizers
>>> s = landscapes.get("hills_and_canyon")
>>> tr = optimizers.trajectory("adam", s, s.start, 125, lr=0.25)
>>> tr.path.shape, tr.diverged_step
((126, 2), None)
>>> sw = optimizers.sweep("momentum", s, [s.start] * 3, 500, lr=[0.01, 0.02, 0.04])

Hyperparameters keep ``torch.optim``'s names and defaults (betas as ``beta1``/``beta2``).
Options every optimizer takes: ``schedule`` (constant, step, exponential, cosine,
cosine_restarts) with ``step_size``, ``gamma``, ``T_max``, ``eta_min``, ``T_0``, ``T_mult``;
``warmup_steps``/``warmup_start`` (linear warm-up, multiplied in); ``noise`` (σ of Gaussian
gradient noise) with ``seed``; ``clip_norm``; ``effective_lr`` (lr/‖θ‖).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, NamedTuple

import numba
import numpy as np

import landscapes
from landscapes.critical import eigenvalues_2x2
from optimizers import kernels as _k
from optimizers.curvature import Sharpness, sharpness, stability_limit
from optimizers.registry import COMMON, N_COMMON, N_SLOTS, N_STATE, OPTIMIZERS, SCHEDULES, Hyper, OptimizerSpec

__all__ = [
    "COMMON_OPTIONS", "Handoff", "Sharpness", "Sweep", "Trajectory", "can_carry", "defaults", "names", "sharpness",
    "spec", "stability_limit", "sweep", "trajectory",
]  # fmt: skip

_SPECS = {s.name: s for s in OPTIMIZERS}
_COMMON = {h.name: h for h in COMMON if h.name != "schedule_code"}
COMMON_OPTIONS: dict[str, Hyper] = dict(_COMMON)
MAX_STEPS = 1_000_000


def names() -> list[str]:
    """Names of all optimizers, in menu order."""
    return list(_SPECS)


def spec(name: str) -> OptimizerSpec:
    """The registry entry of ``name``; ``KeyError`` listing the valid names otherwise."""
    try:
        return _SPECS[name]
    except KeyError:
        raise KeyError(f"unknown optimizer {name!r}; valid names: {', '.join(_SPECS)}") from None


def defaults(name: str) -> dict[str, float | bool]:
    """The optimizer's own hyperparameters and their defaults (torch's where torch has it)."""
    return spec(name).defaults()


@dataclass
class Trajectory:
    """One run, one row per point: row k is the k-th iterate (row 0 the start).

    ``grad[k]`` is the gradient the optimizer saw at ``path[k]`` (noise and clipping
    included), ``update[k] = path[k+1] - path[k]`` (NaN on the last row), ``lr[k]`` the
    learning rate of that step and ``state[name][k]`` the optimizer's state after k steps.
    ``evals[k]`` counts the function evaluations (f with its gradient) spent by the first k
    steps, so runs of different methods can be compared at one budget; ``population[k]``
    holds the points a gradient-free method tried in step k (row 0 empty; ``None`` for the
    gradient methods). ``phases`` lists what ran from which step (one entry, or one per
    hand-off). After a divergence at ``diverged_step`` every later row is NaN.
    """

    optimizer: str
    surface: str
    hyperparameters: dict[str, Any]
    path: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    update: np.ndarray
    lr: np.ndarray
    state: dict[str, np.ndarray]
    diverged_step: int | None
    steps_to_tol: int
    basin: int
    evals: np.ndarray | None = None
    population: np.ndarray | None = None
    phases: tuple[dict[str, Any], ...] = ()
    _surface: Any = field(default=None, repr=False, compare=False)
    _hess_eig: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def steps(self) -> int:
        return self.path.shape[0] - 1

    @property
    def final(self) -> np.ndarray:
        """The last finite point (the divergence point's predecessor for a diverged run)."""
        k = self.steps if self.diverged_step is None else max(self.diverged_step - 1, 0)
        return self.path[k]

    def hessian(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The exact Hessian (hxx, hxy, hyy) of the surface at every iterate (NaN where there is
        no point)."""
        surf = self._surface if self._surface is not None else landscapes.get(self.surface)
        with np.errstate(all="ignore"):
            return surf.hessian(self.path[:, 0], self.path[:, 1])

    @property
    def hessian_eigenvalues(self) -> np.ndarray:
        """The exact Hessian's eigenvalues at every iterate, shape (steps + 1, 2), ascending
        (NaN after a divergence): the sharpness λmax(H(θₖ)) is column 1."""
        if self._hess_eig is None:
            ev = np.stack(eigenvalues_2x2(*self.hessian()), axis=1)
            ev[~np.isfinite(self.path).all(axis=1)] = np.nan  # no Hessian where there is no point
            self._hess_eig = ev
        return self._hess_eig


@dataclass
class Sweep:
    """Summaries of N runs (and their full paths when asked for)."""

    final: np.ndarray
    loss: np.ndarray
    diverged: np.ndarray
    diverged_step: np.ndarray
    steps_to_tol: np.ndarray
    basin: np.ndarray
    paths: np.ndarray | None = None
    losses: np.ndarray | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    evals: np.ndarray | None = None
    """Function evaluations each run spent (up to its divergence)."""
    eval_counts: np.ndarray | None = None
    """With ``paths=True``: the evaluations spent after each step, (N, steps + 1)."""


def _resolve_surface(surface: landscapes.Surface | str) -> landscapes.Surface:
    return landscapes.get(surface) if isinstance(surface, str) else surface


def _check_values(h: Hyper, values: np.ndarray) -> None:
    if values.size == 1:
        h.check(values.reshape(-1)[0])
        return
    lo = values > h.low if h.low_open else values >= h.low
    hi = values < h.high if h.high_open else values <= h.high
    ok = lo & hi & ~np.isnan(values)
    if h.kind == "int":
        ok &= np.where(np.isfinite(values), values == np.round(values), False)
    if h.kind == "bool":
        ok = (values == 0.0) | (values == 1.0)
    if not ok.all():
        h.check(values[~ok][0])  # raises with the range


_LAYOUTS: dict[str, tuple[dict, dict, np.ndarray, dict]] = {}


def _layout(s: OptimizerSpec) -> tuple[dict, dict, np.ndarray, dict]:
    """The optimizer's own slots, all named slots, the row of defaults and the defaults by
    name (built once)."""
    if s.name not in _LAYOUTS:
        own = {h.name: (N_COMMON + i, h) for i, h in enumerate(s.hypers)}
        slots = {h.name: (i, h) for i, h in enumerate(COMMON) if h.name != "schedule_code"}
        slots.update(own)
        row = np.zeros(N_SLOTS)
        for i, h in enumerate(COMMON):
            row[i] = h.default
        for i, h in own.values():
            row[i] = h.default
        _LAYOUTS[s.name] = (own, slots, row, s.defaults())
    return _LAYOUTS[s.name]


def _pack(s: OptimizerSpec, n: int, steps: int, given: dict[str, Any]) -> tuple[np.ndarray, dict]:
    """Validate hyperparameters and lay them out as an (n, N_SLOTS) float matrix."""
    own, slots, row, _ = _layout(s)
    hp = row.reshape(1, -1).copy() if n == 1 else np.tile(row, (n, 1))
    used: dict[str, Any] = {}
    for name, raw in given.items():
        if name == "schedule":
            if raw not in SCHEDULES:
                raise ValueError(f"schedule={raw!r} is not one of {', '.join(SCHEDULES)}")
            hp[:, 0] = SCHEDULES.index(raw)
            used[name] = raw
            continue
        if name not in slots:
            valid = ", ".join([*own, "schedule", *_COMMON])
            raise TypeError(f"{s.name} got an unexpected hyperparameter {name!r}; valid: {valid}")
        i, h = slots[name]
        if type(raw) is float or type(raw) is int:  # the common case, without arrays
            h.check(raw)
            hp[:, i] = raw
            used[name] = raw
            continue
        try:
            values = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name}={raw!r} is not a number") from None
        if values.ndim > 1 or (values.ndim == 1 and values.size not in (1, n)):
            raise ValueError(f"{name} must be a scalar or have one value per run ({n}); got shape {values.shape}")
        _check_values(h, values)
        hp[:, i] = values.reshape(-1) if values.ndim == 1 else values
        used[name] = raw
    if s.name == "nesterov" and np.any(hp[:, N_COMMON + 1] <= 0):
        raise ValueError("nesterov needs momentum > 0")
    if n == 1:
        hp[0, 3] = hp[0, 3] or max(steps, 1)
    else:
        t_max = hp[:, 3]
        hp[:, 3] = np.where(t_max == 0, max(steps, 1), t_max)
    return hp, used


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not float(steps).is_integer() or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps={steps!r} must be an integer in [0, {MAX_STEPS}]")
    return int(steps)


def _check_starts(starts: Any) -> np.ndarray:
    a = np.array(starts, dtype=np.float64, order="C")
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"start points must be (x, y) pairs; got shape {np.shape(starts)}")
    finite = all(map(math.isfinite, a.ravel().tolist())) if a.size <= 8 else np.isfinite(a).all()
    if not finite:
        raise ValueError("start points must be finite")
    return a


@lru_cache(maxsize=256)
def _minima_arrays(minima: tuple, values: tuple) -> tuple[np.ndarray, np.ndarray]:
    return np.array(minima, dtype=np.float64).reshape(-1, 2), np.array(values, dtype=np.float64)


def _minima(surface: landscapes.Surface) -> tuple[np.ndarray, np.ndarray]:
    """The surface's known minima and their values as arrays (built once per surface; the
    kernels only read them)."""
    return _minima_arrays(tuple(map(tuple, surface.minima)), tuple(surface.minima_values))


class _Out(NamedTuple):
    spec: OptimizerSpec
    surface: landscapes.Surface
    used: dict
    final: np.ndarray
    loss: np.ndarray
    div: np.ndarray
    stt: np.ndarray
    basin: np.ndarray
    path: np.ndarray
    losses: np.ndarray
    grad: np.ndarray
    update: np.ndarray
    state: np.ndarray
    lr: np.ndarray
    evals: np.ndarray
    population: np.ndarray | None
    st_out: np.ndarray
    sc_out: np.ndarray


_NO_STATE = np.zeros((0, N_STATE, 2))
_NO_SCALARS = np.zeros((0, _k.N_SCALARS))


def _execute(name, surface, starts, steps, level, tol, radius, hyper, phase=(0, 0, 0), st0=None, sc0=None) -> _Out:
    s = spec(name)
    surf = _resolve_surface(surface)
    steps = _check_steps(steps)
    starts = _check_starts(starts)
    n = starts.shape[0]
    hp, used = _pack(s, n, steps, hyper)
    mins, mins_f = _minima(surf)
    final = np.empty((n, 2))
    loss = np.empty(n)
    div = np.empty(n, dtype=np.int64)
    stt = np.empty(n, dtype=np.int64)
    basin = np.empty(n, dtype=np.int64)
    rows = steps + 1
    # run_one fills the rows a run does not reach itself; run and the runners need NaN rows
    new = np.empty if n == 1 and not s.runner else partial(np.full, fill_value=np.nan)
    full = (n, rows) if level >= 1 else (0, 1)
    rec_path = new((*full, 2))
    rec_loss = new(full)
    full2 = (n, rows) if level >= 2 else (0, 1)
    rec_grad = new((*full2, 2))
    rec_update = new((*full2, 2))
    rec_state = new((*full2, N_STATE, 2))
    rec_lr = new(full2)
    rec_evals = np.zeros((n, rows), dtype=np.int64) if s.runner else np.empty((n, rows), dtype=np.int64)
    st_out = np.zeros((n, N_STATE, 2))
    sc_out = np.zeros((n, _k.N_SCALARS))
    population = None
    if s.runner:  # L-BFGS and the gradient-free methods: their own loops, the same outputs
        if phase[0]:
            raise ValueError(f"{s.label} cannot carry state across a hand-off")
        population = importlib.import_module(s.runner).run(
            s, surf, hp, starts, steps, mins, mins_f, float(tol), float(radius), level,
            final, loss, div, stt, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, rec_evals,
        )  # fmt: skip
    else:
        args = (
            hp, starts, steps, mins, mins_f, float(tol), float(radius), level, np.array(phase, dtype=np.int64),
            _NO_STATE if st0 is None else st0, _NO_SCALARS if sc0 is None else sc0, final, loss, div, stt, basin,
            rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr, st_out, sc_out,
        )  # fmt: skip
        if n == 1:  # a trajectory: the scalar path, on this thread (same bits as in a sweep)
            _k.run_one(s.code, surf.kernel_arg, *args)
        else:
            lanes = _k.lanes_for(n)
            # One chunk (a few runs) runs on this thread alone: waking the pool for it cost
            # 5-8× the steps whenever the other core was busy (a class on one server).
            threads = numba.get_num_threads()
            if n <= lanes:
                numba.set_num_threads(1)  # per calling thread: other sessions' sweeps keep theirs
            try:
                _k.run(s.code, surf.kernel_arg, *args[:8], lanes, *args[8:])
            finally:
                numba.set_num_threads(threads)
        e = s.evals_per_step
        if n == 1:  # a trajectory: the count up to the step it diverged at, then flat
            rec_evals[0] = np.arange(0, rows * e, e) if e else 0
            if div[0] >= 0:
                rec_evals[0, div[0] + 1 :] = rec_evals[0, div[0]]
        else:
            done = np.where(div < 0, steps, div)  # steps taken before a divergence
            np.multiply(np.minimum(np.arange(rows)[None, :], done[:, None]), e, out=rec_evals)
    return _Out(
        s, surf, used, final, loss, div, stt, basin, rec_path, rec_loss, rec_grad, rec_update, rec_state, rec_lr,
        rec_evals, population, st_out, sc_out,
    )  # fmt: skip


@dataclass(frozen=True)
class Handoff:
    """At step ``at`` of a run, switch to ``optimizer`` with ``hyperparameters``.

    ``state``: ``"carry"`` keeps the optimizer's state and step count, as changing a torch
    param group's settings does (same optimizer, or Adam ↔ AdamW and momentum ↔ Nesterov,
    whose states are the same tensors); ``"reset"`` starts the new optimizer fresh, as a new
    torch optimizer does; ``"auto"`` carries when it can. For the same optimizer the
    hyperparameters not given are kept; for another they start at its defaults, while the
    run's options (schedule, noise, seed, clipping) go on.
    """

    at: int
    optimizer: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    state: str = "auto"


_RUN_OPTIONS = {"schedule", *_COMMON}
_CARRY_GROUPS = ({"adam", "adamw"}, {"momentum", "nesterov"})


def can_carry(a: str, b: str) -> bool:
    """Whether optimizer ``b`` can take over ``a``'s state (same tensors, same meaning)."""
    return (a == b and not spec(a).runner) or any(a in g and b in g for g in _CARRY_GROUPS)


def _settle_step(path: np.ndarray, loss: np.ndarray, mins: np.ndarray, mins_f: np.ndarray, tol: float) -> int:
    """The kernel's steps_to_tol on a whole record: the first row after which f stays within
    tol of the value of the known minimum nearest the point (-1 if the last row is not)."""
    ok = np.isfinite(loss)
    if not mins.size or not ok.any():
        return -1
    d = ((path[:, None, :] - mins[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argmin(np.where(np.isfinite(d), d, np.inf), axis=1)
    m = mins_f[nearest]
    inside = ok & (m - tol <= loss) & (loss <= m + tol)  # kernels.within's band
    last = int(np.nonzero(ok)[0][-1])
    if not inside[last]:
        return -1
    out = np.nonzero(~inside[: last + 1])[0]
    return 0 if out.size == 0 else int(out[-1]) + 1


def trajectory(
    name: str,
    surface: landscapes.Surface | str,
    start: Any = None,
    steps: int = 125,
    *,
    tol: float = 1e-3,
    radius: float = 0.05,
    handoffs: Any = (),
    **hyperparameters: Any,
) -> Trajectory:
    """Run one optimizer from ``start`` (default: the surface's) for ``steps`` steps.

    ``handoffs`` (``Handoff`` objects or dicts with the same fields) switch optimizer or
    hyperparameters at given steps; ``Trajectory.phases`` then says what ran when and whether
    the state was carried. Never raises for a run that diverges: it is marked with
    ``diverged_step``. Raises ``TypeError`` for an unknown hyperparameter and ``ValueError``
    for an invalid value or hand-off.
    """
    surf = _resolve_surface(surface)
    start = surf.start if start is None else start
    steps = _check_steps(steps)
    plan = _plan(name, hyperparameters, handoffs, steps)
    if len(plan) == 1:
        o = _execute(name, surf, [start], steps, 2, tol, radius, hyperparameters)
        return _single(name, surf, o, (_phase_row(plan[0], o),))
    return _chain(surf, start, steps, tol, radius, plan)


def _plan(name: str, hyper: dict, handoffs: Any, steps: int) -> list[tuple[int, str, dict, str]]:
    """Validated phases: (first step, optimizer, hyperparameters given, state rule)."""
    spec(name)
    plan = [(0, name, dict(hyper), "fresh")]
    for h in handoffs:
        h = Handoff(**h) if isinstance(h, dict) else h
        prev_at, prev_name, prev_hyper, _ = plan[-1]
        if not (isinstance(h.at, (int, np.integer)) and prev_at < h.at < max(steps, 1)):
            raise ValueError(f"hand-off at step {h.at!r} must be an integer after step {prev_at} and before {steps}")
        spec(h.optimizer)
        if h.state not in ("carry", "reset", "auto"):
            raise ValueError(f"hand-off state={h.state!r} must be 'carry', 'reset' or 'auto'")
        carry = can_carry(prev_name, h.optimizer)
        if h.state == "carry" and not carry:
            raise ValueError(
                f"{spec(prev_name).label}'s state cannot be carried into {spec(h.optimizer).label}: "
                "they keep different state; use state='reset'"
            )
        rule = "carry" if carry and h.state != "reset" else "reset"
        # the same optimizer keeps its settings; another starts at its defaults, but the run's
        # options (schedule, noise and seed, clipping) go on
        keep = prev_hyper if h.optimizer == prev_name else {k: v for k, v in prev_hyper.items() if k in _RUN_OPTIONS}
        if spec(h.optimizer).gradient_free:  # no gradient: noise, clipping and lr schedules do not apply
            keep = {k: v for k, v in keep.items() if k == "seed"}
        given = {**keep, **h.hyperparameters}
        plan.append((int(h.at), h.optimizer, given, rule))
    return plan


def _phase_row(p: tuple, o: _Out) -> dict[str, Any]:
    return {"at": p[0], "optimizer": p[1], "hyperparameters": {**_layout(o.spec)[3], **o.used}, "state": p[3]}


def _single(name: str, surf: landscapes.Surface, o: _Out, phases: tuple) -> Trajectory:
    s = o.spec
    return Trajectory(
        optimizer=name,
        surface=surf.name,
        hyperparameters={**_layout(s)[3], **o.used},
        path=o.path[0],
        loss=o.losses[0],
        grad=o.grad[0],
        update=o.update[0],
        lr=o.lr[0],
        state={k: o.state[0, :, i, :] for i, k in enumerate(s.state)},
        diverged_step=None if o.div[0] < 0 else int(o.div[0]),
        steps_to_tol=int(o.stt[0]),
        basin=int(o.basin[0]),
        evals=o.evals[0],
        population=None if o.population is None else o.population[0],
        phases=phases,
        _surface=surf,
    )


def _chain(surf: landscapes.Surface, start: Any, steps: int, tol: float, radius: float, plan: list) -> Trajectory:
    """Run the phases one after another from where the last one stopped and join the records:
    a hand-off that carries the state continues the step count and equals the uninterrupted run."""
    rows = steps + 1
    path = np.full((rows, 2), np.nan)
    loss = np.full(rows, np.nan)
    grad = np.full((rows, 2), np.nan)
    update = np.full((rows, 2), np.nan)
    lr = np.full(rows, np.nan)
    evals = np.zeros(rows, dtype=np.int64)
    names = [k for p in plan for k in spec(p[1]).state]
    state = {k: np.full((rows, 2), np.nan) for k in dict.fromkeys(names)}
    point = np.asarray(start, dtype=np.float64)
    t_opt, st0, sc0, diverged, basin, phases = 0, None, None, None, -1, []
    for i, p in enumerate(plan):
        at, name, given, rule = p
        n = (plan[i + 1][0] if i + 1 < len(plan) else steps) - at
        carry = rule == "carry"
        t0 = t_opt if carry else 0
        o = _execute(name, surf, [point], n, 2, tol, radius, given, (int(carry), t0, at - t0), st0, sc0)
        phases.append(_phase_row(p, o))
        s = o.spec
        # per point (rows at..at+n): path, loss, state; per step (rows at..at+n-1): grad, update, lr
        path[at : at + n + 1] = o.path[0]
        loss[at : at + n + 1] = o.losses[0]
        for k, key in enumerate(s.state):
            state[key][at + (i > 0) : at + n + 1] = o.state[0, int(i > 0) :, k, :]
        grad[at : at + n + 1] = o.grad[0]
        update[at : at + n + 1] = o.update[0]
        lr[at : at + n + 1] = o.lr[0]
        evals[at : at + n + 1] = evals[at] + o.evals[0]
        if o.div[0] >= 0:
            diverged = at + int(o.div[0])
            evals[diverged + 1 :] = evals[diverged]
            break
        point, st0, sc0, t_opt, basin = o.path[0, -1], o.st_out, o.sc_out, t0 + n, int(o.basin[0])
    mins, mins_f = _minima(surf)
    first = spec(plan[0][1])
    return Trajectory(
        optimizer=plan[0][1],
        surface=surf.name,
        hyperparameters=phases[0]["hyperparameters"],
        path=path,
        loss=loss,
        grad=grad,
        update=update,
        lr=lr,
        state=state if len(plan) > 1 else {k: state[k] for k in first.state},
        diverged_step=diverged,
        steps_to_tol=-1 if diverged is not None else _settle_step(path, loss, mins, mins_f, tol),
        basin=basin if diverged is None else -1,
        evals=evals,
        phases=tuple(phases),
        _surface=surf,
    )


def sweep(
    name: str,
    surface: landscapes.Surface | str,
    starts: Any,
    steps: int = 125,
    *,
    paths: bool = False,
    tol: float = 1e-3,
    radius: float = 0.05,
    **hyperparameters: Any,
) -> Sweep:
    """Run N independent copies of one optimizer, in parallel.

    ``starts`` is (N, 2), or one (x, y) pair shared by all runs when a hyperparameter is
    an array. Each hyperparameter is a scalar or has N values, so one call sweeps
    lr × momentum or a grid of starts; ``seed`` per run gives noise ensembles. With
    ``paths=True`` the result also holds every run's path (N, steps+1, 2) and losses.

    ``steps_to_tol`` is the first step after which the loss stays within ``tol`` of the
    value of the known minimum nearest to the point (-1 if it never settles so);
    ``basin`` the index in
    ``surface.minima`` of the minimum the run ends within ``radius`` of (-1 if none).
    """
    starts_a = np.array(starts, dtype=np.float64)
    if starts_a.ndim == 1:
        lengths = [np.size(v) for v in hyperparameters.values() if np.ndim(v) == 1]
        starts_a = np.tile(starts_a.reshape(1, -1), (max(lengths, default=1), 1))
    level = 1 if paths else 0
    out = _execute(name, surface, starts_a, steps, level, tol, radius, hyperparameters)
    s, _, used, final, loss, div, stt, basin, path, losses = out[:10]
    evals = out.evals
    return Sweep(
        final=final,
        loss=loss,
        diverged=div >= 0,
        diverged_step=div,
        steps_to_tol=stt,
        basin=basin,
        paths=path if paths else None,
        losses=losses if paths else None,
        hyperparameters={**s.defaults(), **used},
        evals=evals[:, -1].copy(),
        eval_counts=evals if paths else None,
    )
