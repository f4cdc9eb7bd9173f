"""Effective robustness: ImageNet accuracy against accuracy under a distribution shift.

Every model is a point; the red line is the baseline fit on standard-training models (Taori et al.,
2020) with its bootstrap band, and effective robustness is a model's height above it. Controls live
in the URL; numbers come from ``effrob_core.robustness.analyse_shift``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from effrob_core.baseline import (
    BASELINE_SPECS,
    BASELINES,
    TESTBED_RESAMPLES,
    LinearFit,
    PiecewiseLine,
    baseline_label,
    piece_label,
)
from effrob_core.datasets import AVERAGE, EVAL_SETS
from effrob_core.er_units import ER_UNITS, er_in_units, unit_phrase, unit_suffix
from effrob_core.figures.scatter import (
    highlight_mask,
    off_scale_mask,
    robustness_scatter,
    selected_model_ids,
    shift_label,
    shown_mask,
    x_label,
)
from effrob_core.figures.export import (
    IMAGE_FORMAT_HELP,
    IMAGE_FORMATS,
    data_csv,
    image_config,
    paper_style,
    provenance,
    vector_traces,
)
from effrob_core.figures.paths import path_traces, scatter_coords
from effrob_core.figures.style import SOURCE_LABELS, source_labels
from effrob_core.checkpoints import also_in_text, checkpoint_of
from effrob_core.series import published_series_keys, series_label, series_members, uploaded_series_keys
from effrob_core.results import GROUPS, Results
from effrob_core.sources import ordered_sources
from effrob_core.robustness import (
    OTHER_SHIFT_CHOICES,
    SET_CHOICES,
    SHIFT_CHOICES,
    X_AXES,
    ShiftAnalysis,
    analyse_shift,
    filtered_models,
    shift_points,
    y_keys,
)
from effrob_core.datasets import IMAGENET
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS, transform
from effrob_core.uncertainty import ER_INTERVALS
from effrob_core.zero_shot import DEFAULT_LINE, LINE_CHOICES, ZeroShotLine, lines_table, zero_shot_lines
from effrob_core.viewstate import Param
from pages.chart_first import await_chart, chart_pending, mark_drawn
from pages.common import (
    ER_PARAMS,
    LANDING_SHIFT,
    MISSING,
    er_controls,
    follow_options,
    init_state,
    key,
    markdown_table,
    page_results,
    plain,
    show_share_link,
    state,
    sync_url,
    view_cache,
)

PAGE = "robustness"
#: Bootstrap resamples of the baseline band (the testbed's, the core's default).
N_RESAMPLES = TESTBED_RESAMPLES
#: The landing view: the seed's figure (open_clip docs/effective_robustness.png), ImageNetV2 on y.
DEFAULT_SHIFT = LANDING_SHIFT
FULL_RANGE = (0.0, 100.0)
#: y-axis menu: the natural shifts, then the testbed's synthetic and consistency settings (aggregates and
#: per-corruption means; per-severity settings are reachable by their key in the link).
SHIFT_MENU = SHIFT_CHOICES + tuple(k for k in OTHER_SHIFT_CHOICES if EVAL_SETS[k].listed)
#: x-axis menu besides ImageNet: every listed set ("" = ImageNet or its class-matched subset).
X_SET_MENU = ("",) + tuple(k for k in SET_CHOICES if k == AVERAGE or (k != IMAGENET and EVAL_SETS[k].listed))
#: Largest selection written into the link (model ids; a larger one is listed but not linked).
MAX_LINKED_SELECTION = 100
KIND_PREFIX = {"synthetic": "Synthetic · ", "variant": "Other setting · "}
#: A baseline piece fit on fewer models, or with a lower correlation, gets a warning.
MIN_RELIABLE_N = 10
MIN_RELIABLE_R = 0.8
PIECES = ("piecewise", "single-line")
PIECE_LABELS = {"piecewise": "Two lines split at the filtered model (testbed)",
                "single-line": "One line without the filtered model"}

#: Number formats of the zero-shot lines table (as ``effrob fit``: four decimals for coefficients).
LINE_FORMATS = {"slope": ".4f", "intercept": ".4f", "n": "d", "slope − baseline": "+.4f", "t": ".2f", "df": ".0f",
                "p": ".2g"}
X_LABELS = {"full": "Full ImageNet", "matched": "Class-matched"}


@view_cache(show_spinner="Fitting the baseline and its bootstrap band…", max_entries=64)
def cached_analysis(_results: Results, results_key: str, shift: str, x_axis: str, kind: str, baseline: str,
                    fit_range: tuple[float, float] | None, x_set: str | None = None,
                    piecewise: bool = True) -> ShiftAnalysis:
    """``analyse_shift`` for one view, cached on the view and the results' fingerprint."""
    return analyse_shift(_results, shift, baseline, kind, x_axis, fit_range,  # type: ignore[arg-type]
                         n_resamples=N_RESAMPLES, x_set=x_set, piecewise=piecewise)


