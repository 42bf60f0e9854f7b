"""End to end: ``goaltrack import jobindsats|statbank FILE --plan ...`` against the bundled plan.

Needs the package installed (``pip install -e plugins/goaltrack-jobindsats``; ``make install``
does it), because goaltrack finds the sources through the ``goaltrack`` entry point.
"""

from __future__ import annotations

import importlib.metadata
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from goaltrack.errors import ValidationError


def invoke(*args: str):  # type: ignore[no-untyped-def]
    """Run ``goaltrack ARGS`` in-process (goaltrack.cli imported here, not at collection)."""
    from goaltrack.cli import cli

    return CliRunner().invoke(cli, list(args))


REPO = Path(__file__).resolve().parents[3]
PLAN = REPO / "config" / "plans" / "kalundborg-2021.yaml"
SLUG = "kalundborg-2021"

MM17_SHARE = "Andel der har påbegyndt opkvalificering (pct.)"
MM13_SHARE = "Andel i ustøttet beskæftigelse (pct.)"

# Made-up numbers in the shape of Jobindsats exports of the two ministry measurements.
MM17_EXPORT = "\n".join([
    "MM17: Antal og andel ydelsesmodtagere, som har påbegyndt et opkvalificeringsforløb",
    f"Område;Periode;Ydelsesgrupper;Antal personer;{MM17_SHARE}",
    "Kalundborg;2021M01;I alt;412;2,5",
    "Kalundborg;2021M01;Kontanthjælp;97;1,9",
    "Kalundborg;2021M02;I alt;430;2,7",
    "Kalundborg;2021M03;I alt;..;..",
    "Holbæk;2021M01;I alt;610;3,1",
    "",
    "Kilde: Jobindsats.dk",
])

MM13_EXPORT = "\n".join([
    f"Area;Periode;Køn;Antal personer;{MM13_SHARE}",
    "326 Kalundborg;2020QMAT04;I alt;310;41,2",
    "326 Kalundborg;2021QMAT01;I alt;322;42,8",
    "326 Kalundborg;2021QMAT01;Kvinder;120;35,0",
])

MM13_MAPPING = f"""
area = "Kalundborg"
table = "MM13"

[[map]]
measure = "{MM13_SHARE}"
indicator = "MM13"
where = {{ "Køn" = "I alt" }}
"""


@pytest.fixture
def jobindsats_db(tmp_path: Path) -> Path:
    """A database (``GOALTRACK_DB``, set by conftest) with the bundled plan loaded."""
    if not PLAN.is_file():
        pytest.skip(f"the bundled plan is not at {PLAN} (tests run outside the repository)")
    try:
        importlib.metadata.distribution("goaltrack-jobindsats")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("goaltrack-jobindsats is not installed: pip install -e plugins/goaltrack-jobindsats")
    result = invoke("plan", "load", str(PLAN))
    assert result.exit_code == 0, result.output
    return tmp_path / "goaltrack.db"


def imported(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT i.code, m.period_code, m.freq, m.value, m.missing_reason, m.source, m.note "
            "FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
            "WHERE m.origin LIKE 'import:%' AND m.superseded_at IS NULL "
            "ORDER BY i.code, m.period_start, m.period_code"
        ).fetchall()


def test_import_jobindsats_export_into_the_bundled_plan(jobindsats_db: Path, tmp_path: Path) -> None:
    export = tmp_path / "mm17.csv"
    export.write_bytes(b"\xef\xbb\xbf" + MM17_EXPORT.encode("utf-8"))
    result = invoke(
        "import", "jobindsats", str(export), "--plan", SLUG,
        "-O", f"map={MM17_SHARE}=MM17", "-O", "area=326", "-O", "where=Ydelsesgrupper=I alt",
    )
    assert result.exit_code == 0, result.output
    assert "3 rows read, 3 inserted" in result.output

    mapping = tmp_path / "mm13.toml"
    mapping.write_text(MM13_MAPPING, encoding="utf-8")
    export13 = tmp_path / "mm13.csv"
    export13.write_text(MM13_EXPORT, encoding="utf-8")
    result = invoke("import", "jobindsats", str(export13), "--plan", SLUG,
                    "-O", f"mapping={mapping}")
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 inserted" in result.output

    note = "Område: Kalundborg; Ydelsesgrupper: I alt"
    source = json.dumps({"title": f"Jobindsats: {MM17_SHARE}"}, ensure_ascii=False)
    rows = imported(jobindsats_db)
    mm13 = [r for r in rows if r[0] == "MM13"]
    mm17 = [r for r in rows if r[0] == "MM17"]
    assert [r[:5] for r in mm17] == [
        ("MM17", "2021M01", "month", 2.5, None),
        ("MM17", "2021M02", "month", 2.7, None),
        ("MM17", "2021M03", "month", None, "suppressed ('..')"),
    ]
    assert json.loads(mm17[0][5]) == json.loads(source)
    assert mm17[0][6] == note
    assert [r[:5] for r in mm13] == [
        ("MM13", "2020QMAT04", "rolling", 41.2, None),  # QMAT codes kept raw
        ("MM13", "2021QMAT01", "rolling", 42.8, None),
    ]
    assert json.loads(mm13[0][5]) == {"title": f"Jobindsats MM13: {MM13_SHARE}"}

    # Importing the same file again changes nothing.
    result = invoke("import", "jobindsats", str(export13), "--plan", SLUG,
                    "-O", f"mapping={mapping}")
    assert result.exit_code == 0, result.output
    assert "0 inserted" in result.output and "2 unchanged" in result.output


def test_import_rejects_bad_values_with_their_line(jobindsats_db: Path, tmp_path: Path) -> None:
    export = tmp_path / "mm17-bad.csv"
    export.write_text(MM17_EXPORT.replace("430;2,7", "430;2,7x"), encoding="utf-8")
    result = invoke(
        "import", "jobindsats", str(export), "--plan", SLUG,
        "-O", f"map={MM17_SHARE}=MM17", "-O", "area=326", "-O", "where=Ydelsesgrupper=I alt",
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError)
    assert f"mm17-bad.csv:5: {MM17_SHARE}: not a number: '2,7x'" in str(result.exception)
    assert imported(jobindsats_db) == []  # one transaction: nothing was written


def test_import_statbank_csv(jobindsats_db: Path, tmp_path: Path) -> None:
    export = tmp_path / "statbank.csv"
    export.write_bytes(
        b"\xef\xbb\xbf"
        + "OMRÅDE;TID;INDHOLD\nKalundborg;2021M01;41,5\nHolbæk;2021M01;40,0\nKalundborg;2021M02;..\n"
        .encode()
    )
    result = invoke("import", "statbank", str(export), "--plan", SLUG,
                    "-O", "map=INDHOLD=MM13", "-O", "area=326")
    assert result.exit_code == 0, result.output
    assert [r[:5] for r in imported(jobindsats_db)] == [
        ("MM13", "2021M01", "month", 41.5, None),
        ("MM13", "2021M02", "month", None, "suppressed ('..')"),
    ]


def test_plugins_command_lists_the_sources() -> None:
    result = invoke("plugins", "--all", "--format", "json")
    assert result.exit_code == 0, result.output
    [entry] = [p for p in json.loads(result.stdout) if p["name"] == "jobindsats"]
    assert entry["hooks"] == ["register_data_sources"]
    assert entry["registered"] == {"data_sources": ["jobindsats", "statbank"]}
    assert entry["version"] == "0.1.0"
