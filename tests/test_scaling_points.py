"""Scaling points placed honestly, colour groups, controlled series, group fits, ER against scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from effrob_core.checkpoints import checkpoint_of, one_per_checkpoint
from effrob_core.datasets import MAIN_SHIFTS
from effrob_core.results import UPLOAD_GROUP, UPLOAD_SOURCE, Results
from effrob_core.robustness import analyse_shift
from effrob_core.scaling import fit_groups, fit_power_law, fit_table, scale_bins
from effrob_core.scaling_points import (
    SCALING_SOURCES,
    color_key,
    controlled_series,
    data_family,
    is_uploaded,
    robustness_by_decade,
    robustness_vs_scale,
    scaling_points,
)


def test_data_families(results: Results) -> None:
    m = results.models.set_index("model_id")
    fam = data_family(results.models).set_axis(results.models["model_id"])
    assert fam["openclip:ViT-B-32/datacomp_m_s128m_b4k"] == "DataComp"
    assert fam["openclip:ViT-B-32/commonpool_s_clip_s13m_b4k"] == "CommonPool, CLIP filter"
    assert fam["openclip:ViT-B-32/commonpool_s_s13m_b4k"] == "CommonPool, no filter"
    laion = m.index[(m["source"] == "scaling-laws") & (m["train_data"] == "LAION-2B")][0]
    assert fam[laion] == "LAION-2B (scaling-laws)"
    assert fam["openclip-lowacc:rn50-yfcc15m-1m"] == "YFCC-15M subsets (RN50)"


def test_scaling_points_place_models_honestly(results: Results) -> None:
    pts, left = scaling_points(results, "imagenet")
    m = results.models
    zs = m[(m["group"] == "Zero-shot image-text") & m["source"].isin(SCALING_SOURCES)]
    has_x = zs["samples_seen"].notna() | zs["digitized"]
    assert len(pts) == int(one_per_checkpoint(zs[has_x]).sum()) and left == int((~has_x).sum()) and left > 0
    # each checkpoint once: DataComp-S is CommonPool-S's image-based filter (identical results); the
    # OpenAI rows of scaling-laws stay (their canonical testbed / OpenCLIP rows have no samples seen)
    assert "openclip:ViT-B-32/datacomp_s_s13m_b4k" not in set(pts["model_id"])
    assert {"openclip:ViT-B-32/commonpool_s_image_s13m_b4k", "scaling-laws:openai-ViT-B-32"} <= set(pts["model_id"])
    dig = pts[pts["digitized"]]
    assert len(dig) == 5 and dig["x_is_images"].all()
    np.testing.assert_array_equal(dig["x"], dig["train_images"])
    rest = pts[~pts["digitized"]]
    np.testing.assert_array_equal(rest["x"], rest["samples_seen"])
    np.testing.assert_allclose(pts["error"], 1 - pts["top1"])
    top1 = results.wide("top1")["imagenet"]
    np.testing.assert_allclose(pts["top1"], top1.loc[pts["model_id"]].to_numpy())


def test_scaling_points_other_views(results: Results) -> None:
    comp, left = scaling_points(results, "imagenet", "compute")
    assert set(comp["source"]) == {"scaling-laws"} and left > 0
    np.testing.assert_array_equal(comp["x"], comp["compute_gmacs_total"])
    v2, _ = scaling_points(results, "imagenetv2")
    sketch, _ = scaling_points(results, "imagenet-sketch")
    assert v2["digitized"].sum() == 5 and sketch["digitized"].sum() == 0
    avg, _ = scaling_points(results, "average")
    wide = results.wide("top1").loc[avg["model_id"], list(MAIN_SHIFTS)]
    np.testing.assert_allclose(avg["top1"], wide.mean(axis=1))
    only, _ = scaling_points(results, "imagenet", sources=("scaling-laws",))
    assert set(only["source"]) == {"scaling-laws"}
    with pytest.raises(ValueError):
        scaling_points(results, "imagenet-c")
    with pytest.raises(ValueError):
        scaling_points(results, "imagenet", "flops")  # type: ignore[arg-type]


def test_uploaded_models_join_the_scaling_points_on_request(results: Results, with_mine: Results) -> None:
    published, left = scaling_points(with_mine, "imagenet")
    ref, ref_left = scaling_points(results, "imagenet")
    assert published["model_id"].tolist() == ref["model_id"].tolist() and left == ref_left  # not by default
    pts, left_all = scaling_points(with_mine, "imagenet", sources=(*SCALING_SOURCES, UPLOAD_SOURCE))
    mine = pts.loc[is_uploaded(pts)].set_index("display_name")
    assert sorted(mine.index) == ["mine-big", "mine-mid", "mine-small"]
    assert left_all == left + 1  # mine-unknown-scale has no samples seen
    assert mine.loc["mine-big", "x"] == 1e10 and mine.loc["mine-mid", "top1"] == pytest.approx(0.45)
    assert (mine["group"] == UPLOAD_GROUP).all()
    for by in ("data", "architecture"):  # one colour group, whatever the training data or architecture
        assert set(color_key(pts, by)[is_uploaded(pts)]) == {UPLOAD_GROUP}
    assert not controlled_series(pts)[is_uploaded(pts)].any()
    only, only_left = scaling_points(with_mine, "imagenet", "compute", sources=(UPLOAD_SOURCE,))
    assert only.empty and only_left == 4


def test_fit_groups_never_use_uploaded_models(with_mine: Results) -> None:
    pts, _ = scaling_points(with_mine, "imagenet", sources=(*SCALING_SOURCES, UPLOAD_SOURCE))
    groups = color_key(pts, "data")
    mine = is_uploaded(pts)
    fits, skipped = fit_groups(pts, groups)
    assert UPLOAD_GROUP not in {f.group for f in fits} | set(skipped)  # three scales, yet no fit
    ref, _ = fit_groups(pts.loc[~mine], groups[~mine])
    assert [(f.group, f.fit.alpha, f.n_points) for f in fits] == [(f.group, f.fit.alpha, f.n_points) for f in ref]
    # even grouped with a published family, uploads do not move its fit
    forced = groups.mask(pd.Series(mine, index=groups.index), "DataComp")
    dc = {f.group: f for f in fit_groups(pts, forced)[0]}["DataComp"]
    ref_dc = {f.group: f for f in ref}["DataComp"]
    assert dc.n_points == ref_dc.n_points == int((groups == "DataComp").sum())
    assert (dc.fit.alpha, dc.fit.a, dc.x_min, dc.x_max) == (ref_dc.fit.alpha, ref_dc.fit.a, ref_dc.x_min, ref_dc.x_max)


def test_scale_bins_merge_nominal_budgets() -> None:
    b = scale_bins(np.array([12.8e9, 13.0e9, 13.2e9, 34e9, 2.56e9, 2.44e9]))
    assert b[0] == b[1] == b[2] and b[3] != b[0] and b[4] == b[5]


def test_fit_groups_match_fit_power_law(results: Results) -> None:
    pts, _ = scaling_points(results, "imagenet")
    groups = color_key(pts, "data")
    fits, skipped = fit_groups(pts, groups, frontier=False)
    by = {f.group: f for f in fits}
    g = pts[groups == "DataComp"]
    ref = fit_power_law(g["x"], g["error"])
    assert by["DataComp"].fit.alpha == pytest.approx(ref.alpha) and by["DataComp"].fit.a == pytest.approx(ref.a)
    assert by["DataComp"].n_points == len(g)
    assert "OpenAI WIT (scaling-laws)" in skipped  # a single scale
    frontier, _ = fit_groups(pts, groups, frontier=True)
    fl = {f.group: f for f in frontier}["LAION-400M (scaling-laws)"]
    sub = pts[groups == "LAION-400M (scaling-laws)"].assign(scale=lambda d: scale_bins(d["x"]))
    best = sub.loc[sub.groupby("scale")["error"].idxmin()]
    ref = fit_power_law(best["x"], best["error"])
    assert fl.n_points == len(best) == 3 and fl.fit.alpha == pytest.approx(ref.alpha)
    irr, skipped_irr = fit_groups(pts, groups, irreducible=True, frontier=True)
    assert all(f.n_x >= 4 for f in irr) and "LAION-400M (scaling-laws)" in skipped_irr
    t = fit_table(fits)
    assert len(t) == len(fits) and {"A", "alpha", "E_inf (%)"} <= set(t.columns)


def test_controlled_series(results: Results) -> None:
    pts, _ = scaling_points(results, "imagenet")
    c = controlled_series(pts)
    assert set(pts.loc[c, "source"]) == {"scaling-laws", "openclip", "openclip-lowacc"}
    assert not pts.loc[c & (pts["source"] == "openclip"), "family"].str.startswith("LAION").any()


def test_robustness_vs_scale(results: Results) -> None:
    pts, _ = scaling_points(results, "imagenetv2")
    a = analyse_shift(results, "imagenetv2", n_resamples=100)
    er = robustness_vs_scale(pts, a.points)
    assert len(er) == len(pts) and er["digitized"].sum() == 5
    # matched by checkpoint: OpenAI's ViT-B/32 of scaling-laws takes the ER of its canonical testbed row
    ref = a.points.set_index("model_id").loc[checkpoint_of(er), "eff_rob"].to_numpy()
    np.testing.assert_allclose(er["eff_rob"], ref)
    summary = robustness_by_decade(er)
    assert summary["Models"].sum() == len(er)
    assert summary.index[0] == "100k–1M"
