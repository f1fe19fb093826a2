"""The playground's computation: a View in, trajectories and a summary table out.

Pure (no Streamlit): the page calls ``compute`` and renders what comes back, and the
tests call it directly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

import landscapes
import optimizers
from landscapes.minima import Minima, find_minima
from viz.figures import MAX_FRAMES, Line, classify_point, run_styles
from viz.state import View, run_labels

MAP_FRAMES = MAX_FRAMES  # the page's map animates every step up to this many frames


TOL = 1e-3  # "settled": f within this of the nearest minimum's value from then on
STEP_CONVENTION = "Step k shows θₖ, the point after k updates (θ₀ is the start)."
COLUMN_HELP = {
    "run": "The optimizer and its key settings (its colour, dash and marker on every chart).",
    "final loss": "f(θ_N) at the last step N.",
    "evaluations": "Function evaluations (f with its gradient) the run spent: one per step for most optimizers; "
    "L-BFGS's line search, the gradient-free methods' tries and smoothed Nesterov's look-aheads spend more. "
    "Shown when the view compares one of those: compare runs at equal evaluations, not steps.",
    "best loss (step)": "The lowest f the run reached, and the step where it first did.",
    "end point": "θ_N, where the run stands after its last update.",
    "nearest minimum": "Distance from θ_N to the nearest minimum found in and around the view "
    "(global = the lowest of them; a line of minima counts as one).",
    "settled at step": f"The first step k after which f stays within {TOL:g} of the value of the minimum "
    "nearest to the end point; — if the run never settles so.",
    "end point is": "θ_N judged by its gradient g and Hessian: a minimum (|g| ≤ 10⁻³, curving up), a saddle "
    "(a trap where the gradient vanishes), flat, near a minimum (settled in its value, |g| still above 10⁻³), "
    "or not stationary (the run had not arrived).",
    "stopped": "Why a run stopped early: diverged (|θ| ≥ 10⁶) or left the domain of f (f not finite), "
    "at the step where it happened; or CMA-ES converged by its own stopping rule.",
}


@dataclass
class Result:
    """Trajectories of a view: ``surface`` carries the view window and every minimum found in
    and around it; ``minima`` adds the minima the runs' end points lead to."""

    surface: landscapes.Surface
    lines: list[Line]
    errors: list[str] = field(default_factory=list)
    minima: Minima | None = None


def start_problem(s: landscapes.Surface, start: tuple[float, float]) -> str | None:
    """Why no run can start at ``start`` (f or its gradient not finite there), or None."""
    f = s.value(*start)
    g = s.gradient(*start)
    if math.isfinite(f) and all(math.isfinite(v) for v in g):
        return None
    what = "f" if not math.isfinite(f) else "the gradient of f"
    return (
        f"{what} is not defined at the start ({start[0]:g}, {start[1]:g}) (f = {f:g}): "
        "pick a start inside the domain of f, for example by clicking the map where it is coloured."
    )


def compute(view: View) -> Result:
    """Run every optimizer of the view; a run with invalid settings becomes an error message."""
    s = view.resolve_surface()
    problem = start_problem(s, view.start)
    if problem:
        return Result(s, [], [problem], find_minima(s, s.bounds))
    lines, errors = [], []
    styles = run_styles([run.optimizer for run in view.runs])
    for i, (run, (label, legend)) in enumerate(zip(view.runs, run_labels(view.runs), strict=True)):
        try:
            tr = optimizers.trajectory(run.optimizer, s, view.start, view.steps, **view.run_kwargs(run))
        except (TypeError, ValueError) as e:
            errors.append(f"{label}: {e}")
            continue
        st = styles[i]
        lines.append(Line(run.key, label, st.color, tr, dash=st.dash, symbol=st.symbol, legend=legend))
    ends = [tuple(ln.traj.final) for ln in lines]
    return Result(s, lines, errors, find_minima(s, s.bounds, seeds=ends))


def converged_early(traj: optimizers.Trajectory) -> str | None:
    """CMA-ES's "converged at step k": its own stopping rule ended the search (it tries no more
    points and stays at its mean), or None."""
    if traj.optimizer != "cmaes" or traj.evals is None or traj.steps == 0 or traj.diverged_step is not None:
        return None
    done = int(np.argmax(traj.evals == traj.evals[-1]))
    return f"converged at step {done} (cma's stopping rule: it stays there)" if done < traj.steps else None


