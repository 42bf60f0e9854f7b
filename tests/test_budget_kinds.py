"""Several kinds of amount side by side in the budget report (``--kind budget,actual``).

On ``holmstad-2023`` (budget and actual lines for 2022, budget for 2023; whole kroner) and
variants of it written here, and on the bundled plan (budget lines only). The expected
figures are worked out by hand from ``tests/data/holmstad-2023.yaml``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import BUNDLED_PLAN, run_cli
from report_helpers import DATA, invoke, load_db, report

from goaltrack.cli import cli

HOLMSTAD = DATA / "holmstad-2023.yaml"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "reports.md"


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    where = tmp_path_factory.mktemp("kinds")
    with pytest.MonkeyPatch.context() as mp:
        yield {"holmstad": load_db(where / "h.db", HOLMSTAD, mp), "bundled": load_db(where / "b.db", BUNDLED_PLAN, mp)}


def variant(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A database holding holmstad-2023 with each (old, new) text replaced once."""
    text = HOLMSTAD.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    plan = tmp_path / "variant.yaml"
    plan.write_text(text, encoding="utf-8")
    db = tmp_path / "variant.db"
    invoke("--db", db, "plan", "load", plan)
    return db


def budget_json(db: Path, *args: str) -> dict:
    return json.loads(report(db, "budget", "json", *args))


def account(data: dict, code: str) -> dict:
    return next(a for a in data["accounts"] if a["code"] == code)


def header(text: str, starts: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(starts))


# --------------------------------------------------------------------------- figures


def test_budget_actual_and_deviation_by_hand(dbs: dict[str, Path]) -> None:
    data = budget_json(dbs["holmstad"], "--kind", "budget,actual")
    assert data["kind"] == "budget" and data["kinds"] == ["budget", "actual"]
    # 055778 Dagpenge: budget 2022 2,000,000, actual 2022 1,874,333, budget 2023 2,100,001.
    dagpenge = account(data, "055778")
    assert dagpenge["amounts_by_kind"] == {"budget": {"2022": 2000000.0, "2023": 2100001.0},
                                           "actual": {"2022": 1874333.0}}
    assert dagpenge["deviation"]["2022"]["amount"] == -125667.0
    assert dagpenge["deviation"]["2022"]["pct"] == pytest.approx(-125667 / 2000000 * 100)
    assert set(dagpenge["deviation"]) == {"2022"}  # 2023 has no actual to compare
    # 055773: 1,312,417 - 1,250,000 = +62,417, 4.99336 % of the budget.
    assert account(data, "055773")["deviation"]["2022"] == {"amount": 62417.0, "pct": pytest.approx(4.99336)}
    # Totals: budget 1,250,000 + 2,000,000 + 400,000 + 900,000 + 150,000 + 75,000;
    # actual 1,312,417 + 1,874,333 + 380,000 + 911,250 + 149,999 + 70,125.
    assert data["totals_by_kind"] == {"budget": {"2022": 4775000.0, "2023": 4990002.0}, "actual": {"2022": 4698124.0}}
    assert data["total_deviation"]["2022"]["amount"] == -76876.0
    assert data["total_deviation"]["2022"]["pct"] == pytest.approx(-76876 / 4775000 * 100)
    assert data["columns"] == [
        {"year": 2022, "kinds": ["budget", "actual"], "deviation": {"base": "budget", "price_basis_differs": False}},
        {"year": 2023, "kinds": ["budget"], "deviation": None},
    ]
    # Main function 5.57 is 055773 and 055778: 3,186,750 - 3,250,000.
    hf = next(g for g in data["level_groups"][1]["groups"] if g["code"] == "5.57")
    assert hf["amounts_by_kind"]["actual"] == {"2022": 3186750.0}
    assert hf["deviation"]["2022"]["amount"] == -63250.0
    assert data["groups"][0]["hovedfunktioner"][0]["deviation"] == hf["deviation"]
    assert data["price_basis_by_kind"] == {"budget": {"2022": [], "2023": []}, "actual": {"2022": []}}
    assert data["deviation_price_basis_differs"] is False


