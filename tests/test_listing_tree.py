"""What the database holds after loading, as ``list`` and ``tree`` show it.

The bundled plan, loaded, must match the seed text it transcribes (parsed here on its own):
the counts, every budget amount, the declared totals as printed (not the row sums) and the
account structure derived from each code. The synthetic tiny plan checks the tree's shape.
Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_PLAN, SEED
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from goaltrack.planfile.validate import read_plan
from goaltrack.reports.listings import list_items
from goaltrack.reports.tree import render_tree
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.plansync import load_plans

TINY = Path(__file__).parent / "data" / "tiny.yaml"
SLUG = "kalundborg-2021"

# The seed prints amounts the Danish way: "." groups thousands, "-" for negatives.
_AMOUNT = r"-?\d{1,3}(?:\.\d{3})*"
_ACCOUNT_ROW = re.compile(rf"^\s*(\d{{6}}) (.+?) ({_AMOUNT}) ({_AMOUNT})\s*$", re.MULTILINE)
_TOTAL_ROW = re.compile(rf"^\s*I alt\s+({_AMOUNT}) ({_AMOUNT})\s*$", re.MULTILINE)


def danish_amount(text: str) -> int:
    return int(text.replace(".", ""))


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"the seed text {SEED} is not available")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_budget(seed_text: str) -> dict[str, tuple[str, int, int]]:
    """Account code -> (name, budget 2020, budget 2021), from the seed's budget table."""
    rows = {
        code: (" ".join(name.split()), danish_amount(a), danish_amount(b))
        for code, name, a, b in _ACCOUNT_ROW.findall(seed_text)
    }
    assert len(rows) == 18, sorted(rows)
    return rows


@pytest.fixture(scope="module")
def seed_totals(seed_text: str) -> dict[int, int]:
    match = _TOTAL_ROW.search(seed_text)
    assert match, "no 'I alt' line in the seed"
    return {2020: danish_amount(match.group(1)), 2021: danish_amount(match.group(2))}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_engine(db_url, create=True)
    load_plans(eng, [read_plan(BUNDLED_PLAN), read_plan(TINY)])
    yield eng
    eng.dispose()


def items(conn: Connection, kind: str, slug: str = SLUG, **kw: Any) -> list[dict[str, Any]]:
    data = list_items(conn, kind, plan_id_for(conn, slug), **kw).data
    assert isinstance(data, list)
    return data


# --------------------------------------------------------------------------- the bundled plan vs the seed


def test_counts(engine: Engine) -> None:
    with engine.connect() as conn:
        goals = items(conn, "national-goals")
        assert [g["code"] for g in goals] == ["NG1", "NG2", "NG3", "NG4", "NG5"]
        assert [g["code"] for g in goals if g["new"]] == ["NG1", "NG2"]
        assert len(items(conn, "focus-areas", level="strategic")) == 3
        assert len(items(conn, "focus-areas", level="annual")) == 5
        assert len(items(conn, "initiatives")) == 23
        assert len(items(conn, "accounts")) == 18
        # Every annual area has its priorities, in the file's order.
        assert [len(a["priorities"]) for a in items(conn, "focus-areas", level="annual")] == [6, 3, 4, 3, 4]


def test_every_amount_matches_the_seed(engine: Engine, seed_budget: dict[str, tuple[str, int, int]]) -> None:
    with engine.connect() as conn:
        accounts = items(conn, "accounts")
    assert [a["code"] for a in accounts] == list(seed_budget)  # same accounts, same order
    for a in accounts:
        name, b2020, b2021 = seed_budget[a["code"]]
        assert a["name"] == name
        assert sorted((b["year"], b["kind"], b["amount"]) for b in a["budget"]) == [
            (2020, "budget", b2020), (2021, "budget", b2021)], a["code"]


