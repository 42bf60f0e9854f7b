"""Crash safety (issue 7): nothing half-done survives a kill, an error or a failed write.

- ``goaltrack import csv BIG.csv`` killed with SIGKILL at several points (after fixed delays,
  and when its progress line shows a number of rows read, through a pseudo-terminal): the
  SQLite database passes ``PRAGMA integrity_check``, holds none or all of the import, and
  importing again completes with exactly the file's rows, no duplicates.
- Output files (``-o FILE``) are written to a temporary file and renamed
  (:func:`goaltrack.fileio.write_atomic`): a run killed or failing while it writes leaves the
  previous file in place, and an error leaves no temporary file behind.
- Plan load, import and prune are single transactions on SQLite and PostgreSQL: a failure
  injected after part of the work was written leaves the database row for row unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import BUNDLED_PLAN, REPO, cli_env, db_dump, run_cli

from goaltrack import fileio
from goaltrack.errors import UsageError
from goaltrack.planfile.validate import read_plan
from goaltrack.plugins import load_plugins
from goaltrack.store import bulk
from goaltrack.store import plansync as load_module
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.importing import import_file
from goaltrack.store.plansync import load_plans

TINY = REPO / "tests" / "data" / "tiny.yaml"

CRASH_PLAN = """\
# SYNTHETIC plan for tests/test_crash_safety.py: four counts, nothing else.
goaltrack: 1
plan:
  slug: crash
  title: Crash test (synthetic)
  organisation: goaltrack tests
  years: [2021]
  synthetic: true
indicators:
  - {code: P1, name: One, unit: persons}
  - {code: P2, name: Two, unit: persons}
  - {code: P3, name: Three, unit: persons}
  - {code: P4, name: Four, unit: persons}
"""
INDICATORS = ("P1", "P2", "P3", "P4")
DAYS = 40_000  # per indicator: 160,000 rows, 8 batches of goaltrack.store.bulk.BATCH_SIZE
ROWS = DAYS * len(INDICATORS)


# --------------------------------------------------------------------------- helpers


def _write_big_csv(path: Path) -> None:
    first = dt.date(1950, 1, 1)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("indicator,period,value\n")
        for code in INDICATORS:
            for i in range(DAYS):
                fh.write(f"{code},{(first + dt.timedelta(days=i)).isoformat()},{i % 997}\n")


def _sqlite_state(db: Path) -> dict[str, Any]:
    """Integrity, and what the import wrote: its measurement rows, batches, duplicates."""
    con = sqlite3.connect(db)
    try:
        (integrity,) = con.execute("PRAGMA integrity_check").fetchone()
        (imported,) = con.execute(
            "SELECT count(*) FROM measurement WHERE origin LIKE 'import:%'"
        ).fetchone()
        (current,) = con.execute(
            "SELECT count(*) FROM measurement WHERE origin LIKE 'import:%' AND superseded_at IS NULL"
        ).fetchone()
        (duplicates,) = con.execute(
            "SELECT count(*) FROM (SELECT indicator_id, period_code FROM measurement "
            "WHERE superseded_at IS NULL GROUP BY indicator_id, period_code HAVING count(*) > 1)"
        ).fetchone()
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        batches = (
            con.execute("SELECT count(*) FROM import_batch").fetchone()[0]
            if "import_batch" in tables
            else None
        )
    finally:
        con.close()
    return {
        "integrity": integrity,
        "imported": imported,
        "current": current,
        "duplicates": duplicates,
        "batches": batches,
    }


def _spawn_import(db: Path, csv_path: Path, cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``goaltrack import csv`` with stderr on a pseudo-terminal, so it shows progress."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "goaltrack", "--db", str(db), "import", "csv", str(csv_path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=cwd,
        env=cli_env(),
    )
    os.close(slave)
    return proc, master


def _kill_when(proc: subprocess.Popen[bytes], master: int, *, rows: int | None, delay: float | None) -> int:
    """SIGKILL ``proc`` once its progress shows at least ``rows`` rows read (or after
    ``delay`` seconds); return the last row count it showed."""
    seen = 0
    buffer = b""
    started = time.monotonic()
    deadline = started + 600
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if delay is not None and time.monotonic() - started >= delay:
                break
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError as exc:  # EIO: the child closed the terminal
                    if exc.errno != errno.EIO:
                        raise
                    chunk = b""
                buffer = (buffer + chunk)[-4096:]
                counts = re.findall(rb"([\d,]+) rows read", buffer)
                if counts:
                    seen = int(counts[-1].replace(b",", b""))
                if rows is not None and seen >= rows:
                    break
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    return seen


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A SQLite database with the crash plan loaded, and BIG.csv; copied by each test."""
    where = tmp_path_factory.mktemp("crash")
    plan = where / "crash.yaml"
    plan.write_text(CRASH_PLAN, encoding="utf-8")
    db = where / "template.db"
    proc = run_cli("--db", db, "plan", "load", plan, cwd=where)
    assert proc.returncode == 0, proc.stderr
    big = where / "BIG.csv"
    _write_big_csv(big)
    return db, big


