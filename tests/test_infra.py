"""The test and CI infrastructure itself: fixtures, helpers, Makefile and .ci/run."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
from pathlib import Path

import pytest
from helpers import (
    BUNDLED_PLAN,
    REPO,
    SEED,
    chromium_screenshot,
    db_dump,
    need,
    png_size,
    required,
    run_cli,
    soffice_convert,
)

# --------------------------------------------------------------------------- isolation


def test_each_test_is_isolated(tmp_path: Path) -> None:
    assert Path.cwd() == tmp_path
    assert os.environ["GOALTRACK_DB"] == str(tmp_path / "goaltrack.db")
    assert Path(os.environ["HOME"]).is_relative_to(tmp_path)
    assert Path(os.environ["XDG_CONFIG_HOME"]).is_relative_to(tmp_path)
    for var in ("GOALTRACK_DISABLE_PLUGINS", "GOALTRACK_STRICT_PLUGINS", "GOALTRACK_TRACE_PLUGINS"):
        assert var not in os.environ


def test_paths_point_into_the_repo() -> None:
    assert (REPO / "pyproject.toml").is_file()
    assert BUNDLED_PLAN.parent == REPO / "config" / "plans"
    assert SEED.parent.name == "seeds"


# --------------------------------------------------------------------------- databases


@pytest.mark.postgres
def test_pg_fixture_gives_a_working_server(pg_url: str) -> None:
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select

    engine = create_engine(pg_url)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        meta = MetaData()
        goals = Table(
            "goals", meta, Column("id", Integer, primary_key=True), Column("title", String)
        )
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                goals.insert(), [{"title": "Færre på offentlig forsørgelse"}, {"title": "Run"}]
            )
        with engine.connect() as conn:
            rows = conn.execute(select(goals.c.id, goals.c.title).order_by(goals.c.id)).all()
            version = conn.execute(select(func.version())).scalar_one()
        assert [tuple(r) for r in rows] == [(1, "Færre på offentlig forsørgelse"), (2, "Run")]
        assert version.startswith("PostgreSQL")
    finally:
        engine.dispose()


def test_pg_url_is_a_fresh_database_each_time(pg_url: str) -> None:
    assert db_dump(pg_url) == [("", ())]


def test_db_url_runs_on_each_backend(db_url: str, request: pytest.FixtureRequest) -> None:
    from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, create_engine

    backend = request.node.callspec.params["db_url"]
    assert db_url.startswith(
        {"sqlite": "sqlite:///", "postgresql": "postgresql+psycopg://"}[backend]
    )
    assert db_dump(db_url) == [("", ())]
    engine = create_engine(db_url)
    try:
        meta = MetaData()
        acc = Table(
            "accounts",
            meta,
            Column("code", String, primary_key=True),
            Column("amount", Numeric(12, 1)),
        )
        Table("empty", meta, Column("id", Integer, primary_key=True))
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(
                acc.insert(), [{"code": "055771", "amount": 10}, {"code": "055778", "amount": 2}]
            )
    finally:
        engine.dispose()
    dump = db_dump(db_url)
    assert dump[0] == ("", ("accounts", "empty"))
    assert [(t, row[0]) for t, row in dump[1:]] == [("accounts", "055771"), ("accounts", "055778")]
    assert db_dump(db_url) == dump  # stable


def test_db_dump_sees_every_change(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "x.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table b (k text, v real)")
        conn.execute("create table a (k text)")
        conn.executemany("insert into b values (?, ?)", [("z", 1.5), ("a", None)])
    before = db_dump(path)  # a plain path means a SQLite file
    assert before == [("", ("a", "b")), ("b", ("a", None)), ("b", ("z", 1.5))]
    assert db_dump(f"sqlite:///{path}") == before
    with sqlite3.connect(path) as conn:
        conn.execute("update b set v = 2 where k = 'z'")
    assert db_dump(path) != before


# --------------------------------------------------------------------------- need()


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for var in (
        "CI",
        "GOALTRACK_REQUIRE_BROWSER",
        "GOALTRACK_REQUIRE_SOFFICE",
        "GOALTRACK_REQUIRE_NO_SUCH_TOOL",
    ):
        monkeypatch.delenv(var, raising=False)


def test_need_returns_the_path_of_a_present_tool() -> None:
    path = need("sh")
    assert os.path.isabs(path) and os.access(path, os.X_OK)


@pytest.mark.usefixtures("no_tools")
def test_need_skips_locally() -> None:
    with pytest.raises(pytest.skip.Exception, match="chromium not installed"):
        need("chromium")


@pytest.mark.usefixtures("no_tools")
def test_need_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-tool not installed"):
        need("no-such-tool")


@pytest.mark.usefixtures("no_tools")
@pytest.mark.parametrize(("tool", "var"), [("chromium", "BROWSER"), ("soffice", "SOFFICE")])
def test_need_fails_when_required(monkeypatch: pytest.MonkeyPatch, tool: str, var: str) -> None:
    monkeypatch.setenv(f"GOALTRACK_REQUIRE_{var}", "1")
    with pytest.raises(pytest.fail.Exception, match=f"GOALTRACK_REQUIRE_{var}=1"):
        need(tool)


@pytest.mark.usefixtures("no_tools")
def test_require_zero_overrides_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert required("PG")
    monkeypatch.setenv("GOALTRACK_REQUIRE_PG", "0")
    assert not required("PG")


# --------------------------------------------------------------------------- real programs


@pytest.mark.browser
def test_chromium_screenshot(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>t</title><h1>Mål for 2021</h1>"
        "<svg width='200' height='100'><rect width='150' height='60' fill='#36c'/></svg>"
        "<script>console.error('from the page')</script>",
        encoding="utf-8",
    )
    shot = chromium_screenshot(page, tmp_path / "out" / "page.png", tmp_path, width=640, height=480)
    assert png_size(shot.output) == (640, 480)
    assert any("from the page" in line for line in shot.console)
    assert (tmp_path / "chromium-profile").is_dir()  # its own profile, not ~/.config/chromium


def test_soffice_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "goals.csv"
    src.write_text("name,value\nÆble,100\nRead,12.5\n", encoding="utf-8")
    xlsx = soffice_convert(src, "xlsx", tmp_path / "x", tmp_path)
    assert xlsx.name == "goals.xlsx" and xlsx.stat().st_size > 0
    back = soffice_convert(xlsx, "csv", tmp_path / "c", tmp_path)
    with back.open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f)) == [["name", "value"], ["Æble", "100"], ["Read", "12.5"]]


def test_soffice_missing_input_fails(tmp_path: Path) -> None:
    need("soffice")
    with pytest.raises(pytest.fail.Exception, match="soffice wrote no pdf"):
        soffice_convert(tmp_path / "missing.xlsx", "pdf", tmp_path / "o", tmp_path)


# --------------------------------------------------------------------------- CLI, make, CI


def test_run_cli_runs_the_package() -> None:
    r = run_cli("--version")
    assert r.returncode == 0, r.stderr
    assert "goaltrack" in r.stdout


def test_makefile_targets_parse() -> None:
    need("make")
    r = subprocess.run(
        ["make", "-n", "demo", "test", "bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    for expected in (
        "goaltrack demo --out",
        "ruff check",
        "mypy",
        "-m pytest",
        "benchmarks/run.py",
    ):
        assert expected in r.stdout
    help_ = subprocess.run(
        ["make", "help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert help_.returncode == 0
    for target in ("demo", "test", "bench", "lint", "clean"):
        assert f"make {target}" in help_.stdout


def test_ci_run_is_executable_and_calls_make_test() -> None:
    run = REPO / ".ci" / "run"
    assert run.stat().st_mode & stat.S_IXUSR
    text = run.read_text()
    assert "make -k test" in text and "make demo" in text
    assert "pg_test_up" in text and "GOALTRACK_REQUIRE_PG=1" in text
    assert "browser_support.py fetch-axe" in text and "GOALTRACK_REQUIRE_BROWSER=1" in text
    for script in (run, REPO / ".ci" / "pg.sh"):
        r = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stderr
