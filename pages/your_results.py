"""Your results: load your own models' accuracies and compare them with the published models.

Files are read by ``effrob_core.upload``; the models join every page as group "Your models" for this
browser session only (kept in session state, never written to disk). The table's numbers come from
``effrob_core.robustness.robustness_by_shift`` on the published results combined with the uploads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from effrob_core.baseline import (BASELINE_SPECS, BASELINES, DECLARED_STANDARD, TESTBED_RESAMPLES, USER_BASELINES,
                                  baseline_label, baseline_mask)
from effrob_core.datasets import EVAL_SETS, IMAGENET, MAIN_SHIFTS
from effrob_core.results import Results
from effrob_core.robustness import robustness_by_shift
from effrob_core.safe_csv import safe_csv
from effrob_core.transforms import TRANSFORM_LABELS, TRANSFORMS
from effrob_core.uncertainty import ER_INTERVALS
from effrob_core.upload import (
    CLIP_TASKS,
    MAX_BYTES,
    MAX_ROWS,
    MODEL_NAME_COLUMNS,
    Upload,
    accepted_columns,
    parse_files_lenient,
    template_csv,
)
from effrob_core.viewstate import Param
from pages.common import (
    MISSING,
    clear_uploads,
    init_state,
    key,
    plain,
    published_results,
    set_uploads,
    show_share_link,
    state,
    sync_url,
    uploaded,
    uploaded_files,
)

PAGE = "yours"
PARAMS = [
    Param("baseline", "testbed", "choice", BASELINES + USER_BASELINES),
    Param("scale", "logit", "choice", TRANSFORMS),
]
P = {p.key: p for p in PARAMS}
#: Bootstrap resamples of the baseline band (the testbed's, the core's default).
N_RESAMPLES = TESTBED_RESAMPLES

RESET_KEY = "yours.uploader_generation"  # bumped by "Remove my models" to give the uploader a fresh, empty key
BASE_KEY = "yours.loaded_before_visit"  # uploads loaded before this visit of the page (kept when adding files)
ERRORS_KEY = "yours.errors"  # messages of the files that could not be loaded, from the last upload
TABLES_KEY = "yours.tables"  # this session's computed tables, keyed by uploads and view (never a shared cache)
RUN_NAME_KEY = "yours.run_name"  # name of an uploaded open_clip run (else params.txt's name)
SAMPLES_KEY = "yours.samples_per_epoch"  # samples per epoch of a run without train_num_samples (never guessed)
UNKNOWN_SAMPLES = "samples seen are unknown (never guessed)"


def uploader_key() -> str:
    """Widget key of the file uploader (a new one after "Remove my models")."""
    return f"yours.files.{st.session_state.get(RESET_KEY, 0)}"


def on_upload(widget_key: str) -> None:
    """Read the files now in the uploader on top of those loaded before this visit; keep the good ones.

    Also run when the open_clip run name or samples per epoch change, to read the run again with them."""
    files = st.session_state.get(widget_key) or []
    run_name = (st.session_state.get(RUN_NAME_KEY) or "").strip() or None
    _, kept, errors = parse_files_lenient([(f.name, f.getvalue()) for f in files],
                                          keep=st.session_state.get(BASE_KEY, []), run_name=run_name,
                                          samples_per_epoch=st.session_state.get(SAMPLES_KEY))
    set_uploads(kept)
    st.session_state[ERRORS_KEY] = [str(e) for e in errors]
    st.session_state.pop(TABLES_KEY, None)


def on_remove() -> None:
    """Forget every uploaded model and empty the uploader."""
    clear_uploads()
    st.session_state[RESET_KEY] = st.session_state.get(RESET_KEY, 0) + 1
    st.session_state[BASE_KEY] = []
    st.session_state[ERRORS_KEY] = []
    st.session_state.pop(TABLES_KEY, None)


def upload_robustness(mine: Upload, baseline: str, kind: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """``robustness_by_shift`` for each main shift on published + uploaded results, uploaded rows only, and
    why a shift has no baseline (e.g. timm has no ObjectNet results); the mean needs all five shifts.

    Memoised in this session's state (uploaded data never enters a cache shared between sessions)."""
    memo = st.session_state.setdefault(TABLES_KEY, {})
    view = (id(mine), baseline, kind)
    if view not in memo:
        combined = published_results().combine(mine.results)
        table, missing = robustness_by_shift(combined, MAIN_SHIFTS, baseline, kind,  # type: ignore[arg-type]
                                             n_resamples=N_RESAMPLES)
        table = table.reindex(mine.results.models["model_id"])
        memo.clear()
        memo[view] = (table, missing)
    return memo[view]


