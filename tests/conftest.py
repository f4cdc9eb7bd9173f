"""Shared fixtures: the committed results, the same with a few uploaded models, and the repository root."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from effrob_core.results import Results, load_results  # noqa: E402
from effrob_core.upload import parse_file  # noqa: E402

#: Uploaded zero-shot results: three models at three scales (one on DataComp data) and one without samples seen.
MINE_CSV = b"""model,imagenet,imagenetv2,imagenet-sketch,imagenet-r,imagenet-a,objectnet,samples_seen,train_data
mine-small,0.30,0.25,0.15,0.30,0.05,0.15,1e8,my-data
mine-mid,0.45,0.38,0.25,0.45,0.09,0.25,1e9,DataComp-M
mine-big,0.60,0.52,0.38,0.60,0.20,0.40,10B,my-data
mine-unknown-scale,0.50,0.44,0.30,0.50,0.12,0.30,,my-data
"""


@pytest.fixture(scope="session")
def results() -> Results:
    """The committed results tables, validated."""
    return load_results()


@pytest.fixture(scope="session")
def with_mine(results: Results) -> Results:
    """The published results plus the uploaded models of :data:`MINE_CSV`."""
    return results.combine(parse_file("mine.csv", MINE_CSV).results)
