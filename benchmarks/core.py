"""Core benchmark: every shift's analysis (line, 1000-resample bootstrap band, metrics) at scale.

Times ``analyse_shift`` for each of ``SHIFT_CHOICES`` (every shift plus the average) on the real
results and on synthetic results, against a straightforward reference: the same points and metrics,
but one ``np.linalg.lstsq`` per resample in a Python loop (the imagenet-testbed's plotting code) and a
per-model percentile of the resampled predictions. The two must agree; the report gives both times
and their ratio for the whole analysis, for the bootstrap and band alone, and for the bootstrap refits
alone (closed form against one ``lstsq`` per resample).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from effrob_core.baseline import TESTBED_SEED, baseline_mask, bootstrap_line, fit_line
from effrob_core.intervals import clopper_pearson
from effrob_core.results import Results
from effrob_core.robustness import SHIFT_CHOICES, analyse_shift, shift_points
from effrob_core.transforms import inverse, transform

from .stats import summarise


def loop_bootstrap(tx: np.ndarray, ty: np.ndarray, n_resamples: int, seed: int = TESTBED_SEED) -> np.ndarray:
    """(intercept, slope) of each resample's least-squares line, one ``lstsq`` per resample."""
    rng = np.random.RandomState(seed)
    coeffs = np.empty((n_resamples, 2))
    for b in range(n_resamples):
        i = rng.choice(tx.size, tx.size)
        design = np.stack([np.ones(tx.size), tx[i]], axis=1)
        coeffs[b] = np.linalg.lstsq(design, ty[i], rcond=None)[0]
    return coeffs


