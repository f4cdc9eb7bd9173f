"""ER against ER: each model's effective robustness under one shift against another (Taori et al., 2020).

Taori et al.'s central finding: effective robustness to synthetic shifts (corruptions, PGD) does not
predict effective robustness to natural ones. Each axis's ER comes from its own baseline fit
(``effrob_core.robustness.analyse_shift``); the figure from ``effrob_core.figures.er_scatter``.
"""

from __future__ import annotations

import streamlit as st

from effrob_core.baseline import BASELINES, BASELINE_SPECS, baseline_label
from effrob_core.datasets import EVAL_SETS
from effrob_core.figures.er_scatter import er_scatter, paired_effective_robustness, pearson_r
from effrob_core.figures.export import IMAGE_FORMAT_HELP, IMAGE_FORMATS, image_config, paper_style
from effrob_core.figures.scatter import shift_label
from effrob_core.results import GROUPS, Results
from effrob_core.robustness import OTHER_SHIFT_CHOICES, SET_CHOICES, SHIFT_CHOICES, ShiftAnalysis, analyse_shift
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.viewstate import Param
from pages.common import init_state, key, page_results, show_share_link, state, sync_url, view_cache

PAGE = "ervser"
N_RESAMPLES = 200  # the bands are not drawn here; the intervals are not used
MENU = SHIFT_CHOICES + tuple(k for k in OTHER_SHIFT_CHOICES if EVAL_SETS[k].listed)
FULL_RANGE = (0.0, 100.0)
#: Taori et al. fit the lines of this figure on standard models with ImageNet top-1 >= 55%
#: (``show_in_plot1`` in plotting/paper_eff_robust_corruptions.py) and plot the non-standard ones.
TESTBED_FIT_RANGE = (55.0, 100.0)
DEFAULT_GROUPS = ["Robustness intervention", "Trained with more data", "Zero-shot image-text"]


@view_cache(show_spinner="Fitting both baselines…", max_entries=32)
def cached_analysis(_results: Results, results_key: str, shift: str, kind: str, baseline: str,
                    fit_range: tuple[float, float] | None) -> ShiftAnalysis:
    """``analyse_shift`` for one axis of the view."""
    return analyse_shift(_results, shift, baseline, kind, fit_range=fit_range,  # type: ignore[arg-type]
                         n_resamples=N_RESAMPLES)


results = page_results()
results_key = results.fingerprint()
groups = [g for g in GROUPS if g in set(results.models["group"])] + sorted(set(results.models["group"]) - set(GROUPS))
PARAMS = [
    Param("erx", "corruptions-averaged", "choice", SET_CHOICES),
    Param("ery", "imagenetv2", "choice", SET_CHOICES),
    Param("scale", "logit", "choice", TRANSFORMS),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("fit", TESTBED_FIT_RANGE, "range", bounds=FULL_RANGE),
    Param("groups", [g for g in DEFAULT_GROUPS if g in groups], "multi", tuple(groups)),
    Param("paper", False, "bool"),
    Param("fmt", "png", "choice", IMAGE_FORMATS),
]
P = {p.key: p for p in PARAMS}

st.title("ER against ER")
st.caption("Each model's effective robustness under one shift (x) against another (y), each against its own "
           "baseline. Taori et al. (2020) find that robustness to synthetic shifts does not predict robustness to "
           "natural ones.")
init_state(PAGE, PARAMS)
c1, c2, c3 = st.columns([1.4, 1.4, 1.1])
er_x = c1.selectbox("Shift on x", list(MENU) + [s for s in [state(PAGE, P["erx"])] if s not in MENU],
                    format_func=shift_label, key=key(PAGE, P["erx"]))
er_y = c2.selectbox("Shift on y", list(MENU) + [s for s in [state(PAGE, P["ery"])] if s not in MENU],
                    format_func=shift_label, key=key(PAGE, P["ery"]))
kind = c3.radio("Axis scaling of the fits", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                key=key(PAGE, P["scale"]), horizontal=True)
with st.sidebar:
    baseline = st.radio("Fit the baselines on", BASELINES, format_func=baseline_label,
                        key=key(PAGE, P["baseline"]))
    fit_pct = st.slider("ImageNet top-1 range of the baseline models (%)", 0.0, 100.0, step=1.0,
                        key=key(PAGE, P["fit"]), format="%.0f%%",
                        help="Taori et al. fit this figure's lines on models with at least 55% (the default).")
    shown_groups = st.pills("Groups shown", groups, selection_mode="multi", key=key(PAGE, P["groups"]),
                            help="Taori et al. show every model that is not standard training (the default).")
    paper = st.toggle("Paper style", key=key(PAGE, P["paper"]))
    fmt = st.radio("Camera button saves", IMAGE_FORMATS, key=key(PAGE, P["fmt"]), horizontal=True,
                   format_func=str.upper, help=IMAGE_FORMAT_HELP)
    show_share_link(sync_url(PAGE, PARAMS))

fit_range = None if tuple(fit_pct) == FULL_RANGE else (fit_pct[0] / 100, fit_pct[1] / 100)
try:
    ax = cached_analysis(results, results_key, er_x, kind, baseline, fit_range)
    ay = cached_analysis(results, results_key, er_y, kind, baseline, fit_range)
except ValueError as exc:
    st.error(f"No baseline for this view: {exc}")
    st.stop()
pairs = paired_effective_robustness(ax, ay)
pairs = pairs[pairs["group"].isin(shown_groups)]
fig = er_scatter(ax, ay, shown_groups)
if paper:
    paper_style(fig)
st.plotly_chart(fig, key=f"{PAGE}.chart", theme=None, config=image_config(fmt, f"er_{er_x}_vs_{er_y}"))
r = pearson_r(pairs)
st.caption(f"{len(pairs):,} models with both shifts in the groups shown; Pearson r = "
           + ("n/a (fewer than 3 models)" if r != r else f"{r:.2f}")
           + f". Baselines: OLS in {kind} space on {BASELINE_SPECS[baseline].phrase}"
           + (f", ImageNet {fit_pct[0]:g}-{fit_pct[1]:g}%" if fit_range else "") + f" (x: n={ax.fit.n}, y: n={ay.fit.n}).")
