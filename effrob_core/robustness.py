"""Effective robustness and the shift gap of every model on a distribution shift.

Effective robustness (Taori et al., 2020, Sec. 3): a model's shift accuracy minus the accuracy the
standard-training baseline predicts at its ImageNet accuracy, in accuracy points. The shift gap
is shift accuracy minus ImageNet accuracy, ``y - x`` (not Taori et al.'s "relative robustness", which is the
gain of an intervention over its own baseline model). The ``average`` shift follows Radford et al.
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
    TESTBED_RESAMPLES,
    TESTBED_SEED,
    LinearFit,
    PiecewiseLine,
    baseline_mask,
    fit_pieces,
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


def effective_robustness(x_acc: ArrayLike, y_acc: ArrayLike, fit: LinearFit | PiecewiseLine) -> NDArray[np.float64]:
    """Shift accuracy minus the baseline's prediction at the model's ImageNet accuracy (fractions)."""
    return np.asarray(y_acc, dtype=float) - fit.predict(x_acc)


def shift_gap(x_acc: ArrayLike, y_acc: ArrayLike) -> NDArray[np.float64]:
    """Shift accuracy minus ImageNet accuracy (fractions)."""
    return np.asarray(y_acc, dtype=float) - np.asarray(x_acc, dtype=float)


def effective_robustness_interval(
    x_acc: ArrayLike, y_acc: ArrayLike, fit: PiecewiseLine, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interval of effective robustness from the bootstrap band of the baseline at each model's x."""
    lo, hi = fit.band(x_acc, level)
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


def filtered_models(shift: str) -> tuple[str, ...]:
    """Model ids the shift's y sets were filtered against (0% there by construction, see ``EvalSet``)."""
    return tuple(dict.fromkeys(m for k in y_keys(shift) for m in EVAL_SETS[k].filtered_against))


def fit_exclusions(points: pd.DataFrame, shift: str, kind: Transform, x_set: str = IMAGENET) -> NDArray[np.object_]:
    """Why each point may enter no fit of this view ("" where it may), one reason per row.

    Two rules, checked in this order: a model the shift's evaluation set was filtered against
    (ImageNet-A keeps only images a ResNet-50 misclassifies, so the testbed's ResNet-50 scores 0%
    by construction; the imagenet-testbed never fits on it, nor do we on the ``average`` of shifts
    that includes ImageNet-A, nor with ImageNet-A on x, ``x_set``); and, for logit and probit, an
    accuracy of exactly 0 or 1 on either
    axis, where the transform is undefined (clipping it would make it the most influential point).
    """
    reasons = np.full(len(points), "", dtype=object)
    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    if kind != "linear":
        for values, axis in ((y, "y"), (x, "x")):  # x's reason wins where both apply
            for bound in (0.0, 1.0):
                reasons[values == bound] = f"{axis} = {100 * bound:.0f}%: undefined on the {kind} scale"
    for set_key in dict.fromkeys(y_keys(shift) + y_keys(x_set)):  # filtered-against reasons win over the 0/1 rule
        ids = EVAL_SETS[set_key].filtered_against
        if ids:
            reasons[points["model_id"].isin(ids).to_numpy()] = (
                f"{EVAL_SETS[set_key].name} was built from the images this model misclassifies "
                "(0% by construction)")
    return reasons


@dataclass(frozen=True)
class ShiftAnalysis:
    """Everything a view of one shift needs: the points with their metrics and the (possibly piecewise) baseline.

    ``split_models`` are the models whose x splits the baseline into pieces (the testbed's two-piece
    ImageNet-A line), empty for a single line.
    """

    shift: str
    x_axis: str
    baseline: str
    transform: Transform
    fit_range: tuple[float, float] | None
    points: pd.DataFrame
    left_out: int
    fit: PiecewiseLine
    x_set: str | None = None  # the x-axis set when it is not ImageNet or its class-matched subset
    piecewise: bool = False
    split_models: tuple[str, ...] = ()

    def left_out_of_fit(self) -> pd.DataFrame:
        """The points that may enter no fit of this view, with the reason (``fit_excluded``)."""
        return self.points.loc[self.points["fit_excluded"] != "",
                               ["model_id", "display_name", "group", "x", "y", "fit_excluded"]]


