"""Lines fit on zero-shot image-text models, and whether their slope differs from the baseline's.

Radford et al. (2021, CLIP, Fig. 13) and open_clip's effective-robustness figure draw one line
through OpenAI's CLIP models; Fang et al. (2022, "Data Determines Distributional Robustness in
Contrastive Language Image Pre-training (CLIP)", ICML) show that each training distribution gives
its own line, so one line per training-data group is a choice too. Each line is the same OLS in
transformed space as the baseline (:func:`effrob_core.baseline.fit_line`).

The slope test compares two independently fitted slopes with both standard errors,
``t = (b1 - b2) / sqrt(se1^2 + se2^2)`` (Paternoster, Brame, Mazerolle & Piquero, 1998, "Using the
correct statistical test for the equality of regression coefficients", Criminology 36(4)), read
against Student's t with ``n1 + n2 - 4`` degrees of freedom (two lines, two parameters each), two-sided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from .baseline import LinearFit, LinePiece, PiecewiseLine, fit_line, piece_label
from .scaling_points import ZERO_SHOT_GROUP, data_family
from .transforms import Transform

#: Fewest models a line is fit on (as :func:`effrob_core.baseline.fit_line` requires).
MIN_LINE_MODELS = 3
#: ``train_data`` of OpenAI's CLIP models (the WebImageText set of Radford et al., 2021).
OPENAI_DATA = "OpenAI WIT"
#: The training-data group of models whose training data is not known (never a line of its own).
UNKNOWN_DATA = "unknown data"


@dataclass(frozen=True)
class LineChoice:
    """One way of choosing the models a zero-shot line is fit on."""

    key: str
    label: str
    phrase: str


#: The choices, one entry each; :func:`zero_shot_lines` implements them.
LINE_CHOICES: dict[str, LineChoice] = {c.key: c for c in (
    LineChoice("openai", "OpenAI CLIP", "OpenAI's CLIP models shown (train_data OpenAI WIT; the seed figure's purple line)"),
    LineChoice("all", "All zero-shot shown", "every zero-shot image-text model shown"),
    LineChoice("search", "Search matches", "the shown models matching the highlight search"),
    LineChoice("data", "One per training data", "the zero-shot models shown of each training-data group, one line each "
                                                "(Fang et al., 2022)"),
    LineChoice("none", "None", "no zero-shot line"),
)}
DEFAULT_LINE = "openai"


@dataclass(frozen=True)
class SlopeTest:
    """Two-sided t test of ``slope(line) - slope(baseline) = 0`` with both standard errors."""

    difference: float
    stderr: float
    t: float
    df: int
    p: float


@dataclass(frozen=True)
class ZeroShotLine:
    """A line fit on a set of models, which models they are, and its slope test against the baseline."""

    label: str
    fit: LinearFit
    model_ids: tuple[str, ...]
    test: SlopeTest


def slope_difference_test(line: LinearFit, baseline: LinearFit) -> SlopeTest:
    """Test whether two independently fitted OLS slopes differ (Paternoster et al., 1998), see the module."""
    diff = line.slope - baseline.slope
    se = float(np.hypot(line.stderr, baseline.stderr))
    df = line.n + baseline.n - 4
    if not (np.isfinite(se) and se > 0 and df > 0):
        return SlopeTest(diff, se, float("nan"), df, float("nan"))
    t = diff / se
    return SlopeTest(diff, se, float(t), df, float(2 * special.stdtr(df, -abs(t))))


def training_data_group(points: pd.DataFrame) -> pd.Series:
    """The training distribution of each model, for one line per group (Fang et al., 2022).

    :func:`effrob_core.scaling_points.data_family`, with the scaling-laws runs joined to the
    OpenCLIP models of the same data and the RN50 YFCC-15M subsets to YFCC-15M: a line is about the
    data distribution, not its size or who trained on it.
    """
    family = data_family(points).astype(str).str.replace(r" \(scaling-laws\)$", "", regex=True)
    return family.mask(points["source"].astype(str).to_numpy() == "openclip-lowacc", "YFCC-15M")


def _line(label: str, points: pd.DataFrame, kind: Transform, baseline: LinearFit) -> ZeroShotLine | str:
    """The line through ``points`` or, when it cannot be fit, the reason."""
    if len(points) < MIN_LINE_MODELS:
        return f"{len(points)} model(s), a line needs {MIN_LINE_MODELS}"
    try:
        fit = fit_line(points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float), kind)
    except ValueError as exc:
        return str(exc)
    return ZeroShotLine(label, fit, tuple(points["model_id"].astype(str)), slope_difference_test(fit, baseline))


def zero_shot_lines(
    points: pd.DataFrame, choice: str, kind: Transform, baseline: LinearFit | PiecewiseLine,
    matches: NDArray[np.bool_] | None = None,
) -> tuple[list[ZeroShotLine], dict[str, str]]:
    """The lines of one choice (:data:`LINE_CHOICES`) through the shown ``points`` (with ``x``, ``y``).

    ``matches`` marks the rows matching the search (for ``search``). Rows with a ``fit_excluded``
    reason (a model a set was filtered against, an accuracy of exactly 0 or 1 on a logit or probit
    axis) are left out. Returns the lines and, for each set that could not be fit, the reason.
    """
    if choice not in LINE_CHOICES:
        raise ValueError(f"unknown zero-shot line {choice!r}; choose one of {', '.join(LINE_CHOICES)}")
    if isinstance(baseline, PiecewiseLine):  # the slope tests compare with the piece fit on most models
        baseline = baseline.reference
    if "fit_excluded" in points:  # models that may enter no fit (effrob_core.robustness.fit_exclusions)
        usable = (points["fit_excluded"] == "").to_numpy()
        points = points[usable]
        matches = None if matches is None else np.asarray(matches, dtype=bool)[usable]
    zero_shot = (points["group"].astype(str) == ZERO_SHOT_GROUP).to_numpy()
    sets: list[tuple[str, pd.DataFrame]]
    if choice == "none":
        sets = []
    elif choice == "openai":
        sets = [("OpenAI CLIP", points[zero_shot & (points["train_data"].astype(str) == OPENAI_DATA).to_numpy()])]
    elif choice == "all":
        sets = [("All zero-shot", points[zero_shot])]
    elif choice == "search":
        hit = np.zeros(len(points), dtype=bool) if matches is None else np.asarray(matches, dtype=bool)
        sets = [("Search matches", points[hit])]
    else:
        zs = points[zero_shot]
        groups = training_data_group(zs)
        sets = [(str(g), zs[(groups == g).to_numpy()]) for g in sorted(groups.unique())]  # a few dozen groups
        unknown = [s for s in sets if s[0] == UNKNOWN_DATA]
        sets = [s for s in sets if s[0] != UNKNOWN_DATA]
    lines: list[ZeroShotLine] = []
    skipped: dict[str, str] = {}
    if choice == "data" and unknown:
        skipped[UNKNOWN_DATA] = f"{len(unknown[0][1])} model(s) whose training data is not published"
    for label, subset in sets:  # one set, or one per training-data group
        made = _line(label, subset, kind, baseline)
        if isinstance(made, str):
            skipped[label] = made
        else:
            lines.append(made)
    return lines, skipped


def lines_table(lines: list[ZeroShotLine], baseline: LinearFit | PiecewiseLine) -> pd.DataFrame:
    """Slope, intercept, n and x range of each line, with the slope test against the baseline.

    A piecewise baseline gives a row per piece (``Baseline ≤ s%``, ``Baseline > s%``); the tests compare
    with its ``reference`` piece (the one fit on most models).
    """
    pieces = baseline.pieces if isinstance(baseline, PiecewiseLine) else (LinePiece(baseline, None),)  # type: ignore[arg-type]
    rows = [{
        "Line": piece_label(p.low, p.high), "slope": p.fit.slope, "intercept": p.fit.intercept, "n": p.fit.n,
        "ImageNet range (%)": f"{100 * p.fit.x_min:.1f}–{100 * p.fit.x_max:.1f}",
        "slope − baseline": np.nan, "t": np.nan, "df": np.nan, "p": np.nan,
    } for p in pieces]
    rows += [{
        "Line": ln.label, "slope": ln.fit.slope, "intercept": ln.fit.intercept, "n": ln.fit.n,
        "ImageNet range (%)": f"{100 * ln.fit.x_min:.1f}–{100 * ln.fit.x_max:.1f}",
        "slope − baseline": ln.test.difference, "t": ln.test.t, "df": ln.test.df, "p": ln.test.p,
    } for ln in lines]
    return pd.DataFrame(rows)
