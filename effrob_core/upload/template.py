"""The documented template CSV: one row per model, a model-name column, one column per evaluation set
and optional attribute columns; its reader and the example file offered for download."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from .cells import accuracy_column, check_widths, file_units, parse_counts, parse_names, parse_numbers, string_table
from .errors import UploadError, clean, quote
from .eval_sets import accepted_columns, eval_set_for, norm
from .part import FilePart


MODEL_NAME_COLUMNS: tuple[str, ...] = ("model", "model_name", "name")
TEXT_COLUMNS: tuple[str, ...] = ("architecture", "train_data")
NUMBER_COLUMNS: tuple[str, ...] = ("samples_seen", "params_m")
#: ``series`` names a training run (its rows are checkpoints, ordered by samples seen); ``group`` declares
#: how a model was trained, so that standard-trained uploads can make a baseline.
SERIES_COLUMNS: tuple[str, ...] = ("series", "group")
OPTIONAL_COLUMNS: tuple[str, ...] = TEXT_COLUMNS + NUMBER_COLUMNS + SERIES_COLUMNS
#: Accepted spellings of ``group`` values (compared after lower-casing, ``_`` and spaces as ``-``).
DECLARED_GROUPS: dict[str, tuple[str, ...]] = {
    "Standard training": ("standard", "standard-trained", "standard training"),
    "Zero-shot image-text": ("zero-shot", "zeroshot", "zero-shot image-text", "clip"),
    "Fine-tuned zero-shot": ("fine-tuned", "finetuned", "fine-tuned zero-shot"),
    "Robustness intervention": ("robust", "robustness intervention"),
    "Trained with more data": ("more data", "trained with more data"),
}
_GROUP_LOOKUP: dict[str, str] = {norm(a): g for g, aliases in DECLARED_GROUPS.items() for a in (g, *aliases)}


def declared_groups(file: str, column: str, cells: pd.Series, lines: pd.Series) -> pd.Series:
    """The group each row declares (blank = none); an unknown value is an error listing the choices."""
    text = cells.astype(str).str.strip()
    group = text.map(lambda v: _GROUP_LOOKUP.get(norm(v), None) if v else "")
    bad = group.isna()
    if bad.any():
        i = bad.to_numpy().argmax()
        raise UploadError(file, f"{quote(cells.iloc[i])} is not a group; write one of "
                                f"{', '.join(repr(a[0]) for a in DECLARED_GROUPS.values())} (or leave it empty)",
                          row=int(lines.iloc[i]), column=column)
    return group.astype(str)


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
    columns = {key: accuracy_column(file, header[j], frame[j], lines) for key, j in sets.items()}  # a handful
    percent = file_units(file, {header[sets[k]]: p for k, (_, p) in columns.items()}, header_line)
    if percent:
        notes.append(f"{file}: accuracies read as percentages (values above 1 or marked %) in every column: "
                     f"{', '.join(quote(header[j]) for j in sets.values())}")
    scores = [pd.DataFrame({"name": names, "eval_set": key, "top1": (values / 100 if percent else values).to_numpy(),
                            "file": file, "place": "row " + lines.astype(str)}) for key, (values, _) in columns.items()]
    models = pd.DataFrame({"name": names})
    for col in TEXT_COLUMNS:
        models[col] = frame[optional[col]].str.split().str.join(" ") if col in optional else ""
    models["samples_seen"] = (parse_counts(file, header[optional["samples_seen"]], frame[optional["samples_seen"]], lines)
                              if "samples_seen" in optional else np.nan)
    models["params_m"] = (parse_numbers(file, header[optional["params_m"]], frame[optional["params_m"]], lines)
                          if "params_m" in optional else np.nan)
    models["batch_size"] = np.nan
    models["samples_from_tag"] = False
    models["category"] = (declared_groups(file, header[optional["group"]], frame[optional["group"]], lines)
                          if "group" in optional else "")
    models["series"] = frame[optional["series"]].str.split().str.join(" ") if "series" in optional else ""
    in_series = (models["series"] != "").to_numpy()
    no_step = in_series & models["samples_seen"].isna().to_numpy()
    if no_step.any():
        i = int(no_step.argmax())
        raise UploadError(file, f"model {quote(names.iloc[i])} is in series {quote(models['series'].iloc[i])} but has "
                                "no samples_seen; a series is ordered by samples seen, so give it for every row of a "
                                "series", row=int(lines.iloc[i]), column=header[optional.get("samples_seen",
                                                                                             optional["series"])])
    models["series_step"] = np.where(in_series, models["samples_seen"], np.nan)
    return FilePart(file, pd.concat(scores, ignore_index=True), models, tuple(notes))


def template_csv() -> str:
    """A template CSV: the header with every documented column and two rows of made-up example values."""
    columns = ["model", "imagenet", "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a", "objectnet",
               "architecture", "train_data", "samples_seen", "params_m", "series", "group"]
    rows = [
        ["my-rn50-cc3m", "0.2012", "0.1705", "0.0933", "0.2281", "0.0211", "0.1130", "RN50", "CC3M", "3e8", "102",
         "", "zero-shot"],
        ["my-vitb32-mydata", "0.6450", "0.5680", "0.4210", "0.7030", "0.3020", "0.4500", "ViT-B-32", "my-data-100M",
         "1.28B", "151.3", "my-vitb32-run", "zero-shot"],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()
