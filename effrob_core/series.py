"""Series of models: the checkpoints of one training run, or a zero-shot model fine-tuned and averaged
into soups, and the order in which a figure draws them as a path.

A model belongs to at most one series (``models.series``) at a position ``models.series_step``: for
a training run the samples seen, for the published fine-tuning series of Wortsman et al. (2022,
"Model soups") 1 = linear-probe initialisation, 2 = fine-tuned models, 3 = soups. A published series
may start from a model of another source (the zero-shot model it was fine-tuned from), which is
step 0 of the series without being written to that model's row. Uploaded series are keyed
``upload:<name>``.

Drawing rule (:func:`series_path`): steps are visited in order. A step holding one model continues
the path from the previous single model; a step holding several models (alternatives, e.g. 71
hyperparameter settings or two soups) fans out from the last single model before it, and the path
does not pass through it. The start is the first step's model(s), the end the last step's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .datasets import AVERAGE, IMAGENET, MAIN_SHIFTS
from .results import UPLOAD_SOURCE, Results
from .robustness import robustness_by_shift

UPLOAD_SERIES_PREFIX = "upload:"


@dataclass(frozen=True)
class PublishedSeries:
    """A series in the published results: its key in ``models.series``, legend name and start."""

    key: str
    name: str
    citation: str
    start: str | None = None  # model_id of the model the series starts from (step 0), from another source
    steps: dict[int, str] = field(default_factory=dict)  # what each step is, for hover text and captions


#: The published series, one small entry each (the ingest writes their rows' ``series``/``series_step``).
PUBLISHED_SERIES: tuple[PublishedSeries, ...] = (
    PublishedSeries(
        "model-soups", "Fine-tuning CLIP ViT-B/32 (model soups)", "Wortsman et al., 2022",
        start="testbed:vit_b_32_clip_zeroshot",  # the canonical row of OpenAI's ViT-B/32 (results/README.md)
        steps={0: "zero-shot (OpenAI)", 1: "LP initialization", 2: "fine-tuned on ImageNet", 3: "soup"}),
)
SERIES_BY_KEY: dict[str, PublishedSeries] = {s.key: s for s in PUBLISHED_SERIES}


def series_label(key: str) -> str:
    """Legend name of a series: the registry's name, or an uploaded series' own name."""
    if key in SERIES_BY_KEY:
        return SERIES_BY_KEY[key].name
    return key.removeprefix(UPLOAD_SERIES_PREFIX) + (" (yours)" if key.startswith(UPLOAD_SERIES_PREFIX) else "")


def step_label(key: str, step: float) -> str:
    """What a step of a series is: a registry label, or the samples seen of a run's checkpoint."""
    spec = SERIES_BY_KEY.get(key)
    if spec is not None and int(step) in spec.steps:
        return spec.steps[int(step)]
    return f"{step:,.0f} samples seen" if np.isfinite(step) else ""


def published_series_keys(models: pd.DataFrame) -> tuple[str, ...]:
    """Registry series present in a models table, in registry order."""
    present = set(models["series"].astype(str))
    return tuple(s.key for s in PUBLISHED_SERIES if s.key in present)


def uploaded_series_keys(models: pd.DataFrame) -> tuple[str, ...]:
    """Series of uploaded models, in the order they first appear."""
    s = models.loc[models["source"] == UPLOAD_SOURCE, "series"].astype(str)
    return tuple(dict.fromkeys(s[s != ""]))


