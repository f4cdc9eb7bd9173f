"""Models: every model with its accuracies and effective robustness on each main shift, filterable,
sortable, downloadable, and a side-by-side comparison of up to 8 models.

The table comes from ``effrob_core.models_table.models_table`` over
``effrob_core.robustness.robustness_by_shift``; controls (and the compared models) live in the URL.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import streamlit as st

from effrob_core.baseline import BASELINE_SPECS, BASELINES, TESTBED_RESAMPLES, baseline_label
from effrob_core.checkpoints import checkpoint_of
from effrob_core.datasets import EVAL_SETS, MAIN_SHIFTS
from effrob_core.figures.compare import compare_figure
from effrob_core.formatting import si_number
from effrob_core.er_units import DEFAULT_UNIT, unit_phrase, unit_suffix
from effrob_core.models_table import (
    EXTRAPOLATED_COLUMN,
    IMAGENET_COLUMN,
    MEAN_ACC_COLUMN,
    MEAN_ER_COLUMN,
    ModelFilter,
    acc_column,
    ci_column,
    compare_long,
    er_column,
    filter_models,
    models_table,
    sort_models,
    unit_column_names,
)
from effrob_core.results import GROUPS, Results
from effrob_core.sources import ordered_sources
from effrob_core.robustness import robustness_by_shift
from effrob_core.safe_csv import safe_csv
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.uncertainty import DEFAULT_INTERVAL, ER_INTERVALS
from effrob_core.viewstate import Param
from pages.common import (
    ER_PARAMS,
    MISSING,
    er_controls,
    init_state,
    key,
    page_results,
    plain,
    show_share_link,
    sync_url,
    view_cache,
)

PAGE = "models"
#: Bootstrap resamples of the baseline band (the testbed's, the core's default).
N_RESAMPLES = TESTBED_RESAMPLES
MAX_COMPARE = 8
FULL_RANGE = (0.0, 100.0)
DEFAULT_COMPARE = ("testbed:resnet50", "testbed:vit_b_32_clip_zeroshot", "openclip:ViT-L-14/openai",
                   "openclip:ViT-B-32/laion2b_s34b_b79k", "openclip:RN50-quickgelu/yfcc15m")
METRIC_LABELS = {"robustness": "Effective robustness", "accuracy": "Accuracy"}


@view_cache(show_spinner="Fitting the baselines of the five shifts…", max_entries=16)
def cached_table(_results: Results, results_key: str, baseline: str, kind: str, units: str = DEFAULT_UNIT,
                 interval: str = DEFAULT_INTERVAL) -> tuple[pd.DataFrame, list[str]]:
    """The models table for one baseline and transform in ``units`` with ``interval`` (and the shifts it has no
    baseline for), cached."""
    rob, missing = cached_robustness(_results, results_key, baseline, kind)
    return models_table(_results, rob, MAIN_SHIFTS, units, kind, interval), missing


@view_cache(show_spinner="Fitting the baselines of the five shifts…", max_entries=16)
def cached_robustness(_results: Results, results_key: str, baseline: str, kind: str) -> tuple[pd.DataFrame, list[str]]:
    """``robustness_by_shift`` for one baseline and transform, cached (every unit and interval reads it)."""
    rob, missing = robustness_by_shift(_results, MAIN_SHIFTS, baseline, kind, n_resamples=N_RESAMPLES)
    return rob, list(missing)


def column_config(columns: list[str], names: dict[str, str] | None = None) -> dict[str, object]:
    """Formats of the shown columns: percentages with 2 decimals, signed effective robustness (2 decimals, 3 in
    logit or probit units) under the unit's name (``names``, :func:`effrob_core.models_table.unit_column_names`)."""
    names = names or {}
    cfg: dict[str, object] = {
        "Model id": st.column_config.TextColumn("Model id", width="medium"),
        "Model": st.column_config.TextColumn("Model", width="medium", pinned=True),
        "Samples seen": st.column_config.NumberColumn("Samples seen", format="compact"),
        "Params (M)": st.column_config.NumberColumn("Params (M)", format="%.1f"),
    }
    for c in columns:
        if c.endswith("(%)"):
            cfg[c] = st.column_config.NumberColumn(c, format="%.2f")
        elif c.endswith("(pts)"):
            label = names.get(c, c)
            cfg[c] = st.column_config.NumberColumn(label, format="%+.3f" if label.endswith("(logit)") or
                                                   label.endswith("(probit)") else "%+.2f")
    cfg[EXTRAPOLATED_COLUMN] = st.column_config.TextColumn(
        EXTRAPOLATED_COLUMN, help="Shifts on which the model's ImageNet top-1 lies outside the range of the models "
                                  "the baseline was fit on: its effective robustness there is extrapolated.")
    return {c: v for c, v in cfg.items() if c in columns}