def test_the_first_kind_keeps_the_old_keys(dbs: dict[str, Path]) -> None:
    """``kind``, ``amounts``, the change and the allocation are those of the first kind named,
    exactly as with that kind alone."""
    for kinds, first in (("budget,actual", "budget"), ("actual,budget", "actual")):
        several, alone = budget_json(dbs["holmstad"], "--kind", kinds), budget_json(dbs["holmstad"], "--kind", first)
        assert several["kind"] == first
        for key in ("years", "year", "compare", "totals", "total_change", "allocation", "largest_changes"):
            assert several[key] == alone[key], key
        for a, b in zip(several["accounts"], alone["accounts"], strict=True):
            assert (a["amounts"], a["change"]) == (b["amounts"], b["change"])


def test_repeated_and_comma_separated_kinds_agree(dbs: dict[str, Path]) -> None:
    db = dbs["holmstad"]
    comma = report(db, "budget", "json", "--kind", "budget,actual")
    assert report(db, "budget", "json", "--kind", "budget", "--kind", "actual") == comma
    assert report(db, "budget", "json", "--kind", "budget, actual", "--kind", "budget") == comma


def test_kind_all_is_every_kind_the_plan_has(dbs: dict[str, Path]) -> None:
    assert budget_json(dbs["holmstad"], "--kind", "all")["kinds"] == ["budget", "actual"]
    assert report(dbs["holmstad"], "budget", "json", "--kind", "all") == report(
        dbs["holmstad"], "budget", "json", "--kind", "budget,actual")
    # The bundled plan has budget lines only: all is budget alone, the report as it always was.
    assert report(dbs["bundled"], "budget", "json", "--kind", "all") == report(dbs["bundled"], "budget", "json")


@pytest.mark.parametrize("fmt", ["json", "table", "markdown", "html", "csv"])
@pytest.mark.parametrize("plan", ["holmstad", "bundled"])
def test_one_kind_is_unchanged(dbs: dict[str, Path], plan: str, fmt: str) -> None:
    default = report(dbs[plan], "budget", fmt)
    assert report(dbs[plan], "budget", fmt, "--kind", "budget") == default
    assert report(dbs[plan], "budget", fmt, "--kind", "budget,budget") == default
    if fmt == "json":
        data = json.loads(default)
        assert not {"kinds", "columns", "totals_by_kind", "price_basis_by_kind"} & set(data)
        assert all("amounts_by_kind" not in a and "deviation" not in a for a in data["accounts"])


def test_corrected_budget_is_preferred_as_the_base(tmp_path: Path) -> None:
    # A corrected budget for 2022 of each account, 10,000 above its budget.
    edits = [(f"      - {{year: 2022, kind: budget, amount: {b}}}\n",
              f"      - {{year: 2022, kind: budget, amount: {b}}}\n"
              f"      - {{year: 2022, kind: corrected, amount: {b + 10000}}}\n")
             for b in (1250000, 2000000, 400000, 900000, 150000, 75000)]
    db = variant(tmp_path, *edits)
    data = budget_json(db, "--kind", "all")
    assert data["kinds"] == ["budget", "corrected", "actual"]
    assert data["columns"][0] == {"year": 2022, "kinds": ["budget", "corrected", "actual"],
                                  "deviation": {"base": "corrected", "price_basis_differs": False}}
    # 055778: 1,874,333 - 2,010,000.
    assert account(data, "055778")["deviation"]["2022"]["amount"] == -135667.0
    assert account(data, "055778")["deviation"]["2022"]["pct"] == pytest.approx(-135667 / 2010000 * 100)
    table = report(db, "budget", "table", "--kind", "all", "--lang", "en")
    assert "Budget 2022  Corrected 2022  Actual 2022  Actual − corrected 2022  Actual − corrected % 2022" in table
    assert "Regnskab − korrigeret 2022" in report(db, "budget", "table", "--kind", "all", "--lang", "da")
    # Without the corrected budget asked for, the deviation is from the budget.
    assert budget_json(db, "--kind", "budget,actual")["columns"][0]["deviation"]["base"] == "budget"


