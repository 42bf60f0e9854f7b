"""``goaltrack db copy --to URL``: the whole database into another one, verified.

Typical use: moving from the SQLite file to a shared PostgreSQL server (or back, or making a
backup). The target is created if missing (schema by migrations, like ``goaltrack init``)
and must hold no data unless ``force`` is given, in which case its rows are deleted first.

Every goaltrack table is copied with its ids, in foreign-key order, streamed in batches of
:data:`BATCH_SIZE` rows through SQLAlchemy Core (no ORM object per row), inside one
transaction on the target: the target ends up with all of it or with none of it. Before
committing, each table is read back from the target and compared with the source by row
count and by a checksum: sha256 over the rows in primary-key order, each row written as
canonical JSON (dates ISO 8601, times in UTC, floats by ``repr``, JSON values with sorted
keys, SQL NULL apart from JSON ``null``), so SQLite and PostgreSQL give the same digest for
the same data. JSON columns are copied as their text, unchanged. On PostgreSQL the id
sequences are then set past the copied ids.

The source is read in one snapshot (a read transaction on SQLite, REPEATABLE READ on
PostgreSQL), so goaltrack may keep writing to it meanwhile; those writes are not copied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    MetaData,
    Table,
    Text,
    cast,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

from goaltrack.errors import DataError, UsageError

BATCH_SIZE = 5_000
SKIP_TABLES = {"alembic_version"}


@dataclass(frozen=True)
class TableResult:
    table: str
    rows: int
    sha256: str
    target_rows: int
    target_sha256: str

    @property
    def ok(self) -> bool:
        return self.rows == self.target_rows and self.sha256 == self.target_sha256


@dataclass
class CopyResult:
    tables: list[TableResult]
    not_copied: list[str]  # tables in the source that are not goaltrack's

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def goaltrack_tables() -> list[Table]:
    """goaltrack's tables, parents before children."""
    from sqlmodel import SQLModel

    from goaltrack.store import tables as models  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def same_database(a: Engine, b: Engine) -> bool:
    ua, ub = a.url, b.url
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        from pathlib import Path

        if not ua.database or not ub.database or ":memory:" in (ua.database, ub.database):
            return False
        return Path(ua.database).resolve() == Path(ub.database).resolve()
    return (ua.host or "localhost", ua.port, ua.database) == (ub.host or "localhost", ub.port, ub.database)


def copy_database(
    source: Engine,
    target: Engine,
    *,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
    on_table: Callable[[TableResult], None] | None = None,
) -> CopyResult:
    """Copy every goaltrack table from ``source`` into ``target``; see the module docstring.

    Both must be at the same schema revision (open them with :func:`goaltrack.store.database.open_engine`).
    Raises :class:`UsageError` for a target that holds data (without ``force``) or is the
    source, and :class:`DataError` when a count or checksum differs (nothing is committed).
    """
    from goaltrack.store.database import writer
    from goaltrack.store.schema_version import read_state

    if same_database(source, target):
        raise UsageError("db copy: the target is the source database")
    with _snapshot(source) as src, writer(target).connect() as tgt, tgt.begin():
        src_state, tgt_state = read_state(src), read_state(tgt)
        if src_state.revision != tgt_state.revision:
            raise UsageError(
                f"db copy: source schema is at {src_state.revision}, target at {tgt_state.revision}"
            )
        src_names = set(inspect(src).get_table_names())
        tgt_names = set(inspect(tgt).get_table_names())
        tables = [t for t in goaltrack_tables() if t.name in src_names and t.name in tgt_names]
        known = {t.name for t in tables}
        not_copied = sorted(n for n in src_names - known - SKIP_TABLES if not n.startswith("sqlite_"))

        held = {t.name: n for t in tables if (n := _count(tgt, t))}
        if held and not force:
            listing = ", ".join(f"{name} {n:,}" for name, n in held.items())
            raise UsageError(
                f"db copy: the target already holds data ({listing} rows): copy into a new, empty "
                "database, or give --force to delete the target's rows first"
            )
        for table in reversed(tables):
            if table.name in held:
                tgt.execute(table.delete())

        results = []
        for table in tables:
            count, digest = _copy_table(src, tgt, table, batch_size)
            target_count, target_digest = checksum(tgt, table, batch_size)
            result = TableResult(table.name, count, digest, target_count, target_digest)
            if not result.ok:
                raise DataError(
                    f"db copy: {table.name}: the copy differs from the source "
                    f"({count:,} rows, sha256 {digest[:16]}; target {target_count:,} rows, "
                    f"sha256 {target_digest[:16]}); nothing was committed"
                )
            results.append(result)
            if on_table:
                on_table(result)
        if tgt.dialect.name == "postgresql":
            _reset_sequences(tgt, tables)
    return CopyResult(results, not_copied)


def checksums(engine: Engine, batch_size: int = BATCH_SIZE) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every goaltrack table in ``engine``'s database."""
    with _snapshot(engine) as conn:
        names = set(inspect(conn).get_table_names())
        return {t.name: checksum(conn, t, batch_size) for t in goaltrack_tables() if t.name in names}


