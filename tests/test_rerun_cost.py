"""What a playground rerun rebuilds: nothing that did not change (issue 16, "a class on one server").

These tests check behaviour, not time (the timings are in bench/bench_load.py and
bench/profile_rerun.py): which parts are computed again on a rerun, that an unchanged chart is
sent as the same bytes (so the browser, which holds that message, gets a reference), that a
changed view is drawn anew, and that the cheaper ways of building the same thing give the same
thing.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import plotly_basic
from ui.plotly_basic import payload, payload_of
from viz import figures
from viz import playground as vp
from viz.state import from_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _charts(at: AppTest) -> dict[str, object]:
    """The plotly_basic elements of the page, by key: their protos."""
    return {el.proto.id.rsplit("-", 1)[-1]: el.proto for el in at.get("bidi_component")
            if el.proto.component_name == "landscapes.plotly_basic"}  # fmt: skip


@pytest.fixture
def counted(monkeypatch):
    """Counts the trajectory computations and map figures the page makes."""
    calls = {"compute": 0, "map": 0}
    compute, trajectory_figure = vp.compute, figures.trajectory_figure

    def counting_compute(view):
        calls["compute"] += 1
        return compute(view)

    def counting_figure(*args, **kwargs):
        calls["map"] += 1
        return trajectory_figure(*args, **kwargs)

    monkeypatch.setattr(vp, "compute", counting_compute)
    monkeypatch.setattr(figures, "trajectory_figure", counting_figure)
    return calls


def test_rerun_rebuilds_only_what_changed(counted):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert counted == {"compute": 1, "map": 1}
    first = {k: p.bytes for k, p in _charts(at).items()}
    assert {"map", "series"} <= set(first) and all(first.values())  # payloads travel as bytes

    at.run()  # nothing changed (a panel opened, a reload): nothing computed, the same bytes sent
    assert counted == {"compute": 1, "map": 1}
    assert {k: p.bytes for k, p in _charts(at).items()} == first

    at.session_state["inspect"] = 40  # the map stopped at another step: the same runs, a new frame shown
    at.run()
    assert counted == {"compute": 1, "map": 2}
    fig = payload_of(_charts(at)["map"])
    assert fig["shown"] == 40 and fig["spec"]["layout"]["sliders"][0]["steps"][
        fig["spec"]["layout"]["sliders"][0]["active"]]["label"] == "40"  # fmt: skip

    at.number_input(key="steps").set_value(60).run()  # a new run length: computed and drawn anew
    assert not at.exception
    assert counted["compute"] == 2 and counted["map"] == 3
    fig = payload_of(_charts(at)["map"])["spec"]
    assert fig["frames"][-1]["name"] == "60"


def test_memoised_page_draws_what_a_fresh_page_draws():
    """A view reached by reruns (memo filled, then changed) draws the same charts as the same view
    opened from its link in a new session."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.number_input(key="steps").set_value(80).run()
    at.run()
    fresh = AppTest.from_file(APP, default_timeout=120)
    for k, v in at.query_params.items():
        fresh.query_params[k] = v
    fresh.run()
    assert not fresh.exception
    for key in ("map", "series"):
        assert payload_of(_charts(at)[key]) == payload_of(_charts(fresh)[key])


def test_payload_embeds_the_figure_and_raw_json():
    spec = json.dumps({"data": [{"type": "scatter", "x": [1, 2]}], "layout": {}})
    grid = {"x0": 0, "x1": 1, "n": 2, "z": [None, 1.5]}
    b = payload(spec, {"controls": True, "fgrid": plotly_basic.RawJSON(json.dumps(grid)), "shown": None})
    d = json.loads(b)
    assert d == {"spec": json.loads(spec), "controls": True, "fgrid": grid, "shown": None}
    assert json.loads(payload(spec, {})) == {"spec": json.loads(spec)}


def test_trails_rounded_once_are_the_trails_rounded_per_frame():
    view, _ = from_query({"surface": ["rosenbrock"], "start": ["-1.2,1"], "steps": ["400"],
                          "run": ["sgd:lr=0.01", "adam:lr=0.5", "momentum:lr=0.003"]})  # fmt: skip
    r = vp.compute(view)
    assert any(ln.traj.diverged_step is not None for ln in r.lines)  # a diverged run is among them
    digits = figures._map_digits(r.surface.bounds)
    for line in r.lines:
        idx = figures.path_index(line.traj.path)
        rounded = figures._arr(line.traj.path, digits)
        for k in (0, 1, 57, 200, 400):
            a = figures._run_traces(line, k, idx, digits)
            b = figures._run_traces(line, k, idx, digits, rounded)
            np.testing.assert_array_equal(a[0]["x"], b[0]["x"])
            np.testing.assert_array_equal(a[0]["y"], b[0]["y"])
            assert a[1] == b[1]


def test_warm_up_freezes_the_import_time_heap():
    """Streamlit collects garbage after every run; the modules' objects are frozen out of it."""
    AppTest.from_file(APP, default_timeout=120).run()
    assert gc.get_freeze_count() > 50_000
