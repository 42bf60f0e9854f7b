"""The built-in computed indicators: budget-change and initiative-status-share.

Their values come from set-based SQL on the database, so they run on both backends. The
budget figures are the bundled plan's; the expected changes are the domain notes' hand
computations (shared/domain.md, the budget table: 055778 Dagpenge til forsikrede ledige
75 343 -> 106 652 = +41.6 %; hovedfunktion 57: 239 956 -> 282 669; all 18 accounts:
492 699 -> 540 226).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_PLAN, REPO
from sqlalchemy.engine import Engine

from goaltrack.engine.plan_scoring import score_plan
from goaltrack.errors import DataError
from goaltrack.interfaces import ComputedValue, IndicatorKind, IndicatorSpec
from goaltrack.planfile.validate import read_plan
from goaltrack.plugins import load_plugins
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import record_status

SYNTHETIC = REPO / "tests" / "data" / "progress-plan.yaml"


@pytest.fixture(scope="module")
def kinds() -> dict[str, IndicatorKind]:
    return load_plugins().indicator_kinds


def load(url: str, path: Path) -> tuple[Engine, int]:
    engine = open_engine(url, create=True)
    (result,) = load_plans(engine, [read_plan(path)], recorded_by="test")
    with engine.connect() as conn:
        return engine, plan_id_for(conn, result.slug)


@pytest.fixture
def bundled(db_url: str) -> Any:
    engine, plan_id = load(db_url, BUNDLED_PLAN)
    yield engine, plan_id
    engine.dispose()


def compute(ind_kind: IndicatorKind, engine: Engine, plan_id: int, **parameters: Any) -> list[ComputedValue]:
    spec = IndicatorSpec(code="C1", name="computed", unit="pct-change", direction=None, parameters=parameters)
    with engine.connect() as conn:
        return ind_kind.compute(conn, plan_id, spec)


def test_both_kinds_are_registered(kinds: dict[str, IndicatorKind]) -> None:
    for name in ("budget-change", "initiative-status-share"):
        assert kinds[name].description and kinds[name].parameters


# --------------------------------------------------------------------------- budget-change


def pct(old: float, new: float) -> float:
    return (new - old) / abs(old) * 100


BUDGET_CASES = [
    # selector(s), B2020, B2021 (domain notes), and what they are
    ("055778", 75343, 106652),  # Dagpenge til forsikrede ledige: +41.6 %
    ("5.57.78", 75343, 106652),  # the same account, dotted
    ("5.57", 239956, 282669),  # hovedfunktion 57: +17.8 %
    ("5.46", 18877, 17825),  # hovedfunktion 46: -5.6 %
    ("5.46,5.58", 18877 + 169531, 17825 + 176430),  # two hovedfunktioner together
    (["055771", "055778"], 67639 + 75343, 69321 + 106652),  # a list of accounts
    ("all", 492699, 540226),  # all 18 accounts, summed (not the declared "I alt")
    ("056891", 3417, 0),  # -100 %
]


def test_budget_change_on_the_bundled_plan(bundled: tuple[Engine, int], kinds: dict[str, IndicatorKind]) -> None:
    engine, plan_id = bundled
    kind = kinds["budget-change"]
    (value,) = compute(kind, engine, plan_id, accounts="055778", from_year=2020, to_year=2021)
    assert value.period == "2021"
    assert round(value.value, 1) == 41.6
    assert value.note == "75343 → 106652 (budget)"
    for accounts, old, new in BUDGET_CASES:
        (value,) = compute(kind, engine, plan_id, accounts=accounts, from_year=2020, to_year=2021)
        assert value.value == pytest.approx(pct(old, new)), accounts
    assert round(pct(239956, 282669), 1) == 17.8  # the hand computation itself
    # A negative base (a net income line) has no percentage: no value, as from 0.
    assert compute(kind, engine, plan_id, accounts="054665", from_year=2020, to_year=2021) == []
    # Default: every account.
    (value,) = compute(kind, engine, plan_id, from_year=2020, to_year=2021)
    assert value.value == pytest.approx(pct(492699, 540226))
    # The other direction of time.
    (value,) = compute(kind, engine, plan_id, accounts="055778", from_year=2021, to_year=2020)
    assert value.period == "2020" and value.value == pytest.approx(pct(106652, 75343))


def test_budget_change_without_a_percentage(bundled: tuple[Engine, int], kinds: dict[str, IndicatorKind]) -> None:
    engine, plan_id = bundled
    kind = kinds["budget-change"]
    # 0 -> 0 has no percentage: no value rather than a division error.
    assert compute(kind, engine, plan_id, accounts="055774", from_year=2020, to_year=2021) == []
    # A year or kind the plan has no lines for.
    assert compute(kind, engine, plan_id, accounts="055778", from_year=2019, to_year=2021) == []
    assert compute(kind, engine, plan_id, accounts="055778", from_year=2020, to_year=2021, kind="actual") == []
    assert compute(kind, engine, plan_id, accounts="099999", from_year=2020, to_year=2021) == []
    with pytest.raises(DataError, match="C1: budget-change needs integer from_year and to_year"):
        compute(kind, engine, plan_id, accounts="055778", to_year=2021)
    with pytest.raises(DataError, match="needs integer from_year"):
        compute(kind, engine, plan_id, accounts="055778", from_year="last year", to_year=2021)


# --------------------------------------------------------------------------- initiative-status-share


def test_initiative_status_share_on_the_bundled_plan(bundled: tuple[Engine, int],
                                                     kinds: dict[str, IndicatorKind]) -> None:
    engine, plan_id = bundled
    kind = kinds["initiative-status-share"]
    # Nothing recorded and the plan declares no statuses: 0 of 4.
    (value,) = compute(kind, engine, plan_id, item="FA4")
    assert (value.period, value.value, value.note) == ("2021", 0.0, "0 of 4 initiatives on-track")

    record_status(engine, plan_id, "FA4-T1", "on-track", by="tester")
    record_status(engine, plan_id, "FA4-T2", "on-track", by="tester")
    record_status(engine, plan_id, "FA4-T2", "at-risk", by="tester", note="fewer places")  # latest counts
    record_status(engine, plan_id, "FA4-T3", "on-track", by="tester")
    record_status(engine, plan_id, "FA5-T1", "done", by="tester")

    (value,) = compute(kind, engine, plan_id, item="FA4")
    assert (value.value, value.note) == (50.0, "2 of 4 initiatives on-track")  # FA4-T1, FA4-T3
    (value,) = compute(kind, engine, plan_id, item="FA4", status="at-risk")
    assert value.value == 25.0  # FA4-T2
    # A national goal counts the initiatives linked to it and those of its focus areas:
    # NG3 <- FA4 (FA4-T1..T4), FA5 (FA5-T1..T4) and FA4-T1..T4 directly = 8 initiatives.
    (value,) = compute(kind, engine, plan_id, item="NG3")
    assert (value.value, value.note) == (25.0, "2 of 8 initiatives on-track")
    (value,) = compute(kind, engine, plan_id, item="NG3", status="done")
    assert value.value == pytest.approx(12.5)  # FA5-T1
    # No item: every initiative of the plan (23).
    (value,) = compute(kind, engine, plan_id, period="2021H1")
    assert (value.period, value.note) == ("2021H1", "2 of 23 initiatives on-track")
    assert value.value == pytest.approx(200 / 23)
    with pytest.raises(DataError, match="C1: no focus area or national goal 'FA9'"):
        compute(kind, engine, plan_id, item="FA9")


def test_status_share_and_score_agree_on_declared_statuses(db_url: str, kinds: dict[str, IndicatorKind]) -> None:
    """An initiative with no recorded status counts with the status its plan file declares,
    as in the score roll-up (progress-plan.yaml declares I4 on-track)."""
    engine, plan_id = load(db_url, SYNTHETIC)
    try:
        kind = kinds["initiative-status-share"]
        (value,) = compute(kind, engine, plan_id, item="A2")
        assert (value.period, value.note) == ("2024", "1 of 2 initiatives on-track")  # I4, declared
        record_status(engine, plan_id, "I3", "on-track", by="tester")
        assert compute(kind, engine, plan_id, item="A2")[0].value == 100.0
        record_status(engine, plan_id, "I4", "off-track", by="tester", note="no permit")
        assert compute(kind, engine, plan_id, item="A2")[0].value == 50.0
        # The same engine scores it: A2-ON-TRACK is computed, and has no target, so no data.
        with engine.connect() as conn:
            scores = score_plan(conn, load_plugins(), plan_id)
        node = scores.find("A2-ON-TRACK")
        assert node.score is None
        assert node.explanation == "A2-ON-TRACK: 50 % (2024), but no baseline and target to score against"
        waste = scores.find("WASTE-BUDGET")  # 800 + 200 -> 1000 + 150: +15 %; linear 15/20
        assert waste.score == pytest.approx(0.75)
        assert waste.explanation == "15 % (2024) vs baseline 0 % and target 20 % → 0.75, increase wanted"
    finally:
        engine.dispose()
