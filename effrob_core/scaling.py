"""Power-law scaling fits of error against samples seen or compute.

Cherti et al. (2023, "Reproducible scaling laws for contrastive language-image learning") fit
``E = A * C**alpha`` (a line in log-log space); the optional irreducible-error term
``E = A * C**alpha + E_inf`` is the common refinement (Hestness et al., 2017; Kaplan et al., 2020).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .regression import linear_fit
from .scaling_points import data_family, is_uploaded


@dataclass(frozen=True)
class PowerLawFit:
    """``error = a * x**alpha + e_inf`` with parameter intervals at ``level``.

    An interval bound is ``inf`` where the data leave that parameter unbounded (with 4 points and
    E_inf free, the interval for ``a`` can be wider than a float holds).
    """

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
    With it: nonlinear least squares in log-error space (``scipy.optimize.curve_fit``), ``e_inf``
    bounded to [0, min(error)); A and alpha get t intervals from the covariance, ``e_inf`` the
    profile interval of :func:`e_inf_profile_interval`, which never leaves [0, min(error)].
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

    upper = float(ev.min()) * (1 - 1e-9)  # E_inf below every observed error keeps log(error - E_inf) defined
    p0 = (lin.intercept, min(lin.slope, -1e-3), 0.5 * ev.min())
    bounds = ([-np.inf, -10.0, 0.0], [np.inf, 0.0, upper])
    from scipy import optimize  # only this fit needs it; imported when first used

    params, cov = optimize.curve_fit(model, lx, le, p0=p0, bounds=bounds, maxfev=20000)
    t3 = special.stdtrit(max(xv.size - 3, 1), 0.5 + level / 2)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, np.inf))
    rss = float(np.sum((le - model(lx, *params)) ** 2))
    with np.errstate(over="ignore"):  # a log A interval too wide for a float is an unbounded A interval (inf)
        a_interval = np.exp(params[0] + np.array([-1.0, 1.0]) * t3 * se[0])
    intervals = {
        "a": (float(a_interval[0]), float(a_interval[1])),
        "alpha": (float(params[1] - t3 * se[1]), float(params[1] + t3 * se[1])),
        "e_inf": e_inf_profile_interval(lx, le, float(params[2]), rss, upper, level),
    }
    return PowerLawFit(float(np.exp(params[0])), float(params[1]), float(params[2]), int(xv.size), level, intervals)


#: Grid of E_inf values (fractions of the lowest observed error) on which the profile is computed.
PROFILE_GRID = 401


def _profile_rss(lx: NDArray[np.float64], le: NDArray[np.float64], e_grid: NDArray[np.float64],
                 iterations: int = 60) -> NDArray[np.float64]:
    """Least residual sum of squares of ``log(error) = log(A x^alpha + e)`` over (A, alpha) at each fixed ``e``.

    Levenberg-Marquardt on all grid values at once (arrays of grid x points), started from the line
    through ``log(error - e)``; a step is kept only where it lowers the sum of squares.
    """
    with np.errstate(all="ignore"):  # a diverging trial step is simply not kept
        return _levenberg_marquardt(lx, le, e_grid, iterations)


def _levenberg_marquardt(lx: NDArray[np.float64], le: NDArray[np.float64], e_grid: NDArray[np.float64],
                         iterations: int) -> NDArray[np.float64]:
    """The iterations of :func:`_profile_rss`."""
    err = np.exp(le)
    start = np.log(np.maximum(err[None, :] - e_grid[:, None], 1e-300))  # error - e > 0 below the lowest error
    lxc = lx - lx.mean()
    slope = (start - start.mean(axis=1, keepdims=True)) @ lxc / (lxc @ lxc)
    theta = np.stack([start.mean(axis=1) - slope * lx.mean(), slope], axis=1)  # (grid, 2): log A, alpha

    def residuals(th: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        power = np.exp(th[:, :1] + th[:, 1:] * lx[None, :])
        return le[None, :] - np.log(power + e_grid[:, None]), power / (power + e_grid[:, None])

    res, share = residuals(theta)
    rss = np.sum(res**2, axis=1)
    damping = np.full(e_grid.size, 1e-3)
    for _ in range(iterations):  # a fixed number of vectorised steps, not a loop over grid values
        j0, j1 = share, share * lx[None, :]  # d log-model / d(log A), d(alpha)
        h00, h01, h11 = (j0 * j0).sum(1), (j0 * j1).sum(1), (j1 * j1).sum(1)
        g0, g1 = (j0 * res).sum(1), (j1 * res).sum(1)
        h00d, h11d = h00 * (1 + damping), h11 * (1 + damping)
        det = h00d * h11d - h01**2
        det = np.where(np.abs(det) > 1e-300, det, np.inf)
        step = np.stack([(h11d * g0 - h01 * g1) / det, (h00d * g1 - h01 * g0) / det], axis=1)
        trial = theta + step
        res_t, share_t = residuals(trial)
        rss_t = np.sum(res_t**2, axis=1)
        better = np.isfinite(rss_t) & (rss_t < rss)
        theta = np.where(better[:, None], trial, theta)
        res = np.where(better[:, None], res_t, res)
        share = np.where(better[:, None], share_t, share)
        rss = np.where(better, rss_t, rss)
        damping = np.where(better, damping / 3, damping * 4)
    return rss


def e_inf_profile_interval(lx: ArrayLike, le: ArrayLike, e_hat: float, rss_min: float, upper: float,
                           level: float = 0.95) -> tuple[float, float]:
    """Profile-likelihood interval of the irreducible error, inside ``[0, upper]`` by construction.

    ``lx``, ``le``: log x and log error of the points; ``e_hat`` and ``rss_min``: E_inf and the residual
    sum of squares of the best fit (the estimate is always inside its interval); ``upper``: just below the lowest observed error (E_inf cannot exceed it: the model's error
    would then be above an observed one at every x). The interval is every E_inf on a grid of
    :data:`PROFILE_GRID` values over ``[0, upper]`` whose best (A, alpha) fit keeps
    ``RSS <= RSS_min * (1 + F / (n - 3))``, ``F`` the ``level`` quantile of F(1, n - 3): the usual
    profile (extra-sum-of-squares) interval of a nonlinear least-squares parameter (Bates & Watts,
    1988, ch. 6), which, unlike the covariance (Wald) interval, cannot leave the allowed range.
    An end at 0 or at ``upper`` means the data do not bound E_inf on that side.
    """
    lxv, lev = np.asarray(lx, dtype=float), np.asarray(le, dtype=float)
    dof = lxv.size - 3
    if dof < 1:
        return (0.0, float(upper))
    grid = np.linspace(0.0, upper, PROFILE_GRID)
    rss = _profile_rss(lxv, lev, grid)
    best = min(float(rss_min), float(np.nanmin(rss)))
    inside = rss <= best * (1 + special.fdtri(1, dof, level) / dof) + 1e-15
    accepted = np.concatenate([grid[inside], [min(max(e_hat, 0.0), upper)]])
    return (float(accepted.min()), float(accepted.max()))


def scale_bins(x: pd.Series | np.ndarray) -> np.ndarray:
    """Nominal scale of each x: log10(x) rounded to 0.1 (so 12.8B, 13.0B and 13.2B samples are one scale)."""
    return np.round(np.log10(np.asarray(x, dtype=float)), 1)


#: A fit on fewer distinct scales than this is not drawn unless asked for, and is labelled when it is.
MIN_DRAWN_SCALES = 4
#: How the points of a fit were chosen: every model, the best model at each scale, or Cherti et al.'s bins.
FitMethod = Literal["all", "frontier", "binned"]
METHOD_LABELS: dict[str, str] = {
    "all": "every model",
    "frontier": "lowest error at each scale",
    "binned": "lowest error in each of 5 log-x bins",
}


@dataclass(frozen=True)
class GroupFit:
    """A power law fit on one group of models, the x range of its models, the points and scales it used.

    ``n_points`` points were fit (models, or bins for the binned fit) at ``n_x`` distinct scales;
    ``n_models`` models took part; ``series`` is the :data:`FIT_SERIES` key ("" for a colour group).
    """

    group: str
    fit: PowerLawFit
    x_min: float
    x_max: float
    n_points: int
    n_x: int
    n_models: int = 0
    method: FitMethod = "all"
    series: str = ""

    @property
    def few_scales(self) -> bool:
        """Fit on fewer than :data:`MIN_DRAWN_SCALES` distinct scales (not drawn by default)."""
        return self.n_x < MIN_DRAWN_SCALES


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
    n_models = frame.groupby("group").size()
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
        fits.append(GroupFit(str(group), fit, float(g["x"].min()), float(g["x"].max()), len(g), n_x,
                             int(n_models.get(group, len(g))), "frontier" if frontier else "all"))
    return fits, skipped


def formula(fit: PowerLawFit, x: str = "x") -> str:
    """The fitted law as text, A to 2 decimals and alpha to 3 as Cherti et al. print it (E as a fraction)."""
    a = f"{fit.a:.2f}" if 0.1 <= abs(fit.a) < 1e5 else f"{fit.a:.3g}"
    return f"E = {a}·{x}^{fit.alpha:.3f}" + (f" + {fit.e_inf:.4f}" if fit.e_inf > 0 else "")


def drawn_note(fit: GroupFit, show_few: bool) -> str:
    """Whether a fit is drawn: fits on fewer than :data:`MIN_DRAWN_SCALES` scales only on request, labelled."""
    if not fit.few_scales:
        return "yes"
    few = f"{fit.n_x} scales, fewer than {MIN_DRAWN_SCALES}"
    return f"yes, dashed ({few})" if show_few else f"no ({few}; shown on request)"


FIT_TABLE_COLUMNS: tuple[str, ...] = ("Group", "Fit", "Method", "Points", "Scales", "Models", "A", "A interval",
                                      "alpha", "alpha interval", "E_inf (%)", "E_inf interval (%)", "r (log-log)",
                                      "Drawn")


def fit_table(fits: Sequence[GroupFit], show_few: bool = False) -> pd.DataFrame:
    """Parameters of each fit with their intervals: formula, A, alpha, E_inf (in %), points, scales and
    models used, log-log r, and whether the Scaling view draws it (``show_few``: fits on few scales too)."""
    if not fits:
        return pd.DataFrame(columns=list(FIT_TABLE_COLUMNS))
    pct = int(round(100 * fits[0].fit.level))
    rows = pd.DataFrame({
        "Group": [f.group for f in fits],
        "Fit": [formula(f.fit) for f in fits],
        "Method": [METHOD_LABELS[f.method] for f in fits],
        "Points": [f.n_points for f in fits],
        "Scales": [f.n_x for f in fits],
        "Models": [f.n_models or f.n_points for f in fits],
        "A": [f.fit.a for f in fits],
        "A interval": [f"[{f.fit.intervals['a'][0]:.3g}, {f.fit.intervals['a'][1]:.3g}]" for f in fits],
        "alpha": [f.fit.alpha for f in fits],
        "alpha interval": [f"[{f.fit.intervals['alpha'][0]:.3f}, {f.fit.intervals['alpha'][1]:.3f}]"
                           for f in fits],
        "E_inf (%)": [100 * f.fit.e_inf for f in fits],
        "E_inf interval (%)": [f"[{100 * lo:.1f}, {100 * hi:.1f}]"
                               for lo, hi in (f.fit.intervals["e_inf"] for f in fits)],
        "r (log-log)": [f.fit.r for f in fits],
        "Drawn": [drawn_note(f, show_few) for f in fits],
    })
    return rows.rename(columns={"A interval": f"A {pct}% CI", "alpha interval": f"alpha {pct}% CI",
                                "E_inf interval (%)": f"E_inf {pct}% CI (%)"})


# --------------------------------------------------------------------------------------------------
# Cherti et al.'s fits: LAION pooled (binned) and OpenAI, next to the per-dataset fits
# --------------------------------------------------------------------------------------------------

#: Bins of log10 x in Cherti et al.'s binned fit, and how far the last bin reaches past the largest x.
CHERTI_BINS = 5
CHERTI_BIN_EPS = 0.1


def binned_frontier(x: ArrayLike, error: ArrayLike, nbins: int = CHERTI_BINS,
                    eps: float = CHERTI_BIN_EPS) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Cherti et al.'s bins: centre x, lowest error and number of models of each non-empty bin.

    As ``binned_line_fit`` in ``figures.ipynb`` of LAION-AI/scaling-laws-openclip (Cherti et al., 2023,
    "Reproducible scaling laws for contrastive language-image learning"): ``nbins`` bins of equal
    width on log10(x) over ``[min, max + eps]`` (``np.histogram``'s edges, ``np.digitize``'s
    assignment); each non-empty bin gives one point, at the bin's centre (in log10 x, returned as
    ``10**centre``) with the lowest error of the bin. Empty bins are dropped.
    """
    lx = np.log10(np.asarray(x, dtype=float))
    err = np.asarray(error, dtype=float)
    if lx.size == 0 or lx.shape != err.shape:
        raise ValueError(f"binned fit: x and error must be non-empty and of equal length ({lx.size}, {err.size})")
    edges = np.histogram_bin_edges(lx, bins=nbins, range=(lx.min(), lx.max() + eps))
    which = np.digitize(lx, edges) - 1  # 0 .. nbins-1 (eps keeps the largest x inside the last bin)
    counts = np.bincount(which, minlength=nbins)
    lowest = np.full(nbins, np.inf)
    np.minimum.at(lowest, which, err)
    used = counts > 0
    centres = 10.0 ** ((edges[:-1] + edges[1:]) / 2)
    return centres[used], lowest[used], counts[used]


