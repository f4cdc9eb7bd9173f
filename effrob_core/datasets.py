"""Registry of evaluation sets: key, display name, size, classes and the ImageNet x-axes they use.

Sizes and class counts follow ``DATA.md`` (Taori et al., 2020; Recht et al., 2019; Wang et al., 2019;
Hendrycks et al., 2021; Barbu et al., 2019; Shankar et al., 2021). Per-source image counts (for
example ObjectNet in the testbed versus CLIP evaluations, or the 2,030 reviewed anchor frames the
testbed scores YTBB-Robust pm-0 on) are stored per row in the results table; ``n_images`` here is
the size of the canonical release.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class EvalSet:
    """One evaluation set: a registry key, how it is labelled, and how it is scored."""

    key: str
    name: str
    n_images: int
    n_classes: int
    kind: str  # "in-distribution", "shift", "matched-x", "synthetic" or "variant"
    matched_x: str | None = None  # key of the class-matched ImageNet subset, if the shift has one
    main_shift: bool = False  # one of the five shifts averaged into "average"
    components: tuple[str, ...] = ()  # an aggregate: the plain mean of these sets (each maybe an aggregate)
    listed: bool = True  # offered in the pages' menus (per-severity settings are reachable by key only)
    #: Models the set was filtered against (their accuracy on it is 0 by construction): they never enter
    #: a fit on the set, and the set's baseline is split at their x (see ``effrob_core.robustness``).
    filtered_against: tuple[str, ...] = ()


IMAGENET = "imagenet"
AVERAGE = "average"

# --- the testbed's synthetic and consistency settings (Taori et al., 2020) -------------------------
#: ImageNet-C corruptions (Hendrycks & Dietterich, 2019) as the testbed runs them: 19 from the
#: published files ("on-disk"), 18 re-computed in memory (no glass blur).
IMAGENET_C_CORRUPTIONS: tuple[str, ...] = (
    "brightness", "contrast", "defocus_blur", "elastic_transform", "fog", "frost", "gaussian_blur",
    "gaussian_noise", "glass_blur", "impulse_noise", "jpeg_compression", "motion_blur", "pixelate",
    "saturate", "shot_noise", "snow", "spatter", "speckle_noise", "zoom_blur",
)
IN_MEMORY_CORRUPTIONS: tuple[str, ...] = tuple(c for c in IMAGENET_C_CORRUPTIONS if c != "glass_blur")
SEVERITIES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: ImageNet-C families: registry key prefix -> (testbed column suffix, label, corruptions).
IMAGENET_C_FAMILIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "imagenet-c": ("on-disk", "ImageNet-C", IMAGENET_C_CORRUPTIONS),
    "imagenet-c-in-memory": ("in-memory", "ImageNet-C in memory", IN_MEMORY_CORRUPTIONS),
}
#: PGD attacks of the testbed: registry key -> label (eps in the testbed's naming; linf eps in /255).
PGD_ATTACKS: dict[str, str] = {
    "pgd.l2.eps0.1": "PGD L2 eps 0.1", "pgd.l2.eps0.5": "PGD L2 eps 0.5",
    "pgd.linf.eps0.5": "PGD Linf eps 0.5/255", "pgd.linf.eps2": "PGD Linf eps 2/255",
}
#: ImageNetV2 variants besides the matched-frequency "format-val" images plotted as ``imagenetv2``
#: (Recht et al., 2019): registry key (the testbed's column) -> label.
IMAGENETV2_VARIANTS: dict[str, str] = {
    "imagenetv2-matched-frequency": "ImageNetV2 matched-frequency (original encoding)",
    "imagenetv2-threshold0.7": "ImageNetV2 threshold-0.7 (original encoding)",
    "imagenetv2-threshold-0.7-format-val": "ImageNetV2 threshold-0.7",
    "imagenetv2-topimages": "ImageNetV2 top-images (original encoding)",
    "imagenetv2-top-images-format-val": "ImageNetV2 top-images",
}


def _corruption_name(corruption: str) -> str:
    return corruption.replace("_", " ").capitalize()


def _synthetic_sets() -> Iterable[EvalSet]:
    """Registry entries of the testbed's synthetic settings, generated from the tables above.

    Aggregates follow the testbed's ``plotting/dataframe.py``: each corruption is the mean of its five
    severities; ``imagenet-c`` / ``imagenet-c-in-memory`` are the mean over corruptions
    (``avg_imagenet_c_on_disk`` / ``avg_imagenet_c_in_memory``); ``corruptions-averaged`` is
    Taori et al.'s "Corruptions Averaged" (``avg_corruptions``: every per-corruption mean of both
    families, greyscale and stylized ImageNet); ``pgd`` is ``avg_pgd``. A model lacking any part has
    no aggregate (pandas ``mean(skipna=False)`` in the testbed).
    """
    for family, (_, label, corruptions) in IMAGENET_C_FAMILIES.items():
        for c in corruptions:
            for s in SEVERITIES:
                yield EvalSet(f"{family}.{c}.{s}", f"{label}: {_corruption_name(c)}, severity {s}", 50_000, 1000,
                              "synthetic", listed=False)
            yield EvalSet(f"{family}.{c}", f"{label}: {_corruption_name(c)} (mean of severities 1-5)", 50_000,
                          1000, "synthetic", components=tuple(f"{family}.{c}.{s}" for s in SEVERITIES))
        for s in SEVERITIES:
            yield EvalSet(f"{family}.severity-{s}", f"{label}: severity {s} (mean of {len(corruptions)} corruptions)",
                          50_000, 1000, "synthetic", components=tuple(f"{family}.{c}.{s}" for c in corruptions))
        yield EvalSet(family, f"{label} (mean of {len(corruptions)} corruptions x 5 severities)", 50_000, 1000,
                      "synthetic", components=tuple(f"{family}.{c}" for c in corruptions))
    yield EvalSet("greyscale", "Greyscale ImageNet", 50_000, 1000, "synthetic")
    yield EvalSet("stylized-imagenet", "Stylized ImageNet", 50_000, 1000, "synthetic")
    yield EvalSet("corruptions-averaged", "Corruptions averaged (Taori et al.: ImageNet-C, greyscale, stylized)",
                  50_000, 1000, "synthetic",
                  components=(*(f"{f}.{c}" for f, (_, _, cs) in IMAGENET_C_FAMILIES.items() for c in cs),
                              "greyscale", "stylized-imagenet"))
    for k, label in PGD_ATTACKS.items():
        yield EvalSet(k, label, 50_000, 1000, "synthetic")
    yield EvalSet("pgd", "PGD attacks (mean of 4)", 50_000, 1000, "synthetic", components=tuple(PGD_ATTACKS))
    yield EvalSet("imagenet-vid-robust-pm10", "ImageNet-Vid-Robust (pm-10)", 1_109, 30, "variant",
                  "imagenet-vid-robust-classes")
    yield EvalSet("ytbb-robust-pm10", "YTBB-Robust (pm-10)", 2_530, 24, "variant", "ytbb-robust-classes")
    for k, label in IMAGENETV2_VARIANTS.items():
        yield EvalSet(k, label, 10_000, 1000, "variant")

EVAL_SETS: dict[str, EvalSet] = {
    s.key: s
    for s in (
        EvalSet("imagenet", "ImageNet", 50_000, 1000, "in-distribution"),
        # A held-out 2% of ImageNet's training set (26,000 images) that Wortsman et al. (2022, model
        # soups) use to choose soup ingredients: in-distribution, never a shift.
        EvalSet("imagenet2p", "ImageNet2p (held-out 2% of ImageNet train)", 26_000, 1000, "in-distribution"),
        EvalSet("imagenetv2", "ImageNetV2", 10_000, 1000, "shift", main_shift=True),
        EvalSet("imagenet-sketch", "ImageNet-Sketch", 50_889, 1000, "shift", main_shift=True),
        EvalSet("imagenet-r", "ImageNet-R", 30_000, 200, "shift", "imagenet-r-classes", True),
        # Hendrycks et al. (2021) kept only images a ResNet-50 misclassifies: the testbed's ResNet-50
        # (torchvision weights) scores exactly 0.00% (robustness_top1s.csv); timm publishes no
        # ImageNet-A result for the same weights (resnet50.tv_in1k).
        EvalSet("imagenet-a", "ImageNet-A", 7_500, 200, "shift", "imagenet-a-classes", True,
                filtered_against=("testbed:resnet50",)),
        EvalSet("objectnet", "ObjectNet", 18_574, 113, "shift", "objectnet-classes", True),
        EvalSet("imagenet-vid-robust", "ImageNet-Vid-Robust (pm-0)", 1_109, 30, "shift",
                "imagenet-vid-robust-classes"),
        EvalSet("ytbb-robust", "YTBB-Robust (pm-0)", 2_530, 24, "shift", "ytbb-robust-classes"),
        EvalSet("imagenet-r-classes", "ImageNet (ImageNet-R classes)", 10_000, 200, "matched-x"),
        EvalSet("imagenet-a-classes", "ImageNet (ImageNet-A classes)", 10_000, 200, "matched-x"),
        # Class-matched subsets count ImageNet classes (50 validation images each): ObjectNet's 113
        # classes cover 125 ImageNet classes, Vid-Robust's 30 cover 288, YTBB-Robust's 24 cover 231.
        EvalSet("objectnet-classes", "ImageNet (ObjectNet classes)", 6_250, 125, "matched-x"),
        EvalSet("imagenet-vid-robust-classes", "ImageNet (Vid-Robust classes)", 14_400, 288, "matched-x"),
        EvalSet("ytbb-robust-classes", "ImageNet (YTBB-Robust classes)", 11_550, 231, "matched-x"),
        *_synthetic_sets(),
    )
}

SHIFTS: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.kind == "shift")
MAIN_SHIFTS: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.main_shift)
#: The testbed's synthetic settings and the other settings of natural shifts (pm-10, ImageNetV2 variants).
SYNTHETIC: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.kind == "synthetic")
VARIANTS: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.kind == "variant")
#: Sets stored in the results tables (everything but the aggregates, which are computed from them).
STORED: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if not s.components)


def leaf_weights(key: str) -> dict[str, float]:
    """The stored sets an evaluation set averages, each with its weight (summing to 1).

    A stored set is itself with weight 1; an aggregate is the plain mean of its components, nested as
    the testbed nests its means; ``average`` is the mean of the five main shifts (Radford et al., 2021).
    """
    if key == AVERAGE:
        parts: tuple[str, ...] = MAIN_SHIFTS
    elif key in EVAL_SETS:
        parts = EVAL_SETS[key].components
    else:
        raise ValueError(f"unknown evaluation set {key!r}")
    if not parts:
        return {key: 1.0}
    out: dict[str, float] = {}
    for part in parts:  # a few dozen components at most
        for leaf, w in leaf_weights(part).items():
            out[leaf] = out.get(leaf, 0.0) + w / len(parts)
    return out
