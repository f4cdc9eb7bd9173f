"""Effective robustness: ImageNet accuracy against accuracy under a distribution shift.

Every model is a point; the red line is the baseline fit on standard-training models (Taori et al.,
2020) with its bootstrap band, and effective robustness is a model's height above it. Controls live
in the URL; numbers come from ``effrob_core.robustness.analyse_shift``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from effrob_core.baseline import BASELINE_SPECS, BASELINES, LinearFit
from effrob_core.datasets import AVERAGE, EVAL_SETS
from effrob_core.figures.scatter import (
    ZERO_SHOT_GROUP,
    highlight_mask,
    robustness_scatter,
    selected_model_ids,
    shift_label,
    shown_mask,
    zero_shot_fit,
)
from effrob_core.figures.style import SOURCE_LABELS, source_labels
from effrob_core.results import GROUPS, Results
from effrob_core.robustness import (
    SHIFT_CHOICES,
    X_AXES,
    ShiftAnalysis,
    analyse_shift,
    shift_points,
)
from effrob_core.transforms import TRANSFORMS
from effrob_core.uncertainty import ER_INTERVALS
from effrob_core.viewstate import Param
from pages.common import (
    MISSING,
    follow_options,
    init_state,
    key,
    page_results,
    plain,
    show_share_link,
    state,
    sync_url,
)

PAGE = "robustness"
#: Bootstrap resamples of the baseline band (the testbed's 1000).
N_RESAMPLES = 1000
DEFAULT_SHIFT = "imagenet-sketch"
FULL_RANGE = (0.0, 100.0)

SOURCE_ORDER = ("testbed", "timm", "openclip", "scaling-laws", "openclip-lowacc", "model-soups", "upload")
X_LABELS = {"full": "Full ImageNet", "matched": "Class-matched"}
TRANSFORM_LABELS = {"logit": "Logit", "probit": "Probit", "linear": "Linear"}
BASELINE_LABELS = {k: s.label for k, s in BASELINE_SPECS.items()}
BASELINE_PHRASES = {k: s.phrase for k, s in BASELINE_SPECS.items()}


@st.cache_data(show_spinner="Fitting the baseline and its bootstrap band…", max_entries=64)
def cached_analysis(_results: Results, results_key: str, shift: str, x_axis: str, kind: str, baseline: str,
                    fit_range: tuple[float, float] | None) -> ShiftAnalysis:
    """``analyse_shift`` for one view, cached on the view and the results' fingerprint."""
    return analyse_shift(_results, shift, baseline, kind, x_axis, fit_range,  # type: ignore[arg-type]
                         n_resamples=N_RESAMPLES)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_left_out(_results: Results, results_key: str, shift: str) -> dict[str, int | None]:
    """How many models with the shift's y each x-axis leaves out (None where the x-axis does not exist)."""
    out: dict[str, int | None] = {}
    for x_axis in X_AXES:  # two x-axes
        try:
            out[x_axis] = shift_points(_results, shift, x_axis)[1]
        except ValueError:
            out[x_axis] = None
    return out


def ordered(present: set[str], order: tuple[str, ...]) -> list[str]:
    """``present`` in the given order, then anything else alphabetically."""
    return [v for v in order if v in present] + sorted(present - set(order))


def has_matched_x(shift: str) -> bool:
    """Whether the shift has a class-matched ImageNet subset."""
    return shift != AVERAGE and EVAL_SETS[shift].matched_x is not None


def metrics_table(points: pd.DataFrame, shift: str) -> pd.DataFrame:
    """One row per model: name, group, source, accuracies and robustness in percent, best first."""
    name = shift_label(shift)
    table = pd.DataFrame({
        "Model": points["display_name"].to_numpy(),
        "Group": points["group"].to_numpy(),
        "Source": source_labels(points["source"]),
        "ImageNet (%)": 100 * points["x"].to_numpy(),
        f"{name} (%)": 100 * points["y"].to_numpy(),
        "Eff. robustness (pts)": 100 * points["eff_rob"].to_numpy(),
        "95% CI low": 100 * points["eff_rob_lo"].to_numpy(),
        "95% CI high": 100 * points["eff_rob_hi"].to_numpy(),
        "Rel. robustness (pts)": 100 * points["rel_rob"].to_numpy(),
        "model_id": points["model_id"].to_numpy(),
    })
    return table.sort_values("Eff. robustness (pts)", ascending=False, kind="stable").reset_index(drop=True)


