"""The server entry ``serve.py``: ``streamlit run`` finds its ``st.App``, which serves ``app.py`` once
``pages.common.warm_up`` has run (the browser tests serve it and open every page)."""

from __future__ import annotations

import ast

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.server.app_discovery import discover_asgi_app

import pages.common as common
from tests.conftest import ROOT


def test_streamlit_run_finds_the_app_and_it_serves_app_py() -> None:
    found = discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app and found.import_string == "serve:app"
    tree = ast.parse((ROOT / "serve.py").read_text(encoding="utf-8"))
    app = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "app")
    assert ast.unparse(app) == "st.App(Path(__file__).with_name('app.py'), lifespan=lifespan)"
    assert (ROOT / "app.py").is_file()


def test_warm_up_fills_the_shared_results_cache_and_declares_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    common.published_results.clear()
    loads = []
    real = common.load_results
    monkeypatch.setattr(common, "load_results", lambda: loads.append(1) or real())
    common.warm_up()
    assert loads == [1] and PagesManager.uses_pages_directory is False
    warmed = common.published_results()
    assert loads == [1], "a page's first run would load the tables again"
    assert warmed.models["model_id"].is_unique and len(warmed.models) > 2000
    assert common.LANDING_SHIFT in warmed.evaluations["eval_set"].unique()