def test_declared_totals_as_printed(
    engine: Engine, seed_totals: dict[int, int], seed_budget: dict[str, tuple[str, int, int]]
) -> None:
    assert seed_totals == {2020: 492697, 2021: 540225}
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, SLUG)
        t = m.DeclaredTotal.__table__  # type: ignore[attr-defined]
        totals = conn.execute(select(t).where(t.c.plan_id == plan_id).order_by(t.c.year)).all()
        bt = m.BudgetLine.__table__  # type: ignore[attr-defined]
        at = m.Account.__table__  # type: ignore[attr-defined]
        lines = conn.execute(
            select(bt.c.year, bt.c.amount).select_from(bt.join(at, at.c.id == bt.c.account_id))
            .where(at.c.plan_id == plan_id)
        ).all()
    assert [(r.label, r.year, r.kind, r.amount) for r in totals] == [
        ("I alt", 2020, "budget", 492697), ("I alt", 2021, "budget", 540225)]
    # The rows do not add up to the printed totals (each row is rounded on its own), and the
    # database keeps the totals as printed.
    row_sums = {year: sum(a for y, a in lines if y == year) for year in (2020, 2021)}
    assert row_sums == {2020: 492699, 2021: 540226}
    assert row_sums == {
        2020: sum(b for _, b, _ in seed_budget.values()),
        2021: sum(b for _, _, b in seed_budget.values()),
    }


def test_account_structure_is_derived_from_the_code(engine: Engine) -> None:
    with engine.connect() as conn:
        accounts = {a["code"]: a for a in items(conn, "accounts")}
    a = accounts["055771"]
    assert (a["hovedkonto"], a["hovedfunktion"], a["funktion"], a["dotted"]) == (5, 57, 71, "5.57.71")
    assert accounts["054660"]["dotted"] == "5.46.60"
    for code, acc in accounts.items():
        assert (acc["hovedkonto"], acc["hovedfunktion"], acc["funktion"]) == (
            int(code[:2]), int(code[2:4]), int(code[4:]))
        assert acc["dotted"] == f"{int(code[:2])}.{code[2:4]}.{code[4:]}"


def test_links_carry_their_basis(engine: Engine) -> None:
    with engine.connect() as conn:
        lt = m.Link.__table__  # type: ignore[attr-defined]
        bases = {r.basis for r in conn.execute(select(lt.c.basis))}
        accounts = items(conn, "accounts")
    assert bases == {"explicit", "inferred"}
    # 055778 (dagpenge) -> forsikrede ledige is the transcriber's inference.
    (dagpenge,) = [a for a in accounts if a["code"] == "055778"]
    assert {"kind": "target_group", "code": "forsikrede-ledige", "basis": "inferred"} in dagpenge["links"]


def test_context_figures_load_as_measurements(engine: Engine) -> None:
    with engine.connect() as conn:
        indicators = {i["code"]: i for i in items(conn, "indicators")}
    kalundborg = indicators["ledighed-stigning-kalundborg"]
    assert (kalundborg["latest_value"], kalundborg["latest_period"]) == (5.8, "2020-03-08/2020-10-18")


# --------------------------------------------------------------------------- listing the tiny plan


def test_tiny_listing(engine: Engine) -> None:
    with engine.connect() as conn:
        goals = {g["code"]: g for g in items(conn, "national-goals", "tiny-library")}
        areas = {a["code"]: a for a in items(conn, "focus-areas", "tiny-library")}
        inits = {i["code"]: i for i in items(conn, "initiatives", "tiny-library")}
        groups = {t["code"]: t for t in items(conn, "target-groups", "tiny-library")}
        accounts = {a["code"]: a for a in items(conn, "accounts", "tiny-library")}
        indicators = {i["code"]: i for i in items(conn, "indicators", "tiny-library")}
    assert goals["G1"]["focus_areas"] == [{"code": "S1", "basis": "inferred"}, {"code": "A1", "basis": "explicit"}]
    assert goals["G1"]["initiatives"] == [{"code": "I1", "basis": "explicit"}]
    assert goals["G1"]["indicators"] == [{"code": "K1", "basis": "explicit"}]
    assert goals["G2"]["continued_from"] == 2023 and goals["G2"]["new"] is False
    assert areas["A1"]["initiatives"] == ["I1", "I3"]
    assert areas["S1"]["annual_areas"] == [{"code": "A1", "basis": "explicit"}]
    assert inits["I1"]["description"] == "A box of books and a guide for each club."
    assert (inits["I1"]["focus_area"], inits["I1"]["owner"]) == ("A1", "Children's department")
    assert (inits["I1"]["status"], inits["I1"]["start"], inits["I1"]["end"]) == (
        "on-track", "2024-03-01", "2024-12-31")
    assert inits["I2"]["accounts"] == [{"code": "033250", "basis": "inferred", "share": 40}]
    assert inits["I2"]["indicators"] == [{"code": "K2", "basis": "inferred"}]
    assert groups["kids"]["accounts"] == [{"code": "033251", "basis": "explicit"}]
    assert accounts["033250"]["budget"] == [
        {"year": 2024, "kind": "actual", "amount": 118},
        {"year": 2024, "kind": "budget", "amount": 120.5},
        {"year": 2025, "kind": "budget", "amount": 130},
    ]
    k1 = indicators["K1"]
    assert (k1["baseline"], k1["baseline_period"], k1["target"], k1["target_period"]) == (41.5, "2023", 50, "2025")
    assert k1["measures"] == [
        {"kind": "national_goal", "code": "G1", "basis": "explicit"},
        {"kind": "focus_area", "code": "A1", "basis": "inferred"},
    ]
    # 2025 is a forecast with no value: the latest observed value is 2024Q1's.
    assert (k1["latest_value"], k1["latest_period"]) == (43, "2024Q1")


