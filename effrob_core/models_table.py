"""The models table of the Models view: every model with its accuracies and effective robustness,
its filters and sorting, and the long table behind the side-by-side comparison chart.

Pure functions of :class:`~effrob_core.results.Results` (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .checkpoints import checkpoint_of
from .datasets import AVERAGE, EVAL_SETS, IMAGENET, MAIN_SHIFTS
from .er_units import ER_UNITS, er_in_units, unit_suffix
from .formatting import signed_tenths
from .intervals import TESTBED_CONFIDENCE, clopper_pearson
from .results import Results

MODEL_INFO_COLUMNS: tuple[str, ...] = ("Model", "Source", "Group", "Architecture", "Training data",
                                       "Samples seen", "Params (M)", "Also in")
IMAGENET_COLUMN = "ImageNet top-1 (%)"
MEAN_ER_COLUMN = "ER mean of 5 (pts)"
MEAN_ACC_COLUMN = "Shift top-1 mean of 5 (%)"
#: Shifts on which the model's ImageNet top-1 lies outside the baseline models' range.
EXTRAPOLATED_COLUMN = "Extrapolated on"


def shift_name(shift: str) -> str:
    """Short display name of an evaluation set key (``average`` -> "Average of 5 shifts")."""
    return f"Average of {len(MAIN_SHIFTS)} shifts" if shift == AVERAGE else EVAL_SETS[shift].name


def acc_column(shift: str) -> str:
    """Column name of a shift's top-1 accuracy in the models table."""
    return f"{shift_name(shift)} top-1 (%)"


def er_column(shift: str) -> str:
    """Column name of a shift's effective robustness in the models table."""
    return f"ER {shift_name(shift)} (pts)"


def ci_column(shift: str) -> str:
    """Column name of the 95% interval of a shift's effective robustness in the models table."""
    return f"ER {shift_name(shift)} 95% CI"


def _interval_strings(lo: pd.Series, hi: pd.Series, decimals: int = 1) -> pd.Series:
    """``"[lo, hi]"`` with ``decimals`` decimals (signed); empty where either bound is missing."""
    both = (lo.notna() & hi.notna()).to_numpy()
    text = np.full(len(lo), "", dtype=object)
    def fmt(v: np.ndarray) -> np.ndarray:
        return signed_tenths(v) if decimals == 1 else np.char.mod(f"%+.{decimals}f", v).astype(object)
    text[both] = "[" + fmt(lo.to_numpy(dtype=float)[both]) + ", " + fmt(hi.to_numpy(dtype=float)[both]) + "]"
    return pd.Series(text, index=lo.index, dtype="str")


def unit_column_names(unit: str, kind: str, shifts: Sequence[str] = MAIN_SHIFTS) -> dict[str, str]:
    """Display (and download) names of the effective-robustness columns when they hold ``unit``:
    ``"ER ImageNetV2 (pts)"`` becomes ``"ER ImageNetV2 (logit)"``. The table keeps its ``(pts)`` keys
    (those of links and sorting) whatever the unit."""
    suffix = unit_suffix(unit, kind)  # type: ignore[arg-type]
    names = {er_column(s): er_column(s).removesuffix("(pts)") + f"({suffix})" for s in shifts}
    names[MEAN_ER_COLUMN] = MEAN_ER_COLUMN.removesuffix("(pts)") + f"({suffix})"
    return {k: v for k, v in names.items() if k != v}


def models_table(results: Results, robustness: pd.DataFrame, shifts: Sequence[str] = MAIN_SHIFTS,
                 unit: str = "pts", kind: str = "logit", interval: str = "total") -> pd.DataFrame:
    """Every model with ImageNet top-1, each shift's top-1, effective robustness and its interval, the
    means, and the shifts on which its effective robustness is extrapolated.

    ``robustness`` is :func:`effrob_core.robustness.robustness_by_shift` for ``shifts`` (with axis
    scaling ``kind``). Accuracies are in percentage points rounded to 2 decimals; effective robustness
    is in ``unit`` (:mod:`effrob_core.er_units`; 2 decimals, 3 in axis units) with its ``interval``, under
    the column names of points (see :func:`unit_column_names`); indexed by model_id. One row per
    checkpoint: the canonical row, whose "Also in" lists the other rows of the same weights.
    """
    m = results.models[checkpoint_of(results.models) == results.models["model_id"]].set_index("model_id")
    top1 = results.wide("top1").reindex(m.index)
    rob = robustness.reindex(m.index)
    columns: dict[str, pd.Series] = {
        "Model": m["display_name"], "Source": m["source"], "Group": m["group"],
        "Architecture": m["architecture"], "Training data": m["train_data"],
        "Samples seen": m["samples_seen"], "Params (M)": m["params_m"].round(1),
        "Also in": m["also_in"].astype(str) if "also_in" in m.columns else pd.Series("", index=m.index),
        IMAGENET_COLUMN: (100 * top1[IMAGENET]).round(2),
    }
    decimals = int(ER_UNITS[unit].fmt.rstrip("f").split(".")[1])
    ci_decimals = 3 if unit == "axis" and kind != "linear" else 1
    per_shift = []
    flagged = pd.Series("", index=m.index, dtype=object)
    for s in shifts:  # five shifts, each vectorised over models
        cols = [c for c in rob.columns if c.endswith(f"[{s}]")]
        er = er_in_units(rob[cols].rename(columns=lambda c: c.removesuffix(f"[{s}]")), unit, kind, interval)  # type: ignore[arg-type]
        per_shift.append(er["er"])
        columns[acc_column(s)] = (100 * top1[s]).round(2)
        columns[er_column(s)] = er["er"].round(decimals)
        columns[ci_column(s)] = _interval_strings(er["er_lo"], er["er_hi"], ci_decimals)
        on = rob[f"extrapolated[{s}]"].fillna(0).to_numpy(dtype=float) > 0
        flagged[on] = flagged[on] + np.where(flagged[on] == "", "", ", ") + shift_name(s)
    columns[MEAN_ACC_COLUMN] = (100 * top1[list(shifts)].mean(axis=1, skipna=False)).round(2)
    columns[MEAN_ER_COLUMN] = pd.concat(per_shift, axis=1).mean(axis=1, skipna=False).round(decimals)
    columns[EXTRAPOLATED_COLUMN] = flagged.astype(str)
    out = pd.DataFrame(columns, index=m.index)  # built at once: no column-by-column inserts
    out.index.name = "model_id"
    return out


