"""The Scaling page's effective robustness against samples seen (the seed's claim as a view): units and
interval controls in the URL, the RN50/YFCC points with OpenCLIP and OpenAI models, extrapolation ringed."""

from __future__ import annotations

import json

import pytest

from tests.test_page_scaling import open_page, values

ER_CHART = "scaling.chart.robustness"


def er_spec(at) -> dict:
    charts = [c for c in at.get("plotly_chart") if c.proto.id and ER_CHART in c.proto.id]
    assert len(charts) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(charts[0].proto.spec)


def text(at) -> str:
    return "\n".join(e.value for kind in ("caption", "markdown") for e in at.get(kind) if isinstance(e.value, str))


@pytest.mark.parametrize(("units", "title"), [("pts", "(pts)"), ("axis", "(logit)"), ("sd", "(SD of logit residuals)")])
def test_units_from_the_link(units: str, title: str) -> None:
    at = open_page({"ershift": "imagenetv2", "units": units})
    assert not at.exception and not at.error and not at.warning
    assert at.radio(key="scaling.units").value == units
    spec = er_spec(at)
    assert spec["layout"]["yaxis"]["title"]["text"].endswith(title)
    names = " ".join(t.get("name", "") for t in spec["data"])
    assert "Extrapolated (" in names
    rings = [t for t in spec["data"] if t.get("meta") == "extrapolated"]
    assert len(rings) == 1 and len(values(rings[0]["x"])) >= 5  # at least the five RN50/YFCC points
    sources = " ".join(str(s) for t in spec["data"] for s in (t.get("text") or []))
    assert "YFCC-15M subset (1M)" in sources and "OpenAI WIT" in sources and "LAION-2B" in sources
    assert "Ringed:" in text(at)


def test_units_and_interval_controls_change_the_chart_and_the_url() -> None:
    at = open_page({"ershift": "imagenetv2"})
    before = er_spec(at)
    at.radio(key="scaling.units").set_value("axis").run()
    assert not at.exception and at.query_params["units"] == "axis"
    after = er_spec(at)
    assert after != before and "(logit)" in after["layout"]["yaxis"]["title"]["text"]
    assert "vertical distance to the baseline on the logit axes" in text(at)
    at.radio(key="scaling.interval").set_value("band").run()
    assert not at.exception and at.query_params["interval"] == "band"
    assert "model's ImageNet accuracy alone" in text(at)
    table = [d.value for d in at.dataframe if "Extrapolated" in d.value.columns]
    assert table and any(c.endswith("(logit)") for c in table[0].columns)