# --------------------------------------------------------------------------- killed imports

# Where to kill: after a fixed delay (which may land before the import has even begun: that
# is a valid point too), or when the progress line shows so many rows staged, or when it
# shows all of them (the merge and the commit run after that).
KILL_POINTS = [
    pytest.param({"delay": 0.2}, id="after-0.2s"),
    pytest.param({"delay": 0.5}, id="after-0.5s"),
    pytest.param({"delay": 1.0}, id="after-1s"),
    pytest.param({"rows": bulk.BATCH_SIZE}, id="first-batch-staged"),
    pytest.param({"rows": ROWS // 2}, id="half-staged"),
    pytest.param({"rows": ROWS}, id="all-staged-merging"),
]


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_import_leaves_none_or_all_and_reimports_cleanly(
    crash_setup: tuple[Path, Path], tmp_path: Path, point: dict[str, Any]
) -> None:
    template, big = crash_setup
    db = tmp_path / "crash.db"
    shutil.copyfile(template, db)

    proc, master = _spawn_import(db, big, tmp_path)
    seen = _kill_when(proc, master, rows=point.get("rows"), delay=point.get("delay"))
    if point.get("rows") and point["rows"] < ROWS:
        # The kill landed mid-import: it showed progress and had not finished.
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, seen)
        assert seen >= point["rows"]

    state = _sqlite_state(db)
    assert state["integrity"] == "ok"
    assert state["imported"] in (0, ROWS), f"a partial import survived the kill: {state}"
    assert state["batches"] in (None, 0 if state["imported"] == 0 else 1), state
    assert state["duplicates"] == 0

    again = run_cli("--db", db, "import", "csv", big, cwd=tmp_path, timeout=900)
    assert again.returncode == 0, again.stderr
    assert f"{ROWS:,} rows read" in again.stdout
    after = _sqlite_state(db)
    assert after == {
        "integrity": "ok",
        "imported": ROWS,  # the file's rows, once each: a repeated import adds nothing
        "current": ROWS,
        "duplicates": 0,
        "batches": None if state["batches"] is None else 1 + state["batches"],
    }


# --------------------------------------------------------------------------- atomic output


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report\n")
    fileio.write_atomic(target, "new report\n")
    assert target.read_text() == "new report\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("the previous export\n")

    def no_space(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "write":
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, fh: Any) -> None:
                self.fh = fh

            def __enter__(self) -> Half:
                return self

            def __exit__(self, *exc: object) -> None:
                self.fh.close()

            def write(self, data: bytes) -> None:
                self.fh.write(data[: len(data) // 2])  # half of it lands, then the disk is full
                no_space()

        monkeypatch.setattr(fileio.os, "fdopen", lambda fd, mode: Half(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(fileio.os, failing, no_space)

    with pytest.raises(UsageError, match=r"plan\.yaml: cannot write: No space left on device"):
        fileio.write_atomic(target, "a new export\n" * 1000)
    assert target.read_text() == "the previous export\n"
    assert _leftovers(tmp_path) == []


def test_an_interrupt_while_writing_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (KeyboardInterrupt, not an OSError) is cleaned up as well, and passed on."""
    target = tmp_path / "coverage.md"
    target.write_text("old\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fileio.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_the_cli_reports_a_failed_write_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from goaltrack.cli import main

    db = tmp_path / "t.db"
    assert run_cli("--db", db, "plan", "load", TINY).returncode == 0
    out = tmp_path / "export.yaml"
    out.write_text("the previous export\n")

    def cross_device(src: Any, dst: Any) -> None:
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(fileio.os, "replace", cross_device)
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db), "plan", "export", "tiny-library", "-o", str(out)])
    assert info.value.code == 2
    assert f"Error: {out}: cannot write: Invalid cross-device link" in capsys.readouterr().err
    assert out.read_text() == "the previous export\n"
    assert _leftovers(tmp_path) == []


# The CLI, killed at the worst moment: the new content is written and flushed to the temporary
# file, but not renamed yet. A wrapper replaces os.fsync with a SIGKILL of the process itself.
_KILL_AT_FSYNC = """
import os, signal, sys
import goaltrack.fileio as fileio
fileio.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
from goaltrack.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["plan", "export", "kalundborg-2021"], id="plan-export"),
        pytest.param(["report", "coverage", "--format", "html"], id="report-html"),
        pytest.param(["report", "budget", "--format", "markdown"], id="report-markdown"),
    ],
)
def test_a_killed_run_never_leaves_half_a_file(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "k.db"
    assert run_cli("--db", db, "plan", "load", BUNDLED_PLAN).returncode == 0
    out = tmp_path / "out" / "result.txt"
    out.parent.mkdir()
    out.write_text("the previous output\n")

    proc = subprocess.run(
        [sys.executable, "-c", _KILL_AT_FSYNC, "--db", str(db), *args, "-o", str(out)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert out.read_text() == "the previous output\n"
    # A killed process cannot clean up: its temporary file may stay, hidden (".result.txt.*")
    # and never in place of the output.
    assert all(name.startswith(".result.txt.") for name in _leftovers(out.parent))

    # Uninterrupted, the same command replaces the file with the whole output.
    done = run_cli("--db", db, *args, "-o", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    whole = run_cli("--db", db, *args, cwd=tmp_path)
    assert whole.stdout in (out.read_text(encoding="utf-8"), out.read_text(encoding="utf-8") + "\n")


@pytest.mark.slow
def test_a_report_killed_at_any_moment_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    assert run_cli("--db", db, "plan", "load", BUNDLED_PLAN).returncode == 0
    out = tmp_path / "coverage.html"
    reference = run_cli("--db", db, "report", "coverage", "--format", "html", "-o", out)
    assert reference.returncode == 0, reference.stderr
    new = out.read_bytes()
    old = b"<p>the previous report</p>\n"
    for delay in (0.2, 0.5, 1.0, 1.5, 2.0, 3.0):
        out.write_bytes(old)
        proc = subprocess.Popen(
            [sys.executable, "-m", "goaltrack", "--db", str(db), "report", "coverage",
             "--format", "html", "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=cli_env(),
            cwd=tmp_path,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert out.read_bytes() in (old, new), f"killed after {delay} s: a partial report"


# --------------------------------------------------------------------------- transactions


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    engine = open_engine(db_url, create=True)
    yield engine
    engine.dispose()


def _edited_tiny(tmp_path: Path) -> Path:
    """tiny.yaml with a new title, one goal fewer, one initiative more and a new amount."""
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["plan"]["title"] = "Reading plan, revised (synthetic)"
    data["national_goals"] = [g for g in data["national_goals"] if g["code"] != "G2"]
    for area in data["focus_areas"]:
        area["national_goals"] = [link for link in area["national_goals"] if link["ref"] != "G2"]
    data["initiatives"].append({"code": "I9", "title": "A new initiative", "focus_area": "A1"})
    data["accounts"][0]["budget"][0]["amount"] = 999
    data["indicators"][0]["measurements"][1]["value"] = 44
    path = tmp_path / "tiny-edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _fail_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """Make ``owner.name`` do its work and then fail, as a full disk or a lost connection would."""
    real = getattr(owner, name)

    def failing(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError(f"injected failure after {name}")

    monkeypatch.setattr(owner, name, failing)


@pytest.mark.parametrize("step", ["_sync_links", "_sync_budget", "_sync_measurements"])
def test_plan_load_is_one_transaction(
    engine: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    load_plans(engine, [read_plan(TINY)])
    before = db_dump(db_url)
    edited = read_plan(_edited_tiny(tmp_path))
    _fail_after(monkeypatch, load_module, step)
    with pytest.raises(RuntimeError, match="injected failure"):
        load_plans(engine, [edited])
    assert db_dump(db_url) == before


def test_plan_load_into_an_empty_database_leaves_it_empty(
    engine: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = db_dump(db_url)
    _fail_after(monkeypatch, load_module, "_sync_totals")
    with pytest.raises(RuntimeError, match="injected failure"):
        load_plans(engine, [read_plan(TINY)])
    assert db_dump(db_url) == before


def test_prune_is_one_transaction(
    engine: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_plans(engine, [read_plan(TINY)])
    before = db_dump(db_url)
    edited = read_plan(_edited_tiny(tmp_path))
    _fail_after(monkeypatch, load_module, "_prune_items")
    with pytest.raises(RuntimeError, match="injected failure"):
        load_plans(engine, [edited], prune=True)
    assert db_dump(db_url) == before
    # and without the failure, the prune does happen
    monkeypatch.undo()
    (result,) = load_plans(engine, [edited], prune=True)
    assert "national_goal G2" in result.pruned


def _measurements_csv(path: Path, rows: int) -> Path:
    first = dt.date(2000, 1, 1)
    lines = ["indicator,period,value"]
    lines += [f"K2,{(first + dt.timedelta(days=i)).isoformat()},{i % 7}" for i in range(rows)]
    lines += ["K1,2024Q2,45"]  # a new period
    lines += ["K1,2024Q1,44"]  # supersedes the plan file's 43
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "owner, step",
    [
        pytest.param(bulk.Stager, "add", id="while-staging"),
        pytest.param(bulk.Stager, "merge", id="after-the-merge"),
    ],
)
def test_import_is_one_transaction(
    engine: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, owner: Any, step: str
) -> None:
    load_plans(engine, [read_plan(TINY)])
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, "tiny-library")
    csv_path = _measurements_csv(tmp_path / "m.csv", bulk.BATCH_SIZE + 10)
    source = load_plugins(entrypoints=False).get("data_sources", "csv")
    before = db_dump(db_url)
    _fail_after(monkeypatch, owner, step)
    with pytest.raises(RuntimeError, match="injected failure"):
        import_file(engine, plan_id, source, csv_path, recorded_by="test")
    assert db_dump(db_url) == before
    monkeypatch.undo()
    result = import_file(engine, plan_id, source, csv_path, recorded_by="test")
    assert (result.inserted, result.superseded) == (bulk.BATCH_SIZE + 12, 1)


def test_import_into_a_plan_without_values_is_one_transaction(
    engine: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan with no current values takes the direct path (rows straight into measurement)."""
    plan = tmp_path / "crash.yaml"
    plan.write_text(CRASH_PLAN, encoding="utf-8")
    load_plans(engine, [read_plan(plan)])
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, "crash")
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("indicator,period,value\n" + "".join(f"P1,{2000 + i},{i}\n" for i in range(50)))
    source = load_plugins(entrypoints=False).get("data_sources", "csv")
    before = db_dump(db_url)
    _fail_after(monkeypatch, bulk.Stager, "insert_directly")
    with pytest.raises(RuntimeError, match="injected failure"):
        import_file(engine, plan_id, source, csv_path, recorded_by="test")
    assert db_dump(db_url) == before


# --------------------------------------------------------------------------- the rejects file


def test_rejects_file_of_a_failed_import_is_not_written(tmp_path: Path) -> None:
    """--skip-invalid writes rejects as it reads; if the import then fails, the previous
    rejects file stays as it was and no temporary file is left."""
    db = tmp_path / "r.db"
    assert run_cli("--db", db, "plan", "load", TINY).returncode == 0
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("the previous rejects\n")
    data = tmp_path / "data.csv"
    # line 3 is rejected (text), then line 4 repeats line 2's period: the import fails.
    data.write_text("indicator,period,value\nK2,2024,1\nK2,2023,many\nK2,2024,2\n")
    failed = run_cli("--db", db, "import", "csv", data, "--skip-invalid", "--rejects", rejects)
    assert failed.returncode == 1
    assert "is given again" in failed.stderr
    assert rejects.read_text() == "the previous rejects\n"
    assert _leftovers(tmp_path) == []

    data.write_text("indicator,period,value\nK2,2024,1\nK2,2023,many\n")
    done = run_cli("--db", db, "import", "csv", data, "--skip-invalid", "--rejects", rejects)
    assert done.returncode == 0, done.stderr
    assert rejects.read_text().splitlines()[1].startswith("3,not a number: 'many'")
    assert _leftovers(tmp_path) == []


def test_output_files_get_ordinary_permissions(tmp_path: Path) -> None:
    """Temporary files are owner-only; the report that replaces one must not be."""
    old_umask = os.umask(0o022)
    try:
        new = tmp_path / "new.html"
        fileio.write_atomic(new, "x")
        assert stat_mode(new) == 0o644
        kept = tmp_path / "kept.html"
        kept.write_text("old")
        kept.chmod(0o640)
        fileio.write_atomic(kept, "new")
        assert stat_mode(kept) == 0o640
    finally:
        os.umask(old_umask)


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
