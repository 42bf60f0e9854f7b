"""The ``xlsx`` output format, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import openpyxl
import pytest
from goaltrack_xlsx.render import FIXED_TIME, MAX_WIDTH, MEDIA_TYPE, XlsxFormat, decimals_needed, sheet_names

from goaltrack.interfaces import Column, OutputFormat, RenderOptions, Report, Table
from goaltrack.plugins import load_plugins


def render(report: Report, **options: object) -> bytes:
    data = XlsxFormat().render(report, RenderOptions(**options))  # type: ignore[arg-type]
    assert isinstance(data, bytes)
    return data


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def one_table(*rows: tuple[object, ...], columns: list[Column] | None = None,
              meta: dict[str, object] | None = None) -> Report:
    cols = columns or [Column("text", "Text"), Column("n", "N", "int")]
    return Report("test", "Test", {}, [Table("t", "T", cols, list(rows))], meta or {})


def test_registered_through_the_entry_point() -> None:
    plugins = load_plugins()
    fmt = plugins.get("output_formats", "xlsx")
    assert isinstance(fmt, OutputFormat) and isinstance(fmt, XlsxFormat)
    assert plugins.registered_by("output_formats", "xlsx") == "xlsx"
    assert (fmt.name, fmt.extension, fmt.media_type, fmt.binary) == ("xlsx", "xlsx", MEDIA_TYPE, True)
    assert fmt.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_plugins_command_lists_xlsx() -> None:
    from click.testing import CliRunner

    from goaltrack.cli import cli

    result = CliRunner().invoke(cli, ["plugins", "--all", "--format", "json"])
    assert result.exit_code == 0, result.output
    [entry] = [p for p in json.loads(result.stdout) if p["name"] == "xlsx"]
    assert entry["hooks"] == ["register_output_formats"]
    assert entry["registered"] == {"output_formats": ["xlsx"]}
    assert entry["version"] == "0.1.0"


def test_one_sheet_per_table_after_about(xlsx_sample_report) -> None:
    wb = load(render(xlsx_sample_report))
    assert wb.sheetnames == ["About", "goals", "budget-lines-by-account-group-a"]
    assert len(wb.sheetnames[2]) == 31


def test_real_numbers_with_formats_by_column_type(xlsx_sample_report) -> None:
    ws = load(render(xlsx_sample_report))["goals"]
    assert [c.value for c in ws[1]] == ["Kode", "Titel", "Indsatser", "Score", "Andel", "Seneste data"]
    row = ws[2]
    assert row[2].value == 4 and row[2].data_type == "n" and row[2].number_format == "#,##0"
    # a number column gets the decimals its values need, at most two (0.875 -> 0.88 shown)
    assert row[3].value == 0.875 and row[3].data_type == "n" and row[3].number_format == "#,##0.00"
    # percent points in the report, a fraction with a percent format in the sheet
    assert row[4].value == pytest.approx(0.124) and row[4].number_format == "0.0 %"
    assert row[5].value == dt.datetime(2021, 3, 31) and row[5].number_format == "yyyy-mm-dd"
    assert ws["F3"].value == dt.datetime(2021, 6, 30)  # ISO text in a date column is a date
    assert ws["D4"].value is None  # None is an empty cell
    assert ws["E5"].value == 1 and ws["E5"].number_format == "0.0 %"

    budget = load(render(xlsx_sample_report))["budget-lines-by-account-group-a"]
    assert budget["C2"].value == 540225 and isinstance(budget["C2"].value, int)
    assert budget["C4"].value == -125 and budget["C4"].data_type == "n"  # negative numbers stay numbers
    assert budget["D2"].value == pytest.approx(-0.035)


def test_number_in_a_text_column_stays_a_number() -> None:
    ws = load(render(one_table((3.5, 1), ("x", 2))))["t"]
    assert ws["A2"].value == 3.5 and ws["A2"].data_type == "n"


def test_header_bold_and_frozen_with_filter(xlsx_sample_report) -> None:
    wb = load(render(xlsx_sample_report))
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"


def test_column_widths_follow_content_and_are_capped() -> None:
    long_text = "x" * 500
    report = one_table(("short", 1), (long_text, 1_234_567_890),
                       columns=[Column("text", "Text"), Column("n", "N", "int")])
    ws = load(render(report))["t"]
    assert ws.column_dimensions["A"].width == MAX_WIDTH
    # "1,234,567,890" is 13 characters, plus a margin
    assert ws.column_dimensions["B"].width == pytest.approx(15)
    narrow = load(render(one_table(("ab", 1))))["t"]
    assert narrow.column_dimensions["A"].width < 10


def test_about_sheet(xlsx_sample_report) -> None:
    ws = load(render(xlsx_sample_report, lang="da"))["About"]
    values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Dækning: Beskæftigelsesplan 2021"
    assert values[1][0].startswith("EKSEMPELDATA")  # data.example_data is set
    pairs = {r[0]: r[1] for r in values if r[0] and r[1] is not None}
    assert pairs["Plan"] == "kalundborg-2021"
    assert pairs["Indholds-hash"] == "sha256:0863a4d303067c74"
    assert pairs["Planens sprog"] == "da"
    assert pairs["År"] == "2021"
    assert "Dannet" not in pairs  # no stamp: nothing time-dependent
    assert ("goals", "Nationale mål", 4) in values
    assert ("budget-lines-by-account-group-a", "Budget per kontogruppe", 3) in values


def test_about_sheet_names_the_source_by_its_title() -> None:
    # A plan's source is shown as a reader would name it; its reference is an internal file
    # name here, and stays out (a web address would be shown).
    source = {"title": "Beskæftigelsesplan 2021", "reference": "000_0863a4d303067c74.txt",
              "publisher": "Kalundborg Kommune"}
    about = load(render(one_table(("a", 1), meta={"plan": "p", "source": source}), lang="da"))["About"]
    pairs = {r[0]: r[1] for r in about.iter_rows(values_only=True) if r[0] and r[1] is not None}
    assert pairs["Kilde"] == "Beskæftigelsesplan 2021 (Kalundborg Kommune)"
    web = {**source, "reference": "https://example.org/plan.pdf"}
    about = load(render(one_table(("a", 1), meta={"plan": "p", "source": web})))["About"]
    pairs = {r[0]: r[1] for r in about.iter_rows(values_only=True) if r[0] and r[1] is not None}
    assert pairs["Source"] == "Beskæftigelsesplan 2021 (Kalundborg Kommune, https://example.org/plan.pdf)"


def test_example_note_only_for_example_data() -> None:
    plain = load(render(one_table(("a", 1), meta={"plan": "p"})))["About"]
    assert not any("EXAMPLE" in str(c.value) for row in plain.iter_rows() for c in row)
    marked = load(render(one_table(("a", 1), meta={"plan": "p", "synthetic": True})))["About"]
    assert str(marked["A2"].value).startswith("EXAMPLE DATA")


@pytest.mark.parametrize("text", [
    "=1+2",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+2",
    "\r=1+2",
])
def test_formula_injection_is_neutralised(text: str) -> None:
    data = render(one_table((text, -7)))
    ws = load(data)["t"]
    # (XML reads a carriage return back as a line feed)
    assert ws["A2"].value == "'" + text.replace("\r", "\n") and ws["A2"].data_type == "s"
    assert ws["B2"].value == -7 and ws["B2"].data_type == "n"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(re.search(r"<(?:\w+:)?f[ >]", s) for s in sheets), "a formula was written"


def test_harmless_text_is_left_alone() -> None:
    ws = load(render(one_table(("-5", 1), ("#N/A", 2), ("a=b", 3), ("", 4))))["t"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["-5", "#N/A", "a=b"]
    assert ws["A3"].data_type == "s"  # text, not an error cell


def test_titles_labels_and_meta_are_neutralised_too() -> None:
    report = Report("test", "=cmd()", {}, [Table("t", "@t", [Column("a", "+A")], [("x",)])],
                    {"plan": "-p+1"})
    wb = load(render(report))
    assert wb["About"]["A1"].value == "'=cmd()"
    assert wb["t"]["A1"].value == "'+A"
    about = [c.value for row in wb["About"].iter_rows() for c in row]
    assert "'-p+1" in about and "'@t" in about


def test_odd_values() -> None:
    cols = [Column("v", "V")]
    report = one_table((True,), (["a", "b"],), ({"k": 1, "t": "x"},), (float("nan"),), ("bell\x07",),
                       (dt.datetime(2021, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),),
                       columns=cols)
    ws = load(render(report, lang="da"))["t"]
    assert [ws[f"A{r}"].value for r in range(2, 7)] == ["ja", "a; b", "k: 1; t: x", "n/a", "bell\ufffd"]
    assert ws["A7"].value == dt.datetime(2021, 5, 1, 10, 0)  # stored in UTC


def test_sheet_names() -> None:
    def tables(*names: str) -> list[Table]:
        return [Table(n, n, [], []) for n in names]

    assert sheet_names(tables("a/b", "a:b", "A_B", "", "History", "'quoted'", "about")) == [
        "a_b", "a_b (2)", "A_B (3)", "Table 4", "History_", "quoted", "about (2)",
    ]
    long = "x" * 40
    assert sheet_names(tables(long, long)) == ["x" * 31, "x" * 27 + " (2)"]


def test_no_tables_gives_only_about() -> None:
    wb = load(render(Report("check", "Checks", {}, [], {})))
    assert wb.sheetnames == ["About"]


def test_row_with_wrong_width_is_an_error() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 values for 2 columns"):
        render(one_table(("only one",)))


def test_byte_identical_and_fixed_properties(xlsx_sample_report, monkeypatch) -> None:
    first = render(xlsx_sample_report)
    # Whatever the clock says, the bytes stay the same.
    import openpyxl.packaging.core as core
    import openpyxl.writer.excel as excel

    later = dt.datetime(2031, 7, 1, 12, 30, 45)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return later.replace(tzinfo=tz) if tz else later

    monkeypatch.setattr(excel.datetime, "datetime", Clock)
    monkeypatch.setattr(core.datetime, "datetime", Clock)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    monkeypatch.setattr("time.localtime", lambda *a: later.timetuple())
    second = render(xlsx_sample_report)
    assert first == second
    # The fake clock does reach openpyxl and zipfile: a plain save would show it.
    raw = io.BytesIO()
    openpyxl.Workbook().save(raw)
    with zipfile.ZipFile(raw) as z:
        assert {info.date_time[0] for info in z.infolist()} == {2031}
        assert b"2031-07-01T12:30:45Z" in z.read("docProps/core.xml")

    wb = load(first)
    assert wb.properties.creator == "goaltrack"
    assert wb.properties.created == FIXED_TIME and wb.properties.modified == FIXED_TIME
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {info.date_time for info in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert z.testzip() is None


def test_stamp_sets_the_times() -> None:
    report = one_table(("a", 1))
    data = render(report, stamp="2024-05-01T10:00:00+02:00")
    wb = load(data)
    assert wb.properties.created == dt.datetime(2024, 5, 1, 8, 0)
    assert wb.properties.modified == dt.datetime(2024, 5, 1, 8, 0)
    about = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True) if r[0]}
    assert about["Generated at"] == "2024-05-01T10:00:00+02:00"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {info.date_time for info in z.infolist()} == {(2024, 5, 1, 8, 0, 0)}
    assert render(report, stamp="2024-05-01T10:00:00+02:00") == data
    assert render(report, stamp="2024-05-02") != data
    # goaltrack's own --stamp text
    utc = load(render(report, stamp="2024-05-01 08:00 UTC"))
    assert utc.properties.created == dt.datetime(2024, 5, 1, 8, 0)
    # A stamp that is not a time is shown, and the fixed time kept.
    other = load(render(report, stamp="nightly build"))
    assert other.properties.created == FIXED_TIME


@pytest.mark.parametrize(("values", "decimals"), [
    ([355414.0, 7332, -125.0], 0), ([12.5, 3], 1), ([0.875], 2), ([1.25, 1.5], 2), ([None, "x", True], 0),
    ([float("nan"), 4.0], 0), ([0.1 + 0.2], 1),
])
def test_decimals_needed(values: list[object], decimals: int) -> None:
    assert decimals_needed(values) == decimals


def test_whole_amounts_show_no_decimals() -> None:
    """Amounts in whole thousands: 355,414 in the sheet, not 355,414.0."""
    cols = [Column("code", "Account"), Column("y2021", "Budget 2021", "number"), Column("pct", "Change %", "percent")]
    ws = load(render(one_table(("055771", 355414.0, 1.5), ("055772", 7332.0, None), columns=cols)))["t"]
    assert ws["B2"].value == 355414 and ws["B2"].number_format == "#,##0"
    assert ws["B3"].number_format == "#,##0"


def test_labels_titles_and_coded_values_in_the_report_language() -> None:
    cols = [Column("code", "Code"), Column("status", "Status", labels="status"), Column("ok", "Example data"),
            Column("FA1", "FA1"), Column("y2021", "Budget 2021", "number")]
    report = Report("budget", "Budget: Beskæftigelsesplan 2021", {},
                    [Table("goals", "National goals", cols, [("NG1", "on-track", True, "x", 1.0)])], {})
    da = load(render(report, lang="da"))
    ws = da["goals"]
    assert [c.value for c in ws[1]] == ["Kode", "Status", "Eksempeldata", "FA1", "Budget 2021"]
    assert [c.value for c in ws[2]][:3] == ["NG1", "på rette spor", "ja"]
    about = da["About"]
    assert about["A1"].value == "Budget: Beskæftigelsesplan 2021"
    assert "Nationale mål" in [c.value for c in about["B"]]
    en = load(render(report, lang="en"))["goals"]
    assert [c.value for c in en[2]][:3] == ["NG1", "on track", "yes"]


def test_print_setup_fits_the_width_and_repeats_the_header(xlsx_sample_report) -> None:
    wb = load(render(xlsx_sample_report))
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == "$1:$1"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    narrow = load(render(one_table(("a", 1))))["t"]
    assert narrow.page_setup.orientation == "portrait"
    wide_cols = [Column(f"c{i}", f"Column {i}") for i in range(12)]
    wide = load(render(one_table(tuple("x" * 12 for _ in range(12)), columns=wide_cols)))["t"]
    assert wide.page_setup.orientation == "landscape"
