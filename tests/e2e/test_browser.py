"""End-to-end tests: the real server in headless Chromium, one test per page.

Each test opens a page, checks that it draws real data without an error, changes a control, checks
that the view and the URL both change, and opens that URL in a fresh browser context (a colleague
following a shared link) to find the same view. Screenshots of every step go to
``test-output/screenshots/``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import expect

from effrob_core.checkpoints import checkpoint_of
from effrob_core.figures.style import GROUP_COLORS
from effrob_core.results import load_results

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

#: Fewest model points a full robustness or scaling chart may draw from the committed results.
MIN_POINTS = 100


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    """The committed models table."""
    return load_results().models


@pytest.fixture(scope="module")
def n_models(models: pd.DataFrame) -> int:
    """Number of models in the committed results."""
    return len(models)


def app_pages() -> dict[str, str]:
    """Title -> URL path of every page ``app.py`` declares with ``st.Page`` (``/`` for the default page)."""
    pages: dict[str, str] = {}
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            pages[kw["title"]] = "/" if kw.get("default") else "/" + kw["url_path"]
    return pages


PAGES = app_pages()
NAV = ["Effective robustness", "Figures", "Shift panels", "ER against ER", "Scaling", "Trajectories", "Models", "Data",
       "Your results"]


def test_app_declares_the_pages():
    assert list(PAGES) == NAV
    assert PAGES["Effective robustness"] == "/"


def assert_clean(app) -> None:
    """No exception, error alert or dialog on the page, and no uncaught JavaScript error."""
    assert app.errors() == [], f"error shown on {app.page.url}: {app.errors()}"
    assert app.page_errors == [], f"JavaScript error on {app.page.url}: {app.page_errors}"


def share_link(app) -> str:
    """The text of the page's "Link to this view" box."""
    expander = app.page.locator('[data-testid="stExpander"]').filter(has_text="Link to this view")
    expander.locator("summary").click()
    code = expander.locator('[data-testid="stCode"] code')
    code.wait_for(state="visible")
    return code.inner_text().strip()


def same_url(a: str, b: str) -> bool:
    """Whether two URLs name the same page and query (``http://h?q`` and ``http://h/?q`` are the same)."""
    ua, ub = urlsplit(a), urlsplit(b)
    return ((ua.scheme, ua.netloc, ua.path or "/", parse_qs(ua.query))
            == (ub.scheme, ub.netloc, ub.path or "/", parse_qs(ub.query)))


def combobox_value(app, label: str) -> str:
    """Displayed value of the selectbox labelled ``label``."""
    return app.page.get_by_role("combobox", name=label, exact=True).input_value()


def radio_checked(app, label: str, option: str) -> bool:
    """Whether ``option`` is the checked choice of the radio group labelled ``label``."""
    return app.page.get_by_role("radiogroup", name=label, exact=True).get_by_role(
        "radio", name=option, exact=True).is_checked()


def fitted_lines(app) -> str:
    """Text of the baseline table (slope, intercept, r, n of each piece), the page's first Markdown table."""
    table = app.page.locator('[data-testid="stMarkdownContainer"] table').first
    table.wait_for(state="visible")
    return table.inner_text()


# --- Effective robustness -------------------------------------------------------------------------------

SHIFT = "Distribution shift (y-axis)"
SCALE = "Axis scaling"


