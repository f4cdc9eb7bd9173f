"""Data: where every number comes from (sources with commits and licenses, counted from the results),
the evaluation sets, and the definitions the dashboard uses, with citations."""

from __future__ import annotations

import streamlit as st

from effrob_core.baseline import BASELINE_SPECS, TESTBED_SEED
from effrob_core.datasets import MAIN_SHIFTS
from effrob_core.intervals import TESTBED_CONFIDENCE
from effrob_core.results import UPLOAD_SOURCE
from effrob_core.sources import eval_set_table, source_models, source_summary
from effrob_core.transforms import EPS
from effrob_core.uncertainty import ER_INTERVALS
from effrob_core.viewstate import Param
from pages.common import (
    MISSING,
    init_state,
    key,
    page_results,
    show_share_link,
    sync_url,
)

PAGE = "data"

results = page_results()

summary = source_summary(results)
PARAMS = [Param("source", str(summary["Key"].iloc[0]), "choice", tuple(summary["Key"]))]
P = {p.key: p for p in PARAMS}

st.title("Data")
st.caption("Where every number comes from, and how the dashboard turns accuracies into effective robustness.")
init_state(PAGE, PARAMS)

# --- sources --------------------------------------------------------------------------------------------
st.header("Sources")
st.dataframe(
    summary[["Source", "Key", "Models", "Evaluations", "Evaluation sets", "Sets"]], hide_index=True, width="stretch",
    column_config={
        "Source": st.column_config.TextColumn(width="medium"),
        "Models": st.column_config.NumberColumn(format="localized"),
        "Evaluations": st.column_config.NumberColumn(format="localized",
                                                     help="(model, evaluation set) accuracies in the results."),
        "Evaluation sets": st.column_config.NumberColumn(help="Distinct evaluation sets this source covers."),
        "Sets": st.column_config.TextColumn("Sets covered", width="large"),
    }, placeholder=MISSING)
st.table(summary.set_index("Source")[["Repository", "Commit", "License", "Citation"]])
n_uploaded = int((results.models["source"] == UPLOAD_SOURCE).sum())
st.caption(
    f"Counted from the loaded results: {len(results.models):,} models and {len(results.evaluations):,} "
    "evaluations in all"
    + (f", including the {n_uploaded:,} model(s) you uploaded on the Your results page (kept in this browser "
       "session only, never stored or shared)" if n_uploaded else "")
    + ". Commits and licenses as listed in results/README.md. The five low-accuracy "
    "OpenCLIP points (source openclip-lowacc) were read from a published figure to about ±0.3 points; "
    "they are marked as such wherever they appear.")

labels = dict(zip(summary["Key"], summary["Source"], strict=True))
source = st.selectbox("List the models of", tuple(summary["Key"]), key=key(PAGE, P["source"]),
                      format_func=lambda k: f"{labels[k]} ({k})")
listing = source_models(results, source)
st.dataframe(listing, hide_index=True, width="stretch", height=320,
             column_config={"Samples seen": st.column_config.NumberColumn(format="compact"),
                            "Evaluations": st.column_config.NumberColumn(
                                help="Evaluation sets with a result for this model.")}, placeholder=MISSING)
st.caption(f"{len(listing):,} models from {labels[source]}.")
with st.sidebar:
    show_share_link(sync_url(PAGE, PARAMS))

# --- evaluation sets ----------------------------------------------------------------------------------
st.header("Evaluation sets")
sets_table = eval_set_table()
st.dataframe(
    sets_table, hide_index=True, width="stretch", height=min(36 * (len(sets_table) + 1) + 2, 480),
    column_config={
        "Images": st.column_config.NumberColumn(format="localized",
                                                help="Size of the canonical release; each result row carries the "
                                                     "image count its source used."),
        "Class-matched x": st.column_config.TextColumn(
            help="ImageNet validation images of the shift's classes: the alternative x-axis of Taori et al."),
        "Main shift": st.column_config.CheckboxColumn(help="One of the five shifts averaged on the Models page."),
    }, placeholder=MISSING)
st.caption("ImageNet-R and ImageNet-A are scored on their 200 classes, ObjectNet on the 113 classes it shares "
           "with ImageNet; the video sets (pm-0 accuracy) come from the testbed only.")

