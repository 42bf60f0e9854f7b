"""Opening the database: URL resolution, SQLite settings, schema creation.

A plain path means a SQLite file. SQLite connections get foreign keys, WAL and a busy
timeout, so several processes can record at once and deletes cascade as on PostgreSQL.

A database that refuses the command (read-only, locked by another writer, a full disk, an I/O
error, a file that cannot be opened) is one :class:`DataError` naming the database, worded in
one place, :func:`database_error` (the wording: :mod:`goaltrack.store.refusals`), for every
command and both backends.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlmodel import Session, create_engine

from goaltrack.errors import DataError, UsageError
from goaltrack.store.refusals import (
    _SQLITE_CANTOPEN,
    _SQLITE_READONLY,
    _SQLITE_READONLY_DIRECTORY,
    _read_only_fs,
    _sqlite_code,
    refusal,
)
from goaltrack.store.tables import use_dialect

#: How long a writer waits for another writer to finish, by default: SQLite's busy timeout,
#: PostgreSQL's ``lock_timeout`` in a write transaction. ``[database] busy_timeout`` (seconds)
#: in the config file sets it (:meth:`goaltrack.context.AppContext.engine`).
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


def sqlite_file_or_none(url: str) -> Path | None:
    """The SQLite file of ``url``; ``None`` for another database or an unparsable URL (which
    opening it reports, in one line), for the output guard to compare paths with."""
    from sqlalchemy.exc import ArgumentError

    try:
        return sqlite_path(url)
    except (ArgumentError, ValueError):
        return None


def _sqlite_on_connect(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "BEGIN" drive transactions (pysqlite's own handling defers BEGIN and
        # breaks SAVEPOINT); see the SQLAlchemy docs on "Serializable isolation / Savepoints".
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        # WAL is written into the file: switch it on for goaltrack's databases and new empty
        # ones, never for another program's SQLite file that --db points at by mistake.
        cur.execute("SELECT count(*), count(CASE WHEN name = 'plan' THEN 1 END) FROM sqlite_master "
                    "WHERE type = 'table'")
        tables, ours = cur.fetchone()
        if not tables or ours:
            try:
                cur.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                # A read-only file not in WAL mode yet (a copy): read it as it is.
                if _sqlite_code(exc) & 0xFF != _SQLITE_READONLY:
                    raise
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    return on_connect


def _sqlite_connect(path: Path) -> Callable[..., Any]:
    """The ``do_connect`` listener: SQLite's own connect, and for a database in a read-only
    folder or on a file system mounted read-only (SQLite cannot create the ``-shm`` file WAL
    needs: ``SQLITE_READONLY_DIRECTORY``, ``SQLITE_CANTOPEN``) a read-only connection with
    ``immutable=1``, so reads work; writes then fail as read-only.

    Not when a ``-wal`` file with content lies beside it: an immutable connection does not read
    the WAL, so it would show the database as it was before those writes.
    """

    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        conn = dialect.loaded_dbapi.connect(*cargs, **cparams)
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the WAL index
        except sqlite3.OperationalError as exc:
            conn.close()
            wal = Path(f"{path}-wal")
            code = _sqlite_code(exc)
            no_shm = code == _SQLITE_READONLY_DIRECTORY or (code == _SQLITE_CANTOPEN and _read_only_fs(path))
            if not no_shm or (wal.exists() and wal.stat().st_size):
                raise
            uri = f"file:{quote(str(path.absolute()))}?mode=ro&immutable=1"
            conn = dialect.loaded_dbapi.connect(uri, **{**cparams, "uri": True})
        return conn

    return connect


WRITE_OPTION = "goaltrack_write"


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer's IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read
    # lock. Readers begin DEFERRED and never wait for writers (WAL).
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: Key of the PostgreSQL advisory lock a write transaction holds ("gtwr").
PG_WRITE_LOCK = 0x67747772


def _postgresql_on_begin(busy_timeout_ms: int) -> Callable[[Connection], None]:
    def on_begin(conn: Connection) -> None:
        # Writers queue on one lock per database, as on SQLite: a write reads the current
        # value and supersedes it, so two at once on the same indicator and period would both
        # insert a current row and one would fail on ux_measurement_current. Held to commit or
        # rollback; readers never take it. (Under READ COMMITTED the writer's later statements
        # see what the writer before it committed.) A writer waits for locks as long as a
        # SQLite writer would (lock_timeout 0 would mean forever: wait 1 ms instead).
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(busy_timeout_ms))}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

    return on_begin


def writer(engine: Engine) -> Engine:
    """The engine to use for a write transaction (see :func:`_sqlite_on_begin` and
    :func:`_postgresql_on_begin`)."""
    return engine.execution_options(**{WRITE_OPTION: True})


def open_engine(
    url: str, *, create: bool = False, check: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> Engine:
    """Open the database at ``url``; with ``create``, make it if missing and bring its schema
    to the latest migration (creating or upgrading it: ``goaltrack init``, ``plan load``).
    A writer waits up to ``busy_timeout_ms`` for another writer's lock.

    Without ``create`` a missing SQLite file, a file that is not a database, or a database
    without goaltrack's tables is a :class:`UsageError` telling the user what to run, and so
    is a schema older or newer than this goaltrack's (see :mod:`goaltrack.store.schema_version`).
    ``check=False`` (the ``db`` commands) opens the database whatever its schema, and
    changes nothing in it. Every driver error on the engine goes through
    :func:`database_error`.
    """
    try:
        path = sqlite_path(url)
    except (ArgumentError, ValueError) as exc:  # "Could not parse", a port that is not a number
        raise UsageError(f"--db {display_url(url)}: not a database URL ({exc})") from None
    if path is not None:
        try:
            path.exists()
        except OSError as exc:  # a folder on the way that we may not enter
            raise DataError(
                f"{path}: cannot open the database: {exc.strerror}; check its folder's permissions"
            ) from None
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
        raise UsageError(f"--db {display_url(url)}: {exc}") from None
    use_dialect(engine.dialect.name)
    if engine.dialect.name == "sqlite":
        if path is not None:
            event.listen(engine, "do_connect", _sqlite_connect(path))
        event.listen(engine, "connect", _sqlite_on_connect(busy_timeout_ms))
        event.listen(engine, "begin", _sqlite_on_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _postgresql_on_begin(busy_timeout_ms))

    def on_error(context: Any) -> DataError | None:  # handle_error: raised instead
        return database_error(context.original_exception, url, busy_timeout_ms=busy_timeout_ms)

    event.listen(engine, "handle_error", on_error)
    from goaltrack.store.schema_version import read_state, require_current

    try:
        with engine.connect() as conn:
            state = read_state(conn)
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        reason = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
        reason = " ".join(reason.split())  # drivers' messages span lines: keep it one
        raise UsageError(f"--db {display_url(url)}: cannot open database: {reason}") from None
    except BaseException:  # database_error's DataError
        engine.dispose()
        raise
    if not check:
        return engine
    try:
        if state.empty and not create:
            raise UsageError(
                f"--db {display_url(url)}: not a goaltrack database (run `goaltrack init` to create one)"
            )
        if create and not state.current:
            create_schema(engine)
        else:
            require_current(state, f"--db {display_url(url)}")
    except BaseException:
        engine.dispose()
        raise
    return engine


def create_schema(engine: Engine) -> None:
    """Create the schema, or upgrade it, to the latest migration (Alembic, not create_all)."""
    from goaltrack.store.schema_version import migrate

    migrate(engine)


def database_error(exc: BaseException, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> DataError | None:
    """The one-line error for a database that refuses the command, naming the database: it is
    read-only (the file, its folder, its file system, or a PostgreSQL server set read-only),
    locked by another writer for longer than ``busy_timeout_ms``, on a full disk, failing with
    an I/O error, or a file that cannot be opened or created. ``None`` for any other error
    (the wording: :mod:`goaltrack.store.refusals`).

    ``exc`` is the driver's exception or SQLAlchemy's wrapper of it. Every engine of
    :func:`open_engine` passes its errors through here (``handle_error``), and
    :func:`goaltrack.cli.common.pass_app` the ones raised on the driver's own connection.
    """
    path = sqlite_path(url) if url.startswith("sqlite") else None
    name = str(path) if path is not None else display_url(url)
    return refusal(exc, path, name, busy_timeout_ms)


def display_url(url: str) -> str:
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

    from goaltrack.store.tables import Plan, table_of

    t = table_of(Plan)
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
    from goaltrack.suggest import unknown

    if not rows:
        raise UsageError(f"unknown plan '{slug}' (known: none loaded)")
    raise UsageError(unknown("plan", slug, [r[1] for r in rows]))
