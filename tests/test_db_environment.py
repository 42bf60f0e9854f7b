"""The database refusing a command, for real (issue 11): locked by another writer, a full disk,
a disk I/O error, a read-only file system, a read-only PostgreSQL database.

Each refused command must exit 1 with exactly one line on stderr, ``Error: DATABASE: ...``
naming the database, no traceback and not the "unexpected error" fallback, and leave the
database row for row as it was; what only reads must still work. Read-only and unreadable
files and folders are cases of the bad-input corpus (``tests/bad_inputs/cases.toml``, category
``db``); the cases here need another process, a file system of their own or a server:

- the lock: a second process holds SQLite's write lock (``BEGIN IMMEDIATE``), or PostgreSQL's
  writer lock; ``[database] busy_timeout`` in the config file keeps the wait short;
- the full disk: SQLite's own ``SQLITE_FULL`` through ``PRAGMA max_page_count`` (set by
  ``tests/sqlite_limit/sitecustomize.py`` in the goaltrack process: works everywhere), and a
  real tmpfs that is full (needs root that may mount);
- a disk I/O error: the kernel refusing writes past ``RLIMIT_FSIZE``;
- a read-only file system: a tmpfs remounted read-only (root that may mount).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_PLAN, REPO, SRC, bundled_db_in, cli_env, db_dump, run_cli

from goaltrack.store.database import (
    BUSY_TIMEOUT_MS,
    PG_WRITE_LOCK,
    database_error,
    display_url,
    open_engine,
)

UNEXPECTED = "run with --debug for the traceback"
TINY_PLAN = REPO / "tests" / "data" / "tiny.yaml"
REPORT_PLAN = REPO / "tests" / "data" / "report-plan.yaml"
SQLITE_LIMIT = Path(__file__).resolve().parent / "sqlite_limit"
LOCKED = "the database is locked by another writer; waited"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("bundled")
    env = {k: v for k, v in os.environ.items() if k != "GOALTRACK_DB"}
    return bundled_db_in(where, cli_env({**env, "HOME": str(where)}))


@pytest.fixture
def db(bundled: Path, tmp_path: Path) -> Path:
    """A copy of the bundled-plan database, ``tmp_path/goaltrack.db`` (the test's cwd)."""
    target = tmp_path / "goaltrack.db"
    shutil.copyfile(bundled, target)
    return target


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "values.csv"
    path.write_text("indicator,period,value\nMM13,2022,41.5\nMM17,2022,12\n", encoding="utf-8")
    return path


def write_commands(csv_file: Path) -> dict[str, list[str]]:
    return {
        "record": ["record", "MM13", "40", "-p", "2022"],
        "status": ["status", "LS-T1", "done"],
        "import": ["import", "csv", str(csv_file)],
        "plan load": ["plan", "load", str(TINY_PLAN)],
    }


def assert_refused(proc: subprocess.CompletedProcess[str], name: str, fragment: str) -> str:
    """Exit 1, one line on stderr: ``Error: NAME: ...FRAGMENT...``; returns the line."""
    shown = f"exit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-3000:]}"
    assert proc.returncode == 1, shown
    assert "Traceback" not in proc.stdout + proc.stderr, shown
    assert UNEXPECTED not in proc.stderr, shown
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, shown
    assert lines[0].startswith(f"Error: {name}: "), shown
    assert fragment in lines[0], shown
    return lines[0]


def config_with_timeout(where: Path, seconds: float) -> Path:
    path = where / "goaltrack.toml"
    path.write_text(f"[database]\nbusy_timeout = {seconds}\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- locked (SQLite)

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@contextlib.contextmanager
def sqlite_write_lock(db: Path) -> Iterator[None]:
    """Another process holding the database's write lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0


@pytest.mark.parametrize("command", ["record", "status", "import", "plan load"])
def test_sqlite_writer_waits_busy_timeout_then_one_line(
    command: str, db: Path, tmp_path: Path, csv_file: Path
) -> None:
    args = write_commands(csv_file)[command]
    config_with_timeout(tmp_path, 0.4)
    before = db_dump(db)
    with sqlite_write_lock(db):
        start = time.monotonic()
        proc = run_cli("--db", "goaltrack.db", *args, cwd=tmp_path)
        waited = time.monotonic() - start
        assert_refused(proc, "goaltrack.db", f"{LOCKED} 0.4 s")
        assert waited >= 0.4, f"gave up after {waited:.2f} s, before the busy timeout"
        assert db_dump(db) == before
        reader = run_cli("--db", "goaltrack.db", "list", "initiatives", cwd=tmp_path)
        assert reader.returncode == 0 and "LS-T1" in reader.stdout, reader.stderr
    # The lock was the only reason: once it is gone, the same command goes through.
    again = run_cli("--db", "goaltrack.db", *args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert db_dump(db) != before


def test_sqlite_busy_timeout_zero_fails_at_once(db: Path, tmp_path: Path) -> None:
    config_with_timeout(tmp_path, 0)
    before = db_dump(db)
    with sqlite_write_lock(db):
        proc = run_cli("record", "MM13", "40", "-p", "2022", cwd=tmp_path)
    assert_refused(proc, str(db), f"{LOCKED} 0 s (run the command again when that one is done")
    assert db_dump(db) == before


def test_busy_timeout_reaches_the_connection(tmp_path: Path) -> None:
    """``[database] busy_timeout`` seconds become SQLite's busy timeout; the default is 30 s."""
    from goaltrack.context import AppContext

    url = f"sqlite:///{tmp_path / 'x.db'}"
    (tmp_path / "conf").mkdir()
    config = config_with_timeout(tmp_path / "conf", 1.25)  # not in the cwd: the default is
    for app, expected in ((AppContext(db=url, config_file=config), 1250), (AppContext(db=url), BUSY_TIMEOUT_MS)):
        try:
            with app.engine(create=True).connect() as conn:
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == expected
        finally:
            app.close()


# --------------------------------------------------------------------------- the disk full

def page_count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


@pytest.mark.parametrize("command", ["plan load", "import"])
def test_sqlite_full_one_line_database_unchanged(command: str, db: Path, tmp_path: Path) -> None:
    """SQLite's own SQLITE_FULL: max_page_count at the database's size, so it cannot grow."""
    rows = "".join(f"MM13,2030M{m:02d},{m}\nMM17,2030M{m:02d},{m}\n" for m in range(1, 13))
    big = tmp_path / "many.csv"
    big.write_text("indicator,period,value\n" + rows, encoding="utf-8")
    args = {"plan load": ["plan", "load", str(REPORT_PLAN)], "import": ["import", "csv", str(big)]}[command]
    limit = {
        "PYTHONPATH": os.pathsep.join([str(SRC), str(SQLITE_LIMIT)]),
        "GOALTRACK_TEST_MAX_PAGE_COUNT": str(page_count(db)),
    }
    before = db_dump(db)
    proc = run_cli("--db", "goaltrack.db", *args, cwd=tmp_path, env=limit)
    assert_refused(proc, "goaltrack.db", "the disk is full (database or disk is full); nothing was saved")
    assert db_dump(db) == before
    # The limit was the only reason: without it the same command goes through.
    again = run_cli("--db", "goaltrack.db", *args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@contextlib.contextmanager
def tmpfs(where: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` at ``where``: needs root that may mount; skips otherwise."""
    if os.geteuid() != 0:
        pytest.skip("a tmpfs of a given size needs root (the max_page_count test covers SQLITE_FULL)")
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()}); the max_page_count test covers SQLITE_FULL")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def dump_copy(db: Path, into: Path) -> list[tuple[Any, ...]]:
    """``db_dump`` of a copy of ``db`` with its -wal (a dump on the full file system itself
    would need room for a -shm)."""
    into.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", into / f"goaltrack.db{suffix}")
    return db_dump(into / "goaltrack.db")


def test_full_file_system_one_line_database_unchanged(bundled: Path, tmp_path: Path) -> None:
    size_kib = -(-bundled.stat().st_size // 4096) * 4 + 80  # the database, a -shm and a little
    with tmpfs(tmp_path / "small", size_kib) as mnt:
        db = mnt / "goaltrack.db"
        shutil.copyfile(bundled, db)
        before = db_dump(bundled)
        proc = run_cli("--db", "goaltrack.db", "plan", "load", str(REPORT_PLAN), cwd=mnt)
        assert_refused(proc, "goaltrack.db", "the disk is full (database or disk is full); nothing was saved")
        assert dump_copy(db, tmp_path / "after") == before
        reader = run_cli("--db", "goaltrack.db", "plan", "list", cwd=mnt)
        assert reader.returncode == 0 and "kalundborg-2021" in reader.stdout, reader.stderr


def test_read_only_file_system_reads_work_writes_one_line(bundled: Path, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", 1024) as mnt:
        shutil.copyfile(bundled, mnt / "goaltrack.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        reader = run_cli("--db", "goaltrack.db", "list", "initiatives", cwd=mnt)
        assert reader.returncode == 0 and "LS-T1" in reader.stdout, reader.stderr
        proc = run_cli("--db", "goaltrack.db", "record", "MM13", "40", "-p", "2022", cwd=mnt)
        assert_refused(
            proc, "goaltrack.db",
            "the database is read-only (`goaltrack record` cannot write to it): its file system is mounted read-only",
        )
        new = run_cli("--db", "new.db", "init", cwd=mnt)
        assert_refused(new, "new.db", "cannot create the database: its file system is mounted read-only")
        assert dump_copy(mnt / "goaltrack.db", tmp_path / "after") == db_dump(bundled)


# --------------------------------------------------------------------------- disk I/O error

def test_disk_io_error_one_line_database_unchanged(db: Path, tmp_path: Path) -> None:
    """The kernel refuses writes past RLIMIT_FSIZE (EFBIG): SQLite's SQLITE_IOERR_WRITE."""
    limit = 64 * 1024  # room for the -shm (32 KiB); the plan's -wal outgrows it

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = db_dump(db)
    proc = subprocess.run(
        [sys.executable, "-m", "goaltrack", "--db", "goaltrack.db", "plan", "load", str(REPORT_PLAN)],
        input="", capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
        env=cli_env({"PYTHONDONTWRITEBYTECODE": "1"}), preexec_fn=small_files,
    )
    assert_refused(proc, "goaltrack.db", "disk I/O error on the database (SQLITE_IOERR")
    assert db_dump(db) == before


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_bundled(pg_url: str, tmp_path: Path) -> str:
    proc = run_cli("--db", pg_url, "plan", "load", str(BUNDLED_PLAN), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return pg_url


def _psycopg(url: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, autocommit=True
    )


def test_postgresql_writer_waits_busy_timeout_then_one_line(pg_bundled: str, tmp_path: Path) -> None:
    config_with_timeout(tmp_path, 0.4)
    before = db_dump(pg_bundled)
    with _psycopg(pg_bundled) as holder:
        holder.execute(f"SELECT pg_advisory_lock({PG_WRITE_LOCK})")  # another writer's lock
        start = time.monotonic()
        proc = run_cli("--db", pg_bundled, "record", "MM13", "40", "-p", "2022", cwd=tmp_path)
        waited = time.monotonic() - start
        assert_refused(proc, display_url(pg_bundled), f"{LOCKED} 0.4 s")
        assert waited >= 0.4
        reader = run_cli("--db", pg_bundled, "list", "initiatives", cwd=tmp_path)
        assert reader.returncode == 0 and "LS-T1" in reader.stdout, reader.stderr
    assert db_dump(pg_bundled) == before
    again = run_cli("--db", pg_bundled, "record", "MM13", "40", "-p", "2022", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_postgresql_read_only_database_one_line(pg_bundled: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(pg_bundled).database
    with _psycopg(pg_bundled) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    before = db_dump(pg_bundled)
    proc = run_cli("--db", pg_bundled, "status", "LS-T1", "done", cwd=tmp_path)
    assert_refused(
        proc, display_url(pg_bundled),
        "the database is read-only (`goaltrack status` cannot write to it): cannot execute",
    )
    assert db_dump(pg_bundled) == before
    reader = run_cli("--db", pg_bundled, "score", cwd=tmp_path)
    assert reader.returncode == 0 and "national goal" in reader.stdout, reader.stderr


# --------------------------------------------------------------------------- the mapping itself


def test_database_error_leaves_other_errors_alone(tmp_path: Path) -> None:
    """Only refusals are mapped: a constraint violation or a syntax error is not one."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with contextlib.closing(sqlite3.connect(tmp_path / "x.db")) as conn:
        conn.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        conn.execute("INSERT INTO t VALUES (1)")
        for sql in ("INSERT INTO t VALUES (1)", "SELEC 1"):
            with pytest.raises(sqlite3.Error) as caught:
                conn.execute(sql)
            assert database_error(caught.value, url) is None


def test_database_error_on_an_engine_names_it(tmp_path: Path) -> None:
    """In-process, through SQLAlchemy: a lock held by another connection, busy timeout 0."""
    from sqlalchemy import text

    from goaltrack.errors import DataError

    path = tmp_path / "x.db"
    open_engine(f"sqlite:///{path}", create=True).dispose()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        engine = open_engine(f"sqlite:///{path}", busy_timeout_ms=0)
        try:
            with pytest.raises(DataError) as caught, engine.connect() as conn:
                conn.execute(text("BEGIN IMMEDIATE"))
        finally:
            engine.dispose()
    assert str(caught.value) == (
        f"{path}: {LOCKED} 0 s (run the command again when that one is done, or raise [database] busy_timeout)"
    )