def shown_columns(table: pd.DataFrame, accuracies: bool, intervals: bool) -> list[str]:
    """The columns the view shows, in order: the numbers first, then what the model is."""
    cols = ["Model", "Group", IMAGENET_COLUMN, MEAN_ER_COLUMN, EXTRAPOLATED_COLUMN] + (
        [MEAN_ACC_COLUMN] if accuracies else [])
    for s in MAIN_SHIFTS:
        cols += ([acc_column(s)] if accuracies else []) + [er_column(s)] + ([ci_column(s)] if intervals else [])
    return cols + ["Source", "Architecture", "Training data", "Samples seen", "Params (M)", "Also in", "Model id"]


def transposed(frame: pd.DataFrame) -> pd.DataFrame:
    """Models as columns, measures as rows, every value as text (samples seen as 12.8B, other numbers
    with 2 decimals, — when missing)."""
    def text(v: object, row: str) -> str:
        if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool):
            if not np.isfinite(v):
                return "—"
            if row == "Samples seen":
                return si_number(float(v))
            return f"{v:+.2f}" if row.endswith("(pts)") else f"{v:,.2f}"
        return "—" if v is None or v == "" else str(v)
    out = frame.set_index("Model").T
    return pd.DataFrame({c: [text(v, r) for r, v in out[c].items()] for c in out.columns},  # <= 8 models
                        index=out.index)


# --- data and controls --------------------------------------------------------------------------------
results = page_results()
results_key = results.fingerprint()
models = results.models
present_groups = set(models["group"].unique().tolist())  # a handful of values: never iterate the column
present_sources = set(models["source"].unique().tolist())
groups = [g for g in GROUPS if g in present_groups] + sorted(present_groups - set(GROUPS))
sources = ordered_sources(present_sources)
canonical_of = dict(zip(models["model_id"].tolist(), checkpoint_of(models).tolist()))
all_ids = [i for i, c in canonical_of.items() if i == c]  # one entry per checkpoint
id_set = set(all_ids)
names = dict(zip(all_ids, models["display_name"].tolist()))  # plain dict: format_func runs per option
SORTABLE = [IMAGENET_COLUMN, MEAN_ER_COLUMN, MEAN_ACC_COLUMN, *[er_column(s) for s in MAIN_SHIFTS],
            *[acc_column(s) for s in MAIN_SHIFTS], "Samples seen", "Params (M)", "Model"]

