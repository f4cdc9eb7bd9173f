"""Server-side page benchmark with ``streamlit.testing.v1.AppTest``: full page runs and control changes.

For every page of ``app.py`` and each dataset (the real results, or synthetic results written to a
temporary directory), a worker process measures:

* ``cold``: first run of the page in a new session with every ``st.cache_data`` cache cleared
  (so it includes loading and validating the results tables);
* ``full``: first run of the page in a new session with warm caches (what a new visitor costs);
* ``change``: the rerun after changing one control, with the page's view caches cleared first, but
  the loaded results kept (a view nobody has looked at yet: the compute-bound case);
* ``change_cached``: the rerun after changing one control with caches as they are (controls cycle
  through their values, so after the first round the views come from ``st.cache_data``).

Controls are discovered from the rendered widgets (select boxes, radios, multiselects, sliders,
toggles, checkboxes, text and number inputs with a key) and changed in turn. Each dataset runs in
its own process so that Streamlit's process-wide caches do not mix the datasets.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .stats import summarise

ROOT = Path(__file__).resolve().parents[1]
#: Environment variable naming the directory of the results tables the app should load.
RESULTS_ENV = "EFFROB_RESULTS_DIR"
#: Keep these caches when clearing view caches: the loaded tables (published results are a
#: st.cache_resource, which view clearing never touches).
DATA_CACHES = ("load_results", "cached_learning_curves")


def app_pages(app: Path = ROOT / "app.py") -> list[str]:
    """Page files listed in ``app.py`` (``st.Page("pages/...")``), in navigation order."""
    return re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", app.read_text())


def use_results_dir(directory: str | Path) -> None:
    """Make this process's app load the results tables from ``directory``.

    Sets ``EFFROB_RESULTS_DIR`` and points ``load_results``'s default directory there, so it works
    whether or not the app reads the variable.
    """
    import effrob_core.results as results_module

    os.environ[RESULTS_ENV] = str(directory)
    fn = results_module.load_results
    params = list(inspect.signature(fn).parameters.values())
    if fn.__defaults__ and params and params[0].name == "directory":
        defaults = list(fn.__defaults__)
        defaults[-len(defaults)] = Path(directory)  # first defaulted parameter is ``directory``
        fn.__defaults__ = tuple(defaults)
    results_module.RESULTS_DIR = Path(directory)


def clear_view_caches(keep: tuple[str, ...] = DATA_CACHES) -> int:
    """Clear every ``st.cache_data`` cache except those whose function name ends with one of ``keep``.

    Returns how many caches were cleared; falls back to clearing everything if Streamlit's cache
    registry is not where this expects it.
    """
    try:
        from streamlit.runtime.caching.cache_data_api import _data_caches

        caches = [c for per_session in list(_data_caches._function_caches.values()) for c in per_session.values()]
    except (ImportError, AttributeError):
        import streamlit as st

        st.cache_data.clear()
        return -1
    n = 0
    for cache in caches:
        if not str(getattr(cache, "display_name", "")).endswith(keep):
            cache.clear()
            n += 1
    return n


def clear_all_caches() -> None:
    """Clear every ``st.cache_data`` and ``st.cache_resource`` cache of this process."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


# --- controls --------------------------------------------------------------------------------------

CHOICE_KINDS = ("selectbox", "radio", "select_slider")
WIDGET_KINDS = CHOICE_KINDS + ("button_group", "multiselect", "slider", "toggle", "checkbox", "text_input",
                               "number_input")


def value_pool(models: Any = None) -> list[Any]:
    """Candidate option values: the strings of the core's registries and of the models table."""
    import effrob_core
    from effrob_core import baseline, datasets, robustness, transforms

    pool: list[Any] = []
    for module in (datasets, robustness, transforms, baseline, effrob_core):
        for v in vars(module).values():
            if isinstance(v, (tuple, list)) and all(isinstance(s, str) for s in v):
                pool.extend(v)
            elif isinstance(v, dict) and all(isinstance(s, str) for s in v):
                pool.extend(v)
    for name in ("scaling", "results"):
        try:
            module = __import__(f"effrob_core.{name}", fromlist=["_"])
        except ImportError:
            continue
        for v in vars(module).values():
            if isinstance(v, (tuple, list)) and v and all(isinstance(s, str) for s in v):
                pool.extend(v)
    if models is not None:
        for col in ("source", "group", "source_category", "architecture", "train_data", "model_id"):
            if col in models:
                pool.extend(sorted(set(models[col].astype(str))))
    return list(dict.fromkeys(pool))