def series_members(models: pd.DataFrame, keys: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Members of the chosen series: ``series``, ``model_id``, ``step``, sorted by series then step.

    A published series' start model (another source's row) joins at step 0 when it is in ``models``."""
    keys = list(dict.fromkeys(keys))
    rows = models.loc[models["series"].isin(keys), ["series", "model_id", "series_step"]]
    rows = rows.rename(columns={"series_step": "step"})
    starts = pd.DataFrame([(k, SERIES_BY_KEY[k].start, 0.0) for k in keys
                           if k in SERIES_BY_KEY and SERIES_BY_KEY[k].start is not None],
                          columns=["series", "model_id", "step"])
    starts = starts[starts["model_id"].isin(models["model_id"])]
    out = pd.concat([starts, rows], ignore_index=True) if len(starts) else rows.reset_index(drop=True)
    out["step"] = out["step"].astype(float)
    order = {k: i for i, k in enumerate(keys)}
    out = out.assign(_o=out["series"].map(order)).sort_values(["_o", "step", "model_id"], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


@dataclass(frozen=True)
class SeriesPath:
    """How one series is drawn: the main path, the fan segments, and its start and end models."""

    key: str
    path: tuple[str, ...]  # model ids joined in order
    fans: tuple[tuple[str, str], ...]  # (from, to) segments to each alternative of a multi-model step
    start: tuple[str, ...]
    end: tuple[str, ...]


def series_path(members: pd.DataFrame, key: str, present: set[str] | None = None) -> SeriesPath:
    """The drawing of one series (see the module's drawing rule), over the members in ``present``
    (e.g. the models with both accuracies of the view; all when None)."""
    m = members[members["series"] == key]
    if present is not None:
        m = m[m["model_id"].isin(present)]
    steps = [g["model_id"].tolist() for _, g in m.groupby("step", sort=True)]  # a handful of steps
    path: list[str] = []
    fans: list[tuple[str, str]] = []
    for ids in steps:
        if len(ids) == 1:
            path.append(ids[0])
        elif path:
            fans.extend((path[-1], i) for i in ids)
    return SeriesPath(key, tuple(path), tuple(fans), tuple(steps[0]) if steps else (),
                      tuple(steps[-1]) if steps else ())


def series_robustness(results: Results, members: pd.DataFrame, baseline: str = "testbed",
                      transform: str = "logit", x_axis: str = "full",
                      shifts: tuple[str, ...] = MAIN_SHIFTS) -> dict[str, pd.DataFrame]:
    """Per shift and the average (``average`` = mean of the per-shift effective robustness, as
    :func:`~effrob_core.robustness.robustness_by_shift`'s ``eff_rob[mean]``), the series members'
    ImageNet accuracy, effective robustness (fractions) and display name, indexed by model_id; members
    without that shift are left out. The baseline is fit on ``results`` as the other views fit it."""
    table, _ = robustness_by_shift(results, shifts, baseline, transform, x_axis, n_resamples=1)  # type: ignore[arg-type]
    ids = pd.Index(members["model_id"].unique(), name="model_id")
    models = results.models.set_index("model_id")
    base = pd.DataFrame({"imagenet": results.wide("top1")[IMAGENET].reindex(ids),
                         "display_name": models["display_name"].reindex(ids)}, index=ids)
    out: dict[str, pd.DataFrame] = {}
    for s in (*shifts, AVERAGE):  # six panels
        col = "eff_rob[mean]" if s == AVERAGE else f"eff_rob[{s}]"
        frame = base.assign(eff_rob=table[col].reindex(ids))
        out[s] = frame[frame["imagenet"].notna() & frame["eff_rob"].notna()]
    return out


def series_learning_curves(results: Results, keys: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """ImageNet top-1 along each series as a learning-curves table (``model_id`` = the series key,
    ``epoch``, ``samples_seen``, ``imagenet_top1``), in step order: a run's checkpoints beside the
    published learning curves of Cherti et al. (2023)."""
    members = series_members(results.models, keys)
    models = results.models.set_index("model_id")
    top1 = results.wide("top1")[IMAGENET]
    out = pd.DataFrame({
        "model_id": members["series"].to_numpy(),
        "epoch": models["epochs"].reindex(members["model_id"]).to_numpy(dtype=float),
        "samples_seen": models["samples_seen"].reindex(members["model_id"]).to_numpy(dtype=float),
        "imagenet_top1": top1.reindex(members["model_id"]).to_numpy(dtype=float),
    })
    return out[out["imagenet_top1"].notna()].reset_index(drop=True)
