"""``goaltrack list KIND``: one kind of item with its links, as a report.

Each kind gives a list of objects with stable keys (documented in ``docs/cli.md``) as the
report's ``data`` and the same as one flat table. Links are fetched in one query per kind
and grouped in Python, not per item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.interfaces import Column, Report, Table
from goaltrack.store import tables as m
from goaltrack.store.links import Links
from goaltrack.vocab import LIST_KINDS

KINDS = LIST_KINDS


def _codes(refs: list[dict[str, Any]]) -> str:
    return ", ".join(r["code"] + ("*" if r["basis"] == "inferred" else "") for r in refs)


def _plans(conn: Connection, plan_id: int | None) -> dict[int, str]:
    t = m.table_of(m.Plan)
    q = select(t.c.id, t.c.slug).order_by(t.c.slug)
    if plan_id is not None:
        q = q.where(t.c.id == plan_id)
    return dict(conn.execute(q).all())


def _items(conn: Connection, model: type[Any], plans: dict[int, str], **filters: Any) -> list[Any]:
    t = model.__table__
    q = select(t).where(t.c.plan_id.in_(list(plans)))
    for key, value in filters.items():
        if value is not None:
            q = q.where(t.c[key] == value)
    rows = list(conn.execute(q))
    order = {pid: i for i, pid in enumerate(plans)}
    return sorted(rows, key=lambda r: (order[r.plan_id], r.position, r.code))


def list_items(conn: Connection, kind: str, plan_id: int | None, *, level: str | None = None) -> Report:
    plans = _plans(conn, plan_id)
    links = Links(conn, list(plans))
    builder = _BUILDERS[kind]
    if kind == "focus-areas":
        data, table = builder(conn, plans, links, level=level)
    else:
        data, table = builder(conn, plans, links)
    return Report(kind=f"list-{kind}", title=kind.replace("-", " ").capitalize(), data=data, tables=[table])


def _goals(conn: Connection, plans: dict[int, str], links: Links) -> tuple[list[dict[str, Any]], Table]:
    data = []
    for g in _items(conn, m.NationalGoal, plans):
        data.append({
            "plan": plans[g.plan_id], "code": g.code, "title": g.title, "description": g.description,
            "issuer": g.issuer, "years": g.years or [], "new": bool(g.new), "continued_from": g.continued_from,
            "focus_areas": links.sources("national_goal", g.id, "focus_area"),
            "initiatives": links.sources("national_goal", g.id, "initiative"),
            "indicators": links.sources("national_goal", g.id, "indicator"),
        })
    cols = [Column("plan", "Plan"), Column("code", "Code"), Column("title", "Title"), Column("new", "New"),
            Column("focus_areas", "Focus areas"), Column("initiatives", "Initiatives"),
            Column("indicators", "Indicators")]
    rows = [(d["plan"], d["code"], d["title"], "yes" if d["new"] else "", _codes(d["focus_areas"]),
             _codes(d["initiatives"]), _codes(d["indicators"])) for d in data]
    return data, Table("national_goals", "National goals", cols, rows)


def _areas(
    conn: Connection, plans: dict[int, str], links: Links, *, level: str | None
) -> tuple[list[dict[str, Any]], Table]:
    inits: dict[int, list[str]] = defaultdict(list)
    for i in _items(conn, m.Initiative, plans):
        if i.focus_area_id is not None:
            inits[i.focus_area_id].append(i.code)
    data = []
    for a in _items(conn, m.FocusArea, plans, level=level):
        data.append({
            "plan": plans[a.plan_id], "code": a.code, "level": a.level, "title": a.title,
            "description": a.description, "years": a.years or [], "priorities": a.priorities or [],
            "strategic_areas": links.targets("focus_area", a.id, "focus_area"),
            "annual_areas": links.sources("focus_area", a.id, "focus_area"),
            "national_goals": links.targets("focus_area", a.id, "national_goal"),
            "initiatives": inits[a.id],
        })
    cols = [Column("plan", "Plan"), Column("code", "Code"), Column("level", "Level", labels="level"),
            Column("title", "Title"),
            Column("priorities", "Priorities", "int"), Column("links", "Linked areas"),
            Column("national_goals", "National goals"), Column("initiatives", "Initiatives", "int")]
    rows = [(d["plan"], d["code"], d["level"], d["title"], len(d["priorities"]),
             _codes(d["strategic_areas"] or d["annual_areas"]), _codes(d["national_goals"]),
             len(d["initiatives"])) for d in data]
    return data, Table("focus_areas", "Focus areas", cols, rows)


def _groups(conn: Connection, plans: dict[int, str], links: Links) -> tuple[list[dict[str, Any]], Table]:
    data = []
    for t in _items(conn, m.TargetGroup, plans):
        data.append({
            "plan": plans[t.plan_id], "code": t.code, "name": t.name, "description": t.description,
            "initiatives": links.sources("target_group", t.id, "initiative"),
            "accounts": links.sources("target_group", t.id, "account"),
        })
    cols = [Column("plan", "Plan"), Column("code", "Code"), Column("name", "Name"),
            Column("initiatives", "Initiatives"), Column("accounts", "Accounts")]
    rows = [(d["plan"], d["code"], d["name"], _codes(d["initiatives"]), _codes(d["accounts"])) for d in data]
    return data, Table("target_groups", "Target groups", cols, rows)


def _initiatives(conn: Connection, plans: dict[int, str], links: Links) -> tuple[list[dict[str, Any]], Table]:
    data = []
    area_codes = links.codes["focus_area"]
    for i in _items(conn, m.Initiative, plans):
        data.append({
            "plan": plans[i.plan_id], "code": i.code, "title": i.title, "description": i.description,
            "focus_area": area_codes.get(i.focus_area_id) if i.focus_area_id else None,
            "owner": i.owner, "status": i.status,
            "start": i.start.isoformat() if i.start else None, "end": i.end.isoformat() if i.end else None,
            "national_goals": links.targets("initiative", i.id, "national_goal"),
            "target_groups": links.targets("initiative", i.id, "target_group"),
            "indicators": links.sources("initiative", i.id, "indicator"),
            "accounts": links.sources("initiative", i.id, "account"),
        })
    cols = [Column("plan", "Plan"), Column("code", "Code"), Column("focus_area", "Focus area"),
            Column("title", "Title"), Column("national_goals", "National goals"),
            Column("target_groups", "Target groups")]
    rows = [(d["plan"], d["code"], d["focus_area"] or "", d["title"], _codes(d["national_goals"]),
             _codes(d["target_groups"])) for d in data]
    return data, Table("initiatives", "Initiatives", cols, rows)


def _indicators(conn: Connection, plans: dict[int, str], links: Links) -> tuple[list[dict[str, Any]], Table]:
    from goaltrack.store.measurements import latest_values

    items = _items(conn, m.Indicator, plans)
    latest = latest_values(conn, [i.id for i in items])
    data = []
    for i in items:
        measures = [
            {"kind": r.dst_kind, "code": links.codes[r.dst_kind][r.dst_id], "basis": r.basis}
            for r in links.out[("indicator", i.id)]
        ]
        last = latest.get(i.id)
        data.append({
            "plan": plans[i.plan_id], "code": i.code, "name": i.name, "unit": i.unit,
            "direction": i.direction, "area": i.area,
            "baseline": i.baseline_value, "baseline_period": i.baseline_period,
            "target": i.target_value, "target_period": i.target_period,
            "source": (i.source or {}).get("title"), "computed": i.computed, "measures": measures,
            "latest_value": last.value if last else None,
            "latest_period": last.period_code if last else None,
        })
    cols = [Column("plan", "Plan"), Column("code", "Code"), Column("name", "Name"), Column("unit", "Unit"),
            Column("direction", "Direction"), Column("measures", "Measures"),
            Column("latest_value", "Latest", "number"), Column("latest_period", "Period")]
    rows = [(d["plan"], d["code"], d["name"], d["unit"], d["direction"] or "",
             ", ".join(x["code"] + ("*" if x["basis"] == "inferred" else "") for x in d["measures"]),
             d["latest_value"], d["latest_period"] or "") for d in data]
    return data, Table("indicators", "Indicators", cols, rows)


def _accounts(conn: Connection, plans: dict[int, str], links: Links) -> tuple[list[dict[str, Any]], Table]:
    items = _items(conn, m.Account, plans)
    bt = m.table_of(m.BudgetLine)
    lines: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(bt).where(bt.c.account_id.in_([a.id for a in items])).order_by(bt.c.year, bt.c.kind)
    ):
        lines[row.account_id].append(row)
    columns = sorted({(r.kind, r.year) for rows in lines.values() for r in rows}, key=lambda k: (k[1], k[0]))
    data = []
    for a in items:
        data.append({
            "plan": plans[a.plan_id], "code": a.code, "dotted": a.dotted, "name": a.name,
            "hovedkonto": a.hovedkonto, "hovedfunktion": a.hovedfunktion, "funktion": a.funktion,
            "budget": [{"year": r.year, "kind": r.kind, "amount": r.amount} for r in lines[a.id]],
            "links": [
                {"kind": r.dst_kind, "code": links.codes[r.dst_kind][r.dst_id], "basis": r.basis,
                 **({"share": r.share} if r.share is not None else {})}
                for r in links.out[("account", a.id)]
            ],
        })
    cols = [Column("plan", "Plan"), Column("code", "Account"), Column("dotted", "Function"), Column("name", "Name")]
    cols += [Column(f"{kind}_{year}", f"{kind.capitalize()} {year}", "number") for kind, year in columns]
    amount: Callable[[dict[str, Any], str, int], Any] = lambda d, k, y: next(  # noqa: E731
        (b["amount"] for b in d["budget"] if b["kind"] == k and b["year"] == y), None
    )
    rows = [
        (d["plan"], d["code"], d["dotted"], d["name"], *[amount(d, k, y) for k, y in columns]) for d in data
    ]
    return data, Table("accounts", "Accounts", cols, rows)


_BUILDERS: dict[str, Callable[..., tuple[list[dict[str, Any]], Table]]] = {
    "national-goals": _goals,
    "focus-areas": _areas,
    "target-groups": _groups,
    "initiatives": _initiatives,
    "indicators": _indicators,
    "accounts": _accounts,
}
