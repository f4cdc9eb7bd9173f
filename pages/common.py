"""Streamlit glue shared by the pages: cached data, URL-synchronised controls, and the share link.

Not a page itself (``app.py`` lists the pages). Metrics and figures come from ``effrob_core``.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from effrob_core.er_units import DEFAULT_UNIT, ER_UNITS
from effrob_core.results import Results, ResultsError, load_results
from effrob_core.uncertainty import DEFAULT_INTERVAL, ER_INTERVALS
from effrob_core.upload import Upload, merge_uploads
from effrob_core.viewstate import Param, encode_query, parse_query

# Streamlit treats an app with a ``pages/`` folder as a legacy multipage app until ``st.navigation``
# first runs in the server process; a link that opens a page directly in that window runs the page
# without ``app.py`` (wrong navigation and page config; streamlit issues #8860 and #9992). When that
# happens, switch the server to ``st.navigation`` and rerun: ``app.py`` then runs the same page (its
# ``url_path`` equals the file name), with the link's query string intact.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()


@st.cache_resource(show_spinner=False)
def published_results() -> Results:
    """The committed results tables, loaded and validated once per server process.

    One shared object, not a copy per rerun: nothing modifies it, and its pivots and fingerprint are
    computed once and kept.
    """
    return load_results()


#: The landing view's shift (the Effective robustness page's default y-axis: the seed figure's ImageNetV2).
LANDING_SHIFT = "imagenetv2"


def warm_up() -> None:
    """Do before a server's first visitor what that visit would otherwise wait for (``serve.py`` runs it
    once per server process, before the server accepts connections).

    Loads and validates the published tables into :func:`published_results`'s cache; computes the
    landing view once through the core (its pivots, the bootstrap's resample indices and the
    Clopper-Pearson bounds are kept by the core); builds and serialises its figure (plotly imports its
    figure classes and JSON encoder on first use). It also records that ``app.py`` declares its pages with
    ``st.navigation``, which Streamlit otherwise learns only when a first visitor's run reaches it (the
    check at the top of this module).
    """
    import plotly.io as pio

    from effrob_core.figures.scatter import robustness_scatter
    from effrob_core.robustness import analyse_shift
    from effrob_core.zero_shot import DEFAULT_LINE, zero_shot_lines

    PagesManager.uses_pages_directory = False
    results = published_results()
    analysis = analyse_shift(results, LANDING_SHIFT)
    points = analysis.points
    lines, _ = zero_shot_lines(points, DEFAULT_LINE, analysis.transform, analysis.fit)
    figure = robustness_scatter(analysis, points["group"].unique(), points["source"].unique(), zero_shot_lines=lines)
    pio.to_json(figure, validate=False)


F = TypeVar("F", bound=Callable[..., Any])

#: What a table shows for a missing value (Streamlit's default is a grey "None").
MISSING = "–"

#: Session-state keys of this browser session's uploads (kept in memory only, never on disk).
UPLOADS_KEY = "uploads.files"  # list of per-file Upload, in the order they were loaded
UPLOADS_MERGED_KEY = "uploads.merged"  # their merge (Upload) or None
UPLOADS_COMBINED_KEY = "uploads.combined"  # (published, merged uploads, their combination)


def uploaded_files() -> list[Upload]:
    """The files this browser session loaded, one Upload each."""
    return list(st.session_state.get(UPLOADS_KEY, []))


def uploaded() -> Upload | None:
    """This browser session's uploaded models merged into one Upload, or None."""
    return st.session_state.get(UPLOADS_MERGED_KEY)


def set_uploads(uploads: Sequence[Upload]) -> None:
    """Replace this session's uploads (already checked to merge without clashes)."""
    st.session_state[UPLOADS_KEY] = list(uploads)
    st.session_state[UPLOADS_MERGED_KEY] = merge_uploads(uploads) if uploads else None


def clear_uploads() -> None:
    """Forget every model this session uploaded."""
    st.session_state[UPLOADS_KEY] = []
    st.session_state[UPLOADS_MERGED_KEY] = None


def session_results() -> Results:
    """Published results plus any models this browser session uploaded (never stored on disk).

    Uploaded models have ids ``upload:<name>``, source ``upload`` and group "Your models"."""
    published = published_results()
    mine = uploaded()
    if mine is None or mine.n_models == 0:
        return published
    kept = st.session_state.get(UPLOADS_COMBINED_KEY)
    if kept is None or kept[0] is not published or kept[1] is not mine:  # combine once per set of uploads
        kept = (published, mine, published.combine(mine.results))
        st.session_state[UPLOADS_COMBINED_KEY] = kept
    return kept[2]


