"""Reading users' own results: the three formats, every class of bad input, fuzzing, and the CLI."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from effrob_core import upload
from effrob_core.cli import main
from effrob_core.datasets import EVAL_SETS
from effrob_core.figures.style import YOUR_MODELS
from effrob_core.results import GROUPS, UPLOAD_GROUP, ResultsError, validate_models
from effrob_core.upload import (
    MAX_BYTES,
    MAX_ROWS,
    UploadError,
    eval_set_for,
    merge_uploads,
    parse_file,
    parse_files,
    parse_files_lenient,
    template_csv,
)
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
JSON_FILES = sorted(DATA.glob("benchmark_*.json"))


def read(name: str) -> tuple[str, bytes]:
    return name, (DATA / name).read_bytes()


def error(data: bytes | str, name: str = "mine.csv") -> UploadError:
    """The UploadError that parsing raises (fails the test if it parses)."""
    blob = data.encode() if isinstance(data, str) else data
    with pytest.raises(UploadError) as info:
        parse_file(name, blob)
    return info.value


def top1(u: upload.Upload) -> dict[tuple[str, str], float]:
    ev = u.results.evaluations
    return dict(zip(zip(ev["model_id"], ev["eval_set"]), ev["top1"]))


# --- good files -------------------------------------------------------------------------------------

def test_template_parses_with_documented_columns() -> None:
    text = template_csv()
    header = text.splitlines()[0].split(",")
    assert header[0] == "model" and {"imagenet", "objectnet", "samples_seen", "params_m"} <= set(header)
    u = parse_file("template.csv", text.encode())
    models = u.results.models.set_index("display_name")
    assert list(models.index) == ["my-rn50-cc3m", "my-vitb32-mydata"]
    assert (models["group"] == UPLOAD_GROUP).all() and (models["source"] == "upload").all()
    assert models.loc["my-vitb32-mydata", "samples_seen"] == 1.28e9
    assert {"series", "group"} <= set(header) and set(models["source_category"]) == {"Zero-shot image-text"}
    assert models.loc["my-vitb32-mydata", "series"] == "upload:my-vitb32-run"
    assert models.loc["my-rn50-cc3m", "series"] == ""
    assert u.notes == ("1 series (my-vitb32-run): drawn as paths in order of samples seen (else epoch)",)


SERIES_CSV = b"""model,imagenet,imagenetv2,samples_seen,series,group
ckpt-3,0.40,0.33,3M,run-a,zero-shot
ckpt-1,0.20,0.16,1M,run-a,zero-shot
ckpt-2,0.31,0.25,2M,run-a,zero-shot
std-1,0.70,0.58,,,standard
std-2,0.75,0.63,,,Standard training
"""


def test_template_series_and_group_columns() -> None:
    u = parse_file("runs.csv", SERIES_CSV)
    m = u.results.models.set_index("display_name")
    assert m.loc[["ckpt-1", "ckpt-2", "ckpt-3"], "series_step"].tolist() == [1e6, 2e6, 3e6]
    assert set(m.loc[["std-1", "std-2"], "source_category"]) == {"Standard training"}
    assert m.loc["std-1", "series"] == "" and m.loc["ckpt-1", "series"] == "upload:run-a"
    bad = SERIES_CSV.replace(b"ckpt-2,0.31,0.25,2M", b"ckpt-2,0.31,0.25,")
    with pytest.raises(UploadError, match=r"runs.csv, row 4, column 'samples_seen': model 'ckpt-2' is in series "
                                          r"'run-a' but has no samples_seen"):
        parse_file("runs.csv", bad)
    same = SERIES_CSV.replace(b"ckpt-2,0.31,0.25,2M", b"ckpt-2,0.31,0.25,1M")
    with pytest.raises(UploadError, match=r"models 'ckpt-1' and 'ckpt-2' of series 'run-a' are at the same samples "
                                          r"seen \(1,000,000\)"):
        parse_file("runs.csv", same)
    with pytest.raises(UploadError, match=r"row 5, column 'group': 'standrd' is not a group; write one of 'standard'"):
        parse_file("runs.csv", SERIES_CSV.replace(b",,,standard", b",,,standrd"))


def test_upload_group_is_the_figures_your_models_group() -> None:
    assert UPLOAD_GROUP == YOUR_MODELS and UPLOAD_GROUP not in GROUPS


def test_template_csv_fixture_values_and_attributes() -> None:
    u = parse_file(*read("my_models.csv"))
    m = u.results.models.set_index("model_id")
    assert m.loc["upload:my-rn50-cc3m", "architecture"] == "RN50"
    assert m.loc["upload:my-rn50-cc3m", "train_data"] == "CC3M"
    assert m.loc["upload:my-rn50-cc3m", "samples_seen"] == 3e8
    assert m.loc["upload:my-rn50-cc3m", "params_m"] == 102
    assert m.loc["upload:my-vit-s16-tiny", "samples_seen"] == 90e6
    assert math.isnan(m.loc["upload:my-vit-s16-tiny", "params_m"])
    assert u.model_files()["upload:my-rn50-cc3m"] == "my_models.csv"
    assert m.loc["upload:my-rn50-cc3m", "source_category"] == ""  # no group declared
    t = top1(u)
    assert t[("upload:my-rn50-cc3m", "imagenet-a")] == 0.0211
    assert t[("upload:my-vit-s16-tiny", "objectnet")] == 0.2905
    ev = u.results.evaluations.set_index(["model_id", "eval_set"])
    assert ev.loc[("upload:my-rn50-cc3m", "objectnet"), "n_images"] == 18574
    assert ev.loc[("upload:my-rn50-cc3m", "imagenet-sketch"), "n_images"] == EVAL_SETS["imagenet-sketch"].n_images


def test_percent_columns_and_aliases_are_read_with_notes() -> None:
    u = parse_file(*read("my_models_percent.csv"))
    t = top1(u)
    assert t[("upload:my-convnet-percent", "imagenet")] == pytest.approx(0.7125)
    assert t[("upload:my-convnet-percent", "imagenetv2")] == pytest.approx(0.594)
    assert t[("upload:my-convnet-percent-small", "imagenet-sketch")] == pytest.approx(0.12)
    assert len(u.notes) == 1  # the unit is decided once per file
    assert "read as percentages" in u.notes[0] and "my_models_percent.csv" in u.notes[0]
    assert "'ImageNet-1k'" in u.notes[0] and "'sketch'" in u.notes[0]


def test_percent_sign_cells_and_zero_in_a_percent_column() -> None:
    u = parse_file("p.csv", b"model,imagenet,imagenet-a\nm1,76.1%,0\nm2,70%,0.5%\n")
    t = top1(u)
    assert t[("upload:m1", "imagenet")] == pytest.approx(0.761)
    assert t[("upload:m1", "imagenet-a")] == 0 and t[("upload:m2", "imagenet-a")] == pytest.approx(0.005)


@pytest.mark.parametrize(("name", "key"), [
    ("imagenet1k", "imagenet"), ("ImageNet-1k", "imagenet"), ("imagenet", "imagenet"),
    ("imagenet_v2", "imagenetv2"), ("imagenetv2", "imagenetv2"), ("imagenet_sketch", "imagenet-sketch"),
    ("sketch", "imagenet-sketch"), ("imagenet-r", "imagenet-r"), ("imagenet_r", "imagenet-r"),
    ("imagenet-a", "imagenet-a"), ("objectnet", "objectnet"), ("wds/imagenet1k", "imagenet"),
    ("imagenet_top1", "imagenet"), ("ObjectNet acc1", "objectnet"), ("cars", None), ("vtab/cifar10", None),
    ("imagenet-o", None),
])
def test_eval_set_names(name: str, key: str | None) -> None:
    assert eval_set_for(name) == key


def test_clip_benchmark_json_files_from_upstream() -> None:
    files = [(p.name, p.read_bytes()) for p in JSON_FILES]
    assert len(files) == 8
    u = parse_files(files)
    assert list(u.results.models["model_id"]) == ["upload:ViT-B-32 laion2b_s34b_b79k"]
    m = u.results.models.iloc[0]
    assert m["architecture"] == "ViT-B-32" and m["train_data"] == "LAION-2B"
    assert m["samples_seen"] == 34e9 and m["batch_size"] == 79_000
    expected = {}
    for p in JSON_FILES:
        doc = json.loads(p.read_text())
        if doc["task"] == "zeroshot_classification" and eval_set_for(doc["dataset"]):
            expected[eval_set_for(doc["dataset"])] = doc["metrics"]["acc1"]
    got = {s: v for (_, s), v in top1(u).items()}
    assert got == expected and set(got) == {"imagenet", "imagenetv2", "imagenet-sketch", "imagenet-r",
                                            "imagenet-a", "objectnet"}
    ev = u.results.evaluations.set_index("eval_set")
    assert ev.loc["objectnet", "n_images"] == 18574  # CLIP evaluations use 18,574 ObjectNet images
    assert any("skipped 1 dataset(s) not in the registry: cars" in n for n in u.notes)
    assert any("zeroshot_retrieval" in n for n in u.notes)


def test_one_json_file_alone_notes_missing_imagenet() -> None:
    u = parse_file(JSON_FILES[1].name, JSON_FILES[1].read_bytes())  # imagenet-a only
    assert u.n_models == 1
    assert any("no ImageNet accuracy" in n and "ViT-B-32 laion2b_s34b_b79k" in n for n in u.notes)


def test_clip_benchmark_build_csv_from_upstream() -> None:
    u = parse_file(*read("clip_benchmark_build.csv"))
    assert sorted(u.results.models["display_name"]) == ["ViT-B-16 laion400m_e32", "ViT-L-14 openai"]
    raw = pd.read_csv(DATA / "clip_benchmark_build.csv")
    row = raw[(raw["model_fullname"] == "ViT-L-14 openai") & (raw["dataset"] == "imagenet_sketch")].iloc[0]
    assert top1(u)[("upload:ViT-L-14 openai", "imagenet-sketch")] == row["acc1"]
    assert len(u.results.evaluations) == 12
    skipped = next(n for n in u.notes if "not in the registry" in n)
    assert skipped.startswith("skipped 30 dataset(s) not in the registry: cars, country211")
    assert "and 15 more" in skipped
    assert any("skipped 3 CLIP_benchmark result(s) of task(s) zeroshot_retrieval" in n for n in u.notes)


def test_clip_json_list_language_and_linear_probe() -> None:
    docs = [
        {"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": "openai", "task": "zeroshot_classification",
         "metrics": {"acc1": 0.63}, "language": "en"},
        {"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": "openai", "task": "zeroshot_classification",
         "metrics": {"acc1": 0.41}, "language": "de"},
        {"dataset": "wds/imagenetv2", "model": "ViT-B-32", "pretrained": "openai", "task": "linear_probe",
         "metrics": {"acc1": 0.7}},
    ]
    u = parse_file("list.json", json.dumps(docs).encode())
    assert top1(u) == {("upload:ViT-B-32 openai", "imagenet"): 0.63,
                       ("upload:ViT-B-32 openai (de)", "imagenet"): 0.41,
                       ("upload:ViT-B-32 openai (linear probe)", "imagenetv2"): 0.7}


def test_utf8_bom_is_accepted_and_crlf_lines() -> None:
    u = parse_file("bom.csv", b"\xef\xbb\xbfmodel,imagenet\r\nmy-bom,0.5\r\n")
    assert top1(u) == {("upload:my-bom", "imagenet"): 0.5}


def test_blank_unnamed_trailing_columns_are_ignored_with_a_note() -> None:
    u = parse_file("xl.csv", b"model,imagenet,,\nm,0.5,,\n")
    assert u.n_models == 1 and any("ignored 2 empty column(s)" in n for n in u.notes)


def test_published_display_name_is_fine_and_combines(results) -> None:
    name = results.models["display_name"].iloc[0]
    u = parse_file("same.csv", f"model,imagenet\n{name},0.5\n".encode())
    combined = results.combine(u.results)
    assert (combined.models["display_name"] == name).sum() == 2
    assert combined.models["model_id"].is_unique


def test_names_are_kept_as_text() -> None:
    u = parse_file("html.csv", b'model,imagenet\n"<b>bold</b> & [x](javascript:1)  two\nlines",0.5\n')
    assert u.results.models["display_name"].iloc[0] == "<b>bold</b> & [x](javascript:1) two lines"


def test_validation_keeps_published_tables_strict() -> None:
    u = parse_file(*read("my_models.csv"))
    with pytest.raises(ResultsError, match="unknown group 'Your models'"):
        validate_models(u.results.models)
    spoof = u.results.models.assign(source="openclip")
    with pytest.raises(ResultsError, match="unknown group"):
        validate_models(spoof, allow_upload=True)
    assert len(validate_models(u.results.models, allow_upload=True)) == 2


# --- bad input: every message names the file, and the row and column where there is one --------------

@pytest.mark.parametrize(("data", "expected"), [
    ("model;imagenet;imagenetv2\nm;0.5;0.4\n", "mine.csv, row 1: the columns are separated by semicolons; use commas"),
    ("model\timagenet\nm\t0.5\n", "mine.csv, row 1: the columns are separated by tabs; use commas"),
])
def test_wrong_delimiter(data: str, expected: str) -> None:
    assert str(error(data)).startswith(expected)


def test_no_model_column() -> None:
    e = error("imagenet,imagenetv2\n0.5,0.4\n")
    assert e.row == 1 and "no model-name column" in str(e) and "'model'" in str(e)


def test_several_model_columns() -> None:
    assert "several model-name columns (model, name)" in str(error("model,name,imagenet\na,b,0.5\n"))


@pytest.mark.parametrize(("cell", "row", "says"), [
    ("101.5", 3, "'101.5' is above 100"),
    ("-0.1", 3, "'-0.1' is negative"),
    ("", 3, "empty accuracy cell"),
    ("nan", 3, "'nan' is a missing value (NaN)"),
    ("NA", 3, "'NA' is a missing value (NaN)"),
    ("abc", 3, "'abc' is not a number"),
    ('"0,5"', 3, "'0,5' uses a decimal comma; write decimals with a dot"),
    ("inf", 3, "'inf' is not a finite number"),
])
def test_bad_accuracy_cells(cell: str, row: int, says: str) -> None:
    e = error(f"model,imagenet,imagenetv2\nm1,0.5,0.4\nm2,0.6,{cell}\n")
    assert (e.file, e.row, e.column) == ("mine.csv", row, "imagenetv2")
    assert str(e).startswith(f"mine.csv, row {row}, column 'imagenetv2': {says}")


def test_fraction_above_one_makes_a_mixed_column() -> None:
    e = error("model,imagenet\nm1,0.76\nm2,1.2\n")
    assert e.row == 2 and e.column == "imagenet"
    assert "looks like a fraction but other values in this column are percentages ('1.2' in row 3)" in str(e)


def test_percent_over_100_fixture() -> None:
    e = error(*reversed(read("percent_over_100.csv")))
    assert str(e).startswith("percent_over_100.csv, row 3, column 'imagenet': '101.5' is above 100")


def test_duplicate_model_names() -> None:
    e = error("model,imagenet\nm1,0.5\nm2,0.4\n m1 ,0.3\n")
    assert e.row == 4 and e.column == "model" and "'m1' also appears in row 2" in str(e)


def test_unknown_columns_listed_with_known_keys() -> None:
    e = error("model,imagenet,cifar10,top5\nm,0.5,0.9,0.8\n")
    msg = str(e)
    assert e.row == 1 and "unknown column(s) 'cifar10', 'top5'" in msg
    for known in ("imagenet (or imagenet1k", "imagenetv2", "imagenet-sketch", "objectnet", "samples_seen"):
        assert known in msg


def test_two_columns_for_one_set() -> None:
    e = error("model,imagenet,imagenet1k\nm,0.5,0.5\n")
    assert e.column == "imagenet1k" and "both mean evaluation set imagenet" in str(e)


def test_no_accuracy_columns_and_no_rows() -> None:
    assert "no accuracy columns" in str(error("model,architecture\nm,RN50\n"))
    assert "no data rows" in str(error("model,imagenet\n"))


def test_row_width_mismatch() -> None:
    e = error("model,imagenet\nm,0.5,0.3\n")
    assert e.row == 2 and "has 3 cells but the header has 2" in str(e)


def test_unnamed_column_with_values() -> None:
    assert "column 3 has values but no name" in str(error("model,imagenet,\nm,0.5,7\n"))


@pytest.mark.parametrize("data", [b"", b"   \n\n", b",,\n,,\n"])
def test_empty_files(data: bytes) -> None:
    msg = str(error(data))
    assert msg.startswith("mine.csv: the file") and ("empty" in msg or "no values" in msg)


def test_not_utf8() -> None:
    e = error(*reversed(read("latin1.csv")))
    assert str(e).startswith("latin1.csv: not UTF-8 text (byte 0xe9 at position") and "UTF-8" in str(e)
    assert "NUL" in str(error(b"model,imagenet\x00\n"))


def test_bad_optional_columns() -> None:
    e = error("model,imagenet,samples_seen\nm,0.5,lots\n")
    assert (e.row, e.column) == (2, "samples_seen") and "not a count" in str(e)
    e = error("model,imagenet,params_m\nm,0.5,-3\n")
    assert (e.row, e.column) == (2, "params_m") and "non-negative" in str(e)


def test_long_or_empty_model_name() -> None:
    assert "empty model name" in str(error("model,imagenet\n ,0.5\n"))
    assert "longer than 200" in str(error(f"model,imagenet\n{'x' * 201},0.5\n"))


def test_json_not_clip_benchmark_names_the_missing_key() -> None:
    e = error(*reversed(read("not_clip_benchmark.json")))
    assert str(e).startswith("not_clip_benchmark.json, key 'metrics': not a CLIP_benchmark result: missing key")
    for k in upload.CLIP_KEYS:
        doc = {"dataset": "imagenet1k", "model": "m", "pretrained": "p", "task": "zeroshot_classification",
               "metrics": {"acc1": 0.5}}
        del doc[k]
        assert f"missing key {k!r}" in str(error(json.dumps(doc), "r.json"))


def test_invalid_json() -> None:
    e = error(*reversed(read("broken.json")))
    assert str(e).startswith("broken.json: not valid JSON (") and "line 2" in str(e)
    assert "not valid JSON" in str(error("[" * 100_000, "deep.json"))


@pytest.mark.parametrize(("metrics", "says"), [
    ({}, "no acc1 for dataset 'imagenet1k'"),
    ({"acc1": 63.2}, "acc1 '63.2' of dataset 'imagenet1k' is outside 0..1"),
    ({"acc1": "high"}, "acc1 'high' of dataset 'imagenet1k' is not a finite number"),
    ({"acc1": True}, "is not a finite number"),
    ({"acc1": None}, "no acc1"),
])
def test_bad_json_acc1(metrics: dict, says: str) -> None:
    doc = [{"dataset": "imagenet1k", "model": "m", "pretrained": "p", "task": "zeroshot_classification",
            "metrics": {"acc1": 0.5}},
           {"dataset": "imagenet1k", "model": "m2", "pretrained": "p", "task": "zeroshot_classification",
            "metrics": metrics}]
    e = error(json.dumps(doc), "r.json")
    assert str(e).startswith("r.json, item 2, key 'metrics.acc1': ") and says in str(e)


def test_json_wrong_types() -> None:
    assert "'model' should be text" in str(error('{"dataset": "imagenet1k", "model": 3, "pretrained": "p", '
                                                 '"task": "t", "metrics": {}}', "r.json"))
    assert "item 1: not a CLIP_benchmark result" in str(error("[1, 2]", "r.json"))
    assert "JSON list is empty" in str(error("[]", "r.json"))


def test_build_csv_bad_acc1_names_row_and_column() -> None:
    text = (DATA / "clip_benchmark_build.csv").read_text().splitlines()
    idx = next(i for i, line in enumerate(text) if ",imagenet1k," in line)
    text[idx] = "1.5" + text[idx][text[idx].index(","):]
    e = error("\n".join(text) + "\n", "build.csv")
    assert str(e).startswith(f"build.csv, row {idx + 1}, column 'acc1': acc1 '1.5' of dataset 'imagenet1k' is "
                             "outside 0..1")


def test_size_and_row_limits() -> None:
    assert f"over {MAX_BYTES // 2**20} MB" in str(error(b"a" * (MAX_BYTES + 1)))
    rows = "model,imagenet\n" + "".join(f"m{i},0.5\n" for i in range(MAX_ROWS + 1))
    assert f"more than {MAX_ROWS:,} rows" in str(error(rows))
    assert parse_file("max.csv", ("model,imagenet\n" + "".join(f"m{i},0.5\n" for i in range(MAX_ROWS))).encode()
                      ).n_models == MAX_ROWS


def test_same_model_and_set_in_two_files_names_both() -> None:
    a = ("a.csv", b"model,imagenet,imagenetv2\nm,0.5,0.4\n")
    b = ("b.csv", b"model,imagenet-sketch,imagenet_v2\nm,0.3,0.41\n")
    with pytest.raises(UploadError) as info:
        parse_files([a, b])
    msg = str(info.value)
    assert msg.startswith("b.csv, row 2: model 'm' already has a imagenetv2 accuracy in a.csv (row 2)")
    # different sets of the same model in two files merge into one model
    merged = parse_files([a, ("c.csv", b"model,objectnet\nm,0.2\n")])
    assert merged.n_models == 1 and merged.model_files().iloc[0] == "a.csv, c.csv"


def test_lenient_loading_keeps_good_files() -> None:
    files = [read("my_models.csv"), read("semicolon.csv"), read("broken.json"),
             ("again.csv", b"model,imagenet\nmy-rn50-cc3m,0.3\n"), read("my_models_percent.csv")]
    merged, kept, errors = parse_files_lenient(files)
    assert [u.files for u in kept] == [("my_models.csv",), ("my_models_percent.csv",)]
    assert merged is not None and merged.n_models == 4
    assert [e.file for e in errors] == ["semicolon.csv", "broken.json", "again.csv"]
    assert "already has a imagenet accuracy in my_models.csv" in str(errors[2])
    merged2, kept2, errors2 = parse_files_lenient([read("clip_benchmark_build.csv")], keep=kept)
    assert merged2.n_models == 6 and not errors2 and merge_uploads(kept2).n_models == 6


# --- fuzzing: nothing but UploadError, and good files round-trip --------------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KNOWN = ["model", "name", "imagenet", "imagenet1k", "imagenetv2", "sketch", "objectnet", "imagenet-a",
         "samples_seen", "params_m", "architecture", "acc1", "dataset", "pretrained", "task", "model_fullname", ""]
cells = st.one_of(
    st.sampled_from(["", "nan", "0", "1", "100", "0.5", "76.1", "-1", "1e400", "12.8M", "inf", "50%", "imagenet1k",
                     "zeroshot_classification", "ViT-B-32", "a,b", '"', "\r", "\n"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12),
)


def parses_or_upload_error(name: str, data: bytes) -> None:
    try:
        u = parse_file(name, data)
    except UploadError as exc:
        assert str(exc).startswith(exc.file) and "\n" not in str(exc)
        event("UploadError: " + str(exc)[len(exc.file):].split(":")[0].split(",")[-1].strip()[:12])
        return
    event("parsed, with models" if u.n_models else "parsed, no usable models")
    ev = u.results.evaluations
    assert ev["top1"].between(0, 1).all() and ev["model_id"].str.startswith("upload:").all()


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["f.csv", "f.json", "f", "f.txt"]))
def test_fuzz_arbitrary_bytes(data: bytes, name: str) -> None:
    parses_or_upload_error(name, data)


STRUCTURED = ["imagenet", "imagenet1k", "imagenetv2", "sketch", "objectnet", "imagenet-a", "samples_seen",
              "params_m", "architecture", "train_data"]
headers = st.one_of(
    st.lists(st.one_of(st.sampled_from(KNOWN), st.text(max_size=8)), min_size=1, max_size=6),
    st.tuples(st.sampled_from(upload.MODEL_NAME_COLUMNS),
              st.lists(st.sampled_from(STRUCTURED), min_size=1, max_size=5, unique=True)).map(lambda t: [t[0], *t[1]]),
    st.permutations(["acc1", "dataset", "model", "pretrained", "task", "model_fullname"]).map(list),
)
good_cells = st.one_of(st.floats(0, 1).map(repr), st.floats(0, 100).map(lambda v: f"{v:.2f}"),
                       st.sampled_from(["imagenet1k", "imagenetv2", "cars", "zeroshot_classification",
                                        "zeroshot_retrieval", "ViT-B-32", "openai", "my-model", "12.8M"]))


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(headers)
    width = st.just(len(header)) if draw(st.booleans()) else st.integers(0, 7)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(st.one_of(good_cells, good_cells, good_cells, cells),
                                                                           min_size=n, max_size=n)),
                         max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ",", ",", ";", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@FUZZ
@given(csv_texts())
def test_fuzz_random_csv(text: str) -> None:
    parses_or_upload_error("fuzz.csv", text.encode())


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
clip_like = st.fixed_dictionaries(
    {"dataset": st.one_of(st.sampled_from(["imagenet1k", "imagenetv2", "cars", "wds/objectnet"]), json_values),
     "model": st.one_of(st.sampled_from(["ViT-B-32", ""]), json_values),
     "pretrained": st.one_of(st.sampled_from(["openai", "laion2b_s34b_b79k"]), json_values),
     "task": st.one_of(st.sampled_from(["zeroshot_classification", "linear_probe", "zeroshot_retrieval"]),
                       json_values),
     "metrics": st.one_of(st.fixed_dictionaries({"acc1": st.one_of(st.floats(), json_values)}), json_values)},
    optional={"language": json_values})


@FUZZ
@given(st.one_of(json_values, clip_like, st.lists(clip_like, max_size=5)))
def test_fuzz_json_documents(doc: object) -> None:
    parses_or_upload_error("fuzz.json", json.dumps(doc).encode())


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20
                ).map(lambda s: " ".join(s.split())).filter(bool)


@settings(FUZZ, max_examples=60)
@given(st.lists(names, min_size=1, max_size=8, unique=True), st.data(), st.booleans())
def test_fuzz_good_csv_round_trips(model_names: list[str], data: st.DataObject, percent: bool) -> None:
    sets = data.draw(st.lists(st.sampled_from(upload.USABLE_SETS), min_size=1, max_size=5, unique=True))
    hi = 100.0 if percent else 1.0
    values = {s: data.draw(st.lists(st.floats(0, hi), min_size=len(model_names), max_size=len(model_names)))
              for s in sets}
    if percent:  # a percent column needs a value above 1 and no non-zero value at or below 1
        values = {s: [v if v == 0 or v > 1 else 1.5 for v in vs[:-1]] + [50.0] for s, vs in values.items()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["model", *sets])
    writer.writerows([n, *(repr(values[s][i]) for s in sets)] for i, n in enumerate(model_names))
    u = parse_file("round.csv", out.getvalue().encode())
    assert list(u.results.models["display_name"]) == model_names
    got = top1(u)
    for s in sets:
        for i, n in enumerate(model_names):
            expected = values[s][i] / 100 if percent else values[s][i]
            assert got[(f"upload:{n}", s)] == pytest.approx(expected, rel=1e-12, abs=0)
    assert sum("read as percentages" in n for n in u.notes) == (1 if percent else 0)


# --- command line --------------------------------------------------------------------------------------

def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            code = main(list(argv), out, err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_cli_robustness_shows_uploaded_models() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "effrob_core", "robustness", "--shift", "imagenetv2",
         "--results", "tests/data/my_models.csv", "--models", "my-", "--n-resamples", "200"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 3 and "eff_rob_pct" in lines[0]
    assert {line.split()[0] for line in lines[1:]} == {"upload:my-rn50-cc3m", "upload:my-vit-s16-tiny"}
    assert all("Your models" in line for line in lines[1:])


def test_cli_csv_with_several_files_and_notes() -> None:
    json_args = [a for p in JSON_FILES for a in ("--results", str(p))]
    code, out, err = run_cli("robustness", "--shift", "objectnet", "--format", "csv", "--n-resamples", "100",
                             "--models", "upload:", "--results", str(DATA / "clip_benchmark_build.csv"), *json_args)
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out)).set_index("model_id")
    assert set(table.index) == {"upload:ViT-B-32 laion2b_s34b_b79k", "upload:ViT-B-16 laion400m_e32",
                                "upload:ViT-L-14 openai"}
    assert table.loc["upload:ViT-L-14 openai", "eff_rob_pct"] > 10  # zero-shot CLIP sits far above the line
    assert "# note: skipped 30 dataset(s) not in the registry" in err


def test_cli_fit_accepts_results_and_is_unchanged() -> None:
    base = run_cli("fit", "--shift", "imagenet-sketch")
    mine = run_cli("fit", "--shift", "imagenet-sketch", "--results", str(DATA / "my_models.csv"))
    assert base[0] == mine[0] == 0 and base[1] == mine[1] and "slope      1.0709" in mine[1]


@pytest.mark.parametrize(("file", "says"), [
    ("semicolon.csv", "semicolon.csv, row 1: the columns are separated by semicolons; use commas"),
    ("missing.csv", "missing.csv: cannot read the file"),
])
def test_cli_bad_file_exits_2_with_one_line(file: str, says: str) -> None:
    code, out, err = run_cli("robustness", "--shift", "imagenetv2", "--results", str(DATA / file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err and "Traceback" not in err


def test_clip_benchmark_checkpoints_of_one_run_form_one_series() -> None:
    files = [(f"e{e}_{ds}.json", json.dumps({"dataset": ds, "model": "RN50", "task": "zeroshot_classification",
                                            "pretrained": f"/logs/myrun/checkpoints/epoch_{e}.pt",
                                            "metrics": {"acc1": acc}}).encode())
             for e, accs in ((3, (0.30, 0.26)), (1, (0.10, 0.08)), (2, (0.20, 0.17)))
             for ds, acc in zip(("imagenet1k", "imagenetv2"), accs)]
    files.append(("tagged.json", json.dumps({"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": "laion2b_s34b_b79k",
                                            "task": "zeroshot_classification", "metrics": {"acc1": 0.66}}).encode()))
    m = parse_files(files).results.models.set_index("display_name")
    run = m[m["series"] == "upload:myrun"].sort_values("series_step")
    assert run.index.tolist() == [f"RN50 /logs/myrun/checkpoints/epoch_{e}.pt" for e in (1, 2, 3)]
    assert run["series_step"].tolist() == [1, 2, 3] and m.loc["ViT-B-32 laion2b_s34b_b79k", "series"] == ""
