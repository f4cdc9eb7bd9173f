"""Series drawn as paths on the pages (AppTest): published series from the link, uploaded runs always,
every control respected; the Trajectories page."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.results import Results
from effrob_core.transforms import transform
from effrob_core.upload import merge_uploads, parse_run
from pages.common import UPLOADS_KEY, UPLOADS_MERGED_KEY
from tests.conftest import ROOT
from tests.test_page_scaling import values

APP = str(ROOT / "app.py")
RUN = ROOT / "tests" / "data" / "open_clip_logs" / "rn50-cc12m-2m"


def run_upload():
    return parse_run(("results.jsonl", (RUN / "checkpoints" / "results.jsonl").read_bytes()),
                     ("params.txt", (RUN / "params.txt").read_bytes()))


def open_app(query: dict[str, str], upload: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    if upload:
        mine = run_upload()
        at.session_state[UPLOADS_KEY] = [mine]
        at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def traces(at: AppTest, index: int = 0) -> dict[str, list[dict[str, Any]]]:
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    out: dict[str, list[dict[str, Any]]] = {}
    for t in spec["data"]:
        out.setdefault(t.get("meta") or "", []).append(t)
    return out


def test_published_series_from_the_link_is_a_path_with_start_and_end(results: Results) -> None:
    at = open_app({"page": "robustness", "shift": "imagenet-sketch", "paths": "model-soups"})
    t = traces(at)
    path = t["path"][0]
    zs = results.wide("top1").loc["testbed:vit_b_32_clip_zeroshot"]  # the canonical row of OpenAI ViT-B/32
    assert path["x"][0] == pytest.approx(float(transform(zs["imagenet"], "logit")))
    assert path["y"][0] == pytest.approx(float(transform(zs["imagenet-sketch"], "logit")))
    assert len(path["x"]) == 2  # zero-shot -> LP initialisation; the fine-tuned models and soups fan out
    fan = t["path-fan"][0]
    assert sum(v is None for v in fan["x"]) == 73
    assert len(t["path-start"][0]["x"]) == 1 and len(t["path-end"][0]["x"]) == 2
    assert at.query_params["paths"] == "model-soups"
    # hiding the group hides its part of the path
    at2 = open_app({"page": "robustness", "shift": "imagenet-sketch", "paths": "model-soups",
                    "groups": "Zero-shot image-text,Standard training"})
    t2 = traces(at2)
    assert "path-fan" not in t2 and "path" not in t2 and len(t2["path-start"][0]["x"]) == 1


def test_uploaded_run_is_always_a_path_and_never_in_the_link() -> None:
    at = open_app({"page": "robustness", "shift": "imagenetv2"}, upload=True)
    t = traces(at)
    path = [p for p in t["path"] if p["name"].startswith("rn50-cc12m-2m")][0]
    assert len(path["x"]) == 4 and list(path["x"]) == sorted(path["x"])  # in order of samples seen
    assert "6,000,000 samples seen" in path["text"][2]
    assert "paths" not in at.query_params and not any("rn50" in str(v) for v in at.query_params.values())
    # units: on the linear scale the path is in accuracy
    lin = traces(open_app({"page": "robustness", "shift": "imagenetv2", "scale": "linear"}, upload=True))
    xs = [p for p in lin["path"] if p["name"].startswith("rn50")][0]["x"]
    np.testing.assert_allclose(xs, [0.0523, 0.0894, 0.1181, 0.1372])


def test_trajectories_page_draws_the_fine_tuning_trajectory(results: Results) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/trajectories.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    t = traces(at)
    assert len(t["path"]) == 6 and len(t["path-alternatives"]) == 6  # five shifts and the mean
    table = at.dataframe[0].value.set_index("Step")
    assert table.loc["fine-tuned on ImageNet", "Models"] == 71 and table.loc["soup", "Models"] == 2
    zs = table.loc["zero-shot (OpenAI)", "Mean ER (pts)"]
    assert float(zs) > float(table.loc["LP initialization", "Mean ER (pts)"]) > 0
    assert "series" not in at.query_params  # the default view needs no query string
    # an uploaded run joins (its only shift is ImageNetV2) and stays out of the link
    mine = run_upload()
    at.session_state[UPLOADS_KEY] = [mine]
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.run()
    names = {p["name"] for p in traces(at)["path"]}
    assert any(n.startswith("rn50-cc12m-2m") for n in names)
    steps = at.dataframe[0].value
    run = steps[steps["Series"] == "rn50-cc12m-2m (yours)"]
    assert run["Step"].tolist() == [f"{n:,} samples seen" for n in (2_000_000, 4_000_000, 6_000_000, 8_000_000)]
    assert run["ImageNet top-1 (%)"].tolist() == ["5.23", "8.94", "11.81", "13.72"]
    assert not any("rn50" in str(v) for v in at.query_params.values())


def test_scaling_page_shows_the_run_in_the_learning_curves_and_er_against_samples_seen() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    mine = run_upload()
    at.session_state[UPLOADS_KEY] = [mine]
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.switch_page("pages/scaling.py")
    at.query_params["cx"] = "samples_seen"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    curves = charts[-1]["data"]
    run = [t for t in curves if t["name"].startswith("rn50-cc12m-2m")][0]
    assert values(run["x"]) == [2e6, 4e6, 6e6, 8e6]
    assert values(run["y"]) == pytest.approx([5.23, 8.94, 11.81, 13.72])
    assert len(curves) > 1  # beside Cherti et al.'s published curves
    er_paths = [t for c in charts for t in c["data"] if t.get("meta") == "path"]
    assert er_paths and values(er_paths[0]["x"]) == [2e6, 4e6, 6e6, 8e6]


def test_your_results_page_offers_your_standard_models_as_the_baseline() -> None:
    from effrob_core.upload import parse_file
    from tests.test_open_clip_logs import STANDARD_CSV

    at = AppTest.from_file(APP, default_timeout=120)
    mine = parse_file("lab.csv", STANDARD_CSV)
    at.session_state[UPLOADS_KEY] = [mine]
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.switch_page("pages/your_results.py")
    at.run()
    box = at.selectbox(key="yours.baseline")
    assert box.options[-2:] == ["Your standard-trained models", "Testbed standard models + yours"]
    box.select("yours").run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "your 3 model(s) declared standard-trained" in info and "lab" in info and "testbed" not in info
    at.selectbox(key="yours.baseline").select("testbed+yours").run()
    assert "and the testbed's 85 standard-training models" in " ".join(i.value for i in at.info)
    assert not any("lab-rn" in str(v) for v in at.query_params.values())
    # without declared standard models the choice is not offered
    other = parse_file("z.csv", b"model,imagenet,imagenetv2\nz,0.5,0.4\n")
    at.session_state[UPLOADS_KEY] = [other]
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([other])
    at.run()
    assert "Your standard-trained models" not in at.selectbox(key="yours.baseline").options and not at.exception
