"""Recording progress by hand: one measurement, one initiative status, and their history.

Nothing is overwritten. A new value for an indicator and period supersedes the current one
(which is kept, with the time it was superseded); ``correct=True`` marks the new entry as a
correction of the old. Recording what is already current (the same value or missing reason,
kind, and no other note or source) writes nothing and says so, as re-importing a file does.
Statuses are appended; the latest is the initiative's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from goaltrack.clock import utcnow
from goaltrack.errors import DataError, UsageError
from goaltrack.people.access import Actor, require
from goaltrack.review.filed import Filed
from goaltrack.store import tables as m
from goaltrack.store.database import writer
from goaltrack.values.dimensions import DimensionResolver, breakdown_values
from goaltrack.values.periods import parse_period
from goaltrack.values.units import parse_value
from goaltrack.vocab import INITIATIVE_STATUSES

STATUSES = INITIATIVE_STATUSES
NEEDS_NOTE = ("at-risk", "off-track")


@dataclass(frozen=True)
class Recorded:
    indicator: str
    period: str
    value: float | None
    superseded: float | None  # the value it replaced, if any
    replaced: bool
    unchanged: bool = False  # the same was already current: nothing was written
    current_since: str | None = None  # when unchanged: when and by whom the current entry was recorded
    breakdown: str = ""  # the dimension values it is for; "" for the total
    entry: int | None = None  # the review entry it went to, where the plan requires review
    state: str | None = None  # that entry's state: draft or submitted
    revision: int = 0  # the entry's revision: 1 when new, more when it revised an open entry


def _item(conn: Connection, model: type[Any], plan_id: int, code: str, what: str) -> Any:
    t = model.__table__
    row = conn.execute(select(t).where(t.c.plan_id == plan_id, t.c.code == code)).first()
    if row is None:
        from goaltrack.suggest import unknown

        known = conn.execute(select(t.c.code).where(t.c.plan_id == plan_id).order_by(t.c.code)).scalars().all()
        raise UsageError(unknown(what, code, known))
    return row


# Both writers use SQLAlchemy Core, not ORM sessions: the first ORM query of a process
# configures every mapper, about 30 ms of a command that writes one row.


def record_measurement(
    engine: Engine,
    plan_id: int,
    indicator: str,
    raw_value: str | None,
    period: str,
    *,
    by: str,
    note: str | None = None,
    source: str | None = None,
    missing: str | None = None,
    correct: bool = False,
    kind: str = "observed",
    dimensions: Mapping[str, str] | None = None,
    actor: Actor | None = None,
    submit: bool = False,
) -> Recorded:
    """Record one value; ``dimensions`` (dimension -> value code or name) makes it the value
    for that breakdown instead of the indicator's total.

    ``actor`` must be allowed to record the indicator (:mod:`goaltrack.people.access`). Where
    the plan requires review, the value becomes (or revises) a review entry instead, a draft
    or, with ``submit``, submitted; reports use it once an approver approves it."""
    if (raw_value is None) == (missing is None):
        raise UsageError("give either VALUE or --missing REASON")
    if correct and not note:
        raise UsageError("--correct needs --note saying what was wrong")
    p = parse_period(period)
    with writer(engine).begin() as conn:
        ind = _item(conn, m.Indicator, plan_id, indicator, "indicator")
        require(conn, actor, "record", plan_id, "indicator", indicator)
        if ind.computed:
            raise DataError(f"indicator '{indicator}' is computed ({ind.computed}); its values cannot be recorded")
        value = None
        if raw_value is not None:
            try:
                value = parse_value(raw_value, ind.unit)
            except DataError as exc:
                raise DataError(f"{indicator} {period}: value: {exc.message}") from None
        breakdown = ""
        if dimensions:
            pt = m.table_of(m.Plan)
            declared = conn.execute(select(pt.c.dimensions).where(pt.c.id == plan_id)).scalar_one()
            try:
                breakdown = DimensionResolver(declared, ind.dimensions, indicator).key(dimensions)
            except DataError as exc:
                raise DataError(f"{indicator} {period}: --dim: {exc.message}") from None
        proposal = Proposal(ind.id, indicator, p.code, p.freq, p.start, p.end, value, missing, kind,
                            {"title": source} if source else None, note, by, breakdown, correct)
        old = current_value(conn, proposal)
        if correct and old is None:
            raise UsageError(f"--correct: {indicator} has no value for {p.code} to correct")
        same = old is not None and says_nothing_new(old, value, missing, kind, note, source)
        if review_required(conn, plan_id):
            from goaltrack.review.entries import propose_measurement

            # The approved value again revises the author's open entry for it (back to what
            # is approved); with no open entry it is unchanged, as without review.
            filed = propose_measurement(conn, plan_id, proposal, submit=submit, only_to_revise=same)
            if filed is not None:
                entry, state, revision = filed
                return Recorded(indicator, p.code, value, old.value if old is not None else None, old is not None,
                                breakdown=breakdown, entry=entry, state=state, revision=revision)
        if same:
            since = f"{_iso(old.recorded_at)} by {old.recorded_by}"
            return Recorded(indicator, p.code, value, old.value, False, unchanged=True, current_since=since,
                            breakdown=breakdown)
        write_measurement(conn, proposal, origin="correct" if correct else "record", old=old)
    return Recorded(indicator, p.code, value, old.value if old is not None else None, old is not None,
                    breakdown=breakdown)


@dataclass(frozen=True)
class Proposal:
    """One value as it will be written: by hand, or on approval of a review entry."""

    indicator_id: int
    indicator: str
    period_code: str
    freq: str
    period_start: dt.date
    period_end: dt.date
    value: float | None
    missing_reason: str | None
    kind: str
    source: dict[str, Any] | None
    note: str | None
    recorded_by: str
    breakdown: str
    correction: bool


def current_value(conn: Connection, v: Proposal) -> Any:
    """The current (approved) row for the proposal's indicator, period and breakdown, if any."""
    # The same period is the same span and frequency, however it is written: 2024-03
    # and 2024M03, 2024q1 and 2024Q1, 2024 and 2024Y01 supersede each other.
    mt = m.table_of(m.Measurement)
    olds = conn.execute(
        select(mt.c.id, mt.c.value, mt.c.missing_reason, mt.c.kind, mt.c.note, mt.c.source, mt.c.recorded_at,
               mt.c.recorded_by).where(
            mt.c.indicator_id == v.indicator_id, mt.c.freq == v.freq, mt.c.period_start == v.period_start,
            mt.c.period_end == v.period_end, mt.c.breakdown == v.breakdown, mt.c.superseded_at.is_(None),
        ).order_by(mt.c.id)
    ).all()
    return olds[-1] if olds else None


