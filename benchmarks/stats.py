"""Summary statistics of timing samples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats


def summarise(samples: Sequence[float]) -> dict[str, Any]:
    """Count, median, p95, min and max of a list of durations in seconds (NaN when empty)."""
    a = np.asarray(samples, dtype=float)
    if a.size == 0:
        return {"n": 0, "median_s": float("nan"), "p95_s": float("nan"), "min_s": float("nan"),
                "max_s": float("nan")}
    return {"n": int(a.size), "median_s": float(np.median(a)), "p95_s": float(np.percentile(a, 95)),
            "min_s": float(a.min()), "max_s": float(a.max())}


def paired_ratio(numerator: Sequence[float], denominator: Sequence[float], confidence: float = 0.95) -> dict[str, Any]:
    """Median of the per-round ratios ``numerator[i] / denominator[i]`` (samples taken in the same round,
    so that the machine's drift between rounds cancels) with a distribution-free confidence interval for
    that median (the binomial order-statistic interval of ``scipy.stats.quantile_test``). Rounds where
    either sample is missing (NaN) are left out. The interval is NaN when there are too few ratios for
    ``confidence`` (at 95%, fewer than six)."""
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.size} and {b.size}")
    both = np.isfinite(a) & np.isfinite(b)
    r = a[both] / b[both]
    out: dict[str, Any] = {"n": int(r.size), "median": float(np.median(r)) if r.size else float("nan"),
                           "confidence": confidence, "ci_low": float("nan"), "ci_high": float("nan")}
    if r.size:
        ci = stats.quantile_test(r, p=0.5).confidence_interval(confidence)
        out["ci_low"], out["ci_high"] = float(ci.low), float(ci.high)
    return out


def paired_text(paired: dict[str, Any]) -> str:
    """A :func:`paired_ratio` in words: ``per round 1.25x, 95% CI 1.18-1.31``, without the interval where the
    rounds were too few for one."""
    text = f"per round {paired['median']:.2f}x"
    if np.isfinite(paired["ci_low"]):
        text += f", {100 * paired['confidence']:.0f}% CI {paired['ci_low']:.2f}-{paired['ci_high']:.2f}"
    return text
