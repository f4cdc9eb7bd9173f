"""Scaling: zero-shot accuracy and effective robustness of image-text models against samples seen.

Points come from ``effrob_core.scaling_points.scaling_points``; power laws from
``effrob_core.scaling`` (Cherti et al., 2023: their LAION pooled binned fit and OpenAI fit, and one
fit per colour group); effective robustness from
``effrob_core.robustness.analyse_shift``. Controls live in the URL.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from effrob_core.baseline import BASELINE_SPECS, BASELINES, TESTBED_RESAMPLES, baseline_label
from effrob_core.datasets import IMAGENET
from effrob_core.figures.scaling_sets import scaling_sets_figure
from effrob_core.figures.scaling import (
    group_colors,
    learning_curve_figure,
    robustness_scale_figure,
    scaling_figure,
)
from effrob_core.figures.paths import path_traces
from effrob_core.figures.style import GROUP_COLORS, SOURCE_LABELS, YOUR_MODELS, category_colors
from effrob_core.series import series_label, series_learning_curves, series_members, uploaded_series_keys
from effrob_core.models_table import shift_name
from effrob_core.results import (
    LEARNING_CURVES_FILE,
    RESULTS_DIR,
    UPLOAD_SOURCE,
    Results,
    ResultsError,
    load_learning_curves,
)
from effrob_core.robustness import analyse_shift
from effrob_core.scaling import (
    MIN_DRAWN_SCALES,
    SERIES_BY_KEY,
    GroupFit,
    fit_groups,
    fit_series,
    fit_table,
)
from effrob_core.scaling_points import (
    COLOR_BYS,
    DIGITIZED_LABEL,
    SCALING_EVAL_SETS,
    SCALING_SOURCES,
    X_KINDS,
    color_key,
    controlled_series,
    is_uploaded,
    robustness_by_decade,
    robustness_vs_scale,
    scaling_points,
)
from effrob_core.er_units import ER_UNITS, er_in_units, unit_phrase, unit_suffix
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.uncertainty import ER_INTERVALS
from effrob_core.viewstate import Param
from pages.common import (
    ER_PARAMS,
    MISSING,
    er_controls,
    follow_options,
    init_state,
    key,
    page_results,
    plain,
    show_share_link,
    state,
    sync_url,
    view_cache,
)

PAGE = "scaling"
#: Bootstrap resamples of the baseline band (the testbed's, the core's default).
N_RESAMPLES = TESTBED_RESAMPLES
X_LABELS = {"samples": "Samples seen", "compute": "Compute (GMACs)"}
Y_LABELS = {"error": "Error (log)", "accuracy": "Accuracy"}
COLOR_LABELS = {"data": "Training data", "architecture": "Architecture"}
FIT_LABELS = {"best": "Best model at each scale", "all": "All models"}
SERIES_LABELS = {"controlled": "Controlled series only", "all": "Every colour group"}
#: Which fits are drawn: Cherti et al.'s series and/or one fit per colour group.
FITS_LABELS = {"laion-pooled": "LAION pooled", "openai": "OpenAI", "groups": "Per colour group"}
CURVE_X_LABELS = {"epoch": "Epoch", "samples_seen": "Samples seen"}
X_PHRASES = {"samples": "samples seen", "compute": "total training compute"}
ER_SHIFTS = tuple(s for s in SCALING_EVAL_SETS if s != IMAGENET)
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 3}}


@view_cache(show_spinner=False, max_entries=64)
def cached_points(_results: Results, results_key: str, eval_set: str, x_kind: str,
                  sources: tuple[str, ...]) -> tuple[pd.DataFrame, int]:
    """``scaling_points`` for one view, cached on the view and the results' fingerprint."""
    return scaling_points(_results, eval_set, x_kind, sources)  # type: ignore[arg-type]


