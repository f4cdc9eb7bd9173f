"""Run the benchmarks and write a JSON report plus a table: ``python -m benchmarks.run [--quick]``.

Parts: ``core`` (every shift's analysis with its bootstrap band, against a loop), ``pages``
(server-side page runs with AppTest), ``browser`` (first chart in headless Chromium), ``memory``
(peak RSS of the server), ``floor`` (the first chart against the framework's floor page) and ``load``
(concurrent browser sessions). See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("core", "pages", "browser", "floor", "memory", "load")
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "report.json"

#: Goals the report is read against (not assertions).
TARGETS = {
    "change_real_s": 0.25,  # control change, server side, median, real data
    "change_synthetic_s": 1.5,  # same with 20k synthetic models
    "bootstrap_speedup": 10.0,  # vectorised analysis against the loop
    "first_chart_cold_s": 3.0,
    "floor_ratio": 1.3,  # first chart of / against the framework's floor page, cold and warm (benchmarks.floor)
    "load_errors": 0,
}


def settings(quick: bool) -> dict[str, Any]:
    """Sizes and repeat counts of each part (``--quick`` for development on a busy machine)."""
    if quick:
        return {"core": [("real", 3, 1), ("synthetic:10000", 3, 1)],
                "pages": {"datasets": ["real", "synthetic:20000"], "runs": 4, "cold_runs": 1},
                "browser": {"cold_runs": 1, "warm_runs": 3},
                "floor": {"cold_runs": 1, "warm_runs": 3},
                "load": {"sessions": 3, "seconds": 20.0}}
    return {"core": [("real", 7, 5), ("synthetic:10000", 7, 5), ("synthetic:100000", 5, 3)],
            "pages": {"datasets": ["real", "synthetic:20000"], "runs": 20, "cold_runs": 3},
            "browser": {"cold_runs": 3, "warm_runs": 10},
            "floor": {"cold_runs": 5, "warm_runs": 9},
            "load": {"sessions": 10, "seconds": 60.0}}


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, load, Python and package versions, and the date."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    packages = {}
    for name in ("streamlit", "plotly", "pandas", "numpy", "scipy", "playwright", "pyinstrument"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium = None
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "packages": packages, "chromium": chromium,
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "loadavg_start": os.getloadavg()}


def run_core(cases: list[tuple[str, int, int]], log: Any) -> list[dict[str, Any]]:
    """The core part on the real results and synthetic results of the given sizes."""
    from effrob_core.results import ResultsError, load_results

    from .core import CoreCase, run_case
    from .synthetic import synthetic_results

    out = []
    for name, repeats, loop_repeats in cases:
        if name == "real":
            try:
                results = load_results()
            except ResultsError as exc:
                out.append({"dataset": name, "error": str(exc)})
                continue
        else:
            results = synthetic_results(int(name.split(":")[1]), seed=0)
        out.append(run_case(CoreCase(name, results, repeats, loop_repeats), log=log))
    return out


def load_paths() -> list[str]:
    """Pages for the load sessions: those that draw a chart and have a radio or select box."""
    from .browser import draws_chart
    from .server import page_urls

    paths = []
    for f, path in page_urls():
        if draws_chart(f) and any(w in (ROOT / f).read_text() for w in ("radio(", "selectbox(")):
            paths.append(path)
    return paths


def evaluate(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met."""
    rows: list[dict[str, Any]] = []
    report = {k: (None if isinstance(v, dict) and "error" in v and k in PARTS else v) for k, v in report.items()}

    def add(target: str, where: str, value: float | None, goal: float, lower_is_better: bool = True) -> None:
        met = None if value is None or value != value else (value <= goal if lower_is_better else value >= goal)
        rows.append({"target": target, "where": where, "value": value, "goal": goal, "met": met})

    for case in report.get("core") or []:
        if "ratio" in case:
            add("analysis speed-up over loop (x)", case["dataset"], case["ratio"], TARGETS["bootstrap_speedup"], False)
            add("bootstrap+band speed-up over loop (x)", case["dataset"], case["ratio_band"],
                TARGETS["bootstrap_speedup"], False)
            if "ratio_fit" in case:
                add("bootstrap refits speed-up over loop (x)", case["dataset"], case["ratio_fit"],
                    TARGETS["bootstrap_speedup"], False)
    for ds in report.get("pages") or []:
        goal = TARGETS["change_real_s"] if ds.get("dataset") == "real" else TARGETS["change_synthetic_s"]
        for p in ds.get("pages", []):
            if "change" in p and p["change"]["n"]:
                add("control change, server median (s)", f"{ds['dataset']} {p['page']}", p["change"]["median_s"], goal)
    for p in (report.get("browser") or {}).get("pages", []):
        if p.get("has_chart"):
            add("first chart, cold (s)", p["path"], p["cold"]["median_s"], TARGETS["first_chart_cold_s"])
    fl = report.get("floor") or {}
    for k in ("cold", "warm"):
        if f"ratio_{k}" in fl:
            add(f"first chart against the floor, {k} (x)", "/", fl[f"ratio_{k}"], TARGETS["floor_ratio"])
    if report.get("load") and "errors" in report["load"]:
        add("errors under load", f"{report['load']['sessions']} sessions", report["load"]["errors"],
            TARGETS["load_errors"])
    return rows


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def table(report: dict[str, Any]) -> str:
    """The report as Markdown tables (medians, p95, ratios, targets)."""
    from .stats import paired_text

    lines: list[str] = []
    for part in PARTS:
        if isinstance(report.get(part), dict) and "error" in report[part]:
            lines.append(f"**{part}** failed: {report[part]['error']}")
            report = {**report, part: None}
    m = report["machine"]
    lines.append(f"Machine: {m['cores']} cores, {m['cpu']}, {m['ram_gib']} GiB RAM; Python {m['python']}; "
                 + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + f"; {m.get('chromium') or ''}; "
                 f"{m['date']}; load average at start {m['loadavg_start'][0]:.1f}, "
                 f"at end {m.get('loadavg_end', [float('nan')])[0]:.1f}.")
    if report.get("core"):
        lines += ["", "**Core**: `analyse_shift` for all 7 shifts + average, 1000 resamples (seconds)", "",
                  "| dataset | models | baseline | vectorised median (p95) | loop median (p95) | ratio | "
                  "bootstrap+band only: vectorised / loop / ratio | bootstrap refits only: vectorised / loop / ratio | "
                  "max abs diff |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for c in report["core"]:
            if "error" in c:
                lines.append(f"| {c['dataset']} | error: {c['error']} ||||||||")
                continue
            v, lp = c["vectorised"], c.get("loop")
            vb, lb = c["vectorised_band"], c.get("loop_band")
            vf, lf = c.get("vectorised_fit"), c.get("loop_fit")
            fit = (f"{_f(vf['median_s'])} / {_f(lf['median_s'])} / {c['ratio_fit']:.1f}x" if vf and lf else "–")
            lines.append(
                f"| {c['dataset']} | {c['models']:,} | {c['baseline_models']:,} | "
                f"{_f(v['median_s'])} ({_f(v['p95_s'])}) n={v['n']} | "
                + (f"{_f(lp['median_s'])} ({_f(lp['p95_s'])}) n={lp['n']} | {c['ratio']:.1f}x | "
                   f"{_f(vb['median_s'])} / {_f(lb['median_s'])} / {c['ratio_band']:.1f}x | {fit} | "
                   f"{c['max_abs_difference']:.1e} |" if lp and lb else "– | – | – | – | – |"))
    for ds in report.get("pages") or []:
        if "error" in ds:
            lines += ["", f"**Pages ({ds['dataset']})**: {ds['error']}"]
            continue
        lines += ["", f"**Pages, server side (AppTest), {ds['dataset']} ({ds.get('models', 0):,} models)**: "
                  "median (p95) seconds", "",
                  "| page | cold first run | full run, warm cache | control change (view uncached) | "
                  "control change (cached) | controls | exceptions | error messages shown |",
                  "|---|---|---|---|---|---|---|---|"]
        for p in ds["pages"]:
            if "full" not in p:
                lines.append(f"| {p['page']} | – | – | – | – | – | {'; '.join(p['errors'])[:120]} | – |")
                continue
            cell = lambda s: f"{_f(s['median_s'])} ({_f(s['p95_s'])}) n={s['n']}"  # noqa: E731
            lines.append(f"| {p['page']} | {cell(p['cold'])} | {cell(p['full'])} | {cell(p['change'])} | "
                         f"{cell(p['change_cached'])} | {len(p.get('controls', []))} | {len(p['errors'])} | "
                         f"{len(p.get('alerts', []))} |")
    b = report.get("browser")
    if b:
        lines += ["", f"**Browser**: navigation to first chart, headless Chromium (seconds; cold n={b['cold_runs']}, "
                  f"warm n={b['warm_runs']}; server start {_f(b['server_start']['median_s'], 2)} s)", "",
                  "| page | chart | cold median (p95) | warm median (p95) | errors |", "|---|---|---|---|---|"]
        for p in b["pages"]:
            lines.append(f"| {p['path']} | {'yes' if p['has_chart'] else 'no (time to idle)'} | "
                         f"{_f(p['cold']['median_s'], 2)} ({_f(p['cold']['p95_s'], 2)}) | "
                         f"{_f(p['warm']['median_s'], 2)} ({_f(p['warm']['p95_s'], 2)}) | "
                         f"{'; '.join(p['errors'])[:120] or 0} |")
    fl = report.get("floor")
    if fl and "ratio_cold" in fl:
        lines += ["", f"**Against the framework's floor** (`benchmarks/floor_app.py`, the same models in one WebGL trace; "
                  f"alternating, cold n={fl['cold_runs']}, warm n={fl['warm_runs']}): "
                  + "; ".join(f"{k} app {_f(fl['app'][k]['median_s'], 2)} s, floor {_f(fl['floor'][k]['median_s'], 2)} s, "
                              f"ratio {_f(fl[f'ratio_{k}'], 2)}x"
                              + (f" ({paired_text(fl[f'ratio_{k}_paired'])})" if f"ratio_{k}_paired" in fl else "")
                              for k in ("cold", "warm"))
                  + "".join(f"; {label}: " + ", ".join(f"{k} {_f(fl[name][k]['median_s'], 2)} s "
                                                        f"({_f(fl[f'{prefix}_{k}'], 2)}x)" for k in ("cold", "warm"))
                            for name, prefix, label in (("app_unwarmed", "unwarmed_ratio", "`app.py` without the warm-up"),
                                                        ("floor_controls", "controls_ratio",
                                                         "the floor with the page's controls"))
                            if name in fl and f"{prefix}_cold" in fl)
                  + (f"; errors: {'; '.join(fl['errors'])[:200]}" if fl.get("errors") else "") + "."]
    mem = report.get("memory")
    if mem and "peak_rss_mib" in mem:
        lines += ["", f"**Memory** (real data, every page loaded once): server RSS at start-up "
                  f"{mem['startup_rss_mib']:.0f} MiB, peak (VmHWM) {mem['peak_rss_mib']:.0f} MiB, "
                  f"after all pages {mem['final_rss_mib']:.0f} MiB."]
    ld = report.get("load")
    if ld and "latency" in ld:
        lat = ld["latency"]
        lines += ["", f"**Load**: {ld['sessions']} sessions (one Chromium, one context each) for {ld['seconds']:.0f} s "
                  f"on {', '.join(ld['paths'])}: {ld['completed']} interactions ending on a chart and "
                  f"{ld.get('no_chart_outcomes', 0)} on the page's own error message (no baseline for that view), "
                  f"{ld['errors']} errors ({'; '.join(ld['error_examples'][:3]) or 'none'}); "
                  f"interaction-to-chart p50 {_f(lat['median_s'], 2)} s, p95 {_f(lat['p95_s'], 2)} s "
                  f"(of which until the server finished the rerun: p50 "
                  f"{_f(ld.get('server_latency', {}).get('median_s'), 2)} s); sessions ready after "
                  f"{_f(ld.get('session_ready', {}).get('median_s'), 1)} s (median); server used "
                  f"{ld['server_cpu_share']:.2f} cores, peak RSS {ld['server_peak_rss_mib']:.0f} MiB."]
    if report.get("targets"):
        lines += ["", "**Targets**", "", "| target | where | value | goal | met |", "|---|---|---|---|---|"]
        for t in report["targets"]:
            lines.append(f"| {t['target']} | {t['where']} | {_f(t['value'], 3)} | {t['goal']} | "
                         f"{ {True: 'yes', False: 'NO', None: '–'}[t['met']] } |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmarks of effrob: speed, scale and load.")
    p.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts ({','.join(PARTS)})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    p.add_argument("--sessions", type=int, help="load: concurrent sessions (default 10; --quick 3)")
    p.add_argument("--seconds", type=float, help="load: seconds per session (default 60; --quick 20)")
    a = p.parse_args(argv)
    parts = [x.strip() for x in a.only.split(",") if x.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        p.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    cfg = settings(a.quick)
    log = lambda m: print(m, flush=True)  # noqa: E731
    report: dict[str, Any] = {"quick": a.quick, "parts": parts, "machine": machine(), "targets_goals": TARGETS}
    t0 = time.perf_counter()
    for part in parts:
        log(f"== {part}")
        try:
            if part == "core":
                report["core"] = run_core(cfg["core"], log)
            elif part == "pages":
                from . import pages

                report["pages"] = pages.run(cfg["pages"]["datasets"], cfg["pages"]["runs"],
                                            cfg["pages"]["cold_runs"], log=log)
            elif part == "browser":
                from . import browser

                report["browser"] = browser.run(cfg["browser"]["cold_runs"], cfg["browser"]["warm_runs"], log=log)
            elif part == "floor":
                from . import floor

                report["floor"] = floor.run(cfg["floor"]["cold_runs"], cfg["floor"]["warm_runs"], log=log)
            elif part == "memory":
                from . import memory

                report["memory"] = memory.run(log=log)
            elif part == "load":
                from . import load

                report["load"] = load.run(a.sessions or cfg["load"]["sessions"],
                                          a.seconds or cfg["load"]["seconds"], paths=load_paths() or None, log=log)
        except Exception as exc:  # one failing part must not lose the others' numbers
            report[part] = {"error": f"{type(exc).__name__}: {exc}"[:1000]}
            log(f"  {part} failed: {exc}")
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["total_s"] = time.perf_counter() - t0
    report["targets"] = evaluate(report)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1, default=float))
    text = table(report)
    a.out.with_suffix(".md").write_text(text + "\n")
    print()
    print(text)
    print(f"\nReport: {a.out} (table: {a.out.with_suffix('.md')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
