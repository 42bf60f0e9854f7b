"""Recording progress by hand: `goaltrack record`, `status` and `history`.

Every test that touches the database runs on SQLite and PostgreSQL (``db_url``). The plan is
the synthetic tests/data/progress-plan.yaml (a waste and clean-air plan; its RECYCLED
indicator is a percentage, NO2DAYS a number of days, WASTE-BUDGET computed).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import REPO, db_dump
from sqlalchemy import select
from sqlalchemy.engine import Engine

from goaltrack.errors import DataError, UsageError
from goaltrack.planfile.validate import read_plan
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import history, record_measurement, record_status

PLAN = REPO / "tests" / "data" / "progress-plan.yaml"


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
    """Run goaltrack on the plan's database: gt("record", ...) -> click Result."""

    def run(*args: object) -> Any:
        return cli_runner.invoke(_Main(), ["--db", db_url, *map(str, args)])

    return run


def rows(engine: Engine, code: str) -> list[Any]:
    mt, it = m.Measurement.__table__, m.Indicator.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return list(conn.execute(
            select(mt).join(it, it.c.id == mt.c.indicator_id).where(it.c.code == code).order_by(mt.c.id)))


# --------------------------------------------------------------------------- record


PERIODS = [
    ("2024", "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("2024-03", "month", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
    ("2024-03-31", "day", dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
    ("2024M02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2024Q1", "quarter", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024K2", "quarter", dt.date(2024, 4, 1), dt.date(2024, 6, 30)),
    ("2023Y01", "year", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    ("2024H2", "half", dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
]


def test_record_normalises_the_period_and_keeps_the_code(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    for period, freq, start, end in PERIODS:
        r = record_measurement(engine, plan_id, "RECYCLED", "41,5", period, by="anna", note="survey",
                               source="Town survey")
        assert (r.indicator, r.period, r.value, r.replaced) == ("RECYCLED", period, 41.5, False)
        row = rows(engine, "RECYCLED")[-1]
        assert (row.period_code, row.freq, row.period_start, row.period_end) == (period, freq, start, end)
        assert (row.value, row.recorded_by, row.note, row.source, row.origin) == (
            41.5, "anna", "survey", {"title": "Town survey"}, "record")
        assert row.superseded_at is None and row.correction is False and row.kind == "observed"
    assert len(rows(engine, "RECYCLED")) == len(PERIODS)


def test_a_new_value_supersedes_and_keeps_the_old(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="anna")
    r = record_measurement(engine, plan_id, "RECYCLED", "42", "2024", by="ben", note="final figure")
    assert (r.value, r.superseded, r.replaced) == (42.0, 40.0, True)
    old, new = rows(engine, "RECYCLED")
    assert (old.value, new.value) == (40.0, 42.0)
    assert old.superseded_at is not None and new.superseded_at is None
    assert new.supersedes_id == old.id
    assert new.correction is False
    # A third value supersedes the second; the first stays as it was.
    record_measurement(engine, plan_id, "RECYCLED", "43", "2024", by="ben")
    first, second, third = rows(engine, "RECYCLED")
    assert (first.superseded_at, first.value) == (old.superseded_at, 40.0)
    assert second.superseded_at is not None and third.supersedes_id == second.id
    # Another period is another value, not a supersession.
    record_measurement(engine, plan_id, "RECYCLED", "30", "2023", by="ben")
    assert sum(r.superseded_at is None for r in rows(engine, "RECYCLED")) == 2


def test_recording_what_is_current_writes_nothing_and_says_so(plan: tuple[Engine, int], db_url: str) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="anna", note="first count", source="depot")
    before = db_dump(db_url)
    # The same value, however written (40 / 40,0 / 2024 as 2024Y01), with no other note or source.
    for raw, period, extra in (("40", "2024", {}), ("40,0", "2024Y01", {}), ("40", "2024", {"note": "first count"}),
                               ("40", "2024", {"source": "depot"})):
        r = record_measurement(engine, plan_id, "RECYCLED", raw, period, by="ben", **extra)
        assert r.unchanged and not r.replaced, (raw, period, extra)
        assert r.current_since is not None and r.current_since.endswith("by anna")
    assert db_dump(db_url) == before
    # A new note, a new source, another kind or a correction is news: a new entry.
    r = record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="ben", note="recounted, same result")
    assert r.replaced and not r.unchanged
    r = record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="ben", kind="forecast")
    assert r.replaced and not r.unchanged
    assert len(rows(engine, "RECYCLED")) == 3
    # A missing value recorded again with the same reason is unchanged too.
    record_measurement(engine, plan_id, "NO2DAYS", None, "2024", by="anna", missing="station broken")
    r = record_measurement(engine, plan_id, "NO2DAYS", None, "2024", by="anna", missing="station broken")
    assert r.unchanged
    r = record_measurement(engine, plan_id, "NO2DAYS", None, "2024", by="anna", missing="station stolen")
    assert r.replaced


def test_the_record_command_says_unchanged(gt: Any) -> None:
    assert gt("record", "RECYCLED", "41.5", "--period", "2024", "--by", "anna").exit_code == 0
    r = gt("record", "RECYCLED", "41,5", "--period", "2024", "--by", "anna")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Unchanged: RECYCLED 2024 is already 41.5 (recorded ")
    assert r.output.rstrip().endswith("by anna); nothing written")
    h = json.loads(gt("history", "RECYCLED", "--format", "json").output)
    assert len(h["entries"]) == 1


def test_the_same_period_written_differently_supersedes(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    pairs = [("2024-03", "2024M03"), ("2024q1", "2024Q1"), ("2023", "2023Y01"), ("2022K4", "2022Q4")]
    for first, second in pairs:
        record_measurement(engine, plan_id, "RECYCLED", "40", first, by="anna")
        r = record_measurement(engine, plan_id, "RECYCLED", "41", second, by="anna")
        assert r.replaced and r.superseded == 40.0, (first, second)
    current = [(row.period_code, row.value) for row in rows(engine, "RECYCLED") if row.superseded_at is None]
    assert current == [(second, 41.0) for _, second in pairs]


def test_correct_needs_a_note_and_marks_the_correction(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    with pytest.raises(UsageError, match="--correct needs --note"):
        record_measurement(engine, plan_id, "RECYCLED", "41", "2024", by="anna", correct=True)
    with pytest.raises(UsageError, match="--correct: RECYCLED has no value for 2024 to correct"):
        record_measurement(engine, plan_id, "RECYCLED", "41", "2024", by="anna", note="typo", correct=True)
    record_measurement(engine, plan_id, "RECYCLED", "14", "2024", by="anna")
    r = record_measurement(engine, plan_id, "RECYCLED", "41", "2024", by="ben", note="digits swapped", correct=True)
    assert r.replaced and r.superseded == 14.0
    old, new = rows(engine, "RECYCLED")
    assert (new.correction, new.origin, new.note, new.supersedes_id) == (True, "correct", "digits swapped", old.id)
    assert old.correction is False and old.superseded_at is not None


def test_missing_value_with_a_reason(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    r = record_measurement(engine, plan_id, "RECYCLED", None, "2024", by="anna", missing="survey not run")
    assert r.value is None
    (row,) = rows(engine, "RECYCLED")
    assert (row.value, row.missing_reason) == (None, "survey not run")
    with pytest.raises(UsageError, match="give either VALUE or --missing REASON"):
        record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="anna", missing="why")
    with pytest.raises(UsageError, match="give either VALUE or --missing REASON"):
        record_measurement(engine, plan_id, "RECYCLED", None, "2024", by="anna")


REFUSED = [
    ("RECYCLED", "101", "RECYCLED 2024: value: 101 is outside 0-100 for a percentage (unit 'pct')"),
    ("RECYCLED", "-1", "outside 0-100"),
    ("RECYCLED", "N/A", "RECYCLED 2024: value: not a number: 'N/A'"),
    ("NO2DAYS", "about ten", "NO2DAYS 2024: value: not a number: 'about ten'"),
    ("NO2DAYS", "", "not a number"),
    ("WASTE-BUDGET", "15", "indicator 'WASTE-BUDGET' is computed (budget-change); its values cannot be recorded"),
]


def test_refused_values_change_nothing(plan: tuple[Engine, int], db_url: str) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="anna")
    before = db_dump(db_url)
    for code, value, message in REFUSED:
        with pytest.raises(DataError) as info:
            record_measurement(engine, plan_id, code, value, "2024", by="anna")
        assert message in info.value.message
    assert db_dump(db_url) == before


def test_unknown_indicator_and_bad_period(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    # A close match is suggested; with none, the known codes are listed.
    with pytest.raises(UsageError, match=r"unknown indicator 'RECYCLING' \(did you mean 'RECYCLED'\?\)"):
        record_measurement(engine, plan_id, "RECYCLING", "40", "2024", by="anna")
    with pytest.raises(UsageError, match=r"unknown indicator 'ZZZ' \(known: A2-ON-TRACK, EBUS, LANDFILL"):
        record_measurement(engine, plan_id, "ZZZ", "40", "2024", by="anna")
    with pytest.raises(DataError, match="invalid period '2024Q5'"):
        record_measurement(engine, plan_id, "RECYCLED", "40", "2024Q5", by="anna")
    with pytest.raises(DataError, match="invalid period 'March'"):
        record_measurement(engine, plan_id, "RECYCLED", "40", "March", by="anna")


# --------------------------------------------------------------------------- status


def test_statuses_are_appended(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    record_status(engine, plan_id, "I2", "not-started", by="anna")
    record_status(engine, plan_id, "I2", "on-track", by="anna")
    record_status(engine, plan_id, "I2", "at-risk", by="ben", note="volunteers left")
    with engine.connect() as conn:
        h = history(conn, plan_id, "I2")
    assert h["kind"] == "initiative" and h["name"] == "Repair café" and h["declared_status"] is None
    assert [(e["status"], e["recorded_by"], e["note"], e["current"]) for e in h["entries"]] == [
        ("not-started", "anna", None, False),
        ("on-track", "anna", None, False),
        ("at-risk", "ben", "volunteers left", True),
]


def test_at_risk_and_off_track_need_a_note(plan: tuple[Engine, int], db_url: str) -> None:
    engine, plan_id = plan
    before = db_dump(db_url)
    for state in ("at-risk", "off-track"):
        for note in (None, "", "   "):
            with pytest.raises(UsageError, match=f"status '{state}' needs --note saying why"):
                record_status(engine, plan_id, "I2", state, by="anna", note=note)
    assert db_dump(db_url) == before
    for state in ("not-started", "on-track", "done", "cancelled"):
        record_status(engine, plan_id, "I2", state, by="anna")  # no note needed


def test_unknown_status_and_initiative(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    with pytest.raises(UsageError, match="unknown status 'late'"):
        record_status(engine, plan_id, "I2", "late", by="anna")
    with pytest.raises(UsageError, match="unknown initiative 'I9'"):
        record_status(engine, plan_id, "I9", "done", by="anna")


# --------------------------------------------------------------------------- history


def test_history_of_an_indicator(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "35", "2024Q1", by="anna", source="Town survey")
    record_measurement(engine, plan_id, "RECYCLED", "14", "2023", by="anna")
    record_measurement(engine, plan_id, "RECYCLED", "41", "2023", by="ben", note="digits swapped", correct=True)
    record_measurement(engine, plan_id, "RECYCLED", None, "2024Q2", by="ben", missing="survey delayed")
    with engine.connect() as conn:
        h = history(conn, plan_id, "RECYCLED")
    assert (h["kind"], h["code"], h["name"], h["unit"]) == ("indicator", "RECYCLED", "Household waste recycled", "pct")
    entries = [(e["period"], e["value"], e["missing"], e["current"], e["recorded_by"], e["correction"], e["origin"])
               for e in h["entries"]]
    # Oldest period first; within a period, in the order recorded.
    assert entries == [
        ("2023", 14.0, None, False, "anna", False, "record"),
        ("2023", 41.0, None, True, "ben", True, "correct"),
        ("2024Q1", 35.0, None, True, "anna", False, "record"),
        ("2024Q2", None, "survey delayed", True, "ben", False, "record"),
]
    assert h["entries"][0]["superseded_at"] is not None
    assert h["entries"][1]["supersedes"] == h["entries"][0]["id"]
    assert h["entries"][2]["source"] == "Town survey"
    with engine.connect() as conn, pytest.raises(UsageError, match="no indicator or initiative 'NOPE' in this plan"):
        history(conn, plan_id, "NOPE")


# --------------------------------------------------------------------------- the command line


def test_record_and_history_commands(gt: Any) -> None:
    r = gt("record", "RECYCLED", "40,5", "--period", "2024", "--by", "anna", "--note", "first count")
    assert r.exit_code == 0, r.output
    assert r.stdout == "Recorded RECYCLED 2024 = 40.5\n"
    r = gt("record", "RECYCLED", "42", "-p", "2024", "--by", "ben")
    assert r.stdout == "Recorded RECYCLED 2024 = 42 (superseding 40.5; see `goaltrack history RECYCLED`)\n"
    r = gt("record", "RECYCLED", "41", "-p", "2024", "--by", "ben", "--correct", "--note", "misread")
    assert r.stdout == "Recorded RECYCLED 2024 = 41 (correcting 42; see `goaltrack history RECYCLED`)\n"
    r = gt("record", "NO2DAYS", "--missing", "sensor broken", "-p", "2024M05", "--by", "ben")
    assert r.stdout == "Recorded NO2DAYS 2024M05 = missing\n"

    r = gt("history", "RECYCLED")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "indicator RECYCLED: Household waste recycled"
    assert lines[1].split() == ["Period", "Value", "State", "Recorded", "By", "Via", "Note"]
    lines = lines[3:]  # below the header and its rule
    assert len(lines) == 3
    assert "40.5" in lines[0] and "superseded" in lines[0] and "anna  record" in lines[0]
    assert lines[0].endswith("first count")
    assert "42" in lines[1] and "superseded" in lines[1]
    assert "41" in lines[2] and "current" in lines[2] and "correct correction  misread" in lines[2]
    r = gt("history", "NO2DAYS", "--format", "json")
    (entry,) = json.loads(r.stdout)["entries"]
    assert (entry["value"], entry["missing"], entry["period"]) == (None, "sensor broken", "2024M05")
    assert "missing (sensor broken)" in gt("history", "NO2DAYS").stdout
    # A long missing reason widens the value column instead of shifting the others.
    gt("record", "NO2DAYS", "-p", "2024M04", "--missing", "the sensor was broken all month", "--by", "ben")
    gt("record", "NO2DAYS", "7", "-p", "2024M06", "--by", "ben")
    lines = gt("history", "NO2DAYS").stdout.splitlines()[3:]
    assert len(lines) == 3 and len({line.index(" current ") for line in lines}) == 1


def test_status_and_history_commands(gt: Any) -> None:
    assert gt("status", "I2", "on-track", "--by", "anna").stdout == "Recorded I2: on-track\n"
    r = gt("status", "I2", "off-track", "--by", "ben", "--note", "no room")
    assert r.exit_code == 0, r.output
    r = gt("history", "I2")
    lines = r.stdout.splitlines()
    assert lines[0] == "initiative I2: Repair café"
    assert lines[1].split() == ["Current", "Status", "Recorded", "By", "Note"]
    assert lines[3].split()[0] == "on-track" and lines[3].endswith("anna")
    assert lines[4].split()[:2] == ["*", "off-track"] and lines[4].endswith("ben   no room")
    assert gt("history", "I5").stdout.splitlines()[1] == "  (nothing recorded)"


COMMAND_ERRORS = [
    (["record", "RECYCLED", "101", "-p", "2024"], 1, "Error: RECYCLED 2024: value: 101 is outside 0-100"),
    (["record", "RECYCLED", "N/A", "-p", "2024"], 1, "Error: RECYCLED 2024: value: not a number: 'N/A'"),
    (["record", "RECYCLED", "forty", "-p", "2024"], 1, "not a number: 'forty'"),
    (["record", "RECYCLED", "40", "-p", "2024-13"], 1, "Error: invalid period '2024-13'"),
    (["record", "WASTE-BUDGET", "15", "-p", "2024"], 1, "is computed (budget-change)"),
    (["record", "RECYCLED", "40"], 2, "Missing option '--period'"),
    (["record", "RECYCLED", "-p", "2024"], 2, "Error: give either VALUE or --missing REASON"),
    (["record", "RECYCLED", "40", "-p", "2024", "--correct"], 2, "Error: --correct needs --note"),
    (["record", "NOPE", "40", "-p", "2024"], 2, "Error: unknown indicator 'NOPE'"),
    (["record", "RECYCLED", "40", "-p", "2024", "--plan", "other"], 2, "Error: unknown plan 'other'"),
    (["status", "I2", "at-risk"], 2, "Error: status 'at-risk' needs --note saying why"),
    (["status", "I2", "off-track", "--note", " "], 2, "needs --note"),
    (["status", "I2", "late"], 2, "'late' is not one of"),
    (["status", "I9", "done"], 2, "Error: unknown initiative 'I9'"),
    (["history", "NOPE"], 2, "Error: no indicator or initiative 'NOPE' in this plan"),
]


def test_command_errors_change_nothing(gt: Any, db_url: str) -> None:
    before = db_dump(db_url)
    for args, code, message in COMMAND_ERRORS:
        r = gt(*args)
        assert r.exit_code == code, (args, r.output)
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.output
    assert db_dump(db_url) == before


def test_recorder_name_by_then_config_then_os_user(gt: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "os-person")

    def recorded_by() -> list[str]:
        with engine.connect() as conn:
            return [e["recorded_by"] for e in history(conn, plan_id, "RECYCLED")["entries"]]

    assert gt("record", "RECYCLED", "40", "-p", "2021").exit_code == 0
    (tmp_path / "goaltrack.toml").write_text('[recording]\nby = "config-person"\n', encoding="utf-8")
    assert gt("record", "RECYCLED", "41", "-p", "2022").exit_code == 0
    assert gt("record", "RECYCLED", "42", "-p", "2023", "--by", "flag-person").exit_code == 0
    assert recorded_by() == ["os-person", "config-person", "flag-person"]
    # Statuses the same way.
    assert gt("status", "I2", "done").exit_code == 0
    assert gt("status", "I2", "done", "--by", "flag-person").exit_code == 0
    with engine.connect() as conn:
        assert [e["recorded_by"] for e in history(conn, plan_id, "I2")["entries"]] == ["config-person", "flag-person"]
