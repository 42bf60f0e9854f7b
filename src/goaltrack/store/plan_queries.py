"""Facts about loaded plans: the list of plans and one plan's header and counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from goaltrack.store import tables as m
from goaltrack.values.accounts import AccountScheme, scheme_from
from goaltrack.values.dimensions import DimensionResolver


def plan_summaries(conn: Connection) -> list[dict[str, Any]]:
    t = m.table_of(m.Plan)
    return [
        {"slug": r.slug, "title": r.title, "organisation": r.organisation, "years": r.years,
         "language": r.language, "synthetic": bool(r.synthetic), "content_hash": r.content_hash}
        for r in conn.execute(select(t).order_by(t.c.slug))
    ]


def plan_detail(conn: Connection, plan_id: int) -> dict[str, Any]:
    t = m.table_of(m.Plan)
    r = conn.execute(select(t).where(t.c.id == plan_id)).one()
    counts: dict[str, int] = {}
    for kind, model in m.ITEM_TABLES.items():
        mt = m.table_of(model)
        counts[kind] = conn.execute(select(func.count()).select_from(mt).where(mt.c.plan_id == plan_id)).scalar_one()
    at = m.table_of(m.Account)
    bt = m.table_of(m.BudgetLine)
    counts["budget_line"] = conn.execute(
        select(func.count()).select_from(bt.join(at, at.c.id == bt.c.account_id)).where(at.c.plan_id == plan_id)
    ).scalar_one()
    dt_ = m.table_of(m.DeclaredTotal)
    counts["declared_total"] = conn.execute(
        select(func.count()).select_from(dt_).where(dt_.c.plan_id == plan_id)
    ).scalar_one()
    lt = m.table_of(m.Link)
    counts["link"] = conn.execute(select(func.count()).select_from(lt).where(lt.c.plan_id == plan_id)).scalar_one()
    it = m.table_of(m.Indicator)
    mt = m.table_of(m.Measurement)
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


def account_amounts(conn: Connection, plan_id: int, kind: str = "budget") -> dict[int, dict[str, float]]:
    """Account id -> year (as text, as the reports' JSON keys it) -> the sum of the account's
    budget lines of ``kind``, summed in SQL. The budget report, the coverage report and the
    allocation all read amounts this way."""
    at, bt = m.table_of(m.Account), m.table_of(m.BudgetLine)
    out: dict[int, dict[str, float]] = {}
    for account_id, year, total in conn.execute(
        select(bt.c.account_id, bt.c.year, func.sum(bt.c.amount))
        .select_from(bt.join(at, at.c.id == bt.c.account_id))
        .where(at.c.plan_id == plan_id, bt.c.kind == kind)
        .group_by(bt.c.account_id, bt.c.year)
    ):
        out.setdefault(account_id, {})[str(year)] = float(total)
    return out


def plan_scheme(conn: Connection, plan_id: int) -> AccountScheme:
    """The account scheme the plan declares (the Danish chart unless it declares its own)."""
    t = m.table_of(m.Plan)
    return scheme_from(conn.execute(select(t.c.account_scheme).where(t.c.id == plan_id)).scalar_one())


def plan_ids(conn: Connection) -> list[int]:
    """Every loaded plan's id, by slug."""
    t = m.table_of(m.Plan)
    return list(conn.execute(select(t.c.id).order_by(t.c.slug)).scalars())


def reference_date(conn: Connection, plan_id: int, as_of: dt.date | None) -> dt.date:
    """The date "stale data" is measured against: ``--as-of``, else the plan's last day.

    Not today: a report must come out the same tomorrow from the same database.
    """
    if as_of is not None:
        return as_of
    t = m.table_of(m.Plan)
    years = conn.execute(select(t.c.years).where(t.c.id == plan_id)).scalar_one()
    return dt.date(max(years), 12, 31)


class PlanItems:
    """One plan's national goals, focus areas, target groups, initiatives, accounts and
    indicators: whole rows, in plan order (position, then code), read once; and the
    initiatives under each focus area. What the coverage report, the checks and the tree
    all walk."""

    def __init__(self, conn: Connection, plan_id: int) -> None:
        def rows(model: type[Any]) -> list[Any]:
            t = m.table_of(model)
            return list(conn.execute(select(t).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.code)))

        self.goals, self.areas, self.groups = rows(m.NationalGoal), rows(m.FocusArea), rows(m.TargetGroup)
        self.initiatives, self.accounts, self.indicators = rows(m.Initiative), rows(m.Account), rows(m.Indicator)
        self.inits_by_area = initiatives_by_area(self.initiatives)


def initiatives_by_area(initiatives: list[Any]) -> dict[int, list[Any]]:
    """Focus area id -> its initiatives, in the order given."""
    out: dict[int, list[Any]] = {}
    for i in initiatives:
        if i.focus_area_id is not None:
            out.setdefault(i.focus_area_id, []).append(i)
    return out


def indicators_for_import(engine: Engine, plan_id: int) -> tuple[dict[str, tuple[int, str, str | None]],
                                                         dict[str, DimensionResolver]]:
    """Code -> (id, unit, computed) of the plan's indicators, and code -> the resolver of
    the dimension values of each indicator that has dimensions."""
    t, pt = m.table_of(m.Indicator), m.table_of(m.Plan)
    with engine.connect() as conn:
        declared = conn.execute(select(pt.c.dimensions).where(pt.c.id == plan_id)).scalar_one_or_none()
        rows = conn.execute(select(t.c.id, t.c.code, t.c.unit, t.c.computed, t.c.dimensions)
                            .where(t.c.plan_id == plan_id)).all()
    known = {r.code: (r.id, r.unit, r.computed) for r in rows}
    return known, {r.code: DimensionResolver(declared, r.dimensions, r.code) for r in rows if r.dimensions}
