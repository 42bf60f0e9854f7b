"""What the goal, focus area, initiative and indicator pages show, made from the reports.

Nothing here queries the database itself: :func:`load` builds the coverage and progress
reports (:func:`goaltrack.reports.registry.build_report`) and the listings of ``goaltrack
list`` (:func:`goaltrack.reports.listings.list_items`), and the ``*_view`` functions pick one
item out of them with its links, each link with its basis (explicit or inferred) and, for a
link the plan makes through another item, what it goes ``via``, as the reports show them.
A ``*_view`` answers ``None`` for a code the plan does not have (the page is then a 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from goaltrack.interfaces import RenderOptions
    from goaltrack.plugins import Plugins

#: The listings the pages read, by ``goaltrack list`` kind.
LISTS = ("national-goals", "focus-areas", "target-groups", "initiatives", "indicators", "accounts")


@dataclass
class PlanData:
    """One plan's reports, as the JSON format writes them."""

    coverage: dict[str, Any]
    progress: dict[str, Any]
    lists: dict[str, dict[str, dict[str, Any]]]
    """``goaltrack list`` kind -> code -> item."""

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self.coverage["meta"])

    @property
    def years(self) -> list[str]:
        return [str(y) for y in self.coverage.get("years", [])]

    def item(self, kind: str, code: str) -> dict[str, Any] | None:
        return self.lists[kind].get(code)

    def goal(self, code: str) -> dict[str, Any] | None:
        return next((g for g in self.coverage["goals"] if g["code"] == code), None)

    def indicator(self, code: str) -> dict[str, Any] | None:
        return next((i for i in self.progress["indicators"] if i["code"] == code), None)

    def initiative(self, code: str) -> dict[str, Any] | None:
        return next((i for i in self.progress["initiatives"] if i["code"] == code), None)

    def scored_status(self, code: str) -> str | None:
        """Initiative ``code``'s status as scoring rolls it up (the coverage report's), else
        its latest recorded status (the progress report's)."""
        for g in self.coverage["goals"]:
            for i in g["initiatives"]:
                if i["code"] == code:
                    return i.get("status")
        return (self.initiative(code) or {}).get("status")


def load(conn: Connection, plugins: Plugins, slug: str, options: RenderOptions, settings: dict[str, Any]) -> PlanData:
    from goaltrack.reports.listings import list_items
    from goaltrack.reports.registry import build_report
    from goaltrack.store.database import plan_id_for

    coverage = build_report(conn, plugins, "coverage", options, plan_slug=slug, settings=settings).data
    progress = build_report(conn, plugins, "progress", options, plan_slug=slug, settings=settings).data
    # Kept in the web's cache for every page of the plan: each indicator keeps only its
    # latest value (what links show); its page reads its whole series itself. A plan of 500
    # indicators over five years is then a few MB in memory instead of twenty.
    for ind in progress["indicators"]:
        ind["series"] = [p for p in ind["series"] if p.get("value") is not None][-1:]
    plan_id = plan_id_for(conn, slug)
    lists = {kind: {i["code"]: i for i in list_items(conn, kind, plan_id).data} for kind in LISTS}
    return PlanData(coverage=coverage, progress=progress, lists=lists)


# --------------------------------------------------------------------------- pieces


def _budgets(d: PlanData, code: str) -> dict[str, float | None]:
    """Account ``code``'s budget (kind ``budget``) by year of the plan's report years."""
    account = d.item("accounts", code) or {}
    amounts = {str(b["year"]): b["amount"] for b in account.get("budget", []) if b.get("kind") == "budget"}
    return {y: amounts.get(y) for y in d.years}


def _account(d: PlanData, code: str, **link: Any) -> dict[str, Any]:
    account = d.item("accounts", code) or {}
    return {"code": code, "name": account.get("name"), "dotted": account.get("dotted"),
            "basis": link.get("basis"), "share": link.get("share"), "via": link.get("via"),
            "budget": _budgets(d, code)}


def _initiative_ref(d: PlanData, code: str, **link: Any) -> dict[str, Any]:
    item = d.item("initiatives", code) or {}
    scored = d.initiative(code) or {}
    return {"code": code, "title": item.get("title"), "basis": link.get("basis"), "via": link.get("via"),
            "status": d.scored_status(code), "source": scored.get("score_source"),
            "focus_area": item.get("focus_area")}


