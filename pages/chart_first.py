"""Chart first: a page draws its secondary controls only once the browser has drawn its chart.

On a page's first run in a browser session, everything the browser has to lay out before the chart competes
with the chart for the same (often two) CPU cores. The Effective robustness page therefore sends its sidebar's
controls one run later: while :func:`chart_pending`, it calls :func:`await_chart`, which mounts a tiny
script-only component that waits until a plotly chart of the page is on screen, then asks for that run.
Later runs of the session draw everything at once.
Measured in ``benchmarks/README.md`` ("The first chart against the framework's floor").
"""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

#: The controls are sent after this many milliseconds even where no chart is ever drawn (a script error).
FALLBACK_MS = 3000

_JS = """
export default function (component) {
  const { setTriggerValue } = component;
  let done = false;
  let poll = null;
  const fire = () => { if (!done) { done = true; setTriggerValue("drawn", true); } };
  const check = () => {
    const svg = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot svg.main-svg');
    const box = svg && svg.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0) { fire(); } else if (!done) { poll = setTimeout(check, 25); }
  };
  check();
  const fallback = setTimeout(fire, %(fallback)d);
  return () => { done = true; clearTimeout(poll); clearTimeout(fallback); };
}
"""


@functools.cache
def _signal() -> Any:
    """The registered component (registered once per process, on first use inside the running app)."""
    return st.components.v2.component("effrob.chart_drawn", js=_JS % {"fallback": FALLBACK_MS})


def browser_session() -> bool:
    """Whether this session is a browser's (a websocket with HTTP headers), not ``AppTest`` or a bare run."""
    try:
        return bool(st.context.headers.get("User-Agent"))
    except Exception:  # no script-run context
        return False


def _drawn_key(key: str) -> str:
    return f"{key}:drawn"


def chart_pending(key: str) -> bool:
    """Whether this is a browser session's run of the page before its chart was first drawn (then the page
    sends only what the chart needs, and :func:`await_chart`). False once the signal ``key`` has fired, and
    always for sessions without a browser (``AppTest``), where nothing competes with a chart."""
    return browser_session() and not st.session_state.get(_drawn_key(key))


def await_chart(key: str, container: Any = None) -> None:
    """Mount the signal ``key`` in ``container`` (the sidebar by default): it reruns the page once a chart is on
    screen, or after ``FALLBACK_MS`` where none is drawn, and that run no longer counts as pending."""
    with container if container is not None else st.sidebar:
        _signal()(key=key, on_drawn_change=functools.partial(mark_drawn, key))


def mark_drawn(key: str) -> None:
    """Count the page's chart as drawn: the signal's callback (it runs before the rerun it asks for, which
    then draws everything and no longer the signal), or a page's own call where it draws no chart."""
    st.session_state[_drawn_key(key)] = True