def display_table(results: Results, rob: pd.DataFrame, files: pd.Series) -> pd.DataFrame:
    """Uploaded models with ImageNet accuracy, and per main shift its accuracy, effective robustness and
    95% interval (percent and accuracy points); best mean effective robustness first."""
    ids = results.models["model_id"]
    top1 = results.wide("top1").reindex(ids)
    out = {"Model": results.models["display_name"].to_numpy(),
           "ImageNet (%)": 100 * top1[IMAGENET].to_numpy()}
    for s in MAIN_SHIFTS:  # five shifts, each vectorised over models
        name = EVAL_SETS[s].name
        lo, hi = 100 * rob[f"eff_rob_lo[{s}]"].to_numpy(), 100 * rob[f"eff_rob_hi[{s}]"].to_numpy()
        out[f"{name} (%)"] = 100 * top1[s].to_numpy()
        out[f"{name} eff. rob. (pts)"] = 100 * rob[f"eff_rob[{s}]"].to_numpy()
        out[f"{name} 95% interval"] = np.where(
            np.isfinite(lo) & np.isfinite(hi),
            pd.Series(lo).map("[{:+.1f}, ".format).to_numpy() + pd.Series(hi).map("{:+.1f}]".format).to_numpy(), "")
    out["Mean eff. rob. (pts)"] = 100 * rob["eff_rob[mean]"].to_numpy()
    out["Files"] = files.reindex(ids).to_numpy()
    table = pd.DataFrame(out)
    return table.sort_values("Mean eff. rob. (pts)", ascending=False, kind="stable", na_position="last")


def formats_markdown() -> str:
    """Documentation of the accepted file formats."""
    sets = "\n".join(f"| `{k}` | {EVAL_SETS[k].name} | {EVAL_SETS[k].n_images:,} | "
                     f"{', '.join(f'`{a}`' for a in aliases) or '–'} |" for k, aliases in accepted_columns().items())
    return f"""
**1. The template CSV** (download it above): one row per model, comma-separated, UTF-8.

- a model-name column: `{"`, `".join(MODEL_NAME_COLUMNS)}`;
- one column per evaluation set with top-1 accuracy, as fractions (`0.761`) or percentages (`76.1`).
  A column is read as percentages when any value is above 1 (the page says so); then every non-zero value must be
  above 1 (for accuracies below 1% write that column as fractions). Every model needs a value in every accuracy
  column: put models with other evaluation sets in a separate file;
- optional: `architecture`, `train_data`, `samples_seen` (e.g. `12800000`, `1.28e9`, `12.8M`, `34B`; it places the
  model on the Scaling page), `params_m` (millions of parameters), `series` (a training run: its rows are
  checkpoints, drawn as a path in order of `samples_seen`, which every row of a series needs) and `group`
  (`standard`, `zero-shot`, `fine-tuned`, `robust` or `more data`: how the model was trained; models declared
  `standard` can make the baseline themselves).

| column | evaluation set | images (for the intervals) | also accepted |
| --- | --- | ---: | --- |
{sets}

Upper/lower case, `_`, `-` and spaces are interchangeable in column names.

**2. CLIP_benchmark JSON files**, exactly as `clip_benchmark eval` writes them:
`{{"dataset": "imagenet1k", "model": "ViT-B-32", "pretrained": "laion2b_s34b_b79k", "task": "zeroshot_classification",
"metrics": {{"acc1": 0.665, ...}}}}`. Select all of a model's files at once; the model is named
`model pretrained`. Its training data and samples seen are read from OpenCLIP-style pretrained tags (`_s34b_`).

**3. The CSV `clip_benchmark build` writes** (columns `acc1, …, dataset, model, pretrained, task, …,
model_fullname`).

**4. An open_clip run**: select its `checkpoints/results.jsonl` and its `params.txt` together (one run per
upload). Each evaluation line with `imagenet-zeroshot-val-top1` and an `epoch` is one checkpoint of a series
named after the run (`name` in params.txt, or the name you give under *open_clip runs*); samples seen = completed
epochs × `train_num_samples`; architecture (`model`) and training data (`train_data`) come from params.txt. ImageNet
and ImageNetV2 are what open_clip evaluates. Lines without ImageNet accuracy or without an epoch (open_clip writes
the epoch only with `--val-data`) are listed in the notes, not loaded. Without params.txt, give the samples per epoch
under *open_clip runs*: it is never guessed.

CLIP_benchmark results whose `pretrained` is a checkpoint path (`<run>/checkpoints/epoch_N.pt`) form the series
`<run>`, ordered by the epoch in the file name.

For both CLIP_benchmark formats, tasks {", ".join(f"`{t}`" for t in CLIP_TASKS)} are used (linear-probe models
get " (linear probe)" appended to their name); other tasks and datasets that are not in the table above are
skipped, and the page lists them.

Limits: {MAX_BYTES // 2**20} MB and {MAX_ROWS:,} rows per file. A model name may repeat a published model's name:
uploaded models are kept apart (their ids start with `upload:`).
"""


