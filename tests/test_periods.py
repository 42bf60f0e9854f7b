from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goaltrack.errors import DataError
from goaltrack.values.periods import (
    EXPECTED,
    Period,
    canonical,
    parse_period,
    period_of,
    period_sort_key,
)

D = date

ACCEPTED = [
    ("2021", "year", D(2021, 1, 1), D(2021, 12, 31)),
    ("2021Y01", "year", D(2021, 1, 1), D(2021, 12, 31)),
    ("2021H1", "half", D(2021, 1, 1), D(2021, 6, 30)),
    ("2021H2", "half", D(2021, 7, 1), D(2021, 12, 31)),
    ("2021Q1", "quarter", D(2021, 1, 1), D(2021, 3, 31)),
    ("2021Q2", "quarter", D(2021, 4, 1), D(2021, 6, 30)),
    ("2021Q3", "quarter", D(2021, 7, 1), D(2021, 9, 30)),
    ("2021Q4", "quarter", D(2021, 10, 1), D(2021, 12, 31)),
    ("2008K1", "quarter", D(2008, 1, 1), D(2008, 3, 31)),
    ("2020K4", "quarter", D(2020, 10, 1), D(2020, 12, 31)),
    ("2021M03", "month", D(2021, 3, 1), D(2021, 3, 31)),
    ("2020M02", "month", D(2020, 2, 1), D(2020, 2, 29)),
    ("2021-02", "month", D(2021, 2, 1), D(2021, 2, 28)),
    ("2021-12", "month", D(2021, 12, 1), D(2021, 12, 31)),
    ("2021-03-31", "day", D(2021, 3, 31), D(2021, 3, 31)),
    ("2020-02-29", "day", D(2020, 2, 29), D(2020, 2, 29)),
    ("2020-03-08/2020-10-18", "range", D(2020, 3, 8), D(2020, 10, 18)),
    ("2020-03-08/2020-03-08", "range", D(2020, 3, 8), D(2020, 3, 8)),
    # QMAT: nn 1-4 is read as a quarter, 5-12 as a month (documented in periods.py).
    ("2021QMAT01", "rolling", D(2020, 4, 1), D(2021, 3, 31)),
    ("2021QMAT03", "rolling", D(2020, 10, 1), D(2021, 9, 30)),
    ("2021QMAT04", "rolling", D(2021, 1, 1), D(2021, 12, 31)),
    ("2021QMAT05", "rolling", D(2020, 6, 1), D(2021, 5, 31)),
    ("2021QMAT12", "rolling", D(2021, 1, 1), D(2021, 12, 31)),
    ("1900", "year", D(1900, 1, 1), D(1900, 12, 31)),
    ("2200M12", "month", D(2200, 12, 1), D(2200, 12, 31)),
]


@pytest.mark.parametrize(("code", "freq", "start", "end"), ACCEPTED)
def test_accepted_forms(code: str, freq: str, start: date, end: date) -> None:
    period = parse_period(code)
    assert period == Period(code, freq, start, end)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "expected_code", "freq"),
    [
        ("2021m03", "2021m03", "month"),
        ("2021q1", "2021q1", "quarter"),
        ("2021k2", "2021k2", "quarter"),
        ("2021h2", "2021h2", "half"),
        ("2021y01", "2021y01", "year"),
        ("2021qmat03", "2021qmat03", "rolling"),
        ("  2021M03\n", "2021M03", "month"),
        ("\t2021\t", "2021", "year"),
    ],
)
def test_lower_case_and_whitespace(code: str, expected_code: str, freq: str) -> None:
    period = parse_period(code)
    assert period.code == expected_code
    assert period.freq == freq
    assert period.start == parse_period(expected_code.upper()).start


def test_q_and_k_quarters_share_a_span_but_not_a_code() -> None:
    q, k = parse_period("2021Q2"), parse_period("2021K2")
    assert (q.start, q.end, q.freq) == (k.start, k.end, k.freq)
    assert q != k
    assert canonical("2021K2") == "2021K2"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2021-03", "2021M03"),
        ("2021m03", "2021M03"),
        ("2021M03", "2021M03"),
        ("2021K1", "2021K1"),
        ("2021q1", "2021Q1"),
        ("2021y01", "2021Y01"),
        (" 2021 ", "2021"),
        ("2021qmat03", "2021QMAT03"),
        ("2021-03-31", "2021-03-31"),
        ("2020-03-08/2020-10-18", "2020-03-08/2020-10-18"),
    ],
)
def test_canonical(code: str, expected: str) -> None:
    assert canonical(code) == expected


