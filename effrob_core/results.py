"""Loading and validating the results tables (``results/models.csv`` and ``results/evaluations.csv``).

Every problem is reported as a :class:`ResultsError` naming the file, the row (1-based line number
in the CSV, header = line 1) and the column; nothing is dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .checkpoints import CHECKPOINT_COLUMNS, check_links
from .datasets import EVAL_SETS


def _default_results_dir() -> Path:
    """The copy of ``results/`` installed with the package (``pip install`` puts it in
    ``effrob_core/published_results/``, see pyproject.toml), else the repository's ``results/``."""
    here = Path(__file__).resolve().parent
    installed = here / "published_results"
    return installed if (installed / "models.csv").is_file() else here.parent / "results"


#: Where the published tables are read from by default (``$EFFROB_RESULTS_DIR`` overrides it).
RESULTS_DIR = _default_results_dir()

MODEL_COLUMNS: tuple[str, ...] = (
    "model_id", "display_name", "source", "group", "source_category", "architecture", "train_data",
    "samples_seen", "train_images", "epochs", "batch_size", "params_m", "gflops",
    "compute_gmacs_total", "image_size", "digitized", "series", "series_step",
)
MODEL_NUMERIC: tuple[str, ...] = (
    "samples_seen", "train_images", "epochs", "batch_size", "params_m", "gflops",
    "compute_gmacs_total", "image_size", "series_step",
)
EVAL_COLUMNS: tuple[str, ...] = ("model_id", "eval_set", "top1", "n_images")

GROUPS: tuple[str, ...] = (
    "Standard training", "Robustness intervention", "Trained with more data",
    "Zero-shot image-text", "Fine-tuned zero-shot", "Low accuracy & reference", "Fine-tuned for another task",
)
#: Source and group of models a user uploads for their own browser session (never in the published tables).
UPLOAD_SOURCE = "upload"
UPLOAD_GROUP = "Your models"


class ResultsError(ValueError):
    """A results table is malformed; the message names the file, row and column."""

    def __init__(self, where: str, message: str, row: int | None = None, column: str | None = None):
        self.where, self.row, self.column = where, row, column
        loc = where + (f", row {row}" if row is not None else "") + (
            f", column {column!r}" if column is not None else "")
        super().__init__(f"{loc}: {message}")


def _csv_row(index: object) -> int:
    """Line number in the CSV file of a 0-based data row (the header is line 1)."""
    return int(index) + 2  # type: ignore[call-overload]


