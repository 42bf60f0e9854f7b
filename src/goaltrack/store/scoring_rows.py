"""What scoring reads of a plan, in few set-based queries: its items in file order, the
indicators' scoring columns, value series, and the initiatives' latest statuses."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.engine import Connection

from goaltrack.interfaces import Observation
from goaltrack.store import tables as m


def plan_rows(conn: Connection, model: type[Any], plan_id: int) -> list[Any]:
    """Every row of ``model`` in the plan, in the file's order."""
    t = m.table_of(model)
    return list(conn.execute(select(t).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.code)).all())


_INDICATOR_COLUMNS = (
    "id", "code", "name", "unit", "direction", "baseline_value", "baseline_period", "target_value",
    "target_period", "target_low", "target_high", "computed",
)
_INDICATOR_JSON = ("parameters", "scoring")


@dataclass(slots=True)
class IndicatorRow:
    id: int
    code: str
    name: str
    unit: str
    direction: str | None
    baseline_value: float | None
    baseline_period: str | None
    target_value: float | None
    target_period: str | None
    target_low: float | None
    target_high: float | None
    computed: str | None
    parameters: dict[str, Any] | None
    scoring: dict[str, Any] | None


def indicator_rows(conn: Connection, plan_id: int) -> list[IndicatorRow]:
    """The plan's indicators, with the columns scoring reads. The JSON columns are fetched as
    text and each distinct text decoded once: a national plan's 500 indicators share a few
    scoring settings, and decoding them row by row was a tenth of scoring's time. Rows that
    share a text share the decoded dict, which scoring only reads."""
    t = m.table_of(m.Indicator)
    decoded: dict[str, Any] = {}

    def load(text: str | None) -> Any:
        if text is None:
            return None
        if text not in decoded:
            decoded[text] = json.loads(text)
        return decoded[text]

    q = (
        select(*[t.c[c] for c in _INDICATOR_COLUMNS], *[cast(t.c[c], Text) for c in _INDICATOR_JSON])
        .where(t.c.plan_id == plan_id)
        .order_by(t.c.position, t.c.code)
    )
    return [_indicator_row((*r[:-2], load(r[-2]), load(r[-1]))) for r in conn.execute(q).all()]


def _indicator_row(values: tuple[Any, ...]) -> IndicatorRow:
    """The row's columns are the dataclass's fields, in order."""
    return IndicatorRow(*values)


def value_series(conn: Connection, ids: list[int], as_of: dt.date | None) -> dict[int, list[Observation]]:
    if not ids:
        return {}
    t = m.table_of(m.Measurement)
    q = (
        select(t.c.indicator_id, t.c.period_code, t.c.period_start, t.c.period_end, t.c.value)
        .where(t.c.indicator_id.in_(ids), t.c.superseded_at.is_(None), t.c.kind == "observed", t.c.value.is_not(None),
               t.c.breakdown == "")  # totals: a breakdown by sex or age is not the indicator's series
        .order_by(t.c.indicator_id, t.c.period_end, t.c.period_start)
    )
    if as_of is not None:
        q = q.where(t.c.period_end <= as_of)
    out: dict[int, list[Observation]] = defaultdict(list)
    for r in conn.execute(q):
        out[r.indicator_id].append(Observation(r.period_code, r.period_start, r.period_end, float(r.value)))
    return out


def latest_statuses(conn: Connection, ids: list[int], as_of: dt.date | None) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    st = m.table_of(m.InitiativeStatus)
    q = select(
        st.c.initiative_id, st.c.status, st.c.origin,
        func.row_number().over(partition_by=st.c.initiative_id,
                               order_by=(st.c.recorded_at.desc(), st.c.id.desc())).label("rn"),
    ).where(st.c.initiative_id.in_(ids))
    if as_of is not None:
        q = q.where(st.c.recorded_at < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    sub = q.subquery()
    return {
        r.initiative_id: (r.status, r.origin)
        for r in conn.execute(select(sub.c.initiative_id, sub.c.status, sub.c.origin).where(sub.c.rn == 1))
    }
