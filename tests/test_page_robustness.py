"""The "Effective robustness" page, run headless through the app's navigation (Streamlit AppTest)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.checkpoints import checkpoint_of
from effrob_core.figures.scatter import highlight_mask
from effrob_core.results import Results
from effrob_core.robustness import analyse_shift

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "robustness"


def _key(name: str) -> str:
    return f"{PAGE}.{name}"


def _run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _spec(at: AppTest) -> dict[str, Any]:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _traces(spec: dict[str, Any], meta: str) -> list[dict[str, Any]]:
    return [t for t in spec["data"] if t.get("meta") == meta]


def _markdown_tables(at: AppTest) -> list[pd.DataFrame]:
    """The page's Markdown tables (``pages.common.markdown_table``) as read back from their text: escapes
    removed, "–" as missing, numeric columns as numbers."""
    out = []
    for e in at.markdown:
        lines = [ln for ln in str(e.value).splitlines() if ln.startswith("|")]
        if len(lines) < 3 or not set(lines[1]) <= set("|:-"):
            continue
        rows = [[re.sub(r"\\(.)", r"\1", c.strip()).replace("\u2060", "") for c in ln.strip("|").split(" | ")]
                for ln in lines]
        table = pd.DataFrame(rows[2:], columns=rows[0]).replace("–", np.nan)
        for c in table.columns:
            numbers = pd.to_numeric(table[c], errors="coerce")
            if numbers.notna().sum() == table[c].notna().sum():
                table[c] = numbers
        out.append(table)
    return out


def _fits(at: AppTest) -> dict[str, dict[str, str]]:
    """The baseline table (as text, one column per piece) by field."""
    table = next(t for t in _markdown_tables(at) if "fit" in t.columns).set_index("fit")
    return {col: table[col].astype(str).to_dict() for col in table.columns}


def _lines(at: AppTest) -> dict[str, dict[str, Any]]:
    """The zero-shot lines table (with the baseline's row) by line label."""
    tables = [t for t in _markdown_tables(at) if "Line" in t.columns]
    return {} if not tables else tables[0].set_index("Line").to_dict("index")


def _model_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if "Model" in d.value.columns]


