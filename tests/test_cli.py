"""The command line as a user runs it: published values, formats, and one-line errors."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from effrob_core.cli import main
from effrob_core.scaling import fit_series
from tests.conftest import ROOT


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):  # argparse writes its errors to sys.stderr
            code = main(list(argv), out, err)
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_fit_reproduces_testbed_sketch_line() -> None:
    code, out, _ = run("fit", "--shift", "imagenet-sketch", "--baseline", "testbed", "--transform", "logit")
    assert code == 0
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert fields["slope"] == "1.0709" and fields["intercept"] == "-2.3701" and fields["n"] == "85"


def test_fit_as_subprocess() -> None:
    proc = subprocess.run([sys.executable, "-m", "effrob_core", "fit", "--shift", "imagenet-sketch"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "slope      1.0709" in proc.stdout and "intercept  -2.3701" in proc.stdout


def test_fit_range_and_matched_axis() -> None:
    code, out, _ = run("fit", "--shift", "imagenet-r", "--x-axis", "matched")
    assert code == 0 and "ImageNet (ImageNet-R classes)" in out and "n          80" in out
    code, out, _ = run("fit", "--shift", "imagenet-sketch", "--fit-range", "70", "80")
    n = int(dict(line.split(None, 1) for line in out.strip().splitlines())["n"])
    assert code == 0 and 3 <= n < 85


def test_robustness_csv() -> None:
    code, out, err = run("robustness", "--shift", "imagenet-sketch", "--format", "csv", "--n-resamples", "200")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["model_id", "source", "group", "imagenet_pct", "shift_pct", "eff_rob_pct",
                                   "eff_rob_lo_pct", "eff_rob_hi_pct", "eff_rob_transformed",
                                   "eff_rob_transformed_lo", "eff_rob_transformed_hi", "extrapolated",
                                   "shift_gap_pct"]
    assert table["model_id"].is_unique and len(table) > 500
    assert (table["eff_rob_lo_pct"] <= table["eff_rob_pct"] + 1e-9).all()
    assert (table["eff_rob_pct"] <= table["eff_rob_hi_pct"] + 1e-9).all()
    clip = table.set_index("model_id").loc["testbed:vit_b_32_clip_zeroshot"]
    assert clip["eff_rob_pct"] > 10  # CLIP zero-shot sits far above the line
    assert clip["shift_gap_pct"] == pytest.approx(clip["shift_pct"] - clip["imagenet_pct"], abs=1e-3)


def test_robustness_seed_point_in_logit_units_and_extrapolated() -> None:
    """The 1M-image RN50 point: +0.75 points but +0.158 logit above the testbed line, far below its range."""
    code, out, err = run("robustness", "--shift", "imagenetv2", "--format", "csv")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out)).set_index("model_id")
    seed = table.loc["openclip-lowacc:rn50-yfcc15m-1m"]
    assert seed["eff_rob_transformed"] == pytest.approx(0.158, abs=0.0015)
    assert seed["eff_rob_pct"] == pytest.approx(0.75, abs=0.01)
    assert seed["eff_rob_transformed_lo"] < seed["eff_rob_transformed"] < seed["eff_rob_transformed_hi"]
    assert bool(seed["extrapolated"]) is True
    inside = table.loc["testbed:resnet50"]
    assert 56 < inside["imagenet_pct"] < 85 and bool(inside["extrapolated"]) is False
    # every model is flagged exactly when its ImageNet accuracy lies outside the fitted models' range
    code, fit_out, _ = run("fit", "--shift", "imagenetv2")
    low, high = (float(v) for v in dict(line.split(None, 1) for line in fit_out.strip().splitlines()
                                        if line.startswith("x range"))["x"].split()[1].rstrip("%").split("-"))
    x = table["imagenet_pct"]
    clear = ((x - low).abs() > 0.01) & ((x - high).abs() > 0.01)  # the range is printed to 2 decimals
    assert clear.sum() > 1000
    assert (table["extrapolated"].astype(bool) == ((x < low) | (x > high)))[clear].all()


def test_robustness_band_interval_is_narrower() -> None:
    base = ["robustness", "--shift", "imagenetv2", "--format", "csv", "--models", "resnet18"]
    _, total, _ = run(*base)
    _, band, _ = run(*base, "--interval", "band")
    t, b = (pd.read_csv(io.StringIO(o)).set_index("model_id") for o in (total, band))
    assert ((t["eff_rob_hi_pct"] - t["eff_rob_lo_pct"]) > (b["eff_rob_hi_pct"] - b["eff_rob_lo_pct"])).all()
    assert (t["eff_rob_pct"] == b["eff_rob_pct"]).all()


def test_fit_lowacc_baseline_reaches_below_ten_percent() -> None:
    code, out, _ = run("fit", "--shift", "imagenetv2", "--baseline", "testbed-lowacc")
    assert code == 0
    fields = dict(line.split(None, 1) for line in out.strip().splitlines())
    low = float(fields["x"].split()[1].split("-")[0])
    assert low < 10 and int(fields["n"]) > 85


def test_robustness_table_filter_and_average() -> None:
    code, out, _ = run("robustness", "--shift", "average", "--models", "resnet50", "--n-resamples", "100")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["model_id", "source", "group"]
    assert all("resnet50" in line.lower() for line in lines[1:] if not line.startswith("#"))
    assert "left out" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "--shift", "imagenet-z"], "argument --shift: unknown evaluation set 'imagenet-z'"),
        (["fit"], "the following arguments are required: --shift"),
        (["fit", "--shift", "imagenetv2", "--transform", "log"], "argument --transform: invalid choice"),
        (["fit", "--shift", "imagenet-sketch", "--x-axis", "matched"], "has no class-matched ImageNet subset"),
        (["fit", "--shift", "imagenetv2", "--fit-range", "80", "70"], "--fit-range needs 0 <= LOW < HIGH <= 100"),
        (["fit", "--shift", "imagenetv2", "--fit-range", "a", "b"], "--fit-range takes two numbers"),
        (["fit", "--shift", "imagenetv2", "--fit-range", "99.9", "100"], "at least 3 models"),
        (["fit", "--shift", "imagenetv2", "--results-dir", "/nonexistent"], "file not found"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_one_line_exit_2(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def _fields(out: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in out.strip().splitlines())


def test_fit_with_any_set_on_x(results) -> None:
    """``--x-set imagenetv2 --shift imagenet-r``: OLS of logit(ImageNet-R) on logit(ImageNetV2) over the
    testbed's baseline models, recomputed here from the tables with scipy."""
    import numpy as np
    from scipy.special import logit
    from scipy.stats import linregress

    code, out, err = run("fit", "--x-set", "imagenetv2", "--shift", "imagenet-r")
    assert code == 0, err
    f = _fields(out)
    assert f["x-axis"] == "ImageNetV2 [imagenetv2]"
    m = results.models
    std = m[(m["source"] == "testbed") & (m["source_category"] == "Standard training")
            & ~m["architecture"].str.contains("subsample|aws|batch64")]["model_id"]
    wide = results.wide("top1").loc[std, ["imagenetv2", "imagenet-r"]].dropna()
    ref = linregress(logit(wide["imagenetv2"]), logit(wide["imagenet-r"]))
    assert f["slope"] == f"{ref.slope:.4f}" and f["intercept"] == f"{ref.intercept:.4f}"
    assert int(f["n"]) == len(wide) and np.isfinite(ref.slope)