@view_cache(show_spinner=False, max_entries=128)
def cached_fits(_points: pd.DataFrame, view_key: tuple, color_by: str, irreducible: bool,
                frontier: bool, controlled: bool) -> tuple[list[GroupFit], dict[str, str]]:
    """Power-law fits per colour group (on the controlled series only, if asked), cached on the view."""
    pts = _points.loc[controlled_series(_points)] if controlled else _points
    return fit_groups(pts, color_key(pts, color_by), irreducible, frontier)  # type: ignore[arg-type]


@view_cache(show_spinner=False, max_entries=128)
def cached_series_fits(_points: pd.DataFrame, view_key: tuple, series: tuple[str, ...],
                       irreducible: bool) -> tuple[list[GroupFit], dict[str, str]]:
    """Cherti et al.'s fits (LAION pooled, OpenAI) on the view's points, and why any could not be made."""
    fits: list[GroupFit] = []
    skipped: dict[str, str] = {}
    for s in series:  # at most two series
        try:
            fits.append(fit_series(_points, s, irreducible))
        except ValueError as exc:
            skipped[SERIES_BY_KEY[s].label] = str(exc).removeprefix(f"{SERIES_BY_KEY[s].label}: ")
    return fits, skipped


@view_cache(show_spinner="Fitting the baseline and its bootstrap band…", max_entries=32)
def cached_analysis_points(_results: Results, results_key: str, shift: str, baseline: str,
                           kind: str) -> pd.DataFrame:
    """Per-model effective robustness on ``shift`` (``analyse_shift(...).points``), cached."""
    return analyse_shift(_results, shift, baseline, kind, n_resamples=N_RESAMPLES).points  # type: ignore[arg-type]


def mine_note(placed: int, left: int, x_kind: str, fitted: bool) -> str:
    """Caption sentence on this session's uploaded models: how many are drawn and how many lack the x."""
    return (f" {YOUR_MODELS} (uploaded, black ×): {placed:,} placed"
            + (", never used in the fits" if fitted else "")
            + f"; {left:,} left out because their {X_PHRASES[x_kind]} is unknown"
            + (" (upload them with a samples_seen column to place them)" if left and x_kind == "samples" else "")
            + ".")


@view_cache(show_spinner=False, max_entries=4)
def cached_learning_curves(path: str, mtime: float, results_key: str, _model_ids: pd.Series) -> pd.DataFrame:
    """The validated learning-curves table (re-read when the file or the results' fingerprint changes)."""
    return load_learning_curves(Path(path).parent, _model_ids)


# --- data and controls --------------------------------------------------------------------------------
results = page_results()
results_key = results.fingerprint()
curves_path = RESULTS_DIR / LEARNING_CURVES_FILE
scaling_models = results.models.loc[results.models["source"] == "scaling-laws"].sort_values("model_id")
scaling_ids = tuple(scaling_models["model_id"])
names = dict(zip(scaling_ids, scaling_models["display_name"]))  # the runs that can have a learning curve
default_curves = [i for i in scaling_ids if "Model-B-32_Data-" in i and "Samples-34B" in i][:3]
# this session's uploaded models join the sources (and are shown by default) while there are any
source_options = SCALING_SOURCES + ((UPLOAD_SOURCE,) if is_uploaded(results.models).any() else ())

PARAMS = [
    Param("eval", IMAGENET, "choice", SCALING_EVAL_SETS),
    Param("x", "samples", "choice", X_KINDS),
    Param("y", "error", "choice", ("error", "accuracy")),
    Param("color", "data", "choice", COLOR_BYS),
    Param("sources", list(source_options), "multi", source_options),
    Param("fit", True, "bool"),
    Param("fits", list(FITS_LABELS), "multi", tuple(FITS_LABELS)),
    Param("fewscales", False, "bool"),
    Param("fitto", "best", "choice", tuple(FIT_LABELS)),
    Param("series", "controlled", "choice", tuple(SERIES_LABELS)),
    Param("einf", False, "bool"),
    Param("extrap", 11, "int", bounds=(9, 15)),
    Param("ershift", "imagenetv2", "choice", ER_SHIFTS),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("sets", [], "multi", SCALING_EVAL_SETS),
    *ER_PARAMS,
]
if curves_path.exists():
    PARAMS += [Param("curves", default_curves, "multi", scaling_ids),
               Param("cx", "samples_seen", "choice", tuple(CURVE_X_LABELS))]
