"""The documented template CSV: one row per model, a model-name column, one column per evaluation set
and optional attribute columns; its reader and the example file offered for download."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from .cells import accuracy_column, check_widths, parse_counts, parse_names, parse_numbers, string_table
from .errors import UploadError, clean, quote
from .eval_sets import accepted_columns, eval_set_for, norm
from .part import FilePart


MODEL_NAME_COLUMNS: tuple[str, ...] = ("model", "model_name", "name")
TEXT_COLUMNS: tuple[str, ...] = ("architecture", "train_data")
NUMBER_COLUMNS: tuple[str, ...] = ("samples_seen", "params_m")
OPTIONAL_COLUMNS: tuple[str, ...] = TEXT_COLUMNS + NUMBER_COLUMNS


def known_columns_text() -> str:
    """The accepted column names, for error messages."""
    sets = "; ".join(f"{k} (or {', '.join(a)})" if a else k for k, a in accepted_columns().items())
    return (f"accuracy columns: {sets}; model name: {', '.join(MODEL_NAME_COLUMNS)}; "
            f"optional: {', '.join(OPTIONAL_COLUMNS)}")


def parse_template(file: str, rows: list[tuple[int, list[str]]]) -> FilePart:
    """The template CSV: a model-name column, accuracy columns and optional attribute columns."""
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    data = rows[1:]
    check_widths(file, data, len(header))
    frame, lines = string_table(data, len(header))
    notes: list[str] = []
    name_cols, sets, optional, unknown, blank = [], {}, {}, [], []
    for j, h in enumerate(header):
        n = norm(h)
        if h == "":
            blank.append(j)
        elif n in {norm(c) for c in MODEL_NAME_COLUMNS}:
            name_cols.append(j)
        elif n in {norm(c) for c in OPTIONAL_COLUMNS}:
            opt = next(c for c in OPTIONAL_COLUMNS if norm(c) == n)
            if opt in optional:
                raise UploadError(file, f"columns {quote(header[optional[opt]])} and {quote(h)} are both {opt}; "
                                        "keep one",
                                  row=header_line, column=h)
            optional[opt] = j
        elif (key := eval_set_for(h)) is not None:
            if key in sets:
                raise UploadError(file, f"columns {quote(header[sets[key]])} and {quote(h)} both mean evaluation "
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
        raise UploadError(file, f"unknown column(s) {', '.join(map(quote, unknown))}; rename or remove them. "
                                f"Known columns: {known_columns_text()}", row=header_line)
    if not name_cols:
        raise UploadError(file, "no model-name column; add a column named 'model' with one model per row "
                                f"(found {', '.join(map(quote, header))})", row=header_line)
    if len(name_cols) > 1:
        raise UploadError(file, f"several model-name columns ({', '.join(clean(header[j], 40) for j in name_cols)}); keep one",
                          row=header_line)
    if not sets:
        raise UploadError(file, f"no accuracy columns; add at least one. Known columns: {known_columns_text()}",
                          row=header_line)
    if frame.empty:
        raise UploadError(file, "the header has no data rows below it; add one row per model", row=header_line)
    name_col = header[name_cols[0]]
    names = parse_names(file, name_col, frame[name_cols[0]], lines)
    scores = []
    for key, j in sets.items():  # a handful of evaluation-set columns, each vectorised over rows
        top1, note = accuracy_column(file, header[j], frame[j], lines)
        if note:
            notes.append(note)
        scores.append(pd.DataFrame({"name": names, "eval_set": key, "top1": top1.to_numpy(),
                                    "file": file, "place": "row " + lines.astype(str)}))
    models = pd.DataFrame({"name": names})
    for col in TEXT_COLUMNS:
        models[col] = frame[optional[col]].str.split().str.join(" ") if col in optional else ""
    models["samples_seen"] = (parse_counts(file, header[optional["samples_seen"]], frame[optional["samples_seen"]], lines)
                              if "samples_seen" in optional else np.nan)
    models["params_m"] = (parse_numbers(file, header[optional["params_m"]], frame[optional["params_m"]], lines)
                          if "params_m" in optional else np.nan)
    models["batch_size"] = np.nan
    models["samples_from_tag"] = False
    return FilePart(file, pd.concat(scores, ignore_index=True), models, tuple(notes))


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
