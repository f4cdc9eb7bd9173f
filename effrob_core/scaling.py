"""Power-law scaling fits of error against samples seen or compute.

Cherti et al. (2023, "Reproducible scaling laws for contrastive language-image learning") fit
``E = A * C**alpha`` (a line in log-log space); the optional irreducible-error term
``E = A * C**alpha + E_inf`` is the common refinement (Hestness et al., 2017; Kaplan et al., 2020).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .regression import linear_fit
from .scaling_points import is_uploaded


@dataclass(frozen=True)
class PowerLawFit:
    """``error = a * x**alpha + e_inf`` with parameter intervals at ``level``."""

    a: float
    alpha: float
    e_inf: float
    n: int
    level: float
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    r: float = float("nan")  # correlation in log-log space (pure power law only)

    def predict(self, x: ArrayLike) -> NDArray[np.float64]:
        """Predicted error at ``x`` (samples seen or compute), for interpolation or extrapolation."""
        return self.a * np.power(np.asarray(x, dtype=float), self.alpha) + self.e_inf


def _clean(x: ArrayLike, err: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Finite positive points; fewer than 3 (or 4 with E_inf) distinct x is an error later."""
    xv, ev = np.asarray(x, dtype=float), np.asarray(err, dtype=float)
    if xv.shape != ev.shape:
        raise ValueError(f"x and error differ in length ({xv.size} and {ev.size})")
    keep = np.isfinite(xv) & np.isfinite(ev) & (xv > 0) & (ev > 0)
    return xv[keep], ev[keep]


def fit_power_law(
    x: ArrayLike, error: ArrayLike, irreducible: bool = False, level: float = 0.95
) -> PowerLawFit:
    """Fit error against x as a power law, optionally with an irreducible error ``e_inf``.

    Without ``e_inf``: OLS of log(error) on log(x) (:func:`.regression.linear_fit`) with t intervals.
    With it: nonlinear least squares in log-error space (``scipy.optimize.curve_fit``) with
    intervals from the covariance, ``e_inf`` bounded to [0, min(error)).
    """
    xv, ev = _clean(x, error)
    need = 4 if irreducible else 3
    if np.unique(xv).size < need:
        raise ValueError(f"a power-law fit needs at least {need} points with distinct positive x; got {np.unique(xv).size}")
    lx, le = np.log(xv), np.log(ev)
    lin = linear_fit(lx, le)
    dof = xv.size - 2
    t = special.stdtrit(dof, 0.5 + level / 2)  # Student t quantile
    if not irreducible:
        a = float(np.exp(lin.intercept))
        intervals = {
            "alpha": (float(lin.slope - t * lin.stderr), float(lin.slope + t * lin.stderr)),
            "a": (float(np.exp(lin.intercept - t * lin.intercept_stderr)),
                  float(np.exp(lin.intercept + t * lin.intercept_stderr))),
            "e_inf": (0.0, 0.0),
        }
        return PowerLawFit(a, float(lin.slope), 0.0, int(xv.size), level, intervals, float(lin.rvalue))

    def model(lxv: NDArray[np.float64], log_a: float, alpha: float, e_inf: float) -> NDArray[np.float64]:
        return np.log(np.exp(log_a + alpha * lxv) + e_inf)

    p0 = (lin.intercept, min(lin.slope, -1e-3), 0.5 * ev.min())
    bounds = ([-np.inf, -10.0, 0.0], [np.inf, 0.0, ev.min() * (1 - 1e-9)])
    from scipy import optimize  # only this fit needs it; imported when first used

    params, cov = optimize.curve_fit(model, lx, le, p0=p0, bounds=bounds, maxfev=20000)
    t3 = special.stdtrit(max(xv.size - 3, 1), 0.5 + level / 2)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, np.inf))
    intervals = {
        "a": (float(np.exp(params[0] - t3 * se[0])), float(np.exp(params[0] + t3 * se[0]))),
        "alpha": (float(params[1] - t3 * se[1]), float(params[1] + t3 * se[1])),
        "e_inf": (float(max(params[2] - t3 * se[2], 0.0)), float(params[2] + t3 * se[2])),
    }
    return PowerLawFit(float(np.exp(params[0])), float(params[1]), float(params[2]), int(xv.size), level, intervals)


