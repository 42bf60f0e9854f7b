"""``goaltrack db verify``: a clean database passes; each kind of damage, made deliberately
behind the database's back (foreign keys off, an index dropped, bytes overwritten), is
reported as one line and makes it exit 1."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbfixtures import new_engine, populate, populated_at
from helpers import run_cli
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from goaltrack.store.verify import verify


@pytest.fixture
def populated(db_url: str) -> Iterator[str]:
    engine = new_engine(db_url)
    try:
        populate(engine)
    finally:
        engine.dispose()
    yield db_url


@contextlib.contextmanager
def behind_its_back(url: str) -> Iterator[Connection]:
    """A connection that skips foreign-key enforcement, committed at the end."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            else:
                conn.exec_driver_sql("SET session_replication_role = replica")  # triggers (FKs) off
            conn.commit()
            with conn.begin():
                yield conn
    finally:
        engine.dispose()


def one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def superseding_pair(conn: Connection) -> tuple[int, int]:
    """(new, old) of a supersession that populate made."""
    row = conn.execute(
        text("SELECT m.id, m.supersedes_id FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
             "WHERE m.supersedes_id IS NOT NULL AND i.code = 'forsikrede-ledige-kalundborg' ORDER BY m.id")
    ).first()
    assert row is not None
    return int(row[0]), int(row[1])


def verify_cli(url: str) -> tuple[int, list[str], str]:
    r = run_cli("--db", url, "db", "verify")
    assert "Traceback" not in r.stderr
    return r.returncode, r.stdout.splitlines(), r.stderr


def test_a_clean_database_passes(populated: str) -> None:
    code, out, err = verify_cli(populated)
    assert code == 0, out + [err]
    assert out[-1].startswith("OK: ") and "no problems" in out[-1]
    assert "supersession targets" in out[-1] and "import batches" in out[-1]


def status_without_initiative(conn: Connection) -> str:
    sid = one(conn, "SELECT min(id) FROM initiative_status")
    conn.execute(text("UPDATE initiative_status SET initiative_id = 99999 WHERE id = :i"), {"i": sid})
    return f"initiative_status {sid}: initiative_id 99999 names no initiative row"


def measurement_without_indicator(conn: Connection) -> str:
    mid = one(conn, "SELECT max(id) FROM measurement")
    conn.execute(text("UPDATE measurement SET indicator_id = 99999 WHERE id = :i"), {"i": mid})
    return f"measurement {mid}: indicator_id 99999 names no indicator row"


def supersedes_another_indicator(conn: Connection) -> str:
    new, _old = superseding_pair(conn)
    ind = one(conn, "SELECT indicator_id FROM measurement WHERE id = :i", i=new)
    other = one(conn, "SELECT min(id) FROM measurement WHERE indicator_id <> :i", i=ind)
    conn.execute(text("UPDATE measurement SET superseded_at = recorded_at WHERE id = :i"), {"i": other})
    conn.execute(text("UPDATE measurement SET supersedes_id = :o WHERE id = :i"), {"o": other, "i": new})
    return f"supersedes measurement {other}, which is of another indicator or period"


def superseded_without_successor(conn: Connection) -> str:
    new, old = superseding_pair(conn)
    conn.execute(text("UPDATE measurement SET supersedes_id = NULL WHERE id = :i"), {"i": new})
    return (f"measurement {old} (plan kalundborg-2021, indicator forsikrede-ledige-kalundborg, period 2021M05) "
            "is marked superseded but nothing supersedes it")


def supersedes_a_current_value(conn: Connection) -> str:
    _new, old = superseding_pair(conn)
    conn.execute(text("DROP INDEX ux_measurement_current"))
    conn.execute(text("UPDATE measurement SET superseded_at = NULL WHERE id = :i"), {"i": old})
    return "indicator forsikrede-ledige-kalundborg, period 2021M05: 2 current values, at most one allowed"


