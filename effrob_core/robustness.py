"""Effective and relative robustness of every model on a distribution shift.

Effective robustness (Taori et al., 2020, Sec. 3): a model's shift accuracy minus the accuracy the
standard-training baseline predicts at its ImageNet accuracy, in accuracy points. Relative
robustness: shift accuracy minus ImageNet accuracy. The ``average`` shift follows Radford et al.
(2021, CLIP, Fig. 13): y is the mean accuracy over the five main shifts, and the baseline is fit on
that mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .baseline import (
    TESTBED_SEED,
    BootstrapFit,
    LinearFit,
    baseline_mask,
    bootstrap_line,
    fit_line,
)
from .checkpoints import one_per_checkpoint
from .datasets import AVERAGE, EVAL_SETS, IMAGENET, MAIN_SHIFTS, SHIFTS, SYNTHETIC, VARIANTS, leaf_weights
from .intervals import TESTBED_CONFIDENCE, clopper_pearson
from .results import Results
from .transforms import Transform
from .uncertainty import interval_metrics, own_accuracy_bounds

XAxis = Literal["full", "matched"]
X_AXES: tuple[XAxis, ...] = ("full", "matched")
SHIFT_CHOICES: tuple[str, ...] = SHIFTS + (AVERAGE,)
#: The testbed's synthetic and consistency settings, offered on the y-axis beside the natural shifts.
OTHER_SHIFT_CHOICES: tuple[str, ...] = SYNTHETIC + VARIANTS
#: Every evaluation set (stored or aggregate) and ``average``: any of them may go on either axis, as in
#: the testbed's plotting playground.
SET_CHOICES: tuple[str, ...] = tuple(EVAL_SETS) + (AVERAGE,)


def check_set(key: str, what: str = "evaluation set") -> str:
    """Return ``key`` if it names an evaluation set (or ``average``), else raise ``ValueError``."""
    if key not in SET_CHOICES:
        natural = ", ".join(SHIFT_CHOICES)
        raise ValueError(f"unknown {what} {key!r}; choose a key of effrob_core.datasets.EVAL_SETS, e.g. "
                         f"{IMAGENET}, {natural}, imagenet-c, pgd, greyscale")
    return key


def x_key(shift: str, x_axis: str, x_set: str | None = None) -> str:
    """The evaluation set on the x-axis: ``x_set`` when given (any set but the y one); else full
    ImageNet, or the class-matched ImageNet subset of the shift."""
    check_set(shift, "shift")
    if x_set is not None:
        check_set(x_set, "x-axis set")
        if x_set == shift:
            raise ValueError(f"the x-axis and the y-axis are both {shift}; choose two different sets")
        return x_set
    if x_axis not in X_AXES:
        raise ValueError(f"unknown x-axis {x_axis!r}; choose one of {', '.join(X_AXES)}")
    if x_axis == "full":
        if shift == IMAGENET:
            raise ValueError("imagenet is the x-axis; choose another set for y, or another x-axis set")
        return IMAGENET
    matched = None if shift == AVERAGE else EVAL_SETS[shift].matched_x
    if matched is None:
        raise ValueError(f"{shift} has no class-matched ImageNet subset; use the full ImageNet x-axis")
    return matched


def y_keys(shift: str) -> tuple[str, ...]:
    """The stored evaluation sets averaged on an axis (one, the five main shifts for ``average``, or
    the settings an aggregate such as ``imagenet-c`` averages)."""
    return tuple(leaf_weights(check_set(shift)))


def set_accuracy(results: Results, key: str) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Top-1 of every model (models order) on a set, its image count, and whether the model has any part.

    An aggregate is the weighted mean of its stored settings (:func:`effrob_core.datasets.leaf_weights`),
    missing unless the model has all of them, as the testbed's ``mean(skipna=False)``; its image
    count is NaN (a mean has no single count, so no binomial interval).
    """
    weights = leaf_weights(check_set(key))
    top1 = results.wide("top1")[list(weights)].to_numpy(dtype=float)
    values = top1 @ np.fromiter(weights.values(), dtype=float, count=len(weights))  # NaN where any part is
    has_any = ~np.isnan(top1).all(axis=1)
    if len(weights) == 1:
        n = results.wide("n_images")[key].to_numpy(dtype=float)
    else:
        n = np.full(len(values), np.nan)
    return values, n, has_any


