"""Accuracy-axis transforms (logit, probit, linear) and their inverses.

Taori et al. (2020) and Miller et al. (2021) fit the linear trend between in-distribution and
shifted accuracy after a logit or probit transform of both axes; linear is for intuition only.
Accuracies are fractions in [0, 1]; 0 and 1 are clipped to ``[EPS, 1 - EPS]`` so that a model with
0% ImageNet-A accuracy maps to a finite value rather than -inf.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

Transform = Literal["logit", "probit", "linear"]
TRANSFORMS: tuple[Transform, ...] = ("logit", "probit", "linear")
#: Each transform's name on a control.
TRANSFORM_LABELS: dict[str, str] = {"logit": "Logit", "probit": "Probit", "linear": "Linear"}

#: Accuracies are clipped to [EPS, 1 - EPS] before a logit or probit transform. 1e-4 is below the
#: resolution of every evaluation set in the registry (one image of ImageNet-A's 7,500 is 1.3e-4),
#: so only accuracies of exactly 0 or 1 are changed.
EPS = 1e-4


def check_transform(kind: str) -> Transform:
    """Return ``kind`` if it names a transform, else raise ``ValueError`` listing the choices."""
    if kind not in TRANSFORMS:
        raise ValueError(f"unknown transform {kind!r}; choose one of {', '.join(TRANSFORMS)}")
    return kind  # type: ignore[return-value]


def transform(acc: ArrayLike, kind: Transform) -> NDArray[np.float64]:
    """Map accuracies (fractions) onto the chosen axis; NaN stays NaN."""
    a = np.asarray(acc, dtype=float)
    check_transform(kind)
    if kind == "linear":
        return a.copy()
    a = np.clip(a, EPS, 1.0 - EPS)
    return special.logit(a) if kind == "logit" else special.ndtri(a)


def inverse(z: ArrayLike, kind: Transform) -> NDArray[np.float64]:
    """Map values on the chosen axis back to accuracies (fractions).

    On the linear axis a line can run below 0% or above 100%; accuracies are clipped to [0, 1] so
    that a baseline never predicts an impossible accuracy.
    """
    v = np.asarray(z, dtype=float)
    check_transform(kind)
    if kind == "linear":
        return np.clip(v, 0.0, 1.0)
    return special.expit(v) if kind == "logit" else special.ndtr(v)
