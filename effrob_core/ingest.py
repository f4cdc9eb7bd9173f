"""Build ``results/models.csv`` and ``results/evaluations.csv`` from the published upstream files.

Run ``python -m effrob_core.ingest --upstream ../shared/upstream --out results``. The raw files stay
outside the repository; only the two tidy tables built here are committed (see ``results/README.md``
for the sources, their licences and every rule applied below). The build is deterministic: rows are
sorted, columns are in a fixed order, and floats are written with Python's shortest round-trip
``repr``, so a rebuild reproduces the committed files byte for byte.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from .checkpoints import ALSO_IN_SEP, check_links
from .datasets import EVAL_SETS, IMAGENET_C_FAMILIES, IMAGENETV2_VARIANTS, PGD_ATTACKS, SEVERITIES

MODEL_COLUMNS: tuple[str, ...] = (
    "model_id", "display_name", "source", "group", "source_category", "architecture", "train_data",
    "samples_seen", "train_images", "epochs", "batch_size", "params_m", "gflops",
    "compute_gmacs_total", "image_size", "digitized", "series", "series_step", "canonical_id", "also_in",
)
INT_COLUMNS: tuple[str, ...] = ("samples_seen", "train_images", "epochs", "batch_size", "image_size", "series_step")
FLOAT_COLUMNS: tuple[str, ...] = ("params_m", "gflops", "compute_gmacs_total")
EVAL_COLUMNS: tuple[str, ...] = ("model_id", "eval_set", "top1", "n_images")

STANDARD = "Standard training"
ROBUST = "Robustness intervention"
MORE_DATA = "Trained with more data"
ZERO_SHOT = "Zero-shot image-text"
LOW_ACC = "Low accuracy & reference"
FINE_TUNED = "Fine-tuned zero-shot"
OTHER_TASK = "Fine-tuned for another task"
GROUPS: tuple[str, ...] = (STANDARD, ROBUST, MORE_DATA, ZERO_SHOT, FINE_TUNED, LOW_ACC, OTHER_TASK)
SOURCES: tuple[str, ...] = ("testbed", "timm", "openclip", "scaling-laws", "openclip-lowacc", "model-soups")

# --- imagenet-testbed (Taori et al., 2020) -------------------------------------------------------
TESTBED_COLUMNS: dict[str, str] = {
    "val": "imagenet",
    "imagenetv2-matched-frequency-format-val": "imagenetv2",
    "imagenet-sketch": "imagenet-sketch",
    "imagenet-r": "imagenet-r",
    "imagenet-a": "imagenet-a",
    "objectnet-1.0-beta": "objectnet",
    "imagenet-vid-robust_pm0": "imagenet-vid-robust",
    "ytbb-robust_pm0": "ytbb-robust",
    "val-on-imagenet-r-classes": "imagenet-r-classes",
    "val-on-imagenet-a-classes": "imagenet-a-classes",
    "val-on-objectnet-classes": "objectnet-classes",
    "val-on-vid-robust-classes": "imagenet-vid-robust-classes",
    "val-on-ytbb-robust-classes": "ytbb-robust-classes",
}
#: The testbed's synthetic and consistency settings (registry kinds "synthetic" and "variant"),
#: generated from the registry: testbed column -> registry key.
TESTBED_SYNTHETIC_COLUMNS: dict[str, str] = {
    **{f"imagenet-c.{c}.{s}_{suffix}": f"{family}.{c}.{s}"
       for family, (suffix, _, corruptions) in IMAGENET_C_FAMILIES.items() for c in corruptions for s in SEVERITIES},
    **{k: k for k in PGD_ATTACKS},
    "greyscale": "greyscale", "stylized_imagenet": "stylized-imagenet",
    "imagenet-vid-robust_pm10": "imagenet-vid-robust-pm10", "ytbb-robust_pm10": "ytbb-robust-pm10",
    **{k: k for k in IMAGENETV2_VARIANTS},
}
#: Settings the testbed ran on the whole set (50,000 images) for some models and on its fixed 10% subset
#: (``*_10percent``, 5,000 images) for others, published in one column (``replace_10percent_naive``).
TESTBED_SUBSET_FAMILIES: tuple[str, ...] = ("imagenet-c", "pgd")
TESTBED_FULL, TESTBED_SUBSET = 50_000, 5_000
#: A model whose values of a family are at least this share whole 5,000ths ran on the subset; at most
#: ``SUBSET_CHANCE`` (a full-set value is a whole 5,000th by chance 1 time in 10), on the full set.
SUBSET_ALL, SUBSET_CHANCE = 0.9, 0.25
TESTBED_GROUPS: dict[str, str] = {
    "Standard training": STANDARD,
    "Robustness intervention": ROBUST,
    "Trained with more data": MORE_DATA,
    "Low Accuracy CNN": LOW_ACC,
    "Random Features": LOW_ACC,
    "Linear Classifier on Pixels": LOW_ACC,
    "Random Forests": LOW_ACC,
    "Nearest Neighbors": LOW_ACC,
}
TESTBED_ZERO_SHOT: tuple[str, ...] = ("vit_b_32_clip_zeroshot", "resnet50_clip_zeroshot")
# Training data read from the testbed model name, first match wins (case-insensitive). Used as is
# for "Trained with more data" / zero-shot models (empty when no rule matches); every other testbed
# model is "ImageNet-1k", or "ImageNet-1k subset" when the last rule matches.
TESTBED_TRAIN_DATA: tuple[tuple[str, str], ...] = (
    (r"clip_zeroshot", "OpenAI WIT"),
    (r"^bit-m-|imagenet21k|^vit_", "ImageNet-22k"),
    (r"imagenet11k", "ImageNet-11k"),
    (r"jft-300m|noisystudent", "JFT-300M"),
    (r"^instagram-|^fixresnext101_32x48d", "Instagram-940M"),
    (r"_swsl$", "IG-1B"),
    (r"_ssl$", "YFCC-100M"),
    (r"tencent-ml-images", "Tencent ML-Images"),
    (r"^dpn", "ImageNet-5k"),
    (r"subsample|_\d+k_\d+_epochs$", "ImageNet-1k subset"),
)
# Images per evaluation as the testbed ran it; checked against the published accuracies (every
# top-1 is a whole number of images out of n) -- see results/README.md.
TESTBED_N_IMAGES: dict[str, int] = {
    "imagenet": 50_000, "imagenetv2": 10_000, "imagenet-sketch": 50_889, "imagenet-r": 30_000,
    "imagenet-a": 7_500, "objectnet": 18_514, "imagenet-vid-robust": 1_109, "ytbb-robust": 2_030,
    "imagenet-r-classes": 10_000, "imagenet-a-classes": 10_000, "objectnet-classes": 6_250,
    "imagenet-vid-robust-classes": 14_400, "ytbb-robust-classes": 11_550,
    "greyscale": 50_000, "stylized-imagenet": 50_000, "imagenet-vid-robust-pm10": 1_109,
    "ytbb-robust-pm10": 2_030, **{k: 10_000 for k in IMAGENETV2_VARIANTS},
}

# --- timm (huggingface/pytorch-image-models) ----------------------------------------------------
TIMM_FILES: dict[str, str] = {
    "results-imagenet.csv": "imagenet",
    "results-imagenetv2-matched-frequency.csv": "imagenetv2",
    "results-sketch.csv": "imagenet-sketch",
    "results-imagenet-r.csv": "imagenet-r",
    "results-imagenet-a.csv": "imagenet-a",
    "results-imagenet-r-clean.csv": "imagenet-r-classes",
    "results-imagenet-a-clean.csv": "imagenet-a-classes",
}
TIMM_N_IMAGES: dict[str, int] = {
    "imagenet": 50_000, "imagenetv2": 10_000, "imagenet-sketch": 50_889, "imagenet-r": 30_000,
    "imagenet-a": 7_500, "imagenet-r-classes": 10_000, "imagenet-a-classes": 10_000,
}
# timm checkpoints trained with more than ImageNet-1k although their tag says only ``in1k``, found by
# auditing timm's model definitions and their git history (results/README.md, "Group rules").
# (field, pattern, training data, evidence); fields as in TIMM_GROUP_RULES ("model" = "arch.tag").
TIMM_EXTRA_DATA: tuple[tuple[str, str, str, str], ...] = (
    ("model", r"^(?:dpn68b|dpn92|dpn107)\.mx_in1k$", "ImageNet-5k",
     "DPN 'extra' weights, pretrained on ImageNet-5k and fine-tuned on ImageNet-1k: timm's first dpn.py "
     "(aa4354f4) loads them from dpn68b_extra / dpn92_extra / dpn107_extra files; "
     "rwightman/pytorch-dpn-pretrained README; the testbed puts dpn68b, dpn92, dpn107 in 'Trained with more data'"),
    ("arch", r"_ssld$", "ImageNet-1k + unlabelled ImageNet-22k (SSLD)",
     "SSLD named in the architecture (hrnet_w18_ssld, hrnet_w48_ssld: PaddleClas SSLD distillation "
     "with unlabelled ImageNet-22k images); 12-16 points above the ImageNet-R line"),
    ("tag", r"(?:^|_)usi(?:_|$)", "ImageNet-1k (teacher pretrained on ImageNet-21k)",
     "USI (Ridnik et al., 2022): distilled from the TResNet-L-V2 teacher tresnet_l_v2_83_9.pth "
     "(Alibaba-MIIL/Solving_ImageNet README), which is timm's tresnet_v2_l.miil_in21k_ft_in1k (83.91%)"),
    ("arch", r"^ghostnetv3_", "ImageNet-1k (teacher BEiT v2-L, beyond ImageNet-1k)",
     "GhostNetV3: the official training script (huawei-noah/Efficient-AI-Backbones, "
     "ghostnetv3_pytorch/train.py) distils from --teacher beitv2_large_patch16_224"),
    ("model", r"^beitv2_[^.]*\.in1k_ft_in1k$", "ImageNet-1k (tokenizer distilled from OpenAI CLIP)",
     "BEiT v2: the visual tokenizer is distilled from OpenAI CLIP, even for the in1k_ft_in1k weights"),
)
# Group rules for timm, first match wins. "tag" rules see "<pretrained tag>|<metadata pretrain>"
# (lower case; the metadata part is empty where model_metadata-in1k.csv does not apply), "arch"
# rules see the architecture name and "model" rules the whole name ("arch.tag"). A model that
# matches none of them is an error.
TIMM_GROUP_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("tag", r"(?:^|_)(?:ens_)?adv_|in1k-adv", ROBUST, "adversarial training (adv_, ens_adv_, in1k-adv)"),
    ("tag", r"(?:^|_)ap(?:_|$)|in1k-ap", ROBUST, "AdvProp (ap_, in1k-ap)"),
    ("tag", r"(?:^|_)am(?:_|$)|augmix", ROBUST, "AugMix (am_)"),
    *((field, pattern, MORE_DATA, evidence) for field, pattern, _, evidence in TIMM_EXTRA_DATA),
    ("tag", r"in21k|in22k|in12k|in11k|laion|openai|clip|jft|ig1b|(?:^|_)ig(?:_|$)|yfc|swsl|wsl|(?:^|_)ssl"
            r"|ssld|semisl|m38m|m30m|merged2b|webli|dfn|datacomp|seer|swag|goog_teacher|goog_distilled"
            r"|lvd142m",
     MORE_DATA, "pretraining, distillation or unlabelled data beyond ImageNet-1k"),
    ("arch", r"^beitv2_", MORE_DATA, "BEiT v2: tokenizer distilled from OpenAI CLIP"),
    ("tag", r"in1k", STANDARD, "ImageNet-1k only (any recipe, incl. distillation and in1k self-supervision)"),
)
# Pretraining data of timm models, read from "<tag>|<metadata pretrain>", first match wins.
TIMM_TRAIN_DATA: tuple[tuple[str, str], ...] = (
    (r"webli", "WebLI"),
    (r"laiona", "LAION-Aesthetic"),
    (r"laion2b", "LAION-2B"),
    (r"openai", "OpenAI WIT"),
    (r"m38m", "Merged-38M"),
    (r"m30m", "Merged-30M"),
    (r"jft", "JFT-300M"),
    (r"swag", "IG-3.6B (SWAG)"),
    (r"seer", "Instagram (SEER)"),
    (r"ig1b|wsl", "IG-1B"),
    (r"yfc", "YFCC-100M"),
    (r"in21k|in22k", "ImageNet-22k"),
    (r"in12k", "ImageNet-12k"),
    (r"ssld", "ImageNet-1k + unlabelled ImageNet-22k (SSLD)"),
    (r"goog_distilled", "ImageNet-1k (teacher pretrained on ImageNet-21k)"),
    (r"clip", ""),
    (r"in1k", "ImageNet-1k"),
)

# --- open_clip (mlfoundations/open_clip) --------------------------------------------------------
OPENCLIP_COLUMNS: dict[str, str] = {
    "ImageNet 1k": "imagenet",
    "ImageNet v2": "imagenetv2",
    "ImageNet Sketch": "imagenet-sketch",
    "ImageNet-R": "imagenet-r",
    "ImageNet-A": "imagenet-a",
    "ObjectNet": "objectnet",
}
CLIP_N_IMAGES: dict[str, int] = {
    "imagenet": 50_000, "imagenetv2": 10_000, "imagenet-sketch": 50_889, "imagenet-r": 30_000,
    "imagenet-a": 7_500, "objectnet": 18_574,
}
# DataComp / CommonPool scale -> exact samples seen (Gadre et al., 2023).
DATACOMP_SCALES: dict[str, int] = {
    "s": 12_800_000, "m": 128_000_000, "l": 1_280_000_000, "xl": 12_800_000_000,
}
COMMONPOOL_FILTERS: dict[str, str] = {
    "basic": "basic filter", "clip": "CLIP filter", "image": "image-based filter",
    "laion": "LAION filter", "text": "text-based filter",
}
# Training data from the open_clip pretrained tag, first match wins; CommonPool tags are handled
# by ``openclip_train_data`` (scale and filter).
OPENCLIP_TRAIN_DATA: tuple[tuple[str, str], ...] = (
    (r"^openai$", "OpenAI WIT"),
    (r"^mscoco_finetuned_laion2b", "LAION-2B, fine-tuned on MSCOCO"),
    (r"^laion400m", "LAION-400M"),
    (r"^laion2b", "LAION-2B"),
    (r"^(?:frozen_)?laion5b", "LAION-5B"),
    (r"^laion_aesthetic", "LAION-Aesthetic"),
    (r"^datacomp1b$|^datacomp_xl_|^datacomp_s\d", "DataComp-1B"),
    (r"^datacomp_s_", "DataComp-S"),
    (r"^datacomp_m_", "DataComp-M"),
    (r"^datacomp_l_", "DataComp-L"),
    (r"^dfn2b", "DFN-2B"),
    (r"^dfn5b", "DFN-5B"),
    (r"^merged2b", "Merged-2B"),
    (r"^metaclip_400m", "MetaCLIP-400M"),
    (r"^metaclip_fullcc", "MetaCLIP-2.5B"),
    (r"^webli$", "WebLI"),
    (r"^yfcc15m$", "YFCC-15M"),
    (r"^cc12m$", "CC12M"),
)

# open_clip tags of models fine-tuned for another task (COCO captioning): not zero-shot ImageNet classifiers.
OPENCLIP_OTHER_TASK = r"^mscoco_finetuned_"

# --- one entry per checkpoint ---------------------------------------------------------------------
# Rows that are the same checkpoint (same weights) share a checkpoint key; a row without a rule is
# its own checkpoint. testbed CLIP rows -> "<open_clip architecture>/openai":
TESTBED_CLIP_CHECKPOINTS: dict[str, str] = {
    "vit_b_32_clip_zeroshot": "ViT-B-32/openai", "resnet50_clip_zeroshot": "RN50/openai",
}
# Single rows named by id -> the open_clip checkpoint key they are, with the evidence.
SAME_CHECKPOINT: dict[str, tuple[str, str]] = {
    "openclip-lowacc:rn50-yfcc15m-15m": (
        "RN50/yfcc15m",
        "the 15M-image point of open_clip's LOW_ACC figure is the full YFCC-15M run, released as RN50 yfcc15m"),
    "openclip:ViT-B-32/datacomp_s_s13m_b4k": (
        "ViT-B-32/commonpool_s_image_s13m_b4k",
        "identical results on all 38 evaluations of openclip_results.csv: DataComp-S is the image-based filter"),
}
# Source order for choosing the canonical row of a checkpoint (after the rules in canonical_rows).
SOURCE_ORDER: tuple[str, ...] = ("testbed", "openclip", "scaling-laws", "openclip-lowacc", "model-soups", "timm")

# --- scaling-laws-openclip (Cherti et al., 2022) ------------------------------------------------
SCALING_DATASETS: dict[str, str] = {
    "imagenet1k": "imagenet",
    "imagenetv2": "imagenetv2",
    "imagenet_sketch": "imagenet-sketch",
    "imagenet-r": "imagenet-r",
    "imagenet-a": "imagenet-a",
    "objectnet": "objectnet",
}
SCALING_TRAIN_DATA: dict[str, str] = {
    "LAION-80M": "LAION-80M", "LAION-400M": "LAION-400M", "LAION-2B": "LAION-2B", "CLIP-WIT": "OpenAI WIT",
}

# --- open_clip LOW_ACC figure, digitized ---------------------------------------------------------
LOWACC_COLUMNS: dict[str, str] = {"imagenet_top1": "imagenet", "imagenetv2_top1": "imagenetv2"}

# --- model-soups (Wortsman et al., 2022) ---------------------------------------------------------
SOUPS_FILES: tuple[str, ...] = ("individual_model_results.jsonl", "greedy_soup_results.jsonl",
                                "uniform_soup_results.jsonl")
SOUPS_COLUMNS: dict[str, str] = {
    "ImageNet2p": "imagenet2p", "ImageNet": "imagenet", "ImageNetV2": "imagenetv2",
    "ImageNetSketch": "imagenet-sketch", "ImageNetR": "imagenet-r", "ObjectNet": "objectnet",
    "ImageNetA": "imagenet-a",
}
#: Images per evaluation: the registry sizes; ImageNet2p is "2 percent of ImageNet, or 26k images"
#: (model-soups main.py), and every published fraction times these counts is a whole number.
SOUPS_N_IMAGES: dict[str, int] = {k: EVAL_SETS[k].n_images for k in SOUPS_COLUMNS.values()}
#: Order of the fine-tuning trajectory (``series_step``); step 0 is the zero-shot model it starts from.
SOUPS_STEPS: dict[str, int] = {"LP initialization": 1, "fine-tuned": 2, "greedy soup": 3, "uniform soup": 3}
SOUPS_HPARAMS: tuple[str, ...] = ("aug", "lr", "wd", "mix", "smoothing", "epochs")

UPSTREAM_FILES: tuple[str, ...] = (
    "imagenet-testbed/robustness_top1s.csv", "imagenet-testbed/model_types.csv",
    *(f"timm/{name}" for name in TIMM_FILES), "timm/model_metadata-in1k.csv",
    "open_clip/openclip_results.csv", "open_clip/openclip_classification_results.csv",
    "open_clip/model_profile.csv", "open_clip/low_acc_scaling_digitized.csv",
    "scaling-laws-openclip/zeroshot_results.csv", "scaling-laws-openclip/trained_models_info.csv",
    "scaling-laws-openclip/arch_info.csv", "scaling-laws-openclip/imagenet_zeroshot_learning_curves.csv",
    *(f"model-soups/{name}" for name in SOUPS_FILES), "model-soups/hparam_info.json",
)


class IngestError(ValueError):
    """The upstream files are missing or do not look as expected."""


# --------------------------------------------------------------------------------------------------
# Pure helpers (vectorised over a Series of tags, with scalar wrappers for tests and callers)
# --------------------------------------------------------------------------------------------------

def first_match(values: pd.Series, rules: Sequence[tuple[str, str]], default: str = "") -> pd.Series:
    """Label each value with the label of the first (case-insensitive) regex in ``rules`` it matches."""
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    text = values.fillna("").astype(str)
    for pattern, label in rules:
        hit = out.isna() & text.str.contains(pattern, case=False, regex=True)
        out = out.mask(hit, label)
    return out.fillna(default).astype(str)


def tags_samples_seen(tags: pd.Series) -> pd.Series:
    """Samples seen published in open_clip pretrained tags (``_s34b`` = 34e9, DataComp scales exact)."""
    tags = tags.astype(str)
    found = tags.str.extract(r"(?:^|_)s(\d+)([mb])(?:_|$)")
    mult = found[1].map({"m": 10**6, "b": 10**9})
    counted = pd.to_numeric(found[0]) * mult
    scale = tags.str.extract(r"^(?:commonpool|datacomp)_(s|m|l|xl)_")[0].map(DATACOMP_SCALES)
    return scale.fillna(counted).round().astype("Int64")


def tags_epochs(tags: pd.Series) -> pd.Series:
    """Epochs published in open_clip pretrained tags (``laion400m_e32`` = 32), else missing."""
    found = tags.astype(str).str.extract(r"(?:^|_)e(\d+)(?:_|$)")[0]
    return pd.to_numeric(found).astype("Int64")


def tags_batch_size(tags: pd.Series) -> pd.Series:
    """Global batch size published in open_clip pretrained tags (``_b79k`` = 79000), else missing."""
    found = tags.astype(str).str.extract(r"(?:^|_)b(\d+)(k?)(?:_|$)")
    mult = found[1].map({"k": 1000, "": 1})
    return (pd.to_numeric(found[0]) * mult).round().astype("Int64")


def samples_seen_from_tag(tag: str) -> int | None:
    """Samples seen for one open_clip pretrained tag, or None when the tag does not say."""
    value = tags_samples_seen(pd.Series([tag])).iloc[0]
    return None if pd.isna(value) else int(value)


def epochs_from_tag(tag: str) -> int | None:
    """Epochs for one open_clip pretrained tag, or None when the tag does not say."""
    value = tags_epochs(pd.Series([tag])).iloc[0]
    return None if pd.isna(value) else int(value)


def batch_size_from_tag(tag: str) -> int | None:
    """Global batch size for one open_clip pretrained tag, or None when the tag does not say."""
    value = tags_batch_size(pd.Series([tag])).iloc[0]
    return None if pd.isna(value) else int(value)


def openclip_train_data(tags: pd.Series) -> pd.Series:
    """Training-data label for open_clip pretrained tags (CommonPool with scale and filter)."""
    tags = tags.astype(str)
    pool = tags.str.extract(r"^commonpool_(s|m|l|xl)_(?:(basic|clip|image|laion|text)_)?s\d")
    pool_filter = (" (" + pool[1].map(COMMONPOOL_FILTERS) + ")").fillna("")
    pool_label = "CommonPool-" + pool[0].str.upper() + pool_filter
    return pool_label.fillna(first_match(tags, OPENCLIP_TRAIN_DATA)).astype(str)


def testbed_subset_sizes(evals: pd.DataFrame) -> pd.Series:
    """Images behind each testbed ImageNet-C / PGD value (long table of fractions): 50,000 or 5,000.

    The published column mixes full-set runs and 10%-subset runs. Every value is a whole number of
    50,000ths; one that is also a whole number of 5,000ths may be a subset run (or, 1 time in 10, a
    full-set value by chance). Per model and family: a model with at least ``SUBSET_ALL`` of its
    values whole 5,000ths ran the subset, one with at most ``SUBSET_CHANCE`` the full set; in between
    (models run partly on each) each value that is a whole 5,000th counts as the subset, the
    conservative choice (a wider interval). Other rows get NaN.
    """
    family = evals["eval_set"].str.extract(r"^(imagenet-c|pgd)\b")[0]
    k = evals["top1"] * TESTBED_SUBSET
    whole = (k - k.round()).abs() < 1e-3
    share = whole.groupby([evals["model_id"], family]).transform("mean")
    subset = (share >= SUBSET_ALL) | (whole & (share > SUBSET_CHANCE))
    return pd.Series(np.where(subset, TESTBED_SUBSET, TESTBED_FULL), index=evals.index).where(family.notna())


def _timm_fields(tag_key: pd.Series, arch: pd.Series) -> dict[str, pd.Series]:
    """The texts timm rules match: "tag" (``tag|pretrain``), "arch" and "model" (``arch.tag``), lower case."""
    tag_key = tag_key.astype(str).str.lower()
    arch = arch.astype(str).str.lower()
    return {"tag": tag_key, "arch": arch, "model": arch + "." + tag_key.str.split("|", n=1).str[0]}


def _timm_rules(fields: dict[str, pd.Series], rules: Sequence[tuple[str, str, str, str]]) -> pd.Series:
    """Label of the first (field, pattern, label, evidence) rule each timm model matches (NA: none)."""
    out = pd.Series(pd.NA, index=fields["tag"].index, dtype="object")
    for field, pattern, label, _ in rules:
        out = out.mask(out.isna() & fields[field].str.contains(pattern, regex=True), label)
    return out


def timm_group(tag_key: pd.Series, arch: pd.Series) -> pd.Series:
    """Group of timm models from ``TIMM_GROUP_RULES`` (first match wins); unmatched models are an error."""
    out = _timm_rules(_timm_fields(tag_key, arch), TIMM_GROUP_RULES)
    if out.isna().any():
        raise IngestError(f"timm: no group rule matches {tag_key[out.isna()].iloc[0]!r}")
    return out.astype(str)


def timm_train_data(tag_key: pd.Series, arch: pd.Series) -> pd.Series:
    """Training data of timm models: ``TIMM_EXTRA_DATA`` first, then ``TIMM_TRAIN_DATA`` on the tag."""
    extra = _timm_rules(_timm_fields(tag_key, arch), TIMM_EXTRA_DATA)
    return extra.fillna(first_match(tag_key, TIMM_TRAIN_DATA)).astype(str)


def timm_group_of(model: str, pretrain: str = "") -> str:
    """Group of one timm model name (``arch.tag``) with an optional metadata ``pretrain`` value."""
    arch, _, tag = model.partition(".")
    return timm_group(pd.Series([f"{tag}|{pretrain}"]), pd.Series([arch])).iloc[0]


def timm_train_data_of(model: str, pretrain: str = "") -> str:
    """Training data of one timm model name (``arch.tag``) with an optional metadata ``pretrain`` value."""
    arch, _, tag = model.partition(".")
    return timm_train_data(pd.Series([f"{tag}|{pretrain}"]), pd.Series([arch])).iloc[0]


def checkpoint_keys(models: pd.DataFrame) -> pd.Series:
    """A key per row that is equal for rows holding the same weights (``model_id`` for the others).

    open_clip rows: ``<name without -quickgelu>/<tag>`` (open_clip registers every ``X-quickgelu``
    checkpoint by copying ``X``'s entry, so the two names load one file); OpenAI CLIP rows of
    scaling-laws and the testbed: ``<arch>/openai``; rows in ``SAME_CHECKPOINT``: their key there.
    """
    model_id = models["model_id"].astype(str)
    source = models["source"].astype(str)
    arch = models["architecture"].astype(str)
    key = model_id.copy()
    key = key.mask(source == "openclip", arch.str.removesuffix("-quickgelu") + "/" + models["source_category"].astype(str))
    key = key.mask((source == "scaling-laws") & model_id.str.startswith("scaling-laws:openai-"), arch + "/openai")
    testbed_clip = model_id.str.removeprefix("testbed:").map(TESTBED_CLIP_CHECKPOINTS)
    key = key.mask((source == "testbed") & testbed_clip.notna(), testbed_clip)
    return model_id.map({k: v[0] for k, v in SAME_CHECKPOINT.items()}).fillna(key).astype(str)


def canonical_links(models: pd.DataFrame, evals: pd.DataFrame) -> pd.DataFrame:
    """``canonical_id`` and ``also_in`` for each row (see :mod:`effrob_core.checkpoints`).

    The canonical row of a checkpoint is, in this order: not an open_clip ``X`` row that has an
    ``X-quickgelu`` twin (that row was evaluated with a different activation than the weights were
    trained with); then the row with the most evaluation sets; then the earlier source in
    ``SOURCE_ORDER``; then the smaller ``model_id``. ``also_in`` lists the others in that order.
    """
    key = checkpoint_keys(models)
    quick = models["architecture"].astype(str).str.endswith("-quickgelu")
    twinned = key.map(quick.groupby(key).any()) & ~quick & (models["source"] == "openclip")
    rank = pd.DataFrame({
        "key": key, "twinned": twinned.astype(int),
        "sets": -models["model_id"].map(evals["model_id"].value_counts()).fillna(0),
        "source": models["source"].map({s: i for i, s in enumerate(SOURCE_ORDER)}),
        "model_id": models["model_id"],
    }).sort_values(["key", "twinned", "sets", "source", "model_id"], kind="mergesort")
    first = ~rank["key"].duplicated()
    canonical = rank["key"].map(rank.loc[first].set_index("key")["model_id"])
    others = rank.loc[~first].groupby("key")["model_id"].agg(ALSO_IN_SEP.join)
    links = pd.DataFrame({
        "canonical_id": canonical.where(~first, ""),
        "also_in": rank["key"].map(others).fillna("").where(first, ""),
    })
    return links.reindex(models.index)


def parse_param_count(values: pd.Series) -> pd.Series:
    """timm ``param_count`` (millions, may carry thousands separators like ``"1,013.01"``) as floats."""
    return pd.to_numeric(values.astype(str).str.replace(",", "", regex=False).str.strip(), errors="raise")


# --------------------------------------------------------------------------------------------------
# Readers, one per source; each returns (models, evaluations, notes)
# --------------------------------------------------------------------------------------------------

def _read(path: Path) -> pd.DataFrame:
    """Read one upstream CSV (pandas 3 parses floats exactly, round-trip)."""
    return pd.read_csv(path)


def _long(wide: pd.DataFrame, id_col: str, columns: dict[str, str]) -> pd.DataFrame:
    """Melt the mapped accuracy columns of a wide table into (model_id, eval_set, value), dropping blanks."""
    melted = wide[[id_col, *columns]].rename(columns=columns).melt(
        id_vars=id_col, var_name="eval_set", value_name="top1")
    melted = melted.rename(columns={id_col: "model_id"})
    return melted[melted["top1"].notna()].reset_index(drop=True)


def _models_frame(**columns: object) -> pd.DataFrame:
    """A models table with every column in ``MODEL_COLUMNS``; unspecified columns are missing."""
    index = next(c.index for c in columns.values() if isinstance(c, pd.Series))
    frame = pd.DataFrame(index=index)
    for col in MODEL_COLUMNS:
        value = columns.get(col, pd.NA)
        frame[col] = value.to_numpy() if isinstance(value, pd.Series) else value
    return frame.reset_index(drop=True)


def load_testbed(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Models and evaluations from imagenet-testbed (percent -> fraction, authors' categories)."""
    top1 = _read(upstream / "imagenet-testbed" / "robustness_top1s.csv")
    types = _read(upstream / "imagenet-testbed" / "model_types.csv")
    notes: list[str] = []
    no_results = sorted(set(types["model"]) - set(top1["model"]))
    notes.append(f"testbed: {len(no_results)} model_types rows have no results row (ignored)")
    untyped = sorted(set(top1["model"]) - set(types["model"]))
    if untyped:
        raise IngestError(f"testbed: results rows without a model type: {untyped[:5]}")
    columns = {**TESTBED_COLUMNS, **TESTBED_SYNTHETIC_COLUMNS}
    kept = top1[["model", *columns]]
    empty = kept.set_index("model").isna().all(axis=1)
    notes.append(f"testbed: {int(empty.sum())} models have no value in any kept column (dropped): "
                 + ", ".join(empty[empty].index))
    df = kept[~empty.to_numpy()].merge(types, on="model", how="left", validate="one_to_one").copy()
    category = df["natural_shift_model_type"]
    unknown = ~category.isin(list(TESTBED_GROUPS))
    if unknown.any():
        raise IngestError(f"testbed: unknown natural_shift_model_type {category[unknown].iloc[0]!r}")
    group = category.map(TESTBED_GROUPS).mask(df["model"].isin(TESTBED_ZERO_SHOT), ZERO_SHOT)
    named_data = first_match(df["model"], TESTBED_TRAIN_DATA, default="")
    in1k_data = named_data.where(named_data == "ImageNet-1k subset", "ImageNet-1k")
    train_data = named_data.where(group.isin([MORE_DATA, ZERO_SHOT]), in1k_data)
    model_id = "testbed:" + df["model"]
    models = _models_frame(
        model_id=model_id, display_name=df["model"], source="testbed", group=group,
        source_category=category, architecture=df["model"], train_data=train_data, digitized=False)
    evals = _long(df.assign(model_id=model_id), "model_id", columns)
    evals["top1"] = evals["top1"] / 100.0
    evals["n_images"] = evals["eval_set"].map(TESTBED_N_IMAGES).fillna(testbed_subset_sizes(evals))
    sub = evals[evals["eval_set"].str.match(r"^(?:imagenet-c|pgd)\b")]
    for fam in TESTBED_SUBSET_FAMILIES:
        part = sub[sub["eval_set"].str.startswith(fam)]
        on_subset = part.loc[part["n_images"] == TESTBED_SUBSET, "model_id"]
        notes.append(f"testbed: {fam}: {len(on_subset)} of {len(part)} values from the 10% subset (5,000 images), "
                     f"{on_subset.nunique()} models")
    return models, evals, notes


def load_timm(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Models and evaluations from timm's results-*.csv, keyed on (model, img_size)."""
    folder = upstream / "timm"
    notes: list[str] = []
    base = _read(folder / "results-imagenet.csv")
    if base.duplicated(["model", "img_size"]).any():
        raise IngestError("timm: duplicated (model, img_size) in results-imagenet.csv")
    keys = base[["model", "img_size"]]
    parts = []
    for name, eval_set in TIMM_FILES.items():
        df = _read(folder / name)[["model", "img_size", "top1"]]
        both = df.merge(keys, on=["model", "img_size"], how="outer", indicator=True)
        extra = both[both["_merge"] == "left_only"]
        missing = both[both["_merge"] == "right_only"]
        if len(extra) or len(missing):
            notes.append(f"timm: {name}: {len(extra)} key(s) not in results-imagenet.csv (dropped: "
                         + ", ".join(extra["model"] + "@" + extra["img_size"].astype(str))
                         + f"); {len(missing)} results-imagenet.csv key(s) absent ("
                         + ", ".join(missing["model"] + "@" + missing["img_size"].astype(str)) + ")")
        df = df.merge(keys, on=["model", "img_size"], how="inner")
        parts.append(df.assign(eval_set=eval_set))
    long = pd.concat(parts, ignore_index=True)
    long = long[long["top1"].notna()]
    evals = pd.DataFrame({
        "model_id": "timm:" + long["model"] + "@" + long["img_size"].astype(str),
        "eval_set": long["eval_set"],
        "top1": long["top1"] / 100.0,
        "n_images": long["eval_set"].map(TIMM_N_IMAGES),
    })

    meta = _read(folder / "model_metadata-in1k.csv").rename(columns={"model": "arch"})
    if meta["arch"].duplicated().any():
        raise IngestError("timm: duplicated model in model_metadata-in1k.csv")
    arch = base["model"].str.split(".", n=1).str[0]
    tag = base["model"].str.split(".", n=1).str[1].fillna("")
    n_tags = tag.groupby(arch).transform("nunique")
    pretrain = arch.map(meta.set_index("arch")["pretrain"])
    ambiguous = pretrain.notna() & (n_tags > 1)
    notes.append(f"timm: model_metadata-in1k.csv applied to {int((pretrain.notna() & ~ambiguous).sum())} "
                 f"models; ignored for {int(ambiguous.sum())} models whose architecture has several "
                 "pretrained tags (the metadata describes only the default weights)")
    pretrain = pretrain.mask(ambiguous).fillna("")
    tag_key = tag + "|" + pretrain
    source_category = tag.where(pretrain == "", tag + " | " + pretrain)
    models = _models_frame(
        model_id="timm:" + base["model"] + "@" + base["img_size"].astype(str),
        display_name=base["model"] + " (" + base["img_size"].astype(str) + "px)",
        source="timm", group=timm_group(tag_key, arch), source_category=source_category,
        architecture=arch, train_data=timm_train_data(tag_key, arch),
        params_m=parse_param_count(base["param_count"]), image_size=base["img_size"], digitized=False)
    return models, evals, notes


def load_openclip(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Zero-shot models and evaluations from open_clip's openclip_results.csv (fractions)."""
    folder = upstream / "open_clip"
    notes: list[str] = []
    res = _read(folder / "openclip_results.csv")
    if res.duplicated(["name", "pretrained"]).any():
        raise IngestError("openclip: duplicated (name, pretrained) in openclip_results.csv")
    cls = _read(folder / "openclip_classification_results.csv")
    cols = [*OPENCLIP_COLUMNS, "params (M)", "FLOPs (B)"]
    both = res[["name", "pretrained", *cols]].merge(
        cls[["name", "pretrained", *cols]], on=["name", "pretrained"], how="outer",
        suffixes=("", "_cls"), indicator=True)
    unmatched = int((both["_merge"] != "both").sum())
    differ = sum(int((~((both[c] == both[c + "_cls"]) | (both[c].isna() & both[c + "_cls"].isna()))
                      & (both["_merge"] == "both")).sum()) for c in cols)
    notes.append(f"openclip: openclip_classification_results.csv vs openclip_results.csv on {len(cols)} "
                 f"columns: {differ} differing cells, {unmatched} unmatched models")
    profile = _read(folder / "model_profile.csv").drop_duplicates("model").set_index("model")
    params = res["params (M)"].fillna(res["name"].map(profile["mparams"]))
    gflops = res["FLOPs (B)"].fillna(res["name"].map(profile["gflops"]))
    model_id = "openclip:" + res["name"] + "/" + res["pretrained"]
    tags = res["pretrained"]
    models = _models_frame(
        model_id=model_id, display_name=res["name"] + " " + res["pretrained"], source="openclip",
        group=pd.Series(ZERO_SHOT, index=tags.index).mask(tags.str.contains(OPENCLIP_OTHER_TASK), OTHER_TASK),
        source_category=tags, architecture=res["name"],
        train_data=openclip_train_data(tags), samples_seen=tags_samples_seen(tags),
        epochs=tags_epochs(tags), batch_size=tags_batch_size(tags), params_m=params, gflops=gflops,
        image_size=res["name"].map(profile["image_size"]).astype("Int64"), digitized=False)
    evals = _long(res.assign(model_id=model_id), "model_id", OPENCLIP_COLUMNS)
    evals["n_images"] = evals["eval_set"].map(CLIP_N_IMAGES)
    return models, evals, notes


def load_scaling_laws(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Models and zero-shot evaluations from scaling-laws-openclip (acc1 fractions, samples seen, GMACs)."""
    folder = upstream / "scaling-laws-openclip"
    notes: list[str] = []
    zs = _read(folder / "zeroshot_results.csv")
    info = _read(folder / "trained_models_info.csv")
    arch_info = _read(folder / "arch_info.csv").drop_duplicates("model").set_index("model")
    stem = zs["name"].str.removesuffix(".pt")
    zs["model_id"] = "scaling-laws:" + stem.mask(zs["name"] == "openai", "openai-" + zs["arch"])
    sel = zs[zs["downstream_dataset"].isin(list(SCALING_DATASETS))]
    if sel.duplicated(["model_id", "downstream_dataset"]).any():
        raise IngestError("scaling-laws: duplicated (model, downstream_dataset) in zeroshot_results.csv")
    first = sel[sel["downstream_dataset"] == "imagenet1k"].drop_duplicates("model_id").set_index("model_id")
    per_model = sel.drop_duplicates("model_id").set_index("model_id")[["name", "arch", "upstream_dataset"]]
    per_model = per_model.join(first[["samples_seen", "gmacs_total"]])
    inf = info.set_index("name")
    per_model["epochs"] = per_model["name"].map(inf["epochs"]).astype("Int64")
    per_model["batch_size"] = per_model["name"].map(inf["gpus"] * inf["local_bs"]).astype("Int64")
    missing_info = per_model["name"].ne("openai") & per_model["epochs"].isna()
    if missing_info.any():
        raise IngestError(f"scaling-laws: no trained_models_info row for {per_model['name'][missing_info].iloc[0]}")
    notes.append(f"scaling-laws: {len(per_model)} models ({int((per_model['name'] == 'openai').sum())} OpenAI "
                 "CLIP rows), trained_models_info rows: " + str(len(info)))
    per_model = per_model.reset_index()
    is_openai = per_model["name"] == "openai"
    display = per_model["name"].str.removesuffix(".pt").mask(
        is_openai, per_model["arch"] + " openai (scaling-laws evaluation)")
    models = _models_frame(
        model_id=per_model["model_id"], display_name=display, source="scaling-laws", group=ZERO_SHOT,
        source_category=per_model["upstream_dataset"], architecture=per_model["arch"],
        train_data=per_model["upstream_dataset"].map(SCALING_TRAIN_DATA).fillna(""),
        samples_seen=per_model["samples_seen"].round().astype("Int64"), epochs=per_model["epochs"],
        batch_size=per_model["batch_size"], params_m=per_model["arch"].map(arch_info["mparams"]),
        compute_gmacs_total=per_model["gmacs_total"],
        image_size=per_model["arch"].map(arch_info["image_size"]).astype("Int64"), digitized=False)
    evals = pd.DataFrame({
        "model_id": sel["model_id"], "eval_set": sel["downstream_dataset"].map(SCALING_DATASETS),
        "top1": sel["acc1"]})
    evals = evals[evals["top1"].notna()].reset_index(drop=True)
    evals["n_images"] = evals["eval_set"].map(CLIP_N_IMAGES)
    return models, evals, notes


def load_lowacc(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The five RN50 / YFCC-15M-subset points digitized from open_clip's LOW_ACC figure (±0.003)."""
    df = _read(upstream / "open_clip" / "low_acc_scaling_digitized.csv")
    millions = df["train_images_millions"].astype(str).str.removesuffix(".0")
    model_id = "openclip-lowacc:rn50-yfcc15m-" + millions + "m"
    models = _models_frame(
        model_id=model_id,
        display_name=df["architecture"] + " " + df["train_data"] + " " + millions + "M (read from figure)",
        source="openclip-lowacc", group=ZERO_SHOT, source_category=df["train_data"],
        architecture=df["architecture"], train_data="YFCC-15M subset (" + millions + "M)",
        train_images=(df["train_images_millions"] * 1e6).round().astype("Int64"), digitized=True)
    evals = _long(df.assign(model_id=model_id), "model_id", LOWACC_COLUMNS)
    evals["n_images"] = evals["eval_set"].map(CLIP_N_IMAGES)
    return models, evals, ["openclip-lowacc: values read from a figure, ±0.003"]


def load_model_soups(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The 72 fine-tuned CLIP ViT-B/32 models and the greedy and uniform soups of Wortsman et al. (2022).

    ``model_0`` is the linear-probe initialisation every fine-tuned model starts from; the others carry
    their hyperparameters from ``hparam_info.json`` in ``source_category`` (exact values) and ``epochs``.
    All rows form the series ``model-soups`` (step 1 LP initialisation, 2 fine-tuned, 3 soups)."""
    folder = upstream / "model-soups"
    rows = pd.concat([pd.read_json(folder / f, lines=True, dtype=False, precise_float=True)
                      for f in SOUPS_FILES], ignore_index=True)
    if rows["model_name"].duplicated().any():
        raise IngestError(f"model-soups: duplicated model_name {rows['model_name'][rows['model_name'].duplicated()].iloc[0]!r}")
    missing_cols = [c for c in SOUPS_COLUMNS if c not in rows.columns]
    if missing_cols:
        raise IngestError(f"model-soups: column(s) {', '.join(missing_cols)} missing")
    hparams = json.loads((folder / "hparam_info.json").read_text(encoding="utf-8"))
    name = rows["model_name"]
    individual = name.str.fullmatch(r"model_\d+")
    unknown = individual & ~name.isin(list(hparams))
    if unknown.any():
        raise IngestError(f"model-soups: no hparam_info.json entry for {name[unknown].iloc[0]!r}")
    info = name.map(lambda n: hparams.get(n, {}))  # 74 small dicts
    is_lp = info.map(lambda h: "info" in h)
    role = pd.Series(np.where(is_lp, "LP initialization", "fine-tuned"), index=rows.index).where(
        individual, name.str.replace("_", " "))
    text = info.map(lambda h: " ".join(f"{k}={json.dumps(h[k]).strip(chr(34))}" for k in SOUPS_HPARAMS if k in h))
    category = role.where(text == "", role + ": " + text)
    display = np.where(individual, "ViT-B-32 " + role.str.replace("fine-tuned", "fine-tuned on ImageNet")
                       + " (model soups " + name + ")", "ViT-B-32 " + role + " (model soups)")
    model_id = "model-soups:" + name
    models = _models_frame(
        model_id=model_id, display_name=pd.Series(display, index=rows.index), source="model-soups",
        group=FINE_TUNED, source_category=category, architecture="ViT-B-32",
        train_data="OpenAI WIT, fine-tuned on ImageNet-1k",
        epochs=info.map(lambda h: h.get("epochs")).astype("Int64"), digitized=False,
        series="model-soups", series_step=role.map(SOUPS_STEPS).astype("Int64"))
    evals = _long(rows.assign(model_id=model_id), "model_id", SOUPS_COLUMNS)
    evals["n_images"] = evals["eval_set"].map(SOUPS_N_IMAGES)
    counts = evals["top1"] * evals["n_images"]
    if ((counts - counts.round()).abs() > 1e-6).any():
        raise IngestError("model-soups: an accuracy times its image count is not a whole number of images")
    same = rows.duplicated(list(SOUPS_COLUMNS), keep=False)
    notes = [f"model-soups: {int(individual.sum())} individual models ({int(is_lp.sum())} LP initialisation), "
             f"{int((~individual).sum())} soups; {int(same.sum())} rows share identical accuracies with another "
             f"({', '.join(name[same])})"]
    return models, evals, notes


def load_learning_curves(upstream: Path) -> pd.DataFrame:
    """ImageNet zero-shot top-1/top-5 after each epoch of the scaling-laws runs (Cherti et al., 2023).

    ``samples_seen`` is ``epoch * samples_per_epoch`` from ``trained_models_info.csv``.
    """
    folder = upstream / "scaling-laws-openclip"
    curves = _read(folder / "imagenet_zeroshot_learning_curves.csv")
    info = _read(folder / "trained_models_info.csv").set_index("name")
    unknown = ~curves["name"].isin(info.index)
    if unknown.any():
        raise IngestError(f"scaling-laws: learning curve of unknown run {curves['name'][unknown].iloc[0]!r}")
    out = pd.DataFrame({
        "model_id": "scaling-laws:" + curves["name"].str.removesuffix(".pt"),
        "epoch": curves["epoch"].astype("Int64"),
        "samples_seen": (curves["epoch"] * curves["name"].map(info["samples_per_epoch"])).round().astype("Int64"),
        "imagenet_top1": curves["imagenet-zeroshot-val-top1"].astype("float64"),
        "imagenet_top5": curves["imagenet-zeroshot-val-top5"].astype("float64"),
    })
    if out.duplicated(["model_id", "epoch"]).any():
        raise IngestError("scaling-laws: duplicated (run, epoch) in imagenet_zeroshot_learning_curves.csv")
    return out.sort_values(["model_id", "epoch"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# Assembly and output
# --------------------------------------------------------------------------------------------------

def check_upstream(upstream: Path) -> None:
    """Raise IngestError naming the first expected upstream file that is missing."""
    if not upstream.is_dir():
        raise IngestError(f"upstream folder not found: {upstream}")
    missing = [f for f in UPSTREAM_FILES if not (upstream / f).is_file()]
    if missing:
        raise IngestError(f"upstream file not found: {upstream / missing[0]}"
                          + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))


def build(upstream: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Build the sorted, typed models and evaluations tables from every source, with build notes."""
    check_upstream(upstream)
    parts = [load(upstream) for load in (load_testbed, load_timm, load_openclip, load_scaling_laws, load_lowacc,
                                             load_model_soups)]
    models = pd.concat([p[0] for p in parts], ignore_index=True)
    evals = pd.concat([p[1] for p in parts], ignore_index=True)
    notes = [n for p in parts for n in p[2]]
    for col in INT_COLUMNS:
        models[col] = pd.to_numeric(models[col]).astype("Int64")
    for col in FLOAT_COLUMNS:
        models[col] = pd.to_numeric(models[col]).astype("float64")
    models["digitized"] = models["digitized"].astype(bool)
    links = canonical_links(models, evals)
    models["canonical_id"], models["also_in"] = links["canonical_id"], links["also_in"]
    models = models.sort_values("model_id", kind="mergesort").reset_index(drop=True)[list(MODEL_COLUMNS)]
    evals["top1"] = evals["top1"].astype("float64")
    evals["n_images"] = evals["n_images"].astype("Int64")
    evals = evals.sort_values(["model_id", "eval_set"], kind="mergesort").reset_index(drop=True)[list(EVAL_COLUMNS)]
    validate(models, evals)
    return models, evals, notes


def validate(models: pd.DataFrame, evals: pd.DataFrame) -> None:
    """Raise IngestError if the built tables break an invariant (ids, groups, keys, ranges)."""
    problems = {
        "duplicated model_id": models["model_id"].duplicated(),
        "group not allowed": ~models["group"].isin(GROUPS),
        "source not allowed": ~models["source"].isin(SOURCES),
    }
    eval_problems = {
        "eval_set not in registry": ~evals["eval_set"].isin(list(EVAL_SETS)),
        "top1 outside [0, 1]": ~evals["top1"].between(0.0, 1.0),
        "n_images missing": evals["n_images"].isna(),
        "model_id not in models": ~evals["model_id"].isin(models["model_id"]),
        "duplicated (model_id, eval_set)": evals.duplicated(["model_id", "eval_set"]),
    }
    for what, mask in problems.items():
        if mask.any():
            raise IngestError(f"models: {what}: {models['model_id'][mask].iloc[0]!r}")
    for what, mask in eval_problems.items():
        if mask.any():
            row = evals[mask].iloc[0]
            raise IngestError(f"evaluations: {what}: {row['model_id']!r} {row['eval_set']!r}")
    broken = check_links(models)
    if broken is not None:
        raise IngestError(f"models: {broken[1]}")
    orphans = ~models["model_id"].isin(evals["model_id"])
    if orphans.any():
        raise IngestError(f"models: no evaluation for {models['model_id'][orphans].iloc[0]!r}")


def write_tables(models: pd.DataFrame, evals: pd.DataFrame, out: Path) -> None:
    """Write models.csv and evaluations.csv into ``out`` (UTF-8, LF, empty cell = unknown)."""
    out.mkdir(parents=True, exist_ok=True)
    models.to_csv(out / "models.csv", index=False, lineterminator="\n", na_rep="")
    evals.to_csv(out / "evaluations.csv", index=False, lineterminator="\n", na_rep="")


def summary(models: pd.DataFrame, evals: pd.DataFrame) -> list[str]:
    """Row counts per source, per (source, group) and per (source, eval_set), as text lines."""
    lines = [f"models: {len(models)}; evaluations: {len(evals)}"]
    lines += [f"  source {k}: {v}" for k, v in models["source"].value_counts().sort_index().items()]
    by_group = models.groupby(["source", "group"]).size()
    lines += [f"  {s} / {g}: {v}" for (s, g), v in by_group.items()]
    lines += [f"  group {k}: {v}" for k, v in models["group"].value_counts().sort_index().items()]
    src = evals["model_id"].str.split(":", n=1).str[0]
    by_set = evals.groupby([src.rename("source"), "eval_set"]).size()
    lines += [f"  eval {s} / {e}: {v}" for (s, e), v in by_set.items()]
    lines += [f"  eval_set {k}: {v}" for k, v in evals["eval_set"].value_counts().sort_index().items()]
    return lines


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print a one-line error and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 2 bad arguments or upstream)."""
    parser = _Parser(prog="python -m effrob_core.ingest",
                     description="Build results/models.csv, evaluations.csv and learning_curves.csv "
                                 "from upstream files.")
    parser.add_argument("--upstream", type=Path, required=True, help="folder with the raw upstream files")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the tables into")
    parser.add_argument("--quiet", action="store_true", help="do not print the build notes and counts")
    args = parser.parse_args(argv)
    try:
        models, evals, notes = build(args.upstream)
        curves = load_learning_curves(args.upstream)
        write_tables(models, evals, args.out)
        curves.to_csv(args.out / "learning_curves.csv", index=False, lineterminator="\n", na_rep="")
    except IngestError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{parser.prog}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    if not args.quiet:
        print("\n".join([*notes, *summary(models, evals)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
