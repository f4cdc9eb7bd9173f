"""CSV downloads neutralise text cells that a spreadsheet would run as formulas."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from effrob_core.safe_csv import neutralise_cells, safe_csv


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
