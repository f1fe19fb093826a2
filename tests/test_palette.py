"""Runs are told apart: colours far apart (CIEDE2000) and from the map, plus a dash and a marker each;
copies are labelled by the setting that differs. Computed from the figures' own colours."""

import itertools

import pytest
from coloraide import Color

from tools.make_palette import map_colours
from viz import figures
from viz.playground import compute
from viz.presets import PRESETS
from viz.state import Run, View, run_labels


def _twelve_run_map() -> dict:
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "nadam", "radam",
             "adamw", "lion"]  # fmt: skip
    res = compute(View(surface="wobbly", steps=20, runs=[Run(n, {"lr": 0.05}) for n in names]))
    assert len(res.lines) == 12
    return figures.trajectory_figure(res.surface, res.lines, (-2.8, -2.5), click_grid=0)


def test_any_two_of_twelve_run_colours_differ_by_delta_e_20_and_stand_out_from_the_map():
    fig = _twelve_run_map()
    trails = [t for t in fig["data"] if t.get("mode") == "lines" and t.get("legendgroup")]
    colours = [t["line"]["color"] for t in trails]
    assert len(colours) == 12
    worst = min(Color(a).delta_e(b, method="2000") for a, b in itertools.combinations(colours, 2))
    assert worst >= 20, worst
    bg = map_colours()
    assert min(Color(c).delta_e(m, method="2000") for c in colours for m in bg) >= 15
    heads = [t for t in fig["data"] if t.get("mode") == "markers" and t.get("legendgroup")
             and "best" not in t["name"]]  # fmt: skip
    assert len({h["marker"]["symbol"] for h in heads}) == 12  # a marker of its own per run
    assert len({t["line"]["dash"] for t in trails}) == len(figures.DASHES)


def test_nesterov_sweep_copies_are_labelled_by_gamma_and_coloured_apart():
    res = compute(PRESETS["nesterov_gamma"].view())
    assert [ln.label for ln in res.lines] == ["Nesterov · γ=0.25", "Nesterov · γ=0.9", "Nesterov · γ=0.975"]
    assert all("lr=0.01" in ln.legend for ln in res.lines)
    cs = [ln.color for ln in res.lines]
    assert min(Color(a).delta_e(b, method="2000") for a, b in itertools.combinations(cs, 2)) >= 20
    assert len({ln.dash for ln in res.lines}) == 3


@pytest.mark.parametrize(
    "runs,expect",
    [
        ([Run("sgd")], ["SGD"]),
        ([Run("adam", {"lr": 0.1}), Run("adam#2", {"lr": 0.01})], ["Adam · lr=0.1", "Adam · lr=0.01"]),
        ([Run("sgd"), Run("sgd#2")], ["SGD #1", "SGD #2"]),  # identical copies: numbered
    ],
)
def test_labels_name_the_setting_that_differs(runs, expect):
    assert [lab for lab, _ in run_labels(runs)] == expect


def _hue_gap(a: str, b: str) -> float:
    ha, hb = (Color(c).convert("lch-d65")["hue"] for c in (a, b))
    return min(abs(ha - hb) % 360, 360 - abs(ha - hb) % 360)


def test_the_colours_compared_together_by_default_have_different_names():
    """The article's five methods (every article preset compares them together) and a sixth run get
    colours that a washed-out projector keeps apart: different hues, not only a lighter and a
    darker green (RMSProp and Adam were #00cc00 and #006633, 15° of hue apart)."""
    res = compute(PRESETS["article_wobbly"].view())
    assert [ln.traj.optimizer for ln in res.lines] == ["nesterov", "rmsprop", "adadelta", "adagrad", "adam"]
    five = [ln.color for ln in res.lines]
    for a, b in itertools.combinations(five, 2):
        assert Color(a).delta_e(b, method="2000") >= 30 and _hue_gap(a, b) >= 20, (a, b)
    six = [figures.run_style(i).color for i in range(6)]
    for a, b in itertools.combinations(six, 2):
        assert Color(a).delta_e(b, method="2000") >= 25 and _hue_gap(a, b) >= 20, (a, b)


def test_an_optimizer_keeps_its_style_from_view_to_view():
    """Adam was blue in the default view and dark red in the article's presets (colours went by
    position): a class told to follow Adam's line lost it on switching. Each optimizer's first run
    now takes its own slot; copies and the rest take the lowest free one, never shared."""
    from viz.figures import HOME_SLOTS, run_style, run_styles, style_slots
    from viz.playground import compute
    from viz.presets import PRESETS
    from viz.state import default_view

    def adam(view):
        return next(ln for ln in compute(view).lines if ln.traj.optimizer == "adam")

    a, b = adam(default_view()), adam(PRESETS["article_hills_and_canyon"].view())
    assert (a.color, a.dash, a.symbol) == (b.color, b.dash, b.symbol)
    assert a.color == run_style(HOME_SLOTS["adam"]).color
    assert style_slots(["nesterov", "nesterov#2", "nesterov#3"]) == [0, 1, 2]  # the γ sweep as before
    assert style_slots(["adam", "sgd", "adam#2", "rprop"]) == [4, 5, 0, 1]
    many = style_slots([f"adam#{k}" for k in range(12)])
    assert sorted(many) == list(range(12))  # twelve runs, twelve styles
    # up to six runs differ in dash too, though slots 0 and 6 share one (Nesterov and momentum)
    dashes = [st.dash for st in run_styles(["nesterov", "momentum", "adam", "sgd", "rmsprop", "adagrad"])]
    assert len(set(dashes)) == 6
