"""Scaling figures: zero-shot accuracy or error against samples seen (or compute) with power-law fits,
effective robustness against samples seen, and ImageNet zero-shot learning curves.

Axes are logarithmic in x (and in y for error, where a power law is a straight line). Points are
coloured by training-data family or architecture and marked by source; the digitised low-accuracy
points carry their own marker and legend entry saying how they were obtained. Uploaded models are
black crosses ("Your models"), drawn above the published points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..er_units import ER_UNITS, er_in_units, unit_suffix
from ..intervals import TESTBED_CONFIDENCE, clopper_pearson
from ..results import UPLOAD_SOURCE
from ..scaling import METHOD_LABELS, MIN_DRAWN_SCALES, GroupFit, formula
from ..scaling_points import DIGITIZED_LABEL
from .style import (
    BASELINE_COLOR,
    GROUP_COLORS,
    GROUP_SYMBOLS,
    SOURCE_LABELS,
    YOUR_MODELS,
    category_colors,
    escape_html,
    escape_text,
    log_ticks,
    unchecked_figure,
)

#: Marker of each source on the scaling figures (published points are zero-shot image-text models).
SOURCE_SYMBOLS: dict[str, str] = {"openclip": "star", "scaling-laws": "circle", "openclip-lowacc": "diamond",
                                  UPLOAD_SOURCE: GROUP_SYMBOLS[YOUR_MODELS]}
#: How the digitised points were obtained, added under their source's name in the marker legend.
DIGITIZED_NOTE = DIGITIZED_LABEL.replace("; ", ";<br>").replace(", 1 ", ",<br>1 ")
#: Reading precision of the digitised points (fraction), drawn as their error bar.
DIGITIZED_ERROR = 0.003
FIT_POINTS = 160
#: Line colours of Cherti et al.'s series (orange for LAION pooled as in their figures, OpenAI's family colour).
SERIES_COLORS: dict[str, str] = {"laion-pooled": "#E6550D", "openai": "#6A51A3"}
#: The series' fit lines head the legend.
SERIES_LEGEND_RANK = 900
X_TITLES = {"samples": "Samples seen", "compute": "Total training compute (GMACs)"}
Y_TITLES = {"accuracy": "top-1 accuracy (%)", "error": "top-1 error (%)"}
_AXIS = dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, showline=True, linecolor="#222222",
             mirror=True, ticks="outside", tickfont=dict(size=13), title=dict(font=dict(size=15)))


def _y_values(frac: np.ndarray, y_metric: str) -> np.ndarray:
    """Accuracy or error in percent from accuracies given as fractions."""
    if y_metric == "accuracy":
        return 100 * frac
    if y_metric == "error":
        return 100 * (1 - frac)
    raise ValueError(f"unknown y {y_metric!r}; choose accuracy or error")


def _point_intervals(points: pd.DataFrame, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy bounds (fractions): Clopper-Pearson from image counts, ± reading error for digitised points."""
    lo, hi = clopper_pearson(points["top1"], points["n_images"], confidence)
    dig = points["digitized"].to_numpy(dtype=bool)
    acc = points["top1"].to_numpy(dtype=float)
    return (np.where(dig, acc - DIGITIZED_ERROR, lo), np.where(dig, acc + DIGITIZED_ERROR, hi))


def _hover(points: pd.DataFrame, x_kind: str) -> np.ndarray:
    """Hover text per point: escaped name, training data and x (each column escaped once, vectorised)."""
    x_label = np.where(points["x_is_images"].to_numpy(dtype=bool), "training images",
                       "GMACs" if x_kind == "compute" else "samples seen")
    return (escape_html(points["display_name"]) + "<br>" + escape_html(points["train_data"])
            + "<br>" + pd.Series(points["x"]).map("{:.3g}".format).to_numpy() + " " + x_label)


def symbol_label(source: str) -> str:
    """Marker-legend text of a source: its :data:`SOURCE_LABELS` name (with how the digitised points were read)."""
    label = SOURCE_LABELS.get(source, source)
    return label + ",<br>" + DIGITIZED_NOTE if source == "openclip-lowacc" else label


