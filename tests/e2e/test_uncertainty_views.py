"""End-to-end: the seed's view (ImageNetV2, logit) in points and in logit units, the dashed
extrapolation of every fitted line, and the zero-shot line fit on OpenAI's CLIP models only.

Full-page screenshots and chart-only screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import PAGES, assert_clean, radio_checked

pytestmark = pytest.mark.browser

SEED = "?shift=imagenetv2&search=rn50-yfcc15m"


def chart_shot(app, name: str) -> None:
    """The chart alone, as a figure for a paper would be cropped."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    app.plot(0).screenshot(path=str(SCREENSHOTS / f"{app.test_name}--{name}.png"))


def hover_templates(app) -> list[str]:
    """Hover templates of the chart's marker traces."""
    return app.page.evaluate(
        "(gd) => (gd._fullData || []).filter(t => t.type === 'scattergl').map(t => t.hovertemplate || '')",
        app.plot(0).element_handle())


def test_seed_view_in_points_and_in_logit_units(open_app):
    app = open_app(PAGES["Effective robustness"] + SEED)
    chart = app.chart()
    assert_clean(app)
    assert chart["y_title"] == "ImageNetV2 top-1 (%)"
    legend = " | ".join(chart["legend"])
    assert "Baseline fit (testbed, n=85)" in legend and "Zero-shot fit: OpenAI CLIP" in legend, legend
    assert "Baseline, extrapolated" in legend and "OpenAI CLIP line, extrapolated" in legend, legend
    assert any("pts [" in t for t in hover_templates(app))
    app.screenshot("1-seed-view-points")
    chart_shot(app, "1-seed-view-points-chart")

    app.radio("Units", "Axis units")
    assert_clean(app)
    assert app.query_flat()["units"] == "axis"
    assert radio_checked(app, "Units", "Axis units")
    assert any("logit [" in t for t in hover_templates(app))
    app.screenshot("2-seed-view-logit-units")
    chart_shot(app, "2-seed-view-logit-units-chart")


def test_dashed_extrapolation_and_members(open_app):
    app = open_app(PAGES["Effective robustness"] + "?shift=imagenetv2&members=1&zsline=data")
    chart = app.chart()
    assert_clean(app)
    dashed = [t for t in chart["traces"] if "extrapolated" in (t["name"] or "")]
    assert dashed, chart["traces"]
    assert any((t["name"] or "").startswith("Baseline fit models (85)") for t in chart["traces"])
    app.screenshot("1-dashed-extrapolation-one-line-per-data")
    chart_shot(app, "1-dashed-extrapolation-one-line-per-data-chart")


def test_zero_shot_line_fit_on_openai_only(open_app):
    app = open_app(PAGES["Effective robustness"] + "?shift=imagenetv2&zsline=openai&search=openai")
    chart = app.chart()
    assert_clean(app)
    assert any((t["name"] or "").startswith("Zero-shot fit: OpenAI CLIP") for t in chart["traces"])
    text = app.page.locator('[data-testid="stMain"]').inner_text()
    assert "Paternoster" in text and "OpenAI's CLIP models" in text
    app.screenshot("1-openai-line")
    chart_shot(app, "1-openai-line-chart")


def test_scaling_seed_claim_in_points_and_logit_units(open_app):
    """Effective robustness against samples seen: the RN50/YFCC points with OpenCLIP and OpenAI models."""
    for units, name in (("pts", "1-er-vs-samples-points"), ("axis", "2-er-vs-samples-logit")):
        app = open_app(PAGES["Scaling"] + f"?ershift=imagenetv2&units={units}")
        chart = app.chart(1)
        assert_clean(app)
        assert chart["y_title"].endswith("(pts)" if units == "pts" else "(logit)"), chart["y_title"]
        assert any(t.startswith("Extrapolated (") for t in chart["legend"]), chart["legend"]
        app.plot(1).scroll_into_view_if_needed()
        app.screenshot(name)
        chart_shot_index(app, 1, name + "-chart")


def chart_shot_index(app, index: int, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    app.plot(index).screenshot(path=str(SCREENSHOTS / f"{app.test_name}--{name}.png"))