def _text(at: AppTest) -> str:
    parts = [e.value for kind in ("caption", "markdown", "subheader", "info", "error", "warning")
             for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def default_app() -> AppTest:
    return _run()


def test_default_is_the_seed_imagenetv2_figure(default_app: AppTest, results: Results) -> None:
    """The landing view is the seed's figure (open_clip docs/effective_robustness.png): ImageNetV2 on y."""
    at = default_app
    assert not at.error and not at.warning
    assert at.selectbox(key=_key("shift")).value == "imagenetv2"
    fits = _fits(at)
    expected = analyse_shift(results, "imagenetv2", n_resamples=1).fit.pieces[0].fit
    assert (fits["Baseline"]["slope"], fits["Baseline"]["intercept"], fits["Baseline"]["n"]) == (
        f"{expected.slope:.4f}", f"{expected.intercept:.4f}", str(expected.n))
    spec = _spec(at)
    assert spec["layout"]["yaxis"]["title"]["text"] == "ImageNetV2 top-1 (%)"
    assert _traces(spec, "baseline") and _traces(spec, "band") and _traces(spec, "diagonal")
    lines = _lines(at)
    assert set(lines) == {"Baseline", "OpenAI CLIP"} and _traces(spec, "zero-shot-fit")
    assert lines["Baseline"]["n"] == 85 and lines["OpenAI CLIP"]["n"] == 9  # the nine OpenAI checkpoints
    assert "Select points with the box or lasso tool" in _text(at)
    assert dict(at.query_params) == {}


def test_chart_spec_is_compact(default_app: AppTest) -> None:
    """Per-point hover numbers travel as one binary float array per trace, names and ids once each,
    and nothing is sent for the hidden error bars: the default view stays near half a megabyte."""
    spec_text = default_app.get("plotly_chart")[0].proto.spec
    points = _traces(json.loads(spec_text), "points")
    assert sum(len(t["ids"]) for t in points) > 1000
    for t in points:
        assert t["customdata"]["dtype"] == "f8" and set(t["customdata"]) == {"dtype", "bdata", "shape"}
        assert len(t["ids"]) == len(t["text"]) == len(t["hovertext"])
        assert t["error_x"] == {"visible": False} and t["error_y"] == {"visible": False}
    assert len(spec_text) < 550_000  # 716 KB when every point carried a row of strings


def test_choosing_imagenet_sketch_shows_the_reference_line() -> None:
    at = _run({"shift": "imagenet-r"})
    assert _fits(at)["Baseline"]["slope"] != "1.0709"
    at.selectbox(key=_key("shift")).set_value("imagenet-sketch").run()
    assert not at.exception
    b = _fits(at)["Baseline"]
    assert (b["slope"], b["intercept"], b["r"], b["n"]) == ("1.0709", "-2.3701", "0.9322", "85")
    assert at.query_params["shift"] == "imagenet-sketch"


CONTROLS = [
    # (widget kind, param, new value, expected URL value)
    ("selectbox", "shift", "objectnet", "objectnet"),
    ("radio", "scale", "probit", "probit"),
    ("radio", "baseline", "timm", "timm"),
    ("slider", "fit", (70.0, 100.0), "70,100"),
    ("pills", "groups", ["Standard training", "Trained with more data"], "Standard training,Trained with more data"),
    ("pills", "sources", ["testbed", "openclip"], "testbed,openclip"),
    ("toggle", "errors", True, "1"),
    ("text_input", "search", "clip_zeroshot", "clip_zeroshot"),
]


@pytest.mark.parametrize(("widget", "param", "value", "encoded"), CONTROLS, ids=[c[1] for c in CONTROLS])
def test_each_control_changes_the_view_and_the_url(default_app: AppTest, widget: str, param: str, value: Any,
                                                   encoded: str) -> None:
    before_spec, before_fits = _spec(default_app), _fits(default_app)
    at = _run()
    getattr(at, widget)(key=_key(param)).set_value(value).run()
    assert not at.exception and not at.error
    assert at.query_params[param] == encoded
    spec, fits = _spec(at), _fits(at)
    assert spec != before_spec
    if param == "shift":
        assert spec["layout"]["yaxis"]["title"]["text"] == "ObjectNet top-1 (%)"
        assert fits["Baseline"] != before_fits["Baseline"]
    elif param == "scale":
        assert spec["layout"]["xaxis"]["tickvals"] != before_spec["layout"]["xaxis"]["tickvals"]
        assert fits["Baseline"]["slope"] != before_fits["Baseline"]["slope"]
        assert "OLS in probit space" in _text(at)
    elif param in ("baseline", "fit"):
        assert fits["Baseline"]["n"] != before_fits["Baseline"]["n"]
        assert _lines(at)["OpenAI CLIP"]["slope"] == _lines(default_app)["OpenAI CLIP"]["slope"]
    elif param == "groups":
        names = {t["name"] for t in _traces(spec, "points")}
        assert names == {"Standard training", "Trained with more data"}
        assert "OpenAI CLIP" not in _lines(at) and not _traces(spec, "zero-shot-fit")
        assert "No line for: OpenAI CLIP (0 model(s), a line needs 3)" in _text(at)
    elif param == "sources":
        n = sum(len(t["ids"]) for t in _traces(spec, "points"))
        assert n < sum(len(t["ids"]) for t in _traces(before_spec, "points"))
        assert f"{n:,} of " in _text(at)
    elif param == "errors":
        assert all(t["error_x"]["visible"] and t["error_x"]["array"] for t in _traces(spec, "points"))
        # hidden error bars are not sent
        assert not any(t["error_x"]["visible"] or "array" in t["error_x"] for t in _traces(before_spec, "points"))
    elif param == "search":
        ring = _traces(spec, "highlight")
        assert len(ring) == 1 and len(ring[0]["ids"]) >= 2
        assert "Search matches" in _text(at) and len(_model_tables(at)) == 1


def test_class_matched_x_axis(results: Results) -> None:
    at = _run({"shift": "imagenet-r"})
    radio = at.radio(key=_key("x"))
    assert not radio.disabled and radio.value == "full"
    full_spec = _spec(at)
    radio.set_value("matched").run()
    assert not at.exception and at.query_params["x"] == "matched"
    spec = _spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "ImageNet top-1, ImageNet-R classes (%)"
    left_out = analyse_shift(results, "imagenet-r", x_axis="matched", n_resamples=1).left_out
    assert left_out > 0 and f"class-matched {left_out:,}" in _text(at)
    assert sum(len(t["ids"]) for t in _traces(spec, "points")) < sum(
        len(t["ids"]) for t in _traces(full_spec, "points"))
    # a shift without a class-matched subset disables the choice and explains why
    at.selectbox(key=_key("shift")).set_value("imagenetv2").run()
    assert not at.exception and at.radio(key=_key("x")).disabled
    assert "No class-matched subset" in _text(at)
    assert _spec(at)["layout"]["xaxis"]["title"]["text"] == "ImageNet top-1 (%)"


def test_query_string_restores_the_view(results: Results) -> None:
    query = {"shift": "objectnet", "x": "matched", "scale": "probit", "baseline": "all-standard",
             "fit": "60,90", "groups": "Standard training,Zero-shot image-text", "sources": "testbed,timm",
             "errors": "1", "search": "resnet50"}
    at = _run(query)
    assert not at.warning and not at.error
    assert at.selectbox(key=_key("shift")).value == "objectnet"
    assert at.radio(key=_key("x")).value == "matched"
    assert at.radio(key=_key("scale")).value == "probit"
    assert at.radio(key=_key("baseline")).value == "all-standard"
    assert tuple(at.slider(key=_key("fit")).value) == (60.0, 90.0)
    assert at.pills(key=_key("groups")).value == ["Standard training", "Zero-shot image-text"]
    assert at.pills(key=_key("sources")).value == ["testbed", "timm"]
    assert at.toggle(key=_key("errors")).value is True
    assert at.text_input(key=_key("search")).value == "resnet50"
    assert dict(at.query_params) == query
    expected = analyse_shift(results, "objectnet", "all-standard", "probit", "matched", (0.6, 0.9), n_resamples=1)
    assert _fits(at)["Baseline"]["slope"] == f"{expected.fit.pieces[0].fit.slope:.4f}"
    assert _fits(at)["Baseline"]["n"] == str(expected.fit.n)
    spec = _spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "ImageNet top-1, ObjectNet classes (%)"
    assert {t["name"] for t in _traces(spec, "points")} <= {"Standard training", "Zero-shot image-text"}
    assert all(t["error_x"]["visible"] for t in _traces(spec, "points"))
    canonical = results.models[checkpoint_of(results.models) == results.models["model_id"]]
    n_hits = int(highlight_mask(canonical, "resnet50").sum())  # counted once per checkpoint
    assert f"matches {n_hits:,} model(s)" in _text(at)


@pytest.mark.parametrize("query", [
    {"shift": "imagenet-z"},
    {"fit": "10"},
    {"fit": "90,10"},
    {"scale": "log", "groups": "Nope"},
    {"colour": "red"},
], ids=["unknown-shift", "range-one-number", "range-reversed", "bad-choice-and-group", "unknown-param"])
def test_bad_query_falls_back_to_defaults_with_a_warning(default_app: AppTest, query: dict[str, str]) -> None:
    at = _run(query)
    assert len(at.warning) >= 1
    assert at.selectbox(key=_key("shift")).value == "imagenetv2"
    assert at.radio(key=_key("scale")).value == "logit"
    assert tuple(at.slider(key=_key("fit")).value) == (0.0, 100.0)
    assert _fits(at) == _fits(default_app)
    assert dict(at.query_params) == {}  # the link now describes what is shown


def test_core_errors_are_shown_and_the_page_keeps_working() -> None:
    at = _run({"fit": "99,100"})
    assert len(at.error) == 1 and "at least 3" in at.error[0].value
    assert not at.get("plotly_chart")
    at.selectbox(key=_key("shift")).set_value("imagenet-sketch").run()  # other controls still work
    assert not at.exception and len(at.error) == 1
    at.slider(key=_key("fit")).set_value((0.0, 100.0)).run()
    assert not at.exception and not at.error and _spec(at)
    assert "fit" not in at.query_params and at.query_params["shift"] == "imagenet-sketch"


def test_uploaded_models_are_drawn_and_change_the_cached_view() -> None:
    from effrob_core.upload import merge_uploads, parse_file
    from pages.common import UPLOADS_KEY, UPLOADS_MERGED_KEY

    mine = parse_file("my_models.csv", (Path(__file__).parent / "data" / "my_models.csv").read_bytes())
    at = _run()
    before = {t["name"]: len(t["ids"]) for t in _traces(_spec(at), "points")}
    at.session_state[UPLOADS_KEY] = [mine]
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.run()
    assert not at.exception and not at.error
    # the new group and source are shown without touching the controls, and the link stays short
    assert "Your models" in at.pills(key=_key("groups")).value
    assert "upload" in at.pills(key=_key("sources")).value
    after = {t["name"]: len(t["ids"]) for t in _traces(_spec(at), "points")}
    assert after.pop("Your models") >= 1 and after == before
    assert dict(at.query_params) == {}
    # clearing the uploads removes them again, without an invalid control value
    at.session_state[UPLOADS_KEY] = []
    at.session_state[UPLOADS_MERGED_KEY] = None
    at.run()
    assert not at.exception and "Your models" not in at.pills(key=_key("groups")).value
    assert {t["name"]: len(t["ids"]) for t in _traces(_spec(at), "points")} == before


def test_any_set_on_either_axis_from_the_controls_and_the_link(results: Results) -> None:
    at = _run()
    at.selectbox(key=_key("xset")).set_value("imagenetv2").run()
    at.selectbox(key=_key("shift")).set_value("imagenet-r").run()
    assert not at.exception and not at.error
    assert at.query_params["xset"] == "imagenetv2" and at.query_params["shift"] == "imagenet-r"
    spec = _spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "ImageNetV2 top-1 (%)"
    expected = analyse_shift(results, "imagenet-r", x_set="imagenetv2", n_resamples=1).fit.pieces[0].fit
    assert _fits(at)["Baseline"]["slope"] == f"{expected.slope:.4f}"
    assert at.radio(key=_key("x")).disabled
    # Vid-Robust pm-0 against pm-10, and a per-severity ImageNet-C setting, straight from a link
    at = _run({"xset": "imagenet-vid-robust", "shift": "imagenet-vid-robust-pm10"})
    assert not at.error and _spec(at)["layout"]["yaxis"]["title"]["text"] == "ImageNet-Vid-Robust (pm-10) top-1 (%)"
    at = _run({"shift": "imagenet-c.fog.3"})
    assert not at.error and "ImageNet-C: Fog, severity 3" in _spec(at)["layout"]["yaxis"]["title"]["text"]
    assert _fits(at)["Baseline"]["n"] == str(analyse_shift(results, "imagenet-c.fog.3", n_resamples=1).fit.n)
    at = _run({"shift": "imagenetv2", "xset": "imagenetv2"})  # the same set on both axes: a clear message
    assert len(at.error) == 1 and "both imagenetv2" in at.error[0].value


def test_axis_ranges_selection_and_paper_style_live_in_the_link(results: Results) -> None:
    from effrob_core.figures.scatter import axis_limits
    ids = analyse_shift(results, "imagenetv2", n_resamples=1).points["model_id"].iloc[:2].tolist()
    query = {"xr": "5,87", "yr": "5,87", "sel": ",".join(ids), "paper": "1", "title": "Seed figure", "fmt": "svg"}
    at = _run(query)
    assert not at.warning and not at.error
    spec = _spec(at)
    assert spec["layout"]["xaxis"]["range"] == pytest.approx(list(axis_limits((0.05, 0.87), "logit")))
    assert spec["layout"]["yaxis"]["range"] == pytest.approx(list(axis_limits((0.05, 0.87), "logit")))
    assert spec["layout"]["title"]["text"] == "Seed figure" and spec["layout"]["plot_bgcolor"] == "#FFFFFF"
    assert not any(t.get("showlegend", True) for t in _traces(spec, "band"))
    selected = [t["ids"][i] for t in _traces(spec, "points") for i in t.get("selectedpoints", [])]
    assert sorted(selected) == sorted(ids)
    assert "2 model(s) selected" in _text(at) and "The selection is in the link." in _text(at)
    assert at.toggle(key=f"{PAGE}.xr.fixed").value is True
    assert tuple(at.slider(key=f"{PAGE}.xr.slider").value) == (5.0, 87.0)
    assert json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]["format"] == "svg"
    assert {t["type"] for t in spec["data"]} == {"scatter"}  # SVG chosen: points drawn as SVG, vector in the file
    assert dict(at.query_params) == query
    at.slider(key=f"{PAGE}.yr.slider").set_value((10.0, 80.0)).run()  # a new zoom goes into the link
    assert at.query_params["yr"] == "10,80"
    at.toggle(key=f"{PAGE}.xr.fixed").set_value(False).run()
    assert "xr" not in at.query_params