def test_no_percent_from_a_zero_budget_and_actual_totals_reconciled(tmp_path: Path) -> None:
    db = variant(
        tmp_path,
        ("      - {year: 2022, kind: budget, amount: 75000}\n", "      - {year: 2022, kind: budget, amount: 0}\n"),
        ("    amount: 4990002\n", "    amount: 4990002\n  - label: Regnskab i alt\n    year: 2022\n"
                                  "    kind: actual\n    amount: 4698124\n"),
    )
    data = budget_json(db, "--kind", "budget,actual")
    # 056898: actual 70,125 against a budget of 0: a deviation in amount, none in percent.
    assert account(data, "056898")["deviation"]["2022"] == {"amount": 70125.0, "pct": None}
    assert [(r["kind"], r["year"], r["verdict"]) for r in data["reconciliation"]] == [
        ("budget", 2023, "exact"), ("actual", 2022, "exact")]
    assert [r["kind"] for r in budget_json(db)["reconciliation"]] == ["budget"]


# --------------------------------------------------------------------------- formats and languages


def test_headers_in_english_and_danish(dbs: dict[str, Path]) -> None:
    db = dbs["holmstad"]
    en_md = report(db, "budget", "markdown", "--kind", "budget,actual", "--lang", "en")
    assert header(en_md, "| Account |") == (
        "| Account | Function | Name | Budget 2022 | Actual 2022 | Actual − budget 2022 | Actual − budget % 2022 "
        "| Budget 2023 |")
    assert "| **055778** | 5.57.78 | Dagpenge til forsikrede ledige | 2,000,000 | 1,874,333 | -125,667 | -6.3% " \
           "| 2,100,001 |" in en_md
    assert "| **Sum of the lines** | | | **4,775,000** | **4,698,124** | **-76,876** | **-1.6%** | **4,990,002** |" \
           in en_md
    assert "- Actual − budget 2022: **-76,876** (-1.6%)" in en_md
    da_md = report(db, "budget", "markdown", "--kind", "budget,actual", "--lang", "da")
    assert header(da_md, "| Konto |") == (
        "| Konto | Funktion | Navn | Budget 2022 | Regnskab 2022 | Regnskab − budget 2022 | Regnskab − budget % 2022 "
        "| Budget 2023 |")
    assert header(da_md, "| Hovedfunktion |").endswith(
        "| Budget 2022 | Regnskab 2022 | Regnskab − budget 2022 | Regnskab − budget % 2022 | Budget 2023 |")
    en_table = report(db, "budget", "table", "--kind", "budget,actual", "--lang", "en")
    assert re.search(r"^Account +Function +Name +Budget 2022  Actual 2022  Actual − budget 2022  "
                     r"Actual − budget % 2022  Budget 2023$", en_table, re.M)
    da_table = report(db, "budget", "table", "--kind", "budget,actual", "--lang", "da")
    assert "Budget 2022  Regnskab 2022  Regnskab − budget 2022  Regnskab − budget % 2022  Budget 2023" in da_table
    assert re.search(r"^055778 .* 2\.000\.000 +1\.874\.333 +-125\.667 +-6,3 % +2\.100\.001$", da_table, re.M)
    html = report(db, "budget", "html", "--kind", "budget,actual", "--lang", "da")
    assert '<th scope="col" class="num">Regnskab − budget 2022</th>' in html
    assert '<td class="num">-125.667</td><td class="num">-6,3\u00a0%</td>' in html


def test_csv_and_xlsx(dbs: dict[str, Path], tmp_path: Path) -> None:
    db = dbs["holmstad"]
    csv_text = report(db, "budget", "csv", "--kind", "budget,actual")
    assert "code,funktion,name,budget_2022,actual_2022,deviation_2022,deviation_pct_2022,budget_2023\n" in csv_text
    assert "055778,5.57.78,Dagpenge til forsikrede ledige,2000000,1874333,-125667,-6.28335,2100001\n" in csv_text
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "b.xlsx"
    invoke("--db", db, "report", "budget", "--kind", "budget,actual", "--format", "xlsx", "--lang", "da", "-o", out)
    rows = list(openpyxl.load_workbook(out)["accounts"].iter_rows(values_only=True))
    assert rows[0] == ("Konto", "Funktion", "Navn", "Budget 2022", "Regnskab 2022", "Regnskab − budget 2022",
                       "Regnskab − budget % 2022", "Budget 2023")
    assert rows[2][3:6] == (2000000, 1874333, -125667)


