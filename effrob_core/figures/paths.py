"""Series drawn as paths: a training run's checkpoints in order of samples seen, or a zero-shot model
fine-tuned into many models and averaged into soups (see :mod:`effrob_core.series` for the order).

:func:`path_traces` turns plot coordinates of a series' members into WebGL traces (drawn above the
markers): a line through the path, thin fan lines to the alternatives of a multi-model step, an open
circle on the start and an open diamond on the end(s). :func:`fine_tuning_trajectory` is the
trajectory view of Andreassen et al. (2021) and Wortsman et al. (2022): effective robustness
against ImageNet accuracy, one panel per shift and the average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..series import series_label, series_path, step_label
from .style import escape_text

#: Colours of series paths: dark, distinct from the group palette's points (Tol's muted scheme).
PATH_COLORS: tuple[str, ...] = ("#332288", "#117733", "#882255", "#44AA99", "#999933", "#AA4499")
START_SYMBOL = "circle-open"
END_SYMBOL = "diamond-open"


def path_colors(keys: Sequence[str]) -> dict[str, str]:
    """A colour for each series, in the order given."""
    return {k: PATH_COLORS[i % len(PATH_COLORS)] for i, k in enumerate(keys)}


def _gapped(x: np.ndarray, y: np.ndarray, pairs: np.ndarray) -> tuple[list, list]:
    """Segments (from, to) index pairs as one polyline with None gaps (one trace for all)."""
    idx = np.column_stack([pairs, np.full(len(pairs), -1)]).ravel()
    xs = np.where(idx >= 0, x[np.maximum(idx, 0)], np.nan).astype(object)
    ys = np.where(idx >= 0, y[np.maximum(idx, 0)], np.nan).astype(object)
    xs[idx < 0] = None
    ys[idx < 0] = None
    return xs.tolist(), ys.tolist()


def path_traces(coords: pd.DataFrame, members: pd.DataFrame, keys: Sequence[str],
                colors: Mapping[str, str] | None = None, y_format: str = "%{y:.3f}",
                fan_markers: bool = False) -> list[go.Scattergl]:
    """Traces drawing each series in ``keys`` over the models in ``coords``.

    ``coords`` is indexed by model_id with plot coordinates ``px``, ``py`` and ``display_name``;
    members missing from it (not shown in this view) are skipped, so a path follows every filter.
    ``fan_markers`` also marks the fans' ends (where no other trace draws those models).
    """
    colors = dict(colors or path_colors(keys))
    traces: list[go.Scattergl] = []
    present = set(coords.index)
    for k in keys:  # a few series
        sp = series_path(members, k, present)
        m = members[(members["series"] == k) & members["model_id"].isin(present)]
        if m.empty:
            continue
        ids = m["model_id"].tolist()
        pos = {i: n for n, i in enumerate(ids)}
        c = coords.loc[ids]
        x, y = c["px"].to_numpy(dtype=float), c["py"].to_numpy(dtype=float)
        text = [f"{escape_text(str(name))}<br>{escape_text(step_label(k, s))}"
                for name, s in zip(c["display_name"], m["step"], strict=True)]
        name = escape_text(series_label(k))
        color = colors[k]
        if sp.fans:
            pairs = np.array([(pos[a], pos[b]) for a, b in sp.fans])
            fx, fy = _gapped(x, y, pairs)
            traces.append(go.Scattergl(x=fx, y=fy, mode="lines", line=dict(color=color, width=1),
                                       opacity=0.35, name=f"{name}: fine-tuning moves", legendgroup=f"path:{k}",
                                       showlegend=False, hoverinfo="skip", meta="path-fan"))
            if fan_markers:
                rows = sorted({pos[b] for _, b in sp.fans})
                traces.append(go.Scattergl(
                    x=x[rows].tolist(), y=y[rows].tolist(), mode="markers", name=f"{name}: {len(rows)} alternatives",
                    legendgroup=f"path:{k}", showlegend=False,
                    marker=dict(color=color, size=7, symbol="diamond", opacity=0.55),
                    text=[text[i] for i in rows], hovertemplate="%{text}<br>(%{x:.2f}, " + y_format + ")<extra></extra>",
                    meta="path-alternatives"))
        if len(sp.path) > 1:
            order = [pos[i] for i in sp.path]
            traces.append(go.Scattergl(
                x=x[order].tolist(), y=y[order].tolist(), mode="lines+markers", name=name, legendgroup=f"path:{k}",
                line=dict(color=color, width=2.5), marker=dict(color=color, size=5),
                text=[text[i] for i in order], hovertemplate="%{text}<br>(%{x:.3f}, " + y_format + ")<extra></extra>",
                meta="path"))
        ends = [("start", sp.start, START_SYMBOL, 15), ("end", sp.end, END_SYMBOL, 15)]
        for label, which, symbol, size in ends:
            rows = [pos[i] for i in which]
            traces.append(go.Scattergl(
                x=x[rows].tolist(), y=y[rows].tolist(), mode="markers", name=f"{name}: {label}", legendgroup=f"path:{k}",
                showlegend=False, marker=dict(symbol=symbol, size=size, color=color, line=dict(width=2.5, color=color)),
                text=[f"{label.capitalize()} of {name}<br>{text[i]}" for i in rows],
                hovertemplate="%{text}<extra></extra>", meta=f"path-{label}"))
    return traces


def scatter_coords(points: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Plot coordinates of analysis points as :func:`path_traces` takes them."""
    return pd.DataFrame({"px": x, "py": y, "display_name": points["display_name"].to_numpy()},
                        index=pd.Index(points["model_id"].to_numpy(), name="model_id"))


