"""End-to-end fixtures: the real Streamlit server on a free port and headless Debian Chromium.

The server is started once per test session with ``python -m streamlit run serve.py`` (the dashboard
as it ships: ``app.py``, warmed up before it accepts connections) and stopped
(with its whole process group) at teardown. Each test gets fresh browser contexts, so a link opened
in a new context behaves like a link opened by a colleague. Screenshots go to
``test-output/screenshots/``.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks.server import CHROMIUM as CHROMIUM_PATH
from benchmarks.server import CHROMIUM_ARGS, VIEWPORT, Server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path(CHROMIUM_PATH)
SERVER_START_TIMEOUT_S = 60.0
RUN_TIMEOUT_MS = 60_000

APP = '[data-testid="stApp"]'
CHART_BOX = '[data-testid="stPlotlyChart"]'
EXCEPTION = '[data-testid="stException"]'
ALERT_ERROR = '[data-testid="stAlertContentError"]'
ALERT_WARNING = '[data-testid="stAlertContentWarning"]'
DIALOG = '[role="dialog"]'
#: A page's "chart drawn" signal (pages/chart_first.py): while it is mounted, the page's next run is pending.
CHART_SIGNAL = '[class*="-chart_drawn"]'


# Counts the script runs the frontend shows (transitions of stApp's script state into "running").
COUNT_RUNS_JS = """
window.__effrobRuns = 0;
new MutationObserver((records) => {
    for (const r of records) {
        if (r.target.getAttribute('data-test-script-state') === 'running' && r.oldValue !== 'running') {
            window.__effrobRuns += 1;
        }
    }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
SETTLE_S = 20.0


@contextlib.contextmanager
def serve(script: str = "serve.py") -> Iterator[str]:
    """Start ``streamlit run serve.py`` (or ``script``) on a free port, yield its base URL once healthy, stop it
    afterwards."""
    with Server(start_timeout=SERVER_START_TIMEOUT_S, script=script) as server:
        yield server.base


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the real dashboard server, running for the whole session."""
    with serve() as base:
        yield base


@pytest.fixture(scope="session")
def warm_server(server: str, browser) -> str:
    """The session's server after one visit of its root page, so that page tests do not depend on their order.

    A server's very first visitor is special (Streamlit sees the ``pages/`` folder before ``app.py`` has
    called ``st.navigation``); ``test_first_visit_deep_link_shows_app_navigation`` covers that case on a
    server of its own (``fresh_server``).
    """
    context = browser.new_context(viewport=VIEWPORT)
    try:
        AppPage(context.new_page(), server, "warm-up").goto("/")
    finally:
        context.close()
    return server


@pytest.fixture(params=["serve.py", "app.py"])
def fresh_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL of a server started for this test alone (for behaviour of a server's first visitor), once as
    it ships (``serve.py``, warmed up) and once as ``streamlit run app.py`` (no warm-up)."""
    with serve(request.param) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (``playwright install`` is not needed)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/test.sh`, which installs Debian's chromium "
                    "and then runs the tests.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class AppPage:
    """A browser tab on the dashboard with helpers that wait for Streamlit's script runs."""

    def __init__(self, page, base: str, test_name: str) -> None:
        self.page = page
        self.base = base
        self.test_name = test_name
        self.page_errors: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.add_init_script(COUNT_RUNS_JS)

    def goto(self, path_or_url: str) -> AppPage:
        """Open a page of the app (a path like ``/models?q=vit`` or a full URL) and wait for its script run."""
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        self.page.goto(url, wait_until="networkidle")
        self.wait_idle()
        return self

    def wait_idle(self, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Wait until the app is connected, its script is not running, and that has held for 0.5 s, with no
        run still to come for a chart-first signal."""
        self.page.wait_for_selector(APP, state="attached", timeout=timeout_ms)
        idle = (f'{APP}[data-test-connection-state="CONNECTED"]'
                f'[data-test-script-state="notRunning"]')
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self.page.wait_for_selector(idle, state="attached",
                                        timeout=max(1, int((deadline - time.monotonic()) * 1000)))
            self.page.wait_for_timeout(500)
            if self.page.query_selector(CHART_SIGNAL) is not None:  # the page reruns once its chart is drawn
                self.page.wait_for_selector(CHART_SIGNAL, state="detached",
                                            timeout=max(1, int((deadline - time.monotonic()) * 1000)))
                continue
            if self.page.query_selector(idle) is not None:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the Streamlit script did not settle")

    def runs(self) -> int:
        """How many script runs this tab has shown so far."""
        return int(self.page.evaluate("window.__effrobRuns || 0"))

    def after(self, action: Callable[[], object], timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Perform a UI action that triggers a rerun, then wait for that rerun to finish."""
        before = self.runs()
        action()
        try:
            self.page.wait_for_function(f"(window.__effrobRuns || 0) > {before}", timeout=10_000)
        except Exception:  # a very quick rerun may not show; waiting for idle is all that is left
            pass
        self.wait_idle(timeout_ms)

    def plot(self, index: int = 0) -> Any:
        """The plot of the index-th chart element, counted in page order whether or not it has drawn yet
        (a light chart further down can draw before a large WebGL one above it)."""
        return self.page.locator(CHART_BOX).nth(index).locator(".js-plotly-plot").first

    def wait_chart(self, index: int = 0, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Wait until the index-th plotly chart has drawn its main SVG; fail at once on an exception."""
        drawn = self.plot(index).locator("svg.main-svg").first
        exception = self.page.locator(EXCEPTION).first
        drawn.or_(exception).first.wait_for(state="visible", timeout=timeout_ms)
        if not drawn.is_visible():
            raise AssertionError(f"the page shows an exception instead of chart {index}:\n{exception.inner_text()}")

    def chart(self, index: int = 0, until: Callable[[dict], bool] | None = None) -> dict:
        """What the index-th plotly chart drew: axis titles (from the SVG), traces, and point counts.

        With ``until``, read it again (for up to 20 s) until ``until(chart)`` holds, since plotly redraws
        after the script run ends; the last reading is returned either way, for the test to check.
        """
        deadline = time.monotonic() + SETTLE_S
        while True:
            info = self._chart(index)
            if until is None or until(info) or time.monotonic() > deadline:
                return info
            self.page.wait_for_timeout(250)

    def _chart(self, index: int) -> dict:
        self.wait_chart(index)
        handle = self.plot(index).element_handle()
        return self.page.evaluate(
            """(gd) => {
                const text = (sel) => Array.from(gd.querySelectorAll(sel)).map(e => e.textContent);
                const len = (a) => (a && a.length !== undefined) ? a.length : 0;
                const traces = (gd._fullData || []).filter(t => t.visible !== false).map(t => ({
                    name: t.name, type: t.type, mode: t.mode || '', n: Math.max(len(t.x), len(t.y))}));
                return {
                    x_title: text('.g-xtitle text').join(' '),
                    y_title: text('.g-ytitle text').join(' '),
                    x_ticks: text('.xtick text'),
                    y_ticks: text('.ytick text'),
                    legend: text('.legend .legendtext'),
                    traces: traces,
                    n_marker_points: traces.filter(t => t.mode.includes('markers') || t.type === 'scattergl' && t.mode === '')
                                           .reduce((s, t) => s + t.n, 0),
                    n_svg_points: gd.querySelectorAll('.scatterlayer .point').length,
                    n_gl_canvases: gd.querySelectorAll('canvas').length,
                    n_bars: traces.filter(t => t.type === 'bar').reduce((s, t) => s + t.n, 0),
                    n_svg_bars: gd.querySelectorAll('.barlayer .point').length,
                };
            }""",
            handle,
        )

    def color_pixels(self, index: int, color: str, tolerance: int = 25) -> int:
        """Pixels of the index-th chart's screenshot within ``tolerance`` (per channel) of ``color`` (#RRGGBB).

        Markers drawn with WebGL leave no SVG nodes, so this is how a test sees that they were painted.
        """
        from PIL import Image

        self.wait_chart(index)
        png = self.plot(index).screenshot()
        rgb = Image.open(io.BytesIO(png)).convert("RGB")
        target = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
        return sum(
            n for n, px in rgb.getcolors(maxcolors=1 << 24)
            if all(abs(a - b) <= tolerance for a, b in zip(px, target, strict=True))
        )

    def table_rows(self, index: int = 0, until: Callable[[int], bool] | None = None) -> int:
        """Number of data rows of the index-th ``st.dataframe`` (its accessible grid, header excluded).

        With ``until``, read it again (for up to 20 s) until ``until(rows)`` holds; returns the last reading.
        """
        grid = self.page.locator('[data-testid="stDataFrame"] table[role="grid"]').nth(index)
        deadline = time.monotonic() + SETTLE_S
        while True:
            grid.wait_for(state="attached")
            rows = int(grid.get_attribute("aria-rowcount")) - 1
            if until is None or until(rows) or time.monotonic() > deadline:
                return rows
            self.page.wait_for_timeout(250)

    def select(self, label: str, option: str) -> None:
        """Pick ``option`` in the selectbox labelled ``label`` and wait for the rerun."""
        box = self.page.get_by_role("combobox", name=label, exact=True)

        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        choice = self.page.get_by_role("option", name=option, exact=True)

        def act() -> None:
            # On a busy machine the first click can land while the page is still settling and only focus
            # the box; click again (up to three times) until the list is open.
            for attempt in range(3):
                box.click()
                try:
                    choice.wait_for(state="visible", timeout=5_000)
                    break
                except PlaywrightTimeoutError:
                    if attempt == 2:
                        raise
            choice.click()

        self.after(act)

    def radio(self, label: str, option: str) -> None:
        """Choose ``option`` in the radio group labelled ``label`` and wait for the rerun."""
        group = self.page.get_by_role("radiogroup", name=label, exact=True)
        self.after(lambda: group.get_by_text(option, exact=True).click())

    def fill(self, label: str, text: str) -> None:
        """Type ``text`` into the text input labelled ``label``, press Enter, and wait for the rerun."""
        box = self.page.get_by_role("textbox", name=label, exact=True)

        def act() -> None:
            box.fill(text)
            box.press("Enter")

        self.after(act)

    def nav_titles(self) -> list[str]:
        """Titles of the pages listed in the sidebar navigation."""
        return [a.inner_text().strip() for a in self.page.locator('[data-testid="stSidebarNav"] a').all()]

    def query(self) -> dict[str, list[str]]:
        """Query parameters of the current URL."""
        return parse_qs(urlsplit(self.page.url).query, keep_blank_values=True)

    def query_flat(self) -> dict[str, str]:
        """Query parameters of the current URL, last value of each."""
        return {k: v[-1] for k, v in self.query().items()}

    def errors(self) -> list[str]:
        """Texts of exceptions, error alerts and dialogs (e.g. Streamlit's "Page not found") on the page."""
        found = []
        for sel in (EXCEPTION, ALERT_ERROR, DIALOG):
            found += [el.inner_text() for el in self.page.query_selector_all(sel) if el.is_visible()]
        return found

    def warnings(self) -> list[str]:
        """Texts of visible warning alerts on the page."""
        return [el.inner_text() for el in self.page.query_selector_all(ALERT_WARNING) if el.is_visible()]

    def screenshot(self, step: str) -> Path:
        """Full-page PNG of the current view under ``test-output/screenshots/``."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}--{re.sub(r'[^A-Za-z0-9_.-]+', '-', step)}.png"
        capture_full_page(self.page, path)
        return path


def capture_full_page(page, path: Path) -> None:
    """Screenshot the whole app: Streamlit scrolls inside its main container, so grow the viewport to fit."""
    height = page.evaluate(
        """() => {
            const els = [document.documentElement, document.body,
                         document.querySelector('[data-testid="stMain"]'),
                         document.querySelector('[data-testid="stAppViewContainer"]')];
            return Math.max(...els.filter(Boolean).map(e => e.scrollHeight));
        }"""
    )
    size = page.viewport_size or VIEWPORT
    grown = max(size["height"], min(int(height), 8000))
    if grown != size["height"]:
        page.set_viewport_size({"width": size["width"], "height": grown})
        page.wait_for_timeout(400)  # let plotly and the layout follow the resize
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if grown != size["height"]:
            page.set_viewport_size(size)


@pytest.fixture
def open_app(warm_server: str, browser, request) -> Iterator[Callable[[str], AppPage]]:
    """Factory: ``open_app(path_or_url, base=None)`` opens a page in a FRESH browser context (a new session).

    ``base`` is another server's URL (default: the session's server)."""
    contexts = []
    test_name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)

    def _open(path: str, base: str | None = None) -> AppPage:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(RUN_TIMEOUT_MS)
        contexts.append(context)
        return AppPage(context.new_page(), base or warm_server, test_name).goto(path)

    yield _open
    report = getattr(request.node, "rep_call", None)
    for i, context in enumerate(contexts):
        if report is not None and report.failed:  # keep what the browser showed when the test failed
            for j, page in enumerate(context.pages):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=str(SCREENSHOTS / f"{test_name}--FAILED-{i}-{j}.png"), full_page=True)
                except Exception:  # the page may have crashed; the test's own error is what matters
                    pass
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Attach each phase's report to the test item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
