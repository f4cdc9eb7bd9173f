"""CLIP_benchmark's output: the per-run JSON result objects and the CSV that ``clip_benchmark build``
writes (one row per model and dataset)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..ingest import openclip_train_data, tags_batch_size, tags_samples_seen
from .cells import DuplicateKeyError, check_widths, load_json, string_table
from .errors import MAX_NAME, MAX_ROWS, UploadError, clean, quote
from .eval_sets import eval_set_for, norm
from .part import FilePart


#: CLIP_benchmark tasks that give a top-1 accuracy, and what they add to the model name.
CLIP_TASKS: dict[str, str] = {"zeroshot_classification": "", "linear_probe": " (linear probe)"}
CLIP_KEYS: tuple[str, ...] = ("dataset", "model", "pretrained", "task", "metrics")
ZERO_SHOT = "Zero-shot image-text"
#: Largest counts a pretrained tag may state: samples seen (``_s34b``) and global batch size (``_b79k``).
#: Far above any published run (tens of billions of samples, batches of 160k) and far below where the
#: numbers stop being exact or overflow.
MAX_TAG_SAMPLES = 10**15
MAX_TAG_BATCH = 10**8
_TAG_COUNTS = ((r"(?:^|_)s(\d+)([mb])(?:_|$)", {"m": 1e6, "b": 1e9}, MAX_TAG_SAMPLES, "samples seen"),
               (r"(?:^|_)b(\d+)(k?)(?:_|$)", {"k": 1e3, "": 1.0}, MAX_TAG_BATCH, "batch size"))


def check_tag_counts(file: str, rec: pd.DataFrame, json_keys: bool = False) -> None:
    """Refuse a pretrained tag whose samples seen or batch size is out of bounds (``x_s99999999999999999999b``),
    naming the row and the tag, instead of overflowing or wrapping to a negative count."""
    tag = rec["pretrained"].astype(str).str.strip().str.rsplit("/", n=1).str[-1]
    for pattern, multiplier, bound, what in _TAG_COUNTS:  # two kinds of count
        found = tag.str.extract(pattern)
        value = found[0].astype(float) * found[1].map(multiplier)
        over = (value > bound).to_numpy()
        if over.any():
            i = int(over.argmax())
            raise UploadError(file, f"pretrained tag {quote(tag.iloc[i])} states a {what} of {value.iloc[i]:.3g}, "
                                    f"above the {bound:.0e} this reads; check the tag",
                              row=rec["row"].iloc[i], column="pretrained", label="key" if json_keys else "column")


def tag_info(pretrained: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Training data, samples seen and batch size read from OpenCLIP-style pretrained tags such as
    ``laion2b_s34b_b79k``, with the same rules as the published OpenCLIP models."""
    tag = pretrained.astype(str).str.strip().str.rsplit("/", n=1).str[-1]
    data = openclip_train_data(tag)
    data = data.where(data != "", pretrained.astype(str).str.strip())
    return data, tags_samples_seen(tag).astype(float), tags_batch_size(tag).astype(float)


def clip_part(file: str, rec: pd.DataFrame, json_keys: bool = False) -> FilePart:
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
            raise UploadError(file, message.format(v=quote(text.iloc[i]), d=quote(rec["dataset"].iloc[i])),
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
        raise UploadError(file, f"model {quote(name.iloc[i])} has a second {key.iloc[i]} result here "
                                f"(the first is at {rec['place'].iloc[first] or 'the top'}); keep one",
                          row=rec["row"].iloc[i], column="dataset", label="key" if json_keys else "column")
    check_tag_counts(file, rec, json_keys)
    data, samples, batch = tag_info(rec["pretrained"])
    series, step = checkpoint_series(rec["pretrained"], samples)
    models = pd.DataFrame({"name": name, "architecture": rec["model"].str.strip(),
                           "train_data": data, "samples_seen": samples,
                           "params_m": np.nan, "batch_size": batch, "series": series, "series_step": step,
                           "category": np.where(rec["task"] == "zeroshot_classification", ZERO_SHOT, "")
                           }).drop_duplicates("name")
    models["samples_from_tag"] = models["samples_seen"].notna()
    return FilePart(file, scores, models.reset_index(drop=True), (), unknown, skipped_tasks)


def checkpoint_series(pretrained: pd.Series, samples: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Series of CLIP_benchmark results whose ``pretrained`` is a checkpoint path: checkpoints in one run
    folder (``<run>/checkpoints/epoch_N.pt`` or ``<run>/epoch_N.pt``) form the series ``<run>``, ordered
    by samples seen when known, else by the epoch in the file name (the files of several checkpoints
    join one series when merged). Blank for other results and for checkpoints without an epoch number."""
    path = pretrained.astype(str).str.strip().str.replace("\\", "/", regex=False)
    parts = path.str.split("/")
    base = parts.str[-1]
    parent = parts.str[-2].fillna("")
    run = parent.where(parent != "checkpoints", parts.str[-3].fillna(""))
    epoch = pd.to_numeric(base.str.extract(r"epoch_(\d+)", expand=False), errors="coerce")
    step = samples.where(samples.notna(), epoch)
    is_ckpt = (path.str.contains("/", regex=False) & (run != "") & step.notna()).to_numpy()
    series = run.where(is_ckpt, "")
    return series, step.where(series != "")


def parse_clip_csv(file: str, rows: list[tuple[int, list[str]]]) -> FilePart:
    """The CSV ``clip_benchmark build`` writes: one row per model and dataset."""
    header_line, header = rows[0]
    header = [h.strip() for h in header]
    check_widths(file, rows[1:], len(header))
    frame, lines = string_table(rows[1:], len(header))
    frame.columns = [norm(h) for h in header]
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
    return clip_part(file, rec)


def parse_json(file: str, text: str) -> FilePart:
    """One CLIP_benchmark result object, or a list of them."""
    try:
        doc = load_json(text)
    except DuplicateKeyError as exc:
        raise UploadError(file, f"not valid CLIP_benchmark output: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UploadError(file, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                                "upload the file CLIP_benchmark wrote, unchanged") from None
    except (ValueError, RecursionError) as exc:
        raise UploadError(file, f"not valid JSON ({clean(exc, 80)})") from None
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
    return clip_part(file, rec, json_keys=True)
