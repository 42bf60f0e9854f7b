"""Schema migrations (Alembic, shipped in the package): a new database is made by migrating to
the latest revision, the migrated schema is exactly models.py's, an older database is
upgraded with every row intact, and commands refuse a schema that is not theirs."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import EXAMPLE_CSV, SLUG, new_engine, populate, populated_at
from helpers import BUNDLED_PLAN, REPO, cli_env, db_dump, run_cli
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from goaltrack.errors import DataError, UsageError
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine
from goaltrack.store.schema_version import (
    HEAD,
    MIGRATIONS,
    REVISIONS,
    migrate,
    read_state,
    script_revisions,
)

OLD_TABLES = sorted(t.name for t in SQLModel.metadata.sorted_tables if t.name != "import_batch")


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    made: list[Engine] = []
    yield made
    for e in made:
        e.dispose()


def state_of(url: str) -> tuple[str | None, bool]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            s = read_state(conn)
        return s.revision, s.unversioned
    finally:
        engine.dispose()


#: Columns that migrations after 0001 add to its tables (0003: plans compared across years).
ADDED_COLUMNS = {"plan": {"follows", "account_scheme", "price_basis", "dimensions", "review", "self_approval"},
                 "account": {"replaces"}, "budget_line": {"price_basis"}, "indicator": {"dimensions", "targets_by"},
                 "measurement": {"breakdown", "review_entry_id"}, "initiative_status": {"review_entry_id"}}


def old_rows(url: str) -> list[tuple[object, ...]]:
    """What schema 0001 held, as db_dump lists it: without what later migrations add (the
    tables alembic_version and import_batch, the columns of :data:`ADDED_COLUMNS`)."""
    from sqlalchemy import select

    engine = create_engine(url)
    try:
        names = sorted(n for n in inspect(engine).get_table_names() if n in OLD_TABLES)
        meta = MetaData()
        meta.reflect(bind=engine, only=names)
        out: list[tuple[object, ...]] = []
        with engine.connect() as conn:
            for name in names:
                cols = [c for c in meta.tables[name].columns if c.name not in ADDED_COLUMNS.get(name, set())]
                rows = [tuple(r) for r in conn.execute(select(*cols))]
                out.extend((name, row) for row in sorted(rows, key=repr))
        return out
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the scripts


def test_revisions_constant_matches_the_scripts() -> None:
    scripts = script_revisions()
    assert [r for r, _, _ in scripts] == list(REVISIONS)
    assert [d for _, d, _ in scripts] == [None, *REVISIONS[:-1]]  # one straight line
    assert all(doc for _, _, doc in scripts)
    assert REVISIONS[-1] == HEAD


def test_migrations_ship_in_the_package() -> None:
    """Every file Alembic needs is matched by pyproject's package-data."""
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["goaltrack"]
    pkg = next(p for p in MIGRATIONS.parents if p.name == "goaltrack")  # package-data is relative to it
    files = [p for p in MIGRATIONS.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.name == "env.py" for p in files)
    for f in files:
        rel = f.relative_to(pkg).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} is not in package-data"
    assert any(dep.startswith("alembic") for dep in data["project"]["dependencies"])


# --------------------------------------------------------------------------- schema


def assert_schema_matches_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diffs == []
        # compare_metadata does not look at partial-index conditions: check those directly.
        dialect = conn.dialect.name
        found = {ix["name"]: ix for ix in inspect(conn).get_indexes("measurement")}
        for table in SQLModel.metadata.sorted_tables:
            for index in table.indexes:
                where = index.dialect_options[dialect].get("where")
                if where is None:
                    continue
                reflected = found[index.name].get("dialect_options", {}).get(f"{dialect}_where")
                assert reflected is not None, f"{index.name}: no WHERE clause in the database"
                norm = str(reflected).replace("(", "").replace(")", "").lower()
                assert norm == str(where).lower(), (index.name, reflected)
                assert bool(found[index.name]["unique"]) == bool(index.unique)


def test_new_database_schema_is_models_schema(db_url: str, engines: list[Engine]) -> None:
    engine = open_engine(db_url, create=True)
    engines.append(engine)
    assert state_of(db_url) == (HEAD, False)
    assert_schema_matches_models(engine)


