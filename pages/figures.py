"""Figures: every well-known figure of this literature, one click away, with the published numbers
beside effrob's.

A thin page over :mod:`effrob_core.gallery`: one card per registry entry, with its citation, one
sentence, a link that opens the live view with every control set, and a "published | effrob" table
computed through the same code path as the pages.
"""

from __future__ import annotations

import streamlit as st

from effrob_core.gallery import FIGURES, Comparison, compare
from effrob_core.results import Results
from effrob_core.viewstate import Param
from pages.common import init_state, key, page_results, plain, show_share_link, sync_url, view_cache

PAGE = "figures"
PARAMS = [Param("q", "", "text")]


@view_cache(show_spinner="Recomputing the published numbers…", max_entries=4)
def cached_comparisons(_results: Results, results_key: str) -> dict[str, Comparison]:
    """The "published | effrob" table of every figure, computed once per results."""
    return {key: compare(_results, figure) for key, figure in FIGURES.items()}


results = page_results()
comparisons = cached_comparisons(results, results.fingerprint())

st.title("Figures")
st.caption(f"{len(FIGURES)} published figures, each reproduced by a live view of this app: open it to explore "
           "the same data with every control at hand. Where the paper or its code prints numbers, they stand "
           "beside what effrob computes from the results now.")
init_state(PAGE, PARAMS)
needle = st.text_input("Filter figures", key=key(PAGE, PARAMS[0]), placeholder="e.g. Taori, scaling, ImageNet-A",
                       help="Case-insensitive text in a figure's title, citation or description.").strip().lower()
shown = [f for f in FIGURES.values()
         if not needle or needle in f"{f.title} {f.citation} {f.summary} {f.key}".lower()]
with st.sidebar:
    show_share_link(sync_url(PAGE, PARAMS))
if not shown:
    st.info("No figure matches the filter.")
for figure in shown:  # a dozen cards
    with st.container(border=True):
        st.subheader(figure.title)
        st.caption(figure.citation + (f" · original: {figure.original}" if figure.original else ""))
        st.markdown(figure.summary)
        st.markdown(f"[Open the live view]({figure.link()})")
        comparison = comparisons[figure.key]
        if len(comparison.table):
            st.dataframe(comparison.table, hide_index=True, width="stretch")
        else:
            st.caption("The paper prints no numbers for this figure.")
        for problem in comparison.problems:
            st.warning(f"Not recomputed: {plain(problem)}")
        if figure.differences:
            st.info(f"**Differs from the original:** {figure.differences}")
