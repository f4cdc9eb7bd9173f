"""Scaling and comparison figures: log axes, one marker per point, fit lines equal to the fitted law,
digitised points labelled, names escaped."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from effrob_core.datasets import MAIN_SHIFTS
from effrob_core.figures.compare import compare_figure
from effrob_core.figures.scaling import (
    FAMILY_COLORS,
    SERIES_COLORS,
    SOURCE_SYMBOLS,
    fit_curve,
    group_colors,
    learning_curve_figure,
    robustness_scale_figure,
    scaling_figure,
    symbol_label,
)
from effrob_core.figures.style import (
    GROUP_COLORS,
    GROUP_SYMBOLS,
    SOURCE_LABELS,
    YOUR_MODELS,
    category_colors,
    log_ticks,
)
from effrob_core.models_table import compare_long, models_table
from effrob_core.results import UPLOAD_SOURCE, Results, load_learning_curves
from effrob_core.robustness import analyse_shift, robustness_by_shift
from effrob_core.scaling import fit_groups, fit_series
from effrob_core.scaling_points import (
    DIGITIZED_LABEL,
    SCALING_SOURCES,
    color_key,
    is_uploaded,
    robustness_vs_scale,
    scaling_points,
)
from effrob_core.upload import parse_file


@pytest.fixture(scope="module")
def view(results: Results) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    pts, _ = scaling_points(results, "imagenetv2")
    groups = color_key(pts, "data")
    return pts, groups, group_colors(sorted(set(groups)))


def _markers(fig: go.Figure) -> list[go.Scatter]:
    """The model markers (not the legend-only keys, nor the rings around extrapolated values)."""
    return [t for t in fig.data if t.mode == "markers" and t.x is not None and t.x[0] is not None
            and t.meta != "extrapolated"]


def test_every_point_is_drawn_on_log_axes(view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    pts, groups, colors = view
    fig = scaling_figure(pts, groups, colors, (), "error", "samples", "ImageNetV2")
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    markers = _markers(fig)
    assert sum(len(t.x) for t in markers) == len(pts)
    xs = np.sort(np.concatenate([np.asarray(t.x, dtype=float) for t in markers]))
    np.testing.assert_allclose(xs, np.sort(pts["x"].to_numpy()))
    ys = np.sort(np.concatenate([np.asarray(t.y, dtype=float) for t in markers]))
    np.testing.assert_allclose(ys, np.sort(100 * (1 - pts["top1"].to_numpy())))
    acc = scaling_figure(pts, groups, colors, (), "accuracy", "samples", "ImageNetV2")
    assert acc.layout.yaxis.type != "log" and acc.layout.yaxis.ticksuffix == "%"
    assert "accuracy" in acc.layout.yaxis.title.text and "error" in fig.layout.yaxis.title.text
    # one legend entry per colour group, with the group's colour
    legend = {t.name: t.marker.color for t in markers if t.showlegend}
    assert set(legend) == set(groups) and all(legend[g] == colors[g] for g in legend)


def test_fit_lines_are_the_fitted_power_law(view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    pts, groups, colors = view
    fits, _ = fit_groups(pts, groups, frontier=True)
    fig = scaling_figure(pts, groups, colors, fits, "error", "samples", "ImageNetV2", extrapolate_to=1e12)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert lines
    for f in fits:
        mine = [t for t in lines if t.legendgroup == f.group]
        assert mine, f.group
        for t in mine:
            x = np.asarray(t.x, dtype=float)
            np.testing.assert_allclose(np.asarray(t.y, dtype=float), 100 * f.fit.predict(x), rtol=1e-12)
        dotted = [t for t in mine if t.line.dash == "dot"]
        assert max(np.max(t.x) for t in dotted) == pytest.approx(1e12)
        fitted = [t for t in mine if t.line.dash != "dot"]  # over the data: solid, or dashed on few scales
        assert {t.line.dash for t in fitted} == {"dash" if f.few_scales else "solid"}
        assert max(np.max(t.x) for t in fitted) == pytest.approx(f.x_max)
        assert all(("scales only" in t.hovertemplate) == f.few_scales for t in mine)
    x, err = fit_curve(fits[0], 1e10)
    assert x[0] == pytest.approx(fits[0].x_min) and x[-1] == pytest.approx(max(fits[0].x_max, 1e10))
    acc = scaling_figure(pts, groups, colors, fits, "accuracy", "samples", "ImageNetV2", extrapolate_to=1e12)
    t = next(t for t in acc.data if t.mode == "lines")
    np.testing.assert_allclose(t.y, 100 * (1 - next(f for f in fits if f.group == t.legendgroup).fit.predict(t.x)))


def test_digitised_points_are_labelled(view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    pts, groups, colors = view
    fig = scaling_figure(pts, groups, colors, (), "accuracy", "samples", "ImageNetV2")
    legend_only = [t for t in fig.data if t.x is not None and t.x[0] is None]
    labels = " ".join(t.name for t in legend_only).replace("<br>", " ")
    assert "read from a figure (±0.3 pts)" in labels and "unique training images" in labels
    assert "1 epoch-equivalent unknown" in labels
    diamonds = [t for t in _markers(fig) if t.marker.symbol == "diamond"]
    assert sum(len(t.x) for t in diamonds) == int(pts["digitized"].sum()) == 5
    err = diamonds[0].error_y
    np.testing.assert_allclose(err.array, 0.3)  # reading precision, in points
    assert "unique training images" in fig.layout.xaxis.title.text
    assert DIGITIZED_LABEL.startswith("read from a figure")
    no_dig = pts[~pts["digitized"]]
    fig2 = scaling_figure(no_dig, color_key(no_dig, "data"), colors, (), "accuracy", "samples", "ImageNetV2")
    assert "unique training images" not in fig2.layout.xaxis.title.text


def test_names_are_escaped(view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    pts, groups, colors = view
    evil = pts.copy()
    evil.loc[0, "display_name"] = "<b>bold</b> & <script>x</script>"
    evil["family"] = evil["family"].where(evil.index != 0, "<i>data</i>")
    g = color_key(evil, "data")
    fig = scaling_figure(evil, g, group_colors(sorted(set(g))), (), "error", "samples", "ImageNetV2")
    texts = " ".join(str(s) for t in _markers(fig) for s in t.text)
    names = " ".join(t.name for t in fig.data if t.name)
    assert "<b>bold" not in texts and "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in texts
    assert "<i>" not in names and "&lt;i&gt;data&lt;/i&gt;" in names


def test_robustness_against_scale(results: Results, view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    pts, _, colors = view
    er = robustness_vs_scale(pts, analyse_shift(results, "imagenetv2", n_resamples=100).points)
    fig = robustness_scale_figure(er, color_key(er, "data"), colors, "ImageNetV2")
    assert fig.layout.xaxis.type == "log"
    assert any(s.type == "line" and s.y0 == 0 and s.y1 == 0 for s in fig.layout.shapes)
    markers = _markers(fig)
    y = np.concatenate([np.asarray(t.y, dtype=float) for t in markers])
    hi = np.concatenate([np.asarray(t.error_y.array, dtype=float) for t in markers]) + y
    lo = y - np.concatenate([np.asarray(t.error_y.arrayminus, dtype=float) for t in markers])
    order = np.argsort(y)
    ref = er.sort_values("eff_rob")
    np.testing.assert_allclose(y[order], 100 * ref["eff_rob"])
    np.testing.assert_allclose(np.sort(hi), np.sort(100 * er["eff_rob_hi"]))
    np.testing.assert_allclose(np.sort(lo), np.sort(100 * er["eff_rob_lo"]))
    # extrapolated values (ImageNet outside the testbed's 56.5-84.7%) are ringed and say so on hover
    rings = [t for t in fig.data if t.meta == "extrapolated"]
    flagged = er["extrapolated"].astype(bool)
    assert len(rings) == 1 and len(rings[0].x) == int(flagged.sum()) > 0
    assert er.set_index("model_id").loc["openclip-lowacc:rn50-yfcc15m-1m", "extrapolated"]
    texts = np.concatenate([np.asarray(t.text, dtype=object) for t in markers])
    assert sum("⚠ extrapolated" in s for s in texts) == int(flagged.sum())
    # in logit units: the vertical distance on the baseline's axes (the seed's 1M-image RN50: +0.158)
    logit = robustness_scale_figure(er, color_key(er, "data"), colors, "ImageNetV2", unit="axis", kind="logit")
    assert "(logit)" in logit.layout.yaxis.title.text
    one_m = er.index[er["model_id"] == "openclip-lowacc:rn50-yfcc15m-1m"][0]
    values = {float(v) for t in _markers(logit) for v in t.y}
    assert any(abs(v - er.loc[one_m, "eff_rob_transformed"]) < 1e-12 for v in values)
    assert abs(er.loc[one_m, "eff_rob_transformed"] - 0.158) < 0.0015



def _spec(fig: go.Figure) -> dict:
    """The figure as the browser receives it (JSON, parsed)."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def test_figures_are_valid_plotly_and_unchanged_by_validation(
        results: Results, view: tuple[pd.DataFrame, pd.Series, dict[str, str]]) -> None:
    # the builders skip plotly's validation for speed: rebuilding each figure with validation must
    # accept every property (plotly raises on an unknown or invalid one) and change nothing
    pts, groups, colors = view
    evil = pts.copy()
    evil.loc[0, "display_name"] = "<b>bold</b> & co"
    fits, _ = fit_groups(pts, groups, frontier=True)
    fits_einf, _ = fit_groups(pts, groups, irreducible=True)
    er = robustness_vs_scale(pts, analyse_shift(results, "imagenetv2", n_resamples=50).points)
    curves = load_learning_curves(model_ids=results.models["model_id"])
    shown = curves[curves["model_id"].isin(sorted(curves["model_id"].unique())[:2])]
    names = {i: f"<i>{i}</i>" for i in shown["model_id"]}
    figs = [scaling_figure(evil, groups, colors, fits, "error", "samples", "ImageNetV2", 1e12),
            scaling_figure(pts, groups, colors, fits_einf, "accuracy", "samples", "ImageNetV2"),
            scaling_figure(pts, color_key(pts, "architecture"), group_colors(sorted(set(color_key(pts, "architecture"))),
                                                                             "architecture"), (), "error", "samples"),
            robustness_scale_figure(er, color_key(er, "data"), colors, "ImageNetV2"),
            learning_curve_figure(shown, names, category_colors(sorted(names)), "epoch"),
            learning_curve_figure(shown, names, category_colors(sorted(names)), "samples_seen")]
    for fig in figs:
        spec = _spec(fig)
        assert _spec(go.Figure(fig.to_dict())) == spec
        # the template is sent expanded (plotly.js knows no template names)
        assert spec["layout"]["template"] == pio.templates["simple_white"].to_plotly_json()
        assert spec["layout"]["xaxis"]["title"]["font"] == {"size": 15}
    # marker traces: one per (colour group, source) in sorted order, the group's first one in the legend
    markers = [t for t in figs[0].data if t.mode == "markers" and t.x[0] is not None]
    keys = [(t.legendgroup, t.marker.symbol) for t in markers]
    assert len(set(keys)) == len(keys)
    assert [t.legendgroup for t in markers] == sorted(t.legendgroup for t in markers)
    firsts = {t.legendgroup: t for t in reversed(markers)}
    assert all(t.showlegend == (t is firsts[t.legendgroup]) for t in markers)
    assert sum(len(t.x) for t in markers) == len(pts)

