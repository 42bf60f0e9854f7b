"""Money per national goal without double counting: each account's amount split over the
goals it serves, with what serves no goal as "not allocated", so that the goals' amounts
plus "not allocated" equal the budget total exactly, per year.

How an account's amount is split:

1. Over its links to focus areas and initiatives (the items that serve goals; a link to a
   target group says whom the money is for, not which goal it serves). A link with a
   ``share`` takes that percent; what the shares leave is split evenly over the links
   without one. When every link has a share, what they leave is not allocated.
2. A link's part goes to the national goals its item serves: a focus area's goals; an
   initiative's own goals and its focus area's. Several goals split it evenly; an item
   that serves no goal leaves its part not allocated.

Each part says how it came about: ``share`` (the plan's share, to one goal), ``whole``
(the account's one link, to one goal: nothing to split) or ``even`` (the plan gives no
share, so goaltrack split evenly). Parts are rounded to the precision of the account's
amount (whole units where the plan writes whole units) by largest remainder, so that an
account's parts add up to its amount to the last digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.engine import Connection

from goaltrack.store.links import Links
from goaltrack.store.plan_queries import PlanItems, account_amounts

#: Why money is not allocated, in the order reports list them.
NO_LINK = "no_link"
TARGET_GROUPS_ONLY = "target_groups_only"
SHARES_BELOW_100 = "shares_below_100"
ITEM_WITHOUT_GOAL = "item_without_goal"
REASONS = (NO_LINK, TARGET_GROUPS_ONLY, SHARES_BELOW_100, ITEM_WITHOUT_GOAL)

#: How a part came about; a goal's amount is ``even`` in part when any of its parts is.
METHODS = ("share", "whole", "even")


@dataclass
class Part:
    """What one account gives one goal (``goal`` is its code) or leaves unallocated
    (``goal`` None, ``reason`` one of :data:`REASONS`)."""

    goal: str | None
    reason: str | None
    weight: Fraction
    method: str
    amounts: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class AccountSplit:
    code: str
    name: str
    amounts: dict[str, Decimal]
    parts: list[Part]


@dataclass
class Allocation:
    """One plan's money of one kind (budget, corrected, actual), split over its goals."""

    kind: str
    years: list[str]
    goals: list[Any]  # the plan's national goal rows, in plan order
    accounts: list[AccountSplit]

    def goal_amounts(self, code: str) -> dict[str, Decimal]:
        return self._sum(lambda p: p.goal == code)

    def goal_even(self, code: str) -> dict[str, Decimal]:
        """The part of goal ``code``'s amount that an even split (not the plan) put there."""
        return self._sum(lambda p: p.goal == code and p.method == "even")

    def not_allocated(self, reason: str | None = None) -> dict[str, Decimal]:
        return self._sum(lambda p: p.goal is None and (reason is None or p.reason == reason))

    def totals(self) -> dict[str, Decimal]:
        return self._sum(lambda p: True)

    def _sum(self, keep: Any) -> dict[str, Decimal]:
        out = {y: Decimal(0) for y in self.years}
        for acc in self.accounts:
            for p in acc.parts:
                if keep(p):
                    for y, amount in p.amounts.items():
                        out[y] += amount
        return out


