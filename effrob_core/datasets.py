"""Registry of evaluation sets: key, display name, size, classes and the ImageNet x-axes they use.

Sizes and class counts follow ``DATA.md`` (Taori et al., 2020; Recht et al., 2019; Wang et al., 2019;
Hendrycks et al., 2021; Barbu et al., 2019; Shankar et al., 2021). Per-source image counts (for
example ObjectNet in the testbed versus CLIP evaluations, or the 2,030 reviewed anchor frames the
testbed scores YTBB-Robust pm-0 on) are stored per row in the results table; ``n_images`` here is
the size of the canonical release.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvalSet:
    """One evaluation set: a registry key, how it is labelled, and how it is scored."""

    key: str
    name: str
    n_images: int
    n_classes: int
    kind: str  # "in-distribution", "shift" or "matched-x"
    matched_x: str | None = None  # key of the class-matched ImageNet subset, if the shift has one
    main_shift: bool = False  # one of the five shifts averaged into "average"


IMAGENET = "imagenet"
AVERAGE = "average"

EVAL_SETS: dict[str, EvalSet] = {
    s.key: s
    for s in (
        EvalSet("imagenet", "ImageNet", 50_000, 1000, "in-distribution"),
        EvalSet("imagenetv2", "ImageNetV2", 10_000, 1000, "shift", main_shift=True),
        EvalSet("imagenet-sketch", "ImageNet-Sketch", 50_889, 1000, "shift", main_shift=True),
        EvalSet("imagenet-r", "ImageNet-R", 30_000, 200, "shift", "imagenet-r-classes", True),
        EvalSet("imagenet-a", "ImageNet-A", 7_500, 200, "shift", "imagenet-a-classes", True),
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
    )
}

SHIFTS: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.kind == "shift")
MAIN_SHIFTS: tuple[str, ...] = tuple(k for k, s in EVAL_SETS.items() if s.main_shift)
