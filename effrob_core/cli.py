"""Command line: ``effrob fit|robustness|scaling ...`` (or ``python -m effrob_core ...``) for scripting and checking numbers.

Bad arguments or input end with exit status 2 and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import numpy as np
import pandas as pd

from .api import robustness_table
from .baseline import BASELINES, USER_BASELINES, LinearFit
from .datasets import AVERAGE, EVAL_SETS, MAIN_SHIFTS
from .results import RESULTS_DIR, Results, ResultsError, load_results
from .robustness import (
    OTHER_SHIFT_CHOICES,
    SHIFT_CHOICES,
    X_AXES,
    ShiftAnalysis,
    analyse_shift,
    check_set,
    x_key,
    y_keys,
)
from .scaling import METHOD_LABELS, MIN_DRAWN_SCALES, SERIES_BY_KEY, fit_dataset, fit_series
from .scaling_points import SCALING_EVAL_SETS, X_KINDS, scaling_points
from .transforms import TRANSFORMS
from .uncertainty import DEFAULT_INTERVAL, ER_INTERVALS
from .upload import merge_uploads, parse_file, parse_run
from .upload.open_clip_logs import PARAMS_FILE, RESULTS_FILE

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _fit_range(values: list[str] | None) -> tuple[float, float] | None:
    """Parse ``--fit-range LOW HIGH`` given in percent ImageNet accuracy into fractions."""
    if values is None:
        return None
    try:
        low, high = (float(v) for v in values)
    except ValueError:
        raise ValueError(f"--fit-range takes two numbers (percent), got {' '.join(values)}") from None
    if not (0 <= low < high <= 100):
        raise ValueError(f"--fit-range needs 0 <= LOW < HIGH <= 100 (percent), got {low:g} {high:g}")
    return low / 100, high / 100


def _prog() -> str:
    """``effrob`` when run as the installed console script, else ``python -m effrob_core``."""
    return "effrob" if Path(sys.argv[0]).name == "effrob" else "python -m effrob_core"


def _set_key(value: str) -> str:
    """An evaluation-set key (any key of ``EVAL_SETS`` or ``average``), for ``--shift`` and ``--x-set``."""
    try:
        return check_set(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _listed_others() -> str:
    listed = [k for k in OTHER_SHIFT_CHOICES if EVAL_SETS[k].listed and "." not in k]
    return ", ".join(listed)


def build_parser() -> argparse.ArgumentParser:
    """The ``fit`` and ``robustness`` subcommands and their options."""
    parser = _Parser(prog=_prog(), description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--shift", required=True, type=_set_key, metavar="SHIFT",
                        help=f"evaluation set on the y-axis: a natural shift ({', '.join(SHIFT_CHOICES)}; "
                             f"{AVERAGE} = mean of {', '.join(MAIN_SHIFTS)}), a synthetic or consistency setting "
                             f"({_listed_others()}, and per corruption/severity keys such as imagenet-c.fog "
                             "or imagenet-c.fog.3), or any other evaluation-set key")
    common.add_argument("--x-set", type=_set_key, metavar="SET", default=None,
                        help="evaluation set on the x-axis instead of ImageNet (any key, e.g. imagenetv2); "
                             "overrides --x-axis; the x column keeps its name imagenet_pct")
    common.add_argument("--baseline", default="testbed", choices=BASELINES + USER_BASELINES,
                        help="models the line is fit on (default: testbed, as Taori et al. 2020); yours and testbed+yours "
                             "use the --results models declared group \"Standard training\"")
    common.add_argument("--transform", default="logit", choices=TRANSFORMS, help="axis scaling (default: logit)")
    common.add_argument("--x-axis", default="full", choices=X_AXES,
                        help="full ImageNet validation, or the class-matched subset (default: full)")
    common.add_argument("--fit-range", nargs=2, metavar=("LOW", "HIGH"),
                        help="fit only on baseline models with ImageNet accuracy in [LOW, HIGH] percent")
    pieces = common.add_mutually_exclusive_group()
    pieces.add_argument("--piecewise", dest="piecewise", action="store_true", default=True,
                        help="for a set filtered against a model (ImageNet-A: ResNet-50), fit the testbed's two lines "
                             "split at that model's x (default)")
    pieces.add_argument("--single-line", dest="piecewise", action="store_false",
                        help="one line instead (still without the filtered-against model)")
    common.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder with models.csv and evaluations.csv")
    common.add_argument("--results", action="append", type=Path, metavar="PATH", default=[],
                        help="your own results to add as group 'Your models': a template CSV, CLIP_benchmark JSON or "
                             "CSV, or an open_clip run (its log folder with params.txt and checkpoints/results.jsonl, "
                             "or that results.jsonl); repeat for several. Only --baseline yours or testbed+yours fits on them")
    common.add_argument("--samples-per-epoch", type=float, metavar="N", default=None,
                        help="samples per epoch of open_clip runs whose params.txt is missing or gives no "
                             "train_num_samples (never guessed: without it their samples seen stay unknown)")
    fit = sub.add_parser("fit", parents=[common], help="print the baseline's slope, intercept, r and n (per piece)")
    fit.add_argument("--format", default="table", choices=("table", "json"), help="output format (default: table)")
    rob = sub.add_parser("robustness", parents=[common], help="print every model's effective robustness")
    rob.add_argument("--format", default="table", choices=("table", "csv"), help="output format (default: table)")
    rob.add_argument("--models", metavar="SUBSTRING", help="only models whose id or name contains this (case-insensitive)")
    rob.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples (default: 1000)")
    rob.add_argument("--seed", type=int, default=None, help="bootstrap seed (default: the testbed's)")
    rob.add_argument("--interval", default=DEFAULT_INTERVAL, choices=tuple(ER_INTERVALS),
                     help="what the ER intervals cover: " + "; ".join(f"{k} = {v.method}" for k, v in ER_INTERVALS.items())
                          + f" (default: {DEFAULT_INTERVAL})")
    add_scaling_parser(sub)
    return parser


def _describe_x(shift: str, x_axis: str, x_set: str | None = None) -> str:
    key = x_key(shift, x_axis, x_set)
    return f"{EVAL_SETS[key].name if key in EVAL_SETS else key} [{key}]"


def _pct(value: float) -> float | None:
    """A fraction as percent rounded to 4 decimals; None for an unbounded end."""
    return None if not np.isfinite(value) else round(100 * float(value), 4)


def _num(value: float) -> float | None:
    """A float for JSON; None where it is not finite (JSON has no NaN)."""
    return float(value) if np.isfinite(value) else None


def _piece_json(fit: LinearFit, low: float, high: float, level: float = 0.95) -> dict[str, object]:
    """One piece of the baseline as JSON: where it applies, the fitted models' x range and the line."""
    ci = fit.intervals(level)
    return {
        "applies_above_pct": _pct(low), "applies_up_to_pct": _pct(high),
        "x_min": _pct(fit.x_min), "x_max": _pct(fit.x_max),
        "slope": _num(fit.slope), "intercept": _num(fit.intercept), "r": _num(fit.r), "r2": _num(fit.r ** 2),
        "n": fit.n, "slope_ci": [_num(v) for v in ci["slope"]], "intercept_ci": [_num(v) for v in ci["intercept"]],
        "residual_sd": _num(fit.residual_sd),
    }