@view_cache(show_spinner=False, max_entries=64)
def cached_left_out(_results: Results, results_key: str, shift: str) -> dict[str, int | None]:
    """How many models with the shift's y each x-axis leaves out (None where the x-axis does not exist)."""
    out: dict[str, int | None] = {}
    for x_axis in X_AXES:  # two x-axes
        try:
            out[x_axis] = shift_points(_results, shift, x_axis)[1]
        except ValueError:
            out[x_axis] = None
    return out


@view_cache(max_entries=32, same_object=True)
def cached_figure(_analysis: ShiftAnalysis, _models: pd.DataFrame, _zs_lines: list[ZeroShotLine], view: tuple,
                  kind: str, shown_groups: tuple[str, ...], shown_sources: tuple[str, ...], search: str, error_bars: bool,
                  x_limits: tuple[float, float] | None, y_limits: tuple[float, float] | None,
                  selected_ids: tuple[str, ...], units: str, interval: str, mark_members: bool,
                  series_keys: tuple[str, ...], paper: bool, title: str, vector: bool) -> go.Figure:
    """The chart of one view with its series paths and paper style, built once and shared, never modified
    after (``st.plotly_chart`` copies it). ``view`` names what the unhashed analysis, models and zero-shot
    lines were computed from: the results' fingerprint, shift, x-axis, baseline, fit range, x set, pieces
    and line choice (they also depend on the scale, groups, sources and search, which are arguments).
    ``vector`` redraws the WebGL traces as SVG ones, for an SVG export (:func:`vector_traces`)."""
    fig = robustness_scatter(_analysis, list(shown_groups), list(shown_sources), search, error_bars, _zs_lines,
                             height=560, x_limits=x_limits, y_limits=y_limits, selected_ids=list(selected_ids),
                             units=units, interval=interval, mark_members=mark_members)
    if series_keys:
        shown = _analysis.points[shown_mask(_analysis.points, list(shown_groups), list(shown_sources))]
        fig.add_traces(path_traces(scatter_coords(shown, transform(shown["x"], kind), transform(shown["y"], kind)),
                                   series_members(_models, list(series_keys)), list(series_keys)))
    if paper:
        paper_style(fig, title)
    return vector_traces(fig) if vector else fig


def menu_label(key: str) -> str:
    """A set's name in the menus, prefixed by its category when it is not a natural shift."""
    if key == "":
        return "ImageNet (x-axis control above)"
    prefix = KIND_PREFIX.get(EVAL_SETS[key].kind, "") if key in EVAL_SETS else ""
    return prefix + shift_label(key)


def with_current(menu: tuple[str, ...], current: str) -> list[str]:
    """The menu, plus the current value when a link chose a set the menu does not list."""
    return list(menu) + ([current] if current not in menu else [])


def ordered(present: set[str], order: tuple[str, ...]) -> list[str]:
    """``present`` in the given order, then anything else alphabetically."""
    return [v for v in order if v in present] + sorted(present - set(order))


def has_matched_x(shift: str) -> bool:
    """Whether the shift has a class-matched ImageNet subset."""
    return shift != AVERAGE and EVAL_SETS[shift].matched_x is not None


def metrics_table(points: pd.DataFrame, shift: str, units: str, kind: str, interval: str,
                  x_name: str = "ImageNet") -> pd.DataFrame:
    """One row per model: name, group, source, accuracies in percent, effective robustness in ``units``
    with its ``interval``, whether it is extrapolated, relative robustness in points; best first."""
    name = shift_label(shift)
    unit = unit_suffix(units, kind)  # type: ignore[arg-type]
    er = er_in_units(points, units, kind, interval)  # type: ignore[arg-type]
    er_col = f"Eff. robustness ({unit})"
    table = pd.DataFrame({
        "Model": points["display_name"].to_numpy(),
        "Group": points["group"].to_numpy(),
        "Source": source_labels(points["source"]),
        f"{x_name} (%)": 100 * points["x"].to_numpy(),
        f"{name} (%)": 100 * points["y"].to_numpy(),
        er_col: er["er"].to_numpy(),
        "95% CI low": er["er_lo"].to_numpy(),
        "95% CI high": er["er_hi"].to_numpy(),
        "Extrapolated": points["extrapolated"].to_numpy(dtype=bool),
        "Shift gap y − x (pts)": 100 * points["shift_gap"].to_numpy(),
        "Also in": also_in_text(points).str.removeprefix("also in: ").to_numpy(),
        "model_id": points["model_id"].to_numpy(),
    })
    return table.sort_values(er_col, ascending=False, kind="stable").reset_index(drop=True)


