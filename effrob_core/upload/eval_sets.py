"""Which evaluation set an uploaded column or CLIP_benchmark dataset name means: the registry keys and
the other spellings accepted for each."""

from __future__ import annotations

import re

from ..datasets import EVAL_SETS


#: Accepted spellings of each evaluation set besides its registry key (compared after lower-casing
#: and turning ``_`` and spaces into ``-``). CLIP_benchmark's dataset names are among them.
EVAL_SET_ALIASES: dict[str, tuple[str, ...]] = {
    "imagenet": ("imagenet1k", "imagenet-1k", "in1k", "in-1k", "imagenet-val", "ilsvrc2012"),
    "imagenetv2": ("imagenet-v2", "imagenetv2-matched-frequency", "inv2", "in-v2"),
    "imagenet-sketch": ("imagenetsketch", "sketch", "in-sketch"),
    "imagenet-r": ("imagenetr", "imagenet-rendition", "in-r"),
    "imagenet-a": ("imageneta", "imagenet-adversarial", "in-a"),
    "objectnet": ("object-net",),
    "imagenet-vid-robust": ("vid-robust",),
    "ytbb-robust": ("ytbb",),
    "imagenet-r-classes": ("val-on-imagenet-r-classes",),
    "imagenet-a-classes": ("val-on-imagenet-a-classes",),
}
_SUFFIXES = ("-top1", "-top-1", "-acc1", "-acc", "-accuracy")


def norm(text: str) -> str:
    """Lower-case a column or dataset name and spell ``_`` and spaces as ``-``."""
    return re.sub(r"[-_\s]+", "-", str(text).strip().lower()).strip("-")


def _usable_sets() -> tuple[str, ...]:
    """Registry keys whose image count is known (needed for the accuracies' intervals)."""
    return tuple(k for k, s in EVAL_SETS.items() if s.n_images > 0)


USABLE_SETS: tuple[str, ...] = _usable_sets()
_LOOKUP: dict[str, str] = {
    **{norm(a): k for k, aliases in EVAL_SET_ALIASES.items() if k in USABLE_SETS for a in aliases},
    **{norm(k): k for k in USABLE_SETS},
}


def eval_set_for(name: str) -> str | None:
    """Registry key of an evaluation-set column or CLIP_benchmark dataset name (None when unknown).

    Accepts registry keys, the aliases in ``EVAL_SET_ALIASES``, a ``wds/`` prefix and a trailing
    ``_top1``/``_acc1``/``_acc``/``_accuracy``."""
    n = norm(name)
    n = n[4:] if n.startswith("wds/") else n
    if n in _LOOKUP:
        return _LOOKUP[n]
    for suffix in _SUFFIXES:
        if n.endswith(suffix) and n[: -len(suffix)] in _LOOKUP:
            return _LOOKUP[n[: -len(suffix)]]
    return None


def accepted_columns() -> dict[str, tuple[str, ...]]:
    """Each usable registry key with the other spellings accepted for it."""
    return {k: EVAL_SET_ALIASES.get(k, ()) for k in USABLE_SETS}
