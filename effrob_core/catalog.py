"""Tables behind the Scaling, Models and Data views: sources, the models table, filters, safe CSV,
scaling points with power-law fits, and the per-epoch learning curves.

Everything here is a pure function of :class:`~effrob_core.results.Results` (no Streamlit), so each
table the dashboard shows is testable on its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .datasets import AVERAGE, EVAL_SETS, IMAGENET, MAIN_SHIFTS
from .intervals import TESTBED_CONFIDENCE, clopper_pearson
from .results import UPLOAD_GROUP, UPLOAD_SOURCE, Results
from .scaling import PowerLawFit, fit_power_law

# --------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One published source of results: its key in ``models.source``, where it comes from, its license."""

    key: str
    name: str
    repository: str
    commit: str
    license: str
    citation: str
    files: str


#: Mirrors the attribution table of ``results/README.md`` (a test keeps the two in step).
SOURCES: tuple[Source, ...] = (
    Source("testbed", "ImageNet testbed", "modestyachts/imagenet-testbed",
           "0170eec658d664289d9f61de8f90f967f49abca0", "MIT", "Taori et al., 2020",
           "robustness_top1s.csv, model_types.csv"),
    Source("timm", "timm (PyTorch Image Models)", "huggingface/pytorch-image-models",
           "aa4b5850c1543fa488abf260f18390eda46cf85d", "Apache-2.0", "Wightman, 2019",
           "results-*.csv, model_metadata-in1k.csv"),
    Source("openclip", "OpenCLIP pretrained models", "mlfoundations/open_clip",
           "89fb801f1e6087880e951fc8354b8a2077b79c6d", "MIT", "Ilharco et al., 2021",
           "openclip_results.csv, model_profile.csv"),
    Source("scaling-laws", "Reproducible scaling laws for CLIP", "LAION-AI/scaling-laws-openclip",
           "652b1e7471f7ccf372277f67cb680de5c9fa139d", "see repository", "Cherti et al., 2023",
           "zeroshot_results.csv, trained_models_info.csv"),
    Source("openclip-lowacc", "OpenCLIP low-accuracy RN50 (read from a figure)", "mlfoundations/open_clip",
           "89fb801f1e6087880e951fc8354b8a2077b79c6d", "MIT", "Ilharco et al., 2021 (docs/LOW_ACC.md)",
           "docs/scaling.png, digitised to about ±0.3 points"),
)
SOURCE_BY_KEY: dict[str, Source] = {s.key: s for s in SOURCES}
#: The models uploaded in a browser session: a source of their own, listed after the published ones.
UPLOADED_BY_YOU = "uploaded by you"
UPLOADED = Source(UPLOAD_SOURCE, f"{UPLOAD_GROUP} (this browser session only)", UPLOADED_BY_YOU,
                  UPLOADED_BY_YOU, UPLOADED_BY_YOU, "", "your uploaded files (kept in memory, never stored)")


def source_summary(results: Results) -> pd.DataFrame:
    """One row per source in the results: models, evaluations and evaluation sets it contributes,
    with repository, commit and license from :data:`SOURCES` (blank for a source not listed there).

    Uploaded models form one last row, :data:`UPLOADED`, whose repository, commit and license say
    "uploaded by you"."""
    models = results.models[["model_id", "source"]]
    ev = results.evaluations.merge(models, on="model_id", how="left")
    counts = pd.DataFrame({
        "models": models.groupby("source").size(),
        "evaluations": ev.groupby("source").size(),
        "evaluation sets": ev.groupby("source")["eval_set"].nunique(),
    }).fillna(0).astype(int)
    pairs = ev[["source", "eval_set"]].drop_duplicates()  # a few dozen rows, whatever the table size
    sets = pairs.groupby("source")["eval_set"].agg(lambda s: ", ".join(k for k in EVAL_SETS if k in set(s)))
    counts["sets"] = sets.reindex(counts.index).fillna("")
    known = (*SOURCES, UPLOADED)
    order = [s.key for s in SOURCES if s.key in counts.index] + sorted(
        k for k in counts.index if k not in SOURCE_BY_KEY and k != UPLOAD_SOURCE)
    order += [UPLOAD_SOURCE] if UPLOAD_SOURCE in counts.index else []
    counts = counts.loc[order]
    meta = pd.DataFrame([vars(s) for s in known]).set_index("key").reindex(counts.index)
    out = pd.DataFrame({
        "Source": meta["name"].fillna(pd.Series(counts.index, index=counts.index)),
        "Key": counts.index,
        "Models": counts["models"],
        "Evaluations": counts["evaluations"],
        "Evaluation sets": counts["evaluation sets"],
        "Sets": counts["sets"],
        "Repository": meta["repository"].fillna(""),
        "Commit": meta["commit"].fillna(""),
        "License": meta["license"].fillna(""),
        "Citation": meta["citation"].fillna(""),
    })
    return out.reset_index(drop=True)


