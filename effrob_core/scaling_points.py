"""Zero-shot models placed against samples seen or training compute for the Scaling view, their
colour groups, and effective robustness against scale.

Pure functions of :class:`~effrob_core.results.Results` (no Streamlit); the power-law fits on
these points are in :mod:`effrob_core.scaling`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from .checkpoints import checkpoint_of, one_per_checkpoint
from .datasets import AVERAGE, IMAGENET, MAIN_SHIFTS
from .er_units import er_in_units, unit_suffix
from .formatting import si_number
from .results import UPLOAD_GROUP, UPLOAD_SOURCE, Results

ZERO_SHOT_GROUP = "Zero-shot image-text"
SCALING_SOURCES: tuple[str, ...] = ("openclip", "scaling-laws", "openclip-lowacc")
XKind = Literal["samples", "compute"]
X_KINDS: tuple[XKind, ...] = ("samples", "compute")
ColorBy = Literal["data", "architecture"]
COLOR_BYS: tuple[ColorBy, ...] = ("data", "architecture")
DIGITIZED_LABEL = ("read from a figure (±0.3 pts); x = unique training images, "
                   "1 epoch-equivalent unknown")
SCALING_EVAL_SETS: tuple[str, ...] = (IMAGENET, *MAIN_SHIFTS, AVERAGE)


def data_family(models: pd.DataFrame) -> pd.Series:
    """Training-data family of each model: a colour group whose members differ in scale, not data.

    DataComp-S/M/L/1B form "DataComp", CommonPool-S..XL one family per filter, the scaling-laws
    models keep their own families ("LAION-2B (scaling-laws)"), the digitised RN50 points form
    "YFCC-15M subsets (RN50)", uploaded models form "Your models"; other training sets are their own family.
    """
    td = models["train_data"].fillna("").astype(str)
    source = models["source"].astype(str)
    pool = td.str.extract(r"^CommonPool-(?:S|M|L|XL)(?: \((.+?)(?: filter)?\))?$")[0]
    is_pool = td.str.match(r"^CommonPool-(?:S|M|L|XL)\b")
    family = td.where(td != "", "unknown data")
    family = family.mask(td.str.match(r"^DataComp-(?:S|M|L|1B)$"), "DataComp")
    family = family.mask(is_pool, "CommonPool, " + pool.fillna("no").astype(str) + " filter")
    family = family.mask(source == "scaling-laws", family + " (scaling-laws)")
    family = family.mask(source == "openclip-lowacc", "YFCC-15M subsets (RN50)")
    return family.mask(source == UPLOAD_SOURCE, UPLOAD_GROUP)


def is_uploaded(models: pd.DataFrame) -> np.ndarray:
    """Rows of a models-like table that a user uploaded (source ``upload``)."""
    return (models["source"].astype(str) == UPLOAD_SOURCE).to_numpy(dtype=bool)


def scaling_points(results: Results, eval_set: str, x_kind: XKind = "samples",
                   sources: Iterable[str] = SCALING_SOURCES) -> tuple[pd.DataFrame, int]:
    """Zero-shot models of ``sources`` placed at x = samples seen (or total GMACs), and how many were left out.

    Uploaded models (source ``upload``, of any group) are candidates too when ``upload`` is among
    ``sources``; they are placed at the samples seen they were uploaded with. The digitised points
    (``digitized``) have no samples seen and are placed at their training-set size
    (``train_images``) on the samples axis. ``eval_set`` is an evaluation set key or ``average``
    (mean over the five main shifts). Columns: models columns plus ``family``, ``x``, ``x_is_images``,
    ``top1`` and ``error`` (fractions), ``n_images``. The count is of candidate models of ``sources``
    with an accuracy on ``eval_set`` but no x. A checkpoint several rows hold is placed once
    (:func:`.checkpoints.one_per_checkpoint` among the rows with an x).
    """
    if eval_set not in SCALING_EVAL_SETS:
        raise ValueError(f"unknown evaluation set {eval_set!r}; choose one of {', '.join(SCALING_EVAL_SETS)}")
    if x_kind not in X_KINDS:
        raise ValueError(f"unknown x {x_kind!r}; choose one of {', '.join(X_KINDS)}")
    m = results.models
    top1 = results.wide("top1")
    count = results.wide("n_images")
    sets = list(MAIN_SHIFTS) if eval_set == AVERAGE else [eval_set]
    acc = top1[sets].mean(axis=1, skipna=False).to_numpy()
    n = count[sets[0]].to_numpy(dtype=float) if len(sets) == 1 else np.full(len(m), np.nan)
    kind_ok = (m["group"] == ZERO_SHOT_GROUP).to_numpy() | is_uploaded(m)
    candidate = kind_ok & m["source"].isin(list(sources)).to_numpy() & np.isfinite(acc)
    digitized = m["digitized"].to_numpy(dtype=bool)
    if x_kind == "samples":
        x = np.where(digitized, m["train_images"].to_numpy(dtype=float), m["samples_seen"].to_numpy(dtype=float))
    else:
        x = m["compute_gmacs_total"].to_numpy(dtype=float)
    has_x = candidate & np.isfinite(x) & (x > 0)
    placed = has_x.copy()
    placed[np.flatnonzero(has_x)[~one_per_checkpoint(m.loc[has_x])]] = False  # each checkpoint once
    pts = m.loc[placed].reset_index(drop=True).copy()
    pts["family"] = data_family(pts).to_numpy()
    pts["x"] = x[placed]
    pts["x_is_images"] = digitized[placed]
    pts["top1"] = acc[placed]
    pts["error"] = 1.0 - acc[placed]
    pts["n_images"] = n[placed]
    return pts, int((candidate & ~has_x).sum())


def color_key(points: pd.DataFrame, color_by: ColorBy) -> pd.Series:
    """The colour group of each point: its training-data family or its architecture ("Your models"
    for uploaded models either way)."""
    if color_by == "data":
        return points["family"].astype(str).mask(is_uploaded(points), UPLOAD_GROUP)
    if color_by == "architecture":
        arch = points["architecture"].astype(str)
        return arch.where(arch != "", "unknown").mask(is_uploaded(points), UPLOAD_GROUP)
    raise ValueError(f"unknown colour grouping {color_by!r}; choose one of {', '.join(COLOR_BYS)}")


def controlled_series(points: pd.DataFrame) -> np.ndarray:
    """Points of controlled scaling series: the scaling-laws runs, the DataComp/CommonPool scales
    (one recipe per filter) and the digitised RN50 subsets, where the models differ mainly in scale."""
    family = points["family"].astype(str)
    return (points["source"].isin(["scaling-laws", "openclip-lowacc"])
            | family.str.startswith(("DataComp", "CommonPool"))).to_numpy(dtype=bool)


#: The analysis columns a scaling point gets: ER in points and axis units with both intervals, the
#: extrapolation flag and what :func:`effrob_core.er_units.er_in_units` needs.
ER_COLUMNS: tuple[str, ...] = (
    "eff_rob", "eff_rob_lo", "eff_rob_hi", "eff_rob_band_lo", "eff_rob_band_hi", "eff_rob_transformed",
    "eff_rob_transformed_lo", "eff_rob_transformed_hi", "eff_rob_transformed_band_lo", "eff_rob_transformed_band_hi",
    "baseline_residual_sd", "extrapolated", "baseline_y")


def robustness_vs_scale(points: pd.DataFrame, analysis_points: pd.DataFrame) -> pd.DataFrame:
    """The scaling points joined with effective robustness (:data:`ER_COLUMNS`: ``eff_rob`` and its
    intervals, in points and in axis units, and ``extrapolated``).

    ``analysis_points`` is :attr:`effrob_core.robustness.ShiftAnalysis.points`; points without an
    effective robustness on that shift are dropped. Points are matched by checkpoint
    (:func:`.checkpoints.checkpoint_of`): a scaling point whose weights the analysis holds under
    another row (e.g. OpenAI's ViT-B/32 as the testbed evaluated it) gets that row's values.
    """
    er = analysis_points.assign(_checkpoint=checkpoint_of(analysis_points).to_numpy()).set_index("_checkpoint")[
        list(ER_COLUMNS)]
    out = points.assign(_checkpoint=checkpoint_of(points).to_numpy()).join(er, on="_checkpoint", how="inner")
    out = out.drop(columns="_checkpoint")
    return out.loc[out["eff_rob"].notna()].reset_index(drop=True)


def robustness_by_decade(points: pd.DataFrame, unit: str = "pts", kind: str = "logit") -> pd.DataFrame:
    """Effective robustness summarised per decade of x (in ``unit``, :mod:`effrob_core.er_units`):
    models, how many are extrapolated, median, min, max, share above 0.

    ``points`` is :func:`robustness_vs_scale` output; decades are ``[10^k, 10^(k+1))``.
    """
    decade = np.floor(np.log10(points["x"].to_numpy(dtype=float))).astype(int)
    er = er_in_units(points, unit, kind)["er"]  # type: ignore[arg-type]
    suffix = unit_suffix(unit, kind)  # type: ignore[arg-type]
    g = er.groupby(decade)
    out = pd.DataFrame({"Models": g.size(),
                        "Extrapolated": points["extrapolated"].astype(bool).groupby(decade).sum(),
                        f"Median ER ({suffix})": g.median(), f"Min ER ({suffix})": g.min(),
                        f"Max ER ({suffix})": g.max(),
                        "Share with ER > 0": (er > 0).groupby(decade).mean()})
    out.index = pd.Index([f"{si_number(10.0 ** k)}–{si_number(10.0 ** (k + 1))}" for k in out.index],
                         name="x range")
    return out.round(2)

