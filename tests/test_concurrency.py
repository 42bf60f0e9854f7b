"""Several processes recording, importing and setting statuses at once, into the same SQLite
file and into PostgreSQL: every command succeeds (no "database is locked"), every row is
there afterwards, and the supersession chains are intact (``db verify``).

The writers contend on purpose: they record values for the same few indicator-periods, and
their import files cover the same periods, so each write supersedes another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dbfixtures import new_engine
from helpers import BUNDLED_PLAN, cli_env, run_cli
from sqlalchemy import text

from goaltrack.store.database import open_engine
from goaltrack.store.verify import verify

WRITERS = 4
RECORDS = 12  # per writer, spread over RECORD_CELLS
STATUSES = 5  # per writer
IMPORTS = 2  # files per writer, MONTHS rows each
MONTHS = 12
RECORD_CELLS = [
    ("forsikrede-ledige-kalundborg", "2022M01"),
    ("forsikrede-ledige-kalundborg", "2022M02"),
    ("chr-hansen-nye-arbejdspladser", "2022"),
]
INITIATIVES = ["FA1-T1", "FA1-T2"]

# Runs goaltrack's CLI in-process, command after command, once the start file appears;
# prints the failed commands as JSON.
WORKER = r"""
import contextlib, io, json, os, sys, time
from goaltrack.cli import main
import goaltrack.store.importing, goaltrack.store.recording, goaltrack.store.database  # loaded before the start
start, commands = sys.argv[1], json.loads(open(sys.argv[2]).read())
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(start):
    time.sleep(0.005)
failed = []
for args in commands:
    err = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code or 0
    if code:
        failed.append({"args": args, "code": code, "stderr": err.getvalue()})
print(json.dumps(failed))
"""


def commands_for(w: int, db: str, tmp: Path) -> list[list[str]]:
    cmds: list[list[str]] = []
    for i in range(RECORDS):
        indicator, period = RECORD_CELLS[i % len(RECORD_CELLS)]
        cmds.append(["--db", db, "record", indicator, str(w * 1000 + i + 1), "-p", period, "--by", f"w{w}"])
    for f in range(IMPORTS):
        path = tmp / f"w{w}-f{f}.csv"
        base = w * 20 + f * 5  # every writer's and file's value differs for each month
        rows = [f"MM13,2023M{m:02d},{base + m / 10:.1f}" for m in range(1, MONTHS + 1)]
        path.write_text("indicator,period,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
        cmds.insert(4 + 5 * f, ["--db", db, "import", "csv", str(path), "--by", f"w{w}"])
    for s in range(STATUSES):
        status = ["on-track", "done", "not-started"][s % 3]
        cmds.insert(2 + 3 * s, ["--db", db, "status", INITIATIVES[s % 2], status, "--by", f"w{w}"])
    return cmds


def counts(url: str) -> dict[str, int]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("measurement", "initiative_status", "import_batch")
            }
    finally:
        engine.dispose()


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(db_url: str, tmp_path: Path) -> None:
    new_engine(db_url).dispose()
    r = run_cli("--db", db_url, "plan", "load", BUNDLED_PLAN)
    assert r.returncode == 0, r.stderr
    before = counts(db_url)

    start = tmp_path / "start"
    procs = []
    for w in range(WRITERS):
        cmd_file = tmp_path / f"w{w}.json"
        cmd_file.write_text(json.dumps(commands_for(w, db_url, tmp_path)))
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(start), str(cmd_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=tmp_path,
        ))
    deadline = time.monotonic() + 180
    while not all((tmp_path / f"w{w}.json.ready").exists() for w in range(WRITERS)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [
            p.communicate() for p in procs if p.poll() is not None
        ]
        time.sleep(0.02)
    start.touch()  # all at once
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        failed = json.loads(out)
        assert failed == [], json.dumps(failed, indent=1)

    after = counts(db_url)
    assert after["measurement"] - before["measurement"] == WRITERS * (RECORDS + IMPORTS * MONTHS)
    assert after["initiative_status"] - before["initiative_status"] == WRITERS * STATUSES
    assert after["import_batch"] - before["import_batch"] == WRITERS * IMPORTS

    engine = open_engine(db_url)
    try:
        report = verify(engine)
        assert report.ok, report.problems
        with engine.connect() as conn:
            # Each contended cell: one chain holding every write, one current value.
            for indicator, period in RECORD_CELLS:
                rows = conn.execute(text(
                    "SELECT count(*), sum(CASE WHEN m.superseded_at IS NULL THEN 1 ELSE 0 END) "
                    "FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
                    "WHERE i.code = :c AND m.period_code = :p"), {"c": indicator, "p": period}).one()
                assert tuple(rows) == (WRITERS * RECORDS // len(RECORD_CELLS), 1), (indicator, period)
            per_month = conn.execute(text(
                "SELECT count(*) FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
                "WHERE i.code = 'MM13' AND m.period_code LIKE '2023M%'")).scalar_one()
            assert per_month == WRITERS * IMPORTS * MONTHS
    finally:
        engine.dispose()