@pytest.mark.parametrize(("widget", "param", "value"), [
    ("radio", "units", "axis"), ("radio", "interval", "band"), ("selectbox", "zsline", "data"),
    ("toggle", "members", True)])
def test_uncertainty_controls_change_the_view_and_the_url(default_app: AppTest, widget: str, param: str,
                                                          value: Any) -> None:
    before = _spec(default_app)
    at = _run()
    getattr(at, widget)(key=_key(param)).set_value(value).run()
    assert not at.exception and not at.error
    assert at.query_params[param] == ("1" if value is True else value)
    spec = _spec(at)
    assert spec != before
    if param == "units":
        assert "logit [" in _traces(spec, "points")[0]["hovertemplate"]
    elif param == "interval":
        assert "bootstrap band only" in _traces(spec, "points")[0]["hovertemplate"]
        assert "model's ImageNet accuracy alone" in _text(at)
    elif param == "zsline":
        lines = _lines(at)
        assert len(lines) > 5 and "OpenAI WIT" in lines and "LAION-2B" in lines
        assert len(_traces(spec, "zero-shot-fit")) == len(lines) - 1
    else:
        assert len(_traces(spec, "members")) == 1 and not _traces(before, "members")


def test_seed_view_from_a_link(results: Results) -> None:
    """ImageNetV2 on logit axes in logit units: the 1M-image RN50 point is flagged extrapolated, its ER
    in the selection-free search table is +0.158 logit, and the OpenAI line carries its slope test."""
    at = _run({"shift": "imagenetv2", "units": "axis", "search": "rn50-yfcc15m-1m", "zsline": "openai"})
    assert not at.warning and not at.error
    table = _model_tables(at)[0].set_index("model_id")
    row = table.loc["openclip-lowacc:rn50-yfcc15m-1m"]
    assert row["Eff. robustness (logit)"] == pytest.approx(0.158, abs=0.0015) and bool(row["Extrapolated"])
    lines = _lines(at)
    a = analyse_shift(results, "imagenetv2", n_resamples=1)
    assert lines["Baseline"]["slope"] == round(a.fit.pieces[0].fit.slope, 4)  # shown with four decimals
    openai = lines["OpenAI CLIP"]
    assert openai["p"] < 0.05 and openai["slope − baseline"] > 0 and openai["df"] == openai["n"] + a.fit.n - 4
    assert "Paternoster" in _text(at)


