"""Power-law fits recover known exponents and extrapolate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from effrob_core.scaling import fit_power_law


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
