"""Paper-ready export of any chart: a clean "paper" style, and the plotted data as a citable CSV.

The style is applied to a finished figure (any builder's), so one function serves every page. The
browser's modebar saves the styled figure as PNG or SVG (plotly.js ``toImageButtonOptions``, no
server-side renderer needed); for SVG, :func:`vector_traces` first redraws the WebGL point traces as
SVG ones, which plotly.js would otherwise embed in the SVG file as a raster image. The CSV carries
the plotted numbers, the fitted lines' coefficients and the provenance (data commit, effrob version,
the view's link) as ``#`` comment lines above the table, which ``pandas.read_csv(..., comment="#")``
skips.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .. import __version__
from ..safe_csv import safe_csv
from .style import escape_text

#: Image formats the modebar can save.
IMAGE_FORMATS: tuple[str, ...] = ("png", "svg")
#: Help of a page's image-format control.
IMAGE_FORMAT_HELP = ("The chart's camera icon (top right) downloads this format. SVG is vector, for papers: with "
                     "SVG chosen, the chart draws every point as an SVG shape, which redraws more slowly with "
                     "thousands of points. PNG is saved at 3x the chart's size.")
PAPER_FONT = dict(family="Arial, Helvetica, sans-serif", size=16, color="#000000")
PAPER_AXIS = dict(showline=True, linecolor="#000000", linewidth=1.5, mirror=True, ticks="outside",
                  tickcolor="#000000", tickwidth=1.5, ticklen=6, tickfont=dict(size=15),
                  title_font=dict(size=17), showgrid=True, gridcolor="#EBEBEB", zeroline=False)
ROOT = Path(__file__).resolve().parents[2]


def paper_style(fig: go.Figure, title: str = "") -> go.Figure:
    """The figure restyled for a paper: white background, larger black type and axes, opaque markers
    with dark outlines, and no legend entries for filled areas (bootstrap bands), plus an optional title.

    Returns the same figure (modified in place), so that it can be chained.
    """
    for trace in fig.data:  # a handful of traces
        if getattr(trace, "fill", None) not in (None, "none"):
            trace.showlegend = False
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(trace, "mode", "") and "markers" in trace.mode:
            trace.marker.opacity = 1.0
            trace.marker.line = dict(color="#1A1A1A", width=0.7)
    axes = {name: PAPER_AXIS for name in fig.layout if name.startswith(("xaxis", "yaxis"))} or {
        "xaxis": PAPER_AXIS, "yaxis": PAPER_AXIS}
    fig.update_layout(
        template="simple_white", paper_bgcolor="#FFFFFF", plot_bgcolor="#FFFFFF", font=PAPER_FONT,
        legend=dict(font=dict(size=14), bgcolor="rgba(255,255,255,0)"),
        **{name: dict(PAPER_AXIS) for name in axes})
    if title.strip():
        fig.update_layout(title=dict(text=escape_text(title.strip()), x=0.5, xanchor="center",
                                     font=dict(size=19)), margin=dict(t=60))
    return fig


def vector_traces(fig: go.Figure) -> go.Figure:
    """A copy of the figure with every WebGL scatter trace (``Scattergl``) redrawn as an SVG one
    (``Scatter``) with the same points, markers, error bars, hover and selection, in the same order.

    plotly.js saves WebGL traces into an SVG file as one embedded bitmap; after this, an SVG export holds
    every point as a vector shape.
    """
    data = [go.Scatter(t.to_plotly_json()) if t.type == "scattergl" else t for t in fig.data]
    return go.Figure(data=data, layout=fig.layout)


def image_config(fmt: str, filename: str, scale: int = 3) -> dict[str, Any]:
    """``st.plotly_chart`` config whose camera button saves the chart as ``fmt`` (png or svg)."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; choose one of {', '.join(IMAGE_FORMATS)}")
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": scale if fmt == "png" else 1}}


@functools.lru_cache(maxsize=1)
def data_commit() -> str:
    """The git commit that last changed ``results/`` (the data the figure shows), or "unknown"."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%H", "--", "results"],
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else "unknown (not a git checkout)"


def provenance(link: str, results_fingerprint: str) -> dict[str, str]:
    """What a figure's data came from: effrob version, data commit, results fingerprint, the view's link."""
    return {"effrob version": __version__, "data commit": data_commit(),
            "results fingerprint": results_fingerprint, "view": link}


def data_csv(table: pd.DataFrame, fits: Mapping[str, Mapping[str, Any] | None],
             about: Mapping[str, str]) -> str:
    """CSV text: ``# key: value`` lines for the provenance and each fitted line, then the plotted table
    (text cells neutralised against spreadsheet formulas)."""
    lines = [f"# {k}: {_one_line(v)}" for k, v in about.items()]
    for name, fit in fits.items():  # a few lines
        if fit is None:
            lines.append(f"# fit {name}: none")
        else:
            lines.append(f"# fit {name}: " + ", ".join(f"{k}={_number(v)}" for k, v in fit.items()))
    return "\n".join(lines) + "\n" + safe_csv(table)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _number(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else _one_line(value)
