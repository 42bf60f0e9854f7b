"""Reports computed once per change of a plan's data, not once per page view.

A plan's coverage report scores every indicator and runs every check: about a quarter of a
second for a plan of 500 indicators, far too slow to repeat for every reader of its
dashboard. Reports are reproducible (the same database gives the same report), so a report
built once can be shown until the plan's data changes. :func:`fingerprint` says when that
is: the plan's content hash and load time (a plan file loaded again), and the newest
measurement and initiative status of the plan (every write, correction and approval adds a
row, since nothing is overwritten). It costs two index lookups (a fraction of a
millisecond).

Entries also expire after :data:`TTL` seconds, because a few checks look at the clock (how
long a review entry has waited). Each worker process has its own cache. Pages that show
pending values (``include_pending``) are never cached. While one request builds a report,
others asking for the same one wait for it instead of building it again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from goaltrack.store import tables as m

T = TypeVar("T")

TTL = 300.0
SIZE = 256


def fingerprint(conn: Connection, plan_id: int) -> tuple[Any, ...]:
    plan, ind, ms = m.table_of(m.Plan), m.table_of(m.Indicator), m.table_of(m.Measurement)
    ini, st = m.table_of(m.Initiative), m.table_of(m.InitiativeStatus)
    row = conn.execute(select(
        select(plan.c.content_hash).where(plan.c.id == plan_id).scalar_subquery(),
        select(plan.c.loaded_at).where(plan.c.id == plan_id).scalar_subquery(),
        select(func.max(ms.c.id)).where(ms.c.indicator_id.in_(select(ind.c.id).where(ind.c.plan_id == plan_id)))
        .scalar_subquery(),
        select(func.max(st.c.id)).where(st.c.initiative_id.in_(select(ini.c.id).where(ini.c.plan_id == plan_id)))
        .scalar_subquery(),
    )).one()
    return tuple(row)


class ReportCache:
    """A bounded LRU of built reports, keyed by what was asked and the plan's fingerprint."""

    def __init__(self, size: int = SIZE, ttl: float = TTL) -> None:
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, conn: Connection, plan_id: int, key: Hashable, build: Callable[[], T]) -> T:
        full = (key, plan_id, fingerprint(conn, plan_id))
        found = self._lookup(full)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        with self._lock:
            building = self._building.setdefault(full, threading.Lock())
        with building:  # one builder per report; the others wait, then find it
            found = self._lookup(full)
            if found is not None:
                return found[0]  # type: ignore[no-any-return]
            value = build()
            with self._lock:
                self.misses += 1
                self._entries[full] = (time.monotonic(), value)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._building.pop(full, None)
            return value

    def _lookup(self, full: Hashable) -> tuple[Any] | None:
        with self._lock:
            entry = self._entries.get(full)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.ttl:
                del self._entries[full]
                return None
            self._entries.move_to_end(full)
            self.hits += 1
            return (entry[1],)
