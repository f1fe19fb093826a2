"""Streamlit helpers shared by the pages (the only package besides the pages that imports Streamlit)."""
