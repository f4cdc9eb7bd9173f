"""The app's first chart against the framework's floor, in one run: ``python -m benchmarks.floor``.

The floor is ``benchmarks/floor_app.py``: the plainest Streamlit page drawing the same models as the
Effective robustness page's default view in one WebGL trace. Both are measured the same way as the
browser benchmark (``benchmarks.browser.first_chart``: navigation to the first visible chart SVG in a
new headless Chromium context), alternating app and floor so that load on the machine hits both alike:
``cold`` on a fresh server process each time, ``warm`` on a server that has served the page once.
The report gives each median and the ratio app / floor.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .browser import first_chart, launch, wait_idle
from .server import ROOT, Server
from .stats import summarise

TARGETS = {"app": ("app.py", "/"), "floor": ("benchmarks/floor_app.py", "/")}
GOAL_RATIO = 1.3


def run(cold_runs: int = 3, warm_runs: int = 5, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Cold and warm first-chart seconds of the app's default page and of the floor, and their ratios."""
    from playwright.sync_api import sync_playwright

    times: dict[str, dict[str, list[float]]] = {k: {"cold": [], "warm": []} for k in TARGETS}
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for _ in range(cold_runs):
                for name, (script, path) in TARGETS.items():
                    with Server(script=script) as server:
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
    for k in ("cold", "warm"):
        report[f"ratio_{k}"] = report["app"][k]["median_s"] / report["floor"][k]["median_s"]
        log(f"  {k}: app {report['app'][k]['median_s']:.2f} s, floor {report['floor'][k]['median_s']:.2f} s, "
            f"ratio {report[f'ratio_{k}']:.2f} (goal <= {GOAL_RATIO})")
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
