"""The effrob Python API as a notebook would use it (run: ``python examples/notebook.py [my_results.csv]``).

Works from any folder once the package is installed (``pip install .``); without installing, run it
from the repository root as ``PYTHONPATH=. python examples/notebook.py``.
"""

import sys

from effrob_core import api

results = api.load()  # the published tables: about 2,000 models
print(f"{len(results.models)} models, {len(results.evaluations)} evaluations")

if len(sys.argv) > 1:  # your own results, e.g. tests/data/my_models.csv (template CSV or CLIP_benchmark output)
    results = api.add_results(results, *sys.argv[1:])

a = api.analyse(results, "imagenet-sketch")  # Taori et al.'s testbed line, logit axes, 95% bootstrap band
print(a.fit.pieces[0].fit)  # LinearFit(slope=1.0709..., intercept=-2.3701..., r=0.9322..., n=85, ...)
print(api.fit_table(a).to_string(index=False))

table = api.robustness_table(a)  # every model, most effectively robust first, in percent
print(table.head(5).to_string(index=False))
print(table.groupby("group")["eff_rob_pct"].median().round(1).to_string())
