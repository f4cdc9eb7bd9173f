"""Synthetic results tables of any size, for measuring how the core and the pages scale.

Models lie on a noisy linear trend in logit space between ImageNet accuracy and each shift's
accuracy (Taori et al., 2020; Miller et al., 2021), with every group and source of the real tables:
testbed "Standard training" models (the default baseline), timm models, zero-shot image-text models
above the line, and low-accuracy models. The tables pass the same validation as the real ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

from effrob_core.datasets import EVAL_SETS, IMAGENET, SHIFTS
from effrob_core.results import MODEL_COLUMNS, Results, validate_evaluations, validate_models

#: (source, group, source_category, share of models, eval-set coverage, effective robustness in logits)
KINDS: tuple[tuple[str, str, str, float, str, float], ...] = (
    ("testbed", "Standard training", "Standard training", 0.05, "testbed", 0.0),
    ("testbed", "Robustness intervention", "Robust intervention", 0.03, "testbed", 0.1),
    ("testbed", "Trained with more data", "Trained with more data", 0.02, "testbed", 0.35),
    ("timm", "Standard training", "Standard training", 0.40, "timm", 0.0),
    ("timm", "Trained with more data", "Trained with more data", 0.10, "timm", 0.3),
    ("openclip", "Zero-shot image-text", "Zero-shot image-text", 0.24, "clip", 0.9),
    ("openclip", "Fine-tuned for another task", "mscoco_finetuned", 0.01, "clip", 0.6),
    ("scaling-laws", "Zero-shot image-text", "Zero-shot image-text", 0.10, "clip", 0.8),
    ("openclip-lowacc", "Low accuracy & reference", "Low accuracy", 0.05, "clip", 1.1),
    ("model-soups", "Fine-tuned zero-shot", "fine-tuned", 0.02, "soups", 0.4),
)

#: Evaluation sets each kind of source reports (the matched-class ImageNet subsets only in the testbed
#: and, for ImageNet-R/-A, timm; no synthetic settings).
COVERAGE: dict[str, tuple[str, ...]] = {
    "testbed": tuple(k for k, s in EVAL_SETS.items() if k != "imagenet2p" and s.kind in ("in-distribution", "shift", "matched-x")),
    "timm": (IMAGENET, "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a",
             "imagenet-r-classes", "imagenet-a-classes"),
    "clip": (IMAGENET, "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a", "objectnet"),
    "soups": (IMAGENET, "imagenet2p", "imagenetv2", "imagenet-sketch", "imagenet-r", "imagenet-a", "objectnet"),
}

#: Line (slope, intercept) in logit space for each shift, and for the matched ImageNet subsets
#: against full ImageNet; roughly the published trends.
TRENDS: dict[str, tuple[float, float]] = {
    "imagenetv2": (1.0, -0.45), "imagenet-sketch": (1.1, -1.4), "imagenet-r": (1.2, -1.1),
    "imagenet-a": (2.0, -4.0), "objectnet": (1.0, -1.3), "imagenet-vid-robust": (1.0, -0.7),
    "ytbb-robust": (1.0, -0.9),
    "imagenet-r-classes": (1.0, 0.3), "imagenet-a-classes": (1.0, 0.2),
    "objectnet-classes": (1.0, 0.5), "imagenet-vid-robust-classes": (1.0, 0.6),
    "ytbb-robust-classes": (1.0, 0.6), "imagenet2p": (1.0, 0.3),
}

#: Image counts for the matched subsets that the registry lists as 0 (50 validation images a class).
MATCHED_IMAGES = {"objectnet-classes": 113 * 50, "imagenet-vid-robust-classes": 30 * 50,
                  "ytbb-robust-classes": 24 * 50}

ARCHITECTURES = ("ResNet-50", "ResNet-101", "ViT-B/32", "ViT-B/16", "ViT-L/14", "ConvNeXt-T",
                 "EfficientNet-B0", "DenseNet-121", "RegNetY-4GF", "MobileNetV3")


def _images(key: str) -> int:
    return MATCHED_IMAGES.get(key) or EVAL_SETS[key].n_images


def synthetic_tables(n_models: int, seed: int = 0, missing: float = 0.02) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw (unvalidated, all-text-compatible) models and evaluations tables with ``n_models`` rows.

    About ``missing`` of the shift evaluations of each model are dropped, so that some views leave
    models out. Every kind of model in :data:`KINDS` appears at least 3 times.
    """
    if n_models < 3 * len(KINDS):
        raise ValueError(f"need at least {3 * len(KINDS)} models, got {n_models}")
    rng = np.random.default_rng(seed)
    shares = np.array([k[3] for k in KINDS])
    counts = np.maximum(3, np.floor(shares / shares.sum() * n_models).astype(int))
    counts[int(np.argmax(counts))] += n_models - counts.sum()
    kind = np.repeat(np.arange(len(KINDS)), counts)
    source = np.array([k[0] for k in KINDS], dtype=object)[kind]
    group = np.array([k[1] for k in KINDS], dtype=object)[kind]
    category = np.array([k[2] for k in KINDS], dtype=object)[kind]
    coverage = np.array([k[4] for k in KINDS], dtype=object)[kind]
    boost = np.array([k[5] for k in KINDS])[kind]
    zero_shot = group == "Zero-shot image-text"
    low = source == "openclip-lowacc"

    # Zero-shot models: ImageNet error falls as a power law of samples seen (Cherti et al., 2023).
    samples = np.where(zero_shot | low, 10 ** rng.uniform(7.5, 10.5, n_models), np.nan)
    params = 10 ** rng.uniform(0.5, 3.0, n_models)
    err = np.clip(31.6 * samples ** -0.21 * (params / 100) ** -0.05 * np.exp(rng.normal(0, 0.05, n_models)),
                  0.05, 0.97)
    tx = np.where(zero_shot | low, special.logit(1 - err), rng.uniform(-1.5, 2.6, n_models))
    tx = np.where(low, tx - 1.5, tx)

    idx = np.arange(n_models)
    model_id = np.char.add(np.char.add(source.astype(str), ":synthetic-"), np.char.zfill(idx.astype(str), 6))
    gflops = params * rng.uniform(0.5, 4.0, n_models)
    epochs = np.where(zero_shot | low, np.nan, rng.choice([90.0, 100.0, 300.0], n_models))
    batch = rng.choice([256.0, 1024.0, 4096.0, 32768.0], n_models)
    train_images = np.where(zero_shot | low, samples / rng.choice([1.0, 2.0, 10.0], n_models), 1.28e6)
    seen = np.where(zero_shot | low, samples, train_images * np.nan_to_num(epochs))
    models = pd.DataFrame({
        "model_id": model_id,
        "display_name": np.char.add("Synthetic <model> & ", idx.astype(str)),  # exercises escaping
        "source": source,
        "group": group,
        "source_category": category,
        "architecture": rng.choice(np.array(ARCHITECTURES, dtype=object), n_models),
        "train_data": np.where(zero_shot | low, rng.choice(np.array(["LAION-2B", "LAION-400M", "DataComp-1B"],
                                                                     dtype=object), n_models), "ImageNet-1k"),
        "samples_seen": seen,
        "train_images": train_images,
        "epochs": epochs,
        "batch_size": batch,
        "params_m": params,
        "gflops": gflops,
        "compute_gmacs_total": gflops * seen / 2,
        "image_size": rng.choice([224.0, 256.0, 384.0], n_models),
        "digitized": False,
        "series": np.where(source == "model-soups", "model-soups", ""),
        "series_step": np.where(source == "model-soups", 2.0, np.nan),
    })
    assert tuple(models.columns) == MODEL_COLUMNS

    frames = []
    for key in COVERAGE["testbed"]:
        has = np.array([key in COVERAGE[c] for c in coverage])
        if key in SHIFTS:
            has &= rng.random(n_models) >= missing
        if key == IMAGENET:
            t = tx
        else:
            slope, intercept = TRENDS[key]
            t = slope * tx + intercept + rng.normal(0, 0.15, n_models)
            if key in SHIFTS:
                t = t + boost * (0.3 if key == "imagenetv2" else 1.0)
        n = _images(key)
        top1 = np.rint(special.expit(t) * n) / n
        frames.append(pd.DataFrame({"model_id": model_id[has], "eval_set": key, "top1": top1[has],
                                    "n_images": n}))
    evaluations = pd.concat(frames, ignore_index=True)
    return models, evaluations


def synthetic_results(n_models: int, seed: int = 0, missing: float = 0.02) -> Results:
    """A validated :class:`Results` of ``n_models`` synthetic models (see :func:`synthetic_tables`)."""
    models, evaluations = synthetic_tables(n_models, seed, missing)
    models = validate_models(models, "synthetic models")
    evaluations = validate_evaluations(evaluations, "synthetic evaluations", models["model_id"])
    return Results(models, evaluations)


def write_results(results: Results, directory: str | Path) -> Path:
    """Write ``models.csv`` and ``evaluations.csv`` into ``directory`` (created) and return it."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    results.models.to_csv(d / "models.csv", index=False)
    results.evaluations.to_csv(d / "evaluations.csv", index=False)
    return d