def show_table(table: pd.DataFrame) -> None:
    """A models table with two decimals and a bounded height."""
    fmt = {c: st.column_config.NumberColumn(format="%.2f") for c in table.columns if table[c].dtype.kind == "f"}
    st.dataframe(table, hide_index=True, column_config=fmt, height=min(400, 38 + 35 * len(table)), placeholder=MISSING)


def fit_table(baseline: LinearFit, zero_shot: LinearFit | None) -> pd.DataFrame:
    """Slope, intercept, r (4 decimals, as ``python -m effrob_core fit``) and n of both lines, as text."""
    def column(fit: LinearFit | None) -> list[str]:
        if fit is None:
            return ["–"] * 4
        return [f"{fit.slope:.4f}", f"{fit.intercept:.4f}", f"{fit.r:.4f}", f"{fit.n}"]
    return pd.DataFrame({"Baseline": column(baseline), "Zero-shot": column(zero_shot)},
                        index=pd.Index(["slope", "intercept", "r", "n"], name="fit"))


# --- data and controls ------------------------------------------------------------------------------
results = page_results()
results_key = results.fingerprint()
groups = ordered(set(results.models["group"]), GROUPS)
sources = ordered(set(results.models["source"]), SOURCE_ORDER)
source_counts = results.models["source"].value_counts()

PARAMS = [
    Param("shift", DEFAULT_SHIFT, "choice", SHIFT_CHOICES),
    Param("x", "full", "choice", X_AXES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("fit", FULL_RANGE, "range", bounds=FULL_RANGE),
    Param("groups", list(groups), "multi", tuple(groups)),
    Param("sources", list(sources), "multi", tuple(sources)),
    Param("errors", False, "bool"),
    Param("search", "", "text"),
]
P = {p.key: p for p in PARAMS}

st.title("Effective robustness")
st.caption(
    "Each point is a model: top-1 on ImageNet (x) against top-1 under a natural distribution shift (y), "
    "both axes transformed. The red line is the baseline fit on standard-training models; a model's "
    "effective robustness is its height above that line, in accuracy points (Taori et al., 2020). "
    "Box- or lasso-select points to list their numbers below.")
init_state(PAGE, PARAMS)
follow_options(PAGE, P["groups"], groups)
follow_options(PAGE, P["sources"], sources)

c_shift, c_x, c_scale, c_search = st.columns([1.5, 1.3, 1.2, 1.6])
shift = c_shift.selectbox("Distribution shift (y-axis)", SHIFT_CHOICES, format_func=shift_label,
                          key=key(PAGE, P["shift"]))
matched_ok = has_matched_x(shift)
left_out = cached_left_out(results, results_key, shift)
with c_x:
    st.radio("ImageNet x-axis", X_AXES, format_func=X_LABELS.get, key=key(PAGE, P["x"]), horizontal=True,
             disabled=not matched_ok,
             help="Top-1 on all 1000 ImageNet classes, or on the ImageNet validation images of the shift's "
                  "classes (what Taori et al. plot for the 200- and 113-class shifts).")
    x_axis = state(PAGE, P["x"]) if matched_ok else "full"
    if matched_ok:
        st.caption(f"Left out for lack of x: full {left_out['full']:,}, class-matched {left_out['matched']:,}.")
    else:
        st.caption(f"No class-matched subset for {shift_label(shift)}; full ImageNet leaves out "
                   f"{left_out['full']:,}.")
kind = c_scale.radio("Axis scaling", TRANSFORMS, format_func=TRANSFORM_LABELS.get, key=key(PAGE, P["scale"]),
                     horizontal=True, help="Logit (default) and probit make the baseline linear; linear is "
                                           "for intuition only.")
search = c_search.text_input("Highlight models", key=key(PAGE, P["search"]), placeholder="name contains, e.g. ViT-B-32",
                             help="Case-insensitive substring of the model's name or id.")

with st.sidebar:
    st.header("Baseline and filters")
    baseline = st.radio("Fit the baseline on", BASELINES, format_func=BASELINE_LABELS.get,
                        key=key(PAGE, P["baseline"]))
    fit_pct = st.slider("ImageNet top-1 range of the baseline models (%)", min_value=FULL_RANGE[0],
                        max_value=FULL_RANGE[1], step=1.0, key=key(PAGE, P["fit"]), format="%.0f%%",
                        help="Fit only on baseline models whose x accuracy lies in this range.")
    shown_groups = st.pills("Groups shown", groups, selection_mode="multi", key=key(PAGE, P["groups"]),
                            help="Click to show or hide a group (the chart's legend toggles groups too).")
    shown_sources = st.pills("Sources shown", sources, selection_mode="multi", key=key(PAGE, P["sources"]),
                             format_func=lambda s: f"{SOURCE_LABELS.get(s, s)} ({source_counts.get(s, 0):,})")
    error_bars = st.toggle("Error bars (Clopper-Pearson 99.5%)", key=key(PAGE, P["errors"]))
    link = sync_url(PAGE, PARAMS)
    # drawn after the chart: the link's code box loads a large script the chart need not wait for
    link_slot = st.container()

# --- analysis -----------------------------------------------------------------------------------------
fit_range = None if tuple(fit_pct) == FULL_RANGE else (fit_pct[0] / 100, fit_pct[1] / 100)
try:
    analysis = cached_analysis(results, results_key, shift, x_axis, kind, baseline, fit_range)
except ValueError as exc:
    st.error(f"No baseline for this view: {exc}. Widen the ImageNet range or choose other baseline models.")
    with link_slot:
        show_share_link(link)
    st.stop()

pts = analysis.points
shown = pts[shown_mask(pts, shown_groups, shown_sources)]
zs_fit = zero_shot_fit(shown, kind)
fig = robustness_scatter(analysis, shown_groups, shown_sources, search, error_bars, zs_fit)

c_fig, c_stats = st.columns([4.6, 1.2])
with c_fig:
    if shown.empty:
        st.info("No models shown: select at least one group and one source in the sidebar.")
    event = st.plotly_chart(
        fig, key=f"{PAGE}.chart", on_select="rerun", selection_mode=("box", "lasso"), theme=None,
        config={"displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": f"effective_robustness_{shift}_{kind}",
                                         "scale": 3}})
    x_name = "full ImageNet" if x_axis == "full" else f"ImageNet on {shift_label(shift)} classes"
    st.caption(
        f"{len(shown):,} of {len(pts):,} models shown; {analysis.left_out:,} model(s) with "
        f"{shift_label(shift)} results lack {x_name}"
        + (" or one of the five shifts" if shift == AVERAGE else "") + " and are left out. "
        + ("Error bars: Clopper-Pearson 99.5% intervals"
           + (" (on ImageNet only: the average has no single image count)" if shift == AVERAGE else "")
           + ". " if error_bars else "")
        + "Band: 95% percentile bootstrap of the baseline (1000 resamples of models).")