def plotted_table(points: pd.DataFrame, shift: str, x_name: str, interval: str) -> pd.DataFrame:
    """The plotted points with their numbers (percent; ER also in axis units, with the ``interval``
    chosen) and the extrapolation flag, for the data download."""
    name = shift_label(shift)
    band = "_band" if interval == "band" else ""
    return pd.DataFrame({
        "model_id": points["model_id"].to_numpy(), "model": points["display_name"].to_numpy(),
        "group": points["group"].to_numpy(), "source": points["source"].to_numpy(),
        f"x: {x_name} top-1 (%)": 100 * points["x"].to_numpy(), f"y: {name} top-1 (%)": 100 * points["y"].to_numpy(),
        "in_baseline": points["in_baseline"].to_numpy(),
        "eff_rob_pts": 100 * points["eff_rob"].to_numpy(),
        "eff_rob_lo_pts": 100 * points[f"eff_rob{band}_lo"].to_numpy(),
        "eff_rob_hi_pts": 100 * points[f"eff_rob{band}_hi"].to_numpy(),
        "eff_rob_transformed": points["eff_rob_transformed"].to_numpy(),
        "eff_rob_transformed_lo": points[f"eff_rob_transformed{band}_lo"].to_numpy(),
        "eff_rob_transformed_hi": points[f"eff_rob_transformed{band}_hi"].to_numpy(),
        "extrapolated": points["extrapolated"].to_numpy(dtype=bool),
        "shift_gap_pts": 100 * points["shift_gap"].to_numpy(),
    })


def fit_fields(fit: LinearFit | None, kind: str) -> dict[str, object] | None:
    """A fitted line's coefficients, its models' x range and (for a zero-shot line) its slope test, for
    the data download."""
    if fit is None:
        return None
    return {"transform": kind, "slope": fit.slope, "intercept": fit.intercept, "r": fit.r, "n": fit.n,
            "x_min": fit.x_min, "x_max": fit.x_max, "residual_sd": fit.residual_sd}


def line_fields(line: ZeroShotLine, kind: str) -> dict[str, object]:
    """A zero-shot line for the data download, with its slope test against the baseline."""
    return {**(fit_fields(line.fit, kind) or {}), "slope_minus_baseline": line.test.difference,
            "t": line.test.t, "df": line.test.df, "p": line.test.p}


def baseline_table(line: PiecewiseLine) -> pd.DataFrame:
    """Slope, intercept, r (4 decimals, as ``effrob fit``), n, the ImageNet range and the residual SD, as text;
    one column per piece of the baseline ("Baseline", or "Baseline ≤ s%" and "Baseline > s%")."""
    def column(fit: LinearFit) -> dict[str, str]:
        return {"slope": f"{fit.slope:.4f}", "intercept": f"{fit.intercept:.4f}", "r": f"{fit.r:.4f}",
                "n": f"{fit.n}", "x range": f"{100 * fit.x_min:.1f}–{100 * fit.x_max:.1f}%",
                "residual SD": f"{fit.residual_sd:.4f}"}
    columns = {piece_label(p.low, p.high): column(p.fit) for p in line.pieces}
    return pd.DataFrame({k: list(v.values()) for k, v in columns.items()},
                        index=pd.Index(list(next(iter(columns.values()))), name="fit"))


def show_table(table: pd.DataFrame, units: str) -> None:
    """A models table with the unit's decimals (two for percentages) and a bounded height."""
    decimals = ER_UNITS[units].fmt.lstrip("+").rstrip("f").lstrip(".")
    fmt = {c: st.column_config.NumberColumn(format="%.2f") for c in table.columns if table[c].dtype.kind == "f"}
    for c in [c for c in table.columns if c.startswith("Eff. robustness") or c.startswith("95% CI")]:
        fmt[c] = st.column_config.NumberColumn(format=f"%.{decimals}f")
    fmt["Extrapolated"] = st.column_config.CheckboxColumn(
        "Extrapolated", help="x outside the range of the models the baseline was fit on")
    st.dataframe(table, hide_index=True, column_config=fmt, height=min(400, 38 + 35 * len(table)), placeholder=MISSING)


