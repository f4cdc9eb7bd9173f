"""Command line: ``effrob fit|robustness ...`` (or ``python -m effrob_core ...``) for scripting and checking numbers.

Bad arguments or input end with exit status 2 and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import pandas as pd

from .api import robustness_table
from .baseline import BASELINES
from .datasets import AVERAGE, EVAL_SETS, MAIN_SHIFTS
from .results import RESULTS_DIR, Results, ResultsError, load_results
from .robustness import OTHER_SHIFT_CHOICES, SHIFT_CHOICES, X_AXES, analyse_shift, check_set, x_key
from .transforms import TRANSFORMS
from .upload import parse_files

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
    common.add_argument("--baseline", default="testbed", choices=BASELINES,
                        help="models the line is fit on (default: testbed, as Taori et al. 2020)")
    common.add_argument("--transform", default="logit", choices=TRANSFORMS, help="axis scaling (default: logit)")
    common.add_argument("--x-axis", default="full", choices=X_AXES,
                        help="full ImageNet validation, or the class-matched subset (default: full)")
    common.add_argument("--fit-range", nargs=2, metavar=("LOW", "HIGH"),
                        help="fit only on baseline models with ImageNet accuracy in [LOW, HIGH] percent")
    common.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder with models.csv and evaluations.csv")
    common.add_argument("--results", action="append", type=Path, metavar="FILE", default=[],
                        help="your own results to add as group 'Your models' (template CSV, CLIP_benchmark JSON or "
                             "CSV); repeat for several files. The baseline fit uses published models only")
    sub.add_parser("fit", parents=[common], help="print the baseline's slope, intercept, r and n")
    rob = sub.add_parser("robustness", parents=[common], help="print every model's effective robustness")
    rob.add_argument("--format", default="table", choices=("table", "csv"), help="output format (default: table)")
    rob.add_argument("--models", metavar="SUBSTRING", help="only models whose id or name contains this (case-insensitive)")
    rob.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples (default: 1000)")
    rob.add_argument("--seed", type=int, default=None, help="bootstrap seed (default: the testbed's)")
    return parser


def _describe_x(shift: str, x_axis: str, x_set: str | None = None) -> str:
    key = x_key(shift, x_axis, x_set)
    return f"{EVAL_SETS[key].name if key in EVAL_SETS else key} [{key}]"


def run_fit(results: Results, args: argparse.Namespace, out: TextIO) -> None:
    """Print the baseline fit for the chosen view."""
    a = analyse_shift(results, args.shift, args.baseline, args.transform, args.x_axis,
                      _fit_range(args.fit_range), n_resamples=1, x_set=args.x_set)
    rows = [
        ("shift", args.shift), ("x-axis", _describe_x(args.shift, args.x_axis, args.x_set)), ("transform", args.transform),
        ("baseline", args.baseline),
        ("fit range", "all" if args.fit_range is None else f"{args.fit_range[0]}-{args.fit_range[1]}% ImageNet"),
        ("slope", f"{a.fit.slope:.4f}"), ("intercept", f"{a.fit.intercept:.4f}"), ("r", f"{a.fit.r:.4f}"),
        ("n", str(a.fit.n)),
    ]
    for k, v in rows:
        print(f"{k:<10} {v}", file=out)


def robustness_frame(results: Results, args: argparse.Namespace) -> tuple[pd.DataFrame, int]:
    """One row per model with accuracies and robustness in percent, and the number left out."""
    kwargs = {} if args.seed is None else {"seed": args.seed}
    a = analyse_shift(results, args.shift, args.baseline, args.transform, args.x_axis,
                      _fit_range(args.fit_range), n_resamples=args.n_resamples, x_set=args.x_set, **kwargs)
    return robustness_table(a, args.models), a.left_out


def run_robustness(results: Results, args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    """Print effective robustness with its interval and relative robustness per model."""
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
            print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"), file=out)
        if left_out:
            print(note, file=out)


def with_uploads(results: Results, files: Sequence[Path], err: TextIO) -> Results:
    """The results with the models of the user's result files added; notes go to ``err`` as comments."""
    blobs = []
    for path in files:  # a few files
        try:
            blobs.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise ValueError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    upload = parse_files(blobs)
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
            results = with_uploads(results, args.results, err)
        if args.command == "fit":
            run_fit(results, args, out)
        else:
            run_robustness(results, args, out, err)
    except (ResultsError, ValueError) as exc:
        print(f"{parser.prog}: error: {exc}", file=err)
        return EXIT_USAGE
    return 0