def _symbol_legend(sources: pd.Series) -> list[dict]:
    """Legend-only grey markers explaining the marker of each published source present (uploaded
    models have their own "Your models" entry)."""
    shown = set(sources.astype(str).unique())
    present = [s for s in SOURCE_SYMBOLS if s in shown and s != UPLOAD_SOURCE]
    return [dict(type="scatter", x=[None], y=[None], mode="markers", name=symbol_label(src),
                 legendgroup=f"source:{src}",
                 **(dict(legendgrouptitle=dict(text="Marker")) if src == present[0] else {}),
                 marker=dict(symbol=SOURCE_SYMBOLS[src], color="#555555", size=10, line=dict(width=0)),
                 hoverinfo="skip", showlegend=True, legendrank=2000 + list(SOURCE_SYMBOLS).index(src))
            for src in present]


def legend_rank(group: str) -> int:
    """Legend position of a colour group: "Your models" first, known families in :data:`FAMILY_COLORS`
    order, then the rest."""
    if group == YOUR_MODELS:
        return 999
    order = list(FAMILY_COLORS)
    return 1000 + (order.index(group) if group in order else len(order))


def _marker_traces(points: pd.DataFrame, groups: pd.Series, colors: Mapping[str, str], y: np.ndarray,
                   y_lo: np.ndarray | None, y_hi: np.ndarray | None, x_kind: str, value_label: str,
                   flagged: np.ndarray | None = None, y_format: str = ".2f") -> list[dict]:
    """One marker trace per (colour group, source); the first trace of a group carries its legend entry.

    Uploaded models come last, so that their crosses lie above the published points. Rows are split
    into traces with one stable sort; hover texts are built once for all points.
    """
    source = points["source"].astype(str)
    keys = pd.DataFrame({"mine": source.to_numpy() == UPLOAD_SOURCE, "group": groups.to_numpy(),
                         "source": source.to_numpy()})
    by = keys.groupby(["mine", "group", "source"], sort=True)
    code = by.ngroup().to_numpy()  # group number in sorted key order; -1 for missing keys
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(by.ngroups + 1))
    x = points["x"].to_numpy(dtype=float)
    hover = _hover(points, x_kind)
    if flagged is not None and flagged.any():
        hover = np.where(flagged, hover + "<br>⚠ extrapolated: ImageNet top-1 outside the baseline models' range",
                         hover)
    template = "%{text}<br>" + value_label + ": %{y:" + y_format + "}<extra></extra>"
    traces: list[dict] = []
    seen: set[str] = set()
    for i, (mine, group, src) in enumerate(by.size().index):  # groups x sources: a few dozen
        rows = order[bounds[i]:bounds[i + 1]]
        group, color = str(group), colors[str(group)]
        err = None
        if y_lo is not None and y_hi is not None:
            err = dict(type="data", symmetric=False, array=y_hi[rows] - y[rows], arrayminus=y[rows] - y_lo[rows],
                       thickness=1, width=0, color=color)
        traces.append(dict(
            type="scatter", x=x[rows], y=y[rows], mode="markers", name=escape_text(group), legendgroup=group,
            showlegend=group not in seen, error_y=err, legendrank=legend_rank(group),
            marker=dict(symbol=SOURCE_SYMBOLS.get(str(src), "circle"), color=color,
                        size=12 if src == "openclip" or mine else 9, opacity=1.0 if mine else 0.9,
                        line=dict(width=0.6, color="#FFFFFF")),
            text=hover[rows], hovertemplate=template))
        seen.add(group)
    return traces


def _axis(title: str, **kw: object) -> dict:
    """Paper-style axis settings with a title."""
    return dict(_AXIS, title=dict(_AXIS["title"], text=title), **kw)


