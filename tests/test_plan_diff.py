"""Plans compared across years (issue 13): ``follows:``, ``replaces:`` and ``goaltrack plan
diff``, on holmstad-2022 → holmstad-2023 (synthetic, made for this) and on the bundled plan
against itself; from files, from loaded plans, and through a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import BUNDLED_PLAN, db_dump, run_cli
from report_helpers import DATA, invoke

OLD = DATA / "holmstad-2022.yaml"
NEW = DATA / "holmstad-2023.yaml"


def diff_json(*args: str | Path) -> dict:
    return json.loads(invoke("plan", "diff", *args, "--format", "json"))


def test_every_kind_of_change_between_two_plan_files() -> None:
    d = diff_json(OLD, NEW)
    assert (d["old"], d["new"], d["follows"]) == ("holmstad-2022", "holmstad-2023", True)
    ch = d["changes"]
    assert ch["national_goal"]["added"] == [
        {"code": "NG4", "title": "Flere personer med handicap skal i beskæftigelse"}]
    assert [e["code"] for e in ch["national_goal"]["removed"]] == ["NG5"]
    assert ch["national_goal"]["renamed"] == [{
        "code": "NG2", "old": "Flere skal i job", "new": "Flere skal i job frem for at være på offentlig forsørgelse"}]
    assert [e["code"] for e in ch["focus_area"]["added"]] == ["FA3"]
    # The 2023 plan is the first to break its figures down (issue 13's dimensions).
    assert ch["dimension"]["added"] == [{"code": "sex", "title": "Køn"}, {"code": "age", "title": "Alder"}]
    assert ([e["code"] for e in ch["target_group"]["added"]], [e["code"] for e in ch["target_group"]["removed"]]) == (
        ["seniorer"], ["sygemeldte"])
    assert [e["code"] for e in ch["initiative"]["removed"]] == ["I4"]
    assert ch["initiative"]["renamed"] == [
        {"code": "I2", "old": "Virksomhedspraktik", "new": "Virksomhedsrettede forløb"}]
    assert ch["initiative"]["moved"] == [{"code": "I3", "title": "Jobkonsulenter i virksomhederne",
                                          "from": ["focus_area:FA1"], "to": ["focus_area:FA2"]}]
    assert ch["indicator"]["moved"][0]["to"] == ["initiative:I2", "national_goal:NG2"]
    # 5.68.91 became 5.68.94: recoded, neither removed nor added.
    assert d["recoded_accounts"] == [{"old_code": "056891", "new_code": "056894",
                                      "old_name": "Beskæftigelsesindsats for forsikrede ledige",
                                      "new_name": "Løntilskud"}]
    assert [e["code"] for e in ch["account"]["added"]] == ["055778", "056897", "056898"]
    assert ch["account"]["removed"] == []
    assert d["summary"]["account"] == {"added": 3, "removed": 0, "renamed": 0, "moved": 1, "unchanged": 1}
    assert d["summary"]["recoded_accounts"] == 1
    assert d["problems"] == []


def test_a_plan_against_itself_has_no_changes() -> None:
    d = diff_json(BUNDLED_PLAN, BUNDLED_PLAN)
    assert all(not any(v.values()) for v in d["changes"].values())
    # Every kind the plan has is unchanged (it declares no dimensions).
    assert all(s["unchanged"] > 0 for k, s in d["summary"].items() if k not in ("recoded_accounts", "dimension"))
    assert d["summary"]["dimension"]["unchanged"] == 0
    assert d["follows"] is False


def test_loaded_plans_by_slug_and_by_follows(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    invoke("--db", db, "plan", "load", OLD, NEW)
    from_files = diff_json(OLD, NEW)
    assert json.loads(invoke("--db", db, "plan", "diff", "holmstad-2022", "holmstad-2023", "--format", "json")) == (
        from_files)
    # NEW alone: against the plan it follows.
    assert json.loads(invoke("--db", db, "plan", "diff", "holmstad-2023", "--format", "json")) == from_files
    # A file against a loaded plan.
    assert json.loads(invoke("--db", db, "plan", "diff", "holmstad-2022", NEW, "--format", "json")) == from_files
    # follows: and replaces: survive the round trip through the database.
    exported = invoke("--db", db, "plan", "export", "holmstad-2023")
    assert "follows: holmstad-2022" in exported and "replaces: 5.68.91" in exported


def test_every_format_and_both_languages() -> None:
    table = invoke("plan", "diff", OLD, NEW, "--lang", "en")
    assert "Changes by kind" in table and "renamed" in table and "recoded" in table
    assert "Flere skal i job frem for" in table
    danish = invoke("plan", "diff", OLD, NEW)  # the new plan's language: Danish
    assert "Ændringer efter art" in danish and "omdøbt" in danish and "omkodet" in danish
    for fmt, marker in (("markdown", "| national goal |"), ("html", "<table"), ("csv", "Kind,Added,Removed")):
        out = invoke("plan", "diff", OLD, NEW, "--format", fmt, "--lang", "en")
        assert marker in out, fmt
    # CSV without --lang is for machines: keys and codes, the moved items as kind:code.
    machine = invoke("plan", "diff", OLD, NEW, "--format", "csv")
    assert "kind,added,removed" in machine and "national_goal,1,1,1,0,2" in machine
    assert "initiative:I2" in machine


def test_bad_usage_is_one_line_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    invoke("--db", db, "plan", "load", OLD)
    cases = [
        (("--db", db, "plan", "diff", "holmstad-2022"), "names no predecessor (follows:)"),
        (("--db", db, "plan", "diff", "no-such-plan", "holmstad-2022"), "no-such-plan"),
        (("--db", db, "plan", "diff", OLD, NEW, BUNDLED_PLAN), "give NEW, or OLD and NEW (got 3 plans)"),
        (("plan", "diff", OLD, NEW, "--format", "nope"), "nope"),
    ]
    before = db_dump(db)
    for args, message in cases:
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert db_dump(db) == before
    # NEW alone, its predecessor not loaded: the error names the plan it follows.
    other = tmp_path / "other.db"
    invoke("--db", other, "plan", "load", DATA / "tiny.yaml")
    proc = run_cli("--db", other, "plan", "diff", NEW)
    assert proc.returncode in (1, 2) and "holmstad-2022" in proc.stderr and "Traceback" not in proc.stderr


def test_follows_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(NEW.read_text(encoding="utf-8").replace("follows: holmstad-2022", "follows: Holmstad 2022"),
                   encoding="utf-8")
    proc = run_cli("plan", "validate", bad)
    assert proc.returncode == 1
    line = next(x for x in proc.stderr.splitlines() if "follows" in x)
    assert line.startswith(f"Error: {bad}:") and "plan.follows" in line


def test_replaces_naming_no_old_account_is_reported() -> None:
    d = diff_json(DATA / "tiny.yaml", NEW)
    assert d["problems"] == ["account 056894 replaces 5.68.91, which the older plan does not have"]


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_plan_diff_in_a_subprocess(fmt: str) -> None:
    proc = run_cli("plan", "diff", OLD, NEW, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert "NG2" in proc.stdout


def test_compare_plan_gives_level_score_and_money_per_goal(tmp_path: Path) -> None:
    """`report coverage --compare-plan`: each goal in both plans with its coverage level,
    score, status and allocated money in each, in JSON and in every format's table."""
    db = tmp_path / "h.db"
    invoke("--db", db, "plan", "load", OLD, NEW)
    args = ("--db", db, "report", "coverage", "--plan", "holmstad-2023", "--compare-plan", "holmstad-2022")
    c = json.loads(invoke(*args, "--format", "json"))["comparison"]
    assert c["plan"] == "holmstad-2022"
    ng1 = next(g for g in c["in_both"] if g["code"] == "NG1")
    assert ng1["other_code"] == "NG1"
    assert set(ng1) >= {"coverage", "other_coverage", "score", "other_score", "status", "other_status",
                        "allocated", "other_allocated"}
    # The other plan's money is what its own coverage report allocates to the goal.
    old = json.loads(invoke("--db", db, "report", "coverage", "--plan", "holmstad-2022", "--format", "json"))
    assert ng1["other_allocated"] == next(g for g in old["goals"] if g["code"] == "NG1")["allocated"]
    assert ng1["allocated"] != ng1["other_allocated"]
    table = invoke(*args, "--lang", "en")
    assert "Compared with another plan (1000 DKK)" in table or "Compared with another plan (DKK)" in table
    csv_text = invoke(*args, "--format", "csv")
    assert "# comparison\ncode,other_code,title,coverage,other_coverage" in csv_text
    danish = invoke(*args, "--format", "markdown", "--lang", "da")
    assert "her: " in danish and "dér: " in danish


