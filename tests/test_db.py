"""Opening the database: which one (``--db``, ``GOALTRACK_DB``, the config file, the default)
and how (SQLite with foreign keys, WAL and a busy timeout; PostgreSQL URLs as given)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import db_dump, run_cli
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from goaltrack.cli import cli
from goaltrack.context import AppContext
from goaltrack.errors import UsageError
from goaltrack.store import tables as m
from goaltrack.store.database import normalise_url, open_engine


def sqlite_file(url: str) -> Path:
    assert url.startswith("sqlite:///"), url
    return Path(url.removeprefix("sqlite:///"))


# --------------------------------------------------------------------------- SQLite settings


def test_sqlite_connections_have_foreign_keys_wal_and_busy_timeout(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}", create=True)
    try:
        for _ in range(2):  # every connection of the pool, not only the first
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
            engine.pool.dispose()
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}", create=True)
    try:
        with Session(engine) as session:
            session.add(m.NationalGoal(plan_id=12345, code="G1", title="orphan"))
            with pytest.raises(IntegrityError):
                session.commit()
    finally:
        engine.dispose()


def test_schema_on_both_backends(db_url: str) -> None:
    engine = open_engine(db_url, create=True)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"plan", "national_goal", "focus_area", "target_group", "initiative", "account",
                "budget_line", "declared_total", "indicator", "link", "measurement"} <= tables
        now = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
        with Session(engine) as session:
            plan = m.Plan(slug="p", title="P", organisation="O", years=[2024], loaded_at=now)
            session.add(plan)
            session.commit()
    finally:
        engine.dispose()
    again = open_engine(db_url)  # an existing database opens without create
    again.dispose()


# --------------------------------------------------------------------------- which database


def test_plain_path_means_a_sqlite_file(tmp_path: Path) -> None:
    assert normalise_url("some/dir/plan.db") == "sqlite:///some/dir/plan.db"
    assert normalise_url("/abs/plan.db") == "sqlite:////abs/plan.db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    (tmp_path / "sub").mkdir()
    proc = run_cli("--db", "sub/my.db", "init")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "sub" / "my.db").is_file()
    assert not (tmp_path / "goaltrack.db").exists()


def test_goaltrack_db_env_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("GOALTRACK_DB", str(target))
    assert AppContext().db_url == f"sqlite:///{target}"
    proc = run_cli("init")
    assert proc.returncode == 0, proc.stderr
    assert target.is_file()
    # --db wins over the environment.
    other = tmp_path / "from-option.db"
    assert run_cli("--db", other, "init").returncode == 0
    assert other.is_file()


def test_default_is_goaltrack_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALTRACK_DB")
    assert AppContext().db_url == "sqlite:///goaltrack.db"
    proc = run_cli("init")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "goaltrack.db").is_file()


def test_config_file_database_url_is_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALTRACK_DB")
    conf_dir = tmp_path / "conf"
    (conf_dir / "data").mkdir(parents=True)
    config = conf_dir / "goaltrack.toml"
    config.write_text('[database]\nurl = "data/plans.db"\n', encoding="utf-8")
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)

    proc = run_cli("--config", config, "init", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert (conf_dir / "data" / "plans.db").is_file()
    assert not (work / "data" / "plans.db").exists()
    assert not (work / "goaltrack.db").exists()

    # The environment beats the config file.
    env_db = tmp_path / "env.db"
    proc = run_cli("--config", config, "init", cwd=work, env={"GOALTRACK_DB": str(env_db)})
    assert proc.returncode == 0, proc.stderr
    assert env_db.is_file()


def test_config_file_in_the_working_directory_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOALTRACK_DB")
    work = tmp_path / "work"
    work.mkdir()
    (work / "goaltrack.toml").write_text('[database]\nurl = "found.db"\n', encoding="utf-8")
    proc = run_cli("init", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert (work / "found.db").is_file()


def test_config_file_url_is_used_as_given(tmp_path: Path, cli_runner: CliRunner,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOALTRACK_DB")
    target = tmp_path / "abs.db"
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{target}"\n', encoding="utf-8")
    result = cli_runner.invoke(cli, ["--config", str(config), "init"])
    assert result.exit_code == 0, result.output
    assert target.is_file()


# --------------------------------------------------------------------------- refusals


def test_db_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        open_engine(f"sqlite:///{tmp_path}", create=True)
    proc = run_cli("--db", tmp_path, "init")
    assert proc.returncode == 2
    assert proc.stderr == f"Error: --db {tmp_path}: is a directory, not a database file\n"


def test_db_is_not_a_database_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"these are my notes, not a database\n" * 100)
    for args in (["init"], ["list", "national-goals"],
                 ["plan", "load", str(Path(__file__).parent / "data" / "tiny.yaml")]):
        proc = run_cli("--db", junk, *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("Error: --db ") and "not a database" in proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert junk.read_bytes() == b"these are my notes, not a database\n" * 100
    assert not Path(f"{junk}-wal").exists()


def test_missing_database_is_not_created_by_read_commands(tmp_path: Path) -> None:
    proc = run_cli("list", "national-goals")
    assert proc.returncode == 2
    assert "goaltrack init" in proc.stderr
    assert not (tmp_path / "goaltrack.db").exists()


def test_missing_directory_for_a_new_database(tmp_path: Path) -> None:
    proc = run_cli("--db", tmp_path / "no" / "such" / "x.db", "init")
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr


def test_init_twice_keeps_the_data(tmp_path: Path) -> None:
    tiny = Path(__file__).parent / "data" / "tiny.yaml"
    assert run_cli("plan", "load", tiny).returncode == 0
    before = db_dump(tmp_path / "goaltrack.db")
    proc = run_cli("init")
    assert proc.returncode == 0, proc.stderr
    assert db_dump(tmp_path / "goaltrack.db") == before