def test_effective_robustness_view_and_link(open_app, n_models):
    app = open_app(PAGES["Effective robustness"])
    chart = app.chart()
    assert_clean(app)
    assert chart["x_title"] == "ImageNet top-1 (%)"
    assert chart["y_title"] == "ImageNetV2 top-1 (%)"
    assert chart["n_marker_points"] >= MIN_POINTS and chart["n_marker_points"] <= n_models
    assert any(t.startswith("Baseline fit") for t in chart["legend"]), chart["legend"]
    assert chart["n_gl_canvases"] > 0
    # The markers are WebGL: check that the zero-shot stars were painted (the legend alone has ~10 such pixels).
    assert app.color_pixels(0, GROUP_COLORS["Zero-shot image-text"], tolerance=25) > 300
    assert all(t.endswith("%") for t in chart["y_ticks"]), chart["y_ticks"]
    assert app.query() == {}
    assert app.nav_titles() == NAV
    before = fitted_lines(app)
    app.screenshot("1-default")

    app.select(SHIFT, "ImageNet-R")
    app.radio(SCALE, "Probit")
    changed = app.chart(until=lambda c: c["y_title"] == "ImageNet-R top-1 (%)")
    assert_clean(app)
    assert changed["y_title"] == "ImageNet-R top-1 (%)"
    assert changed["y_ticks"] != chart["y_ticks"] or changed["n_marker_points"] != chart["n_marker_points"]
    assert app.query_flat() == {"shift": "imagenet-r", "scale": "probit"}
    after = fitted_lines(app)
    assert after != before
    link = share_link(app)
    assert same_url(link, app.page.url), (link, app.page.url)
    app.screenshot("2-imagenet-r-probit")

    shared = open_app(link)
    restored = shared.chart()
    assert_clean(shared)
    assert shared.query_flat() == {"shift": "imagenet-r", "scale": "probit"}
    assert combobox_value(shared, SHIFT) == "ImageNet-R"
    assert radio_checked(shared, SCALE, "Probit")
    assert (restored["x_title"], restored["y_title"]) == (changed["x_title"], changed["y_title"])
    assert restored["y_ticks"] == changed["y_ticks"]
    assert restored["n_marker_points"] == changed["n_marker_points"]
    assert fitted_lines(shared) == after
    shared.screenshot("3-restored-from-link")


def test_effective_robustness_malformed_link_warns_and_draws(open_app):
    app = open_app(PAGES["Effective robustness"] + "?shift=nope&scale=3")
    chart = app.chart()
    assert_clean(app)
    warnings = " ".join(app.warnings())
    assert "shift" in warnings and "nope" in warnings, warnings
    assert "scale" in warnings, warnings
    assert chart["y_title"] == "ImageNetV2 top-1 (%)"
    assert chart["n_marker_points"] >= MIN_POINTS
    assert combobox_value(app, SHIFT) == "ImageNetV2"
    assert radio_checked(app, SCALE, "Logit")
    assert app.query() == {}  # the address bar now names the view shown: the defaults
    app.screenshot("malformed-link")


def test_effective_robustness_imagenet_a_two_pieces_and_single_line(open_app):
    """ImageNet-A, class-matched x: the testbed's two lines split at ResNet-50, then one line, by link."""
    app = open_app(PAGES["Effective robustness"] + "?shift=imagenet-a&x=matched")
    chart = app.chart()
    assert_clean(app)
    assert chart["x_title"] == "ImageNet top-1, ImageNet-A classes (%)"
    assert chart["y_title"] == "ImageNet-A top-1 (%)"
    legend = chart["legend"]
    assert sum(t.startswith("Baseline fit below split") or t.startswith("Baseline fit above split")
               for t in legend) == 2, legend
    assert any(t.startswith("Split at resnet50") and "91.86%" in t for t in legend), legend
    assert app.page.locator(".shapelayer path").count() >= 1  # the dotted split line
    lines = fitted_lines(app)
    assert "Baseline ≤ 91.86%" in lines and "Baseline > 91.86%" in lines
    body = app.page.locator('[data-testid="stMain"]').inner_text()
    assert "format_eff_robust" in body and "Left out of every fit (1): resnet50" in body
    assert radio_checked(app, "ImageNet-A baseline", "Two lines split at the filtered model (testbed)")
    app.screenshot("1-imagenet-a-two-pieces")

    app.radio("ImageNet-A baseline", "One line without the filtered model")
    single = app.chart(until=lambda c: not any(t.startswith("Split at") for t in c["legend"]))
    assert_clean(app)
    assert not any(t.startswith("Split at") for t in single["legend"]), single["legend"]
    assert app.query_flat() == {"shift": "imagenet-a", "x": "matched", "pieces": "single-line"}
    assert "Baseline ≤" not in fitted_lines(app)
    shared = open_app(share_link(app))
    shared.chart()
    assert_clean(shared)
    assert radio_checked(shared, "ImageNet-A baseline", "One line without the filtered model")
    assert fitted_lines(shared) == fitted_lines(app)
    app.screenshot("2-imagenet-a-single-line")


# --- Scaling --------------------------------------------------------------------------------------------

EVAL = "Evaluation set"


