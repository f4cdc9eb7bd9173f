"""URL parameters parse, fall back with a notice, and round-trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from effrob_core.viewstate import Param, encode_query, parse_query

PARAMS = [
    Param("shift", "imagenetv2", "choice", ("imagenetv2", "objectnet")),
    Param("groups", ["a", "b"], "multi", ("a", "b", "c")),
    Param("range", (0.0, 100.0), "range", bounds=(0, 100)),
    Param("bars", False, "bool"),
    Param("q", "", "text"),
    Param("n", 8, "int", bounds=(1, 8)),
]


def test_defaults_when_absent() -> None:
    values, notices = parse_query(PARAMS, {})
    assert values == {p.key: p.default for p in PARAMS} and notices == []


def test_valid_values_parse() -> None:
    values, notices = parse_query(PARAMS, {"shift": "objectnet", "groups": "c,a", "range": "55,80",
                                           "bars": "1", "q": "clip", "n": "3"})
    assert notices == []
    assert values == {"shift": "objectnet", "groups": ["c", "a"], "range": (55.0, 80.0), "bars": True,
                      "q": "clip", "n": 3}


def test_invalid_values_fall_back_with_notices() -> None:
    values, notices = parse_query(PARAMS, {"shift": "nope", "groups": "a,zz", "range": "80,55", "bars": "maybe",
                                           "n": "99", "extra": "1"})
    assert values == {p.key: p.default for p in PARAMS}
    text = " ".join(notices)
    for expected in ("shift: 'nope' is not one of", "'zz' not among", "LOW is above HIGH", "'maybe' is not 0 or 1",
                     "'99' is outside 1..8", "unknown link parameter(s): extra"):
        assert expected in text
    assert len(notices) == 6


def test_encode_omits_defaults() -> None:
    assert encode_query(PARAMS, {p.key: p.default for p in PARAMS}) == {}
    assert encode_query(PARAMS, {"shift": "objectnet", "range": (60.0, 90.5)}) == {"shift": "objectnet",
                                                                                   "range": "60,90.5"}


@given(shift=st.sampled_from(["imagenetv2", "objectnet"]), groups=st.lists(st.sampled_from("abc"), unique=True),
       low=st.integers(0, 50), high=st.integers(50, 100), bars=st.booleans(),
       q=st.text(alphabet=st.characters(blacklist_characters=","), max_size=20).map(str.strip), n=st.integers(1, 8))
def test_round_trip(shift, groups, low, high, bars, q, n) -> None:
    values = {"shift": shift, "groups": groups, "range": (float(low), float(high)), "bars": bars, "q": q, "n": n}
    parsed, notices = parse_query(PARAMS, encode_query(PARAMS, values))
    assert notices == [] and parsed == values


@given(raw=st.text(max_size=50))
def test_any_string_never_raises(raw: str) -> None:
    values, _ = parse_query(PARAMS, {p.key: raw for p in PARAMS})
    assert set(values) == {p.key for p in PARAMS}
