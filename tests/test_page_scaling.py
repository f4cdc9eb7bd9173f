"""The Scaling page renders, every control changes what is shown, and the URL restores the view."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.figures.style import GROUP_COLORS, SOURCE_LABELS, YOUR_MODELS
from effrob_core.results import UPLOAD_SOURCE, Results
from effrob_core.scaling_points import scaling_points
from effrob_core.upload import merge_uploads, parse_file
from pages.common import UPLOADS_KEY, UPLOADS_MERGED_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "scaling"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    """The app switched to the Scaling page, optionally opened with a query string."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/scaling.py")
    at.query_params = dict(query or {})
    return at.run()


#: Uploaded results: two models with samples seen, one without.
MINE_CSV = b"""model,imagenet,imagenetv2,imagenet-sketch,imagenet-r,imagenet-a,objectnet,samples_seen
mine-small,0.30,0.25,0.15,0.30,0.05,0.15,1e8
mine-big,0.60,0.52,0.38,0.60,0.20,0.40,10B
mine-unknown-scale,0.50,0.44,0.30,0.50,0.12,0.30,
"""


def set_uploads(at: AppTest, csv: bytes | None) -> None:
    """Put this session's uploads into session state (as the Your results page does), or clear them."""
    mine = [parse_file("mine.csv", csv)] if csv else []
    at.session_state[UPLOADS_KEY] = mine
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads(mine) if mine else None


def values(v: Any) -> list[Any]:
    """A plotly JSON array as a list (plotly writes numeric arrays as base64 typed arrays)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def charts(at: AppTest) -> list[dict[str, Any]]:
    """Every plotly chart's figure, with data arrays decoded to lists."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for spec in specs:
        for t in spec["data"]:
            for k in ("x", "y"):
                if k in t:
                    t[k] = values(t[k])
    return specs


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def legend(spec: dict[str, Any]) -> set[str]:
    return {t.get("name") for t in spec["data"] if t.get("showlegend") and t.get("x", [None])[0] is not None}


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page()


def test_renders(at: AppTest, results: Results) -> None:
    assert not at.exception
    specs = charts(at)
    assert len(specs) == 3  # scaling, effective robustness, learning curves
    assert specs[0]["layout"]["xaxis"]["type"] == "log"
    # every chart carries its expanded template and its legend entries
    assert all(s["layout"]["template"]["layout"]["plot_bgcolor"] == "white" for s in specs)
    assert {"Marker", None} == {t.get("legendgrouptitle", {}).get("text") for t in specs[0]["data"]}
    pts, left = scaling_points(results, "imagenet")
    assert f"{len(pts):,} zero-shot models placed; {left:,} zero-shot model(s)" in captions(at)
    assert "read from a figure (±0.3 pts)" in captions(at)
    assert any("Power-law fits" in h.value for h in at.subheader)
    assert len(at.dataframe) == 2  # fit parameters, ER by scale


def test_each_control_changes_the_view() -> None:
    at = open_page()
    before = charts(at)

    def changed(i: int, path: tuple[str, ...]) -> tuple[Any, Any]:
        nonlocal before
        now = charts(at)
        old, new = before[i], now[i]
        for p in path:
            old, new = old[p], new[p]
        before = now
        assert not at.exception
        return old, new

    at.selectbox(key=f"{PAGE}.eval").set_value("imagenet-r").run()
    old, new = changed(0, ("layout", "yaxis", "title", "text"))
    assert "ImageNet-R" in new and old != new
    at.radio(key=f"{PAGE}.y").set_value("accuracy").run()
    old, new = changed(0, ("layout", "yaxis", "title", "text"))
    assert "accuracy" in new and "error" in old
    at.radio(key=f"{PAGE}.color").set_value("architecture").run()
    assert "ViT-B-32" in legend(charts(at)[0]) and "DataComp" not in legend(charts(at)[0])
    at.radio(key=f"{PAGE}.color").set_value("data").run()
    n_lines = sum(t["mode"] == "lines" for t in charts(at)[0]["data"])
    at.radio(key=f"{PAGE}.series").set_value("all").run()
    assert sum(t["mode"] == "lines" for t in charts(at)[0]["data"]) > n_lines
    at.radio(key=f"{PAGE}.fitto").set_value("all").run()
    table = at.dataframe[0].value
    assert (table["Points"] > table["Scales"]).any()
    at.checkbox(key=f"{PAGE}.einf").check().run()
    assert "E∞" in captions(at) and "E_inf (%)" in at.dataframe[0].value.columns
    at.slider(key=f"{PAGE}.extrap").set_value(13).run()
    xmax = max(max(t["x"]) for t in charts(at)[0]["data"] if t["mode"] == "lines")
    assert xmax == pytest.approx(1e13)
    at.toggle(key=f"{PAGE}.fit").set_value(False).run()
    assert not any(t["mode"] == "lines" for t in charts(at)[0]["data"])
    assert not any("Power-law fits" in h.value for h in at.subheader)
    at.radio(key=f"{PAGE}.x").set_value("compute").run()
    assert "compute" in charts(at)[0]["layout"]["xaxis"]["title"]["text"]
    assert "only the scaling-laws models report compute" in captions(at)
    at.radio(key=f"{PAGE}.x").set_value("samples").run()
    at.button_group(key=f"{PAGE}.sources").set_value(["scaling-laws"]).run()
    assert all(t["marker"]["symbol"] == "circle" for t in charts(at)[0]["data"] if t["mode"] == "markers"
               and t["x"][0] is not None)
    before = charts(at)
    at.selectbox(key=f"{PAGE}.ershift").set_value("imagenet-sketch").run()
    old, new = changed(1, ("layout", "yaxis", "title", "text"))
    assert "ImageNet-Sketch" in new and "ImageNetV2" in old
    at.radio(key=f"{PAGE}.baseline").set_value("timm").run()
    old, new = changed(1, ("data", 0, "y"))
    assert old != new
    at.radio(key=f"{PAGE}.scale").set_value("probit").run()
    old, new = changed(1, ("data", 0, "y"))
    assert old != new
    at.radio(key=f"{PAGE}.cx").set_value("epoch").run()
    old, new = changed(2, ("layout", "xaxis", "title", "text"))
    assert new.startswith("Epoch") and old == "Samples seen"
    n_curves = len(charts(at)[2]["data"])
    ids = at.multiselect(key=f"{PAGE}.curves").value
    at.multiselect(key=f"{PAGE}.curves").set_value(ids[:1]).run()
    assert len(charts(at)[2]["data"]) == 1 < n_curves
    assert at.query_params["curves"] == ids[0] and at.query_params["cx"] == "epoch"


