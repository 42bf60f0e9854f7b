"""A plan's dashboard: one card per national goal, made from the coverage report.

Each card carries the goal's coverage level, score and status, and says what the status
rests on (``measured`` indicators, ``self-reported`` initiative statuses, or ``both``), so
a reader can tell a measured result from a manager's own assessment. The trend compares
the score with the score as of :data:`TREND_DAYS` before the plan's latest value.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from goaltrack.interfaces import RenderOptions

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

#: How far back the trend looks from the plan's latest value.
TREND_DAYS = 90
#: A change in score smaller than this is "flat" (scores run 0..1).
FLAT = 0.005


def dashboard(conn: Connection, plugins: Plugins, plan_id: int, options: RenderOptions, *,
              settings: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's data: the coverage report's meta and summary, and the cards."""
    from goaltrack.engine.plan_scoring import score_plan
    from goaltrack.reports.coverage import build_coverage

    data = build_coverage(conn, plugins, plan_id, options, settings=settings).data
    latest = _latest_date(data["goals"], options.as_of)
    earlier: dict[str, float | None] = {}
    since = None
    if latest is not None:
        since = latest - dt.timedelta(days=TREND_DAYS)
        before = score_plan(conn, plugins, plan_id, as_of=since, settings=settings.get("scoring", {}))
        earlier = {g.code: g.score for g in before.goals}
    cards = [_card(g, earlier.get(g["code"]), since) for g in data["goals"]]
    return {"meta": data["meta"], "summary": data["summary"], "cards": cards, "gaps": data["gaps"],
            "example_data": data["example_data"], "latest": latest.isoformat() if latest else None}


def _latest_date(goals: list[dict[str, Any]], as_of: dt.date | None) -> dt.date | None:
    dates = [dt.date.fromisoformat(i["latest_date"]) for g in goals for i in g["indicators"] if i.get("latest_date")]
    if as_of is not None:
        dates = [d for d in dates if d <= as_of]
    return max(dates) if dates else None


def _card(goal: dict[str, Any], previous: float | None, since: dt.date | None) -> dict[str, Any]:
    score = goal.get("score")
    direction = None
    if score is not None and previous is not None:
        change = score - previous
        direction = "flat" if abs(change) < FLAT else "up" if change > 0 else "down"
    latest_year = max(goal["budget"], default=None)
    return {
        "code": goal["code"], "title": goal["title"], "new": goal.get("new", False),
        "coverage": goal["coverage"], "score": score, "status": goal["status"], "source": goal.get("source"),
        "measured_share": goal.get("measured_share"),
        "focus_areas": len(goal["focus_areas"]), "initiatives": len(goal["initiatives"]),
        "indicators": len(goal["indicators"]), "target_groups": len(goal["target_groups"]),
        "accounts": len(goal["accounts"]),
        "budget_year": latest_year, "budget": goal["budget"].get(latest_year) if latest_year else None,
        "trend": {"direction": direction, "previous": previous, "since": since.isoformat() if since else None},
        "example_data": goal.get("example_data", False),
    }