# --- page ---------------------------------------------------------------------------------------------
st.title("Your results")
st.caption(
    "Add your own models' accuracies to compare their effective robustness with the published models. "
    "They join every page as the group **Your models** (black ×) for this browser session only: nothing is "
    "written to the server's disk, and closing or reloading the tab forgets them.")
init_state(PAGE, PARAMS)

widget_key = uploader_key()
if widget_key not in st.session_state:  # first run of this visit: files added now come on top of these
    st.session_state[BASE_KEY] = uploaded_files()

c_up, c_template = st.columns([3, 1], vertical_alignment="bottom")
c_up.file_uploader(
    "Result files (template CSV, CLIP_benchmark JSON or CSV, or an open_clip run's results.jsonl and params.txt)",
    type=["csv", "json", "jsonl", "txt"], accept_multiple_files=True,
    key=widget_key, on_change=on_upload, args=(widget_key,), max_upload_size=MAX_BYTES // 2**20,
    help="Several files can be selected at once, e.g. all CLIP_benchmark JSON files of a model, or an open_clip "
         "run's checkpoints/results.jsonl together with its params.txt (one run per upload).")
c_template.download_button("Download the template CSV", template_csv(), file_name="effrob_template.csv",
                           mime="text/csv", icon=":material/download:")
with st.expander("File formats", expanded=False):
    st.markdown(formats_markdown())

with st.expander("open_clip runs", expanded=bool(st.session_state.get(SAMPLES_KEY))):
    c_name, c_samples = st.columns(2)
    c_name.text_input("Run name", key=RUN_NAME_KEY, on_change=on_upload, args=(widget_key,),
                      placeholder="params.txt's name", help="Names the run's series; by default the `name` in "
                                                            "params.txt. Applies to the run in the uploader above.")
    c_samples.number_input(
        "Samples per epoch (when params.txt is missing)", min_value=1, value=None, step=1, key=SAMPLES_KEY,
        on_change=on_upload, args=(widget_key,), placeholder="open_clip's --train-num-samples",
        help="Samples seen after an epoch = completed epochs × this. Read from params.txt's train_num_samples "
             "when it is there; without either, samples seen stay unknown (never guessed).")

for message in st.session_state.get(ERRORS_KEY, []):
    st.error(plain(message), icon=":material/error:")

mine = uploaded()
if mine is not None and any(UNKNOWN_SAMPLES in n for n in mine.notes):
    st.warning("An open_clip run was read without params.txt (or its train_num_samples is None), so its samples "
               "seen are unknown: upload its params.txt with results.jsonl, or give the samples per epoch under "
               "**open_clip runs** above. Its checkpoints are ordered by epoch meanwhile.", icon=":material/warning:")