def view_cache(max_entries: int, show_spinner: bool | str = False, same_object: bool = False) -> Callable[[F], F]:
    """Decorator for a page's cached computation over the results (``st.cache_data`` with these options).

    While this session has no uploaded models, the cache is shared by every session (the published
    views are computed once per server). Once it has, its calls go to a cache of this session alone
    (``scope="session"``), which Streamlit clears when the session disconnects: uploaded data never
    enters a cache that outlives its session or that another session could read.

    ``same_object`` returns the cached object itself (``st.cache_resource``) instead of a copy, for a
    value the page never modifies whose copy would cost as much as computing it (a plotly figure).
    """
    def decorate(func: F) -> F:
        cache = st.cache_resource if same_object else st.cache_data
        shared = cache(func, max_entries=max_entries, show_spinner=show_spinner)
        own = cache(func, max_entries=max(2, max_entries // 8), show_spinner=show_spinner, scope="session")

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            mine = uploaded()
            return (shared if mine is None or mine.n_models == 0 else own)(*args, **kwargs)

        call.clear = shared.clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]
    return decorate


def page_results() -> Results:
    """``session_results()`` for a page; a broken results table stops the page with an error naming
    the file, row and column instead of a traceback."""
    try:
        return session_results()
    except ResultsError as exc:
        st.error(f"The results tables could not be loaded: {plain(exc)}")
        st.stop()
        raise  # st.stop() does not return


#: Invisible WORD JOINER: breaks GitHub-flavoured autolinks (``www.``, ``https://``, e-mail addresses),
#: which the Markdown renderer finds in the text after backslash escapes are removed.
_NO_LINK = "\u2060"
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_AFTER_COLON_AT = re.compile(r"(?<=\\[:@])")  # after an escaped ':' or '@'
_BEFORE_WWW_DOT = re.compile(r"(?<=www)(?=\\\.)", re.IGNORECASE)  # between 'www' and an escaped '.'


def plain(text: object) -> str:
    """Text from a URL, a file or a file name made safe for Streamlit Markdown (the one escaping helper
    for every message, caption and label that shows such text).

    Whitespace runs become one space (no headings, lists or code blocks); every ASCII punctuation
    character is backslash-escaped (no links, images, emphasis, HTML, LaTeX, colours or icons); and an
    invisible word joiner follows each ``:`` and ``@`` and precedes the ``.`` of ``www.``, so that no
    autolink forms either. The text reads exactly as given.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
    return _BEFORE_WWW_DOT.sub(_NO_LINK, _AFTER_COLON_AT.sub(_NO_LINK, escaped))


@st.cache_resource(show_spinner=False)
def _sessions_seen() -> tuple[set[str], threading.Lock]:
    """Ids of the sessions this server process has run a page for (and a lock for the set)."""
    return set(), threading.Lock()


def release_ended_sessions() -> None:
    """Free what Streamlit keeps of sessions that have ended.

    A closed tab's session is kept for ``server.disconnectedSessionTTL`` (2 minutes) in case it
    reconnects, then dropped without being shut down, which leaves its uploaded files, download
    files and table data in the runtime's managers for the life of the process (Streamlit 1.67);
    the expired session itself (with its session state: the uploaded tables) stays referenced by the
    session storage until some later session disconnects. Called on every page run: records this
    session, and for every recorded session the server no longer knows, releases those and removes
    it from the storage, then returns the freed memory to the system. Uses the runtime's own
    managers; does nothing where there is no server (AppTest).
    """
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        rt = runtime.get_instance()
        sessions = rt._session_mgr  # noqa: SLF001 (no public way to list ended sessions)
        ctx = get_script_run_ctx()
        if ctx is None:
            return
    except Exception:  # no server runtime
        return
    seen, lock = _sessions_seen()
    with lock:
        seen.add(ctx.session_id)
        ended = [sid for sid in seen if sessions.get_session_info(sid) is None]
        for sid in ended:
            rt.uploaded_file_mgr.remove_session_files(sid)
            rt.media_file_mgr.clear_session_refs(sid)
            rt.dataframe_source_mgr.clear_session_refs(sid)
            _drop_stored_session(sessions, sid)
            seen.discard(sid)
    if ended:
        rt.media_file_mgr.remove_orphaned_files()
        rt.dataframe_source_mgr.remove_orphaned_sources()
        return_freed_memory()


def _drop_stored_session(sessions: Any, session_id: str) -> None:
    """Remove an expired session from the session manager's reconnect storage (no public API)."""
    try:
        sessions._session_storage.delete(session_id)  # noqa: SLF001
    except (AttributeError, KeyError):
        pass


def return_freed_memory() -> None:
    """Collect garbage and hand the C heap's free pages back to the system (glibc ``malloc_trim``).

    Without it the memory of ended sessions stays mapped in the process as free heap, so the server's
    resident size never comes down after a busy spell. Does nothing where the C library has no
    ``malloc_trim`` (musl, macOS).
    """
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def init_state(page: str, params: Sequence[Param], keep_notices: bool = False) -> None:
    """Seed each control's session-state key from the URL the first time the page runs in a session.

    Invalid, unknown and repeated URL values fall back to defaults with a visible notice; so does a
    link whose settings are not applied because this tab already holds the page's controls (e.g. the
    browser's back button: the tab keeps its current view). With ``keep_notices`` they are shown again in
    the next run (one the page asks for itself, not the user).
    """
    release_ended_sessions()
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    pending = [p for p in params if _key(page, p) not in st.session_state]
    if pending:
        values, notices = parse_query(params, query)
        for p in pending:
            st.session_state[_key(page, p)] = values[p.key]
        if notices and len(pending) == len(params):
            st.session_state[f"{page}:notices"] = notices
    elif query and query != st.session_state.get(f"{page}:synced", query):
        st.session_state[f"{page}:notices"] = [
            "The link's settings were not applied: this browser tab already shows this page with its own "
            "settings. Open the link in a new tab to see its view."]
    notices_key = f"{page}:notices"
    for notice in st.session_state.get(notices_key, []) if keep_notices else st.session_state.pop(notices_key, []):
        st.warning(plain(notice), icon="⚠️")


def state(page: str, param: Param) -> Any:
    """Current value of a control (its session-state key)."""
    return st.session_state[_key(page, param)]


def key(page: str, param: Param) -> str:
    """Session-state / widget key of a control."""
    return _key(page, param)


def _key(page: str, param: Param) -> str:
    return f"{page}.{param.key}"


#: The effective-robustness unit and interval of every page that shows effective robustness (in its link).
UNITS_PARAM = Param("units", DEFAULT_UNIT, "choice", tuple(ER_UNITS))
INTERVAL_PARAM = Param("interval", DEFAULT_INTERVAL, "choice", tuple(ER_INTERVALS))
ER_PARAMS = (UNITS_PARAM, INTERVAL_PARAM)


def er_controls(page: str, units_box: Any = st, interval_box: Any = st) -> tuple[str, str]:
    """The unit and interval radios of a page's effective robustness (:data:`ER_PARAMS`), drawn in
    ``units_box`` and ``interval_box`` (the current container, or e.g. two columns); returns both values.
    Their help lists every unit and interval from the core's registries."""
    units = units_box.radio("Units", tuple(ER_UNITS), format_func=lambda u: ER_UNITS[u].label,
                            key=_key(page, UNITS_PARAM),
                            help=" · ".join(f"{u.label}: {u.description}." for u in ER_UNITS.values()))
    interval = interval_box.radio("Interval", tuple(ER_INTERVALS), format_func=lambda i: ER_INTERVALS[i].label,
                                  key=_key(page, INTERVAL_PARAM),
                                  help=" · ".join(f"{v.label}: {v.method}." for v in ER_INTERVALS.values()))
    return units, interval


def follow_options(page: str, param: Param, options: list[str]) -> None:
    """Keep a multi-choice control valid when its options change within a session (models uploaded
    or cleared on another page): drop vanished options and select options new since the last run."""
    k = _key(page, param)
    seen = st.session_state.get(f"{k}:options")
    value = [v for v in st.session_state[k] if v in options]
    if seen is not None:
        value += [o for o in options if o not in seen and o not in value]
    if value != st.session_state[k]:
        st.session_state[k] = value
    st.session_state[f"{k}:options"] = list(options)


def sync_url(page: str, params: Sequence[Param]) -> str:
    """Write the page's controls into the URL query string; return the shareable link."""
    values = {p.key: st.session_state[_key(page, p)] for p in params}
    query = encode_query(params, values)
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)
    st.session_state[f"{page}:synced"] = {k: [v] for k, v in query.items()}
    return share_link(query)