def stop_reason(traj: optimizers.Trajectory) -> str | None:
    """ "diverged at step k" or "left the domain of f at step k" (f not finite at a finite θ), or None."""
    k = traj.diverged_step
    if k is None:
        return None
    p = traj.path[k] if k <= traj.steps else np.array([np.nan, np.nan])
    if np.all(np.isfinite(p)) and float(np.hypot(*p)) < 1e6:
        return f"left the domain of f at step {k}"
    return f"diverged at step {k}"


def stopped_note(result: Result) -> str | None:
    """The page's sentence on the runs that stopped early (diverged, or f not finite): which, and
    where the map shows it (the burst at the last finite point; a run that flew out of the view
    first has its last finite point off the map). None when every run ran to the end."""
    (x0, x1), (y0, y1) = result.surface.bounds
    shown, off = [], []
    for ln in result.lines:
        k = ln.traj.diverged_step
        if k is None:
            continue
        x, y = ln.traj.path[max(k - 1, 0)]
        (shown if x0 <= x <= x1 and y0 <= y <= y1 else off).append(ln.label)
    if not shown and not off:
        return None

    def point(n: int) -> str:
        return "its last finite point" if n == 1 else "their last finite points"

    parts = [f"{', '.join(shown)}: marked ✳ on the map at {point(len(shown))}"] if shown else []
    if off:
        parts.append(f"{', '.join(off)}: {point(len(off))} {'is' if len(off) == 1 else 'are'} off the map")
    return "Stopped early (diverged, or f not finite). " + "; ".join(parts) + ". The Results tab says why."


def settled_step(loss: np.ndarray, value: float, tol: float = TOL) -> int | None:
    """The first step after which ``loss`` stays within ``tol`` of ``value`` (None if it ends outside)."""
    inside = np.abs(loss - value) <= tol
    if not inside.size or not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return int(outside[-1] + 1) if outside.size else 0


def best_point(traj: optimizers.Trajectory) -> tuple[int, float] | None:
    """The step where the run first reached its lowest finite loss, and that loss."""
    finite = np.where(np.isfinite(traj.loss), traj.loss, np.inf)
    k = int(np.argmin(finite))
    return None if not math.isfinite(finite[k]) else (k, float(finite[k]))


def summary_table(result: Result) -> pd.DataFrame:
    """One row per run, for people: see ``COLUMN_HELP`` for what each column means."""
    s = result.surface
    mins = result.minima or find_minima(s, s.bounds)
    rows = []
    for line in result.lines:
        tr = line.traj
        x, y = (float(v) for v in tr.final)
        stopped = stop_reason(tr)
        near = mins.nearest(x, y) if math.isfinite(x) and stopped is None else None
        if stopped is not None:  # a diverged run has no end point to measure from
            near_txt, settled = "—", None
        elif near is None:
            near_txt, settled = "none found near the view", None
        else:
            d, v, kind = near
            tag = "line of minima" if kind == "curve" else ("global" if mins.is_global(v) else "local")
            near_txt = f"{d:.3g} ({tag})"
            settled = settled_step(tr.loss[: tr.steps + 1], v) if stopped is None else None
        best = best_point(tr)
        rows.append(
            {
                "run": line.legend,
                "final loss": float(tr.loss[tr.steps]) if stopped is None else math.nan,
                "best loss (step)": "—" if best is None else f"{best[1]:.4g} (step {best[0]})",
                "end point": f"({x:.3f}, {y:.3f})" if math.isfinite(x) else "—",
                "nearest minimum": near_txt,
                "settled at step": settled if settled is not None else pd.NA,
                "end point is": "—" if stopped else _end_kind(s, x, y, settled is not None),
                "stopped": stopped or converged_early(tr) or "—",
                "evaluations": int(tr.evals[-1]) if tr.evals is not None else tr.steps,
            }
        )
    columns = list(COLUMN_HELP)
    if not any(spends_more(p["optimizer"]) for ln in result.lines for p in ln.traj.phases):
        columns.remove("evaluations")  # one per step everywhere: the steps say it
    return pd.DataFrame(rows, columns=columns).astype({"settled at step": "Int64"})


