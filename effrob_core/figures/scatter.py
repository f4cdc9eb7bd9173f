"""The effective-robustness scatter: ImageNet accuracy against shift accuracy on transformed axes.

One WebGL (``Scattergl``) marker trace per group, so that tens of thousands of models stay
responsive; WebGL traces draw star markers, per-point sizes and error bars, and support box and lasso
selection. Plotly draws WebGL markers above SVG traces, so the baseline, its bootstrap band, the
zero-shot line and y = x (few-point SVG lines) lie under the points, and the labels of highlighted
models are annotations, which lie above everything. Axes are in transformed units with percent ticks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from numpy.typing import NDArray

from ..baseline import BootstrapFit, LinearFit, PiecewiseLine
from ..checkpoints import also_in_text
from ..datasets import AVERAGE, EVAL_SETS, MAIN_SHIFTS
from ..er_units import ER_UNITS, er_in_units, unit_suffix
from ..intervals import TESTBED_CONFIDENCE
from ..robustness import ShiftAnalysis, x_key
from ..transforms import Transform, inverse, transform
from ..uncertainty import ER_INTERVALS
from ..zero_shot import ZeroShotLine
from .style import (
    BASELINE_COLOR,
    GROUP_COLORS,
    GROUP_SYMBOLS,
    ZERO_SHOT_FIT_COLOR,
    category_colors,
    escape_html,
    escape_text,
    padded_range,
    percent_ticks,
    source_labels,
)

ZERO_SHOT_GROUP = "Zero-shot image-text"
#: Highlighted models are labelled by name only when at most this many match (else outlined only).
MAX_LABELS = 15
MARKER_SIZE = 6.5
STAR_SIZE = 11.0
HIGHLIGHT_SCALE = 1.8
LINE_POINTS = 200
MAX_TICKS = 11
#: Room under the plot for the tick labels, the x title and two rows of legend (pixels).
LEGEND_MARGIN = 120
#: Height of one more row of legend below the plot (pixels), and legend entries per row (about).
LEGEND_ROW = 22
LEGEND_PER_ROW = 4
#: Pixels from a point to its label: in turn above-left and below-right, across the rising trend the
#: points lie on, so that neighbouring labels along the trend do not sit next to the wrong point.
_LABEL_OFFSETS = ((-30, -30), (30, 30), (-50, -50), (50, 50))
#: Above this many zero-shot lines the legend moves to the right of the plot, one entry per row.
MAX_BOTTOM_LEGEND_LINES = 2
FALLBACK_COLOR = "#555555"


def shift_label(shift: str) -> str:
    """Human name of a shift choice ("Average of 5 main shifts" for ``average``)."""
    if shift == AVERAGE:
        return f"Average of {len(MAIN_SHIFTS)} main shifts"
    return EVAL_SETS[shift].name


def x_label(shift: str, x_axis: str, x_set: str | None = None) -> str:
    """Short name of the x-axis set: "ImageNet", "ImageNet, ImageNet-R classes" or another set's name."""
    key = x_key(shift, x_axis, x_set)  # raises ValueError for a combination that does not exist
    if x_set is not None:
        return shift_label(key)
    return "ImageNet" if x_axis == "full" else f"ImageNet, {EVAL_SETS[shift].name.split(' (')[0]} classes"


def axis_titles(shift: str, x_axis: str, x_set: str | None = None) -> tuple[str, str]:
    """Titles of the x and y axes: "ImageNet top-1 (%)" (its class-matched subset, or any ``x_set``)
    and the shift's."""
    name = x_label(shift, x_axis, x_set)
    x_title = (f"ImageNet top-1, {name.split(', ', 1)[1]} (%)" if x_set is None and x_axis == "matched"
               else f"{name} top-1 (%)")
    y_title = (f"Mean top-1 over {len(MAIN_SHIFTS)} main shifts (%)" if shift == AVERAGE
               else f"{EVAL_SETS[shift].name} top-1 (%)")
    return x_title, y_title


def shown_mask(points: pd.DataFrame, shown_groups: Iterable[str], shown_sources: Iterable[str]) -> NDArray[np.bool_]:
    """Rows of ``points`` whose group and source are both among those shown."""
    return (points["group"].isin(list(shown_groups)) & points["source"].isin(list(shown_sources))).to_numpy()


