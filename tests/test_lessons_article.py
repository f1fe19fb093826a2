"""The article's lessons: every checked sentence holds for its own step's results, every bet's answer is
the one the lesson is written around, and every control option computes."""

import pytest

from viz.lessons import Bet, Lesson, Step, computed_texts, evaluate, refuted, student_texts
from viz.lessons.article import LESSONS

STEPS = [(lesson, i, step) for lesson in LESSONS for i, step in enumerate(lesson.steps)]
IDS = [f"{lesson.name}-{i}" for lesson, i, _ in STEPS]

# The answer each bet's lesson is written around (its later steps explain it).
ANSWERS = {
    ("hills_and_canyon", 0): "Adam",
    ("nesterov_gamma", 0): "γ = 0.975",
    ("giant_plateau", 0): "Nesterov",
    ("bad_init", 0): "All in the shallow minimum near (−2.5, −2.5)",
    ("adadelta_start", 0): "Neither",
}


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=IDS)
def test_every_claim_holds_for_its_own_results(lesson: Lesson, i: int, step: Step) -> None:
    assert refuted(step) == [], f"{lesson.name} step {i}: these sentences are refuted by the results"


@pytest.mark.parametrize(("lesson", "i", "step"), STEPS, ids=IDS)
def test_step_shape(lesson: Lesson, i: int, step: Step) -> None:
    assert (step.view is None) != (step.response is None)
    assert len(step.controls) <= 2
    assert 2 <= len(step.text) <= 5
    for c in step.controls:
        assert c.default in c.options
        assert len({repr(o) for o in c.options}) == len(c.options)
    for s in step.text:
        for name, value in s.at:
            control = next(c for c in step.controls if c.name == name)
            assert value in control.options, (s.text, name, value)


@pytest.mark.parametrize(
    ("lesson", "i", "step"), [x for x in STEPS if x[2].bet], ids=[f"{x[0].name}-{x[1]}" for x in STEPS if x[2].bet]
)
def test_bet_answer_is_an_option_and_the_intended_one(lesson: Lesson, i: int, step: Step) -> None:
    bet: Bet = step.bet
    assert 2 <= len(bet.options) <= 7
    r = evaluate(step)
    answer = bet.answer(r)
    assert answer in bet.options
    assert answer == ANSWERS[(lesson.name, i)]
    assert bet.why(r).strip()


def test_every_bet_has_an_intended_answer() -> None:
    bets = {(lesson.name, i) for lesson, i, step in STEPS if step.bet}
    assert bets == set(ANSWERS)
    # about half of the lessons ask for a bet
    with_bet = {name for name, _ in bets}
    assert 3 <= len(with_bet) <= len(LESSONS) - 2


@pytest.mark.parametrize(
    ("lesson", "i", "step"),
    [x for x in STEPS if x[2].controls],
    ids=[f"{x[0].name}-{x[1]}" for x in STEPS if x[2].controls],
)
def test_every_control_option_computes(lesson: Lesson, i: int, step: Step) -> None:
    for c in step.controls:
        for option in c.options:
            r = evaluate(step, {c.name: option})
            assert not r.errors, (c.name, option, r.errors)
            assert r.lines
            if step.observe is not None:
                text = step.observe(r)
                assert isinstance(text, str) and text.strip(), (c.name, option)


def test_every_lesson_cites_its_source_and_names_are_unique() -> None:
    assert len({lesson.name for lesson in LESSONS}) == len(LESSONS)
    for lesson in LESSONS:
        assert lesson.source and ("article" in lesson.source.lower())
        assert 1 <= len(lesson.steps) <= 4


def test_response_steps_have_one_row_per_value() -> None:
    for _, _, step in STEPS:
        if step.response is not None:
            r = evaluate(step)
            assert r.updates.reshape(len(r.values), -1).shape == (len(step.response.values), r.signal.size)


