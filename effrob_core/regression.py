"""Ordinary least squares of one variable on another, with ``scipy.stats.linregress``'s formulas.

The app does not import ``scipy.stats``: importing it takes about 0.6 s of a fresh server's first
page, more than everything else the first chart needs to compute. The line, r and the standard
errors here follow ``linregress`` step by step (averaged sums of squares from ``np.cov(bias=1)``);
the tests check that they equal ``linregress``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class LineFit:
    """``y = slope * x + intercept``, the correlation ``r`` and the standard errors of slope and intercept."""

    slope: float
    intercept: float
    rvalue: float
    stderr: float
    intercept_stderr: float


def linear_fit(x: ArrayLike, y: ArrayLike) -> LineFit:
    """OLS of ``y`` on ``x`` (at least two points with distinct x), as ``scipy.stats.linregress``."""
    xv, yv = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = xv.size
    if n < 2 or yv.size != n:
        raise ValueError(f"a line needs at least two (x, y) pairs of equal length; got {n} and {yv.size}")
    xmean, ymean = xv.mean(), yv.mean()
    ssxm, ssxym, _, ssym = np.cov(xv, yv, bias=True).flat
    if ssxm == 0.0:
        raise ValueError("a line needs at least two distinct x values")
    if ssym == 0.0:
        r = np.nan if ssxym == 0 else 0.0
    else:
        r = float(np.clip(ssxym / np.sqrt(ssxm * ssym), -1.0, 1.0))
    slope = ssxym / ssxm
    intercept = ymean - slope * xmean
    if n == 2:
        slope_stderr = intercept_stderr = 0.0
    else:
        slope_stderr = np.sqrt((1 - r**2) * ssym / ssxm / (n - 2))
        intercept_stderr = slope_stderr * np.sqrt(ssxm + xmean**2)
    return LineFit(float(slope), float(intercept), float(r), float(slope_stderr), float(intercept_stderr))
