"""Several evaluation sets on one scaling chart: each model family's accuracy (or error) on each set
against samples seen or compute, as OpenCLIP's ``docs/scaling.png`` shows ImageNet and ImageNetV2.

Each (set, family) is one line through its models in order of x; a set keeps one colour and marker
in every family, so that the gap between sets reads at every scale.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .scaling import _layout, _x_title, _y_values
from .scatter import shift_label
from .style import escape_html, escape_text

#: Colour and marker of each set in turn (the seed figure's blue squares and orange circles first).
SET_STYLES: tuple[tuple[str, str], ...] = (
    ("#1F77B4", "square"), ("#FF7F0E", "circle"), ("#2CA02C", "diamond"), ("#D62728", "triangle-up"),
    ("#9467BD", "star"), ("#8C564B", "x"), ("#E377C2", "cross"),
)
Y_TITLES = {"accuracy": "Zero-shot top-1 accuracy (%)", "error": "Zero-shot top-1 error (%)"}


def scaling_sets_figure(points_by_set: Mapping[str, pd.DataFrame], y_metric: str = "accuracy",
                        x_kind: str = "samples", height: int = 520) -> go.Figure:
    """One line per (evaluation set, family) through the models' y against x (log), a colour per set.

    ``points_by_set`` maps a set key to :func:`effrob_core.scaling_points.scaling_points` output.
    """
    if not points_by_set:
        raise ValueError("choose at least one evaluation set")
    if len(points_by_set) > len(SET_STYLES):
        raise ValueError(f"at most {len(SET_STYLES)} evaluation sets on one chart")
    traces, xs, ys = [], [], []
    for (eval_set, pts), (color, symbol) in zip(points_by_set.items(), SET_STYLES):
        name = shift_label(eval_set)
        shown = False
        for family, p in pts.sort_values("x").groupby("family", sort=True):  # a few families
            y = _y_values(p["top1"].to_numpy(dtype=float), y_metric)
            x = p["x"].to_numpy(dtype=float)
            xs.append(x)
            ys.append(y)
            traces.append(go.Scatter(
                x=x, y=y, mode="lines+markers", name=escape_text(name), legendgroup=eval_set, showlegend=not shown,
                meta=eval_set, ids=p["model_id"].to_numpy(dtype=object),
                line=dict(color=color, width=2), marker=dict(color=color, symbol=symbol, size=9),
                text=escape_html(p["display_name"]),
                hovertemplate=(f"<b>%{{text}}</b><br>{escape_text(str(family))}<br>{escape_text(name)}: "
                               f"%{{y:.1f}}%<br>x: %{{x:.3s}}<extra></extra>")))
            shown = True
    fig = go.Figure(traces)
    all_x = np.concatenate(xs) if xs else np.array([1.0])
    all_y = np.concatenate(ys) if ys else np.array([1.0])
    first = next(iter(points_by_set.values()))
    fig.update_layout(**_layout(_x_title(first, x_kind), Y_TITLES.get(y_metric, y_metric), all_x,
                                y_metric == "error", all_y, height), template="simple_white")
    fig.update_layout(legend=dict(orientation="v", x=0.02, xanchor="left", y=0.98, yanchor="top",
                                  bgcolor="rgba(255,255,255,0.8)", bordercolor="#CCCCCC", borderwidth=1))
    return fig
