"""Creating and revising review entries: one value, one status, or one import batch.

An author who records the same indicator, period and breakdown (or the same initiative)
again while their entry for it is a draft or returned revises that entry: a new revision
of what it proposes, the earlier ones kept. One that is submitted must be withdrawn first,
so an approver never approves something other than what they saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from goaltrack.clock import utcnow
from goaltrack.errors import DataError
from goaltrack.people import tables as pt
from goaltrack.review.filed import OPEN, Filed

if TYPE_CHECKING:
    from goaltrack.store.bulk import Stager
    from goaltrack.store.recording import Proposal


def propose_measurement(conn: Connection, plan_id: int, v: Proposal, *, submit: bool,
                        only_to_revise: bool = False) -> tuple[int, str, int] | None:
    """File ``v`` for review; return (entry id, state, revision). With ``only_to_revise``,
    only revise the author's open entry for the same value, and return None when there is
    none."""
    e, pm = pt.review_entry, pt.pending_measurement
    open_entry = conn.execute(
        select(e.c.id, e.c.state, e.c.revision)
        .select_from(e.join(pm, (pm.c.entry_id == e.c.id) & (pm.c.revision == e.c.revision)))
        .where(e.c.plan_id == plan_id, e.c.subject == "measurement", e.c.author == v.recorded_by,
               e.c.state.in_((*OPEN, "submitted")), pm.c.indicator_id == v.indicator_id, pm.c.freq == v.freq,
               pm.c.period_start == v.period_start, pm.c.period_end == v.period_end,
               pm.c.breakdown == v.breakdown)
        .order_by(e.c.id.desc())
    ).first()
    if only_to_revise and open_entry is None:
        return None
    what = f"{v.indicator} {v.period_code}" + (f" ({v.breakdown})" if v.breakdown else "")
    entry = _open_or_new(conn, plan_id, "measurement", v.recorded_by, open_entry, what, submit=submit,
                         target=v.indicator, period=v.period_code, breakdown=v.breakdown)
    conn.execute(insert(pm).values(
        entry_id=entry.entry, revision=entry.revision, indicator_id=v.indicator_id, period_code=v.period_code,
        freq=v.freq, period_start=v.period_start, period_end=v.period_end, value=v.value,
        missing_reason=v.missing_reason, kind=v.kind, source=v.source, note=v.note, recorded_by=v.recorded_by,
        breakdown=v.breakdown, correction=v.correction))
    return entry.entry, entry.state, entry.revision


def propose_status(conn: Connection, plan_id: int, initiative_id: int, initiative: str, status: str,
                   note: str | None, by: str, *, submit: bool) -> Filed:
    e, ps = pt.review_entry, pt.pending_status
    open_entry = conn.execute(
        select(e.c.id, e.c.state, e.c.revision).where(
            e.c.plan_id == plan_id, e.c.subject == "status", e.c.author == by, e.c.target_code == initiative,
            e.c.state.in_((*OPEN, "submitted"))).order_by(e.c.id.desc())
    ).first()
    entry = _open_or_new(conn, plan_id, "status", by, open_entry, f"the status of {initiative}", submit=submit,
                         target=initiative)
    conn.execute(insert(ps).values(entry_id=entry.entry, revision=entry.revision, initiative_id=initiative_id,
                                   status=status, note=note))
    return entry


def file_batch(stager: Stager, plan_id: int, batch_id: int, by: str, *,
               submit: bool) -> tuple[Filed, tuple[int, int, int]]:
    """A new entry for import batch ``batch_id``, holding the staged rows that change
    something; the entry, and the rows' (new, changed, unchanged) counts."""
    from goaltrack.store import tables as m

    filed = _open_or_new(stager.conn, plan_id, "batch", by, None, "", submit=submit, batch=batch_id)
    counts = stager.to_pending(filed.entry, filed.revision)
    if not counts[0] and not counts[1]:  # nothing to review: no entry (same transaction, never seen)
        stager.conn.execute(delete(pt.review_event).where(pt.review_event.c.entry_id == filed.entry))
        stager.conn.execute(delete(pt.review_entry).where(pt.review_entry.c.id == filed.entry))
        filed = Filed(0, "unchanged", 0, "batch")
    b = m.table_of(m.ImportBatch)
    stager.conn.execute(update(b).where(b.c.id == batch_id).values(unchanged=counts[2]))
    return filed, counts


def _open_or_new(conn: Connection, plan_id: int, subject: str, author: str, open_entry: Any, what: str, *,
                 submit: bool, target: str | None = None, period: str | None = None, breakdown: str | None = None,
                 batch: int | None = None) -> Filed:
    e, ev = pt.review_entry, pt.review_event
    now = utcnow()
    to = "submitted" if submit else "draft"
    if open_entry is not None:
        entry_id, state, revision = int(open_entry.id), str(open_entry.state), int(open_entry.revision)
        if state == "submitted":
            raise DataError(f"{what} is submitted for review already (entry {entry_id}); "
                            f"withdraw it first (goaltrack withdraw {entry_id}) to change it")
        revision += 1
        conn.execute(update(e).where(e.c.id == entry_id).values(state=to, revision=revision, updated_at=now))
        conn.execute(insert(ev).values(entry_id=entry_id, revision=revision, actor=author, at=now, from_state=state,
                                       to_state=to, reason="revised"))
        return Filed(entry_id, to, revision, subject)
    entry_id = conn.execute(insert(e).values(
        plan_id=plan_id, subject=subject, state=to, author=author, revision=1, target_code=target,
        period_code=period, breakdown=breakdown, batch_id=batch, created_at=now, updated_at=now,
    ).returning(e.c.id)).scalar_one()
    conn.execute(insert(ev).values(entry_id=entry_id, revision=1, actor=author, at=now, from_state=None,
                                   to_state=to, reason=None))
    return Filed(entry_id, to, 1, subject)
