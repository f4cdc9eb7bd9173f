"""Side-by-side comparison of a few models: grouped bars per evaluation set with interval error bars."""

from __future__ import annotations

import copy
import functools
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .style import BASELINE_COLOR, CATEGORY_PALETTE, escape_html, unchecked_figure

_AXIS = dict(showgrid=False, zeroline=False, showline=True, linecolor="#222222", mirror=True, ticks="outside",
             tickfont=dict(size=13), title_font=dict(size=15))


@functools.lru_cache(maxsize=8)
def _layout(metric: str, height: int, unit: str = "pts") -> dict[str, Any]:
    """The layout shared by every comparison chart of ``metric`` (template and zero line included), validated
    by plotly once; callers get deep copies. ``unit`` names the effective-robustness unit on the y-axis."""
    y_title = "Top-1 accuracy (%)" if metric == "accuracy" else f"Effective robustness ({unit})"
    fig = go.Figure()
    fig.update_layout(
        barmode="group", bargap=0.18, bargroupgap=0.04, height=height, template="simple_white",
        font=dict(size=13), margin=dict(l=70, r=20, t=20, b=40),
        xaxis=dict(_AXIS, categoryorder="array"),
        yaxis=dict(_AXIS, title_text=y_title, showgrid=True, gridcolor="#E5E5E5",
                   ticksuffix="%" if metric == "accuracy" else ""),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=12)),
        hoverlabel=dict(align="left"),
    )
    if metric == "robustness":
        fig.add_hline(y=0, line=dict(color=BASELINE_COLOR, width=1.2, dash="dash"))
    return fig.to_plotly_json()["layout"]


def compare_figure(frame: pd.DataFrame, metric: str, interval_label: str, height: int = 460,
                   unit: str = "pts") -> go.Figure:
    """Grouped bars: one group per evaluation set, one bar per model, error bars from ``lo``/``hi``.

    ``frame`` is :func:`effrob_core.models_table.compare_long` output (values in points); ``metric`` is
    ``accuracy`` (top-1 %) or ``robustness`` (effective robustness in ``unit``, with a line at 0). The layout is
    validated once per metric and the bars are written in plotly's own property names, so the figure
    is assembled without plotly's per-property validation (about 40 ms a chart, mostly copying the
    template); a test checks that validating it changes nothing.
    """
    if metric not in ("accuracy", "robustness"):
        raise ValueError(f"unknown metric {metric!r}; choose accuracy or robustness")
    layout = copy.deepcopy(_layout(metric, height, unit))
    layout["xaxis"]["categoryarray"] = list(dict.fromkeys(frame["set_name"]))
    model_ids = frame["model_id"].to_numpy()
    escaped = escape_html(frame["model"].to_numpy())
    set_names = frame["set_name"].astype(str).to_numpy(dtype=object)
    values, lows, highs = (frame[c].to_numpy(dtype=float) for c in ("value", "lo", "hi"))
    traces = []
    for i, model_id in enumerate(dict.fromkeys(model_ids)):  # at most 8 models
        rows = np.flatnonzero(model_ids == model_id)
        value, lo, hi = values[rows], lows[rows], highs[rows]
        name = str(escaped[rows[0]])
        traces.append(dict(
            type="bar", x=set_names[rows].tolist(), y=value, name=name,
            marker=dict(color=CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)]),
            error_y=dict(type="data", symmetric=False, array=hi - value, arrayminus=value - lo, thickness=1.2,
                         width=3, color="#222222"),
            customdata=np.stack([lo, hi], axis=1),
            # the name is substituted, never part of the template: a name holding "%{x}" is shown as written
            hovertemplate=("%{fullData.name}<br>%{x}: %{y:.2f} [%{customdata[0]:.2f}, %{customdata[1]:.2f}] "
                           + interval_label + "<extra></extra>")))
    return unchecked_figure(traces, layout)
