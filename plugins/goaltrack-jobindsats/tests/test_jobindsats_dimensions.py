"""The Jobindsats source maps its own dimension columns (Køn, Alder) to a plan's dimensions
(issue 13): ``-O dimension.sex=Køn``, its "I alt" rows being the total. The plan is the
repository's synthetic Holmstad plan, which declares sex (Kvinder/Mænd) and age bands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[3]
PLAN = REPO / "tests" / "data" / "holmstad-2023.yaml"
MEASURE = "Ledige i pct. af arbejdsstyrken"

# Made-up figures in the shape of a Jobindsats export with a sex and an age column.
EXPORT = "\n".join([
    f"Område;Periode;Køn;Alder;{MEASURE}",
    "Holmstad;2024M01;I alt;I alt;3,5",
    "Holmstad;2024M01;Kvinder;I alt;3,4",
    "Holmstad;2024M01;Mænd;I alt;3,6",
    "Holmstad;2024M01;I alt;16-29 år;3,1",
    "Holmstad;2024M01;Kvinder;16-29 år;2,9",
    "",
    "Kilde: Jobindsats.dk",
])


def invoke(*args: str):  # type: ignore[no-untyped-def]
    from goaltrack.cli import main

    class _Main:
        name = "goaltrack"

        def main(self, args: object, prog_name: str | None = None, **extra: object) -> None:
            main(list(args))  # type: ignore[call-overload]

    return CliRunner().invoke(_Main(), list(args))  # type: ignore[arg-type]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    if not PLAN.is_file():
        pytest.skip(f"the Holmstad test plan is not at {PLAN} (tests run outside the repository)")
    assert invoke("plan", "load", str(PLAN)).exit_code == 0
    path = tmp_path / "ledighed.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def breakdowns(db: Path) -> dict[str, float]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT breakdown, value FROM measurement WHERE period_code = '2024M01' AND superseded_at IS NULL"))


def test_dimension_columns_become_breakdowns(export: Path, tmp_path: Path) -> None:
    result = invoke("import", "jobindsats", str(export), "-O", f"map={MEASURE}=ledighed",
                    "-O", "dimension.sex=Køn", "-O", "dimension.age=Alder")
    assert result.exit_code == 0, result.output
    assert "5 rows read, 5 inserted" in result.output
    assert breakdowns(tmp_path / "goaltrack.db") == {
        "": 3.5, "sex=women": 3.4, "sex=men": 3.6, "age=16-29": 3.1, "age=16-29;sex=women": 2.9}


def test_dimensions_from_the_mapping_file(export: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "holmstad.toml"
    mapping.write_text(f'[measures]\n"{MEASURE}" = "ledighed"\n[dimensions]\nsex = "Køn"\n'
                       '[where]\nAlder = "I alt"\n', encoding="utf-8")
    result = invoke("import", "jobindsats", str(export), "-O", f"mapping={mapping}")
    assert result.exit_code == 0, result.output
    assert breakdowns(tmp_path / "goaltrack.db") == {"": 3.5, "sex=women": 3.4, "sex=men": 3.6}


def test_unmapped_dimension_columns_are_repeats_and_bad_columns_are_named(export: Path, tmp_path: Path) -> None:
    # Without the age column mapped (or filtered), 2024M01 for sex=women comes twice.
    result = invoke("import", "jobindsats", str(export), "-O", f"map={MEASURE}=ledighed", "-O", "dimension.sex=Køn")
    assert result.exit_code == 1
    assert "period '2024M01' for sex=women is given again (first on line 3)" in result.output
    result = invoke("import", "jobindsats", str(export), "-O", f"map={MEASURE}=ledighed", "-O", "dimension.sex=Gender")
    assert result.exit_code == 1 and "-O dimension.sex='Gender' names no column" in result.output
    assert breakdowns(tmp_path / "goaltrack.db") == {}
