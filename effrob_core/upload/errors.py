"""Limits on uploaded files and the one error every problem with them raises, with the helpers that
render user text in its messages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


MAX_BYTES = 10 * 1024 * 1024  # 10 MB per file
MAX_ROWS = 20_000  # data rows (CSV) or result objects (JSON) per file
MAX_NAME = 200  # characters in a model name


def clean(text: object, limit: int = 120) -> str:
    """One-line, length-limited rendering of user text for a message."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def quote(text: object) -> str:
    """A cell value quoted for a message."""
    return repr(clean(text, 40))


class UploadError(ValueError):
    """An uploaded file cannot be read; the message names the file, row and column and what to fix."""

    def __init__(self, file: str, message: str, row: int | str | None = None, column: str | None = None,
                 label: str = "column"):
        row = int(row) if isinstance(row, (int, np.integer)) else (row or None)
        self.file, self.row, self.column = clean(file) or "(unnamed file)", row, column
        place = "" if row is None else (f", row {row}" if isinstance(row, int) else f", {row}")
        col = "" if column is None else f", {label} {quote(column)}"
        super().__init__(f"{self.file}{place}{col}: {message}")


def short_list(items: Sequence[str], limit: int = 15) -> str:
    """Comma-separated, shortened after ``limit`` items."""
    shown = ", ".join(clean(i, 60) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
