"""The sources registry mirrors results/README.md; counts come from the results; the evaluation-set table."""

from __future__ import annotations

from pathlib import Path

from effrob_core.datasets import EVAL_SETS
from effrob_core.results import UPLOAD_SOURCE, Results
from effrob_core.sources import SOURCES, UPLOADED, eval_set_table, source_models, source_summary

ROOT = Path(__file__).resolve().parents[1]


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
    same = listing.set_index("Model id")["Same weights as"]
    assert same["openclip-lowacc:rn50-yfcc15m-15m"] == "openclip:RN50-quickgelu/yfcc15m"
    assert (same.drop("openclip-lowacc:rn50-yfcc15m-15m") == "").all()
    testbed = source_models(results, "testbed").set_index("Model id")["Same weights as"]
    assert "scaling-laws:openai-ViT-B-32" in testbed["testbed:vit_b_32_clip_zeroshot"]


def test_eval_set_table_is_the_registry() -> None:
    t = eval_set_table()
    assert t["Key"].tolist() == list(EVAL_SETS)
    assert t.set_index("Key").loc["imagenet-r", "Class-matched x"] == "imagenet-r-classes"
    assert t.set_index("Key").loc["objectnet", "Images"] == EVAL_SETS["objectnet"].n_images


def test_ordered_sources_follow_the_registry_then_uploads_then_the_rest() -> None:
    from effrob_core.results import UPLOAD_SOURCE
    from effrob_core.sources import SOURCE_ORDER, ordered_sources

    assert SOURCE_ORDER == (*(s.key for s in SOURCES), UPLOAD_SOURCE)
    assert ordered_sources(["zzz", UPLOAD_SOURCE, "timm", "aaa", "testbed"]) == [
        "testbed", "timm", UPLOAD_SOURCE, "aaa", "zzz"]
    assert ordered_sources([]) == []
