"""Shared fixtures: the committed results and the repository root."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from effrob_core.results import Results, load_results  # noqa: E402


@pytest.fixture(scope="session")
def results() -> Results:
    """The committed results tables, validated."""
    return load_results()
