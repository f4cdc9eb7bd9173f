"""Upload reproductions from fuzzing: each gets a clear error naming the file, row and column, or the
right value; never a traceback (library, command line and page)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.cli import main
from effrob_core.figures.compare import compare_figure
from effrob_core.upload import UploadError, parse_file
from tests.conftest import ROOT


def clip_csv(tag: str) -> bytes:
    return (f"model,pretrained,dataset,task,acc1\nViT-B-32,{tag},imagenet1k,zeroshot_classification,0.6\n"
            f"ViT-B-32,{tag},imagenetv2,zeroshot_classification,0.5\n").encode()


@pytest.mark.parametrize("tag", ["x_s99999999999999999999b", "x_s10000000000b", "laion2b_s34b_b99999999999k"])
def test_tag_counts_out_of_bounds_are_an_error(tag: str) -> None:
    with pytest.raises(UploadError, match=r"c\.csv, row 2, column 'pretrained': pretrained tag .* above the"):
        parse_file("c.csv", clip_csv(tag))
    doc = {"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": tag, "task": "zeroshot_classification",
           "metrics": {"acc1": 0.6}}
    with pytest.raises(UploadError, match=r"j\.json.*key 'pretrained'.*above the"):
        parse_file("j.json", json.dumps(doc).encode())


def test_a_large_but_real_tag_count_is_read() -> None:
    models = parse_file("c.csv", clip_csv("laion2b_s34b_b79k")).results.models
    assert models["samples_seen"].tolist() == [34e9] and models["batch_size"].tolist() == [79000]


def test_cli_reports_a_tag_overflow_in_one_line(tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(clip_csv("x_s99999999999999999999b"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["fit", "--shift", "imagenetv2", "--results", str(path)], out, err)
    assert code == 2 and "Traceback" not in err.getvalue() and "pretrained tag" in err.getvalue()


def test_page_reports_a_tag_overflow_as_an_error() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("pages/your_results.py")
    at.run()
    at.file_uploader[0].set_value([("big.csv", clip_csv("x_s99999999999999999999b"), "text/csv")])
    at.run()
    assert not at.exception
    assert any("pretrained tag" in e.value and "big\\.csv" in e.value for e in at.error)


@pytest.mark.parametrize(("text", "percent", "fraction"), [
    ("model,imagenet,imagenetv2,imagenet-a\nmy-net,76.1,65.0,0.8\n", "'imagenet', 'imagenetv2'", "'imagenet-a'"),
    ("model,imagenet,imagenetv2\na,0.3,1.7\n", "'imagenetv2'", "'imagenet'"),
])
def test_units_are_decided_per_file(text: str, percent: str, fraction: str) -> None:
    with pytest.raises(UploadError, match="mixes units") as exc:
        parse_file("u.csv", text.encode())
    assert f"column(s) {percent} are percentages" in str(exc.value)
    assert f"column(s) {fraction} hold only values up to 1" in str(exc.value)


def test_a_low_percentage_marked_with_percent_is_read_as_percent() -> None:
    u = parse_file("u.csv", b"model,imagenet,imagenetv2,imagenet-a\nmy-net,76.1,65.0,0.8%\n")
    top1 = dict(zip(u.results.evaluations["eval_set"], u.results.evaluations["top1"]))
    assert top1 == pytest.approx({"imagenet": 0.761, "imagenetv2": 0.65, "imagenet-a": 0.008})
    assert len(u.notes) == 1 and "read as percentages" in u.notes[0]
    fractions = parse_file("f.csv", b"model,imagenet,imagenet-a\nm,0.761,0.008\n")
    assert sorted(fractions.results.evaluations["top1"]) == pytest.approx([0.008, 0.761]) and not fractions.notes


@pytest.mark.parametrize(("text", "row", "what"), [
    ('model,imagenet,imagenetv2\n"my-net,0.5,0.4\nother,0.6,0.5\n', 2, "never closed"),
    ('model,imagenet,imagenetv2\n"my"net,0.5,0.4\n', 2, "check the quotes"),
])
def test_malformed_quotes_are_an_error(text: str, row: int, what: str) -> None:
    with pytest.raises(UploadError, match=rf"q\.csv, row {row}: .*{what}"):
        parse_file("q.csv", text.encode())


def test_duplicate_json_keys_are_an_error() -> None:
    text = ('{"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": "openai", "task": '
            '"zeroshot_classification", "metrics": {"acc1": 0.9, "acc1": 0.6}}')
    with pytest.raises(UploadError, match="the key 'acc1' appears twice"):
        parse_file("d.json", text.encode())


def test_compare_hover_shows_a_name_with_template_syntax_as_written() -> None:
    import pandas as pd

    frame = pd.DataFrame({"model_id": ["upload:a"] * 2, "model": ["%{x} <b>zq</b>"] * 2,
                          "set_name": ["ImageNet", "ImageNetV2"], "value": [70.0, 60.0], "lo": [69.0, 59.0],
                          "hi": [71.0, 61.0]})
    bar = compare_figure(frame, "accuracy", "interval").data[0]
    assert bar.name == "%{x} &lt;b&gt;zq&lt;/b&gt;"
    assert bar.hovertemplate.startswith("%{fullData.name}<br>") and "zq" not in bar.hovertemplate