def share_link(query: dict[str, str]) -> str:
    """Absolute link to this page with ``query`` (relative when the server URL is unknown)."""
    try:
        base = st.context.url or ""
    except Exception:  # AppTest has no browser context
        base = ""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


#: Session-state key of the link box's open state (one box per page; it stays open across pages).
LINK_BOX_KEY = "share_link.open"


@st.fragment
def show_share_link(link: str) -> None:
    """A visible, copyable link to the exact view.

    The box is drawn closed and filled only when opened: its code block needs a 1.5 MB script that a
    page's first chart should not wait for. Opening it reruns this fragment alone, not the page.
    """
    box = st.expander("🔗 Link to this view", key=LINK_BOX_KEY, on_change="rerun")
    if box.open:
        with box:
            st.caption("Copy this link (copy button on the right) to share exactly this view.")
            st.code(link, language=None)


def markdown_table(table: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = False) -> str:
    """A small table as GitHub-flavoured Markdown for ``st.markdown``: every cell goes through ``plain``
    (so a name from a file stays text), numbers through ``formats`` (column: format spec, default ``g``),
    and a missing value reads ``MISSING``.

    For the few-row tables of a page's first view: Markdown needs no table script in the browser,
    where ``st.table`` and ``st.dataframe`` load 0.7-1.2 MB before the page settles.
    """
    frame = table.reset_index() if index else table
    formats = formats or {}

    def cell(column: str, value: object) -> str:
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            return MISSING
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return plain(format(value, formats.get(column, "g")))
        return plain(value)

    head = "| " + " | ".join(plain(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("--:" if pd.api.types.is_numeric_dtype(frame[c]) else ":--" for c in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(c, v) for c, v in zip(frame.columns, row, strict=True)) + " |"
            for row in frame.itertuples(index=False, name=None)]
    return "\n".join([head, rule, *rows])