#: Uploaded zero-shot results: three models at three scales and one without samples seen.
MINE_CSV = b"""model,imagenet,imagenetv2,imagenet-sketch,imagenet-r,imagenet-a,objectnet,samples_seen,train_data
mine-small,0.30,0.25,0.15,0.30,0.05,0.15,1e8,my-data
mine-mid,0.45,0.38,0.25,0.45,0.09,0.25,1e9,DataComp-M
mine-big,0.60,0.52,0.38,0.60,0.20,0.40,10B,my-data
mine-unknown-scale,0.50,0.44,0.30,0.50,0.12,0.30,,my-data
"""


def test_uploaded_models_are_black_crosses_on_top_and_never_fit(results: Results) -> None:
    combined = results.combine(parse_file("mine.csv", MINE_CSV).results)
    pts, left = scaling_points(combined, "imagenetv2", sources=(*SCALING_SOURCES, UPLOAD_SOURCE))
    assert left == scaling_points(results, "imagenetv2")[1] + 1  # mine-unknown-scale cannot be placed
    groups = color_key(pts, "data")
    colors = group_colors(sorted(set(groups)))
    assert colors[YOUR_MODELS] == GROUP_COLORS[YOUR_MODELS] == "#000000"
    assert "#000000" not in {c for g, c in colors.items() if g != YOUR_MODELS}  # black is only ever yours
    fits, _ = fit_groups(pts, groups, frontier=True)
    assert YOUR_MODELS not in {f.group for f in fits}
    fig = scaling_figure(pts, groups, colors, fits, "error", "samples", "ImageNetV2")
    markers = _markers(fig)
    mine = [t for t in markers if t.legendgroup == YOUR_MODELS]
    assert len(mine) == 1 and markers[-1] is mine[0]  # drawn last: above every published point
    t = mine[0]
    assert t.name == YOUR_MODELS and t.showlegend
    assert t.marker.symbol == GROUP_SYMBOLS[YOUR_MODELS] == SOURCE_SYMBOLS[UPLOAD_SOURCE] == "x"
    assert t.marker.color == "#000000"
    np.testing.assert_allclose(sorted(t.x), [1e8, 1e9, 1e10])
    np.testing.assert_allclose(sorted(t.y), [48.0, 62.0, 75.0])  # ImageNetV2 error in %
    assert all("mine-" in s for s in t.text)
    assert [m.name for m in markers if m.showlegend].count(YOUR_MODELS) == 1
    # no fit line belongs to the uploads, and the published fits are those without them
    assert not any(tr.legendgroup == YOUR_MODELS for tr in fig.data if tr.mode == "lines")
    ref, _ = fit_groups(pts.loc[~is_uploaded(pts)], groups[~is_uploaded(pts)], frontier=True)
    assert [(f.group, f.fit.alpha) for f in fits] == [(f.group, f.fit.alpha) for f in ref]
    # the marker legend explains the published sources only ("Your models" has its own entry)
    legend_only = [tr.name for tr in fig.data if tr.x is not None and tr.x[0] is None]
    assert legend_only == [symbol_label(s) for s in ("openclip", "scaling-laws", "openclip-lowacc")]
    assert SOURCE_LABELS[UPLOAD_SOURCE] not in legend_only
    # effective robustness against scale: the same crosses, on top
    er = robustness_vs_scale(pts, analyse_shift(combined, "imagenetv2", n_resamples=100).points)
    er_fig = robustness_scale_figure(er, color_key(er, "data"), colors, "ImageNetV2")
    er_markers = _markers(er_fig)
    assert er_markers[-1].name == YOUR_MODELS and er_markers[-1].marker.symbol == "x"
    assert len(er_markers[-1].x) == 3 and er_markers[-1].marker.color == "#000000"


