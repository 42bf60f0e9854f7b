"""The bulk path: a staging table filled through the driver, merged by set-based SQL.

One interface, two implementations of the fill: SQLite gets ``executemany`` on the raw
sqlite3 cursor (no SQLAlchemy per-row work), PostgreSQL gets ``COPY ... FROM STDIN``. The
merge statements are plain SQL that both databases run.

A staged row is ``(indicator_id, period_code, line, freq, period_start, period_end, value,
missing_reason, note, source, recorded_by)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.engine import Connection

BATCH_SIZE = 20_000
STAGING = "gt_staging"
COLUMNS = (
    "indicator_id", "period_code", "line", "freq", "period_start", "period_end", "value",
    "missing_reason", "note", "source", "recorded_by",
)


class Stager:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.rows = 0

    # ------------------------------------------------------------------ fill

    def create(self) -> None:
        if self.dialect == "sqlite":
            # Keyed by (indicator, period) so a repeated pair is caught on insert (dup_line)
            # without a sort of the whole file afterwards; WITHOUT ROWID stores it once.
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ("
                "indicator_id INTEGER NOT NULL, period_code TEXT NOT NULL, line INTEGER NOT NULL, "
                "freq TEXT, period_start DATE, period_end DATE, value REAL, missing_reason TEXT, "
                "note TEXT, source TEXT, recorded_by TEXT, dup_first INTEGER, dup_line INTEGER, "
                "old_id INTEGER, same INTEGER, PRIMARY KEY (indicator_id, period_code)) WITHOUT ROWID"
            )
        else:
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ("
                "indicator_id INTEGER NOT NULL, period_code TEXT NOT NULL, line INTEGER NOT NULL, "
                "freq TEXT, period_start DATE, period_end DATE, value DOUBLE PRECISION, "
                "missing_reason TEXT, note TEXT, source TEXT, recorded_by TEXT, "
                "old_id INTEGER, same BOOLEAN) ON COMMIT DROP"
            )
        self.conn.exec_driver_sql(f"DELETE FROM {STAGING}")

    def add(self, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        raw = self.conn.connection.driver_connection
        if self.dialect == "sqlite":
            cur = raw.cursor()  # type: ignore[union-attr]
            cur.executemany(
                f"INSERT INTO {STAGING} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT (indicator_id, period_code) DO UPDATE SET "
                "dup_first = coalesce(dup_first, line), dup_line = excluded.line",
                rows,
            )
            cur.close()
        else:
            with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)

    # ------------------------------------------------------------------ checks

    def duplicates(self) -> list[tuple[int, str, int, int]]:
        """(indicator_id, period_code, first line, repeated line) for pairs given twice."""
        if self.dialect == "sqlite":
            q = f"SELECT indicator_id, period_code, dup_first, dup_line FROM {STAGING} WHERE dup_line IS NOT NULL ORDER BY dup_line"
        else:
            q = (
                f"SELECT indicator_id, period_code, min(line), max(line) FROM {STAGING} "
                "GROUP BY indicator_id, period_code HAVING count(*) > 1 ORDER BY max(line)"
            )
        return [(int(a), str(b), int(c), int(d)) for a, b, c, d in self.conn.exec_driver_sql(q)]

    # ------------------------------------------------------------------ merge

    def merge(self, *, now: dt.datetime, origin: str) -> tuple[int, int, int]:
        """Merge staged rows into ``measurement``; return (inserted, superseded, unchanged)."""
        if self.rows == 0:
            return 0, 0, 0
        same_value = "IS" if self.dialect == "sqlite" else "IS NOT DISTINCT FROM"
        c = self.conn
        has_current = c.execute(
            text(
                "SELECT 1 FROM measurement m WHERE m.superseded_at IS NULL AND m.indicator_id IN "
                f"(SELECT DISTINCT indicator_id FROM {STAGING}) LIMIT 1"
            )
        ).first()
        if has_current:
            c.execute(
                text(
                    f"UPDATE {STAGING} SET old_id = m.id, same = (m.value {same_value} {STAGING}.value "
                    f"AND m.missing_reason {same_value} {STAGING}.missing_reason "
                    f"AND m.note {same_value} {STAGING}.note) "
                    f"FROM measurement m WHERE m.indicator_id = {STAGING}.indicator_id "
                    f"AND m.period_code = {STAGING}.period_code AND m.superseded_at IS NULL"
                )
            )
            c.execute(
                text(
                    "UPDATE measurement SET superseded_at = :now WHERE id IN "
                    f"(SELECT old_id FROM {STAGING} WHERE old_id IS NOT NULL AND NOT same)"
                ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
                {"now": now},
            )
        source_json = (
            "CASE WHEN source IS NULL THEN NULL ELSE json_object('title', source) END"
            if self.dialect == "sqlite"
            else "CASE WHEN source IS NULL THEN NULL ELSE json_build_object('title', source) END"
        )
        false = "0" if self.dialect == "sqlite" else "false"
        inserted = c.execute(
            text(
                "INSERT INTO measurement (indicator_id, period_code, freq, period_start, period_end, value, "
                "missing_reason, kind, source, note, recorded_by, recorded_at, origin, correction, position, "
                "supersedes_id) "
                f"SELECT indicator_id, period_code, freq, period_start, period_end, value, missing_reason, "
                f"'observed', {source_json}, note, recorded_by, :now, :origin, {false}, 0, old_id "
                f"FROM {STAGING} WHERE old_id IS NULL OR NOT same"
            ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
            {"now": now, "origin": origin},
        ).rowcount
        superseded = 0
        if has_current:
            superseded = int(
                c.execute(text(f"SELECT count(*) FROM {STAGING} WHERE old_id IS NOT NULL AND NOT same")).scalar_one()
            )
        unchanged = self.rows - inserted
        return inserted, superseded, unchanged
