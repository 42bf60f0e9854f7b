"""Period codes of plan files, Jobindsats and Danmarks Statistik, as date spans.

Accepted codes (see the domain notes, §1.8 and §5), with their ``freq``:

- ``2021`` year (Danmarks Statistik); ``2021Y01`` year (Jobindsats, table Y01A02)
- ``2021H1``, ``2021H2`` half
- ``2021Q1``..``2021Q4`` quarter (Jobindsats); ``2021K1``..``2021K4`` quarter (Danmarks Statistik)
- ``2021M03`` and ISO ``2021-03`` month
- ``2021-03-31`` day
- ``2020-03-08/2020-10-18`` range: an ISO interval of two days, start <= end
- ``2021QMAT03`` rolling: Jobindsats rolling 12 months (see the comment in the parser)

Letters may be given in lower case (``2021m03``, ``2021qmat03``): spreadsheets and hand-typed
plan files do that, and no accepted form needs case to tell it apart from another. The
:attr:`Period.code` keeps the text as given (stripped); :func:`canonical` upper-cases it.

``Q`` and ``K`` quarters get the same span but stay distinct codes, because the letter tells
which source the figure came from and each source's API only understands its own letter.

Years are limited to 1900-2200 so that a mistyped year (``20211``, ``0201``) is refused rather
than silently stored as a plausible-looking period.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal, get_args

from goaltrack.errors import DataError
from goaltrack.values.quoting import quote

Freq = Literal["year", "half", "quarter", "month", "day", "range", "rolling"]
FREQS: tuple[Freq, ...] = get_args(Freq)

MIN_YEAR = 1900
MAX_YEAR = 2200

EXPECTED = (
    "expected YYYY, YYYYY01, YYYYH1-2, YYYYQ1-4, YYYYK1-4, YYYYMmm, YYYY-MM, YYYY-MM-DD, "
    "YYYY-MM-DD/YYYY-MM-DD or YYYYQMATnn"
)

# [0-9] rather than \d: \d also matches non-ASCII digits such as '٢', which int() accepts.
_YEAR = re.compile(r"[0-9]{4}")
_YEAR_Y01 = re.compile(r"([0-9]{4})Y01")
_HALF = re.compile(r"([0-9]{4})H([12])")
_QUARTER = re.compile(r"([0-9]{4})([QK])([0-9])")
_MONTH = re.compile(r"([0-9]{4})(?:M|-)([0-9]{2})")
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})/([0-9]{4}-[0-9]{2}-[0-9]{2})")
_ROLLING = re.compile(r"([0-9]{4})QMAT([0-9]{2})")

_FREQ_RANK = {freq: rank for rank, freq in enumerate(FREQS)}



@dataclass(frozen=True, slots=True)
class Period:
    """A period code and the days it covers (``end`` inclusive)."""

    code: str
    freq: Freq
    start: date
    end: date

    def __str__(self) -> str:
        return self.code




def _invalid(code: str, reason: str | None = None) -> DataError:
    detail = f" ({reason})" if reason else ""
    return DataError(f"invalid period {quote(code)}: {EXPECTED}{detail}")


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _months_back(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - count
    return index // 12, index % 12 + 1


def _check_year(code: str, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(code, f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")


def _day(code: str, text: str) -> date:
    year = int(text[:4])
    _check_year(code, year)
    try:
        return date(year, int(text[5:7]), int(text[8:10]))
    except ValueError:
        raise _invalid(code, f"{text} is not a calendar date") from None


def parse_period(code: str) -> Period:
    """Parse a period code; raise :class:`DataError` if it is not one of the accepted forms."""
    if not isinstance(code, str):
        raise _invalid(str(code), f"not text but {type(code).__name__}")
    return _parse_cached(code)


# Imports call parse_period once per row, and a file holds few distinct periods, so caching
# the parsed result turns a million regex runs into a million dict look-ups.
@lru_cache(maxsize=4096)
def _parse_cached(raw: str) -> Period:
    code = raw.strip()
    # Only ASCII is upper-cased: a few non-ASCII letters upper-case to ASCII ones ('ı' -> 'I').
    text = code.upper() if code.isascii() else code

    if _YEAR.fullmatch(text):
        year = int(text)
        _check_year(code, year)
        return Period(code, "year", date(year, 1, 1), date(year, 12, 31))

    if m := _MONTH.fullmatch(text):
        year, month = int(m[1]), int(m[2])
        _check_year(code, year)
        if not 1 <= month <= 12:
            raise _invalid(code, f"month {m[2]} is outside 01-12")
        return Period(code, "month", date(year, month, 1), _month_end(year, month))

    if m := _QUARTER.fullmatch(text):
        year, quarter = int(m[1]), int(m[3])
        _check_year(code, year)
        if not 1 <= quarter <= 4:
            raise _invalid(code, f"quarter {quarter} is outside 1-4")
        first = 3 * quarter - 2
        return Period(code, "quarter", date(year, first, 1), _month_end(year, first + 2))

    if _DAY.fullmatch(text):
        day = _day(code, text)
        return Period(code, "day", day, day)

    if m := _YEAR_Y01.fullmatch(text):
        year = int(m[1])
        _check_year(code, year)
        return Period(code, "year", date(year, 1, 1), date(year, 12, 31))

    if m := _HALF.fullmatch(text):
        year, half = int(m[1]), int(m[2])
        _check_year(code, year)
        first = 1 if half == 1 else 7
        return Period(code, "half", date(year, first, 1), _month_end(year, first + 5))

    if m := _RANGE.fullmatch(text):
        start, end = _day(code, m[1]), _day(code, m[2])
        if start > end:
            raise _invalid(code, "the interval starts after it ends")
        return Period(code, "range", start, end)

    if m := _ROLLING.fullmatch(text):
        year, nn = int(m[1]), int(m[2])
        _check_year(code, year)
        # The public Jobindsats clients disagree on nn: one reads it as a quarter (1-4), the
        # other as a month (1-12), and STAR's own definition was not found. We take the
        # reading that makes every code meaningful and never invents a month: nn 1-4 is the
        # quarter (12 months ending at the end of quarter nn), nn 5-12 can only be a month
        # (12 months ending at the end of month nn). The raw code is kept, so a later, verified
        # reading can re-derive the span.
        if 1 <= nn <= 4:
            end_month = 3 * nn
        elif 5 <= nn <= 12:
            end_month = nn
        else:
            raise _invalid(code, f"QMAT number {m[2]} is outside 01-12")
        start_year, start_month = _months_back(year, end_month, 11)
        return Period(
            code, "rolling", date(start_year, start_month, 1), _month_end(year, end_month)
        )

    raise _invalid(code)


def canonical(code: str) -> str:
    """The normalised form of a valid code: stripped, upper-cased, ISO months as ``YYYYMmm``.

    Every other form is already canonical, including ``K`` quarters and ``Y01`` years: they
    name the source's own code and are kept distinct (see the module notes).
    """
    period = parse_period(code)
    if period.freq == "month":
        return f"{period.start.year:04d}M{period.start.month:02d}"
    return period.code.upper()


def period_sort_key(period: Period | str) -> tuple[date, date, int, str]:
    """Chronological order: by start, then the shorter span first, then freq and code.

    The trailing parts only make the order total, so sorting is stable across runs even when a
    year and a rolling period share their start and end.
    """
    p = parse_period(period) if isinstance(period, str) else period
    return (p.start, p.end, _FREQ_RANK[p.freq], p.code.upper())


def period_of(
    day: date,
    freq: Literal["year", "half", "quarter", "month", "day"],
    *,
    quarter_letter: Literal["Q", "K"] = "Q",
) -> Period:
    """The period of ``freq`` that contains ``day``, with its canonical code.

    ``quarter_letter`` picks Jobindsats (``Q``) or Danmarks Statistik (``K``) quarter codes.
    """
    year = day.year
    if freq == "year":
        code = f"{year:04d}"
    elif freq == "half":
        code = f"{year:04d}H{1 if day.month <= 6 else 2}"
    elif freq == "quarter":
        if quarter_letter not in ("Q", "K"):
            raise ValueError(f"quarter_letter must be 'Q' or 'K', not {quarter_letter!r}")
        code = f"{year:04d}{quarter_letter}{(day.month - 1) // 3 + 1}"
    elif freq == "month":
        code = f"{year:04d}M{day.month:02d}"
    elif freq == "day":
        code = day.isoformat()
    else:
        raise ValueError(f"period_of() cannot build a {freq!r} period")
    return parse_period(code)


__all__ = [
    "EXPECTED",
    "FREQS",
    "MAX_YEAR",
    "MIN_YEAR",
    "Freq",
    "Period",
    "canonical",
    "parse_period",
    "period_of",
    "period_sort_key",
]
