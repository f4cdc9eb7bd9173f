"""One entry per checkpoint: rows of different sources that hold the same weights.

The models table marks them with two columns: ``canonical_id`` (empty on a canonical row, else the
id of the canonical row of the same checkpoint) and ``also_in`` (on a canonical row, the ids of the
other rows of its checkpoint, ``"; "``-separated). The ingest writes them from its rule table
(``effrob_core.ingest``, results/README.md "One entry per checkpoint"); every fit, table and chart
keeps one row per checkpoint with :func:`one_per_checkpoint`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: The two columns that link the rows of one checkpoint (optional in uploaded tables: empty there).
CHECKPOINT_COLUMNS: tuple[str, ...] = ("canonical_id", "also_in")
ALSO_IN_SEP = "; "


def _column(table: pd.DataFrame, column: str) -> pd.Series:
    """A checkpoint column as text ("" where missing or absent)."""
    if column not in table.columns:
        return pd.Series("", index=table.index, dtype=object)
    return table[column].fillna("").astype(str)


def checkpoint_of(table: pd.DataFrame) -> pd.Series:
    """The id of each row's canonical row (its own id for a canonical or unmatched row)."""
    canonical = _column(table, "canonical_id")
    return canonical.where(canonical != "", table["model_id"].astype(str))


def one_per_checkpoint(points: pd.DataFrame) -> NDArray[np.bool_]:
    """Which rows of ``points`` to keep so that every checkpoint appears once.

    The canonical row is kept when it is among ``points``; otherwise the first of its other rows
    in ``points`` (so a view where only a duplicate has the needed accuracies or x still shows the
    checkpoint once). Rows without a checkpoint link are always kept.
    """
    key = checkpoint_of(points).to_numpy()
    is_canonical = (points["model_id"].astype(str).to_numpy() == key)
    order = np.lexsort((np.arange(len(points)), ~is_canonical, key))
    first = np.ones(len(points), dtype=bool)
    sorted_key = key[order]
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    keep = np.zeros(len(points), dtype=bool)
    keep[order[first]] = True
    return keep


def also_in_text(table: pd.DataFrame, names: pd.Series | None = None) -> pd.Series:
    """Provenance of each row, e.g. ``"also in: OpenCLIP ViT-B-32 openai; ..."``, or "" for none.

    ``names`` maps model ids to display labels (the ids themselves where absent).
    """
    also = _column(table, "also_in")
    lookup = {} if names is None else names.to_dict()
    def label(text: str) -> str:
        if not text:
            return ""
        return "also in: " + ALSO_IN_SEP.join(str(lookup.get(i, i)) for i in text.split(ALSO_IN_SEP))
    return also.map(label)


def check_links(table: pd.DataFrame) -> tuple[int, str] | None:
    """The first broken checkpoint link as (row position, message), or None when all are consistent.

    A ``canonical_id`` must name another row of the table that is itself canonical, and a canonical
    row's ``also_in`` must list exactly the rows that name it, in any order.
    """
    ids = table["model_id"].astype(str)
    canonical = _column(table, "canonical_id")
    also = _column(table, "also_in")
    linked = canonical != ""
    target = canonical[linked]
    missing = ~target.isin(ids)
    if missing.any():
        i = int(np.flatnonzero(linked.to_numpy())[int(missing.to_numpy().argmax())])
        return i, f"canonical_id {canonical.iloc[i]!r} is not a model_id of the table"
    chained = target.map(dict(zip(ids, canonical))) != ""
    self_ref = target == ids[linked]
    bad = chained | self_ref
    if bad.any():
        i = int(np.flatnonzero(linked.to_numpy())[int(bad.to_numpy().argmax())])
        return i, f"canonical_id {canonical.iloc[i]!r} is not a canonical row (its own canonical_id is set)"
    def joined(values: pd.Series) -> str:
        return ALSO_IN_SEP.join(sorted(values))
    expected = pd.Series(ids[linked].to_numpy(), index=target.to_numpy()).groupby(level=0).agg(joined)
    has_also = also != ""
    listed = pd.Series(also[has_also].str.split(ALSO_IN_SEP).map(sorted).map(ALSO_IN_SEP.join).to_numpy(),
                       index=ids[has_also].to_numpy())
    want = expected.reindex(ids.to_numpy()).fillna("")
    have = listed.reindex(ids.to_numpy()).fillna("")
    wrong = (want != have).to_numpy()
    if wrong.any():
        i = int(wrong.argmax())
        return i, (f"also_in of {ids.iloc[i]!r} lists {have.iloc[i] or 'nothing'} but "
                   f"{want.iloc[i] or 'no row'} name(s) it as canonical_id")
    return None