def _layout(x_title: str, y_title: str, x_values: np.ndarray, y_log: bool, y_values: np.ndarray,
            height: int) -> dict:
    """Paper-style axes: log x with 1M/1B labels, log or linear y with percent labels, legend at right."""
    xv = x_values[np.isfinite(x_values) & (x_values > 0)]
    x_lo, x_hi = np.log10(xv.min()) - 0.15, np.log10(xv.max()) + 0.15
    tv, tt = log_ticks(10**x_lo, 10**x_hi, minor=x_hi - x_lo < 3.5)
    yaxis = _axis(y_title)
    yv = y_values[np.isfinite(y_values) & (y_values > 0)]
    if y_log and yv.size:
        lo, hi = np.log10(yv.min()) - 0.05, np.log10(min(yv.max(), 100)) + 0.05
        ticks = [t for t in (1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100)
                 if lo <= np.log10(t) <= hi]
        yaxis.update(type="log", range=[lo, hi], tickvals=ticks, ticktext=[f"{t:g}%" for t in ticks])
    else:
        yaxis.update(ticksuffix="%")
    return dict(
        height=height, font=dict(size=13), margin=dict(l=70, r=20, t=20, b=60),
        xaxis=_axis(x_title, type="log", range=[x_lo, x_hi], tickvals=tv, ticktext=tt),
        yaxis=yaxis,
        legend=dict(orientation="v", yanchor="top", y=1, xanchor="left", x=1.01, font=dict(size=11),
                    itemsizing="constant", groupclick="togglegroup", tracegroupgap=2),
        hoverlabel=dict(align="left"),
    )


def fit_curve(fit: GroupFit, extrapolate_to: float) -> tuple[np.ndarray, np.ndarray]:
    """x grid (log-spaced, from the group's smallest x to ``max(largest x, extrapolate_to)``) and predicted error."""
    x = np.logspace(np.log10(fit.x_min), np.log10(max(fit.x_max, extrapolate_to)), FIT_POINTS)
    x = np.unique(np.concatenate([x, [fit.x_max]]))
    return x, fit.fit.predict(x)


def _x_title(points: pd.DataFrame, x_kind: str) -> str:
    """x-axis title, saying when some points are placed at their unique training images."""
    return X_TITLES[x_kind] + (" (◆: unique training images)" if x_kind == "samples"
                               and points["x_is_images"].any() else "")


def scaling_figure(points: pd.DataFrame, groups: pd.Series, colors: Mapping[str, str],
                   fits: Sequence[GroupFit] = (), y_metric: str = "accuracy", x_kind: str = "samples",
                   set_name: str = "ImageNet", extrapolate_to: float = 1e11,
                   confidence: float = TESTBED_CONFIDENCE, height: int = 620) -> go.Figure:
    """Zero-shot accuracy (or error) against samples seen (or compute), one colour per group, with fit lines.

    Fit lines are solid over the group's data and dotted beyond it, up to ``extrapolate_to``; a fit
    on fewer than :data:`~effrob_core.scaling.MIN_DRAWN_SCALES` scales is dashed over its data and
    says so in its hover (and legend, for a series). Cherti et al.'s series have legend entries. Error
    bars: Clopper-Pearson intervals at ``confidence``; ± 0.3 points (reading precision) for the digitised points.
    """
    y = _y_values(points["top1"].to_numpy(dtype=float), y_metric)
    lo, hi = _point_intervals(points, confidence)
    y_lo, y_hi = (_y_values(lo, y_metric), _y_values(hi, y_metric))
    if y_metric == "error":
        y_lo, y_hi = y_hi, y_lo
    data: list[dict] = []
    all_y = [y]
    all_x = [points["x"].to_numpy(dtype=float)]
    for f in fits:  # one line per fitted group or series
        x_line, err = fit_curve(f, extrapolate_to)
        y_line = 100 * err if y_metric == "error" else 100 * (1 - err)
        valid = (err > 0) & (err <= 1)  # a power law can leave [0, 100%] far from the data
        x_line, y_line = x_line[valid], y_line[valid]
        inside = x_line <= f.x_max
        color = SERIES_COLORS.get(f.series, "#555555") if f.series else colors.get(f.group, "#555555")
        label = escape_text(f.group)
        few = f" ({f.n_x} scales only, fewer than {MIN_DRAWN_SCALES})" if f.few_scales else ""
        hover = (f"{label}: {escape_text(formula(f.fit))}{few}<br>{METHOD_LABELS[f.method]}, "
                 f"{f.n_points} points, {f.n_models or f.n_points} models")
        legend_name = f"fit: {label}{' (' + str(f.n_x) + ' scales only)' if f.few_scales else ''}"
        parts = ((inside, "dash" if f.few_scales else "solid", 3.0 if f.series else 2.2),
                 (x_line >= f.x_max, "dot", 2.2 if f.series else 1.8))
        first = True
        for part, dash, width in parts:
            if part.sum() < 2:
                continue
            data.append(dict(
                type="scatter", x=x_line[part], y=y_line[part], mode="lines",
                legendgroup=f"series:{f.series}" if f.series else f.group,
                showlegend=bool(f.series) and first, name=legend_name if f.series else f"fit: {label}",
                line=dict(color=color, width=width, dash=dash),
                legendrank=SERIES_LEGEND_RANK if f.series else legend_rank(f.group),
                hovertemplate=hover + "<br>x %{x:.3g}: %{y:.1f}%<extra>power-law fit</extra>"))
            first = False
        all_x.append(x_line)
        all_y.append(y_line)
    data += _marker_traces(points, groups, colors, y, y_lo, y_hi, x_kind, f"{set_name} {y_metric}")
    data += _symbol_legend(points["source"])
    layout = _layout(_x_title(points, x_kind), f"{set_name} zero-shot {Y_TITLES[y_metric]}", np.concatenate(all_x),
                     y_metric == "error", np.concatenate([y, y_lo[np.isfinite(y_lo)], *all_y[1:]]), height)
    if y_metric == "accuracy":
        top = np.nanmax(np.concatenate(all_y))
        layout["yaxis"]["range"] = [-2, min(101, 5 * np.ceil((top + 3) / 5))]
    return unchecked_figure(data, layout)


