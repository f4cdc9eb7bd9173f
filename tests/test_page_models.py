"""The Models page renders the full table, every control changes what is shown, the compare selection
is capped at 8 and kept in the URL, and bad links fall back with a warning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.models_table import IMAGENET_COLUMN, MEAN_ER_COLUMN, ci_column, er_column
from effrob_core.checkpoints import checkpoint_of
from effrob_core.results import GROUPS, Results

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "models"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    """The app switched to the Models page, optionally opened with a query string."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/models.py")
    at.query_params = dict(query or {})
    return at.run()


def shown(at: AppTest) -> pd.DataFrame:
    """The models table as displayed."""
    return at.dataframe[0].value


def compare_spec(at: AppTest) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page()


def canonical(results: Results) -> pd.DataFrame:
    """The models table's rows, one per checkpoint (the canonical rows)."""
    return results.models[checkpoint_of(results.models) == results.models["model_id"]]


def test_renders_every_model(at: AppTest, results: Results) -> None:
    assert not at.exception
    table = shown(at)
    assert len(table) == len(canonical(results)) < len(results.models)
    row = table.set_index("Model id").loc["testbed:vit_b_32_clip_zeroshot"]
    assert "scaling-laws:openai-ViT-B-32" in row["Also in"]
    assert table[IMAGENET_COLUMN].is_monotonic_decreasing or table[IMAGENET_COLUMN].dropna().is_monotonic_decreasing
    top = table.iloc[0]
    top1 = results.wide("top1").loc[top["Model id"], "imagenet"]
    assert top[IMAGENET_COLUMN] == pytest.approx(round(100 * top1, 2))
    assert {er_column("imagenetv2"), ci_column("imagenetv2"), MEAN_ER_COLUMN} <= set(table.columns)
    assert at.get("download_button") and len(at.get("plotly_chart")) == 1
    side = at.dataframe[1].value
    assert side.shape[1] == 5 and "resnet50" in side.columns


def test_filter_options_and_chart_spec(at: AppTest, results: Results) -> None:
    groups, sources = set(results.models["group"]), set(results.models["source"])
    assert at.multiselect(key=f"{PAGE}.groups").options == [g for g in GROUPS if g in groups] + sorted(
        groups - set(GROUPS))
    order = ("testbed", "timm", "openclip", "scaling-laws", "openclip-lowacc")
    assert at.multiselect(key=f"{PAGE}.sources").options == [s for s in order if s in sources] + sorted(
        sources - set(order))
    assert len(at.multiselect(key=f"{PAGE}.cmp").options) == len(canonical(results))
    spec = compare_spec(at)  # what the browser gets is what plotly's validation makes of it
    assert json.loads(pio.to_json(go.Figure(spec), validate=False)) == spec
    assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == "white"  # simple_white


def test_each_control_changes_the_view(results: Results) -> None:
    at = open_page()
    n_all = len(shown(at))
    at.multiselect(key=f"{PAGE}.groups").set_value(["Zero-shot image-text"]).run()
    assert len(shown(at)) == int((canonical(results)["group"] == "Zero-shot image-text").sum()) < n_all
    at.multiselect(key=f"{PAGE}.sources").set_value(["openclip"]).run()
    assert set(shown(at)["Source"]) == {"openclip"}
    at.text_input(key=f"{PAGE}.arch").input("ViT-B-32").run()
    assert shown(at)["Architecture"].str.contains("ViT-B-32").all()
    n_arch = len(shown(at))
    at.text_input(key=f"{PAGE}.q").input("datacomp").run()
    assert 0 < len(shown(at)) < n_arch and shown(at)["Model"].str.contains("datacomp").all()
    at.text_input(key=f"{PAGE}.q").input("").run()
    at.slider(key=f"{PAGE}.imagenet").set_value((60.0, 70.0)).run()
    assert shown(at)[IMAGENET_COLUMN].between(60, 70).all() and len(shown(at)) < n_arch
    at.selectbox(key=f"{PAGE}.sort").set_value(MEAN_ER_COLUMN).run()
    er = shown(at)[MEAN_ER_COLUMN].dropna()
    assert er.is_monotonic_decreasing and len(er) > 1
    at.toggle(key=f"{PAGE}.desc").set_value(False).run()
    assert shown(at)[MEAN_ER_COLUMN].dropna().is_monotonic_increasing
    n_cols = shown(at).shape[1]
    at.toggle(key=f"{PAGE}.acc").set_value(False).run()
    assert shown(at).shape[1] == n_cols - 6
    at.toggle(key=f"{PAGE}.ci").set_value(False).run()
    assert ci_column("imagenet-r") not in shown(at).columns and shown(at).shape[1] == n_cols - 11
    before = shown(at)[er_column("imagenet-r")].to_numpy()
    at.radio(key=f"{PAGE}.baseline").set_value("timm").run()
    after = shown(at)[er_column("imagenet-r")].to_numpy()
    assert not np.allclose(before, after, equal_nan=True)
    assert any("ObjectNet" in w.value for w in at.warning)  # timm has no ObjectNet: no baseline there
    assert shown(at)[er_column("objectnet")].isna().all()
    at.radio(key=f"{PAGE}.scale").set_value("linear").run()
    assert not np.allclose(after, shown(at)[er_column("imagenet-r")].to_numpy(), equal_nan=True)
    assert not at.exception
    # comparison: selection and metric
    ids = ["openclip:ViT-B-16/openai", "testbed:resnet50"]
    at.multiselect(key=f"{PAGE}.cmp").set_value(ids).run()
    assert len(compare_spec(at)["data"]) == 2 and at.dataframe[1].value.shape[1] == 2
    assert at.query_params["cmp"] == ",".join(ids)
    assert compare_spec(at)["layout"]["yaxis"]["title"]["text"].startswith("Effective robustness")
    at.radio(key=f"{PAGE}.metric").set_value("accuracy").run()
    assert compare_spec(at)["layout"]["yaxis"]["title"]["text"].startswith("Top-1 accuracy")
    at.multiselect(key=f"{PAGE}.cmp").set_value([]).run()
    assert not at.get("plotly_chart") and any("Choose models" in i.value for i in at.info)
    assert at.query_params["groups"] == "Zero-shot image-text" and at.query_params["sort"] == MEAN_ER_COLUMN