def test_scaling_view_and_link(open_app):
    app = open_app(PAGES["Scaling"])
    chart = app.chart(0)
    assert_clean(app)
    assert chart["y_title"] == "ImageNet zero-shot top-1 error (%)"
    assert chart["x_title"].startswith("Samples seen")
    assert chart["n_marker_points"] >= 30
    assert chart["n_svg_points"] >= 30
    assert app.query() == {}
    app.screenshot("1-default")

    app.select(EVAL, "ImageNetV2")
    changed = app.chart(0, until=lambda c: c["y_title"].startswith("ImageNetV2"))
    assert_clean(app)
    assert changed["y_title"] == "ImageNetV2 zero-shot top-1 error (%)"
    assert app.query_flat() == {"eval": "imagenetv2"}
    robustness = app.chart(1)  # effective robustness against samples seen
    assert robustness["y_title"] == "Effective robustness on ImageNetV2 (pts)"
    assert robustness["n_marker_points"] > 0
    app.screenshot("2-imagenetv2")

    shared = open_app(app.page.url)
    restored = shared.chart(0)
    assert_clean(shared)
    assert shared.query_flat() == {"eval": "imagenetv2"}
    assert combobox_value(shared, EVAL) == "ImageNetV2"
    assert (restored["x_title"], restored["y_title"]) == (changed["x_title"], changed["y_title"])
    assert restored["n_marker_points"] == changed["n_marker_points"]
    assert shared.chart(1)["y_title"] == robustness["y_title"]
    shared.screenshot("3-restored-from-link")



def test_scaling_cherti_fits_on_compute(open_app):
    """Cherti et al.'s ImageNet compute fits: LAION pooled drawn by default, OpenAI (3 scales) on request."""
    app = open_app(PAGES["Scaling"] + "?x=compute")
    chart = app.chart(0)
    assert_clean(app)
    assert chart["x_title"] == "Total training compute (GMACs)"
    assert "fit: LAION pooled" in chart["legend"] and not any("OpenAI (" in t for t in chart["legend"])
    app.table_rows(0)
    table = app.page.locator('[data-testid="stDataFrame"] table[role="grid"]').first.text_content()
    assert "E = 5.86·x^-0.111" in table and "E = 23.18·x^-0.164" in table  # both in the fit table
    app.screenshot("1-compute")

    shared = open_app(PAGES["Scaling"] + "?x=compute&fewscales=1&fits=laion-pooled,openai")
    both = shared.chart(0)
    assert_clean(shared)
    assert {"fit: LAION pooled", "fit: OpenAI (3 scales only)"} <= set(both["legend"])
    assert not any(t["name"].startswith("fit: LAION-2B") for t in both["traces"])  # no per-group fits
    shared.screenshot("2-laion-pooled-and-openai")

# --- Models ---------------------------------------------------------------------------------------------

NAME = "Name contains"


def models_caption(app) -> str:
    """The caption under the models table ("N of M models. ...")."""
    return app.page.locator('[data-testid="stCaptionContainer"]').filter(has_text=" models. ER in").first.inner_text()


def test_models_search_and_link(open_app, models):
    models = models[checkpoint_of(models) == models["model_id"]]  # the table lists one row per checkpoint
    n_models = len(models)
    app = open_app(PAGES["Models"])
    assert_clean(app)
    assert app.table_rows(0) == n_models
    assert models_caption(app).startswith(f"{n_models:,} of {n_models:,} models.")
    compare = app.chart(0)
    assert compare["y_title"] == "Effective robustness (pts)"
    assert compare["n_bars"] > 0 and compare["n_svg_bars"] > 0
    app.screenshot("1-default")

    needle = "laion2b"
    expected = int((models["display_name"].str.lower().str.contains(needle, regex=False)
                    | models["model_id"].str.lower().str.contains(needle, regex=False)).sum())
    assert 0 < expected < n_models
    app.fill(NAME, needle)
    assert_clean(app)
    assert app.table_rows(0, until=lambda n: n == expected) == expected
    assert models_caption(app).startswith(f"{expected:,} of {n_models:,} models.")
    assert app.query_flat() == {"q": needle}
    app.screenshot("2-search-laion2b")

    shared = open_app(app.page.url)
    assert_clean(shared)
    # The restored value is checked with retries: the first script run of a new session may still
    # be filling the widgets when the page counts as loaded on a busy machine.
    expect(shared.page.get_by_role("textbox", name=NAME, exact=True)).to_have_value(needle, timeout=20_000)
    assert shared.table_rows(0, until=lambda n: n == expected) == expected
    assert shared.query_flat() == {"q": needle}
    shared.screenshot("3-restored-from-link")


