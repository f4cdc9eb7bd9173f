"""Upload-session memory: server RSS while many browser sessions upload results, and after they leave.

Starts the real server and one headless Chromium. Each session is a fresh browser context that
uploads its own template CSV of ``rows`` made-up models on the Your results page (names differ
between sessions, so no two uploads are the same data), then opens the Effective robustness, Models
and Scaling pages through the sidebar (each computes its view over the published plus uploaded
models) and closes the tab. ``VmRSS`` of the server is read every ``every`` sessions, right after
the last session has left, and again after Streamlit's reconnect window (a closed tab's session is
kept for 2 minutes in case it reconnects; one more short visit afterwards lets the server drop the
expired ones).

``python -m benchmarks.sessions [--sessions 100] [--rows 5000] [--out benchmarks/out/sessions.json]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .browser import launch, wait_idle
from .server import CHART, EXCEPTION, IDLE, ROOT, VIEWPORT, Server

#: Streamlit keeps a closed tab's session this long for a reconnect (MemorySessionStorage's TTL).
RECONNECT_WINDOW_S = 120
SHIFT_COLUMNS = ("imagenet", "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a", "objectnet")


def upload_csv(session: int, rows: int, seed: int = 0) -> str:
    """A template CSV of ``rows`` models with accuracies near the published trends (fractions)."""
    rng = np.random.default_rng(seed + session)
    x = rng.uniform(0.2, 0.85, rows)
    cols = {"imagenet": x, "imagenetv2": x - 0.1, "imagenet-sketch": x * 0.5, "imagenet-r": x * 0.7,
            "imagenet-a": x * 0.2, "objectnet": x * 0.6}
    lines = ["model," + ",".join(SHIFT_COLUMNS)]
    for j in range(rows):
        lines.append(f"s{session}-model-{j}," + ",".join(
            f"{min(max(cols[c][j] + rng.normal(0, 0.01), 0.001), 0.999):.4f}" for c in SHIFT_COLUMNS))
    return "\n".join(lines) + "\n"


def _wait(page: Any, what: str, timeout_s: float) -> None:
    """Wait for a chart (or, for ``idle``, for the script to settle); raise on a Streamlit exception."""
    target = CHART if what == "chart" else IDLE
    page.locator(target).or_(page.locator(EXCEPTION)).first.wait_for(state="visible" if what == "chart" else "attached",
                                                                   timeout=timeout_s * 1000)
    if page.locator(EXCEPTION).count():
        raise RuntimeError(f"exception on {page.url}: {page.locator(EXCEPTION).first.inner_text()[:300]}")


def one_session(browser: Any, base: str, csv_path: Path, timeout_s: float = 180.0) -> dict[str, float]:
    """Upload on Your results, then visit the chart pages through the sidebar, then close the tab;
    returns the seconds each step took."""
    context = browser.new_context(viewport=VIEWPORT)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        page = context.new_page()
        page.goto(base + "/your_results", wait_until="commit", timeout=timeout_s * 1000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
        page.locator('[data-testid="stAlertContentSuccess"]').wait_for(timeout=timeout_s * 1000)
        _wait(page, "idle", timeout_s)
        times["Your results"] = time.perf_counter() - t0
        for title in ("Effective robustness", "Models", "Scaling"):
            t0 = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
            page.wait_for_timeout(300)
            _wait(page, "chart" if title != "Models" else "idle", timeout_s)
            _wait(page, "idle", timeout_s)
            times[title] = time.perf_counter() - t0
    finally:
        context.close()
    return times


#: The Docker image's allocator setting (Dockerfile ``ENV``): the server is measured as it is shipped.
IMAGE_ENV = {"MALLOC_ARENA_MAX": "2"}


def run(sessions: int = 100, rows: int = 5000, every: int = 10, log: Callable[[str], None] = print) -> dict[str, Any]:
    """RSS (MiB) of the server over ``sessions`` uploading sessions and after they have left."""
    from playwright.sync_api import sync_playwright

    report: dict[str, Any] = {"sessions": sessions, "rows": rows, "rss_mib": [], "errors": [], "step_s": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch(pw)
        try:
            with Server(env=IMAGE_ENV) as server:
                rss = lambda: server.status()["VmRSS"] / 1024  # noqa: E731
                report["startup_rss_mib"] = rss()
                for path in ("/", "/models", "/scaling", "/your_results"):  # every page once, as a warm server
                    wait_idle(browser, server.base + path)
                report["warm_rss_mib"] = rss()
                log(f"  start-up {report['startup_rss_mib']:.0f} MiB, every page once {report['warm_rss_mib']:.0f} MiB")
                t0 = time.perf_counter()
                for i in range(1, sessions + 1):
                    csv_path = Path(tmp) / f"session{i}.csv"
                    csv_path.write_text(upload_csv(i, rows))
                    try:
                        report["step_s"].append(one_session(browser, server.base, csv_path))
                    except Exception as exc:  # a failed session is a result, not a crash
                        report["errors"].append(f"session {i}: {type(exc).__name__}: {exc}"[:300])
                    csv_path.unlink()
                    if i % every == 0 or i == sessions:
                        report["rss_mib"].append((i, rss()))
                        steps = ", ".join(f"{k} {v:.1f}" for k, v in (report["step_s"] or [{}])[-1].items())
                        log(f"  after {i} sessions: {report['rss_mib'][-1][1]:.0f} MiB "
                            f"({time.perf_counter() - t0:.0f} s, {len(report['errors'])} errors; last: {steps} s)")
                report["after_leaving_rss_mib"] = rss()
                time.sleep(RECONNECT_WINDOW_S + 10)
                wait_idle(browser, server.base + "/data")  # one short visit: expired sessions are dropped
                time.sleep(2)
                report["after_reconnect_window_rss_mib"] = rss()
                report["peak_rss_mib"] = server.status()["VmHWM"] / 1024
                log(f"  right after the last left {report['after_leaving_rss_mib']:.0f} MiB; after the "
                    f"{RECONNECT_WINDOW_S} s reconnect window {report['after_reconnect_window_rss_mib']:.0f} MiB; "
                    f"peak {report['peak_rss_mib']:.0f} MiB")
        finally:
            browser.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "sessions.json")
    args = parser.parse_args()
    report = run(args.sessions, args.rows, args.every)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
