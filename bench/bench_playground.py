"""What one slider move costs in the playground: 8 optimizers × 1,000 steps, warm.

    .venv/bin/python bench/bench_playground.py

Prints the best of 7 for each stage and the total against the 150 ms goal, next to the
naive path (letting ``st.plotly_chart`` validate the figure dict with plotly.py objects).
The map and loss charts are built and serialised as the page does (``ui.plotly_basic``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly.tools

from ui.plotly_basic import to_spec
from viz import figures
from viz.playground import COLUMN_HELP, MAP_FRAMES, compute, html_table, inspector_table, styled, summary_table
from viz.state import Run, View

NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "radam")


def best(fn, reps=7):
    out, times = None, []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3, out


def main() -> None:
    view = View(surface="wobbly", steps=1000, runs=[Run(n, {"lr": 0.05}) for n in NAMES])
    res = compute(view)
    figures.trajectory_figure(res.surface, res.lines, view.start)  # warm caches (landscape image)
    rows = []
    ms, res = best(lambda: compute(view))
    rows.append(("compute 8 trajectories × 1,000 steps", ms))
    arrows = figures.inspector_arrows(res.lines, 500, res.surface.bounds)
    kw = {"shown_step": 500, "arrows": arrows, "click_grid": 0, "max_frames": MAP_FRAMES}
    ms, fig = best(lambda: figures.trajectory_figure(res.surface, res.lines, view.start, **kw))
    rows.append((f"animated map ({MAP_FRAMES} frames) + inspector arrows", ms))
    ms, series = best(lambda: figures.series_figure(res.lines))
    rows.append(("loss, step size, gradient norm charts", ms))
    ms, _ = best(lambda: figures.surface3d_figure(res.surface, res.lines))
    rows.append(("3-D surface", ms))
    ms, _ = best(lambda: (html_table(summary_table(res), COLUMN_HELP), styled(inspector_table(res, 500)).to_html()))
    rows.append(("results and inspector tables", ms))
    ms, spec = best(lambda: to_spec(fig, controls=True))
    rows.append((f"the map as JSON for the browser ({len(spec) / 1e6:.1f} MB)", ms))
    ms, spec = best(lambda: to_spec(series))
    rows.append((f"the charts as JSON for the browser ({len(spec) / 1e6:.2f} MB)", ms))
    total = sum(ms for _, ms in rows)
    naive, _ = best(lambda: plotly.tools.return_figure_from_figure_or_data(fig, True), reps=2)
    print("| stage | ms (best of 7) |\n|---|---|")
    for what, ms in rows:
        print(f"| {what} | {ms:.1f} |")
    print(f"| **total per slider move** | **{total:.1f}** (goal 150; ratio {total / 150:.2f}) |")
    print(
        f"| naive: st.plotly_chart validating the map dict as plotly objects | {naive:.0f} "
        f"({naive / total:.0f}× the total) |"
    )


if __name__ == "__main__":
    main()
