"""How certain a model's effective robustness is: its interval, in accuracy points and in axis units.

Two sources of uncertainty enter ``ER = y - f(x)``, where ``f`` is the baseline line:

* the baseline's own uncertainty at ``x``: the pointwise percentile-bootstrap band of the line
  (Taori et al., 2020; :meth:`effrob_core.baseline.BootstrapFit.band`);
* the model's own test-set sampling noise: its accuracies are binomial proportions of the number of
  test images, on ImageNet (moving ``x``, hence ``f(x)``) and on the shift (moving ``y``). Their
  exact Clopper-Pearson (1934) intervals at the same level are used; for the mean of the five main
  shifts (no single image count) the normal approximation of a mean of independent binomial
  proportions, ``sd = sqrt(sum p_i (1 - p_i) / n_i) / k``.

The *total* interval combines the three independent parts in quadrature on each side (the
root-sum-square rule for independent errors; e.g. Taylor, "An Introduction to Error Analysis",
1997, Sec. 3.5): the lower end is ``ER - sqrt((y - y_lo)^2 + (band_hi - f)^2 + (f(x_hi) - f)^2)``,
the upper end ``ER + sqrt((y_hi - y)^2 + (f - band_lo)^2 + (f - f(x_lo))^2)``. The x part is the
baseline's change across the x interval, so it follows the line's slope exactly. The *band*
interval is the baseline part alone (the testbed's own ER intervals). The same construction in
transformed units (logit or probit) gives the interval of ``T(y) - (slope * T(x) + intercept)``.
Everything is vectorised over models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .baseline import BootstrapFit, LinearFit
from .intervals import clopper_pearson
from .transforms import transform


@dataclass(frozen=True)
class IntervalKind:
    """One choice of what an effective-robustness interval covers."""

    key: str
    label: str
    short: str
    method: str


#: The interval choices, one entry each; the text of ``method`` is what captions and docs say.
ER_INTERVALS: dict[str, IntervalKind] = {k.key: k for k in (
    IntervalKind("total", "Baseline band + the model's test-set noise", "95%, baseline band + own test-set noise",
                 "the baseline's 95% bootstrap band at the model's ImageNet accuracy combined in quadrature "
                 "with the 95% Clopper-Pearson intervals of the model's own ImageNet and shift accuracies "
                 "(from their image counts; the ImageNet part propagated through the line)"),
    IntervalKind("band", "Baseline band only", "95% baseline bootstrap band only",
                 "the baseline's 95% bootstrap band at the model's ImageNet accuracy alone (1000 resamples of "
                 "the baseline models; the model's own accuracies taken as exact)"),
)}
DEFAULT_INTERVAL = "total"


def check_interval(kind: str) -> str:
    """Return ``kind`` if it names an interval choice, else raise ``ValueError`` listing them."""
    if kind not in ER_INTERVALS:
        raise ValueError(f"unknown interval {kind!r}; choose one of {', '.join(ER_INTERVALS)}")
    return kind


def mean_accuracy_bounds(
    top1: ArrayLike, n_images: ArrayLike, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Normal-approximation interval of the mean of independent binomial accuracies (rows: models).

    ``top1`` and ``n_images`` are (models, sets) arrays; rows with a missing value get NaN bounds.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    p = np.asarray(top1, dtype=float)
    n = np.asarray(n_images, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt((p * (1 - p) / n).sum(axis=1)) / p.shape[1]
    mean = p.mean(axis=1)
    half = special.ndtri(0.5 + level / 2) * sd
    return np.clip(mean - half, 0.0, 1.0), np.clip(mean + half, 0.0, 1.0)


def _quadrature(*parts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Square root of the sum of squares of the parts (each clipped at 0: an end never moves inwards)."""
    return np.sqrt(sum(np.square(np.maximum(p, 0.0)) for p in parts))


def interval_metrics(
    x: ArrayLike,
    y: ArrayLike,
    x_bounds: tuple[ArrayLike, ArrayLike],
    y_bounds: tuple[ArrayLike, ArrayLike],
    fit: LinearFit,
    boot: BootstrapFit,
    level: float = 0.95,
) -> dict[str, NDArray[np.float64]]:
    """Effective robustness in points and in transformed units with both intervals, for models on one line.

    ``x_bounds`` and ``y_bounds`` are the models' own (lower, upper) accuracy intervals at ``level``.
    Returns ``eff_rob_lo``/``eff_rob_hi`` (total interval), ``eff_rob_band_lo``/``eff_rob_band_hi``
    (band only), and ``eff_rob_transformed`` with the same four bounds (suffix ``_lo``, ``_hi``,
    ``_band_lo``, ``_band_hi``); points are fractions, transformed units are those of ``fit``.
    """
    kind = fit.transform
    xv, yv = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x_lo, x_hi = (np.asarray(b, dtype=float) for b in x_bounds)
    y_lo, y_hi = (np.asarray(b, dtype=float) for b in y_bounds)
    band_lo, band_hi = boot.band(xv, level)
    base = fit.predict(xv)
    er = yv - base
    out = {"eff_rob_band_lo": yv - band_hi, "eff_rob_band_hi": yv - band_lo}
    out["eff_rob_lo"] = er - _quadrature(yv - y_lo, band_hi - base, fit.predict(x_hi) - base)
    out["eff_rob_hi"] = er + _quadrature(y_hi - yv, base - band_lo, base - fit.predict(x_lo))

    ty, line = transform(yv, kind), fit.slope * transform(xv, kind) + fit.intercept
    t_band_lo, t_band_hi = transform(band_lo, kind), transform(band_hi, kind)
    t_x_lo, t_x_hi = fit.slope * transform(x_lo, kind), fit.slope * transform(x_hi, kind)
    t_x = fit.slope * transform(xv, kind)
    er_t = ty - line
    out["eff_rob_transformed"] = er_t
    out["eff_rob_transformed_band_lo"] = ty - t_band_hi
    out["eff_rob_transformed_band_hi"] = ty - t_band_lo
    out["eff_rob_transformed_lo"] = er_t - _quadrature(ty - transform(y_lo, kind), t_band_hi - line, t_x_hi - t_x)
    out["eff_rob_transformed_hi"] = er_t + _quadrature(transform(y_hi, kind) - ty, line - t_band_lo, t_x - t_x_lo)
    return out


def own_accuracy_bounds(
    points: pd.DataFrame, top1: pd.DataFrame, n_images: pd.DataFrame, y_sets: tuple[str, ...], level: float = 0.95
) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """The models' own ``level`` intervals of x and y: Clopper-Pearson from ``n_x``/``n_y``, or for a
    mean over several ``y_sets`` the normal approximation from each set's accuracy and count.

    ``top1`` and ``n_images`` are :meth:`effrob_core.results.Results.wide` tables (indexed by model id).
    """
    x_bounds = clopper_pearson(points["x"], points["n_x"], level)
    if len(y_sets) == 1:
        return x_bounds, clopper_pearson(points["y"], points["n_y"], level)
    ids = points["model_id"]
    p = top1.reindex(index=ids, columns=list(y_sets)).to_numpy(dtype=float)
    n = n_images.reindex(index=ids, columns=list(y_sets)).to_numpy(dtype=float)
    return x_bounds, mean_accuracy_bounds(p, n, level)
