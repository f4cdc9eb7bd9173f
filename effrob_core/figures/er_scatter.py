"""Effective robustness against effective robustness: one point per model, one shift on each axis.

Taori et al. (2020, Sec. 5 and Fig. 4, ``plotting/paper_eff_robust_corruptions.py``) plot each model's
effective robustness under a synthetic shift (corruptions averaged, or PGD) against its effective
robustness on ImageNetV2: synthetic robustness does not predict natural robustness. Each axis's ER
comes from its own baseline fit (:func:`effrob_core.robustness.analyse_shift`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..robustness import ShiftAnalysis
from .scatter import shift_label
from .style import GROUP_COLORS, GROUP_SYMBOLS, escape_html, escape_text

FALLBACK_COLOR = "#555555"


def paired_effective_robustness(x: ShiftAnalysis, y: ShiftAnalysis) -> pd.DataFrame:
    """Models in both analyses with ``er_x`` and ``er_y`` (fractions) and their group, source and name."""
    cols = ["model_id", "display_name", "group", "source", "eff_rob"]
    both = x.points[cols].merge(y.points[["model_id", "eff_rob"]], on="model_id", suffixes=("_x", "_y"))
    return both.rename(columns={"eff_rob_x": "er_x", "eff_rob_y": "er_y"})


def pearson_r(pairs: pd.DataFrame) -> float:
    """Pearson correlation of the two effective robustnesses (NaN for fewer than 3 models)."""
    if len(pairs) < 3:
        return float("nan")
    return float(np.corrcoef(pairs["er_x"], pairs["er_y"])[0, 1])


def er_scatter(x: ShiftAnalysis, y: ShiftAnalysis, shown_groups: Iterable[str], height: int = 600) -> go.Figure:
    """Scatter of effective robustness under ``x``'s shift (x-axis) against ``y``'s (y-axis), in points."""
    pairs = paired_effective_robustness(x, y)
    pairs = pairs[pairs["group"].isin(list(shown_groups))]
    fig = go.Figure()
    present = set(pairs["group"])
    for group in [g for g in GROUP_COLORS if g in present] + sorted(present - set(GROUP_COLORS)):
        p = pairs[pairs["group"] == group]
        fig.add_trace(go.Scatter(
            x=100 * p["er_x"].to_numpy(), y=100 * p["er_y"].to_numpy(), mode="markers", name=escape_text(group),
            meta="points", ids=p["model_id"].to_numpy(dtype=object), text=escape_html(p["display_name"]),
            marker=dict(color=GROUP_COLORS.get(group, FALLBACK_COLOR), symbol=GROUP_SYMBOLS.get(group, "circle"),
                        size=9, opacity=0.8, line=dict(color="white", width=0.5)),
            hovertemplate=(f"<b>%{{text}}</b><br>{escape_text(group)}<br>"
                           f"ER {escape_text(shift_label(x.shift))}: %{{x:+.2f}} pts<br>"
                           f"ER {escape_text(shift_label(y.shift))}: %{{y:+.2f}} pts<extra></extra>")))
    fig.add_vline(x=0, line=dict(color="#888888", width=1, dash="dot"))  # on the x shift's baseline
    fig.add_hline(y=0, line=dict(color="#888888", width=1, dash="dot"))  # on the y shift's baseline
    axis_style = dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, showline=True, linecolor="#222222",
                      mirror=True, ticks="outside")
    fig.update_layout(
        height=height, template="simple_white", margin=dict(l=70, r=20, t=30, b=110),
        xaxis=dict(axis_style, title_text=f"Effective robustness, {shift_label(x.shift)} (pts)"),
        yaxis=dict(axis_style, title_text=f"Effective robustness, {shift_label(y.shift)} (pts)"),
        legend=dict(orientation="h", yanchor="bottom", y=0.0, yref="container", xanchor="left", x=0,
                    itemclick=False, itemdoubleclick=False),
        hoverlabel=dict(align="left"))
    return fig
