"""The lessons page driven headlessly with AppTest: every step of every lesson, bets, links, teacher links."""

from __future__ import annotations

import urllib.parse

import pytest
from streamlit.testing.v1 import AppTest

from ui.plotly_basic import payload_of
from viz import lessons as L
from viz.lessons.custom import custom_lesson, lesson_link
from viz.state import Run, View, from_query, to_query

TIMEOUT = 180


def _lessons_page(query: dict) -> AppTest:
    at = AppTest.from_file("../ui/lessons.py", default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _map(at: AppTest) -> dict | None:
    for el in at.get("bidi_component"):
        if el.proto.component_name == "landscapes.plotly_basic":
            return payload_of(el.proto)["spec"]
    return None


def _step_header(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Step "))


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _n_runs(at: AppTest) -> int:
    fig = _map(at)
    return 0 if fig is None else sum(1 for t in fig["data"] if t.get("mode") == "lines" and "legendgroup" in t)


@pytest.mark.parametrize("name", list(L.lessons()))
def test_every_step_of_every_lesson(name):
    """Open the lesson's link, then walk it with Next: each step renders, reveals and links onwards."""
    lesson = L.lessons()[name]
    at = _lessons_page({"lesson": name, "step": "1"})
    _ok(at)
    assert at.title[0].value == lesson.title
    for k, step in enumerate(lesson.steps):
        _ok(at)
        assert _step_header(at) == f"**Step {k + 1} of {len(lesson.steps)}: {step.title}**"
        assert at.query_params["lesson"] == name and at.query_params["step"] == str(k + 1)
        if step.bet is not None:
            assert _button(at, "Reveal").disabled  # no bet placed yet
            at = _button(at, "Just show me").click().run()
            _ok(at)
            shown = [e.value for e in (*at.info, *at.success, *at.warning)]
            assert any(s.startswith(f"**Answer: {step.bet.answer(L.evaluate(step))}.**") for s in shown), shown
        if step.observe is not None:
            assert any(m.value.startswith("**What this run shows:**") for m in at.markdown)
        assert _button(at, "Previous").disabled == (k == 0)
        assert _button(at, "Next").disabled == (k == len(lesson.steps) - 1)
        if k < len(lesson.steps) - 1:
            at = _button(at, "Next").click().run()


def test_link_opens_the_step_and_previous_goes_back():
    name, lesson = next((n, ls) for n, ls in L.lessons().items() if len(ls.steps) >= 2)
    at = _lessons_page({"lesson": name, "step": "2"})
    _ok(at)
    assert _step_header(at).startswith(f"**Step 2 of {len(lesson.steps)}")
    at = _button(at, "Previous").click().run()
    assert _step_header(at).startswith("**Step 1 of") and at.query_params["step"] == "1"


def test_bad_link_is_refused_with_a_reason():
    at = _lessons_page({"lesson": "no_such_lesson", "step": "x"})
    _ok(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "no lesson 'no_such_lesson'" in warnings
    assert at.title[0].value == next(iter(L.lessons().values())).title
    at = _lessons_page({"lesson": next(iter(L.lessons())), "step": "99"})
    assert "step must be 1 to" in " ".join(w.value for w in at.warning)
    assert _step_header(at).startswith("**Step 1 of")


def _bet_step() -> tuple[str, int, L.Step]:
    for name, lesson in L.lessons().items():
        for k, step in enumerate(lesson.steps):
            if step.bet is not None and not step.controls:
                return name, k, step
    raise AssertionError("no lesson asks for a bet")


def test_bet_hides_the_runs_until_revealed_and_judges_the_guess():
    name, k, step = _bet_step()
    answer = step.bet.answer(L.evaluate(step))
    wrong = next(o for o in step.bet.options if o != answer)
    at = _lessons_page({"lesson": name, "step": str(k + 1)})
    assert _n_runs(at) == 0  # the map shows the surface and the start only
    at.radio[0].set_value(wrong).run()
    at = _button(at, "Reveal").click().run()
    _ok(at)
    assert _n_runs(at) == len(step.view.runs)
    assert at.warning[0].value.startswith(f"**Not this time: the answer is {answer}** (you said {wrong}).")
    at = _button(at, "Bet again").click().run()
    assert _n_runs(at) == 0
    at.radio[0].set_value(answer).run()
    at = _button(at, "Reveal").click().run()
    assert at.success[0].value.startswith(f"**Right: {answer}.**")
    assert step.bet.why(L.evaluate(step)) in at.success[0].value


def _teacher_view() -> View:
    return View(surface="elongated_bowl", start=(-2.5, 2.0), steps=60,
                runs=[Run("sgd", {"lr": 0.3}), Run("momentum", {"lr": 0.05, "momentum": 0.9})])  # fmt: skip


def _query_of(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)


def test_teacher_link_round_trip():
    """A lesson link carries the playground's view exactly, with the chosen controls."""
    view = _teacher_view()
    url = lesson_link("http://host/lessons", view, ["hp:sgd:lr", "start"], "Zig-zag", "Watch the orange line.")
    q = _query_of(url)
    lesson, notices = custom_lesson(q)
    assert notices == []
    assert lesson.title == "Zig-zag" and lesson.steps[0].text[0].text == "Watch the orange line."
    assert [c.name for c in lesson.steps[0].controls] == ["hp:sgd:lr", "start"]
    assert to_query(lesson.steps[0].view) == to_query(view) == to_query(from_query(to_query(view))[0])
    assert q["teacher"] == ["1"]


def test_teacher_link_page_shows_only_chosen_controls():
    view = _teacher_view()
    q = _query_of(lesson_link("", view, ["hp:sgd:lr"], "Zig-zag"))
    at = _lessons_page({k: v[0] if len(v) == 1 else v for k, v in q.items()})
    _ok(at)
    assert at.title[0].value == "Zig-zag"
    assert not at.selectbox  # no lesson menu
    assert [w.label for w in at.number_input] == ["SGD: learning rate (lr)"]
    assert not at.slider and not at.select_slider and not at.radio and not at.text_input
    assert not [b for b in at.button if b.label == "Open in the playground"]
    before = _map(at)
    at.number_input[0].set_value(0.45).run()
    _ok(at)
    assert _map(at) != before  # the control moves the run
    assert any(m.value.startswith("**What happened:**") for m in at.markdown)


def test_unknown_control_in_link_is_refused():
    q = _query_of(lesson_link("", _teacher_view(), ["hp:adam:lr"]))
    at = _lessons_page({k: v[0] for k, v in q.items()})
    _ok(at)
    assert "control 'hp:adam:lr' is not in this view" in " ".join(w.value for w in at.warning)


def test_playground_makes_a_lesson_link():
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    _ok(at)
    at.multiselect(key="ll_show").set_value(["start"]).run()
    at.text_input(key="ll_title").set_value("Look here").run()
    code = next(c.value for c in at.code if "lesson=custom" in c.value)
    q = _query_of(code)
    assert q["show"] == ["start"] and q["title"] == ["Look here"] and q["teacher"] == ["1"]
    assert urllib.parse.urlsplit(code).path.endswith("lessons")


def test_lessons_are_many_short_and_sourced():
    all_lessons = L.lessons()
    assert len(all_lessons) >= 12
    for lesson in all_lessons.values():
        assert lesson.source and 1 <= len(lesson.steps) <= 4, lesson.name
        for step in lesson.steps:
            assert 2 <= len(step.text) <= 5 and len(step.controls) <= 2, (lesson.name, step.title)
            assert all(c.default in c.options for c in step.controls), (lesson.name, step.title)


def test_teacher_flag_on_a_lesson_hides_the_menu_and_stays_in_the_link():
    name = next(n for n, ls in L.lessons().items() if len(ls.steps) >= 2)
    at = _lessons_page({"lesson": name, "step": "1", "teacher": "1"})
    _ok(at)
    assert not at.selectbox
    assert not [b for b in at.button if b.label == "Open in the playground"]
    at = _button(at, "Next").click().run()
    assert at.query_params["teacher"] == "1" and at.query_params["step"] == "2"


def test_base_url_of_any_page():
    from ui.shared import base_url

    assert base_url("http://localhost:8611") == "http://localhost:8611/"
    assert base_url("http://host:8501/lessons?lesson=x") == "http://host:8501/"
    assert base_url("https://school.example/app/Fair_comparison", "/app/") == "https://school.example/app/"
    assert base_url(None) == base_url("") == "/"


def test_a_bet_belongs_to_its_setting():
    """Moving a control after the reveal asks for a new bet instead of judging the old guess."""
    name, k, step = next(
        (n, i, s) for n, ls in L.lessons().items() for i, s in enumerate(ls.steps) if s.bet and s.controls
    )
    at = _lessons_page({"lesson": name, "step": str(k + 1)})
    at = _button(at, "Just show me").click().run()
    assert _n_runs(at) == len(step.view.runs)
    ctl = step.controls[0]
    other = next(o for o in ctl.options if o != ctl.default)
    widget = next(w for w in (*at.select_slider, *at.radio) if w.label == ctl.label)
    widget.set_value(other).run()
    _ok(at)
    assert _n_runs(at) == 0 and _button(at, "Reveal").disabled


def test_refused_link_notice_stays_until_the_reader_moves():
    at = _lessons_page({"lesson": "nope"})
    assert at.warning
    at.run()  # a rerun (the map reporting its step, say) keeps the notice
    assert "no lesson 'nope'" in at.warning[0].value
    at = _button(at, "Next").click().run()
    assert not at.warning


def test_the_start_diamond_follows_the_start_control():
    name, k, _step, ctl = next(
        (n, i, s, c)
        for n, ls in L.lessons().items()
        for i, s in enumerate(ls.steps)
        for c in s.controls
        if c.target == "start"
    )
    at = _lessons_page({"lesson": name, "step": str(k + 1)})
    other = next(o for o in ctl.options if o != ctl.default)
    next(w for w in at.radio if w.label == ctl.label).set_value(other).run()
    _ok(at)
    start = next(t for t in _map(at)["data"] if t.get("name") == "start")
    assert (start["x"][0], start["y"][0]) == pytest.approx(other)


def test_menu_then_next_from_a_bare_address():
    """Opened without a link, a lesson picked from the menu and then Next land where the reader asked."""
    names = list(L.lessons())
    at = _lessons_page({})
    _ok(at)
    for name in (names[4], names[8], names[2]):
        at.selectbox(key="lesson_menu").set_value(name).run()
        assert at.title[0].value == L.lessons()[name].title
        at = _button(at, "Next").click().run()
        assert _step_header(at).startswith("**Step 2 of") and at.query_params["lesson"] == name
        at.run()  # a rerun with nothing changed (the map reporting, say) keeps the step
        assert _step_header(at).startswith("**Step 2 of")
