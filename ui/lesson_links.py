"""Teacher mode: large type for a projector, and the playground's "Make a lesson link"."""

from __future__ import annotations

import streamlit as st

from viz.lessons.custom import control_choices, custom_lesson, lesson_link
from viz.state import View

__all__ = ["TEACHER_CSS", "custom_lesson", "make_link_popover"]

# Projector type: everything readable from the back of a classroom; the page header (menu,
# deploy and toolbar) is hidden with the navigation.
TEACHER_CSS = """<style>
[data-testid="stHeader"] { display: none; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.45rem; line-height: 1.5; }
.lesson-text p { font-size: 1.6rem !important; }
h1 { font-size: 2.8rem !important; }
[data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.15rem; }
button p { font-size: 1.3rem !important; }
[data-testid="stNumberInput"] input, [data-baseweb="select"] * { font-size: 1.3rem !important; }
.pb-bar { font-size: 20px !important; }
</style>"""


def make_link_popover(view: View, base: str) -> None:
    """A popover that turns the playground's view into a lesson link with chosen controls."""
    with st.popover("Make a lesson link", icon=":material/school:"):
        st.caption(
            "A link that opens this view on the Lessons page: it plays by itself, shows only the controls "
            "you pick, and in teacher mode hides the menus and enlarges the type for a projector."
        )
        choices = control_choices(view)
        show = st.multiselect("controls that stay visible (up to 4)", list(choices), format_func=choices.get,
                              key="ll_show", max_selections=4)  # fmt: skip
        title = st.text_input("title", key="ll_title", placeholder="A view from the playground", max_chars=120)
        note = st.text_area("your note beside the map (optional)", key="ll_note", max_chars=600, height=80)
        teacher = st.checkbox("teacher mode (no menus, large type)", value=True, key="ll_teacher")
        link = lesson_link(base + "lessons", view, show, title, note, teacher)
        st.code(link, language=None, wrap_lines=True)
        st.link_button("Open this lesson", link, icon=":material/open_in_new:")
