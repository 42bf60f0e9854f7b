"""Opening the database: URL resolution, SQLite settings, schema creation.

A plain path means a SQLite file. SQLite connections get foreign keys, WAL and a busy
timeout, so several processes can record at once and deletes cascade as on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlmodel import Session, create_engine

from goaltrack.errors import DataError, UsageError
from goaltrack.models import use_dialect

BUSY_TIMEOUT_MS = 30_000


def normalise_url(raw: str) -> str:
    """A SQLAlchemy URL for ``raw``: URLs pass through, paths become ``sqlite:///path``."""
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "BEGIN" drive transactions (pysqlite's own handling defers BEGIN and
    # breaks SAVEPOINT); see the SQLAlchemy docs on "Serializable isolation / Savepoints".
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # WAL is written into the file: switch it on for goaltrack's databases and new empty ones,
    # never for another program's SQLite file that --db points at by mistake.
    cur.execute("SELECT count(*), count(CASE WHEN name = 'plan' THEN 1 END) FROM sqlite_master WHERE type = 'table'")
    tables, ours = cur.fetchone()
    if not tables or ours:
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


WRITE_OPTION = "goaltrack_write"


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer's IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read
    # lock. Readers begin DEFERRED and never wait for writers (WAL).
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: Key of the PostgreSQL advisory lock a write transaction holds ("gtwr").
PG_WRITE_LOCK = 0x67747772


def _postgresql_on_begin(conn: Connection) -> None:
    # Writers queue on one lock per database, as on SQLite: a write reads the current value
    # and supersedes it, so two at once on the same indicator and period would both insert a
    # current row and one would fail on ux_measurement_current. Held to commit or rollback;
    # readers never take it. (Under READ COMMITTED the writer's later statements see what
    # the writer before it committed.)
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def writer(engine: Engine) -> Engine:
    """The engine to use for a write transaction (see :func:`_sqlite_on_begin` and
    :func:`_postgresql_on_begin`)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def open_engine(url: str, *, create: bool = False, check: bool = True) -> Engine:
    """Open the database at ``url``; with ``create``, make it if missing and bring its schema
    to the latest migration (creating or upgrading it: ``goaltrack init``, ``plan load``).

    Without ``create`` a missing SQLite file, a file that is not a database, or a database
    without goaltrack's tables is a :class:`UsageError` telling the user what to run, and so
    is a schema older or newer than this goaltrack's (see :mod:`goaltrack.schema_version`).
    ``check=False`` (the ``db`` commands) opens the database whatever its schema, and
    changes nothing in it.
    """
    try:
        path = sqlite_path(url)
    except (ArgumentError, ValueError) as exc:  # "Could not parse", a port that is not a number
        raise UsageError(f"--db {_display(url)}: not a database URL ({exc})") from None
    if path is not None:
        if path.is_dir():
            raise UsageError(f"--db {path}: is a directory, not a database file")
        if not path.exists():
            if not create:
                raise UsageError(
                    f"--db {path}: no database there (run `goaltrack init` or `goaltrack plan load FILE`)"
                )
            if not path.parent.is_dir():
                raise UsageError(f"--db {path}: directory {path.parent} does not exist")
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise UsageError(f"--db {_display(url)}: {exc}") from None
    use_dialect(engine.dialect.name)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _postgresql_on_begin)
    from goaltrack.schema_version import read_state, require_current

    try:
        with engine.connect() as conn:
            state = read_state(conn)
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        reason = " ".join(reason.split())  # drivers' messages span lines: keep it one
        raise UsageError(f"--db {_display(url)}: cannot open database: {reason}") from None
    if not check:
        return engine
    try:
        if state.empty and not create:
            raise UsageError(
                f"--db {_display(url)}: not a goaltrack database (run `goaltrack init` to create one)"
            )
        if create and not state.current:
            create_schema(engine)
        else:
            require_current(state, f"--db {_display(url)}")
    except BaseException:
        engine.dispose()
        raise
    return engine


def create_schema(engine: Engine) -> None:
    """Create the schema, or upgrade it, to the latest migration (Alembic, not create_all)."""
    from goaltrack.schema_version import migrate

    migrate(engine)


def _display(url: str) -> str:
    """``url`` for messages, with the password hidden (also when the URL does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed at the end, rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def plan_id_for(conn: Connection | Session, slug: str | None) -> int:
    """The id of plan ``slug``; without a slug, of the only plan in the database."""
    from sqlalchemy import select

    from goaltrack.models import Plan

    t = Plan.__table__  # type: ignore[attr-defined]
    rows = conn.execute(select(t.c.id, t.c.slug).order_by(t.c.slug)).all()
    if slug is None:
        if len(rows) == 1:
            return int(rows[0][0])
        if not rows:
            raise DataError("the database holds no plan (load one with `goaltrack plan load FILE`)")
        raise UsageError(
            "several plans are loaded; choose one with --plan ("
            + ", ".join(r[1] for r in rows)
            + ")"
        )
    for plan_id, plan_slug in rows:
        if plan_slug == slug:
            return int(plan_id)
    known = ", ".join(r[1] for r in rows) or "none loaded"
    raise UsageError(f"unknown plan '{slug}' (known: {known})")
