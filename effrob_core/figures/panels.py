"""Small multiples: one effective-robustness panel per shift in one figure, sharing groups and colours.

Taori et al. (2020, Fig. 1 and 2) and Radford et al. (2021, Fig. 13) show several shifts side by side.
Each panel is built by :func:`effrob_core.figures.scatter.robustness_scatter` (the same lines, band,
markers and hover text as the single view) and placed in a :func:`plotly.subplots.make_subplots`
grid. Panels on the same x-axis set share its range and ticks (and zoom together); the legend lists
each group and line once, so that a group has one colour in every panel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..robustness import ShiftAnalysis, x_key
from ..transforms import inverse, transform
from ..zero_shot import zero_shot_lines
from .scatter import axis_titles, robustness_scatter, shift_label, shown_mask
from .style import escape_text, percent_ticks

#: Pixel height of one row of panels.
ROW_HEIGHT = 340
#: Legend names of the lines, the same in every panel (each panel's n is in its hover text and title).
LINE_NAMES = {"band": "95% bootstrap band", "band-extrapolated": "95% bootstrap band, extrapolated",
              "baseline": "Baseline fit (standard training)", "baseline-extrapolated": "Baseline, extrapolated",
              "zero-shot-fit": "Zero-shot fit (all zero-shot shown)",
              "zero-shot-fit-extrapolated": "Zero-shot fit, extrapolated", "diagonal": "y = x"}
MAX_PANEL_TICKS = 7


def panel_title(analysis: ShiftAnalysis) -> str:
    """A panel's title: the shift and its baseline slope and n (per piece for a piecewise baseline)."""
    pieces = analysis.fit.pieces
    slopes = " / ".join(f"{p.fit.slope:.2f}" for p in pieces)
    ns = "+".join(str(p.fit.n) for p in pieces)
    return f"{escape_text(shift_label(analysis.shift))} (slope{'s' if len(pieces) > 1 else ''} {slopes}, n={ns})"


def shift_panels(
    analyses: Sequence[ShiftAnalysis],
    shown_groups: Iterable[str],
    shown_sources: Iterable[str],
    columns: int = 3,
    zero_shot_line: bool = True,
    row_height: int = ROW_HEIGHT,
) -> go.Figure:
    """A grid of effective-robustness panels, one per analysis, in one figure.

    All analyses must use the same transform. ``zero_shot_line`` adds, in each panel, the line fit on
    the zero-shot models shown there.
    """
    if not analyses:
        raise ValueError("choose at least one shift for the panels")
    kinds = {a.transform for a in analyses}
    if len(kinds) != 1:
        raise ValueError(f"the panels mix axis scalings {sorted(kinds)}; use one")
    kind = kinds.pop()
    groups, sources = list(shown_groups), list(shown_sources)
    columns = max(1, min(columns, len(analyses)))
    rows = int(np.ceil(len(analyses) / columns))
    x_sets = {x_key(a.shift, a.x_axis, a.x_set) for a in analyses}
    shared_x = len(x_sets) == 1
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[panel_title(a) for a in analyses],
                        shared_xaxes="all" if shared_x else False, horizontal_spacing=0.07,
                        vertical_spacing=0.16 / max(1, rows - 1) if rows > 1 else 0.1)
    in_legend: set[str] = set()
    x_ranges = []
    traces, cells_r, cells_c = [], [], []
    splits: list[tuple[float, int, int]] = []
    for i, a in enumerate(analyses):  # a handful of panels
        row, col = i // columns + 1, i % columns + 1
        shown = a.points[shown_mask(a.points, groups, sources)]
        lines = zero_shot_lines(shown, "all", kind, a.fit)[0] if zero_shot_line else []
        single = robustness_scatter(a, groups, sources, zero_shot_lines=lines)
        for trace in single.data:
            name = LINE_NAMES.get(trace.meta, trace.name)
            trace.name, trace.legendgroup = name, name
            trace.showlegend = name not in in_legend and trace.meta != "highlight"
            in_legend.add(name)
            traces.append(trace)
            cells_r.append(row)
            cells_c.append(col)
        splits += [(float(transform(split, kind)), row, col) for split in a.fit.splits]
        x_title, y_title = axis_titles(a.shift, a.x_axis, a.x_set)
        x_ranges.append(single.layout.xaxis.range)
        y_ticks = percent_ticks(kind, *np.clip(inverse(np.asarray(single.layout.yaxis.range), kind), 0, 1),
                                max_ticks=MAX_PANEL_TICKS)
        fig.update_yaxes(range=single.layout.yaxis.range, tickvals=y_ticks[0], ticktext=y_ticks[1],
                         title_text=y_title if col == 1 else None, row=row, col=col)
        if not shared_x:
            fig.update_xaxes(range=single.layout.xaxis.range, title_text=x_title, row=row, col=col,
                             **_ticks(kind, single.layout.xaxis.range))
    fig.add_traces(traces, rows=cells_r, cols=cells_c)
    for x, row, col in splits:  # the split of a piecewise baseline, as in the single view
        fig.add_vline(x=x, line=dict(color="#222222", width=1.2, dash="dot"), row=row, col=col)
    if shared_x:
        lo, hi = min(r[0] for r in x_ranges), max(r[1] for r in x_ranges)
        fig.update_xaxes(range=[lo, hi], **_ticks(kind, (lo, hi)))
        for col in range(1, columns + 1):
            fig.update_xaxes(title_text=axis_titles(analyses[0].shift, analyses[0].x_axis, analyses[0].x_set)[0],
                             row=rows, col=col)
    fig.update_xaxes(showline=True, linecolor="#222222", mirror=True, ticks="outside", showgrid=True,
                     gridcolor="#E5E5E5", zeroline=False, showticklabels=True)
    fig.update_yaxes(showline=True, linecolor="#222222", mirror=True, ticks="outside", showgrid=True,
                     gridcolor="#E5E5E5", zeroline=False)
    fig.update_layout(
        height=row_height * rows + 110, template="simple_white", font=dict(size=12),
        margin=dict(l=60, r=20, t=40, b=110),
        legend=dict(orientation="h", yanchor="bottom", y=0.0, yref="container", xanchor="left", x=0,
                    itemclick=False, itemdoubleclick=False),
        hoverlabel=dict(align="left"))
    fig.update_annotations(font_size=13)
    return fig


def _ticks(kind: str, t_range: Sequence[float]) -> dict[str, list]:
    vals, text = percent_ticks(kind, *np.clip(inverse(np.asarray(t_range), kind), 0, 1),  # type: ignore[arg-type]
                               max_ticks=MAX_PANEL_TICKS)
    return {"tickvals": vals, "ticktext": text}
