"""Summary statistics of timing samples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def summarise(samples: Sequence[float]) -> dict[str, Any]:
    """Count, median, p95, min and max of a list of durations in seconds (NaN when empty)."""
    a = np.asarray(samples, dtype=float)
    if a.size == 0:
        return {"n": 0, "median_s": float("nan"), "p95_s": float("nan"), "min_s": float("nan"),
                "max_s": float("nan")}
    return {"n": int(a.size), "median_s": float(np.median(a)), "p95_s": float(np.percentile(a, 95)),
            "min_s": float(a.min()), "max_s": float(a.max())}