P = {p.key: p for p in PARAMS}

st.title("Scaling")
st.caption(
    "Zero-shot image-text models: accuracy under each evaluation set against the number of training "
    "samples seen, with power-law fits of error (Cherti et al., 2023), and effective robustness against "
    "samples seen (Taori et al., 2020; Radford et al., 2021).")
init_state(PAGE, PARAMS)
follow_options(PAGE, P["sources"], list(source_options))

c1, c2, c3, c4 = st.columns([1.6, 1.1, 1.0, 1.1])
eval_set = c1.selectbox("Evaluation set", SCALING_EVAL_SETS, format_func=shift_name, key=key(PAGE, P["eval"]))
x_kind = c2.radio("x", X_KINDS, format_func=X_LABELS.get, key=key(PAGE, P["x"]), horizontal=True,
                  help="Total training compute is known for the scaling-laws models only.")
y_metric = c3.radio("y", ("error", "accuracy"), format_func=Y_LABELS.get, key=key(PAGE, P["y"]), horizontal=True,
                    help="Error on a log axis makes a power law a straight line.")
color_by = c4.radio("Colour by", COLOR_BYS, format_func=COLOR_LABELS.get, key=key(PAGE, P["color"]),
                    horizontal=True)

with st.sidebar:
    st.header("Models and fits")
    sources = st.pills("Sources shown", source_options, selection_mode="multi", key=key(PAGE, P["sources"]),
                       format_func=SOURCE_LABELS.get,
                       help=f"{YOUR_MODELS}: the models uploaded on the Your results page in this browser "
                            "session, placed at the samples seen they were uploaded with (never fit)."
                       if UPLOAD_SOURCE in source_options else None)
    show_fits = st.toggle("Power-law fits", key=key(PAGE, P["fit"]))
    fits_shown = st.pills(
        "Fits", tuple(FITS_LABELS), selection_mode="multi", key=key(PAGE, P["fits"]), format_func=FITS_LABELS.get,
        disabled=not show_fits,
        help="As Cherti et al. (2023) fit: LAION pooled = every LAION-80M/400M/2B scaling-laws run, the lowest "
             "error in each of 5 equal bins of log10 x, least squares in log-log on the bin centres; OpenAI = "
             "least squares in log-log on OpenAI's CLIP models as they evaluated them. Per colour group = one "
             "fit per training dataset (or architecture), chosen below.")
    show_few = st.toggle(f"Show fits on fewer than {MIN_DRAWN_SCALES} scales", key=key(PAGE, P["fewscales"]),
                         disabled=not show_fits,
                         help=f"A power law through fewer than {MIN_DRAWN_SCALES} distinct scales is poorly "
                              "determined (its exponent's interval is wide, often including 0). Shown dashed "
                              "and labelled when on; listed in the table either way.")
    per_group = "groups" in fits_shown
    fit_to = st.radio("Fit to", tuple(FIT_LABELS), format_func=FIT_LABELS.get, key=key(PAGE, P["fitto"]),
                      disabled=not (show_fits and per_group),
                      help="Best: the lowest-error model of the group at each scale (Pareto frontier, as "
                           "Cherti et al. fit). Scales within about 12% count as one.")
    series = st.radio("Fit groups", tuple(SERIES_LABELS), format_func=SERIES_LABELS.get, key=key(PAGE, P["series"]),
                      disabled=not (show_fits and per_group),
                      help="Controlled series: the scaling-laws runs, the DataComp/CommonPool scales and the "
                           "digitised RN50 subsets, where models differ mainly in scale. Other OpenCLIP groups "
                           "mix architectures and recipes.")
    irreducible = st.checkbox("Irreducible error term E∞", key=key(PAGE, P["einf"]), disabled=not show_fits,
                              help="Fit E = A·x^α + E∞ (needs 4 scales) instead of E = A·x^α.")
    extrap = st.slider("Extrapolate fits to 10^N", min_value=9, max_value=15, step=1, key=key(PAGE, P["extrap"]),
                       disabled=not show_fits, help="Dotted lines continue each fit to 10^N samples (or GMACs).")
    st.header("Effective robustness")
    baseline = st.radio("Baseline fit on", BASELINES, format_func=baseline_label,
                        key=key(PAGE, P["baseline"]))
    kind = st.radio("Axis scaling of the baseline", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                    key=key(PAGE, P["scale"]), horizontal=True)
    link = sync_url(PAGE, PARAMS)
    show_share_link(link)

