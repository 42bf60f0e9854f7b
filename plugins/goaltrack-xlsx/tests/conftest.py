"""Fixtures for goaltrack-xlsx's tests.

The repository's tests/conftest.py and tests/helpers.py do not reach here (this package is
tested on its own too), so the pieces needed are repeated under names of our own:
``xlsx_soffice`` is the LibreOffice pattern of tests/helpers.py (a profile and HOME of its
own, never shared by concurrent soffice processes; the output files checked because soffice
exits 0 even when it fails; skip when soffice is missing, fail instead under ``CI=true`` or
``GOALTRACK_REQUIRE_SOFFICE=1``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

GOALTRACK_ENV_VARS = (
    "GOALTRACK_DISABLE_PLUGINS",
    "GOALTRACK_STRICT_PLUGINS",
    "GOALTRACK_TRACE_PLUGINS",
    "GOALTRACK_LOAD_PLUGINS",
    "GOALTRACK_PLUGINS_DIR",
    "GOALTRACK_CONFIG",
    "GOALTRACK_LANG",
    "GOALTRACK_TEMPLATES",
)

SofficeCsv = Callable[[Path | list[Path], str], list[Path]]


@pytest.fixture(autouse=True)
def _xlsx_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own tmp_path, with its own database, home and no plugin settings."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GOALTRACK_DB", str(tmp_path / "goaltrack.db"))
    for var in GOALTRACK_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def _soffice_required() -> bool:
    value = os.environ.get("GOALTRACK_REQUIRE_SOFFICE", "")
    if value != "":
        return value == "1"
    return os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def _xlsx_soffice_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LibreOffice profile (and HOME) per test session: conversions in a session run one
    after another, and a warm profile saves seconds per call. Parallel runners
    (pytest-xdist) give each worker its own session, hence its own profile; profiles shared
    between concurrent soffice processes lose work."""
    work = tmp_path_factory.mktemp("xlsx-soffice")
    (work / "home").mkdir()
    return work


@pytest.fixture
def xlsx_soffice(tmp_path: Path, _xlsx_soffice_profile: Path) -> SofficeCsv:
    """``xlsx_soffice(paths, filter)`` converts every sheet of each workbook (one path or a
    list) to CSV with headless LibreOffice in one run, and returns the CSV files
    (``<stem>-<Sheet>.csv``), sorted."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        reason = "soffice not installed (apt-get install libreoffice-calc-nogui; .ci/run does)"
        if _soffice_required():
            pytest.fail(f"{reason} (required: CI=true or GOALTRACK_REQUIRE_SOFFICE=1)", pytrace=False)
        pytest.skip(reason)
    assert soffice is not None
    work = _xlsx_soffice_profile
    calls = 0

    def convert(src: Path | list[Path], convert_to: str) -> list[Path]:
        nonlocal calls
        calls += 1
        sources = [Path(p).resolve() for p in (src if isinstance(src, list) else [src])]
        outdir = tmp_path / f"soffice-out-{calls}"
        outdir.mkdir()
        proc = subprocess.run(
            [
                soffice, "--headless", "--norestore", "--nologo", "--nolockcheck",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--convert-to", convert_to, "--outdir", str(outdir), *map(str, sources),
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            env={**os.environ, "HOME": str(work / "home")},
            timeout=300,
            check=False,
        )
        written = sorted(outdir.glob("*.csv"))
        # soffice exits 0 even when it fails: the files are the verdict.
        missing = [p.name for p in sources if not any(f.name.startswith(f"{p.stem}-") for f in written)]
        if missing:
            pytest.fail(
                f"soffice wrote no CSV for {', '.join(missing)} (rc={proc.returncode}):\n"
                f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}",
                pytrace=False,
            )
        return written

    return convert


@pytest.fixture
def xlsx_sample_report():  # type: ignore[no-untyped-def]
    """A small report in the shape of goaltrack's coverage and budget reports: several tables,
    every column type, Danish text, a name too long for a sheet, text that looks like a
    formula, and metadata as goaltrack's reports set it."""
    import datetime as dt

    from goaltrack.interfaces import Column, Report, Table

    goals = Table(
        "goals",
        "Nationale mål",
        [
            Column("code", "Kode"),
            Column("title", "Titel"),
            Column("initiatives", "Indsatser", "int"),
            Column("score", "Score", "number"),
            Column("share", "Andel", "percent"),
            Column("latest", "Seneste data", "date"),
        ],
        [
            ("NG1", "Flere unge skal have en uddannelse", 4, 0.875, 12.4, dt.date(2021, 3, 31)),
            ("NG2", "Opkvalificering af ledige og beskæftigede", 2, 0.5, 7.25, "2021-06-30"),
            ("NG3", "=HYPERLINK(\"http://evil.example\",\"klik\")", 0, None, 0, None),
            ("NG4", "-2+3 flygtninge og familiesammenførte", 1, 1.0, 100, dt.date(2021, 12, 31)),
        ],
    )
    budget = Table(
        "budget-lines-by-account-group-and-year",  # 38 characters: too long for a sheet name
        "Budget per kontogruppe",
        [
            Column("account", "Konto"),
            Column("name", "Navn"),
            Column("y2021", "2021 (1.000 kr.)", "int"),
            Column("change", "Ændring i pct.", "percent"),
        ],
        [
            ("5.68.90", "Driftsudgifter til den kommunale beskæftigelsesindsats", 540225, -3.5),
            ("5.57.72", "Sygedagpenge", 7332, 17.7),
            ("5.58.80", "@SUM(A1:A9)", -125, None),
        ],
    )
    return Report(
        kind="coverage",
        title="Dækning: Beskæftigelsesplan 2021",
        data={"example_data": True},
        tables=[goals, budget],
        meta={
            "schema_version": 1,
            "report": "coverage",
            "plan": "kalundborg-2021",
            "plan_title": "Beskæftigelsesplan 2021",
            "organisation": "Kalundborg Kommune",
            "years": [2021],
            "language": "da",
            "lang": "da",
            "synthetic": False,
            "content_hash": "sha256:0863a4d303067c74",
            "as_of": None,
            "generated_at": None,
        },
    )
