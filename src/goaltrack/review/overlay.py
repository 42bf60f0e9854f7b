"""``--include-pending``: a report as it would be if everything submitted were approved.

Inside a transaction that is always rolled back, every submitted entry of the plan is
applied exactly as approval would apply it (:func:`goaltrack.review.transitions.apply`), so
scores, statuses and roll-ups use the same code as ever; the report is built; nothing is
kept. The ids of the applied entries sit in the connection's ``info`` under
:data:`PENDING_KEY`, which is how reports know a value is pending and mark it so.

Drafts and returned entries are not included: they are their author's work in progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.clock import utcnow
from goaltrack.people import tables as pt

PENDING_KEY = "goaltrack.pending_entries"


def pending_entries(conn: Connection) -> frozenset[int] | None:
    """The entries applied for this report, or None when pending values are left out."""
    value = conn.info.get(PENDING_KEY)
    return None if value is None else frozenset(value)


def pending_meta(conn: Connection) -> dict[str, Any] | None:
    """What a report says about the pending values it includes (``meta.pending_review``)."""
    entries = conn.info.get(PENDING_KEY)
    if entries is None:
        return None
    return {"included": True, "entries": sorted(entries), "count": len(entries)}


def pending_indicators(conn: Connection, indicator_ids: list[int]) -> set[int] | None:
    """Which of the indicators have a current value that waits for review (None unless
    pending values are included)."""
    entries = pending_entries(conn)
    if entries is None:
        return None
    if not entries:
        return set()
    from goaltrack.store import tables as m

    mt = m.table_of(m.Measurement)
    return set(conn.execute(select(mt.c.indicator_id).distinct().where(
        mt.c.indicator_id.in_(indicator_ids), mt.c.superseded_at.is_(None),
        mt.c.review_entry_id.in_(sorted(entries)))).scalars())


@contextmanager
def including_pending(conn: Connection, plan_ids: list[int]) -> Iterator[list[int]]:
    """Apply every submitted entry of ``plan_ids`` for the duration, then roll back."""
    from goaltrack.review.transitions import apply

    if conn.in_transaction():
        conn.rollback()
    trans = conn.begin()
    try:
        e = pt.review_entry
        rows = conn.execute(select(e).where(e.c.plan_id.in_(plan_ids), e.c.state == "submitted")
                            .order_by(e.c.updated_at, e.c.id)).all()
        now = utcnow()
        applied = []
        for row in rows:  # in the order they were submitted, as approving them in turn would
            apply(conn, row, now)
            applied.append(int(row.id))
        conn.info[PENDING_KEY] = applied
        yield applied
    finally:
        conn.info.pop(PENDING_KEY, None)
        trans.rollback()