def highlight_mask(points: pd.DataFrame, query: str) -> NDArray[np.bool_]:
    """Rows whose display name, model id or ``also_in`` ids (the other rows of the same checkpoint)
    contain ``query`` (case-insensitive); none for a blank query."""
    needle = query.strip().lower()
    if not needle:
        return np.zeros(len(points), dtype=bool)
    hit = points["display_name"].astype(str).str.lower().str.contains(needle, regex=False)
    hit |= points["model_id"].astype(str).str.lower().str.contains(needle, regex=False)
    if "also_in" in points.columns:
        hit |= points["also_in"].fillna("").astype(str).str.lower().str.contains(needle, regex=False)
    return hit.to_numpy()


def selected_model_ids(selection_points: Sequence[Mapping[str, Any]]) -> list[str]:
    """Model ids of the points in a plotly selection (each point's ``id``), unique, in selection order.

    Points of traces without model ids (lines, band) are ignored.
    """
    ids = [p["id"] for p in selection_points if isinstance(p.get("id"), str) and p["id"]]
    return list(dict.fromkeys(ids))


#: Columns of a point's numeric hover data (``customdata``): accuracies with their intervals in percent,
#: effective robustness with its interval in the chosen unit, relative robustness in points.
HOVER_COLUMNS = ("x", "x_lo", "x_hi", "y", "y_lo", "y_hi", "eff_rob", "eff_rob_lo", "eff_rob_hi", "shift_gap")
#: What an extrapolated point adds to its source label (kept short: it travels once per such point).
EXTRAPOLATED_NOTE = " · ⚠ extrapolated"


def _point_data(p: pd.DataFrame, units: str, kind: Transform, interval: str) -> dict[str, Any]:
    """Per-point data of a marker trace: model ids (``ids``, for selections), escaped names (``text``),
    source labels with the extrapolation note where it applies and the other rows of the same
    checkpoint (``hovertext``), and the hover numbers as one numeric array, which plotly sends as
    compact binary instead of a text array per point.
    """
    pct = 100 * p[["x", "x_lo", "x_hi", "y", "y_lo", "y_hi"]].to_numpy(dtype=float)
    er = er_in_units(p, units, kind, interval).to_numpy(dtype=float)
    rest = 100 * p[["shift_gap"]].to_numpy(dtype=float)
    source = escape_html(source_labels(p["source"]))
    flagged = p["extrapolated"].to_numpy(dtype=bool)
    if flagged.any():
        source = np.where(flagged, source + EXTRAPOLATED_NOTE, source).astype(object)
    also = escape_html(also_in_text(p))
    return dict(ids=p["model_id"].astype(str).to_numpy(dtype=object), text=escape_html(p["display_name"]),
                hovertext=np.where(also != "", source + "<br>" + also, source),
                customdata=np.concatenate([pct, er, rest], axis=1).reshape(len(p), len(HOVER_COLUMNS)))


def _fitted_ranges(fit: PiecewiseLine) -> str:
    """The fitted models' x range of each piece, e.g. "56.5–84.7%" or "56.5–75.9% and 76.2–84.7%"."""
    return " and ".join(f"{100 * p.fit.x_min:.1f}–{100 * p.fit.x_max:.1f}%" for p in fit.pieces)


def off_scale_mask(points: pd.DataFrame, kind: Transform) -> NDArray[np.bool_]:
    """Rows at exactly 0% or 100% on either axis, which a logit or probit axis cannot place (not drawn)."""
    if kind == "linear":
        return np.zeros(len(points), dtype=bool)
    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    return (x == 0) | (x == 1) | (y == 0) | (y == 1)


