"""An import's audit record (``import_batch``) and its permission check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from goaltrack.people.access import require_each
from goaltrack.store import tables as m
from goaltrack.store.import_result import ImportResult


def may_record(conn: Connection, run: Any, indicator_ids: Iterable[int]) -> None:
    """Refuse the import (rolled back) when ``run.actor`` may not record one of the indicators
    it gives values for, naming the first."""
    by_id = {ind_id: code for code, (ind_id, _unit, _computed) in run.known.items()}
    require_each(conn, run.actor, "record", run.plan_id, "indicator", [by_id[i] for i in indicator_ids])


def record_batch(conn: Connection, run: Any, result: ImportResult) -> int:
    """The audit trail: one ``import_batch`` row per import; its id."""
    t = m.table_of(m.ImportBatch)
    return int(conn.execute(insert(t).returning(t.c.id).values(
        plan_id=run.plan_id, origin=run.origin, file_name=run.path.name, sha256=run.digest,
        source=getattr(run.source, "name", None),
        rows_read=result.rows_read, inserted=result.inserted, superseded=result.superseded,
        unchanged=result.unchanged, rejected=result.rejected, recorded_by=run.recorded_by,
        recorded_at=run.stamp)).scalar_one())