def test_search_line_and_unknown_line_choice() -> None:
    at = _run({"zsline": "search", "search": "laion2b"})
    lines = _lines(at)
    assert "Search matches" in lines and lines["Search matches"]["n"] >= 10
    at = _run({"zsline": "purple"})
    assert len(at.warning) == 1 and at.selectbox(key=_key("zsline")).value == "openai"


def test_imagenet_a_two_piece_baseline_and_the_single_line_control(results: Results) -> None:
    at = _run({"shift": "imagenet-a", "x": "matched"})
    fits = _fits(at)
    expected = analyse_shift(results, "imagenet-a", x_axis="matched", n_resamples=1)
    low, high = expected.fit.pieces
    assert list(fits) == ["Baseline ≤ 91.86%", "Baseline > 91.86%"]
    assert fits["Baseline ≤ 91.86%"]["slope"] == f"{low.fit.slope:.4f}" and fits["Baseline > 91.86%"]["n"] == "51"
    spec = _spec(at)
    assert len(_traces(spec, "baseline")) == 2 and len(_traces(spec, "band")) == 2
    (split,) = _traces(spec, "split")
    assert "resnet50" in split["name"] and "91.86%" in split["name"]
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [pytest.approx(np.log(0.9186 / 0.0814), abs=1e-6)]
    text = _text(at)
    assert "format_eff_robust" in text and "two-piece line" in text
    assert "Left out of every fit (1): resnet50 (ImageNet-A was built from the images" in text
    assert "Not drawn (1): resnet50" in text  # 0% has no place on a logit axis
    assert "The range applies to the class-matched x-axis (ImageNet on ImageNet-A classes)." in text
    # the control, and its URL parameter
    radio = at.radio(key=_key("pieces"))
    assert radio.value == "piecewise"
    radio.set_value("single-line").run()
    assert not at.exception and at.query_params["pieces"] == "single-line"
    single = analyse_shift(results, "imagenet-a", x_axis="matched", n_resamples=1, piecewise=False).fit.pieces[0]
    assert list(_fits(at)) == ["Baseline"]
    assert (_fits(at)["Baseline"]["slope"], _fits(at)["Baseline"]["n"]) == (f"{single.fit.slope:.4f}", "84")
    assert not _traces(_spec(at), "split") and "one line without testbed:resnet50" in _text(at)
    restored = _run({"shift": "imagenet-a", "x": "matched", "pieces": "single-line"})
    assert _fits(restored) == _fits(at)


