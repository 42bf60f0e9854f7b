"""Terminal tables (issue 13): they fit the terminal, every listing has headers, amounts say
their unit.

The width is the terminal's when standard output is one, else ``$COLUMNS``; a file (``-o``)
or a pipe without ``COLUMNS`` gets whole lines, so redirected output stays the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BUNDLED_PLAN, run_cli

from goaltrack.default_plugins.formats import MIN_TEXT_WIDTH, clip, fit_widths


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.db"
    assert run_cli("--db", path, "plan", "load", BUNDLED_PLAN).returncode == 0
    return path


# --------------------------------------------------------------------------- fitting


def test_widest_text_column_gives_way_first() -> None:
    widths = fit_widths([3, 72, 14, 32, 9], [False, False, False, False, True], 80)
    assert sum(widths) + 2 * 4 == 80
    assert widths[0] == 3 and widths[2] == 14 and widths[4] == 9  # narrow and number columns keep theirs
    assert widths[1] == widths[3] == 23  # the two wide ones are levelled


def test_numbers_are_never_cut_and_text_not_below_the_floor() -> None:
    assert fit_widths([30, 30], [True, True], 20) == [30, 30]
    assert fit_widths([40, 12], [False, True], 10) == [MIN_TEXT_WIDTH, 12]
    assert fit_widths([10, 10], [False, False], 100) == [10, 10]


def test_clip_marks_the_cut() -> None:
    assert clip("Kontant- og uddannelseshjælp", 10) == "Kontant- …"
    assert len(clip("Kontant- og uddannelseshjælp", 10)) == 10
    assert clip("kort", 10) == "kort"


# --------------------------------------------------------------------------- the commands


@pytest.mark.parametrize("args", [["report", "coverage"], ["report", "budget"], ["report", "progress"],
                                  ["list", "initiatives"], ["score"]])
# The listing with few columns fits exactly.
def test_tables_fit_columns(db: Path, args: list[str]) -> None:
    narrow = run_cli("--db", db, *args, env={"COLUMNS": "80"})
    assert narrow.returncode == 0, narrow.stderr
    whole = run_cli("--db", db, *args)
    assert max(map(len, whole.stdout.splitlines())) > 80
    # Text columns give way (to 8 characters at least); a table with more columns than 80
    # characters hold at that width stays wider and the terminal wraps it.
    assert sum(map(len, narrow.stdout.splitlines())) < sum(map(len, whole.stdout.splitlines()))
    assert narrow.stdout.count("…") > whole.stdout.count("…")
    assert len(narrow.stdout.splitlines()) == len(whole.stdout.splitlines())  # no row lost


def test_a_listing_fits_exactly(db: Path) -> None:
    out = run_cli("--db", db, "list", "initiatives", env={"COLUMNS": "100"}).stdout
    assert max(map(len, out.splitlines())) <= 100


def test_numbers_stay_whole_when_text_is_cut(db: Path) -> None:
    narrow = run_cli("--db", db, "report", "budget", "--lang", "da", env={"COLUMNS": "70"}).stdout
    assert "355.414" in narrow or "122.506" in narrow  # amounts as printed, never clipped
    assert "…" in narrow


def test_output_file_keeps_whole_lines(db: Path, tmp_path: Path) -> None:
    target, plain = tmp_path / "a.txt", tmp_path / "b.txt"
    assert run_cli("--db", db, "report", "coverage", "-o", target, env={"COLUMNS": "60"}).returncode == 0
    assert run_cli("--db", db, "report", "coverage", "-o", plain).returncode == 0
    assert target.read_bytes() == plain.read_bytes()
    assert "…" not in target.read_text(encoding="utf-8")


def test_plan_list_has_headers(db: Path) -> None:
    out = run_cli("--db", db, "plan", "list").stdout.splitlines()
    assert out[1].split() == ["Plan", "Years", "Organisation", "Title", "Language"]
    assert set(out[2]) <= {"-", " "}
    assert out[3].startswith("kalundborg-2021") and "Kalundborg Kommune" in out[3]


def test_history_has_headers(db: Path) -> None:
    first = run_cli("--db", db, "record", "MM13", "41.5", "-p", "2021", "--by", "anna", "--note", "first")
    assert first.returncode == 0, first.stderr
    assert run_cli("--db", db, "record", "MM13", "42", "-p", "2021", "--by", "ben", "--correct",
                   "--note", "misread").returncode == 0
    lines = run_cli("--db", db, "history", "MM13").stdout.splitlines()
    assert lines[0].startswith("indicator MM13: ")
    assert lines[1].split() == ["Period", "Value", "State", "Recorded", "By", "Via", "Note"]
    assert "41.5" in lines[3] and "superseded" in lines[3] and "first" in lines[3]
    assert "42" in lines[4] and "current" in lines[4] and "correction" in lines[4]
    assert run_cli("--db", db, "status", "FA1-T1", "on-track", "--by", "anna").returncode == 0
    status = run_cli("--db", db, "history", "FA1-T1").stdout.splitlines()
    assert status[1].split() == ["Current", "Status", "Recorded", "By", "Note"]
    assert status[3].lstrip().startswith("*") and "on-track" in status[3]


def test_amount_tables_say_their_unit(db: Path) -> None:
    budget = run_cli("--db", db, "report", "budget", "--lang", "en").stdout
    assert "Accounts (1000 DKK)\n" in budget and "Main functions (1000 DKK)\n" in budget
    coverage = run_cli("--db", db, "report", "coverage", "--lang", "en").stdout
    assert coverage.startswith("National goals (1000 DKK)\n")
    assert "National goal × focus area\n" in coverage  # no amounts, no unit
