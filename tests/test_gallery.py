"""The figure gallery: registry entries, links that name real pages and valid controls, published numbers."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from effrob_core.gallery import FIGURES, compare
from effrob_core.results import Results

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
UPSTREAM = ROOT.parent / "shared" / "upstream"


def app_pages() -> dict[str, str]:
    """url_path ("" for the default page) -> page file, from app.py."""
    pages = {}
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            pages["" if kw.get("default") else kw["url_path"]] = node.args[0].value
    return pages


def test_registry_has_the_published_figures() -> None:
    assert len(FIGURES) >= 8
    assert {"seed-er", "seed-scaling", "taori-natural", "taori-imagenet-a", "taori-synthetic", "radford-fig13",
            "miller-probit", "fang-data", "cherti-compute", "model-soups"} <= set(FIGURES)
    pages = app_pages()
    for f in FIGURES.values():
        assert f.page in pages, f.key
        assert f.title and f.citation and f.summary.endswith("."), f.key
        assert f.link().startswith("/" + f.page)


def test_published_numbers_are_recomputed_and_agree(results: Results) -> None:
    agreed = 0
    for f in FIGURES.values():
        c = compare(results, f)
        assert not c.problems, (f.key, c.problems)
        assert len(c.table) == len(f.numbers)
        published = c.table[c.table["published"] != "–"]
        assert (published["agrees"] == "yes").all(), (f.key, published.to_dict("records"))
        agreed += len(published)
        assert (c.table["effrob"] != "–").all(), f.key
    assert agreed >= 9  # Taori's sketch line (3), Cherti's two laws (4), the greedy soup (2)


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason="raw upstream files not available")
def test_soup_numbers_are_the_authors_file() -> None:
    row = json.loads((UPSTREAM / "model-soups" / "greedy_soup_results.jsonl").read_text().splitlines()[0])
    numbers = {n.label: n.published for n in FIGURES["model-soups"].numbers}
    assert numbers["greedy soup, ImageNet top-1"] == row["ImageNet"]
    shifts = ("ImageNetV2", "ImageNetSketch", "ImageNetR", "ObjectNet", "ImageNetA")
    assert numbers["greedy soup, mean of the 5 shifts"] == pytest.approx(sum(row[k] for k in shifts) / 5, abs=1e-7)


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_every_link_opens_its_view_without_notices(key: str) -> None:
    """Each card's query string is valid for its page: no warning, no error, a chart."""
    f = FIGURES[key]
    at = AppTest.from_file(APP, default_timeout=180)
    page = app_pages()[f.page]
    if f.page:
        at.switch_page(page)
    for k, v in parse_qsl(urlsplit(f.link()).query):
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [w.value for w in at.warning if "Link parameter" in w.value or "Ignored" in w.value]
    assert at.get("plotly_chart"), f"{key}: no chart"


def test_figures_page_lists_every_card() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/figures.py")
    at.run()
    assert not at.exception and not at.error
    titles = [s.value for s in at.subheader]
    assert titles == [f.title for f in FIGURES.values()]
    links = [m.value for m in at.markdown if m.value.startswith("[Open the live view]")]
    assert links == [f"[Open the live view]({f.link()})" for f in FIGURES.values()]
    tables = [d.value for d in at.dataframe]
    assert len(tables) == sum(bool(f.numbers) for f in FIGURES.values())
    assert any((t["published"] == "1.0709").any() and (t["effrob"] == "1.0709").any() for t in tables)


def test_figures_filter_is_in_the_link() -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/figures.py")
    at.query_params["q"] = "taori"
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == [f.title for f in FIGURES.values() if "Taori" in f.citation]
    at.text_input(key="figures.q").set_value("nothing like this").run()
    assert not at.subheader and at.query_params["q"] == "nothing like this"
