"""The lessons page: the article's and the review's findings as guided steps beside a live map.

A link ``?lesson=<name>&step=<k>`` opens step k (1-based) of a lesson; ``teacher=1`` hides the
navigation and the lesson menu and enlarges the type for a projector. ``lesson=custom`` is a
teacher's own view made in the playground ("Make a lesson link"): the view's parameters, the
controls that stay visible (``show``) and an optional title and note. Everything shown is
computed by ``viz.lessons`` (pure); this file only draws it.
"""

from __future__ import annotations

import urllib.parse

import streamlit as st

from ui import lesson_links
from ui.plotly_basic import enabled as basic_enabled
from ui.plotly_basic import plotly_basic_chart
from ui.shared import app_base, f_grid, scroll_to_top, warm_up
from viz import figures
from viz import lessons as L
from viz.playground import STEP_CONVENTION
from viz.state import MAX_STEPS, to_query
from viz.sweep_figures import response_figure

CSS = """<style>
.lesson-text p { font-size: 1.08rem; line-height: 1.55; }
.stMarkdown .katex { white-space: normal; }
</style>"""


def _query() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _int(text: str | None, default: int) -> int:
    try:
        return int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def _go(lesson: str, k: int) -> None:
    """Move to step k (0-based) of a lesson (on_click of the buttons and the menu)."""
    st.session_state["lesson_notices"] = []
    st.session_state["lesson"] = lesson
    st.session_state["lstep"] = k


def _pick() -> None:
    _go(st.session_state["lesson_menu"], 0)


def _ctl_key(lesson: str, k: int, name: str) -> str:
    return f"ctl::{lesson}::{k}::{name}"


def _draw_controls(lesson: str, k: int, step: L.Step) -> dict:
    """The step's exposed controls; returns their values."""
    values = {}
    for c in step.controls:
        key = _ctl_key(lesson, k, c.name)
        if c.options:
            if key not in st.session_state or st.session_state[key] not in c.options:
                st.session_state[key] = c.default
            if c.target == "start":
                values[c.name] = st.radio(c.label, c.options, key=key, format_func=c.fmt, help=c.help,
                                          horizontal=True)  # fmt: skip
            else:
                values[c.name] = st.select_slider(c.label, c.options, key=key, format_func=c.fmt, help=c.help)
        elif c.target == "start":  # a teacher's link: the map sets the start
            st.session_state.setdefault(key, tuple(c.default))
            values[c.name] = st.session_state[key]
            st.caption(f"Start {c.fmt(values[c.name])}: click the map to move it.")
        else:  # a teacher's link: a free number, within the setting's range
            whole = c.target == "steps"
            st.session_state.setdefault(key, int(c.default) if whole else float(c.default))
            values[c.name] = st.number_input(c.label, key=key, help=c.help,
                                             min_value=1 if whole else 0.0, max_value=MAX_STEPS if whole else None,
                                             format="%d" if whole else "%.4g")  # fmt: skip
    return values


def _bet(lesson: str, k: int, step: L.Step, result, values: dict) -> bool:
    """Place your bets; returns whether the runs are revealed. A bet belongs to the control values
    it was placed at: moving a control asks for a new bet on the new setting."""
    bet = step.bet
    if bet is None:
        return True
    at = sorted((kk, repr(v)) for kk, v in values.items())
    rkey, gkey = f"revealed::{lesson}::{k}::{at}", f"guess::{lesson}::{k}::{at}"
    st.markdown(f"**Place your bet:** {bet.question}")
    guess = st.radio("your answer", bet.options, index=None, key=gkey,
                     disabled=bool(st.session_state.get(rkey)), label_visibility="collapsed")  # fmt: skip
    if not st.session_state.get(rkey):
        c1, c2 = st.columns(2)
        if c1.button("Reveal", type="primary", disabled=guess is None, icon=":material/visibility:"):
            st.session_state[rkey] = True
            st.rerun()
        if c2.button("Just show me", type="tertiary", key=f"skip::{lesson}::{k}"):
            st.session_state[rkey] = True
            st.rerun()
        st.caption("The runs appear once you reveal.")
        return False
    answer = bet.answer(result)
    why = bet.why(result)
    if guess is None:
        st.info(f"**Answer: {answer}.** {why}", icon=":material/lightbulb:")
    elif guess == answer:
        st.success(f"**Right: {answer}.** {why}", icon=":material/check_circle:")
    else:
        st.warning(f"**Not this time: the answer is {answer}** (you said {guess}). {why}", icon=":material/cancel:")
    if st.button("Bet again", type="tertiary", key=f"again::{lesson}::{k}"):
        st.session_state[rkey] = False
        st.session_state.pop(gkey, None)
        st.rerun()
    return True