# --- definitions --------------------------------------------------------------------------------------
st.header("Definitions")
st.markdown(
    "**Effective robustness** (Taori et al., 2020). Let $x$ be a model's top-1 accuracy on ImageNet and $y$ its "
    "top-1 under a distribution shift. On transformed axes, standard-training models lie close to one line "
    "(Miller et al., 2021, *accuracy on the line*):")
st.latex(r"T(y) \approx \beta_1\, T(x) + \beta_0,\qquad "
         r"\mathrm{ER} = y - T^{-1}\!\bigl(\beta_1\, T(x) + \beta_0\bigr)")
st.markdown(
    "effective robustness is how far a model lies above that baseline, in accuracy points. "
    "The **shift gap** is simply $y - x$ (usually negative: shifted accuracy is lower). It is not Taori et al.'s "
    "*relative robustness*, which is the gain of a robustness intervention over its own baseline model.")
st.markdown("**Transforms** $T$: logit (default), probit, or linear (for intuition only):")
st.latex(r"\operatorname{logit}(p) = \ln\frac{p}{1-p},\qquad \operatorname{probit}(p) = \Phi^{-1}(p)")
st.markdown(f"Accuracies of exactly 0 or 1 are clipped to $[{EPS:g}, 1-{EPS:g}]$ before transforming.")

st.markdown(
    "**Baselines.** The line is fit by ordinary least squares in transformed space on one of these model sets:\n"
    + "".join(f"- *{k}*: {s.members};\n" for k, s in BASELINE_SPECS.items())
    + "\nOptionally only models whose ImageNet accuracy lies in a chosen range are used. A line is drawn solid "
    "only between the lowest and highest ImageNet accuracy of the models it was fit on, and dashed beyond; a "
    "model whose ImageNet accuracy lies outside that range has an **extrapolated** effective robustness, "
    "flagged wherever it is shown.")
st.markdown(
    f"**Bootstrap band.** The baseline is refit on 1,000 resamples (with replacement) of its models, seeded with "
    f"the testbed's seed ({TESTBED_SEED}); at each ImageNet accuracy the 2.5% and 97.5% order statistics of the "
    "refit lines give a 95% band.")
st.markdown(
    "**Effective-robustness intervals.** Two choices, named on every chart and table that shows them:\n"
    + "".join(f"- *{v.label}*: {v.method}.\n" for v in ER_INTERVALS.values())
    + "\nThe total interval combines the independent parts in quadrature on each side, with the 95% "
    "Clopper-Pearson bounds $[y_-, y_+]$ and $[x_-, x_+]$ of the model's own accuracies, the baseline $f$ and "
    "its band $[f_-, f_+]$ at $x$:")
st.latex(r"\mathrm{ER} - \sqrt{(y - y_-)^2 + (f_+ - f)^2 + (f(x_+) - f)^2},\qquad "
         r"\mathrm{ER} + \sqrt{(y_+ - y)^2 + (f - f_-)^2 + (f - f(x_-))^2}")
st.markdown(
    "For the average of shifts (no single image count) $y$'s part is the normal approximation of a mean of "
    "independent binomial accuracies, $\\sqrt{\\sum_i p_i(1-p_i)/n_i}\\,/\\,5$. A simulation that pairs each "
    "bootstrap line with binomial draws of the model's accuracies agrees with this rule to within 10% in width "
    "(tested). The band alone is narrower than the binomial noise of a model's own accuracy on a few "
    "thousand test images, so it is available for comparison, never the default.")
st.markdown(
    "**Effective robustness in axis units.** The same distance measured on the plotted axes, "
    "$T(y) - (\\beta_1 T(x) + \\beta_0)$ (logit or probit units), and optionally divided by the standard "
    "deviation of the baseline models' residuals in those units. Points shrink by construction near 0% "
    "accuracy (a logit unit is worth fewer points there), so a small model can be as far above the line as a "
    "large one on the plotted axes and still have few points of ER.")
st.markdown(
    f"**Accuracy intervals** (Clopper & Pearson, 1934). With $k$ correct of $n$ test images, the exact "
    f"{100 * TESTBED_CONFIDENCE:g}% interval (the testbed's level) is")
st.latex(r"\Bigl[\,B^{-1}\!\bigl(\tfrac{\alpha}{2};\,k,\,n-k+1\bigr),\; "
         r"B^{-1}\!\bigl(1-\tfrac{\alpha}{2};\,k+1,\,n-k\bigr)\Bigr],\qquad \alpha = "
         + f"{1 - TESTBED_CONFIDENCE:.3f}".rstrip("0") + r",")
