"""Money per national goal without double counting (issue 13): each account's amount split
over the goals it serves, so that the goals plus "not allocated" are the budget total to the
last digit, per year and kind; the coverage report's money column is that allocation; the
old "touches" view is kept under its own name; check GT012 flags a goal with no money.

On the bundled plan (no shares, every split even), on the report test plan (a share, a
whole account, an unlinked one) and on ``holmstad-2023`` (whole kroner, shares, initiative
links, actuals, every reason money is not allocated).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import BUNDLED_PLAN, run_cli
from report_helpers import DATA, REPORT_PLAN, invoke, load_db, report

HOLMSTAD = DATA / "holmstad-2023.yaml"
PLANS = {"bundled": BUNDLED_PLAN, "report": REPORT_PLAN, "holmstad": HOLMSTAD}


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    where = tmp_path_factory.mktemp("alloc")
    with pytest.MonkeyPatch.context() as mp:
        yield {name: load_db(where / f"{name}.db", plan, mp) for name, plan in PLANS.items()}


def budget_json(db: Path, *args: str) -> dict:
    return json.loads(report(db, "budget", "json", *args))


def d(x: float) -> Decimal:
    return Decimal(repr(x))


def line_sums(db: Path, kind: str) -> dict[str, Decimal]:
    """The sum of the plan's lines of ``kind`` per year, from the budget report's accounts."""
    data = budget_json(db, "--kind", kind)
    return {str(y): sum((d(a["amounts"][str(y)]) for a in data["accounts"] if a["amounts"][str(y)] is not None),
                        Decimal(0)) for y in data["years"]}


@pytest.mark.parametrize("plan", list(PLANS))
@pytest.mark.parametrize("kind", ["budget", "actual"])
def test_goals_plus_not_allocated_is_the_total_exactly(dbs: dict[str, Path], plan: str, kind: str) -> None:
    data = budget_json(dbs[plan], "--kind", kind)
    al = data["allocation"]
    sums = line_sums(dbs[plan], kind)
    assert al["kind"] == kind
    assert al["years"] == list(sums)
    if plan == "holmstad" or kind == "budget":
        assert al["years"], "the plan has lines of this kind"
    for y in al["years"]:
        goals = sum((d(g["amounts"][y]) for g in al["goals"]), Decimal(0))
        not_allocated = d(al["not_allocated"]["amounts"][y])
        assert goals + not_allocated == d(al["total"][y]) == sums[y]
        assert not_allocated == sum((d(r["amounts"][y]) for r in al["not_allocated"]["reasons"]), Decimal(0))
        for acc in al["accounts"]:  # every account's parts add up to it, and only to it
            assert sum((d(p["amounts"][y]) for p in acc["parts"]), Decimal(0)) == d(acc["amounts"][y])
        for g in al["goals"]:
            assert Decimal(0) <= abs(d(g["even"][y])) <= abs(d(g["amounts"][y]))


def test_bundled_plan_no_longer_claims_the_budget_three_times(dbs: dict[str, Path]) -> None:
    """The demo's complaint: each goal "had" almost the whole budget through inferred links."""
    cov = json.loads(report(dbs["bundled"], "coverage", "json"))
    touches = sum(d(g["touches"]["2021"]) for g in cov["goals"])
    allocated = sum(d(g["allocated"]["2021"]) for g in cov["goals"])
    assert d(cov["budget_total"]["2021"]) == Decimal(540226)
    assert touches > 3 * Decimal(540226)  # the old view, kept and named for what it is
    assert allocated + d(cov["not_allocated"]["2021"]) == Decimal(540226)
    # The plan gives no shares, so every allocated krone was split evenly, and says so.
    assert all(g["allocated_even"] == g["allocated"] for g in cov["goals"])
    # 056891 and 056897 are linked to target groups only (domain.md: no focus area named).
    reasons = budget_json(dbs["bundled"])["allocation"]["not_allocated"]["reasons"]
    assert [(r["reason"], r["accounts"]) for r in reasons] == [("target_groups_only", ["056891", "056897"])]
    assert d(cov["not_allocated"]["2021"]) == Decimal(2048)