with link_slot:
    show_share_link(link)

with c_stats:
    st.markdown("**Fitted lines**")
    st.table(fit_table(analysis.fit, zs_fit))
    range_note = ("all ImageNet accuracies" if fit_range is None
                  else f"ImageNet {fit_pct[0]:g}–{fit_pct[1]:g}%")
    n_zs = int((shown["group"] == ZERO_SHOT_GROUP).sum())
    st.caption(f"Baseline (red): OLS in {kind} space on {BASELINE_PHRASES[baseline]}, {range_note}.")
    st.caption(f"Zero-shot (purple): OLS on the {n_zs} zero-shot image-text models shown."
               if zs_fit is not None else
               f"Zero-shot: no line; {n_zs} zero-shot image-text model(s) shown, a line needs 3.")

# --- selection and search -----------------------------------------------------------------------------
ids = selected_model_ids(event.selection.points) if event is not None else []
st.subheader("Selected models")
if ids:
    chosen = pts[pts["model_id"].isin(ids)]
    st.caption(f"{len(chosen):,} model(s) selected. Effective robustness with its 95% interval "
               f"({ER_INTERVALS['total'].method}); "
               "relative robustness = shift minus ImageNet accuracy.")
    show_table(metrics_table(chosen, shift))
else:
    st.caption("Select points with the box or lasso tool (top right of the chart) to list their numbers here.")

if search.strip():
    st.subheader("Search matches")
    n_all = int(highlight_mask(results.models, search).sum())
    n_view = int(highlight_mask(pts, search).sum())
    hits = shown[highlight_mask(shown, search)]
    st.caption(f"“{plain(search.strip())}” matches {n_all:,} model(s): {len(hits):,} plotted, "
               f"{n_view - len(hits):,} hidden by the group/source filters, "
               f"{n_all - n_view:,} without results for this view.")
    if len(hits):
        show_table(metrics_table(hits, shift))