def spends_more(optimizer: str) -> bool:
    """Whether the optimizer can spend more than one evaluation per step (L-BFGS's line search, the
    gradient-free methods' tries, smoothed Nesterov's look-aheads). Decided by the optimizer, not by
    a run's counts, so the results table keeps its columns when a run diverges (its count stops)."""
    spec = optimizers.spec(optimizer)
    return spec.evals_per_step != 1 or bool(spec.runner)


def _end_kind(s: landscapes.Surface, x: float, y: float, settled: bool) -> str:
    """``classify_point``, told apart where it matters: a run that has settled in a minimum's
    value but still has a gradient above the stationarity threshold is "near a minimum"."""
    kind = classify_point(s, x, y)
    if kind != "not stationary":
        return kind
    g = math.hypot(*s.gradient(x, y))
    return f"near a minimum (|g| = {g:.2g})" if settled else f"not stationary (|g| = {g:.2g})"


WRAP = ("run", "best loss (step)", "nearest minimum", "end point is", "stopped")  # text that may wrap


def html_table(table: pd.DataFrame, help: dict[str, str] | None = None) -> str:
    """The table as HTML for ``st.markdown``: each header has a tooltip (``help``), numbers are
    formatted as ``styled`` does, and cells of text (``WRAP``) carry the class "wrap", so the
    page's CSS can let them wrap: the table fits a wide page and scrolls sideways inside its box
    on a phone (the page keeps its first column in view)."""
    wrap = pd.DataFrame("", index=table.index, columns=table.columns)
    wrap[[c for c in WRAP if c in table.columns]] = "wrap"
    html = styled(table).set_td_classes(wrap).to_html()
    for col, tip in (help or {}).items():
        esc = tip.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        html = re.sub(rf"(<th [^>]*?)\s*>{re.escape(col)}</th>", rf'\1 title="{esc}">{col}</th>', html, count=1)
    return f'<div class="results-table" style="overflow-x:auto;max-width:100%">{html}</div>'


def styled(table: pd.DataFrame) -> Styler:
    """A table for display: floats to 4 significant digits, missing values as a dash."""
    floats = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    return table.style.format({c: "{:.4g}" for c in floats}, na_rep="—").hide(axis="index")


def inspector_table(result: Result, k: int) -> pd.DataFrame:
    """At step k: gradient, update, momentum and per-coordinate effective step of each run."""
    rows = []
    for line in result.lines:
        tr = line.traj
        spec = optimizers.spec(tr.optimizer)
        kk = min(k, tr.steps)
        row = {
            "optimizer": line.label,
            "θ": _pair(tr.path[kk]),
            "gradient g": _pair(tr.grad[kk]),
            "update Δθ": _pair(tr.update[kk]) if kk < tr.steps else "—",
            "lr": f"{tr.lr[kk]:.3g}" if kk < tr.steps else "—",
        }
        if spec.momentum_state:  # "—" where the run keeps none (RMSProp at momentum 0, its default)
            phase = [p for p in tr.phases if p["at"] <= kk][-1]  # the settings in charge at step k
            used = momentum_used(phase["optimizer"], phase["hyperparameters"])
            row["momentum / 1st moment"] = _pair(tr.state[spec.momentum_state][min(kk + 1, tr.steps)]) if used else "—"
        if spec.scale_state:
            row["effective step per coordinate"] = _pair(tr.state[spec.scale_state][min(kk + 1, tr.steps)])
        rows.append(row)
    return pd.DataFrame(rows)


def momentum_used(optimizer: str, hyper: dict) -> bool:
    """Whether a run with these settings keeps a momentum (or first-moment) state: not when its
    momentum setting is 0 (RMSProp's default, or momentum SGD set to 0): torch then keeps no buffer."""
    spec = optimizers.spec(optimizer)
    return spec.momentum_state is not None and float(hyper.get("momentum", 1.0)) != 0.0


def _pair(v) -> str:
    if not np.all(np.isfinite(v)):
        return "—"
    return f"({v[0]:.3g}, {v[1]:.3g})"