def imagenet_a_note(analysis: ShiftAnalysis) -> str:
    """Why a set filtered against a model (ImageNet-A) gets the testbed's two-piece baseline, citing its code."""
    models = ", ".join(filtered_models(analysis.shift))
    how = ("Here the baseline is the imagenet-testbed's two-piece line: one fit on the baseline models below "
           f"{models}'s x ({100 * analysis.fit.splits[0]:.2f}% on this x-axis), one on those above, and each model's "
           "effective robustness uses the line on its side (a tie goes below)." if analysis.piecewise else
           f"Here the baseline is one line without {models}; choose the two-piece line in the sidebar for the "
           "testbed's method.")
    return (f"{shift_label(analysis.shift)} keeps only images that a ResNet-50 misclassifies, so {models} scores "
            "0% by construction; it never enters a fit (its 0% is undefined on a logit or probit axis and, clipped, "
            f"would be the most influential point). {how} Source: modestyachts/imagenet-testbed, "
            "plotting/paper_appendix_eff_robust.py (format_eff_robust) and plotting/paper_imagenet_a.py.")


def weak_fit_warnings(baseline: PiecewiseLine) -> list[str]:
    """A warning per baseline piece fit on fewer than ``MIN_RELIABLE_N`` models or with r below ``MIN_RELIABLE_R``."""
    out = []
    for p in baseline.pieces:  # one or two
        problems = ([f"only {p.fit.n} models"] if p.fit.n < MIN_RELIABLE_N else []) + (
            [f"r = {p.fit.r:.2f}"] if not p.fit.r >= MIN_RELIABLE_R else [])
        if problems:
            out.append(f"{piece_label(p.low, p.high)} is fit on {' and '.join(problems)} "
                       f"(reliable lines need at least {MIN_RELIABLE_N} models and r ≥ {MIN_RELIABLE_R}); "
                       "its effective-robustness numbers are uncertain.")
    return out


# --- data and controls ------------------------------------------------------------------------------
results = page_results()
results_key = results.fingerprint()
groups = ordered(set(results.models["group"]), GROUPS)
sources = ordered_sources(results.models["source"].unique().tolist())
source_counts = results.models["source"].value_counts()

PARAMS = [
    Param("shift", DEFAULT_SHIFT, "choice", SET_CHOICES),
    Param("x", "full", "choice", X_AXES),
    Param("xset", "", "choice", ("",) + SET_CHOICES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("fit", FULL_RANGE, "range", bounds=FULL_RANGE),
    Param("pieces", "piecewise", "choice", PIECES),
    Param("groups", list(groups), "multi", tuple(groups)),
    Param("sources", list(sources), "multi", tuple(sources)),
    Param("errors", False, "bool"),
    Param("search", "", "text"),
    Param("xr", None, "range", bounds=FULL_RANGE),
    Param("yr", None, "range", bounds=FULL_RANGE),
    Param("sel", [], "multi"),
    Param("paper", False, "bool"),
    Param("title", "", "text"),
    Param("fmt", "png", "choice", IMAGE_FORMATS),
    Param("paths", [], "multi", published_series_keys(results.models)),
    *ER_PARAMS,
    Param("zsline", DEFAULT_LINE, "choice", tuple(LINE_CHOICES)),
    Param("members", False, "bool"),
]
P = {p.key: p for p in PARAMS}

# less empty space above the title, so that the chart is above the fold at 1280x800
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem}</style>")
st.title("Effective robustness")
st.caption(
    "Each point is a model: top-1 on ImageNet (x) against top-1 under a distribution shift (y), on "
    "transformed axes. Red: the baseline fit on standard-training models; effective robustness is a "
    "model's height above it, in accuracy points (Taori et al., 2020) or in units of the plotted axes. Lines are "
    "solid where they were fit, dashed where extrapolated. Box- or lasso-select points to list them.")
CHART_SIGNAL = f"{PAGE}.chart_drawn"
sidebar_waits = chart_pending(CHART_SIGNAL)
init_state(PAGE, PARAMS, keep_notices=sidebar_waits)  # shown again in the run that draws the sidebar
follow_options(PAGE, P["groups"], groups)
follow_options(PAGE, P["sources"], sources)

c_shift, c_x, c_scale = st.columns([1.25, 1.3, 1.2])
shift = c_shift.selectbox("Distribution shift (y-axis)", with_current(SHIFT_MENU, state(PAGE, P["shift"])),
                          format_func=menu_label, key=key(PAGE, P["shift"]),
                          help="Natural shifts first, then the testbed's synthetic settings (ImageNet-C, PGD, "
                               "greyscale, stylized) and other settings (pm-10, ImageNetV2 variants). Per-severity "
                               "ImageNet-C settings open by key in the link, e.g. shift=imagenet-c.fog.3.")
