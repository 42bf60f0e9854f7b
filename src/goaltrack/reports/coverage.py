"""The coverage report: for each national goal, what serves it, for whom, with what money,
how it is measured and how it is going; two matrices; the coverage level; the gaps.

Coverage level of a goal: ``covered`` when at least one initiative serves it and at least
one of its indicators has data; ``partial`` when it has initiatives or indicators but not
both of those; ``uncovered`` when nothing is linked to it. The overall level is
``covered`` only if every goal is.

Money behind a goal, two ways. ``allocated``: each account's amount split over the goals it
serves (:mod:`goaltrack.engine.allocation`), so that the goals' amounts plus
``not_allocated`` are the budget total; ``allocated_even`` is the part of it an even split
(not a share the plan gives) put there. ``touches``: the amounts of the accounts linked to
the goal's focus areas and initiatives, times the link's share where one is given; an
account without a share counts in full for every goal it touches, so these overlap and do
not add up (``apportioned`` says whether all of a goal's accounts carried a share).
``budget`` is the old name of ``touches``, kept for one release.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.engine.allocation import allocate
from goaltrack.engine.checking import run_checks
from goaltrack.engine.plan_scoring import score_plan
from goaltrack.interfaces import Column, RenderOptions, Report, Table
from goaltrack.reports.allocation import plain_amounts
from goaltrack.reports.common import envelope, plan_meta
from goaltrack.reports.findings import finding_json, findings_table
from goaltrack.reports.reach import Reach, level_counts, norm_title
from goaltrack.review.overlay import pending_indicators
from goaltrack.store import tables as m
from goaltrack.store.links import Links
from goaltrack.store.plan_queries import PlanItems, account_amounts
from goaltrack.vocab import SCORE_SOURCES, STATUSES

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins


def build_coverage(
    conn: Connection,
    plugins: Plugins,
    plan_id: int,
    options: RenderOptions,
    *,
    settings: dict[str, Any],
    compare_plan_id: int | None = None,
) -> Report:
    meta = plan_meta(conn, plan_id, "coverage", options)
    scores = score_plan(conn, plugins, plan_id, as_of=options.as_of, settings=settings.get("scoring", {}))
    goals = _GoalEntries(conn, plan_id, scores, options.as_of)
    goal_entries = [goals.entry(g) for g in goals.items.goals]
    summary = {"goals": len(goal_entries), **level_counts([e["coverage"] for e in goal_entries]),
               "statuses": status_counts(goal_entries)}
    matrix_areas, matrix_groups = _matrices(goals, goal_entries)
    findings = run_checks(conn, plugins, plan_id, settings=settings.get("checks", {}), options=options)
    comparison = (_compare(conn, compare_plan_id, goal_entries, plugins, settings, options.as_of)
                  if compare_plan_id is not None else None)
    data = envelope(
        meta, summary=summary, years=goals.years, goals=goal_entries,
        not_allocated=plain_amounts(goals.allocation.not_allocated()),
        budget_total=plain_amounts(goals.allocation.totals()), matrix_focus_areas=matrix_areas,
        matrix_target_groups=matrix_groups, gaps=[finding_json(f) for f in findings],
        annual_focus_areas=sum(1 for a in goals.items.areas if a.level == "annual"),
        example_data=any(e["example_data"] for e in goal_entries), comparison=comparison,
    )
    meta["example_data"] = data["example_data"]
    tables = _coverage_tables(goal_entries, goals, matrix_areas, matrix_groups, findings)
    tables[0].unit = meta.get("amount_unit") or meta.get("currency")  # the goals' allocated money
    if comparison is not None:
        tables.append(_comparison_table(comparison))
        tables[-1].unit = tables[0].unit
    return Report("coverage", f"Goal coverage: {meta['plan_title']}", data, tables, meta)


class _PlanItems(PlanItems):
    """The plan's items, and each kind by id."""

    def __init__(self, conn: Connection, plan_id: int) -> None:
        super().__init__(conn, plan_id)
        self.area_by_id = {a.id: a for a in self.areas}
        self.ini_by_id = {i.id: i for i in self.initiatives}
        self.ind_by_id = {i.id: i for i in self.indicators}
        self.acc_by_id = {a.id: a for a in self.accounts}