def robustness_scale_figure(points: pd.DataFrame, groups: pd.Series, colors: Mapping[str, str],
                            shift_name: str, x_kind: str = "samples", height: int = 620, unit: str = "pts",
                            kind: str = "logit", interval: str = "total") -> go.Figure:
    """Effective robustness (in ``unit``, with its ``interval``) against samples seen, and the ER = 0 line.

    ``points`` are :func:`effrob_core.scaling_points.robustness_vs_scale` output; ``kind`` is the
    baseline's axis scaling. Extrapolated values (the model's ImageNet accuracy outside the baseline
    models' range) are ringed and say so in their hover text.
    """
    values = er_in_units(points, unit, kind, interval)  # type: ignore[arg-type]
    er, lo, hi = (values[c].to_numpy(dtype=float) for c in ("er", "er_lo", "er_hi"))
    suffix = unit_suffix(unit, kind)  # type: ignore[arg-type]
    label = f"effective robustness on {shift_name} ({suffix})"
    fmt = ER_UNITS[unit].fmt
    flagged = points["extrapolated"].to_numpy(dtype=bool)
    data = []
    if flagged.any():  # rings first: the markers stay on top
        data.append(dict(
            type="scatter", x=points["x"].to_numpy(dtype=float)[flagged], y=er[flagged], mode="markers",
            name=f"Extrapolated ({int(flagged.sum())}): ImageNet outside the baseline models' range",
            marker=dict(symbol="circle-open", size=17, color="#333333", line=dict(width=1.2, color="#333333")),
            hoverinfo="skip", legendrank=1990, meta="extrapolated"))
    data += _marker_traces(points, groups, colors, er, lo, hi, x_kind, label, flagged, fmt)
    data += _symbol_legend(points["source"])
    layout = _layout(_x_title(points, x_kind), f"Effective robustness on {shift_name} ({suffix})",
                     points["x"].to_numpy(dtype=float), False, np.concatenate([lo, hi]), height)
    span = np.concatenate([lo, hi, er, [0.0]])
    span = span[np.isfinite(span)]
    pad = 0.08 * max(span.max() - span.min(), 1.0)
    layout["yaxis"].update(ticksuffix="", range=[span.min() - pad, span.max() + pad], zeroline=False)
    layout["shapes"] = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=0, y1=0,
                             line=dict(color=BASELINE_COLOR, width=1.5, dash="dash"))]
    layout["annotations"] = [dict(x=1, xref="paper", xanchor="right", y=0, yref="y", yanchor="top", yshift=-3,
                                  showarrow=False, text="standard-training baseline (ER = 0)",
                                  font=dict(size=12, color=BASELINE_COLOR))]
    return unchecked_figure(data, layout)


