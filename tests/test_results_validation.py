"""Every class of bad results table gets its own clear error naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from effrob_core.results import MODEL_COLUMNS, ResultsError, load_results

MODELS = pd.DataFrame(
    [{c: "" for c in MODEL_COLUMNS} | {"model_id": f"m{i}", "display_name": f"m{i}", "source": "testbed",
                                      "group": "Standard training", "source_category": "Standard training",
                                      "digitized": "False"} for i in range(3)]
)
EVALS = pd.DataFrame({"model_id": ["m0", "m0", "m1"], "eval_set": ["imagenet", "imagenetv2", "imagenet"],
                      "top1": ["0.76", "0.64", "0.70"], "n_images": ["50000", "10000", "50000"]})


def _write(tmp: Path, models: pd.DataFrame = MODELS, evals: pd.DataFrame = EVALS) -> Path:
    models.to_csv(tmp / "models.csv", index=False)
    evals.to_csv(tmp / "evaluations.csv", index=False)
    return tmp


def test_valid_tables_load(tmp_path: Path) -> None:
    res = load_results(_write(tmp_path))
    assert len(res.models) == 3 and res.evaluations["top1"].dtype == float
    wide = res.wide()
    assert wide.loc["m0", "imagenetv2"] == 0.64 and pd.isna(wide.loc["m2", "imagenet"])


@pytest.mark.parametrize(
    ("column", "value", "row", "message"),
    [
        ("top1", "76.1", 3, "looks like a percentage"),
        ("top1", "140", 3, "outside \\[0, 1\\]"),
        ("top1", "-0.1", 3, "outside \\[0, 1\\]"),
        ("top1", "abc", 3, "'abc' is not a number"),
        ("top1", "", 3, "is not a number"),
        ("eval_set", "imagenet-z", 3, "unknown evaluation set 'imagenet-z'"),
        ("n_images", "12.5", 3, "not a positive whole number"),
        ("model_id", "nope", 3, "'nope' is not in the models table"),
    ],
)
def test_bad_evaluation_cells(tmp_path: Path, column: str, value: str, row: int, message: str) -> None:
    evals = EVALS.copy()
    evals.loc[1, column] = value
    with pytest.raises(ResultsError, match=message) as info:
        load_results(_write(tmp_path, evals=evals))
    assert f"row {row}" in str(info.value) and f"column {column!r}" in str(info.value)
    assert "evaluations.csv" in str(info.value)


def test_duplicated_evaluation_key(tmp_path: Path) -> None:
    evals = pd.concat([EVALS, EVALS.iloc[[2]]], ignore_index=True)
    with pytest.raises(ResultsError, match=r"row 5.*duplicated \(model_id, eval_set\) \('m1', 'imagenet'\)"):
        load_results(_write(tmp_path, evals=evals))


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="missing column\\(s\\) n_images"):
        load_results(_write(tmp_path, evals=EVALS.drop(columns="n_images")))
    with pytest.raises(ResultsError, match="models.csv: missing column\\(s\\) group"):
        load_results(_write(tmp_path, models=MODELS.drop(columns="group")))


def test_bad_model_rows(tmp_path: Path) -> None:
    dup = MODELS.copy()
    dup.loc[2, "model_id"] = "m0"
    with pytest.raises(ResultsError, match="row 4, column 'model_id': duplicated model_id 'm0'"):
        load_results(_write(tmp_path, models=dup))
    grp = MODELS.copy()
    grp.loc[0, "group"] = "Mystery"
    with pytest.raises(ResultsError, match="row 2, column 'group': unknown group 'Mystery'"):
        load_results(_write(tmp_path, models=grp))
    num = MODELS.copy()
    num.loc[1, "params_m"] = "many"
    with pytest.raises(ResultsError, match="row 3, column 'params_m': 'many' is not a number"):
        load_results(_write(tmp_path, models=num))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="file not found"):
        load_results(tmp_path)
    _write(tmp_path)
    (tmp_path / "evaluations.csv").write_bytes(b"model_id,eval_set\n\xff\xfe\xfa,x\n")
    with pytest.raises(ResultsError, match="not UTF-8"):
        load_results(tmp_path)
    (tmp_path / "evaluations.csv").write_text("")
    with pytest.raises(ResultsError, match="not a readable CSV"):
        load_results(tmp_path)


def test_learning_curves_load_and_validate(tmp_path: Path) -> None:
    from effrob_core.results import load_learning_curves

    curves = load_learning_curves()
    assert curves["model_id"].str.startswith("scaling-laws:").all() and curves["epoch"].min() >= 1
    assert curves["imagenet_top1"].between(0, 1).all()
    bad = pd.DataFrame({"model_id": ["a", "a"], "epoch": ["1", "1"], "samples_seen": ["10", "20"],
                        "imagenet_top1": ["0.1", "0.2"], "imagenet_top5": ["", ""]})
    bad.to_csv(tmp_path / "learning_curves.csv", index=False)
    with pytest.raises(ResultsError, match="row 3, column 'epoch': duplicated"):
        load_learning_curves(tmp_path)
    bad.loc[1, "epoch"] = "2"
    bad.loc[1, "imagenet_top1"] = "58.2"
    bad.to_csv(tmp_path / "learning_curves.csv", index=False)
    with pytest.raises(ResultsError, match="row 3, column 'imagenet_top1': 58.2 is not a fraction"):
        load_learning_curves(tmp_path)


@pytest.mark.parametrize(("links", "row", "message"), [
    ({"canonical_id": ["", "nope", ""], "also_in": ["", "", ""]}, 3, "'nope' is not a model_id"),
    ({"canonical_id": ["", "m0", "m1"], "also_in": ["m1", "m2", ""]}, 4, "is not a canonical row"),
    ({"canonical_id": ["", "m0", ""], "also_in": ["", "", ""]}, 2, "also_in of 'm0' lists nothing"),
    ({"canonical_id": ["", "m0", ""], "also_in": ["m1; m2", "", ""]}, 2, "also_in of 'm0' lists m1; m2"),
])
def test_broken_checkpoint_links_name_the_row(tmp_path: Path, links: dict[str, list[str]], row: int,
                                              message: str) -> None:
    with pytest.raises(ResultsError, match=message) as err:
        load_results(_write(tmp_path, MODELS.assign(**links)))
    assert err.value.row == row and err.value.column == "canonical_id"


def test_checkpoint_links_are_optional_and_validated(tmp_path: Path) -> None:
    assert (load_results(_write(tmp_path)).models["canonical_id"] == "").all()  # absent: every row its own
    res = load_results(_write(tmp_path, MODELS.assign(canonical_id=["", "m0", ""], also_in=["m1", "", ""])))
    assert res.models["canonical_id"].tolist() == ["", "m0", ""]
