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
from .open_clip_logs import PARAMS_FILE, parse_run_files
from .template import TEXT_COLUMNS, parse_template


ID_PREFIX = "upload:"
UPLOAD_SERIES_PREFIX = "upload:"  # as effrob_core.series keys uploaded series
SERIES_TEXT: tuple[str, ...] = ("series", "category")
SERIES_NUMBERS: tuple[str, ...] = ("series_step", "epochs")


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

    def model_files(self) -> pd.Series:
        """The file(s) each model's accuracies come from, by model_id."""
        scores = pd.concat([p.scores[["name", "file"]] for p in self.parts], ignore_index=True)
        files = scores.drop_duplicates().groupby("name", sort=False)["file"].agg(", ".join)
        return (ID_PREFIX + self.results.models["display_name"]).map(
            files.rename(index=lambda n: ID_PREFIX + n)).fillna("").set_axis(self.results.models["model_id"])


def parse_part(name: str, data: bytes) -> FilePart:
    """Read one file in whichever supported format it is (an open_clip ``results.jsonl`` alone, without
    its params.txt: see :func:`parse_run`)."""
    file = clean(name) or "(unnamed file)"
    if file.lower().endswith(".jsonl"):
        return parse_run_files((name, data))
    if file.lower().endswith(".txt"):
        raise UploadError(file, f"a {PARAMS_FILE} is read together with its run's checkpoints/results.jsonl: "
                                "select both files in one upload")
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
    for c in (*SERIES_TEXT, *SERIES_NUMBERS):  # formats without series give none
        if c not in attrs.columns:
            attrs[c] = "" if c in SERIES_TEXT else np.nan
    attrs[[*TEXT_COLUMNS, *SERIES_TEXT]] = attrs[[*TEXT_COLUMNS, *SERIES_TEXT]].fillna("").replace("", np.nan)
    models = attrs.groupby("name", sort=False).first().reset_index()
    ids = ID_PREFIX + models["name"].astype(str)
    table = pd.DataFrame({c: np.nan for c in MODEL_COLUMNS}, index=models.index).astype(object)
    table["model_id"] = ids
    table["display_name"] = models["name"]
    table["source"] = UPLOAD_SOURCE
    table["group"] = UPLOAD_GROUP
    # an uploaded model's own category is the group its files declare (e.g. "Standard training")
    table["source_category"] = models["category"].fillna("")
    for c in (*TEXT_COLUMNS, "samples_seen", "params_m", "batch_size", "epochs", "series_step"):
        table[c] = models[c]
    series = models["series"].fillna("")
    table["series"] = np.where(series != "", UPLOAD_SERIES_PREFIX + series, "")
    check_series(table, scores)
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
    runs = sorted(set(series[series != ""]))
    if runs:
        notes.append(f"{len(runs)} series ({short_list(runs, 5)}): drawn as paths in order of samples seen (else epoch)")
    return Upload(Results(models_v, evals_v), tuple(notes), files, tuple(parts))


def check_series(table: pd.DataFrame, scores: pd.DataFrame) -> None:
    """Two models of one series at the same step (samples seen) are an error naming both."""
    s = table[table["series"] != ""]
    dup = s.duplicated(["series", "series_step"], keep=False)
    if dup.any():
        a, b = s[dup].iloc[0], s[dup & (s["series"] == s[dup].iloc[0]["series"])].iloc[1]
        where = scores.loc[scores["name"] == b["display_name"], ["file", "place"]].iloc[0]
        raise UploadError(where["file"], f"models {quote(a['display_name'])} and {quote(b['display_name'])} of series "
                                         f"{quote(a['series'].removeprefix(UPLOAD_SERIES_PREFIX))} are at the same "
                                         f"samples seen ({a['series_step']:,.0f}); give each checkpoint its own",
                          row=where["place"] or None)


def parse_file(name: str, data: bytes) -> Upload:
    """Read one uploaded file (template CSV, CLIP_benchmark JSON or CSV); raises UploadError."""
    return build([parse_part(name, data)])


def merge_uploads(uploads: Sequence[Upload]) -> Upload:
    """Combine uploads into one; a model with the same evaluation set in two files is an UploadError."""
    return build([p for u in uploads for p in u.parts])


def parse_run(results: tuple[str, bytes], params: tuple[str, bytes] | None = None, run_name: str | None = None,
              samples_per_epoch: float | None = None, fallback_name: str | None = None) -> Upload:
    """Read one open_clip run: its ``results.jsonl`` and, when there is one, its ``params.txt``; named
    ``run_name``, else params.txt's ``name``, else ``fallback_name`` (e.g. the log folder's name)."""
    return build([parse_run_files(results, params, run_name, samples_per_epoch, fallback_name)])


def pair_run_files(files: Sequence[tuple[str, bytes]]) -> tuple[
        list[tuple[tuple[str, bytes], tuple[str, bytes] | None]], list[tuple[str, bytes]], list[UploadError]]:
    """Split files into open_clip runs (each ``.jsonl`` with the ``params.txt`` uploaded beside it), the
    other files, and errors for ``params.txt`` files that cannot be paired with exactly one run."""
    logs = [f for f in files if f[0].lower().endswith(".jsonl")]
    params = [f for f in files if f[0].lower().endswith(".txt")]
    others = [f for f in files if f not in logs and f not in params]
    if len(params) == 1 and len(logs) == 1:
        return [(logs[0], params[0])], others, []
    errors = [UploadError(clean(p[0]) or PARAMS_FILE,
                          "cannot tell which run this params.txt belongs to: upload one run at a time (its "
                          "checkpoints/results.jsonl and params.txt together)" if logs else
                          "a params.txt is read together with its run's checkpoints/results.jsonl: select both")
              for p in params]
    return [(log, None) for log in logs], others, errors


def parse_files(files: Sequence[tuple[str, bytes]]) -> Upload:
    """Read and combine several files, stopping at the first problem (raises UploadError)."""
    return merge_uploads([parse_file(name, data) for name, data in files])


def parse_files_lenient(files: Sequence[tuple[str, bytes]], keep: Sequence[Upload] = (), run_name: str | None = None,
                        samples_per_epoch: float | None = None) -> tuple[
        Upload | None, list[Upload], list[UploadError]]:
    """Read files one by one on top of the uploads in ``keep``: the good ones load, each bad one gives an error.

    An open_clip ``results.jsonl`` is read with the ``params.txt`` selected beside it (one run per
    upload); ``run_name`` and ``samples_per_epoch`` apply to runs (the latter only without
    ``train_num_samples``).

    Returns the merged upload (None when nothing loaded), the per-file uploads kept (``keep`` first),
    and one UploadError per file that could not be read or clashes with a file loaded before it."""
    kept = list(keep)
    runs, others, errors = pair_run_files(files)
    seen = {(m, s) for u in kept for p in u.parts for m, s in zip(p.scores["name"], p.scores["eval_set"])}
    readers = [(lambda r=r: parse_run(r[0], r[1], run_name, samples_per_epoch)) for r in runs]
    readers += [(lambda f=f: parse_file(*f)) for f in others]
    for read in readers:  # a few files
        try:
            upload = read()
            keys = {(m, s) for p in upload.parts for m, s in zip(p.scores["name"], p.scores["eval_set"])}
            if keys & seen:
                merge_uploads([*kept, upload])  # raises the error that names both files
        except UploadError as exc:
            errors.append(exc)
            continue
        kept.append(upload)
        seen |= keys
    return (merge_uploads(kept) if kept else None), kept, errors