# --- accuracy against scale ---------------------------------------------------------------------------
set_name = shift_name(eval_set)
points, left_out = cached_points(results, results_key, eval_set, x_kind, tuple(sources))
n_images_pts = int(points["x_is_images"].sum())
if points.empty:
    st.info(f"No zero-shot model of the chosen sources has both {set_name} results and "
            f"{'samples seen' if x_kind == 'samples' else 'total compute'}; "
            f"{left_out:,} model(s) are left out for lack of x. Choose other sources or the samples axis.")
    st.stop()
groups = color_key(points, color_by)
all_points, _ = cached_points(results, results_key, IMAGENET, "samples", SCALING_SOURCES)
er_shift = state(PAGE, P["ershift"])
er_placed, er_left_out = cached_points(results, results_key, er_shift, x_kind, tuple(sources))
show_mine = UPLOAD_SOURCE in sources
x_phrase = X_PHRASES[x_kind]
shown_labels = set(groups) | set(color_key(er_placed, color_by))
colors = group_colors(sorted(set(color_key(all_points, color_by)) | shown_labels) if color_by == "data"
                      else sorted(shown_labels), color_by)
fits: list[GroupFit] = []
skipped: dict[str, str] = {}
view_key = (results_key, eval_set, x_kind, tuple(sources))
if show_fits:
    fits, skipped = cached_series_fits(points, view_key, tuple(k for k in fits_shown if k in SERIES_BY_KEY),
                                       irreducible)
    if per_group:
        group_fits, group_skipped = cached_fits(points, view_key, color_by, irreducible, fit_to == "best",
                                                series == "controlled")
        fits, skipped = fits + group_fits, {**skipped, **group_skipped}
drawn = [f for f in fits if show_few or not f.few_scales]
fig = scaling_figure(points, groups, colors, drawn, y_metric, x_kind, set_name, 10.0**extrap)
st.plotly_chart(fig, key=f"{PAGE}.chart.scaling", theme=None,
                config=dict(PLOT_CONFIG, toImageButtonOptions=dict(PLOT_CONFIG["toImageButtonOptions"],
                                                                   filename=f"scaling_{eval_set}_{x_kind}")))
n_mine = int(is_uploaded(points).sum())
left_mine = cached_points(results, results_key, eval_set, x_kind, (UPLOAD_SOURCE,))[1] if show_mine else 0
caption = (f"{len(points) - n_mine:,} zero-shot models placed; {left_out - left_mine:,} zero-shot model(s) with "
           f"{set_name} results are left out because their {x_phrase} is unknown")
caption += (" (most OpenCLIP pretrained tags give no count, e.g. openai, webli, dfn, metaclip, laion400m_e32)."
            if x_kind == "samples" else " (only the scaling-laws models report compute).")
if n_images_pts:
    caption += (f" ◆ The {n_images_pts} RN50 points on YFCC-15M subsets are {DIGITIZED_LABEL}: their x is the "
                "size of the training set, not samples seen, and their error bars are the reading precision.")
caption += " Other error bars: Clopper-Pearson 99.5% intervals (none for the average of shifts)."
if show_mine:
    caption += mine_note(n_mine, left_mine, x_kind, show_fits)
