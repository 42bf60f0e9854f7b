"""Scoring every plan of a database at once (``score --all-plans``), in worker processes.

Plans are independent, and scoring one is Python work (each indicator goes through its
scoring plugin), so a database of many plans is split into chunks scored by ``jobs``
processes, each with its own connection. The result does not depend on ``jobs``: chunks come
back in plan order, and each plan is scored exactly as ``score --plan`` scores it.

Workers are forked, so they start with the parent's modules, plugins and settings already
loaded (nothing is imported or registered again). Where ``fork`` is not available the plans
are scored in this process. Each worker reads in its own transaction: on a database that is
being written to while the command runs, plans scored later may see later values; with
``--jobs 1`` every plan is read in one transaction.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from goaltrack.errors import GoaltrackError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from goaltrack.plugins import Plugins

#: At most this many processes when ``jobs`` is 0 (automatic): beyond it the database, not
#: Python, is the limit.
MAX_AUTO_JOBS = 4
#: A worker is worth its start only with this many plans or more to score.
PLANS_PER_JOB = 8

# What a forked worker needs, set by score_all_plans just before the pool starts: the
# children inherit it (a fork copies the parent's memory), so nothing is pickled but plan ids.
_job: dict[str, Any] = {}


def jobs_for(jobs: int, plans: int) -> int:
    """The number of processes to use: ``jobs`` if given (>= 1), else one per CPU up to
    :data:`MAX_AUTO_JOBS`, and never more than one per :data:`PLANS_PER_JOB` plans."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if jobs >= 1:
        return max(1, min(jobs, plans))
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_JOBS, plans // PLANS_PER_JOB))


def score_all_plans(
    conn: Connection, url: str, plugins: Plugins, plan_ids: Sequence[int], *, as_of: dt.date | None,
    settings: Mapping[str, Any], jobs: int = 0,
) -> list[dict[str, Any]]:
    """:func:`goaltrack.engine.plan_scoring.goals_summary` of every plan in ``plan_ids``, in that order.

    ``conn`` scores them when one process is used; workers open ``url`` themselves."""
    from goaltrack.engine.plan_scoring import goals_summary, score_plan

    n = jobs_for(jobs, len(plan_ids))
    if n == 1:
        return [goals_summary(score_plan(conn, plugins, i, as_of=as_of, settings=settings)) for i in plan_ids]
    _job.update(url=url, plugins=plugins, as_of=as_of, settings=dict(settings))
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            results = pool.map(_score_chunk, list(_chunks(plan_ids, n * 4)))
    finally:
        _job.clear()
    out: list[dict[str, Any]] = []
    for kind, payload in results:
        if kind == "error":
            cls, message, exit_code = payload
            try:
                error = cls(message, exit_code=exit_code)
            except TypeError:  # a subclass with a constructor of its own
                error = GoaltrackError(message, exit_code=exit_code)
            raise error
        out.extend(payload)
    return out


def _chunks(items: Sequence[int], count: int) -> Iterator[list[int]]:
    size = -(-len(items) // count)
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _score_chunk(plan_ids: list[int]) -> tuple[str, Any]:
    """In a worker: score ``plan_ids`` on a connection of its own. A user-facing error comes
    back as data (its class, message and exit code), so the parent raises it as the
    sequential run would."""
    from goaltrack.engine.plan_scoring import goals_summary, score_plan
    from goaltrack.store.database import open_engine

    try:
        engine = open_engine(_job["url"])
        try:
            with engine.connect() as conn:
                return "ok", [
                    goals_summary(score_plan(conn, _job["plugins"], i, as_of=_job["as_of"], settings=_job["settings"]))
                    for i in plan_ids
                ]
        finally:
            engine.dispose()
    except GoaltrackError as exc:
        return "error", (type(exc), exc.message, exc.exit_code)