def fit_json(a: ShiftAnalysis, args: argparse.Namespace) -> dict[str, object]:
    """The ``fit --format json`` document: the view, every piece of the baseline, and the models left out."""
    left = a.left_out_of_fit()
    return {
        "shift": a.shift, "x_axis": a.x_axis, "x_set": x_key(a.shift, a.x_axis, a.x_set), "y_sets": list(y_keys(a.shift)),
        "transform": a.transform, "baseline": a.baseline,
        "fit_range_pct": None if args.fit_range is None else [float(v) for v in args.fit_range],
        "piecewise": a.piecewise, "split_models": list(a.split_models),
        "split_x_pct": [_pct(v) for v in a.fit.splits],
        "pieces": [_piece_json(p.fit, p.low, p.high) for p in a.fit.pieces],
        "left_out_of_fit": [{"model_id": m, "reason": r} for m, r in zip(left["model_id"], left["fit_excluded"],
                                                                          strict=True)],
        "left_out_no_x": a.left_out,
    }


def run_fit(results: Results, args: argparse.Namespace, out: TextIO) -> None:
    """Print the baseline fit for the chosen view: a table (one block per piece) or JSON."""
    a = analyse_shift(results, args.shift, args.baseline, args.transform, args.x_axis,
                      _fit_range(args.fit_range), n_resamples=1, x_set=args.x_set, piecewise=args.piecewise)
    if args.format == "json":
        json.dump(fit_json(a, args), out, indent=2, allow_nan=False)
        print(file=out)
        return
    rows = [
        ("shift", args.shift), ("x-axis", _describe_x(args.shift, args.x_axis, args.x_set)), ("transform", args.transform),
        ("baseline", args.baseline),
        ("fit range", "all" if args.fit_range is None else f"{args.fit_range[0]}-{args.fit_range[1]}% ImageNet"),
    ]
    if a.piecewise:
        rows.append(("split", ", ".join(f"{m} at {100 * v:.2f}%" for m, v in zip(a.split_models, a.fit.splits,
                                                                                strict=True))))
    for i, piece in enumerate(a.fit.pieces):  # one piece, or two
        suffix = "" if len(a.fit.pieces) == 1 else f" [{i + 1}]"
        if suffix:
            rows.append((f"piece{suffix}", _describe_piece(piece.low, piece.high)))
        rows += [(f"slope{suffix}", f"{piece.fit.slope:.4f}"), (f"intercept{suffix}", f"{piece.fit.intercept:.4f}"),
                 (f"r{suffix}", f"{piece.fit.r:.4f}"), (f"n{suffix}", str(piece.fit.n)),
                 (f"x range{suffix}", f"{100 * piece.fit.x_min:.2f}-{100 * piece.fit.x_max:.2f}% ImageNet")]
    width = max(10, *(len(k) + 1 for k, _ in rows))
    for k, v in rows:
        print(f"{k:<{width}} {v}", file=out)
    for m, reason in zip(*(a.left_out_of_fit()[c] for c in ("model_id", "fit_excluded")), strict=True):
        print(f"# left out of the fit: {m}: {reason}", file=out)