def test_a_wrong_number_is_refuted() -> None:
    # the wording for γ = 0.975 on basins and walls holds (x ≈ +0.76); the same check with the wrong
    # side of the origin would not
    from viz.lessons.article import NESTEROV_GAMMA, _end

    step = NESTEROV_GAMMA.steps[2]
    r = evaluate(step)
    x = float(_end(r, "nesterov#3")[3][0])
    assert x == pytest.approx(0.76, abs=0.01)
    assert x != pytest.approx(-0.76, abs=0.01)


# --- what students read ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_no_unexplained_internals_or_machine_numbers(lesson: Lesson) -> None:
    import re

    for text in student_texts(lesson):
        assert "torch" not in text, text
        assert not re.search(r"\bRMS\b|E\[|\bepoch", text), text
        assert not re.search(r"\d(\.\d+)?e-?\d|0\.0000", text), text  # 1e-05, 0.00001: written as 10⁻⁵
        # the one setting name the map's legend shows is named only where it is explained as the legend's
        if "initial_acc_delta" in text:
            assert "legend" in text, text


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_f_is_introduced_as_the_loss(lesson: Lesson) -> None:
    """The first time a lesson's sentences name f, they call it the loss f."""
    import re

    texts = []
    for step in lesson.steps:
        texts += [s.text for s in step.text] + ([step.bet.question] if step.bet else [])
    said = " ".join(texts)
    m = re.search(r"\bf\b", said)
    if m is not None:
        assert said[: m.start()].endswith("the loss "), said[max(0, m.start() - 60) : m.end() + 20]


@pytest.mark.parametrize(
    ("lesson", "i", "step"), [x for x in STEPS if x[2].view], ids=[f"{x[0].name}-{x[1]}" for x in STEPS if x[2].view]
)
def test_every_named_point_is_on_the_map(lesson: Lesson, i: int, step: Step) -> None:
    """A sentence never sends the reader to a point the map does not show (no star, out of view)."""
    import re

    (x0, x1), (y0, y1) = evaluate(step).surface.bounds
    for text in [*(s.text for s in step.text), *computed_texts(step)]:
        for x, y in re.findall(r"\(([−-]?\d+(?:\.\d+)?), ([−-]?\d+(?:\.\d+)?)\)", text):
            px, py = (float(v.replace("−", "-")) for v in (x, y))
            assert x0 <= px <= x1 and y0 <= py <= y1, (text, (px, py))


def test_the_chart_lesson_does_not_speak_of_a_map() -> None:
    lesson = next(lesson for lesson in LESSONS if lesson.name == "gradient_response")
    assert all("map" not in t for t in student_texts(lesson))


@pytest.mark.parametrize(
    ("lesson", "i", "step"), [x for x in STEPS if x[2].bet], ids=[f"{x[0].name}-{x[1]}" for x in STEPS if x[2].bet]
)
def test_a_bet_on_the_global_minimum_shows_it(lesson: Lesson, i: int, step: Step) -> None:
    bet: Bet = step.bet
    if any("global minimum" in t or "bottom" in t for t in (bet.question, *bet.options)):
        assert any("big gold star" in t for t in (bet.question, *(s.text for s in step.text)))


def test_plateau_slope_is_the_same_number_in_the_lead_and_the_reveal() -> None:
    import re

    from viz.lessons.article import GIANT_PLATEAU

    step = GIANT_PLATEAU.steps[0]
    lead = " ".join(s.text for s in step.text)
    said = re.search(r"slope is only (\S+?)\.?(?:\s|$)", lead).group(1)
    assert f"The slope at the start is only {said}." in step.bet.why(evaluate(step))


def test_nesterov_reveal_and_next_step_agree_on_gamma_0975() -> None:
    import re

    from viz.lessons.article import NESTEROV_GAMMA

    bet_step, next_step = NESTEROV_GAMMA.steps[:2]
    said = next(s.text for s in next_step.text if s.text.startswith("γ = 0.975"))
    k = re.search(r"settles at the global minimum from step (\d+)", said).group(1)
    assert f"Nesterov · γ=0.975 (from step {k}) settles at the global minimum" in bet_step.bet.why(evaluate(bet_step))
