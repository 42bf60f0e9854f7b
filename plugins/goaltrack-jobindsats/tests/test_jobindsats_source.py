"""The ``jobindsats`` data source on small Jobindsats-style exports made here."""

from __future__ import annotations

from pathlib import Path

import pytest
from goaltrack_jobindsats.areas import AreaFilter
from goaltrack_jobindsats.sources import JobindsatsSource

from goaltrack.errors import DataError, UsageError
from goaltrack.interfaces import RejectedRow, SourceRow

SHARE = "Andel der har påbegyndt opkvalificering (pct.)"
LONG = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Faktisk antal"

# A Jobindsats export as a user downloads it: a title line, then the header; area, period,
# a dimension, then the measures with their full labels. Made up for the tests.
MM17 = "\n".join([
    "MM17: Antal og andel ydelsesmodtagere, som har påbegyndt et opkvalificeringsforløb",
    f"Område;Periode;Ydelsesgrupper;Antal personer;{SHARE};Antal fuldtidspersoner",
    "Kalundborg;2021M01;I alt;412;2,5;380,4",
    "Kalundborg;2021M01;Kontanthjælp;97;1,9;90,1",
    "Kalundborg;2021M02;I alt;430;2,7;391,0",
    "Kalundborg;2021M02;Kontanthjælp;..;..;..",
    "Holbæk;2021M01;I alt;610;3,1;577,2",
    "Holbæk;2021M02;I alt;633;3,3;590,9",
    "",
    "Kilde: Jobindsats.dk",
    "",
])


def read(path: Path, **options: str) -> list[SourceRow | RejectedRow]:
    return list(JobindsatsSource().read(path, options))


def values(rows: list[SourceRow | RejectedRow]) -> list[tuple[object, ...]]:
    """(line, indicator, period, value, missing) of each SourceRow; RejectedRows as is."""
    return [
        (r.line, r.indicator, r.period, r.value, r.missing) if isinstance(r, SourceRow) else r
        for r in rows
    ]


def test_maps_measures_of_one_area_and_dimension(jobindsats_export) -> None:
    path = jobindsats_export(MM17, bom=True)
    rows = read(path, map=f"Antal personer=MM17-count;{SHARE}=MM17", area="326",
                where="Ydelsesgrupper=I alt")
    assert values(rows) == [
        (3, "MM17-count", "2021M01", "412", None),
        (3, "MM17", "2021M01", "2,5", None),  # the decimal comma stays for goaltrack
        (5, "MM17-count", "2021M02", "430", None),
        (5, "MM17", "2021M02", "2,7", None),
    ]
    first = rows[0]
    assert isinstance(first, SourceRow)
    assert first.source == "Jobindsats: Antal personer"
    assert first.note == "Område: Kalundborg; Ydelsesgrupper: I alt"


def test_bom_and_no_bom_read_the_same(jobindsats_export) -> None:
    opts = {"map": f"{SHARE}=MM17", "area": "Kalundborg", "where": "Ydelsesgrupper=I alt"}
    with_bom = read(jobindsats_export(MM17, "a.csv", bom=True), **opts)
    without = read(jobindsats_export(MM17, "b.csv"), **opts)
    crlf = read(jobindsats_export(MM17.replace("\n", "\r\n"), "c.csv", bom=True), **opts)
    assert with_bom == without == crlf
    assert [r.value for r in with_bom if isinstance(r, SourceRow)] == ["2,5", "2,7"]


def test_suppressed_value_becomes_missing(jobindsats_export) -> None:
    rows = read(jobindsats_export(MM17), map="Antal personer=K", area="326",
                where="Ydelsesgrupper=Kontanthjælp")
    assert values(rows) == [
        (4, "K", "2021M01", "97", None),
        (6, "K", "2021M02", None, "suppressed ('..')"),
    ]


def test_unmapped_measures_are_skipped(jobindsats_export) -> None:
    rows = read(jobindsats_export(MM17), map="Antal fuldtidspersoner=FTE", area="326",
                where="Ydelsesgrupper=I alt")
    assert {r.indicator for r in rows if isinstance(r, SourceRow)} == {"FTE"}
    assert len(rows) == 2


@pytest.mark.parametrize("area", ["326", "Kalundborg", "kalundborg kommune", "326 Kalundborg"])
@pytest.mark.parametrize("cell", ["Kalundborg", "326", "326 Kalundborg", "Kalundborg Kommune"])
def test_area_by_code_or_name(jobindsats_export, area: str, cell: str) -> None:
    text = "\n".join([
        "Område;Periode;Antal personer",
        f"{cell};2021M01;10",
        "Holbæk;2021M01;20",
        "316 Holbæk;2021M02;21",
    ])
    rows = read(jobindsats_export(text), map="Antal personer=X", area=area)
    assert values(rows) == [(2, "X", "2021M01", "10", None)]