def _describe_piece(low: float, high: float) -> str:
    """Where a piece applies, in percent of the x-axis accuracy."""
    if not np.isfinite(low):
        return f"x <= {100 * high:.2f}% (fit on models below)"
    if not np.isfinite(high):
        return f"x > {100 * low:.2f}% (fit on models above)"
    return f"{100 * low:.2f}% < x <= {100 * high:.2f}%"


def robustness_frame(results: Results, args: argparse.Namespace) -> tuple[pd.DataFrame, int]:
    """One row per model with accuracies and robustness in percent, and the number left out."""
    kwargs = {} if args.seed is None else {"seed": args.seed}
    a = analyse_shift(results, args.shift, args.baseline, args.transform, args.x_axis,
                      _fit_range(args.fit_range), n_resamples=args.n_resamples, x_set=args.x_set,
                      piecewise=args.piecewise, **kwargs)
    return robustness_table(a, args.models, args.interval), a.left_out


def run_robustness(results: Results, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    """Print effective robustness with its interval and the shift gap (y - x) per model."""
    frame, left_out = robustness_frame(results, args)
    note = (f"# {left_out} model(s) with {args.shift} results lack "
            f"{x_key(args.shift, args.x_axis, args.x_set)} or one of the averaged sets and are left out")
    if args.format == "csv":
        frame.to_csv(out, index=False, float_format="%.4f", lineterminator="\n")
        if left_out:
            print(note, file=err)
    else:
        if frame.empty:
            print("no models match", file=out)
        else:
            transformed = {c: "{:.3f}".format for c in frame.columns if c.startswith("eff_rob_transformed")}
            print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}", formatters=transformed), file=out)
        if left_out:
            print(note, file=out)