def checksum(conn: Connection, table: Table, batch_size: int = BATCH_SIZE) -> tuple[int, str]:
    """(rows, sha256) of ``table`` as seen by ``conn``, in the canonical form described above."""
    digest = hashlib.sha256()
    count = 0
    canon = _canonical(table)
    for batch in _read(conn, table, batch_size):
        for row in batch:
            digest.update(canon(row))
        count += len(batch)
    return count, digest.hexdigest()


# --------------------------------------------------------------------------- internals


class _snapshot:
    """A connection reading one consistent snapshot of the database, rolled back at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        conn = self.engine.connect()
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        self.conn = conn
        conn.begin()
        return conn

    def __exit__(self, *exc: object) -> None:
        self.conn.rollback()
        self.conn.close()


class _JSONText(TypeDecorator[str]):
    """JSON written as the text read from the source (PostgreSQL: cast to json)."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return cast(bindvalue, JSON)


def _read(conn: Connection, table: Table, batch_size: int) -> Iterator[Sequence[Any]]:
    """Batches of rows in primary-key order; JSON columns as their text (the JSON type would
    read SQL NULL and JSON null both as None, and reformat the text)."""
    columns = [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c for c in table.columns]
    query = select(*columns).order_by(*table.primary_key.columns)
    result = conn.execute(query.execution_options(yield_per=batch_size))
    yield from result.partitions()


def _copy_table(src: Connection, tgt: Connection, table: Table, batch_size: int) -> tuple[int, str]:
    insert_table = _insert_table(table, tgt.dialect.name)
    names = [c.name for c in table.columns]
    when_at = [i for i, c in enumerate(table.columns) if isinstance(c.type, DateTime)]
    pk = [c.name for c in table.primary_key.columns]
    # A row pointing at a later row of its own table (none does today: supersedes_id points
    # back) is inserted without the pointer, which is set once the table is complete.
    self_fks = [
        fk.parent.name for fk in table.foreign_keys if fk.column.table is table and len(pk) == 1
    ]
    deferred: list[dict[str, Any]] = []
    canon = _canonical(table)
    digest = hashlib.sha256()
    count = 0
    for batch in _read(src, table, batch_size):
        params = []
        for row in batch:
            digest.update(canon(row))
            values = list(row)
            for i in when_at:
                values[i] = _utc(values[i])
            record = dict(zip(names, values, strict=True))
            for col in self_fks:
                if record[col] is not None and record[col] >= record[pk[0]]:
                    deferred.append({"_id": record[pk[0]], "_value": record[col], "_col": col})
                    record[col] = None
            params.append(record)
        tgt.execute(insert_table.insert(), params)
        count += len(batch)
    for col in self_fks:
        updates = [{"_id": d["_id"], "_value": d["_value"]} for d in deferred if d["_col"] == col]
        if updates:
            from sqlalchemy import bindparam

            id_col = insert_table.c[pk[0]]
            tgt.execute(
                insert_table.update().where(id_col == bindparam("_id")).values({col: bindparam("_value")}),
                updates,
            )
    return count, digest.hexdigest()


def _insert_table(table: Table, dialect: str) -> Table:
    """``table`` for inserting, its JSON columns taking JSON text."""
    raw: Any = _JSONText() if dialect == "postgresql" else Text()
    columns = [
        Column(c.name, raw if isinstance(c.type, JSON) else c.type, primary_key=c.primary_key)
        for c in table.columns
    ]
    return Table(table.name, MetaData(), *columns)


def _utc(value: Any) -> Any:
    """goaltrack writes UTC: SQLite keeps the UTC wall time (naive), PostgreSQL the instant."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


def _canonical(table: Table) -> Callable[[Sequence[Any]], bytes]:
    """A function turning a row from :func:`_read` into its canonical bytes."""
    kinds: list[str] = []
    for c in table.columns:
        if isinstance(c.type, JSON):
            kinds.append("json")
        elif isinstance(c.type, DateTime):
            kinds.append("datetime")
        elif isinstance(c.type, Date):
            kinds.append("date")
        elif isinstance(c.type, Float):
            kinds.append("float")
        else:
            kinds.append("plain")

    def canon(row: Sequence[Any]) -> bytes:
        out: list[Any] = []
        for i, kind in enumerate(kinds):
            v = row[i]
            if v is None:
                pass
            elif kind == "json":
                v = json.dumps(json.loads(v), sort_keys=True, ensure_ascii=False)
            elif kind == "datetime":
                v = _utc(v).isoformat()
            elif kind == "date":
                v = v.isoformat()
            elif kind == "float":
                v = repr(float(v))
            out.append(v)
        return (json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    return canon


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Make each id sequence continue after the largest copied id."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].autoincrement is False:
            continue
        name, col = quote(table.name), pk[0].name
        seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{name}', '{col}')").scalar()
        if seq:
            conn.exec_driver_sql(
                f"SELECT setval('{seq}', coalesce((SELECT max({quote(col)}) FROM {name}), 0) + 1, false)"
            )
