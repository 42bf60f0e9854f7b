"""Checking a measurement's value against its indicator's unit (goaltrack.values.units).

The same check serves `goaltrack record` and `goaltrack import`: numbers in English or Danish
notation are accepted, text and "N/A" are refused, percentages must lie in 0-100 and shares
in 0-1. A refused value raises the project's DataError with a message saying what was wrong.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goaltrack.errors import DataError
from goaltrack.values.numbers import format_number
from goaltrack.values.units import check_range, is_percent, parse_value


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("12", "persons", 12.0),
        ("12.5", "persons", 12.5),
        ("12,5", "persons", 12.5),  # decimal comma
        ("-3,25", "pct-change", -3.25),
        ("\u22122,5", "pct-change", -2.5),  # U+2212 MINUS SIGN, as typeset documents write it
        ("+4", "pct-change", 4.0),
        ("  7  ", "persons", 7.0),
        ("1.234,5", "1000 DKK", 1234.5),  # Danish grouping and decimal comma
        ("1,234.5", "1000 DKK", 1234.5),  # English grouping
        ("1.234.567", "1000 DKK", 1234567.0),
        ("106 652", "1000 DKK", 106652.0),  # space as thousands separator
        ("0", "pct", 0.0),
        ("100", "pct", 100.0),
        ("12,4 %", "pct", 12.4),  # a percent sign is dropped for percentage units
        ("12,4 pct.", "pct", 12.4),
        ("0,25", "share", 0.25),
        (41, "pct", 41.0),  # numbers from JSON
        (41.5, "pct", 41.5),
        (-2, "pct-change", -2.0),
    ],
)
def test_accepted_values(raw: str | float, unit: str, expected: float) -> None:
    assert parse_value(raw, unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "unit", "fragment"),
    [
        ("N/A", "pct", "not a number: 'N/A'"),
        ("n/a", "persons", "not a number"),
        ("..", "persons", "not a number"),  # Danmarks Statistik's "no figure"
        ("", "persons", "not a number"),
        ("twelve", "persons", "not a number: 'twelve'"),
        ("12 persons", "persons", "not a number"),
        ("1e5", "persons", "not a number"),  # exponents are refused, not read as 100000
        ("nan", "persons", "not a number"),
        ("inf", "persons", "not a number"),
        ("1_000", "persons", "not a number"),
        ("12 %", "persons", "not a number"),  # a percent sign only for percentage units
        ("100.5", "pct", "100.5 is outside 0-100 for a percentage (unit 'pct')"),
        ("101", "%", "outside 0-100"),
        ("-0,1", "pct", "-0.1 is outside 0-100"),
        ("1,5", "share", "1.5 is outside 0-1 for a share"),
        (float("nan"), "persons", "not a number"),
        (float("inf"), "persons", "not a number"),
        (True, "persons", "not a number"),
        (150, "pct", "outside 0-100"),
    ],
)
def test_refused_values(raw: str | float, unit: str, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        parse_value(raw, unit)
    assert fragment in info.value.message


@pytest.mark.parametrize("unit", ["pct", "%", "percent", "procent", "PCT", " pct "])
def test_percent_units(unit: str) -> None:
    assert is_percent(unit)
    with pytest.raises(DataError):
        check_range(100.01, unit)


@pytest.mark.parametrize("unit", ["pct-change", "persons", "1000 DKK", "score", "days"])
def test_other_units_have_no_range(unit: str) -> None:
    assert not is_percent(unit)
    assert check_range(-250.0, unit) == -250.0
    assert check_range(1e9, unit) == 1e9


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_every_percentage_in_range_is_accepted(value: float) -> None:
    assert parse_value(value, "pct") == value


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 100))
def test_every_percentage_out_of_range_is_refused(value: float) -> None:
    # Beyond 10**15 the magnitude bound speaks first (numbers.MAX_MAGNITUDE).
    with pytest.raises(DataError, match="outside 0-100|is too large"):
        parse_value(value, "pct")


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15, exclude_min=True,
                 exclude_max=True))
def test_every_storable_number_is_accepted_unchanged(value: float) -> None:
    assert parse_value(value, "persons") == value


@pytest.mark.parametrize("raw", [10**15, -(10**15), 10**400, 1e300, float("inf"), float("nan")])
def test_numbers_beyond_the_bound_are_refused(raw: float) -> None:
    with pytest.raises(DataError, match="too large|not a number"):
        parse_value(raw, "persons")


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_danish_decimal_comma_reads_back(value: object) -> None:
    """A number written the Danish way with decimals (1.234,56) reads back as the number."""
    number = float(value)  # type: ignore[arg-type]
    text = format_number(number, "da", decimals=2)
    assert math.isclose(parse_value(text, "1000 DKK"), number, abs_tol=0.005)


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.text(max_size=20))
def test_any_text_is_a_number_or_a_data_error(text: str) -> None:
    try:
        value = parse_value(text, "pct")
    except DataError:
        return
    assert math.isfinite(value) and 0 <= value <= 100