def eval_set_table() -> pd.DataFrame:
    """The evaluation-set registry as a table: name, key, images, classes, kind and class-matched x."""
    rows = list(EVAL_SETS.values())
    return pd.DataFrame({
        "Name": [s.name for s in rows],
        "Key": [s.key for s in rows],
        "Images": [s.n_images for s in rows],
        "Classes": [s.n_classes for s in rows],
        "Kind": [s.kind for s in rows],
        "Class-matched x": [s.matched_x or "" for s in rows],
        "Main shift": [s.main_shift for s in rows],
    })


# --------------------------------------------------------------------------------------------------
# Models table, filters and CSV
# --------------------------------------------------------------------------------------------------

MODEL_INFO_COLUMNS: tuple[str, ...] = ("Model", "Source", "Group", "Architecture", "Training data",
                                       "Samples seen", "Params (M)")
IMAGENET_COLUMN = "ImageNet top-1 (%)"
MEAN_ER_COLUMN = "ER mean of 5 (pts)"
MEAN_ACC_COLUMN = "Shift top-1 mean of 5 (%)"


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


#: Within this distance of a half tenth, a value is formatted by Python itself (the product by 10 may round).
_TIE_TOLERANCE = 1e-6


def signed_tenths(values: ArrayLike) -> NDArray[np.object_]:
    """``"{:+.1f}".format(v)`` of each value (``"+nan"``, ``"-inf"`` as Python writes them), vectorised.

    Each value is rounded to tenths with ``np.rint`` and only the distinct results are formatted;
    values within :data:`_TIE_TOLERANCE` of a half tenth (or too large for exact integers) go through
    Python's formatting, so the text is exactly Python's (round half to even on the binary value, ``-0.0``
    for small negatives).
    """
    v = np.asarray(values, dtype=float).ravel()
    out = np.empty(v.size, dtype=object)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = v * 10.0
        frac = np.abs(scaled - np.trunc(scaled))
        exact = np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 52) & (np.abs(frac - 0.5) > _TIE_TOLERANCE)
    tenths = np.abs(np.rint(scaled[exact])).astype(np.int64)
    key = 2 * tenths + np.signbit(v[exact])  # sign kept apart: -0.04 is "-0.0"
    distinct, where = np.unique(key, return_inverse=True)
    text = np.array([f"{'-' if k & 1 else '+'}{(k >> 1) // 10}.{(k >> 1) % 10}" for k in distinct.tolist()] + [""],
                    dtype=object)  # one spare entry keeps the array 1-d and of objects when nothing is exact
    out[exact] = text[where]
    out[~exact] = [f"{x:+.1f}" for x in v[~exact].tolist()]  # ties and non-finite values: a few
    return out


