"""Reading measurements: the latest current value per indicator, set-based.

"Current" means not superseded (``superseded_at IS NULL``); "latest" means the period that
ends last (on or before ``as_of`` when given). One query serves any number of indicators: for
each, a correlated ``ORDER BY period_end DESC LIMIT 1`` that the partial index
``ix_measurement_latest`` answers with one seek (``tests/test_perf_paths.py`` checks the plan).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Select, bindparam, select, true
from sqlalchemy.engine import Connection

from goaltrack.store.tables import Indicator, Measurement, table_of
from goaltrack.values.periods import parse_period


@dataclass(frozen=True, slots=True)
class Latest:
    indicator_id: int
    period_code: str
    period_end: dt.date
    value: float  # the query takes only rows with a value
    source_title: str | None = None
    """The ``title`` of the value's source (``"example"`` marks demo data)."""


def latest_values(
    conn: Connection, indicator_ids: Sequence[int], *, as_of: dt.date | None = None
) -> dict[int, Latest]:
    """The latest current value of each of ``indicator_ids`` that has one."""
    if not indicator_ids:
        return {}
    return _latest(conn, "ids", {"ids": list(indicator_ids)}, as_of)


def latest_values_of_plan(conn: Connection, plan_id: int, *, as_of: dt.date | None = None) -> dict[int, Latest]:
    """The latest current value of each recorded (not computed) indicator of a plan: the
    same as :func:`latest_values` with their ids, without sending hundreds of ids."""
    return _latest(conn, "plan", {"plan_id": plan_id}, as_of)


def _latest(conn: Connection, by: str, params: dict[str, Any], as_of: dt.date | None) -> dict[int, Latest]:
    rows = conn.execute(_latest_query(conn.dialect.name, by), {**params, "as_of": as_of or dt.date.max}).all()
    # The period's end comes from its code (parsed once per distinct code) rather than from
    # the column: at national scale, converting a date and decoding a JSON source per row
    # was most of this function's time. The source's title is extracted by the database.
    return {iid: Latest(iid, code, parse_period(code).end, value, title) for iid, code, value, title in rows}


@functools.cache
def _latest_query(dialect: str, by: str) -> Select[Any]:
    """The latest-value query, built once per dialect (scoring all plans runs it per plan);
    the indicator ids and the date are parameters."""
    t = table_of(Measurement)
    it = table_of(Indicator)
    m2 = t.alias("m2")
    title = t.c.source["title"].as_string().label("source_title")  # ->> on PostgreSQL
    # Per indicator, its newest current observed value: ix_measurement_latest is sought at
    # the indicator's last period_end and read backwards until a row qualifies (LIMIT 1),
    # instead of ranking all its values with a window function. Work grows with the number
    # of indicators asked for, not with their history or the database. The bound on
    # period_end is there even without as_of (date.max excludes nothing): with only the
    # equality on indicator_id, SQLite has no statistics to prefer ix_measurement_latest over
    # ux_measurement_current and picks either, depending on the order the indexes were made.
    newest = (
        select(m2.c.id, m2.c.period_code, m2.c.value, m2.c.source["title"].as_string().label("source_title"))
        .where(
            m2.c.indicator_id == it.c.id,
            m2.c.breakdown == "",  # the indicator's total: scores rest on it, not on a breakdown
            m2.c.superseded_at.is_(None),
            m2.c.kind == "observed",
            m2.c.value.is_not(None),
            m2.c.period_end <= bindparam("as_of", type_=Date()),
        )
        .order_by(m2.c.period_end.desc(), m2.c.id.desc())
        .limit(1)
    )
    if dialect == "postgresql":
        # A LATERAL join: PostgreSQL would otherwise hash the whole table to join on the id.
        lat = newest.lateral("latest")
        query = (
            select(it.c.id.label("indicator_id"), lat.c.period_code, lat.c.value, lat.c.source_title)
            .select_from(it.join(lat, true()))
        )
    else:  # SQLite has no LATERAL; it runs the correlated subquery once per indicator
        query = (
            select(t.c.indicator_id, t.c.period_code, t.c.value, title)
            .select_from(it.join(t, t.c.id == newest.with_only_columns(m2.c.id).correlate(it).scalar_subquery()))
        )
    if by == "plan":
        return query.where(it.c.plan_id == bindparam("plan_id"), it.c.computed.is_(None))
    return query.where(it.c.id.in_(bindparam("ids", expanding=True)))