def _real_options(widget: Any, pool: list[Any], extra: list[Any]) -> list[Any]:
    """Option values of a choice widget whose labels are known (labels are what AppTest exposes)."""
    try:
        fmt = widget.format_func
    except Exception:
        fmt = str
    labels = list(widget.options)
    wanted = set(labels)
    found: dict[str, Any] = {}
    for v in list(extra) + labels + pool:
        try:
            label = str(fmt(v))
        except Exception:
            continue
        if label in wanted and label not in found:
            found[label] = v
            if len(found) == len(wanted):
                break
    return [found[label] for label in labels if label in found]


def _multi_values(widget: Any, pool: list[Any], current: list[Any], n: int = 4) -> list[list[Any]]:
    """Selections to cycle through: drop one selected value at a time (or, with fewer than two selected,
    add one option), then restore the current selection; at most ``n`` + 1 selections."""
    if len(current) >= 2:
        values = [[c for c in current if c != drop] for drop in current[:n]]
    else:
        labels = list(widget.options)
        short = _real_options(_Head(widget, labels[: 4 * n]), pool, current)
        values = [current + [o] for o in short if o not in current][:n]
    return values + [current] if values else []


class _Head:
    """A view of a choice widget limited to some of its option labels."""

    def __init__(self, widget: Any, labels: list[str]) -> None:
        self.options, self._widget = labels, widget

    @property
    def format_func(self) -> Callable[[Any], Any]:
        return self._widget.format_func


class Control:
    """One widget to change: how to read it and the values to cycle through."""

    def __init__(self, kind: str, key: str, values: list[Any]) -> None:
        self.kind, self.key, self.values = kind, key, values
        self._next = 0

    def next_value(self, current: Any) -> Any:
        """The next value in the cycle that differs from ``current``."""
        for _ in range(len(self.values)):
            v = self.values[self._next % len(self.values)]
            self._next += 1
            if v != current:
                return v
        return None

    def __repr__(self) -> str:
        return f"{self.kind}:{self.key}"


def discover_controls(at: Any, pool: list[Any]) -> list[Control]:
    """Every keyed widget of the rendered page that this can change, with values to cycle through."""
    out = []
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            key = getattr(w, "key", None)
            if not key or "upload" in key.lower():
                continue
            try:
                current = w.value
            except Exception:
                continue
            values: list[Any] = []
            if kind in CHOICE_KINDS:
                values = _real_options(w, pool, [current])
            elif kind == "button_group" and w._is_single_select:
                values = _real_options(w, pool, [current])
            elif kind in ("multiselect", "button_group"):
                values = _multi_values(w, pool, list(current or []))
            elif kind == "slider":
                lo, hi, step = float(w.min), float(w.max), float(w.step or 1)
                if isinstance(current, (tuple, list)) and len(current) == 2:
                    span = hi - lo
                    values = [(lo + round(f * span / step) * step, hi) for f in (0.1, 0.2, 0.3)] + [(lo, hi)]
                else:
                    values = [lo + round(f * (hi - lo) / step) * step for f in (0.25, 0.5, 0.75)]
            elif kind in ("toggle", "checkbox"):
                values = [True, False]
            elif kind == "text_input":
                values = ["vit", "resnet", ""]
            elif kind == "number_input":
                step = w.step or 1
                values = [current + step, current]
            if len(values) >= 2:
                out.append(Control(kind, key, values))
    return out


def set_control(at: Any, control: Control) -> Any:
    """Change the control to its next value; return the value set (None if it could not)."""
    w = next((x for x in getattr(at, control.kind) if getattr(x, "key", None) == control.key), None)
    if w is None or getattr(w, "disabled", False):
        return None
    v = control.next_value(w.value)
    if v is None:
        return None
    if control.kind == "slider" and isinstance(v, tuple):
        w.set_range(*v)
    else:
        w.set_value(v)
    return v


