from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goaltrack.errors import DataError
from goaltrack.values.numbers import decimal_mark, format_number, parse_number
from goaltrack.values.units import parse_value


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        # English
        ("1234.5", ".", 1234.5),
        ("1,234.5", ".", 1234.5),
        ("1,234,567.25", ".", 1234567.25),
        ("7.332", ".", 7.332),
        ("540,225", ".", 540225),
        # Danish: the seed's budget table writes thousands with a dot (domain notes §1.8)
        ("1.234,5", ",", 1234.5),
        ("7.332", ",", 7332),
        ("540.225", ",", 540225),
        ("492.697", ",", 492697),
        ("12,4", ",", 12.4),
        ("1.234.567,25", ",", 1234567.25),
        ("-95", ",", -95),
        ("0", ",", 0),
        # auto
        ("1234.5", "auto", 1234.5),
        ("1,234.5", "auto", 1234.5),
        ("1.234,5", "auto", 1234.5),
        ("12,4", "auto", 12.4),
        ("1,234", "auto", 1.234),  # a single comma is a decimal comma
        ("7.332", "auto", 7.332),  # a single dot is a decimal point: the English reading
        ("1.234.567", "auto", 1234567),
        ("1,234,567", "auto", 1234567),
        ("1.234.567,5", "auto", 1234567.5),
        ("1,234,567.5", "auto", 1234567.5),
        ("42", "auto", 42),
        # signs, spaces and grouping by spaces in every mode
        ("+5", "auto", 5),
        ("-5", "auto", -5),
        ("\u22125,5", "auto", -5.5),
        ("\u221295", ",", -95),
        ("  -1.234,5  ", ",", -1234.5),
        ("1 234", "auto", 1234),
        ("1\u00a0234,5", ",", 1234.5),
        ("1\u202f234.5", ".", 1234.5),
        ("-1 234 567", ".", -1234567),
        ("007", "auto", 7),
        ("0,05", "auto", 0.05),
    ],
)
def test_parse(text: str, decimal: str, expected: float) -> None:
    assert parse_number(text, decimal=decimal) == expected  # type: ignore[arg-type]


def test_numbers_pass_through() -> None:
    assert parse_number(12) == 12.0
    assert parse_number(-0.5) == -0.5
    assert isinstance(parse_number(3), float)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,4 %", 12.4), ("12.4%", 12.4), ("3,5 pct.", 3.5), ("3,5 pct", 3.5), ("-2 %", -2.0)],
)
def test_percent_only_when_allowed(text: str, expected: float) -> None:
    assert parse_number(text, allow_percent=True) == expected
    with pytest.raises(DataError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("N/A", "auto"),
        ("..", "auto"),
        ("", "auto"),
        ("   ", "auto"),
        ("nan", "auto"),
        ("NaN", "."),
        ("inf", "auto"),
        ("-inf", "auto"),
        ("Infinity", "."),
        ("abc", "auto"),
        ("12 kr.", "auto"),
        ("1e5", "."),
        ("1.5", ","),  # a Danish dot must group exactly 3 digits
        ("1,5", "."),
        ("12.34.56", "auto"),
        ("1,2,3", "auto"),
        ("1.234,5", "."),
        ("1,234.5", ","),
        ("1.23,4", "auto"),
        ("1,234.567.8", "auto"),
        ("1 23", "auto"),
        ("1.234 567", ","),
        ("5.", "."),
        ("5,", ","),
        (".5", "."),
        ("--5", "auto"),
        ("+-5", "auto"),
        ("- 5", "auto"),
        ("5-", "auto"),
        ("\u2013" + "5", "auto"),  # EN DASH is not a minus sign
        ("٥", "auto"),  # Arabic-Indic digit
        ("12%", "auto"),
    ],
)
def test_refused(text: str, decimal: str) -> None:
    with pytest.raises(DataError) as info:
        parse_number(text, decimal=decimal)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith("not a number: ")
    assert "\n" not in message


