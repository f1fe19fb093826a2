"""What moving to the next lesson step costs on the server, against a playground rerun.

    .venv/bin/python bench/bench_lessons.py

Walks every step of every lesson with the Next button in Streamlit's AppTest (the page script
as the server runs it: engine, figures, JSON for the browser), first with the lesson results
uncached ("first visit") and then again ("revisit"). The peer, measured the same way in the
same run, is a rerun of the playground's default view (moving its "steps" input). Goal:
≤ 300 ms per step on the server.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from viz import lessons as L  # noqa: E402

GOAL_MS = 300.0


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1e3


def walk() -> list[float]:
    """ms per Next click over every step of every lesson."""
    times = []
    for name, lesson in L.lessons().items():
        at = AppTest.from_file(str(ROOT / "ui/lessons.py"), default_timeout=300)
        at.query_params["lesson"] = name
        at.query_params["step"] = "1"
        at.run()
        for _ in lesson.steps[1:]:
            nxt = next(b for b in at.button if b.label == "Next")
            times.append(_timed(lambda nxt=nxt: nxt.click().run()))
            assert not at.exception, at.exception
    return times


def playground() -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    times = []
    for i in range(12):
        w = at.number_input(key="steps")
        times.append(_timed(lambda w=w, i=i: w.set_value(125 + (i % 2)).run()))
    return times


def main() -> None:
    walk()  # compile and import everything once
    L._CACHE.clear()
    cold = walk()
    warm = walk()
    peer = playground()
    ref = statistics.median(peer)
    print(f"| moving to the next step ({len(cold)} steps) | median ms | p95 ms | max ms | median / playground |")
    print("|---|---|---|---|---|")
    for label, t in (("lesson, first visit", cold), ("lesson, revisit", warm), ("playground rerun (peer)", peer)):
        q = sorted(t)
        p95 = q[min(len(q) - 1, round(0.95 * (len(q) - 1)))]
        print(f"| {label} | {statistics.median(t):.0f} | {p95:.0f} | {max(t):.0f} | {statistics.median(t) / ref:.2f} |")
    print(f"\ngoal: ≤ {GOAL_MS:.0f} ms per step on the server; worst first visit {max(cold):.0f} ms "
          f"({'met' if max(cold) <= GOAL_MS else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
