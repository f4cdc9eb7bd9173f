"""The framework's floor: the plainest Streamlit page that draws the same models as the Effective
robustness page's default view (ImageNet against ImageNetV2, logit axes) in one WebGL trace.

Not part of the app; ``benchmarks/floor.py`` serves it next to the app to measure how close the
app's first chart comes to what Streamlit and plotly need anyway.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from effrob_core.results import RESULTS_DIR


@st.cache_data
def points() -> pd.DataFrame:
    """ImageNet and ImageNetV2 top-1 of every model that has both (the page's default view)."""
    ev = pd.read_csv(RESULTS_DIR / "evaluations.csv")
    wide = ev.pivot(index="model_id", columns="eval_set", values="top1")
    return wide[["imagenet", "imagenetv2"]].dropna()


def floor_chart() -> None:
    """The chart: every model in one WebGL trace on logit axes, named on hover."""
    p = points()
    logit = lambda a: np.log(a / (1 - a))  # noqa: E731
    fig = go.Figure(go.Scattergl(x=logit(p["imagenet"]), y=logit(p["imagenetv2"]), mode="markers",
                                 text=p.index, marker=dict(size=6)))
    st.plotly_chart(fig, theme=None)


if __name__ == "__main__":  # run as a page (Streamlit runs a page as __main__), not when imported
    floor_chart()