def piece_metrics(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    own_x: tuple[NDArray[np.float64], NDArray[np.float64]],
    own_y: tuple[NDArray[np.float64], NDArray[np.float64]],
    fit: PiecewiseLine,
    level: float = 0.95,
) -> dict[str, NDArray[np.float64]]:
    """:func:`effrob_core.uncertainty.interval_metrics` and the fitted range of each model's own piece.

    Adds ``extrapolated``, ``fit_x_min``, ``fit_x_max`` and ``baseline_residual_sd``, all from the
    piece the model's x falls in.
    """
    which = fit.piece_index(x)
    out: dict[str, NDArray[np.float64]] = {}
    for i, piece in enumerate(fit.pieces):  # one piece, or two
        at = np.flatnonzero(which == i) if len(fit.pieces) > 1 else slice(None)
        part = interval_metrics(x[at], y[at], tuple(b[at] for b in own_x), tuple(b[at] for b in own_y),
                                piece.fit, piece.boot, level)
        part |= {"extrapolated": piece.fit.extrapolated(x[at]), "fit_x_min": piece.fit.x_min,
                 "fit_x_max": piece.fit.x_max, "baseline_residual_sd": piece.fit.residual_sd}
        for k, v in part.items():
            if k not in out:
                out[k] = np.zeros(x.size, dtype=bool) if k == "extrapolated" else np.full(x.size, np.nan)
            out[k][at] = v
    return out


def analyse_shift(
    results: Results,
    shift: str,
    baseline: str = "testbed",
    transform: Transform = "logit",
    x_axis: str = "full",
    fit_range: tuple[float, float] | None = None,
    n_resamples: int = TESTBED_RESAMPLES,
    seed: int = TESTBED_SEED,
    confidence: float = TESTBED_CONFIDENCE,
    level: float = 0.95,
    x_set: str | None = None,
    piecewise: bool = True,
) -> ShiftAnalysis:
    """Fit the baseline for one shift and compute every model's metrics with intervals.

    ``x_set`` puts any evaluation set on the x-axis (``fit_range`` then bounds that set's accuracy).

    Models with a ``fit_exclusions`` reason never enter the fit. With ``piecewise`` (the default), a
    shift filtered against some models (ImageNet-A) gets the imagenet-testbed's two-piece baseline,
    split at those models' x on the chosen x-axis (``format_eff_robust`` in the testbed's
    plotting/paper_appendix_eff_robust.py): one line on the baseline models strictly below, one on
    those strictly above, and each model's effective robustness, intervals and extrapolation flag
    from the piece on its side (a tie goes below). Without it, one line on the remaining baseline models.

    ``points`` gains ``fit_excluded`` (reason, "" if none), ``in_baseline``, ``baseline_piece``,
    Clopper-Pearson bounds ``x_lo``/``x_hi``/``y_lo``/``y_hi``
    at ``confidence``, ``eff_rob`` with its ``level`` interval ``eff_rob_lo``/``eff_rob_hi`` (the
    baseline's bootstrap band and the model's own test-set noise, :mod:`effrob_core.uncertainty`)
    and the band-only ``eff_rob_band_lo``/``eff_rob_band_hi``, ``eff_rob_transformed`` (the same in
    the axis units, with the same four bounds), ``extrapolated`` (x outside the fitted models' range
    ``fit_x_min``..``fit_x_max`` of its piece), ``baseline_residual_sd`` and ``shift_gap`` (y - x); all
    accuracies and differences in points are fractions.
    """
    pts, left_out = shift_points(results, shift, x_axis, x_set)
    x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
    excluded = fit_exclusions(pts, shift, transform, x_key(shift, x_axis, x_set))
    member = baseline_mask(pts, baseline)
    if fit_range is not None:
        member = member & (x >= fit_range[0]) & (x <= fit_range[1])
    splitters = pts["model_id"].isin(filtered_models(shift)).to_numpy() if piecewise and len(y_keys(shift)) == 1 \
        else np.zeros(len(pts), dtype=bool)
    splits = tuple(np.unique(x[splitters]))
    if splits:  # members exactly at a split enter neither piece, as in the testbed
        tie = member & (excluded == "") & np.isin(x, splits)
        excluded[tie] = "at the split of the piecewise baseline (pieces are fit strictly below and above it)"
    member = member & (excluded == "")
    fit = fit_pieces(x[member], y[member], transform, splits, n_resamples=n_resamples, seed=seed)
    x_lo, x_hi = clopper_pearson(x, pts["n_x"], confidence)
    y_lo, y_hi = clopper_pearson(y, pts["n_y"], confidence)
    baseline_y = fit.predict(x)
    own_x, own_y = own_accuracy_bounds(pts, results.wide("top1"), results.wide("n_images"), y_keys(shift), level)
    metrics = {"fit_excluded": excluded, "in_baseline": member, "baseline_piece": fit.piece_index(x),
               "x_lo": x_lo, "x_hi": x_hi, "y_lo": y_lo, "y_hi": y_hi,
               "baseline_y": baseline_y, "eff_rob": y - baseline_y,
               **piece_metrics(x, y, own_x, own_y, fit, level), "shift_gap": shift_gap(x, y)}
    pts = pd.concat([pts, pd.DataFrame(metrics, index=pts.index)], axis=1)
    return ShiftAnalysis(shift, x_axis, baseline, transform, fit_range, pts, left_out, fit, x_set,
                         bool(splits), tuple(pts.loc[splitters, "model_id"]) if splits else ())