x_set = state(PAGE, P["xset"]) or None
matched_ok = has_matched_x(shift) and x_set is None
left_out = cached_left_out(results, results_key, shift)
with c_x:
    st.radio("ImageNet x-axis", X_AXES, format_func=X_LABELS.get, key=key(PAGE, P["x"]), horizontal=True,
             disabled=not matched_ok or x_set is not None,
             help="Top-1 on all 1000 ImageNet classes, or on the ImageNet validation images of the shift's "
                  "classes (what Taori et al. plot for the 200- and 113-class shifts).")
    x_axis = state(PAGE, P["x"]) if matched_ok else "full"
    if x_set is not None:
        st.caption(f"x-axis: {shift_label(x_set)} (set in the sidebar).")
    elif matched_ok:
        st.caption(f"Left out for lack of x: full {left_out['full']:,}, class-matched {left_out['matched']:,}.")
    elif left_out["full"] is None:
        st.caption("Choose an x-axis set in the sidebar.")
    else:
        st.caption(f"No class-matched subset for {shift_label(shift)}.")
kind = c_scale.radio("Axis scaling", TRANSFORMS, format_func=TRANSFORM_LABELS.get, key=key(PAGE, P["scale"]),
                     horizontal=True, help="Logit (default) and probit make the baseline linear; linear is "
                                           "for intuition only.")
# --- sidebar controls: their values, read from their state here; the sidebar itself is drawn after the
# chart (draw_sidebar), in a browser's first run only once the chart is on screen (pages/chart_first.py) --
search = state(PAGE, P["search"])
baseline = state(PAGE, P["baseline"])
fit_pct = state(PAGE, P["fit"])
splittable = len(y_keys(shift)) == 1 and bool(filtered_models(shift))
piecewise = not splittable or state(PAGE, P["pieces"]) == "piecewise"
shown_groups = state(PAGE, P["groups"])
shown_sources = state(PAGE, P["sources"])
members_on = state(PAGE, P["members"])
error_bars = state(PAGE, P["errors"])
path_keys = state(PAGE, P["paths"])
units = state(PAGE, P["units"])
interval = state(PAGE, P["interval"])
zs_choice = state(PAGE, P["zsline"])
paper = state(PAGE, P["paper"])
title = state(PAGE, P["title"])
fmt = state(PAGE, P["fmt"])