def status_counts(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """How many goals have each status, and of those how many rest on measured values, on
    self-reported statuses, or on both: "on track" means something else when nobody measured."""
    out: list[dict[str, Any]] = []
    for status in STATUSES:
        these = [e for e in entries if e["status"] == status]
        out.append({"status": status, "goals": len(these),
                    **{src: sum(e["source"] == src for e in these) for src in SCORE_SOURCES}})
    return out


class _GoalEntries:
    """What the coverage report says of each national goal: read once per plan, then
    :meth:`entry` per goal."""

    def __init__(self, conn: Connection, plan_id: int, scores: Any, as_of: dt.date | None) -> None:
        self.items = _PlanItems(conn, plan_id)
        self.links = Links(conn, [plan_id])
        self.amounts = account_amounts(conn, plan_id)
        self.allocation = allocate(conn, plan_id)
        self.years = self.allocation.years
        self.latest_dates = _latest_dates(conn, list(self.items.ind_by_id), as_of)
        self.pending = pending_indicators(conn, list(self.items.ind_by_id))  # None unless --include-pending
        self.ind_nodes = {n.code: n for n in scores.indicators}
        self.goal_nodes = {n.code: n for n in scores.goals}
        self.ini_nodes = {n.code: n for n in scores.initiatives}

    def entry(self, g: Any) -> dict[str, Any]:
        items = self.items
        reach = Reach(self.links, g.id, items.area_by_id, items.ini_by_id, items.inits_by_area)
        indicator_list = [self._indicator(ind_id, info) for ind_id, info in reach.indicators.items()]
        with_data = sum(1 for i in indicator_list if i["latest_period"] is not None)
        reached_groups = self._groups_reached(reach)
        gnode = self.goal_nodes[g.code]
        touches = self._money(reach)
        return {
            "code": g.code, "title": g.title, "new": bool(g.new),
            "coverage": reach.level(with_data),
            "focus_areas": [{"code": a.code, "title": a.title, "level": a.level, "basis": lk.basis}
                            for a, lk in reach.areas],
            "initiatives": [
                {"code": items.ini_by_id[i].code, "title": items.ini_by_id[i].title, "basis": info["basis"],
                 "via": info["via"], "status": self.ini_nodes[items.ini_by_id[i].code].status,
                 "source": self.ini_nodes[items.ini_by_id[i].code].source}
                for i, info in reach.initiatives.items()
            ],
            "target_groups": [
                {"code": t.code, "name": t.name, "via": sorted(set(reached_groups[t.id]))}
                for t in items.groups if t.id in reached_groups
            ],
            "indicators": indicator_list,
            "accounts": [
                {"code": items.acc_by_id[a].code, "name": items.acc_by_id[a].name, "share": info["share"],
                 "basis": info["basis"], "via": info["via"]}
                for a, info in reach.accounts.items()
            ],
            "allocated": plain_amounts(self.allocation.goal_amounts(g.code)),
            "allocated_even": plain_amounts(self.allocation.goal_even(g.code)),
            "touches": touches, "budget": touches,
            "apportioned": all(info["share"] is not None for info in reach.accounts.values()),
            "score": None if gnode.score is None else round(gnode.score, 4),
            "status": gnode.status, "source": gnode.source,
            "measured_share": None if gnode.measured is None else round(gnode.measured, 4),
            "with_data": gnode.with_data, "without_data": gnode.without_data,
            "example_data": gnode.example,
        }

    def _groups_reached(self, reach: Reach) -> dict[int, list[str]]:
        """Target group id -> codes of the goal's initiatives that reach it."""
        reached: dict[int, list[str]] = defaultdict(list)
        for ini_id in reach.initiatives:
            for lk in self.links.out[("initiative", ini_id)]:
                if lk.dst_kind == "target_group":
                    reached[lk.dst_id].append(self.items.ini_by_id[ini_id].code)
        return reached

    def _money(self, reach: Reach) -> dict[str, float]:
        money: dict[str, float] = defaultdict(float)
        for account_id, info in reach.accounts.items():
            factor = (info["share"] / 100.0) if info["share"] is not None else 1.0
            for year, amount in self.amounts.get(account_id, {}).items():
                money[year] += amount * factor
        return {y: money.get(y, 0.0) for y in self.years}

    def _indicator(self, ind_id: int, info: dict[str, Any]) -> dict[str, Any]:
        ind = self.items.ind_by_id[ind_id]
        node = self.ind_nodes[ind.code]
        latest = self.latest_dates.get(ind_id)
        return {
            "code": ind.code, "name": ind.name, "unit": ind.unit, "basis": info["basis"], "via": info["via"],
            "latest_period": latest[0] if latest else None, "latest_date": latest[1] if latest else None,
            "score": None if node.score is None else round(node.score, 4), "status": node.status,
            "example_data": node.example,
            **({"pending": ind_id in self.pending} if self.pending is not None else {}),
        }


def _matrices(goals: _GoalEntries, entries: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The goal × focus area matrix (link basis per cell) and the goal × target group matrix
    (initiatives per cell)."""
    items = goals.items
    matrix_areas = {
        "columns": [{"code": a.code, "title": a.title, "level": a.level} for a in items.areas],
        "rows": [
            {"goal": g.code, "cells": [
                _cell(goals.links, "focus_area", a.id, g.id,
                      len(items.inits_by_area.get(a.id, []))) for a in items.areas
            ]}
            for g in items.goals
        ],
    }
    matrix_groups = {
        "columns": [{"code": t.code, "name": t.name} for t in items.groups],
        "rows": [
            {"goal": e["code"], "cells": [
                {"initiatives": len(next((x["via"] for x in e["target_groups"] if x["code"] == t.code), []))}
                for t in items.groups
            ]}
            for e in entries
        ],
    }
    return matrix_areas, matrix_groups


def _coverage_tables(entries: list[dict[str, Any]], goals: _GoalEntries, matrix_areas: dict[str, Any],
                     matrix_groups: dict[str, Any], findings: list[Any]) -> list[Table]:
    years = goals.years
    goal_cols = [Column("code", "Goal"), Column("title", "Title"), Column("coverage", "Coverage", labels="coverage"),
                 Column("focus_areas", "Focus areas"), Column("initiatives", "Initiatives", "int"),
                 Column("target_groups", "Target groups", "int"), Column("indicators", "Indicators", "int")]
    goal_cols += [Column(f"allocated_{y}", f"Allocated {y}", "number") for y in years]
    goal_cols += [Column("score", "Score", "number"), Column("status", "Status", labels="status"),
                  Column("source", "Based on", labels="source"), Column("measured_share", "Measured %", "percent"),
                  Column("example_data", "Example data")]
    goal_rows = [
        (e["code"], e["title"], e["coverage"],
         ", ".join(a["code"] + ("*" if a["basis"] == "inferred" else "") for a in e["focus_areas"]),
         len(e["initiatives"]), len(e["target_groups"]), len(e["indicators"]),
         *[e["allocated"][y] for y in years], e["score"], e["status"], e["source"],
         None if e["measured_share"] is None else round(e["measured_share"] * 100, 1), e["example_data"])
        for e in entries
    ]
    matrix_cols = [Column("goal", "Goal")] + [Column(a.code, a.code) for a in goals.items.areas]
    matrix_rows = [
        (r["goal"], *[{"explicit": "E", "inferred": "I"}.get(c["basis"] or "", "") for c in r["cells"]])
        for r in matrix_areas["rows"]
    ]
    tg_cols = [Column("goal", "Goal")] + [Column(t.code, t.code, "int") for t in goals.items.groups]
    tg_rows = [(r["goal"], *[c["initiatives"] or None for c in r["cells"]]) for r in matrix_groups["rows"]]
    return [
        Table("goals", "National goals", goal_cols, goal_rows),
        Table("goal_focus_areas", "National goal × focus area", matrix_cols, matrix_rows),
        Table("goal_target_groups", "National goal × target group (initiatives)", tg_cols, tg_rows),
        findings_table("gaps", "Gaps", findings),
    ]


def _cell(links: Links, kind: str, area_id: int, goal_id: int, initiatives: int) -> dict[str, Any]:
    link = next((lk for lk in links.out[(kind, area_id)] if lk.dst_kind == "national_goal" and lk.dst_id == goal_id),
                None)
    return {"basis": link.basis if link else None, "initiatives": initiatives if link else 0}


def _latest_dates(conn: Connection, ids: list[int], as_of: dt.date | None) -> dict[int, tuple[str, str]]:
    from goaltrack.store.measurements import latest_values

    return {
        k: (v.period_code, v.period_end.isoformat() if isinstance(v.period_end, dt.date) else str(v.period_end))
        for k, v in latest_values(conn, ids, as_of=as_of).items()
    }


def _compare(conn: Connection, other_id: int, entries: list[dict[str, Any]], plugins: Plugins,
             settings: dict[str, Any], as_of: dt.date | None) -> dict[str, Any]:
    """Goals of another plan (another year) matched by title, as the goal catalogue keys them;
    for a goal in both, its coverage level, score, status and allocated money in each, the
    other plan's read the same way as this one's."""
    pt = m.table_of(m.Plan)
    other = conn.execute(select(pt.c.slug, pt.c.years).where(pt.c.id == other_id)).one()
    other_scores = score_plan(conn, plugins, other_id, as_of=as_of, settings=settings.get("scoring", {}))
    other_goals = _GoalEntries(conn, other_id, other_scores, as_of)
    theirs = {norm_title(g.title): other_goals.entry(g) for g in other_goals.items.goals}
    mine = {norm_title(e["title"]): e for e in entries}

    def both(e: dict[str, Any], t: dict[str, Any]) -> dict[str, Any]:
        return {"code": e["code"], "other_code": t["code"], "title": e["title"],
                **{key: e[key] for key in ("coverage", "score", "status", "allocated")},
                **{f"other_{key}": t[key] for key in ("coverage", "score", "status", "allocated")}}

    return {
        "plan": other.slug, "years": list(other.years),
        "in_both": [both(e, theirs[k]) for k, e in mine.items() if k in theirs],
        "only_here": [{"code": e["code"], "title": e["title"]} for k, e in mine.items() if k not in theirs],
        "only_there": [{"code": t["code"], "title": t["title"]} for k, t in theirs.items() if k not in mine],
    }


def _latest(amounts: dict[str, Any]) -> Any:
    return amounts[max(amounts)] if amounts else None


def _comparison_table(c: dict[str, Any]) -> Table:
    """The goals in both plans side by side: level, score and the latest year's money."""
    cols = [Column("code", "Goal"), Column("other_code", "Other plan's code"), Column("title", "Title"),
            Column("coverage", "Coverage", labels="coverage"),
            Column("other_coverage", "Coverage in the other plan", labels="coverage"),
            Column("score", "Score", "number"), Column("other_score", "Score in the other plan", "number"),
            Column("status", "Status", labels="status"),
            Column("other_status", "Status in the other plan", labels="status"),
            Column("allocated", "Allocated (latest year)", "number"),
            Column("other_allocated", "Allocated in the other plan (latest year)", "number")]
    rows = [(g["code"], g["other_code"], g["title"], g["coverage"], g["other_coverage"], g["score"], g["other_score"],
             g["status"], g["other_status"], _latest(g["allocated"]), _latest(g["other_allocated"]))
            for g in c["in_both"]]
    return Table("comparison", "Compared with another plan", cols, rows)