PARAMS = [
    Param("baseline", "testbed", "choice", BASELINES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("groups", [], "multi", tuple(groups)),
    Param("sources", [], "multi", tuple(sources)),
    Param("arch", "", "text"),
    Param("q", "", "text"),
    Param("imagenet", FULL_RANGE, "range", bounds=FULL_RANGE),
    Param("sort", IMAGENET_COLUMN, "choice", tuple(SORTABLE)),
    Param("desc", True, "bool"),
    Param("acc", True, "bool"),
    Param("ci", True, "bool"),
    Param("cmp", [i for i in DEFAULT_COMPARE if i in id_set], "multi"),
    Param("metric", "robustness", "choice", tuple(METRIC_LABELS)),
    *ER_PARAMS,
]
P = {p.key: p for p in PARAMS}

st.title("Models")
st.caption("Every model with ImageNet top-1, top-1 on each of the five main shifts, and its effective robustness "
           "(ER: shift top-1 minus the baseline's prediction at the model's ImageNet top-1, in points) with a "
           "95% interval (baseline band and the model's own test-set noise). Sort and filter in the sidebar; the download holds exactly the rows and "
           "columns shown.")
init_state(PAGE, PARAMS)
cmp_key = key(PAGE, P["cmp"])
original = list(st.session_state[cmp_key])
requested = list(dict.fromkeys(canonical_of.get(i, i) for i in original))  # same weights: the canonical row
known = [i for i in requested if i in id_set]
if known != original or len(known) > MAX_COMPARE:
    dropped = [i for i in requested if i not in id_set]
    if dropped:
        st.warning(f"Ignored unknown model id(s) in the link: {plain(', '.join(dropped[:5]))}"
                   + (" …" if len(dropped) > 5 else "") + ".", icon="⚠️")
    if len(known) > MAX_COMPARE:
        st.warning(f"At most {MAX_COMPARE} models can be compared; kept the first {MAX_COMPARE}.", icon="⚠️")
    st.session_state[cmp_key] = known[:MAX_COMPARE]

with st.sidebar:
    st.header("Effective robustness")
    baseline = st.radio("Baseline fit on", BASELINES, format_func=baseline_label, key=key(PAGE, P["baseline"]))
    kind = st.radio("Axis scaling of the baseline", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                    key=key(PAGE, P["scale"]), horizontal=True)
    units, interval = er_controls(PAGE)
    st.header("Filters")
    sel_groups = st.multiselect("Groups", groups, key=key(PAGE, P["groups"]), placeholder="All groups")
    sel_sources = st.multiselect("Sources", sources, key=key(PAGE, P["sources"]), placeholder="All sources")
    arch = st.text_input("Architecture contains", key=key(PAGE, P["arch"]), placeholder="e.g. vit_b or RN50")
    query = st.text_input("Name contains", key=key(PAGE, P["q"]), placeholder="e.g. laion2b")
    acc_range = st.slider("ImageNet top-1 (%)", min_value=FULL_RANGE[0], max_value=FULL_RANGE[1], step=0.5,
                          key=key(PAGE, P["imagenet"]), format="%.1f%%")
    st.header("Columns and order")
    unit_names = unit_column_names(units, kind)
    sort_by = st.selectbox("Sort by", SORTABLE, key=key(PAGE, P["sort"]), format_func=lambda c: unit_names.get(c, c))
    descending = st.toggle("Descending", key=key(PAGE, P["desc"]))
    show_acc = st.toggle("Shift accuracies", key=key(PAGE, P["acc"]))
    show_ci = st.toggle("95% intervals of ER", key=key(PAGE, P["ci"]))

table, no_baseline = cached_table(results, results_key, baseline, kind, units, interval)
if no_baseline:
    missing_names = ", ".join(EVAL_SETS[s].name for s in no_baseline)
    st.warning(f"No baseline for {missing_names}: {BASELINE_SPECS[baseline].phrase} have no results there, so those effective "
               "robustness columns and the ER mean of 5 are empty. The testbed baseline covers all five shifts.",
               icon="⚠️")
flt = ModelFilter(tuple(sel_groups), tuple(sel_sources), arch, query, (float(acc_range[0]), float(acc_range[1])))
view = sort_models(filter_models(table, flt), sort_by, descending)
cols = shown_columns(table, show_acc, show_ci)
shown = view[[c for c in cols if c != "Model id"]].reset_index(drop=True)  # one copy of the shown columns
shown["Model id"] = view.index.to_numpy()

st.dataframe(shown, hide_index=True, width="stretch", height=460, column_config=column_config(cols, unit_names),
             placeholder=MISSING)
c_cap, c_dl = st.columns([4, 1])
c_cap.caption(f"{len(shown):,} of {len(table):,} models. ER in {unit_phrase(units, kind)} against the {kind} "
              f"baseline fit on {BASELINE_SPECS[baseline].phrase}; intervals: {ER_INTERVALS[interval].method}. "
              f"{EXTRAPOLATED_COLUMN}: the shifts where the model's ImageNet top-1 lies outside the baseline "
              "models' range (extrapolated ER). "
              "ER mean of 5: only for models with all five shifts. "
              "Empty cells: no result for that set.")
c_dl.download_button("Download CSV", functools.partial(safe_csv, shown.rename(columns=unit_names)),
                     file_name=f"effrob_models_{baseline}_{kind}_{units}.csv",
                     mime="text/csv", key=f"{PAGE}.download", width="stretch",
                     help="The rows and columns shown, in this order.")

# --- comparison -------------------------------------------------------------------------------------
st.subheader(f"Compare up to {MAX_COMPARE} models")
c_pick, c_metric = st.columns([4, 1.3])
chosen = c_pick.multiselect("Models", all_ids, key=cmp_key, max_selections=MAX_COMPARE,
                            format_func=lambda i: str(names.get(i, i)), placeholder="Type to search model names")
metric = c_metric.radio("Chart", tuple(METRIC_LABELS), format_func=METRIC_LABELS.get, key=key(PAGE, P["metric"]),
                        horizontal=True)
with st.sidebar:
    link = sync_url(PAGE, PARAMS)
    show_share_link(link)

if not chosen:
    st.info("Choose models above to compare them side by side.")
else:
    frame = compare_long(results, table, chosen, metric)  # type: ignore[arg-type]
    label = "Clopper-Pearson 99.5%" if metric == "accuracy" else ER_INTERVALS[interval].short
    st.plotly_chart(compare_figure(frame, metric, label, unit=unit_suffix(units, kind)),  # type: ignore[arg-type]
                    key=f"{PAGE}.chart.compare", theme=None,
                    config={"displaylogo": False,
                            "toImageButtonOptions": {"format": "png", "filename": "effrob_compare", "scale": 3}})
    st.caption("Error bars: " + ("Clopper-Pearson 99.5% intervals of top-1 from the number of test images."
                                 if metric == "accuracy" else
                                 f"95% intervals of ER in {unit_phrase(units, kind)}: "
                                 f"{ER_INTERVALS[interval].method}. "
                                 "The dashed line at 0 is the standard-training baseline.")
               + " Missing bars: no result for that set.")
    side = table.loc[chosen].assign(**{"Model id": chosen})[shown_columns(table, True, True)]
    st.dataframe(transposed(side.rename(columns=unit_names)), width="stretch", placeholder=MISSING)