def test_symbol_legend_uses_the_shared_source_labels() -> None:
    for src in ("openclip", "scaling-laws"):
        assert symbol_label(src) == SOURCE_LABELS[src]
    low = symbol_label("openclip-lowacc").replace("<br>", " ")
    assert low.startswith(SOURCE_LABELS["openclip-lowacc"]) and DIGITIZED_LABEL in low


def test_learning_curve_figure(results: Results) -> None:
    curves = load_learning_curves(model_ids=results.models["model_id"])
    ids = sorted(curves["model_id"].unique())[:3]
    shown = curves[curves["model_id"].isin(ids)]
    names = results.models.set_index("model_id")["display_name"].to_dict()
    fig = learning_curve_figure(shown, names, category_colors(ids))
    assert len(fig.data) == 3 and fig.layout.xaxis.type != "log"
    first = shown[shown["model_id"] == ids[0]]
    np.testing.assert_allclose(fig.data[0].y, 100 * first["imagenet_top1"])
    by_samples = learning_curve_figure(shown, names, category_colors(ids), x="samples_seen")
    assert by_samples.layout.xaxis.type == "log"
    np.testing.assert_allclose(by_samples.data[0].x, first["samples_seen"])
    with pytest.raises(ValueError):
        learning_curve_figure(shown, names, {}, x="steps")


