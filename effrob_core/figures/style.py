"""Shared look of every figure: group colours and markers, percent ticks on transformed axes."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from numpy.typing import ArrayLike, NDArray

from ..results import UPLOAD_GROUP, UPLOAD_SOURCE
from ..transforms import Transform, transform

#: Group (and legend entry) of the models a user uploads for their browser session.
YOUR_MODELS = UPLOAD_GROUP

#: Human name of each source of results (``models.source``), used in legends, hover text and controls.
SOURCE_LABELS: dict[str, str] = {
    "testbed": "ImageNet testbed",
    "timm": "timm",
    "openclip": "OpenCLIP pretrained models",
    "scaling-laws": "Scaling laws (Cherti et al., 2023)",
    "openclip-lowacc": "Low-accuracy RN50 on YFCC-15M (digitised)",
    "model-soups": "Model soups (Wortsman et al., 2022)",
    UPLOAD_SOURCE: YOUR_MODELS,
}

#: One colour per group (colour-blind-safe Okabe-Ito palette); "Your models" stands out in black.
GROUP_COLORS: dict[str, str] = {
    "Standard training": "#0072B2",
    "Robustness intervention": "#E69F00",
    "Trained with more data": "#009E73",
    "Zero-shot image-text": "#CC79A7",
    "Fine-tuned zero-shot": "#56B4E9",
    "Low accuracy & reference": "#999999",
    "Fine-tuned for another task": "#8C564B",  # brown (Tableau 10): the Okabe-Ito colours left are taken
    YOUR_MODELS: "#000000",
}
GROUP_SYMBOLS: dict[str, str] = {
    "Standard training": "circle",
    "Robustness intervention": "diamond",
    "Trained with more data": "square",
    "Zero-shot image-text": "star",
    "Fine-tuned zero-shot": "hexagon",
    "Low accuracy & reference": "triangle-up",
    "Fine-tuned for another task": "triangle-down",
    YOUR_MODELS: "x",
}
BASELINE_COLOR = "#D62728"  # red: the standard-training line and its band
ZERO_SHOT_FIT_COLOR = "#7B2CBF"  # purple: the line fit on zero-shot models

_TICKS_PCT = (0.1, 0.5, 1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98, 99, 99.5, 99.9)
#: Ticks dropped first when an axis has too many (they crowd their neighbours on logit and probit axes).
_MINOR_PCT = (40, 60, 98, 99.5, 0.1, 2)


def percent_ticks(kind: Transform, low: float, high: float, max_ticks: int = 12) -> tuple[list[float], list[str]]:
    """Tick positions (in transformed units) and labels like "70%" for accuracies in [low, high].

    Uses readable percentages (1, 5, 10, 20, ... 90, 95, 99) on logit and probit axes and steps of
    5 or 10 points on a linear axis, thinned to at most ``max_ticks``.
    """
    lo_pct, hi_pct = 100 * low, 100 * high
    if kind == "linear":
        step = 5 if hi_pct - lo_pct <= 40 else 10
        start = max(np.ceil(lo_pct / step) * step, 0.0) + 0.0  # + 0.0 turns -0.0 into 0.0
        pct = list(np.arange(start, min(hi_pct, 100.0) + 1e-9, step))
    else:
        pct = [p for p in _TICKS_PCT if lo_pct <= p <= hi_pct]
        for minor in _MINOR_PCT:  # a few
            if len(pct) > max_ticks and minor in pct:
                pct.remove(minor)
    if len(pct) > max_ticks:
        pct = pct[:: int(np.ceil(len(pct) / max_ticks))]
    vals = transform(np.asarray(pct, dtype=float) / 100, kind).tolist()
    labels = [f"{p:g}%" for p in pct]
    return vals, labels


def source_labels(sources: ArrayLike) -> NDArray[np.object_]:
    """Human name of each source key (:data:`SOURCE_LABELS`); an unknown key is shown as itself."""
    keys = pd.Series(np.asarray(sources, dtype=object).ravel(), dtype=object)
    return keys.map(SOURCE_LABELS).fillna(keys.astype(str)).to_numpy(dtype=object)


def padded_range(kind: Transform, values: ArrayLike, pad: float = 0.04) -> tuple[float, float]:
    """Axis range in transformed units covering ``values`` (fractions) with a margin."""
    t = transform(np.asarray(values, dtype=float), kind)
    t = t[np.isfinite(t)]
    lo, hi = float(t.min()), float(t.max())
    span = max(hi - lo, 1e-6)
    return lo - pad * span, hi + pad * span


def escape_text(text: str) -> str:
    """One text with ``&``, ``<`` and ``>`` escaped, for plotly (which renders a subset of HTML)."""
    return html.escape(text, quote=False)


def escape_html(values: ArrayLike) -> NDArray[np.object_]:
    """Texts with ``&``, ``<`` and ``>`` escaped (as :func:`escape_text`), vectorised.

    Plotly renders a subset of HTML in hover, legend and annotation text; escaping keeps names as text.
    """
    s = pd.Series(np.asarray(values, dtype=object).ravel(), dtype="string").fillna("")
    s = s.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    return s.str.replace(">", "&gt;", regex=False).to_numpy(dtype=object)


#: Colours for categories without a fixed colour (Okabe-Ito, then Tableau 10 and its light tints).
CATEGORY_PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
    "#BCBD22", "#17BECF", "#AEC7E8", "#FFBB78", "#98DF8A", "#FF9896", "#C5B0D5", "#C49C94",
)


def category_colors(labels: Sequence[str], fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour for each distinct label: its ``fixed`` colour if any, else the palette in sorted-label order.

    Sorting makes the colours independent of the order the labels arrive in (stable across filters
    that keep the label set).
    """
    fixed = dict(fixed or {})
    rest = sorted(set(map(str, labels)) - set(fixed))
    taken = {v.upper() for v in fixed.values()}
    free = [c for c in CATEGORY_PALETTE if c.upper() not in taken] or list(CATEGORY_PALETTE)
    out = {label: fixed[label] for label in map(str, labels) if label in fixed}
    out.update({label: free[i % len(free)] for i, label in enumerate(rest)})
    return out


