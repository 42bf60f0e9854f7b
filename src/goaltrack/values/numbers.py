"""Reading and writing numbers in Danish and English notation, without Babel.

Danish writes ``1.234,5`` (dot groups thousands, comma marks decimals); English writes
``1,234.5``. A bare ``7.332`` is ambiguous: Danish budget tables mean 7 332 (domain notes §1.8),
English means 7.332. :func:`parse_number` therefore takes a ``decimal`` argument:

- ``decimal=","`` (Danish): ``.`` and spaces group thousands, ``,`` marks decimals;
  ``7.332`` is 7332 and ``1.5`` is refused (a dot must be followed by exactly 3 digits).
- ``decimal="."`` (English): ``,`` and spaces group thousands, ``.`` marks decimals;
  ``7.332`` is 7.332 and ``1,5`` is refused.
- ``decimal="auto"`` guesses per value:
  both separators present -> the last one is the decimal mark (``1.234,5``, ``1,234.5``);
  a single comma -> decimal comma (``12,4`` is 12.4, and so ``1,234`` is 1.234);
  a single dot -> decimal point (``7.332`` is 7.332, the English reading);
  a separator used more than once -> grouping (``1.234.567``, ``1,234,567``).
  Auto mode cannot read Danish thousands such as ``7.332`` correctly; sources known to be
  Danish (budget tables, Danmarks Statistik CSV in Danish) must pass ``decimal=","``.

Grouping, when present, must be regular (1-3 digits, then groups of exactly 3, one kind of
separator): an irregular group is far more often a typo or two merged cells than a number.
Spaces (also no-break and narrow no-break spaces) group thousands in every mode.

A leading ``+``, ``-`` or U+2212 MINUS SIGN and surrounding whitespace are accepted. Exponents,
``nan``, ``inf``, Danmarks Statistik's ``..`` and every other non-number text are refused.

:func:`check_magnitude` is the one bound on the numbers goaltrack stores (amounts, values,
baselines, targets, shares, weights, scales), whatever they were read from: a plan file, a
CSV or JSON Lines file, the command line. See :data:`MAX_MAGNITUDE`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Literal

from goaltrack.errors import DataError
from goaltrack.values.quoting import QUOTE_LIMIT, quote

DecimalMark = Literal[",", ".", "auto"]

#: Numbers goaltrack stores must be finite and less than this in absolute value. Why 10**15:
#: the database holds values as 8-byte floats, exact for whole numbers up to 2**53 (about
#: 9 * 10**15), so every whole amount below the bound is stored exactly; the reports round with
#: Python's default Decimal context (28 digits), and 15 digits plus decimals stays well inside
#: it (10**30 does not: ``InvalidOperation``). No plan's figures come near it (a state budget
#: is about 10**12). A number so small that it would be stored as 0 (``0.000…01`` with 400
#: zeros) is refused too.
MAX_MAGNITUDE = 10**15
_NONZERO_MANTISSA = re.compile(r"^[^eE]*[1-9]")


# [0-9] rather than \d: \d also matches non-ASCII digits, which would let odd text through.
_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_PERCENT = re.compile(r"\s*(?:%|pct\.?)\Z", re.IGNORECASE)
_SPACE_GROUPS = r"[0-9]{1,3}(?:[\u0020\u00a0\u202f][0-9]{3})+"


def _notation(group: str, mark: str) -> re.Pattern[str]:
    # sign, integer part (ungrouped, grouped by `group`, or grouped by spaces), fraction
    return re.compile(
        rf"([+\-\u2212]?)([0-9]+|[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+|{_SPACE_GROUPS})"
        rf"(?:{re.escape(mark)}([0-9]+))?"
    )


_DANISH = _notation(".", ",")
_ENGLISH = _notation(",", ".")
_UNGROUP = str.maketrans("", "", ".,\u0020\u00a0\u202f")




def _not_a_number(text: object) -> DataError:
    return DataError(f"not a number: {quote(str(text))}")


def _auto_pattern(text: str) -> re.Pattern[str]:
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        return _DANISH if text.rfind(",") > text.rfind(".") else _ENGLISH
    if commas == 1:
        return _DANISH
    if dots == 1:
        return _ENGLISH
    # No separator, or one used several times: then it can only be grouping.
    return _ENGLISH if commas else _DANISH


def parse_number(
    text: str | float | int,
    *,
    decimal: DecimalMark = "auto",
    allow_percent: bool = False,
) -> float:
    """Read a number written in Danish or English notation (see the module notes).

    With ``allow_percent`` a trailing ``%`` or ``pct.`` is dropped; the value stays in percent
    (``"12,4 %"`` is 12.4, not 0.124). Raise :class:`DataError` ``not a number: '...'``.
    """
    if isinstance(text, bool):
        raise _not_a_number(text)
    if isinstance(text, int | float):
        value = float(text)
        if not math.isfinite(value):
            raise _not_a_number(text)
        return value
    if not isinstance(text, str):
        raise _not_a_number(text)

    stripped = text.strip()
    # Most cells are plain "1234" or "-12.5"; those mean the same in every mode except that
    # "7.332" with decimal="," is 7332, so that one shape skips the fast path.
    if _PLAIN.fullmatch(stripped) and (decimal != "," or "." not in stripped):
        return _finite(float(stripped), text)

    if allow_percent:
        stripped = _PERCENT.sub("", stripped)
    pattern = _auto_pattern(stripped) if decimal == "auto" else (_DANISH if decimal == "," else _ENGLISH)
    m = pattern.fullmatch(stripped)
    if m is None:
        raise _not_a_number(text)
    sign, integer, fraction = m.groups()
    minus = "-" if sign and sign != "+" else ""
    return _finite(float(f"{minus}{integer.translate(_UNGROUP)}.{fraction or '0'}"), text)


def _finite(value: float, text: str) -> float:
    # float() turns a 400-digit string into inf instead of failing.
    if not math.isfinite(value):
        raise too_large(text)
    return value


def too_large(shown: object) -> DataError:
    """The error for a number beyond :data:`MAX_MAGNITUDE`; ``shown`` is quoted (and cut)."""
    return DataError(
        f"{_show(shown)} is too large: numbers must be less than 10^15 "
        "(1,000,000,000,000,000) in absolute value"
    )


def _too_small(shown: object) -> DataError:
    return DataError(f"{_show(shown)} is too small: it would be stored as 0")


def _show(shown: object) -> str:
    if isinstance(shown, int) and not isinstance(shown, bool) and abs(shown) >= 10**QUOTE_LIMIT:
        # str() of an int over 4300 digits raises; the message needs only its size.
        digits = int((shown.bit_length() - 1) * math.log10(2)) + 1  # at most one too few
        if abs(shown) >= 10**digits:
            digits += 1
        return f"a number of {digits:,} digits"
    if isinstance(shown, float):
        return quote(repr(shown))
    return quote(str(shown))


def check_magnitude(value: float | int | Decimal, text: str | None = None) -> float:
    """``value`` as a float, if goaltrack can store and report it; else :class:`DataError`.

    The one bound (:data:`MAX_MAGNITUDE`) on every number that is stored: not NaN or
    infinite, less than 10**15 in absolute value, and not so small that it becomes 0. ``text``
    is how the number was written, if known: the message quotes it, and it tells a
    ``0.000…01`` that became 0.0 from a real 0. An int or a :class:`Decimal` (exact, as JSON
    numbers are read) is checked before it is converted, so a 400-digit integer is "too
    large", not an ``OverflowError``.
    """
    shown: object = text if text is not None else value
    if isinstance(value, bool):
        raise _not_a_number(shown)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _not_a_number(shown)
        if abs(value) >= MAX_MAGNITUDE:
            raise too_large(shown)
        result = float(value) + 0.0
        if result == 0.0 and value != 0:
            raise _too_small(shown)
        return result
    if isinstance(value, int):
        if abs(value) >= MAX_MAGNITUDE:
            raise too_large(shown)
        return float(value)
    if not isinstance(value, float) or math.isnan(value):
        raise _not_a_number(shown)
    if math.isinf(value):
        # "inf" is not a number; "1e400" or 400 digits is a number, too large for a float.
        if text is not None and any(c.isdigit() for c in text):
            raise too_large(shown)
        raise _not_a_number(shown)
    if abs(value) >= MAX_MAGNITUDE:
        raise too_large(shown)
    if value == 0.0 and text is not None and _NONZERO_MANTISSA.match(text):
        raise _too_small(shown)
    return value + 0.0


def format_number(value: float, lang: str, decimals: int | None = None) -> str:
    """Write a number for a terminal table: da ``540.225`` / ``12,4``; en ``540,225`` / ``12.4``.

    ``lang`` is ``da`` or ``en`` (a region suffix such as ``da-DK`` or ``en_GB`` is ignored).
    ``decimals=None`` writes integers without decimals and other floats with the shortest
    digits that read back as the same float, so the text parses back exactly with
    :func:`parse_number` given the matching ``decimal`` mark. A value that is not finite is
    written ``n/a``: tables show a computed NaN as missing rather than crashing.
    """
    group, mark = _separators(lang)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"format_number() needs an int or float, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        return "n/a"
    if decimals is not None and decimals < 0:
        raise ValueError(f"decimals must be 0 or more, not {decimals}")

    if decimals is not None:
        text = f"{value:,.{decimals}f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        # repr() gives the shortest digits that read back as the same float; Decimal then
        # spells them without an exponent ('1e-07' -> '0.0000001') and normalize() drops the
        # '.0' of whole numbers.
        text = f"{Decimal(repr(value)).normalize():,f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # "-0.0" from rounding a small negative value reads as a sign error
    return text.replace(",", "\0").replace(".", mark).replace("\0", group)


def _separators(lang: str) -> tuple[str, Literal[",", "."]]:
    base = lang.replace("_", "-").split("-")[0].lower()
    if base == "da":
        return ".", ","
    if base == "en":
        return ",", "."
    raise ValueError(f"unsupported language {lang!r}: expected 'da' or 'en'")


def decimal_mark(lang: str) -> Literal[",", "."]:
    """The ``decimal`` argument for :func:`parse_number` that reads :func:`format_number`'s text."""
    return _separators(lang)[1]


__all__ = [
    "MAX_MAGNITUDE", "DecimalMark", "check_magnitude", "decimal_mark", "format_number",
    "parse_number", "too_large",
]
