"""``goaltrack db copy --to URL``: a whole database into another, ids kept, verified by row
counts and per-table checksums; SQLite -> PostgreSQL -> SQLite loses nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import new_engine, populate
from helpers import db_dump, run_cli
from sqlalchemy import text
from sqlalchemy.engine import Engine

from goaltrack.errors import DataError, UsageError
from goaltrack.store import copy as dbcopy
from goaltrack.store.copy import checksums, copy_database
from goaltrack.store.database import open_engine


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for e in made:
        e.dispose()


@pytest.fixture
def source(tmp_path: Path, engines: list[Engine]) -> str:
    """A populated SQLite database (its URL), with JSON null and SQL NULL both present."""
    url = f"sqlite:///{tmp_path}/source.db"
    engine = new_engine(url)
    engines.append(engine)
    populate(engine)
    with engine.connect() as conn:
        json_null = conn.execute(text("SELECT count(*) FROM measurement WHERE source = 'null'")).scalar()
        sql_null = conn.execute(text("SELECT count(*) FROM measurement WHERE source IS NULL")).scalar()
    assert json_null and sql_null  # the copy must keep them apart
    return url


def raw_sqlite(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table as SQLite stores it (text, not Python values)."""
    path = url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}
    finally:
        con.close()


def test_sqlite_to_postgresql_and_back_loses_nothing(source: str, pg_url: str, tmp_path: Path,
                                                     engines: list[Engine]) -> None:
    r = run_cli("--db", source, "db", "copy", "--to", pg_url)
    assert r.returncode == 0, r.stderr
    sums = checksums(open_engine(source))
    for table, (rows, digest) in sums.items():
        assert any(line.split()[:3] == [table, f"{rows:,}", digest] for line in r.stdout.splitlines()), table
    assert "every row count and checksum matches" in r.stdout
    pg = open_engine(pg_url)
    engines.append(pg)
    assert checksums(pg) == sums
    assert sums["measurement"][0] > 20 and sums["import_batch"][0] == 2

    # The ids were kept, and the sequences continue after them.
    r = run_cli("--db", pg_url, "record", "MM13", "47", "-p", "2021M11")
    assert r.returncode == 0, r.stderr
    r = run_cli("--db", pg_url, "status", "FA1-T2", "done")
    assert r.returncode == 0, r.stderr
    with pg.connect() as conn:
        assert conn.execute(text("SELECT max(id) FROM measurement")).scalar() == sums["measurement"][0] + 1
    r = run_cli("--db", pg_url, "db", "verify")
    assert r.returncode == 0, r.stdout + r.stderr

    back = f"sqlite:///{tmp_path}/back.db"
    r = run_cli("--db", pg_url, "db", "copy", "--to", back)
    assert r.returncode == 0, r.stderr
    assert checksums(open_engine(back)) == checksums(pg)
    # Byte for byte what a SQLite goaltrack writes: the original rows, plus the two new ones.
    original, roundtrip = raw_sqlite(source), raw_sqlite(back)
    assert original.keys() == roundtrip.keys()
    for table, stored in original.items():
        extra = {"measurement": 1, "initiative_status": 1}.get(table, 0)
        assert roundtrip[table][: len(stored)] == stored, table
        assert len(roundtrip[table]) == len(stored) + extra, table


def test_copy_refuses_a_target_with_data_unless_forced(source: str, db_url: str) -> None:
    assert run_cli("--db", source, "db", "copy", "--to", db_url).returncode == 0
    r = run_cli("--db", db_url, "record", "MM13", "12", "-p", "2022M01")  # the target moves on
    assert r.returncode == 0, r.stderr
    r = run_cli("--db", source, "db", "copy", "--to", db_url)
    assert r.returncode == 2
    assert "the target already holds data" in r.stderr and "--force" in r.stderr
    r = run_cli("--db", source, "db", "copy", "--to", db_url, "--force")
    assert r.returncode == 0, r.stderr
    assert checksums(open_engine(db_url)) == checksums(open_engine(source))


def test_copy_to_itself_is_refused(source: str) -> None:
    path = source.removeprefix("sqlite:///")
    r = run_cli("--db", source, "db", "copy", "--to", path)
    assert r.returncode == 2  # refused by the output guard, before either database is opened
    assert r.stderr == f"Error: --to {path}: refusing to write over the database {path}\n"


def test_copy_from_an_old_schema_asks_for_an_upgrade(db_url: str, tmp_path: Path, engines: list[Engine]) -> None:
    engines.append(new_engine(db_url, "0001"))
    r = run_cli("--db", db_url, "db", "copy", "--to", tmp_path / "new.db")
    assert r.returncode == 2 and "run `goaltrack db upgrade`" in r.stderr


