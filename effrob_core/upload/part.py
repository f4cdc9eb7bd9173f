"""One uploaded file's results as read, before they are merged with other files into Results."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class FilePart:
    """One file's results before merging: long scores and per-model attributes."""

    file: str
    scores: pd.DataFrame  # name, eval_set, top1, file, place
    models: pd.DataFrame  # name, architecture, train_data, samples_seen, params_m, batch_size, samples_from_tag
    notes: tuple[str, ...]
    skipped_sets: tuple[str, ...] = ()  # CLIP_benchmark datasets not in the registry
    skipped_tasks: tuple[tuple[str, int], ...] = ()  # CLIP_benchmark tasks without a top-1 accuracy, with counts