def test_area_filter_table() -> None:
    assert AreaFilter("326")("Kalundborg")
    assert AreaFilter("Holbæk")("316")
    assert AreaFilter("høje taastrup")("169 Høje-Taastrup")
    assert AreaFilter("085")("Region Sjælland")
    assert AreaFilter("0")("000 Hele landet")
    assert not AreaFilter("326")("Slagelse")
    assert not AreaFilter("326")("330 Slagelse")
    assert not AreaFilter("Kalundborg")("Kalundborgvej")
    assert AreaFilter("Ukendt By")("ukendt by")  # names outside the table still match


def test_period_codes_pass_through_unchanged(jobindsats_export) -> None:
    periods = ["2021M03", "2021Q1", "2021", "2021Y01", "2021QMAT03", "2021K1"]
    text = "Area;Period;Antal personer\n" + "".join(f"Kalundborg;{p};{i}\n" for i, p in enumerate(periods))
    rows = read(jobindsats_export(text), map="Antal personer=X")
    assert [r.period for r in rows if isinstance(r, SourceRow)] == periods


def test_full_label_with_colon_and_danish_headers(jobindsats_export) -> None:
    text = "\n".join([
        f"Område;Periode;Køn;Alder;{LONG};"
        "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Forventet antal",
        "Kalundborg;2021Q1;I alt;16-66 år;1.523,4;1.498,0",
        "Kalundborg;2021Q1;Mænd;16-66 år;801,2;790,3",
    ])
    rows = read(jobindsats_export(text, bom=True), map=f"{LONG}=Y30-faktisk", **{"where.Køn": "I alt"})
    assert values(rows) == [(2, "Y30-faktisk", "2021Q1", "1.523,4", None)]
    assert isinstance(rows[0], SourceRow) and rows[0].source == f"Jobindsats: {LONG}"


def test_bad_value_of_a_mapped_measure_is_rejected_with_its_line(jobindsats_export) -> None:
    text = "\n".join([
        "Tabel Y38A02",
        "",
        "Område;Periode;Antal personer;Antal fuldtidspersoner",
        "Kalundborg;2021M01;10;oops",  # unmapped measure: not our business
        "Kalundborg;2021M02;n/a;9,5",
        "Kalundborg;2021M03;12;10,0",
    ])
    rows = read(jobindsats_export(text), map="Antal personer=X")
    assert values(rows) == [
        (4, "X", "2021M01", "10", None),
        RejectedRow(5, "Antal personer: not a number: 'n/a'", "Kalundborg;2021M02;n/a;9,5"),
        (6, "X", "2021M03", "12", None),
    ]


def test_row_with_wrong_field_count_is_rejected(jobindsats_export) -> None:
    text = "Område;Periode;Antal personer\nKalundborg;2021M01;10\nKalundborg;2021M02;11;12\n"
    rows = read(jobindsats_export(text), map="Antal personer=X")
    assert rows[1] == RejectedRow(3, "expected 3 fields, found 4", "Kalundborg;2021M02;11;12")


def test_empty_value_policies(jobindsats_export) -> None:
    path = jobindsats_export("Område;Periode;Antal personer\nKalundborg;2021M01;\nKalundborg;2021M02;5\n")
    rejected = read(path, map="Antal personer=X")
    assert isinstance(rejected[0], RejectedRow) and rejected[0].line == 2
    assert "empty value" in rejected[0].message
    assert values(read(path, map="Antal personer=X", empty="missing"))[0] == (
        2, "X", "2021M01", None, "no value in the source (empty cell)")
    assert values(read(path, map="Antal personer=X", empty="skip")) == [(3, "X", "2021M02", "5", None)]


def test_decimal_marks(jobindsats_export) -> None:
    path = jobindsats_export("Område;Periode;Antal personer\nKalundborg;2021M01;7.332\n"
                             "Kalundborg;2021M02;1.234,5\nKalundborg;2021M03;0.125\n")
    auto = read(path, map="Antal personer=X")
    assert isinstance(auto[0], RejectedRow)
    assert "ambiguous number '7.332'" in auto[0].message and "-O decimal=," in auto[0].message
    assert [r.value for r in auto[1:] if isinstance(r, SourceRow)] == ["1.234,5", "0.125"]
    danish = read(path, map="Antal personer=X", decimal=",")
    assert values(danish) == [
        (2, "X", "2021M01", "7332", None),  # rewritten: goaltrack alone would read 7.332
        (3, "X", "2021M02", "1.234,5", None),  # unchanged: read the same either way
        (4, "X", "2021M03", "125", None),  # Danish notation, as asked
    ]
    english = read(path, map="Antal personer=X", decimal=".")
    assert [r.value for r in english if isinstance(r, SourceRow)] == ["7.332", "0.125"]
    assert english[1] == RejectedRow(3, "Antal personer: not a number: '1.234,5'", "Kalundborg;2021M02;1.234,5")