def _indicator_ref(d: PlanData, code: str, **link: Any) -> dict[str, Any]:
    item = d.item("indicators", code) or {}
    scored = d.indicator(code) or {}
    latest = next((p for p in reversed(scored.get("series", [])) if p.get("value") is not None), None)
    return {"code": code, "name": item.get("name"), "unit": item.get("unit"), "basis": link.get("basis"),
            "via": link.get("via"), "score": scored.get("score"), "status": scored.get("status"),
            "latest": latest, "example_data": scored.get("example_data", False)}


def _group_ref(d: PlanData, code: str, **link: Any) -> dict[str, Any]:
    item = d.item("target-groups", code) or {}
    return {"code": code, "name": item.get("name"), "basis": link.get("basis"), "via": link.get("via")}


def _goal_ref(d: PlanData, code: str, **link: Any) -> dict[str, Any]:
    g = d.goal(code) or {}
    return {"code": code, "title": g.get("title"), "basis": link.get("basis"), "via": link.get("via"),
            "coverage": g.get("coverage"), "status": g.get("status"), "score": g.get("score")}


def _area_ref(d: PlanData, code: str | None, **link: Any) -> dict[str, Any] | None:
    if not code:
        return None
    item = d.item("focus-areas", code) or {}
    return {"code": code, "title": item.get("title"), "level": item.get("level"), "basis": link.get("basis"),
            "via": link.get("via")}


def _total(accounts: list[dict[str, Any]], years: list[str]) -> dict[str, float]:
    """The linked accounts' budgets added up by year (each in full: shares are shown beside)."""
    return {y: sum(a["budget"][y] or 0 for a in accounts) for y in years}


