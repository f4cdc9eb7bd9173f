"""ImageNet-A as the imagenet-testbed fits it, and no fit on accuracies of exactly 0 or 1.

The reference is recomputed here from the raw testbed table, following the testbed's own code
(modestyachts/imagenet-testbed, plotting/paper_appendix_eff_robust.py ``format_eff_robust`` and
plotting/plotter.py ``transform_acc``), independently of ``effrob_core``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from effrob_core.baseline import baseline_mask, bootstrap_line, fit_line, fit_pieces
from effrob_core.datasets import EVAL_SETS
from effrob_core.figures.scatter import off_scale_mask
from effrob_core.zero_shot import zero_shot_lines
from effrob_core.results import Results, load_results
from effrob_core.robustness import SHIFT_CHOICES, analyse_shift, fit_exclusions, shift_points
from tests.test_cli import run

UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "upstream"
needs_upstream = pytest.mark.skipif(
    not (UPSTREAM / "imagenet-testbed").is_dir(), reason=f"raw upstream files not available at {UPSTREAM}")
X_COLUMNS = {"full": "val", "matched": "val-on-imagenet-a-classes"}


@pytest.fixture(scope="module")
def results() -> Results:
    return load_results()


def reference_eff_robust(x_col: str, y_col: str = "imagenet-a") -> pd.Series:
    """Effective robustness (percent) as ``format_eff_robust`` computes it, on the raw testbed table.

    The line models are "Standard training" (natural-shift types) without aws/batch64/subsample in the
    name; the pivot is the x of the line model scoring 0; line 1 is fit on line models with x strictly
    below it, line 2 strictly above; every model gets line 1, then those with x > pivot get line 2.
    logit as ``transform_acc`` (percent in, no clipping); OLS with ``scipy.stats.linregress``.
    """
    top1 = pd.read_csv(UPSTREAM / "imagenet-testbed" / "robustness_top1s.csv", index_col="model")
    types = pd.read_csv(UPSTREAM / "imagenet-testbed" / "model_types.csv", index_col="model")
    df = top1[[x_col, y_col]].dropna().copy()
    name = df.index.str.lower()
    line = df[(types.loc[df.index, "natural_shift_model_type"] == "Standard training").to_numpy()
              & ~name.str.contains("aws") & ~name.str.contains("batch64") & ~name.str.contains("subsample")]

    def logit(acc: pd.Series) -> pd.Series:
        return np.log((acc / 100.0) / (1.0 - acc / 100.0))

    def predict(part: pd.DataFrame) -> pd.Series:
        fit = scipy.stats.linregress(logit(part[x_col]), logit(part[y_col]))
        z = logit(df[x_col]) * fit.slope + fit.intercept
        return np.exp(z) / (1 + np.exp(z)) * 100

    pivot = line[line[y_col] == 0][x_col].iloc[0]
    er = df[y_col] - predict(line[line[x_col] < pivot])
    above = df[x_col] > pivot
    er[above] = (df[y_col] - predict(line[line[x_col] > pivot]))[above]
    return er


def _families(types: pd.Series) -> dict[str, pd.Index]:
    names = types.index.to_series()
    return {
        "CLIP": names[names.str.contains("clip", case=False)].index,
        "NoisyStudent": names[names.str.contains("noisystudent", case=False)].index,
        "Instagram": names[names.str.contains("instagram|wsl|FixResNeXt101_32x48d", case=False)].index,
        "standard": types[types == "Standard training"].index,
    }


@needs_upstream
@pytest.mark.parametrize("x_axis", ["full", "matched"])
def test_imagenet_a_matches_the_testbeds_two_piece_method(results: Results, x_axis: str) -> None:
    reference = reference_eff_robust(X_COLUMNS[x_axis])
    a = analyse_shift(results, "imagenet-a", "testbed", "logit", x_axis, n_resamples=20)
    ours = a.points.set_index("model_id")["eff_rob"] * 100
    types = pd.read_csv(UPSTREAM / "imagenet-testbed" / "model_types.csv", index_col="model")["natural_shift_model_type"]
    for family, names in _families(types).items():
        names = names.intersection(reference.index)
        assert len(names) >= (1 if family == "NoisyStudent" else 2), family  # one EfficientNet-L2 NoisyStudent
        diff = (ours.reindex("testbed:" + names).to_numpy() - reference[names].to_numpy())
        assert np.all(np.abs(diff) < 0.05), (family, x_axis, float(np.nanmax(np.abs(diff))))
    assert a.piecewise and a.split_models == ("testbed:resnet50",)
    assert [p.fit.n for p in a.fit.pieces] == [33, 51]  # the testbed's standard models below / above ResNet-50


def test_imagenet_a_split_is_resnet50s_x_on_each_axis(results: Results) -> None:
    for x_axis, key in (("full", "imagenet"), ("matched", "imagenet-a-classes")):
        a = analyse_shift(results, "imagenet-a", x_axis=x_axis, n_resamples=10)
        resnet50 = results.wide().loc["testbed:resnet50", key]
        assert a.fit.splits == (resnet50,)
        p = a.points
        below = (p["x"] <= resnet50).to_numpy()
        assert (p["baseline_piece"].to_numpy() == np.where(below, 0, 1)).all()  # a tie goes below
        fit_x = p.loc[p["in_baseline"], "x"].to_numpy()
        assert not np.isin(fit_x, [resnet50]).any()
        assert a.fit.pieces[0].fit.x_max < resnet50 < a.fit.pieces[1].fit.x_min


def test_registry_records_imagenet_a_filtered_against_resnet50(results: Results) -> None:
    assert EVAL_SETS["imagenet-a"].filtered_against == ("testbed:resnet50",)
    assert results.wide().loc["testbed:resnet50", "imagenet-a"] == 0.0  # the data agrees
    assert all(not s.filtered_against for k, s in EVAL_SETS.items() if k != "imagenet-a")


@pytest.mark.parametrize(("shift", "baseline"), [("imagenet-a", "testbed"), ("imagenet-a", "timm"),
                                                 ("imagenet-a", "all-standard"), ("average", "testbed"),
                                                 ("average", "all-standard")])  # timm has no ObjectNet: no average
@pytest.mark.parametrize("piecewise", [True, False])
def test_resnet50_never_enters_an_imagenet_a_or_average_fit(results: Results, shift: str, baseline: str,
                                                            piecewise: bool) -> None:
    for kind in ("logit", "linear"):
        a = analyse_shift(results, shift, baseline, kind, n_resamples=10, piecewise=piecewise)
        row = a.points.set_index("model_id").loc["testbed:resnet50"]
        assert not row["in_baseline"] and "ImageNet-A was built" in row["fit_excluded"]
        assert a.fit.n == int(a.points["in_baseline"].sum())
        # piecewise only for ImageNet-A itself; the average gets one line without ResNet-50
        assert len(a.fit.pieces) == (2 if piecewise and shift == "imagenet-a" else 1)
    zs = a.points.copy()
    zs.loc[zs["model_id"] == "testbed:resnet50", "group"] = "Zero-shot image-text"
    n_line = zero_shot_lines(a.points, "all", "logit", a.fit)[0][0].fit.n
    assert zero_shot_lines(zs, "all", "logit", a.fit)[0][0].fit.n == n_line  # not in the zero-shot line either


def test_single_line_imagenet_a_is_one_fit_without_resnet50(results: Results) -> None:
    a = analyse_shift(results, "imagenet-a", x_axis="matched", n_resamples=10, piecewise=False)
    pts = a.points
    member = baseline_mask(pts, "testbed") & (pts["model_id"] != "testbed:resnet50").to_numpy()
    ref = fit_line(pts["x"][member], pts["y"][member], "logit")
    (piece,) = a.fit.pieces
    assert (piece.fit.slope, piece.fit.intercept, piece.fit.n) == (ref.slope, ref.intercept, 84)


@pytest.mark.parametrize("shift", [s for s in SHIFT_CHOICES if s not in ("imagenet-a", "average")])
def test_other_shifts_are_unchanged(results: Results, shift: str) -> None:
    """Bit for bit the single line and bootstrap band on the baseline models, as before the pieces."""
    a = analyse_shift(results, shift, n_resamples=50)
    pts, _ = shift_points(results, shift, "full")
    member = baseline_mask(pts, "testbed")
    x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
    ref = fit_line(x[member], y[member], "logit")
    lo, hi = bootstrap_line(x[member], y[member], "logit", n_resamples=50).band(x)
    (piece,) = a.fit.pieces
    assert (piece.fit.slope, piece.fit.intercept, piece.fit.r, piece.fit.n) == (ref.slope, ref.intercept, ref.r, ref.n)
    np.testing.assert_array_equal(a.points["eff_rob"], y - ref.predict(x))
    np.testing.assert_array_equal(a.points["eff_rob_band_lo"], y - hi)
    np.testing.assert_array_equal(a.points["in_baseline"], member)
    assert (a.points["fit_excluded"] == "").all() and not a.piecewise


def test_pieces_fit_strictly_inside_and_assign_ties_below() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(0.3, 0.6, 20), [0.6], np.linspace(0.61, 0.9, 20)])
    y = np.clip(x - 0.2 + rng.normal(0, 0.01, x.size), 0.01, 0.99)
    line = fit_pieces(x, y, "logit", splits=(0.6,), n_resamples=20)
    assert [p.fit.n for p in line.pieces] == [19, 20]  # both 0.6 points enter neither piece
    below = fit_line(x[x < 0.6], y[x < 0.6], "logit")
    assert line.pieces[0].fit.slope == below.slope
    np.testing.assert_array_equal(line.piece_index([0.2, 0.6, 0.6000001, 0.95]), [0, 0, 1, 1])
    np.testing.assert_allclose(line.predict([0.6]), below.predict([0.6]))
    lo, hi = line.band([0.5, 0.8])
    assert np.all(lo <= line.predict([0.5, 0.8])) and np.all(line.predict([0.5, 0.8]) <= hi)
    with pytest.raises(ValueError, match="the piece above 60.00% ImageNet"):
        fit_pieces(x[x <= 0.62], y[x <= 0.62], "logit", splits=(0.6,))


def test_undefined_points_never_enter_a_logit_or_probit_fit(results: Results) -> None:
    pts = pd.DataFrame({"model_id": ["a", "b", "c", "d"], "x": [0.5, 1.0, 0.7, 0.0], "y": [0.0, 0.4, 0.6, 1.0]})
    reasons = fit_exclusions(pts, "imagenet-sketch", "logit")
    assert reasons[0] == "y = 0%: undefined on the logit scale"
    assert reasons[1] == "x = 100%: undefined on the logit scale" and reasons[2] == ""
    assert reasons[3].startswith("x = 0%")
    assert (fit_exclusions(pts, "imagenet-sketch", "linear") == "").all()
    assert fit_exclusions(pts, "imagenet-sketch", "probit")[0] == "y = 0%: undefined on the probit scale"
    np.testing.assert_array_equal(off_scale_mask(pts, "logit"), [True, True, False, True])
    # a standard testbed model pushed to exactly 100% on ImageNet-Sketch leaves the logit fit, not the linear one
    ev = results.evaluations.copy()
    ev.loc[(ev["model_id"] == "testbed:resnet152") & (ev["eval_set"] == "imagenet-sketch"), "top1"] = 1.0
    changed = Results(results.models, ev)
    a = analyse_shift(changed, "imagenet-sketch", n_resamples=10)
    row = a.points.set_index("model_id").loc["testbed:resnet152"]
    assert not row["in_baseline"] and row["fit_excluded"] == "y = 100%: undefined on the logit scale"
    assert a.fit.n == 84 and list(a.left_out_of_fit()["model_id"]) == ["testbed:resnet152"]
    assert analyse_shift(changed, "imagenet-sketch", transform="linear", n_resamples=10).fit.n == 85
    # the zero-shot line leaves such points out too
    zs = a.points[a.points["group"] == "Zero-shot image-text"].copy()
    n = zero_shot_lines(zs, "all", "logit", a.fit)[0][0].fit.n
    zs.iloc[0, zs.columns.get_loc("fit_excluded")] = "y = 0%: undefined on the logit scale"
    assert zero_shot_lines(zs, "all", "logit", a.fit)[0][0].fit.n == n - 1


def test_fit_json_pieces_intervals_and_left_out() -> None:
    code, out, _ = run("fit", "--shift", "imagenet-a", "--x-axis", "matched", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["piecewise"] and doc["split_models"] == ["testbed:resnet50"] and doc["split_x_pct"] == [91.86]
    assert (doc["x_set"], doc["y_sets"], doc["transform"], doc["baseline"]) == (
        "imagenet-a-classes", ["imagenet-a"], "logit", "testbed")
    assert doc["left_out_of_fit"] == [{"model_id": "testbed:resnet50", "reason":
                                       "ImageNet-A was built from the images this model misclassifies "
                                       "(0% by construction)"}]
    low, high = doc["pieces"]
    assert (low["applies_above_pct"], low["applies_up_to_pct"], high["applies_above_pct"], high["applies_up_to_pct"]) \
        == (None, 91.86, 91.86, None)
    assert low["x_max"] < 91.86 < high["x_min"] and (low["n"], high["n"]) == (33, 51)
    # slope, intercept and their 95% t intervals against scipy on the same models
    results = load_results()
    pts = analyse_shift(results, "imagenet-a", x_axis="matched", n_resamples=1).points
    for piece, side in ((low, pts["x"] < 0.9186), (high, pts["x"] > 0.9186)):
        m = pts[pts["in_baseline"] & side]
        tx = np.log(m["x"] / (1 - m["x"]))
        ty = np.log(m["y"] / (1 - m["y"]))
        ref = scipy.stats.linregress(tx, ty)
        t = scipy.stats.t.ppf(0.975, len(m) - 2)
        assert piece["slope"] == pytest.approx(ref.slope, rel=1e-10)
        assert piece["r2"] == pytest.approx(ref.rvalue ** 2, rel=1e-10)
        np.testing.assert_allclose(piece["slope_ci"], [ref.slope - t * ref.stderr, ref.slope + t * ref.stderr], rtol=1e-9)
        np.testing.assert_allclose(piece["intercept_ci"], [ref.intercept - t * ref.intercept_stderr,
                                                           ref.intercept + t * ref.intercept_stderr], rtol=1e-9)
        resid = ty - (ref.slope * tx + ref.intercept)
        assert piece["residual_sd"] == pytest.approx(np.std(resid, ddof=2), rel=1e-9)
        assert piece["x_min"] == pytest.approx(100 * m["x"].min(), abs=1e-4)


def test_fit_json_single_line_and_table_agree() -> None:
    code, out, _ = run("fit", "--shift", "imagenet-a", "--single-line", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and not doc["piecewise"] and len(doc["pieces"]) == 1 and doc["pieces"][0]["n"] == 84
    code, out, _ = run("fit", "--shift", "imagenet-sketch", "--format", "json")
    (piece,) = json.loads(out)["pieces"]
    assert (round(piece["slope"], 4), round(piece["intercept"], 4), piece["n"]) == (1.0709, -2.3701, 85)
    assert json.loads(out)["left_out_of_fit"] == []
    code, out, _ = run("fit", "--shift", "imagenet-a")
    assert code == 0 and "piece [2]      x > 76.13%" in out and "n [1]          33" in out
    assert "# left out of the fit: testbed:resnet50: ImageNet-A was built" in out
    code, _, err = run("fit", "--shift", "imagenet-a", "--piecewise", "--single-line")
    assert code == 2 and "not allowed with argument" in err