def test_coverage_money_is_the_budget_reports_allocation(dbs: dict[str, Path]) -> None:
    for db in dbs.values():
        cov = json.loads(report(db, "coverage", "json"))
        al = budget_json(db)["allocation"]
        assert cov["years"] == al["years"]
        assert [(g["code"], g["allocated"], g["allocated_even"]) for g in cov["goals"]] == [
            (g["code"], g["amounts"], g["even"]) for g in al["goals"]]
        assert cov["not_allocated"] == al["not_allocated"]["amounts"]
        assert cov["budget_total"] == al["total"]
        for g in cov["goals"]:  # the deprecated key keeps its old meaning for one release
            assert g["budget"] == g["touches"]


def test_report_plan_share_whole_and_unlinked(dbs: dict[str, Path]) -> None:
    al = budget_json(dbs["report"])["allocation"]
    goals = {g["code"]: g for g in al["goals"]}
    assert goals["G1"]["amounts"] == {"2023": 400.0, "2024": 320.0}  # 50 % of 055773, the plan's share
    assert goals["G1"]["even"] == {"2023": 0.0, "2024": 0.0}
    assert goals["G2"]["amounts"] == {"2023": 1200.0, "2024": 1350.0}  # 055771, its only link
    assert goals["G3"]["amounts"] == {"2023": 0.0, "2024": 0.0}
    parts = {a["code"]: a["parts"] for a in al["accounts"]}
    assert [(p["goal"], p["reason"], p["method"], p["percent"]) for p in parts["055773"]] == [
        ("G1", None, "share", 50.0), (None, "shares_below_100", "share", 50.0)]
    assert [(p["goal"], p["method"]) for p in parts["055771"]] == [("G2", "whole")]
    assert [(p["goal"], p["reason"]) for p in parts["056898"]] == [(None, "no_link")]
    assert al["not_allocated"]["amounts"] == {"2023": 400.0, "2024": 345.0}


def test_holmstad_every_split_and_reason(dbs: dict[str, Path]) -> None:
    al = budget_json(dbs["holmstad"])["allocation"]
    goals = {g["code"]: (g["amounts"]["2023"], g["even"]["2023"]) for g in al["goals"]}
    # 055773: 60 % to FA1 (NG1), 40 % to I2, which serves NG2 and NG3 through FA2: 20 % each.
    # 055778: no shares, FA2 and I3 half each, both serving NG2 and NG3: a quarter each twice.
    # 056894: 75 % to I3 (NG2, NG3), 25 % not allocated. Whole kroner: the odd krone of an
    # uneven split goes to the largest remainder, ties to the goal first in plan order.
    assert goals == {
        "NG1": (780001.0, 0.0),
        "NG2": (260000 + 1050001 + 157500.0, 260000 + 1050001 + 157500.0),
        "NG3": (260000 + 1050000 + 157500.0, 260000 + 1050000 + 157500.0),
        "NG4": (0.0, 0.0),
    }
    reasons = {r["reason"]: (r["accounts"], r["amounts"]["2023"]) for r in al["not_allocated"]["reasons"]}
    assert reasons == {
        "target_groups_only": (["056897"], 140000.0),
        "shares_below_100": (["056894"], 105000.0),
        "item_without_goal": (["056890"], 950000.0),
        "no_link": (["056898"], 80000.0),
    }
    assert [r["reason"] for r in al["not_allocated"]["reasons"]] == [
        "no_link", "target_groups_only", "shares_below_100", "item_without_goal"]
    # Every part is whole kroner, as the plan's amounts are.
    assert all(float(v).is_integer() for a in al["accounts"] for p in a["parts"] for v in p["amounts"].values())


