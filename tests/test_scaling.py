"""Power-law fits recover known exponents and extrapolate; E_inf intervals stay in range; Cherti et al.'s binning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from effrob_core.scaling import PROFILE_GRID, _profile_rss, binned_frontier, fit_power_law


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.5, 20), alpha=st.floats(-0.6, -0.02))
def test_recovers_exponent_exactly(a: float, alpha: float) -> None:
    x = np.logspace(6, 10, 9)
    fit = fit_power_law(x, a * x**alpha)
    assert fit.alpha == pytest.approx(alpha, abs=1e-9) and fit.a == pytest.approx(a, rel=1e-7)
    assert fit.predict(1e12) == pytest.approx(a * 1e12**alpha, rel=1e-6)


def test_interval_covers_exponent_under_noise() -> None:
    x = np.logspace(6, 10, 15)
    err = 4.0 * x**-0.12 * np.exp(np.random.default_rng(1).normal(0, 0.01, x.size))
    fit = fit_power_law(x, err)
    lo, hi = fit.intervals["alpha"]
    assert lo < -0.12 < hi and hi - lo < 0.02


def test_irreducible_term_recovered() -> None:
    x = np.logspace(6, 11, 16)
    err = 2.0 * x**-0.15 + 0.05
    noisy = err * np.exp(np.random.default_rng(0).normal(0, 0.003, x.size))
    fit = fit_power_law(noisy * 0 + x, noisy, irreducible=True)
    assert fit.alpha == pytest.approx(-0.15, abs=0.01)
    assert fit.e_inf == pytest.approx(0.05, abs=0.01)
    lo, hi = fit.intervals["e_inf"]
    assert lo <= fit.e_inf <= hi


def test_too_few_points() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        fit_power_law([1e6, 1e7], [0.5, 0.4])
    with pytest.raises(ValueError, match="at least 4"):
        fit_power_law([1e6, 1e7, 1e8], [0.5, 0.4, 0.3], irreducible=True)


# --- E_inf intervals ------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(a=st.floats(0.5, 5), alpha=st.floats(-0.5, -0.05), e_inf=st.floats(0.0, 0.3), noise=st.floats(0.0, 0.05),
       n=st.integers(4, 9), seed=st.integers(0, 1000))
def test_e_inf_interval_stays_in_its_range(a: float, alpha: float, e_inf: float, noise: float, n: int,
                                           seed: int) -> None:
    """[0, lowest observed error] holds the E_inf interval whatever the data (few points, noise, E_inf = 0)."""
    x = np.logspace(7, 11, n)
    err = (a * x**alpha + e_inf) * np.exp(np.random.default_rng(seed).normal(0, noise, n))
    err = np.clip(err, 1e-4, 0.999)
    fit = fit_power_law(x, err, irreducible=True)
    lo, hi = fit.intervals["e_inf"]
    assert 0.0 <= lo <= hi <= err.min()
    assert lo <= fit.e_inf <= hi  # the estimate is inside its interval


def test_an_unbounded_interval_is_inf_without_a_warning() -> None:
    """Four points leave A's interval wider than a float: its bound is inf, and no overflow warning."""
    x = np.logspace(7, 11, 4)
    err = (1.0 * x**-0.5 + 0.25) * np.exp(np.random.default_rng(1).normal(0, 0.03125, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_power_law(x, err, irreducible=True)
    lo, hi = fit.intervals["a"]
    assert 0.0 <= lo <= fit.a <= hi == np.inf


def test_profile_is_the_refit_with_e_inf_held_fixed() -> None:
    """Each profile value equals scipy's least squares with E_inf fixed, and the interval follows the F rule."""
    from scipy import optimize, stats

    x = np.logspace(7, 11, 7)
    err = (3.0 * x**-0.2 + 0.08) * np.exp(np.random.default_rng(4).normal(0, 0.02, x.size))
    lx, le = np.log(x), np.log(err)
    grid = np.array([0.0, 0.03, 0.06, 0.9 * err.min()])
    got = _profile_rss(lx, le, grid)
    for e, rss in zip(grid, got):
        res = optimize.least_squares(lambda p, e=e: le - np.log(np.exp(p[0] + p[1] * lx) + e), [0.0, -0.1])
        assert rss == pytest.approx(2 * res.cost, rel=1e-6, abs=1e-12)
    fit = fit_power_law(x, err, irreducible=True)
    lo, hi = fit.intervals["e_inf"]
    full = np.linspace(0, err.min() * (1 - 1e-9), PROFILE_GRID)
    rss = _profile_rss(lx, le, full)
    limit = rss.min() * (1 + stats.f.ppf(0.95, 1, x.size - 3) / (x.size - 3))
    assert lo == pytest.approx(full[rss <= limit * (1 + 1e-9)].min()) and hi == pytest.approx(full[rss <= limit * (1 + 1e-9)].max())
    assert 0 < lo < fit.e_inf < hi < err.min()  # this data bounds E_inf on both sides


# --- Cherti et al.'s binned fit ---------------------------------------------------------------------


def test_binned_frontier_is_the_notebooks_binning() -> None:
    """5 equal bins of log10 x over [min, max + 0.1]; each non-empty bin: its centre and its lowest error."""
    x = 10.0 ** np.array([1.0, 1.2, 1.25, 3.0, 3.05, 3.9, 5.0])
    err = np.array([0.5, 0.45, 0.47, 0.3, 0.31, 0.25, 0.2])
    centres, lowest, counts = binned_frontier(x, err)
    edges = np.linspace(1.0, 5.1, 6)
    which = [0, 0, 0, 2, 2, 3, 4]  # bin 2 of 5 (edges 1.82-2.64) is empty and dropped
    assert counts.tolist() == [3, 2, 1, 1] and sum(counts) == len(x)
    np.testing.assert_allclose(np.log10(centres), ((edges[:-1] + edges[1:]) / 2)[sorted(set(which))])
    assert lowest.tolist() == [0.45, 0.3, 0.25, 0.2]
    with pytest.raises(ValueError, match="equal length"):
        binned_frontier([1.0, 2.0], [0.5])
