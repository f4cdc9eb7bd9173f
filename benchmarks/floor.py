"""The app's first chart against the framework's floor, in one run: ``python -m benchmarks.floor``.

The floor is ``benchmarks/floor_app.py``: the plainest Streamlit page drawing the same models as the
Effective robustness page's default view in one WebGL trace, served by plain ``streamlit run``. The app
is measured as it ships (``app``: ``streamlit run serve.py``, which warms the server up before it
accepts connections) and without the warm-up (``app_unwarmed``: ``streamlit run app.py``). All are
measured the same way as the browser benchmark (``benchmarks.browser.first_chart``: navigation to the
first visible chart SVG in a new headless Chromium context, once the server's health endpoint answers),
alternating targets so that load on the machine hits them alike: ``cold`` on a fresh server process
each time, ``warm`` on a server that has served the page once. ``floor_controls``
(``benchmarks/floor_controls_app.py``) is the floor's chart with the same kinds and number of elements
as the app's page around it and nothing computed: what the framework needs for such a page at all.
The report gives each median and the ratio to the floor (``ratio_cold``/``ratio_warm`` for ``app``,
``unwarmed_ratio_*`` and ``controls_ratio_*`` for the others), the median of the per-round ratios with
its 95% confidence interval (``*_paired``: each round measures every target once, so the machine's
drift between rounds cancels; see :func:`benchmarks.stats.paired_ratio`), and the seconds each server
took to answer its health check (``start_s``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .browser import first_chart, launch, wait_idle
from .server import ROOT, Server
from .stats import paired_ratio, paired_text, summarise

TARGETS = {"app": ("serve.py", "/"), "app_unwarmed": ("app.py", "/"), "floor": ("benchmarks/floor_app.py", "/"),
           "floor_controls": ("benchmarks/floor_controls_app.py", "/")}
#: Targets reported as a ratio to the floor, with the key prefix of their ratios.
RATIOS = {"app": "ratio", "app_unwarmed": "unwarmed_ratio", "floor_controls": "controls_ratio"}
GOAL_RATIO = 1.3


def run(cold_runs: int = 3, warm_runs: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Cold and warm first-chart seconds of the app's default page and of the floor, and their ratios."""
    from playwright.sync_api import sync_playwright

    times: dict[str, dict[str, list[float]]] = {k: {"cold": [], "warm": []} for k in TARGETS}
    start: dict[str, list[float]] = {k: [] for k in TARGETS}
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for _ in range(cold_runs):
                for name, (script, path) in TARGETS.items():
                    with Server(script=script) as server:
                        start[name].append(server.started_s)
                        r = first_chart(browser, server.base + path, expect_chart=True)
                    times[name]["cold"].append(r["seconds"])
                    errors += [f"{name} cold: {e}" for e in r["errors"]]
            servers = {name: Server(script=script) for name, (script, _) in TARGETS.items()}
            try:
                for name, server in servers.items():
                    server.start()
                    wait_idle(browser, server.base + TARGETS[name][1])
                for _ in range(warm_runs):
                    for name, server in servers.items():
                        r = first_chart(browser, server.base + TARGETS[name][1], expect_chart=True)
                        times[name]["warm"].append(r["seconds"])
                        errors += [f"{name} warm: {e}" for e in r["errors"]]
            finally:
                for server in servers.values():
                    server.stop()
        finally:
            browser.close()
    report: dict[str, Any] = {"cold_runs": cold_runs, "warm_runs": warm_runs, "errors": errors, "goal_ratio": GOAL_RATIO}
    for name in TARGETS:
        report[name] = {k: summarise([t for t in v if t == t]) for k, v in times[name].items()}
        report[name]["raw_s"] = times[name]
        report[name]["start_s"] = summarise(start[name])
    for k in ("cold", "warm"):
        floor = report["floor"][k]["median_s"]
        parts = []
        for name, prefix in RATIOS.items():
            report[f"{prefix}_{k}"] = report[name][k]["median_s"] / floor
            paired = report[f"{prefix}_{k}_paired"] = paired_ratio(times[name][k], times["floor"][k])
            parts.append(f"{name} {report[name][k]['median_s']:.2f} s ({report[f'{prefix}_{k}']:.2f}x; "
                         f"{paired_text(paired)})")
        log(f"  {k}: floor {floor:.2f} s; {'; '.join(parts)} (goal for app <= {GOAL_RATIO}x)")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "floor.json")
    args = parser.parse_args()
    report = run(args.cold, args.warm)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
