"""The playground's computation: a View in, trajectories and a summary table out.

Pure (no Streamlit): the page calls ``compute`` and renders what comes back, and the
tests call it directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

import landscapes
import optimizers
from viz.figures import Line, classify_point, run_style
from viz.state import View, run_labels

MAP_FRAMES = 60  # the page's map animates this many frames; its step slider reaches every step


@dataclass
class Result:
    surface: landscapes.Surface
    lines: list[Line]
    errors: list[str] = field(default_factory=list)


def compute(view: View) -> Result:
    """Run every optimizer of the view; a run with invalid settings becomes an error message."""
    s = view.resolve_surface()
    lines, errors = [], []
    for i, (run, (label, legend)) in enumerate(zip(view.runs, run_labels(view.runs), strict=True)):
        try:
            tr = optimizers.trajectory(run.optimizer, s, view.start, view.steps, **view.run_kwargs(run))
        except (TypeError, ValueError) as e:
            errors.append(f"{label}: {e}")
            continue
        st = run_style(i)
        lines.append(Line(run.key, label, st.color, tr, dash=st.dash, symbol=st.symbol, legend=legend))
    return Result(s, lines, errors)


def summary_table(result: Result) -> pd.DataFrame:
    """One row per run: final loss, distance to the nearest known minimum, steps to
    tolerance, divergence, and what the end point is by its Hessian."""
    s = result.surface
    rows = []
    mins = np.array(s.minima).reshape(-1, 2)
    for line in result.lines:
        tr = line.traj
        x, y = tr.final
        if len(mins):
            d = np.hypot(mins[:, 0] - x, mins[:, 1] - y)
            k = int(np.argmin(d))
            kind = "global" if k < s.n_global else "local"
            near = f"{d[k]:.3g} ({kind})"
        else:
            near = "no minimum"
        rows.append(
            {
                "optimizer": line.label,
                "final loss": float(tr.loss[tr.steps]) if tr.diverged_step is None else math.nan,
                "end point": f"({x:.3f}, {y:.3f})",
                "distance to nearest minimum": near,
                "steps to tolerance": tr.steps_to_tol if tr.steps_to_tol >= 0 else pd.NA,
                "diverged at": tr.diverged_step if tr.diverged_step is not None else pd.NA,
                "end point is": "diverged" if tr.diverged_step is not None else classify_point(s, x, y),
            }
        )
    return pd.DataFrame(rows).astype({"steps to tolerance": "Int64", "diverged at": "Int64"})


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
        if spec.momentum_state:
            row["momentum / 1st moment"] = _pair(tr.state[spec.momentum_state][min(kk + 1, tr.steps)])
        if spec.scale_state:
            row["effective step per coordinate"] = _pair(tr.state[spec.scale_state][min(kk + 1, tr.steps)])
        rows.append(row)
    return pd.DataFrame(rows)


def _pair(v) -> str:
    if not np.all(np.isfinite(v)):
        return "—"
    return f"({v[0]:.3g}, {v[1]:.3g})"
