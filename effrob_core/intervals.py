"""Binomial confidence intervals for top-1 accuracies from the number of test images.

Clopper and Pearson (1934), the exact interval; the ImageNet testbed (Taori et al., 2020) draws
99.5% intervals, the default here.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

TESTBED_CONFIDENCE = 0.995


def clopper_pearson(
    top1: ArrayLike, n_images: ArrayLike, confidence: float = TESTBED_CONFIDENCE
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact binomial interval (lower, upper) for each accuracy, with ``round(top1 * n)`` successes.

    Rows with a missing or non-positive image count get NaN bounds.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    p = np.asarray(top1, dtype=float)
    n = np.asarray(n_images, dtype=float)
    p, n = np.broadcast_arrays(p, n)
    valid = np.isfinite(p) & np.isfinite(n) & (n > 0)
    n_safe = np.where(valid, n, 1.0)
    k = np.ascontiguousarray(np.where(valid, np.rint(np.clip(p, 0.0, 1.0) * n_safe), 0.0), dtype=float)
    n_safe = np.ascontiguousarray(n_safe, dtype=float)
    lo, hi = _bounds(k.tobytes(), n_safe.tobytes(), confidence)
    nan = np.full(p.shape, np.nan)
    return np.where(valid, lo.reshape(p.shape), nan), np.where(valid, hi.reshape(p.shape), nan)


@functools.lru_cache(maxsize=16)
def _bounds(k_bytes: bytes, n_bytes: bytes, confidence: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Clopper-Pearson bounds for successes ``k`` of ``n`` (flat float64 buffers), memoised.

    The same accuracies come back on every view (the ImageNet x-axis is shared by all shifts), and
    the inverse incomplete beta function is the costliest step of an analysis.
    """
    k, n = np.frombuffer(k_bytes), np.frombuffer(n_bytes)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, special.betaincinv(np.maximum(k, 1e-12), n - k + 1, alpha / 2), 0.0)
        hi = np.where(k < n, special.betaincinv(k + 1, np.maximum(n - k, 1e-12), 1 - alpha / 2), 1.0)
    lo.flags.writeable = False
    hi.flags.writeable = False
    return lo, hi
