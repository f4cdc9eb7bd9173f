"""The OLS line equals scipy.stats.linregress, and the app's modules do not import scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from effrob_core.regression import linear_fit


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 300),
    slope=st.floats(-5, 5),
    noise=st.floats(0, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_equals_linregress(n: int, slope: float, noise: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 3
    y = slope * x + rng.normal(size=n) * noise + 1.5
    want, got = stats.linregress(x, y), linear_fit(x, y)
    for name in ("slope", "intercept", "rvalue", "stderr", "intercept_stderr"):
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-12, atol=1e-12, err_msg=name)


def test_exact_line_and_constant_y() -> None:
    fit = linear_fit([0, 1, 2, 3], [1, 3, 5, 7])
    assert (fit.slope, fit.intercept, fit.rvalue, fit.stderr) == (2.0, 1.0, 1.0, 0.0)
    flat = linear_fit([0, 1, 2], [4, 4, 4])
    assert flat.slope == 0 and np.isnan(flat.rvalue) and np.isnan(stats.linregress([0, 1, 2], [4, 4, 4]).rvalue)


@pytest.mark.parametrize(("x", "y", "message"), [
    ([1.0], [2.0], "at least two"),
    ([1.0, 2.0], [2.0], "equal length"),
    ([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "distinct x"),
])
def test_bad_input_is_named(x, y, message) -> None:
    with pytest.raises(ValueError, match=message):
        linear_fit(x, y)


def test_app_modules_do_not_import_scipy_stats() -> None:
    """Importing scipy.stats costs about 0.6 s of a fresh server's first page: the app must not need it."""
    code = ("import sys; import effrob_core.robustness, effrob_core.sources, effrob_core.models_table, "
            "effrob_core.safe_csv, effrob_core.scaling_points, effrob_core.scaling, "
            "effrob_core.upload, effrob_core.figures.scatter, effrob_core.figures.scaling, "
            "effrob_core.figures.compare; print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