def _hovertemplate(group: str, shift: str, has_y_interval: bool, confidence: float, units: str, kind: Transform,
                   interval: str, fit: PiecewiseLine, x_name: str = "ImageNet") -> str:
    """Hover text of a group's points: name, group and source (and the extrapolation note), accuracies
    with intervals, effective robustness in the chosen unit with its interval, the shift gap (y - x)."""
    c = {name: f"customdata[{i}]" for i, name in enumerate(HOVER_COLUMNS)}
    ci = f"{100 * confidence:g}% CI"
    fmt = ER_UNITS[units].fmt
    y_part = f"%{{{c['y']}:.2f}}%" + (
        f" [%{{{c['y_lo']}:.2f}}, %{{{c['y_hi']}:.2f}}]" if has_y_interval else "")
    return (
        "<b>%{text}</b><br>"
        f"{escape_text(group)} · %{{hovertext}}<br>"
        f"{escape_text(x_name)}: %{{{c['x']}:.2f}}% [%{{{c['x_lo']}:.2f}}, %{{{c['x_hi']}:.2f}}] ({ci})<br>"
        f"{escape_text(shift_label(shift))}: {y_part}" + (f" ({ci})" if has_y_interval else "") + "<br>"
        f"Effective robustness: %{{{c['eff_rob']}:{fmt}}} {escape_text(unit_suffix(units, kind))} "
        f"[%{{{c['eff_rob_lo']}:{fmt}}}, %{{{c['eff_rob_hi']}:{fmt}}}] ({escape_text(ER_INTERVALS[interval].short)})<br>"
        f"Baseline models' ImageNet range: {_fitted_ranges(fit)} (⚠ extrapolated outside)<br>"
        f"Shift gap (y − x): %{{{c['shift_gap']}:+.2f}} pts<extra></extra>"
    )


def _error(value: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64],
           kind: Transform, color: str, visible: bool) -> dict[str, Any]:
    """Asymmetric error bars in transformed units from accuracy bounds (fractions); when hidden, no arrays
    (they would only enlarge the figure sent to the browser)."""
    if not visible:
        return dict(visible=False)
    t = transform(value, kind)
    return dict(type="data", symmetric=False, array=transform(hi, kind) - t, arrayminus=t - transform(lo, kind),
                visible=visible, thickness=0.8, width=0, color=color)


def _rgba(hex_color: str, alpha: float) -> str:
    """A ``#RRGGBB`` colour as a CSS ``rgba(...)`` string with the given opacity."""
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _line_grid(x_range_acc: tuple[float, float], kind: Transform, points: int = LINE_POINTS) -> NDArray[np.float64]:
    """Accuracies evenly spaced in transformed units between the two ends (inclusive)."""
    t0, t1 = transform(np.asarray(x_range_acc, dtype=float), kind)
    return inverse(np.linspace(t0, t1, points), kind)


def split_range(drawn: tuple[float, float], fitted: tuple[float, float]) -> tuple[
        tuple[float, float] | None, list[tuple[float, float]]]:
    """The part of the ``drawn`` x range (accuracies) inside the ``fitted`` range, and the parts outside it.

    A line is solid over the first (interpolation) and dashed over the others (extrapolation).
    """
    lo, hi = drawn
    f_lo, f_hi = fitted
    inside = (max(lo, f_lo), min(hi, f_hi))
    outside = [(lo, min(hi, f_lo))] if lo < f_lo else []
    outside += [(max(lo, f_hi), hi)] if hi > f_hi else []
    return (inside if inside[0] < inside[1] else None), [r for r in outside if r[0] < r[1]]


def _segments(drawn: tuple[float, float], fitted: tuple[float, float], kind: Transform) -> tuple[
        NDArray[np.float64] | None, list[NDArray[np.float64]]]:
    """Grids (accuracies) of the solid part and of each dashed part of a line over ``drawn``."""
    inside, outside = split_range(drawn, fitted)
    span = float(np.ptp(transform(np.asarray(drawn, dtype=float), kind))) or 1.0
    def grid(r: tuple[float, float]) -> NDArray[np.float64]:
        width = float(np.ptp(transform(np.asarray(r, dtype=float), kind)))
        return _line_grid(r, kind, max(2, int(np.ceil(LINE_POINTS * width / span))))
    return (None if inside is None else grid(inside)), [grid(r) for r in outside]


