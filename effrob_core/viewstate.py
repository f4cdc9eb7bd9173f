"""Page state in the URL query string: typed parameters, parsing with fallbacks, and encoding.

Pure functions (no Streamlit): a page declares its :class:`Param` list; :func:`parse_query` turns a
query mapping into values, falling back to the default with a notice for every unknown or
malformed value; :func:`encode_query` writes the values back as short strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["choice", "multi", "range", "bool", "text", "int", "float"]
MAX_TEXT = 200


@dataclass(frozen=True)
class Param:
    """One control's URL parameter: key, default, kind, allowed choices or numeric bounds."""

    key: str
    default: Any
    kind: Kind
    choices: tuple[str, ...] = ()
    bounds: tuple[float, float] = (-math.inf, math.inf)

    def parse(self, raw: str) -> Any:
        """Value of the raw query string; raises ``ValueError`` with a reason when it is not valid."""
        raw = raw.strip()
        if self.kind == "choice":
            if raw not in self.choices:
                raise ValueError(f"{raw!r} is not one of {_listing(self.choices)}")
            return raw
        if self.kind == "multi":
            items = [s for s in (p.strip() for p in raw.split(",")) if s] if raw else []
            if self.choices:
                bad = [s for s in items if s not in self.choices]
                if bad:
                    raise ValueError(f"{', '.join(map(repr, bad))} not among {', '.join(self.choices)}")
            return list(dict.fromkeys(items))
        if self.kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{raw!r} is not 0 or 1")
        if self.kind == "text":
            if len(raw) > MAX_TEXT:
                raise ValueError(f"longer than {MAX_TEXT} characters")
            return raw
        if self.kind == "range":
            parts = raw.split(",")
            if len(parts) != 2:
                raise ValueError(f"{raw!r} is not two numbers LOW,HIGH")
            low, high = (self._number(p) for p in parts)
            if low > high:
                raise ValueError(f"{raw!r}: LOW is above HIGH")
            return (low, high)
        value = self._number(raw)
        if self.kind == "int":
            if value != int(value):
                raise ValueError(f"{raw!r} is not a whole number")
            return int(value)
        return value

    def _number(self, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if not math.isfinite(value) or not self.bounds[0] <= value <= self.bounds[1]:
            raise ValueError(f"{raw!r} is outside {self.bounds[0]:g}..{self.bounds[1]:g}")
        return value

    def encode(self, value: Any) -> str:
        """Short string for the URL (inverse of :meth:`parse`)."""
        if self.kind == "multi":
            return ",".join(value)
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "range":
            return ",".join(f"{v:g}" for v in value)
        if self.kind == "float":
            return f"{value:g}"
        return str(value)


#: Most choices a notice lists in full (a longer list is cut, with the count).
MAX_LISTED_CHOICES = 20


def _listing(choices: Sequence[str]) -> str:
    """The allowed values for a notice, cut after :data:`MAX_LISTED_CHOICES` with the number left out."""
    shown = [c for c in choices if c][:MAX_LISTED_CHOICES]
    more = len([c for c in choices if c]) - len(shown)
    return ", ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def parse_query(params: Sequence[Param],
                query: Mapping[str, str | Sequence[str]]) -> tuple[dict[str, Any], list[str]]:
    """Values for every param (default where absent or invalid) and one notice per invalid value.

    A query value may be the list of every value the key was given (``?shift=a&shift=b``): the last
    one is used, with a notice naming the others.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for p in params:
        if p.key not in query:
            values[p.key] = p.default
            continue
        given = query[p.key]
        given = [given] if isinstance(given, str) else [str(v) for v in given] or [""]
        if len(given) > 1:
            notices.append(f"Link parameter {p.key} is given {len(given)} times "
                           f"({', '.join(map(repr, given))}); using the last one.")
        try:
            values[p.key] = p.parse(given[-1])
        except ValueError as exc:
            values[p.key] = p.default
            notices.append(f"Link parameter {p.key}: {exc}; using the default ({p.encode(p.default) or 'none'}).")
    known = {p.key for p in params}
    unknown = sorted(k for k in query if k not in known)
    if unknown:
        notices.append(f"Ignored unknown link parameter(s): {', '.join(unknown)}.")
    return values, notices


def encode_query(params: Sequence[Param], values: Mapping[str, Any]) -> dict[str, str]:
    """Query mapping of the values that differ from their defaults (short, shareable links)."""
    return {p.key: p.encode(values[p.key]) for p in params if p.key in values and values[p.key] != p.default}
