"""The effective-robustness scatter built from the committed results."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from effrob_core.baseline import fit_line
from effrob_core.datasets import IMAGENET
from effrob_core.figures.scatter import (
    HOVER_COLUMNS,
    MAX_LABELS,
    ZERO_SHOT_GROUP,
    axis_titles,
    highlight_mask,
    robustness_scatter,
    selected_model_ids,
    shown_mask,
    split_range,
)
from effrob_core.figures.style import (
    BASELINE_COLOR,
    GROUP_COLORS,
    GROUP_SYMBOLS,
    SOURCE_LABELS,
    YOUR_MODELS,
    ZERO_SHOT_FIT_COLOR,
    source_labels,
)
from effrob_core.intervals import clopper_pearson
from effrob_core.results import (
    UPLOAD_GROUP,
    UPLOAD_SOURCE,
    Results,
    validate_evaluations,
    validate_models,
)
from effrob_core.robustness import ShiftAnalysis, analyse_shift
from effrob_core.transforms import inverse, transform
from effrob_core.upload import parse_file
from effrob_core.zero_shot import zero_shot_lines

N_BOOT = 200  # the figure only draws the band; its exact width is tested in test_baseline
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sketch(results: Results) -> ShiftAnalysis:
    return analyse_shift(results, "imagenet-sketch", n_resamples=N_BOOT)


@pytest.fixture(scope="module")
def all_groups(sketch: ShiftAnalysis) -> list[str]:
    return sorted(set(sketch.points["group"]))


@pytest.fixture(scope="module")
def all_sources(sketch: ShiftAnalysis) -> list[str]:
    return sorted(set(sketch.points["source"]))


def _build(a: ShiftAnalysis, **kw) -> go.Figure:
    groups = kw.pop("groups", sorted(set(a.points["group"])))
    sources = kw.pop("sources", sorted(set(a.points["source"])))
    return robustness_scatter(a, groups, sources, **kw)


def _traces(fig: go.Figure, meta: str) -> list:
    return [t for t in fig.data if t.meta == meta]


def _col(name: str) -> int:
    """Column of ``name`` in the points' numeric hover data."""
    return HOVER_COLUMNS.index(name)


def _one(fig: go.Figure, meta: str):
    found = _traces(fig, meta)
    assert len(found) == 1, [t.meta for t in fig.data]
    return found[0]


def test_one_webgl_trace_per_group_with_its_colour_and_symbol(sketch, all_groups):
    fig = _build(sketch)
    pts = _traces(fig, "points")
    assert [t.name for t in pts] == [html.escape(g, quote=False) for g in GROUP_COLORS if g in all_groups]
    for t in pts:
        group = t.legendgroup
        assert isinstance(t, go.Scattergl)
        assert t.marker.color == GROUP_COLORS[group]
        assert t.marker.symbol == GROUP_SYMBOLS[group]
        n = int((sketch.points["group"] == group).sum())
        assert len(t.x) == n
    assert {t.legendgroup for t in pts if t.marker.symbol == "star"} == {ZERO_SHOT_GROUP}


def test_points_are_transformed_and_carry_their_model_ids(sketch):
    fig = _build(sketch)
    by_id = sketch.points.set_index("model_id")
    ids = []
    for t in _traces(fig, "points"):
        ids += list(t.ids)
        p = by_id.loc[list(t.ids)]
        np.testing.assert_allclose(t.x, transform(p["x"], "logit"))
        np.testing.assert_allclose(t.y, transform(p["y"], "logit"))
        np.testing.assert_allclose(np.asarray(t.customdata)[:, _col("eff_rob")], 100 * p["eff_rob"], atol=0.005)
        assert list(t.text) == list(html.escape(n, quote=False) for n in p["display_name"])
    assert sorted(ids) == sorted(sketch.points["model_id"])


