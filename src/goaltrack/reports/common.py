"""What every report shares: the plan's metadata block and the report's envelope.

Reports are reproducible: nothing here reads the clock unless a stamp is asked for, and
every list is ordered by the plan's own order or by code.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.interfaces import RenderOptions
from goaltrack.review.overlay import pending_meta
from goaltrack.store import tables as m

REPORT_SCHEMA_VERSION = 1


def plan_meta(conn: Connection, plan_id: int, report: str, options: RenderOptions) -> dict[str, Any]:
    t = m.table_of(m.Plan)
    p = conn.execute(select(t).where(t.c.id == plan_id)).one()
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "report": report,
        "plan": p.slug,
        "plan_title": p.title,
        "organisation": p.organisation,
        "years": list(p.years),
        "language": p.language,
        "lang": options.lang or p.language,
        "currency": p.currency,
        "amount_unit": p.amount_unit,
        "amount_scale": p.amount_scale,
        "source": p.source,
        "synthetic": bool(p.synthetic),
        "content_hash": p.content_hash,
        "as_of": options.as_of.isoformat() if options.as_of else None,
        "generated_at": options.stamp,
        **({"pending_review": pending} if (pending := pending_meta(conn)) is not None else {}),
    }


def envelope(meta: dict[str, Any], **body: Any) -> dict[str, Any]:
    """The JSON document of a report: ``version``, ``meta``, then the report's own keys."""
    return {"version": REPORT_SCHEMA_VERSION, "report": meta["report"], "meta": meta, **body}
