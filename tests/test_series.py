"""Series: the model-soups rows as ingested, their effective robustness against the raw files, and
the path a series is drawn as."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit
from scipy.stats import linregress

from effrob_core.baseline import baseline_mask
from effrob_core.datasets import EVAL_SETS, MAIN_SHIFTS
from effrob_core.figures.paths import fine_tuning_trajectory, path_traces
from effrob_core.results import Results
from effrob_core.series import (
    SERIES_BY_KEY,
    published_series_keys,
    series_members,
    series_path,
    series_robustness,
)
from effrob_core.sources import SOURCE_BY_KEY
from tests.conftest import ROOT

UPSTREAM = ROOT.parent / "shared" / "upstream" / "model-soups"
needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"raw model-soups files not at {UPSTREAM}")
RAW_COLUMNS = {"ImageNetV2": "imagenetv2", "ImageNetSketch": "imagenet-sketch", "ImageNetR": "imagenet-r",
               "ImageNetA": "imagenet-a", "ObjectNet": "objectnet"}


def clipped_logit(acc: pd.Series) -> np.ndarray:
    """logit of accuracies clipped to [1e-4, 1 - 1e-4] (0% ImageNet-A models), as effrob_core.transforms does."""
    return logit(np.clip(acc.to_numpy(dtype=float), 1e-4, 1 - 1e-4))


def test_model_soups_rows_are_their_own_source_and_group(results: Results) -> None:
    m = results.models[results.models["source"] == "model-soups"]
    assert len(m) == 74
    assert set(m["group"]) == {"Fine-tuned zero-shot"} and set(m["series"]) == {"model-soups"}
    cats = m.set_index("model_id")["source_category"]
    assert cats["model-soups:model_0"] == "LP initialization"
    assert cats["model-soups:greedy_soup"] == "greedy soup" and cats["model-soups:uniform_soup"] == "uniform soup"
    assert cats["model-soups:model_1"] == ("fine-tuned: aug=rand-m12-n1 lr=6.229787713239867e-06 "
                                           "wd=0.0008694458412822906 mix=0.38128931940501426 "
                                           "smoothing=0.10939680281567313 epochs=4")
    steps = m.set_index("model_id")["series_step"]
    assert steps["model-soups:model_0"] == 1 and steps["model-soups:greedy_soup"] == 3
    assert (steps.drop(["model-soups:model_0", "model-soups:greedy_soup", "model-soups:uniform_soup"]) == 2).all()
    ev = results.evaluations[results.evaluations["model_id"].isin(m["model_id"])]
    assert set(ev["eval_set"]) == {"imagenet", "imagenet2p", *MAIN_SHIFTS}
    assert EVAL_SETS["imagenet2p"].kind != "shift" and ev.groupby("eval_set").size().eq(74).all()
    assert SOURCE_BY_KEY["model-soups"].commit == "d5398f181ea51c5cd9d95ebacc6ea7132bb108ec"
    assert SERIES_BY_KEY["model-soups"].start in set(results.models["model_id"])


@needs_upstream
def test_model_soups_effective_robustness_equals_raw_computation(results: Results) -> None:
    """ER of every model-soups row from the app's path equals logit-line ER recomputed from the raw jsonl."""
    raw = pd.concat([pd.read_json(UPSTREAM / f, lines=True) for f in
                     ("individual_model_results.jsonl", "greedy_soup_results.jsonl", "uniform_soup_results.jsonl")])
    raw = raw.set_index("model-soups:" + raw["model_name"])
    assert len(raw) == 74 and len(json.loads((UPSTREAM / "hparam_info.json").read_text())) == 72
    members = series_members(results.models, ["model-soups"])
    panels = series_robustness(results, members, "testbed", "logit")
    wide = results.wide("top1")
    std = baseline_mask(results.models, "testbed")
    for col, shift in RAW_COLUMNS.items():  # independent fit: the testbed baseline models' own accuracies
        xy = wide.loc[results.models["model_id"][std].to_numpy(), ["imagenet", shift]].dropna()
        if shift == "imagenet-a":  # the testbed's two lines, split at ResNet-50's x (0% by construction)
            split = xy.loc["testbed:resnet50", "imagenet"]
            fits = [linregress(clipped_logit(part["imagenet"]), clipped_logit(part[shift]))
                    for part in (xy[xy["imagenet"] < split], xy[xy["imagenet"] > split])]
            above = (raw["ImageNet"] > split).to_numpy()
            slope = np.where(above, fits[1].slope, fits[0].slope)
            intercept = np.where(above, fits[1].intercept, fits[0].intercept)
        else:
            fit = linregress(clipped_logit(xy["imagenet"]), clipped_logit(xy[shift]))
            slope, intercept = fit.slope, fit.intercept
        expected = raw[col] - expit(slope * clipped_logit(raw["ImageNet"]) + intercept)
        got = panels[shift]["eff_rob"].reindex(raw.index)
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    mean = panels["average"]["eff_rob"].reindex(raw.index)
    per_shift = pd.concat([panels[s]["eff_rob"].reindex(raw.index) for s in MAIN_SHIFTS], axis=1).mean(axis=1)
    np.testing.assert_allclose(mean.to_numpy(), per_shift.to_numpy(), atol=1e-15)


