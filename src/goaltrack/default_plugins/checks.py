"""Built-in coverage and lint checks (``goaltrack check``; the gaps in the coverage report).

Rule ids are stable: plan repositories may filter on them in CI.

=======  ========  ==========================================================
GT001    warning   national goal without initiative
GT002    warning   national goal without indicator
GT003    info      initiative without indicator
GT004    warning   indicator without baseline, target or direction
GT005    warning   indicator without data
GT006    warning   indicator whose latest data is older than the allowed age
GT007    warning   target group that no initiative serves
GT008    warning   annual focus area linked to no national goal
GT009    warning   account with budget but no link
GT010    error     declared total off beyond rounding
GT011    info      declared total off within rounding
GT012    warning   national goal with no allocated money
GT013    warning   review entry waiting for an approver longer than allowed
=======  ========  ==========================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack import hookimpl
from goaltrack.interfaces import Check, Finding
from goaltrack.settings import DEFAULTS
from goaltrack.store import tables as m
from goaltrack.store.links import Links
from goaltrack.store.measurements import latest_values
from goaltrack.store.plan_queries import PlanItems


class _PlanFacts(PlanItems):
    """Everything the checks look at, read once per plan (checks share it via settings)."""

    def __init__(self, conn: Connection, plan_id: int) -> None:
        super().__init__(conn, plan_id)
        self.links = Links(conn, [plan_id])
        self.latest = latest_values(conn, [i.id for i in self.indicators if not i.computed])

    def goal_initiatives(self, goal_id: int) -> set[int]:
        found = {lk.src_id for lk in self.links.into[("national_goal", goal_id)] if lk.src_kind == "initiative"}
        for lk in self.links.into[("national_goal", goal_id)]:
            if lk.src_kind == "focus_area":
                found.update(i.id for i in self.inits_by_area.get(lk.src_id, []))
        return found

    def goal_indicators(self, goal_id: int) -> set[int]:
        found = {lk.src_id for lk in self.links.into[("national_goal", goal_id)] if lk.src_kind == "indicator"}
        areas = {lk.src_id for lk in self.links.into[("national_goal", goal_id)] if lk.src_kind == "focus_area"}
        for item_kind, ids in (("focus_area", areas), ("initiative", self.goal_initiatives(goal_id))):
            for item_id in ids:
                found.update(lk.src_id for lk in self.links.into[(item_kind, item_id)] if lk.src_kind == "indicator")
        return found


def facts(conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> _PlanFacts:
    cache = settings.get("_facts")
    if isinstance(cache, dict):
        if plan_id not in cache:
            cache[plan_id] = _PlanFacts(conn, plan_id)
        return cache[plan_id]
    return _PlanFacts(conn, plan_id)


class GoalWithoutInitiative(Check):
    rule_id = "GT001"
    severity = "warning"
    description = "A national goal that no initiative serves, directly or through a focus area."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for g in f.goals:
            if not f.goal_initiatives(g.id):
                yield Finding(self.rule_id, self.severity, f"national goal {g.code} has no initiative",
                              "national_goal", g.code)


class GoalWithoutIndicator(Check):
    rule_id = "GT002"
    severity = "warning"
    description = "A national goal with no indicator on it, its focus areas or its initiatives."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for g in f.goals:
            if not f.goal_indicators(g.id):
                yield Finding(self.rule_id, self.severity, f"national goal {g.code} has no indicator", "national_goal",
                              g.code)


class InitiativeWithoutIndicator(Check):
    rule_id = "GT003"
    severity = "info"
    description = "An initiative with no indicator (its recorded status is then its only measure)."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for i in f.initiatives:
            if not any(lk.src_kind == "indicator" for lk in f.links.into[("initiative", i.id)]):
                yield Finding(self.rule_id, self.severity, f"initiative {i.code} has no indicator", "initiative",
                              i.code)


class IndicatorIncomplete(Check):
    rule_id = "GT004"
    severity = "warning"
    description = "An indicator that measures a goal, area or initiative but lacks a baseline, target or direction."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for i in f.indicators:
            if not f.links.out[("indicator", i.id)] or i.computed:
                continue  # context figures measure nothing and need no target
            lacking = [name for name, value in (("baseline", i.baseline_value), ("direction", i.direction))
                       if value is None]
            if i.target_value is None and i.target_low is None:
                lacking.insert(1, "target")
            if lacking:
                yield Finding(self.rule_id, self.severity, f"indicator {i.code} has no {', '.join(lacking)}",
                              "indicator", i.code)


class IndicatorWithoutData(Check):
    rule_id = "GT005"
    severity = "warning"
    description = "An indicator that measures something but has no current value."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for i in f.indicators:
            if i.computed or not f.links.out[("indicator", i.id)]:
                continue
            if i.id not in f.latest:
                yield Finding(self.rule_id, self.severity, f"indicator {i.code} has no data", "indicator", i.code)


class IndicatorStale(Check):
    rule_id = "GT006"
    severity = "warning"
    description = "An indicator whose latest value ends more than [checks] max_data_age_days before the reference date."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        reference: dt.date = settings["reference_date"]
        max_age = int(settings.get("max_data_age_days", DEFAULTS.checks.max_data_age_days))
        for i in f.indicators:
            last = f.latest.get(i.id)
            if last is None or not f.links.out[("indicator", i.id)]:
                continue
            end = last.period_end
            if not isinstance(end, dt.date):
                end = dt.date.fromisoformat(str(end))
            age = (reference - end).days
            if age > max_age:
                yield Finding(self.rule_id, self.severity,
                              f"indicator {i.code}: latest data ({last.period_code}) is {age} days old "
                              f"on {reference.isoformat()} "
                              f"(allowed: {max_age})", "indicator", i.code)


class TargetGroupUnserved(Check):
    rule_id = "GT007"
    severity = "warning"
    description = "A target group that no initiative serves."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for t in f.groups:
            if not any(lk.src_kind == "initiative" for lk in f.links.into[("target_group", t.id)]):
                yield Finding(self.rule_id, self.severity,
                              f"target group {t.code} ({t.name}) is served by no initiative",
                              "target_group", t.code)


class AnnualAreaWithoutGoal(Check):
    rule_id = "GT008"
    severity = "warning"
    description = "An annual focus area linked to no national goal."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        for a in f.areas:
            if a.level == "annual" and not any(lk.dst_kind == "national_goal"
                                               for lk in f.links.out[("focus_area", a.id)]):
                yield Finding(self.rule_id, self.severity, f"annual focus area {a.code} is linked to no national goal",
                              "focus_area", a.code)


class AccountUnlinked(Check):
    rule_id = "GT009"
    severity = "warning"
    description = "A budget account with a non-zero amount but no link to a focus area, initiative or target group."

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        f = facts(conn, plan_id, settings)
        bt = m.table_of(m.BudgetLine)
        funded = {
            r.account_id for r in conn.execute(
                select(bt.c.account_id).where(bt.c.account_id.in_([a.id for a in f.accounts]), bt.c.amount != 0)
            )
        }
        for a in f.accounts:
            if a.id in funded and not f.links.out[("account", a.id)]:
                yield Finding(self.rule_id, self.severity, f"account {a.code} {a.name} has budget but no link",
                              "account", a.code)


class GoalWithoutMoney(Check):
    rule_id = "GT012"
    severity = "warning"
    description = ("A national goal to which no budget money is allocated in any year "
                   "(only in a plan that has a budget).")

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        from goaltrack.engine.allocation import allocate

        allocation = allocate(conn, plan_id)
        if not allocation.years:
            return
        for g in allocation.goals:
            if not any(allocation.goal_amounts(g.code).values()):
                yield Finding(self.rule_id, self.severity,
                              f"national goal {g.code} has no money allocated to it "
                              f"(budget {', '.join(allocation.years)})", "national_goal", g.code)


class _DeclaredTotals(Check):
    verdict = ""

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        from goaltrack.reports.budget import reconcile

        at, bt, dt_ = m.table_of(m.Account), m.table_of(m.BudgetLine), m.table_of(m.DeclaredTotal)
        lines = list(conn.execute(
            select(at.c.code, bt.c.year, bt.c.kind, bt.c.amount)
            .select_from(bt.join(at, at.c.id == bt.c.account_id)).where(at.c.plan_id == plan_id)
        ))
        for t in conn.execute(select(dt_).where(dt_.c.plan_id == plan_id).order_by(dt_.c.position)):
            mine = [r.amount for r in lines if r.year == t.year and r.kind == t.kind
                    and (t.accounts is None or r.code in t.accounts)]
            result = reconcile(t.amount, sum(mine), len(mine))
            if result["verdict"] == self.verdict:
                yield Finding(
                    self.rule_id, self.severity,
                    f"declared total '{t.label}' {t.year} ({t.kind}) is {t.amount:g} as printed; "
                    f"its {len(mine)} lines sum to {result['computed']:g} (difference {result['difference']:+g}, "
                    f"rounding tolerance ±{result['tolerance']:g})",
                    "declared_total", f"{t.label} {t.year}",
                )


class DeclaredTotalOff(_DeclaredTotals):
    rule_id = "GT010"
    severity = "error"
    verdict = "error"
    description = "A declared total that differs from the sum of its lines by more than rounding."


class DeclaredTotalRounding(_DeclaredTotals):
    rule_id = "GT011"
    severity = "info"
    verdict = "rounding"
    description = "A declared total that differs from the sum of its lines within rounding (kept as printed)."


class ReviewWaiting(Check):
    rule_id = "GT013"
    severity = "warning"
    description = ("A review entry submitted more than [checks] max_review_wait_days before the reference date "
                   "(--as-of, else today) and neither approved nor returned.")

    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        from goaltrack.people import tables as pt
        from goaltrack.review.transitions import describe

        on: dt.date = settings["review_date"]
        allowed = int(settings.get("max_review_wait_days", DEFAULTS.checks.max_review_wait_days))
        e = pt.review_entry
        for row in conn.execute(select(e).where(e.c.plan_id == plan_id, e.c.state == "submitted")
                                .order_by(e.c.updated_at, e.c.id)):
            waited = (on - row.updated_at.date()).days
            if waited > allowed:
                yield Finding(self.rule_id, self.severity,
                              f"review entry {row.id} ({describe(conn, row)}) by {row.author} has waited {waited} "
                              f"days for an approver (allowed: {allowed})", "review_entry", str(row.id))


@hookimpl
def register_checks(register):
    for check in (
        GoalWithoutInitiative(), GoalWithoutIndicator(), InitiativeWithoutIndicator(), IndicatorIncomplete(),
        IndicatorWithoutData(), IndicatorStale(), TargetGroupUnserved(), AnnualAreaWithoutGoal(),
        AccountUnlinked(), DeclaredTotalOff(), DeclaredTotalRounding(), GoalWithoutMoney(), ReviewWaiting(),
    ):
        register(check)