def _read(path: Path) -> tuple[str, bytes]:
    """A file's name and bytes; an unreadable file is a ValueError naming it."""
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def open_clip_run_files(path: Path) -> tuple[Path, Path | None, str] | None:
    """An open_clip run's results.jsonl, its params.txt (None when absent) and the run folder's name, for
    a log folder (``<logs>/<name>``) or its ``checkpoints/results.jsonl``; None for any other path."""
    if path.is_dir():
        jsonl = path / "checkpoints" / RESULTS_FILE
        if not jsonl.is_file():
            raise ValueError(f"{path}: a folder given to --results must be an open_clip log folder with "
                             f"checkpoints/{RESULTS_FILE}; none found")
        run = path
    elif path.suffix.lower() == ".jsonl":
        jsonl = path
        run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    else:
        return None
    params = run / PARAMS_FILE
    return jsonl, (params if params.is_file() else None), run.resolve().name


def with_uploads(results: Results, paths: Sequence[Path], err: TextIO,
                 samples_per_epoch: float | None = None) -> Results:
    """The results with the models of the user's result files and open_clip runs added; notes go to
    ``err`` as comments."""
    uploads = []
    for path in paths:  # a few files or runs
        run = open_clip_run_files(path)
        if run is None:
            uploads.append(parse_file(*_read(path)))
            continue
        jsonl, params, name = run
        params_blob = _read(params) if params is not None else None
        uploads.append(parse_run(_read(jsonl), params_blob, samples_per_epoch=samples_per_epoch, fallback_name=name))
    upload = merge_uploads(uploads)
    for note in upload.notes:
        print(f"# note: {note}", file=err)
    return results.combine(upload.results)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        results = load_results(args.results_dir)
        if args.results:
            results = with_uploads(results, args.results, err, args.samples_per_epoch)
        if args.command == "fit":
            run_fit(results, args, out)
        elif args.command == "scaling":
            run_scaling(results, args, out)
        else:
            run_robustness(results, args, out, err)
    except (ResultsError, ValueError) as exc:
        print(f"{parser.prog}: error: {exc}", file=err)
        return EXIT_USAGE
    return 0


# --- scaling ----------------------------------------------------------------------------------------

def add_scaling_parser(sub: argparse._SubParsersAction) -> None:
    """The ``scaling`` subcommand: one power-law fit of zero-shot error against samples seen or compute."""
    sc = sub.add_parser("scaling", help="print a power-law fit of error against samples seen or compute: "
                                        "A, alpha (and E_inf) with intervals and n")
    sc.add_argument("--set", required=True, choices=SCALING_EVAL_SETS, metavar="SET", dest="eval_set",
                    help=f"evaluation set: {', '.join(SCALING_EVAL_SETS)} ({AVERAGE} = mean of the five shifts)")
    sc.add_argument("--x", required=True, choices=X_KINDS, dest="x_kind",
                    help="samples seen, or total training compute in GMACs (scaling-laws models only)")
    sc.add_argument("--series", required=True, metavar="SERIES",
                    help=f"{' or '.join(SERIES_BY_KEY)} (Cherti et al., 2023), or a training dataset as the "
                         "Scaling page names it, e.g. 'LAION-2B (scaling-laws)' or DataComp")
    sc.add_argument("--irreducible", action="store_true", help="fit E = A x^alpha + E_inf (needs 4 scales)")
    sc.add_argument("--fit-to", default="best", choices=("best", "all"),
                    help="training-dataset series: the lowest-error model at each scale (default) or every model")
    sc.add_argument("--format", default="table", choices=("table", "json"), help="output format (default: table)")
    sc.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder with models.csv and evaluations.csv")
    sc.set_defaults(results=[])


