"""Checking a measurement's value against its indicator's unit.

Values arrive as text (from the command line or a file) or as numbers (JSON). Numbers in
English or Danish notation are accepted; text, "N/A" and, for percentages, values outside
0-100 are refused with a message that says what was wrong. A value that is genuinely
missing is recorded with a reason instead (``--missing``), never as a fake number.
"""

from __future__ import annotations

import math
from decimal import Decimal

from goaltrack.errors import DataError
from goaltrack.values.numbers import MAX_MAGNITUDE, check_magnitude, parse_number
from goaltrack.vocab import PERCENT_UNITS, SHARE_UNITS


def is_percent(unit: str) -> bool:
    return unit.strip().lower() in PERCENT_UNITS


def parse_value(raw: str | float | int | Decimal, unit: str) -> float:
    """The numeric value of ``raw`` for an indicator measured in ``unit``."""
    if isinstance(raw, bool):
        raise DataError(f"not a number: {raw!r}")
    if isinstance(raw, int | float | Decimal):
        value = check_magnitude(raw)
    else:
        try:
            # Fast path: most files hold plain numbers, and float() is ~20x cheaper than the
            # full parser. float() also accepts "nan", "inf" and "1e5", which we refuse.
            value = float(raw)
            if not math.isfinite(value) or "e" in raw or "E" in raw or "_" in raw:
                raise ValueError
        except ValueError:
            value = parse_number(raw, allow_percent=is_percent(unit))
        value = check_magnitude(value, raw)
    return check_range(value, unit)


def bounds(unit: str) -> tuple[float, float]:
    """The closed range :func:`parse_value` allows for ``unit``, always finite.

    For bulk paths: a float ``v`` parsed from text ``raw`` with :func:`float` is exactly what
    :func:`parse_value` returns when ``lo <= v <= hi``, ``v`` is not 0 (``0.000…01`` with 400
    zeros reads as 0.0, and only :func:`parse_value` refuses it) and ``raw`` has no
    ``e``, ``E`` or ``_`` (NaN and infinities fail the comparison); anything else goes to
    :func:`parse_value` for its verdict and message.
    """
    u = unit.strip().lower()
    if u in PERCENT_UNITS:
        return 0.0, 100.0
    if u in SHARE_UNITS:
        return 0.0, 1.0
    return -_LARGEST, _LARGEST


#: The largest float below :data:`~goaltrack.values.numbers.MAX_MAGNITUDE`.
_LARGEST = math.nextafter(float(MAX_MAGNITUDE), 0.0)


def check_range(value: float, unit: str) -> float:
    u = unit.strip().lower()
    if u in PERCENT_UNITS and not 0.0 <= value <= 100.0:
        # Changes in percent (e.g. +17.7 %) are percentages too, but they may be negative
        # or above 100; such indicators use the unit 'pct-change'.
        raise DataError(f"{value:g} is outside 0-100 for a percentage (unit '{unit}')")
    if u in SHARE_UNITS and not 0.0 <= value <= 1.0:
        raise DataError(f"{value:g} is outside 0-1 for a share (unit '{unit}')")
    return value