# --- measurement -----------------------------------------------------------------------------------

def new_session(page: str, timeout: float) -> Any:
    """A fresh AppTest session of ``app.py`` opened on ``page``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    return at


def _timed_run(at: Any) -> float:
    t0 = time.perf_counter()
    at.run()
    return time.perf_counter() - t0


def _errors(at: Any) -> list[str]:
    """Uncaught exceptions shown on the page (a crash)."""
    return [str(e.value)[:300] for e in at.exception]


def _alerts(at: Any) -> list[str]:
    """``st.error`` messages the page chose to show (a handled state, e.g. no baseline for a view)."""
    return [str(e.value)[:300] for e in at.error]


def bench_page(page: str, runs: int, cold_runs: int, timeout: float, pool: list[Any],
               log: Callable[[str], None]) -> dict[str, Any]:
    """Cold, full and control-change timings of one page (see the module docstring)."""
    entry: dict[str, Any] = {"page": page, "errors": [], "alerts": []}
    cold, full, change, cached = [], [], [], []
    for _ in range(cold_runs):
        clear_all_caches()
        at = new_session(page, timeout)
        cold.append(_timed_run(at))
        entry["errors"] += _errors(at)
        entry["alerts"] += _alerts(at)
    for _ in range(runs):
        at = new_session(page, timeout)
        full.append(_timed_run(at))
        entry["errors"] += _errors(at)
        entry["alerts"] += _alerts(at)
    at = new_session(page, timeout)
    at.run()
    controls = discover_controls(at, pool)
    entry["controls"] = [repr(c) for c in controls]
    changed: list[str] = []
    if controls:
        for mode, samples in (("change", change), ("change_cached", cached)):
            i = attempts = 0
            while len(samples) < runs and attempts < runs * 3:
                attempts += 1
                control = controls[i % len(controls)]
                i += 1
                v = set_control(at, control)
                if v is None:
                    continue
                if mode == "change":
                    clear_view_caches()
                samples.append(_timed_run(at))
                changed.append(f"{control.key}={v!r}"[:80])
                entry["errors"] += [f"after {changed[-1]}: {e}" for e in _errors(at)]
                entry["alerts"] += [f"after {changed[-1]}: {e}" for e in _alerts(at)]
    entry["changes"] = changed[:runs]
    entry["cold"], entry["full"] = summarise(cold), summarise(full)
    entry["change"], entry["change_cached"] = summarise(change), summarise(cached)
    entry["errors"] = sorted(set(entry["errors"]))
    entry["alerts"] = sorted(set(entry["alerts"]))
    log(f"  {page}: cold {entry['cold']['median_s']:.3f}s full {entry['full']['median_s']:.3f}s "
        f"change {entry['change']['median_s']:.3f}s (p95 {entry['change']['p95_s']:.3f}s) "
        f"cached {entry['change_cached']['median_s']:.3f}s; {len(controls)} controls; "
        f"{len(entry['errors'])} distinct exceptions, {len(entry['alerts'])} distinct error messages")
    return entry


def worker(dataset: str, runs: int, cold_runs: int, timeout: float, out: Path) -> None:
    """Benchmark every page on one dataset (``real`` or ``synthetic:N``) and write JSON to ``out``."""
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    info: dict[str, Any] = {"dataset": dataset}
    tmp = prepare(dataset)
    from effrob_core.results import load_results

    models = load_results().models
    info["models"] = int(len(models))
    pool = value_pool(models)
    import logging

    try:  # page exceptions are collected in the report; keep the log quiet
        from streamlit import logger as st_logger

        st_logger.set_log_level("critical")
    except Exception:
        logging.getLogger("streamlit").setLevel(logging.CRITICAL)
    info["pages"] = []
    for page in app_pages():
        if not (ROOT / page).exists():
            info["pages"].append({"page": page, "errors": [f"{page} does not exist"]})
            continue
        try:
            info["pages"].append(bench_page(page, runs, cold_runs, timeout, pool, log))
        except Exception as exc:  # a page that crashes AppTest is reported, not fatal
            info["pages"].append({"page": page, "errors": [f"{type(exc).__name__}: {exc}"[:500]]})
            log(f"  {page}: failed: {exc}")
    out.write_text(json.dumps(info, indent=1))
    if tmp is not None:
        tmp.cleanup()


def run(datasets: list[str], runs: int, cold_runs: int, timeout: float = 180.0,
        log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run one worker process per dataset; return their reports."""
    reports = []
    for dataset in datasets:
        log(f"pages[{dataset}]: {runs} runs per measurement")
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = Path(f.name)
        cmd = [sys.executable, "-m", "benchmarks.pages", "--worker", dataset, "--runs", str(runs),
               "--cold-runs", str(cold_runs), "--timeout", str(timeout), "--json", str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=None, text=True)
        try:
            reports.append(json.loads(out.read_text()) if proc.returncode == 0 and out.stat().st_size
                           else {"dataset": dataset, "error": f"worker exited with {proc.returncode}"})
        finally:
            out.unlink(missing_ok=True)
    return reports