def scaling_fit(results: Results, args: argparse.Namespace) -> dict[str, object]:
    """The fit the ``scaling`` subcommand prints, as a JSON-ready dict (error as a fraction); an interval's
    unbounded end is None (null in JSON)."""
    points, _ = scaling_points(results, args.eval_set, args.x_kind)
    if args.series in SERIES_BY_KEY:
        f = fit_series(points, args.series, irreducible=args.irreducible)
        description = SERIES_BY_KEY[args.series].description
    else:
        f = fit_dataset(points, args.series, irreducible=args.irreducible, frontier=args.fit_to == "best")
        description = f"the scaling points of training dataset {f.group}"
    p = f.fit
    out: dict[str, object] = {
        "set": args.eval_set, "x": args.x_kind, "x_unit": "GMACs" if args.x_kind == "compute" else "samples seen",
        "series": args.series if args.series in SERIES_BY_KEY else f.group, "label": f.group,
        "description": description, "method": METHOD_LABELS[f.method],
        "model": "E = A * x^alpha" + (" + E_inf" if args.irreducible else ""), "error_unit": "fraction",
        "A": p.a, "A_interval": [_num(v) for v in p.intervals["a"]], "alpha": p.alpha,
        "alpha_interval": [_num(v) for v in p.intervals["alpha"]],
    }
    if args.irreducible:
        out.update({"E_inf": p.e_inf, "E_inf_interval": [_num(v) for v in p.intervals["e_inf"]]})
    else:
        out["r"] = p.r
    out.update({"level": p.level, "n": f.n_points, "n_scales": f.n_x, "n_models": f.n_models,
                "few_scales": f.few_scales, "x_range": [f.x_min, f.x_max]})
    return out


def run_scaling(results: Results, args: argparse.Namespace, out: TextIO) -> None:
    """Print one scaling fit as a table of fields or as JSON."""
    fit = scaling_fit(results, args)
    if args.format == "json":
        print(json.dumps(fit, indent=2, allow_nan=False), file=out)
        return
    pct = f"{round(100 * float(fit['level']))}% CI"
    a_lo, a_hi = fit["A_interval"]  # type: ignore[misc]
    al_lo, al_hi = fit["alpha_interval"]  # type: ignore[misc]
    formula = f"E = {fit['A']:.2f} x^{fit['alpha']:.3f}" + (f" + {fit['E_inf']:.4f}" if args.irreducible else "")
    rows = [
        ("set", _describe_set(args.eval_set)), ("x", "total training compute (GMACs)" if args.x_kind == "compute" else "samples seen"), ("series", str(fit["label"])),
        ("method", str(fit["method"])), ("fit", formula + " (E as a fraction)"),
        ("A", f"{fit['A']:.4g}  {pct} [{a_lo:.4g}, {a_hi:.4g}]"),
        ("alpha", f"{fit['alpha']:.4f}  {pct} [{al_lo:.4f}, {al_hi:.4f}]"),
    ]
    if args.irreducible:
        lo, hi = fit["E_inf_interval"]  # type: ignore[misc]
        rows.append(("E_inf", f"{fit['E_inf']:.4f}  {pct} [{lo:.4f}, {hi:.4f}] (profile interval)"))
    else:
        rows.append(("r", f"{fit['r']:.4f} (log-log)"))
    rows.append(("n", f"{fit['n']} points fit ({fit['n_scales']} distinct scales, {fit['n_models']} models)"
                 + (f"; fewer than {MIN_DRAWN_SCALES} scales: not drawn by default on the Scaling page"
                    if fit["few_scales"] else "")))
    for k, v in rows:
        print(f"{k:<10} {v}", file=out)


def _describe_set(eval_set: str) -> str:
    return f"Average of {len(MAIN_SHIFTS)} shifts [{AVERAGE}]" if eval_set == AVERAGE else \
        f"{EVAL_SETS[eval_set].name} [{eval_set}]"
