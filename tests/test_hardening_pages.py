"""Hostile links and files on every page: text from a URL, a file or a file name is shown literally
(never as Markdown or HTML), repeated and unapplied link parameters get a notice, CSV downloads cannot
run formulas. Runs every page through the app's navigation (Streamlit AppTest)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from pages.common import markdown_table, plain

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def app_pages() -> list[str]:
    """Every page script ``app.py`` declares with ``st.Page``."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page"]


PAGES = app_pages()

#: One query string for every page: each page reads the keys it knows and reports the others.
HOSTILE: dict[str, Any] = {
    "shift": ["imagenetv2", "[phish](https://evil.example/login)"],
    "search": "www.evil.example **bold** <img src=https://evil.example/x.png>",
    "cmp": "https://evil.example/a,<img src=https://evil.example/x.png>",
    "curves": "[x](https://evil.example/curve)",
    "q": "**bold** me@evil.example",
    "eval": "$x^2$ :red[boom] ![img](https://evil.example/eval.png)",
    "baseline": "<script>alert(1)</script>",
    "![img](https://evil.example/key.png)": "1",
}
#: Markup from the hostile query that must never reach Markdown with its punctuation unescaped.
MARKUP = ("<img", "<script", "[phish]", "**bold**", "![img]", ":red[", "$x^2$", "](https")
#: Autolinks, which the renderer finds in the text after removing backslash escapes.
AUTOLINKS = ("://evil", "www.evil", "@evil")

#: Proto fields that Streamlit renders as Markdown (bodies, labels, help texts, options).
MARKDOWN_FIELDS = ("body", "label", "help", "placeholder", "options", "caption")


