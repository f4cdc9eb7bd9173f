"""Baseline fit and bootstrap: invariants, agreement with the testbed's loop, and published values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from effrob_core.baseline import TESTBED_SEED, bootstrap_line, fit_line
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
