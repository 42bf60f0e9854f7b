"""Importing measurements: `goaltrack import csv|jsonl FILE`.

Every test that touches the database runs on SQLite (staging filled with ``executemany``)
and PostgreSQL (staging filled with ``COPY``) through ``db_url``. The plan is the synthetic
tests/data/progress-plan.yaml: RECYCLED is a percentage, NO2DAYS and LANDFILL are counts,
WASTE-BUDGET is computed.

Line numbers are the file's own: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import REPO, db_dump
from sqlalchemy import select
from sqlalchemy.engine import Engine

from goaltrack.errors import DataError, UsageError, ValidationError
from goaltrack.planfile.validate import read_plan
from goaltrack.plugins import load_plugins
from goaltrack.store import importing
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.importing import ImportResult, import_file
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import history, record_measurement

PLAN = REPO / "tests" / "data" / "progress-plan.yaml"
SOURCES = load_plugins().data_sources


class _Main:
    """Lets CliRunner run goaltrack's real entry point, which turns errors into exit codes."""

    name = "goaltrack"

    def main(self, args: Any, prog_name: str | None = None, **extra: Any) -> None:
        from goaltrack.cli import main

        main(list(args))


@pytest.fixture
def plan(db_url: str) -> Any:
    engine = open_engine(db_url, create=True)
    (result,) = load_plans(engine, [read_plan(PLAN)], recorded_by="test")
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, result.slug)
    yield engine, plan_id
    engine.dispose()


@pytest.fixture
def gt(cli_runner: CliRunner, db_url: str, plan: Any) -> Any:
    def run(*args: object) -> Any:
        return cli_runner.invoke(_Main(), ["--db", db_url, *map(str, args)])

    return run


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def run_import(plan: tuple[Engine, int], path: Path, source: str = "csv", **kw: Any) -> ImportResult:
    engine, plan_id = plan
    kw.setdefault("recorded_by", "importer")
    return import_file(engine, plan_id, SOURCES[source], path, **kw)


def current(engine: Engine) -> dict[tuple[str, str], float | None]:
    mt, it = m.Measurement.__table__, m.Indicator.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        q = (select(it.c.code, mt.c.period_code, mt.c.value).join(it, it.c.id == mt.c.indicator_id)
             .where(mt.c.superseded_at.is_(None)))
        return {(code, period): value for code, period, value in conn.execute(q)}


def all_rows(engine: Engine) -> list[Any]:
    mt = m.Measurement.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return list(conn.execute(select(mt).order_by(mt.c.id)))


def counts(r: ImportResult) -> tuple[int, int, int, int, int]:
    return r.rows_read, r.inserted, r.superseded, r.unchanged, r.rejected


# --------------------------------------------------------------------------- formats

FORMATS = {
    "comma": "indicator,period,value\nRECYCLED,2024,40.5\nNO2DAYS,2024M03,1234\n",
    "semicolon-decimal-comma": "indicator;period;value\nRECYCLED;2024;40,5\nNO2DAYS;2024M03;1.234\n",
    "quoted-decimal-comma": 'indicator,period,value\nRECYCLED,2024,"40,5"\nNO2DAYS,2024M03,"1,234.0"\n',
    "crlf-semicolon": "indicator;period;value\r\nRECYCLED;2024;40,50\r\nNO2DAYS;2024M03;1.234,0\r\n",
    "columns-in-any-order": " Value ; Period ; INDICATOR \n40,5;2024;RECYCLED\n1234;2024M03;NO2DAYS\n",
    "blank-lines": "indicator,period,value\n\nRECYCLED,2024,40.5\n\nNO2DAYS,2024M03,1234\n\n",
}


