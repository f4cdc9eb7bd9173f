"""Shift panels: small multiples of the effective-robustness view, one panel per shift, in one figure.

As Taori et al. (2020, Fig. 1/2) and Radford et al. (2021, Fig. 13) show them: the same groups and
colours in every panel, the baseline fit per shift, and one link for the whole grid. Numbers come
from ``effrob_core.robustness.analyse_shift``, the figure from ``effrob_core.figures.panels``.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from effrob_core.baseline import BASELINES, TESTBED_RESAMPLES, baseline_label
from effrob_core.datasets import EVAL_SETS
from effrob_core.figures.export import IMAGE_FORMAT_HELP, IMAGE_FORMATS, image_config, paper_style, vector_traces
from effrob_core.figures.panels import shift_panels
from effrob_core.figures.scatter import shift_label
from effrob_core.results import GROUPS, Results
from effrob_core.sources import ordered_sources
from effrob_core.robustness import OTHER_SHIFT_CHOICES, SET_CHOICES, SHIFT_CHOICES, X_AXES, analyse_shift
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.viewstate import Param
from pages.common import follow_options, init_state, key, page_results, show_share_link, state, sync_url, view_cache

PAGE = "panels"
#: Bootstrap resamples of the baseline band (the testbed's, the core's default).
N_RESAMPLES = TESTBED_RESAMPLES
#: Taori et al.'s natural-shift panels (Fig. 2), in their order.
DEFAULT_SHIFTS = ["imagenetv2", "imagenet-r", "objectnet", "imagenet-vid-robust", "ytbb-robust", "imagenet-sketch"]
MENU = SHIFT_CHOICES + tuple(k for k in OTHER_SHIFT_CHOICES if EVAL_SETS[k].listed)
X_LABELS = {"full": "Full ImageNet", "matched": "Class-matched where the shift has it"}


@view_cache(show_spinner="Fitting each panel's baseline…", max_entries=32)
def cached_figure(_results: Results, results_key: str, shifts: tuple[str, ...], x_axis: str, kind: str,
                  baseline: str, groups: tuple[str, ...], sources: tuple[str, ...], columns: int,
                  zero_shot: bool, vector: bool) -> tuple[go.Figure, dict[str, str]]:
    """The panels figure for one view, and the shifts that could not be drawn with the reason. ``vector``
    redraws its WebGL traces as SVG ones, for an SVG export (:func:`vector_traces`)."""
    analyses, failed = [], {}
    for shift in shifts:  # a handful of panels
        axis = x_axis if x_axis == "full" or EVAL_SETS.get(shift) and EVAL_SETS[shift].matched_x else "full"
        try:
            analyses.append(analyse_shift(_results, shift, baseline, kind, axis,  # type: ignore[arg-type]
                                          n_resamples=N_RESAMPLES))
        except ValueError as exc:
            failed[shift] = str(exc)
    if not analyses:
        raise ValueError("; ".join(f"{shift_label(s)}: {why}" for s, why in failed.items()))
    fig = shift_panels(analyses, groups, sources, columns, zero_shot)
    return (vector_traces(fig) if vector else fig), failed


results = page_results()
results_key = results.fingerprint()
groups = [g for g in GROUPS if g in set(results.models["group"])] + sorted(set(results.models["group"]) - set(GROUPS))
present_sources = set(results.models["source"])
sources = ordered_sources(present_sources)

PARAMS = [
    Param("shifts", DEFAULT_SHIFTS, "multi", SET_CHOICES),
    Param("x", "matched", "choice", X_AXES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("cols", 3, "int", bounds=(1, 4)),
    Param("zs", True, "bool"),
    Param("groups", list(groups), "multi", tuple(groups)),
    Param("sources", list(sources), "multi", tuple(sources)),
    Param("paper", False, "bool"),
    Param("title", "", "text"),
    Param("fmt", "png", "choice", IMAGE_FORMATS),
]
P = {p.key: p for p in PARAMS}

st.title("Shift panels")
st.caption("One effective-robustness panel per shift, in one figure and one link: the same groups and colours "
           "everywhere, each panel with its own baseline fit (red) on standard-training models (Taori et al., 2020).")
init_state(PAGE, PARAMS)
follow_options(PAGE, P["groups"], groups)
follow_options(PAGE, P["sources"], sources)

chosen = state(PAGE, P["shifts"])
c1, c2, c3 = st.columns([2.4, 1.4, 1.1])
shifts = c1.multiselect("Shifts (one panel each)", list(MENU) + [s for s in chosen if s not in MENU],
                        format_func=shift_label, key=key(PAGE, P["shifts"]))
x_axis = c2.radio("ImageNet x-axis", X_AXES, format_func=X_LABELS.get, key=key(PAGE, P["x"]),
                  help="Class-matched: each 200- or 113-class shift against ImageNet on its own classes, as Taori "
                       "et al. plot them; the other shifts keep full ImageNet.")
kind = c3.radio("Axis scaling", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                key=key(PAGE, P["scale"]), horizontal=True)
with st.sidebar:
    baseline = st.radio("Fit the baseline on", BASELINES, format_func=baseline_label,
                        key=key(PAGE, P["baseline"]))
    columns = st.slider("Panels per row", 1, 4, key=key(PAGE, P["cols"]))
    zero_shot = st.toggle("Zero-shot line in each panel", key=key(PAGE, P["zs"]))
    shown_groups = st.pills("Groups shown", groups, selection_mode="multi", key=key(PAGE, P["groups"]))
    shown_sources = st.pills("Sources shown", sources, selection_mode="multi", key=key(PAGE, P["sources"]))
    with st.expander("Export for a paper", expanded=bool(state(PAGE, P["paper"]))):
        paper = st.toggle("Paper style", key=key(PAGE, P["paper"]))
        title = st.text_input("Title (optional)", key=key(PAGE, P["title"]), disabled=not paper)
        fmt = st.radio("Camera button saves", IMAGE_FORMATS, key=key(PAGE, P["fmt"]), horizontal=True,
                       format_func=str.upper, help=IMAGE_FORMAT_HELP)
    link = sync_url(PAGE, PARAMS)
    show_share_link(link)

if not shifts:
    st.info("Choose at least one shift.")
    st.stop()
try:
    fig, failed = cached_figure(results, results_key, tuple(shifts), x_axis, kind, baseline, tuple(shown_groups),
                                tuple(shown_sources), int(columns), bool(zero_shot), fmt == "svg")
except ValueError as exc:
    st.error(f"No panel can be drawn: {exc}")
    st.stop()
for shift, why in failed.items():
    st.warning(f"No panel for {shift_label(shift)}: {why}")
if paper:
    fig = paper_style(go.Figure(fig), title)
st.plotly_chart(fig, key=f"{PAGE}.chart", theme=None, config=image_config(fmt, f"shift_panels_{kind}"))
st.caption("Each panel: top-1 on ImageNet (or its class-matched subset) against the shift, the baseline fit with "
           "its 95% bootstrap band (1000 resamples of models), and y = x. Titles give each baseline's slope and "
           "the number of models it is fit on. Panels on the same x-axis zoom together.")