def fine_tuning_trajectory(panels: Mapping[str, pd.DataFrame], members: pd.DataFrame, keys: Sequence[str],
                           titles: Mapping[str, str], height: int = 640) -> go.Figure:
    """Effective robustness (points, y) against ImageNet top-1 (%, x), one panel per shift.

    ``panels`` maps each shift to a frame indexed by model_id with ``imagenet`` and ``eff_rob``
    (fractions) and ``display_name``, over the series' members; each panel draws the paths of ``keys``
    and a zero line (the baseline)."""
    shifts = list(panels)
    cols = 3 if len(shifts) > 4 else max(len(shifts), 1)
    rows = int(np.ceil(len(shifts) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[escape_text(titles[s]) for s in shifts],
                        horizontal_spacing=0.07, vertical_spacing=0.14)
    colors = path_colors(keys)
    for n, s in enumerate(shifts):  # six panels
        r, c = n // cols + 1, n % cols + 1
        p = panels[s]
        coords = pd.DataFrame({"px": 100 * p["imagenet"], "py": 100 * p["eff_rob"],
                               "display_name": p["display_name"]}, index=p.index)
        for t in path_traces(coords, members, keys, colors, y_format="%{y:+.2f} pts", fan_markers=True):
            if n > 0:
                t.showlegend = False
            elif t.meta in ("path-start", "path-end"):
                t.showlegend = True
            fig.add_trace(t, row=r, col=c)
        fig.add_hline(y=0, line=dict(color="#D62728", width=1.5), row=r, col=c)
        fig.update_xaxes(title_text="ImageNet top-1 (%)" if r == rows else None, row=r, col=c)
        fig.update_yaxes(title_text="Effective robustness (pts)" if c == 1 else None, row=r, col=c)
    fig.update_layout(height=height, template="simple_white", margin=dict(l=60, r=20, t=70, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0))
    fig.update_xaxes(showgrid=True, gridcolor="#E5E5E5", mirror=True, showline=True)
    fig.update_yaxes(showgrid=True, gridcolor="#E5E5E5", mirror=True, showline=True, zeroline=False)
    return fig