def robustness_by_shift(
    results: Results,
    shifts: tuple[str, ...] = MAIN_SHIFTS,
    baseline: str = "testbed",
    transform: Transform = "logit",
    x_axis: str = "full",
    n_resamples: int = TESTBED_RESAMPLES,
    seed: int = TESTBED_SEED,
    piecewise: bool = True,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Wide table indexed by model_id with ``y[...]``, ``eff_rob[...]``, its interval and
    ``shift_gap[...]`` per shift, and their means over ``shifts`` (``eff_rob[mean]``, ``shift_gap[mean]``;
    NaN unless the model has every shift).

    A shift whose baseline cannot be fit (e.g. timm publishes no ObjectNet results) gets NaN columns;
    the second value maps each such shift to the reason.
    """
    columns = ("y", "eff_rob", "eff_rob_lo", "eff_rob_hi", "eff_rob_band_lo", "eff_rob_band_hi",
               "eff_rob_transformed", "eff_rob_transformed_lo", "eff_rob_transformed_hi",
               "eff_rob_transformed_band_lo", "eff_rob_transformed_band_hi", "baseline_residual_sd",
               "extrapolated", "shift_gap")
    ids = pd.Index(results.models["model_id"], name="model_id")
    values: dict[str, NDArray[np.float64]] = {}
    unfitted: dict[str, str] = {}
    for shift in shifts:  # a handful of shifts, each fully vectorised over models
        for c in columns:
            values[f"{c}[{shift}]"] = np.full(len(ids), np.nan)
        try:
            a = analyse_shift(results, shift, baseline, transform, x_axis, n_resamples=n_resamples, seed=seed,
                              piecewise=piecewise)
        except ValueError as exc:
            unfitted[shift] = str(exc)
            continue
        rows = ids.get_indexer(a.points["model_id"])  # model ids are unique
        for c in columns:
            values[f"{c}[{shift}]"][rows] = a.points[c].to_numpy(dtype=float)
    table = pd.DataFrame(values, index=ids)
    table["eff_rob[mean]"] = table[[f"eff_rob[{s}]" for s in shifts]].mean(axis=1, skipna=False)
    table["shift_gap[mean]"] = table[[f"shift_gap[{s}]" for s in shifts]].mean(axis=1, skipna=False)
    return table, unfitted
