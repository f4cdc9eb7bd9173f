"""The units effective robustness is shown in: accuracy points, axis units, or baseline residual SDs.

Taori et al. (2020) report effective robustness in accuracy points. On logit (or probit) axes a point
is worth more near 50% than near 0%, so a small model far above the line in the plotted geometry can
have few points of ER: the vertical distance on the plotted axes, ``T(y) - (slope * T(x) + intercept)``,
is the other natural unit. Dividing that by the standard deviation of the baseline models' own
residuals says how unusual the distance is for a standard-training model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .transforms import Transform


@dataclass(frozen=True)
class ERUnit:
    """One unit of effective robustness: its key, control label, number format (Python spec) and what it
    measures (a control's help)."""

    key: str
    label: str
    fmt: str
    description: str


#: The units, one entry each; :func:`er_in_units` implements them.
ER_UNITS: dict[str, ERUnit] = {u.key: u for u in (
    ERUnit("pts", "Accuracy points", "+.2f", "shift top-1 minus the baseline's prediction (Taori et al., 2020)"),
    ERUnit("axis", "Axis units", "+.3f", "the vertical distance to the baseline on its logit or probit axes, in "
                                         "which points shrink by construction near 0% accuracy"),
    ERUnit("sd", "Baseline residual SDs", "+.2f", "that distance in standard deviations of the baseline models' own "
                                                  "residuals"),
)}
DEFAULT_UNIT = "pts"


def check_unit(unit: str) -> str:
    """Return ``unit`` if it names an ER unit, else raise ``ValueError`` listing them."""
    if unit not in ER_UNITS:
        raise ValueError(f"unknown ER unit {unit!r}; choose one of {', '.join(ER_UNITS)}")
    return unit


def unit_suffix(unit: str, kind: Transform) -> str:
    """Short name of the unit for labels: "pts", "logit", "probit" (a linear axis is in points), "SD"."""
    check_unit(unit)
    if unit == "pts" or (unit == "axis" and kind == "linear"):
        return "pts"
    return kind if unit == "axis" else f"SD of {kind} residuals"


def unit_phrase(unit: str, kind: Transform) -> str:
    """What the numbers measure, for captions."""
    check_unit(unit)
    if unit == "pts" or (unit == "axis" and kind == "linear"):
        return "accuracy points (shift top-1 minus the baseline's prediction)"
    distance = f"vertical distance to the baseline on the {kind} axes"
    return distance if unit == "axis" else (f"{distance}, divided by the standard deviation of the baseline "
                                            "models' own residuals")


def er_in_units(points: pd.DataFrame, unit: str, kind: Transform, interval: str = "total") -> pd.DataFrame:
    """Effective robustness of each row of an analysis's points in ``unit``, as the numbers shown:
    columns ``er``, ``er_lo``, ``er_hi`` (``interval``: ``total`` or ``band``).

    Points are ×100; axis units as they are (×100 on a linear axis, where they are points); SDs are
    axis units divided by ``baseline_residual_sd``. ``kind`` is the analysis's axis scaling.
    """
    check_unit(unit)
    band = "_band" if interval == "band" else ""
    if unit == "pts":
        cols, scale = ("eff_rob", f"eff_rob{band}_lo", f"eff_rob{band}_hi"), 100.0
    else:
        cols = ("eff_rob_transformed", f"eff_rob_transformed{band}_lo", f"eff_rob_transformed{band}_hi")
        scale = 100.0 if unit == "axis" and kind == "linear" else 1.0  # linear axis units are fractions
    values = points[list(cols)].to_numpy(dtype=float) * scale
    if unit == "sd":
        with np.errstate(invalid="ignore", divide="ignore"):
            values = values / points["baseline_residual_sd"].to_numpy(dtype=float)[:, None]
    return pd.DataFrame(values, columns=["er", "er_lo", "er_hi"], index=points.index)
