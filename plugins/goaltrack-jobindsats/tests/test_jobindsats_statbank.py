"""The ``statbank`` data source on small Statistikbanken-style CSV files made here."""

from __future__ import annotations

from pathlib import Path

import pytest
from goaltrack_jobindsats.sources import StatbankSource

from goaltrack.errors import DataError
from goaltrack.interfaces import RejectedRow, SourceRow

# As the Statistikbanken API writes it (api.statbank.dk/v1/data/AUK01/CSV, default value
# presentation): ';', Danish variable names with Å and Ø, quarters as K, '..' suppressed.
AUK01 = "\n".join([
    "OMRÅDE;YDELSESTYPE;KØN;TID;INDHOLD",
    "Kalundborg;Kontanthjælp;I alt;2021K1;1234",
    "Kalundborg;Kontanthjælp;Mænd;2021K1;640",
    "Kalundborg;Sygedagpenge;I alt;2021K1;812,5",
    "Kalundborg;Kontanthjælp;I alt;2021K2;..",
    "Holbæk;Kontanthjælp;I alt;2021K1;1502",
    "",
])


def read(path: Path, **options: str) -> list[SourceRow | RejectedRow]:
    return list(StatbankSource().read(path, options))


def brief(rows: list[SourceRow | RejectedRow]) -> list[tuple[object, ...]]:
    return [
        (r.line, r.indicator, r.period, r.value, r.missing) if isinstance(r, SourceRow) else r
        for r in rows
    ]


@pytest.mark.parametrize("bom", [True, False])
def test_label_is_the_rows_variables(statbank_file, bom: bool) -> None:
    rows = read(statbank_file(AUK01, bom=bom), map="Kontanthjælp, I alt=KH;Sygedagpenge, I alt=SD",
                area="326")
    assert brief(rows) == [
        (2, "KH", "2021K1", "1234", None),
        (4, "SD", "2021K1", "812,5", None),
        (5, "KH", "2021K2", None, "suppressed ('..')"),
    ]
    first = rows[0]
    assert isinstance(first, SourceRow)
    assert first.source == "Danmarks Statistik: Kontanthjælp, I alt"
    assert first.note == "OMRÅDE: Kalundborg; YDELSESTYPE: Kontanthjælp; KØN: I alt"


def test_measure_column_and_where(statbank_file) -> None:
    rows = read(statbank_file(AUK01), map="kontanthjælp=KH", area="Kalundborg",
                **{"measure-column": "ydelsestype", "where.køn": "Mænd", "table": "AUK01"})
    assert brief(rows) == [(3, "KH", "2021K1", "640", None)]
    assert isinstance(rows[0], SourceRow) and rows[0].source == "Danmarks Statistik AUK01: Kontanthjælp"


def test_code_and_value_presentation(statbank_file) -> None:
    text = "\n".join([
        "OMRÅDE;YDELSESTYPE;KØN;TID;INDHOLD",
        "326 Kalundborg;KT Kontanthjælp;TOT I alt;2021K1;1234",
        "326 Kalundborg;KT Kontanthjælp;M Mænd;2021K1;640",
        "316 Holbæk;KT Kontanthjælp;TOT I alt;2021K1;1502",
    ])
    path = statbank_file(text)
    by_code = read(path, map="KT Kontanthjælp=KH", area="326", where="KØN=TOT",
                   **{"measure-column": "YDELSESTYPE"})
    by_text = read(path, map="KT Kontanthjælp=KH", area="Kalundborg", where="KØN=I alt",
                   **{"measure-column": "YDELSESTYPE"})
    assert brief(by_code) == brief(by_text) == [(2, "KH", "2021K1", "1234", None)]


def test_single_measure_table_and_wildcard(statbank_file) -> None:
    text = "OMRÅDE;TID;INDHOLD\nKalundborg;2020;48.4\nKalundborg;2021;48,9\nKalundborg;2022;..\n"
    path = statbank_file(text)
    assert brief(read(path, map="INDHOLD=POP")) == brief(read(path, map="*=POP")) == [
        (2, "POP", "2020", "48.4", None),
        (3, "POP", "2021", "48,9", None),
        (4, "POP", "2022", None, "suppressed ('..')"),
    ]


def test_bad_value_is_rejected_with_its_line(statbank_file) -> None:
    text = "OMRÅDE;TID;INDHOLD\nKalundborg;2021M01;12\nKalundborg;2021M02;x12\n"
    rows = read(statbank_file(text), map="INDHOLD=A")
    assert rows[1] == RejectedRow(3, "INDHOLD: not a number: 'x12'", "Kalundborg;2021M02;x12")


def test_unmatched_label_lists_what_the_file_has(statbank_file) -> None:
    with pytest.raises(DataError, match=(
        r"the mapping 'Kontanthjælp' -> KH \(-O map\) matched no row of area '326 Kalundborg'; "
        r"a statbank measure label is the row's variables other than area, period and value, "
        r"joined with ', ', e.g. 'Kontanthjælp, I alt'; 'Kontanthjælp, Mænd'"
    )):
        read(statbank_file(AUK01), map="Kontanthjælp=KH", area="326")


def test_no_value_column(statbank_file) -> None:
    with pytest.raises(DataError, match=r"no value column 'INDHOLD'.*-O value-column=NAME"):
        read(statbank_file("OMRÅDE;TID;ANTAL\nKalundborg;2021;5\n"), map="*=A")
    rows = read(statbank_file("OMRÅDE;TID;ANTAL\nKalundborg;2021;5\n"), map="*=A",
                **{"value-column": "antal"})
    assert brief(rows) == [(2, "A", "2021", "5", None)]


@pytest.fixture
def statbank_file(jobindsats_export):
    return jobindsats_export