@dataclass(frozen=True)
class FitSeries:
    """One of Cherti et al.'s fitted series: which models (source and training data) and how they are fit."""

    key: str
    label: str
    sources: tuple[str, ...]
    train_data: tuple[str, ...]
    method: FitMethod
    description: str


#: The published series of Cherti et al. (2023), ``figures.ipynb``: every LAION-trained run of the
#: scaling-laws source pooled into one binned fit, and a plain log-log fit on OpenAI's CLIP models as
#: the same authors evaluated them.
FIT_SERIES: tuple[FitSeries, ...] = (
    FitSeries("laion-pooled", "LAION pooled", ("scaling-laws",), ("LAION-80M", "LAION-400M", "LAION-2B"), "binned",
              "all scaling-laws runs on LAION-80M, -400M and -2B pooled; the lowest error in each of 5 equal bins "
              "of log10 x, least squares in log-log on the bin centres (Cherti et al., 2023)"),
    FitSeries("openai", "OpenAI", ("scaling-laws",), ("OpenAI WIT",), "all",
              "OpenAI's CLIP models (WIT-400M) as evaluated by Cherti et al.; least squares in log-log on every "
              "model (Cherti et al., 2023)"),
)
SERIES_BY_KEY: dict[str, FitSeries] = {s.key: s for s in FIT_SERIES}