def test_fit_on_imagenet_c_and_bad_sets() -> None:
    code, out, err = run("fit", "--shift", "imagenet-c")
    assert code == 0, err
    assert _fields(out)["shift"] == "imagenet-c" and int(_fields(out)["n"]) > 30
    code, _, err = run("fit", "--shift", "imagenet-q")
    assert code == 2 and "unknown evaluation set 'imagenet-q'" in err and err.count("\n") == 1
    code, _, err = run("fit", "--shift", "imagenetv2", "--x-set", "imagenetv2")
    assert code == 2 and "both imagenetv2" in err
    code, out, err = run("robustness", "--shift", "imagenet-vid-robust-pm10", "--x-set", "imagenet-vid-robust",
                         "--format", "csv", "--n-resamples", "20")
    assert code == 0, err
    assert pd.read_csv(io.StringIO(out))["model_id"].str.startswith("testbed:").all()


# --- scaling ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("series", "formula", "n"), [
    ("laion-pooled", "E = 5.86 x^-0.111", "5 points fit (5 distinct scales, 29 models)"),
    ("openai", "E = 23.18 x^-0.164", "3 points fit (3 distinct scales, 3 models); fewer than 4 scales"),
])
def test_scaling_reproduces_cherti_et_al(series: str, formula: str, n: str) -> None:
    """Cherti et al.'s ImageNet compute fits (figures.ipynb): E = 5.86 C^-0.111 (LAION pooled), 23.18 C^-0.164."""
    code, out, _ = run("scaling", "--set", "imagenet", "--x", "compute", "--series", series)
    assert code == 0
    fields = _fields(out)
    assert fields["fit"] == f"{formula} (E as a fraction)" and fields["n"].startswith(n)
    assert fields["x"] == "total training compute (GMACs)" and "E_inf" not in fields
    alpha, ci = fields["alpha"].split("  ")
    lo, hi = (float(v) for v in ci.removeprefix("95% CI [").removesuffix("]").split(", "))
    assert lo < float(alpha) < hi < 0