def test_hover_numbers_are_one_binary_array_of_the_full_values(results):
    """customdata is one float array per trace (percent, unrounded), sent as a typed array; names and
    ids travel once each in ``text``/``ids``."""
    a = analyse_shift(results, "imagenet-r", n_resamples=N_BOOT)
    fig = _build(a, highlight="clip_zeroshot")
    by_id = a.points.set_index("model_id")
    checked = 0
    for t in _traces(fig, "points") + _traces(fig, "highlight"):
        cd = np.asarray(t.customdata)
        assert cd.dtype == np.float64 and cd.shape == (len(t.x), len(HOVER_COLUMNS))
        exact = 100 * by_id.loc[list(t.ids), list(HOVER_COLUMNS)].to_numpy(dtype=float)
        np.testing.assert_array_equal(cd, exact)
        checked += int(np.isfinite(exact).sum())
    assert checked > 10 * len(a.points)
    spec = json.loads(fig.to_json())
    for t in spec["data"]:
        if t.get("meta") in ("points", "highlight"):
            assert set(t["customdata"]) == {"dtype", "bdata", "shape"} and t["customdata"]["dtype"] == "f8"
            assert len(t["ids"]) == len(t["text"]) == len(t["hovertext"])


def test_baseline_line_is_red_and_is_the_fit(sketch):
    fig = _build(sketch)
    line = _one(fig, "baseline")
    assert line.line.color == BASELINE_COLOR and line.line.dash is None
    grid = inverse(np.asarray(line.x), "logit")
    np.testing.assert_allclose(line.y, transform(sketch.fit.predict(grid), "logit"), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(line.y, sketch.fit.pieces[0].fit.slope * np.asarray(line.x) + sketch.fit.pieces[0].fit.intercept, atol=1e-9)
    # solid over the ImageNet range of the models it was fit on
    assert line.x[0] == pytest.approx(transform(sketch.fit.pieces[0].fit.x_min, "logit"))
    assert line.x[-1] == pytest.approx(transform(sketch.fit.pieces[0].fit.x_max, "logit"))
    assert f"n={sketch.fit.n}" in line.name


def test_lines_are_dashed_beyond_the_models_they_were_fit_on(sketch):
    """Solid over [x_min, x_max] of the fitted models, dashed from there to the shown points' ends."""
    fig = _build(sketch)
    dashed = _one(fig, "baseline-extrapolated")
    assert dashed.line.dash == "dash" and dashed.line.color == BASELINE_COLOR
    x = np.asarray(dashed.x, dtype=float)
    gap = np.flatnonzero(np.isnan(x))
    assert gap.size == 1  # two pieces: below and above the fitted range
    left, right = x[:gap[0]], x[gap[0] + 1:]
    tx = transform(sketch.points["x"], "logit")
    assert left[0] == pytest.approx(tx.min()) and left[-1] == pytest.approx(transform(sketch.fit.pieces[0].fit.x_min, "logit"))
    assert right[0] == pytest.approx(transform(sketch.fit.pieces[0].fit.x_max, "logit")) and right[-1] == pytest.approx(tx.max())
    y = np.asarray(dashed.y, dtype=float)
    ok = ~np.isnan(x)
    np.testing.assert_allclose(y[ok], sketch.fit.pieces[0].fit.slope * x[ok] + sketch.fit.pieces[0].fit.intercept, atol=1e-9)
    assert dashed.name == "Baseline, extrapolated" and "56.5–84.7%" in dashed.hovertemplate
    bands = _traces(fig, "band-extrapolated")
    assert len(bands) == 2 and all(b.line.dash == "dash" for b in bands)
    # inside the fitted range only: no dashed part
    inside = sketch.points[~sketch.points["extrapolated"]]
    fig_in = _build(sketch, groups=sorted(set(inside["group"])), sources=["testbed"])
    assert split_range((0.6, 0.8), (0.5, 0.9)) == ((0.6, 0.8), [])
    assert split_range((0.1, 0.95), (0.5, 0.9)) == ((0.5, 0.9), [(0.1, 0.5), (0.9, 0.95)])
    assert split_range((0.01, 0.2), (0.5, 0.9)) == (None, [(0.01, 0.2)])
    assert _traces(fig_in, "baseline")


def test_extrapolated_points_say_so_in_their_hover(results):
    a = analyse_shift(results, "imagenetv2", n_resamples=N_BOOT)
    fig = _build(a)
    by_id = a.points.set_index("model_id")
    seen = 0
    for t in _traces(fig, "points"):
        flagged = by_id.loc[list(t.ids), "extrapolated"].to_numpy(dtype=bool)
        noted = np.array(["⚠ extrapolated" in h for h in t.hovertext])
        np.testing.assert_array_equal(noted, flagged)
        seen += int(flagged.sum())
        assert "Baseline models' ImageNet range: 56.5–84.7%" in t.hovertemplate
    assert seen > 100 and by_id.loc["openclip-lowacc:rn50-yfcc15m-1m", "extrapolated"]


@pytest.mark.parametrize(("units", "suffix", "value"), [("pts", "pts", 0.755), ("axis", "logit", 0.158),
                                                         ("sd", "SD of logit residuals", 0.158 / 0.0186)])
def test_hover_effective_robustness_in_the_chosen_unit(results, units, suffix, value):
    a = analyse_shift(results, "imagenetv2", n_resamples=N_BOOT)
    fig = _build(a, units=units, highlight="rn50-yfcc15m-1m")
    ring = _one(fig, "highlight")
    assert list(ring.ids) == ["openclip-lowacc:rn50-yfcc15m-1m"]
    row = np.asarray(ring.customdata)[0]
    assert row[_col("eff_rob")] == pytest.approx(value, rel=0.01)
    assert row[_col("eff_rob_lo")] < row[_col("eff_rob")] < row[_col("eff_rob_hi")]
    assert f" {suffix} [" in ring.hovertemplate
    band = _one(_build(a, units=units, interval="band", highlight="rn50-yfcc15m-1m"), "highlight")
    width = np.asarray(band.customdata)[0]
    assert width[_col("eff_rob_hi")] - width[_col("eff_rob_lo")] < row[_col("eff_rob_hi")] - row[_col("eff_rob_lo")]
    assert "band only" in band.hovertemplate


def test_baseline_members_can_be_marked(sketch):
    assert not _traces(_build(sketch), "members")
    ring = _one(_build(sketch, mark_members=True), "members")
    members = sketch.points[sketch.points["in_baseline"]]
    assert len(ring.x) == len(members) == sketch.fit.n and f"({sketch.fit.n})" in ring.name
    np.testing.assert_allclose(np.sort(ring.x), np.sort(transform(members["x"], "logit")))


def test_band_is_shaded_and_contains_the_line(sketch):
    fig = _build(sketch)
    band, line = _one(fig, "band"), _one(fig, "baseline")
    assert band.fill == "toself"
    n = len(line.x)
    bx, by = np.asarray(band.x), np.asarray(band.y)
    np.testing.assert_allclose(bx[:n], line.x)
    np.testing.assert_allclose(bx[n:], np.asarray(line.x)[::-1])
    upper, lower = by[:n], by[n:][::-1]
    assert np.all(upper >= np.asarray(line.y) - 1e-9) and np.all(lower <= np.asarray(line.y) + 1e-9)
    assert np.all(upper - lower > 0)
    lo, hi = sketch.fit.band(inverse(np.asarray(line.x), "logit"))
    np.testing.assert_allclose(upper, transform(hi, "logit"))


def test_diagonal_is_dashed_y_equals_x(sketch):
    diag = _one(_build(sketch), "diagonal")
    assert diag.line.dash == "dash"
    np.testing.assert_allclose(diag.x, diag.y)


@pytest.mark.parametrize("kind", ["logit", "probit", "linear"])
def test_ticks_are_percent_labels_at_transformed_positions(results, kind):
    a = analyse_shift(results, "imagenetv2", transform=kind, n_resamples=N_BOOT)
    fig = _build(a)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert len(axis.ticktext) >= 4
        assert all(re.fullmatch(r"\d+(\.\d+)?%", t) for t in axis.ticktext)
        pct = np.array([float(t[:-1]) for t in axis.ticktext])
        np.testing.assert_allclose(axis.tickvals, transform(pct / 100, kind))
        assert axis.range[0] <= min(axis.tickvals) and max(axis.tickvals) <= axis.range[1]
    assert fig.layout.xaxis.title.text == "ImageNet top-1 (%)"
    assert fig.layout.yaxis.title.text == "ImageNetV2 top-1 (%)"


def test_axis_titles():
    assert axis_titles("objectnet", "matched") == ("ImageNet top-1, ObjectNet classes (%)", "ObjectNet top-1 (%)")
    assert axis_titles("imagenet-r", "full") == ("ImageNet top-1 (%)", "ImageNet-R top-1 (%)")
    assert axis_titles("average", "full")[1] == "Mean top-1 over 5 main shifts (%)"
    with pytest.raises(ValueError):
        axis_titles("imagenet-sketch", "matched")


def test_zero_shot_fit_is_purple_and_fit_on_shown_zero_shot_models(sketch, all_sources):
    zs_points = sketch.points[sketch.points["group"] == ZERO_SHOT_GROUP]
    lines, _ = zero_shot_lines(sketch.points, "all", "logit", sketch.fit)
    zs = lines[0].fit
    ref = fit_line(zs_points["x"], zs_points["y"], "logit")
    assert (zs.slope, zs.intercept, zs.n) == pytest.approx((ref.slope, ref.intercept, ref.n))
    fig = _build(sketch, zero_shot_lines=lines)
    line = _one(fig, "zero-shot-fit")
    assert line.line.color == ZERO_SHOT_FIT_COLOR
    np.testing.assert_allclose(line.y, zs.slope * np.asarray(line.x) + zs.intercept, atol=1e-9)
    assert line.x[0] == pytest.approx(transform(zs.x_min, "logit"))
    # only the models shown count: without OpenCLIP and the scaling-laws models fewer remain
    shown = sketch.points[shown_mask(sketch.points, sketch.points["group"].unique(), ["testbed", "timm"])]
    assert int((shown["group"] == ZERO_SHOT_GROUP).sum()) < 3
    assert zero_shot_lines(shown, "all", "logit", sketch.fit)[0] == []
    assert not _traces(_build(sketch), "zero-shot-fit")


def test_hidden_groups_and_sources_are_not_drawn(sketch, all_groups):
    shown_groups = [g for g in all_groups if g != "Trained with more data"]
    fig = _build(sketch, groups=shown_groups, sources=["testbed", "openclip"])
    pts = _traces(fig, "points")
    assert "Trained with more data" not in {t.legendgroup for t in pts}
    ids = [i for t in pts for i in t.ids]
    expect = sketch.points[shown_mask(sketch.points, shown_groups, ["testbed", "openclip"])]
    assert sorted(ids) == sorted(expect["model_id"])
    line = _one(fig, "baseline")
    assert line.x[0] == pytest.approx(max(transform(expect["x"], "logit").min(), transform(sketch.fit.pieces[0].fit.x_min, "logit")))
    assert _one(fig, "baseline-extrapolated").x[0] == pytest.approx(transform(expect["x"], "logit").min())
    # nothing shown: lines still drawn over all points, no marker traces
    empty = _build(sketch, groups=[], sources=[])
    assert not _traces(empty, "points") and _traces(empty, "baseline")


def test_hover_escapes_html_in_names(results):
    evil = "<b>x</b><script>"
    row = {c: "" for c in results.models.columns}
    row.update(model_id="upload:evil", display_name=evil, source="upload<i>", group="Standard training",
               digitized="False")
    models = validate_models(pd.DataFrame([row]).astype(str))
    evals = validate_evaluations(pd.DataFrame({
        "model_id": ["upload:evil"] * 2, "eval_set": [IMAGENET, "imagenet-sketch"],
        "top1": ["0.7", "0.2"], "n_images": ["50000", "50889"]}), model_ids=models["model_id"])
    combined = results.combine(Results(models, evals))
    a = analyse_shift(combined, "imagenet-sketch", n_resamples=N_BOOT)
    fig = _build(a, highlight="<B>X")
    rows = [(t.text[j], t.hovertext[j]) for t in _traces(fig, "points") + _traces(fig, "highlight")
            for j, i in enumerate(t.ids) if i == "upload:evil"]
    assert len(rows) == 2  # its group's trace and the highlight ring
    for name, source in rows:
        assert name == html.escape(evil, quote=False) == "&lt;b&gt;x&lt;/b&gt;&lt;script&gt;"
        assert source == "upload&lt;i&gt;"
    spec = fig.to_json()
    assert "<script>" not in spec and "<b>x" not in spec and "<i>" not in spec
    for t in _traces(fig, "points") + _traces(fig, "highlight"):  # names reach hover only as escaped data
        assert t.hovertemplate.startswith("<b>%{text}</b><br>") and " · %{hovertext}<br>" in t.hovertemplate
        assert t.mode == "markers"  # text is hover-only, never drawn
    labels = [ann.text for ann in fig.layout.annotations]
    assert labels == [html.escape(evil, quote=False)]
    assert "&lt;B&gt;X" in _one(fig, "highlight").name


def test_hover_shows_accuracies_intervals_and_robustness(sketch):
    fig = _build(sketch)
    t = _traces(fig, "points")[0]
    c = {name: f"customdata[{i}]" for i, name in enumerate(HOVER_COLUMNS)}
    for field in ("<b>%{text}</b>", "%{hovertext}",
                  f"ImageNet: %{{{c['x']}:.2f}}% [%{{{c['x_lo']}:.2f}}, %{{{c['x_hi']}:.2f}}] (99.5% CI)",
                  f"ImageNet-Sketch: %{{{c['y']}:.2f}}% [%{{{c['y_lo']}:.2f}}, %{{{c['y_hi']}:.2f}}] (99.5% CI)",
                  f"Effective robustness: %{{{c['eff_rob']}:+.2f}} pts "
                  f"[%{{{c['eff_rob_lo']}:+.2f}}, %{{{c['eff_rob_hi']}:+.2f}}] (95%, baseline band + own test-set noise)",
                  f"Shift gap (y − x): %{{{c['shift_gap']}:+.2f}} pts"):
        assert field in t.hovertemplate
    row = np.asarray(t.customdata)[0]
    p = sketch.points.set_index("model_id").loc[t.ids[0]]
    assert t.hovertext[0] == SOURCE_LABELS[p["source"]]
    lo, hi = clopper_pearson(p["x"], p["n_x"])
    assert row[[_col("x_lo"), _col("x_hi")]] == pytest.approx([100 * float(lo), 100 * float(hi)], abs=0.005)
    assert row[[_col("eff_rob_lo"), _col("eff_rob_hi")]] == pytest.approx(
        [100 * p["eff_rob_lo"], 100 * p["eff_rob_hi"]], abs=0.005)


def test_highlight_enlarges_outlines_and_labels_matches(sketch):
    plain = _build(sketch)
    assert not _traces(plain, "highlight") and not plain.layout.annotations
    for t in _traces(plain, "points"):
        assert np.ndim(t.marker.size) == 0

    query = "CLIP_ZEROSHOT"
    hit = highlight_mask(sketch.points, query)
    assert 0 < hit.sum() <= MAX_LABELS
    fig = _build(sketch, highlight=query)
    matched_ids = set(sketch.points.loc[hit, "model_id"])
    for t in _traces(fig, "points"):
        size = np.broadcast_to(np.asarray(t.marker.size, dtype=float), (len(t.x),))
        is_hit = np.array([i in matched_ids for i in t.ids])
        if is_hit.any():
            assert size[is_hit].min() > size[~is_hit].max()
    ring = _one(fig, "highlight")
    assert set(ring.ids) == matched_ids
    assert f"({len(matched_ids)})" in ring.name
    assert len(fig.layout.annotations) == len(matched_ids)
    assert fig.data[-1].meta == "highlight"  # drawn on top

    # a duplicate row's id finds the point that stands for its checkpoint
    by_other_id = sketch.points.loc[highlight_mask(sketch.points, "openclip:ViT-B-32/openai"), "model_id"]
    assert by_other_id.tolist() == ["testbed:vit_b_32_clip_zeroshot"]

    many = "resnet"
    assert highlight_mask(sketch.points, many).sum() > MAX_LABELS
    fig_many = _build(sketch, highlight=many)
    assert _traces(fig_many, "highlight") and not fig_many.layout.annotations


def test_error_bars_toggle(results):
    a = analyse_shift(results, "objectnet", x_axis="matched", n_resamples=N_BOOT)
    off, on = _build(a), _build(a, error_bars=True)
    for t in _traces(off, "points"):  # hidden bars send no arrays
        assert t.error_x.visible is False and t.error_y.visible is False
        assert t.error_x.array is None and t.error_y.arrayminus is None
    assert '"array"' not in off.to_json() and '"arrayminus"' not in off.to_json()
    for t in _traces(on, "points"):
        assert t.error_x.visible is True and t.error_y.visible is True
        p = a.points.set_index("model_id").loc[list(t.ids)]
        np.testing.assert_allclose(t.error_x.array, transform(p["x_hi"], "logit") - transform(p["x"], "logit"))
        np.testing.assert_allclose(t.error_y.arrayminus, transform(p["y"], "logit") - transform(p["y_lo"], "logit"))
        assert np.all(np.asarray(t.error_x.array) >= 0) and np.all(np.asarray(t.error_y.arrayminus) >= 0)
    assert on.layout.xaxis.title.text == "ImageNet top-1, ObjectNet classes (%)"
    # the average of five shifts has no single image count: no y bars, x bars remain
    avg = _build(analyse_shift(results, "average", n_resamples=N_BOOT), error_bars=True)
    for t in _traces(avg, "points"):
        assert t.error_x.visible is True and t.error_y.visible is False and t.error_y.array is None


def test_selection_maps_back_to_model_ids(sketch):
    fig = _build(sketch, highlight="clip_zeroshot")
    pts = _traces(fig, "points")
    ring = _one(fig, "highlight")
    # a plotly selection point carries its trace's per-point arrays: ``ids`` as ``id``
    selection = [{"curve_number": 4, "point_index": 0, "id": pts[0].ids[0],
                  "customdata": [float(v) for v in pts[0].customdata[0]]},
                 {"curve_number": 1, "point_index": 3, "x": 0.1, "y": 0.2},  # a line: no id
                 {"id": ring.ids[0]},
                 {"id": ring.ids[0]}]
    assert selected_model_ids(selection) == [pts[0].ids[0], ring.ids[0]]
    assert selected_model_ids([]) == []


def test_figure_serialises_and_has_legend_below(sketch):
    fig = _build(sketch, error_bars=True, zero_shot_lines=zero_shot_lines(sketch.points, "openai", "logit", sketch.fit)[0])
    spec = json.loads(fig.to_json())
    # the plot keeps its 650 px; the figure grows by the legend rows beyond two
    entries = sum(1 for t in spec["data"] if t.get("showlegend", True))
    extra = spec["layout"]["margin"]["b"] - 120
    assert extra == 22 * max(0, -(-entries // 4) - 2) and spec["layout"]["height"] == 650 + extra
    legend = spec["layout"]["legend"]
    # below the plot: at the bottom of the figure, in the bottom margin kept for it
    assert legend["orientation"] == "h" and legend["yref"] == "container" and legend["y"] == 0
    assert legend["yanchor"] == "bottom" and spec["layout"]["margin"]["b"] >= 100
    # one line per training-data group: the legend moves to the right, lines stay within their models
    lines = zero_shot_lines(sketch.points, "data", "logit", sketch.fit)[0]
    many = json.loads(_build(sketch, zero_shot_lines=lines).to_json())
    assert many["layout"]["legend"]["orientation"] == "v" and many["layout"]["legend"]["x"] > 1
    drawn = [t for t in many["data"] if t.get("meta") == "zero-shot-fit"]
    assert len(drawn) == len(lines) and not [t for t in many["data"] if t.get("meta") == "zero-shot-fit-extrapolated"]


def test_one_source_label_mapping_names_every_source(results):
    assert set(results.models["source"]) | {UPLOAD_SOURCE} == set(SOURCE_LABELS)
    assert SOURCE_LABELS[UPLOAD_SOURCE] == YOUR_MODELS == UPLOAD_GROUP == "Your models"
    assert len(set(SOURCE_LABELS.values())) == len(SOURCE_LABELS)  # no two sources look alike
    assert all(label and label != k for k, label in SOURCE_LABELS.items() if k != "timm")
    np.testing.assert_array_equal(source_labels(["timm", UPLOAD_SOURCE, "elsewhere"]),
                                  np.array(["timm", "Your models", "elsewhere"], dtype=object))
    # no module or page keeps a mapping of its own
    defining = sorted(str(p.relative_to(ROOT)) for folder in ("effrob_core", "pages")
                      for p in (ROOT / folder).rglob("*.py")
                      if re.search(r"^SOURCE_LABELS\b\s*[:=]", p.read_text(encoding="utf-8"), re.MULTILINE))
    assert defining == ["effrob_core/figures/style.py"]


def test_uploaded_models_are_named_your_models_and_drawn_last(results):
    mine = parse_file("my_models.csv", (ROOT / "tests" / "data" / "my_models.csv").read_bytes())
    a = analyse_shift(results.combine(mine.results), "imagenet-sketch", n_resamples=N_BOOT)
    fig = _build(a)
    points = _traces(fig, "points")
    last = points[-1]  # WebGL traces draw in order: uploaded crosses above the published points
    assert last.name == YOUR_MODELS and last.marker.symbol == GROUP_SYMBOLS[YOUR_MODELS] == "x"
    assert last.marker.color == GROUP_COLORS[YOUR_MODELS]
    assert sorted(last.ids) == sorted(mine.results.models["model_id"])
    assert {h.split(" · ")[0] for h in last.hovertext} == {"Your models"}
    published = {s.split("<br>")[0].split(" · ")[0] for t in points[:-1] for s in t.hovertext}
    assert published == {SOURCE_LABELS[s] for s in set(a.points["source"]) - {UPLOAD_SOURCE}}
    hover = {i: h for t in points[:-1] for i, h in zip(t.ids, t.hovertext)}
    assert hover["testbed:vit_b_32_clip_zeroshot"].startswith("ImageNet testbed<br>also in: ")
    assert "scaling-laws:openai-ViT-B-32" in hover["testbed:vit_b_32_clip_zeroshot"]
    assert "openclip:ViT-B-32/openai" not in hover  # the checkpoint is drawn once


def test_any_x_set_fixed_ranges_and_restored_selection(results, all_groups, all_sources):
    from effrob_core.figures.scatter import axis_limits
    a = analyse_shift(results, "imagenet-r", x_set="imagenetv2", n_resamples=N_BOOT)
    assert axis_titles("imagenet-r", "full", "imagenetv2") == ("ImageNetV2 top-1 (%)", "ImageNet-R top-1 (%)")
    picked = a.points["model_id"].iloc[:3].tolist()
    fig = robustness_scatter(a, all_groups, all_sources, x_limits=(0.05, 0.87), y_limits=(0.05, 0.87),
                             selected_ids=picked)
    assert fig.layout.xaxis.range == pytest.approx(axis_limits((0.05, 0.87), "logit"))
    lo, hi = (float(v) for v in transform(np.array([0.05, 0.87]), "logit"))
    assert fig.layout.xaxis.range[0] == pytest.approx(lo - 0.01 * (hi - lo))  # a 1% margin shows the end ticks
    marked = [i for t in fig.data if t.meta == "points" for i in np.asarray(t.ids)[list(t.selectedpoints or [])]]
    assert sorted(marked) == sorted(picked)
    assert fig.layout.legend.itemclick is False
    assert "ImageNetV2: %{customdata[0]" in next(t for t in fig.data if t.meta == "points").hovertemplate
    with pytest.raises(ValueError, match="empty"):
        axis_limits((0.5, 0.5), "logit")


def test_every_group_has_its_own_colour_and_marker():
    from effrob_core.results import GROUPS
    assert set(GROUPS) <= set(GROUP_COLORS) and set(GROUPS) <= set(GROUP_SYMBOLS)
    assert len(set(GROUP_COLORS.values())) == len(GROUP_COLORS)
    assert len(set(GROUP_SYMBOLS.values())) == len(GROUP_SYMBOLS)
