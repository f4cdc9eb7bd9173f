"""Numbers as table text: signed tenths exactly as Python formats them, and SI-suffixed counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Within this distance of a half tenth, a value is formatted by Python itself (the product by 10 may round).
_TIE_TOLERANCE = 1e-6


def signed_tenths(values: ArrayLike) -> NDArray[np.object_]:
    """``"{:+.1f}".format(v)`` of each value (``"+nan"``, ``"-inf"`` as Python writes them), vectorised.

    Each value is rounded to tenths with ``np.rint`` and only the distinct results are formatted;
    values within :data:`_TIE_TOLERANCE` of a half tenth (or too large for exact integers) go through
    Python's formatting, so the text is exactly Python's (round half to even on the binary value, ``-0.0``
    for small negatives).
    """
    v = np.asarray(values, dtype=float).ravel()
    out = np.empty(v.size, dtype=object)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = v * 10.0
        frac = np.abs(scaled - np.trunc(scaled))
        exact = np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 52) & (np.abs(frac - 0.5) > _TIE_TOLERANCE)
    tenths = np.abs(np.rint(scaled[exact])).astype(np.int64)
    key = 2 * tenths + np.signbit(v[exact])  # sign kept apart: -0.04 is "-0.0"
    distinct, where = np.unique(key, return_inverse=True)
    text = np.array([f"{'-' if k & 1 else '+'}{(k >> 1) // 10}.{(k >> 1) % 10}" for k in distinct.tolist()] + [""],
                    dtype=object)  # one spare entry keeps the array 1-d and of objects when nothing is exact
    out[exact] = text[where]
    out[~exact] = [f"{x:+.1f}" for x in v[~exact].tolist()]  # ties and non-finite values: a few
    return out


def si_number(value: float) -> str:
    """A positive number with an SI-style suffix and 3 significant digits: 12.8M, 1.28B, 34.7B, 6.6T."""
    if not np.isfinite(value) or value <= 0:
        return ""
    for factor, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"