def _projector(fig: dict) -> dict:
    """Chart text readable from the back of a classroom (teacher mode)."""
    lay = fig.setdefault("layout", {})
    lay["font"] = {**lay.get("font", {}), "size": 18}
    lay["legend"] = {**lay.get("legend", {}), "font": {"size": 17}}
    for ax in ("xaxis", "yaxis"):
        a = lay.setdefault(ax, {})
        a["tickfont"] = {**a.get("tickfont", {}), "size": 16}
        if isinstance(a.get("title"), dict):
            a["title"] = {**a["title"], "font": {"size": 18}}
    return fig


def _map(step: L.Step, result, revealed: bool, token: str, start, on_start=None, teacher: bool = False) -> None:
    """The live map (or the 1-D response chart) of a step; it plays by itself."""
    if step.response is not None:
        r = result
        fig = response_figure(r.signal, r.updates, r.values, r.method, cumulative=step.response.cumulative,
                              height=460)  # fmt: skip
        fig = _projector(fig) if teacher else fig
        st.plotly_chart(figures.PlotlyDict(fig), width="stretch", config=figures.PLOTLY_CONFIG, theme=None)
        return
    surf = result.surface
    lines = result.lines if revealed else []
    fig = figures.trajectory_figure(surf, lines, start, bounds=surf.bounds, height=600, rings=False,
                                    click_grid=0 if basic_enabled() else 40)  # fmt: skip
    fig = _projector(fig) if teacher else fig
    plotly_basic_chart(fig, key="lesson_map", config={"displayModeBar": False}, controls=bool(lines), autoplay=token,
                       fgrid=f_grid(surf.name, surf.bounds), on_click=on_start)  # fmt: skip
    if revealed and lines:
        st.caption(STEP_CONVENTION + " The map plays by itself; ▶ replays it, ◀ step and step ▶ walk it.")


def _nav(lesson: L.Lesson, k: int, n: int, step: L.Step) -> None:
    """Previous / Next (also the ← → keys) and where the reader is."""
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="center")
    c1.button("Previous", icon=":material/arrow_back:", disabled=k == 0, on_click=_go, args=(lesson.name, k - 1),
              shortcut="Left", key="prev", width="stretch")  # fmt: skip
    c2.button("Next", icon=":material/arrow_forward:", disabled=k == n - 1, on_click=_go, args=(lesson.name, k + 1),
              shortcut="Right", key="next", type="primary", width="stretch")  # fmt: skip
    keys = " (when the map has no focus)" if step.view is not None else ""
    c3.caption(f"Step {k + 1} of {n} · the ← → keys move between steps{keys}.")