def learning_curve_figure(curves: pd.DataFrame, names: Mapping[str, str], colors: Mapping[str, str],
                          x: str = "epoch", height: int = 460) -> go.Figure:
    """ImageNet zero-shot top-1 (%) after each checkpoint, one line per model, against epoch or samples seen.

    ``curves`` has model_id, epoch, samples_seen and imagenet_top1 (fraction); samples seen is drawn
    on a log axis.
    """
    if x not in ("epoch", "samples_seen"):
        raise ValueError(f"unknown x {x!r}; choose epoch or samples_seen")
    data: list[dict] = []
    for model_id, g in curves.groupby("model_id", sort=True):  # a handful of chosen models
        label = escape_text(str(names.get(str(model_id), str(model_id))))
        data.append(dict(
            type="scatter", x=g[x].to_numpy(), y=100 * g["imagenet_top1"].to_numpy(dtype=float),
            mode="lines+markers", name=label,
            line=dict(color=colors.get(str(model_id), "#555555"), width=2), marker=dict(size=4),
            hovertemplate=label + ("<br>epoch %{x}" if x == "epoch" else "<br>%{x:.3s} samples")
            + ": %{y:.2f}%<extra></extra>"))
    xaxis = _axis("Epoch (checkpoint)" if x == "epoch" else "Samples seen")
    if x == "samples_seen":
        xv = curves["samples_seen"].to_numpy(dtype=float)
        xv = xv[np.isfinite(xv) & (xv > 0)]
        if xv.size:
            lo, hi = np.log10(xv.min()) - 0.1, np.log10(xv.max()) + 0.1
            tv, tt = log_ticks(10**lo, 10**hi)
            xaxis.update(type="log", range=[lo, hi], tickvals=tv, ticktext=tt)
    return unchecked_figure(data, dict(
        height=height, font=dict(size=13), margin=dict(l=70, r=20, t=20, b=60),
        xaxis=xaxis, yaxis=_axis("ImageNet zero-shot top-1 (%)", ticksuffix="%"),
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0, font=dict(size=12)),
        hoverlabel=dict(align="left"),
    ))


def group_colors(labels: Sequence[str], color_by: str = "data") -> dict[str, str]:
    """Colour of each colour group: fixed colours for the known training-data families and for "Your
    models" (black), a palette otherwise (architectures take the palette in sorted order)."""
    fixed = {YOUR_MODELS: GROUP_COLORS[YOUR_MODELS]}
    return category_colors(labels, {**FAMILY_COLORS, **fixed} if color_by == "data" else fixed)


#: Colours of the training-data families: blues for the scaling-laws LAION subsets (light = small),
#: greens for other LAION data, warm colours for DataComp and CommonPool, dark grey for the digitised
#: points (black is kept for "Your models").
FAMILY_COLORS: dict[str, str] = {
    "LAION-80M (scaling-laws)": "#9ECAE1",
    "LAION-400M (scaling-laws)": "#4292C6",
    "LAION-2B (scaling-laws)": "#08306B",
    "OpenAI WIT (scaling-laws)": "#6A51A3",
    "LAION-400M": "#74C476",
    "LAION-2B": "#238B45",
    "LAION-5B": "#00441B",
    "LAION-Aesthetic": "#BCBD22",
    "LAION-2B, fine-tuned on MSCOCO": "#8C6D31",
    "DataComp": "#D62728",
    "CommonPool, no filter": "#FF7F0E",
    "CommonPool, CLIP filter": "#E377C2",
    "CommonPool, LAION filter": "#9467BD",
    "CommonPool, basic filter": "#8C564B",
    "CommonPool, image-based filter": "#FDAE6B",
    "CommonPool, text-based filter": "#C49C94",
    "Merged-2B": "#7F7F7F",
    "YFCC-15M subsets (RN50)": "#666666",
}
