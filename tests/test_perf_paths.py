"""The shape of goaltrack's fast paths (issue 6), checked without timing anything.

Timings belong to ``make bench`` (``benchmarks/run.py``); these tests pin what makes them:

- the latest-value query is answered from ``ix_measurement_latest`` (SQLite: EXPLAIN QUERY
  PLAN; PostgreSQL: EXPLAIN on a table with enough rows, after ANALYZE);
- ``goaltrack --help`` imports none of SQLAlchemy, pydantic, SQLModel, jinja2, YAML or a
  plugin, nor any command module, and its command list still says what the commands say;
- a command that touches the database imports no jinja2, and on SQLite not SQLAlchemy's
  PostgreSQL dialect;
- an import's peak memory does not grow with the file (200,000 rows vs 20,000 rows).

Every process-level check runs in a subprocess, so nothing the test process already imported
can hide an import.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import pytest
import sqlalchemy
from helpers import REPO, cli_env
from sqlalchemy.engine import Engine

HEAVY = ("sqlalchemy", "pydantic", "sqlmodel", "jinja2", "yaml", "babel", "alembic", "openpyxl")
# goaltrack's own modules that `goaltrack --help` may import; anything more is start-up time.
HELP_MODULES = {"goaltrack", "goaltrack.hookspecs", "goaltrack.cli", "goaltrack.cli.lazy"}


def _generate() -> ModuleType:
    """``benchmarks/generate.py``: the synthetic plans and measurements of the benchmarks."""
    spec = importlib.util.spec_from_file_location("gt_bench_generate", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _modules_after(args: list[str], cwd: Path) -> set[str]:
    """The modules loaded in a fresh interpreter that ran ``goaltrack ARGS`` (click's
    non-standalone mode, so the run returns instead of exiting)."""
    script = (
        "import json, sys\n"
        "from goaltrack.cli import cli\n"
        f"rc = cli.main({args!r}, prog_name='goaltrack', standalone_mode=False)\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=cli_env(),
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def _plan_file(tmp_path: Path, *, initiatives: int, indicators: int) -> tuple[Path, str]:
    gen = _generate()
    (path,) = gen.write_plans(tmp_path / "plans", 1, initiatives=initiatives, indicators=indicators)
    return path, gen.slug(1)


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "goaltrack", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=cli_env(), timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


# --------------------------------------------------------------------------- start-up


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    loaded = _modules_after(["--help"], tmp_path)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"`goaltrack --help` imported {heavy}"
    ours = {m for m in loaded if m == "goaltrack" or m.startswith(("goaltrack.", "goaltrack_"))}
    assert ours <= HELP_MODULES, (
        f"`goaltrack --help` imported {sorted(ours - HELP_MODULES)}: each costs start-up time "
        "(see goaltrack.cli.COMMAND_HELP and goaltrack.cli.lazy)"
    )


def test_help_lists_what_the_commands_say() -> None:
    """COMMAND_HELP stands in for the commands in `goaltrack --help`: it must say what they say."""
    from goaltrack.cli import COMMAND_HELP, COMMANDS, cli

    assert set(COMMAND_HELP) == set(COMMANDS), "every command needs its line in goaltrack.cli.COMMAND_HELP"
    ctx = click.Context(cli, info_name="goaltrack")
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        for limit in (30, 45, 60, 80, 120, 200):
            assert click.Command(name, help=COMMAND_HELP[name]).get_short_help_str(limit) == \
                command.get_short_help_str(limit), f"COMMAND_HELP[{name!r}] differs from the command's own help"
    lazy = ctx.make_formatter()
    cli.format_commands(ctx, lazy)
    eager = ctx.make_formatter()
    click.Group.format_commands(cli, ctx, eager)
    assert lazy.getvalue() == eager.getvalue()


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite database with one synthetic plan (100 indicators) and no measurements."""
    tmp = tmp_path_factory.mktemp("perf")
    plan, _ = _plan_file(tmp, initiatives=10, indicators=10)
    db = tmp / "plan.db"
    _run("--db", db, "plan", "load", plan, cwd=tmp)
    yield db


