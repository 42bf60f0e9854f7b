"""Facts about loaded plans: the list of plans and one plan's header and counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from goaltrack.store import tables as m


def plan_summaries(conn: Connection) -> list[dict[str, Any]]:
    t = m.Plan.__table__  # type: ignore[attr-defined]
    return [
        {"slug": r.slug, "title": r.title, "organisation": r.organisation, "years": r.years,
         "language": r.language, "synthetic": bool(r.synthetic), "content_hash": r.content_hash}
        for r in conn.execute(select(t).order_by(t.c.slug))
    ]


def plan_detail(conn: Connection, plan_id: int) -> dict[str, Any]:
    t = m.Plan.__table__  # type: ignore[attr-defined]
    r = conn.execute(select(t).where(t.c.id == plan_id)).one()
    counts: dict[str, int] = {}
    for kind, model in m.ITEM_TABLES.items():
        mt = model.__table__  # type: ignore[attr-defined]
        counts[kind] = conn.execute(select(func.count()).select_from(mt).where(mt.c.plan_id == plan_id)).scalar_one()
    at = m.Account.__table__  # type: ignore[attr-defined]
    bt = m.BudgetLine.__table__  # type: ignore[attr-defined]
    counts["budget_line"] = conn.execute(
        select(func.count()).select_from(bt.join(at, at.c.id == bt.c.account_id)).where(at.c.plan_id == plan_id)
    ).scalar_one()
    dt_ = m.DeclaredTotal.__table__  # type: ignore[attr-defined]
    counts["declared_total"] = conn.execute(
        select(func.count()).select_from(dt_).where(dt_.c.plan_id == plan_id)
    ).scalar_one()
    lt = m.Link.__table__  # type: ignore[attr-defined]
    counts["link"] = conn.execute(select(func.count()).select_from(lt).where(lt.c.plan_id == plan_id)).scalar_one()
    it = m.Indicator.__table__  # type: ignore[attr-defined]
    mt = m.Measurement.__table__  # type: ignore[attr-defined]
    counts["measurement"] = conn.execute(
        select(func.count()).select_from(mt.join(it, it.c.id == mt.c.indicator_id))
        .where(it.c.plan_id == plan_id, mt.c.superseded_at.is_(None))
    ).scalar_one()
    return {
        "slug": r.slug, "title": r.title, "organisation": r.organisation, "years": r.years,
        "language": r.language, "currency": r.currency, "amount_unit": r.amount_unit,
        "amount_scale": r.amount_scale, "source": r.source or {}, "synthetic": bool(r.synthetic),
        "content_hash": r.content_hash, "counts": counts,
    }


def reference_date(conn: Connection, plan_id: int, as_of: dt.date | None) -> dt.date:
    """The date "stale data" is measured against: ``--as-of``, else the plan's last day.

    Not today: a report must come out the same tomorrow from the same database.
    """
    if as_of is not None:
        return as_of
    t = m.Plan.__table__  # type: ignore[attr-defined]
    years = conn.execute(select(t.c.years).where(t.c.id == plan_id)).scalar_one()
    return dt.date(max(years), 12, 31)