def test_several_areas_without_a_filter_is_an_error(jobindsats_export) -> None:
    with pytest.raises(DataError, match=r"export.csv:7: the file holds rows for more than one area "
                                        r"\('Kalundborg' on line 3, 'Holbæk' on line 7\)"):
        read(jobindsats_export(MM17), map=f"{SHARE}=MM17", where="Ydelsesgrupper=I alt")


def test_area_not_in_file(jobindsats_export) -> None:
    with pytest.raises(DataError, match=r"no row for area '330 Slagelse'.*Holbæk, Kalundborg"):
        read(jobindsats_export(MM17), map=f"{SHARE}=MM17", area="330")


def test_mapping_errors_name_the_problem(jobindsats_export) -> None:
    path = jobindsats_export(MM17)
    with pytest.raises(DataError, match=r"maps the measure 'Antal persner'.*columns: Ydelsesgrupper, Antal personer"):
        read(path, map="Antal persner=X", area="326")
    with pytest.raises(DataError, match=r"a where filter names the column 'Køn', which the file does not have"):
        read(path, map="Antal personer=X", area="326", where="Køn=I alt")
    with pytest.raises(DataError, match=r"matched no row with Ydelsesgrupper='Ledighedsydelse'"):
        read(path, map="Antal personer=X", area="326", where="Ydelsesgrupper=Ledighedsydelse")
    with pytest.raises(UsageError, match="needs a mapping"):
        read(path, area="326")
    with pytest.raises(UsageError, match="unknown option 'aera'"):
        read(path, map="Antal personer=X", aera="326")
    with pytest.raises(UsageError, match="is not LABEL=INDICATOR"):
        read(path, map="Antal personer")
    with pytest.raises(UsageError, match="statbank source only"):
        read(path, map="Antal personer=X", **{"value-column": "INDHOLD"})


def test_header_problems(jobindsats_export) -> None:
    with pytest.raises(DataError, match="the file is empty"):
        read(jobindsats_export(""), map="A=X")
    with pytest.raises(DataError, match=r"no header row with a period column.*-O delimiter=,"):
        read(jobindsats_export("Område,Periode,Antal personer\nKalundborg,2021M01,5\n"), map="A=X")
    path = jobindsats_export("Område;Måned;Antal personer\nKalundborg;2021M01;5\n")
    assert values(read(path, map="Antal personer=X", **{"period-column": "måned"})) == [
        (2, "X", "2021M01", "5", None)]


def test_windows_1252_needs_the_encoding_option(jobindsats_export) -> None:
    text = "Område;Periode;Køn;Antal personer\nKalundborg;2021M01;Mænd;5\n"
    path = jobindsats_export(text, encoding="cp1252")
    with pytest.raises(DataError, match=r"export.csv:1: not valid utf-8 text.*-O encoding=cp1252"):
        read(path, map="Antal personer=X")
    rows = read(path, map="Antal personer=X", encoding="cp1252", where="Køn=Mænd")
    assert values(rows) == [(2, "X", "2021M01", "5", None)]


def test_streams_the_file(jobindsats_export) -> None:
    """Rows come out before the end of the file is read: a bad byte far down only stops the
    import when the reader gets there."""
    body = "".join(f"Kalundborg;2021M01;{i}\n" for i in range(50_000))
    path = jobindsats_export("Område;Periode;Antal personer\n" + body)
    with path.open("ab") as fh:
        fh.write(b"Kalundborg;2021M02;\xff\xfe\n")
    rows = JobindsatsSource().read(path, {"map": "Antal personer=X", "empty": "skip"})
    first = next(rows)
    assert first == SourceRow(2, "X", "2021M01", "0", None, "Område: Kalundborg", "Jobindsats: Antal personer")
    seen = 1
    with pytest.raises(DataError, match="not valid utf-8"):
        for _ in rows:
            seen += 1
    assert seen > 40_000


def test_source_and_table_options(jobindsats_export) -> None:
    path = jobindsats_export("Område;Periode;Antal personer\nKalundborg;2021M01;5\n")
    [row] = read(path, map="Antal personer=X", table="Y38A02")
    assert isinstance(row, SourceRow) and row.source == "Jobindsats Y38A02: Antal personer"
    [row] = read(path, map="ANTAL  personer=X")  # case and spacing aside; the file's label is kept
    assert isinstance(row, SourceRow) and row.source == "Jobindsats: Antal personer"
    [row] = read(path, map="Antal personer=X", source="STAR, udtræk 2021-04-01")
    assert isinstance(row, SourceRow) and row.source == "STAR, udtræk 2021-04-01"