def test_budget_compare_plan_follows_a_recoded_account(tmp_path: Path) -> None:
    """`report budget --compare-plan`: a year the plan lacks comes from the other plan's
    account with the same code, or with the code this account `replaces` (056894 continues
    5.68.91's series)."""
    text = NEW.read_text(encoding="utf-8")
    line = "      - {year: 2022, kind: budget, amount: 400000}\n"
    assert text.count(line) == 1
    newer = tmp_path / "holmstad-2023.yaml"
    newer.write_text(text.replace(line, ""), encoding="utf-8")
    db = tmp_path / "h.db"
    invoke("--db", db, "plan", "load", OLD, newer)
    args = ("--db", db, "report", "budget", "--plan", "holmstad-2023", "--format", "json")
    alone = {a["code"]: a for a in json.loads(invoke(*args))["accounts"]}
    assert alone["056894"]["amounts"].get("2022") is None
    compared = {a["code"]: a for a in json.loads(invoke(*args, "--compare-plan", "holmstad-2022"))["accounts"]}
    assert compared["056894"]["amounts"]["2022"] == 400000.0  # from 056891 in the 2022 plan
    assert compared["056894"]["change"] == 20000.0


def test_price_basis_is_stated_and_a_change_across_bases_is_flagged(tmp_path: Path) -> None:
    """Budgets say which prices each year is in (the plan's `price_basis`, or a line's own),
    and a change between years in different price bases says it is not adjusted."""
    text = NEW.read_text(encoding="utf-8")
    line = "      - {year: 2022, kind: budget, amount: 400000}\n"
    plan = tmp_path / "priced.yaml"
    plan.write_text(text.replace("  follows: holmstad-2022\n", "  follows: holmstad-2022\n  price_basis: 2023-priser\n")
                    .replace(line, line.replace("}", ", price_basis: 2022-priser}")), encoding="utf-8")
    db = tmp_path / "p.db"
    invoke("--db", db, "plan", "load", plan)
    data = json.loads(invoke("--db", db, "report", "budget", "--format", "json"))
    assert data["price_basis"] == {"2022": ["2022-priser", "2023-priser"], "2023": ["2023-priser"]}
    assert data["price_basis_differs"] is True
    assert "Different price bases" in invoke("--db", db, "report", "budget", "--format", "html", "--lang", "en")
    assert "Prisniveau" in invoke("--db", db, "report", "budget", "--lang", "da")
    exported = invoke("--db", db, "plan", "export", "holmstad-2023")
    assert "price_basis: 2023-priser" in exported and "price_basis: 2022-priser" in exported
    # Without a stated basis nothing is claimed.
    bare = tmp_path / "bare.db"
    invoke("--db", bare, "plan", "load", NEW)
    plain = json.loads(invoke("--db", bare, "report", "budget", "--format", "json"))
    assert plain["price_basis"] == {"2022": [], "2023": []} and plain["price_basis_differs"] is False
