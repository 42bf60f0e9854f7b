"""Coverage of every plan in the database at once (``report coverage --all-plans``): the
national view a ministry asks of all plans, with each goal's coverage level computed as in
the plan's own coverage report (:class:`goaltrack.reports.reach.Reach`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.interfaces import Column, RenderOptions, Report, Table
from goaltrack.reports.common import REPORT_SCHEMA_VERSION, envelope
from goaltrack.reports.reach import Reach, level_counts, norm_title, reach_rows
from goaltrack.store import tables as m
from goaltrack.store.links import Links
from goaltrack.store.plan_queries import initiatives_by_area


def build_national_coverage(conn: Connection, options: RenderOptions) -> Report:
    """Coverage of every plan in the database (``report coverage --all-plans``): for each plan
    and national goal, its coverage level (as in the plan's own coverage report) and how many
    focus areas, initiatives, indicators (and of those, with data) and accounts serve it;
    then, per national goal title, in how many plans it is covered, partial or uncovered, and
    in how many it has no initiative, no indicator with data, or no account behind it.

    Plans are read one at a time (memory stays that of one plan), each in a few set-based
    queries, without scoring (``score --all-plans`` gives the scores)."""
    from goaltrack.store.measurements import latest_values_of_plan

    pt = m.table_of(m.Plan)
    plans_out: list[dict[str, Any]] = []
    for plan in conn.execute(select(pt.c.id, pt.c.slug, pt.c.title).order_by(pt.c.slug)).all():
        links = Links(conn, [plan.id])
        goals, areas, initiatives = (reach_rows(conn, model, plan.id)
                                     for model in (m.NationalGoal, m.FocusArea, m.Initiative))
        area_by_id = {a.id: a for a in areas}
        ini_by_id = {i.id: i for i in initiatives}
        inits_by_area = initiatives_by_area(initiatives)
        with_data = set(latest_values_of_plan(conn, plan.id, as_of=options.as_of))
        entries = []
        for g in goals:
            reach = Reach(links, g.id, area_by_id, ini_by_id, inits_by_area)
            measured = sum(1 for i in reach.indicators if i in with_data)
            entries.append({
                "code": g.code, "title": g.title, "coverage": reach.level(measured),
                "focus_areas": len(reach.areas), "initiatives": len(reach.initiatives),
                "indicators": len(reach.indicators), "indicators_with_data": measured,
                "accounts": len(reach.accounts),
            })
        levels = [e["coverage"] for e in entries]
        plans_out.append({
            "plan": plan.slug, "title": plan.title,
            "overall": level_counts(levels)["overall"],
            "goals": entries,
        })

    by_title: dict[str, dict[str, Any]] = {}
    for p in plans_out:
        for e in p["goals"]:
            t = by_title.setdefault(norm_title(e["title"]), {
                "title": e["title"], "plans": 0, "covered": 0, "partial": 0, "uncovered": 0,
                "no_initiative": 0, "no_indicator_data": 0, "no_account": 0,
            })
            t["plans"] += 1
            t[e["coverage"]] += 1
            t["no_initiative"] += not e["initiatives"]
            t["no_indicator_data"] += not e["indicators_with_data"]
            t["no_account"] += not e["accounts"]
    goals_by_title = sorted(by_title.values(), key=lambda t: (norm_title(t["title"]), t["title"]))
    every = [e["coverage"] for p in plans_out for e in p["goals"]]
    summary = {"plans": len(plans_out), "goals": len(every), "covered": every.count("covered"),
               "partial": every.count("partial"), "uncovered": every.count("uncovered")}
    meta = {
        "schema_version": REPORT_SCHEMA_VERSION, "report": "coverage-national",
        "as_of": options.as_of.isoformat() if options.as_of else None, "generated_at": options.stamp,
    }
    data = envelope(meta, summary=summary, plans=plans_out, goals_by_title=goals_by_title)

    cols = [Column("plan", "Plan"), Column("code", "Goal"), Column("title", "Title"),
            Column("coverage", "Coverage", labels="coverage"),
            Column("focus_areas", "Focus areas", "int"), Column("initiatives", "Initiatives", "int"),
            Column("indicators", "Indicators", "int"), Column("indicators_with_data", "With data", "int"),
            Column("accounts", "Accounts", "int")]
    table_rows = [
        (p["plan"], e["code"], e["title"], e["coverage"], e["focus_areas"], e["initiatives"], e["indicators"],
         e["indicators_with_data"], e["accounts"])
        for p in plans_out for e in p["goals"]
    ]
    title_cols = [Column("title", "National goal"), Column("plans", "Plans", "int"),
                  Column("covered", "Covered", "int"), Column("partial", "Partial", "int"),
                  Column("uncovered", "Uncovered", "int"), Column("no_initiative", "No initiative", "int"),
                  Column("no_indicator_data", "No indicator data", "int"), Column("no_account", "No account", "int")]
    title_rows = [tuple(t[c.key] for c in title_cols) for t in goals_by_title]
    tables = [
        Table("goals", "National goals by plan", cols, table_rows),
        Table("goals_by_title", "National goals across plans", title_cols, title_rows),
    ]
    return Report("coverage-national", f"Goal coverage: {len(plans_out)} plans", data, tables, meta)
