"""Chart first (pages/chart_first.py): in a browser session's first run the Effective robustness page sends
its sidebar's controls only once its chart is drawn. AppTest has no browser, so ``browser_session`` is
patched here to take the browser's path; the browser tests (tests/e2e) run the signal itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import pages.chart_first as chart_first

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SIGNAL = "robustness.chart_drawn"
SIDEBAR_WIDGETS = ("Highlight models", "Fit range: x-axis top-1 of the baseline models (%)", "Fit the baseline on")


def _labels(at: AppTest) -> set[str]:
    """Labels of the sidebar's widgets."""
    return {w.label for kind in ("text_input", "slider", "radio", "selectbox", "toggle")
            for w in at.sidebar.get(kind)}


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def test_without_a_browser_everything_is_drawn_in_the_first_run() -> None:
    at = _run(_app())
    assert not chart_first.browser_session()
    assert set(SIDEBAR_WIDGETS) <= _labels(at)
    assert len(at.get("plotly_chart")) == 1
    assert SIGNAL not in at.session_state


def test_a_browser_first_run_draws_the_chart_and_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_first, "browser_session", lambda: True)
    at = _run(_app({"shift": "imagenet-sketch", "scale": "3"}))
    assert len(at.get("plotly_chart")) == 1  # the chart, its view from the link
    assert not set(SIDEBAR_WIDGETS) & _labels(at)  # no sidebar control yet
    assert at.session_state["robustness.shift"] == "imagenet-sketch"
    warned = [w.value for w in at.warning]
    assert any("scale" in w for w in warned), warned

    _run(at)  # no signal from a browser: still waiting
    assert not set(SIDEBAR_WIDGETS) & _labels(at)

    at.session_state[f"{SIGNAL}:drawn"] = True  # what the signal's callback (mark_drawn) sets
    _run(at)
    assert set(SIDEBAR_WIDGETS) <= _labels(at)
    assert at.session_state["robustness.shift"] == "imagenet-sketch"  # the same view
    assert [w.value for w in at.warning] == warned  # the link's notice again, with the controls

    _run(at)  # a later run: the notice was shown, the controls stay
    assert set(SIDEBAR_WIDGETS) <= _labels(at)
    assert not any("scale" in w.value for w in at.warning)


def test_a_view_without_a_chart_draws_its_sidebar_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_first, "browser_session", lambda: True)
    at = _run(_app({"fit": "99,100"}))  # no baseline models in that range
    assert len(at.error) == 1 and "No baseline" in at.error[0].value and not at.get("plotly_chart")
    assert "Fit the baseline on" in _labels(at)
    assert at.session_state[f"{SIGNAL}:drawn"] is True  # nothing left to wait for in this session