def test_actuals_are_allocated_by_the_same_links(dbs: dict[str, Path]) -> None:
    al = budget_json(dbs["holmstad"], "--kind", "actual")["allocation"]
    assert al["years"] == ["2022"]
    parts = {a["code"]: {p["goal"] or p["reason"]: p["amounts"]["2022"] for p in a["parts"]} for a in al["accounts"]}
    # 1,312,417 × (60 %, 20 %, 20 %) = 787,450.2 / 262,483.4 / 262,483.4: the krone left goes to
    # the largest remainder, NG2 (tied with NG3, first in plan order).
    assert parts["055773"] == {"NG1": 787450.0, "NG2": 262484.0, "NG3": 262483.0}


def test_gt012_flags_a_goal_with_no_money(dbs: dict[str, Path]) -> None:
    for plan, goal in (("report", "G3"), ("holmstad", "NG4")):
        findings = json.loads(invoke("--db", dbs[plan], "check", "--format", "json"))["findings"]
        gt012 = [f for f in findings if f["rule"] == "GT012"]
        assert [(f["item"], f["severity"]) for f in gt012] == [(goal, "warning")], plan
    cov = json.loads(report(dbs["holmstad"], "coverage", "json"))
    assert [g["item"] for g in cov["gaps"] if g["rule"] == "GT012"] == ["NG4"]
    # The bundled plan's goals all have money (evenly split): no GT012.
    findings = json.loads(invoke("--db", dbs["bundled"], "check", "--format", "json"))["findings"]
    assert not [f for f in findings if f["rule"] == "GT012"]


def test_no_gt012_in_a_plan_without_a_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = tmp_path / "no-budget.yaml"
    plan.write_text(
        "goaltrack: 1\nplan: {slug: no-budget, title: No budget (synthetic), organisation: Test, years: [2024],"
        " synthetic: true}\nnational_goals:\n  - {code: G1, title: A goal}\n", encoding="utf-8")
    db = load_db(tmp_path / "t.db", plan, monkeypatch)
    assert not budget_json(db)["allocation"]["years"]
    findings = json.loads(invoke("--db", db, "check", "--format", "json"))["findings"]
    assert not [f for f in findings if f["rule"] == "GT012"]


@pytest.mark.parametrize("fmt", ["markdown", "html", "table", "csv"])
def test_every_format_shows_the_allocation(dbs: dict[str, Path], fmt: str) -> None:
    # CSV without --lang is for machines: keys and codes; with --lang, labels and words.
    text = report(dbs["holmstad"], "budget", fmt, *(() if fmt == "csv" else ("--lang", "en")))
    heading = "# allocation\ncode,title,allocated_2022,allocated_2023" if fmt == "csv" else "Money per national goal"
    assert heading in text
    assert ("\nnot_allocated,," if fmt == "csv" else "Not allocated") in text
    assert ("1467501" if fmt == "csv" else "1,467,501") in text
    danish = report(dbs["holmstad"], "budget", fmt, "--lang", "da")
    if fmt == "csv":
        assert "# Penge pr. nationalt mål\nMål,Titel,Fordelt 2022,Fordelt 2023" in danish
        assert "\nIkke fordelt,," in danish and "1467501" in danish  # numbers stay plain
    else:
        assert "Penge pr. nationalt mål" in danish
        assert "1.467.501" in danish
    cov = report(dbs["holmstad"], "coverage", fmt, "--lang", "en")
    assert "Allocated 2023" in cov or "allocated_2023" in cov


def test_coverage_html_states_both_views(dbs: dict[str, Path]) -> None:
    html = report(dbs["bundled"], "coverage", "html", "--lang", "en")
    assert "Not allocated" in html and "Budget total" in html and "540,226" in html
    assert "Accounts touching it" in html
    assert "of which split evenly" in html


def test_allocation_through_a_subprocess(dbs: dict[str, Path]) -> None:
    proc = run_cli("--db", dbs["holmstad"], "report", "budget", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["allocation"]["total"] == {"2022": 4775000.0, "2023": 4990002.0}
