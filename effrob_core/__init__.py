"""effrob_core: results tables and effective-robustness metrics (no Streamlit here).

The modules each hold one concept: ``datasets`` (the evaluation-set registry), ``transforms``
(logit/probit/linear accuracy axes), ``results`` (loading and validating the tables),
``baseline`` (the standard-training line), ``robustness`` (effective robustness and the shift gap y - x),
``intervals`` (binomial confidence intervals), ``scaling`` (power-law fits) and ``ingest``
(building ``results/`` from the published upstream files).
"""

__version__ = "0.1.0"
