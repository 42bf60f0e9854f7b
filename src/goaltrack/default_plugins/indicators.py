"""Built-in computed indicators: ``budget-change`` and ``initiative-status-share``.

Their values come from the database by set-based SQL each time they are needed, so they
never go stale and are never recorded.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from goaltrack import hookimpl
from goaltrack.errors import DataError
from goaltrack.interfaces import ComputedValue, IndicatorKind, IndicatorSpec
from goaltrack.store import tables as m
from goaltrack.values.accounts import percent_change


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


class BudgetChange(IndicatorKind):
    name = "budget-change"
    description = (
        "Change in percent of the budget of an account or account group between two years "
        "(over the absolute amount of the first year; none when it is 0)."
    )
    parameters = {
        "accounts": "account codes ('055778'), function prefixes ('5.57', '5.57.78') or 'all'",
        "from_year": "first year",
        "to_year": "second year (the value's period)",
        "kind": "budget line kind: budget (default), corrected or actual",
    }

    def compute(self, conn: Connection, plan_id: int, indicator: IndicatorSpec) -> list[ComputedValue]:
        p = indicator.parameters
        try:
            y0, y1 = int(p["from_year"]), int(p["to_year"])
        except (KeyError, ValueError, TypeError):
            raise DataError(f"indicator {indicator.code}: budget-change needs integer from_year and to_year") from None
        kind = str(p.get("kind", "budget"))
        selectors = _list(p.get("accounts", "all"))
        at, bt = m.table_of(m.Account), m.table_of(m.BudgetLine)
        q = (
            select(bt.c.year, func.sum(bt.c.amount))
            .select_from(bt.join(at, at.c.id == bt.c.account_id))
            .where(at.c.plan_id == plan_id, bt.c.kind == kind, bt.c.year.in_([y0, y1]))
            .group_by(bt.c.year)
        )
        if selectors and selectors != ["all"]:
            conditions: list[ColumnElement[bool]] = []
            for sel in selectors:
                if "." in sel:  # a dotted function or group: 5.57 or 5.57.78
                    conditions.append((at.c.dotted == sel) | at.c.dotted.like(sel + ".%"))
                else:
                    conditions.append(at.c.code == sel)
            cond = conditions[0]
            for c in conditions[1:]:
                cond = cond | c
            q = q.where(cond)
        sums: dict[int, float] = {int(r[0]): float(r[1]) for r in conn.execute(q)}
        if y0 not in sums or y1 not in sums:
            return []
        change = percent_change(float(sums[y0]), float(sums[y1]))
        if change is None:
            return []
        return [ComputedValue(str(y1), change, f"{sums[y0]:.12g} → {sums[y1]:.12g} ({kind})")]  # no 1.2e+06


class InitiativeStatusShare(IndicatorKind):
    name = "initiative-status-share"
    description = (
        "Share in percent of an item's initiatives whose current status is the given one: the latest "
        "recorded status, else the status the plan file declares (as the score roll-up does)."
    )
    parameters = {
        "item": "code of a focus area or national goal (default: every initiative of the plan)",
        "status": "the status counted (default: on-track)",
        "period": "period of the value (default: the plan's last year)",
    }

    def compute(self, conn: Connection, plan_id: int, indicator: IndicatorSpec) -> list[ComputedValue]:
        p = indicator.parameters
        status = str(p.get("status", "on-track"))
        it = m.table_of(m.Initiative)
        ids_q = select(it.c.id).where(it.c.plan_id == plan_id)
        item = p.get("item")
        if item:
            fa, ng, lt = m.table_of(m.FocusArea), m.table_of(m.NationalGoal), m.table_of(m.Link)
            area_id = conn.execute(select(fa.c.id).where(fa.c.plan_id == plan_id, fa.c.code == str(item))).scalar()
            goal_id = conn.execute(select(ng.c.id).where(ng.c.plan_id == plan_id, ng.c.code == str(item))).scalar()
            if area_id is not None:
                ids_q = ids_q.where(it.c.focus_area_id == area_id)
            elif goal_id is not None:
                linked = select(lt.c.src_id).where(
                    lt.c.src_kind == "initiative", lt.c.dst_kind == "national_goal", lt.c.dst_id == goal_id
                )
                via_area = select(it.c.id).where(
                    it.c.focus_area_id.in_(
                        select(lt.c.src_id).where(
                            lt.c.src_kind == "focus_area", lt.c.dst_kind == "national_goal", lt.c.dst_id == goal_id
                        )
                    )
                )
                ids_q = ids_q.where(it.c.id.in_(linked.union(via_area)))
            else:
                raise DataError(f"indicator {indicator.code}: no focus area or national goal '{item}'")
        st = m.table_of(m.InitiativeStatus)
        ranked = (
            select(st.c.initiative_id, st.c.status,
                   func.row_number().over(partition_by=st.c.initiative_id,
                                          order_by=(st.c.recorded_at.desc(), st.c.id.desc())).label("rn"))
            .where(st.c.initiative_id.in_(ids_q))
            .subquery()
        )
        ids = ids_q.add_columns(it.c.status.label("declared")).subquery()
        total = conn.execute(select(func.count()).select_from(ids)).scalar_one()
        if not total:
            return []
        latest = select(ranked.c.initiative_id, ranked.c.status).where(ranked.c.rn == 1).subquery()
        hits = conn.execute(
            select(func.count())
            .select_from(ids.outerjoin(latest, latest.c.initiative_id == ids.c.id))
            .where(func.coalesce(latest.c.status, ids.c.declared) == status)
        ).scalar_one()
        period = p.get("period")
        if not period:
            pt = m.table_of(m.Plan)
            years = conn.execute(select(pt.c.years).where(pt.c.id == plan_id)).scalar_one()
            period = str(max(years))
        return [ComputedValue(str(period), 100.0 * hits / total, f"{hits} of {total} initiatives {status}")]


@hookimpl
def register_indicators(register):
    register(BudgetChange())
    register(InitiativeStatusShare())
