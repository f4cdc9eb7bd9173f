"""The Data page renders the sources counted from the results, the registry and the definitions;
its control and link work."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from effrob_core.datasets import EVAL_SETS
from effrob_core.results import UPLOAD_SOURCE, Results
from effrob_core.sources import SOURCES
from effrob_core.upload import merge_uploads, parse_file
from pages.common import UPLOADS_KEY, UPLOADS_MERGED_KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "data"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    """The app switched to the Data page, optionally opened with a query string."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/data.py")
    at.query_params = dict(query or {})
    return at.run()


def test_renders_sources_registry_and_definitions(results: Results) -> None:
    at = open_page()
    assert not at.exception and not at.warning
    counts = at.dataframe[0].value.set_index("Key")
    assert counts["Models"].to_dict() == results.models["source"].value_counts().to_dict()
    assert counts["Evaluations"].sum() == len(results.evaluations)
    provenance = at.table[0].value
    assert all(s.commit in provenance["Commit"].tolist() for s in SOURCES)
    listing = at.dataframe[1].value
    assert len(listing) == int((results.models["source"] == "testbed").sum())
    assert at.dataframe[2].value["Key"].tolist() == list(EVAL_SETS)
    text = " ".join(m.value for m in at.markdown)
    for cite in ("Taori et al., 2020", "Miller et al., 2021", "Radford et al., 2021", "Cherti et al., 2023",
                 "Clopper & Pearson, 1934"):
        assert cite in text
    assert len(at.latex) >= 4


def test_source_control_and_link(results: Results) -> None:
    at = open_page()
    at.selectbox(key=f"{PAGE}.source").set_value("openclip-lowacc").run()
    listing = at.dataframe[1].value
    assert len(listing) == 5 and listing["Digitised"].all()
    assert at.query_params["source"] == "openclip-lowacc"
    restored = open_page({"source": "scaling-laws"})
    assert not restored.warning
    assert len(restored.dataframe[1].value) == int((results.models["source"] == "scaling-laws").sum())


def test_bad_query_string_falls_back_with_a_warning() -> None:
    at = open_page({"source": "imagenet-testbed", "other": "x"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "source" in text and "other" in text
    assert at.selectbox(key=f"{PAGE}.source").value == "testbed"


def test_uploaded_models_are_a_labelled_session_source(results: Results) -> None:
    at = AppTest.from_file(APP, default_timeout=90).run()
    mine = parse_file("my_models.csv", (Path(APP).parent / "tests" / "data" / "my_models.csv").read_bytes())
    at.session_state[UPLOADS_KEY] = [mine]  # as the Your results page keeps them
    at.session_state[UPLOADS_MERGED_KEY] = merge_uploads([mine])
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception and not at.warning
    counts = at.dataframe[0].value.set_index("Key")
    assert counts.loc[UPLOAD_SOURCE, "Source"] == "Your models (this browser session only)"
    assert counts.loc[UPLOAD_SOURCE, "Models"] == 2 and counts.index[-1] == UPLOAD_SOURCE
    assert UPLOAD_SOURCE not in set(counts["Source"])
    provenance = at.table[0].value.loc["Your models (this browser session only)"]
    assert provenance[["Repository", "Commit", "License"]].tolist() == ["uploaded by you"] * 3
    assert "including the 2 model(s) you uploaded" in " ".join(c.value for c in at.caption)
    at.selectbox(key=f"{PAGE}.source").set_value(UPLOAD_SOURCE).run()
    assert set(at.dataframe[1].value["Model"]) == {"my-rn50-cc3m", "my-vit-s16-tiny"}
    assert at.query_params["source"] == UPLOAD_SOURCE
    # uploads cleared on another page: the list falls back to the first source instead of failing
    at.session_state[UPLOADS_KEY] = []
    at.session_state[UPLOADS_MERGED_KEY] = None
    at.run()
    assert not at.exception and at.selectbox(key=f"{PAGE}.source").value == "testbed"
    assert UPLOAD_SOURCE not in set(at.dataframe[0].value["Key"])
    assert len(at.dataframe[1].value) == int((results.models["source"] == "testbed").sum())


def test_broken_results_table_shows_an_error_not_a_traceback(tmp_path, monkeypatch) -> None:
    import streamlit as st

    from pages.common import plain

    (tmp_path / "models.csv").write_text("model_id,display_name\nm,m\n")
    (tmp_path / "evaluations.csv").write_text("model_id,eval_set,top1,n_images\n")
    monkeypatch.setenv("EFFROB_RESULTS_DIR", str(tmp_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90).run()
        assert not at.exception
        assert any("could not be loaded" in e.value and plain("missing column(s)") in e.value for e in at.error)
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def test_every_table_shows_missing_values_as_a_dash() -> None:
    """Tables hold NaN where a model lacks a set; they show "–", not Streamlit's grey "None"."""
    from pages.common import MISSING

    seen = 0
    for page in ("pages/effective_robustness.py", "pages/scaling.py", "pages/models.py", "pages/data.py"):
        at = AppTest.from_file(APP, default_timeout=90)
        at.switch_page(page).run()
        assert not at.exception
        for df in at.dataframe:
            assert df.proto.placeholder == MISSING, page
            seen += 1
    assert seen >= 6
