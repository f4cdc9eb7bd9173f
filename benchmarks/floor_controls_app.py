"""The floor with the landing page's controls: ``benchmarks/floor_app.py``'s chart, plus the same kinds and
number of Streamlit elements the Effective robustness page shows around its chart (title, captions, the
top row of controls, the sidebar's controls, the download button, the tables under the chart), with
fixed labels and values and no computation behind them.

Not part of the app; ``benchmarks/floor.py`` serves it next to the app and the floor, to separate what
the framework needs to show such a page at all from the app's own work.
"""

import streamlit as st

from benchmarks.floor_app import floor_chart

floor_chart()  # the floor's chart first: the page draws its chart before its sidebar

GROUPS = ["Standard training", "Robustness intervention", "Trained with more data", "Zero-shot image-text",
          "Fine-tuned zero-shot", "Low accuracy & reference", "Fine-tuned for another task"]
SOURCES = ["imagenet-testbed (430)", "timm (1,120)", "OpenCLIP (120)", "scaling laws (300)", "low accuracy (5)",
           "model soups (73)"]
TEXT = "Each point is a model: top-1 on ImageNet (x) against top-1 under a distribution shift (y). " * 3

st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem}</style>")
st.title("Effective robustness")
st.caption(TEXT)
c1, c2, c3 = st.columns(3)
c1.selectbox("Distribution shift (y-axis)", ["ImageNetV2", "ImageNet-Sketch", "ImageNet-R"], help=TEXT)
c2.radio("ImageNet x-axis", ["Full ImageNet", "Class-matched"], horizontal=True, disabled=True, help=TEXT)
c2.caption("No class-matched subset for ImageNetV2.")
c3.radio("Axis scaling", ["Logit", "Probit", "Linear"], horizontal=True, help=TEXT)
c_fig, c_stats = st.columns([3.3, 1.25])
c_fig.caption(TEXT)
c_fig.download_button("Download plotted data (CSV, with fits and provenance)", "a,b\n1,2\n", file_name="x.csv")
c_stats.markdown("**Baseline**")
c_stats.markdown("| fit | Baseline |\n|:--|--:|\n" + "".join(f"| row {i} | {i}.0 |\n" for i in range(6)))
c_stats.caption(TEXT)
st.markdown("**Zero-shot line**: fit on OpenAI's CLIP models")
st.markdown("| Line | slope | intercept | n | t | df | p |\n|:--|--:|--:|--:|--:|--:|--:|\n| OpenAI CLIP | 0.98 | -0.28 "
            "| 9 | 1.2 | 90 | 0.2 |")
st.caption(TEXT)
st.subheader("Selected models")
st.caption(TEXT)
with st.sidebar:
    st.text_input("Highlight models", placeholder="name contains, e.g. ViT-B-32", help=TEXT)
    st.header("Baseline and filters")
    st.radio("Fit the baseline on", ["Testbed", "Testbed + low accuracy", "timm", "All standard", "Yours",
                                     "Testbed + yours"])
    st.slider("Fit range: x-axis top-1 of the baseline models (%)", 0.0, 100.0, (0.0, 100.0), step=1.0,
              format="%.0f%%", help=TEXT)
    st.caption("The range applies to the full ImageNet x-axis.")
    st.selectbox("x-axis evaluation set", ["ImageNet", "ImageNetV2", "ImageNet-R"], help=TEXT)
    st.pills("Groups shown", GROUPS, selection_mode="multi", default=GROUPS, help=TEXT)
    st.pills("Sources shown", SOURCES, selection_mode="multi", default=SOURCES)
    st.toggle("Mark the baseline's models", help=TEXT)
    st.toggle("Error bars (Clopper-Pearson 99.5%)")
    st.pills("Series drawn as paths", ["Model soups", "Fine-tuned ViT-B/32"], selection_mode="multi", help=TEXT)
    st.header("Effective robustness")
    st.radio("Units", ["Accuracy points", "Axis units", "Residual SDs"], help=TEXT)
    st.radio("Interval", ["Total", "Band only"], help=TEXT)
    st.selectbox("Zero-shot line fit on", ["OpenAI CLIP", "All zero-shot"], help=TEXT)
    st.markdown("**Axis ranges** (a zoom you can share)")
    st.toggle("Fix the x range")
    st.toggle("Fix the y range")
    with st.expander("Export for a paper"):
        st.toggle("Paper style", help=TEXT)
        st.text_input("Title (optional)", disabled=True)
        st.radio("Camera button saves", ["PNG", "SVG"], horizontal=True, help=TEXT)
    st.expander("🔗 Link to this view")