def draw_sidebar(link: str, ranges: bool = True) -> None:
    """The sidebar's controls (their values were read above), the axis-range controls unless ``ranges`` is
    False (no analysis to range over), and the link box."""
    with st.sidebar:
        st.text_input("Highlight models", key=key(PAGE, P["search"]), placeholder="name contains, e.g. ViT-B-32",
                      help="Case-insensitive substring of the model's name or id.")
        st.header("Baseline and filters")
        st.radio("Fit the baseline on", BASELINES, format_func=baseline_label, key=key(PAGE, P["baseline"]))
        x_phrase = (f"the {shift_label(x_set)} x-axis" if x_set is not None else "the full ImageNet x-axis"
                    if x_axis == "full" else f"the class-matched x-axis (ImageNet on {shift_label(shift)} classes)")
        st.slider("Fit range: x-axis top-1 of the baseline models (%)", min_value=FULL_RANGE[0],
                  max_value=FULL_RANGE[1], step=1.0, key=key(PAGE, P["fit"]), format="%.0f%%",
                  help="Fit only on baseline models whose accuracy on the chosen x-axis lies in this range.")
        st.caption(f"The range applies to {x_phrase}.")
        st.selectbox("x-axis evaluation set", with_current(X_SET_MENU, state(PAGE, P["xset"])), format_func=menu_label,
                     key=key(PAGE, P["xset"]),
                     help="Any evaluation set on the x-axis instead of ImageNet, as in the testbed's plotting "
                          "playground (e.g. ImageNetV2 against ImageNet-R, Vid-Robust pm-0 against pm-10).")
        if splittable:
            st.radio(f"{shift_label(shift)} baseline", PIECES, format_func=PIECE_LABELS.get,
                     key=key(PAGE, P["pieces"]),
                     help=f"{shift_label(shift)} was filtered against {', '.join(filtered_models(shift))} (0% by "
                          "construction). The imagenet-testbed fits two lines, split at that model's x; or fit one "
                          "line without it.")
        st.pills("Groups shown", groups, selection_mode="multi", key=key(PAGE, P["groups"]),
                 help="Click to show or hide a group; the chart's legend lists exactly the groups "
                      "shown here (and in the link).")
        st.pills("Sources shown", sources, selection_mode="multi", key=key(PAGE, P["sources"]),
                 format_func=lambda s: f"{SOURCE_LABELS.get(s, s)} ({source_counts.get(s, 0):,})")
        st.toggle("Mark the baseline's models", key=key(PAGE, P["members"]),
                  help="Red rings around the shown models the baseline was fit on.")
        st.toggle("Error bars (Clopper-Pearson 99.5%)", key=key(PAGE, P["errors"]))
        st.pills("Series drawn as paths", P["paths"].choices, selection_mode="multi",
                 key=key(PAGE, P["paths"]), format_func=series_label,
                 help="Published series drawn in order as a connected path (start ○, end ◇); e.g. "
                      "the zero-shot ViT-B/32 → its LP initialisation → 71 fine-tuned models and two "
                      "soups (Wortsman et al., 2022). Your uploaded runs are always drawn.")
        st.header("Effective robustness")
        er_controls(PAGE)
        st.selectbox("Zero-shot line fit on", tuple(LINE_CHOICES), format_func=lambda c: LINE_CHOICES[c].label,
                     key=key(PAGE, P["zsline"]),
                     help="OpenAI's CLIP models (the seed figure's purple line), every zero-shot model "
                          "shown, the models matching the highlight search, or one line per training-data "
                          "group (Fang et al., 2022).")
        if ranges:
            st.markdown("**Axis ranges** (a zoom you can share)")
            range_control("x", P["xr"])
            range_control("y", P["yr"])
        with st.expander("Export for a paper", expanded=bool(paper)):
            st.toggle("Paper style", key=key(PAGE, P["paper"]),
                      help="White background, larger black type, opaque outlined markers, no band legend entry.")
            st.text_input("Title (optional)", key=key(PAGE, P["title"]), disabled=not paper)
            st.radio("Camera button saves", IMAGE_FORMATS, key=key(PAGE, P["fmt"]), horizontal=True,
                     format_func=str.upper, help=IMAGE_FORMAT_HELP)
        show_share_link(link)


# --- analysis -----------------------------------------------------------------------------------------
fit_range = None if tuple(fit_pct) == FULL_RANGE else (fit_pct[0] / 100, fit_pct[1] / 100)
try:
    analysis = cached_analysis(results, results_key, shift, x_axis, kind, baseline, fit_range, x_set, piecewise)
except ValueError as exc:
    st.error(f"No baseline for this view: {exc}. Widen the ImageNet range, choose other baseline models or "
             "other evaluation sets.")
    mark_drawn(CHART_SIGNAL)  # no chart to wait for
    draw_sidebar(sync_url(PAGE, PARAMS), ranges=False)
    st.stop()

pts = analysis.points
shown = pts[shown_mask(pts, shown_groups, shown_sources)]
zs_lines, zs_skipped = zero_shot_lines(shown, zs_choice, kind, analysis.fit, highlight_mask(shown, search))
x_name = x_label(shift, x_axis, x_set)


def range_keys(param: Param) -> tuple[str, str]:
    """Session-state keys of one axis's range toggle and slider."""
    return f"{PAGE}.{param.key}.fixed", f"{PAGE}.{param.key}.slider"


def range_limits(param: Param, values: pd.Series) -> tuple[float, float] | None:
    """A fixed accuracy range (fractions) for one axis, or None for automatic; kept in the link (percent).

    Read from the state of the axis's controls (``range_control``, drawn after the chart): its toggle,
    and its slider, which starts from the link's range or else from ``values``' own range."""
    current = state(PAGE, param)
    fixed, widget = range_keys(param)
    if not st.session_state.get(fixed, current is not None):
        st.session_state[key(PAGE, param)] = None
        return None
    if current is None:  # start from the points' own range
        lo, hi = (float(values.min()) * 100, float(values.max()) * 100) if len(values) else FULL_RANGE
        current = (max(0.0, float(int(lo))), min(100.0, float(int(hi) + 1)))
    if st.session_state.get(f"{widget}:from") != current:  # a link or a reset set the value
        st.session_state[widget] = current
    chosen = tuple(st.session_state[widget])
    if chosen[0] >= chosen[1]:
        return None
    st.session_state[key(PAGE, param)] = chosen
    st.session_state[f"{widget}:from"] = chosen
    return chosen[0] / 100, chosen[1] / 100


