"""Hostile links in a real browser: on every page, Markdown, HTML, images and autolinks from the query
string are shown as text; nothing links to, or loads from, the attacker's host."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import AppPage
from tests.e2e.test_browser import PAGES, assert_clean
from tests.test_hardening_pages import HOSTILE

pytestmark = pytest.mark.browser
EVIL = "evil.example"


@pytest.mark.parametrize("title", list(PAGES))
def test_hostile_link_renders_as_text(open_app, title: str) -> None:
    query = urlencode(HOSTILE, doseq=True)
    requested: list[str] = []
    app = open_app(PAGES[title])  # a session on the page; the hostile link opens in a fresh tab below
    page = app.page.context.new_page()
    page.on("request", lambda r: requested.append(r.url) if EVIL in (urlsplit(r.url).hostname or "") else None)
    page.route(lambda url: EVIL in (urlsplit(url).hostname or ""), lambda route: route.abort())
    hostile = AppPage(page, app.base, app.test_name).goto(f"{PAGES[title]}?{query}")
    assert_clean(hostile)
    dom = page.evaluate(f"""() => ({{
        links: Array.from(document.querySelectorAll('a')).map(a => a.href).filter(h => new URL(h, location.href).hostname.includes('{EVIL}')),
        images: Array.from(document.querySelectorAll('img')).map(i => i.src).filter(s => s && new URL(s, location.href).hostname.includes('{EVIL}')),
        bold: Array.from(document.querySelectorAll('strong, b')).map(b => b.textContent).filter(t => t === 'bold'),
        scripts: Array.from(document.querySelectorAll('script')).filter(s => s.textContent.includes('alert(1)')).length,
    }})""")
    assert dom == {"links": [], "images": [], "bold": [], "scripts": 0}, dom
    assert requested == [], requested
    shown = " ".join(hostile.warnings()).replace("\u2060", "")
    assert "![img](https://evil.example/key.png)" in shown, shown  # the unknown key, literally
    hostile.screenshot(f"hostile-{title}")