@pytest.mark.parametrize("text", ["1" * 400, "1" * 16, "-1000000000000000", "1 000 000 000 000 000"])
def test_too_large_is_its_own_error(text: str) -> None:
    # float() gives inf for 400 digits; 10**15 and up cannot be stored exactly (MAX_MAGNITUDE).
    with pytest.raises(DataError) as info:
        parse_value(text, "persons")
    message = str(info.value)
    assert "is too large: numbers must be less than 10^15" in message
    assert "\n" not in message and len(message) < 200


def test_error_message_quotes_the_text() -> None:
    with pytest.raises(DataError) as info:
        parse_number("N/A")
    assert str(info.value) == "not a number: 'N/A'"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, None, [1]])
def test_refused_non_text(value: object) -> None:
    with pytest.raises(DataError):
        parse_number(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (540225, "da", None, "540.225"),
        (540225, "en", None, "540,225"),
        (540225.0, "da", None, "540.225"),
        (12.4, "da", None, "12,4"),
        (12.4, "en", None, "12.4"),
        (-1234567.891, "da", None, "-1.234.567,891"),
        (-1234567.891, "en", 1, "-1,234,567.9"),
        (41.55, "da", 1, "41,5"),  # round-half-even on the binary value, like format()
        (9.65, "da", 2, "9,65"),
        (0, "da", 2, "0,00"),
        (-0.04, "da", 1, "0,0"),
        (-0.0, "en", None, "0"),
        (999, "da", None, "999"),
        (1000, "da", None, "1.000"),
        (1e-7, "en", None, "0.0000001"),
        (1e23, "en", None, "100,000,000,000,000,000,000,000"),
        (12.4, "da-DK", None, "12,4"),
        (12.4, "en_GB", None, "12.4"),
        (math.nan, "da", None, "n/a"),
        (math.inf, "en", 1, "n/a"),
    ],
)
def test_format(value: float, lang: str, decimals: int | None, expected: str) -> None:
    assert format_number(value, lang, decimals) == expected


def test_format_rejects_unknown_language_and_negative_decimals() -> None:
    with pytest.raises(ValueError):
        format_number(1, "de")
    with pytest.raises(ValueError):
        format_number(1, "da", -1)


def test_decimal_mark() -> None:
    assert decimal_mark("da") == ","
    assert decimal_mark("en") == "."


finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite, st.sampled_from(["da", "en"]))
def test_format_parse_round_trip(value: float, lang: str) -> None:
    text = format_number(value, lang)
    assert parse_number(text, decimal=decimal_mark(lang)) == value


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["da", "en"]))
def test_integers_round_trip(value: int, lang: str) -> None:
    text = format_number(value, lang)
    assert parse_number(text, decimal=decimal_mark(lang)) == value


@given(finite, st.sampled_from(["da", "en"]), st.integers(min_value=0, max_value=6))
def test_rounded_format_parses_to_the_rounded_value(value: float, lang: str, decimals: int) -> None:
    text = format_number(value, lang, decimals)
    assert parse_number(text, decimal=decimal_mark(lang)) == float(f"{value:.{decimals}f}")


@given(st.text(), st.sampled_from([",", ".", "auto"]), st.booleans())
def test_arbitrary_text_parses_or_raises_data_error(
    text: str, decimal: str, allow_percent: bool
) -> None:
    try:
        value = parse_number(text, decimal=decimal, allow_percent=allow_percent)  # type: ignore[arg-type]
    except DataError as error:
        assert str(error).startswith("not a number: ")
    else:
        assert math.isfinite(value)


@given(
    st.text(alphabet="0123456789.,+- %\u2212\u00a0", max_size=20),
    st.sampled_from([",", ".", "auto"]),
)
def test_number_like_text_parses_or_raises_data_error(text: str, decimal: str) -> None:
    try:
        value = parse_number(text, decimal=decimal, allow_percent=True)  # type: ignore[arg-type]
    except DataError:
        return
    assert math.isfinite(value)
