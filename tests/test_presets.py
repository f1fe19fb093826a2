"""Every sentence a preset says is a claim, checked against the engine's results for that view."""

import pytest

import landscapes
from viz.playground import compute
from viz.presets import PRESETS, at_global


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_sentence_holds_for_its_own_results(name):
    p = PRESETS[name]
    res = compute(p.view())
    assert not res.errors
    assert p.check(res) == [], f"{name}: these sentences are refuted by the results"


def test_a_refuted_claim_is_reported():
    # the sentence the old caption said ("all five converge") is refuted on wobbly
    from viz.presets import settled

    res = compute(PRESETS["article_wobbly"].view())
    assert not settled("nesterov", "rmsprop", "adadelta", "adagrad", "adam")(res)


def test_the_old_gamma_sweep_sentence_would_be_refuted():
    # "γ = 0.25 creeping in slowest (it settles last)": γ = 0.975 settles later still
    from viz.presets import settled_later

    res = compute(PRESETS["nesterov_gamma"].view())
    assert settled_later("Nesterov · γ=0.975", "Nesterov · γ=0.25")(res)


def test_the_hills_description_states_what_the_article_preset_shows():
    """The surface's one-line description is shown under every view of it; its claims are the
    article preset's results, and its count of local minima is the surface's own."""
    s = landscapes.get("hills_and_canyon")
    assert "local minima" in s.description and len(s.minima) - s.n_global >= 2
    assert "only Adam of five methods reaches the global one" in s.description
    res = compute(PRESETS["article_hills_and_canyon"].view())
    assert len(res.lines) == 5
    assert at_global("adam", within=0.05)(res)
    assert [ln.traj.optimizer for ln in res.lines if at_global(ln.traj.optimizer, within=0.05)(res)] == ["adam"]
