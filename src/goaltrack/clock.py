"""The time goaltrack writes into the database: UTC, whole seconds.

Columns are ``timestamp with time zone`` on PostgreSQL; SQLite has no time zones and stores
the UTC wall time. Whole seconds so history reads well.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A time read back from the database, as an aware UTC time (SQLite returns it naive)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utc_text(value: dt.datetime | None) -> str | None:
    """``2026-12-07 11:29:49``: a stored time in UTC, written the same from either database."""
    return None if value is None else as_utc(value).strftime("%Y-%m-%d %H:%M:%S")
