"""Chart first, in a real browser: a new visitor's Effective robustness page draws its chart, and only then
its sidebar's controls (pages/chart_first.py); where the chart cannot draw, the controls still come."""

from __future__ import annotations

import pytest

from benchmarks.server import VIEWPORT
from tests.e2e.conftest import CHART_BOX, CHART_SIGNAL, RUN_TIMEOUT_MS, AppPage
from tests.e2e.test_browser import PAGES, assert_clean

pytestmark = pytest.mark.browser

SLIDER = '[data-testid="stSidebar"] [data-testid="stSlider"]'
#: Records when the chart's SVG first has a size and when the sidebar's first slider first exists.
FIRST_SEEN_JS = f"""
window.__seen = {{}};
const __tick = setInterval(() => {{
  const svg = document.querySelector('{CHART_BOX} .js-plotly-plot svg.main-svg');
  if (!window.__seen.chart && svg && svg.getBoundingClientRect().width > 0) window.__seen.chart = performance.now();
  if (!window.__seen.sidebar && document.querySelector('{SLIDER}')) window.__seen.sidebar = performance.now();
  if (window.__seen.chart && window.__seen.sidebar) clearInterval(__tick);
}}, 5);
"""


def _page(browser, base: str, name: str, block_charts: bool = False) -> AppPage:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    if block_charts:  # the chart's code never arrives, so no chart can draw
        page.route("**/PlotlyChart*.js", lambda route: route.abort())
    page.add_init_script(FIRST_SEEN_JS)
    return AppPage(page, base, name)


def test_the_chart_comes_first_then_the_sidebar(browser, warm_server):
    app = _page(browser, warm_server, "chart_first")
    try:
        app.goto(PAGES["Effective robustness"] + "?shift=imagenet-r&scale=probit")
        app.page.wait_for_selector(SLIDER, state="visible")
        app.wait_idle()
        seen = app.page.evaluate("window.__seen")
        assert seen["chart"] < seen["sidebar"], seen
        assert app.page.locator(CHART_SIGNAL).count() == 0  # the signal is gone once it has fired
        for label in ("Highlight models", "Fit the baseline on", "Groups shown", "Sources shown"):
            assert app.page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).count() >= 1, label
        assert app.query_flat() == {"shift": "imagenet-r", "scale": "probit"}  # the view of the link, kept
        assert_clean(app)
        app.radio("Axis scaling", "Logit")  # the controls work as before
        assert app.query_flat() == {"shift": "imagenet-r"}
        assert app.page.locator(SLIDER).count() >= 1 and app.page.locator(CHART_SIGNAL).count() == 0
        app.screenshot("after")
    finally:
        app.page.context.close()


def test_the_sidebar_comes_even_where_the_chart_cannot_draw(browser, warm_server):
    app = _page(browser, warm_server, "chart_first_blocked", block_charts=True)
    try:
        app.goto(PAGES["Effective robustness"])
        app.page.wait_for_selector(SLIDER, state="visible")  # after FALLBACK_MS
        seen = app.page.evaluate("window.__seen")
        assert "chart" not in seen and "sidebar" in seen, seen
        assert app.page.locator(CHART_SIGNAL).count() == 0
    finally:
        app.page.context.close()