def test_a_failed_copy_commits_nothing(source: str, db_url: str, engines: list[Engine],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    src, tgt = open_engine(source), open_engine(db_url, create=True)
    engines += [src, tgt]
    real = dbcopy.checksum

    def wrong_for_measurements(conn, table, batch_size=dbcopy.BATCH_SIZE):  # type: ignore[no-untyped-def]
        rows, digest = real(conn, table, batch_size)
        return (rows, "0" * 64) if table.name == "measurement" else (rows, digest)

    monkeypatch.setattr(dbcopy, "checksum", wrong_for_measurements)
    empty = db_dump(db_url)
    with pytest.raises(DataError, match="measurement: the copy differs from the source"):
        copy_database(src, tgt)
    assert db_dump(db_url) == empty


def test_small_batches_and_a_row_pointing_forward(source: str, db_url: str, engines: list[Engine]) -> None:
    """Batches smaller than a table, and a supersession pointing at a later id (valid data that
    goaltrack does not make itself): the target's foreign key holds at every step."""
    src = open_engine(source)
    engines.append(src)
    with src.begin() as conn:
        ind = conn.execute(text("SELECT id FROM indicator WHERE code = 'MM13'")).scalar_one()
        conn.execute(text(
            "INSERT INTO measurement (id, indicator_id, period_code, freq, period_start, period_end, value, "
            "kind, recorded_by, recorded_at, origin, correction, position, superseded_at) VALUES "
            "(1000, :i, '2023M01', 'M', '2023-01-01', '2023-01-31', 1.5, 'observed', 't', "
            "'2023-02-01 10:00:00.000000', 'record', 0, 0, '2023-02-02 10:00:00.000000')"), {"i": ind})
        conn.execute(text(
            "INSERT INTO measurement (id, indicator_id, period_code, freq, period_start, period_end, value, "
            "kind, recorded_by, recorded_at, origin, correction, position, supersedes_id) VALUES "
            "(900, :i, '2023M01', 'M', '2023-01-01', '2023-01-31', 2.5, 'observed', 't', "
            "'2023-02-02 10:00:00.000000', 'record', 0, 0, 1000)"), {"i": ind})
    tgt = open_engine(db_url, create=True)
    engines.append(tgt)
    seen: list[str] = []
    result = copy_database(src, tgt, batch_size=7, on_table=lambda t: seen.append(t.table))
    assert all(t.ok for t in result.tables) and result.not_copied == []
    assert seen.index("plan") < seen.index("indicator") < seen.index("measurement")
    assert checksums(tgt) == checksums(src)
    with tgt.connect() as conn:
        assert conn.execute(text("SELECT supersedes_id FROM measurement WHERE id = 900")).scalar() == 1000


def test_tables_that_are_not_goaltrack_s_are_named(source: str, tmp_path: Path, engines: list[Engine]) -> None:
    src = open_engine(source)
    engines.append(src)
    with src.begin() as conn:
        conn.execute(text("CREATE TABLE my_notes (id INTEGER PRIMARY KEY, body TEXT)"))
    r = run_cli("--db", source, "db", "copy", "--to", tmp_path / "copy.db")
    assert r.returncode == 0, r.stderr
    assert "not copied (not a goaltrack table): my_notes" in r.stderr


def test_checksums_see_every_difference(source: str, tmp_path: Path, engines: list[Engine]) -> None:
    target = f"sqlite:///{tmp_path}/copy.db"
    src, tgt = open_engine(source), open_engine(target, create=True)
    engines += [src, tgt]
    copy_database(src, tgt)
    assert checksums(src) == checksums(tgt)
    for change in (
        "UPDATE measurement SET value = value + 1e-9 WHERE id = 3",
        "UPDATE measurement SET source = NULL WHERE source = 'null'",  # JSON null -> SQL NULL
        "UPDATE plan SET title = title || ' '",
    ):
        engine = new_engine(f"sqlite:///{tmp_path}/changed.db")
        engines.append(engine)
        copy_database(src, engine, force=True)
        with engine.begin() as conn:
            conn.execute(text(change))
        changed = {t for t, v in checksums(engine).items() if v != checksums(src)[t]}
        assert len(changed) == 1, (change, changed)


def test_copy_api_refuses_the_same_database(source: str, engines: list[Engine]) -> None:
    a, b = open_engine(source), open_engine(source)
    engines += [a, b]
    with pytest.raises(UsageError):
        copy_database(a, b)