if show_fits and fits_shown:
    named = [f.group for f in drawn if f.series]
    caption += (" Lines: power laws"
                + (f" of Cherti et al. ({' and '.join(named)}: thick, in the legend)" if named else "")
                + (" and" if named and per_group else "")
                + (f" fit on {FIT_LABELS[fit_to].lower()} of each colour group"
                   + (" (controlled series only: scaling-laws runs, DataComp/CommonPool scales, digitised RN50)"
                      if series == "controlled" else "") if per_group else "")
                + f", solid over the data and dotted beyond it up to 10^{extrap} (where that lies past the data).")
    hidden = [f for f in fits if f.few_scales and not show_few]
    if show_few and any(f.few_scales for f in fits):
        caption += f" Dashed: fit on fewer than {MIN_DRAWN_SCALES} distinct scales, poorly determined."
    elif hidden:
        caption += (f" {len(hidden)} fit(s) on fewer than {MIN_DRAWN_SCALES} distinct scales are not drawn "
                    f"(listed below; “Show fits on fewer than {MIN_DRAWN_SCALES} scales” draws them).")
st.caption(caption)

if show_fits:
    st.subheader("Power-law fits")
    if fits:
        params = fit_table(fits, show_few)
        if not irreducible:  # E_inf is 0 by construction
            params = params.drop(columns=[c for c in params.columns if c.startswith("E_inf")])
        else:  # r is defined for the straight log-log line only
            params = params.drop(columns=["r (log-log)"])
        st.dataframe(
            params, hide_index=True, width="stretch", height=36 * (len(params) + 1) + 2,
            column_config={
                "Fit": st.column_config.TextColumn("Fit", help="E (fraction) against x: A to 2 decimals and "
                                                   "α to 3, as Cherti et al. print them."),
                "A": st.column_config.NumberColumn("A", format="%.4g", help="Error (fraction) at x = 1."),
                "alpha": st.column_config.NumberColumn("α", format="%.3f", help="Exponent of x."),
                "E_inf (%)": st.column_config.NumberColumn("E∞ (%)", format="%.2f"),
                "r (log-log)": st.column_config.NumberColumn("r (log-log)", format="%.3f"),
                "alpha 95% CI": st.column_config.TextColumn("α 95% CI"),
                "E_inf 95% CI (%)": st.column_config.TextColumn("E∞ 95% CI (%)"),
            }, placeholder=MISSING)
        st.caption(
            f"E = A·x^α{' + E∞' if irreducible else ''} fit on error as a fraction, x in "
            f"{'samples' if x_kind == 'samples' else 'GMACs'}. Points: the models (or, for LAION pooled, the "
            "bins) a fit is made on; Scales: how many distinct x they span (bins, or x within about 12%); "
            "Models: how many models took part. 95% intervals "
            + ("of A and α from the nonlinear least-squares covariance; of E∞ the profile interval (every E∞ "
               "whose refit is not significantly worse, F test), which stays within [0, the lowest error "
               "fit]: an end at 0 or at that error means the data do not bound E∞ there." if irreducible
               else "from the t distribution of the log-log regression (on few points, wide)."))
    if skipped:
        st.caption("Not fit: " + plain("; ".join(f"{g}: {why}" for g, why in sorted(skipped.items()))) + ".")

# --- effective robustness against scale -------------------------------------------------------------
st.subheader(f"Effective robustness against {x_phrase}")
c_shift, c_units, c_interval, c_note = st.columns([1.3, 1.2, 1.4, 2.2])
er_shift = c_shift.selectbox("Shift", ER_SHIFTS, format_func=shift_name, key=key(PAGE, P["ershift"]),
                             help="Effective robustness needs a distribution shift; ImageNet itself has none.")
units, interval = er_controls(PAGE, c_units, c_interval)
c_note.caption(
    "Does effective robustness depend on scale? If small, low-accuracy zero-shot models sit as far above the "
    "standard-training baseline as large ones, the points form a flat band above 0. The digitised low-accuracy "
    "points have ImageNet and ImageNetV2 results only, so they appear for ImageNetV2 alone.")