def test_downgrade_to_nothing_and_up_again(db_url: str, engines: list[Engine]) -> None:
    from alembic import command

    from goaltrack.store.database import writer
    from goaltrack.store.schema_version import alembic_config

    engine = open_engine(db_url, create=True)
    engines.append(engine)
    with writer(engine).connect() as conn, conn.begin():
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert_schema_matches_models(engine)


def test_init_creates_then_reports_up_to_date(db_url: str) -> None:
    r = run_cli("--db", db_url, "init")
    assert r.returncode == 0, r.stderr
    assert f"(created, schema {HEAD})" in r.stdout
    r = run_cli("--db", db_url, "init")
    assert r.returncode == 0, r.stderr
    assert "up to date" in r.stdout
    r = run_cli("--db", db_url, "db", "current", "--check")
    assert (r.returncode, r.stdout.strip()) == (0, f"{HEAD} (latest)")
    r = run_cli("--db", db_url, "db", "upgrade")
    assert r.returncode == 0 and "nothing to do" in r.stdout


def test_db_history_lists_every_revision() -> None:
    r = run_cli("db", "history")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(REVISIONS)
    assert lines[-1].endswith("(latest)")
    assert "import_batch" in lines[1]


def test_concurrent_inits_migrate_once(db_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "goaltrack", "--db", db_url, "init"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    assert sum("(created," in out for out, _ in outs) == 1
    assert state_of(db_url) == (HEAD, False)


# --------------------------------------------------------------------------- upgrades


def test_upgrade_from_0001_keeps_every_row(db_url: str, tmp_path: Path, engines: list[Engine]) -> None:
    engine = populated_at(db_url, "0001")
    engines.append(engine)
    engine.dispose()
    assert state_of(db_url) == ("0001", False)
    before = old_rows(db_url)
    assert {r[0] for r in before[1:]} >= {"plan", "measurement", "initiative_status", "link", "budget_line"}

    # A normal command refuses the old schema, naming the fix; nothing changes.
    r = run_cli("--db", db_url, "record", "MM13", "50", "-p", "2021M10")
    assert r.returncode == 2
    assert f"database schema is at 0001, goaltrack needs {HEAD}: run `goaltrack db upgrade`" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("--db", db_url, "db", "current", "--check")
    assert r.returncode == 1 and "run `goaltrack db upgrade`" in r.stdout

    r = run_cli("--db", db_url, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    assert f"Schema upgraded from 0001 to {HEAD}." in r.stdout
    assert state_of(db_url) == (HEAD, False)
    assert old_rows(db_url) == before

    # The earlier import got its reconstructed batch.
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            batches = conn.execute(text("SELECT * FROM import_batch")).mappings().all()
            n_imported = conn.execute(
                text("SELECT count(*) FROM measurement WHERE origin LIKE 'import:%'")
            ).scalar_one()
    finally:
        eng.dispose()
    assert [b["file_name"] for b in batches] == [EXAMPLE_CSV.name, "more-values.csv"]
    b = batches[0]
    assert b["origin"].startswith(f"import:{EXAMPLE_CSV.name}#")
    assert sum(b["inserted"] for b in batches) == n_imported
    assert (b["superseded"], b["recorded_by"]) == (0, "importer")
    assert b["sha256"] is None and b["source"] is None and "migration 0002" in b["note"]

    r = run_cli("--db", db_url, "db", "verify")
    assert r.returncode == 0, r.stdout + r.stderr
    # And goaltrack works on it: a new value by hand, and one by import.
    r = run_cli("--db", db_url, "record", "MM13", "50", "-p", "2021M10")
    assert r.returncode == 0, r.stderr
    new_file = tmp_path / "after-upgrade.csv"
    new_file.write_text("indicator,period,value\nMM13,2021M12,51\n", encoding="utf-8")
    r = run_cli("--db", db_url, "import", "csv", new_file)
    assert r.returncode == 0, r.stderr
    after = old_rows(db_url)
    assert {repr(r) for r in before} < {repr(r) for r in after} and len(after) == len(before) + 2


def test_database_from_before_migrations_is_upgraded_by_init(tmp_path: Path) -> None:
    """A database goaltrack made with create_all (no alembic_version) is schema 0001."""
    url = f"sqlite:///{tmp_path}/old.db"
    engine = populated_at(url, "0001")
    try:
        with engine.begin() as conn:  # what create_all made: the 0001 tables, no version table
            conn.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()
    assert state_of(url) == ("0001", True)
    before = old_rows(url)

    r = run_cli("--db", url, "list", "indicators")
    assert r.returncode == 2
    assert "database schema is at 0001, goaltrack needs" in r.stderr
    r = run_cli("--db", url, "db", "current")
    assert "unversioned" in r.stdout
    r = run_cli("--db", url, "init")
    assert r.returncode == 0, r.stderr
    assert f"(schema upgraded from 0001 to {HEAD})" in r.stdout
    assert state_of(url) == (HEAD, False)
    assert old_rows(url) == before
    engine = open_engine(url)
    try:
        assert_schema_matches_models(engine)
    finally:
        engine.dispose()


def test_plan_load_upgrades_like_init(db_url: str, engines: list[Engine]) -> None:
    engines.append(new_engine(db_url, "0001"))
    r = run_cli("--db", db_url, "plan", "load", BUNDLED_PLAN)
    assert r.returncode == 0, r.stderr
    assert state_of(db_url) == (HEAD, False)


def test_failed_upgrade_changes_nothing(db_url: str, engines: list[Engine]) -> None:
    engine = populated_at(db_url, "0001")
    engines.append(engine)
    with engine.begin() as conn:  # in the way of migration 0002
        conn.execute(text("CREATE TABLE import_batch (x INTEGER)"))
    before = db_dump(db_url)
    with pytest.raises(DataError, match="migrating the schema failed, nothing changed"):
        migrate(engine)
    assert db_dump(db_url) == before
    assert state_of(db_url) == ("0001", False)


def test_newer_schema_is_refused(db_url: str, engines: list[Engine]) -> None:
    engine = open_engine(db_url, create=True)
    engines.append(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    for args in (("list", "indicators"), ("init",), ("db", "upgrade")):
        r = run_cli("--db", db_url, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "database schema is at 0099" in r.stderr and "upgrade goaltrack" in r.stderr
    r = run_cli("--db", db_url, "db", "current")
    assert r.returncode == 0 and "newer than this goaltrack" in r.stdout
    with pytest.raises(UsageError, match="upgrade goaltrack"):
        open_engine(db_url)


def test_db_commands_on_missing_or_empty_database(db_url: str) -> None:
    for args in (("db", "upgrade"), ("db", "current"), ("db", "verify"), ("list", "indicators")):
        r = run_cli("--db", db_url, *args)
        assert r.returncode == 2, (args, r.stderr)
        assert "goaltrack init" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_checking_the_version_does_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    assert run_cli("--db", db, "init").returncode == 0
    code = (
        "import sys\n"
        "from goaltrack.store.database import open_engine\n"
        f"open_engine({str(db)!r}.join(['sqlite:///', ''])).dispose()\n"
        "assert 'alembic' not in sys.modules, 'alembic imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), check=False)
    assert r.returncode == 0, r.stderr


def test_import_records_its_batch(db_url: str, engines: list[Engine]) -> None:
    engine = new_engine(db_url)
    engines.append(engine)
    plan_id = populate(engine)
    r = run_cli("--db", db_url, "import", "csv", EXAMPLE_CSV, "--dry-run")
    assert r.returncode == 0, r.stderr
    with engine.connect() as conn:
        rows = conn.execute(
            m.ImportBatch.__table__.select().order_by(m.ImportBatch.__table__.c.id)  # type: ignore[attr-defined]
        ).mappings().all()
    assert len(rows) == 2  # populate's two imports; the dry run left no batch
    b = rows[0]
    from goaltrack.store.importing import file_sha256

    assert b["plan_id"] == plan_id and b["file_name"] == EXAMPLE_CSV.name
    assert b["sha256"] == file_sha256(EXAMPLE_CSV) and b["source"] == "csv"
    assert b["origin"] == f"import:{EXAMPLE_CSV.name}#{b['sha256'][:16]}"
    n = sum(1 for _ in EXAMPLE_CSV.open()) - 1
    assert (b["rows_read"], b["inserted"], b["superseded"], b["unchanged"], b["rejected"]) == (n, n, 0, 0, 0)
    assert b["recorded_by"] == "importer" and b["recorded_at"] is not None
    assert SLUG