def test_a_deviation_across_price_bases_is_flagged(tmp_path: Path) -> None:
    # The plan's amounts in 2023 prices, one budget line of 2022 in 2022 prices.
    line = "      - {year: 2022, kind: budget, amount: 400000}\n"
    db = variant(tmp_path, ("  follows: holmstad-2022\n", "  follows: holmstad-2022\n  price_basis: 2023-priser\n"),
                 (line, line.replace("}", ", price_basis: 2022-priser}")))
    data = budget_json(db, "--kind", "budget,actual")
    assert data["price_basis_by_kind"] == {"budget": {"2022": ["2022-priser", "2023-priser"], "2023": ["2023-priser"]},
                                           "actual": {"2022": ["2023-priser"]}}
    assert data["columns"][0]["deviation"]["price_basis_differs"] is True
    assert data["deviation_price_basis_differs"] is True
    en_md = report(db, "budget", "markdown", "--kind", "budget,actual", "--lang", "en")
    assert ("> **Different price bases:** the deviation in 2022 compares the accounts in 2023-priser with the budget "
            "in 2022-priser, 2023-priser; it is not adjusted for prices.") in en_md
    assert "- Price basis, accounts: 2022: 2023-priser" in en_md
    da_html = report(db, "budget", "html", "--kind", "budget,actual", "--lang", "da")
    assert "afvigelsen i 2022 sammenligner regnskab i 2023-priser med budget i 2022-priser, 2023-priser" in da_html
    da_table = report(db, "budget", "table", "--kind", "budget,actual", "--lang", "da")
    assert re.search(r"^2022 +regnskab +2023-priser$", da_table, re.M)
    # Only the actual asked for beside nothing to compare: no deviation, no flag.
    assert budget_json(db, "--kind", "actual,corrected")["deviation_price_basis_differs"] is False


# --------------------------------------------------------------------------- usage and docs


@pytest.mark.parametrize("value", ["nonsense", "budget,nonsense", "", "budget,"])
def test_an_unknown_kind_is_a_usage_error(dbs: dict[str, Path], value: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(dbs["holmstad"]), "report", "budget", "--kind", value])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--kind'" in result.stderr


def test_through_a_real_process(dbs: dict[str, Path]) -> None:
    proc = run_cli("--db", dbs["holmstad"], "report", "budget", "--kind", "budget", "--kind", "actual",
                   "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert account(json.loads(proc.stdout), "056894")["deviation"]["2022"] == {"amount": -20000.0, "pct": -5.0}
    bad = run_cli("--db", dbs["holmstad"], "report", "budget", "--kind", "nonsense")
    assert bad.returncode == 2 and "'nonsense' is not one of budget, corrected, actual, all" in bad.stderr


def _key_paths(value: object, prefix: str = "") -> Iterator[str]:
    """As tests/test_reports_render.py's: objects keyed by year, and by kind, stop there."""
    if isinstance(value, dict):
        if value and (all(re.fullmatch(r"\d{4}", k) for k in value)
                      or set(value) <= {"budget", "corrected", "actual"}):
            return
        for key, item in value.items():
            yield f"{prefix}{key}"
            yield from _key_paths(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            yield from _key_paths(item, prefix[:-1] + "[].")


def test_docs_document_the_keys_of_several_kinds(dbs: dict[str, Path]) -> None:
    documented = set(re.findall(r"^\| `([^`]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    for path in sorted(set(_key_paths(budget_json(dbs["holmstad"], "--kind", "all")))):
        path = path.replace("groups[].hovedfunktioner[].accounts[].", "accounts[].")
        assert path in documented, f"docs/reports.md does not document budget JSON key {path!r}"