def superseded_twice(conn: Connection) -> str:
    new, old = superseding_pair(conn)
    later = one(conn, "SELECT id FROM measurement WHERE supersedes_id = :i", i=new)
    conn.execute(text("UPDATE measurement SET supersedes_id = :o WHERE id = :i"), {"o": old, "i": later})
    return (f"measurement {old} (plan kalundborg-2021, indicator forsikrede-ledige-kalundborg, period 2021M05) "
            "is superseded by 2 rows")


def no_current_value(conn: Connection) -> str:
    cur = one(conn, "SELECT id FROM measurement WHERE supersedes_id IS NOT NULL AND superseded_at IS NULL "
                    "ORDER BY id LIMIT 1")
    conn.execute(text("UPDATE measurement SET superseded_at = recorded_at WHERE id = :i"), {"i": cur})
    return "has values but none is current"


def unknown_status(conn: Connection) -> str:
    sid = one(conn, "SELECT max(id) FROM initiative_status")
    conn.execute(text("UPDATE initiative_status SET status = 'maybe' WHERE id = :i"), {"i": sid})
    return f"initiative_status {sid} (initiative FA1-T3): unknown status 'maybe'"


def import_without_batch(conn: Connection) -> str:
    conn.execute(text("DELETE FROM import_batch WHERE file_name = 'kalundborg-2021.example.csv'"))
    return "measurements from import:kalundborg-2021.example.csv#"


DAMAGE = [
    status_without_initiative,
    measurement_without_indicator,
    supersedes_another_indicator,
    superseded_without_successor,
    supersedes_a_current_value,
    superseded_twice,
    no_current_value,
    unknown_status,
    import_without_batch,
]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__ for d in DAMAGE])
def test_damage_is_found(populated: str, damage: Any) -> None:
    with behind_its_back(populated) as conn:
        expected = damage(conn)
    engine = create_engine(populated)
    try:
        report = _verify(engine)
    finally:
        engine.dispose()
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def _verify(engine: Engine) -> Any:
    from goaltrack.store.database import open_engine

    opened = open_engine(engine.url.render_as_string(hide_password=False), check=False)
    try:
        return verify(opened)
    finally:
        opened.dispose()


def test_the_command_lists_every_problem_and_exits_1(populated: str) -> None:
    with behind_its_back(populated) as conn:
        expected = [status_without_initiative(conn), superseded_without_successor(conn), unknown_status(conn)]
    code, out, err = verify_cli(populated)
    assert code == 1
    for fragment in expected:
        assert sum(fragment in line for line in out) == 1, (fragment, out)
    assert "3 problems found by db verify" in err


def test_a_damaged_sqlite_file_fails_the_integrity_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/g.db"
    engine = new_engine(url)
    try:
        populate(engine)
    finally:
        engine.dispose()
    db = tmp_path / "g.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_measurement_latest'").fetchone()[0]
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    with db.open("r+b") as fh:  # flip a bit in an index entry (cells fill a page from its end)
        fh.seek(root * page_size - 3)
        byte = fh.read(1)[0]
        fh.seek(root * page_size - 3)
        fh.write(bytes([byte ^ 0x01]))
    code, out, err = verify_cli(url)
    assert code == 1, out + [err]
    assert "integrity_check: row 1 missing from index ix_measurement_latest" in out, out
    with db.open("r+b") as fh:  # scribble over the whole page: too damaged to check at all
        fh.seek((root - 1) * page_size + 16)
        fh.write(b"\xff\x00\x13" * ((page_size - 32) // 3))
    code, out, err = verify_cli(url)
    assert code == 1, out + [err]
    assert any(line.startswith("integrity_check: ") for line in out), out


def test_an_old_schema_is_a_note_not_a_problem(db_url: str) -> None:
    populated_at(db_url, "0001").dispose()
    code, out, _ = verify_cli(db_url)
    assert code == 0
    assert out[0].startswith("note: schema is at 0001") and "goaltrack db upgrade" in out[0]


def test_not_a_goaltrack_database(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    r = run_cli("--db", db, "db", "verify")
    assert r.returncode == 2 and "not a goaltrack database" in r.stderr
