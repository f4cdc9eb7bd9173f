"""Trajectories: effective robustness against ImageNet accuracy along a series of models.

The published series is the fine-tuning of OpenAI's zero-shot CLIP ViT-B/32 (Wortsman et al., 2022,
"Model soups"): zero-shot -> linear-probe initialisation -> 71 models fine-tuned end to end with random
hyperparameters and two weight-averaged soups; fine-tuning gains ImageNet accuracy and loses effective
robustness (Andreassen et al., 2021). Uploaded runs (open_clip logs, series columns) are drawn the same
way, for this browser session only. Numbers come from ``effrob_core.series.series_robustness``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from effrob_core.baseline import BASELINES, BASELINE_SPECS, baseline_label
from effrob_core.datasets import AVERAGE, EVAL_SETS, IMAGENET, MAIN_SHIFTS
from effrob_core.figures.paths import fine_tuning_trajectory
from effrob_core.results import Results
from effrob_core.series import (
    published_series_keys,
    series_label,
    series_members,
    series_robustness,
    step_label,
    uploaded_series_keys,
)
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.viewstate import Param
from pages.common import MISSING, init_state, key, page_results, show_share_link, state, sync_url, view_cache

PAGE = "trajectories"
TITLES = {**{s: EVAL_SETS[s].name for s in MAIN_SHIFTS}, AVERAGE: f"Mean of the {len(MAIN_SHIFTS)} shifts' ER"}


@view_cache(show_spinner="Fitting the baselines of the five shifts…", max_entries=32)
def cached_panels(_results: Results, results_key: str, keys: tuple[str, ...], baseline: str,
                  kind: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The series' members and their per-shift effective robustness, cached on the view and the results."""
    members = series_members(_results.models, keys)
    return members, series_robustness(_results, members, baseline, kind)


def step_table(members: pd.DataFrame, panels: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per series step: its models, ImageNet top-1 and effective robustness per shift (points);
    a step of several models shows the median and the range."""
    rows = []
    imagenet = pd.concat([p["imagenet"] for p in panels.values()]).groupby(level=0).first()
    for (series, step), g in members.groupby(["series", "step"], sort=False):  # a handful of steps
        ids = g["model_id"]
        row: dict[str, object] = {"Series": series_label(series), "Step": step_label(series, step),
                                  "Models": len(ids)}
        for s in (IMAGENET, *MAIN_SHIFTS, AVERAGE):
            values = 100 * (imagenet if s == IMAGENET else panels[s]["eff_rob"]).reindex(ids).dropna()
            name = "ImageNet top-1 (%)" if s == IMAGENET else f"{TITLES[s] if s != AVERAGE else 'Mean'} ER (pts)"
            if values.empty:
                row[name] = MISSING
            elif len(values) == 1:
                row[name] = f"{values.iloc[0]:+.2f}" if s != IMAGENET else f"{values.iloc[0]:.2f}"
            else:
                fmt = "{:.2f}" if s == IMAGENET else "{:+.2f}"
                row[name] = (f"{fmt.format(np.median(values))} [{fmt.format(values.min())}, "
                             f"{fmt.format(values.max())}]")
        rows.append(row)
    return pd.DataFrame(rows)


results = page_results()
published = published_series_keys(results.models)
PARAMS = [
    Param("series", list(published), "multi", published),
    Param("baseline", "testbed", "choice", BASELINES),
    Param("scale", "logit", "choice", TRANSFORMS),
]
P = {p.key: p for p in PARAMS}

st.title("Trajectories")
st.caption(
    "Effective robustness (ER: accuracy under a shift minus the baseline's prediction at the model's ImageNet "
    "accuracy) against ImageNet top-1, along a series of models drawn as a path from its start (○) to its "
    "end (◇). Fine-tuning a zero-shot CLIP model on ImageNet gains ImageNet accuracy and loses effective "
    "robustness (Andreassen et al., 2021; Wortsman et al., 2022).")
init_state(PAGE, PARAMS)
mine = uploaded_series_keys(results.models)
c_series, c_base, c_scale = st.columns([2, 1.5, 1.2])
chosen = c_series.pills("Published series", P["series"].choices, selection_mode="multi",
                        key=key(PAGE, P["series"]), format_func=series_label,
                        help="Your uploaded runs (Your results page) are always drawn, and never in the link.")
baseline = c_base.selectbox("Baseline fit on", BASELINES, format_func=baseline_label,
                            key=key(PAGE, P["baseline"]))
kind = c_scale.radio("Axis scaling of the fit", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                     key=key(PAGE, P["scale"]), horizontal=True)
keys = (*chosen, *mine)
link = sync_url(PAGE, PARAMS)

if not keys:
    st.info("No series chosen. Choose a published series above, or upload an open_clip run on the Your results page.")
else:
    members, panels = cached_panels(results, results.fingerprint(), keys, state(PAGE, P["baseline"]),
                                    state(PAGE, P["scale"]))
    shown = {s: p for s, p in panels.items() if len(p)}
    missing = [TITLES[s] for s in panels if s not in shown]
    if not shown:
        st.warning("The chosen series have no model with ImageNet and a shift: nothing to draw.")
    else:
        fig = fine_tuning_trajectory(shown, members, keys, TITLES, height=620 if len(shown) > 3 else 420)
        st.plotly_chart(fig, key=f"{PAGE}.chart", theme=None,
                        config={"displaylogo": False, "toImageButtonOptions": {
                            "format": "png", "filename": "trajectory_effective_robustness", "scale": 3}})
        st.caption(
            f"ER in accuracy points against {BASELINE_SPECS[baseline].phrase} ({kind} fit per shift; the red line "
            "is ER = 0, on the baseline). The last panel is the mean of the five shifts' ER. Thin lines join "
            "each of a step's alternatives (e.g. the fine-tuned models and the soups) to the model they start "
            "from (the LP initialisation). "
            + (f"No models of these series for {', '.join(missing)}: not drawn. " if missing else ""))
        st.subheader("Along the series")
        st.caption("Per step: ImageNet top-1 and ER per shift; for a step of several models the median "
                   "[min, max].")
        st.dataframe(step_table(members, panels), hide_index=True)

show_share_link(link)
st.caption("The link keeps the published series, baseline and scaling; uploaded runs are never part of a link.")