def prepare(dataset: str) -> Any:
    """Point this process's app at ``dataset`` (``real`` or ``synthetic:N``); return a handle to keep
    the synthetic directory alive (or None)."""
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if not dataset.startswith("synthetic:"):
        return None
    from .synthetic import synthetic_results, write_results

    tmp = tempfile.TemporaryDirectory(prefix="effrob-synthetic-")
    write_results(synthetic_results(int(dataset.split(":", 1)[1]), seed=1), tmp.name)
    use_results_dir(tmp.name)
    return tmp


def _main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", required=True, help="dataset: real or synthetic:N")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--cold-runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=180.0)
    p.add_argument("--json", type=Path, help="where the worker writes its report")
    p.add_argument("--profile", metavar="PAGE", help="instead: print a pyinstrument profile of --runs control "
                                                     "changes of PAGE (e.g. pages/models.py)")
    p.add_argument("--cached", action="store_true", help="with --profile: keep the view caches")
    a = p.parse_args(argv)
    if a.profile:
        tmp = prepare(a.worker)  # keeps a synthetic directory alive while profiling
        try:
            print(profile_changes(a.profile, a.runs, a.timeout, uncached=not a.cached))
        finally:
            if tmp is not None:
                tmp.cleanup()
        return
    if a.json is None:
        p.error("--json is required without --profile")
    worker(a.worker, a.runs, a.cold_runs, a.timeout, a.json)




# --- profiling -------------------------------------------------------------------------------------

def profile_changes(page: str, changes: int, timeout: float = 180.0, uncached: bool = True) -> str:
    """pyinstrument profile (text) of the script thread over ``changes`` control-change reruns of ``page``.

    Needs ``pyinstrument`` (a benchmark-only requirement). The results directory is whatever this
    process is set to load (see :func:`use_results_dir`).
    """
    from pyinstrument import Profiler
    from pyinstrument.session import Session
    from streamlit.testing.v1 import local_script_runner

    from effrob_core.results import load_results

    sessions: list[Session] = []
    original = local_script_runner.LocalScriptRunner._run_script_thread
    recording = {"on": False}

    def profiled(self: Any) -> None:
        if not recording["on"]:
            return original(self)
        profiler = Profiler(interval=0.002)
        profiler.start()
        try:
            return original(self)
        finally:
            profiler.stop()
            if profiler.last_session is not None:
                sessions.append(profiler.last_session)

    local_script_runner.LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
    try:
        at = new_session(page, timeout)
        at.run()
        controls = discover_controls(at, value_pool(load_results().models))
        done = i = 0
        while done < changes and i < changes * 3 and controls:
            control = controls[i % len(controls)]
            i += 1
            if set_control(at, control) is None:
                continue
            if uncached:
                clear_view_caches()
            recording["on"] = True
            at.run()
            recording["on"] = False
            done += 1
    finally:
        local_script_runner.LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]
    if not sessions:
        return "(no profile recorded)"
    combined = sessions[0]
    for s in sessions[1:]:
        combined = Session.combine(combined, s)
    from pyinstrument.renderers import ConsoleRenderer

    return ConsoleRenderer(unicode=False, color=False, short_mode=False).render(combined)


if __name__ == "__main__":
    _main()
