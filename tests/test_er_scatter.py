"""ER against ER (Taori et al.): the pairing, the correlation and the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from effrob_core.figures.er_scatter import er_scatter, paired_effective_robustness, pearson_r
from effrob_core.results import Results
from effrob_core.robustness import analyse_shift

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_pairs_and_figure(results: Results) -> None:
    ax = analyse_shift(results, "corruptions-averaged", fit_range=(0.55, 1.0), n_resamples=1)
    ay = analyse_shift(results, "imagenetv2", fit_range=(0.55, 1.0), n_resamples=1)
    pairs = paired_effective_robustness(ax, ay)
    assert set(pairs["model_id"]) == set(ax.points["model_id"]) & set(ay.points["model_id"])
    one = pairs.iloc[0]
    assert one["er_x"] == ax.points.set_index("model_id").loc[one["model_id"], "eff_rob"]
    assert pearson_r(pairs) == np.corrcoef(pairs["er_x"], pairs["er_y"])[0, 1]
    fig = er_scatter(ax, ay, ["Robustness intervention"])
    (trace,) = [t for t in fig.data if t.meta == "points"]
    robust = pairs[pairs["group"] == "Robustness intervention"]
    assert len(trace.x) == len(robust) and np.allclose(trace.x, 100 * robust["er_x"])
    assert "Corruptions averaged" in fig.layout.xaxis.title.text


def test_page_defaults_follow_taori() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/er_vs_er.py")
    at.run()
    assert not at.exception and not at.error
    assert tuple(at.slider(key="ervser.fit").value) == (55.0, 100.0)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in spec["data"]} <= {"Robustness intervention", "Trained with more data",
                                                  "Zero-shot image-text"}
    assert "Pearson r = " in " ".join(c.value for c in at.caption)
    at.selectbox(key="ervser.erx").set_value("pgd").run()
    assert not at.exception and at.query_params["erx"] == "pgd"