try:
    analysis_pts = cached_analysis_points(results, results_key, er_shift, baseline, kind)
except ValueError as exc:
    analysis_pts = None
    st.warning(f"No baseline on {shift_name(er_shift)} from {BASELINE_SPECS[baseline].phrase} ({exc}); "
               "choose another baseline or shift.", icon="⚠️")
er_points = robustness_vs_scale(er_placed, analysis_pts) if analysis_pts is not None else None
if er_points is None:
    pass
elif er_points.empty:
    st.info(f"None of the zero-shot models of the chosen sources has both {shift_name(er_shift)} results and "
            f"{x_phrase}.")
else:
    er_groups = color_key(er_points, color_by)
    er_fig = robustness_scale_figure(er_points, er_groups, colors, shift_name(er_shift), x_kind, unit=units,
                                     kind=kind, interval=interval)
    runs = uploaded_series_keys(results.models)
    if runs:  # each uploaded run joined in order of samples seen
        er_fig.add_traces(path_traces(pd.DataFrame(
            {"px": er_points["x"].to_numpy(), "py": er_in_units(er_points, units, kind)["er"].to_numpy(),
             "display_name": er_points["display_name"].to_numpy()}, index=er_points["model_id"].to_numpy()),
            series_members(results.models, runs), runs,
            y_format=f"%{{y:{ER_UNITS[units].fmt}}} {unit_suffix(units, kind)}"))
    st.plotly_chart(er_fig, key=f"{PAGE}.chart.robustness", theme=None, config=PLOT_CONFIG)
    n_dig = int(er_points["digitized"].sum())
    n_extrapolated = int(er_points["extrapolated"].astype(bool).sum())
    analysis_fit_range = (f"{100 * analysis_pts.loc[analysis_pts['in_baseline'], 'x'].min():.1f}–"
                          f"{100 * analysis_pts.loc[analysis_pts['in_baseline'], 'x'].max():.1f}% ImageNet range")
    er_mine = int(is_uploaded(er_points).sum())
    er_left_mine = cached_points(results, results_key, er_shift, x_kind, (UPLOAD_SOURCE,))[1] if show_mine else 0
    st.caption(
        f"{len(er_points) - er_mine:,} zero-shot models ({er_left_out - er_left_mine:,} more with "
        f"{shift_name(er_shift)} results lack {x_phrase}). Effective robustness = {shift_name(er_shift)} top-1 "
        f"minus the baseline's prediction at the model's ImageNet top-1 ({kind} fit on "
        f"{BASELINE_SPECS[baseline].phrase}), in {unit_phrase(units, kind)}; error bars: 95% intervals, "
        f"{ER_INTERVALS[interval].method}. Ringed: {n_extrapolated:,} extrapolated value(s), the model's ImageNet "
        f"top-1 outside the {analysis_fit_range} of the baseline models. "
        "The dashed line at 0 is where standard-training models lie on average."
        + (f" The {n_dig} digitised points also carry a reading error of about ±0.3 pts on each axis, not "
           "included in their bars." if n_dig else "")
        + (mine_note(er_mine, er_left_mine, x_kind, False) if show_mine else ""))
    published = er_points.loc[~is_uploaded(er_points)]
    st.markdown("**By scale**" + (" (published models only)" if show_mine else ""))
    if published.empty:
        st.caption("No published model of the chosen sources is placed.")
    else:
        st.dataframe(robustness_by_decade(published, units, kind), width="stretch",
                     column_config={"Share with ER > 0": st.column_config.NumberColumn(format="percent")}, placeholder=MISSING)

# --- learning curves ------------------------------------------------------------------------------------
st.subheader("Learning curves")
if not curves_path.exists():
    st.info("The published results have no per-epoch learning-curves table "
            f"(results/{LEARNING_CURVES_FILE}), so ImageNet zero-shot top-1 per epoch cannot be shown here.")
