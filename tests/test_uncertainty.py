"""Effective-robustness intervals with the model's own noise, ER in axis units, extrapolation flags,
and the testbed-lowacc baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from effrob_core.baseline import BASELINE_SPECS, BASELINES, USER_BASELINES, baseline_mask, bootstrap_line, fit_line
from effrob_core.intervals import clopper_pearson
from effrob_core.robustness import analyse_shift
from effrob_core.transforms import transform
from effrob_core.uncertainty import ER_INTERVALS, check_interval, interval_metrics, mean_accuracy_bounds


@pytest.fixture(scope="module")
def v2(results):
    return analyse_shift(results, "imagenetv2", "testbed", "logit")


def _line(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    tx = rng.uniform(0.2, 1.8, n)
    return special.expit(tx), special.expit(0.9 * tx - 0.5 + rng.normal(0, 0.03, n))


def test_every_baseline_is_described() -> None:
    assert set(BASELINE_SPECS) == set(BASELINES + USER_BASELINES)
    assert all(s.label and s.phrase and s.members for s in BASELINE_SPECS.values())


def test_interval_choices() -> None:
    assert set(ER_INTERVALS) == {"total", "band"} and check_interval("band") == "band"
    with pytest.raises(ValueError, match="choose one of total, band"):
        check_interval("wide")


def test_58_percent_model_on_10000_images_is_at_least_its_own_binomial_width(v2) -> None:
    """Acceptance: the ER interval of a 58% ImageNetV2 model (10,000 images) is no narrower than the 95%
    binomial interval of its own shift accuracy (about 1.9 points); the band alone is far narrower."""
    p = v2.points.set_index("model_id").loc["testbed:googlenet/inceptionv1"]
    assert p["n_y"] == 10_000 and p["y"] == pytest.approx(0.58, abs=0.005)
    lo, hi = clopper_pearson(p["y"], p["n_y"], 0.95)
    own = 100 * float(hi - lo)
    assert own == pytest.approx(1.94, abs=0.02)
    total = 100 * (p["eff_rob_hi"] - p["eff_rob_lo"])
    band = 100 * (p["eff_rob_band_hi"] - p["eff_rob_band_lo"])
    assert total >= own and band < 0.5 * own
    assert p["eff_rob_lo"] < p["eff_rob"] < p["eff_rob_hi"]


def test_total_interval_matches_monte_carlo_reference() -> None:
    """Quadrature against a simulation: every bootstrap line paired with binomial draws of the model's
    own accuracies; the percentile interval of the simulated ER agrees within 10% in width."""
    x, y = _line()
    fit, boot = fit_line(x, y), bootstrap_line(x, y, n_resamples=2000)
    mx = np.array([0.30, 0.58, 0.75, 0.62])
    my = np.array([0.25, 0.58, 0.70, 0.60])
    nx, ny = np.full(4, 50_000), np.array([10_000, 10_000, 2_000, 30_000])
    m = interval_metrics(mx, my, clopper_pearson(mx, nx, 0.95), clopper_pearson(my, ny, 0.95), fit, boot)
    rng = np.random.default_rng(1)
    xs = rng.binomial(nx[:, None], mx[:, None], (4, boot.slopes.size)) / nx[:, None]
    ys = rng.binomial(ny[:, None], my[:, None], (4, boot.slopes.size)) / ny[:, None]
    er = ys - special.expit(boot.slopes * special.logit(xs) + boot.intercepts)
    ref_lo, ref_hi = np.percentile(er, [2.5, 97.5], axis=1)
    np.testing.assert_allclose(m["eff_rob_hi"] - m["eff_rob_lo"], ref_hi - ref_lo, rtol=0.10)
    np.testing.assert_allclose((m["eff_rob_hi"] + m["eff_rob_lo"]) / 2, (ref_hi + ref_lo) / 2, atol=0.002)
    ter = special.logit(ys) - (boot.slopes * special.logit(xs) + boot.intercepts)
    t_lo, t_hi = np.percentile(ter, [2.5, 97.5], axis=1)
    np.testing.assert_allclose(m["eff_rob_transformed_hi"] - m["eff_rob_transformed_lo"], t_hi - t_lo, rtol=0.10)


def test_band_interval_is_the_bootstrap_band(v2) -> None:
    p = v2.points
    lo, hi = v2.fit.band(p["x"].to_numpy())
    np.testing.assert_allclose(p["eff_rob_band_lo"], p["y"] - hi)
    np.testing.assert_allclose(p["eff_rob_band_hi"], p["y"] - lo)
    assert (p["eff_rob_lo"] <= p["eff_rob_band_lo"] + 1e-12).all()
    assert (p["eff_rob_hi"] >= p["eff_rob_band_hi"] - 1e-12).all()


def test_transformed_er_is_vertical_distance_on_the_axes(v2) -> None:
    p = v2.points
    line = v2.fit.pieces[0].fit.slope * transform(p["x"], "logit") + v2.fit.pieces[0].fit.intercept
    np.testing.assert_allclose(p["eff_rob_transformed"], transform(p["y"], "logit") - line)
    seed = p.set_index("model_id").loc["openclip-lowacc:rn50-yfcc15m-1m"]
    assert seed["eff_rob"] == pytest.approx(0.0075, abs=1e-4)
    assert seed["eff_rob_transformed"] == pytest.approx(0.158, abs=0.0015)


def test_residual_sd_and_range_of_the_fit(v2) -> None:
    members = v2.points[v2.points["in_baseline"]]
    tx, ty = transform(members["x"], "logit"), transform(members["y"], "logit")
    reg = stats.linregress(tx, ty)
    resid = ty - (reg.slope * tx + reg.intercept)
    assert v2.fit.pieces[0].fit.residual_sd == pytest.approx(np.sqrt((resid ** 2).sum() / (len(tx) - 2)), rel=1e-10)
    assert v2.fit.pieces[0].fit.intercept_stderr == pytest.approx(reg.intercept_stderr, rel=1e-10)
    assert v2.fit.pieces[0].fit.x_min == pytest.approx(members["x"].min()) and v2.fit.pieces[0].fit.x_max == pytest.approx(members["x"].max())
    assert not members["extrapolated"].any()
    outside = (v2.points["x"] < members["x"].min()) | (v2.points["x"] > members["x"].max())
    assert (v2.points["extrapolated"] == outside).all() and outside.any()


def test_fit_range_narrows_what_counts_as_interpolated(results) -> None:
    a = analyse_shift(results, "imagenetv2", "testbed", "logit", fit_range=(0.70, 0.80), n_resamples=50)
    members = a.points[a.points["in_baseline"]]
    assert 0.70 <= a.fit.pieces[0].fit.x_min and a.fit.pieces[0].fit.x_max <= 0.80
    resnet50 = a.points.set_index("model_id").loc["testbed:resnet50"]  # 76.1%: inside
    alexnet = a.points.set_index("model_id").loc["testbed:alexnet"]  # 56.5%: in the testbed fit, not in this one
    assert not resnet50["extrapolated"] and alexnet["extrapolated"] and not members["extrapolated"].any()


def test_mean_accuracy_bounds_normal_approximation() -> None:
    p = np.array([[0.6, 0.3, 0.5, 0.2, 0.4]])
    n = np.array([[10_000, 50_000, 30_000, 7_500, 18_000]])
    lo, hi = mean_accuracy_bounds(p, n, 0.95)
    sd = np.sqrt((p * (1 - p) / n).sum()) / 5
    assert hi[0] - lo[0] == pytest.approx(2 * 1.959964 * sd, rel=1e-6)
    assert (lo[0] + hi[0]) / 2 == pytest.approx(0.4)
    lo, hi = mean_accuracy_bounds(np.array([[0.5, np.nan]]), np.array([[100, 100]]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_average_shift_has_total_intervals(results) -> None:
    a = analyse_shift(results, "average", "testbed", "logit", n_resamples=100)
    p = a.points
    assert p["eff_rob_lo"].notna().all() and p["eff_rob_hi"].notna().all()
    assert ((p["eff_rob_hi"] - p["eff_rob_lo"]) > (p["eff_rob_band_hi"] - p["eff_rob_band_lo"])).all()


def test_lowacc_baseline_members(results, v2) -> None:
    pts = v2.points
    member = pd.Series(baseline_mask(pts, "testbed-lowacc"), index=pts["model_id"])
    standard = pd.Series(baseline_mask(pts, "testbed"), index=pts["model_id"])
    assert (member[standard[standard].index]).all()  # every testbed standard model stays
    added = set(member[member & ~standard].index)
    cats = pts.set_index("model_id").loc[sorted(added), "source_category"]
    assert set(cats) == {"Low Accuracy CNN"} and len(added) == 115
    for weak in ("testbed:resnet50_lstsq", "testbed:identity32_lstsq", "testbed:identity32_one_nn",
                 "testbed:identity32_random_forests"):
        assert not member[weak]  # random features, pixels, nearest neighbours, random forests
    a = analyse_shift(results, "imagenetv2", "testbed-lowacc", "logit", n_resamples=50)
    assert a.fit.pieces[0].fit.x_min < 0.10 and a.fit.n == 200
    assert not a.points.set_index("model_id").loc["openclip-lowacc:rn50-yfcc15m-1m", "extrapolated"]