def test_query_string_restores_the_view() -> None:
    ids = "openclip:ViT-L-14/openai,openclip-lowacc:rn50-yfcc15m-1m,testbed:resnet50"
    at = open_page({"sources": "scaling-laws", "q": "Data-80M", "sort": "Model", "desc": "0", "ci": "0",
                    "imagenet": "50,70", "cmp": ids, "metric": "accuracy", "baseline": "all-standard"})
    assert not at.exception and not at.warning
    table = shown(at)
    assert set(table["Source"]) == {"scaling-laws"} and table["Model"].str.contains("Data-80M").all()
    assert table["Model"].is_monotonic_increasing and table[IMAGENET_COLUMN].between(50, 70).all()
    assert ci_column("imagenetv2") not in table.columns
    assert at.multiselect(key=f"{PAGE}.cmp").value == ids.split(",")
    assert at.radio(key=f"{PAGE}.baseline").value == "all-standard"
    assert compare_spec(at)["layout"]["yaxis"]["title"]["text"].startswith("Top-1 accuracy")


def test_bad_query_string_falls_back_with_a_warning(results: Results) -> None:
    at = open_page({"sort": "nonsense", "imagenet": "90,10", "cmp": "nope:model,testbed:resnet50", "zz": "1"})
    assert not at.exception
    text = re.sub(r"\\(.)", r"\1", " ".join(w.value for w in at.warning)).replace("\u2060", "")  # as rendered
    assert "sort" in text and "imagenet" in text and "nope:model" in text and "zz" in text
    assert at.selectbox(key=f"{PAGE}.sort").value == IMAGENET_COLUMN
    assert len(shown(at)) == len(canonical(results))
    assert at.multiselect(key=f"{PAGE}.cmp").value == ["testbed:resnet50"]


def test_compare_selection_is_capped(results: Results) -> None:
    ids = canonical(results)["model_id"].head(10).tolist()
    at = open_page({"cmp": ",".join(ids)})
    assert not at.exception
    assert any("At most 8" in w.value for w in at.warning)
    assert at.multiselect(key=f"{PAGE}.cmp").value == ids[:8]
    assert len(compare_spec(at)["data"]) == 8


def test_a_link_to_a_duplicate_row_opens_its_checkpoint() -> None:
    at = open_page({"cmp": "openclip:ViT-B-32/openai,openclip-lowacc:rn50-yfcc15m-15m,testbed:resnet50"})
    assert not at.exception and not at.warning
    assert at.multiselect(key=f"{PAGE}.cmp").value == [
        "testbed:vit_b_32_clip_zeroshot", "openclip:RN50-quickgelu/yfcc15m", "testbed:resnet50"]


def test_default_ids_are_canonical_rows(results: Results) -> None:
    """Ids the app names by default (compared models, series starts) point at one-per-checkpoint rows."""
    import ast
    from pathlib import Path

    from effrob_core.series import PUBLISHED_SERIES
    tree = ast.parse((Path(__file__).resolve().parents[1] / "pages" / "models.py").read_text(encoding="utf-8"))
    default = next(ast.literal_eval(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign)
                   and any(getattr(t, "id", "") == "DEFAULT_COMPARE" for t in n.targets))
    ids = [*default, *(s.start for s in PUBLISHED_SERIES if s.start)]
    rows = results.models.set_index("model_id")
    assert set(ids) <= set(rows.index)
    assert (rows.loc[ids, "canonical_id"] == "").all()
