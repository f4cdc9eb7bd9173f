"""Browser benchmark: time from navigation to the first drawn chart, in headless Chromium.

``cold``: a fresh server process for each measurement (the first visitor after a deploy or restart:
imports, loading the tables and the first computation); ``warm``: the server has already served
every page once, and a new browser context (empty cache, new session) opens the page.

The clock runs from just before ``page.goto`` to the moment the first plotly chart's SVG is visible.
A page without a chart reports ``null`` and its time to "script idle" instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .server import CHART, CHROMIUM, CHROMIUM_ARGS, EXCEPTION, IDLE, ROOT, VIEWPORT, Server, page_urls
from .stats import summarise

#: The app counts as settled without a chart once it has been idle this long.
IDLE_HOLD_MS = 1500

_READY_JS = """([chart, idle, hold]) => {
    const c = document.querySelector(chart);
    if (c) { const r = c.getBoundingClientRect(); if (r.width > 0 && r.height > 0) return 'chart'; }
    if (document.querySelector(idle)) {
        window.__benchIdle = window.__benchIdle || performance.now();
        if (performance.now() - window.__benchIdle > hold) return 'idle';
    } else { window.__benchIdle = null; }
    return false;
}"""


def launch(pw: Any) -> Any:
    """Headless Debian Chromium with the project's flags."""
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def draws_chart(page_file: str) -> bool:
    """Whether a page's script draws a plotly chart (then only the chart ends a first-chart wait)."""
    path = ROOT / page_file
    return path.exists() and "plotly_chart" in path.read_text()


def first_chart(browser: Any, url: str, timeout_s: float = 120.0, expect_chart: bool = False) -> dict[str, Any]:
    """Open ``url`` in a new context; seconds to the first chart (or, for a page without charts, to settling)
    and errors. With ``expect_chart`` an idle page does not count: a loaded machine can leave the app
    idle for a while before the chart's code has arrived."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"[:300]))
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        hold = 10 * timeout_s * 1000 if expect_chart else IDLE_HOLD_MS
        what = page.wait_for_function(_READY_JS, arg=[CHART, IDLE, hold], polling=20,
                                      timeout=timeout_s * 1000).json_value()
        elapsed = time.perf_counter() - t0
        if what == "idle":
            elapsed -= IDLE_HOLD_MS / 1000
        n_exc = page.locator(EXCEPTION).count()
        if n_exc:
            errors.append(f"{n_exc} Streamlit exception(s) on the page")
        return {"chart": what == "chart", "seconds": elapsed, "errors": errors}
    except Exception as exc:  # a timeout or navigation failure is a result, not a crash
        return {"chart": False, "seconds": float("nan"), "errors": errors + [f"{type(exc).__name__}: {exc}"[:300]]}
    finally:
        context.close()


def wait_idle(browser: Any, url: str, timeout_s: float = 120.0) -> None:
    """Visit ``url`` once and wait until the script has run (used to warm a server)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function(_READY_JS, arg=[CHART, IDLE, IDLE_HOLD_MS], polling=50, timeout=timeout_s * 1000)
    finally:
        context.close()


def run(cold_runs: int = 3, warm_runs: int = 10, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Cold and warm first-chart times of every page of the app."""
    from playwright.sync_api import sync_playwright

    pages = [(f, p) for f, p in page_urls() if (ROOT / f).exists()]
    report: dict[str, Any] = {"cold_runs": cold_runs, "warm_runs": warm_runs, "pages": []}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            cold: dict[str, list[dict[str, Any]]] = {f: [] for f, _ in pages}
            starts = []
            for _ in range(cold_runs):
                for f, path in pages:
                    with Server() as server:
                        starts.append(server.started_s)
                        cold[f].append(first_chart(browser, server.base + path, expect_chart=draws_chart(f)))
            warm: dict[str, list[dict[str, Any]]] = {f: [] for f, _ in pages}
            with Server() as server:
                for _, path in pages:
                    wait_idle(browser, server.base + path)
                for _ in range(warm_runs):
                    for f, path in pages:
                        warm[f].append(first_chart(browser, server.base + path, expect_chart=draws_chart(f)))
            report["server_start"] = summarise(starts)
            for f, path in pages:
                entry = {"page": f, "path": path,
                         "has_chart": any(r["chart"] for r in cold[f] + warm[f]),
                         "cold": summarise([r["seconds"] for r in cold[f] if r["seconds"] == r["seconds"]]),
                         "warm": summarise([r["seconds"] for r in warm[f] if r["seconds"] == r["seconds"]]),
                         "errors": sorted({e for r in cold[f] + warm[f] for e in r["errors"]})}
                report["pages"].append(entry)
                log(f"  {path}: {'first chart' if entry['has_chart'] else 'settled (no chart)'} "
                    f"cold {entry['cold']['median_s']:.2f}s warm {entry['warm']['median_s']:.2f}s "
                    f"(p95 {entry['warm']['p95_s']:.2f}s); {len(entry['errors'])} distinct errors")
        finally:
            browser.close()
    return report
