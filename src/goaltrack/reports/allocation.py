"""The allocation view of a plan's money, as the budget and coverage reports show it: per
national goal the amount allocated to it (:mod:`goaltrack.engine.allocation` says how),
the part of that an even split put there, the "not allocated" line by reason, and the
total they add up to; and per account, where its amount went."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from goaltrack.engine.allocation import REASONS, Allocation
from goaltrack.interfaces import Column, Table


def plain_amounts(amounts: dict[str, Decimal]) -> dict[str, float]:
    """Amounts by year as JSON numbers."""
    return {y: float(v) for y, v in amounts.items()}


def allocation_json(alloc: Allocation) -> dict[str, Any]:
    """The ``allocation`` block of the budget report's JSON."""
    goals = [
        {"code": g.code, "title": g.title, "amounts": plain_amounts(alloc.goal_amounts(g.code)),
         "even": plain_amounts(alloc.goal_even(g.code)),
         "accounts": sum(1 for a in alloc.accounts if any(p.goal == g.code and any(p.amounts.values())
                                                          for p in a.parts))}
        for g in alloc.goals
    ]
    reasons = [{"reason": r, "amounts": plain_amounts(alloc.not_allocated(r)),
                "accounts": [a.code for a in alloc.accounts if any(p.reason == r for p in a.parts)]}
               for r in REASONS]
    accounts = [
        {"code": a.code, "name": a.name, "amounts": plain_amounts(a.amounts),
         "parts": [{"goal": p.goal, "reason": p.reason, "percent": round(float(p.weight) * 100, 4),
                    "method": p.method, "amounts": plain_amounts(p.amounts)} for p in a.parts]}
        for a in alloc.accounts
    ]
    return {
        "kind": alloc.kind, "years": alloc.years, "goals": goals,
        "not_allocated": {"amounts": plain_amounts(alloc.not_allocated()),
                          "reasons": [r for r in reasons if r["accounts"]]},
        "total": plain_amounts(alloc.totals()), "accounts": accounts,
    }


def allocation_tables(block: dict[str, Any]) -> list[Table]:
    """The allocation as flat tables: money per goal (with the "not allocated" and total
    rows), and each account's parts."""
    years = block["years"]
    # The code column's last two rows say "not allocated" and "total" (translated for people).
    cols = [Column("code", "Goal", labels="allocation"), Column("title", "Title")]
    cols += [Column(f"allocated_{y}", f"Allocated {y}", "number") for y in years]
    cols += [Column(f"even_{y}", f"Of which split evenly {y}", "number") for y in years]
    rows: list[tuple[Any, ...]] = [
        (g["code"], g["title"], *[g["amounts"][y] for y in years], *[g["even"][y] for y in years])
        for g in block["goals"]
    ]
    rows.append(("not_allocated", "", *[block["not_allocated"]["amounts"][y] for y in years], *[None for _ in years]))
    rows.append(("total", "", *[block["total"][y] for y in years], *[None for _ in years]))
    part_cols = [Column("account", "Account"), Column("name", "Name"), Column("goal", "Goal"),
                 Column("method", "Split", labels="allocation"), Column("percent", "Percent", "number")]
    part_cols += [Column(f"y{y}", f"Allocated {y}", "number") for y in years]
    part_rows = [
        (a["code"], a["name"], p["goal"] or "", p["method"] if p["goal"] else p["reason"], p["percent"],
         *[p["amounts"][y] for y in years])
        for a in block["accounts"] for p in a["parts"]
    ]
    return [Table("allocation", "Money per national goal", cols, rows),
            Table("allocation_accounts", "Accounts split over the national goals", part_cols, part_rows)]