def test_scaling_json_and_irreducible() -> None:
    code, out, _ = run("scaling", "--set", "imagenet", "--x", "compute", "--series", "laion-pooled", "--format", "json")
    fit = json.loads(out)
    assert code == 0 and (round(fit["A"], 2), round(fit["alpha"], 3)) == (5.86, -0.111)
    assert (fit["n"], fit["n_scales"], fit["n_models"], fit["few_scales"]) == (5, 5, 29, False)
    assert fit["A_interval"][0] < fit["A"] < fit["A_interval"][1] and "E_inf" not in fit
    code, out, _ = run("scaling", "--set", "average", "--x", "compute", "--series", "laion-pooled", "--format",
                       "json", "--irreducible")
    fit = json.loads(out)
    assert code == 0 and fit["model"] == "E = A * x^alpha + E_inf"
    assert 0 <= fit["E_inf_interval"][0] <= fit["E_inf"] <= fit["E_inf_interval"][1] <= 1
    code, out, _ = run("scaling", "--set", "imagenet", "--x", "samples", "--series", "laion-2b (scaling-laws)",
                       "--fit-to", "all")
    fields = _fields(out)
    assert code == 0 and fields["series"] == "LAION-2B (scaling-laws)" and fields["method"] == "every model"
    assert fields["n"].startswith("11 points fit (3 distinct scales, 11 models); fewer than 4 scales")


def test_scaling_json_writes_an_unbounded_interval_end_as_null(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON has no Infinity: an unbounded end of A's interval (few points, E_inf free) is null."""
    import dataclasses

    from effrob_core import cli

    def unbounded(*args, **kwargs):  # the real fit, with A's interval made unbounded above
        f = fit_series(*args, **kwargs)
        return dataclasses.replace(f, fit=dataclasses.replace(
            f.fit, intervals={**f.fit.intervals, "a": (f.fit.intervals["a"][0], float("inf"))}))

    monkeypatch.setattr(cli, "fit_series", unbounded)
    code, out, _ = run("scaling", "--set", "average", "--x", "compute", "--series", "laion-pooled", "--format",
                       "json", "--irreducible")
    fit = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert code == 0 and fit["A_interval"][0] < fit["A"] and fit["A_interval"][1] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["--set", "imagenet-q", "--x", "compute", "--series", "openai"], "argument --set: invalid choice: 'imagenet-q'"),
    (["--set", "imagenet", "--x", "flops", "--series", "openai"], "argument --x: invalid choice: 'flops'"),
    (["--set", "imagenet", "--x", "compute"], "the following arguments are required: --series"),
    (["--set", "imagenet", "--x", "compute", "--series", "nope"], "unknown training dataset 'nope'"),
    (["--set", "imagenet", "--x", "samples", "--series", "openai"], "OpenAI: 1 distinct scale(s) among 3 model(s)"),
    (["--set", "imagenet", "--x", "compute", "--series", "openai", "--irreducible"], "(a fit needs 4)"),
    (["--set", "imagenet", "--x", "compute", "--series", "openai", "--format", "csv"], "argument --format"),
])
def test_scaling_bad_arguments_one_line_exit_2(argv: list[str], message: str) -> None:
    code, _, err = run("scaling", *argv)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_readme_scaling_example_is_the_output() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "$ effrob scaling --set imagenet --x compute --series laion-pooled\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    code, out, _ = run(*command.split()[2:])
    assert code == 0 and shown == out