def range_control(axis: str, param: Param) -> None:
    """The toggle and slider of one axis's fixed range, whose values ``range_limits`` read."""
    fixed, widget = range_keys(param)
    if st.toggle(f"Fix the {axis} range", value=state(PAGE, param) is not None, key=fixed):
        chosen = st.slider(f"{axis} range (%)", 0.0, 100.0, step=0.5, key=widget, format="%.1f%%")
        if chosen[0] >= chosen[1]:
            st.caption("An empty range is ignored.")


x_limits = range_limits(P["xr"], shown["x"])
y_limits = range_limits(P["yr"], shown["y"])

linked_ids = [i for i in state(PAGE, P["sel"]) if i in set(pts["model_id"])]
series_keys = [*path_keys, *uploaded_series_keys(results.models)]


def series_caption(keys: list[str]) -> str:
    """What the drawn paths are: each series in order from start (○) to end (◇), over the models shown."""
    return ("Paths: " + "; ".join(plain(series_label(k)) for k in keys) + ", each joined in order from its start (○) "
            "to its end (◇) over the models shown (a run's checkpoints by samples seen; the model-soups series "
            "goes zero-shot → LP initialisation, with thin lines to each fine-tuned model and soup).")


fig = cached_figure(analysis, results.models, zs_lines,
                    (results_key, shift, x_axis, baseline, fit_range, x_set, piecewise, zs_choice), kind,
                    tuple(shown_groups), tuple(shown_sources), search, error_bars, x_limits, y_limits,
                    tuple(linked_ids), units, interval, members_on, tuple(series_keys), paper, title,
                    fmt == "svg")

c_fig, c_stats = st.columns([3.3, 1.25] if len(analysis.fit.pieces) == 1 else [3.0, 1.6])  # room for two pieces
with c_fig:
    if shown.empty:
        st.info("No models shown: select at least one group and one source in the sidebar.")
    event = st.plotly_chart(
        fig, key=f"{PAGE}.chart", on_select="rerun", selection_mode=("box", "lasso"), theme=None,
        config=image_config(fmt, f"effective_robustness_{shift}_{kind}"))
    st.caption(
        f"{len(shown):,} of {len(pts):,} models shown; {analysis.left_out:,} model(s) with "
        f"{shift_label(shift)} results lack {x_name}"
        + (" or one of the averaged sets" if len(y_keys(shift)) > 1 else "") + " and are left out. "
        + "Each checkpoint is one point and counts once in every fit, even where several sources "
          "published it (the hover lists its other rows). "
        + ("Error bars: Clopper-Pearson 99.5% intervals"
           + (" (on ImageNet only: the average has no single image count)" if shift == AVERAGE else "")
           + ". " if error_bars else "")
        + "Band: 95% percentile bootstrap of the baseline (1000 resamples of models). Lines are solid over the "
          "x range of the models they were fit on and dashed beyond it (extrapolation). "
        + f"Hover: effective robustness in {unit_phrase(units, kind)}, with its 95% interval ("
        + ER_INTERVALS[interval].method + "); ⚠ marks an extrapolated value.")
    if series_keys:
        st.caption(series_caption(series_keys))
    off_scale = pts[off_scale_mask(pts, kind) & shown_mask(pts, shown_groups, shown_sources)]
    if len(off_scale):
        st.caption(f"Not drawn ({len(off_scale)}): " + ", ".join(
            f"{plain(str(n))} ({100 * x:.2f}%, {100 * y:.2f}%)" for n, x, y in
            zip(off_scale["display_name"], off_scale["x"], off_scale["y"], strict=True))  # a few models
            + f" — 0% or 100% has no place on a {kind} axis; the tables below list them.")
    if filtered_models(shift):
        st.caption(imagenet_a_note(analysis))

# --- selection (kept in the link) ---------------------------------------------------------------------
event_ids = selected_model_ids(event.selection.points) if event is not None else []
previous = st.session_state.get(f"{PAGE}.sel:event")
if event_ids or (previous is not None and previous != event_ids):  # the user selected, or cleared
    ids = event_ids
    st.session_state[key(PAGE, P["sel"])] = ids if len(ids) <= MAX_LINKED_SELECTION else []
else:  # no new selection on the chart: the one from the link
    ids = linked_ids
st.session_state[f"{PAGE}.sel:event"] = event_ids
link = sync_url(PAGE, PARAMS)
if sidebar_waits:  # a browser's first run: the sidebar follows once the chart is drawn
    await_chart(CHART_SIGNAL)
else:
    draw_sidebar(link)


