"""Where a playground rerun's server time goes: cProfile in the script thread (AppTest).

    .venv/bin/python bench/profile_rerun.py [N] [--sort cumulative|tottime] [--lines 60]

Runs the app (``app.py``: the playground, the default view) in Streamlit's AppTest, warms it
up, then profiles N reruns of the unchanged view inside the script thread only (the main
thread's test harness is not counted) and prints ms per rerun and the profile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.runtime.scriptrunner import script_runner as sr  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1 import app_test as apt  # noqa: E402
from streamlit.testing.v1 import local_script_runner as lsr  # noqa: E402

# AppTest compiles the page scripts afresh on every run (a new ScriptCache per run); the server
# keeps one cache for its lifetime. Share one here, or ~60% of the profile is compile().
_SHARED = ScriptCache()
lsr.ScriptCache = apt.ScriptCache = lambda: _SHARED


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int, nargs="?", default=10)
    p.add_argument("--sort", default="cumulative")
    p.add_argument("--lines", type=int, default=60)
    p.add_argument("--callers", default="", help="also print who calls the functions matching this")
    p.add_argument("--time-only", action="store_true", help="no profiler: the script thread's time only")
    p.add_argument("--change", action="store_true", help="each rerun changes the run length (125 ↔ 126 steps): "
                   "everything is computed and drawn again")  # fmt: skip
    p.add_argument("--first", action="store_true", help="profile first runs of new sessions (each with its own "
                   "start), not reruns")  # fmt: skip
    p.add_argument("--query", default="", help="a link's query string, e.g. surface=wobbly&steps=500")
    a = p.parse_args()
    prof = cProfile.Profile()
    state = {"on": False, "t": []}
    orig = sr.ScriptRunner._run_script

    def wrapped(self, rerun_data):
        if not state["on"]:
            return orig(self, rerun_data)
        t = time.perf_counter()
        if not a.time_only:
            prof.enable()
        try:
            return orig(self, rerun_data)
        finally:
            prof.disable()
            state["t"].append(time.perf_counter() - t)

    sr.ScriptRunner._run_script = wrapped
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for kv in filter(None, a.query.split("&")):
        k, _, v = kv.partition("=")
        at.query_params[k] = v
    at.run()
    for _ in range(3):
        at.run()
    state["on"] = True
    for i in range(a.n):
        if a.first:  # a new session, as a new browser tab: its own link
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            for kv in filter(None, a.query.split("&")):
                k, _, v = kv.partition("=")
                at.query_params[k] = v
            at.query_params["start"] = f"{-2.8 + 0.01 * i:.2f},-2.5"
        if a.change:
            at.number_input(key="steps").set_value(125 + (i + 1) % 2)
        at.run()
    ms = sorted(t * 1e3 for t in state["t"])
    what = "first run" if a.first else "rerun that changes the view" if a.change else "rerun"
    print(f"script thread per {what}: median {ms[len(ms) // 2]:.1f} ms, min {ms[0]:.1f}, max {ms[-1]:.1f} (n={a.n})")
    if a.time_only:
        return
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats(a.sort).print_stats(a.lines)
    print(s.getvalue())
    if a.callers:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(a.sort).print_callers(a.callers)
        print(s.getvalue())


if __name__ == "__main__":
    main()