# --- Data -----------------------------------------------------------------------------------------------

LIST_OF = "List the models of"


def test_data_tables_and_link(open_app, models):
    app = open_app(PAGES["Data"])
    assert_clean(app)
    counts = models["source"].value_counts()
    assert app.table_rows(0) == len(counts)  # one row per source
    first = app.query_flat().get("source")
    assert first is None
    assert app.table_rows(1) == counts["testbed"]
    assert app.table_rows(2) >= 6  # evaluation sets: ImageNet and at least the five main shifts
    app.screenshot("1-default")

    app.select(LIST_OF, "timm (PyTorch Image Models) (timm)")
    assert_clean(app)
    assert app.table_rows(1, until=lambda n: n == counts["timm"]) == counts["timm"]
    assert app.query_flat() == {"source": "timm"}
    app.screenshot("2-timm")

    shared = open_app(app.page.url)
    assert_clean(shared)
    assert combobox_value(shared, LIST_OF) == "timm (PyTorch Image Models) (timm)"
    assert shared.table_rows(1) == counts["timm"]
    shared.screenshot("3-restored-from-link")


# --- Your results ---------------------------------------------------------------------------------------

UPLOAD = (b"model,imagenet,imagenetv2,imagenet-sketch,imagenet-r,imagenet-a,objectnet\n"
          b"my <b>net</b>,0.2012,0.1705,0.0933,0.2281,0.0211,0.1130\n"
          b"my-vitb32,0.6450,0.5680,0.4210,0.7030,0.3020,0.4500\n")


def test_your_results_upload_joins_robustness_page(open_app):
    app = open_app(PAGES["Your results"])
    assert_clean(app)
    app.screenshot("1-empty")
    files = app.page.locator('[data-testid="stFileUploader"] input[type="file"]')
    app.after(lambda: files.set_input_files(files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": UPLOAD}]))
    assert_clean(app)
    assert "2 model(s) loaded" in " ".join(app.page.locator('[data-testid="stAlertContentSuccess"]').all_inner_texts())
    assert app.table_rows(0, until=lambda n: n == 2) == 2
    grid = app.page.locator('[data-testid="stDataFrame"] table[role="grid"]').first.inner_text()
    assert "my <b>net</b>" in grid  # the name is text, not markup
    app.screenshot("2-uploaded")

    # Same browser session: the uploaded models join the robustness chart as their own group.
    app.after(lambda: app.page.locator('[data-testid="stSidebarNav"] a', has_text="Effective robustness").click())
    chart = app.chart(until=lambda c: any(t["name"].startswith("Your models") for t in c["traces"]))
    assert_clean(app)
    mine = [t for t in chart["traces"] if t["name"].startswith("Your models")]
    assert sum(t["n"] for t in mine) == 2, chart["traces"]
    assert any(t.startswith("Your models") for t in chart["legend"]), chart["legend"]
    app.screenshot("3-robustness-with-uploads")

    # Another session (a colleague opening the app) does not see them.
    other = open_app(PAGES["Effective robustness"]).chart()
    assert not any(t["name"].startswith("Your models") for t in other["traces"])


# --- Navigation -----------------------------------------------------------------------------------------


def test_first_visit_deep_link_shows_app_navigation(open_app, fresh_server):
    # Streamlit runs an app with a pages/ folder as an old-style multipage app until app.py has called
    # st.navigation once in the server process (serve.py's warm-up tells it so at start-up; app.py alone
    # learns it on the first run): the very first visitor, arriving by a deep link, must still get the
    # app's navigation and the page, without a "Page not found" dialog.
    app = open_app(PAGES["Your results"], base=fresh_server)
    app.screenshot("first-visit-your-results")
    assert app.nav_titles() == NAV
    assert_clean(app)
    assert app.page.locator("h1").first.inner_text().strip() == "Your results"
