"""The benchmarks' building blocks work at tiny sizes: valid synthetic results, the core benchmark end
to end (its loop reference agrees with the core), and the report table. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.core import CoreCase, loop_analyse_shift, run_case
from benchmarks.run import evaluate, table
from benchmarks.server import page_urls
from benchmarks.stats import paired_ratio
from benchmarks.synthetic import (
    KINDS,
    synthetic_results,
    synthetic_tables,
    write_results,
)
from effrob_core.baseline import baseline_mask
from effrob_core.datasets import EVAL_SETS, SHIFTS
from effrob_core.results import GROUPS, load_results
from effrob_core.robustness import SHIFT_CHOICES, analyse_shift


@pytest.fixture(scope="module")
def small():
    return synthetic_results(120, seed=3)


def test_synthetic_results_are_valid_and_complete(small, tmp_path: Path) -> None:
    models = small.models
    assert len(models) == 120 and models["model_id"].is_unique
    assert set(models["group"]) == set(GROUPS)
    assert {k[0] for k in KINDS} == set(models["source"])
    assert baseline_mask(models, "testbed").sum() >= 3 and baseline_mask(models, "timm").sum() >= 3
    ev = small.evaluations
    assert set(ev["eval_set"]) <= set(EVAL_SETS) and set(SHIFTS) <= set(ev["eval_set"])
    assert ev["top1"].between(0, 1).all() and (ev["n_images"] > 0).all()
    # the same tables pass the loader's validation from disk
    again = load_results(write_results(small, tmp_path / "synthetic"))
    assert len(again.models) == 120 and len(again.evaluations) == len(ev)


def test_synthetic_trend_and_zero_shot_above_line(small) -> None:
    a = analyse_shift(small, "imagenet-r", n_resamples=50)
    assert a.fit.pieces[0].fit.r > 0.9  # a noisy but clear linear trend in logit space
    zs = a.points["group"] == "Zero-shot image-text"
    assert a.points.loc[zs, "eff_rob"].median() > a.points.loc[a.points["in_baseline"], "eff_rob"].median()


def test_synthetic_is_deterministic_and_sized() -> None:
    m1, e1 = synthetic_tables(60, seed=7)
    m2, e2 = synthetic_tables(60, seed=7)
    assert m1.equals(m2) and e1.equals(e2)
    with pytest.raises(ValueError, match="at least"):
        synthetic_tables(5)


def test_loop_reference_agrees_with_core(small) -> None:
    for shift in ("imagenetv2", "average"):
        ref = loop_analyse_shift(small, shift, n_resamples=60)
        core = analyse_shift(small, shift, n_resamples=60).points
        for col in ("eff_rob", "eff_rob_band_lo", "eff_rob_band_hi", "baseline_y"):
            np.testing.assert_allclose(ref[col], core[col], atol=1e-9)


def test_core_benchmark_end_to_end_and_table(small) -> None:
    entry = run_case(CoreCase("tiny", small, repeats=1, loop_repeats=1), n_resamples=30, log=lambda m: None)
    assert entry["models"] == 120 and set(entry["points_per_shift"]) == set(SHIFT_CHOICES)
    for part in ("vectorised", "loop", "vectorised_band", "loop_band", "vectorised_fit", "loop_fit"):
        assert entry[part]["n"] == 1 and entry[part]["median_s"] > 0
    assert entry["max_abs_difference"] < 1e-9 and entry["ratio"] > 0
    report = {"machine": {"cores": 2, "cpu": "cpu", "ram_gib": 1.0, "python": "3", "packages": {},
                          "date": "today", "loadavg_start": (0.0, 0.0, 0.0)}, "core": [entry]}
    report["targets"] = evaluate(report)
    assert {t["target"] for t in report["targets"]} == {"analysis speed-up over loop (x)",
                                                        "bootstrap+band speed-up over loop (x)",
                                                        "bootstrap refits speed-up over loop (x)"}
    text = table(report)
    assert "| tiny | 120 |" in text and "**Targets**" in text


def test_page_urls_serve_default_page_at_root() -> None:
    urls = page_urls()
    assert sum(p == "/" for _, p in urls) == 1 and all(p.startswith("/") for _, p in urls)
    assert len({p for _, p in urls}) == len(urls)


def test_floor_part_is_read_against_its_ratio_in_the_table() -> None:
    """The floor part's two ratios become targets (≤ 1.3x) and one line of the table; its numbers are
    made up here: the smoke test checks the report, never a timing."""
    side = lambda c, w: {"cold": {"median_s": c}, "warm": {"median_s": w}}  # noqa: E731
    report = {"machine": {"cores": 2, "cpu": "cpu", "ram_gib": 1.0, "python": "3", "packages": {}, "date": "today",
                          "loadavg_start": (0.0, 0.0, 0.0)},
              "floor": {"cold_runs": 1, "warm_runs": 1, "app": side(3.0, 2.3), "floor": side(2.0, 1.8),
                        "ratio_cold": 1.5, "ratio_warm": 2.3 / 1.8, "errors": [],
                        "ratio_warm_paired": {"n": 9, "median": 1.25, "confidence": 0.95, "ci_low": 1.2, "ci_high": 1.31},
                        "ratio_cold_paired": {"n": 1, "median": 1.5, "confidence": 0.95, "ci_low": float("nan"),
                                              "ci_high": float("nan")},
                        "floor_controls": side(2.4, 2.1), "controls_ratio_cold": 1.2, "controls_ratio_warm": 2.1 / 1.8}}
    report["targets"] = evaluate(report)
    met = {t["target"]: t["met"] for t in report["targets"]}
    assert met == {"first chart against the floor, cold (x)": False, "first chart against the floor, warm (x)": True}
    assert "cold app 3.00 s, floor 2.00 s, ratio 1.50x (per round 1.50x);" in table(report)  # one round: no interval
    assert "warm app 2.30 s, floor 1.80 s, ratio 1.28x (per round 1.25x, 95% CI 1.20-1.31)" in table(report)
    assert "the floor with the page's controls: cold 2.40 s (1.20x), warm 2.10 s (1.17x)" in table(report)
    assert "without the warm-up" not in table(report)  # a report without that target


def test_paired_ratio_is_the_median_of_per_round_ratios_with_an_order_statistic_interval() -> None:
    """Round i of the numerator is divided by round i of the denominator; a missing sample drops its round;
    the 95% interval of the median of nine ratios is the 2nd to 8th smallest (binomial, distribution-free)."""
    den = [2.0] * 9
    num = [2.0 * r for r in (1.1, 1.5, 1.2, 1.3, 1.0, 1.25, 1.4, 1.15, 1.35)]
    out = paired_ratio(num, den)
    assert out["n"] == 9 and out["median"] == pytest.approx(1.25)
    assert (out["ci_low"], out["ci_high"]) == (pytest.approx(1.1), pytest.approx(1.4))
    # the machine's drift cancels: doubling both samples of a round changes nothing
    assert paired_ratio([2 * x for x in num[:3]] + num[3:], [4.0] * 3 + den[3:])["median"] == pytest.approx(1.25)
    dropped = paired_ratio(num[:8] + [float("nan")], den)
    assert dropped["n"] == 8
    few = paired_ratio(num[:5], den[:5])  # five ratios cannot give a 95% interval
    assert few["n"] == 5 and few["ci_low"] != few["ci_low"]
    with pytest.raises(ValueError, match="differ in length"):
        paired_ratio(num, den[:3])
