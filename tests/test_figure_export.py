"""Paper-ready export: the paper style on any figure, image config, and the data CSV with provenance."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from plotly.utils import PlotlyJSONEncoder

from effrob_core import __version__
from effrob_core.figures.export import data_csv, data_commit, image_config, paper_style, provenance, vector_traces
from effrob_core.figures.scatter import robustness_scatter
from effrob_core.results import Results
from effrob_core.robustness import analyse_shift


def test_paper_style_on_the_scatter(results: Results) -> None:
    a = analyse_shift(results, "imagenetv2", n_resamples=20)
    groups = sorted(set(a.points["group"]))
    fig = paper_style(robustness_scatter(a, groups, sorted(set(a.points["source"]))), "ImageNetV2 <b>x</b>")
    assert fig.layout.plot_bgcolor == "#FFFFFF" and fig.layout.font.size == 16
    assert fig.layout.title.text == "ImageNetV2 &lt;b&gt;x&lt;/b&gt;"  # user text is escaped
    band = [t for t in fig.data if t.meta == "band"]
    assert band and all(t.showlegend is False for t in band)
    pts = [t for t in fig.data if t.meta == "points"]
    assert all(t.marker.opacity == 1.0 and t.marker.line.width == 0.7 for t in pts)
    assert paper_style(robustness_scatter(a, groups, ["testbed"])).layout.title.text is None


def test_vector_traces_redraw_the_webgl_traces_as_svg(results: Results) -> None:
    """Every Scattergl becomes a Scatter with the same points, markers, errors, hover and selection, in
    order; the layout and the other traces are unchanged, and the figure given is not modified."""
    a = analyse_shift(results, "imagenetv2", n_resamples=20)
    ids = a.points["model_id"].iloc[:3].tolist()
    fig = robustness_scatter(a, sorted(set(a.points["group"])), sorted(set(a.points["source"])), "ViT",
                             error_bars=True, selected_ids=ids, mark_members=True)
    assert sum(t.type == "scattergl" for t in fig.data) >= 5
    vec = vector_traces(fig)
    assert [t.type for t in vec.data] == ["scatter"] * len(fig.data)
    assert vec.layout == fig.layout and any(t.type == "scattergl" for t in fig.data)  # the original is kept
    for before, after in zip(fig.data, vec.data, strict=True):  # the same attributes and values
        want, got = before.to_plotly_json(), after.to_plotly_json()
        assert want.pop("type") in ("scatter", "scattergl") and got.pop("type") == "scatter"
        assert json.dumps(got, cls=PlotlyJSONEncoder, sort_keys=True) == json.dumps(want, cls=PlotlyJSONEncoder,
                                                                                     sort_keys=True)
    selected = [t.ids[i] for t in vec.data if t.selectedpoints for i in t.selectedpoints]
    assert sorted(selected) == sorted(ids)


def test_image_config() -> None:
    assert image_config("svg", "f")["toImageButtonOptions"] == {"format": "svg", "filename": "f", "scale": 1}
    assert image_config("png", "f")["toImageButtonOptions"]["scale"] == 3
    with pytest.raises(ValueError, match="unknown image format 'jpg'"):
        image_config("jpg", "f")


def test_data_csv_round_trips_with_fits_and_provenance(results: Results) -> None:
    table = pd.DataFrame({"model": ["=cmd|' /C calc'!A0", "ok"], "x": [0.5, 0.6]})
    about = provenance("http://h/effective_robustness?shift=imagenetv2", results.fingerprint())
    text = data_csv(table, {"baseline": {"slope": 1.23456789, "n": 85}, "zero-shot": None}, about)
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert f"# effrob version: {__version__}" in head and "# fit baseline: slope=1.23457, n=85" in head
    assert "# fit zero-shot: none" in head and any(line.startswith("# data commit: ") for line in head)
    assert "# view: http://h/effective_robustness?shift=imagenetv2" in head
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert back["model"].tolist() == ["'=cmd|' /C calc'!A0", "ok"] and back["x"].tolist() == [0.5, 0.6]
    commit = data_commit()
    assert len(commit) == 40 or commit.startswith("unknown")
