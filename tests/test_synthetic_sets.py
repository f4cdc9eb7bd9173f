"""The testbed's synthetic and consistency settings: registry, ingest and averages as the testbed takes them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effrob_core.datasets import (
    AVERAGE,
    EVAL_SETS,
    IMAGENET_C_CORRUPTIONS,
    MAIN_SHIFTS,
    STORED,
    SYNTHETIC,
    VARIANTS,
    leaf_weights,
)
from effrob_core.results import Results
from effrob_core.robustness import analyse_shift, set_accuracy, shift_points, x_key

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "upstream"
needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"raw upstream files not at {UPSTREAM}")


def test_registry_is_generated_and_consistent() -> None:
    assert len(IMAGENET_C_CORRUPTIONS) == 19
    assert "imagenet-c" in SYNTHETIC and "pgd" in SYNTHETIC and "corruptions-averaged" in SYNTHETIC
    assert {"imagenet-vid-robust-pm10", "ytbb-robust-pm10", "imagenetv2-topimages"} <= set(VARIANTS)
    for key, s in EVAL_SETS.items():
        assert all(c in EVAL_SETS for c in s.components), key
        w = leaf_weights(key)
        assert set(w) <= set(STORED) and sum(w.values()) == pytest.approx(1.0)
    assert len(leaf_weights("imagenet-c")) == 19 * 5 and len(leaf_weights("imagenet-c-in-memory")) == 18 * 5
    # Taori et al.'s "Corruptions averaged": 37 per-corruption means, greyscale and stylized, equal weights
    w = leaf_weights("corruptions-averaged")
    assert w["greyscale"] == pytest.approx(1 / 39) and w["imagenet-c.fog.3"] == pytest.approx(1 / 39 / 5)
    assert leaf_weights(AVERAGE) == {s: 1 / len(MAIN_SHIFTS) for s in MAIN_SHIFTS}
    with pytest.raises(ValueError, match="unknown evaluation set"):
        leaf_weights("imagenet-z")


def test_x_set_validation() -> None:
    assert x_key("imagenet-r", "full", "imagenetv2") == "imagenetv2"
    with pytest.raises(ValueError, match="both imagenetv2"):
        x_key("imagenetv2", "full", "imagenetv2")
    with pytest.raises(ValueError, match="unknown x-axis set 'nope'"):
        x_key("imagenet-r", "full", "nope")
    with pytest.raises(ValueError, match="unknown shift 'nope'"):
        x_key("nope", "full")


def _testbed_means(raw: pd.DataFrame) -> pd.DataFrame:
    """The testbed's own aggregation (plotting/dataframe.py, aggregate_corruptions_with_metadata and
    add_aggregate_corruptions_for_plotting), transcribed literally on the raw percent columns."""
    df = raw.copy()
    corrs = {x.split(".")[1] + "_" + x.split("_")[-1] for x in df.columns if "imagenet-c" in x}
    for corr in corrs:
        c_name, c_type = corr.rsplit("_", 1)
        match = df.columns.str.match(f"imagenet-c.{c_name}.*_{c_type}")
        df[f"{c_name}_{c_type}"] = df.loc[:, match].mean(axis=1, skipna=False)
    agg = [x for x in df.columns if any(y in x for y in ["disk", "memory", "stylized", "greyscale"])
           and not re.search(r"\d", x)]
    out = pd.DataFrame(index=df.index)
    out["corruptions-averaged"] = df[agg].mean(axis=1, skipna=False)
    out["imagenet-c"] = df[[x for x in agg if "disk" in x]].mean(axis=1, skipna=False)
    out["imagenet-c-in-memory"] = df[[x for x in agg if "memory" in x]].mean(axis=1, skipna=False)
    out["pgd"] = df[[x for x in df.columns if "pgd" in x]].mean(axis=1, skipna=False)
    out["imagenet-c.fog"] = df["fog_on-disk"]
    return out / 100


@needs_upstream
def test_averages_match_the_testbeds_code(results: Results) -> None:
    raw = pd.read_csv(UPSTREAM / "imagenet-testbed" / "robustness_top1s.csv").set_index("model")
    raw = raw.drop(columns=[c for c in raw.columns if "subsampled" in c])
    expected = _testbed_means(raw)
    ids = results.models["model_id"]
    testbed = ids.str.startswith("testbed:").to_numpy()
    names = ids[testbed].str.removeprefix("testbed:")
    for key in expected.columns:
        ours = pd.Series(set_accuracy(results, key)[0][testbed], index=names.to_numpy())
        theirs = expected[key].reindex(ours.index)
        assert ours.isna().equals(theirs.isna()), key
        np.testing.assert_allclose(ours.dropna(), theirs.dropna(), rtol=0, atol=1e-12, err_msg=key)
    assert int(expected["imagenet-c"].notna().sum()) == 200 and int(expected["pgd"].notna().sum()) == 183


def test_subset_image_counts(results: Results) -> None:
    """ImageNet-C/PGD values run on the testbed's 10% subset have 5,000 images; all are whole counts."""
    ev = results.evaluations
    syn = ev[ev["eval_set"].str.match(r"^(?:imagenet-c|pgd)")]
    assert set(syn["n_images"]) == {5_000, 50_000}
    k = syn["top1"] * syn["n_images"]
    assert (k - k.round()).abs().max() < 0.01
    smoothing = syn[syn["model_id"].str.contains("randomized_smoothing_noise_0.25")]
    assert (smoothing.loc[smoothing["eval_set"].str.startswith("imagenet-c"), "n_images"] == 5_000).all()
    pm10 = ev[ev["eval_set"] == "ytbb-robust-pm10"]
    assert set(pm10["n_images"]) == {2_030}


def test_synthetic_views_fit(results: Results) -> None:
    a = analyse_shift(results, "imagenet-c", n_resamples=20)
    assert a.fit.n > 30 and a.points["n_y"].isna().all() and a.points["y"].between(0, 1).all()
    pts, left_out = shift_points(results, "imagenet-vid-robust-pm10", "matched")
    assert len(pts) == 335 and left_out == 0
    b = analyse_shift(results, "imagenet-r", x_set="imagenetv2", n_resamples=20)
    assert b.x_set == "imagenetv2" and (b.points["n_x"] == 10_000).all()
