"""effrob's server: ``streamlit run serve.py`` serves the dashboard of ``app.py``, ready for its first visitor.

``streamlit run app.py`` serves the same pages, but a fresh server's first visitor then waits about a
second longer for what the first page run does once per process: the imports, loading and validating
the results tables, and the landing view's first computation and figure (``benchmarks/README.md``).
Here Streamlit's ``st.App`` runs :func:`pages.common.warm_up` in its lifespan, after the runtime has
started and before the server accepts connections, so that this happens at start-up, in the caches
every session shares. The health endpoint answers once it is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """Warm the server up (in a worker thread, off the event loop) before it serves anyone."""
    from pages.common import warm_up

    await asyncio.to_thread(warm_up)
    yield


app = st.App(Path(__file__).with_name("app.py"), lifespan=lifespan)
