"""Memory benchmark: peak resident set size of the server process with the real data.

Starts the real server, reads ``VmRSS`` after start-up, opens every page once in headless Chromium
(waiting for its script to finish), and reads ``VmHWM`` (peak RSS) and ``VmRSS`` from
``/proc/<pid>/status``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .browser import launch, wait_idle
from .server import ROOT, Server, page_urls


def run(log: Callable[[str], None] = print) -> dict[str, Any]:
    """Peak and current RSS (MiB) of the server after loading every page once."""
    from playwright.sync_api import sync_playwright

    pages = [(f, p) for f, p in page_urls() if (ROOT / f).exists()]
    report: dict[str, Any] = {"pages": [f for f, _ in pages], "after_page_mib": {}}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            with Server() as server:
                report["startup_rss_mib"] = server.status()["VmRSS"] / 1024
                for f, path in pages:
                    wait_idle(browser, server.base + path)
                    report["after_page_mib"][f] = server.status()["VmRSS"] / 1024
                s = server.status()
                report["peak_rss_mib"] = s["VmHWM"] / 1024
                report["final_rss_mib"] = s["VmRSS"] / 1024
                report["threads"] = s["Threads"]
        finally:
            browser.close()
    log(f"  server RSS: start-up {report['startup_rss_mib']:.0f} MiB, peak {report['peak_rss_mib']:.0f} MiB, "
        f"after all pages {report['final_rss_mib']:.0f} MiB")
    return report
