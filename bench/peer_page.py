"""The peers of bench_page.py: the smallest Streamlit pages, with and without one Plotly chart."""

import streamlit as st

st.title("Peer page")
st.write("One line of text.")
if st.query_params.get("chart"):
    import plotly.graph_objects as go

    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))
