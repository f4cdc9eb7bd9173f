"""Baseline fit and bootstrap: invariants, agreement with the testbed's loop, and published values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from effrob_core import baseline
from effrob_core.baseline import (
    TESTBED_SEED,
    bootstrap_line,
    fit_line,
    order_statistics_of_lines,
    resample_indices,
)
from effrob_core.robustness import effective_robustness
from effrob_core.transforms import TRANSFORMS, transform


def _line_points(n: int, slope: float, intercept: float, noise: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    tx = rng.uniform(-1.5, 2.5, n)
    ty = slope * tx + intercept + rng.normal(0, noise, n)
    return special.expit(tx), special.expit(ty)


def test_recovers_known_line() -> None:
    x, y = _line_points(50, 0.9, -0.5, 0.0)
    fit = fit_line(x, y, "logit")
    assert fit.slope == pytest.approx(0.9) and fit.intercept == pytest.approx(-0.5)
    assert fit.r == pytest.approx(1.0) and fit.n == 50


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(TRANSFORMS))
def test_fit_independent_of_row_order(seed: int, kind: str) -> None:
    x, y = _line_points(30, 1.1, -1.0, 0.2, seed)
    perm = np.random.default_rng(seed + 1).permutation(30)
    a, b = fit_line(x, y, kind), fit_line(x[perm], y[perm], kind)
    assert a.slope == pytest.approx(b.slope, rel=1e-10) and a.intercept == pytest.approx(b.intercept, abs=1e-10)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(TRANSFORMS), t=st.floats(-1.0, 2.0))
def test_model_on_line_has_zero_effective_robustness(seed: int, kind: str, t: float) -> None:
    x, y = _line_points(25, 1.2, -0.8, 0.3, seed)
    fit = fit_line(x, y, kind)
    x0 = float(special.expit(t))
    on_line = fit.predict(x0)
    assert effective_robustness(x0, on_line, fit) == pytest.approx(0.0, abs=1e-12)


def test_fit_range_restricts_models() -> None:
    x, y = _line_points(60, 1.0, 0.0, 0.1)
    fit = fit_line(x, y, "logit", fit_range=(0.4, 0.8))
    assert fit.n == int(((x >= 0.4) & (x <= 0.8)).sum())
    with pytest.raises(ValueError, match="at least 3"):
        fit_line(x, y, "logit", fit_range=(0.999, 1.0))
    with pytest.raises(ValueError, match="empty"):
        fit_line(x, y, "logit", fit_range=(0.8, 0.4))


def _testbed_loop(tx, ty, n_resamples, seed):
    """The imagenet-testbed's bootstrap (plotting/plotter.py), one lstsq per resample."""
    rng = np.random.RandomState(seed)
    coeffs = []
    for _ in range(n_resamples):
        i = rng.choice(tx.size, tx.size)
        coeffs.append(np.linalg.lstsq(np.stack([np.ones(tx.size), tx[i]], axis=1), ty[i], rcond=None)[0])
    return np.array(coeffs)


def test_bootstrap_matches_testbed_loop() -> None:
    x, y = _line_points(40, 0.95, -0.6, 0.25, seed=3)
    boot = bootstrap_line(x, y, "logit", n_resamples=200, seed=TESTBED_SEED)
    ref = _testbed_loop(transform(x, "logit"), transform(y, "logit"), 200, TESTBED_SEED)
    np.testing.assert_allclose(boot.intercepts, ref[:, 0], atol=1e-10)
    np.testing.assert_allclose(boot.slopes, ref[:, 1], atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(TRANSFORMS))
def test_band_contains_point_estimate(seed: int, kind: str) -> None:
    x, y = _line_points(30, 1.0, -0.3, 0.3, seed)
    fit = fit_line(x, y, kind)
    boot = bootstrap_line(x, y, kind, n_resamples=300, seed=seed)
    grid = np.linspace(0.05, 0.95, 50)
    lo, hi = boot.band(grid)
    pred = fit.predict(grid)
    assert np.all(lo <= pred + 1e-12) and np.all(pred <= hi + 1e-12)


def test_bootstrap_seedable() -> None:
    x, y = _line_points(30, 1.0, -0.3, 0.3)
    a = bootstrap_line(x, y, n_resamples=50, seed=1)
    b = bootstrap_line(x, y, n_resamples=50, seed=1)
    c = bootstrap_line(x, y, n_resamples=50, seed=2)
    np.testing.assert_array_equal(a.slopes, b.slopes)
    assert not np.array_equal(a.slopes, c.slopes)
    assert a.slopes.shape == (50,) and bootstrap_line(x, y).slopes.shape == (1000,)


