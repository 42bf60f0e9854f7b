"""``goaltrack report progress --compare-plan SLUG``: each indicator against the other plan's.

Indicators carry over between a plan and its predecessor by code (as ``plan diff`` matches
them), so the comparison is by code: for an indicator in both, its latest value, target,
score and status in each, and the change of the latest value where both plans measure it in
the same unit. The other plan is scored the same way as this one (same settings, same
``--as-of``). The shape follows the coverage report's ``comparison``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.engine.plan_scoring import score_plan
from goaltrack.interfaces import Column, Table
from goaltrack.reports.progress import latest_point
from goaltrack.store import tables as m
from goaltrack.store.measurements import latest_values_of_plan

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

_SIDE = ("latest", "period", "target", "score", "status")


def compare_progress(conn: Connection, plugins: Plugins, other_id: int, entries: list[dict[str, Any]], *,
                     as_of: dt.date | None, settings: dict[str, Any]) -> tuple[dict[str, Any], Table]:
    """The ``comparison`` of the progress report's JSON, and its table."""
    pt, it = m.table_of(m.Plan), m.table_of(m.Indicator)
    other = conn.execute(select(pt.c.slug, pt.c.years).where(pt.c.id == other_id)).one()
    scores = {n.code: n for n in score_plan(conn, plugins, other_id, as_of=as_of,
                                            settings=settings.get("scoring", {})).indicators}
    latest = latest_values_of_plan(conn, other_id, as_of=as_of)
    theirs: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(it.c.id, it.c.code, it.c.name, it.c.unit, it.c.target_value)
                          .where(it.c.plan_id == other_id).order_by(it.c.position, it.c.code)):
        lv, node = latest.get(r.id), scores[r.code]
        theirs[r.code] = {"code": r.code, "name": r.name, "unit": r.unit, "target": r.target_value,
                          "latest": lv.value if lv else None, "period": lv.period_code if lv else None,
                          "score": None if node.score is None else round(node.score, 4), "status": node.status}
    mine = {e["code"]: _side(e) for e in entries}

    def both(e: dict[str, Any], t: dict[str, Any]) -> dict[str, Any]:
        same_unit = e["unit"] == t["unit"]
        change = (round(e["latest"] - t["latest"], 9)  # 3.7 - 3.9 is -0.2, not -0.19999999999999973
                  if same_unit and None not in (e["latest"], t["latest"]) else None)
        return {"code": e["code"], "name": e["name"], "unit": e["unit"], "same_unit": same_unit,
                **{k: e[k] for k in _SIDE}, **{f"other_{k}": t[k] for k in _SIDE}, "change": change}

    data = {
        "plan": other.slug, "years": list(other.years),
        "in_both": [both(e, theirs[c]) for c, e in mine.items() if c in theirs],
        "only_here": [{"code": e["code"], "name": e["name"]} for c, e in mine.items() if c not in theirs],
        "only_there": [{"code": t["code"], "name": t["name"]} for c, t in theirs.items() if c not in mine],
    }
    return data, _table(data)


def _side(e: dict[str, Any]) -> dict[str, Any]:
    """This plan's indicator entry (the progress report's) in the comparison's terms."""
    last = latest_point(e)
    return {"code": e["code"], "name": e["name"], "unit": e["unit"], "target": (e["target"] or {}).get("value"),
            "latest": last["value"] if last else None, "period": last["period"] if last else None,
            "score": e["score"], "status": e["status"]}


def _table(c: dict[str, Any]) -> Table:
    cols = [Column("code", "Indicator"), Column("name", "Name"),
            Column("latest", "Latest", "number"), Column("period", "Period"),
            Column("other_latest", "Latest in the other plan", "number"),
            Column("other_period", "Period in the other plan"), Column("change", "Change", "number"),
            Column("target", "Target", "number"), Column("other_target", "Target in the other plan", "number"),
            Column("score", "Score", "number"), Column("other_score", "Score in the other plan", "number"),
            Column("status", "Status", labels="status"),
            Column("other_status", "Status in the other plan", labels="status")]
    rows = [(i["code"], i["name"], i["latest"], i["period"] or "", i["other_latest"], i["other_period"] or "",
             i["change"], i["target"], i["other_target"], i["score"], i["other_score"], i["status"],
             i["other_status"]) for i in c["in_both"]]
    return Table("comparison", "Compared with another plan", cols, rows)
