"""Transforms round-trip and stay finite; Clopper-Pearson matches scipy's exact binomial interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from effrob_core.intervals import clopper_pearson
from effrob_core.transforms import EPS, TRANSFORMS, inverse, transform

acc = st.floats(min_value=EPS, max_value=1 - EPS, allow_nan=False)


@pytest.mark.parametrize("kind", TRANSFORMS)
@given(a=acc)
def test_round_trip(kind: str, a: float) -> None:
    assert inverse(transform(a, kind), kind) == pytest.approx(a, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("kind", ["logit", "probit"])
def test_safe_at_0_and_1(kind: str) -> None:
    z = transform([0.0, 1.0], kind)
    assert np.all(np.isfinite(z)) and z[0] < z[1]
    assert inverse(z, kind) == pytest.approx([EPS, 1 - EPS])


@pytest.mark.parametrize("kind", TRANSFORMS)
@given(a=acc, b=acc)
def test_monotone(kind: str, a: float, b: float) -> None:
    ta, tb = transform([a, b], kind)
    if a < b:
        assert ta <= tb
    elif a > b:
        assert ta >= tb


def test_known_values() -> None:
    assert transform(0.5, "logit") == pytest.approx(0.0)
    assert transform(0.8807970779778823, "logit") == pytest.approx(2.0)
    assert transform(0.8413447460685429, "probit") == pytest.approx(1.0)
    assert np.isnan(transform(np.nan, "logit"))


def test_unknown_transform() -> None:
    with pytest.raises(ValueError, match="unknown transform 'log'"):
        transform(0.5, "log")  # type: ignore[arg-type]


@given(k=st.integers(0, 500), n=st.integers(1, 500))
def test_clopper_pearson_matches_scipy(k: int, n: int) -> None:
    k = min(k, n)
    lo, hi = clopper_pearson(k / n, n, 0.95)
    ref = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)
    assert lo <= k / n <= hi


def test_clopper_pearson_vectorised_and_missing_n() -> None:
    lo, hi = clopper_pearson([0.7613, 0.5, 0.9], [50_000, np.nan, 0])
    assert 0.755 < lo[0] < 0.7613 < hi[0] < 0.767
    assert np.isnan(lo[1:]).all() and np.isnan(hi[1:]).all()
    with pytest.raises(ValueError):
        clopper_pearson(0.5, 10, 1.5)


def test_linear_inverse_clips_to_accuracies() -> None:
    assert inverse([-0.2, 0.3, 1.4], "linear").tolist() == [0.0, 0.3, 1.0]


def test_percent_ticks_never_negative_or_above_100() -> None:
    from effrob_core.figures.style import percent_ticks

    _, labels = percent_ticks("linear", -0.07, 1.05)
    assert labels[0] == "0%" and labels[-1] == "100%" and "-0%" not in labels
    vals, labels = percent_ticks("logit", 0.004, 0.93)
    assert labels[0] == "0.5%" and labels[-1] == "90%" and len(labels) <= 12
    assert all(a < b for a, b in zip(vals, vals[1:]))