def test_delimiters_decimal_commas_and_bom_read_alike(plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, _ = plan
    # NO2DAYS 1234 written Danish-style with a semicolon file: "1.234" is read as 1.234
    # (a lone dot is a decimal point); so only the files that group thousands unambiguously
    # say 1234. Each file after the first changes nothing when it reads the same values.
    first = run_import(plan, write(tmp_path / "comma.csv", FORMATS["comma"]))
    assert counts(first) == (2, 2, 0, 0, 0)
    assert current(engine) == {("RECYCLED", "2024"): 40.5, ("NO2DAYS", "2024M03"): 1234.0}
    for name in ("quoted-decimal-comma", "crlf-semicolon", "columns-in-any-order", "blank-lines"):
        for bom in (False, True):
            r = run_import(plan, write(tmp_path / f"{name}-{bom}.csv", FORMATS[name], bom=bom))
            assert counts(r) == (2, 0, 0, 2, 0), (name, bom)
    assert current(engine) == {("RECYCLED", "2024"): 40.5, ("NO2DAYS", "2024M03"): 1234.0}
    # The ambiguous one: "1.234" in a semicolon file is 1.234, a new value.
    r = run_import(plan, write(tmp_path / "semi.csv", FORMATS["semicolon-decimal-comma"], bom=True))
    assert counts(r) == (2, 1, 1, 1, 0)
    assert current(engine)[("NO2DAYS", "2024M03")] == pytest.approx(1.234)


def test_delimiter_option(plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, _ = plan
    path = write(tmp_path / "odd.csv", "indicator|period|value\nNO2DAYS|2024|7\n")
    with pytest.raises(DataError, match="header must name the columns indicator, period and value"):
        run_import(plan, path)
    r = run_import(plan, path, options={"delimiter": "|"})
    assert counts(r) == (1, 1, 0, 0, 0)


def test_optional_columns(plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, plan_id = plan
    path = write(tmp_path / "full.csv", (
        "indicator,period,value,note,source,recorded_by,missing\n"
        "RECYCLED,2024Q1,38,first survey,Town survey,carla,\n"
        "RECYCLED,2024Q2,,,,,survey delayed\n"
        'NO2DAYS,2024,4,"two lines,\nwith a comma",,,\n'
        "LANDFILL,2024H1,450,,,,\n"
    ))
    r = run_import(plan, path, recorded_by="dora")
    assert counts(r) == (4, 4, 0, 0, 0)
    by_period = {(row.period_code): row for row in all_rows(engine)}
    q1, q2, no2, h1 = by_period["2024Q1"], by_period["2024Q2"], by_period["2024"], by_period["2024H1"]
    assert (q1.value, q1.note, q1.source, q1.recorded_by) == (38.0, "first survey", {"title": "Town survey"}, "carla")
    assert (q2.value, q2.missing_reason, q2.note, q2.source) == (None, "survey delayed", None, None)
    assert no2.note == "two lines,\nwith a comma"
    assert (h1.recorded_by, h1.freq, h1.period_start, h1.period_end) == (
        "dora", "half", dt.date(2024, 1, 1), dt.date(2024, 6, 30)
    )
    assert q1.origin.startswith("import:full.csv#") and len(q1.origin) == len("import:full.csv#") + 16
    with engine.connect() as conn:
        entries = history(conn, plan_id, "RECYCLED")["entries"]
    assert [(e["period"], e["value"], e["missing"], e["origin"]) for e in entries] == [
        ("2024Q1", 38.0, None, q1.origin), ("2024Q2", None, "survey delayed", q1.origin)]


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\x0c", "\u2029"])
def test_line_separators_inside_a_field_do_not_split_it(plan: tuple[Engine, int], tmp_path: Path,
                                                        separator: str) -> None:
    engine, _ = plan
    csv_path = write(tmp_path / "sep.csv",
                     f"indicator,period,value,note\nRECYCLED,2024,40,a{separator}b\nNO2DAYS,2024,3,c\n")
    assert counts(run_import(plan, csv_path)) == (2, 2, 0, 0, 0)
    line = json.dumps({"indicator": "LANDFILL", "period": "2024", "value": 700, "note": f"d{separator}e"},
                      ensure_ascii=False)
    jsonl_path = write(tmp_path / "sep.jsonl", line + "\n")
    assert counts(run_import(plan, jsonl_path, "jsonl")) == (1, 1, 0, 0, 0)
    notes = {row.period_code + row.note[0]: row.note for row in all_rows(engine)}
    assert notes == {"2024a": f"a{separator}b", "2024c": "c", "2024d": f"d{separator}e"}


# --------------------------------------------------------------------------- bad rows

BAD_FILE = (
    "indicator,period,value\n"  # 1
    "RECYCLED,2024,40\n"  # 2 good
    "NOPE,2024,1\n"  # 3
    "RECYCLED,2024Q5,40\n"  # 4
    "RECYCLED,2023,N/A\n"  # 5
    "RECYCLED,2022,101\n"  # 6
    "NO2DAYS,2024,about ten\n"  # 7
    "\n"  # 8 blank: skipped
    "WASTE-BUDGET,2024,15\n"  # 9
    "NO2DAYS,2023\n"  # 10
    "NO2DAYS,2022,\n"  # 11
    "RECYCLED,2021,-0,5\n"  # 12: a decimal comma in a comma file, unquoted
    "LANDFILL,2024,800\n"  # 13 good
)
BAD_LINES = [
    (3, "unknown indicator 'NOPE'"),
    (4, "invalid period '2024Q5': expected YYYY, YYYYY01, YYYYH1-2, YYYYQ1-4, YYYYK1-4, YYYYMmm, YYYY-MM, "
        "YYYY-MM-DD, YYYY-MM-DD/YYYY-MM-DD or YYYYQMATnn (quarter 5 is outside 1-4)"),
    (5, "not a number: 'N/A'"),
    (6, "101 is outside 0-100 for a percentage (unit 'pct')"),
    (7, "not a number: 'about ten'"),
    (9, "indicator 'WASTE-BUDGET' is computed (budget-change); its values cannot be imported"),
    (10, "expected 3 fields, found 2"),
    (11, "no value (give a number, or a reason in the 'missing' column)"),
    (12, "expected 3 fields, found 4"),
]


def test_every_bad_row_is_reported_and_nothing_changes(plan: tuple[Engine, int], db_url: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine, plan_id = plan
    record_measurement(engine, plan_id, "LANDFILL", "900", "2024", by="anna")
    write(tmp_path / "bad.csv", BAD_FILE)
    before = db_dump(db_url)
    with pytest.raises(ValidationError) as info:
        run_import(plan, Path("bad.csv"))
    assert str(info.value).splitlines() == [f"bad.csv:{line}: {msg}" for line, msg in BAD_LINES] + [
        "bad.csv: nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)"]
    assert db_dump(db_url) == before


def test_bad_rows_on_the_command_line(gt: Any, db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", BAD_FILE)
    before = db_dump(db_url)
    r = gt("import", "csv", path)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert lines[0] == f"Error: {path}:3: unknown indicator 'NOPE'"
    assert [line.split(":")[1] for line in lines[1:-1]] == [str(n) for n, _ in BAD_LINES[1:]]
    assert lines[-1] == f"{path}: nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)"
    assert "Traceback" not in r.output and r.stdout == ""
    assert db_dump(db_url) == before


def test_value_and_missing_reason_together_are_refused(plan: tuple[Engine, int], tmp_path: Path) -> None:
    path = write(tmp_path / "both.csv", "indicator,period,value,missing\nRECYCLED,2024,40,not measured\n")
    with pytest.raises(ValidationError,
                       match="both.csv:2: give either a value or a reason in the 'missing' column, not both"):
        run_import(plan, path)
    path = write(tmp_path / "both.jsonl", '{"indicator": "RECYCLED", "period": "2024", "value": 0, "missing": "x"}\n')
    with pytest.raises(ValidationError, match="both.jsonl:1: give either a value"):
        run_import(plan, path, "jsonl")


def test_problems_stop_at_the_limit(plan: tuple[Engine, int], tmp_path: Path) -> None:
    text = "indicator,period,value\n" + "".join(f"NOPE,{2000 + i % 100},1\n" for i in range(150))
    with pytest.raises(ValidationError) as info:
        run_import(plan, write(tmp_path / "many.csv", text))
    lines = str(info.value).splitlines()
    assert len(lines) == importing.ERROR_LIMIT + 1
    assert lines[0] == "" + str(tmp_path / "many.csv") + ":2: unknown indicator 'NOPE'"
    assert lines[99].startswith(str(tmp_path / "many.csv") + ":101: ")
    assert lines[-1] == f"{tmp_path / 'many.csv'}: ... and 50 more invalid rows; nothing was imported"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty.csv:1: the file is empty (expected a header row: indicator,period,value)"),
        ("\n\n", "empty.csv:1: the file is empty"),
        ("indicator,value\nRECYCLED,40\n", "empty.csv:1: header must name the columns indicator, period and value "
                                           "(missing: period; found: indicator, value)"),
        ("indicator,period,value,comment\n", "empty.csv:1: unknown column(s) comment (known: indicator, period, "
                                             "value, note, source, recorded_by, missing; "),
        ("RECYCLED,2024,40\n", "header must name the columns"),
    ],
)
def test_header_problems(plan: tuple[Engine, int], tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError) as info:
        run_import(plan, write(tmp_path / "empty.csv", text))
    assert message in info.value.message


def test_line_numbers_follow_the_file(plan: tuple[Engine, int], tmp_path: Path) -> None:
    # A quoted field over two lines (2-3), a non-UTF-8 byte far down the file (line 205).
    good = "".join(f"NO2DAYS,{2000 + i // 12}M{i % 12 + 1:02d},{i}\n" for i in range(200))
    data = (b"indicator,period,value,note\n" b'RECYCLED,2024,40,"a\nb"\nNOPE,2024,1,x\n')
    data += good.replace("\n", ",\n").encode() + b"NO2DAYS,2030,1,caf\xe9\n"
    path = tmp_path / "lines.csv"
    path.write_bytes(data)
    with pytest.raises(ValidationError) as info:
        run_import(plan, path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}:4: unknown indicator 'NOPE'"
    assert lines[1] == f"{path}:205: not valid UTF-8 (invalid continuation byte)"


# --------------------------------------------------------------------------- --skip-invalid


def test_skip_invalid_writes_the_rejects(plan: tuple[Engine, int], gt: Any, tmp_path: Path) -> None:
    engine, _ = plan
    path = write(tmp_path / "bad.csv", BAD_FILE)
    rejects = tmp_path / "rejects.csv"
    r = gt("import", "csv", path, "--skip-invalid", "--rejects", rejects)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith(f"{path}: 11 rows read, 2 inserted (0 superseding older values), "
                                               "0 unchanged, 9 rejected, ")
    assert r.stdout.splitlines()[1] == f"9 rejected rows written to {rejects}"
    assert current(engine) == {("RECYCLED", "2024"): 40.0, ("LANDFILL", "2024"): 800.0}
    with rejects.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["line", "reason", "indicator", "period", "value"]
    assert [(int(row[0]), row[1]) for row in table[1:]] == BAD_LINES
    assert table[1][2:] == ["NOPE", "2024", "1"]
    assert table[3][2:] == ["RECYCLED", "2023", "N/A"]


def test_skip_invalid_needs_a_rejects_file(gt: Any, db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", BAD_FILE)
    before = db_dump(db_url)
    r = gt("import", "csv", path, "--skip-invalid")
    assert r.exit_code == 2
    assert "Error: --skip-invalid needs --rejects FILE for the rows it skips" in r.stderr
    assert db_dump(db_url) == before


# --------------------------------------------------------------------------- re-import and vintages

V1 = "indicator,period,value\nRECYCLED,2023,34\nRECYCLED,2024,40\nNO2DAYS,2024,11\n"
V2 = "indicator,period,value\nRECYCLED,2023,34\nRECYCLED,2024,41.5\nNO2DAYS,2024,11\nLANDFILL,2024,800\n"


def test_reimport_adds_nothing(plan: tuple[Engine, int], gt: Any, db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "v1.csv", V1)
    assert counts(run_import(plan, path)) == (3, 3, 0, 0, 0)
    before = db_dump(db_url)
    again = run_import(plan, path)
    assert counts(again) == (3, 0, 0, 3, 0)
    # The same values in another file, by someone else, are unchanged too.
    other = write(tmp_path / "other.csv", V1.replace(",", ";"), bom=True)
    assert counts(run_import(plan, other, recorded_by="someone else")) == (3, 0, 0, 3, 0)
    r = gt("import", "csv", path)
    assert r.exit_code == 0
    assert " 3 rows read, 0 inserted (0 superseding older values), 3 unchanged, 0 rejected, " in r.stdout
    measurements = [row for row in db_dump(db_url) if row[0] == "measurement"]
    assert measurements == [row for row in before if row[0] == "measurement"]


def test_a_changed_file_supersedes(plan: tuple[Engine, int], gt: Any, tmp_path: Path) -> None:
    engine, plan_id = plan
    run_import(plan, write(tmp_path / "stats.csv", V1))
    v2 = run_import(plan, write(tmp_path / "stats.csv", V2))
    assert counts(v2) == (4, 2, 1, 2, 0)  # RECYCLED 2024 changed, LANDFILL new
    assert current(engine)[("RECYCLED", "2024")] == 41.5
    with engine.connect() as conn:
        entries = [e for e in history(conn, plan_id, "RECYCLED")["entries"] if e["period"] == "2024"]
    assert [(e["value"], e["current"]) for e in entries] == [(40.0, False), (41.5, True)]
    assert entries[1]["supersedes"] == entries[0]["id"]
    assert entries[0]["origin"] != entries[1]["origin"]  # two vintages of stats.csv: two hashes
    assert all(e["origin"].startswith("import:stats.csv#") for e in entries)
    r = gt("history", "RECYCLED")
    lines = [line for line in r.stdout.splitlines() if line.strip().startswith("2024 ")]
    assert len(lines) == 2 and "superseded" in lines[0] and "current" in lines[1]
    # Back to the first vintage: a third row, nothing deleted.
    v3 = run_import(plan, write(tmp_path / "stats.csv", V1))
    assert counts(v3) == (3, 1, 1, 2, 0)
    assert len(all_rows(engine)) == 6


def test_an_import_supersedes_a_recorded_value_written_differently(plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "NO2DAYS", "3", "2024-03", by="anna")
    record_measurement(engine, plan_id, "NO2DAYS", "5", "2024q2", by="anna")
    path = write(tmp_path / "m.csv", "indicator,period,value\nNO2DAYS,2024M03,4\nNO2DAYS,2024Q2,5\n")
    assert counts(run_import(plan, path)) == (2, 1, 1, 1, 0)
    assert current(engine) == {("NO2DAYS", "2024M03"): 4.0, ("NO2DAYS", "2024q2"): 5.0}


def test_dry_run_changes_nothing(plan: tuple[Engine, int], gt: Any, db_url: str, tmp_path: Path) -> None:
    run_import(plan, write(tmp_path / "v1.csv", V1))
    before = db_dump(db_url)
    r = run_import(plan, write(tmp_path / "v2.csv", V2), dry_run=True)
    assert counts(r) == (4, 2, 1, 2, 0)  # what it would do
    assert r.summary().startswith(f"dry run, nothing written: {tmp_path / 'v2.csv'}: 4 rows read, 2 inserted")
    assert db_dump(db_url) == before
    out = gt("import", "csv", tmp_path / "v2.csv", "--dry-run")
    assert out.exit_code == 0 and out.stdout.startswith("dry run, nothing written: ")
    assert db_dump(db_url) == before


def test_a_pair_given_twice_is_reported_with_both_lines(plan: tuple[Engine, int], db_url: str, tmp_path: Path) -> None:
    before = db_dump(db_url)
    text = ("indicator,period,value\nRECYCLED,2024,40\nNO2DAYS,2024,3\nRECYCLED,2024,41\n"
            "NO2DAYS,2024-03,1\nLANDFILL,2024,800\nNO2DAYS,2024M03,2\n")
    path = write(tmp_path / "twice.csv", text)
    with pytest.raises(ValidationError) as info:
        run_import(plan, path)
    assert str(info.value).splitlines() == [
        f"{path}:4: indicator 'RECYCLED' period '2024' is given again (first on line 2)",
        f"{path}:7: indicator 'NO2DAYS' period '2024-03' is given again (first on line 5)",
    ]
    assert db_dump(db_url) == before
    # --skip-invalid cannot choose between them either: the import stops.
    with pytest.raises(ValidationError, match="is given again"):
        run_import(plan, path, skip_invalid=True, rejects=tmp_path / "rejects.csv")
    assert db_dump(db_url) == before


def test_batches_and_the_bulk_path(plan: tuple[Engine, int], db_url: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches, so the staging table is filled many times (executemany / COPY); the
    first import, into a plan without values, goes straight into measurement (one COPY)."""
    engine, _ = plan
    monkeypatch.setattr(importing, "BATCH_SIZE", 7)
    copies: list[str] = []
    if db_url.startswith("postgresql"):
        import psycopg

        real_copy = psycopg.Cursor.copy

        def spy(self: Any, statement: Any, *args: Any, **kw: Any) -> Any:
            copies.append(str(statement))
            return real_copy(self, statement, *args, **kw)

        monkeypatch.setattr(psycopg.Cursor, "copy", spy)
    rows = [f"NO2DAYS,{2000 + i // 12}M{i % 12 + 1:02d},{i}" for i in range(100)]
    path = write(tmp_path / "big.csv", "indicator,period,value\n" + "\n".join(rows) + "\n")
    progress: list[int] = []
    assert counts(run_import(plan, path, progress=progress.append)) == (100, 100, 0, 0, 0)
    assert progress == [7 * k for k in range(1, 15)] + [100]
    if db_url.startswith("postgresql"):
        assert len(copies) == 1 and copies[0].startswith("COPY measurement (")
        copies.clear()
    rows[50] = rows[50].rsplit(",", 1)[0] + ",999"
    path = write(tmp_path / "big.csv", "indicator,period,value\n" + "\n".join(rows) + "\n")
    assert counts(run_import(plan, path)) == (100, 1, 1, 99, 0)
    if db_url.startswith("postgresql"):
        assert len(copies) == 15 and all(c.startswith("COPY gt_staging (") for c in copies)
    assert current(engine)[("NO2DAYS", "2004M03")] == 999.0
    # A pair repeated in a later batch is still caught.
    path = write(tmp_path / "big.csv", "indicator,period,value\n" + "\n".join([*rows, rows[1]]) + "\n")
    with pytest.raises(ValidationError,
                       match=r"big.csv:102: indicator 'NO2DAYS' period '2000M02' is given again \(first on line 3\)"):
        run_import(plan, path)


# --------------------------------------------------------------------------- jsonl


def test_jsonl(plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, _ = plan
    lines = [
        {"indicator": "RECYCLED", "period": "2024", "value": 40.5, "note": "survey", "source": "Town survey"},
        {"indicator": "NO2DAYS", "period": "2024M03", "value": "3,0"},
        {"indicator": "LANDFILL", "period": "2024", "missing": "weighbridge broken"},
        {"indicator": "NO2DAYS", "period": "2024M04", "value": 4, "recorded_by": "eva"},
    ]
    text = "\n".join(json.dumps(x) for x in lines[:2]) + "\n\n" + "\n".join(json.dumps(x) for x in lines[2:]) + "\n"
    r = run_import(plan, write(tmp_path / "m.jsonl", text, bom=True), "jsonl")
    assert counts(r) == (4, 4, 0, 0, 0)
    assert current(engine) == {("RECYCLED", "2024"): 40.5, ("NO2DAYS", "2024M03"): 3.0, ("LANDFILL", "2024"): None,
                               ("NO2DAYS", "2024M04"): 4.0}
    assert {row.period_code: row.recorded_by for row in all_rows(engine)}["2024M04"] == "eva"
    assert counts(run_import(plan, write(tmp_path / "m.jsonl", text), "jsonl")) == (4, 0, 0, 4, 0)


def test_jsonl_bad_lines(plan: tuple[Engine, int], db_url: str, tmp_path: Path) -> None:
    text = "\n".join([
        '{"indicator": "RECYCLED", "period": "2024", "value": 40}',  # 1 good
        '{"indicator": "RECYCLED", "period": "2023", "value": 40',  # 2
        '["RECYCLED", "2022", 40]',  # 3
        '{"indicator": "RECYCLED", "period": "2021", "value": 40, "unit": "pct"}',  # 4
        '{"indicator": "RECYCLED", "value": 40}',  # 5
        '{"indicator": "RECYCLED", "period": "2020"}',  # 6
        '{"indicator": "RECYCLED", "period": "2019", "value": [40]}',  # 7
        '{"indicator": "RECYCLED", "period": "2018", "value": true}',  # 8
        '{"indicator": "RECYCLED", "period": "2017", "value": 140}',  # 9
        '{"indicator": "WASTE-BUDGET", "period": "2024", "value": 1}',  # 10
        '{"indicator": "RECYCLED", "period": "2016", "value": "N/A"}',  # 11
    ]) + "\n"
    before = db_dump(db_url)
    with pytest.raises(ValidationError) as info:
        run_import(plan, write(tmp_path / "bad.jsonl", text), "jsonl")
    p = tmp_path / "bad.jsonl"
    assert str(info.value).splitlines() == [
        f"{p}:2: invalid JSON: Expecting ',' delimiter (column 56)",
        f"{p}:3: each line must be a JSON object",
        f"{p}:4: unknown key(s): unit",
        f"{p}:5: missing key(s): period",
        f"{p}:6: missing key(s): value",
        f"{p}:7: value must be a number or text, got list",
        f"{p}:8: value must be a number or text, got bool",
        f"{p}:9: 140 is outside 0-100 for a percentage (unit 'pct')",
        f"{p}:10: indicator 'WASTE-BUDGET' is computed (budget-change); its values cannot be imported",
        f"{p}:11: not a number: 'N/A'",
        f"{p}: nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)",
    ]
    assert db_dump(db_url) == before


# --------------------------------------------------------------------------- the command line


def test_import_command_errors(gt: Any, db_url: str, tmp_path: Path) -> None:
    before = db_dump(db_url)
    good = write(tmp_path / "good.csv", V1)
    cases = [
        (["import", "xlsx", good], 2, "Error: unknown data source 'xlsx'"),
        (["import", "csv", tmp_path / "missing.csv"], 1, "missing.csv: file not found"),
        (["import", "csv", tmp_path], 1, "is a directory, not a file"),
        (["import", "csv", good, "--plan", "other"], 2, "Error: unknown plan 'other'"),
        (["import", "csv", good, "-O", "delimiter"], 2, "Error: --option 'delimiter': expected KEY=VALUE"),
    ]
    for args, code, message in cases:
        r = gt(*args)
        assert r.exit_code == code, (args, r.output)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.output
    assert db_dump(db_url) == before


def test_import_command_by(gt: Any, plan: tuple[Engine, int], tmp_path: Path) -> None:
    engine, _ = plan
    r = gt("import", "jsonl", write(tmp_path / "a.jsonl", '{"indicator": "EBUS", "period": "2024", "value": 60}\n'),
           "--by", "frank")
    assert r.exit_code == 0, r.output
    assert r.stderr == ""  # no progress output when stderr is not a terminal
    (row,) = all_rows(engine)
    assert row.recorded_by == "frank"


def test_skip_invalid_without_problems_and_a_source_that_reads_nothing(
    plan: tuple[Engine, int], tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.csv"
    r = run_import(plan, write(tmp_path / "v1.csv", V1), skip_invalid=True, rejects=rejects)
    assert counts(r) == (3, 3, 0, 0, 0)
    assert rejects.read_bytes() == b"line,reason,indicator,period,value\r\n"
    r = run_import(plan, write(tmp_path / "header-only.csv", "indicator,period,value\n"))
    assert counts(r) == (0, 0, 0, 0, 0)
    with pytest.raises(UsageError, match="--skip-invalid needs --rejects FILE"):
        run_import(plan, write(tmp_path / "v1.csv", V1), skip_invalid=True)


def test_the_bundled_example_series_imports(tmp_path: Path) -> None:
    from helpers import BUNDLED_PLAN

    engine = open_engine(f"sqlite:///{tmp_path}/k.db", create=True)
    (result,) = load_plans(engine, [read_plan(BUNDLED_PLAN)], recorded_by="test")
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, result.slug)
    example = REPO / "config" / "plans" / "kalundborg-2021.example.csv"
    r = import_file(engine, plan_id, SOURCES["csv"], example, recorded_by="demo")
    assert counts(r) == (10, 10, 0, 0, 0)
    with engine.connect() as conn:
        entries = history(conn, plan_id, "MM13")["entries"]
    assert all(e["source"] == "example" and e["note"].startswith("EXAMPLE DATA") for e in entries)
    engine.dispose()


def test_rejects_file_is_plain_csv(plan: tuple[Engine, int], tmp_path: Path) -> None:
    """The rejects file opens in a spreadsheet: a header, one row per rejected line."""
    rejects = tmp_path / "r.csv"
    run_import(plan, write(tmp_path / "bad.csv", "indicator,period,value\nNOPE,2024,\"1,5\"\n"), skip_invalid=True,
               rejects=rejects)
    assert list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8")))) == [
        ["line", "reason", "indicator", "period", "value"], ["2", "unknown indicator 'NOPE'", "NOPE", "2024", "1,5"]]


def test_the_file_examples_in_docs_progress_import(tmp_path: Path) -> None:
    """The CSV and JSON Lines examples docs/progress.md shows a manager do import, and alike."""
    blocks: list[str] = []
    block: list[str] | None = None
    for line in (REPO / "docs" / "progress.md").read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                blocks.append("".join(block))
                block = None
        elif block is not None:
            block.append(line)
    # The example with a dimension column is another plan's; tests/test_dimensions.py imports it.
    csv_blocks = [b for b in blocks if b.startswith(("indicator;", "indicator,")) and "Køn" not in b]
    jsonl_blocks = [b for b in blocks if b.startswith('{"indicator"')]
    assert len(csv_blocks) == 2 and len(jsonl_blocks) == 1
    engine = open_engine(f"sqlite:///{tmp_path}/d.db", create=True)
    (result,) = load_plans(engine, [read_plan(PLAN)], recorded_by="test")
    with engine.connect() as conn:
        plan = (engine, plan_id_for(conn, result.slug))
    first, *others = [write(tmp_path / f"doc{i}.csv", b) for i, b in enumerate(csv_blocks)]
    assert counts(run_import(plan, first)) == (3, 3, 0, 0, 0)
    for path in others:
        assert counts(run_import(plan, path)) == (3, 0, 0, 3, 0)
    assert counts(run_import(plan, write(tmp_path / "doc.jsonl", jsonl_blocks[0]), "jsonl"))[:2] == (3, 0)
    engine.dispose()
