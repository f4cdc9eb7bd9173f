"""effrob: interactive effective robustness of image classifiers under natural distribution shift.

Served by ``streamlit run serve.py`` (warmed up before the first visitor) or ``streamlit run app.py``.
This file sets the page config and the navigation; every page lives in ``pages/`` and computes with
``effrob_core``.
"""

import streamlit as st

st.set_page_config(page_title="effrob: effective robustness", page_icon="📈", layout="wide")

PAGES = [
    st.Page("pages/effective_robustness.py", title="Effective robustness", url_path="effective_robustness", default=True),
    st.Page("pages/figures.py", title="Figures", url_path="figures"),
    st.Page("pages/shift_panels.py", title="Shift panels", url_path="shift_panels"),
    st.Page("pages/er_vs_er.py", title="ER against ER", url_path="er_vs_er"),
    st.Page("pages/scaling.py", title="Scaling", url_path="scaling"),
    st.Page("pages/trajectories.py", title="Trajectories", url_path="trajectories"),
    st.Page("pages/models.py", title="Models", url_path="models"),
    st.Page("pages/data.py", title="Data", url_path="data"),
    st.Page("pages/your_results.py", title="Your results", url_path="your_results"),
]

st.navigation(PAGES).run()
