"""The per-epoch learning curves load and are validated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effrob_core.results import Results, ResultsError, load_learning_curves, validate_learning_curves


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