def test_query_string_restores_the_view() -> None:
    at = open_page({"eval": "objectnet", "y": "accuracy", "color": "architecture", "ershift": "average",
                    "extrap": "12", "fit": "1", "sources": "scaling-laws,openclip"})
    assert not at.exception and not at.warning
    assert at.selectbox(key=f"{PAGE}.eval").value == "objectnet"
    assert at.radio(key=f"{PAGE}.y").value == "accuracy"
    assert at.slider(key=f"{PAGE}.extrap").value == 12
    specs = charts(at)
    assert "ObjectNet zero-shot top-1 accuracy" in specs[0]["layout"]["yaxis"]["title"]["text"]
    assert "Average of 5 shifts" in specs[1]["layout"]["yaxis"]["title"]["text"]
    assert not any(t["marker"]["symbol"] == "diamond" for t in specs[0]["data"] if t["mode"] == "markers"
                   and t["x"][0] is not None)
    assert at.query_params["eval"] == "objectnet" and at.query_params["extrap"] == "12"


def test_uploaded_models_are_placed_but_never_fit() -> None:
    at = open_page()
    set_uploads(at, MINE_CSV)  # uploaded after the page was first seen: the new source is shown at once
    at.run()
    assert not at.exception and not at.error
    pills = at.button_group(key=f"{PAGE}.sources")
    assert UPLOAD_SOURCE in pills.value and SOURCE_LABELS[UPLOAD_SOURCE] in pills.options
    assert dict(at.query_params) == {}  # shown by default, so the link stays short
    scaling, robustness = charts(at)[:2]
    for spec in (scaling, robustness):
        mine = [t for t in spec["data"] if t.get("legendgroup") == YOUR_MODELS]
        assert [t["mode"] for t in mine] == ["markers"]  # points, no fit line
        assert mine[0]["name"] == YOUR_MODELS and mine[0]["marker"]["symbol"] == "x"
        assert mine[0]["marker"]["color"] == GROUP_COLORS[YOUR_MODELS]
        assert sorted(mine[0]["x"]) == [1e8, 1e10]
    assert YOUR_MODELS in legend(scaling)
    text = captions(at)
    assert "Your models (uploaded, black ×): 2 placed, never used in the fits; 1 left out" in text
    assert "Your models (uploaded, black ×): 2 placed; 1 left out" in text
    assert YOUR_MODELS not in set(at.dataframe[0].value["Group"])  # the fit table
    # clearing the uploads (on another page) while they are shown leaves a valid control
    set_uploads(at, None)
    at.run()
    assert not at.exception and not at.warning
    pills = at.button_group(key=f"{PAGE}.sources")
    assert pills.value == ["openclip", "scaling-laws", "openclip-lowacc"] and dict(at.query_params) == {}
    assert SOURCE_LABELS[UPLOAD_SOURCE] not in pills.options and "Your models" not in captions(at)


