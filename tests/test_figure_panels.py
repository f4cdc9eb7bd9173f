"""Small multiples: one figure, one panel per shift, groups and colours shared, lines per panel."""

from __future__ import annotations

import numpy as np
import pytest

from effrob_core.figures.panels import shift_panels
from effrob_core.figures.style import GROUP_COLORS
from effrob_core.results import Results
from effrob_core.robustness import analyse_shift

SHIFTS = ("imagenetv2", "imagenet-r", "imagenet-sketch", "objectnet")


@pytest.fixture(scope="module")
def analyses(results: Results):
    return [analyse_shift(results, s, n_resamples=50) for s in SHIFTS]


def test_one_panel_per_shift_with_shared_x_and_one_legend_entry_per_group(results: Results, analyses) -> None:
    groups, sources = sorted(set(results.models["group"])), sorted(set(results.models["source"]))
    fig = shift_panels(analyses, groups, sources, columns=2)
    assert [a.text.split(" (slope")[0] for a in fig.layout.annotations] == ["ImageNetV2", "ImageNet-R",
                                                                             "ImageNet-Sketch", "ObjectNet"]
    baselines = [t for t in fig.data if t.meta == "baseline"]
    assert len(baselines) == len(SHIFTS) and len({t.xaxis for t in baselines}) == len(SHIFTS)
    assert f"slope {analyses[1].fit.pieces[0].fit.slope:.2f}, n={analyses[1].fit.n}" in fig.layout.annotations[1].text
    shown_names = [t.name for t in fig.data if t.showlegend]
    assert len(shown_names) == len(set(shown_names))  # every group and line once in the legend
    for t in fig.data:
        if t.meta == "points":
            assert t.marker.color == GROUP_COLORS.get(t.name, t.marker.color)  # the same colour in every panel
    assert fig.layout.xaxis.range == fig.layout.xaxis4.range  # one shared x (full ImageNet)
    axes = [fig.layout[f"xaxis{i if i > 1 else ''}"] for i in range(1, len(SHIFTS) + 1)]
    anchors = {a.matches for a in axes if a.matches}
    assert len(anchors) == 1 and sum(a.matches is None for a in axes) == 1  # all zoom together


def test_bad_panel_inputs(results: Results, analyses) -> None:
    with pytest.raises(ValueError, match="at least one shift"):
        shift_panels([], [], [])
    probit = analyse_shift(results, "imagenetv2", transform="probit", n_resamples=10)
    with pytest.raises(ValueError, match="mix axis scalings"):
        shift_panels([analyses[0], probit], ["Standard training"], ["testbed"])


def test_scaling_sets_figure(results: Results) -> None:
    from effrob_core.figures.scaling_sets import SET_STYLES, scaling_sets_figure
    from effrob_core.scaling_points import scaling_points

    by_set = {s: scaling_points(results, s, "samples")[0] for s in ("imagenet", "imagenetv2", "average")}
    fig = scaling_sets_figure(by_set, "error")
    assert [t.name for t in fig.data if t.showlegend] == ["ImageNet", "ImageNetV2", "Average of 5 main shifts"]
    for t in fig.data:  # one colour per set in every family
        color = SET_STYLES[list(by_set).index(t.meta)][0]
        assert t.line.color == color and list(t.x) == sorted(t.x)
    assert fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="at least one"):
        scaling_sets_figure({})


def test_imagenet_a_panel_draws_both_pieces_and_the_split(results: Results) -> None:
    a = analyse_shift(results, "imagenet-a", n_resamples=20)
    groups, sources = sorted(set(results.models["group"])), sorted(set(results.models["source"]))
    fig = shift_panels([a], groups, sources)
    assert len([t for t in fig.data if t.meta == "baseline"]) == 2
    assert "slopes 0.95 / 5.40, n=33+51" in fig.layout.annotations[0].text
    assert [s.x0 for s in fig.layout.shapes] == [pytest.approx(np.log(0.7613 / 0.2387), abs=1e-4)]
