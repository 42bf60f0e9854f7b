"""The spreadsheet test: a real spreadsheet program opens the workbook and reads the numbers.

Headless LibreOffice converts every sheet of the rendered XLSX to CSV; the values read back
must equal the report's. Skips (with the reason) where soffice is missing; fails instead in
CI (``CI=true``) or with ``GOALTRACK_REQUIRE_SOFFICE=1``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from goaltrack_xlsx.render import XlsxFormat, neutralise, sheet_names

from goaltrack.interfaces import Column, RenderOptions, Report

#: LibreOffice CSV export, every sheet to ``<stem>-<Sheet>.csv``: comma, double quote,
#: UTF-8 (76), from line 1, cell contents as stored (token 9 false), all sheets (-1).
SOFFICE_CSV_RAW = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
#: The same, but cell contents as shown (number formats applied).
SOFFICE_CSV_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def sheets(files: list[Path], stem: str) -> dict[str, list[list[str]]]:
    return {f.stem.removeprefix(f"{stem}-"): read_csv(f) for f in files}


def expected_raw(value: object, column: Column) -> object:
    """What LibreOffice's CSV (cell contents as stored) holds for a report value, parsed."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.type == "date" and isinstance(value, str):
        return value
    if isinstance(value, str):
        return neutralise(value)
    return value


def parse_raw(cell: str, column: Column) -> object:
    if cell == "":
        return ""
    if column.type == "percent":
        assert cell.endswith("%"), cell
        return pytest.approx(float(cell.removesuffix("%")))  # percent points, as in the report
    if column.type in ("int", "number"):
        return pytest.approx(float(cell))
    return cell


def test_libreoffice_reads_back_the_reports_numbers(xlsx_sample_report: Report, tmp_path: Path,
                                                     xlsx_soffice) -> None:
    report = xlsx_sample_report
    path = tmp_path / "report.xlsx"
    path.write_bytes(XlsxFormat().render(report, RenderOptions(lang="da")))

    got = sheets(xlsx_soffice(path, SOFFICE_CSV_RAW), "report")
    names = sheet_names(report.tables)
    assert set(got) == {"About", *names}

    for table, name in zip(report.tables, names, strict=True):
        rows = got[name]
        assert rows[0] == [c.label for c in table.columns]
        assert len(rows) == len(table.rows) + 1
        for line, (values, cells) in enumerate(zip(table.rows, rows[1:], strict=True), start=2):
            for value, cell, column in zip(values, cells, table.columns, strict=True):
                want = expected_raw(value, column)
                assert parse_raw(cell, column) == want, f"{name}!{column.key}{line}: {cell!r}"

    about = got["About"]
    assert about[0][0] == report.title
    assert about[1][0].startswith("EKSEMPELDATA")
    assert ["Indholds-hash", "sha256:0863a4d303067c74", ""] in about


def test_libreoffice_applies_the_number_formats(xlsx_sample_report: Report, tmp_path: Path,
                                                 xlsx_soffice) -> None:
    path = tmp_path / "shown.xlsx"
    path.write_bytes(XlsxFormat().render(xlsx_sample_report, RenderOptions()))
    got = sheets(xlsx_soffice(path, SOFFICE_CSV_SHOWN), "shown")
    goals = got["goals"]
    budget = got["budget-lines-by-account-group-a"]
    # LibreOffice's own locale decides the separators; either English or Danish is right.
    assert goals[1][2] == "4"
    assert goals[1][3] in ("0.88", "0,88")  # number: '#,##0.0#'
    assert goals[1][4] in ("12.4 %", "12,4 %")  # percent points 12.4 -> '0.0 %'
    assert goals[1][5] == "2021-03-31"
    assert budget[1][2] in ("540,225", "540.225")  # int: '#,##0'
    assert budget[2][3] in ("17.7 %", "17,7 %")
    assert budget[3][2] == "-125"
    assert budget[3][1] == "'@SUM(A1:A9)"  # text, not a formula LibreOffice computed


REPO = Path(__file__).resolve().parents[3]
BUNDLED_PLAN = REPO / "config" / "plans" / "kalundborg-2021.yaml"


def goaltrack_csv_tables(text: str) -> dict[str, list[list[str]]]:
    """goaltrack's CSV format: one table, or several each after a ``# name`` line."""
    tables: dict[str, list[list[str]]] = {}
    name = "table"
    block: list[str] = []

    def flush() -> None:
        if block:
            tables[name] = list(csv.reader(block))

    for line in text.splitlines():
        if line.startswith("# "):
            flush()
            name, block = line[2:], []
        elif line:
            block.append(line)
    flush()
    return tables


def as_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def test_bundled_plan_reports_read_back_in_libreoffice(tmp_path: Path, xlsx_soffice) -> None:
    """``goaltrack report KIND --format xlsx`` for the bundled plan: every number LibreOffice
    reads from the workbook equals the number goaltrack's CSV format writes for that cell."""
    from click.testing import CliRunner

    from goaltrack.cli import cli

    if not BUNDLED_PLAN.is_file():
        pytest.skip(f"the bundled plan is not at {BUNDLED_PLAN} (tests run outside the repository)")
    runner = CliRunner()
    loaded = runner.invoke(cli, ["plan", "load", str(BUNDLED_PLAN)])
    assert loaded.exit_code == 0, loaded.output
    kinds = ["coverage", "budget", "progress"]
    expected: dict[str, dict[str, list[list[str]]]] = {}
    for kind in kinds:
        xlsx = tmp_path / f"{kind}.xlsx"
        result = runner.invoke(cli, ["report", kind, "--format", "xlsx", "-o", str(xlsx)])
        assert result.exit_code == 0, result.output
        again = tmp_path / f"{kind}-again.xlsx"
        assert runner.invoke(cli, ["report", kind, "--format", "xlsx", "-o", str(again)]).exit_code == 0
        assert xlsx.read_bytes() == again.read_bytes(), kind  # same database, same bytes
        result = runner.invoke(cli, ["report", kind, "--format", "csv"])
        assert result.exit_code == 0, result.output
        expected[kind] = goaltrack_csv_tables(result.stdout)

    files = xlsx_soffice([tmp_path / f"{kind}.xlsx" for kind in kinds], SOFFICE_CSV_RAW)
    for kind in kinds:
        got = sheets([f for f in files if f.name.startswith(f"{kind}-")], kind)
        assert "About" in got and len(got) == len(expected[kind]) + 1, kind
        numbers = 0
        for name, want_rows in expected[kind].items():
            rows = got[sheet_names([_named(name)])[0]]
            assert len(rows) == len(want_rows), (kind, name)
            for want, have in zip(want_rows[1:], rows[1:], strict=True):
                assert len(have) == len(want), (kind, name)
                for w, h in zip(want, have, strict=True):
                    number = as_number(w)
                    if number is None:
                        continue
                    numbers += 1
                    if h.endswith("%"):  # a percent column: LibreOffice writes percent points
                        h = h.removesuffix("%")
                    assert as_number(h) == pytest.approx(number, rel=1e-9, abs=1e-9), (kind, name, w, h)
        assert numbers > 0, kind


def _named(name: str):  # type: ignore[no-untyped-def]
    from goaltrack.interfaces import Table

    return Table(name, name, [], [])
