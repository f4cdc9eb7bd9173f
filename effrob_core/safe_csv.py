"""CSV downloads that a spreadsheet cannot run: text cells that would start a formula are neutralised."""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cells(values: pd.Series) -> pd.Series:
    """Text cells starting with ``= + - @`` (or tab / carriage return) prefixed with a single quote.

    Numbers are left as numbers (a negative number is not a formula); missing values stay missing.
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    text = values.astype("string")
    risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
    return values.where(~risky, "'" + text)


def safe_csv(table: pd.DataFrame, index_label: str | None = None, float_format: str | None = None) -> str:
    """CSV text of ``table`` with every text cell (and the index, if written) neutralised; numbers are
    written with ``float_format`` (e.g. ``"%.4f"``) when given."""
    out = table.apply(neutralise_cells)
    out.columns = neutralise_cells(pd.Series(list(map(str, out.columns)), dtype=object)).tolist()
    if index_label is not None:
        out.index = pd.Index(neutralise_cells(pd.Series(out.index.astype(str), dtype=object)).to_numpy(),
                             name=index_label)
        return out.to_csv(index=True, float_format=float_format)
    return out.to_csv(index=False, float_format=float_format)

