"""A database refusing the command: read-only, locked by another writer, a full disk, an I/O
error, a file that cannot be opened. Each is one :class:`DataError` naming the database,
worded here for every command and both backends; SQLite's result codes stand for the kinds
of refusal, and PostgreSQL's SQLSTATEs map onto them.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from goaltrack.errors import DataError

# SQLite's primary result codes (https://sqlite.org/rescode.html); an extended code keeps its
# primary code in the low byte.
_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 5, 8, 10, 13, 14
_SQLITE_READONLY_DIRECTORY = _SQLITE_READONLY | (6 << 8)
# The same by message, for a driver error that carries no code.
_SQLITE_MESSAGES = {
    "attempt to write a readonly database": _SQLITE_READONLY,
    "database is locked": _SQLITE_BUSY,
    "database or disk is full": _SQLITE_FULL,
    "disk I/O error": _SQLITE_IOERR,
    "unable to open database file": _SQLITE_CANTOPEN,
}
# PostgreSQL's SQLSTATEs for the same refusals: read_only_sql_transaction (a read-only
# database or transaction, a hot standby), lock_not_available (lock_timeout), disk_full,
# io_error.
_PG_STATES = {"25006": _SQLITE_READONLY, "55P03": _SQLITE_BUSY, "53100": _SQLITE_FULL, "58030": _SQLITE_IOERR}


def _sqlite_code(exc: BaseException) -> int:
    """The (extended) SQLite result code of a sqlite3 error, from its message if it has none."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code
    return _SQLITE_MESSAGES.get(str(exc).strip(), 0)


def refusal(exc: BaseException, path: Path | None, name: str, busy_timeout_ms: int) -> DataError | None:
    """The one-line error for a database that refuses the command, naming it ``name`` (its
    SQLite file ``path``; ``None`` on PostgreSQL); ``None`` for any other error. Reached
    through :func:`goaltrack.store.database.database_error`, which works both out from the URL.
    """
    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy's DBAPIError wraps the driver's
    if isinstance(orig, sqlite3.Error):
        code = _sqlite_code(orig)
    else:
        code = _PG_STATES.get(str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)), 0)
    kind = code & 0xFF
    if kind not in (_SQLITE_BUSY, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN):
        return None
    reason = " ".join(str(orig).split())  # drivers' messages span lines: keep it one
    if kind == _SQLITE_BUSY:
        seconds = f"{busy_timeout_ms / 1000:g}"
        return DataError(
            f"{name}: the database is locked by another writer; waited {seconds} s "
            "(run the command again when that one is done, or raise [database] busy_timeout)"
        )
    if kind == _SQLITE_READONLY:
        return DataError(f"{name}: {_read_only(path, reason)}")
    if kind == _SQLITE_FULL:
        where = "the disk" if path is not None else "the database server's disk"
        return DataError(f"{name}: {where} is full ({reason}); nothing was saved: "
                         "free some space and run the command again")
    if kind == _SQLITE_IOERR:
        detail = getattr(orig, "sqlite_errorname", None) or reason
        return DataError(
            f"{name}: disk I/O error on the database ({detail}); nothing was saved: "
            "check the disk, then run `goaltrack db verify`"
        )
    return DataError(f"{name}: {_cannot_open(path, reason)}")


def _command() -> str | None:
    """The command being run (``record``, ``plan load``), for messages; None outside the CLI."""
    import click

    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split()[1:] if ctx is not None else []
    return " ".join(words) or None


def _read_only(path: Path | None, reason: str) -> str:
    action = _command()
    cannot = f" (`goaltrack {action}` cannot write to it)" if action else ""
    if path is None:  # PostgreSQL: a read-only transaction, database or standby server
        return f"the database is read-only{cannot}: {reason}"
    folder = path.absolute().parent
    if _read_only_fs(path):
        return f"the database is read-only{cannot}: its file system is mounted read-only"
    file_ro = os.path.exists(path) and not os.access(path, os.W_OK)
    folder_ro = not os.access(folder, os.W_OK | os.X_OK)
    if file_ro and folder_ro:
        return f"the database and its folder {folder} are read-only{cannot}; check their permissions"
    if file_ro:
        return f"the database is read-only{cannot}; check the file's permissions"
    if folder_ro:
        return (
            f"the database's folder {folder} is read-only{cannot}: SQLite needs to create "
            f"{path.name}-wal and {path.name}-shm beside the database; check the folder's permissions"
        )
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if os.path.exists(side) and not os.access(side, os.W_OK):
            return f"the database's {side.name} file is read-only{cannot}; check its permissions"
    return f"the database is read-only{cannot}"


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.absolute().parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _cannot_open(path: Path | None, reason: str) -> str:
    if path is not None:
        folder = path.absolute().parent
        if _read_only_fs(path):
            verb = "open" if os.path.exists(path) else "create"
            return f"cannot {verb} the database: its file system is mounted read-only"
        if not os.path.exists(path):
            if not os.access(folder, os.W_OK | os.X_OK):
                return f"cannot create the database: its folder {folder} is read-only; check the folder's permissions"
        elif not os.access(path, os.R_OK):
            return "cannot open the database: the file is not readable; check its permissions"
    return (f"cannot open the database ({reason}); "
            "check the permissions of the file, its -wal and -shm files and its folder")
