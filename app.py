"""The entry point: page navigation. Run with ``streamlit run app.py``.

The playground (``ui/playground.py``) comes first; the practitioner's sweep pages follow.
Each page only wires widgets to the engine (``landscapes``, ``optimizers``) and the figure
builders (``viz``).
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Optimizer landscapes", page_icon="⛰️", layout="wide")
# Streamlit greys captions, help text and chart-free labels to ~3.7:1 against white; a projector
# washes that out further. Every page gets text at ≥ 4.5:1 (WCAG AA): #555867 is 7:1 on white.
st.html(
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] *,"
    " [data-testid='stWidgetLabel'] small, [data-testid='stSidebarNavLink'] span,"
    " [data-testid='stMarkdownContainer'] small { color: #555867 !important; }</style>"
)

PAGES = [
    st.Page("ui/playground.py", title="Playground", icon=":material/landscape:", default=True),
    st.Page("ui/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
    st.Page("ui/pages/1_Hyperparameter_heatmap.py", title="Hyperparameter heatmap", icon=":material/grid_on:"),
    st.Page("ui/pages/2_Basins_of_attraction.py", title="Basins of attraction", icon=":material/bubble_chart:"),
    st.Page("ui/pages/3_Fair_comparison.py", title="Fair comparison", icon=":material/balance:"),
    st.Page("ui/pages/4_Noise_ensembles.py", title="Noise ensembles", icon=":material/grain:"),
    st.Page("ui/pages/5_Gradient_response.py", title="Gradient response (1D)", icon=":material/show_chart:"),
    st.Page("ui/pages/6_Network_landscape.py", title="Network landscape", icon=":material/hub:"),
]
# Teacher mode (a lesson link with teacher=1): no navigation, for a projector.
teacher = st.query_params.get("teacher") == "1"
st.navigation(PAGES, position="hidden" if teacher else "sidebar").run()