def test_fine_tuning_loses_effective_robustness(results: Results) -> None:
    """Andreassen et al. (2021), Wortsman et al. (2022): fine-tuning on ImageNet lowers the zero-shot ER."""
    members = series_members(results.models, published_series_keys(results.models))
    avg = series_robustness(results, members)["average"]["eff_rob"]
    zs = avg["testbed:vit_b_32_clip_zeroshot"]
    fine = avg.drop(["testbed:vit_b_32_clip_zeroshot"])
    assert len(fine) == 74 and (fine < zs).all()


def test_series_path_fans_out_from_the_last_single_model() -> None:
    members = pd.DataFrame({"series": ["s"] * 6, "model_id": ["z", "lp", "a", "b", "c", "soup"],
                            "step": [0, 1, 2, 2, 2, 3]})
    sp = series_path(members, "s")
    assert sp.path == ("z", "lp", "soup") and sp.start == ("z",) and sp.end == ("soup",)
    assert sp.fans == (("lp", "a"), ("lp", "b"), ("lp", "c"))
    hidden = series_path(members, "s", present={"z", "a", "b", "soup"})  # a filter hides lp and c
    assert hidden.path == ("z", "soup") and hidden.fans == (("z", "a"), ("z", "b"))


def test_path_traces_follow_the_order_and_the_shown_models() -> None:
    members = pd.DataFrame({"series": ["upload:run"] * 3, "model_id": ["c", "a", "b"], "step": [3e6, 1e6, 2e6]})
    members = members.sort_values("step")
    coords = pd.DataFrame({"px": [1.0, 2.0, 3.0], "py": [0.1, 0.2, 0.3], "display_name": ["A", "B", "C"]},
                          index=["a", "b", "c"])
    traces = {t.meta: t for t in path_traces(coords, members, ["upload:run"])}
    assert list(traces["path"].x) == [1.0, 2.0, 3.0] and traces["path"].name == "run (yours)"
    assert list(traces["path-start"].x) == [1.0] and list(traces["path-end"].x) == [3.0]
    few = {t.meta: t for t in path_traces(coords.loc[["a", "c"]], members, ["upload:run"])}
    assert list(few["path"].x) == [1.0, 3.0]


def test_fine_tuning_trajectory_has_six_panels_starting_at_zero_shot(results: Results) -> None:
    members = series_members(results.models, ["model-soups"])
    panels = series_robustness(results, members)
    fig = fine_tuning_trajectory(panels, members, ["model-soups"], {s: s for s in panels})
    paths = [t for t in fig.data if t.meta == "path"]
    assert len(paths) == 6
    first = paths[-1]  # the average panel
    assert first.x[0] == pytest.approx(100 * panels["average"].loc["testbed:vit_b_32_clip_zeroshot", "imagenet"])
    assert first.y[0] == pytest.approx(100 * panels["average"].loc["testbed:vit_b_32_clip_zeroshot", "eff_rob"])
    fans = [t for t in fig.data if t.meta == "path-alternatives"]
    assert all(len(t.x) == 73 for t in fans)