def page() -> None:
    ss = st.session_state
    q = _query()
    teacher = q.get("teacher", ["0"])[0] == "1"
    all_lessons = L.lessons()
    custom = None
    notices: list[str] = []
    if q.get("lesson", [""])[0] == "custom":
        custom, notices = lesson_links.custom_lesson(q)
    if "lesson" not in ss or ss.get("lesson_query") != q.get("lesson"):  # first run, or a new link
        name = q.get("lesson", [""])[0]
        if custom is None and name and name not in all_lessons:
            notices.append(f"there is no lesson '{name[:40]}'; showing the first one")
        ss["lesson"] = "custom" if custom is not None else (name if name in all_lessons else next(iter(all_lessons)))
        ss["lstep"] = _int(q.get("step", ["1"])[0], 1) - 1
        ss["lesson_query"] = q.get("lesson")
    lesson = custom if ss["lesson"] == "custom" and custom is not None else all_lessons.get(ss["lesson"])
    if lesson is None:
        lesson = next(iter(all_lessons.values()))
        ss["lesson"] = lesson.name
    n = len(lesson.steps)
    if not 0 <= ss["lstep"] < n:
        if q.get("step"):
            notices.append(f"step must be 1 to {n}; showing step 1")
        ss["lstep"] = 0
    if notices:  # shown until the reader moves on (a rerun by the map must not hide them)
        ss["lesson_notices"] = notices
    for msg in ss.get("lesson_notices", []):
        st.warning("Link parameter refused: " + msg, icon="⚠️")
    k = ss["lstep"]
    step = lesson.steps[k]

    # the link in the address bar opens exactly this step
    want = {"lesson": lesson.name, "step": str(k + 1)}
    if custom is not None:
        want = {kk: v for kk, v in q.items() if kk != "step"} | {"step": str(k + 1)}
    elif teacher:
        want["teacher"] = "1"

    st.html(CSS + (lesson_links.TEACHER_CSS if teacher else ""))
    if not teacher and custom is None:
        names = list(all_lessons)
        if ss.get("lesson_menu") != lesson.name:  # a link or Next moved the lesson: the menu follows
            ss["lesson_menu"] = lesson.name
        st.selectbox("Lesson", names, key="lesson_menu", on_change=_pick,
                     format_func=lambda m: f"{names.index(m) + 1}. {all_lessons[m].title}")  # fmt: skip
    scroll_to_top(f"{lesson.name}/{k}")
    st.title(lesson.title)
    if n > 1:
        st.markdown(f"**Step {k + 1} of {n}: {step.title}**")

    with st.spinner("Computing…"):
        warm_up()
    values = {c.name: ss.get(_ctl_key(lesson.name, k, c.name), c.default) for c in step.controls}
    # the text first: on a phone the columns stack, so the controls end right above the map they move
    right, left = st.columns([2, 3], gap="medium")
    with right:
        st.markdown("<div class='lesson-text'>" + "".join(f"<p>{s.text}</p>" for s in step.text) + "</div>",
                    unsafe_allow_html=True)  # fmt: skip
        values = _draw_controls(lesson.name, k, step)
        result = L.evaluate(step, values)
        for e in getattr(result, "errors", []):
            st.error(e)
        revealed = _bet(lesson.name, k, step, result, values)
        if revealed and step.observe is not None:
            st.markdown(f"**What this run shows:** {step.observe(result)}")
        elif revealed and step.bet is None and custom is not None and getattr(result, "lines", None):
            st.markdown(f"**What happened:** {L.endings_text(result)}")
    with left:
        start_ctl = next((c for c in step.controls if c.target == "start" and not c.options), None)
        on_start = None
        if start_ctl is not None:
            start_key = _ctl_key(lesson.name, k, start_ctl.name)

            def on_start(p: dict) -> None:
                ss[start_key] = (round(float(p["x"]), 3), round(float(p["y"]), 3))

        view = L.view_for(step, values)
        _map(step, result, revealed, f"{lesson.name}/{k}/{revealed}/{sorted(values.items())}",
             view.start if view is not None else None, on_start, teacher)  # fmt: skip

    if n > 1:
        _nav(lesson, k, n, step)
    if not teacher:
        view = L.view_for(step, values)
        if view is not None:
            link = app_base() + "?" + urllib.parse.urlencode(to_query(view), doseq=True)
            st.link_button("Open in the playground", link, icon=":material/open_in_new:")
        st.caption(f"Source: {lesson.source}")
    # the address bar follows the step, so copying it shares exactly this step
    if {kk: (v if isinstance(v, list) else [v]) for kk, v in want.items()} != q:
        st.query_params.from_dict(want)
    ss["lesson_query"] = [want["lesson"]]  # the page wrote this address itself: it is not a new link


page()
