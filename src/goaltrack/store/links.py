"""The link graph of one or more plans: every link, indexed both ways, in file order.

One read serves every consumer: scoring walks ``into``; listings, the tree, the coverage
report and the checks also want item codes (``codes=True``). The rows are plain tuples, not
ORM objects: a national plan has thousands of links, and every one is read.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.store import tables as m


class LinkRow(NamedTuple):
    src_kind: str
    src_id: int
    dst_kind: str
    dst_id: int
    weight: float | None
    share: float | None
    basis: str
    quote: str | None
    note: str | None


class Links:
    """Every link of the selected plans, by source (``out``) and by target (``into``)."""

    def __init__(self, conn: Connection, plan_ids: list[int], *, codes: bool = True) -> None:
        lt = m.table_of(m.Link)
        self.out: dict[tuple[str, int], list[LinkRow]] = defaultdict(list)
        self.into: dict[tuple[str, int], list[LinkRow]] = defaultdict(list)
        where = lt.c.plan_id == plan_ids[0] if len(plan_ids) == 1 else lt.c.plan_id.in_(plan_ids)
        rows = conn.execute(
            select(*(lt.c[name] for name in LinkRow._fields)).where(where).order_by(lt.c.position, lt.c.id)
        ).all()
        for row in rows:
            link = LinkRow(*row)
            self.out[(link.src_kind, link.src_id)].append(link)
            self.into[(link.dst_kind, link.dst_id)].append(link)
        self.codes: dict[str, dict[int, str]] = {}
        if codes:
            for kind, table in m.ITEM_TABLES.items():
                t = m.table_of(table)
                self.codes[kind] = dict(conn.execute(select(t.c.id, t.c.code).where(t.c.plan_id.in_(plan_ids))).all())

    def targets(self, kind: str, item_id: int, dst_kind: str) -> list[dict[str, Any]]:
        """What ``(kind, item_id)`` links to among ``dst_kind`` items, as ``{"code", "basis"[, "share"]}``."""
        return [_ref(self.codes[dst_kind][r.dst_id], r) for r in self.out[(kind, item_id)] if r.dst_kind == dst_kind]

    def sources(self, kind: str, item_id: int, src_kind: str) -> list[dict[str, Any]]:
        """The ``src_kind`` items linking to ``(kind, item_id)``, in the same form."""
        return [_ref(self.codes[src_kind][r.src_id], r) for r in self.into[(kind, item_id)] if r.src_kind == src_kind]


def _ref(code: str, link: LinkRow) -> dict[str, Any]:
    ref: dict[str, Any] = {"code": code, "basis": link.basis}
    if link.share is not None:
        ref["share"] = link.share
    return ref
