"""The notebook API: published values, the same table as the command line, your own results added."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from effrob_core import api
from effrob_core.cli import main
from effrob_core.upload import UploadError
from tests.conftest import ROOT


def test_analyse_reproduces_the_testbed_sketch_line(results) -> None:
    a = api.analyse(results, "imagenet-sketch", n_resamples=10)
    assert isinstance(a.fit, api.PiecewiseLine)
    (piece,) = a.fit.pieces
    assert isinstance(piece.fit, api.LinearFit)
    assert (round(piece.fit.slope, 4), round(piece.fit.intercept, 4), a.fit.n) == (1.0709, -2.3701, 85)
    (row,) = (r for _, r in api.fit_table(a).iterrows())
    assert row["shift"] == "imagenet-sketch" and row["x_axis"] == "imagenet" and row["baseline"] == "testbed"
    assert row["slope"] == piece.fit.slope and row["n"] == 85 and pd.isna(row["fit_low"])
    two = api.fit_table(api.analyse(results, "imagenet-a", n_resamples=10))
    assert two["n"].tolist() == [33, 51] and two["applies_up_to"].iloc[0] == two["applies_above"].iloc[1]


def test_robustness_table_is_the_command_lines(results) -> None:
    a = api.analyse(results, "imagenet-r", n_resamples=200)
    table = api.robustness_table(a, models="/openai")
    out = io.StringIO()
    assert main(["robustness", "--shift", "imagenet-r", "--models", "/openai", "--format", "csv",
                 "--n-resamples", "200"], out, io.StringIO()) == 0
    cli = pd.read_csv(io.StringIO(out.getvalue()))
    assert list(table.columns) == list(api.ROBUSTNESS_COLUMNS) == list(cli.columns)
    assert table["model_id"].tolist() == cli["model_id"].tolist() and len(table) > 5
    pd.testing.assert_frame_equal(table.round(4).drop(columns=["model_id", "source", "group"]),
                                  cli.drop(columns=["model_id", "source", "group"]), check_exact=False, atol=1e-4)
    assert table["eff_rob_pct"].is_monotonic_decreasing


def test_add_results_joins_your_models_with_notes_as_warnings(results) -> None:
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        mine = api.add_results(results, ROOT / "tests" / "data" / "my_models.csv")
    added = mine.models[mine.models["group"] == "Your models"]
    assert len(added) >= 2 and added["model_id"].str.startswith("upload:").all()
    a = api.analyse(mine, "imagenet-sketch", n_resamples=10)
    assert a.fit.n == 85  # the baseline fit uses published models only
    assert "upload:my-rn50-cc3m" in set(api.robustness_table(a)["model_id"])
    same = api.add_results(results, ("my.csv", (ROOT / "tests" / "data" / "my_models.csv").read_bytes()))
    assert len(same.models) == len(mine.models)
    with pytest.raises(UploadError, match="bad.csv"):
        api.add_results(results, ("bad.csv", b"model,imagenet\nx,abc\n"))


def test_notebook_example_runs() -> None:
    proc = subprocess.run([sys.executable, "examples/notebook.py", "tests/data/my_models.csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "slope=1.0709" in proc.stdout and "Your models" in proc.stdout