def scale_bins(x: pd.Series | np.ndarray) -> np.ndarray:
    """Nominal scale of each x: log10(x) rounded to 0.1 (so 12.8B, 13.0B and 13.2B samples are one scale)."""
    return np.round(np.log10(np.asarray(x, dtype=float)), 1)


@dataclass(frozen=True)
class GroupFit:
    """A power law fit on one colour group, the x range of its points, the points and scales it used."""

    group: str
    fit: PowerLawFit
    x_min: float
    x_max: float
    n_points: int
    n_x: int


def fit_groups(points: pd.DataFrame, groups: pd.Series, irreducible: bool = False, frontier: bool = False,
               level: float = 0.95, min_x: int = 3) -> tuple[list[GroupFit], dict[str, str]]:
    """Power-law fit of error against x for every group with at least ``min_x`` distinct scales.

    Scales are :func:`scale_bins` (x within about 12% counts as one scale). With ``frontier`` only
    the lowest-error model at each scale of a group is fit (the best model for that many samples).
    With ``irreducible`` the fit has an ``E_inf`` term and needs one more scale. Uploaded models
    are never fit (they are drawn for comparison only).
    Returns the fits and, for groups that could not be fit, the reason.
    """
    need = max(min_x, 4 if irreducible else 3)
    frame = pd.DataFrame({"group": groups.to_numpy(), "x": points["x"].to_numpy(dtype=float),
                          "error": points["error"].to_numpy(dtype=float)})
    frame = frame.loc[~is_uploaded(points)]
    frame["scale"] = scale_bins(frame["x"])
    if frontier:  # the best model of each group at each scale
        best = frame.groupby(["group", "scale"], sort=False)["error"].idxmin()
        frame = frame.loc[best.to_numpy()]
    fits: list[GroupFit] = []
    skipped: dict[str, str] = {}
    for group, g in frame.groupby("group", sort=True):  # one fit per colour group (tens, not models)
        n_x = int(g["scale"].nunique())
        if n_x < need:
            skipped[str(group)] = f"{n_x} distinct scale(s) (a fit needs {need})"
            continue
        try:
            with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.simplefilter("ignore")  # ill-conditioned covariances show as wide intervals
                fit = fit_power_law(g["x"], g["error"], irreducible=irreducible, level=level)
        except (ValueError, RuntimeError) as exc:
            skipped[str(group)] = f"fit failed ({exc})"
            continue
        fits.append(GroupFit(str(group), fit, float(g["x"].min()), float(g["x"].max()), len(g), n_x))
    return fits, skipped


def fit_table(fits: Sequence[GroupFit]) -> pd.DataFrame:
    """Parameters of each fit with their intervals: A, alpha, E_inf (in %), points used and log-log r."""
    if not fits:
        return pd.DataFrame(columns=["Group", "Points", "Scales", "A", "A interval", "alpha",
                                     "alpha interval", "E_inf (%)", "E_inf interval (%)", "r (log-log)"])
    pct = int(round(100 * fits[0].fit.level))
    rows = pd.DataFrame({
        "Group": [f.group for f in fits],
        "Points": [f.n_points for f in fits],
        "Scales": [f.n_x for f in fits],
        "A": [f.fit.a for f in fits],
        "A interval": [f"[{f.fit.intervals['a'][0]:.3g}, {f.fit.intervals['a'][1]:.3g}]" for f in fits],
        "alpha": [f.fit.alpha for f in fits],
        "alpha interval": [f"[{f.fit.intervals['alpha'][0]:.3f}, {f.fit.intervals['alpha'][1]:.3f}]"
                           for f in fits],
        "E_inf (%)": [100 * f.fit.e_inf for f in fits],
        "E_inf interval (%)": [f"[{100 * lo:.1f}, {100 * hi:.1f}]"
                               for lo, hi in (f.fit.intervals["e_inf"] for f in fits)],
        "r (log-log)": [f.fit.r for f in fits],
    })
    return rows.rename(columns={"A interval": f"A {pct}% CI", "alpha interval": f"alpha {pct}% CI",
                                "E_inf interval (%)": f"E_inf {pct}% CI (%)"})