def _fit_quietly(x: ArrayLike, error: ArrayLike, irreducible: bool, level: float) -> PowerLawFit:
    """:func:`fit_power_law` with ill-conditioning warnings silenced (they show as wide intervals)."""
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        return fit_power_law(x, error, irreducible=irreducible, level=level)


def fit_series(points: pd.DataFrame, series: str, irreducible: bool = False, level: float = 0.95) -> GroupFit:
    """The power law of one :data:`FIT_SERIES` entry on scaling points (never on uploaded models).

    ``points`` is :func:`effrob_core.scaling_points.scaling_points` output; the series takes the rows
    of its sources and training data. ``binned``: :func:`binned_frontier` then a log-log fit on the
    bin points; ``all``: a log-log fit on every model. Distinct scales are the bins used, or
    :func:`scale_bins` of the models. Raises ValueError naming why a fit is impossible.
    """
    spec = SERIES_BY_KEY.get(series)
    if spec is None:
        raise ValueError(f"unknown series {series!r}; choose one of {', '.join(SERIES_BY_KEY)}")
    rows = (points["source"].isin(spec.sources) & points["train_data"].isin(spec.train_data)).to_numpy() \
        & ~is_uploaded(points) & np.isfinite(points["error"].to_numpy(dtype=float))
    g = points.loc[rows]
    if g.empty:
        raise ValueError(f"{spec.label}: no model of {', '.join(spec.train_data)} from "
                         f"{', '.join(spec.sources)} is placed in this view")
    x, err = g["x"].to_numpy(dtype=float), g["error"].to_numpy(dtype=float)
    if spec.method == "binned":
        x, err, _ = binned_frontier(x, err)
        n_x = x.size
    else:
        n_x = int(np.unique(scale_bins(x)).size)
    need = 4 if irreducible else 3
    if n_x < need:
        raise ValueError(f"{spec.label}: {n_x} distinct scale(s) among {len(g)} model(s) (a fit needs {need})")
    fit = _fit_quietly(x, err, irreducible, level)
    return GroupFit(spec.label, fit, float(g["x"].min()), float(g["x"].max()), int(x.size), n_x, len(g),
                    spec.method, spec.key)


def fit_dataset(points: pd.DataFrame, dataset: str, irreducible: bool = False, frontier: bool = True,
                level: float = 0.95) -> GroupFit:
    """The power law of one training-data family (:func:`~effrob_core.scaling_points.data_family`,
    case-insensitive), as the per-dataset fits of the Scaling view make it (:func:`fit_groups`)."""
    families = data_family(points)
    published = families.loc[~is_uploaded(points)]
    match = sorted({f for f in published if f.lower() == dataset.strip().lower()})
    if not match:
        raise ValueError(f"unknown training dataset {dataset!r} in this view; choose a series "
                         f"({', '.join(SERIES_BY_KEY)}) or one of {'; '.join(map(repr, sorted(set(published))))}")
    fits, skipped = fit_groups(points, families, irreducible=irreducible, frontier=frontier, level=level)
    found = [f for f in fits if f.group == match[0]]
    if not found:
        raise ValueError(f"{match[0]}: {skipped.get(match[0], 'no fit')}")
    return found[0]
