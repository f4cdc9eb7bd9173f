"""Reading a researcher's own evaluation results into the same tables as the published ones.

Three formats are read: the documented template CSV (one row per model, one column per evaluation
set), CLIP_benchmark's per-run JSON files, and the CSV that ``clip_benchmark build`` writes. The
result is a validated :class:`~effrob_core.results.Results` whose models have ids ``upload:<name>``,
source ``upload`` and group "Your models", plus notes on how the files were interpreted. Every
problem raises one :class:`UploadError` whose message names the file, row and column and says what
to fix. Pure functions: nothing is written anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .datasets import EVAL_SETS, IMAGENET
from .ingest import openclip_train_data, tags_batch_size, tags_samples_seen
from .results import (
    MODEL_COLUMNS,
    UPLOAD_GROUP,
    UPLOAD_SOURCE,
    Results,
    validate_evaluations,
    validate_models,
)

MAX_BYTES = 10 * 1024 * 1024  # 10 MB per file
MAX_ROWS = 20_000  # data rows (CSV) or result objects (JSON) per file
MAX_NAME = 200  # characters in a model name
ID_PREFIX = "upload:"

MODEL_NAME_COLUMNS: tuple[str, ...] = ("model", "model_name", "name")
TEXT_COLUMNS: tuple[str, ...] = ("architecture", "train_data")
NUMBER_COLUMNS: tuple[str, ...] = ("samples_seen", "params_m")
OPTIONAL_COLUMNS: tuple[str, ...] = TEXT_COLUMNS + NUMBER_COLUMNS

#: CLIP_benchmark tasks that give a top-1 accuracy, and what they add to the model name.
CLIP_TASKS: dict[str, str] = {"zeroshot_classification": "", "linear_probe": " (linear probe)"}
CLIP_KEYS: tuple[str, ...] = ("dataset", "model", "pretrained", "task", "metrics")

#: Accepted spellings of each evaluation set besides its registry key (compared after lower-casing
#: and turning ``_`` and spaces into ``-``). CLIP_benchmark's dataset names are among them.
EVAL_SET_ALIASES: dict[str, tuple[str, ...]] = {
    "imagenet": ("imagenet1k", "imagenet-1k", "in1k", "in-1k", "imagenet-val", "ilsvrc2012"),
    "imagenetv2": ("imagenet-v2", "imagenetv2-matched-frequency", "inv2", "in-v2"),
    "imagenet-sketch": ("imagenetsketch", "sketch", "in-sketch"),
    "imagenet-r": ("imagenetr", "imagenet-rendition", "in-r"),
    "imagenet-a": ("imageneta", "imagenet-adversarial", "in-a"),
    "objectnet": ("object-net",),
    "imagenet-vid-robust": ("vid-robust",),
    "ytbb-robust": ("ytbb",),
    "imagenet-r-classes": ("val-on-imagenet-r-classes",),
    "imagenet-a-classes": ("val-on-imagenet-a-classes",),
}
_SUFFIXES = ("-top1", "-top-1", "-acc1", "-acc", "-accuracy")
_COUNT = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?([kmbt]?)$", re.IGNORECASE)
_MULTIPLIER = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def _norm(text: str) -> str:
    """Lower-case a column or dataset name and spell ``_`` and spaces as ``-``."""
    return re.sub(r"[-_\s]+", "-", str(text).strip().lower()).strip("-")


def _usable_sets() -> tuple[str, ...]:
    """Registry keys whose image count is known (needed for the accuracies' intervals)."""
    return tuple(k for k, s in EVAL_SETS.items() if s.n_images > 0)


USABLE_SETS: tuple[str, ...] = _usable_sets()
_LOOKUP: dict[str, str] = {
    **{_norm(a): k for k, aliases in EVAL_SET_ALIASES.items() if k in USABLE_SETS for a in aliases},
    **{_norm(k): k for k in USABLE_SETS},
}


def eval_set_for(name: str) -> str | None:
    """Registry key of an evaluation-set column or CLIP_benchmark dataset name (None when unknown).

    Accepts registry keys, the aliases in ``EVAL_SET_ALIASES``, a ``wds/`` prefix and a trailing
    ``_top1``/``_acc1``/``_acc``/``_accuracy``."""
    n = _norm(name)
    n = n[4:] if n.startswith("wds/") else n
    if n in _LOOKUP:
        return _LOOKUP[n]
    for suffix in _SUFFIXES:
        if n.endswith(suffix) and n[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[n[: -len(suffix)]]
    return None


def accepted_columns() -> dict[str, tuple[str, ...]]:
    """Each usable registry key with the other spellings accepted for it."""
    return {k: EVAL_SET_ALIASES.get(k, ()) for k in USABLE_SETS}


def _clean(text: object, limit: int = 120) -> str:
    """One-line, length-limited rendering of user text for a message."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _value(text: object) -> str:
    """A cell value quoted for a message."""
    return repr(_clean(text, 40))


class UploadError(ValueError):
    """An uploaded file cannot be read; the message names the file, row and column and what to fix."""

    def __init__(self, file: str, message: str, row: int | str | None = None, column: str | None = None,
                 label: str = "column"):
        row = int(row) if isinstance(row, (int, np.integer)) else (row or None)
        self.file, self.row, self.column = _clean(file) or "(unnamed file)", row, column
        place = "" if row is None else (f", row {row}" if isinstance(row, int) else f", {row}")
        col = "" if column is None else f", {label} {_value(column)}"
        super().__init__(f"{self.file}{place}{col}: {message}")


@dataclass(frozen=True)
class _Part:
    """One file's results before merging: long scores and per-model attributes."""

    file: str
    scores: pd.DataFrame  # name, eval_set, top1, file, place
    models: pd.DataFrame  # name, architecture, train_data, samples_seen, params_m, batch_size, samples_from_tag
    notes: tuple[str, ...]
    skipped_sets: tuple[str, ...] = ()  # CLIP_benchmark datasets not in the registry
    skipped_tasks: tuple[tuple[str, int], ...] = ()  # CLIP_benchmark tasks without a top-1 accuracy, with counts


@dataclass(frozen=True)
class Upload:
    """Validated results of one or more uploaded files, with notes on how they were read."""

    results: Results
    notes: tuple[str, ...]
    files: tuple[str, ...]
    parts: tuple[_Part, ...] = field(repr=False, default=())

    @property
    def n_models(self) -> int:
        """Number of models read."""
        return len(self.results.models)


# ---------------------------------------------------------------------------------------- reading


def _decode(file: str, data: bytes) -> str:
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


def _read_rows(file: str, text: str) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with their line numbers (header included)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((reader.line_num, record))
                if len(rows) > MAX_ROWS + 1:
                    raise UploadError(file, f"more than {MAX_ROWS:,} rows; split it into several files")
    except csv.Error as exc:
        raise UploadError(file, f"not a readable CSV ({exc}); check the quotes on this line",
                          row=reader.line_num) from None
    return rows


def _check_delimiter(file: str, line: int, header: list[str]) -> None:
    """A header with more semicolons, tabs or bars than cells means the wrong separator."""
    for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if sum(cell.count(sep) for cell in header) >= len(header):
            raise UploadError(file, f"the columns are separated by {label}; use commas "
                                    "(spreadsheets: save as 'CSV, comma-separated')", row=line)


def _check_widths(file: str, rows: list[tuple[int, list[str]]], width: int) -> None:
    """Every data row needs as many cells as the header."""
    for line, record in rows:
        if len(record) != width:
            raise UploadError(file, f"this row has {len(record)} cells but the header has {width}; quote cells "
                                    "that contain commas and write decimals with a dot", row=line)


def _known_columns_text() -> str:
    """The accepted column names, for error messages."""
    sets = "; ".join(f"{k} (or {', '.join(a)})" if a else k for k, a in accepted_columns().items())
    return (f"accuracy columns: {sets}; model name: {', '.join(MODEL_NAME_COLUMNS)}; "
            f"optional: {', '.join(OPTIONAL_COLUMNS)}")


def _accuracy_column(file: str, column: str, cells: pd.Series, lines: pd.Series) -> tuple[pd.Series, str | None]:
    """Fractions from a column of fractions or percentages; a note when read as percentages."""
    text = cells.astype(str).str.strip()
    marked = text.str.endswith("%")
    core = text.str.replace(r"\s*%$", "", regex=True)
    values = pd.to_numeric(core.where(core.str.fullmatch(r"[-+]?[0-9.eE+-]+|[-+]?(?i:inf|infinity)")),
                           errors="coerce").astype(float)

    def fail(mask: pd.Series, message: str, **extra: str) -> None:
        if mask.any():
            i = mask.to_numpy().argmax()
            raise UploadError(file, message.format(v=_value(cells.iloc[i]), **extra), row=int(lines.iloc[i]),
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
        return values, None
    big = (values > 1).to_numpy()
    example = (f"{_value(cells.iloc[big.argmax()])} in row {int(lines.iloc[big.argmax()])}" if big.any()
               else "marked with %")
    fail((values > 0) & (values <= 1) & ~marked,
         "{v} looks like a fraction but other values in this column are percentages ({e}); write the whole column "
         "as fractions (76.1 -> 0.761) or as percentages (0.761 -> 76.1)", e=example)
    return values / 100, f"{file}: column {column!r} read as percentages (values above 1)"


def _counts(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """Non-negative counts such as ``12800000``, ``1.28e9``, ``12.8M`` or ``34B`` (blank = unknown)."""
    text = cells.astype(str).str.strip().str.replace(r"[,_\s]", "", regex=True)
    parts = text.str.extract(_COUNT)
    bad = (text != "") & parts[0].isna()
    if bad.any():
        i = bad.to_numpy().argmax()
        raise UploadError(file, f"{_value(cells.iloc[i])} is not a count; write e.g. 12800000, 1.28e9 or 12.8M "
                                "(or leave it empty)", row=int(lines.iloc[i]), column=column)
    number = pd.to_numeric(parts[0], errors="coerce")
    exponent = pd.to_numeric(parts[1], errors="coerce").fillna(0).clip(-400, 400)
    mult = parts[2].fillna("").str.lower().map(_MULTIPLIER)
    with np.errstate(over="ignore"):
        values = (number * np.power(10.0, exponent) * mult).astype(float)
    fail = values.notna() & ~np.isfinite(values)
    if fail.any():
        i = fail.to_numpy().argmax()
        raise UploadError(file, f"{_value(cells.iloc[i])} is too large", row=int(lines.iloc[i]), column=column)
    return values


def _numbers(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """Non-negative finite numbers (blank = unknown)."""
    text = cells.astype(str).str.strip()
    values = pd.to_numeric(text.where(text.str.fullmatch(r"[-+]?[0-9.eE+-]+")), errors="coerce").astype(float)
    bad = (text != "") & (values.isna() | ~np.isfinite(values.fillna(0)) | (values < 0))
    if bad.any():
        i = bad.to_numpy().argmax()
        raise UploadError(file, f"{_value(cells.iloc[i])} is not a non-negative number (or leave it empty)",
                          row=int(lines.iloc[i]), column=column)
    return values


def _names(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
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
        raise UploadError(file, f"model name {_value(names.iloc[i])} also appears in row {first}; "
                                "give each model one row with a unique name", row=int(lines.iloc[i]), column=column)
    return names


def _table(rows: list[tuple[int, list[str]]], width: int) -> tuple[pd.DataFrame, pd.Series]:
    """Data rows as a string DataFrame with positional columns, and their line numbers."""
    frame = pd.DataFrame([r for _, r in rows], columns=range(width), dtype=object).fillna("").astype(str)
    return frame, pd.Series([line for line, _ in rows], dtype=int)


def _parse_template(file: str, rows: list[tuple[int, list[str]]]) -> _Part:
    """The template CSV: a model-name column, accuracy columns and optional attribute columns."""
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    data = rows[1:]
    _check_widths(file, data, len(header))
    frame, lines = _table(data, len(header))
    notes: list[str] = []
    name_cols, sets, optional, unknown, blank = [], {}, {}, [], []
    for j, h in enumerate(header):
        n = _norm(h)
        if h == "":
            blank.append(j)
        elif n in {_norm(c) for c in MODEL_NAME_COLUMNS}:
            name_cols.append(j)
        elif n in {_norm(c) for c in OPTIONAL_COLUMNS}:
            opt = next(c for c in OPTIONAL_COLUMNS if _norm(c) == n)
            if opt in optional:
                raise UploadError(file, f"columns {_value(header[optional[opt]])} and {_value(h)} are both {opt}; "
                                        "keep one",
                                  row=header_line, column=h)
            optional[opt] = j
        elif (key := eval_set_for(h)) is not None:
            if key in sets:
                raise UploadError(file, f"columns {_value(header[sets[key]])} and {_value(h)} both mean evaluation "
                                        f"set {key}; keep one", row=header_line, column=h)
            sets[key] = j
        else:
            unknown.append(h)
    for j in blank:
        if (frame[j].str.strip() != "").any():
            raise UploadError(file, f"column {j + 1} has values but no name in the header; name it",
                              row=header_line)
    if blank:
        notes.append(f"{file}: ignored {len(blank)} empty column(s) without a name")
    if unknown:
        raise UploadError(file, f"unknown column(s) {', '.join(map(_value, unknown))}; rename or remove them. "
                                f"Known columns: {_known_columns_text()}", row=header_line)
    if not name_cols:
        raise UploadError(file, "no model-name column; add a column named 'model' with one model per row "
                                f"(found {', '.join(map(_value, header))})", row=header_line)
    if len(name_cols) > 1:
        raise UploadError(file, f"several model-name columns ({', '.join(_clean(header[j], 40) for j in name_cols)}); keep one",
                          row=header_line)
    if not sets:
        raise UploadError(file, f"no accuracy columns; add at least one. Known columns: {_known_columns_text()}",
                          row=header_line)
    if frame.empty:
        raise UploadError(file, "the header has no data rows below it; add one row per model", row=header_line)
    name_col = header[name_cols[0]]
    names = _names(file, name_col, frame[name_cols[0]], lines)
    scores = []
    for key, j in sets.items():  # a handful of evaluation-set columns, each vectorised over rows
        top1, note = _accuracy_column(file, header[j], frame[j], lines)
        if note:
            notes.append(note)
        scores.append(pd.DataFrame({"name": names, "eval_set": key, "top1": top1.to_numpy(),
                                    "file": file, "place": "row " + lines.astype(str)}))
    models = pd.DataFrame({"name": names})
    for col in TEXT_COLUMNS:
        models[col] = frame[optional[col]].str.split().str.join(" ") if col in optional else ""
    models["samples_seen"] = (_counts(file, header[optional["samples_seen"]], frame[optional["samples_seen"]], lines)
                              if "samples_seen" in optional else np.nan)
    models["params_m"] = (_numbers(file, header[optional["params_m"]], frame[optional["params_m"]], lines)
                          if "params_m" in optional else np.nan)
    models["batch_size"] = np.nan
    models["samples_from_tag"] = False
    return _Part(file, pd.concat(scores, ignore_index=True), models, tuple(notes))


def _tag_info(pretrained: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Training data, samples seen and batch size read from OpenCLIP-style pretrained tags such as
    ``laion2b_s34b_b79k``, with the same rules as the published OpenCLIP models."""
    tag = pretrained.astype(str).str.strip().str.rsplit("/", n=1).str[-1]
    data = openclip_train_data(tag)
    data = data.where(data != "", pretrained.astype(str).str.strip())
    return data, tags_samples_seen(tag).astype(float), tags_batch_size(tag).astype(float)


def _list(items: Sequence[str], limit: int = 15) -> str:
    """Comma-separated, shortened after ``limit`` items."""
    shown = ", ".join(_clean(i, 60) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _clip_part(file: str, rec: pd.DataFrame, json_keys: bool = False) -> _Part:
    """Shared end of both CLIP_benchmark formats.

    ``rec`` has text columns ``model``, ``pretrained``, ``task``, ``dataset``, ``language``,
    ``fullname`` (may be empty) and ``acc1`` (text; None when absent), ``row`` (what an error names:
    a line number, ``"item N"`` or None) and ``place`` (the same as text). Errors name JSON keys
    (``metrics.acc1``) when ``json_keys``, else CSV columns."""
    key = rec["dataset"].map(eval_set_for)
    task_ok = rec["task"].isin(list(CLIP_TASKS))
    skipped_tasks = tuple(rec.loc[~task_ok, "task"].value_counts().sort_index().items())
    unknown = tuple(sorted(set(rec.loc[task_ok & key.isna(), "dataset"])))
    use = (task_ok & key.notna()).to_numpy()
    rec, key = rec[use].reset_index(drop=True), key[use].reset_index(drop=True)
    raw = rec["acc1"]
    text = raw.fillna("").astype(str).str.strip()
    number = pd.to_numeric(text.where(text.str.fullmatch(r"[-+]?[0-9.eE+-]+")), errors="coerce").astype(float)

    def fail(mask: pd.Series, message: str, column: str = "acc1") -> None:
        if mask.any():
            i = mask.to_numpy().argmax()
            col = f"metrics.{column}" if json_keys and column == "acc1" else column
            raise UploadError(file, message.format(v=_value(text.iloc[i]), d=_value(rec["dataset"].iloc[i])),
                              row=rec["row"].iloc[i], column=col, label="key" if json_keys else "column")

    fail(text == "", "no acc1 for dataset {d}; CLIP_benchmark classification results need metrics.acc1")
    fail(number.isna() | ~np.isfinite(number.fillna(0)),
         "acc1 {v} of dataset {d} is not a finite number; it should be a fraction between 0 and 1")
    fail((number < 0) | (number > 1), "acc1 {v} of dataset {d} is outside 0..1; CLIP_benchmark writes fractions")
    full = rec["fullname"].str.split().str.join(" ")
    base = full.where(full != "", (rec["model"] + " " + rec["pretrained"]).str.split().str.join(" "))
    lang = rec["language"].str.strip()
    suffix = np.where((lang != "") & (lang.str.lower() != "en"), " (" + lang + ")", "")
    name = base + suffix + rec["task"].map(CLIP_TASKS)
    fail(base == "", "empty model and pretrained names for dataset {d}", "model")
    fail(name.str.len() > MAX_NAME, f"model name longer than {MAX_NAME} characters; shorten it", "model")
    scores = pd.DataFrame({"name": name, "eval_set": key, "top1": number, "file": file, "place": rec["place"]})
    dup = scores.duplicated(["name", "eval_set"])
    if dup.any():
        i = dup.to_numpy().argmax()
        first = scores[(scores["name"] == name.iloc[i]) & (scores["eval_set"] == key.iloc[i])].index[0]
        raise UploadError(file, f"model {_value(name.iloc[i])} has a second {key.iloc[i]} result here "
                                f"(the first is at {rec['place'].iloc[first] or 'the top'}); keep one",
                          row=rec["row"].iloc[i], column="dataset", label="key" if json_keys else "column")
    data, samples, batch = _tag_info(rec["pretrained"])
    models = pd.DataFrame({"name": name, "architecture": rec["model"].str.strip(),
                           "train_data": data, "samples_seen": samples,
                           "params_m": np.nan, "batch_size": batch}).drop_duplicates("name")
    models["samples_from_tag"] = models["samples_seen"].notna()
    return _Part(file, scores, models.reset_index(drop=True), (), unknown, skipped_tasks)


def _parse_clip_csv(file: str, rows: list[tuple[int, list[str]]]) -> _Part:
    """The CSV ``clip_benchmark build`` writes: one row per model and dataset."""
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    _check_widths(file, rows[1:], len(header))
    frame, lines = _table(rows[1:], len(header))
    frame.columns = [_norm(h) for h in header]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    missing = [c for c in ("model", "pretrained", "dataset", "acc1") if c not in frame.columns]
    if missing:
        raise UploadError(file, f"looks like CLIP_benchmark output but lacks column(s) {', '.join(missing)}",
                          row=header_line)
    if frame.empty:
        raise UploadError(file, "the header has no data rows below it", row=header_line)

    def col(name: str, default: str = "") -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(default, index=frame.index)

    rec = pd.DataFrame({
        "model": col("model").str.strip(), "pretrained": col("pretrained").str.strip(),
        "task": col("task", "zeroshot_classification").str.strip().replace("", "zeroshot_classification"),
        "dataset": col("dataset").str.strip(), "language": col("language"),
        "fullname": col("model-fullname"), "acc1": col("acc1"), "row": lines.astype(object),
        "place": "row " + lines.astype(str),
    })
    return _clip_part(file, rec)


def _parse_json(file: str, text: str) -> _Part:
    """One CLIP_benchmark result object, or a list of them."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UploadError(file, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                                "upload the file CLIP_benchmark wrote, unchanged") from None
    except (ValueError, RecursionError) as exc:
        raise UploadError(file, f"not valid JSON ({_clean(exc, 80)})") from None
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise UploadError(file, "the JSON list is empty; it should hold CLIP_benchmark result objects")
    if len(items) > MAX_ROWS:
        raise UploadError(file, f"more than {MAX_ROWS:,} results; split it into several files")
    expected = '{"dataset": ..., "model": ..., "pretrained": ..., "task": ..., "metrics": {"acc1": ...}}'
    records: list[dict[str, Any]] = []
    for n, item in enumerate(items, start=1):  # parsing one result object at a time
        where = f"item {n}" if isinstance(doc, list) else None
        if not isinstance(item, dict):
            raise UploadError(file, f"not a CLIP_benchmark result: expected an object {expected}", row=where)
        for k in CLIP_KEYS:
            if k not in item:
                raise UploadError(file, f"not a CLIP_benchmark result: missing key {k!r}; expected {expected}",
                                  row=where, column=k, label="key")
        for k in ("dataset", "model", "pretrained", "task"):
            if not isinstance(item[k], str):
                raise UploadError(file, f"{k!r} should be text, not {type(item[k]).__name__}", row=where, column=k,
                                  label="key")
        if not isinstance(item["metrics"], dict):
            raise UploadError(file, "'metrics' should be an object such as {\"acc1\": 0.63}", row=where,
                              column="metrics", label="key")
        acc = item["metrics"].get("acc1")
        if isinstance(acc, bool) or not isinstance(acc, (int, float, str, type(None))):
            acc = f"<{type(acc).__name__}>"  # a boolean, list or object is not an accuracy
        elif isinstance(acc, int):
            acc = repr(float(acc)) if abs(acc) < 10**300 else "inf"
        elif isinstance(acc, float):
            acc = repr(acc)
        lang = item.get("language", "")
        records.append({"model": item["model"].strip(), "pretrained": item["pretrained"].strip(),
                        "task": item["task"].strip(), "dataset": item["dataset"].strip(),
                        "language": lang if isinstance(lang, str) else "", "fullname": "", "acc1": acc,
                        "row": where, "place": where or ""})
    rec = pd.DataFrame(records, dtype=object)
    for c in ("model", "pretrained", "task", "dataset", "language", "fullname", "place"):
        rec[c] = rec[c].astype(str)
    return _clip_part(file, rec, json_keys=True)


def _parse_part(name: str, data: bytes) -> _Part:
    """Read one file in whichever supported format it is."""
    file = _clean(name) or "(unnamed file)"
    text = _decode(file, data)
    if file.lower().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return _parse_json(file, text)
    rows = _read_rows(file, text)
    if not rows:
        raise UploadError(file, "the file has no values (only separators); download the template for the "
                                "expected columns")
    header_line, header = rows[0]
    _check_delimiter(file, header_line, header)
    normed = {_norm(h) for h in header}
    if {"acc1", "dataset", "model"} <= normed:
        return _parse_clip_csv(file, rows)
    return _parse_template(file, rows)


# ---------------------------------------------------------------------------------------- merging


def _build(parts: Sequence[_Part]) -> Upload:
    """Merge files' parts into one validated Upload; the same model and set in two places is an error."""
    files = tuple(p.file for p in parts)
    scores = pd.concat([p.scores for p in parts], ignore_index=True) if parts else pd.DataFrame(
        columns=["name", "eval_set", "top1", "file", "place"])
    dup = scores.duplicated(["name", "eval_set"], keep=False)
    if dup.any():
        i = dup.to_numpy().argmax()
        clash = scores[(scores["name"] == scores["name"].iloc[i]) & (scores["eval_set"] == scores["eval_set"].iloc[i])]
        a, b = clash.iloc[0], clash.iloc[1]
        where = f" ({a['place']})" if a["place"] else ""
        raise UploadError(b["file"], f"model {_value(a['name'])} already has a {a['eval_set']} accuracy in "
                                     f"{a['file']}{where}; remove one of the two", row=b["place"] or None)
    attrs = pd.concat([p.models for p in parts], ignore_index=True) if parts else pd.DataFrame(
        columns=["name", *TEXT_COLUMNS, "samples_seen", "params_m", "batch_size", "samples_from_tag"])
    attrs[list(TEXT_COLUMNS)] = attrs[list(TEXT_COLUMNS)].replace("", np.nan)
    models = attrs.groupby("name", sort=False).first().reset_index()
    origin = (scores[["name", "file"]].drop_duplicates().groupby("name", sort=False)["file"].agg(", ".join))
    ids = ID_PREFIX + models["name"].astype(str)
    table = pd.DataFrame({c: np.nan for c in MODEL_COLUMNS}, index=models.index).astype(object)
    table["model_id"] = ids
    table["display_name"] = models["name"]
    table["source"] = UPLOAD_SOURCE
    table["group"] = UPLOAD_GROUP
    table["source_category"] = models["name"].map(origin).fillna("")
    for c in (*TEXT_COLUMNS, "samples_seen", "params_m", "batch_size"):
        table[c] = models[c]
    table["digitized"] = False
    evals = pd.DataFrame({
        "model_id": ID_PREFIX + scores["name"].astype(str), "eval_set": scores["eval_set"],
        "top1": scores["top1"].astype(float),
        "n_images": scores["eval_set"].map({k: s.n_images for k, s in EVAL_SETS.items()}),
    })
    models_v = validate_models(table, "uploaded models", allow_upload=True)
    evals_v = validate_evaluations(evals, "uploaded evaluations", models_v["model_id"])
    notes = [n for p in parts for n in p.notes]
    tasks: dict[str, int] = {}
    for p in parts:
        for task, count in p.skipped_tasks:
            tasks[task] = tasks.get(task, 0) + int(count)
    if tasks:
        notes.append(f"skipped {sum(tasks.values())} CLIP_benchmark result(s) of task(s) {_list(sorted(tasks))} "
                     "(only zero-shot classification and linear-probe top-1 accuracy are used)")
    unknown = sorted({d for p in parts for d in p.skipped_sets})
    if unknown:
        notes.append(f"skipped {len(unknown)} dataset(s) not in the registry: {_list(unknown)}")
    tagged = models.loc[models["samples_from_tag"].fillna(False).astype(bool), "name"].tolist()
    if tagged:
        notes.append(f"samples seen read from the pretrained tag (e.g. s34b = 34 billion) for {_list(tagged, 5)}")
    no_x = models_v.loc[~models_v["model_id"].isin(evals_v.loc[evals_v["eval_set"] == IMAGENET, "model_id"]),
                        "display_name"].tolist()
    if no_x:
        notes.append(f"{len(no_x)} model(s) have no ImageNet accuracy and cannot be placed on the plots: {_list(no_x)}")
    return Upload(Results(models_v, evals_v), tuple(notes), files, tuple(parts))


def parse_file(name: str, data: bytes) -> Upload:
    """Read one uploaded file (template CSV, CLIP_benchmark JSON or CSV); raises UploadError."""
    return _build([_parse_part(name, data)])


def merge_uploads(uploads: Sequence[Upload]) -> Upload:
    """Combine uploads into one; a model with the same evaluation set in two files is an UploadError."""
    return _build([p for u in uploads for p in u.parts])


def parse_files(files: Sequence[tuple[str, bytes]]) -> Upload:
    """Read and combine several files, stopping at the first problem (raises UploadError)."""
    return merge_uploads([parse_file(name, data) for name, data in files])


def parse_files_lenient(files: Sequence[tuple[str, bytes]], keep: Sequence[Upload] = ()) -> tuple[
        Upload | None, list[Upload], list[UploadError]]:
    """Read files one by one on top of the uploads in ``keep``: the good ones load, each bad one gives an error.

    Returns the merged upload (None when nothing loaded), the per-file uploads kept (``keep`` first),
    and one UploadError per file that could not be read or clashes with a file loaded before it."""
    kept = list(keep)
    errors: list[UploadError] = []
    seen = {(m, s) for u in kept for p in u.parts for m, s in zip(p.scores["name"], p.scores["eval_set"])}
    for name, data in files:  # a few files
        try:
            upload = parse_file(name, data)
            keys = {(m, s) for p in upload.parts for m, s in zip(p.scores["name"], p.scores["eval_set"])}
            if keys & seen:
                merge_uploads([*kept, upload])  # raises the error that names both files
        except UploadError as exc:
            errors.append(exc)
            continue
        kept.append(upload)
        seen |= keys
    return (merge_uploads(kept) if kept else None), kept, errors


# ---------------------------------------------------------------------------------------- template


def template_csv() -> str:
    """A template CSV: the header with every documented column and two rows of made-up example values."""
    columns = ["model", "imagenet", "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a", "objectnet",
               "architecture", "train_data", "samples_seen", "params_m"]
    rows = [
        ["my-rn50-cc3m", "0.2012", "0.1705", "0.0933", "0.2281", "0.0211", "0.1130", "RN50", "CC3M", "3e8", "102"],
        ["my-vitb32-mydata", "0.6450", "0.5680", "0.4210", "0.7030", "0.3020", "0.4500", "ViT-B-32", "my-data-100M",
         "1.28B", "151.3"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()