def test_compare_figure(results: Results) -> None:
    table = models_table(results, robustness_by_shift(results, MAIN_SHIFTS, n_resamples=100)[0])
    ids = ["testbed:resnet50", "openclip:ViT-B-16/openai", "openclip-lowacc:rn50-yfcc15m-7m"]
    for metric in ("accuracy", "robustness"):
        frame = compare_long(results, table, ids, metric)  # type: ignore[arg-type]
        fig = compare_figure(frame, metric, "interval")
        assert [t.type for t in fig.data] == ["bar"] * 3 and fig.layout.barmode == "group"
        bar = fig.data[1]
        sub = frame[frame["model_id"] == ids[1]]
        np.testing.assert_allclose(bar.y, sub["value"])
        np.testing.assert_allclose(np.asarray(bar.error_y.array, dtype=float), sub["hi"] - sub["value"])
    assert any(s.y0 == 0 for s in fig.layout.shapes)  # robustness: the baseline at 0
    with pytest.raises(ValueError):
        compare_figure(frame, "speed", "")


def test_style_helpers() -> None:
    vals, labels = log_ticks(3e5, 5e10)
    assert labels == ["1M", "10M", "100M", "1B", "10B"] and vals[0] == 1e6
    vals, labels = log_ticks(1.5e10, 7e12, minor=True)
    assert labels[:3] == ["20B", "50B", "100B"] and labels[-1] == "5T"
    with pytest.raises(ValueError):
        log_ticks(0, 10)
    fixed = {"a": "#000000"}
    c1 = category_colors(["c", "a", "b"], fixed)
    c2 = category_colors(["b", "c", "a"], fixed)
    assert c1 == c2 and c1["a"] == "#000000" and len(set(c1.values())) == 3
    assert group_colors(["DataComp"])["DataComp"] == FAMILY_COLORS["DataComp"]
    for by in ("data", "architecture"):
        assert group_colors(["ViT-B-32", YOUR_MODELS], by)[YOUR_MODELS] == GROUP_COLORS[YOUR_MODELS]