def log_ticks(low: float, high: float, minor: bool = False) -> tuple[list[float], list[str]]:
    """Ticks between ``low`` and ``high`` at each decade (and 2x, 5x with ``minor``), labelled with
    SI-style suffixes (100k, 1M, 10B, 1T)."""
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low < high):
        raise ValueError(f"log ticks need 0 < low < high, got {low} and {high}")
    decades = np.arange(np.floor(np.log10(low)), np.floor(np.log10(high)) + 1).astype(int)
    mantissas = (1, 2, 5) if minor else (1,)
    suffixes = {0: "", 3: "k", 6: "M", 9: "B", 12: "T", 15: "P"}
    vals: list[float] = []
    labels: list[str] = []
    for d in decades:  # a handful of decades
        base = 3 * (d // 3)
        for m in mantissas:
            v = m * 10.0**d
            if low <= v <= high:
                vals.append(float(v))
                labels.append(f"{m * 10 ** (d - base)}{suffixes[base]}" if base in suffixes else f"{m}e{d}")
    return vals, labels


#: The plotly template of the figures, expanded once: a figure built without validation keeps whatever
#: it is given, and plotly.js knows no template names.
TEMPLATE: dict = pio.templates["simple_white"].to_plotly_json()


def unchecked_figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts (full property paths), with the template expanded.

    Built without plotly's per-property validation (``_validate=False``, a private argument of plotly's
    ``Figure``), which cost most of a page rerun; the figure tests rebuild figures with validation and
    compare, so a wrong property name or a plotly that drops the argument fails there.
    """
    return go.Figure(data=data, layout=dict(layout, template=TEMPLATE), _validate=False)