if mine is None or mine.n_models == 0:
    if mine is not None:
        st.warning("The files loaded hold no usable accuracies (see the notes below).")
    else:
        st.info("No models loaded yet. Upload files above, or start from the template.")
else:
    st.success(f"{mine.n_models} model(s) loaded from {len(mine.files)} file(s). They now appear on every page "
               "as **Your models**.")
    st.caption("Loaded: " + ", ".join(plain(f) for f in mine.files) + ". Files added later come on top of these.")
if mine is not None and mine.notes:
    with st.expander(f"How the files were read ({len(mine.notes)} note(s))", expanded=True):
        st.markdown("\n".join(f"- {plain(n)}" for n in mine.notes))

if mine is not None and mine.n_models:
    st.subheader("Effective robustness of your models")
    c_base, c_scale = st.columns(2)
    own = mine.results.models.loc[mine.results.models["source_category"] == DECLARED_STANDARD, "display_name"]
    options = BASELINES + (USER_BASELINES if len(own) else ())
    if state(PAGE, P["baseline"]) not in options:  # your line needs models declared standard-trained
        st.session_state[key(PAGE, P["baseline"])] = "testbed"
    baseline = c_base.selectbox("Baseline fit on", options, format_func=baseline_label,
                                key=key(PAGE, P["baseline"]),
                                help="Models declared 'Standard training' (the template's group column) can make "
                                     "the line themselves, alone or with the testbed's.")
    kind = c_scale.radio("Axis scaling of the fit", TRANSFORMS, format_func=TRANSFORM_LABELS.get,
                         key=key(PAGE, P["scale"]), horizontal=True)
    with st.spinner("Fitting the baselines of the five shifts…"):
        rob, no_baseline = upload_robustness(mine, state(PAGE, P["baseline"]), state(PAGE, P["scale"]))
    for s, why in no_baseline.items():
        st.warning(f"No baseline on {BASELINE_SPECS[baseline].phrase} for {EVAL_SETS[s].name} ({why}): its columns "
                   "and the mean stay blank; choose another baseline.", icon=":material/warning:")
    if baseline in USER_BASELINES:
        members = baseline_mask(published_results().combine(mine.results).models, baseline)
        n_published = int(members[:len(published_results().models)].sum())
        st.info(f"The line holds your {len(own)} model(s) declared standard-trained: "
                f"{plain(', '.join(own.astype(str)))}"
                + (f", and the testbed's {n_published} standard-training models" if n_published else "")
                + ". It is fit per shift on those of them that have the shift.", icon=":material/show_chart:")
    table = display_table(mine.results, rob, mine.model_files())
    st.caption(
        "Accuracy under each shift minus the baseline's prediction at the model's full-ImageNet accuracy, in "
        f"accuracy points ({TRANSFORM_LABELS[kind].lower()} fit on {BASELINE_SPECS[baseline].phrase}); the "
        f"interval is 95%: {ER_INTERVALS['total'].method}. The mean needs all five shifts. "
        "Blank cells: the model lacks ImageNet or that shift.")
    fmt: dict[str, object] = {c: st.column_config.NumberColumn(format="%.2f") for c in table.columns
                              if table[c].dtype.kind == "f"}
    fmt["Model"] = st.column_config.TextColumn(pinned=True)
    st.dataframe(table, hide_index=True, column_config=fmt, height=min(420, 38 + 35 * len(table)), placeholder=MISSING)
    c_dl, c_rm = st.columns([1, 1])
    c_dl.download_button("Download this table (CSV)", safe_csv(table, float_format="%.4f"),
                         file_name="your_models_effective_robustness.csv", mime="text/csv")
    c_rm.button("Remove my models", on_click=on_remove, type="primary",
                help="Forget every uploaded model in this browser session.")
elif mine is not None:
    st.button("Remove my models", on_click=on_remove, type="primary")

link = sync_url(PAGE, PARAMS)
show_share_link(link)
st.caption("The link keeps the page's settings; uploaded files are never part of a link.")