@dataclass(frozen=True)
class ModelFilter:
    """What the models table is narrowed to; empty selections and blank texts keep everything."""

    groups: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    architecture: str = ""
    name: str = ""
    imagenet_range: tuple[float, float] = (0.0, 100.0)


def filter_models(table: pd.DataFrame, flt: ModelFilter) -> pd.DataFrame:
    """Rows of :func:`models_table` output matching every criterion of ``flt``.

    Text filters are case-insensitive substrings (``name`` also matches the model id); the
    ImageNet range is inclusive, in percent, and drops models without an ImageNet accuracy unless
    it is the full 0-100 range. When nothing is filtered out, ``table`` itself is returned (no copy).
    """
    keep = pd.Series(True, index=table.index)
    if flt.groups:
        keep &= table["Group"].isin(flt.groups)
    if flt.sources:
        keep &= table["Source"].isin(flt.sources)
    arch = flt.architecture.strip().lower()
    if arch:
        keep &= table["Architecture"].astype(str).str.lower().str.contains(arch, regex=False)
    name = flt.name.strip().lower()
    if name:
        ids = pd.Series(table.index.astype(str), index=table.index).str.lower()
        keep &= table["Model"].astype(str).str.lower().str.contains(name, regex=False) | ids.str.contains(
            name, regex=False)
    low, high = flt.imagenet_range
    if (low, high) != (0.0, 100.0):
        acc = table[IMAGENET_COLUMN]
        keep &= (acc >= low) & (acc <= high)
    mask = keep.to_numpy()
    return table if mask.all() else table.loc[mask]


def sort_models(table: pd.DataFrame, column: str, descending: bool = True) -> pd.DataFrame:
    """The table sorted by ``column`` (missing values last), ties broken by model name."""
    if column not in table.columns:
        raise ValueError(f"cannot sort by {column!r}; not a column of the table")
    return table.sort_values([column, "Model"], ascending=[not descending, True], na_position="last",
                             kind="mergesort")


def compare_long(results: Results, table: pd.DataFrame, model_ids: Sequence[str],
                 metric: Literal["accuracy", "robustness"], shifts: Sequence[str] = MAIN_SHIFTS,
                 confidence: float = TESTBED_CONFIDENCE) -> pd.DataFrame:
    """Long table for the side-by-side chart: one row per (model, evaluation set) with value, lo, hi (points).

    ``accuracy``: top-1 on ImageNet and each shift with Clopper-Pearson bounds at ``confidence``;
    ``robustness``: effective robustness per shift with its bootstrap interval (from ``table``).
    """
    ids = [i for i in model_ids if i in table.index]
    if metric == "accuracy":
        sets = [IMAGENET, *shifts]
        top1 = results.wide("top1").loc[ids, sets].to_numpy()
        n = results.wide("n_images").loc[ids, sets].to_numpy()
        lo, hi = clopper_pearson(top1, n, confidence)
        values = 100 * top1.ravel()
        lo, hi = 100 * lo.ravel(), 100 * hi.ravel()
    elif metric == "robustness":
        sets = list(shifts)
        sub = table.loc[ids, [er_column(s) for s in sets] + [ci_column(s) for s in sets]]
        values = sub.iloc[:, :len(sets)].to_numpy(dtype=float).ravel()
        ci = pd.Series(sub.iloc[:, len(sets):].to_numpy(dtype=object).ravel(), dtype="string")  # model-major
        bounds = ci.str.extract(r"\[([-+0-9.]+), ([-+0-9.]+)\]")
        lo = pd.to_numeric(bounds[0], errors="coerce").to_numpy(dtype=float)
        hi = pd.to_numeric(bounds[1], errors="coerce").to_numpy(dtype=float)
    else:
        raise ValueError(f"unknown metric {metric!r}; choose accuracy or robustness")
    frame = pd.DataFrame({
        "model_id": np.repeat(ids, len(sets)),
        "eval_set": np.tile(sets, len(ids)),
        "value": values, "lo": lo, "hi": hi,
    })
    names = table["Model"].to_numpy()[table.index.get_indexer(ids)] if ids else np.array([], dtype=object)
    frame["model"] = np.repeat(names, len(sets))
    frame["set_name"] = [shift_name(s) for s in frame["eval_set"]]
    return frame

