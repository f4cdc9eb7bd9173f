"""The Shift panels page through the app's navigation (Streamlit AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _run(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/shift_panels.py")
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_panels_from_a_link_and_a_control() -> None:
    at = _run({"shifts": "imagenetv2,imagenet-r,imagenet-c", "x": "full", "cols": "2"})
    assert not at.error and not at.warning
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles[0].startswith("ImageNetV2 (slope") and titles[2].startswith("ImageNet-C (mean")
    assert sum(t.get("meta") == "baseline" for t in spec["data"]) == 3
    assert "scattergl" in {t["type"] for t in spec["data"]}  # PNG (the default): WebGL points
    at.radio(key="panels.scale").set_value("probit").run()
    assert not at.exception and at.query_params["scale"] == "probit"
    at.radio(key="panels.fmt").set_value("svg").run()  # SVG: every point an SVG shape, vector in the file
    assert not at.exception and at.query_params["fmt"] == "svg"
    assert {t["type"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]} == {"scatter"}
    at = _run({"shifts": "imagenet,imagenetv2"})  # imagenet against itself: that panel is explained, not drawn
    assert len(at.warning) == 1 and "ImageNet" in at.warning[0].value
    assert sum(t.get("meta") == "baseline" for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]) == 1
