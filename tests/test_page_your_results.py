"""The "Your results" page driven through the real app: uploads join every page for the session only."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.robustness import analyse_shift
from effrob_core.upload import parse_file
from pages.common import plain
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
PAGE = "pages/your_results.py"
JSON_FILES = sorted(DATA.glob("benchmark_*.json"))


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def files(*names: str) -> list[tuple[str, bytes, str]]:
    return [(n, (DATA / n).read_bytes(), "text/csv" if n.endswith(".csv") else "application/json") for n in names]


def upload(at: AppTest, blobs: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader[0].set_value(blobs)
    at.run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest):
    frames = [d.value for d in at.dataframe if "Model" in d.value.columns]
    assert frames, "no models table"
    return frames[0]


def visit(at: AppTest, script: str) -> AppTest | None:
    if not (ROOT / script).exists():
        return None
    at.switch_page(script)
    at.run()
    assert not at.exception, at.exception
    return at


def test_good_files_show_a_table_and_join_other_pages(results) -> None:
    at = page()
    assert "No models loaded yet" in at.info[0].value
    assert [b.label for b in at.get("download_button")] == ["Download the template CSV"]
    upload(at, files("my_models.csv", *(p.name for p in JSON_FILES)))
    assert not at.error
    assert at.success[0].value.startswith("3 model(s) loaded from 9 file(s)")
    t = table(at).set_index("Model")
    assert set(t.index) == {"my-rn50-cc3m", "my-vit-s16-tiny", "ViT-B-32 laion2b_s34b_b79k"}
    # the numbers are the core's: effective robustness on ImageNetV2 against the testbed's logit line
    mine = parse_file("my_models.csv", (DATA / "my_models.csv").read_bytes())
    pts = analyse_shift(results.combine(mine.results), "imagenetv2", n_resamples=1).points.set_index("display_name")
    assert t.loc["my-vit-s16-tiny", "ImageNetV2 eff. rob. (pts)"] == pytest.approx(
        100 * pts.loc["my-vit-s16-tiny", "eff_rob"], abs=1e-9)
    assert t.loc["my-rn50-cc3m", "ImageNet (%)"] == pytest.approx(20.12)
    interval = t.loc["my-vit-s16-tiny", "ImageNetV2 95% interval"]
    assert interval.startswith("[+") and interval.endswith("]")
    notes = " ".join(e.value for e in at.markdown)
    assert plain("skipped 1 dataset(s) not in the registry: cars") in notes

    # the models join the other pages for this session
    if visit(at, "pages/effective_robustness.py"):
        fig = json.loads(at.get("plotly_chart")[0].proto.spec)
        assert "Your models" in [t.get("name") for t in fig["data"]]
        assert "my-vit-s16-tiny" in json.dumps(fig)
    if visit(at, "pages/models.py"):
        assert any("my-rn50-cc3m" in set(d.value.astype(str).to_numpy().ravel()) for d in at.dataframe)


def test_bad_files_name_what_to_fix_and_good_ones_still_load() -> None:
    at = upload(page(), files("semicolon.csv", "my_models.csv", "broken.json", "percent_over_100.csv"))
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert errors[0] == plain("semicolon.csv, row 1: the columns are separated by semicolons; use commas "
                              "(spreadsheets: save as 'CSV, comma-separated')")
    assert errors[1].startswith(plain("broken.json: not valid JSON"))
    assert errors[2].startswith(plain("percent_over_100.csv, row 3, column 'imagenet': '101.5' is above 100"))
    assert set(table(at)["Model"]) == {"my-rn50-cc3m", "my-vit-s16-tiny"}
    # the page keeps working: change a control (timm has no ObjectNet results, so no line there)
    before = table(at).set_index("Model")
    at.selectbox[0].set_value("timm").run()
    assert not at.exception and at.query_params["baseline"] == "timm"
    after = table(at).set_index("Model")
    assert set(after.index) == {"my-rn50-cc3m", "my-vit-s16-tiny"}
    assert (after["ImageNetV2 eff. rob. (pts)"] != before["ImageNetV2 eff. rob. (pts)"].reindex(after.index)).all()
    assert after["ObjectNet eff. rob. (pts)"].isna().all() and after["Mean eff. rob. (pts)"].isna().all()
    assert any("ObjectNet" in w.value for w in at.warning)


def test_only_a_bad_file_leaves_the_page_usable() -> None:
    at = upload(page(), files("not_clip_benchmark.json"))
    assert "missing key \\'metrics\\'" in at.error[0].value
    assert "No models loaded yet" in at.info[0].value and not at.dataframe


def test_models_stay_for_the_session_add_up_and_can_be_removed() -> None:
    at = upload(page(), files("my_models.csv"))
    other = "pages/data.py" if (ROOT / "pages/data.py").exists() else "pages/effective_robustness.py"
    at.switch_page(other)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("2 model(s) loaded from 1 file(s)")  # still there after navigating
    upload(at, files("my_models_percent.csv"))  # adds to the models loaded before
    assert len(table(at)) == 4
    notes = next(e.value for e in at.markdown if e.value.startswith("- "))
    assert notes.count("read as percentages") == 1 and "my\\_models\\_percent\\.csv" in notes
    # the uploader now holds both files, as in a browser that adds a second file
    upload(at, [*files("my_models_percent.csv"), ("clash.csv", b"model,imagenet\nmy-rn50-cc3m,0.4\n", "text/csv")])
    assert at.error[0].value.startswith(plain("clash.csv, row 2: model 'my-rn50-cc3m' already has a imagenet "
                                              "accuracy in my_models.csv (row 2)"))
    assert len(table(at)) == 4
    next(b for b in at.button if b.label == "Remove my models").click().run()
    assert not at.exception and "No models loaded yet" in at.info[0].value and not at.dataframe
    assert at.session_state["uploads.merged"] is None
    if visit(at, "pages/effective_robustness.py"):
        fig = json.loads(at.get("plotly_chart")[0].proto.spec)
        assert "Your models" not in [t.get("name") for t in fig["data"]]


def test_names_are_shown_as_text() -> None:
    name = "**bold** <i>x</i> [link](https://example.com)"
    at = upload(page(), [("html.csv", f'model,imagenet,imagenetv2\n"{name}",0.5,0.4\n'.encode(), "text/csv"),
                         ("*weird*.csv", b"model;imagenet\n", "text/csv")])
    assert list(table(at)["Model"]) == [name]
    assert at.error[0].value.startswith("\\*weird\\*\\.csv\\, row 1")
    assert plain(name) == "\\*\\*bold\\*\\* \\<i\\>x\\<\\/i\\> \\[link\\]\\(https\\:\u2060\\/\\/example\\.com\\)"
