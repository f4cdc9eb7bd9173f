"""The baseline ("standard-training line") and its bootstrap band.

Taori et al. (2020, "Measuring Robustness to Natural Distribution Shifts in Image Classification")
fit ordinary least squares (``scipy.stats.linregress``, whose formulas :func:`.regression.linear_fit`
follows) of transformed shift accuracy on transformed ImageNet accuracy over the standard-training
models, and draw a 95% percentile-bootstrap band of 1000 resamples of models (their seed 720257663,
lower/higher order statistics). Miller et al. (2021, "Accuracy on the Line") show the same linear
trend across many shifts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .regression import linear_fit
from .transforms import Transform, check_transform, inverse, transform

Baseline = Literal["testbed", "testbed-lowacc", "timm", "all-standard", "yours", "testbed+yours"]
BASELINES: tuple[Baseline, ...] = ("testbed", "testbed-lowacc", "timm", "all-standard")
#: Baselines on a user's own uploaded models that declare group "Standard training" (alone, or with the
#: testbed's): a lab's check of its own models, or of its own ID/OOD pair of test sets, against its own line.
USER_BASELINES: tuple[Baseline, ...] = ("yours", "testbed+yours")
#: The ``source_category`` an uploaded model carries when its file declares it standard-trained.
DECLARED_STANDARD = "Standard training"

#: The bootstrap seed of the imagenet-testbed plotting code (plotting/plotter.py).
TESTBED_SEED = 720257663
#: The number of bootstrap resamples of models behind the testbed's 95% band (plotting/plotter.py).
TESTBED_RESAMPLES = 1000
#: Substrings that exclude a testbed "Standard training" model from Taori et al.'s line.
TESTBED_EXCLUDED = ("subsample", "aws", "batch64")
#: The testbed's own category (``source_category``) of its weak CNNs trained the standard way.
TESTBED_LOW_ACCURACY = "Low Accuracy CNN"


@dataclass(frozen=True)
class BaselineSpec:
    """One baseline choice: its key, a short label, a phrase for captions and which models it holds."""

    key: Baseline
    label: str
    phrase: str
    members: str


#: The baseline choices, one entry each; :func:`baseline_mask` implements their ``members``.
BASELINE_SPECS: dict[str, BaselineSpec] = {s.key: s for s in (
    BaselineSpec("testbed", "Testbed standard models (Taori et al.)", "the testbed's standard-training models",
                 "imagenet-testbed models of type \"Standard training\" whose names contain none of "
                 "subsample, aws, batch64 (Taori et al., 2020)"),
    BaselineSpec("testbed-lowacc", "Testbed standard + low-accuracy CNNs",
                 "the testbed's standard-training and low-accuracy CNNs",
                 "the testbed standard models plus every model of the testbed's own category \"Low Accuracy "
                 "CNN\": ResNet-101 checkpoints after 0-9 epochs, ResNet-18 trained on 50k/100k-image subsets "
                 "of ImageNet (checkpoints after 1-99 epochs) and ResNet-50 on 1/2 to 1/32 of ImageNet, all "
                 "trained the standard way (the seed figure's \"Low Accuracy CNN\" points); not its random "
                 "features, linear classifier on pixels, random forests or nearest neighbours, which are "
                 "other categories"),
    BaselineSpec("timm", "timm ImageNet-1k models", "timm's ImageNet-1k models",
                 "timm models trained on ImageNet-1k only (group \"Standard training\")"),
    BaselineSpec("all-standard", "Both (all standard training)", "the testbed's and timm's standard-training models",
                 "the testbed standard models and the timm ImageNet-1k models"),
    BaselineSpec("yours", "Your standard-trained models", "your uploaded standard-training models",
                 "the uploaded models whose file declares group \"Standard training\" (this browser session only)"),
    BaselineSpec("testbed+yours", "Testbed standard models + yours", "the testbed's and your standard-training models",
                 "the testbed standard models and your uploaded models declared \"Standard training\""),
)}


def baseline_label(baseline: str) -> str:
    """The short label of a baseline choice (its name on a control)."""
    return BASELINE_SPECS[baseline].label


def baseline_mask(models: pd.DataFrame, baseline: str) -> NDArray[np.bool_]:
    """Which rows of the models table form the chosen baseline's line (see :data:`BASELINE_SPECS`).

    ``testbed``: the testbed's "Standard training" models whose names contain none of
    ``subsample``, ``aws``, ``batch64`` (Taori et al., 2020); ``testbed-lowacc``: those plus the
    testbed's "Low Accuracy CNN" models; ``timm``: timm's standard ImageNet-1k models;
    ``all-standard``: testbed and timm; ``yours``: uploaded models declared "Standard training";
    ``testbed+yours``: testbed and yours.
    """
    if baseline not in BASELINES + USER_BASELINES:
        raise ValueError(f"unknown baseline {baseline!r}; choose one of {', '.join(BASELINES + USER_BASELINES)}")
    source = models["source"].astype(str)
    category = models["source_category"].astype(str)
    testbed = (source == "testbed") & (category == "Standard training")
    # The excluded substrings never occur in the "testbed:" prefix, so the whole id can be searched.
    excluded = models.loc[testbed, "model_id"].astype(str).str.lower().str.contains(
        "|".join(TESTBED_EXCLUDED), regex=True)
    testbed.loc[excluded.index[excluded.to_numpy(dtype=bool)]] = False
    low_accuracy = (source == "testbed") & (category == TESTBED_LOW_ACCURACY)
    timm = (source == "timm") & (models["group"].astype(str) == "Standard training")
    yours = (source == "upload") & (category == DECLARED_STANDARD)
    mask = {"testbed": testbed, "testbed-lowacc": testbed | low_accuracy, "timm": timm,
            "all-standard": testbed | timm, "yours": yours, "testbed+yours": testbed | yours}[baseline]
    return mask.to_numpy(dtype=bool, copy=True)


#: Slack of :meth:`LinearFit.extrapolated` at the ends of the fitted range (accuracy fraction).
_RANGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LinearFit:
    """An OLS line ``T(y) = slope * T(x) + intercept`` in transformed space ``T``.

    ``stderr`` and ``intercept_stderr`` are the OLS standard errors (as ``scipy.stats.linregress``);
    ``x_min``/``x_max`` the ImageNet accuracies (fractions) of the lowest and highest fitted model;
    ``residual_sd`` the standard deviation of the fitted models' residuals in transformed units with
    ``ddof = 2`` (the OLS estimate of the noise, ``sqrt(SSR / (n - 2))``).
    """

    slope: float
    intercept: float
    r: float
    n: int
    transform: Transform
    stderr: float = float("nan")
    intercept_stderr: float = float("nan")
    #: ImageNet accuracies (fractions) of the lowest and highest model the line was fit on: it is
    #: drawn solid and its predictions count as interpolated inside [x_min, x_max] only.
    x_min: float = float("nan")
    x_max: float = float("nan")
    #: Standard deviation of the fitted models' residuals in transformed units (``n - 2`` dof).
    residual_sd: float = float("nan")

    def predict(self, x_acc: ArrayLike) -> NDArray[np.float64]:
        """Baseline shift accuracy (fraction) predicted at ImageNet accuracy ``x_acc``."""
        return inverse(self.slope * transform(x_acc, self.transform) + self.intercept, self.transform)

    def extrapolated(self, x_acc: ArrayLike) -> NDArray[np.bool_]:
        """Whether each ImageNet accuracy lies outside the fitted models' ``[x_min, x_max]`` (False for NaN).

        A tolerance of 1e-9 (far below one image of any evaluation set) absorbs the round trip of the
        range through the transform, so the fitted extremes themselves count as inside.
        """
        x = np.asarray(x_acc, dtype=float)
        return (x < self.x_min - _RANGE_TOLERANCE) | (x > self.x_max + _RANGE_TOLERANCE)

    def intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """t-based intervals (``n - 2`` degrees of freedom) of ``slope`` and ``intercept`` at ``level``."""
        if self.n < 3:
            return {"slope": (np.nan, np.nan), "intercept": (np.nan, np.nan)}
        t = float(special.stdtrit(self.n - 2, 0.5 + level / 2))
        return {"slope": (self.slope - t * self.stderr, self.slope + t * self.stderr),
                "intercept": (self.intercept - t * self.intercept_stderr, self.intercept + t * self.intercept_stderr)}


def _fit_inputs(
    x_acc: ArrayLike, y_acc: ArrayLike, kind: str, fit_range: tuple[float, float] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Transformed (x, y) of the finite points whose x lies in ``fit_range`` (inclusive), and their x."""
    check_transform(kind)
    x = np.asarray(x_acc, dtype=float)
    y = np.asarray(y_acc, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y differ in length ({x.size} and {y.size})")
    keep = np.isfinite(x) & np.isfinite(y)
    if fit_range is not None:
        low, high = fit_range
        if low > high:
            raise ValueError(f"fit range is empty: low {low} is above high {high}")
        keep &= (x >= low) & (x <= high)
    tx, ty = transform(x[keep], kind), transform(y[keep], kind)  # type: ignore[arg-type]
    if tx.size < 3 or np.ptp(tx) == 0:
        raise ValueError(f"a line needs at least 3 models with distinct ImageNet accuracy; got {tx.size}")
    return tx, ty, x[keep]


def fit_line(
    x_acc: ArrayLike,
    y_acc: ArrayLike,
    kind: Transform = "logit",
    fit_range: tuple[float, float] | None = None,
) -> LinearFit:
    """OLS fit in transformed space on the models whose ImageNet accuracy lies in ``fit_range``."""
    tx, ty, x = _fit_inputs(x_acc, y_acc, kind, fit_range)
    res = linear_fit(tx, ty)
    residual = ty - (res.slope * tx + res.intercept)
    residual_sd = float(np.sqrt(residual @ residual / (tx.size - 2))) if tx.size > 2 else float("nan")
    return LinearFit(res.slope, res.intercept, res.rvalue, int(tx.size), kind, res.stderr, res.intercept_stderr,
                     float(x.min()), float(x.max()), residual_sd)


@dataclass(frozen=True)
class BootstrapFit:
    """Slopes and intercepts of lines refit on resamples (with replacement) of the baseline models."""

    slopes: NDArray[np.float64]
    intercepts: NDArray[np.float64]
    transform: Transform

    def band(
        self, x_acc: ArrayLike, level: float = 0.95
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Pointwise percentile band (lower, upper) of the predicted accuracy at each ``x_acc``.

        Uses the lower/higher order statistics, as the testbed does, so that the bounds are
        predictions of actual resampled lines (and commute with the monotone inverse transform).
        """
        tx, inverse_index = np.unique(transform(np.atleast_1d(np.asarray(x_acc, dtype=float)), self.transform),
                                      return_inverse=True)
        ok = np.isfinite(self.slopes) & np.isfinite(self.intercepts)
        slopes, intercepts = self.slopes[ok], self.intercepts[ok]
        # Order statistics of np.percentile(..., method="lower" / "higher") at the two tails.
        position = (1.0 - level) / 2.0 * (slopes.size - 1)
        ks = (int(np.floor(position)), int(np.ceil(slopes.size - 1 - position)))
        bounds = np.full((2, tx.size), np.nan)
        finite = np.isfinite(tx)
        bounds[:, finite] = order_statistics_of_lines(tx[finite], slopes, intercepts, ks)
        lo, hi = bounds[:, inverse_index.ravel()]
        return inverse(lo, self.transform), inverse(hi, self.transform)


#: Sweep cursors per order statistic: few cursors mean more rounds, many mean more work per round.
_CURSORS = 16
#: Distance below which two lines count as touching, so a run of x values cannot be certified.
_TOUCH = 1e-12


def order_statistics_of_lines(
    tx: NDArray[np.float64], slopes: NDArray[np.float64], intercepts: NDArray[np.float64], ks: tuple[int, ...]
) -> NDArray[np.float64]:
    """The ``ks``-th smallest of the lines ``intercepts + slopes * x`` at each sorted, distinct ``tx``.

    Equal, value for value, to ``np.partition(tx[:, None] * slopes + intercepts, ks, axis=1)[:, ks].T``,
    but it sorts only where the answer can change. The k-th smallest line stays the same line until
    another line crosses it, so from each x it finds (by rank) the owner line and the nearest crossing
    ahead, and hands the owner every x before that crossing; a run is kept only if every other line
    is at least ``_TOUCH`` away from the owner at both of its ends (or is the same line), which makes
    it exact in floating point. The work grows with the number of crossings of the owner lines, a few
    hundred for a bootstrap band, instead of with the number of x values. ``_CURSORS`` sweeps per
    order statistic run side by side, vectorised; the loop is over sweep steps.
    """
    n, kth = tx.size, np.asarray(ks, dtype=np.intp)
    owner = np.zeros((kth.size, n), dtype=np.intp)
    if n == 0 or slopes.size == 0:
        return np.full((kth.size, n), np.nan)
    starts = np.unique(np.linspace(0, n, min(n, _CURSORS) + 1).astype(np.intp))
    level = np.repeat(np.arange(kth.size), starts.size - 1)  # which order statistic each cursor tracks
    pos, end = np.tile(starts[:-1], kth.size), np.tile(starts[1:], kth.size)
    candidate = np.full(pos.size, -1, dtype=np.intp)  # the line that crossed the owner at the last stop
    while pos.size:
        rows = np.arange(pos.size)
        x0, k = tx[pos], kth[level]
        pred0 = x0[:, None] * slopes + intercepts
        # After a crossing the crossing line is usually the new owner: a rank check is cheaper than a sort.
        v = pred0[rows, candidate][:, None]
        line = np.where((candidate >= 0) & (np.count_nonzero(pred0 < v, axis=1) <= k) & (np.count_nonzero(pred0 <= v, axis=1) > k),
                        candidate, -1)
        unknown = np.flatnonzero(line < 0)
        if unknown.size:
            line[unknown] = np.argpartition(pred0[unknown], kth, axis=1)[np.arange(unknown.size), k[unknown]]
        d0 = pred0 - pred0[rows, line][:, None]
        ds = slopes - slopes[line][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -d0 / ds  # x distance to each crossing; behind (or none, NaN) when not positive
        step[~(step > 0)] = np.inf
        candidate = step.argmin(axis=1)
        last = np.clip(np.searchsorted(tx, x0 + step[rows, candidate], side="left") - 1, pos, end - 1)
        grow = np.flatnonzero(last > pos)
        if grow.size:  # certify each run at its far end; a failed run shrinks to its first x
            g0 = d0[grow]
            pred1 = tx[last[grow], None] * slopes + intercepts
            g1 = pred1 - pred1[np.arange(grow.size), line[grow]][:, None]
            gap = np.where(g0 > 0, np.minimum(g0, g1), -np.maximum(g0, g1))
            certified = ((gap > _TOUCH) | ((g0 == 0) & (g1 == 0) & (ds[grow] == 0))).all(axis=1)
            last[grow[~certified]] = pos[grow[~certified]]
        lengths = last - pos + 1
        covered = np.repeat(pos - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        owner[np.repeat(level, lengths), covered] = np.repeat(line, lengths)
        pos = last + 1
        going = pos < end
        pos, end, level, candidate = pos[going], end[going], level[going], candidate[going]
    return tx * slopes[owner] + intercepts[owner]


#: Gathered values per block of resamples in ``bootstrap_line`` (a few hundred KiB: cache-sized).
_BLOCK_VALUES = 32768


@functools.lru_cache(maxsize=4)
def resample_indices(seed: int, n_resamples: int, n: int) -> NDArray[np.int32]:
    """The testbed's resamples: row ``b`` is the ``b``-th ``RandomState(seed).choice(n, n)`` of its loop.

    The same draws as ``randint(0, n, size=(n_resamples, n))`` (int32 draws the same stream, faster).
    Kept for the last few (seed, size) pairs: shifts and views with the same number of baseline
    models share them. Read-only.
    """
    idx = np.random.RandomState(seed).randint(0, n, size=(n_resamples, n), dtype=np.int32)
    idx.flags.writeable = False
    return idx


def bootstrap_line(
    x_acc: ArrayLike,
    y_acc: ArrayLike,
    kind: Transform = "logit",
    fit_range: tuple[float, float] | None = None,
    n_resamples: int = TESTBED_RESAMPLES,
    seed: int = TESTBED_SEED,
) -> BootstrapFit:
    """Refit the line on ``n_resamples`` resamples of the baseline models, all at once.

    Draws the same resamples as the testbed's loop (``RandomState(seed).choice(n, n)`` per
    resample) and solves every least-squares problem in closed form, vectorised over resamples (in
    cache-sized blocks).
    Resamples whose x values are all equal (no line) give NaN and are ignored by ``band``.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    tx, ty, _ = _fit_inputs(x_acc, y_acc, kind, fit_range)
    idx = resample_indices(seed, n_resamples, tx.size)
    # Sums over each resample of the data centred on the full sample's means (well conditioned), a
    # block of resamples at a time so that the gathered values stay in the CPU cache.
    mx, my = tx.mean(), ty.mean()
    cx, cy = tx - mx, ty - my
    sums = np.empty((4, n_resamples))
    rows = max(1, _BLOCK_VALUES // tx.size)
    for start in range(0, n_resamples, rows):
        xs, ys = np.take(cx, idx[start:start + rows]), np.take(cy, idx[start:start + rows])
        sums[:, start:start + rows] = (xs.sum(axis=1), ys.sum(axis=1), np.einsum("ij,ij->i", xs, xs),
                                       np.einsum("ij,ij->i", xs, ys))
    sx, sy, qxx, qxy = sums
    sxx = qxx - sx * sx / tx.size
    sxy = qxy - sx * sy / tx.size
    with np.errstate(invalid="ignore", divide="ignore"):  # a resample of one distinct x has no line
        slopes = np.where(sxx > 1e-12 * qxx, sxy / sxx, np.nan)
    intercepts = (my + sy / tx.size) - slopes * (mx + sx / tx.size)
    return BootstrapFit(slopes, intercepts, kind)


@dataclass(frozen=True)
class LinePiece:
    """One piece of a baseline: its line and bootstrap, applied to ImageNet accuracies in ``(low, high]``."""

    fit: LinearFit
    boot: BootstrapFit
    low: float = -np.inf
    high: float = np.inf


@dataclass(frozen=True)
class PiecewiseLine:
    """A baseline made of one or more lines, each applied on its own interval of ImageNet accuracy.

    Piece ``i`` covers ``(splits[i-1], splits[i]]``: a model exactly at a split uses the piece below,
    as the imagenet-testbed's ``format_eff_robust`` assigns it (plotting/paper_appendix_eff_robust.py).
    A single line is the one-piece case.
    """

    pieces: tuple[LinePiece, ...]
    transform: Transform

    @property
    def splits(self) -> tuple[float, ...]:
        """ImageNet accuracies (fractions) where one piece ends and the next begins."""
        return tuple(p.high for p in self.pieces[:-1])

    @property
    def reference(self) -> LinearFit:
        """The piece fit on the most models (the only one for a single line): what a zero-shot line's
        slope is compared with."""
        return max(self.pieces, key=lambda p: p.fit.n).fit

    @property
    def n(self) -> int:
        """Models fit, over all pieces."""
        return sum(p.fit.n for p in self.pieces)

    def piece_index(self, x_acc: ArrayLike) -> NDArray[np.intp]:
        """Index of the piece that applies at each ImageNet accuracy (NaN goes to the last piece)."""
        return np.searchsorted(np.asarray(self.splits, dtype=float), np.asarray(x_acc, dtype=float), side="left")

    def _by_piece(self, x_acc: ArrayLike, values: Callable[[LinePiece, NDArray[np.float64]], tuple[NDArray[np.float64], ...]],
                  count: int) -> tuple[NDArray[np.float64], ...]:
        x = np.asarray(x_acc, dtype=float)
        if len(self.pieces) == 1:
            return values(self.pieces[0], x)
        which = self.piece_index(x)
        out = tuple(np.full(x.shape, np.nan) for _ in range(count))
        for i, piece in enumerate(self.pieces):  # two pieces at most in practice
            at = which == i
            if at.any():
                for o, v in zip(out, values(piece, x[at]), strict=True):
                    o[at] = v
        return out

    def predict(self, x_acc: ArrayLike) -> NDArray[np.float64]:
        """Baseline shift accuracy (fraction) at each ImageNet accuracy, from the piece on its side."""
        return self._by_piece(x_acc, lambda p, x: (p.fit.predict(x),), 1)[0]

    def band(self, x_acc: ArrayLike, level: float = 0.95) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Pointwise bootstrap band (lower, upper) at each ImageNet accuracy, from the piece on its side."""
        lo, hi = self._by_piece(x_acc, lambda p, x: p.boot.band(x, level), 2)
        return lo, hi


def piece_label(low: float, high: float) -> str:
    """Name of a baseline piece by where it applies: "Baseline", "Baseline ≤ 76.13%" or "Baseline > 76.13%"."""
    if np.isinf(low) and np.isinf(high):
        return "Baseline"
    if np.isinf(low):
        return f"Baseline ≤ {100 * high:.2f}%"
    if np.isinf(high):
        return f"Baseline > {100 * low:.2f}%"
    return f"Baseline {100 * low:.2f}–{100 * high:.2f}%"


def fit_pieces(
    x_acc: ArrayLike,
    y_acc: ArrayLike,
    kind: Transform = "logit",
    splits: Sequence[float] = (),
    n_resamples: int = TESTBED_RESAMPLES,
    seed: int = TESTBED_SEED,
) -> PiecewiseLine:
    """Fit one line (and its bootstrap) per interval between the sorted ``splits``.

    Each piece is fit on the models strictly between its splits, as the imagenet-testbed fits the two
    ImageNet-A lines on the standard models below and above ResNet-50's ImageNet accuracy
    (``format_eff_robust`` in plotting/paper_appendix_eff_robust.py): models exactly at a split enter
    neither piece. Every piece's bootstrap draws with the same ``seed``, as the testbed's figures do.
    """
    x = np.asarray(x_acc, dtype=float)
    y = np.asarray(y_acc, dtype=float)
    edges = (-np.inf, *sorted(float(s) for s in splits), np.inf)
    pieces = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):  # a piece or two
        inside = (x > low) & (x < high)
        try:
            fit = fit_line(x[inside], y[inside], kind)
        except ValueError as exc:
            if len(edges) == 2:
                raise
            raise ValueError(f"the piece {_describe_interval(low, high)}: {exc}") from None
        boot = bootstrap_line(x[inside], y[inside], kind, n_resamples=n_resamples, seed=seed)
        pieces.append(LinePiece(fit, boot, low, high))
    return PiecewiseLine(tuple(pieces), kind)


def _describe_interval(low: float, high: float) -> str:
    """``below 76.13% ImageNet``, ``above 76.13% ImageNet`` or ``between ...`` for error messages."""
    if np.isinf(low):
        return f"below {100 * high:.2f}% ImageNet"
    if np.isinf(high):
        return f"above {100 * low:.2f}% ImageNet"
    return f"between {100 * low:.2f}% and {100 * high:.2f}% ImageNet"
