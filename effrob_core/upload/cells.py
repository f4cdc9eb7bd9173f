"""Reading an uploaded file's text and CSV rows, and turning columns of cells into validated values
(accuracies, counts, numbers, model names); each problem raises an UploadError naming the cell."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd

from .errors import MAX_BYTES, MAX_NAME, MAX_ROWS, UploadError, quote


_COUNT = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?([kmbt]?)$", re.IGNORECASE)
_MULTIPLIER = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def decode(file: str, data: bytes) -> str:
    """UTF-8 text of a file (a BOM is accepted), refusing oversized, empty and binary files."""
    if len(data) > MAX_BYTES:
        raise UploadError(file, f"the file is {len(data) / 1e6:.1f} MB; files over {MAX_BYTES // 2**20} MB "
                                "are refused (split it into several files)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(file, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                                "save it as UTF-8 (spreadsheets: 'CSV UTF-8')") from None
    if "\x00" in text:
        raise UploadError(file, "contains NUL bytes, so it is not a text file; upload a CSV or JSON file")
    if not text.strip():
        raise UploadError(file, "the file is empty; download the template for the expected columns")
    return text


def read_rows(file: str, text: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with their line numbers (header included)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # an unclosed quote is an error, not the rest of the file
    rows: list[tuple[int, list[str]]] = []
    start = 1  # the line the record being read starts on
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((reader.line_num, record))
                if len(rows) > MAX_ROWS + 1:
                    raise UploadError(file, f"more than {MAX_ROWS:,} rows; split it into several files")
            start = reader.line_num + 1
    except csv.Error as exc:
        unclosed = "unexpected end of data" in str(exc)
        raise UploadError(file, "a quote opened on this line is never closed, so the rest of the file would be one "
                                "cell; close or remove it" if unclosed else
                                f"not a readable CSV ({exc}); check the quotes on this line",
                          row=start if unclosed else reader.line_num) from None
    return rows


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice (which value was meant is unknown)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for k, v in pairs:
        if k in seen:
            raise DuplicateKeyError(f"the key {quote(k)} appears twice in one object; keep one")
        seen[k] = v
    return seen


def load_json(text: str) -> object:
    """``json.loads`` that refuses an object with a repeated key (instead of keeping the last value)."""
    return json.loads(text, object_pairs_hook=_unique_keys)


def check_delimiter(file: str, line: int, header: list[str]) -> None:
    """A header with more semicolons, tabs or bars than cells means the wrong separator."""
    for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if sum(cell.count(sep) for cell in header) >= len(header):
            raise UploadError(file, f"the columns are separated by {label}; use commas "
                                    "(spreadsheets: save as 'CSV, comma-separated')", row=line)


def check_widths(file: str, rows: list[tuple[int, list[str]]], width: int) -> None:
    """Every data row needs as many cells as the header."""
    for line, record in rows:
        if len(record) != width:
            raise UploadError(file, f"this row has {len(record)} cells but the header has {width}; quote cells "
                                    "that contain commas and write decimals with a dot", row=line)


def accuracy_column(file: str, column: str, cells: pd.Series, lines: pd.Series) -> tuple[pd.Series, bool]:
    """The numbers of an accuracy column as written, and whether the column is in percent (a value above
    1 or marked ``%``). The unit is decided per file from every column: see :func:`file_units`."""
    text = cells.astype(str).str.strip()
    marked = text.str.endswith("%")
    core = text.str.replace(r"\s*%$", "", regex=True)
    values = pd.to_numeric(core.where(core.str.fullmatch(r"[-+]?[0-9.eE+-]+|[-+]?(?i:inf|infinity)")),
                           errors="coerce").astype(float)

    def fail(mask: pd.Series, message: str, **extra: str) -> None:
        if mask.any():
            i = mask.to_numpy().argmax()
            raise UploadError(file, message.format(v=quote(cells.iloc[i]), **extra), row=int(lines.iloc[i]),
                              column=column)

    fail(text == "", "empty accuracy cell; every model needs a value in every accuracy column "
                     "(put models with other evaluation sets in a separate file)")
    fail(core.str.lower().isin(("nan", "na", "n/a", "null", "none", "-", "?")),
         "{v} is a missing value (NaN); fill in the accuracy, or put this model in a separate file without the column")
    decimal_comma = core.str.fullmatch(r"[-+]?\d+,\d+")
    fail(values.isna() & decimal_comma, "{v} uses a decimal comma; write decimals with a dot")
    fail(values.isna(), "{v} is not a number; write accuracies as fractions (0.761) or percentages (76.1)")
    fail(~np.isfinite(values), "{v} is not a finite number")
    fail(values < 0, "{v} is negative; accuracies lie between 0 and 1 (or 0 and 100 percent)")
    fail(values > 100, "{v} is above 100; accuracies lie between 0 and 1 (or 0 and 100 percent)")
    percent = bool((values > 1).any() or marked.any())
    if not percent:
        return values, False
    big = (values > 1).to_numpy()
    example = (f"{quote(cells.iloc[big.argmax()])} in row {int(lines.iloc[big.argmax()])}" if big.any()
               else "marked with %")
    fail((values > 0) & (values <= 1) & ~marked,
         "{v} looks like a fraction but other values in this column are percentages ({e}); write the whole column "
         "as fractions (76.1 -> 0.761) or as percentages (0.761 -> 76.1)", e=example)
    return values, True


def file_units(file: str, columns: dict[str, bool], row: int) -> bool:
    """Whether a file's accuracy columns (name -> in percent) are all percentages; every column must use
    the same unit, else an UploadError names the columns of each unit (a low percentage such as ImageNet-A's
    0.8 is written ``0.8%`` when the other columns are percentages)."""
    percent = [c for c, p in columns.items() if p]
    fraction = [c for c, p in columns.items() if not p]
    if percent and fraction:
        raise UploadError(file, f"mixes units: column(s) {', '.join(map(quote, percent))} are percentages (values above 1 or "
                                f"marked %) but column(s) {', '.join(map(quote, fraction))} hold only values up to 1; write every "
                                "accuracy column as fractions (76.1 -> 0.761) or every one as percentages (a low "
                                "percentage such as 0.8 as 0.8%)", row=row)
    return bool(percent)


def parse_counts(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """Non-negative counts such as ``12800000``, ``1.28e9``, ``12.8M`` or ``34B`` (blank = unknown)."""
    text = cells.astype(str).str.strip().str.replace(r"[,_\s]", "", regex=True)
    parts = text.str.extract(_COUNT)
    bad = (text != "") & parts[0].isna()
    if bad.any():
        i = bad.to_numpy().argmax()
        raise UploadError(file, f"{quote(cells.iloc[i])} is not a count; write e.g. 12800000, 1.28e9 or 12.8M "
                                "(or leave it empty)", row=int(lines.iloc[i]), column=column)
    number = pd.to_numeric(parts[0], errors="coerce")
    exponent = pd.to_numeric(parts[1], errors="coerce").fillna(0).clip(-400, 400)
    mult = parts[2].fillna("").str.lower().map(_MULTIPLIER)
    with np.errstate(over="ignore"):
        values = (number * np.power(10.0, exponent) * mult).astype(float)
    fail = values.notna() & ~np.isfinite(values)
    if fail.any():
        i = fail.to_numpy().argmax()
        raise UploadError(file, f"{quote(cells.iloc[i])} is too large", row=int(lines.iloc[i]), column=column)
    return values


def parse_numbers(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """Non-negative finite numbers (blank = unknown)."""
    text = cells.astype(str).str.strip()
    values = pd.to_numeric(text.where(text.str.fullmatch(r"[-+]?[0-9.eE+-]+")), errors="coerce").astype(float)
    bad = (text != "") & (values.isna() | ~np.isfinite(values.fillna(0)) | (values < 0))
    if bad.any():
        i = bad.to_numpy().argmax()
        raise UploadError(file, f"{quote(cells.iloc[i])} is not a non-negative number (or leave it empty)",
                          row=int(lines.iloc[i]), column=column)
    return values


def parse_names(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """Model names with runs of white space collapsed; empty, overlong or repeated names are errors."""
    names = cells.astype(str).str.split().str.join(" ")
    empty = names == ""
    if empty.any():
        i = empty.to_numpy().argmax()
        raise UploadError(file, "empty model name; give every row a name", row=int(lines.iloc[i]), column=column)
    long = names.str.len() > MAX_NAME
    if long.any():
        i = long.to_numpy().argmax()
        raise UploadError(file, f"model name longer than {MAX_NAME} characters; shorten it",
                          row=int(lines.iloc[i]), column=column)
    dup = names.duplicated()
    if dup.any():
        i = dup.to_numpy().argmax()
        first = int(lines.iloc[(names == names.iloc[i]).to_numpy().argmax()])
        raise UploadError(file, f"model name {quote(names.iloc[i])} also appears in row {first}; "
                                "give each model one row with a unique name", row=int(lines.iloc[i]), column=column)
    return names


def string_table(rows: list[tuple[int, list[str]]], width: int) -> tuple[pd.DataFrame, pd.Series]:
    """Data rows as a string DataFrame with positional columns, and their line numbers."""
    frame = pd.DataFrame([r for _, r in rows], columns=range(width), dtype=object).fillna("").astype(str)
    return frame, pd.Series([line for line, _ in rows], dtype=int)