REFUSED = [
    "",
    "   ",
    "N/A",
    "..",
    "nan",
    "2021M13",
    "2021M00",
    "2021M3",
    "2021M003",
    "2021Q0",
    "2021Q5",
    "2021K5",
    "2021Q01",
    "2021H0",
    "2021H3",
    "2021Y02",
    "2021Y1",
    "2021-13",
    "2021-00",
    "2021-3",
    "2021-02-30",
    "2021-04-31",
    "2021-02-29",
    "2021-3-31",
    "2021/03/31",
    "31-03-2021",
    "2020-10-18/2020-03-08",
    "2020-03-08/",
    "/2020-03-08",
    "2020-03/2020-10",
    "2021QMAT00",
    "2021QMAT13",
    "2021QMAT3",
    "2021QMAT003",
    "1899",
    "2201",
    "1899M12",
    "2201Q1",
    "0201",
    "20211",
    "21",
    "2021 M03",
    "2021-03-31T00:00",
    "2021M03x",
    "Q1 2021",
    "٢٠٢١",  # Arabic-Indic digits: int() would take them, the parser must not
    "2021Ⅿ03",  # ROMAN NUMERAL ONE THOUSAND, not M
    "2021M03\n2021M04",
]


@pytest.mark.parametrize("code", REFUSED)
def test_refused(code: str) -> None:
    with pytest.raises(DataError) as info:
        parse_period(code)
    message = str(info.value)
    assert message.startswith(f"invalid period {code.strip()!r}: expected ")
    assert EXPECTED in message
    assert "\n" not in message


def test_refused_table_is_large_enough() -> None:
    assert len(REFUSED) >= 20


def test_non_text_is_a_data_error() -> None:
    for value in (2021, None, 20.21, ["2021"]):
        with pytest.raises(DataError):
            parse_period(value)  # type: ignore[arg-type]


def test_long_garbage_is_quoted_briefly() -> None:
    with pytest.raises(DataError) as info:
        parse_period("x" * 10_000)
    assert len(str(info.value)) < 300


def test_error_explains_out_of_range_parts() -> None:
    with pytest.raises(DataError, match=r"month 13 is outside 01-12"):
        parse_period("2021M13")
    with pytest.raises(DataError, match=r"year 2201 is outside 1900-2200"):
        parse_period("2201")
    with pytest.raises(DataError, match=r"starts after it ends"):
        parse_period("2020-10-18/2020-03-08")


def test_sort_key_orders_chronologically() -> None:
    codes = ["2021M02", "2020", "2021Q1", "2021", "2021-01", "2020K4", "2021-01-15", "2021H1"]
    ordered = sorted(codes, key=period_sort_key)
    assert ordered == [
        "2020",
        "2020K4",
        "2021-01",
        "2021Q1",
        "2021H1",
        "2021",
        "2021-01-15",
        "2021M02",
    ]
    assert period_sort_key(parse_period("2021Q1")) == period_sort_key("2021Q1")


def test_parse_is_cached() -> None:
    assert parse_period("2021M03") is parse_period("2021M03")


# ----------------------------------------------------------------------------- properties

years = st.integers(min_value=1900, max_value=2200)


@given(years, st.integers(min_value=1, max_value=12))
def test_any_month_round_trips(year: int, month: int) -> None:
    for code in (f"{year}M{month:02d}", f"{year}-{month:02d}", f"{year}m{month:02d}"):
        period = parse_period(code)
        assert period.freq == "month"
        assert period.start == date(year, month, 1)
        assert period.end.month == month and period.end.year == year
        assert canonical(code) == f"{year}M{month:02d}"
        again = parse_period(canonical(code))
        assert (again.start, again.end, again.freq) == (period.start, period.end, period.freq)


@given(years, st.integers(min_value=1, max_value=4), st.sampled_from("QKqk"))
def test_any_quarter_round_trips(year: int, quarter: int, letter: str) -> None:
    code = f"{year}{letter}{quarter}"
    period = parse_period(code)
    assert period.freq == "quarter"
    assert period.start == date(year, 3 * quarter - 2, 1)
    assert (period.end - period.start).days in (89, 90, 91)
    assert canonical(code) == code.upper()
    assert parse_period(canonical(code)).start == period.start


@given(years)
def test_any_year_round_trips(year: int) -> None:
    for code in (str(year), f"{year}Y01"):
        period = parse_period(code)
        assert period.freq == "year"
        assert (period.start, period.end) == (date(year, 1, 1), date(year, 12, 31))
        assert parse_period(canonical(code)) == parse_period(canonical(code).strip())


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.sampled_from(["year", "half", "quarter", "month", "day"]),
    st.sampled_from(["Q", "K"]),
)
def test_period_of_renders_a_code_that_parses_back(day: date, freq: str, letter: str) -> None:
    period = period_of(day, freq, quarter_letter=letter)  # type: ignore[arg-type]
    assert period.freq == freq
    assert period.start <= day <= period.end
    assert parse_period(period.code) == period
    assert canonical(period.code) == period.code


@given(st.text())
def test_arbitrary_text_parses_or_raises_data_error(text: str) -> None:
    try:
        period = parse_period(text)
    except DataError as error:
        assert "\n" not in str(error)
    else:
        assert period.start <= period.end


@given(st.text(alphabet="0123456789-/MQKHYmqkhyAT ", max_size=24))
def test_period_like_text_parses_or_raises_data_error(text: str) -> None:
    try:
        period = parse_period(text)
    except DataError:
        return
    assert period.start <= period.end
    assert period.start.year >= 1899 and period.end.year <= 2200
