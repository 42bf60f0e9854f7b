"""Mapping files (``-O mapping=FILE.toml``) and how they combine with ``-O`` options."""

from __future__ import annotations

from pathlib import Path

import pytest
from goaltrack_jobindsats.mapping import MapEntry, parse_settings
from goaltrack_jobindsats.sources import JobindsatsSource

from goaltrack.errors import DataError, UsageError
from goaltrack.interfaces import SourceRow

SHARE = "Andel der har påbegyndt opkvalificering (pct.)"
EXPORT = "\n".join([
    f"Område;Periode;Køn;Ydelsesgrupper;Antal personer;{SHARE}",
    "Kalundborg;2021M01;I alt;I alt;412;2,5",
    "Kalundborg;2021M01;I alt;Kontanthjælp;97;1,9",
    "Kalundborg;2021M01;Mænd;I alt;201;2,4",
    "Holbæk;2021M01;I alt;I alt;610;3,1",
])

MAPPING = f"""
area = 326
table = "MM17"

[where]
"Køn" = "I alt"

[measures]
"Antal personer" = "MM17-count"

[[map]]
measure = "{SHARE}"
indicator = "MM17"
where = {{ Ydelsesgrupper = "I alt" }}

[[map]]
measure = "{SHARE}"
indicator = "MM17-kh"
where = {{ Ydelsesgrupper = "Kontanthjælp" }}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_file_long_and_short_forms(tmp_path: Path) -> None:
    mapping = write(tmp_path, "kalundborg.toml", MAPPING)
    export = write(tmp_path, "mm17.csv", EXPORT)
    rows = list(JobindsatsSource().read(export, {"mapping": str(mapping),
                                                 "where.Ydelsesgrupper": "I alt"}))
    # [measures] "Antal personer" has only the global filters: the file's Køn=I alt and the
    # command line's Ydelsesgrupper=I alt; a [[map]]'s own filter on Ydelsesgrupper replaces
    # the global one.
    got = [(r.line, r.indicator, r.value) for r in rows if isinstance(r, SourceRow)]
    assert got == [(2, "MM17-count", "412"), (2, "MM17", "2,5"), (3, "MM17-kh", "1,9")]

    rows = list(JobindsatsSource().read(export, {"mapping": str(mapping)}))
    got = [(r.line, r.indicator, r.value) for r in rows if isinstance(r, SourceRow)]
    assert got == [(2, "MM17-count", "412"), (2, "MM17", "2,5"), (3, "MM17-count", "97"), (3, "MM17-kh", "1,9")]
    assert {r.source for r in rows if isinstance(r, SourceRow)} == {
        "Jobindsats MM17: Antal personer", f"Jobindsats MM17: {SHARE}"}


def test_command_line_wins_over_the_file(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.toml", 'area = "326"\ndecimal = ","\n[measures]\n"A" = "X"\n')
    s = parse_settings({"mapping": str(mapping), "area": "Holbæk", "map": "B=Y"},
                       source="jobindsats", statbank=False)
    assert s.area == "Holbæk" and s.decimal == ","
    assert [(e.label, e.indicator) for e in s.entries] == [("A", "X"), ("B", "Y")]


def test_command_line_mappings_and_filters() -> None:
    s = parse_settings(
        {"map": "A: b=c=X; D=Y", "map.z": "E=Z", "where": "Køn=I alt;Alder=16-66 år", "where.Køn": "Mænd"},
        source="jobindsats", statbank=False,
    )
    # split at the last '=': labels may contain '=' and ':'
    assert s.entries == [MapEntry("A: b=c", "X", (), "-O map"), MapEntry("D", "Y", (), "-O map"),
                         MapEntry("E", "Z", (), "-O map.z")]
    assert s.where == (("Køn", "Mænd"), ("Alder", "16-66 år"))


def test_mapping_file_errors(tmp_path: Path) -> None:
    def settings(text: str) -> None:
        parse_settings({"mapping": str(write(tmp_path, "bad.toml", text))},
                       source="jobindsats", statbank=False)

    with pytest.raises(DataError, match="unknown key 'areas'"):
        settings('areas = "326"\n[measures]\nA = "X"\n')
    with pytest.raises(DataError, match=r"\[\[map\]\] #1: needs both measure and indicator"):
        settings('[[map]]\nmeasure = "A"\n')
    with pytest.raises(DataError, match=r"\[\[map\]\] #1: unknown key\(s\) indicatr"):
        settings('[[map]]\nmeasure = "A"\nindicatr = "X"\n')
    with pytest.raises(DataError, match="not a valid TOML mapping file"):
        settings("[measures\n")
    with pytest.raises(UsageError, match="mapping file not found"):
        parse_settings({"mapping": str(tmp_path / "nope.toml")}, source="jobindsats", statbank=False)
    with pytest.raises(UsageError, match=r"-O decimal='komma'"):
        parse_settings({"map": "A=X", "decimal": "komma"}, source="jobindsats", statbank=False)