def test_fit_range_names_its_axis_and_weak_fits_warn() -> None:
    at = _run({"shift": "imagenet-a"})  # full x: the piece below ResNet-50 has r = 0.62
    assert "The range applies to the full ImageNet x-axis." in _text(at)
    assert len(at.warning) == 1 and "Baseline ≤ 76.13% is fit on r = 0.62" in at.warning[0].value
    at = _run({"shift": "imagenet-sketch", "fit": "83,100"})  # 7 testbed standard models above 83%
    assert len(at.warning) == 1 and "Baseline is fit on only 7 models and r = 0.47" in at.warning[0].value
    # other shifts have no pieces control
    assert not [r for r in _run().radio if r.key == _key("pieces")]


def test_axis_range_toggle_fixes_unfixes_and_refixes_the_range() -> None:
    # The range controls are drawn after the chart and read before it (range_limits): turning one on starts
    # from the points' own range, a moved slider goes into the link, turning it off drops it, and turning
    # it on again starts from the points' range once more.
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.toggle(key=f"{PAGE}.xr.fixed").set_value(True).run()
    assert not at.exception and at.query_params["xr"] == "0,91"
    assert tuple(at.slider(key=f"{PAGE}.xr.slider").value) == (0.0, 91.0)
    at.slider(key=f"{PAGE}.xr.slider").set_value((20.0, 90.0)).run()
    assert at.query_params["xr"] == "20,90"
    at.toggle(key=f"{PAGE}.xr.fixed").set_value(False).run()
    assert "xr" not in at.query_params and f"{PAGE}.xr.slider" not in [s.key for s in at.slider]
    at.toggle(key=f"{PAGE}.xr.fixed").set_value(True).run()
    assert at.query_params["xr"] == "0,91"
