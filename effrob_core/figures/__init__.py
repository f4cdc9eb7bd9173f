"""Plotly figure builders: plain functions of core results returning ``plotly.graph_objects.Figure``.

No Streamlit here, so every figure is testable without a browser.
"""