def test_bad_query_string_falls_back_with_a_warning() -> None:
    # "upload" is a source only while this session has uploaded models
    at = open_page({"eval": "imagenet-c", "extrap": "99", "sources": "upload", "bogus": "1"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "eval" in text and "extrap" in text and "sources" in text and "bogus" in text
    assert at.selectbox(key=f"{PAGE}.eval").value == "imagenet"
    assert at.slider(key=f"{PAGE}.extrap").value == 11
    assert at.button_group(key=f"{PAGE}.sources").value == ["openclip", "scaling-laws", "openclip-lowacc"]
    assert len(charts(at)) == 3


def _fit_lines(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The solid-or-dashed (fitted) part of each fit line, by trace name."""
    return {t["name"]: t for t in spec["data"] if t["mode"] == "lines" and t["line"]["dash"] != "dot"}


def test_cherti_series_reproduce_the_published_fits() -> None:
    """On compute, LAION pooled and OpenAI are Cherti et al.'s E = 5.86 C^-0.111 and 23.18 C^-0.164: in the
    table always, on the chart by default for LAION pooled (5 bins), on request for OpenAI (3 scales)."""
    at = open_page({"x": "compute"})
    assert not at.exception and not at.warning
    assert at.button_group(key=f"{PAGE}.fits").value == ["laion-pooled", "openai", "groups"]
    table = at.dataframe[0].value.set_index("Group")
    assert table.loc["LAION pooled", "Fit"] == "E = 5.86·x^-0.111" and table.loc["LAION pooled", "Points"] == 5
    assert table.loc["LAION pooled", "Models"] == 29 and table.loc["LAION pooled", "Drawn"] == "yes"
    assert table.loc["OpenAI", "Fit"] == "E = 23.18·x^-0.164"
    assert table.loc["OpenAI", "Drawn"] == "no (3 scales, fewer than 4; shown on request)"
    lines = _fit_lines(charts(at)[0])
    assert "fit: LAION pooled" in lines and not any("OpenAI" in n for n in lines)
    scales = {f"fit: {g}": n for g, n in table["Scales"].items()}
    scales.update({f"fit: {g} ({n} scales only)": n for g, n in table["Scales"].items()})  # series' legend names
    assert all(scales[n] >= 4 for n in lines)  # fits on few scales: not drawn
    assert "fit(s) on fewer than 4 distinct scales are not drawn" in captions(at)

    at.toggle(key=f"{PAGE}.fewscales").set_value(True).run()
    lines = _fit_lines(charts(at)[0])
    assert lines["fit: OpenAI (3 scales only)"]["line"]["dash"] == "dash"
    assert lines["fit: LAION pooled"]["line"]["dash"] == "solid"
    assert all((t["line"]["dash"] == "dash") == (scales[n] < 4) for n, t in lines.items())
    assert len(lines) == len(table)  # every fit drawn
    assert "Dashed: fit on fewer than 4 distinct scales" in captions(at)
    assert at.dataframe[0].value.set_index("Group").loc["OpenAI", "Drawn"].startswith("yes, dashed")
    assert at.query_params["fewscales"] == "1"

    at.button_group(key=f"{PAGE}.fits").set_value(["openai"]).run()
    lines = _fit_lines(charts(at)[0])
    assert list(lines) == ["fit: OpenAI (3 scales only)"]
    assert at.dataframe[0].value["Group"].tolist() == ["OpenAI"]
    assert at.radio(key=f"{PAGE}.fitto").disabled and at.radio(key=f"{PAGE}.series").disabled
    assert at.query_params["fits"] == "openai"


def test_series_from_the_url_and_reasons_for_no_fit() -> None:
    at = open_page({"fits": "laion-pooled,openai", "x": "samples", "eval": "imagenetv2"})
    assert not at.exception and not at.warning
    assert at.button_group(key=f"{PAGE}.fits").value == ["laion-pooled", "openai"]
    table = at.dataframe[0].value.set_index("Group")
    assert list(table.index) == ["LAION pooled"] and table.loc["LAION pooled", "Fit"] == "E = 5.08·x^-0.119"
    assert table.loc["LAION pooled", "Scales"] == 3 and not _fit_lines(charts(at)[0])
    assert "OpenAI\\:⁠ 1 distinct scale\\(s\\) among 3 model\\(s\\)" in captions(at)  # escaped Markdown
    at = open_page({"fits": "laion-pooled,nonsense"})
    assert at.warning and "fits" in at.warning[0].value
    assert at.button_group(key=f"{PAGE}.fits").value == ["laion-pooled", "openai", "groups"]


def test_several_sets_on_one_chart_from_the_link() -> None:
    """The seed's docs/scaling.png: ImageNet and ImageNetV2 against samples seen, accuracy on y."""
    import json

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.switch_page("pages/scaling.py")
    for k, v in {"y": "accuracy", "sources": "openclip-lowacc", "fit": "0", "sets": "imagenet,imagenetv2"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not at.error
    def values(v: Any) -> list[float]:
        if isinstance(v, dict):  # plotly's binary encoding of numeric arrays
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
        return list(v)

    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    spec = next(s for s in specs if {t.get("name") for t in s["data"]} == {"ImageNet", "ImageNetV2"})
    lines = {t["name"]: t for t in spec["data"]}
    assert values(lines["ImageNet"]["y"])[-1] == pytest.approx(32.7)
    assert values(lines["ImageNetV2"]["y"])[-1] == pytest.approx(27.9)
    x = values(lines["ImageNet"]["x"])
    assert x == sorted(x) and x[0] == pytest.approx(5e5) and len(x) == 5
    assert spec["layout"]["yaxis"]["title"]["text"] == "Zero-shot top-1 accuracy (%)"