def _run(page: str, query: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page != PAGES[0]:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        yield from _nodes(child)


def markdown_texts(at: AppTest) -> list[str]:
    """Every string the page sends in a field rendered as Markdown (plots and code boxes are not Markdown)."""
    texts = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", "") in ("plotly_chart", "code", "arrow_data_frame", "dataframe"):
            continue
        for field, value in proto.ListFields():
            if field.name in MARKDOWN_FIELDS:
                texts += [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]
    return texts


@pytest.mark.parametrize("page", PAGES)
def test_hostile_link_is_shown_as_text_on_every_page(page: str) -> None:
    at = _run(page, HOSTILE)
    texts = markdown_texts(at)
    assert texts, "no Markdown found: the walk over the page is broken"
    for text in texts:
        unescaped_only = re.sub(r"\\.", "·", text)  # every escaped character hidden
        for raw in MARKUP:
            assert raw not in unescaped_only, f"{page}: {raw!r} reaches Markdown unescaped in {text!r}"
        as_linked = re.sub(r"\\(.)", r"\1", text).lower()  # what the autolinker reads
        for raw in AUTOLINKS:
            assert raw not in as_linked, f"{page}: {raw!r} would be autolinked in {text!r}"
    notices = " ".join(w.value for w in at.warning)
    assert plain("![img](https://evil.example/key.png)") in notices  # the unknown key is named, literally


def test_plain_breaks_every_autolink_and_markup() -> None:
    assert plain("[a](https://evil.example)") == "\\[a\\]\\(https\\:\u2060\\/\\/evil\\.example\\)"
    assert plain("WWW.evil.example") == "WWW\u2060\\.evil\\.example"
    assert plain("me@evil.example") == "me\\@\u2060evil\\.example"
    assert plain("a\n\n# b\t c") == "a \\# b c"
    assert plain(":material/home: :red[x] $x$") == "\\:\u2060material\\/home\\:\u2060 \\:\u2060red\\[x\\] \\$x\\$"
    assert plain("<b>x</b> & 1.5%") == "\\<b\\>x\\<\\/b\\> \\& 1\\.5\\%"


def test_markdown_table_cells_are_plain_text_with_their_formats() -> None:
    """A first-view table written as Markdown: a hostile name is text (no link, no column break), numbers
    take the column's format, a missing value reads "–", the index can be a column."""
    table = pd.DataFrame({"Line": ["[x](https://evil.example) | y", "OpenAI CLIP"], "slope": [0.92322877, 0.9797],
                          "n": [85, 9], "p": [float("nan"), 0.0371]})
    text = markdown_table(table, {"slope": ".4f", "p": ".2g"})
    lines = text.splitlines()
    assert lines[0] == "| Line | slope | n | p |" and lines[1] == "|:--|--:|--:|--:|"
    assert lines[2] == "| " + plain("[x](https://evil.example) | y") + " | 0\\.9232 | 85 | – |"
    assert lines[3] == "| OpenAI CLIP | 0\\.9797 | 9 | 0\\.037 |"
    assert all(ln.count(" | ") == 3 for ln in lines[2:])  # the escaped pipe does not open a column
    assert markdown_table(table.set_index("Line")[["n"]], index=True).splitlines()[0] == "| Line | n |"


def test_repeated_link_key_uses_the_last_value_with_a_notice() -> None:
    at = _run(PAGES[0], {"shift": ["imagenetv2", "imagenet-r"]})
    assert at.session_state["robustness.shift"] == "imagenet-r"
    assert any("given 2 times" in w.value and "imagenetv2" in w.value for w in at.warning)


def test_link_not_applied_in_a_tab_that_has_the_page_gets_a_notice() -> None:
    at = _run(PAGES[0])
    assert not at.warning
    at.query_params["shift"] = "imagenet-r"  # e.g. the browser's back button to another view
    at.run()
    assert not at.exception
    assert any("not applied" in w.value for w in at.warning)
    at.run()  # the notice is shown once, not on every rerun
    assert not any("not applied" in w.value for w in at.warning)


def test_your_results_download_neutralises_formulas(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if isinstance(path_or_data, (bytes, str)) and filename:
            sent[filename] = path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode()
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    at = _run("pages/your_results.py")
    names = ('"=HYPERLINK(""https://evil.example"",""x"")"', "@SUM(1+1)", "+cmd", "-2+3")
    csv = "model,imagenet,imagenetv2\n" + "".join(f"{n},0.{50 + i},0.4{i}\n" for i, n in enumerate(names))
    at.file_uploader[0].set_value([("evil.csv", csv.encode(), "text/csv")])
    at.run()
    assert not at.exception and not at.error
    data = sent["your_models_effective_robustness.csv"].decode()
    rows = data.splitlines()[1:]
    assert len(rows) == 4
    assert all(r.startswith(("'=", "'@", "'+", "'-", "\"'=")) for r in rows), rows
    assert ",50.0000," in data  # numbers keep their 4 decimals


def test_error_details_are_off_in_the_shipped_config_and_the_image() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none" in (ROOT / "Dockerfile").read_text()


def _shared_cache_bytes() -> list[bytes]:
    """Every value held in the process-wide (not session-scoped) ``st.cache_data`` caches, pickled."""
    from streamlit.runtime.caching.cache_data_api import _data_caches

    values = []
    for cache in _data_caches._function_caches.get(None, {}).values():
        storage = cache.storage
        while not hasattr(storage, "_mem_cache") and hasattr(storage, "storage"):
            storage = storage.storage
        values += [v for v in getattr(storage, "_mem_cache", {}).values() if isinstance(v, bytes)]
    return values


def test_uploaded_models_never_enter_a_cache_shared_between_sessions() -> None:
    import streamlit as st

    st.cache_data.clear()
    other = _run(PAGES[0])  # a session without uploads uses (and fills) the shared caches
    assert not other.exception and _shared_cache_bytes(), "no shared cache entries found: the check is broken"
    at = _run("pages/your_results.py")
    csv = "model,imagenet,imagenetv2,imagenet-sketch\nsecret-net-42,0.61,0.52,0.30\n"
    at.file_uploader[0].set_value([("mine.csv", csv.encode(), "text/csv")])
    at.run()
    assert at.success, "the upload did not load"
    for page in ("pages/effective_robustness.py", "pages/models.py", "pages/scaling.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert not [v for v in _shared_cache_bytes() if b"secret-net-42" in v]


def test_pages_cache_views_only_through_view_cache() -> None:
    """A page's own ``st.cache_data`` would share a session's uploaded models with the whole process."""
    offenders = [p.name for p in (ROOT / "pages").glob("*.py")
                 if p.name != "common.py" and "st.cache_data" in p.read_text(encoding="utf-8")]
    assert not offenders, f"use pages.common.view_cache instead of st.cache_data in {offenders}"