def test_cherti_series_lines_have_labelled_legend_entries(results: Results) -> None:
    """LAION pooled and OpenAI fits: their own colours and legend entries, the fitted law in the hover,
    a line on few scales dashed and labelled."""
    pts, _ = scaling_points(results, "imagenet", "compute")
    groups = color_key(pts, "data")
    fits = [fit_series(pts, "laion-pooled"), fit_series(pts, "openai")]
    fig = scaling_figure(pts, groups, group_colors(sorted(set(groups))), fits, "error", "compute", "ImageNet",
                         extrapolate_to=1e13)
    lines = [t for t in fig.data if t.mode == "lines"]
    pooled = [t for t in lines if t.legendgroup == "series:laion-pooled"]
    openai = [t for t in lines if t.legendgroup == "series:openai"]
    assert [t.showlegend for t in pooled] == [True, False] and pooled[0].name == "fit: LAION pooled"
    assert pooled[0].line.dash == "solid" and pooled[0].line.color == SERIES_COLORS["laion-pooled"]
    assert "E = 5.86·x^-0.111" in pooled[0].hovertemplate and "5 points, 29 models" in pooled[0].hovertemplate
    assert openai[0].name == "fit: OpenAI (3 scales only)" and openai[0].line.dash == "dash"
    assert "E = 23.18·x^-0.164" in openai[0].hovertemplate
    for t, f in ((pooled[0], fits[0]), (openai[0], fits[1])):
        np.testing.assert_allclose(np.asarray(t.y, dtype=float), 100 * f.fit.predict(np.asarray(t.x, dtype=float)))
        assert min(t.x) == pytest.approx(f.x_min) and max(t.x) == pytest.approx(f.x_max)