def write_measurement(conn: Connection, v: Proposal, *, origin: str, review_entry_id: int | None = None,
                      now: dt.datetime | None = None, old: Any = ...) -> None:
    """Write ``v`` as the current value, superseding the one it replaces (kept, with the time);
    ``old`` is that one where the caller has looked it up already."""
    mt = m.table_of(m.Measurement)
    now = now or utcnow()
    if old is ...:
        old = current_value(conn, v)
    if old is not None:  # free the one-current-value slot first
        conn.execute(update(mt).where(
            mt.c.indicator_id == v.indicator_id, mt.c.freq == v.freq, mt.c.period_start == v.period_start,
            mt.c.period_end == v.period_end, mt.c.breakdown == v.breakdown, mt.c.superseded_at.is_(None),
        ).values(superseded_at=now))
    conn.execute(
        insert(mt).values(
            indicator_id=v.indicator_id, period_code=v.period_code, freq=v.freq, period_start=v.period_start,
            period_end=v.period_end, value=v.value, missing_reason=v.missing_reason, kind=v.kind,
            source=v.source, note=v.note, recorded_by=v.recorded_by, recorded_at=now, origin=origin,
            correction=v.correction, supersedes_id=old.id if old is not None else None, breakdown=v.breakdown,
            review_entry_id=review_entry_id,
        )
    )


def review_required(conn: Connection, plan_id: int) -> bool:
    pt = m.table_of(m.Plan)
    return conn.execute(select(pt.c.review).where(pt.c.id == plan_id)).scalar_one() == "required"