def effective_robustness(x_acc: ArrayLike, y_acc: ArrayLike, fit: LinearFit) -> NDArray[np.float64]:
    """Shift accuracy minus the baseline's prediction at the model's ImageNet accuracy (fractions)."""
    return np.asarray(y_acc, dtype=float) - fit.predict(x_acc)


def relative_robustness(x_acc: ArrayLike, y_acc: ArrayLike) -> NDArray[np.float64]:
    """Shift accuracy minus ImageNet accuracy (fractions)."""
    return np.asarray(y_acc, dtype=float) - np.asarray(x_acc, dtype=float)


def effective_robustness_interval(
    x_acc: ArrayLike, y_acc: ArrayLike, boot: BootstrapFit, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interval of effective robustness from the bootstrap band of the baseline at each model's x."""
    lo, hi = boot.band(x_acc, level)
    y = np.asarray(y_acc, dtype=float)
    return y - hi, y - lo


def shift_points(results: Results, shift: str, x_axis: str = "full",
                 x_set: str | None = None) -> tuple[pd.DataFrame, int]:
    """Models with both accuracies for the view, and how many models with a y were left out for lack of x.

    A checkpoint that several rows hold counts once (:func:`.checkpoints.one_per_checkpoint`); the
    rows dropped for that are not counted as left out.

    Returns the models table's columns plus ``x``, ``y``, ``n_x``, ``n_y`` (image counts; NaN for
    an average or aggregate) for every model that has the x set and all y sets. ``x_set`` puts any
    evaluation set on the x-axis instead of ImageNet (see :func:`x_key`).
    """
    xk = x_key(shift, x_axis, x_set)
    y, n_y, has_y = set_accuracy(results, shift)
    x, n_x, _ = set_accuracy(results, xk)
    both = ~np.isnan(x) & ~np.isnan(y)
    left_out = int((has_y & ~both).sum())  # models with some but not all parts of an aggregate too
    both[np.flatnonzero(both)[~one_per_checkpoint(results.models.loc[both])]] = False  # each checkpoint once
    pts = results.models.loc[both].reset_index(drop=True)
    values = {"x": x[both], "y": y[both], "n_x": n_x[both], "n_y": n_y[both]}
    return pd.concat([pts, pd.DataFrame(values, index=pts.index)], axis=1), left_out


@dataclass(frozen=True)
class ShiftAnalysis:
    """Everything a view of one shift needs: the points with their metrics, the line and its band."""

    shift: str
    x_axis: str
    baseline: str
    transform: Transform
    fit_range: tuple[float, float] | None
    points: pd.DataFrame
    left_out: int
    fit: LinearFit
    boot: BootstrapFit
    x_set: str | None = None  # the x-axis set when it is not ImageNet or its class-matched subset


def analyse_shift(
    results: Results,
    shift: str,
    baseline: str = "testbed",
    transform: Transform = "logit",
    x_axis: str = "full",
    fit_range: tuple[float, float] | None = None,
    n_resamples: int = 1000,
    seed: int = TESTBED_SEED,
    confidence: float = TESTBED_CONFIDENCE,
    level: float = 0.95,
    x_set: str | None = None,
) -> ShiftAnalysis:
    """Fit the baseline for one shift and compute every model's metrics with intervals.

    ``x_set`` puts any evaluation set on the x-axis (``fit_range`` then bounds that set's accuracy).

    ``points`` gains ``in_baseline``, Clopper-Pearson bounds ``x_lo``/``x_hi``/``y_lo``/``y_hi``
    at ``confidence``, ``eff_rob`` with its ``level`` interval ``eff_rob_lo``/``eff_rob_hi`` (the
    baseline's bootstrap band and the model's own test-set noise, :mod:`effrob_core.uncertainty`)
    and the band-only ``eff_rob_band_lo``/``eff_rob_band_hi``, ``eff_rob_transformed`` (the same in
    the axis units, with the same four bounds), ``extrapolated`` (x outside the fitted models' range
    ``fit_x_min``..``fit_x_max``), ``baseline_residual_sd`` and ``rel_rob``; all accuracies and
    differences in points are fractions.
    """
    pts, left_out = shift_points(results, shift, x_axis, x_set)
    member = baseline_mask(pts, baseline)
    if fit_range is not None:
        member = member & (pts["x"] >= fit_range[0]).to_numpy() & (pts["x"] <= fit_range[1]).to_numpy()
    x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
    fit = fit_line(x[member], y[member], transform)
    boot = bootstrap_line(x[member], y[member], transform, n_resamples=n_resamples, seed=seed)
    x_lo, x_hi = clopper_pearson(x, pts["n_x"], confidence)
    y_lo, y_hi = clopper_pearson(y, pts["n_y"], confidence)
    baseline_y = fit.predict(x)
    own_x, own_y = own_accuracy_bounds(pts, results.wide("top1"), results.wide("n_images"), y_keys(shift), level)
    metrics = {"in_baseline": member, "x_lo": x_lo, "x_hi": x_hi, "y_lo": y_lo, "y_hi": y_hi,
               "baseline_y": baseline_y, "eff_rob": y - baseline_y,
               **interval_metrics(x, y, own_x, own_y, fit, boot, level),
               "extrapolated": fit.extrapolated(x), "fit_x_min": np.full(x.size, fit.x_min),
               "fit_x_max": np.full(x.size, fit.x_max), "baseline_residual_sd": np.full(x.size, fit.residual_sd),
               "rel_rob": relative_robustness(x, y)}
    pts = pd.concat([pts, pd.DataFrame(metrics, index=pts.index)], axis=1)
    return ShiftAnalysis(shift, x_axis, baseline, transform, fit_range, pts, left_out, fit, boot, x_set)


def robustness_by_shift(
    results: Results,
    shifts: tuple[str, ...] = MAIN_SHIFTS,
    baseline: str = "testbed",
    transform: Transform = "logit",
    x_axis: str = "full",
    n_resamples: int = 1000,
    seed: int = TESTBED_SEED,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Wide table indexed by model_id with ``y[...]``, ``eff_rob[...]``, its interval and
    ``rel_rob[...]`` per shift, and their means over ``shifts`` (``eff_rob[mean]``, ``rel_rob[mean]``;
    NaN unless the model has every shift).

    A shift whose baseline cannot be fit (e.g. timm publishes no ObjectNet results) gets NaN columns;
    the second value maps each such shift to the reason.
    """
    columns = ("y", "eff_rob", "eff_rob_lo", "eff_rob_hi", "eff_rob_band_lo", "eff_rob_band_hi",
               "eff_rob_transformed", "eff_rob_transformed_lo", "eff_rob_transformed_hi",
               "eff_rob_transformed_band_lo", "eff_rob_transformed_band_hi", "baseline_residual_sd",
               "extrapolated", "rel_rob")
    ids = pd.Index(results.models["model_id"], name="model_id")
    values: dict[str, NDArray[np.float64]] = {}
    unfitted: dict[str, str] = {}
    for shift in shifts:  # a handful of shifts, each fully vectorised over models
        for c in columns:
            values[f"{c}[{shift}]"] = np.full(len(ids), np.nan)
        try:
            a = analyse_shift(results, shift, baseline, transform, x_axis, n_resamples=n_resamples, seed=seed)
        except ValueError as exc:
            unfitted[shift] = str(exc)
            continue
        rows = ids.get_indexer(a.points["model_id"])  # model ids are unique
        for c in columns:
            values[f"{c}[{shift}]"][rows] = a.points[c].to_numpy(dtype=float)
    table = pd.DataFrame(values, index=ids)
    table["eff_rob[mean]"] = table[[f"eff_rob[{s}]" for s in shifts]].mean(axis=1, skipna=False)
    table["rel_rob[mean]"] = table[[f"rel_rob[{s}]" for s in shifts]].mean(axis=1, skipna=False)
    return table, unfitted
