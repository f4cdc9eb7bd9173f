"""Load benchmark: N concurrent browser sessions changing controls on the real server.

One headless Chromium with N browser contexts (one session each), driven by Playwright's asyncio
API from a single Python thread: N separate Chromium processes or N Playwright drivers would
compete with the server for the 2 cores far more than N contexts of one browser do.

Each session opens a page that has a chart, then repeatedly picks a control (an unselected radio
option or another select-box option) at random, clicks it and waits until the server reports the
rerun finished (the ``script_finished`` message on the session's websocket) and the chart is
visible again; that interval is the interaction-to-chart latency. An error is a timeout, a
JavaScript error, a Streamlit exception box on the page, or a closed connection. Everything runs on
127.0.0.1, for a bounded time, and every process started is stopped.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .server import CHART, CHROMIUM, CHROMIUM_ARGS, EXCEPTION, IDLE, ROOT, VIEWPORT, Server, page_urls
from .stats import summarise

RADIO_OPTION = '[data-testid="stRadio"] label:has(input[type="radio"]:not(:checked):not(:disabled))'
SELECTBOX = '[data-testid="stSelectbox"]:not(:has(input:disabled))'
OPTION = '[role="option"]'
ALERT = '[data-testid="stAlertContentError"]'
#: After the rerun: the app is idle and shows a chart, or (without a chart) an error message.
_DRAWN_JS = """([idle, chart, alert]) => {
    if (!document.querySelector(idle)) return false;
    const c = document.querySelector(chart);
    if (c) { const r = c.getBoundingClientRect(); if (r.width > 0 && r.height > 0) return 'chart'; }
    return document.querySelector(alert) ? 'alert' : false;
}"""
_TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
ACTION_TIMEOUT_S = 60.0
#: Sessions start together; each changes controls for ``seconds`` from when its page is ready, and all
#: stop at most this long after ``seconds`` from the start.
START_ALLOWANCE_S = 120.0


@dataclass
class SessionLog:
    """What one session did: its page, latencies of completed interactions, and errors."""

    index: int
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)
    ready_s: float = float("nan")
    server: list[float] = field(default_factory=list)
    no_chart: list[str] = field(default_factory=list)


def _script_finished(payload: Any) -> bool:
    """Whether a websocket frame is Streamlit's ``script_finished`` message (frames are small)."""
    if not isinstance(payload, (bytes, bytearray)) or len(payload) > 512:
        return False
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        msg = ForwardMsg.FromString(bytes(payload))
    except Exception:
        return False
    return msg.WhichOneof("type") == "script_finished"


async def _wait_ready(page: Any, timeout_s: float) -> None:
    """Wait until the app is connected and idle and, if the page has a chart, it is visible."""
    await page.wait_for_selector(IDLE, state="attached", timeout=timeout_s * 1000)
    await page.wait_for_selector(CHART, state="visible", timeout=timeout_s * 1000)


async def _act(page: Any, rng: random.Random) -> tuple[str, float] | None:
    """Click a random control that triggers a rerun; return what was done and the ``perf_counter`` time
    just before the click that triggers it (None if there is nothing to do)."""
    radios = page.locator(RADIO_OPTION)
    boxes = page.locator(SELECTBOX)
    n_radio, n_box = await radios.count(), await boxes.count()
    if n_radio + n_box == 0:
        return None
    pick = rng.randrange(n_radio + n_box)
    if pick < n_radio:
        option = radios.nth(pick)
        label = (await option.inner_text()).strip()[:40]
        await option.scroll_into_view_if_needed(timeout=ACTION_TIMEOUT_S * 1000)
        t_click = time.perf_counter()
        await option.click(timeout=ACTION_TIMEOUT_S * 1000)
        return f"radio:{label}", t_click
    box = boxes.nth(pick - n_radio)
    # Scroll first: the drop-down closes when its page (or sidebar) scrolls after it opened.
    await box.scroll_into_view_if_needed(timeout=ACTION_TIMEOUT_S * 1000)
    await page.wait_for_timeout(200)
    opener = box.locator('button[aria-haspopup="listbox"]')  # the select box's "Open" button
    await (opener.first if await opener.count() else box).click(timeout=ACTION_TIMEOUT_S * 1000)
    options = page.locator(f'{OPTION}[aria-selected="false"]')
    await options.first.wait_for(state="visible", timeout=ACTION_TIMEOUT_S * 1000)
    n = await options.count()
    option = options.nth(rng.randrange(n))
    label = (await option.inner_text()).strip()[:40]
    t_click = time.perf_counter()
    await option.click(timeout=ACTION_TIMEOUT_S * 1000)
    return f"select:{label}", t_click