def allocate(conn: Connection, plan_id: int, kind: str = "budget") -> Allocation:
    """Split every account of plan ``plan_id`` over the plan's national goals."""
    items = PlanItems(conn, plan_id)
    links = Links(conn, [plan_id], codes=False)
    goal_code = {g.id: g.code for g in items.goals}
    area_of = {i.id: i.focus_area_id for i in items.initiatives}

    def goals_of(kind_: str, item_id: int) -> list[str]:
        """The codes of the goals a focus area or initiative serves, in plan order."""
        ids = {lk.dst_id for lk in links.out[(kind_, item_id)] if lk.dst_kind == "national_goal"}
        if kind_ == "initiative" and area_of.get(item_id) is not None:
            area = area_of[item_id]
            ids |= {lk.dst_id for lk in links.out[("focus_area", area)] if lk.dst_kind == "national_goal"}
        return [goal_code[g.id] for g in items.goals if g.id in ids]

    order = {g.code: i for i, g in enumerate(items.goals)}
    amounts = _amounts(conn, plan_id, kind)
    years = sorted({y for per_year in amounts.values() for y in per_year})
    splits = []
    for a in items.accounts:
        own = amounts.get(a.id, {})
        parts = sorted(_weights(links, a.id, goals_of), key=lambda p: _order(p, order))
        for y in years:
            _spread(own.get(y, Decimal(0)), y, parts)
        splits.append(AccountSplit(a.code, a.name, {y: own.get(y, Decimal(0)) for y in years}, parts))
    return Allocation(kind, years, list(items.goals), splits)


def _order(part: Part, goal_order: dict[str, int]) -> tuple[int, int]:
    """Goals in plan order, then what is not allocated, by reason."""
    if part.goal is not None:
        return (0, goal_order[part.goal])
    return (1, REASONS.index(part.reason or NO_LINK))


def _amounts(conn: Connection, plan_id: int, kind: str) -> dict[int, dict[str, Decimal]]:
    """Account id -> year (as text) -> the sum of its lines of ``kind``, as a decimal."""
    # repr of the float is the shortest decimal that reads back as it: what the plan wrote.
    return {account_id: {y: Decimal(repr(v)) for y, v in years.items()}
            for account_id, years in account_amounts(conn, plan_id, kind).items()}


def _weights(links: Links, account_id: int, goals_of: Any) -> list[Part]:
    """The parts of one account, each with its weight (the weights add up to one)."""
    out = links.out[("account", account_id)]
    carriers = [lk for lk in out if lk.dst_kind in ("focus_area", "initiative")]
    if not carriers:
        return [Part(None, TARGET_GROUPS_ONLY if out else NO_LINK, Fraction(1), "whole")]
    given = [lk for lk in carriers if lk.share is not None]
    rest = Fraction(1) - sum((Fraction(str(lk.share)) / 100 for lk in given), Fraction(0))
    unshared = len(carriers) - len(given)
    parts: dict[tuple[str | None, str | None], Part] = {}

    def add(goal: str | None, reason: str | None, weight: Fraction, method: str) -> None:
        key = (goal, reason)
        if key in parts:
            p = parts[key]
            p.weight += weight
            p.method = max(p.method, method, key=METHODS.index)
        else:
            parts[key] = Part(goal, reason, weight, method)

    for lk in carriers:
        if lk.share is not None:
            weight, method = Fraction(str(lk.share)) / 100, "share"
        else:
            weight, method = rest / unshared, ("whole" if len(carriers) == 1 else "even")
        goals = goals_of(lk.dst_kind, lk.dst_id)
        if not goals:
            add(None, ITEM_WITHOUT_GOAL, weight, method)
        for goal in goals:
            add(goal, None, weight / len(goals), "even" if len(goals) > 1 else method)
    if not unshared and rest > 0:
        add(None, SHARES_BELOW_100, rest, "share")
    return [p for p in parts.values() if p.weight != 0]


def _spread(amount: Decimal, year: str, parts: list[Part]) -> None:
    """Give each part its weight of ``amount`` in the amount's own precision (whole units
    when the plan writes whole units), by largest remainder: the parts add up to ``amount``
    exactly, and every part reads as the plan's amounts do."""
    exponent = amount.normalize().as_tuple().exponent
    quantum = Decimal(1).scaleb(min(exponent, 0)) if isinstance(exponent, int) else Decimal(1)
    units = Fraction(amount) / Fraction(quantum)
    exact = [units * p.weight for p in parts]
    floors = [q.numerator // q.denominator for q in exact]
    left = int(units) - sum(floors)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    for p, n in zip(parts, floors, strict=True):
        p.amounts[year] = Decimal(n) * quantum
