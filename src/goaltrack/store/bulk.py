"""The bulk path: a staging table filled through the driver, merged by set-based SQL.

One interface, two implementations of the fill: SQLite gets ``executemany`` on the raw
sqlite3 cursor (no SQLAlchemy per-row work), PostgreSQL gets ``COPY ... FROM STDIN``. The
merge statements are plain SQL that both databases run.

A staged row is ``(indicator_id, period_code, line, freq, period_start, period_end, value,
missing_reason, note, source, recorded_by, breakdown)``; ``breakdown`` is the value's
dimension values as canonical text, ``""`` for a total (:mod:`goaltrack.values.dimensions`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, text
from sqlalchemy.engine import Connection

BATCH_SIZE = 20_000
# SQLite page cache during an import, in KiB (the default is 2 MiB); see Stager.tune(). A file
# in date order over 500 indicators imports twice as fast with 8-16 MiB as with 2 MiB (32 MiB
# adds nothing more there); the cache is the one part of the import's memory that grows with
# the database, up to this bound.
IMPORT_CACHE_KIB = 16 * 1024
STAGING = "gt_staging"
COLUMNS = (
    "indicator_id", "period_code", "line", "freq", "period_start", "period_end", "value",
    "missing_reason", "note", "source", "recorded_by", "breakdown",
)


class Stager:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.rows = 0

    @property
    def _driver(self) -> Any:
        """The DBAPI connection under SQLAlchemy's (sqlite3 or psycopg): the bulk path's one
        way around the ORM, for executemany and COPY at the driver's speed."""
        raw = self.conn.connection.driver_connection
        assert raw is not None, "the connection is open for the whole import"
        return raw

    # ------------------------------------------------------------------ fill

    def create(self) -> None:
        if self.dialect == "sqlite":
            # Keyed by (indicator, period, breakdown) so a repeated one is caught on insert
            # (dup_line) without a sort of the whole file afterwards; WITHOUT ROWID stores it
            # once. A period is its frequency and span, however it is written (2024-03 = 2024M03).
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ("
                "indicator_id INTEGER NOT NULL, period_code TEXT NOT NULL, line INTEGER NOT NULL, "
                "freq TEXT NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL, value REAL, "
                "missing_reason TEXT, note TEXT, source TEXT, recorded_by TEXT, breakdown TEXT NOT NULL, "
                "dup_first INTEGER, dup_line INTEGER, old_id INTEGER, same INTEGER, "
                "PRIMARY KEY (indicator_id, freq, period_start, period_end, breakdown)) WITHOUT ROWID"
            )
        else:
            self.conn.exec_driver_sql(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ("
                "indicator_id INTEGER NOT NULL, period_code TEXT NOT NULL, line INTEGER NOT NULL, "
                "freq TEXT, period_start DATE, period_end DATE, value DOUBLE PRECISION, "
                "missing_reason TEXT, note TEXT, source TEXT, recorded_by TEXT, breakdown TEXT NOT NULL, "
                "old_id INTEGER, same BOOLEAN) ON COMMIT DROP"
            )
        self.conn.exec_driver_sql(f"DELETE FROM {STAGING}")

    def add(self, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        self.rows += len(rows)
        raw = self._driver
        if self.dialect == "sqlite":
            cur = raw.cursor()
            cur.executemany(
                f"INSERT INTO {STAGING} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT (indicator_id, freq, period_start, period_end, breakdown) DO UPDATE SET "
                "dup_first = coalesce(dup_first, line), dup_line = excluded.line",
                rows,
            )
            cur.close()
        else:
            with raw.cursor() as cur, cur.copy(
                f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)

    # ------------------------------------------------------------------ direct

    def can_insert_directly(self, plan_id: int) -> bool:
        """True when no indicator of the plan has a current value: nothing can be superseded
        or unchanged, so rows may go straight into ``measurement`` (:meth:`insert_directly`)
        without the staging table and the merge. Call it inside the import's transaction."""
        return self.conn.execute(
            text(
                "SELECT 1 FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
                "WHERE i.plan_id = :plan AND m.superseded_at IS NULL LIMIT 1"
            ),
            {"plan": plan_id},
        ).first() is None

    def insert_directly(
        self, rows: Iterable[tuple[object, ...]], *, now: dt.datetime, origin: str, recorded_by: str
    ) -> int:
        """Insert rows straight into ``measurement``, streaming ``rows`` in batches. Each row
        is staged-shape, or the short ``(indicator_id, period_code, freq, period_start,
        period_end, value)`` of a total with no missing reason, note, source or recorder of its own
        (most files: the short form binds 6 parameters instead of 11, and an import spends much
        of its time binding). Returns the number of rows inserted.

        A repeated (indicator, period code, breakdown) hits ``ux_measurement_current`` and raises the
        driver's ``IntegrityError``; the caller then runs the import again through the staging
        table, which reports every repeat with its lines.
        """
        raw = self._driver
        count = 0
        items = iter(rows)
        if self.dialect == "sqlite":
            stamp = DateTime(timezone=True).dialect_impl(self.conn.dialect).bind_processor(self.conn.dialect)
            when = stamp(now) if stamp else now.isoformat(sep=" ")
            constants = f"'observed', {_sql_text(str(when))}, {_sql_text(origin)}, 0, 0"
            short = (
                "INSERT INTO measurement (indicator_id, period_code, freq, period_start, period_end, value, "
                f"recorded_by, kind, recorded_at, origin, correction, position) "
                f"VALUES (?, ?, ?, ?, ?, ?, {_sql_text(recorded_by)}, {constants})"
            )
            # Numbered parameters pick the values out of the staged tuple (?3, the line, is
            # not stored).
            full = (
                "INSERT INTO measurement (indicator_id, period_code, freq, period_start, period_end, value, "
                "missing_reason, note, source, recorded_by, breakdown, kind, recorded_at, origin, correction, "
                "position) VALUES (?1, ?2, ?4, ?5, ?6, ?7, ?8, ?9, "
                f"CASE WHEN ?10 IS NULL THEN NULL ELSE json_object('title', ?10) END, ?11, ?12, {constants})"
            )
            cur = raw.cursor()
            try:
                while batch := list(itertools.islice(items, BATCH_SIZE)):
                    plain = [r for r in batch if len(r) == 6]
                    if plain:
                        cur.executemany(short, plain)
                    if len(plain) != len(batch):
                        cur.executemany(full, [r for r in batch if len(r) != 6])
                    count += len(batch)
            finally:
                cur.close()
        else:
            import json

            with raw.cursor() as cur, cur.copy(
                "COPY measurement (indicator_id, period_code, freq, period_start, period_end, value, missing_reason, "
                "note, source, recorded_by, breakdown, kind, recorded_at, origin, correction, position) FROM STDIN"
            ) as copy:
                for r in items:
                    if len(r) == 6:
                        copy.write_row((*r, None, None, None, recorded_by, "", "observed", now, origin, False, 0))
                    else:
                        copy.write_row((
                            r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8],
                            None if r[9] is None else json.dumps({"title": r[9]}), r[10], r[11],
                            "observed", now, origin, False, 0,
                        ))
                    count += 1
        self.rows += count
        return count

    def tune(self) -> int | None:
        """Give SQLite a larger page cache for the import's transaction: a file in date order
        adds to every indicator's part of three indexes at once, and with the default 2 MiB
        cache those pages would be written out and read back over and over. Returns the
        setting to restore with :meth:`untune`."""
        if self.dialect != "sqlite":
            return None
        # On the driver's connection: a PRAGMA through SQLAlchemy would begin its transaction.
        raw = self._driver
        old = raw.execute("PRAGMA cache_size").fetchone()
        raw.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        return None if old is None else int(old[0])

    def untune(self, old: int | None) -> None:
        if self.dialect == "sqlite" and old is not None:
            self._driver.execute(f"PRAGMA cache_size = {int(old)}")

    # ------------------------------------------------------------------ checks

    def duplicates(self) -> list[tuple[int, str, str, int, int]]:
        """(indicator_id, period_code, breakdown, first line, repeated line) for each
        indicator, period and breakdown given twice."""
        if self.dialect == "sqlite":
            q = (f"SELECT indicator_id, period_code, breakdown, dup_first, dup_line FROM {STAGING} "
                 "WHERE dup_line IS NOT NULL ORDER BY dup_line")
        else:
            q = (
                f"SELECT indicator_id, min(period_code), breakdown, min(line), max(line) FROM {STAGING} "
                "GROUP BY indicator_id, freq, period_start, period_end, breakdown HAVING count(*) > 1 "
                "ORDER BY max(line)"
            )
        return [(int(a), str(b), str(k), int(c), int(d)) for a, b, k, c, d in self.conn.exec_driver_sql(q)]

    # ------------------------------------------------------------------ merge

    def mark_changes(self) -> bool:
        """Match each staged row with the current value it would supersede (``old_id``) and
        say whether it says the same (``same``); False when no staged indicator has a
        current value at all, so nothing is matched."""
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
                    f"AND m.freq = {STAGING}.freq AND m.period_start = {STAGING}.period_start "
                    f"AND m.period_end = {STAGING}.period_end AND m.breakdown = {STAGING}.breakdown "
                    "AND m.superseded_at IS NULL"
                )
            )
        return has_current is not None

    def merge(self, *, now: dt.datetime, origin: str, review_entry_id: int | None = None) -> tuple[int, int, int]:
        """Merge staged rows into ``measurement``; return (inserted, superseded, unchanged).
        ``review_entry_id``: the approved review entry the rows come from."""
        if self.rows == 0:
            return 0, 0, 0
        c = self.conn
        has_current = self.mark_changes()
        if has_current:
            c.execute(
                text(
                    "UPDATE measurement SET superseded_at = :now WHERE id IN "
                    f"(SELECT old_id FROM {STAGING} WHERE old_id IS NOT NULL AND NOT same)"
                ).bindparams(bindparam("now", type_=DateTime(timezone=True))),
                {"now": now},
            )
        source_json = self._source_json()
        false = "0" if self.dialect == "sqlite" else "false"
        inserted = c.execute(
            text(
                "INSERT INTO measurement (indicator_id, period_code, freq, period_start, period_end, value, "
                "missing_reason, kind, source, note, recorded_by, recorded_at, origin, correction, position, "
                "supersedes_id, breakdown, review_entry_id) "
                f"SELECT indicator_id, period_code, freq, period_start, period_end, value, missing_reason, "
                f"'observed', {source_json}, note, recorded_by, :now, :origin, {false}, 0, old_id, breakdown, "
                f":entry FROM {STAGING} WHERE old_id IS NULL OR NOT same"
            ).bindparams(bindparam("now", type_=DateTime(timezone=True)), bindparam("entry", type_=Integer)),
            {"now": now, "origin": origin, "entry": review_entry_id},
        ).rowcount
        superseded = 0
        if has_current:
            superseded = int(
                c.execute(text(f"SELECT count(*) FROM {STAGING} WHERE old_id IS NOT NULL AND NOT same")).scalar_one()
            )
        unchanged = self.rows - inserted
        return inserted, superseded, unchanged


    # ------------------------------------------------------------------ review

    def to_pending(self, entry_id: int, revision: int) -> tuple[int, int, int]:
        """Staged rows that would change something, into ``pending_measurement`` as revision
        ``revision`` of review entry ``entry_id``; return (new, changed, unchanged) against
        the current approved values. An import under review writes nothing else."""
        if self.rows == 0:
            return 0, 0, 0
        has_current = self.mark_changes()
        source_json = self._source_json()
        false = "0" if self.dialect == "sqlite" else "false"
        c = self.conn
        c.execute(text(
            "INSERT INTO pending_measurement (entry_id, revision, line, indicator_id, period_code, freq, "
            "period_start, period_end, value, missing_reason, kind, source, note, recorded_by, breakdown, correction) "
            f"SELECT :entry, :revision, line, indicator_id, period_code, freq, period_start, period_end, value, "
            f"missing_reason, 'observed', {source_json}, note, recorded_by, breakdown, {false} "
            f"FROM {STAGING} WHERE old_id IS NULL OR NOT same ORDER BY line"
        ), {"entry": entry_id, "revision": revision})
        if not has_current:
            return self.rows, 0, 0
        new, changed = c.execute(text(
            f"SELECT count(*) FILTER (WHERE old_id IS NULL), count(*) FILTER (WHERE old_id IS NOT NULL AND NOT same) "
            f"FROM {STAGING}")).one()
        return int(new), int(changed), self.rows - int(new) - int(changed)

    def from_pending(self, entry_id: int, revision: int) -> None:
        """Stage revision ``revision`` of review entry ``entry_id``, for :meth:`merge` on approval."""
        self.create()
        title = "json_extract(source, '$.title')" if self.dialect == "sqlite" else "source->>'title'"
        self.rows = int(self.conn.execute(text(
            f"INSERT INTO {STAGING} ({', '.join(COLUMNS)}) SELECT indicator_id, period_code, coalesce(line, 0), freq, "
            f"period_start, period_end, value, missing_reason, note, {title}, recorded_by, breakdown "
            "FROM pending_measurement WHERE entry_id = :entry AND revision = :revision"
        ), {"entry": entry_id, "revision": revision}).rowcount)

    def _source_json(self) -> str:
        if self.dialect == "sqlite":
            return "CASE WHEN source IS NULL THEN NULL ELSE json_object('title', source) END"
        return "CASE WHEN source IS NULL THEN NULL ELSE json_build_object('title', source) END"


def _sql_text(value: str) -> str:
    """``value`` as an SQL string literal (SQLite: quotes doubled, no other escapes)."""
    return "'" + value.replace("'", "''") + "'"