# --------------------------------------------------------------------------- the tree


def test_tiny_tree(engine: Engine) -> None:
    with engine.connect() as conn:
        text = render_tree(conn, plan_id_for(conn, "tiny-library"))
    lines = text.splitlines()
    assert lines[0] == (
        "Reading plan 2024–2025 (synthetic) — Example Town Library (tiny-library) [SYNTHETIC EXAMPLE DATA]"
    )
    expected_in_order = [
        "├─ G1 More children read every week [new]",
        "│  ├─ strategic focus area S1: A reading town (inferred)",
        "│  ├─ annual focus area A1: Reading clubs for children",
        "│  │  ├─ serves strategic focus area S1: A reading town",
        "│  │  ├─ initiative I1: Reading club kits",
        "│  │  │  └─ target group kids: Children aged 6–12",
        "│  │  ├─ initiative I3: Volunteer reader training",
        "│  │  ├─ account 033250 Folkebiblioteker (inferred)",
        "│  │  └─ indicator K1: Children who read every week (inferred)",
        "│  ├─ initiative I1: Reading club kits",
        "│  └─ indicator K1: Children who read every week",
        "├─ G2 Adults find the books they need: quickly",
        "│  └─ annual focus area A2: Finding books (inferred)",
        "│     └─ initiative I2: Catalogue search upgrade",
        "│        ├─ target group adults: Adult readers (inferred)",
        "│        ├─ indicator K2: Loans per visit (inferred)",
        "│        └─ account 033250 Folkebiblioteker (inferred)",
        "└─ Accounts linked to no national goal",
        "   └─ 033251 Outreach (synthetic), linked to target group kids",
    ]
    positions = [lines.index(line) for line in expected_in_order]
    assert positions == sorted(positions), text
    # 033251 is linked to a target group only: it reaches no goal, and the tree says so last.
    assert lines[-1] == expected_in_order[-1]
    assert text.endswith("\n")


def test_tree_of_a_plan_with_no_links(tmp_path: Path, engine: Engine) -> None:
    plan = tmp_path / "bare.yaml"
    plan.write_text(
        "goaltrack: 1\nplan: {slug: bare, title: Bare, organisation: O, years: [2024], synthetic: true}\n"
        "national_goals:\n  - {code: G1, title: Alone}\n"
        "initiatives:\n  - {code: I1, title: Floating}\n"
        "accounts:\n  - {code: '010101', name: Unlinked}\n",
        encoding="utf-8",
    )
    load_plans(engine, [read_plan(plan)])
    with engine.connect() as conn:
        text = render_tree(conn, plan_id_for(conn, "bare"))
    assert "(nothing linked to this goal)" in text
    assert "Initiatives linked to no national goal" in text and "I1: Floating" in text
    assert "010101 Unlinked, linked to nothing" in text


def test_tree_keeps_the_inferred_mark_when_shortening(engine: Engine) -> None:
    with engine.connect() as conn:
        text = render_tree(conn, plan_id_for(conn, SLUG), width=60)
    shortened = [line for line in text.splitlines() if "…" in line]
    assert shortened
    assert all(len(line) <= 60 for line in text.splitlines()[1:])
    # FA2 serves SF2 by inference; the long line is cut but keeps its mark.
    fa2_sf2 = [line for line in text.splitlines() if "serves strategic focus area SF2" in line]
    assert fa2_sf2 and any(line.endswith("… (inferred)") for line in fa2_sf2)