def loop_band(coeffs: np.ndarray, tx: np.ndarray, kind: str, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Per-model lower/higher percentile of the resampled lines' predictions, one model at a time."""
    tail = 100.0 * (1.0 - level) / 2.0
    lo = np.empty(tx.size)
    hi = np.empty(tx.size)
    for j in range(tx.size):
        pred = coeffs[:, 0] + coeffs[:, 1] * tx[j]
        lo[j] = np.percentile(pred, tail, method="lower")
        hi[j] = np.percentile(pred, 100.0 - tail, method="higher")
    return inverse(lo, kind), inverse(hi, kind)  # type: ignore[arg-type]


def loop_analyse_shift(results: Results, shift: str, baseline: str = "testbed", kind: str = "logit",
                       n_resamples: int = 1000, seed: int = TESTBED_SEED) -> pd.DataFrame:
    """The points table of ``analyse_shift`` computed with the loop bootstrap and loop band (the band-only
    ER interval; the total interval adds the model's own noise to it without any resampling)."""
    pts, _ = shift_points(results, shift, "full")
    member = baseline_mask(pts, baseline)
    x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
    fit = fit_line(x[member], y[member], kind)  # type: ignore[arg-type]
    coeffs = loop_bootstrap(transform(x[member], kind), transform(y[member], kind), n_resamples, seed)  # type: ignore[arg-type]
    pts["in_baseline"] = member
    pts["x_lo"], pts["x_hi"] = clopper_pearson(x, pts["n_x"])
    pts["y_lo"], pts["y_hi"] = clopper_pearson(y, pts["n_y"])
    pts["baseline_y"] = fit.predict(x)
    pts["eff_rob"] = y - pts["baseline_y"].to_numpy()
    lo, hi = loop_band(coeffs, transform(x, kind), kind)  # type: ignore[arg-type]
    pts["eff_rob_band_lo"], pts["eff_rob_band_hi"] = y - hi, y - lo
    pts["shift_gap"] = y - x
    return pts


def vectorised_all(results: Results, n_resamples: int = 1000) -> list[pd.DataFrame]:
    """``analyse_shift`` for every shift and the average; the points tables."""
    return [analyse_shift(results, s, n_resamples=n_resamples).points for s in SHIFT_CHOICES]


def loop_all(results: Results, n_resamples: int = 1000) -> list[pd.DataFrame]:
    """:func:`loop_analyse_shift` for every shift and the average; the points tables."""
    return [loop_analyse_shift(results, s, n_resamples=n_resamples) for s in SHIFT_CHOICES]


def _baseline_inputs(results: Results) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per shift: transformed baseline x, y and every model's transformed x (for the band parts)."""
    out = []
    for s in SHIFT_CHOICES:
        pts, _ = shift_points(results, s, "full")
        m = baseline_mask(pts, "testbed")
        x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
        out.append((x[m], y[m], x))
    return out


def vectorised_band_part(inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_resamples: int = 1000) -> None:
    """Only the bootstrap and band of every shift, through the core."""
    for bx, by, x in inputs:
        bootstrap_line(bx, by, "logit", n_resamples=n_resamples).band(x)


def vectorised_fit_part(inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_resamples: int = 1000) -> None:
    """Only the bootstrap refits (no band) of every shift, through the core."""
    for bx, by, _ in inputs:
        bootstrap_line(bx, by, "logit", n_resamples=n_resamples)


def loop_fit_part(inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_resamples: int = 1000) -> None:
    """Only the bootstrap refits (no band) of every shift, one ``lstsq`` per resample."""
    for bx, by, _ in inputs:
        loop_bootstrap(transform(bx, "logit"), transform(by, "logit"), n_resamples)


def loop_band_part(inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_resamples: int = 1000) -> None:
    """Only the bootstrap and band of every shift, with the loops."""
    for bx, by, x in inputs:
        coeffs = loop_bootstrap(transform(bx, "logit"), transform(by, "logit"), n_resamples)
        loop_band(coeffs, transform(x, "logit"), "logit")


def time_calls(fn: Callable[[], Any], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn``."""
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def agreement(a: list[pd.DataFrame], b: list[pd.DataFrame]) -> float:
    """Largest absolute difference between the two implementations' metric columns (fractions)."""
    worst = 0.0
    for pa, pb in zip(a, b):
        for col in ("baseline_y", "eff_rob", "eff_rob_band_lo", "eff_rob_band_hi", "x_lo", "y_hi"):
            d = np.nanmax(np.abs(pa[col].to_numpy(float) - pb[col].to_numpy(float)), initial=0.0)
            worst = max(worst, float(d))
    return worst


@dataclass
class CoreCase:
    """One dataset to benchmark: a name, its results and how many repeats of each implementation."""

    name: str
    results: Results
    repeats: int
    loop_repeats: int


def run_case(case: CoreCase, n_resamples: int = 1000, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Time the core and the loop on one dataset; return the report entry."""
    r = case.results
    n_points = {s: int(len(shift_points(r, s, "full")[0])) for s in SHIFT_CHOICES}
    n_baseline = int(baseline_mask(shift_points(r, "imagenetv2", "full")[0], "testbed").sum())
    log(f"core[{case.name}]: {len(r.models)} models, baseline {n_baseline}, "
        f"{sum(n_points.values())} (model, shift) points")
    vec = vectorised_all(r, n_resamples)  # warm-up (imports, first-call costs), also the agreement check
    entry: dict[str, Any] = {"dataset": case.name, "models": len(r.models), "baseline_models": n_baseline,
                             "points_per_shift": n_points, "n_resamples": n_resamples}
    entry["vectorised"] = summarise(time_calls(lambda: vectorised_all(r, n_resamples), case.repeats))
    log(f"  vectorised all shifts: median {entry['vectorised']['median_s']:.3f} s")
    inputs = _baseline_inputs(r)
    entry["vectorised_band"] = summarise(time_calls(lambda: vectorised_band_part(inputs, n_resamples), case.repeats))
    entry["vectorised_fit"] = summarise(time_calls(lambda: vectorised_fit_part(inputs, n_resamples), case.repeats))
    if case.loop_repeats > 0:
        loops = loop_all(r, n_resamples)
        entry["max_abs_difference"] = agreement(vec, loops)
        entry["loop"] = summarise(time_calls(lambda: loop_all(r, n_resamples), case.loop_repeats))
        entry["loop_band"] = summarise(time_calls(lambda: loop_band_part(inputs, n_resamples), case.loop_repeats))
        entry["ratio"] = entry["loop"]["median_s"] / entry["vectorised"]["median_s"]
        entry["ratio_band"] = entry["loop_band"]["median_s"] / entry["vectorised_band"]["median_s"]
        entry["loop_fit"] = summarise(time_calls(lambda: loop_fit_part(inputs, n_resamples), case.loop_repeats))
        entry["ratio_fit"] = entry["loop_fit"]["median_s"] / entry["vectorised_fit"]["median_s"]
        log(f"  loop all shifts: median {entry['loop']['median_s']:.3f} s; ratio {entry['ratio']:.1f}x "
            f"(bootstrap+band only {entry['ratio_band']:.1f}x; bootstrap refits only {entry['ratio_fit']:.1f}x); max |diff| {entry['max_abs_difference']:.2e}")
    return entry