@pytest.mark.parametrize("level", [0.95, 0.9, 0.5])
def test_band_equals_testbed_percentiles(level: float) -> None:
    """The band is numpy's lower/higher percentiles of the resampled lines, as in the testbed."""
    x, y = _line_points(40, 0.95, -0.6, 0.25, seed=5)
    boot = bootstrap_line(x, y, "logit", n_resamples=1000)
    grid = np.linspace(0.1, 0.9, 7)
    pred = boot.intercepts[:, None] + boot.slopes[:, None] * transform(grid, "logit")[None, :]
    tail = 100 * (1 - level) / 2
    lo, hi = boot.band(grid, level)
    np.testing.assert_allclose(transform(lo, "logit"), np.percentile(pred, tail, axis=0, method="lower"))
    np.testing.assert_allclose(transform(hi, "logit"), np.percentile(pred, 100 - tail, axis=0, method="higher"))


def _partition_reference(tx, slopes, intercepts, ks):
    return np.partition(tx[:, None] * slopes[None, :] + intercepts[None, :], ks, axis=1)[:, list(ks)].T


@pytest.mark.parametrize("n_x", [1, 2, 17, 3000])
@pytest.mark.parametrize("n_lines", [1, 2, 40, 1000])
def test_order_statistics_equal_partition_on_bootstrap_lines(n_x: int, n_lines: int) -> None:
    """The sweep gives exactly (bit for bit) what sorting every x gives, on real bootstrap lines."""
    x, y = _line_points(60, 0.95, -0.6, 0.3, seed=n_x + n_lines)
    boot = bootstrap_line(x, y, "logit", n_resamples=n_lines)
    tx = np.unique(np.random.default_rng(n_x).uniform(-6, 4, n_x))
    position = 0.025 * (n_lines - 1)
    ks = (int(np.floor(position)), int(np.ceil(n_lines - 1 - position)))
    got = order_statistics_of_lines(tx, boot.slopes, boot.intercepts, ks)
    np.testing.assert_array_equal(got, _partition_reference(tx, boot.slopes, boot.intercepts, ks))


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), min_size=1, max_size=30),
    xs=st.lists(st.integers(-40, 40), min_size=1, max_size=80),
    quantile=st.floats(0, 1),
)
def test_order_statistics_exact_with_ties_and_identical_lines(lines, xs, quantile) -> None:
    """Small integer lines cross exactly at the x values and repeat, the hardest case for a sweep."""
    slopes = np.array([a for a, _ in lines], dtype=float) / 2
    intercepts = np.array([b for _, b in lines], dtype=float)
    tx = np.unique(np.array(xs, dtype=float) / 4)
    k = int(round(quantile * (len(lines) - 1)))
    ks = (k, len(lines) - 1 - k)
    want = _partition_reference(tx, slopes, intercepts, ks)
    for cursors in (1, 3, 16):  # one cursor makes the longest runs
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(baseline, "_CURSORS", cursors)
            np.testing.assert_array_equal(order_statistics_of_lines(tx, slopes, intercepts, ks), want)


def test_band_of_nan_accuracy_is_nan_and_keeps_order() -> None:
    x, y = _line_points(30, 1.0, -0.3, 0.3)
    boot = bootstrap_line(x, y, "logit", n_resamples=100)
    lo, hi = boot.band([0.7, np.nan, 0.2, 0.7])
    assert np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[0] == lo[3] and lo[2] < lo[0] and np.all(lo[[0, 2]] <= hi[[0, 2]])


def test_resamples_of_one_distinct_accuracy_have_no_line() -> None:
    """Three models, two sharing an accuracy: some resamples draw a single x and give NaN, not a line."""
    x = np.array([0.6, 0.6, 0.7])
    y = np.array([0.4, 0.45, 0.5])
    boot = bootstrap_line(x, y, "logit", n_resamples=400, seed=0)
    tx = transform(x, "logit")
    idx = np.random.RandomState(0).randint(0, 3, size=(400, 3))
    degenerate = np.ptp(tx[idx], axis=1) == 0
    assert degenerate.any() and not degenerate.all()
    assert np.array_equal(np.isnan(boot.slopes), degenerate)
    ref = _testbed_loop(tx, transform(y, "logit"), 400, 0)
    np.testing.assert_allclose(boot.slopes[~degenerate], ref[~degenerate, 1], atol=1e-10)
    lo, hi = boot.band([0.65])
    assert np.isfinite(lo).all() and lo[0] <= hi[0]


@pytest.mark.parametrize("n", [1, 7, 85, 1300])
def test_resample_indices_are_the_testbed_choices(n: int) -> None:
    rng = np.random.RandomState(TESTBED_SEED)
    loop = np.stack([rng.choice(n, n) for _ in range(50)])
    np.testing.assert_array_equal(resample_indices(TESTBED_SEED, 50, n), loop)
    assert not resample_indices(TESTBED_SEED, 50, n).flags.writeable


def test_every_bootstrap_defaults_to_the_testbeds_1000_resamples() -> None:
    """One constant sets the resamples of the core's bootstraps, so that the pages (which use it) and the
    server's warm-up (which uses the defaults) compute the same landing view."""
    import inspect

    from effrob_core import api, robustness

    assert baseline.TESTBED_RESAMPLES == 1000
    for func in (baseline.bootstrap_line, baseline.fit_pieces, robustness.analyse_shift, api.analyse):
        assert inspect.signature(func).parameters["n_resamples"].default == baseline.TESTBED_RESAMPLES, func
