"""What waits for whom, and what each entry would change.

An approver sees the submitted entries they may approve (not their own, unless the plan
allows it); an author sees their drafts and returned entries, with the reason. Each entry
shows what it proposes beside the current approved value, and a revised entry the revision
before; a batch shows the rows that differ from the approved values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from goaltrack.clock import as_utc, utc_text, utcnow
from goaltrack.errors import GoaltrackError
from goaltrack.people import tables as pt
from goaltrack.people.access import Actor
from goaltrack.review.filed import PENDING
from goaltrack.review.transitions import _may, describe
from goaltrack.store import tables as m
from goaltrack.values.dimensions import breakdown_values

#: Changed rows of a batch shown in a listing; JSON and `goaltrack review ID` show all.
BATCH_ROWS_SHOWN = 20


def queue(conn: Connection, actor: Actor, plan_id: int, *, everything: bool = False) -> list[dict[str, Any]]:
    """The entries waiting for ``actor`` (or, with ``everything``, all waiting entries)."""
    e = pt.review_entry
    rows = conn.execute(select(e).where(e.c.plan_id == plan_id, e.c.state.in_(PENDING)).order_by(e.c.id)).all()
    out = []
    for row in rows:
        role = _waits_for(conn, actor, row)
        if role is None and not everything:
            continue
        item = summary(conn, row, limit=BATCH_ROWS_SHOWN)
        item["for"] = role
        out.append(item)
    return out


def _waits_for(conn: Connection, actor: Actor, row: Any) -> str | None:
    """"approve" when ``actor`` may approve it now, "author" when it waits for them to act."""
    if row.state in ("draft", "returned"):
        return "author" if actor.login == row.author else None
    try:
        _may(conn, actor, "approve", row, "")
    except GoaltrackError:
        return None
    return "approve"


def entry(conn: Connection, entry_id: int, *, rows: bool = True) -> dict[str, Any]:
    """One entry in full: what it proposes (every revision; a batch's rows unless not
    ``rows``) and every transition."""
    from goaltrack.review.transitions import _entry

    row = _entry(conn, entry_id)
    out = summary(conn, row, limit=None if rows else 0)
    ev = pt.review_event
    out["events"] = [
        {"at": utc_text(r.at), "actor": r.actor, "from": r.from_state, "to": r.to_state, "reason": r.reason,
         "revision": r.revision}
        for r in conn.execute(select(ev).where(ev.c.entry_id == entry_id).order_by(ev.c.id))
    ]
    if row.subject != "batch":
        out["revisions"] = [_proposal(conn, row, r) for r in range(1, row.revision + 1)]
    return out


def entries_for(conn: Connection, plan_id: int, subject: str, code: str) -> list[dict[str, Any]]:
    """Every review entry about indicator (``subject`` "measurement") or initiative ("status")
    ``code``, batches holding a value of the indicator included, each with its transitions."""
    e, pm, ind = pt.review_entry, pt.pending_measurement, m.table_of(m.Indicator)
    ids = set(conn.execute(select(e.c.id).where(e.c.plan_id == plan_id, e.c.subject == subject,
                                                e.c.target_code == code)).scalars())
    if subject == "measurement":
        ids |= set(conn.execute(
            select(e.c.id).distinct()
            .select_from(e.join(pm, pm.c.entry_id == e.c.id).join(ind, ind.c.id == pm.c.indicator_id))
            .where(e.c.plan_id == plan_id, e.c.subject == "batch", ind.c.code == code)).scalars())
    return [entry(conn, i, rows=False) for i in sorted(ids)]


def summary(conn: Connection, row: Any, *, limit: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id, "subject": row.subject, "what": describe(conn, row), "state": row.state,
        "author": row.author, "revision": row.revision, "updated_at": utc_text(row.updated_at),
        "waiting_days": (utcnow() - as_utc(row.updated_at)).days, "reason": _last_reason(conn, row),
    }
    if row.subject == "batch":
        out.update(_batch_changes(conn, row, limit))
        return out
    out["proposed"] = _proposal(conn, row, row.revision)
    out["previous"] = _proposal(conn, row, row.revision - 1) if row.revision > 1 else None
    out["current"] = _current(conn, row)
    return out


def _last_reason(conn: Connection, row: Any) -> str | None:
    if row.state != "returned":
        return None
    ev = pt.review_event
    return conn.execute(select(ev.c.reason).where(ev.c.entry_id == row.id, ev.c.to_state == "returned")
                        .order_by(ev.c.id.desc()).limit(1)).scalar_one_or_none()


def _proposal(conn: Connection, row: Any, revision: int) -> dict[str, Any] | None:
    if row.subject == "status":
        ps = pt.pending_status
        p = conn.execute(select(ps).where(ps.c.entry_id == row.id, ps.c.revision == revision)).first()
        return None if p is None else {"status": p.status, "note": p.note, "revision": revision}
    pm = pt.pending_measurement
    p = conn.execute(select(pm).where(pm.c.entry_id == row.id, pm.c.revision == revision)).first()
    return None if p is None else _value(p) | {"revision": revision}


def _value(p: Any) -> dict[str, Any]:
    return {"period": p.period_code, "value": p.value, "missing": p.missing_reason, "note": p.note,
            "dimensions": breakdown_values(p.breakdown)}


def _current(conn: Connection, row: Any) -> dict[str, Any] | None:
    """The approved value (or status) the entry would replace."""
    if row.subject == "status":
        st, ini = m.table_of(m.InitiativeStatus), m.table_of(m.Initiative)
        cur = conn.execute(
            select(st.c.status, st.c.note).join(ini, ini.c.id == st.c.initiative_id)
            .where(ini.c.plan_id == row.plan_id, ini.c.code == row.target_code)
            .order_by(st.c.recorded_at.desc(), st.c.id.desc()).limit(1)).first()
        return None if cur is None else {"status": cur.status, "note": cur.note}
    pm, mt = pt.pending_measurement, m.table_of(m.Measurement)
    now = conn.execute(
        select(mt.c.period_code, mt.c.value, mt.c.missing_reason, mt.c.note, mt.c.breakdown)
        .join(pm, _same_slot(pm, mt)).where(pm.c.entry_id == row.id, pm.c.revision == row.revision)).first()
    return None if now is None else _value(now)


def _same_slot(pm: Any, mt: Any, *, written_by: int | None = None) -> Any:
    """``mt``'s current row for ``pm``'s indicator, period and breakdown; with ``written_by``,
    the row approving that entry wrote there instead (current or superseded since)."""
    which = mt.c.superseded_at.is_(None) if written_by is None else mt.c.review_entry_id == written_by
    return and_(mt.c.indicator_id == pm.c.indicator_id, mt.c.freq == pm.c.freq,
                mt.c.period_start == pm.c.period_start, mt.c.period_end == pm.c.period_end,
                mt.c.breakdown == pm.c.breakdown, which)


def _batch_changes(conn: Connection, row: Any, limit: int | None) -> dict[str, Any]:
    """A batch's rows against the current approved values: new, or changed (with the old value).
    An approved batch's rows are shown against the values they replaced when it was approved
    (against the current ones, every row would be "changed" to itself)."""
    pm, mt, ind, b = pt.pending_measurement, m.table_of(m.Measurement), m.table_of(m.Indicator), \
        m.table_of(m.ImportBatch)
    batch = conn.execute(select(b).where(b.c.id == row.batch_id)).one()
    rows_of = pm.join(ind, ind.c.id == pm.c.indicator_id)
    if row.state == "approved":
        old = mt.alias("replaced")
        rows_of = rows_of.outerjoin(mt, _same_slot(pm, mt, written_by=row.id)).outerjoin(
            old, old.c.id == mt.c.supersedes_id)
    else:
        old = mt
        rows_of = rows_of.outerjoin(mt, _same_slot(pm, mt))
    q = (select(ind.c.code, pm.c.line, pm.c.period_code, pm.c.value, pm.c.missing_reason, pm.c.breakdown,
                old.c.value.label("old_value"), old.c.missing_reason.label("old_missing"), old.c.id.label("old_id"))
         .select_from(rows_of)
         .where(pm.c.entry_id == row.id, pm.c.revision == row.revision).order_by(pm.c.line, pm.c.id))
    rows = conn.execute(q).all()
    changed = [r for r in rows if r.old_id is not None]
    shown = rows if limit is None else rows[:limit]
    return {
        "file": batch.file_name, "sha256": batch.sha256, "rows_read": batch.rows_read,
        "new": len(rows) - len(changed), "changed": len(changed), "unchanged": batch.unchanged,
        "rows": [{"line": r.line, "indicator": r.code, "period": r.period_code, "value": r.value,
                  "missing": r.missing_reason, "dimensions": breakdown_values(r.breakdown),
                  "approved_value": r.old_value, "approved_missing": r.old_missing,
                  "change": "changed" if r.old_id is not None else "new"} for r in shown],
    }
