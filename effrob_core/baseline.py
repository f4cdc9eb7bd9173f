"""The baseline ("standard-training line") and its bootstrap band.

Taori et al. (2020, "Measuring Robustness to Natural Distribution Shifts in Image Classification")
fit ordinary least squares (``scipy.stats.linregress``) of transformed shift accuracy on transformed
ImageNet accuracy over the standard-training models, and draw a 95% percentile-bootstrap band of
1000 resamples of models (their seed 720257663, lower/higher order statistics). Miller et al. (2021,
"Accuracy on the Line") show the same linear trend across many shifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from .transforms import Transform, check_transform, inverse, transform

Baseline = Literal["testbed", "timm", "all-standard"]
BASELINES: tuple[Baseline, ...] = ("testbed", "timm", "all-standard")

#: The bootstrap seed of the imagenet-testbed plotting code (plotting/plotter.py).
TESTBED_SEED = 720257663
#: Substrings that exclude a testbed "Standard training" model from Taori et al.'s line.
TESTBED_EXCLUDED = ("subsample", "aws", "batch64")


def baseline_mask(models: pd.DataFrame, baseline: str) -> NDArray[np.bool_]:
    """Which rows of the models table form the chosen baseline's line.

    ``testbed``: the testbed's "Standard training" models whose names contain none of
    ``subsample``, ``aws``, ``batch64`` (Taori et al., 2020); ``timm``: timm's standard
    ImageNet-1k models; ``all-standard``: both.
    """
    if baseline not in BASELINES:
        raise ValueError(f"unknown baseline {baseline!r}; choose one of {', '.join(BASELINES)}")
    source = models["source"].astype(str)
    name = models["model_id"].astype(str).str.split(":", n=1).str[-1].str.lower()
    testbed = (
        (source == "testbed")
        & (models["source_category"].astype(str) == "Standard training")
        & ~name.str.contains("|".join(TESTBED_EXCLUDED), regex=True)
    )
    timm = (source == "timm") & (models["group"].astype(str) == "Standard training")
    mask = {"testbed": testbed, "timm": timm, "all-standard": testbed | timm}[baseline]
    return mask.to_numpy(dtype=bool, copy=True)


@dataclass(frozen=True)
class LinearFit:
    """An OLS line ``T(y) = slope * T(x) + intercept`` in transformed space ``T``."""

    slope: float
    intercept: float
    r: float
    n: int
    transform: Transform
    stderr: float = float("nan")

    def predict(self, x_acc: ArrayLike) -> NDArray[np.float64]:
        """Baseline shift accuracy (fraction) predicted at ImageNet accuracy ``x_acc``."""
        return inverse(self.slope * transform(x_acc, self.transform) + self.intercept, self.transform)


def _fit_inputs(
    x_acc: ArrayLike, y_acc: ArrayLike, kind: str, fit_range: tuple[float, float] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Transformed (x, y) of the finite points whose x lies in ``fit_range`` (inclusive)."""
    check_transform(kind)
    x = np.asarray(x_acc, dtype=float)
    y = np.asarray(y_acc, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({x.size} and {y.size})")
    keep = np.isfinite(x) & np.isfinite(y)
    if fit_range is not None:
        low, high = fit_range
        if low > high:
            raise ValueError(f"fit range is empty: low {low} is above high {high}")
        keep &= (x >= low) & (x <= high)
    tx, ty = transform(x[keep], kind), transform(y[keep], kind)  # type: ignore[arg-type]
    if tx.size < 3 or np.ptp(tx) == 0:
        raise ValueError(f"a line needs at least 3 models with distinct ImageNet accuracy; got {tx.size}")
    return tx, ty


def fit_line(
    x_acc: ArrayLike,
    y_acc: ArrayLike,
    kind: Transform = "logit",
    fit_range: tuple[float, float] | None = None,
) -> LinearFit:
    """OLS fit in transformed space on the models whose ImageNet accuracy lies in ``fit_range``."""
    tx, ty = _fit_inputs(x_acc, y_acc, kind, fit_range)
    res = stats.linregress(tx, ty)
    return LinearFit(float(res.slope), float(res.intercept), float(res.rvalue), int(tx.size), kind,
                     float(res.stderr))


@dataclass(frozen=True)
class BootstrapFit:
    """Slopes and intercepts of lines refit on resamples (with replacement) of the baseline models."""

    slopes: NDArray[np.float64]
    intercepts: NDArray[np.float64]
    transform: Transform

    def band(
        self, x_acc: ArrayLike, level: float = 0.95
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Pointwise percentile band (lower, upper) of the predicted accuracy at each ``x_acc``.

        Uses the lower/higher order statistics, as the testbed does, so that the bounds are
        predictions of actual resampled lines (and commute with the monotone inverse transform).
        """
        # Models with the same accuracy share a band: compute it once per distinct x.
        tx, inverse_index = np.unique(transform(np.atleast_1d(np.asarray(x_acc, dtype=float)), self.transform),
                                      return_inverse=True)
        ok = np.isfinite(self.slopes) & np.isfinite(self.intercepts)
        slopes, intercepts = self.slopes[ok], self.intercepts[ok]
        # Order statistics of np.percentile(..., method="lower" / "higher") at the two tails.
        position = (1.0 - level) / 2.0 * (slopes.size - 1)
        k_lo, k_hi = int(np.floor(position)), int(np.ceil(slopes.size - 1 - position))
        lo = np.empty(tx.shape)
        hi = np.empty(tx.shape)
        for start in range(0, tx.size, _CHUNK):  # blocks of models bound the (chunk, B) memory
            block = slice(start, start + _CHUNK)
            pred = np.partition(tx[block, None] * slopes[None, :] + intercepts[None, :], (k_lo, k_hi), axis=1)
            lo[block], hi[block] = pred[:, k_lo], pred[:, k_hi]
        return inverse(lo[inverse_index], self.transform), inverse(hi[inverse_index], self.transform)


_CHUNK = 8192


def bootstrap_line(
    x_acc: ArrayLike,
    y_acc: ArrayLike,
    kind: Transform = "logit",
    fit_range: tuple[float, float] | None = None,
    n_resamples: int = 1000,
    seed: int = TESTBED_SEED,
) -> BootstrapFit:
    """Refit the line on ``n_resamples`` resamples of the baseline models, all at once.

    Draws the same resamples as the testbed's loop (``RandomState(seed).choice(n, n)`` per
    resample) and solves every least-squares problem in closed form, vectorised over resamples.
    Resamples whose x values are all equal (no line) give NaN and are ignored by ``band``.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    tx, ty = _fit_inputs(x_acc, y_acc, kind, fit_range)
    idx = np.random.RandomState(seed).randint(0, tx.size, size=(n_resamples, tx.size))
    xs, ys = tx[idx], ty[idx]
    xc = xs - xs.mean(axis=1, keepdims=True)
    yc = ys - ys.mean(axis=1, keepdims=True)
    sxx = (xc * xc).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.where(sxx > 0, (xc * yc).sum(axis=1) / sxx, np.nan)
    intercepts = ys.mean(axis=1) - slopes * xs.mean(axis=1)
    return BootstrapFit(slopes, intercepts, kind)