def _require_columns(df: pd.DataFrame, required: tuple[str, ...], where: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ResultsError(where, f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}")


def _numeric(df: pd.DataFrame, column: str, where: str, *, required: bool) -> pd.Series:
    """Column as floats; a value that is not a number is an error naming its row."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if required:
        bad |= values.isna()
    if bad.any():
        i = bad.idxmax()
        raise ResultsError(where, f"{raw[i]!r} is not a number", _csv_row(i), column)
    return values.astype(float)


def validate_models(df: pd.DataFrame, where: str = "models table", allow_upload: bool = False) -> pd.DataFrame:
    """Check a models table and return it with typed columns.

    Group ``UPLOAD_GROUP`` is accepted only with ``allow_upload`` and only on rows of source ``UPLOAD_SOURCE``."""
    _require_columns(df, MODEL_COLUMNS, where)
    out = df.copy()
    ids = out["model_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        raise ResultsError(where, "empty model_id", _csv_row(blank.idxmax()), "model_id")
    dup = ids.duplicated()
    if dup.any():
        i = dup.idxmax()
        raise ResultsError(where, f"duplicated model_id {ids[i]!r}", _csv_row(i), "model_id")
    unknown = ~out["group"].isin(GROUPS)
    if allow_upload:
        unknown &= ~((out["group"] == UPLOAD_GROUP) & (out["source"] == UPLOAD_SOURCE))
    if unknown.any():
        i = unknown.idxmax()
        raise ResultsError(where, f"unknown group {out['group'][i]!r}; expected one of {', '.join(GROUPS)}",
                           _csv_row(i), "group")
    for col in MODEL_NUMERIC:
        out[col] = _numeric(out, col, where, required=False)
    for col in ("display_name", "source", "source_category", "architecture", "train_data", "series"):
        out[col] = out[col].fillna("").astype(str)
    out["digitized"] = out["digitized"].astype(str).str.lower().isin(("true", "1"))
    for col in CHECKPOINT_COLUMNS:  # optional: one entry per checkpoint (effrob_core.checkpoints)
        out[col] = out[col].fillna("").astype(str).str.strip() if col in out.columns else ""
    broken = check_links(out)
    if broken is not None:
        raise ResultsError(where, broken[1], _csv_row(out.index[broken[0]]), "canonical_id")
    return out.reset_index(drop=True)


def validate_evaluations(
    df: pd.DataFrame, where: str = "evaluations table", model_ids: pd.Series | None = None
) -> pd.DataFrame:
    """Check an evaluations table (model_id, eval_set, top1 fraction, n_images) and return it typed."""
    _require_columns(df, EVAL_COLUMNS, where)
    out = df.copy()
    unknown = ~out["eval_set"].isin(EVAL_SETS)
    if unknown.any():
        i = unknown.idxmax()
        raise ResultsError(where, f"unknown evaluation set {out['eval_set'][i]!r}; known: {', '.join(EVAL_SETS)}",
                           _csv_row(i), "eval_set")
    top1 = _numeric(out, "top1", where, required=True)
    pct = (top1 > 1) & (top1 <= 100)
    if pct.any():
        i = pct.idxmax()
        raise ResultsError(where, f"top1 {top1[i]:g} looks like a percentage; expected a fraction in [0, 1]",
                           _csv_row(i), "top1")
    outside = (top1 < 0) | (top1 > 1)
    if outside.any():
        i = outside.idxmax()
        raise ResultsError(where, f"top1 {top1[i]:g} is outside [0, 1]", _csv_row(i), "top1")
    n = _numeric(out, "n_images", where, required=True)
    bad_n = (n <= 0) | (n != np.floor(n))
    if bad_n.any():
        i = bad_n.idxmax()
        raise ResultsError(where, f"n_images {n[i]:g} is not a positive whole number", _csv_row(i), "n_images")
    dup = out.duplicated(["model_id", "eval_set"])
    if dup.any():
        i = dup.idxmax()
        raise ResultsError(where, f"duplicated (model_id, eval_set) ({out['model_id'][i]!r}, {out['eval_set'][i]!r})",
                           _csv_row(i), "model_id")
    if model_ids is not None:
        orphan = ~out["model_id"].isin(model_ids)
        if orphan.any():
            i = orphan.idxmax()
            raise ResultsError(where, f"model_id {out['model_id'][i]!r} is not in the models table",
                               _csv_row(i), "model_id")
    out["top1"] = top1
    out["n_images"] = n.astype(int)
    return out.reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as text columns, turning I/O and parse failures into ResultsError."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise ResultsError(str(path), "file not found") from None
    except UnicodeDecodeError:
        raise ResultsError(str(path), "not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ResultsError(str(path), f"not a readable CSV ({exc})") from None


@dataclass(frozen=True)
class Results:
    """The validated models and evaluations tables."""

    models: pd.DataFrame
    evaluations: pd.DataFrame
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def wide(self, value: str = "top1") -> pd.DataFrame:
        """One row per model (indexed by model_id, in models order), one column per evaluation set.

        Pivoted once per value and kept (the tables are not modified after loading); a copy is returned.
        """
        if ("wide", value) not in self._memo:
            table = self.evaluations.pivot(index="model_id", columns="eval_set", values=value)
            self._memo["wide", value] = table.reindex(index=self.models["model_id"], columns=list(EVAL_SETS))
        return self._memo["wide", value].copy()

    def fingerprint(self) -> str:
        """A short string that changes whenever the models or evaluations change (a cache key).

        Computed once (the tables are not modified after loading).
        """
        if ("fingerprint", "") not in self._memo:
            ids = pd.util.hash_pandas_object(self.models["model_id"], index=False).to_numpy()
            ev = pd.util.hash_pandas_object(self.evaluations[list(EVAL_COLUMNS)], index=False).to_numpy()
            self._memo["fingerprint", ""] = (f"{len(ids)}:{len(ev)}:{int(ids.sum(dtype=np.uint64))}:"
                                             f"{int(ev.sum(dtype=np.uint64))}")
        return self._memo["fingerprint", ""]

    def combine(self, other: "Results") -> "Results":
        """Both tables with ``other``'s rows appended; model ids must not collide."""
        models = pd.concat([self.models, other.models], ignore_index=True)
        clash = models["model_id"].duplicated()
        if clash.any():
            raise ResultsError("combined results", f"model_id {models['model_id'][clash.idxmax()]!r} appears twice")
        return Results(models, pd.concat([self.evaluations, other.evaluations], ignore_index=True))


LEARNING_CURVES_FILE = "learning_curves.csv"
LEARNING_CURVE_COLUMNS: tuple[str, ...] = ("model_id", "epoch", "imagenet_top1", "imagenet_top5")
#: Optional: samples seen at each checkpoint (kept when present; may be empty).
LEARNING_CURVE_OPTIONAL: tuple[str, ...] = ("samples_seen",)


def validate_learning_curves(df: pd.DataFrame, where: str = "learning curves",
                             model_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Check a learning-curves table (model_id, epoch, imagenet_top1, imagenet_top5 as fractions,
    optionally samples_seen).

    Top-5 and samples seen may be empty. Raises :class:`ResultsError` naming the row and column of
    the first problem; returns the table typed and sorted by model and epoch (``samples_seen`` is NaN
    when the table has no such column).
    """
    missing = [c for c in LEARNING_CURVE_COLUMNS if c not in df.columns]
    if missing:
        raise ResultsError(where, f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}")
    present = [c for c in LEARNING_CURVE_OPTIONAL if c in df.columns]
    out = df.loc[:, [*LEARNING_CURVE_COLUMNS, *present]].copy()
    for c in LEARNING_CURVE_OPTIONAL:
        if c not in out.columns:
            out[c] = np.nan
    blank = out["model_id"].isna() | (out["model_id"].astype(str).str.strip() == "")
    if blank.any():
        raise ResultsError(where, "empty model_id", int(blank.to_numpy().argmax()) + 2, "model_id")
    for col in ("epoch", "imagenet_top1", "imagenet_top5", "samples_seen"):
        values = pd.to_numeric(out[col], errors="coerce")
        optional = col in ("imagenet_top5", "samples_seen")
        bad = values.isna() & out[col].notna() if optional else values.isna()
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise ResultsError(where, f"{out[col].iloc[i]!r} is not a number", i + 2, col)
        if col == "epoch":
            wrong = (values < 0) | (values != np.floor(values))
            message = "is not a whole number of epochs"
        elif col == "samples_seen":
            wrong = values <= 0
            message = "is not a positive number of samples"
        else:
            wrong = (values < 0) | (values > 1)
            message = "is not a fraction in [0, 1]"
        if wrong.any():
            i = int(wrong.to_numpy().argmax())
            raise ResultsError(where, f"{values.iloc[i]:g} {message}", i + 2, col)
        out[col] = values.astype(float)
    out["epoch"] = out["epoch"].astype(int)
    dup = out.duplicated(["model_id", "epoch"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise ResultsError(where, f"duplicated (model_id, epoch) ({out['model_id'].iloc[i]!r}, "
                                  f"{out['epoch'].iloc[i]})", i + 2, "epoch")
    if model_ids is not None:
        orphan = ~out["model_id"].isin(list(model_ids))
        if orphan.any():
            i = int(orphan.to_numpy().argmax())
            raise ResultsError(where, f"model_id {out['model_id'].iloc[i]!r} is not in the models table",
                               i + 2, "model_id")
    return out.sort_values(["model_id", "epoch"], kind="mergesort").reset_index(drop=True)


def load_learning_curves(directory: str | Path = RESULTS_DIR,
                         model_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Load and validate ``learning_curves.csv`` from ``directory``."""
    path = Path(directory) / LEARNING_CURVES_FILE
    return validate_learning_curves(_read_csv(path), str(path), model_ids)


def load_results(directory: str | Path | None = None) -> Results:
    """Load and validate ``models.csv`` and ``evaluations.csv`` from ``directory``.

    Without a directory: ``$EFFROB_RESULTS_DIR`` when set (other tables, e.g. synthetic ones for
    benchmarks), else the committed ``results/``.
    """
    d = Path(directory if directory is not None else os.environ.get("EFFROB_RESULTS_DIR") or RESULTS_DIR)
    models = validate_models(_read_csv(d / "models.csv"), str(d / "models.csv"))
    evals = validate_evaluations(_read_csv(d / "evaluations.csv"), str(d / "evaluations.csv"),
                                 models["model_id"])
    return Results(models, evals)
