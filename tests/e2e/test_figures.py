"""End-to-end: the landing view at a laptop's size, SVG export, shift panels and every gallery link.

Each link is opened in a fresh browser context (a colleague following it); screenshots go to
``test-output/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS, SCREENSHOTS, AppPage

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def laptop_page(browser, base: str, name: str, path: str, **context) -> AppPage:
    """A page opened at 1280x800 in a fresh browser context."""
    ctx = browser.new_context(viewport=LAPTOP, **context)
    ctx.set_default_timeout(RUN_TIMEOUT_MS)
    return AppPage(ctx.new_page(), base, name).goto(path)


def test_landing_view_is_the_seed_figure_and_fits_a_laptop_screen(warm_server, browser):
    app = laptop_page(browser, warm_server, "landing", "/")
    try:
        chart = app.chart()
        assert app.errors() == [] and app.page_errors == []
        assert chart["y_title"] == "ImageNetV2 top-1 (%)" and chart["x_title"] == "ImageNet top-1 (%)"
        plot_area = app.plot(0).locator(".nsewdrag").first.bounding_box()
        assert plot_area["y"] > 0 and plot_area["y"] + plot_area["height"] <= LAPTOP["height"], plot_area
        table = app.page.locator('[data-testid="stMarkdownContainer"] table').first
        box = table.bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"] and box["y"] + box["height"] <= LAPTOP["height"], box
        clipped = table.evaluate("(el) => Array.from(el.querySelectorAll('*')).some("
                                 "e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')")
        assert not clipped, "the fit table scrolls or clips its columns"
        text = table.inner_text()
        assert "Baseline" in text and "intercept" in text and "x range" in text
        # the seed's purple line: fit on OpenAI's CLIP models, listed under the chart
        expect(app.page.get_by_text(re.compile(r"^Zero-shot lines?: fit on")).first).to_contain_text("OpenAI")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        app.page.screenshot(path=str(SCREENSHOTS / "landing--1280x800.png"))  # what a laptop shows, unscrolled
    finally:
        app.page.context.close()


def test_svg_export_from_the_camera_button(warm_server, browser):
    app = laptop_page(browser, warm_server, "svg_export", "/?paper=1&title=Effective%20robustness&fmt=svg",
                      accept_downloads=True)
    try:
        app.chart()
        assert app.errors() == [] and app.page_errors == []
        plot = app.plot(0)
        plot.hover()
        button = plot.locator('.modebar-btn[data-title^="Download plot"]').first
        with app.page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        assert download.suggested_filename.endswith(".svg"), download.suggested_filename
        path = SCREENSHOTS / "svg_export--effective_robustness.svg"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        download.save_as(str(path))
        svg = path.read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg") and "ImageNetV2 top-1 (%)" in svg
        assert "Effective robustness" in svg  # the title of the paper style
        assert "<image" not in svg, "a raster image in the SVG (WebGL points are not vector)"
        points = len(re.findall(r'<path class="point', svg))  # every shown model a vector marker
        assert points >= 1500, points
    finally:
        app.page.context.close()


def test_plotted_data_download_is_written_on_click(warm_server, browser):
    """The CSV is made when the button is clicked (not on every run): it carries the plotted points, the
    baseline's fit and the view's link."""
    app = laptop_page(browser, warm_server, "csv_download", "/?shift=imagenet-sketch", accept_downloads=True)
    try:
        app.chart()
        button = app.page.get_by_role("button", name=re.compile("Download plotted data"))
        with app.page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        assert download.suggested_filename == "effective_robustness_imagenet-sketch_logit.csv"
        path = SCREENSHOTS / "effective_robustness_imagenet-sketch_logit.csv"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        download.save_as(str(path))
        text = path.read_text(encoding="utf-8")
        assert "shift=imagenet-sketch" in text and "1.0709" in text  # the link and the published slope
        assert "eff_rob_pts" in text and len(text.splitlines()) > 1000
        assert app.errors() == [] and app.page_errors == []
    finally:
        app.page.context.close()


def test_shift_panels_in_one_figure_and_one_link(open_app):
    app = open_app("/shift_panels")
    chart = app.chart()
    assert app.errors() == [] and app.page_errors == []
    baselines = [t for t in chart["traces"] if t["name"] == "Baseline fit (standard training)"]
    assert len(baselines) == 6
    titles = app.plot(0).locator(".annotation-text").evaluate_all("(els) => els.map(e => e.textContent)")
    assert [t.split(" (slope")[0] for t in titles] == ["ImageNetV2", "ImageNet-R", "ObjectNet",
                                                       "ImageNet-Vid-Robust (pm-0)", "YTBB-Robust (pm-0)",
                                                       "ImageNet-Sketch"]
    legend = chart["legend"]
    assert len(legend) == len(set(legend)) and "Standard training" in legend
    app.screenshot("taori-natural-shift-panels")
    shared = open_app("/shift_panels?shifts=imagenetv2,imagenet-c,pgd&x=full&cols=3")
    restored = shared.chart()
    assert shared.errors() == []
    assert len([t for t in restored["traces"] if t["name"] == "Baseline fit (standard training)"]) == 3
    shared.screenshot("synthetic-panels")


def test_figures_page_and_every_card_link_in_a_fresh_browser(open_app):
    from effrob_core.gallery import FIGURES

    gallery = open_app("/figures")
    assert gallery.errors() == [] and gallery.page_errors == []
    links = gallery.page.get_by_role("link", name="Open the live view").evaluate_all(
        "(els) => els.map(e => e.getAttribute('href'))")
    assert links == [f.link() for f in FIGURES.values()] and len(links) >= 8
    gallery.screenshot("figures-page")
    for figure in FIGURES.values():  # every card, each in a new browser context
        app = open_app(figure.link())
        chart = app.chart()
        assert app.errors() == [], (figure.key, app.errors())
        assert app.page_errors == [], (figure.key, app.page_errors)
        assert not [w for w in app.warnings() if "Link parameter" in w or "Ignored" in w], (figure.key, app.warnings())
        assert chart["n_marker_points"] > 0 or chart["n_svg_points"] > 0, figure.key
        app.screenshot(f"card-{figure.key}")
