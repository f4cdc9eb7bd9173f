"""Side-by-side comparison of a few models: grouped bars per evaluation set with interval error bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import BASELINE_COLOR, CATEGORY_PALETTE, escape_html

_AXIS = dict(showgrid=False, zeroline=False, showline=True, linecolor="#222222", mirror=True, ticks="outside",
             tickfont=dict(size=13), title_font=dict(size=15))


def compare_figure(frame: pd.DataFrame, metric: str, interval_label: str, height: int = 460) -> go.Figure:
    """Grouped bars: one group per evaluation set, one bar per model, error bars from ``lo``/``hi``.

    ``frame`` is :func:`effrob_core.catalog.compare_long` output (values in points); ``metric`` is
    ``accuracy`` (top-1 %) or ``robustness`` (effective robustness, with a line at 0).
    """
    if metric not in ("accuracy", "robustness"):
        raise ValueError(f"unknown metric {metric!r}; choose accuracy or robustness")
    fig = go.Figure()
    order = list(dict.fromkeys(frame["set_name"]))
    models = list(dict.fromkeys(frame["model_id"]))
    for i, model_id in enumerate(models):  # at most 8 models
        g = frame.loc[frame["model_id"] == model_id]
        value = g["value"].to_numpy(dtype=float)
        name = escape_html([g["model"].iloc[0]])[0]
        fig.add_trace(go.Bar(
            x=g["set_name"], y=value, name=name, marker_color=CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)],
            error_y=dict(type="data", symmetric=False, array=g["hi"].to_numpy(dtype=float) - value,
                         arrayminus=value - g["lo"].to_numpy(dtype=float), thickness=1.2, width=3,
                         color="#222222"),
            customdata=np.stack([g["lo"], g["hi"]], axis=1),
            hovertemplate=(name + "<br>%{x}: %{y:.2f} [%{customdata[0]:.2f}, %{customdata[1]:.2f}] "
                           + interval_label + "<extra></extra>")))
    y_title = "Top-1 accuracy (%)" if metric == "accuracy" else "Effective robustness (pts)"
    fig.update_layout(
        barmode="group", bargap=0.18, bargroupgap=0.04, height=height, template="simple_white",
        font=dict(size=13), margin=dict(l=70, r=20, t=20, b=40),
        xaxis=dict(_AXIS, categoryorder="array", categoryarray=order),
        yaxis=dict(_AXIS, title_text=y_title, showgrid=True, gridcolor="#E5E5E5",
                   ticksuffix="%" if metric == "accuracy" else ""),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=12)),
        hoverlabel=dict(align="left"),
    )
    if metric == "robustness":
        fig.add_hline(y=0, line=dict(color=BASELINE_COLOR, width=1.2, dash="dash"))
    return fig