def _joined(grids: list[NDArray[np.float64]], values: list[NDArray[np.float64]]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """Several line pieces as one trace's x and y, separated by NaN (plotly leaves a gap there)."""
    gap = np.array([np.nan])
    xs = [part for g in grids for part in (g, gap)][:-1]
    ys = [part for v in values for part in (v, gap)][:-1]
    return np.concatenate(xs), np.concatenate(ys)


def _line_traces(fit: LinearFit, drawn: tuple[float, float], color: str, name: str, short: str, meta: str,
                 hover: str, legendgroup: str, legend_extrapolated: bool = True) -> list[go.Scatter]:
    """A fitted line: solid over the x range of its models, dashed (extrapolated) beyond; the dashed part
    has a legend entry of its own when ``legend_extrapolated`` (or when there is no solid part)."""
    kind = fit.transform
    inside, outside = _segments(drawn, (fit.x_min, fit.x_max), kind)
    traces = []
    if inside is not None:
        traces.append(go.Scatter(
            x=transform(inside, kind), y=fit.slope * transform(inside, kind) + fit.intercept, mode="lines",
            line=dict(color=color, width=2.5), name=name, legendgroup=legendgroup, hovertemplate=hover, meta=meta))
    if outside:
        tx, ty = _joined([transform(g, kind) for g in outside],
                         [fit.slope * transform(g, kind) + fit.intercept for g in outside])
        traces.append(go.Scatter(
            x=tx, y=ty, mode="lines", line=dict(color=color, width=1.8, dash="dash"),
            name=f"{short}, extrapolated" if inside is not None else f"{name}, extrapolated",
            legendgroup=legendgroup, showlegend=legend_extrapolated or inside is None,
            hovertemplate=hover.replace("<extra>", f"<br>extrapolated beyond its models' x "
                                                   f"{100 * fit.x_min:.1f}–{100 * fit.x_max:.1f}%<extra>", 1),
            meta=f"{meta}-extrapolated"))
    return traces


def _band_traces(boot: BootstrapFit, fit: LinearFit, drawn: tuple[float, float], level: float) -> list[go.Scatter]:
    """The bootstrap band: shaded over the fitted range, lighter with dashed edges beyond it."""
    kind = fit.transform
    inside, outside = _segments(drawn, (fit.x_min, fit.x_max), kind)
    traces = []
    label = f"{100 * level:g}% bootstrap band"
    for part, meta in ([(inside, "band")] if inside is not None else []) + [(g, "band-extrapolated") for g in outside]:
        tgrid = transform(part, kind)
        lo, hi = boot.band(part, level)
        solid = meta == "band"
        traces.append(go.Scatter(
            x=np.concatenate([tgrid, tgrid[::-1]]), y=np.concatenate([transform(hi, kind), transform(lo, kind)[::-1]]),
            fill="toself", fillcolor=_rgba(BASELINE_COLOR, 0.18 if solid else 0.07),
            line=dict(width=0) if solid else dict(width=0.8, color=_rgba(BASELINE_COLOR, 0.6), dash="dash"),
            mode="lines", name=label if solid or inside is None else f"{label}, extrapolated", hoverinfo="skip",
            legendgroup="baseline-band", showlegend=solid or (inside is None and part is outside[0]), meta=meta))
    return traces


def zero_shot_colors(lines: Sequence[ZeroShotLine]) -> dict[str, str]:
    """Purple for a single zero-shot line (the seed figure's); one palette colour per line otherwise."""
    labels = [ln.label for ln in lines]
    if len(labels) == 1:
        return {labels[0]: ZERO_SHOT_FIT_COLOR}
    return category_colors(labels, {})


def robustness_scatter(
    analysis: ShiftAnalysis,
    shown_groups: Iterable[str],
    shown_sources: Iterable[str],
    highlight: str = "",
    error_bars: bool = False,
    zero_shot_lines: Sequence[ZeroShotLine] = (),
    height: int = 650,
    confidence: float = TESTBED_CONFIDENCE,
    level: float = 0.95,
    x_limits: tuple[float, float] | None = None,
    y_limits: tuple[float, float] | None = None,
    selected_ids: Sequence[str] = (),
    units: str = "pts",
    interval: str = "total",
    mark_members: bool = False,
) -> go.Figure:
    """Scatter of the analysis's points (shown groups and sources) with the baseline, its band and y = x.

    ``x_limits`` / ``y_limits`` fix an axis to that accuracy range (fractions) instead of fitting it to
    the points, so that a zoom can be written into a link; ``selected_ids`` marks those models as the
    chart's selection (a selection restored from a link). Legend clicks do not hide groups: which
    groups are shown is the page's control (and the link's), and the legend always lists exactly those.

    Every fitted line (baseline, band, ``zero_shot_lines``) is drawn over the x range of the shown
    points, solid over the range of the models it was fit on and dashed beyond; with more than
    ``MAX_BOTTOM_LEGEND_LINES`` zero-shot lines, those are drawn over their own range only. ``highlight``
    enlarges and outlines the models whose name or id contains it; ``mark_members`` rings the shown
    models the baseline was fit on. Hover shows effective robustness in ``units``
    (:data:`effrob_core.er_units.ER_UNITS`) with its ``interval`` and flags extrapolated values.
    ``confidence`` and ``level`` label the hover intervals and must match those of the analysis.

    Each piece of a piecewise baseline (the testbed's ImageNet-A line) is drawn, with its band, over its
    own side of the split, which is marked by a dotted vertical line. Points at exactly 0% or 100%
    (``off_scale_mask``) are not drawn on a logit or probit axis.
    """
    kind = analysis.transform
    pts = analysis.points
    x_name = x_label(analysis.shift, analysis.x_axis, analysis.x_set)
    shown = pts[shown_mask(pts, shown_groups, shown_sources) & ~off_scale_mask(pts, kind)]
    extent = shown if len(shown) else pts
    hit = highlight_mask(shown, highlight)
    has_y_interval = bool(shown["y_lo"].notna().any()) if len(shown) else False
    fig = go.Figure()

    # Ranges: the shown points (with their intervals when error bars are on), in transformed units.
    xs = [extent["x"]] + ([extent["x_lo"], extent["x_hi"]] if error_bars else [])
    ys = [extent["y"]] + ([extent["y_lo"], extent["y_hi"]] if error_bars else [])
    x_range = padded_range(kind, pd.concat(xs).dropna()) if x_limits is None else axis_limits(x_limits, kind)
    y_range = padded_range(kind, pd.concat(ys).dropna()) if y_limits is None else axis_limits(y_limits, kind)
    chosen = set(selected_ids)

    # Lines over the x-range of the shown points (in accuracy), solid where fitted.
    drawn = (float(extent["x"].min()), float(extent["x"].max()))
    fit = analysis.fit
    for i, piece in enumerate(fit.pieces):  # one piece, or two: each over its own side of the split
        side = (max(drawn[0], piece.low), min(drawn[1], piece.high))
        if side[0] >= side[1]:
            continue
        label = "" if len(fit.pieces) == 1 else (" below split" if i == 0 else " above split")
        for trace in _band_traces(piece.boot, piece.fit, side, level):
            trace.showlegend = bool(trace.showlegend) and i == 0
            fig.add_trace(trace)
        base_name = f"Baseline fit{label} ({escape_text(analysis.baseline)}, n={piece.fit.n})"
        for trace in _line_traces(piece.fit, side, BASELINE_COLOR, base_name, f"Baseline{label}", "baseline",
                                  f"Baseline{label}: slope {piece.fit.slope:.4f}, intercept {piece.fit.intercept:.4f}, "
                                  f"n={piece.fit.n}<extra></extra>", "baseline", legend_extrapolated=i == 0):
            fig.add_trace(trace)
    for model_id, split in zip(analysis.split_models, fit.splits, strict=True):  # the split, if any
        name = str(pts.loc[pts["model_id"] == model_id, "display_name"].iloc[0])
        fig.add_vline(x=float(transform(split, kind)), line=dict(color="#222222", width=1.5, dash="dot"),
                      annotation_text=f"split: {escape_text(name)}", annotation_position="top left",
                      annotation_font=dict(size=11, color="#222222"))
        fig.add_trace(go.Scatter(
            x=[float(transform(split, kind))] * 2, y=[None, None], mode="lines",
            line=dict(color="#222222", width=1.5, dash="dot"), meta="split",
            name=f"Split at {escape_text(name)}'s x ({100 * split:.2f}%)", hoverinfo="skip"))
    colors = zero_shot_colors(zero_shot_lines)
    # One line is drawn across the view (dashed where extrapolated); many (one per training-data group)
    # are drawn over their own models' range only, or their extrapolations would fill the plot.
    extrapolate = len(zero_shot_lines) <= MAX_BOTTOM_LEGEND_LINES
    for ln in zero_shot_lines:  # one line, or one per training-data group
        name = (f"Zero-shot fit: {escape_text(ln.label)} (n={ln.fit.n})" if extrapolate
                else f"{escape_text(ln.label)} (n={ln.fit.n})")
        hover = (f"{escape_text(ln.label)}: slope {ln.fit.slope:.4f}, intercept {ln.fit.intercept:.4f}, "
                 f"n={ln.fit.n}<extra></extra>")
        own = (max(drawn[0], ln.fit.x_min), min(drawn[1], ln.fit.x_max))
        for trace in _line_traces(ln.fit, drawn if extrapolate else own, colors[ln.label], name,
                                  f"{escape_text(ln.label)} line", "zero-shot-fit", hover,
                                  f"zero-shot:{ln.label}", legend_extrapolated=len(zero_shot_lines) == 1):
            fig.add_trace(trace)
    diag = np.array([min(x_range[0], y_range[0]), max(x_range[1], y_range[1])])
    fig.add_trace(go.Scatter(
        x=diag, y=diag, mode="lines", line=dict(color="#444444", width=1.2, dash="dash"), name="y = x",
        hoverinfo="skip", meta="diagonal"))

    # Points: one WebGL trace per group, in the palette's order (unknown groups last).
    present = set(shown["group"])
    groups = [g for g in GROUP_COLORS if g in present] + sorted(present - set(GROUP_COLORS))
    for group in groups:
        in_group = (shown["group"] == group).to_numpy()
        p = shown[in_group]
        color = GROUP_COLORS.get(group, FALLBACK_COLOR)
        symbol = GROUP_SYMBOLS.get(group, "circle")
        base = STAR_SIZE if symbol == "star" else MARKER_SIZE
        size = np.where(hit[in_group], base * HIGHLIGHT_SCALE, base) if hit[in_group].any() else base
        x = p["x"].to_numpy(dtype=float)
        y = p["y"].to_numpy(dtype=float)
        fig.add_trace(go.Scattergl(
            x=transform(x, kind), y=transform(y, kind), mode="markers", name=escape_text(group),
            legendgroup=group, meta="points",
            marker=dict(color=color, symbol=symbol, size=size, opacity=0.7,
                        line=dict(color="white", width=0.5)),
            **_point_data(p, units, kind, interval),
            hovertemplate=_hovertemplate(group, analysis.shift, has_y_interval, confidence, units, kind, interval,
                                         fit, x_name),
            error_x=_error(x, p["x_lo"].to_numpy(dtype=float), p["x_hi"].to_numpy(dtype=float), kind, color,
                           error_bars),
            error_y=_error(y, p["y_lo"].to_numpy(dtype=float), p["y_hi"].to_numpy(dtype=float), kind, color,
                           error_bars and has_y_interval),
            **({"selectedpoints": np.flatnonzero(p["model_id"].isin(chosen).to_numpy()).tolist()} if chosen else {}),
        ))

    # Baseline members (optional): red rings around the shown models the line was fit on.
    members = shown[shown["in_baseline"].to_numpy(dtype=bool)] if mark_members else shown.iloc[:0]
    if len(members):
        fig.add_trace(go.Scattergl(
            x=transform(members["x"].to_numpy(dtype=float), kind), y=transform(members["y"].to_numpy(dtype=float), kind),
            mode="markers", name=f"Baseline fit models ({len(members)})", hoverinfo="skip", meta="members",
            marker=dict(symbol="circle-open", size=MARKER_SIZE + 5, color=BASELINE_COLOR,
                        line=dict(width=1.3, color=BASELINE_COLOR))))

    # Highlighted (searched) models: black rings on top, labelled when few.
    if hit.any():
        h = shown[hit]
        fig.add_trace(go.Scattergl(
            x=transform(h["x"].to_numpy(dtype=float), kind), y=transform(h["y"].to_numpy(dtype=float), kind),
            mode="markers", name=f"Matches “{escape_text(highlight.strip())}” ({len(h)})",
            marker=dict(symbol="circle-open", size=MARKER_SIZE * HIGHLIGHT_SCALE + 6, color="black",
                        line=dict(width=2, color="black")),
            **_point_data(h, units, kind, interval),
            hovertemplate=_hovertemplate("Search match", analysis.shift, has_y_interval, confidence, units, kind,
                                         interval, fit, x_name),
            meta="highlight"))
        if len(h) <= MAX_LABELS:
            # labels in turn above-left and below-right of their points (in order of x), see _LABEL_OFFSETS
            order = np.argsort(h["x"].to_numpy(dtype=float), kind="stable")
            hx = transform(h["x"].to_numpy(dtype=float), kind)[order]
            hy = transform(h["y"].to_numpy(dtype=float), kind)[order]
            names = escape_html(h["display_name"])[order]
            for i, (xi, yi, name) in enumerate(zip(hx, hy, names, strict=True)):  # at most MAX_LABELS
                ax, ay = _LABEL_OFFSETS[i % len(_LABEL_OFFSETS)]
                fig.add_annotation(x=xi, y=yi, text=name, showarrow=True, arrowhead=0, arrowwidth=1,
                                   arrowcolor="#333333", ax=ax, ay=ay, xanchor="left" if ax > 0 else "right",
                                   font=dict(size=11, color="#111111"), bgcolor="rgba(255,255,255,0.85)",
                                   borderpad=1)

    x_title, y_title = axis_titles(analysis.shift, analysis.x_axis, analysis.x_set)
    # accuracies at the axis ends, clipped to [0, 1] (a padded linear axis reaches below 0%)
    x_ticks = percent_ticks(kind, *np.clip(inverse(np.asarray(x_range), kind), 0, 1), max_ticks=MAX_TICKS)
    y_ticks = percent_ticks(kind, *np.clip(inverse(np.asarray(y_range), kind), 0, 1), max_ticks=MAX_TICKS)
    axis = dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, showline=True, linecolor="#222222",
                mirror=True, ticks="outside", tickfont=dict(size=13), title_font=dict(size=15))
    many = len(zero_shot_lines) > MAX_BOTTOM_LEGEND_LINES
    fixed = dict(itemclick=False, itemdoubleclick=False)
    if many:  # one entry per row at the right of the plot
        legend, extra = dict(orientation="v", yanchor="top", y=1, xanchor="left", x=1.02, font=dict(size=11), **fixed), 0
    else:  # below the plot, in a bottom margin that grows with the rows the entries need
        entries = sum(1 for t in fig.data if t.showlegend is not False)
        extra = LEGEND_ROW * max(0, int(np.ceil(entries / LEGEND_PER_ROW)) - 2)
        legend = dict(orientation="h", yanchor="bottom", y=0.0, yref="container", xanchor="left", x=0,
                      font=dict(size=12), **fixed)
    fig.update_layout(
        height=height + extra, template="simple_white", font=dict(size=13),
        margin=dict(l=70, r=20, t=20, b=LEGEND_MARGIN + extra),
        xaxis=dict(axis, title_text=x_title, range=list(x_range), tickvals=x_ticks[0], ticktext=x_ticks[1]),
        yaxis=dict(axis, title_text=y_title, range=list(y_range), tickvals=y_ticks[0], ticktext=y_ticks[1]),
        legend=legend, hoverlabel=dict(align="left"),
    )
    return fig


#: Accuracy bounds of a fixed axis range (logit and probit are infinite at 0 and 1).
AXIS_LIMIT_EPS = 1e-3
#: Margin added on each side of a fixed axis range, as a share of its span in transformed units.
AXIS_LIMIT_PAD = 0.01


def axis_limits(limits: tuple[float, float], kind: Transform) -> tuple[float, float]:
    """An axis range in transformed units for accuracy limits (fractions), kept inside (0, 1)."""
    lo, hi = np.clip(np.asarray(limits, dtype=float), AXIS_LIMIT_EPS, 1 - AXIS_LIMIT_EPS)
    if not lo < hi:
        raise ValueError(f"axis range {100 * limits[0]:g}-{100 * limits[1]:g}% is empty")
    t = transform(np.array([lo, hi]), kind)
    pad = AXIS_LIMIT_PAD * (t[1] - t[0])  # so that a tick at a limit (5% of 5-87%) is drawn
    return float(t[0] - pad), float(t[1] + pad)
