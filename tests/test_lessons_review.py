"""Every sentence of the review's lessons holds on its own results; bets, controls and shapes follow the rules."""

from __future__ import annotations

import re

import pytest

from viz.lessons import Step, evaluate, lessons, refuted, student_texts, view_for
from viz.lessons import review as rv
from viz.state import from_query, to_query

STEPS = [(lesson, i, step) for lesson in rv.LESSONS for i, step in enumerate(lesson.steps)]
STEP_IDS = [f"{lesson.name}-{i}" for lesson, i, _ in STEPS]

# The answer each bet is written for, at the step's default control values.
INTENDED = {
    "saddles": "Newton",
    "two_neuron": rv.BRANCH_NEG,
    "warm_restarts": "2",
    "lr_vs_curvature": rv.DIVERGES,
}


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=STEP_IDS)
def test_every_claim_holds(lesson, i, step: Step) -> None:
    assert refuted(step) == []


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=STEP_IDS)
def test_step_shape(lesson, i, step: Step) -> None:
    assert 2 <= len(step.text) <= 5
    assert len(step.controls) <= 2
    for c in step.controls:
        assert c.default in c.options
    assert all(s.at == () or s.check is not None for s in step.text)
    names = {c.name for c in step.controls}
    assert all(name in names for s in step.text for name, _ in s.at)
    assert step.view is not None and step.view.steps <= 400
    if step.bet is not None:
        assert 2 <= len(step.bet.options) <= 7


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=STEP_IDS)
def test_controls_evaluate_and_observe(lesson, i, step: Step) -> None:
    values = [{}] + [{c.name: o} for c in step.controls for o in c.options]
    for v in values:
        r = evaluate(step, v)
        assert not r.errors, (v, r.errors)
        assert view_for(step, v) is not None
        if step.observe is not None:
            text = step.observe(r)
            assert isinstance(text, str) and text.strip(), v


def test_lessons_shape_and_registry() -> None:
    reg = lessons()
    for lesson in rv.LESSONS:
        assert 1 <= len(lesson.steps) <= 4
        assert lesson.source.strip() and lesson.summary.strip()
        assert reg[lesson.name] is lesson
    with_bet = [lesson.name for lesson in rv.LESSONS if any(s.bet for s in lesson.steps)]
    assert sorted(with_bet) == sorted(INTENDED)


@pytest.mark.parametrize("lesson", [x for x in rv.LESSONS if x.name in INTENDED], ids=lambda x: x.name)
def test_bet_answer_is_computed_and_intended(lesson) -> None:
    step = next(s for s in lesson.steps if s.bet is not None)
    r = evaluate(step)
    answer = step.bet.answer(r)
    assert answer in step.bet.options
    assert answer == INTENDED[lesson.name]
    assert step.bet.why(r).strip()


@pytest.mark.parametrize("lesson", rv.LESSONS, ids=lambda x: x.name)
def test_student_text_reads_plainly(lesson) -> None:
    """No doubled words, no file paths, and small numbers written one way: 10⁻⁵, never 1e-05 or 0.00001."""
    for text in student_texts(lesson):
        assert not re.search(r"\b(\w+) \1\b", text, re.IGNORECASE), text
        assert not re.search(r"\.\./|seeds/|\.py\b|\.md\b", text), text
        assert not re.search(r"\d[eE][-+]?\d", text), text
        assert "0.0000" not in text, text


@pytest.mark.parametrize("lesson", [x for x in rv.LESSONS if x.name in INTENDED], ids=lambda x: x.name)
def test_title_does_not_give_the_bet_away(lesson) -> None:
    """The lesson's title is on the page above the bet: it must not name the answer."""
    step = next(s for s in lesson.steps if s.bet is not None)
    assert step.bet.answer(evaluate(step)).lower() not in lesson.title.lower()
    assert "trap" not in lesson.title.lower()


@pytest.mark.parametrize(
    ("start", "answer"),
    [
        ((-2.5, 0.5), rv.BRANCH_NEG),
        ((-0.5, 2.5), rv.BRANCH_POS),
        ((-1.5, 1.5), rv.AT_ORIGIN),
        ((2.0, 2.0), rv.BRANCH_POS),
    ],
)
def test_two_neuron_bet_for_every_start(start, answer) -> None:
    step = rv.TWO_NEURON.steps[0]
    r = evaluate(step, {"start": start})
    assert step.bet.answer(r) == answer
    assert step.bet.why(r).strip()


def test_curvature_options_cover_the_edge() -> None:
    """The lr options are 0.4, 0.9, 1 and 1.1 times 2/λmax, λmax read from the surface's Hessian, and each
    gets its own verdict."""
    assert rv.LAMBDA_MAX == pytest.approx(4.0)
    assert rv.CURVATURE_LRS == pytest.approx((0.2, 0.45, 0.5, 0.55))
    step = rv.CURVATURE.steps[1]
    verdicts = [rv._verdict(rv._tr(evaluate(step, {"lr": lr}), "sgd")) for lr in rv.CURVATURE_LRS]
    assert verdicts == [rv.SMOOTH, rv.ZIGZAG, rv.EDGE, rv.DIVERGES]
    assert "diverged at step 74" in step.observe(evaluate(step, {"lr": rv.CURVATURE_LRS[3]}))


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=STEP_IDS)
def test_views_survive_a_link(lesson, i, step: Step) -> None:
    """ "Open in the playground" reproduces every option's view: no setting is dropped on the way through a URL."""
    for v in [{}] + [{c.name: o} for c in step.controls for o in c.options]:
        view = view_for(step, v)
        back, notices = from_query(to_query(view))
        assert notices == []
        assert [(r.key, r.hyper) for r in back.runs] == [(r.key, r.hyper) for r in view.runs]
        assert (back.surface, back.start, back.steps, back.weight_decay) == (
            view.surface,
            view.start,
            view.steps,
            view.weight_decay,
        )
        assert {k: back.common.get(k) for k in view.common} == view.common