def says_nothing_new(old: Any, value: float | None, missing: str | None, kind: str, note: str | None,
          source: str | None) -> bool:
    """Whether a new entry would say nothing the current one does not: the same value (or
    missing reason) and kind, and no note or source other than the current one's."""
    return (old.value == value and old.missing_reason == missing and old.kind == kind
            and note in (None, old.note) and source in (None, (old.source or {}).get("title")))


def record_status(
    engine: Engine,
    plan_id: int,
    initiative: str,
    status: str,
    *,
    by: str,
    note: str | None = None,
    origin: str = "status",
    actor: Actor | None = None,
    submit: bool = False,
) -> Filed | None:
    """Append a status; ``origin`` "example" marks demo data, shown as such in reports.

    Where the plan requires review, the status becomes (or revises) a review entry instead,
    which is returned; it is appended when an approver approves it."""
    if status not in STATUSES:
        raise UsageError(f"unknown status '{status}' (one of: {', '.join(STATUSES)})")
    if status in NEEDS_NOTE and not (note and note.strip()):
        raise UsageError(f"status '{status}' needs --note saying why")
    st = m.table_of(m.InitiativeStatus)
    with writer(engine).begin() as conn:
        ini = _item(conn, m.Initiative, plan_id, initiative, "initiative")
        require(conn, actor, "record", plan_id, "initiative", initiative)
        if review_required(conn, plan_id):
            from goaltrack.review.entries import propose_status

            return propose_status(conn, plan_id, ini.id, initiative, status, note, by, submit=submit)
        conn.execute(
            insert(st).values(
                initiative_id=ini.id, status=status, note=note, recorded_by=by, recorded_at=utcnow(), origin=origin
            )
        )
    return None


def history(conn: Connection, plan_id: int, code: str) -> dict[str, Any]:
    """Every value of indicator ``code``, or every status of initiative ``code``, oldest first,
    and every review entry about it with its transitions."""
    from goaltrack.review.queue import entries_for

    it = m.table_of(m.Indicator)
    ind = conn.execute(select(it).where(it.c.plan_id == plan_id, it.c.code == code)).first()
    if ind is not None:
        mt = m.table_of(m.Measurement)
        rows = conn.execute(
            select(mt).where(mt.c.indicator_id == ind.id)
            .order_by(mt.c.period_end, mt.c.period_code, mt.c.breakdown, mt.c.id)
        ).all()
        return {
            "kind": "indicator", "code": code, "name": ind.name, "unit": ind.unit,
            "reviews": entries_for(conn, plan_id, "measurement", code),
            "entries": [
                {
                    "period": r.period_code, "value": r.value, "missing": r.missing_reason, "kind": r.kind,
                    "current": r.superseded_at is None, "recorded_by": r.recorded_by,
                    "recorded_at": _iso(r.recorded_at), "superseded_at": _iso(r.superseded_at),
                    "correction": bool(r.correction), "origin": r.origin, "note": r.note,
                    "source": (r.source or {}).get("title"), "id": r.id, "supersedes": r.supersedes_id,
                    "dimensions": breakdown_values(r.breakdown),
                }
                for r in rows
            ],
        }
    nt = m.table_of(m.Initiative)
    ini = conn.execute(select(nt).where(nt.c.plan_id == plan_id, nt.c.code == code)).first()
    if ini is None:
        from goaltrack.suggest import hint

        known = [
            *conn.execute(select(it.c.code).where(it.c.plan_id == plan_id).order_by(it.c.code)).scalars(),
            *conn.execute(select(nt.c.code).where(nt.c.plan_id == plan_id).order_by(nt.c.code)).scalars(),
        ]
        raise UsageError(f"no indicator or initiative '{code}' in this plan{hint(code, known)}")
    st = m.table_of(m.InitiativeStatus)
    rows = conn.execute(select(st).where(st.c.initiative_id == ini.id).order_by(st.c.recorded_at, st.c.id)).all()
    return {
        "kind": "initiative", "code": code, "name": ini.title, "declared_status": ini.status,
        "reviews": entries_for(conn, plan_id, "status", code),
        "entries": [
            {"status": r.status, "note": r.note, "recorded_by": r.recorded_by,
             "recorded_at": _iso(r.recorded_at), "current": i == len(rows) - 1, "origin": r.origin}
            for i, r in enumerate(rows)
        ],
    }


def _iso(value: dt.datetime | str | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
