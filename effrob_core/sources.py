"""The published sources of results (a registry mirroring ``results/README.md``), what each
contributes, and the evaluation-set registry as a table: the Data view's tables.

Pure functions of :class:`~effrob_core.results.Results` (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .datasets import EVAL_SETS
from .results import UPLOAD_GROUP, UPLOAD_SOURCE, Results


@dataclass(frozen=True)
class Source:
    """One published source of results: its key in ``models.source``, where it comes from, its license."""

    key: str
    name: str
    repository: str
    commit: str
    license: str
    citation: str
    files: str


#: Mirrors the attribution table of ``results/README.md`` (a test keeps the two in step).
SOURCES: tuple[Source, ...] = (
    Source("testbed", "ImageNet testbed", "modestyachts/imagenet-testbed",
           "0170eec658d664289d9f61de8f90f967f49abca0", "MIT", "Taori et al., 2020",
           "robustness_top1s.csv, model_types.csv"),
    Source("timm", "timm (PyTorch Image Models)", "huggingface/pytorch-image-models",
           "aa4b5850c1543fa488abf260f18390eda46cf85d", "Apache-2.0", "Wightman, 2019",
           "results-*.csv, model_metadata-in1k.csv"),
    Source("openclip", "OpenCLIP pretrained models", "mlfoundations/open_clip",
           "89fb801f1e6087880e951fc8354b8a2077b79c6d", "MIT", "Ilharco et al., 2021",
           "openclip_results.csv, model_profile.csv"),
    Source("scaling-laws", "Reproducible scaling laws for CLIP", "LAION-AI/scaling-laws-openclip",
           "652b1e7471f7ccf372277f67cb680de5c9fa139d", "see repository", "Cherti et al., 2023",
           "zeroshot_results.csv, trained_models_info.csv"),
    Source("openclip-lowacc", "OpenCLIP low-accuracy RN50 (read from a figure)", "mlfoundations/open_clip",
           "89fb801f1e6087880e951fc8354b8a2077b79c6d", "MIT", "Ilharco et al., 2021 (docs/LOW_ACC.md)",
           "docs/scaling.png, digitised to about ±0.3 points"),
    Source("model-soups", "Model soups: fine-tuned CLIP ViT-B/32 and their weight averages",
           "mlfoundations/model-soups", "d5398f181ea51c5cd9d95ebacc6ea7132bb108ec", "MIT", "Wortsman et al., 2022",
           "individual_model_results.jsonl, greedy_soup_results.jsonl, uniform_soup_results.jsonl, "
           "hparam_info.json"),
)
SOURCE_BY_KEY: dict[str, Source] = {s.key: s for s in SOURCES}
#: Order of sources in every control and legend: the published ones as listed above, then uploads.
SOURCE_ORDER: tuple[str, ...] = (*SOURCE_BY_KEY, UPLOAD_SOURCE)


def ordered_sources(present: Iterable[str]) -> list[str]:
    """The sources in ``present`` in :data:`SOURCE_ORDER`, then any others alphabetically."""
    present = set(present)
    return [k for k in SOURCE_ORDER if k in present] + sorted(present - set(SOURCE_ORDER))
#: The models uploaded in a browser session: a source of their own, listed after the published ones.
UPLOADED_BY_YOU = "uploaded by you"
UPLOADED = Source(UPLOAD_SOURCE, f"{UPLOAD_GROUP} (this browser session only)", UPLOADED_BY_YOU,
                  UPLOADED_BY_YOU, UPLOADED_BY_YOU, "", "your uploaded files (kept in memory, never stored)")


def source_summary(results: Results) -> pd.DataFrame:
    """One row per source in the results: models, evaluations and evaluation sets it contributes,
    with repository, commit and license from :data:`SOURCES` (blank for a source not listed there).

    Uploaded models form one last row, :data:`UPLOADED`, whose repository, commit and license say
    "uploaded by you"."""
    models = results.models[["model_id", "source"]]
    ev = results.evaluations.merge(models, on="model_id", how="left")
    counts = pd.DataFrame({
        "models": models.groupby("source").size(),
        "evaluations": ev.groupby("source").size(),
        "evaluation sets": ev.groupby("source")["eval_set"].nunique(),
    }).fillna(0).astype(int)
    pairs = ev[["source", "eval_set"]].drop_duplicates()  # a few dozen rows, whatever the table size
    sets = pairs.groupby("source")["eval_set"].agg(lambda s: ", ".join(k for k in EVAL_SETS if k in set(s)))
    counts["sets"] = sets.reindex(counts.index).fillna("")
    known = (*SOURCES, UPLOADED)
    order = [s.key for s in SOURCES if s.key in counts.index] + sorted(
        k for k in counts.index if k not in SOURCE_BY_KEY and k != UPLOAD_SOURCE)
    order += [UPLOAD_SOURCE] if UPLOAD_SOURCE in counts.index else []
    counts = counts.loc[order]
    meta = pd.DataFrame([vars(s) for s in known]).set_index("key").reindex(counts.index)
    out = pd.DataFrame({
        "Source": meta["name"].fillna(pd.Series(counts.index, index=counts.index)),
        "Key": counts.index,
        "Models": counts["models"],
        "Evaluations": counts["evaluations"],
        "Evaluation sets": counts["evaluation sets"],
        "Sets": counts["sets"],
        "Repository": meta["repository"].fillna(""),
        "Commit": meta["commit"].fillna(""),
        "License": meta["license"].fillna(""),
        "Citation": meta["citation"].fillna(""),
    })
    return out.reset_index(drop=True)


def eval_set_table() -> pd.DataFrame:
    """The evaluation-set registry as a table: name, key, images, classes, kind and class-matched x."""
    rows = list(EVAL_SETS.values())
    return pd.DataFrame({
        "Name": [s.name for s in rows],
        "Key": [s.key for s in rows],
        "Images": [s.n_images for s in rows],
        "Classes": [s.n_classes for s in rows],
        "Kind": [s.kind for s in rows],
        "Class-matched x": [s.matched_x or "" for s in rows],
        "Main shift": [s.main_shift for s in rows],
    })


def source_models(results: Results, source: str) -> pd.DataFrame:
    """The models of one source with their group, architecture, training data, number of evaluations
    and the other rows of the same checkpoint ("Same weights as": the canonical row's id on a
    duplicate row, the duplicates' ids on a canonical row)."""
    m = results.models.loc[results.models["source"] == source]
    n_eval = results.evaluations.groupby("model_id").size()
    canonical = m["canonical_id"].astype(str) if "canonical_id" in m.columns else pd.Series("", index=m.index)
    also = m["also_in"].astype(str) if "also_in" in m.columns else pd.Series("", index=m.index)
    return pd.DataFrame({
        "Model": m["display_name"].to_numpy(), "Model id": m["model_id"].to_numpy(), "Group": m["group"].to_numpy(),
        "Architecture": m["architecture"].to_numpy(), "Training data": m["train_data"].to_numpy(),
        "Samples seen": m["samples_seen"].to_numpy(),
        "Evaluations": n_eval.reindex(m["model_id"]).fillna(0).astype(int).to_numpy(),
        "Digitised": m["digitized"].to_numpy(dtype=bool),
        "Same weights as": canonical.where(canonical != "", also).to_numpy(),
    })
