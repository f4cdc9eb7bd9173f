"""Catalog helpers: sources mirror results/README.md, counts come from the results, filters, safe CSV,
scaling points and fits, learning curves."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from effrob_core.catalog import (
    IMAGENET_COLUMN,
    MEAN_ER_COLUMN,
    SCALING_SOURCES,
    SOURCES,
    UPLOADED,
    ModelFilter,
    ci_column,
    color_key,
    compare_long,
    controlled_series,
    data_family,
    er_column,
    eval_set_table,
    filter_models,
    fit_groups,
    fit_table,
    is_uploaded,
    models_table,
    neutralise_cells,
    robustness_by_decade,
    robustness_vs_scale,
    safe_csv,
    scale_bins,
    scaling_points,
    si_number,
    signed_tenths,
    sort_models,
    source_models,
    source_summary,
)
from effrob_core.datasets import EVAL_SETS, MAIN_SHIFTS
from effrob_core.figures.compare import compare_figure
from effrob_core.intervals import clopper_pearson
from effrob_core.results import (
    UPLOAD_GROUP,
    UPLOAD_SOURCE,
    Results,
    ResultsError,
    load_learning_curves,
    validate_learning_curves,
)
from effrob_core.robustness import analyse_shift, robustness_by_shift
from effrob_core.scaling import fit_power_law
from effrob_core.upload import parse_file

ROOT = Path(__file__).resolve().parents[1]
#: Uploaded zero-shot results: three models at three scales (one on DataComp data) and one without samples seen.
MINE_CSV = b"""model,imagenet,imagenetv2,imagenet-sketch,imagenet-r,imagenet-a,objectnet,samples_seen,train_data
mine-small,0.30,0.25,0.15,0.30,0.05,0.15,1e8,my-data
mine-mid,0.45,0.38,0.25,0.45,0.09,0.25,1e9,DataComp-M
mine-big,0.60,0.52,0.38,0.60,0.20,0.40,10B,my-data
mine-unknown-scale,0.50,0.44,0.30,0.50,0.12,0.30,,my-data
"""


@pytest.fixture(scope="module")
def with_mine(results: Results) -> Results:
    """The published results plus the uploaded models of :data:`MINE_CSV`."""
    return results.combine(parse_file("mine.csv", MINE_CSV).results)


@pytest.fixture(scope="module")
def robustness(results: Results) -> pd.DataFrame:
    return robustness_by_shift(results, MAIN_SHIFTS, "testbed", "logit", n_resamples=200)[0]


@pytest.fixture(scope="module")
def table(results: Results, robustness: pd.DataFrame) -> pd.DataFrame:
    return models_table(results, robustness)


# --- sources ------------------------------------------------------------------------------------------

def test_sources_mirror_results_readme(results: Results) -> None:
    readme = (ROOT / "results" / "README.md").read_text(encoding="utf-8")
    for s in SOURCES:
        assert s.commit in readme, f"{s.key}: commit {s.commit} not in results/README.md"
        assert f"`{s.key}`" in readme and s.repository in readme
    assert set(results.models["source"]) <= {s.key for s in SOURCES}


def test_source_counts_equal_the_results(results: Results) -> None:
    summary = source_summary(results).set_index("Key")
    models = results.models["source"].value_counts()
    ev_source = results.evaluations["model_id"].map(results.models.set_index("model_id")["source"])
    evals = ev_source.value_counts()
    sets = results.evaluations.groupby(ev_source)["eval_set"].nunique()
    assert summary["Models"].to_dict() == models.to_dict()
    assert summary["Evaluations"].to_dict() == evals.to_dict()
    assert summary["Evaluation sets"].to_dict() == sets.to_dict()
    assert summary["Models"].sum() == len(results.models)
    assert summary.loc["openclip-lowacc", "Sets"] == "imagenet, imagenetv2"


def test_source_counts_follow_the_data(results: Results) -> None:
    keep = results.models["source"] != "timm"
    fewer = Results(results.models.loc[keep].reset_index(drop=True),
                    results.evaluations.loc[results.evaluations["model_id"].isin(results.models.loc[keep, "model_id"])])
    summary = source_summary(fewer)
    assert "timm" not in set(summary["Key"])
    assert summary["Evaluations"].sum() == len(fewer.evaluations)


def test_uploads_are_one_labelled_source(results: Results, with_mine: Results) -> None:
    summary = source_summary(with_mine)
    assert summary["Key"].iloc[-1] == UPLOAD_SOURCE and summary["Key"].tolist()[:-1] == \
        source_summary(results)["Key"].tolist()
    row = summary.iloc[-1]
    assert row["Source"] == UPLOADED.name == "Your models (this browser session only)"
    assert row["Repository"] == row["Commit"] == row["License"] == "uploaded by you"
    assert row["Models"] == 4 and row["Evaluations"] == 24
    assert UPLOAD_SOURCE not in set(summary["Source"])  # never a bare key as a label
    assert len(source_models(with_mine, UPLOAD_SOURCE)) == 4


def test_source_models_listing(results: Results) -> None:
    listing = source_models(results, "openclip-lowacc")
    assert len(listing) == 5 and listing["Digitised"].all() and (listing["Evaluations"] == 2).all()


def test_eval_set_table_is_the_registry() -> None:
    t = eval_set_table()
    assert t["Key"].tolist() == list(EVAL_SETS)
    assert t.set_index("Key").loc["imagenet-r", "Class-matched x"] == "imagenet-r-classes"
    assert t.set_index("Key").loc["objectnet", "Images"] == EVAL_SETS["objectnet"].n_images


# --- models table, filters, sorting -----------------------------------------------------------------------

def test_models_table_values_come_from_the_core(results: Results, robustness: pd.DataFrame,
                                                table: pd.DataFrame) -> None:
    top1 = results.wide("top1")
    assert len(table) == len(results.models)
    np.testing.assert_allclose(table[IMAGENET_COLUMN], (100 * top1["imagenet"]).round(2), equal_nan=True)
    shift = "imagenet-sketch"
    np.testing.assert_allclose(table[er_column(shift)], (100 * robustness[f"eff_rob[{shift}]"]).round(2),
                               equal_nan=True)
    mid = "openclip:ViT-B-32/openai"
    lo, hi = 100 * robustness.loc[mid, f"eff_rob_lo[{shift}]"], 100 * robustness.loc[mid, f"eff_rob_hi[{shift}]"]
    assert table.loc[mid, ci_column(shift)] == f"[{lo:+.1f}, {hi:+.1f}]"
    lowacc = "openclip-lowacc:rn50-yfcc15m-15m"
    assert table.loc[lowacc, ci_column("imagenet-sketch")] == "" and np.isnan(table.loc[lowacc, MEAN_ER_COLUMN])


def test_interval_column_is_python_formatting(robustness: pd.DataFrame, table: pd.DataFrame) -> None:
    for shift in MAIN_SHIFTS:
        lo, hi = 100 * robustness[f"eff_rob_lo[{shift}]"], 100 * robustness[f"eff_rob_hi[{shift}]"]
        expected = ["" if np.isnan(a) or np.isnan(b) else f"[{a:+.1f}, {b:+.1f}]"
                    for a, b in zip(lo.reindex(table.index), hi.reindex(table.index))]
        column = table[ci_column(shift)]
        assert column.tolist() == expected and pd.api.types.is_string_dtype(column)
        assert column.dtype == table["Model"].dtype  # the same text dtype as the other text columns


def test_signed_tenths_is_exactly_python_formatting() -> None:
    rng = np.random.default_rng(3)
    ties = np.arange(-2000, 2001) / 20  # every half tenth (x.x5), rounded by Python on the binary value
    awkward = [0.0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.15, 0.25, 0.35, -0.45, 1e-320, -1e-320, 2.0 ** 60,
               -1e300, np.nan, np.inf, -np.inf, 999.95, 12.349999999999, 12.350000000001]
    values = np.concatenate([rng.normal(0, 15, 20_000), np.round(rng.normal(0, 15, 5_000), 2), ties, awkward])
    got = signed_tenths(values)
    assert got.tolist() == [f"{v:+.1f}" for v in values.tolist()]
    assert signed_tenths([]).shape == (0,) and signed_tenths(np.array([[0.26, -1.0]])).tolist() == ["+0.3", "-1.0"]


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
    assert len(by_id) == 5
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


# --- CSV -------------------------------------------------------------------------------------------------

def test_formula_cells_are_neutralised() -> None:
    s = pd.Series(["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "plain", "[−1.0, +2.0]", None],
                  dtype=object)
    out = neutralise_cells(s)
    assert out.tolist()[:5] == ["'=HYPERLINK(\"x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx"]
    assert out.iloc[5] == "plain" and out.iloc[6] == "[−1.0, +2.0]" and pd.isna(out.iloc[7])
    numbers = pd.Series([-1.5, 2.0, np.nan])
    assert neutralise_cells(numbers) is numbers


def test_safe_csv_round_trip() -> None:
    frame = pd.DataFrame({"Model": ["=cmd|' /C calc'!A0", "resnet50", "-evil"], "ER (pts)": [-1.25, 3.5, np.nan],
                          "=header": ["a", "@b", "c"]})
    text = safe_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert back.columns.tolist() == ["Model", "ER (pts)", "'=header"]
    assert back["Model"].tolist() == ["'=cmd|' /C calc'!A0", "resnet50", "'-evil"]
    np.testing.assert_allclose(back["ER (pts)"], [-1.25, 3.5, np.nan])
    assert back["'=header"].tolist() == ["a", "'@b", "c"]
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())


def test_csv_of_the_shown_table(table: pd.DataFrame) -> None:
    shown = sort_models(filter_models(table, ModelFilter(sources=("openclip-lowacc",))), "Model", False)
    back = pd.read_csv(io.StringIO(safe_csv(shown.reset_index(drop=True))), keep_default_na=False, na_values=[""])
    assert back.columns.tolist() == shown.columns.tolist() and len(back) == len(shown)
    np.testing.assert_allclose(back[IMAGENET_COLUMN], shown[IMAGENET_COLUMN])


# --- comparison ------------------------------------------------------------------------------------------

def test_compare_long(results: Results, table: pd.DataFrame) -> None:
    ids = ["testbed:resnet50", "openclip:ViT-B-32/openai"]
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
    ids = ["testbed:resnet50", "openclip:ViT-B-32/openai", "openclip-lowacc:rn50-yfcc15m-15m"]
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
        assert spec["data"][0]["hovertemplate"].startswith("&lt;b&gt;resnet &amp; co&lt;/b&gt;<br>")
        assert bool(spec["layout"].get("shapes")) == (metric == "robustness")  # the line at 0
    one = compare_figure(compare_long(results, table, ids[:1], "robustness", shifts=("imagenet-r",)), "robustness", "")
    assert list(one.layout.xaxis.categoryarray) == ["ImageNet-R"]  # layouts are copies, never shared
    assert len(compare_figure(frame, "robustness", "").layout.xaxis.categoryarray) == len(MAIN_SHIFTS)


# --- scaling -------------------------------------------------------------------------------------------

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
    assert len(pts) == int(has_x.sum()) and left == int((~has_x).sum()) and left > 0
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
    ref = a.points.set_index("model_id").loc[er["model_id"], "eff_rob"].to_numpy()
    np.testing.assert_allclose(er["eff_rob"], ref)
    summary = robustness_by_decade(er)
    assert summary["Models"].sum() == len(er)
    assert summary.index[0] == "100k–1M"


def test_si_number() -> None:
    assert [si_number(v) for v in (12.8e6, 1.28e9, 3.4e10, 6.6e12, 512)] == ["12.8M", "1.28B", "34B", "6.6T", "512"]
    assert si_number(float("nan")) == ""


# --- learning curves ---------------------------------------------------------------------------------

def test_learning_curves_load(results: Results) -> None:
    curves = load_learning_curves(model_ids=results.models["model_id"])
    assert set(curves["model_id"]) <= set(results.models.loc[results.models["source"] == "scaling-laws", "model_id"])
    assert curves["imagenet_top1"].between(0, 1).all() and (curves["epoch"] >= 0).all()
    assert not curves.duplicated(["model_id", "epoch"]).any()


def _curves(**over: list[object]) -> pd.DataFrame:
    data: dict[str, list[object]] = {"model_id": ["m", "m"], "epoch": ["1", "2"], "imagenet_top1": ["0.1", "0.2"],
                                     "imagenet_top5": ["0.3", None]}
    data.update(over)
    return pd.DataFrame(data)


def test_learning_curves_validation(tmp_path: Path) -> None:
    ok = validate_learning_curves(_curves())
    assert ok["epoch"].tolist() == [1, 2] and np.isnan(ok["samples_seen"]).all()
    with pytest.raises(ResultsError, match="file not found"):
        load_learning_curves(tmp_path)
    cases = [
        (_curves().drop(columns="epoch"), "missing column"),
        (_curves(imagenet_top1=["0.1", "x"]), "row 3.*imagenet_top1"),
        (_curves(imagenet_top1=["0.1", "55"]), "fraction"),
        (_curves(epoch=["1", "1.5"]), "whole number"),
        (_curves(epoch=["1", "1"]), "duplicated"),
        (_curves(model_id=["m", ""]), "empty model_id"),
    ]
    for frame, message in cases:
        with pytest.raises(ResultsError, match=message):
            validate_learning_curves(frame)
    with pytest.raises(ResultsError, match="not in the models table"):
        validate_learning_curves(_curves(), model_ids=["other"])
    _curves().to_csv(tmp_path / "learning_curves.csv", index=False)
    assert len(load_learning_curves(tmp_path, ["m"])) == 2


def test_robustness_by_shift_tolerates_missing_baselines(results: Results, robustness: pd.DataFrame) -> None:
    _, missing = robustness_by_shift(results, ("imagenetv2",), "testbed", "logit", n_resamples=50)
    assert missing == {}
    timm, missing = robustness_by_shift(results, MAIN_SHIFTS, "timm", "logit", n_resamples=200)
    assert list(missing) == ["objectnet"] and "at least 3" in missing["objectnet"]  # timm has no ObjectNet
    assert timm["eff_rob[objectnet]"].isna().all() and timm["eff_rob[mean]"].isna().all()
    assert timm["eff_rob[imagenet-r]"].notna().sum() > 1000
    assert list(timm.columns) == list(robustness.columns)