def test_database_commands_import_no_jinja2(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    db.write_bytes(small_db.read_bytes())
    for args in (["record", "I01-K01", "12.5", "--period", "2021M01", "--by", "tester"],
                 ["score", "--format", "json"], ["report", "coverage", "--format", "json"]):
        loaded = _modules_after(["--db", str(db), *args], tmp_path)
        assert "sqlalchemy" in loaded  # it did touch the database
        assert not {m for m in loaded if m.split(".")[0] == "jinja2"}, f"`goaltrack {args[0]}` imported jinja2"
        # The partial indexes' conditions are set for the dialect in use (models.use_dialect):
        # naming postgresql_where in the models would load this ~50 ms dialect on SQLite.
        assert "sqlalchemy.dialects.postgresql" not in loaded, (
            f"`goaltrack {args[0]}` on SQLite loaded the PostgreSQL dialect"
        )


# --------------------------------------------------------------------------- import memory


def _import_peak_mib(db: Path, csv_file: Path, cwd: Path) -> float:
    proc = subprocess.Popen(
        [sys.executable, "-m", "goaltrack", "--db", str(db), "import", "csv", str(csv_file), "--by", "tester"],
        cwd=cwd, env=cli_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 0, stderr
    proc.returncode = 0
    return usage.ru_maxrss / 1024  # KiB on Linux


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs os.wait4 for a child's peak RSS")
def test_import_memory_is_flat(small_db: Path, tmp_path: Path) -> None:
    gen = _generate()
    peaks = {}
    for rows in (20_000, 200_000):
        src = tmp_path / f"rows-{rows}.csv"
        assert gen.write_csv(src, gen.daily_rows(1, rows, initiatives=10, indicators=10)) == rows
        db = tmp_path / f"import-{rows}.db"
        db.write_bytes(small_db.read_bytes())
        peaks[rows] = _import_peak_mib(db, src, tmp_path)
    grown = peaks[200_000] - peaks[20_000]
    assert grown < 30, f"peak RSS grew by {grown:.0f} MiB from 20,000 to 200,000 rows ({peaks})"


# --------------------------------------------------------------------------- the latest-value query


def _latest_query_plan(engine: Engine, ids: list[int], explain: str) -> str:
    """The plan the database makes for latest_values' query (captured as it runs)."""
    from goaltrack.store.measurements import latest_values

    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "measurement" in statement.lower():
            statements.append((statement, parameters))

    sqlalchemy.event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.connect() as conn:
            latest = latest_values(conn, ids, as_of=dt.date(2025, 6, 30))
            assert len(latest) == len(ids) and all(v.period_code == "2025M06" for v in latest.values())
            (statement, params), = statements  # one query for all the indicators
            return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, params))
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", capture)


def _load_with_values(url: str, tmp_path: Path) -> tuple[Engine, list[int]]:
    """A database at ``url`` with a synthetic plan of 200 indicators x 60 months of values."""
    gen = _generate()
    plan, _ = _plan_file(tmp_path, initiatives=20, indicators=10)
    values = tmp_path / "monthly.csv"
    gen.write_csv(values, gen.monthly_rows(1, initiatives=20, indicators=10))
    _run("--db", url, "plan", "load", plan, cwd=tmp_path)
    _run("--db", url, "import", "csv", values, "--by", "tester", cwd=tmp_path)
    from goaltrack.store.database import open_engine

    engine = open_engine(url)
    with engine.connect() as conn:
        ids = [int(r[0]) for r in conn.exec_driver_sql("SELECT id FROM indicator ORDER BY id")]
    return engine, ids


def test_latest_value_query_uses_the_index_on_sqlite(tmp_path: Path) -> None:
    engine, ids = _load_with_values(f"sqlite:///{tmp_path}/latest.db", tmp_path)
    try:
        plan = _latest_query_plan(engine, ids, "EXPLAIN QUERY PLAN ")
    finally:
        engine.dispose()
    assert "ix_measurement_latest" in plan, plan
    # Per indicator a search, never a scan of the measurements.
    assert not [line for line in plan.splitlines() if line.startswith("SCAN") and "measurement" in line], plan


@pytest.mark.postgres
def test_latest_value_query_uses_the_index_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    engine, ids = _load_with_values(pg_url, tmp_path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE measurement")
            conn.exec_driver_sql("ANALYZE indicator")
        plan = _latest_query_plan(engine, ids, "EXPLAIN ")
    finally:
        engine.dispose()
    assert "ix_measurement_latest" in plan, plan
    assert "Seq Scan on measurement" not in plan, plan