def _unique(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each code once, the first (direct) link kept."""
    seen: set[str] = set()
    out = []
    for r in refs:
        if r["code"] not in seen:
            seen.add(r["code"])
            out.append(r)
    return out


def _gaps(d: PlanData, kind: str, code: str) -> list[dict[str, Any]]:
    return [g for g in d.coverage.get("gaps", []) if g.get("item_kind") == kind and g.get("item") == code]


def _goals_with(d: PlanData, key: str, code: str) -> list[dict[str, Any]]:
    """The national goals whose coverage entry lists item ``code`` under ``key``, with the
    link's basis and what it goes via."""
    out = []
    for g in d.coverage["goals"]:
        link = next((x for x in g.get(key, []) if x["code"] == code), None)
        if link is not None:
            out.append(_goal_ref(d, g["code"], basis=link.get("basis"), via=link.get("via")))
    return out


# --------------------------------------------------------------------------- the four pages


def goal_view(d: PlanData, code: str) -> dict[str, Any] | None:
    g = d.goal(code)
    if g is None:
        return None
    item = d.item("national-goals", code) or {}
    accounts = [_account(d, a["code"], basis=a.get("basis"), share=a.get("share"), via=a.get("via"))
                for a in g["accounts"]]
    return {
        "kind": "national_goal", "code": code, "title": g["title"], "description": item.get("description"),
        "coverage": g["coverage"], "score": g.get("score"), "status": g["status"], "source": g.get("source"),
        "measured_share": g.get("measured_share"), "with_data": g.get("with_data"),
        "without_data": g.get("without_data"), "example_data": g.get("example_data", False),
        "focus_areas": [_area_ref(d, a["code"], basis=a.get("basis")) for a in g["focus_areas"]],
        "initiatives": [_initiative_ref(d, i["code"], basis=i.get("basis"), via=i.get("via"))
                        for i in g["initiatives"]],
        "target_groups": [_group_ref(d, t["code"], via=", ".join(t.get("via") or ())) for t in g["target_groups"]],
        "indicators": [_indicator_ref(d, i["code"], basis=i.get("basis"), via=i.get("via")) for i in g["indicators"]],
        "accounts": accounts,
        "money": {"allocated": g.get("allocated", {}), "allocated_even": g.get("allocated_even", {}),
                  "touches": g.get("touches", {})},
        "gaps": _gaps(d, "national_goal", code),
    }


def area_view(d: PlanData, code: str) -> dict[str, Any] | None:
    a = d.item("focus-areas", code)
    if a is None:
        return None
    inits = list(a.get("initiatives", []))
    initiatives = [_initiative_ref(d, i, basis="explicit") for i in inits]
    groups, indicators, accounts = [], [], []
    for ind in d.lists["indicators"].values():
        for link in ind.get("measures", []):
            if link["kind"] == "focus_area" and link["code"] == code:
                indicators.append(_indicator_ref(d, ind["code"], basis=link["basis"]))
            elif link["kind"] == "initiative" and link["code"] in inits:
                indicators.append(_indicator_ref(d, ind["code"], basis=link["basis"], via=link["code"]))
    for acc in d.lists["accounts"].values():
        for link in acc.get("links", []):
            if link["kind"] == "focus_area" and link["code"] == code:
                accounts.append(_account(d, acc["code"], basis=link["basis"], share=link.get("share")))
            elif link["kind"] == "initiative" and link["code"] in inits:
                accounts.append(_account(d, acc["code"], basis=link["basis"], share=link.get("share"),
                                         via=link["code"]))
    for i in inits:
        for t in (d.item("initiatives", i) or {}).get("target_groups", []):
            groups.append(_group_ref(d, t["code"], basis=t["basis"], via=i))
    accounts = _unique(accounts)
    return {
        "kind": "focus_area", "code": code, "title": a["title"], "level": a.get("level"),
        "description": a.get("description"),
        "goals": [_goal_ref(d, g["code"], basis=g["basis"]) for g in a.get("national_goals", [])],
        "initiatives": initiatives, "target_groups": _unique(groups), "indicators": _unique(indicators),
        "accounts": accounts, "budget_total": _total(accounts, d.years), "gaps": _gaps(d, "focus_area", code),
    }


def initiative_view(d: PlanData, code: str) -> dict[str, Any] | None:
    item = d.item("initiatives", code)
    if item is None:
        return None
    scored = d.initiative(code) or {}
    accounts = [_account(d, a["code"], basis=a["basis"], share=a.get("share")) for a in item.get("accounts", [])]
    return {
        "kind": "initiative", "code": code, "title": item["title"], "description": item.get("description"),
        "owner": item.get("owner"), "start": item.get("start"), "end": item.get("end"),
        "declared_status": scored.get("declared_status"), "status": d.scored_status(code),
        "recorded_status": scored.get("status"),
        "source": scored.get("score_source"), "history": scored.get("history", []),
        "focus_area": _area_ref(d, item.get("focus_area"), basis="explicit"),
        "goals": _goals_with(d, "initiatives", code),
        "target_groups": [_group_ref(d, t["code"], basis=t["basis"]) for t in item.get("target_groups", [])],
        "indicators": [_indicator_ref(d, i["code"], basis=i["basis"]) for i in item.get("indicators", [])],
        "accounts": accounts, "budget_total": _total(accounts, d.years), "gaps": _gaps(d, "initiative", code),
    }


def indicator_view(d: PlanData, code: str, history: dict[str, Any]) -> dict[str, Any] | None:
    """The indicator with its series (the progress report's) and ``history`` (what
    :func:`goaltrack.store.recording.history` answers: every value, current and superseded,
    and the review entries about it)."""
    from goaltrack.review.filed import PENDING

    item = d.item("indicators", code)
    scored = d.indicator(code)
    if item is None or scored is None:
        return None
    measures: dict[str, list[dict[str, Any]]] = {"national_goal": [], "focus_area": [], "initiative": []}
    for link in item.get("measures", []):
        if link["kind"] == "national_goal":
            measures["national_goal"].append(_goal_ref(d, link["code"], basis=link["basis"]))
        elif link["kind"] == "focus_area" and (area := _area_ref(d, link["code"], basis=link["basis"])):
            measures["focus_area"].append(area)
        elif link["kind"] == "initiative":
            measures["initiative"].append(_initiative_ref(d, link["code"], basis=link["basis"]))
    entries = history.get("entries", [])
    return {
        "kind": "indicator", **scored, "code": code, "name": item["name"],
        "goals": _goals_with(d, "indicators", code), "measures": measures,
        "values": [e for e in entries if e.get("current")],
        "superseded": [e for e in entries if not e.get("current")],
        "pending": [r for r in history.get("reviews", []) if r.get("state") in PENDING],
        "gaps": _gaps(d, "indicator", code),
    }
