"""What the "My initiatives" page and the recording forms read: the items a person may
record in each plan, their latest values and statuses, and the person's open review entries.

Permission is worked out set-based: the scopes of every initiative and indicator of a plan
in a few queries (:func:`goaltrack.people.access.scopes_of`), then :func:`allows` in Python;
no query per item.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.people import tables as pt
from goaltrack.people.access import ACTIONS, EVERY_PLAN, Actor, allows, rank, scopes_of
from goaltrack.review.filed import PENDING
from goaltrack.store import tables as m


def may_in_plan(actor: Actor, slug: str, action: str) -> bool:
    """Whether ``actor`` holds the role ``action`` needs for anything in plan ``slug`` (for
    the plan or one of its items)."""
    if actor.open:
        return True
    need = rank(ACTIONS[action])
    return any(rank(g.role) >= need and g.plan in (EVERY_PLAN, slug) for g in actor.grants)


def plans(conn: Connection) -> list[Any]:
    p = m.table_of(m.Plan)
    return list(conn.execute(select(p.c.id, p.c.slug, p.c.title, p.c.language, p.c.review).order_by(p.c.slug)))


def my_work(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    """Per plan in which ``actor`` is contributor or more: what they may record, with its
    latest value or status, and their own open review entries."""
    return [plan_work(conn, actor, p) for p in plans(conn) if may_in_plan(actor, p.slug, "record")]


def plan_work(conn: Connection, actor: Actor, plan: Any) -> dict[str, Any]:
    from goaltrack.store.measurements import latest_values_of_plan
    from goaltrack.store.scoring_rows import latest_statuses

    ini, ind = m.table_of(m.Initiative), m.table_of(m.Indicator)
    inis = list(conn.execute(select(ini.c.id, ini.c.code, ini.c.title).where(ini.c.plan_id == plan.id)
                             .order_by(ini.c.id)))
    inds = list(conn.execute(select(ind.c.id, ind.c.code, ind.c.name, ind.c.unit).where(
        ind.c.plan_id == plan.id, ind.c.computed.is_(None)).order_by(ind.c.id)))
    ini_scopes = scopes_of(conn, plan.id, "initiative", [r.code for r in inis])
    ind_scopes = scopes_of(conn, plan.id, "indicator", [r.code for r in inds])
    inis = [r for r in inis if allows(actor, "record", plan.slug, ini_scopes[r.code])]
    inds = [r for r in inds if allows(actor, "record", plan.slug, ind_scopes[r.code])]
    latest = latest_values_of_plan(conn, plan.id) if inds else {}
    statuses = latest_statuses(conn, [r.id for r in inis], None)
    return {
        "slug": plan.slug, "title": plan.title, "language": plan.language, "review": plan.review == "required",
        "initiatives": [{"code": r.code, "title": r.title, "status": statuses.get(r.id, (None,))[0]} for r in inis],
        "indicators": [{"code": r.code, "name": r.name, "unit": r.unit, "latest": latest.get(r.id)} for r in inds],
        "entries": own_entries(conn, actor, plan.id),
    }


def own_entries(conn: Connection, actor: Actor, plan_id: int, *, target: str | None = None) -> list[dict[str, Any]]:
    """``actor``'s review entries in the plan that are not settled yet (draft, returned with
    the reason, submitted); with ``target``, only those about that indicator or initiative."""
    from goaltrack.review.queue import summary

    e = pt.review_entry
    q = select(e).where(e.c.plan_id == plan_id, e.c.author == actor.login, e.c.state.in_(PENDING))
    if target is not None:
        q = q.where(e.c.target_code == target)
    return [summary(conn, row, limit=0) | {"target": row.target_code} for row in conn.execute(q.order_by(e.c.id))]


def indicator(conn: Connection, plan_id: int, code: str) -> Any:
    """The indicator's row (code, name, unit, computed), or None."""
    ind = m.table_of(m.Indicator)
    return conn.execute(select(ind.c.id, ind.c.code, ind.c.name, ind.c.unit, ind.c.computed)
                        .where(ind.c.plan_id == plan_id, ind.c.code == code)).first()


def initiative(conn: Connection, plan_id: int, code: str) -> Any:
    ini = m.table_of(m.Initiative)
    return conn.execute(select(ini.c.id, ini.c.code, ini.c.title)
                        .where(ini.c.plan_id == plan_id, ini.c.code == code)).first()


def plan_row(conn: Connection, plan_id: int) -> Any:
    p = m.table_of(m.Plan)
    return conn.execute(select(p.c.id, p.c.slug, p.c.title, p.c.language, p.c.review)
                        .where(p.c.id == plan_id)).one()


def route_names(request: Any) -> set[str]:
    """The names of the application's routes: a page links to another part of the site only
    once it exists (each part is built on its own branch)."""
    return {str(getattr(r, "name", "")) for r in request.app.routes}