async def _session(index: int, browser: Any, base: str, path: str, seconds: float, hard_deadline: float,
                   seed: int) -> SessionLog:
    """One browser session changing controls for ``seconds`` once its page is ready (and never past
    ``hard_deadline``, monotonic seconds)."""
    log = SessionLog(index, path)
    rng = random.Random(seed + index)
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    finished = asyncio.Event()
    closed: list[str] = []

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", lambda payload: finished.set() if _script_finished(payload) else None)
        ws.on("close", lambda _ws: closed.append("websocket closed"))

    page.on("websocket", on_ws)
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"[:200]))
    start = time.monotonic()
    try:
        await page.goto(base + path, wait_until="commit", timeout=ACTION_TIMEOUT_S * 1000)
        await _wait_ready(page, ACTION_TIMEOUT_S)
        log.ready_s = time.monotonic() - start
        deadline = min(time.monotonic() + seconds, hard_deadline)
        while time.monotonic() < deadline and not closed:
            finished.clear()
            what = None
            try:
                acted = await _act(page, rng)
                if acted is None:
                    log.errors.append("no control to change")
                    break
                what, t0 = acted
                await asyncio.wait_for(finished.wait(), ACTION_TIMEOUT_S)
                server_s = time.perf_counter() - t0
                drawn = await page.wait_for_function(_DRAWN_JS, arg=[IDLE, CHART, ALERT], polling=20,
                                                     timeout=ACTION_TIMEOUT_S * 1000)
                outcome = await drawn.json_value()
                await page.evaluate(_TWO_FRAMES_JS)  # the browser has painted the updated page
                elapsed = time.perf_counter() - t0
                kind = what.split(":", 1)[0]
                log.actions[kind] = log.actions.get(kind, 0) + 1
                if outcome == "chart":
                    log.latencies.append(elapsed)
                    log.server.append(server_s)
                else:  # the page chose to show an error message instead of a chart (a handled state)
                    log.no_chart.append(f"{path} after {what}")
                if await page.locator(EXCEPTION).count():
                    log.errors.append(f"Streamlit exception after {what}")
            except (asyncio.TimeoutError, TimeoutError) as exc:
                first = (str(exc).splitlines() or [""])[0][:120]
                log.errors.append(f"timeout: {path} after {what or 'choosing a control'}: {type(exc).__name__} {first}")
                await page.keyboard.press("Escape")
            except Exception as exc:  # a failed click or a navigation error is counted, then go on
                log.errors.append(f"{type(exc).__name__}: {path} after {what}: {str(exc).splitlines()[0][:160]}")
                if "Target" in str(exc) and "closed" in str(exc):
                    break
        log.errors.extend(closed)
    except Exception as exc:
        log.errors.append(f"start: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()
    return log


async def _drive(base: str, paths: list[str], sessions: int, seconds: float, seed: int) -> list[SessionLog]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            hard = time.monotonic() + seconds + START_ALLOWANCE_S
            tasks = [_session(i, browser, base, paths[i % len(paths)], seconds, hard, seed) for i in range(sessions)]
            return list(await asyncio.gather(*tasks))
        finally:
            await browser.close()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process (from /proc/<pid>/stat)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chart_paths() -> list[str]:
    """URL paths of the pages to load, the default page first (pages without charts are skipped at run time)."""
    return [p for f, p in page_urls() if (ROOT / f).exists()]


def run(sessions: int = 10, seconds: float = 60.0, seed: int = 0, paths: list[str] | None = None,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``sessions`` concurrent sessions for ``seconds`` against a fresh real server; summarise."""
    paths = paths or [chart_paths()[0]]
    with Server() as server:
        from playwright.sync_api import sync_playwright

        from .browser import launch, wait_idle

        with sync_playwright() as pw:  # warm the server on every page used, as a visitor would
            b = launch(pw)
            try:
                for p in paths:
                    wait_idle(b, server.base + p)
            finally:
                b.close()
        cpu0, t0 = _cpu_seconds(server.pid), time.perf_counter()
        logs = asyncio.run(_drive(server.base, paths, sessions, seconds, seed))
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds(server.pid) - cpu0
        status = server.status()
    latencies = [x for s in logs for x in s.latencies]
    errors = [e for s in logs for e in s.errors]
    report = {
        "sessions": sessions, "seconds": seconds, "paths": paths, "wall_s": wall,
        "completed": len(latencies), "errors": len(errors),
        "error_kinds": sorted({e.split(":")[0] for e in errors}), "error_examples": errors[:10],
        "latency": summarise(latencies),
        "server_latency": summarise([x for s in logs for x in s.server]),
        "no_chart_outcomes": len([x for s in logs for x in s.no_chart]),
        "no_chart_examples": sorted({x for s in logs for x in s.no_chart})[:10],
        "per_session_completed": [len(s.latencies) for s in logs],
        "session_ready": summarise([s.ready_s for s in logs if s.ready_s == s.ready_s]),
        "per_path": {p: {"completed": sum(len(s.latencies) for s in logs if s.path == p),
                         "latency": summarise([x for s in logs if s.path == p for x in s.latencies])}
                     for p in paths},
        "server_cpu_s": cpu, "server_cpu_share": cpu / wall if wall else float("nan"),
        "server_peak_rss_mib": status["VmHWM"] / 1024,
    }
    lat = report["latency"]
    log(f"  {sessions} sessions x {seconds:.0f}s on {', '.join(paths)}: {len(latencies)} interactions, "
        f"{report['no_chart_outcomes']} ending on an error message, {len(errors)} errors; "
        f"latency p50 {lat['median_s']:.2f}s p95 {lat['p95_s']:.2f}s "
        f"(server answered: p50 {report['server_latency']['median_s']:.2f}s); "
        f"server CPU {report['server_cpu_share']:.2f} cores")
    return report
