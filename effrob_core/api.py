"""A small Python API for notebooks and scripts: the dashboard's numbers as DataFrames and dataclasses.

::

    from effrob_core import api

    results = api.load()                                   # the published tables (about 2,000 models)
    results = api.add_results(results, "my_models.csv")    # optional: your own results, as on the page
    a = api.analyse(results, "imagenet-sketch")            # baseline fit and every model's metrics
    a.fit.pieces[0].fit                                    # LinearFit(slope=1.0709..., intercept=-2.3701..., n=85)
    api.fit_table(a)                                       # the same line as a DataFrame, one row per piece
    api.robustness_table(a, models="/openai")             # effective robustness with its 95% interval

The same code path as the dashboard and the ``effrob`` command line: :func:`analyse` is
:func:`effrob_core.robustness.analyse_shift` (Taori et al., 2020: OLS on logit-transformed accuracies
of the standard-training models, 95% percentile bootstrap of 1000 resamples with the testbed's seed).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from .baseline import BASELINES, TESTBED_RESAMPLES, TESTBED_SEED, LinearFit, PiecewiseLine
from .datasets import MAIN_SHIFTS
from .results import Results, load_results
from .robustness import SHIFT_CHOICES, X_AXES, ShiftAnalysis, analyse_shift, robustness_by_shift, x_key
from .transforms import TRANSFORMS, Transform
from .uncertainty import DEFAULT_INTERVAL, check_interval
from .upload import parse_files

__all__ = [
    "BASELINES", "MAIN_SHIFTS", "SHIFT_CHOICES", "TRANSFORMS", "X_AXES", "LinearFit", "PiecewiseLine", "Results",
    "ShiftAnalysis",
    "add_results", "analyse", "fit_table", "load", "robustness_by_shift", "robustness_table",
]

#: Columns of :func:`robustness_table` (the command line's ``robustness --format csv`` columns).
ROBUSTNESS_COLUMNS: tuple[str, ...] = (
    "model_id", "source", "group", "imagenet_pct", "shift_pct", "eff_rob_pct", "eff_rob_lo_pct", "eff_rob_hi_pct",
    "eff_rob_transformed", "eff_rob_transformed_lo", "eff_rob_transformed_hi", "extrapolated", "shift_gap_pct",
)


def load(directory: str | Path | None = None) -> Results:
    """The published results tables (or those in ``directory``), validated: ``.models`` and ``.evaluations``."""
    return load_results(directory)


def add_results(results: Results, *files: str | Path | tuple[str, bytes]) -> Results:
    """``results`` with your own models added (group "Your models", ids ``upload:<name>``).

    Each file is a path or a ``(name, bytes)`` pair in any format the dashboard's Your results page
    reads (template CSV, CLIP_benchmark JSON or CSV). A problem raises
    :class:`effrob_core.upload.UploadError` naming the file, row and column; notes on how the files
    were read are issued as warnings. The baseline fit keeps using published models only.
    """
    blobs = [f if isinstance(f, tuple) else (Path(f).name, Path(f).read_bytes()) for f in files]
    if not blobs:
        return results
    upload = parse_files(blobs)
    for note in upload.notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return results.combine(upload.results)


def analyse(
    results: Results,
    shift: str,
    baseline: str = "testbed",
    transform: Transform = "logit",
    x_axis: str = "full",
    fit_range: tuple[float, float] | None = None,
    n_resamples: int = TESTBED_RESAMPLES,
    seed: int = TESTBED_SEED,
    x_set: str | None = None,
    piecewise: bool = True,
) -> ShiftAnalysis:
    """Fit the baseline for one shift and compute every model's metrics (fractions, not percent).

    ``x_set`` puts any evaluation set on the x-axis instead of ImageNet (e.g. ``"imagenetv2"``).

    ``fit_range`` restricts the fit to baseline models with ImageNet accuracy in [low, high]
    (fractions). The result's ``fit`` is a :class:`PiecewiseLine`: one piece (``fit.pieces[0].fit``,
    a :class:`LinearFit`, and ``.boot``, its bootstrap) for every shift but ImageNet-A, whose default
    is the imagenet-testbed's two lines split at ResNet-50's x (``piecewise=False``: one line without
    ResNet-50). ``points`` has one row per model with ``x``, ``y``, ``eff_rob`` and its interval.
    """
    return analyse_shift(results, shift, baseline, transform, x_axis, fit_range, n_resamples=n_resamples, seed=seed,
                         x_set=x_set, piecewise=piecewise)


def fit_table(analysis: ShiftAnalysis) -> pd.DataFrame:
    """The baseline of an analysis as a DataFrame, one row per piece (what ``effrob fit`` prints).

    ``applies_above``/``applies_up_to`` bound the x (fractions) each piece is used on (infinite ends
    for a single line).
    """
    low, high = analysis.fit_range if analysis.fit_range is not None else (float("nan"), float("nan"))
    return pd.DataFrame([{
        "shift": analysis.shift, "x_axis": x_key(analysis.shift, analysis.x_axis, analysis.x_set), "baseline": analysis.baseline,
        "fit_low": low, "fit_high": high, "applies_above": piece.low, "applies_up_to": piece.high, **asdict(piece.fit),
    } for piece in analysis.fit.pieces])


def robustness_table(analysis: ShiftAnalysis, models: str | None = None, interval: str = DEFAULT_INTERVAL) -> pd.DataFrame:
    """One row per model, most effectively robust first: accuracies and effective robustness with its
    interval in percent and in units of the axis scaling (``eff_rob_transformed``), and whether it is
    ``extrapolated`` (the columns of ``effrob robustness --format csv``).

    ``models`` keeps only models whose id or display name contains that text (case-insensitive);
    ``interval`` is ``total`` (the baseline band and the model's own test-set noise) or ``band``
    (the baseline band only), see :mod:`effrob_core.uncertainty`.
    """
    band = "_band" if check_interval(interval) == "band" else ""
    p = analysis.points
    if models:
        needle = models.lower()
        p = p[p["model_id"].str.lower().str.contains(needle, regex=False)
              | p["display_name"].str.lower().str.contains(needle, regex=False)]
    frame = pd.DataFrame({
        "model_id": p["model_id"], "source": p["source"], "group": p["group"],
        "imagenet_pct": 100 * p["x"], "shift_pct": 100 * p["y"],
        "eff_rob_pct": 100 * p["eff_rob"], "eff_rob_lo_pct": 100 * p[f"eff_rob{band}_lo"],
        "eff_rob_hi_pct": 100 * p[f"eff_rob{band}_hi"],
        "eff_rob_transformed": p["eff_rob_transformed"],
        "eff_rob_transformed_lo": p[f"eff_rob_transformed{band}_lo"],
        "eff_rob_transformed_hi": p[f"eff_rob_transformed{band}_hi"],
        "extrapolated": p["extrapolated"].astype(bool), "shift_gap_pct": 100 * p["shift_gap"],
    }, columns=list(ROBUSTNESS_COLUMNS))
    return frame.sort_values("eff_rob_pct", ascending=False, kind="stable").reset_index(drop=True)