else:
    c_pick, c_cx = st.columns([4, 1.2])
    chosen = c_pick.multiselect("Scaling-laws models", scaling_ids, key=key(PAGE, P["curves"]),
                                format_func=lambda i: str(names.get(i, i)), placeholder="Choose runs")
    curve_x = c_cx.radio("x", tuple(CURVE_X_LABELS), format_func=CURVE_X_LABELS.get, key=key(PAGE, P["cx"]),
                         horizontal=True)
    try:
        curves = cached_learning_curves(str(curves_path), curves_path.stat().st_mtime, results_key,
                                        results.models["model_id"])
    except ResultsError as exc:
        st.error(f"The learning-curves table could not be loaded: {plain(exc)}")
    else:
        shown = curves.loc[curves["model_id"].isin(chosen)]
        runs = uploaded_series_keys(results.models)  # your runs, always shown beside the chosen ones
        run_curves = series_learning_curves(results, runs)
        if shown.empty and run_curves.empty:
            st.info("Choose one or more scaling-laws runs with a published learning curve.")
        else:
            curve_names = {**names, **{k: series_label(k) for k in runs}}
            curve_colors = {**category_colors(chosen), **{k: GROUP_COLORS[YOUR_MODELS] for k in runs}}
            st.plotly_chart(learning_curve_figure(pd.concat([shown, run_curves], ignore_index=True), curve_names,
                                                  curve_colors, curve_x),
                            key=f"{PAGE}.chart.curves", theme=None, config=PLOT_CONFIG)
            if runs:
                unplaced = run_curves["samples_seen"].isna() if curve_x == "samples_seen" else \
                    run_curves["epoch"].isna()
                st.caption(f"Black: your run(s) {plain(', '.join(series_label(k) for k in runs))}, ImageNet "
                           "zero-shot top-1 at each uploaded checkpoint (this browser session only)."
                           + (f" {int(unplaced.sum())} checkpoint(s) have no {CURVE_X_LABELS[curve_x].lower()} "
                              "and are not drawn (an open_clip run without params.txt: give its samples per "
                              "epoch on the Your results page)." if unplaced.any() else ""))
            without = sorted(set(chosen) - set(shown["model_id"]))
            st.caption(
                f"ImageNet zero-shot top-1 after each checkpoint ({len(shown):,} evaluations of "
                f"{shown['model_id'].nunique()} run(s); Cherti et al., 2023). For the LAION-2B runs an epoch is a "
                "checkpoint interval, not a pass over the data, so samples seen is the comparable x."
                + (f" No published curve for: {plain(', '.join(str(names.get(i, i)) for i in without))}." if without else ""))

# --- several evaluation sets on one chart --------------------------------------------------------------
st.subheader("Several evaluation sets on one chart")
chosen_sets = st.multiselect(
    "Evaluation sets", SCALING_EVAL_SETS, format_func=shift_name, key=key(PAGE, P["sets"]),
    help="Each set in one colour, one line per training-data family through its models in order of x, with "
         "the x, y and sources chosen above (as OpenCLIP's docs/scaling.png draws ImageNet and ImageNetV2).")
if chosen_sets:
    by_set = {s: cached_points(results, results_key, s, x_kind, tuple(sources))[0] for s in chosen_sets}
    st.plotly_chart(scaling_sets_figure(by_set, y_metric, x_kind), key=f"{PAGE}.chart.sets", theme=None,
                    config=PLOT_CONFIG)
    st.caption(f"Zero-shot top-1 {'accuracy' if y_metric == 'accuracy' else 'error'} on "
               f"{', '.join(shift_name(s) for s in chosen_sets)} against {X_PHRASES[x_kind]}: "
               + ", ".join(f"{len(p):,} models on {shift_name(s)}" for s, p in by_set.items()) + ". "
               "Digitised points (the RN50 / YFCC-15M subsets) are read from a figure (±0.3 pts) and placed at "
               "their unique training images.")
else:
    st.caption("Choose sets to compare them at every scale, e.g. ImageNet and ImageNetV2.")
