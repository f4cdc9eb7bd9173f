"""The models table: values from the core, interval text, filters, sorting, the comparison table."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from effrob_core.checkpoints import checkpoint_of
from effrob_core.datasets import MAIN_SHIFTS
from effrob_core.figures.compare import compare_figure
from effrob_core.intervals import clopper_pearson
from effrob_core.models_table import (
    IMAGENET_COLUMN,
    MEAN_ER_COLUMN,
    ModelFilter,
    ci_column,
    compare_long,
    er_column,
    filter_models,
    models_table,
    sort_models,
)
from effrob_core.results import Results
from effrob_core.robustness import robustness_by_shift
from effrob_core.safe_csv import safe_csv


@pytest.fixture(scope="module")
def robustness(results: Results) -> pd.DataFrame:
    return robustness_by_shift(results, MAIN_SHIFTS, "testbed", "logit", n_resamples=200)[0]


@pytest.fixture(scope="module")
def table(results: Results, robustness: pd.DataFrame) -> pd.DataFrame:
    return models_table(results, robustness)


def test_models_table_values_come_from_the_core(results: Results, robustness: pd.DataFrame,
                                                table: pd.DataFrame) -> None:
    top1 = results.wide("top1")
    canonical = results.models[checkpoint_of(results.models) == results.models["model_id"]]
    assert len(table) == len(canonical) < len(results.models)  # one row per checkpoint
    also = table.loc["testbed:vit_b_32_clip_zeroshot", "Also in"].split("; ")
    assert set(also) == {"openclip:ViT-B-32/openai", "openclip:ViT-B-32-quickgelu/openai", "scaling-laws:openai-ViT-B-32"}
    assert "openclip:ViT-B-32/openai" not in table.index
    np.testing.assert_allclose(table[IMAGENET_COLUMN], (100 * top1["imagenet"].reindex(table.index)).round(2),
                               equal_nan=True)
    shift = "imagenet-sketch"
    np.testing.assert_allclose(table[er_column(shift)],
                               (100 * robustness[f"eff_rob[{shift}]"].reindex(table.index)).round(2), equal_nan=True)
    mid = "testbed:vit_b_32_clip_zeroshot"
    lo, hi = 100 * robustness.loc[mid, f"eff_rob_lo[{shift}]"], 100 * robustness.loc[mid, f"eff_rob_hi[{shift}]"]
    assert table.loc[mid, ci_column(shift)] == f"[{lo:+.1f}, {hi:+.1f}]"
    lowacc = "openclip-lowacc:rn50-yfcc15m-7m"
    assert table.loc[lowacc, ci_column("imagenet-sketch")] == "" and np.isnan(table.loc[lowacc, MEAN_ER_COLUMN])


def test_interval_column_is_python_formatting(robustness: pd.DataFrame, table: pd.DataFrame) -> None:
    for shift in MAIN_SHIFTS:
        lo, hi = 100 * robustness[f"eff_rob_lo[{shift}]"], 100 * robustness[f"eff_rob_hi[{shift}]"]
        expected = ["" if np.isnan(a) or np.isnan(b) else f"[{a:+.1f}, {b:+.1f}]"
                    for a, b in zip(lo.reindex(table.index), hi.reindex(table.index))]
        column = table[ci_column(shift)]
        assert column.tolist() == expected and pd.api.types.is_string_dtype(column)
        assert column.dtype == table["Model"].dtype  # the same text dtype as the other text columns


def test_filters_narrow_the_table(table: pd.DataFrame) -> None:
    assert len(filter_models(table, ModelFilter())) == len(table)
    zs = filter_models(table, ModelFilter(groups=("Zero-shot image-text",)))
    assert len(zs) == int((table["Group"] == "Zero-shot image-text").sum()) and len(zs) < len(table)
    src = filter_models(table, ModelFilter(sources=("scaling-laws", "openclip-lowacc")))
    assert set(src["Source"]) == {"scaling-laws", "openclip-lowacc"}
    arch = filter_models(table, ModelFilter(architecture="  rn50 "))
    assert len(arch) > 0 and arch["Architecture"].str.lower().str.contains("rn50").all()
    name = filter_models(table, ModelFilter(name="LAION2B_S34B"))
    assert len(name) > 0 and name["Model"].str.lower().str.contains("laion2b_s34b").all()
    by_id = filter_models(table, ModelFilter(name="openclip-lowacc:"))
    assert len(by_id) == 4  # the 15M point is the canonical row openclip:RN50-quickgelu/yfcc15m
    rng = filter_models(table, ModelFilter(imagenet_range=(70.0, 80.0)))
    assert rng[IMAGENET_COLUMN].between(70, 80).all()
    assert len(rng) == int(table[IMAGENET_COLUMN].between(70, 80).sum())
    both = filter_models(table, ModelFilter(groups=("Zero-shot image-text",), imagenet_range=(70.0, 80.0)))
    assert set(both.index) == set(zs.index) & set(rng.index)
    assert filter_models(table, ModelFilter(name="no model has this name")).empty


def test_sorting(table: pd.DataFrame) -> None:
    desc = sort_models(table, MEAN_ER_COLUMN, descending=True)
    vals = desc[MEAN_ER_COLUMN].to_numpy()
    finite = vals[np.isfinite(vals)]
    assert (np.diff(finite) <= 0).all() and np.isnan(vals[len(finite):]).all()
    asc = sort_models(table, "Model", descending=False)
    assert asc["Model"].iloc[0] <= asc["Model"].iloc[-1]
    with pytest.raises(ValueError, match="cannot sort"):
        sort_models(table, "no such column")


def test_csv_of_the_shown_table(table: pd.DataFrame) -> None:
    shown = sort_models(filter_models(table, ModelFilter(sources=("openclip-lowacc",))), "Model", False)
    back = pd.read_csv(io.StringIO(safe_csv(shown.reset_index(drop=True))), keep_default_na=False, na_values=[""])
    assert back.columns.tolist() == shown.columns.tolist() and len(back) == len(shown)
    np.testing.assert_allclose(back[IMAGENET_COLUMN], shown[IMAGENET_COLUMN])


def test_compare_long(results: Results, table: pd.DataFrame) -> None:
    ids = ["testbed:resnet50", "openclip:ViT-B-16/openai"]
    acc = compare_long(results, table, ids, "accuracy")
    assert len(acc) == 2 * (1 + len(MAIN_SHIFTS))
    row = acc[(acc["model_id"] == ids[1]) & (acc["eval_set"] == "imagenet-r")].iloc[0]
    top1 = results.wide("top1").loc[ids[1], "imagenet-r"]
    n = results.wide("n_images").loc[ids[1], "imagenet-r"]
    lo, hi = clopper_pearson(top1, n)
    assert row["value"] == pytest.approx(100 * top1) and row["lo"] == pytest.approx(100 * lo)
    assert row["hi"] == pytest.approx(100 * hi)
    er = compare_long(results, table, ids, "robustness")
    r = er[(er["model_id"] == ids[1]) & (er["eval_set"] == "imagenet-sketch")].iloc[0]
    assert r["value"] == table.loc[ids[1], er_column("imagenet-sketch")]
    assert r["lo"] <= r["value"] <= r["hi"]
    with pytest.raises(ValueError):
        compare_long(results, table, ids, "nonsense")  # type: ignore[arg-type]


def test_compare_figure_is_a_valid_plotly_figure(results: Results, table: pd.DataFrame) -> None:
    ids = ["testbed:resnet50", "testbed:vit_b_32_clip_zeroshot", "openclip-lowacc:rn50-yfcc15m-7m"]
    named = table.assign(Model=table["Model"].where(table.index != ids[0], "<b>resnet & co</b>"))
    for metric in ("accuracy", "robustness"):
        frame = compare_long(results, named, ids, metric)  # type: ignore[arg-type]
        fig = compare_figure(frame, metric, "interval")
        spec = json.loads(pio.to_json(fig, validate=False))
        # plotly's validation of the same figure (as Streamlit does for a dict) changes nothing
        assert json.loads(pio.to_json(go.Figure(fig.to_dict()), validate=False)) == spec
        white = json.loads(pio.to_json(go.Figure(layout=dict(template="simple_white")), validate=False))
        assert spec["layout"]["template"] == white["layout"]["template"]
        assert spec["layout"]["xaxis"]["categoryarray"] == list(dict.fromkeys(frame["set_name"]))
        assert spec["data"][0]["name"] == "&lt;b&gt;resnet &amp; co&lt;/b&gt;"
        assert spec["data"][0]["hovertemplate"].startswith("%{fullData.name}<br>")  # the name is data, not template
        assert bool(spec["layout"].get("shapes")) == (metric == "robustness")  # the line at 0
    one = compare_figure(compare_long(results, table, ids[:1], "robustness", shifts=("imagenet-r",)), "robustness", "")
    assert list(one.layout.xaxis.categoryarray) == ["ImageNet-R"]  # layouts are copies, never shared
    assert len(compare_figure(frame, "robustness", "").layout.xaxis.categoryarray) == len(MAIN_SHIFTS)


def test_robustness_by_shift_tolerates_missing_baselines(results: Results, robustness: pd.DataFrame) -> None:
    _, missing = robustness_by_shift(results, ("imagenetv2",), "testbed", "logit", n_resamples=50)
    assert missing == {}
    timm, missing = robustness_by_shift(results, MAIN_SHIFTS, "timm", "logit", n_resamples=200)
    assert list(missing) == ["objectnet"] and "at least 3" in missing["objectnet"]  # timm has no ObjectNet
    assert timm["eff_rob[objectnet]"].isna().all() and timm["eff_rob[mean]"].isna().all()
    assert timm["eff_rob[imagenet-r]"].notna().sum() > 1000
    assert list(timm.columns) == list(robustness.columns)