def plotted_csv() -> str:
    """The plotted points with the fitted lines and the view's provenance, written when the download
    button is clicked (not on every run)."""
    return data_csv(plotted_table(shown, shift, x_name, interval),
                    {**{f"baseline (red) {piece_label(pc.low, pc.high).removeprefix('Baseline')}".rstrip():
                        fit_fields(pc.fit, kind) for pc in analysis.fit.pieces},
                     **{f"zero-shot line: {ln.label}": line_fields(ln, kind) for ln in zs_lines}},
                    {**provenance(link, results_key), "x": x_name, "y": shift_label(shift),
                     "baseline models": BASELINE_SPECS[baseline].phrase})


with c_fig:
    st.download_button(
        "Download plotted data (CSV, with fits and provenance)", plotted_csv,
        file_name=f"effective_robustness_{shift}_{kind}.csv", mime="text/csv", key=f"{PAGE}.download",
        on_click="ignore")

with c_stats:
    st.markdown("**Baseline**")
    st.markdown(markdown_table(baseline_table(analysis.fit), index=True))
    range_note = ("all ImageNet accuracies" if fit_range is None
                  else f"ImageNet {fit_pct[0]:g}–{fit_pct[1]:g}%")
    n_extrapolated = int(shown["extrapolated"].sum())
    st.caption(f"Red: OLS in {kind} space on {BASELINE_SPECS[baseline].phrase} ({BASELINE_SPECS[baseline].members}), "
               f"{range_note}: {analysis.fit.n} models with x "
               + " and ".join(f"{100 * pc.fit.x_min:.1f}–{100 * pc.fit.x_max:.1f}%" for pc in analysis.fit.pieces)
               + f"{' (one line each side of the split)' if analysis.piecewise else ''}. {n_extrapolated:,} of the {len(shown):,} models shown lie outside "
               "that range: their effective robustness is extrapolated.")

    for warning in weak_fit_warnings(analysis.fit):  # one per piece at most
        st.warning(warning)
    left = analysis.left_out_of_fit()
    if len(left):
        st.caption(f"Left out of every fit ({len(left)}): " + "; ".join(
            f"{plain(str(n))} ({r})" for n, r in zip(left["display_name"], left["fit_excluded"],
                                                                 strict=True)) + ".")

st.markdown("**Zero-shot line" + ("s" if len(zs_lines) > 1 else "") + f"**: fit on {LINE_CHOICES[zs_choice].phrase}")
if zs_lines:
    st.markdown(markdown_table(lines_table(zs_lines, analysis.fit), LINE_FORMATS))
    st.caption(f"OLS in {kind} space, as the baseline. Slope test: t = (b − b_baseline) / √(se² + se_baseline²) "
               "with n + n_baseline − 4 degrees of freedom, two-sided (Paternoster et al., 1998); a small p says the "
               "line's slope differs from the baseline's. Models listed in several sources count once per source.")
if zs_skipped:
    st.caption("No line for: " + "; ".join(f"{plain(k)} ({v})" for k, v in sorted(zs_skipped.items())) + ".")

# --- selection and search -----------------------------------------------------------------------------
st.subheader("Selected models")
if ids:
    chosen = pts[pts["model_id"].isin(ids)]
    st.caption(f"{len(chosen):,} model(s) selected. Effective robustness in {unit_phrase(units, kind)}, with "
               f"its 95% interval ({ER_INTERVALS[interval].method}); Extrapolated: the model's x lies outside the "
               "baseline models' range; shift gap = y minus x accuracy (y − x). "
               + ("The selection is in the link." if len(ids) <= MAX_LINKED_SELECTION else
                  f"More than {MAX_LINKED_SELECTION} models: the link does not keep this selection."))
    show_table(metrics_table(chosen, shift, units, kind, interval, x_name), units)
else:
    st.caption("Select points with the box or lasso tool (top right of the chart) to list their numbers here.")

if search.strip():
    st.subheader("Search matches")
    canonical = results.models[checkpoint_of(results.models) == results.models["model_id"]]  # one per checkpoint
    n_all = int(highlight_mask(canonical, search).sum())
    n_view = int(highlight_mask(pts, search).sum())
    hits = shown[highlight_mask(shown, search)]
    st.caption(f"“{plain(search.strip())}” matches {n_all:,} model(s): {len(hits):,} plotted, "
               f"{n_view - len(hits):,} hidden by the group/source filters, "
               f"{n_all - n_view:,} without results for this view.")
    if len(hits):
        show_table(metrics_table(hits, shift, units, kind, interval, x_name), units)
