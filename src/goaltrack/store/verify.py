"""``goaltrack db verify``: the database's integrity and its audit trail, checked.

Checks, each reported as one line per problem (at most :data:`LIMIT` per check):

- SQLite: ``PRAGMA integrity_check`` (the file's structure and its indexes) and
  ``PRAGMA foreign_key_check``; PostgreSQL enforces foreign keys itself, but a restore or
  ``session_replication_role = replica`` can slip past it, so every foreign key is checked
  there with a join.
- Supersession chains: a measurement's ``supersedes_id`` names a row of the same indicator
  and period that has ``superseded_at`` set; no row is superseded twice; no row is marked
  superseded without a successor; each indicator and period with values has exactly one
  current (not superseded) row.
- Statuses: every status names an existing initiative and is a known status.
- Audit: every imported measurement (``origin`` ``import:...``) has its ``import_batch`` row.

The schema version is reported too, as a note: an old schema is not damage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

#: Problems reported per check; the rest are counted.
LIMIT = 50


@dataclass
class Report:
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_HAS_BREAKDOWN = "goaltrack.verify.has_breakdown"


def verify(engine: Engine) -> Report:
    """Run every check on ``engine``'s database; see the module docstring."""
    from goaltrack.store.schema_version import HEAD, read_state

    report = Report()
    with engine.connect() as conn:
        try:
            state = read_state(conn)
        except DBAPIError as exc:
            report.problems.append(f"cannot read the database: {_reason(exc)}")
            return report
        if not state.current:
            report.notes.append(
                f"schema is at {state.describe()}, goaltrack needs {HEAD} (run `goaltrack db upgrade`)"
            )
        tables = set(_table_names(conn))
        # Whether the schema has measurement.breakdown (0006), looked up once for every check.
        conn.info[_HAS_BREAKDOWN] = "measurement" in tables and any(
            c["name"] == "breakdown" for c in sa_inspect(conn).get_columns("measurement"))
        checks: list[tuple[str, Callable[[Connection], list[str]]]] = []
        if conn.dialect.name == "sqlite":
            checks += [("integrity", _sqlite_integrity), ("foreign keys", _sqlite_foreign_keys)]
        else:
            checks.append(("foreign keys", _foreign_keys))
        checks += [
            ("supersession targets", _supersedes_targets),
            ("superseded once", _superseded_twice),
            ("superseded rows have successors", _superseded_without_successor),
            ("one current value", _current_values),
            ("known statuses", _statuses),
        ]
        if "import_batch" in tables:
            checks.append(("import batches", _import_batches))
        try:
            for name, check in checks:
                report.checks.append(name)
                try:
                    found = check(conn)
                except DBAPIError as exc:
                    conn.rollback()
                    found = [f"{name}: the check failed: {_reason(exc)}"]
                report.problems += found
                if name == "integrity" and found:
                    break  # a damaged file: the other checks would only repeat it, or fail on it
        finally:
            conn.info.pop(_HAS_BREAKDOWN, None)  # the pooled connection outlives this run
    return report


# --------------------------------------------------------------------------- SQLite


def _sqlite_integrity(conn: Connection) -> list[str]:
    try:
        rows = [str(r[0]) for r in conn.exec_driver_sql(f"PRAGMA integrity_check({LIMIT})")]
    except DBAPIError as exc:  # so damaged that the check itself cannot run
        conn.rollback()
        return [f"integrity_check: {_reason(exc)}"]
    if rows == ["ok"]:
        return []
    return [f"integrity_check: {r}" for r in rows]


def _sqlite_foreign_keys(conn: Connection) -> list[str]:
    problems = []
    columns: dict[tuple[str, int], str] = {}
    for i, (table, rowid, parent, fkid) in enumerate(conn.exec_driver_sql("PRAGMA foreign_key_check")):
        if i >= LIMIT:
            problems.append("... and more rows with broken foreign keys")
            break
        if (table, fkid) not in columns:
            for fk in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
                columns[(table, fk[0])] = fk[3]
        column = columns.get((table, fkid), "?")
        value = conn.exec_driver_sql(f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (rowid,)).scalar()
        problems.append(f"{table} {rowid}: {column} {value} names no {parent} row")
    return problems


# --------------------------------------------------------------------------- both


def _foreign_keys(conn: Connection) -> list[str]:
    from sqlmodel import SQLModel

    from goaltrack.store import tables as models  # noqa: F401

    present = set(_table_names(conn))
    problems = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in present:
            continue
        for fk in table.foreign_keys:
            col, parent = fk.parent.name, fk.column.table.name
            q = (
                f'SELECT c.id, c."{col}" FROM "{table.name}" c LEFT JOIN "{parent}" p '
                f'ON p."{fk.column.name}" = c."{col}" '
                f'WHERE c."{col}" IS NOT NULL AND p."{fk.column.name}" IS NULL ORDER BY c.id'
            )
            head = f"{table.name} {{}}: {col} {{}} names no {parent} row"

            def line(r: Sequence[Any], head: str = head) -> str:
                return head.format(r[0], r[1])

            problems += _limited(conn, q, line)
    return problems


def _breakdown(conn: Connection, alias: str = "") -> str:
    """SQL for a measurement's breakdown; ``''`` (all totals) in a schema before 0006, which
    verify also checks."""
    has = conn.info.get(_HAS_BREAKDOWN, True)  # set by verify() for the run
    return (f"{alias}." if alias else "") + "breakdown" if has else "''"


def _also(conn: Connection, alias: str = "") -> str:
    """``, breakdown`` to add to a GROUP BY, or nothing before 0006 (PostgreSQL refuses a
    constant there)."""
    b = _breakdown(conn, alias)
    return "" if b == "''" else f", {b}"


