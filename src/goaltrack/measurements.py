"""Reading measurements: the latest current value per indicator, set-based.

"Current" means not superseded (``superseded_at IS NULL``); "latest" means the period that
ends last (on or before ``as_of`` when given). One query with a window function serves any
number of indicators; the partial index ``ix_measurement_latest`` covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from goaltrack.models import Measurement


@dataclass(frozen=True)
class Latest:
    indicator_id: int
    period_code: str
    period_end: dt.date
    value: float | None
    source: dict[str, Any] | None = None


def latest_values(
    conn: Connection, indicator_ids: Sequence[int], *, as_of: dt.date | None = None
) -> dict[int, Latest]:
    if not indicator_ids:
        return {}
    t = Measurement.__table__  # type: ignore[attr-defined]
    ranked = (
        select(
            t.c.indicator_id,
            t.c.period_code,
            t.c.period_end,
            t.c.value,
            t.c.source,
            func.row_number()
            .over(partition_by=t.c.indicator_id, order_by=(t.c.period_end.desc(), t.c.id.desc()))
            .label("rn"),
        )
        .where(t.c.superseded_at.is_(None), t.c.indicator_id.in_(list(indicator_ids)))
        .where(t.c.kind == "observed", t.c.value.is_not(None))
    )
    # Always bound period_end, even without as_of (date.max excludes nothing): with only the
    # equality on indicator_id, SQLite has no statistics to prefer ix_measurement_latest over
    # ux_measurement_current and picks either, depending on the order the indexes were made;
    # the range makes the covering index the clear choice.
    ranked = ranked.where(t.c.period_end <= (as_of or dt.date.max))
    sub = ranked.subquery()
    rows = conn.execute(
        select(sub.c.indicator_id, sub.c.period_code, sub.c.period_end, sub.c.value, sub.c.source).where(sub.c.rn == 1)
    )
    return {r.indicator_id: Latest(r.indicator_id, r.period_code, r.period_end, r.value, r.source) for r in rows}
