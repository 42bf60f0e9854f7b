"""Opening the database: URL resolution, SQLite settings, schema creation.

A plain path means a SQLite file. SQLite connections get foreign keys, WAL and a busy
timeout, so several processes can record at once and deletes cascade as on PostgreSQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from goaltrack.errors import DataError, UsageError

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


def writer(engine: Engine) -> Engine:
    """The engine to use for a write transaction (see :func:`_sqlite_on_begin`)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def open_engine(url: str, *, create: bool = False) -> Engine:
    """Open the database at ``url``; with ``create``, make it (and its schema) if missing.

    Without ``create`` a missing SQLite file, a file that is not a database, or a database
    without goaltrack's tables is a :class:`UsageError` telling the user what to run.
    """
    path = sqlite_path(url)
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
        raise UsageError(f"--db {url}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    try:
        with engine.connect() as conn:
            has_schema = inspect(conn).has_table("plan")
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        raise UsageError(f"--db {_display(url)}: cannot open database: {reason}") from None
    if not has_schema:
        if not create:
            engine.dispose()
            raise UsageError(
                f"--db {_display(url)}: not a goaltrack database (run `goaltrack init` to create one)"
            )
        create_schema(engine)
    return engine


def create_schema(engine: Engine) -> None:
    from goaltrack import models  # noqa: F401  (registers the tables on SQLModel.metadata)

    SQLModel.metadata.create_all(engine)


def _display(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


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

    rows = (conn.execute(select(Plan.id, Plan.slug).order_by(Plan.slug))).all()  # type: ignore[arg-type]
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
