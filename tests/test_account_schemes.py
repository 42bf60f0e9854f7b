"""Account schemes (issue 13): a plan outside the Danish municipal chart declares its own.

The synthetic Riverton climate plan (tests/data/riverton-climate-2025.yaml) writes codes such
as ``CLIM-FLD-01`` in euros and groups them by programme and project. These tests check that
its codes are validated against its own pattern with file:line errors, that the budget report
groups by its levels with nothing Danish in any format, and that the Danish plans keep their
six-digit rules and their "main function" grouping.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import db_dump, run_cli

from goaltrack.cli import cli
from goaltrack.values.accounts import DANISH_SCHEME, AccountScheme, SchemeLevel

DATA = Path(__file__).parent / "data"
RIVERTON = DATA / "riverton-climate-2025.yaml"
TINY = DATA / "tiny.yaml"
SLUG = "riverton-climate-2025"


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", "t.db", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def riverton() -> None:
    _invoke("plan", "load", str(RIVERTON))


def _budget(fmt: str, *extra: str) -> str:
    return _invoke("report", "budget", "--plan", SLUG, "--format", fmt, *extra)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = RIVERTON.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the scheme itself


def test_scheme_groups_by_leading_segments() -> None:
    scheme = AccountScheme("s", r"[A-Z]+-[A-Z]+-\d\d", "-",
                           (SchemeLevel("Programme", 1, (("CLIM", "Climate"),)), SchemeLevel("Project", 2)))
    assert scheme.groups_of("CLIM-FLD-01") == [("CLIM", "Climate"), ("CLIM-FLD", None)]
    assert scheme.problem("CLIM-FLD-01") is None
    assert "does not match" in (scheme.problem("clim-fld-1") or "")
    assert scheme.normalise(" CLIM-FLD-01 ") == "CLIM-FLD-01"
    assert scheme.level_names() == ["Programme", "Project"]


def test_danish_scheme_keeps_its_rules() -> None:
    assert DANISH_SCHEME.danish
    assert DANISH_SCHEME.groups_of("055771") == [
        ("5", "Sociale opgaver og beskæftigelse"), ("5.57", "Kontante ydelser")]
    assert "must be 6 digits" in (DANISH_SCHEME.problem("CLIM-01") or "")
    assert "must start with 0" in (DANISH_SCHEME.problem("155771") or "")
    assert DANISH_SCHEME.normalise("5.68.91") == "056891"


# --------------------------------------------------------------------------- validation


def test_riverton_validates() -> None:
    proc = run_cli("plan", "validate", RIVERTON)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("old", "new", "field", "fragment"),
    [
        ("code: CLIM-GRN-01", "code: clim-grn-1", "accounts[2].code", "does not match the scheme's pattern"),
        ("code: MOB-BIK-01", "code: MOB-BIK-1", "accounts[3].code", "does not match the scheme's pattern"),
        ('pattern: "[A-Z]{3,5}-[A-Z]{3}-[0-9]{2}"', 'pattern: "[A-Z"', "plan.account_scheme.pattern",
         "not a regular expression"),
        ("name: Riverton capital programme", "name: dk-municipal", "plan.account_scheme.name", "built-in scheme"),
        ("code: CLIM-FLD-02", "code: 12345", "accounts[1].code", "write the code in quotes"),
        ("code: CLIM-FLD-02", 'code: " CLIM-FLD-02"', "accounts[1].code", "spaces around it"),
        ("segments: 2", "segments: 0", "plan.account_scheme.levels[1].segments", "greater than or equal to 1"),
    ],
    ids=["lower-case", "short-number", "bad-regex", "builtin-name", "unquoted-number", "spaces", "segments-0"],
)
def test_bad_scheme_or_code_is_one_line_with_file_and_line(
        tmp_path: Path, old: str, new: str, field: str, fragment: str) -> None:
    plan = _variant(tmp_path, old, new)
    line = next(i for i, text in enumerate(plan.read_text(encoding="utf-8").splitlines(), 1) if new in text)
    assert run_cli("plan", "load", TINY).returncode == 0
    before = db_dump(tmp_path / "goaltrack.db")
    proc = run_cli("plan", "load", plan)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    (message,) = proc.stderr.splitlines()
    assert re.match(rf"Error: {re.escape(str(plan))}:{line}:\d+: {re.escape(field)}: .*{re.escape(fragment)}",
                    message), message
    assert db_dump(tmp_path / "goaltrack.db") == before


def test_unknown_scheme_name_is_refused(tmp_path: Path) -> None:
    plan = _variant(tmp_path, "  account_scheme:\n    name: Riverton capital programme\n",
                    "  account_scheme: us-gaap\n  old_scheme:\n    name: Riverton capital programme\n")
    proc = run_cli("plan", "validate", plan)
    assert proc.returncode == 1
    assert "plan.account_scheme" in proc.stderr and "Traceback" not in proc.stderr


def test_danish_codes_still_checked_in_a_danish_plan(tmp_path: Path) -> None:
    plan = tmp_path / "tiny.yaml"
    plan.write_text(TINY.read_text(encoding="utf-8").replace('code: "033251"', "code: CLIM-01"), encoding="utf-8")
    proc = run_cli("plan", "validate", plan)
    assert proc.returncode == 1
    assert "account code must be 6 digits, got 'CLIM-01'" in proc.stderr


def test_scheme_without_pattern_takes_any_code(tmp_path: Path) -> None:
    plan = _variant(tmp_path, '    pattern: "[A-Z]{3,5}-[A-Z]{3}-[0-9]{2}"\n', "")
    plan.write_text(plan.read_text(encoding="utf-8").replace("code: MOB-BIK-01", 'code: "7/b"'), encoding="utf-8")
    assert run_cli("plan", "validate", plan).returncode == 0


# --------------------------------------------------------------------------- the budget report


@pytest.mark.usefixtures("riverton")
def test_budget_json_groups_by_the_plans_levels() -> None:
    data = json.loads(_budget("json"))
    assert data["scheme"] == {"name": "Riverton capital programme", "danish": False,
                              "levels": ["Programme", "Project"]}
    programme, project = data["level_groups"]
    assert programme["level"] == "Programme"
    assert [(g["code"], g["name"], g["parent"], g["amounts"]) for g in programme["groups"]] == [
        ("CLIM", "Climate adaptation", None, {"2025": 1580.0, "2026": 1840.0}),
        ("MOB", "Mobility", None, {"2025": 500.0, "2026": 450.0}),
    ]
    assert [(g["code"], g["parent"], g["accounts"]) for g in project["groups"]] == [
        ("CLIM-FLD", "CLIM", ["CLIM-FLD-01", "CLIM-FLD-02"]),
        ("CLIM-GRN", "CLIM", ["CLIM-GRN-01"]),
        ("MOB-BIK", "MOB", ["MOB-BIK-01"]),
    ]
    assert project["groups"][0]["change"] == 240.0 and project["groups"][0]["change_pct"] == 16.0
    assert data["groups"] == []  # the Danish nested shape has nothing to hold here
    first = data["accounts"][0]
    assert first["groups"] == ["CLIM", "CLIM-FLD"]
    assert (first["dotted"], first["hovedkonto"], first["hovedfunktion"], first["function_name"]) == (
        None, None, None, None)
    # Every level's groups add up to the total.
    for level in data["level_groups"]:
        for year, total in data["totals"].items():
            assert sum(g["amounts"][year] for g in level["groups"]) == total


@pytest.mark.usefixtures("riverton")
@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_nothing_danish_in_a_plan_of_its_own_scheme(fmt: str) -> None:
    out = _budget(fmt)
    for danish in ("Hovedfunktion", "hovedkonto", "Main function", "main function", "chart of accounts", "Function"):
        assert danish not in out, (fmt, danish)
    assert "CLIM-FLD" in out
    if fmt in ("markdown", "html"):
        assert "Budget by Project" in out


@pytest.mark.usefixtures("riverton")
def test_html_nests_projects_under_their_programme() -> None:
    html = _budget("html")
    accounts = html[html.index('id="accounts"'):]
    bodies = re.findall(r"<tbody>(.*?)</tbody>", accounts, re.S)[:2]
    assert "CLIM Climate adaptation" in re.sub(r"<[^>]+>", "", bodies[0])
    assert "CLIM-FLD" in bodies[0] and "CLIM-GRN-01" in bodies[0] and "MOB-BIK" not in bodies[0]
    assert "MOB Mobility" in re.sub(r"<[^>]+>", "", bodies[1]) and "MOB-BIK-01" in bodies[1]
    assert "Riverton capital programme" in html


def test_scheme_without_levels_lists_accounts_alone(tmp_path: Path) -> None:
    text = RIVERTON.read_text(encoding="utf-8")
    start, end = text.index("    levels:\n"), text.index("\nnational_goals:")
    plan = tmp_path / "flat.yaml"
    plan.write_text(text[:start] + text[end:], encoding="utf-8")
    _invoke("plan", "load", str(plan))
    data = json.loads(_budget("json"))
    assert data["level_groups"] == [] and data["scheme"]["levels"] == []
    html = _budget("html")
    assert 'id="groups"' not in html and "MOB-BIK-01" in html
    assert "Budget by" not in _budget("markdown")


def test_danish_plan_keeps_main_functions() -> None:
    _invoke("plan", "load", str(TINY))
    data = json.loads(_invoke("report", "budget", "--plan", "tiny-library", "--format", "json"))
    assert data["scheme"] == {"name": "dk-municipal", "danish": True, "levels": ["Main account", "Main function"]}
    assert [g["code"] for g in data["level_groups"][1]["groups"]] == ["3.32"]
    assert data["groups"][0]["hovedfunktioner"][0]["code"] == "3.32"  # the 0.1 shape is kept
    table = _invoke("report", "budget", "--plan", "tiny-library", "--format", "table")
    assert "Main functions (1000 DKK)\nMain function" in table
    danish = _invoke("report", "budget", "--plan", "tiny-library", "--format", "table", "--lang", "da")
    assert "Hovedfunktioner (1000 DKK)\nHovedfunktion" in danish


# --------------------------------------------------------------------------- plan diff


def test_diff_matches_codes_as_the_scheme_writes_them(tmp_path: Path) -> None:
    newer = _variant(tmp_path, "name: Pumping stations", "name: Pumping stations and sluices")
    text = newer.read_text(encoding="utf-8").replace("slug: riverton-climate-2025", "slug: riverton-climate-2026")
    newer.write_text(text.replace("  synthetic: true\n", "  synthetic: true\n  follows: riverton-climate-2025\n"),
                     encoding="utf-8")
    _invoke("plan", "load", str(RIVERTON))
    data = json.loads(_invoke("plan", "diff", str(newer), "--format", "json"))
    assert data["summary"]["account"]["renamed"] == 1
    assert data["summary"]["account"]["added"] == 0 and data["summary"]["account"]["removed"] == 0


# --------------------------------------------------------------------------- both backends


def test_scheme_stored_and_exported_on_both_backends(db_url: str) -> None:
    """The scheme is kept in the database (JSON on SQLite and PostgreSQL) and comes back in
    the export and the report exactly as the file declares it."""
    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("plan", "load", str(RIVERTON))
    data = json.loads(run("report", "budget", "--plan", SLUG, "--format", "json"))
    assert [g["code"] for g in data["level_groups"][0]["groups"]] == ["CLIM", "MOB"]
    exported = run("plan", "export", SLUG)
    assert "  account_scheme:\n    name: Riverton capital programme\n" in exported
    assert "CLIM-FLD: Flood protection" in exported
    assert "0 added, 0 updated, 19 unchanged" in run("plan", "load", str(RIVERTON))


@pytest.mark.usefixtures("riverton")
def test_markdown_keeps_the_space_of_a_separator() -> None:
    """Markdown escaping collapses whitespace but keeps a separator's own spaces: the plan's
    years read "2025, 2026", not "2025,2026"."""
    assert "Years 2025, 2026" in _budget("markdown")
