"""Moving review entries: submit, withdraw, approve, return.

Every move is a compare-and-set on the entry's state (``UPDATE ... WHERE state = :from``)
inside the write transaction, so of two approvers acting on one entry at once exactly one
moves it; the other is told who did, and when. Approving writes what the entry proposes
in the same transaction, so an approved entry and its values are never seen apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from goaltrack.clock import utcnow
from goaltrack.errors import DataError, UsageError
from goaltrack.people import tables as pt
from goaltrack.people.access import Actor, PermissionDenied, require, require_each
from goaltrack.store import tables as m
from goaltrack.store.database import writer

#: action -> (states it moves from, the state it moves to)
MOVES = {
    "submit": (("draft", "returned"), "submitted"),
    "withdraw": (("draft", "submitted", "returned"), "withdrawn"),
    "approve": (("submitted",), "approved"),
    "return": (("submitted",), "returned"),
}


@dataclass(frozen=True)
class Moved:
    entry: int
    subject: str
    what: str  # "FA4-I1 2021", "the status of FA4-I1", "batch 3 (values.csv, 120 rows)"
    state: str
    written: int = 0  # rows written on approval


def move(engine: Engine, entry_id: int, action: str, actor: Actor, *, reason: str | None = None) -> Moved:
    """Do ``action`` on entry ``entry_id`` as ``actor``."""
    sources, to = MOVES[action]
    if action == "return" and not (reason and reason.strip()):
        raise UsageError("return needs --reason saying what to change (it is shown to the author)")
    with writer(engine).begin() as conn:
        row = _entry(conn, entry_id)
        what = describe(conn, row)
        _may(conn, actor, action, row, what)
        if row.state not in sources:
            raise DataError(_wrong_state(conn, row, action, what))
        now = utcnow()
        e = pt.review_entry
        won = conn.execute(update(e).where(e.c.id == entry_id, e.c.state == row.state, e.c.revision == row.revision)
                           .values(state=to, updated_at=now)).rowcount
        if not won:  # another transaction moved it between our read and our write
            raise DataError(_wrong_state(conn, _entry(conn, entry_id), action, what))
        conn.execute(insert(pt.review_event).values(
            entry_id=entry_id, revision=row.revision, actor=actor.login, at=now, from_state=row.state, to_state=to,
            reason=reason.strip() if reason else None))
        written = apply(conn, row, now) if to == "approved" else 0
    return Moved(entry_id, row.subject, what, to, written)


def _entry(conn: Connection, entry_id: int) -> Any:
    e = pt.review_entry
    row = conn.execute(select(e).where(e.c.id == entry_id)).first()
    if row is None:
        raise DataError(f"no review entry {entry_id} (goaltrack review lists them)")
    return row


def describe(conn: Connection, row: Any) -> str:
    if row.subject == "batch":
        b = m.table_of(m.ImportBatch)
        name = conn.execute(select(b.c.file_name).where(b.c.id == row.batch_id)).scalar_one_or_none()
        return f"import batch {row.batch_id} ({name})"
    if row.subject == "status":
        return f"the status of {row.target_code}"
    return f"{row.target_code} {row.period_code}" + (f" ({row.breakdown})" if row.breakdown else "")


def _may(conn: Connection, actor: Actor, action: str, row: Any, what: str) -> None:
    if action in ("submit", "withdraw"):
        if actor.open or actor.login == row.author:
            return
        try:
            require(conn, actor, "manage", row.plan_id)
        except PermissionDenied:
            raise PermissionDenied(f"{actor.login} may not {action} entry {row.id} ({what}): it is "
                                   f"{row.author}'s, and only they or an admin of the plan may") from None
        return
    kind = "initiative" if row.subject == "status" else "indicator"
    if row.subject == "batch":
        require_each(conn, actor, "approve", row.plan_id, "indicator", _batch_indicators(conn, row))
    else:
        require(conn, actor, "approve", row.plan_id, kind, row.target_code)
    if actor.login == row.author and not _self_approval(conn, row.plan_id):
        raise PermissionDenied(f"{actor.login} may not {action} entry {row.id} ({what}): it is their own, "
                               "and this plan does not allow self-approval (plan file: self_approval: true)")


def _self_approval(conn: Connection, plan_id: int) -> bool:
    p = m.table_of(m.Plan)
    return bool(conn.execute(select(p.c.self_approval).where(p.c.id == plan_id)).scalar_one())


def _batch_indicators(conn: Connection, row: Any) -> list[str]:
    pm, ind = pt.pending_measurement, m.table_of(m.Indicator)
    return list(conn.execute(
        select(ind.c.code).distinct().select_from(pm.join(ind, ind.c.id == pm.c.indicator_id))
        .where(pm.c.entry_id == row.id, pm.c.revision == row.revision)).scalars())


def _wrong_state(conn: Connection, row: Any, action: str, what: str) -> str:
    ev = pt.review_event
    last = conn.execute(select(ev.c.actor, ev.c.at).where(ev.c.entry_id == row.id)
                        .order_by(ev.c.id.desc()).limit(1)).first()
    by = f" by {last.actor} at {_stamp(last.at)}" if last is not None and row.state != "draft" else ""
    return f"entry {row.id} ({what}) is {row.state}{by}; it cannot be {_past(action)}"


def _past(action: str) -> str:
    return {"submit": "submitted", "withdraw": "withdrawn", "approve": "approved", "return": "returned"}[action]


def _stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def apply(conn: Connection, row: Any, now: dt.datetime) -> int:
    """Write what entry ``row`` proposes (its latest revision); the number of rows written."""
    if row.subject == "status":
        ps = pt.pending_status
        p = conn.execute(select(ps).where(ps.c.entry_id == row.id, ps.c.revision == row.revision)).one()
        conn.execute(insert(m.table_of(m.InitiativeStatus)).values(
            initiative_id=p.initiative_id, status=p.status, note=p.note, recorded_by=row.author, recorded_at=now,
            origin="status", review_entry_id=row.id))
        return 1
    if row.subject == "batch":
        from goaltrack.store.bulk import Stager

        b = m.table_of(m.ImportBatch)
        origin = conn.execute(select(b.c.origin).where(b.c.id == row.batch_id)).scalar_one()
        stager = Stager(conn)
        stager.from_pending(row.id, row.revision)
        inserted, superseded, _unchanged = stager.merge(now=now, origin=origin, review_entry_id=row.id)
        conn.execute(update(b).where(b.c.id == row.batch_id).values(inserted=b.c.inserted + inserted,
                                                                     superseded=b.c.superseded + superseded))
        return inserted
    from goaltrack.store.recording import Proposal, current_value, says_nothing_new, write_measurement

    pm, ind = pt.pending_measurement, m.table_of(m.Indicator)
    p = conn.execute(select(pm, ind.c.code).join(ind, ind.c.id == pm.c.indicator_id)
                     .where(pm.c.entry_id == row.id, pm.c.revision == row.revision)).one()
    v = Proposal(p.indicator_id, p.code, p.period_code, p.freq, p.period_start, p.period_end, p.value,
                 p.missing_reason, p.kind, p.source, p.note, p.recorded_by, p.breakdown, bool(p.correction))
    old = current_value(conn, v)
    if old is not None and says_nothing_new(old, v.value, v.missing_reason, v.kind, v.note,
                                            (v.source or {}).get("title")):
        return 0  # approved meanwhile by another entry with the same value: nothing to write
    write_measurement(conn, v, origin="correct" if v.correction else "record", review_entry_id=row.id, now=now,
                      old=old)
    return 1