st.markdown("where $B^{-1}(q; a, b)$ is the quantile function of the Beta$(a, b)$ distribution.")
st.markdown(
    f"**Average of shifts** (Radford et al., 2021): $y$ is the mean top-1 over the {len(MAIN_SHIFTS)} main shifts "
    "(ImageNetV2, ImageNet-Sketch, ImageNet-R, ImageNet-A, ObjectNet), and the baseline is fit on that mean. "
    "On the Models page, the *ER mean of 5* is instead the mean of the five per-shift effective robustness values.")
st.markdown(
    "**Power law** (Cherti et al., 2023). Zero-shot error $E$ against samples seen (or compute) $C$:")
st.latex(r"E = A\, C^{\alpha}\qquad\text{or, with irreducible error,}\qquad E = A\, C^{\alpha} + E_\infty")
st.markdown(
    "The pure power law is a straight line on log-log axes, fit by least squares of $\\ln E$ on $\\ln C$ with "
    "t intervals for $\\alpha$ and $A$; the form with $E_\\infty \\ge 0$ is fit by nonlinear least squares in "
    "$\\ln E$, with t intervals for $A$ and $\\alpha$ from the parameter covariance and a profile interval for "
    "$E_\\infty$: every value in $[0, \\min E]$ whose refit of $A$ and $\\alpha$ keeps "
    "$\\mathrm{RSS} \\le \\mathrm{RSS}_{\\min}\\,(1 + F_{1,n-3}/(n-3))$ (Bates & Watts, 1988), so it never leaves "
    "the range from 0 to the lowest observed error; an end at either limit means the data do not bound $E_\\infty$ there.\n\n"
    "Three kinds of fit are drawn on the Scaling page. **LAION pooled** is Cherti et al.'s fit "
    "(their `figures.ipynb`): every scaling-laws run on LAION-80M, -400M and -2B together; $\\log_{10} C$ is cut "
    "into 5 bins of equal width over $[\\min, \\max + 0.1]$, each non-empty bin contributes its centre and the "
    "lowest error in it, and the line is least squares in log-log through those points. On compute it gives "
    "$E = 5.86\\,C^{-0.111}$ for ImageNet ($C$ in GMACs, $E$ as a fraction), as published. **OpenAI** is least "
    "squares in log-log on the three OpenAI CLIP models as Cherti et al. evaluated them: $E = 23.18\\,C^{-0.164}$. "
    "**Per colour group** fits one law per training dataset (or architecture) on the lowest-error model at each "
    "scale, or on all models. A fit through fewer than 4 distinct scales (bins for LAION pooled; $x$ within "
    "about 12% otherwise) is listed in the table but drawn only on request, dashed and labelled: on 3 scales "
    "the exponent's interval is wide and often includes 0. The OpenAI models were all trained on 12.8B samples, "
    "so they have no fit against samples seen.")

st.header("References")
st.markdown(
    "- Taori, Dave, Shankar, Carlini, Recht, Schmidt (2020). *Measuring Robustness to Natural Distribution "
    "Shifts in Image Classification.* NeurIPS.\n"
    "- Miller, Taori, Raghunathan, Sagawa, Koh, Shankar, Liang, Carmon, Schmidt (2021). *Accuracy on the Line: "
    "On the Strong Correlation Between Out-of-Distribution and In-Distribution Generalization.* ICML.\n"
    "- Radford, Kim, Hallacy, et al. (2021). *Learning Transferable Visual Models From Natural Language "
    "Supervision.* ICML.\n"
    "- Cherti, Beaumont, Wightman, Wortsman, Ilharco, Gordon, Schuhmann, Schmidt, Jitsev (2023). "
    "*Reproducible Scaling Laws for Contrastive Language-Image Learning.* CVPR.\n"
    "- Clopper, Pearson (1934). *The Use of Confidence or Fiducial Limits Illustrated in the Case of the "
    "Binomial.* Biometrika 26(4).\n"
    "- Ilharco, Wortsman, Wightman, et al. (2021). *OpenCLIP.* Zenodo. "
    "Wightman (2019). *PyTorch Image Models.* GitHub.")
