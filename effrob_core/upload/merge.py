"""Reading uploaded files in whichever supported format, and merging their parts into one validated
:class:`~effrob_core.results.Results` of models with ids ``upload:<name>``, source ``upload`` and group
"Your models", plus notes on how the files were interpreted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..datasets import EVAL_SETS, IMAGENET
from ..results import (
    MODEL_COLUMNS,
    UPLOAD_GROUP,
    UPLOAD_SOURCE,
    Results,
    validate_evaluations,
    validate_models,
)
from .cells import check_delimiter, decode, read_rows
from .clip_benchmark import parse_clip_csv, parse_json
from .errors import UploadError, clean, quote, short_list
from .eval_sets import norm
from .part import FilePart
from .template import TEXT_COLUMNS, parse_template


ID_PREFIX = "upload:"


@dataclass(frozen=True)
class Upload:
    """Validated results of one or more uploaded files, with notes on how they were read."""

    results: Results
    notes: tuple[str, ...]
    files: tuple[str, ...]
    parts: tuple[FilePart, ...] = field(repr=False, default=())

    @property
    def n_models(self) -> int:
        """Number of models read."""
        return len(self.results.models)


def parse_part(name: str, data: bytes) -> FilePart:
    """Read one file in whichever supported format it is."""
    file = clean(name) or "(unnamed file)"
    text = decode(file, data)
    if file.lower().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return parse_json(file, text)
    rows = read_rows(file, text)
    if not rows:
        raise UploadError(file, "the file has no values (only separators); download the template for the "
                                "expected columns")
    header_line, header = rows[0]
    check_delimiter(file, header_line, header)
    normed = {norm(h) for h in header}
    if {"acc1", "dataset", "model"} <= normed:
        return parse_clip_csv(file, rows)
    return parse_template(file, rows)


def build(parts: Sequence[FilePart]) -> Upload:
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
        raise UploadError(b["file"], f"model {quote(a['name'])} already has a {a['eval_set']} accuracy in "
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
        notes.append(f"skipped {sum(tasks.values())} CLIP_benchmark result(s) of task(s) {short_list(sorted(tasks))} "
                     "(only zero-shot classification and linear-probe top-1 accuracy are used)")
    unknown = sorted({d for p in parts for d in p.skipped_sets})
    if unknown:
        notes.append(f"skipped {len(unknown)} dataset(s) not in the registry: {short_list(unknown)}")
    tagged = models.loc[models["samples_from_tag"].fillna(False).astype(bool), "name"].tolist()
    if tagged:
        notes.append(f"samples seen read from the pretrained tag (e.g. s34b = 34 billion) for {short_list(tagged, 5)}")
    no_x = models_v.loc[~models_v["model_id"].isin(evals_v.loc[evals_v["eval_set"] == IMAGENET, "model_id"]),
                        "display_name"].tolist()
    if no_x:
        notes.append(f"{len(no_x)} model(s) have no ImageNet accuracy and cannot be placed on the plots: {short_list(no_x)}")
    return Upload(Results(models_v, evals_v), tuple(notes), files, tuple(parts))


def parse_file(name: str, data: bytes) -> Upload:
    """Read one uploaded file (template CSV, CLIP_benchmark JSON or CSV); raises UploadError."""
    return build([parse_part(name, data)])


def merge_uploads(uploads: Sequence[Upload]) -> Upload:
    """Combine uploads into one; a model with the same evaluation set in two files is an UploadError."""
    return build([p for u in uploads for p in u.parts])


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
