"""An import's audit record (``import_batch``) and its permission check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlalchemy.engine import Connection

from goaltrack.people.access import PermissionDenied, allows, plan_slug, refusal, scopes_of
from goaltrack.store import tables as m
from goaltrack.store.import_result import ImportResult


def may_record(conn: Connection, run: Any, rows_where: str) -> None:
    """Refuse the import (rolled back) when ``run.actor`` may not record one of the indicators
    it gives values for, naming the first. The indicators the actor may not record are found
    first (a few queries, however many there are); then one indexed look at the imported rows
    (``SELECT ... FROM {rows_where} indicator_id IN ...``) says whether any is among them."""
    actor = run.actor
    if actor is None or actor.open:
        return
    slug = plan_slug(conn, run.plan_id)
    code_of = {ind_id: code for code, (ind_id, _unit, _computed) in run.known.items()}
    refused = sorted(i for i, scopes in _scopes(conn, run.plan_id, code_of).items()
                     if not allows(actor, "record", slug, scopes))
    if not refused:
        return
    found = conn.execute(text(f"SELECT DISTINCT indicator_id FROM {rows_where} indicator_id IN :ids")
                         .bindparams(bindparam("ids", expanding=True)), {"ids": refused}).scalars()
    first = min((code_of[i] for i in found), default=None)
    if first is not None:
        raise PermissionDenied(refusal(actor, "record", slug, first))


def _scopes(conn: Connection, plan_id: int, code_of: dict[int, str]) -> dict[int, set[tuple[str, str]]]:
    by_code = scopes_of(conn, plan_id, "indicator", code_of.values())
    return {i: by_code[code] for i, code in code_of.items()}


def record_batch(conn: Connection, run: Any, result: ImportResult) -> int:
    """The audit trail: one ``import_batch`` row per import; its id."""
    t = m.table_of(m.ImportBatch)
    return int(conn.execute(insert(t).returning(t.c.id).values(
        plan_id=run.plan_id, origin=run.origin, file_name=run.path.name, sha256=run.digest,
        source=getattr(run.source, "name", None),
        rows_read=result.rows_read, inserted=result.inserted, superseded=result.superseded,
        unchanged=result.unchanged, rejected=result.rejected, recorded_by=run.recorded_by,
        recorded_at=run.stamp)).scalar_one())