def _period(conn: Connection, alias: str = "") -> str:
    """SQL for a measurement's period with its breakdown, as messages show it: ``2024`` for a
    total, ``2024 (sex=women)`` for a breakdown (each is a value of its own)."""
    a, b = f"{alias}." if alias else "", _breakdown(conn, alias)
    return f"{a}period_code || CASE WHEN {b} = '' THEN '' ELSE ' (' || {b} || ')' END"


def _supersedes_targets(conn: Connection) -> list[str]:
    q = (
        f"SELECT n.id, n.indicator_id, {_period(conn, 'n')}, o.id, o.indicator_id, {_period(conn, 'o')}, "
        "o.superseded_at IS NULL FROM measurement n JOIN measurement o ON o.id = n.supersedes_id "
        "WHERE o.indicator_id <> n.indicator_id OR o.period_code <> n.period_code "
        f"OR {_breakdown(conn, 'o')} <> {_breakdown(conn, 'n')} OR o.superseded_at IS NULL ORDER BY n.id"
    )

    def line(r: Sequence[Any]) -> str:
        if r[1] != r[4] or r[2] != r[5]:
            return (
                f"measurement {r[0]} ({_where(conn, r[1], r[2])}) supersedes measurement {r[3]}, "
                f"which is of another indicator or period ({_where(conn, r[4], r[5])})"
            )
        if r[0] == r[3]:
            return f"measurement {r[0]} ({_where(conn, r[1], r[2])}) supersedes itself"
        return (
            f"measurement {r[0]} ({_where(conn, r[1], r[2])}) supersedes measurement {r[3]}, "
            "which is not marked superseded (superseded_at is empty)"
        )

    return _limited(conn, q, line)


def _superseded_twice(conn: Connection) -> list[str]:
    q = (
        f"SELECT o.id, o.indicator_id, {_period(conn, 'o')}, count(*) FROM measurement n "
        "JOIN measurement o ON o.id = n.supersedes_id "
        f"GROUP BY o.id, o.indicator_id, o.period_code{_also(conn, 'o')} HAVING count(*) > 1 ORDER BY o.id"
    )
    return _limited(
        conn, q, lambda r: f"measurement {r[0]} ({_where(conn, r[1], r[2])}) is superseded by {r[3]} rows, not one"
    )


def _superseded_without_successor(conn: Connection) -> list[str]:
    q = (
        f"SELECT o.id, o.indicator_id, {_period(conn, 'o')} FROM measurement o WHERE o.superseded_at IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM measurement n WHERE n.supersedes_id = o.id) ORDER BY o.id"
    )
    return _limited(
        conn, q,
        lambda r: f"measurement {r[0]} ({_where(conn, r[1], r[2])}) is marked superseded but nothing supersedes it",
    )


def _current_values(conn: Connection) -> list[str]:
    q = (
        f"SELECT indicator_id, {_period(conn)}, "
        "sum(CASE WHEN superseded_at IS NULL THEN 1 ELSE 0 END) AS current FROM measurement "
        f"GROUP BY indicator_id, period_code{_also(conn)} "
        "HAVING sum(CASE WHEN superseded_at IS NULL THEN 1 ELSE 0 END) <> 1 "
        f"ORDER BY indicator_id, period_code{_also(conn)}"
    )

    def line(r: Sequence[Any]) -> str:
        if int(r[2]) == 0:
            return f"{_where(conn, r[0], r[1])}: has values but none is current (a broken or circular chain)"
        return f"{_where(conn, r[0], r[1])}: {r[2]} current values, at most one allowed"

    return _limited(conn, q, line)


def _statuses(conn: Connection) -> list[str]:
    from goaltrack.store.recording import STATUSES

    known = ", ".join(f"'{s}'" for s in STATUSES)
    q = (
        "SELECT s.id, s.status, i.code FROM initiative_status s "
        f"LEFT JOIN initiative i ON i.id = s.initiative_id WHERE s.status NOT IN ({known}) ORDER BY s.id"
    )
    return _limited(
        conn, q, lambda r: f"initiative_status {r[0]} (initiative {r[2]}): unknown status '{r[1]}'"
    )


def _import_batches(conn: Connection) -> list[str]:
    q = (
        "SELECT m.origin, count(*) FROM measurement m WHERE m.origin LIKE 'import:%' "
        "AND NOT EXISTS (SELECT 1 FROM import_batch b WHERE b.origin = m.origin) "
        "GROUP BY m.origin ORDER BY m.origin"
    )
    return _limited(
        conn, q, lambda r: f"{r[1]} measurements from {r[0]} have no import_batch record of that import"
    )


# --------------------------------------------------------------------------- helpers


def _limited(conn: Connection, query: str, line: Callable[[Sequence[Any]], str]) -> list[str]:
    rows = conn.execute(text(query)).fetchmany(LIMIT + 1)
    out = [line(r) for r in rows[:LIMIT]]
    if len(rows) > LIMIT:
        out.append("... and more like the above")
    return out


def _where(conn: Connection, indicator_id: int, period: str) -> str:
    row = conn.execute(
        text(
            "SELECT p.slug, i.code FROM indicator i LEFT JOIN plan p ON p.id = i.plan_id WHERE i.id = :id"
        ),
        {"id": indicator_id},
    ).first()
    if row is None:
        return f"indicator id {indicator_id} (missing), period {period}"
    return f"plan {row[0]}, indicator {row[1]}, period {period}"


def _table_names(conn: Connection) -> list[str]:
    return list(sa_inspect(conn).get_table_names())


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip() if getattr(exc, "orig", None) else str(exc).strip()
