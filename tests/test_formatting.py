"""Numbers as table text: signed tenths exactly as Python writes them, SI-suffixed counts."""

from __future__ import annotations

import numpy as np

from effrob_core.formatting import si_number, signed_tenths


def test_signed_tenths_is_exactly_python_formatting() -> None:
    rng = np.random.default_rng(3)
    ties = np.arange(-2000, 2001) / 20  # every half tenth (x.x5), rounded by Python on the binary value
    awkward = [0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.15, 0.25, 0.35, -0.45, 1e-320, -1e-320, 2.0 ** 60,
               -1e300, np.nan, np.inf, -np.inf, 999.95, 12.349999999999, 12.350000000001]
    values = np.concatenate([rng.normal(0, 15, 20_000), np.round(rng.normal(0, 15, 5_000), 2), ties, awkward])
    got = signed_tenths(values)
    assert got.tolist() == [f"{v:+.1f}" for v in values.tolist()]
    assert signed_tenths([]).shape == (0,) and signed_tenths(np.array([[0.26, -1.0]])).tolist() == ["+0.3", "-1.0"]


def test_si_number() -> None:
    assert [si_number(v) for v in (12.8e6, 1.28e9, 3.4e10, 6.6e12, 512)] == ["12.8M", "1.28B", "34B", "6.6T", "512"]
    assert si_number(float("nan")) == ""
