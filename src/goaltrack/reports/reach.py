"""What serves a national goal, as the coverage reports (one plan, and all plans) see it:
the focus areas, initiatives, indicators and accounts that reach it, and the coverage level
that follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.store.links import Links


def coverage_level(initiatives: int, indicators_with_data: int, anything: bool) -> str:
    if initiatives and indicators_with_data:
        return "covered"
    return "partial" if anything else "uncovered"


def level_counts(levels: list[str]) -> dict[str, Any]:
    """How many goals are at each coverage level, and the overall level: ``covered`` only if
    every goal is, ``uncovered`` if none has anything (or there are no goals)."""
    if levels and all(x == "covered" for x in levels):
        overall = "covered"
    else:
        overall = "uncovered" if all(x == "uncovered" for x in levels) else "partial"
    return {"covered": levels.count("covered"), "partial": levels.count("partial"),
            "uncovered": levels.count("uncovered"), "overall": overall}


def reach_rows(conn: Connection, model: type[Any], plan_id: int) -> list[Any]:
    """A plan's goals, focus areas or initiatives, in plan order, with what :class:`Reach`
    reads of them (id, code, title, and level or focus area where the table has one)."""
    t = model.__table__
    columns = [t.c.id, t.c.code] + [t.c[c] for c in ("title", "level", "focus_area_id") if c in t.c]
    return list(conn.execute(select(*columns).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.code)).all())


class Reach:
    """What serves national goal ``goal_id``: the focus areas linked to it; the initiatives
    linked to it or under those areas; the indicators measuring the goal, those areas or
    those initiatives; the accounts linked to those areas or initiatives. Each with the
    basis of the link that brought it in and the item it came ``via`` (None: linked directly)."""

    def __init__(self, links: Links, goal_id: int, area_by_id: dict[int, Any], ini_by_id: dict[int, Any],
                 inits_by_area: dict[int, list[Any]]) -> None:
        into = links.into[("national_goal", goal_id)]
        self.areas = [(area_by_id[lk.src_id], lk) for lk in into if lk.src_kind == "focus_area"]
        self.initiatives: dict[int, dict[str, Any]] = {}
        for lk in into:
            if lk.src_kind == "initiative":
                self.initiatives[lk.src_id] = {"basis": lk.basis, "via": None}
        for area, lk in self.areas:
            for ini in inits_by_area.get(area.id, []):
                self.initiatives.setdefault(ini.id, {"basis": lk.basis, "via": area.code})
        self.indicators: dict[int, dict[str, Any]] = {}
        for lk in into:
            if lk.src_kind == "indicator":
                self.indicators[lk.src_id] = {"basis": lk.basis, "via": None}
        self.accounts: dict[int, dict[str, Any]] = {}
        for kind, ids in (("focus_area", [a.id for a, _ in self.areas]), ("initiative", list(self.initiatives))):
            for item_id in ids:
                via = area_by_id[item_id].code if kind == "focus_area" else ini_by_id[item_id].code
                for lk in links.into[(kind, item_id)]:
                    if lk.src_kind == "indicator":
                        self.indicators.setdefault(lk.src_id, {"basis": lk.basis, "via": via})
                    elif lk.src_kind == "account" and lk.src_id not in self.accounts:
                        self.accounts[lk.src_id] = {"share": lk.share, "basis": lk.basis, "via": via}

    def level(self, indicators_with_data: int) -> str:
        return coverage_level(len(self.initiatives), indicators_with_data,
                              bool(self.areas or self.initiatives or self.indicators))


def norm_title(text: str) -> str:
    return " ".join(text.lower().rstrip(".").split())
