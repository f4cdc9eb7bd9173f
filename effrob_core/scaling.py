"""Power-law scaling fits of error against samples seen or compute.

Cherti et al. (2023, "Reproducible scaling laws for contrastive language-image learning") fit
``E = A * C**alpha`` (a line in log-log space); the optional irreducible-error term
``E = A * C**alpha + E_inf`` is the common refinement (Hestness et al., 2017; Kaplan et al., 2020).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .regression import linear_fit


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