def _interval_strings(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """``"[lo, hi]"`` in points with one decimal; empty where either bound is missing."""
    both = (lo.notna() & hi.notna()).to_numpy()
    text = np.full(len(lo), "", dtype=object)
    text[both] = "[" + signed_tenths(lo.to_numpy(dtype=float)[both]) + ", " \
        + signed_tenths(hi.to_numpy(dtype=float)[both]) + "]"
    return pd.Series(text, index=lo.index, dtype="str")


def models_table(results: Results, robustness: pd.DataFrame, shifts: Sequence[str] = MAIN_SHIFTS) -> pd.DataFrame:
    """Every model with ImageNet top-1, each shift's top-1, effective robustness and its interval, and the means.

    ``robustness`` is :func:`effrob_core.robustness.robustness_by_shift` for ``shifts``. Accuracies and
    effective robustness are in percentage points rounded to 2 decimals; indexed by model_id.
    """
    m = results.models.set_index("model_id")
    top1 = results.wide("top1")
    rob = robustness.reindex(m.index)
    columns: dict[str, pd.Series] = {
        "Model": m["display_name"], "Source": m["source"], "Group": m["group"],
        "Architecture": m["architecture"], "Training data": m["train_data"],
        "Samples seen": m["samples_seen"], "Params (M)": m["params_m"].round(1),
        IMAGENET_COLUMN: (100 * top1[IMAGENET]).round(2),
    }
    for s in shifts:
        columns[acc_column(s)] = (100 * top1[s]).round(2)
        columns[er_column(s)] = (100 * rob[f"eff_rob[{s}]"]).round(2)
        columns[ci_column(s)] = _interval_strings(100 * rob[f"eff_rob_lo[{s}]"], 100 * rob[f"eff_rob_hi[{s}]"])
    columns[MEAN_ACC_COLUMN] = (100 * top1[list(shifts)].mean(axis=1, skipna=False)).round(2)
    columns[MEAN_ER_COLUMN] = (100 * rob["eff_rob[mean]"]).round(2)
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


def safe_csv(table: pd.DataFrame, index_label: str | None = None) -> str:
    """CSV text of ``table`` with every text cell (and the index, if written) neutralised."""
    out = table.apply(neutralise_cells)
    out.columns = neutralise_cells(pd.Series(list(map(str, out.columns)), dtype=object)).tolist()
    if index_label is not None:
        out.index = pd.Index(neutralise_cells(pd.Series(out.index.astype(str), dtype=object)).to_numpy(),
                             name=index_label)
        return out.to_csv(index=True)
    return out.to_csv(index=False)


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


# --------------------------------------------------------------------------------------------------
# Scaling: zero-shot points against samples seen or compute, and power-law fits per group
# --------------------------------------------------------------------------------------------------

ZERO_SHOT_GROUP = "Zero-shot image-text"
SCALING_SOURCES: tuple[str, ...] = ("openclip", "scaling-laws", "openclip-lowacc")
XKind = Literal["samples", "compute"]
X_KINDS: tuple[XKind, ...] = ("samples", "compute")
ColorBy = Literal["data", "architecture"]
COLOR_BYS: tuple[ColorBy, ...] = ("data", "architecture")
DIGITIZED_LABEL = ("read from a figure (±0.3 pts); x = unique training images, "
                   "1 epoch-equivalent unknown")
SCALING_EVAL_SETS: tuple[str, ...] = (IMAGENET, *MAIN_SHIFTS, AVERAGE)


def data_family(models: pd.DataFrame) -> pd.Series:
    """Training-data family of each model: a colour group whose members differ in scale, not data.

    DataComp-S/M/L/1B form "DataComp", CommonPool-S..XL one family per filter, the scaling-laws
    models keep their own families ("LAION-2B (scaling-laws)"), the digitised RN50 points form
    "YFCC-15M subsets (RN50)", uploaded models form "Your models"; other training sets are their own family.
    """
    td = models["train_data"].fillna("").astype(str)
    source = models["source"].astype(str)
    pool = td.str.extract(r"^CommonPool-(?:S|M|L|XL)(?: \((.+?)(?: filter)?\))?$")[0]
    is_pool = td.str.match(r"^CommonPool-(?:S|M|L|XL)\b")
    family = td.where(td != "", "unknown data")
    family = family.mask(td.str.match(r"^DataComp-(?:S|M|L|1B)$"), "DataComp")
    family = family.mask(is_pool, "CommonPool, " + pool.fillna("no").astype(str) + " filter")
    family = family.mask(source == "scaling-laws", family + " (scaling-laws)")
    family = family.mask(source == "openclip-lowacc", "YFCC-15M subsets (RN50)")
    return family.mask(source == UPLOAD_SOURCE, UPLOAD_GROUP)


def is_uploaded(models: pd.DataFrame) -> np.ndarray:
    """Rows of a models-like table that a user uploaded (source ``upload``)."""
    return (models["source"].astype(str) == UPLOAD_SOURCE).to_numpy(dtype=bool)


def scaling_points(results: Results, eval_set: str, x_kind: XKind = "samples",
                   sources: Iterable[str] = SCALING_SOURCES) -> tuple[pd.DataFrame, int]:
    """Zero-shot models of ``sources`` placed at x = samples seen (or total GMACs), and how many were left out.

    Uploaded models (source ``upload``, of any group) are candidates too when ``upload`` is among
    ``sources``; they are placed at the samples seen they were uploaded with. The digitised points
    (``digitized``) have no samples seen and are placed at their training-set size
    (``train_images``) on the samples axis. ``eval_set`` is an evaluation set key or ``average``
    (mean over the five main shifts). Columns: models columns plus ``family``, ``x``, ``x_is_images``,
    ``top1`` and ``error`` (fractions), ``n_images``. The count is of candidate models of ``sources``
    with an accuracy on ``eval_set`` but no x.
    """
    if eval_set not in SCALING_EVAL_SETS:
        raise ValueError(f"unknown evaluation set {eval_set!r}; choose one of {', '.join(SCALING_EVAL_SETS)}")
    if x_kind not in X_KINDS:
        raise ValueError(f"unknown x {x_kind!r}; choose one of {', '.join(X_KINDS)}")
    m = results.models
    top1 = results.wide("top1")
    count = results.wide("n_images")
    sets = list(MAIN_SHIFTS) if eval_set == AVERAGE else [eval_set]
    acc = top1[sets].mean(axis=1, skipna=False).to_numpy()
    n = count[sets[0]].to_numpy(dtype=float) if len(sets) == 1 else np.full(len(m), np.nan)
    kind_ok = (m["group"] == ZERO_SHOT_GROUP).to_numpy() | is_uploaded(m)
    candidate = kind_ok & m["source"].isin(list(sources)).to_numpy() & np.isfinite(acc)
    digitized = m["digitized"].to_numpy(dtype=bool)
    if x_kind == "samples":
        x = np.where(digitized, m["train_images"].to_numpy(dtype=float), m["samples_seen"].to_numpy(dtype=float))
    else:
        x = m["compute_gmacs_total"].to_numpy(dtype=float)
    placed = candidate & np.isfinite(x) & (x > 0)
    pts = m.loc[placed].reset_index(drop=True).copy()
    pts["family"] = data_family(pts).to_numpy()
    pts["x"] = x[placed]
    pts["x_is_images"] = digitized[placed]
    pts["top1"] = acc[placed]
    pts["error"] = 1.0 - acc[placed]
    pts["n_images"] = n[placed]
    return pts, int((candidate & ~placed).sum())


def color_key(points: pd.DataFrame, color_by: ColorBy) -> pd.Series:
    """The colour group of each point: its training-data family or its architecture ("Your models"
    for uploaded models either way)."""
    if color_by == "data":
        return points["family"].astype(str).mask(is_uploaded(points), UPLOAD_GROUP)
    if color_by == "architecture":
        arch = points["architecture"].astype(str)
        return arch.where(arch != "", "unknown").mask(is_uploaded(points), UPLOAD_GROUP)
    raise ValueError(f"unknown colour grouping {color_by!r}; choose one of {', '.join(COLOR_BYS)}")


def controlled_series(points: pd.DataFrame) -> np.ndarray:
    """Points of controlled scaling series: the scaling-laws runs, the DataComp/CommonPool scales
    (one recipe per filter) and the digitised RN50 subsets, where the models differ mainly in scale."""
    family = points["family"].astype(str)
    return (points["source"].isin(["scaling-laws", "openclip-lowacc"])
            | family.str.startswith(("DataComp", "CommonPool"))).to_numpy(dtype=bool)


def scale_bins(x: pd.Series | np.ndarray) -> np.ndarray:
    """Nominal scale of each x: log10(x) rounded to 0.1 (so 12.8B, 13.0B and 13.2B samples are one scale)."""
    return np.round(np.log10(np.asarray(x, dtype=float)), 1)


@dataclass(frozen=True)
class GroupFit:
    """A power law fit on one colour group, the x range of its points, the points and scales it used."""

    group: str
    fit: PowerLawFit
    x_min: float
    x_max: float
    n_points: int
    n_x: int


def fit_groups(points: pd.DataFrame, groups: pd.Series, irreducible: bool = False, frontier: bool = False,
               level: float = 0.95, min_x: int = 3) -> tuple[list[GroupFit], dict[str, str]]:
    """Power-law fit of error against x for every group with at least ``min_x`` distinct scales.

    Scales are :func:`scale_bins` (x within about 12% counts as one scale). With ``frontier`` only
    the lowest-error model at each scale of a group is fit (the best model for that many samples).
    With ``irreducible`` the fit has an ``E_inf`` term and needs one more scale. Uploaded models
    are never fit (they are drawn for comparison only).
    Returns the fits and, for groups that could not be fit, the reason.
    """
    need = max(min_x, 4 if irreducible else 3)
    frame = pd.DataFrame({"group": groups.to_numpy(), "x": points["x"].to_numpy(dtype=float),
                          "error": points["error"].to_numpy(dtype=float)})
    frame = frame.loc[~is_uploaded(points)]
    frame["scale"] = scale_bins(frame["x"])
    if frontier:  # the best model of each group at each scale
        best = frame.groupby(["group", "scale"], sort=False)["error"].idxmin()
        frame = frame.loc[best.to_numpy()]
    fits: list[GroupFit] = []
    skipped: dict[str, str] = {}
    for group, g in frame.groupby("group", sort=True):  # one fit per colour group (tens, not models)
        n_x = int(g["scale"].nunique())
        if n_x < need:
            skipped[str(group)] = f"{n_x} distinct scale(s) (a fit needs {need})"
            continue
        try:
            with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.simplefilter("ignore")  # ill-conditioned covariances show as wide intervals
                fit = fit_power_law(g["x"], g["error"], irreducible=irreducible, level=level)
        except (ValueError, RuntimeError) as exc:
            skipped[str(group)] = f"fit failed ({exc})"
            continue
        fits.append(GroupFit(str(group), fit, float(g["x"].min()), float(g["x"].max()), len(g), n_x))
    return fits, skipped


def fit_table(fits: Sequence[GroupFit]) -> pd.DataFrame:
    """Parameters of each fit with their intervals: A, alpha, E_inf (in %), points used and log-log r."""
    if not fits:
        return pd.DataFrame(columns=["Group", "Points", "Scales", "A", "A interval", "alpha",
                                     "alpha interval", "E_inf (%)", "E_inf interval (%)", "r (log-log)"])
    pct = int(round(100 * fits[0].fit.level))
    rows = pd.DataFrame({
        "Group": [f.group for f in fits],
        "Points": [f.n_points for f in fits],
        "Scales": [f.n_x for f in fits],
        "A": [f.fit.a for f in fits],
        "A interval": [f"[{f.fit.intervals['a'][0]:.3g}, {f.fit.intervals['a'][1]:.3g}]" for f in fits],
        "alpha": [f.fit.alpha for f in fits],
        "alpha interval": [f"[{f.fit.intervals['alpha'][0]:.3f}, {f.fit.intervals['alpha'][1]:.3f}]"
                           for f in fits],
        "E_inf (%)": [100 * f.fit.e_inf for f in fits],
        "E_inf interval (%)": [f"[{100 * lo:.1f}, {100 * hi:.1f}]"
                               for lo, hi in (f.fit.intervals["e_inf"] for f in fits)],
        "r (log-log)": [f.fit.r for f in fits],
    })
    return rows.rename(columns={"A interval": f"A {pct}% CI", "alpha interval": f"alpha {pct}% CI",
                                "E_inf interval (%)": f"E_inf {pct}% CI (%)"})


def robustness_vs_scale(points: pd.DataFrame, analysis_points: pd.DataFrame) -> pd.DataFrame:
    """The scaling points joined with effective robustness (``eff_rob``, ``eff_rob_lo``, ``eff_rob_hi``).

    ``analysis_points`` is :attr:`effrob_core.robustness.ShiftAnalysis.points`; points without an
    effective robustness on that shift are dropped.
    """
    er = analysis_points.set_index("model_id")[["eff_rob", "eff_rob_lo", "eff_rob_hi", "baseline_y"]]
    out = points.join(er, on="model_id", how="inner")
    return out.loc[out["eff_rob"].notna()].reset_index(drop=True)


def robustness_by_decade(points: pd.DataFrame) -> pd.DataFrame:
    """Effective robustness summarised per decade of x (in points): models, median, min, max, share above 0.

    ``points`` is :func:`robustness_vs_scale` output; decades are ``[10^k, 10^(k+1))``.
    """
    decade = np.floor(np.log10(points["x"].to_numpy(dtype=float))).astype(int)
    er = 100 * points["eff_rob"]
    g = er.groupby(decade)
    out = pd.DataFrame({"Models": g.size(), "Median ER (pts)": g.median(), "Min ER (pts)": g.min(),
                        "Max ER (pts)": g.max(),
                        "Share with ER > 0": (er > 0).groupby(decade).mean()})
    out.index = pd.Index([f"{si_number(10.0 ** k)}–{si_number(10.0 ** (k + 1))}" for k in out.index],
                         name="x range")
    return out.round(2)


def si_number(value: float) -> str:
    """A positive number with an SI-style suffix and 3 significant digits: 12.8M, 1.28B, 34.7B, 6.6T."""
    if not np.isfinite(value) or value <= 0:
        return ""
    for factor, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def source_models(results: Results, source: str) -> pd.DataFrame:
    """The models of one source with their group, architecture, training data and number of evaluations."""
    m = results.models.loc[results.models["source"] == source]
    n_eval = results.evaluations.groupby("model_id").size()
    return pd.DataFrame({
        "Model": m["display_name"].to_numpy(), "Model id": m["model_id"].to_numpy(), "Group": m["group"].to_numpy(),
        "Architecture": m["architecture"].to_numpy(), "Training data": m["train_data"].to_numpy(),
        "Samples seen": m["samples_seen"].to_numpy(),
        "Evaluations": n_eval.reindex(m["model_id"]).fillna(0).astype(int).to_numpy(),
        "Digitised": m["digitized"].to_numpy(dtype=bool),
    })
