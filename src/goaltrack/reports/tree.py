"""``goaltrack tree``: national goal -> focus areas -> initiatives -> groups/accounts/indicators.

Built from the same :class:`~goaltrack.reports.listings.Links` index as ``list``. Inferred links are
marked ``(inferred)``; items that reach no national goal are listed at the end, because
those are exactly what a reader of the tree wants to find.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.store import tables as m
from goaltrack.store.links import Links

WIDTH = 100
INFERRED = " (inferred)"


def _short(text: str, room: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: max(room - 1, 10)] + "…"


def render_tree(conn: Connection, plan_id: int, *, width: int = WIDTH) -> str:
    plan = conn.execute(select(m.table_of(m.Plan)).where(m.table_of(m.Plan).c.id == plan_id)).one()
    links = Links(conn, [plan_id])

    def rows(model: type[Any]) -> list[Any]:
        t = model.__table__
        return list(conn.execute(select(t).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.code)))

    goals, areas, inits = rows(m.NationalGoal), rows(m.FocusArea), rows(m.Initiative)
    groups = {r.id: r for r in rows(m.TargetGroup)}
    accounts = {r.id: r for r in rows(m.Account)}
    indicators = {r.id: r for r in rows(m.Indicator)}
    areas_by_id = {a.id: a for a in areas}
    inits_by_area: dict[int | None, list[Any]] = {}
    for i in inits:
        inits_by_area.setdefault(i.focus_area_id, []).append(i)

    lines: list[str] = [f"{plan.title} — {plan.organisation} ({plan.slug})"]
    if plan.synthetic:
        lines[0] += " [SYNTHETIC EXAMPLE DATA]"

    def add(prefix: str, last: bool, label: str) -> str:
        branch = "└─ " if last else "├─ "
        # Shorten the text, never the "(inferred)" mark at its end.
        mark = INFERRED if label.endswith(INFERRED) else ""
        text = label.removesuffix(mark) if mark else label
        lines.append(prefix + branch + _short(text, width - len(prefix) - 3 - len(mark)) + mark)
        return prefix + ("   " if last else "│  ")

    def basis(link: Any) -> str:
        return INFERRED if link.basis == "inferred" else ""

    shown_accounts: set[int] = set()

    def initiative_children(prefix: str, ini: Any) -> None:
        children: list[str] = []
        for link in links.out[("initiative", ini.id)]:
            if link.dst_kind == "target_group":
                children.append(f"target group {groups[link.dst_id].code}: {groups[link.dst_id].name}{basis(link)}")
        for link in links.into[("initiative", ini.id)]:
            if link.src_kind == "account":
                a = accounts[link.src_id]
                shown_accounts.add(a.id)
                children.append(f"account {a.code} {a.name}{basis(link)}")
            elif link.src_kind == "indicator":
                ind = indicators[link.src_id]
                children.append(f"indicator {ind.code}: {ind.name}{basis(link)}")
        for n, text in enumerate(children):
            add(prefix, n == len(children) - 1, text)

    def area_children(prefix: str, area: Any) -> None:
        # An annual area first names the strategic areas it serves: they have no other place.
        children: list[tuple[str, Any]] = [
            ("sf", lk) for lk in links.out[("focus_area", area.id)] if lk.dst_kind == "focus_area"
        ]
        children += [("ini", i) for i in inits_by_area.get(area.id, [])]
        children += [("acc", lk) for lk in links.into[("focus_area", area.id)] if lk.src_kind == "account"]
        children += [("ind", lk) for lk in links.into[("focus_area", area.id)] if lk.src_kind == "indicator"]
        for n, (what, obj) in enumerate(children):
            last = n == len(children) - 1
            if what == "sf":
                sf = areas_by_id[obj.dst_id]
                add(prefix, last, f"serves strategic focus area {sf.code}: {sf.title}{basis(obj)}")
            elif what == "ini":
                sub = add(prefix, last, f"initiative {obj.code}: {obj.title}")
                initiative_children(sub, obj)
            elif what == "acc":
                a = accounts[obj.src_id]
                shown_accounts.add(a.id)
                add(prefix, last, f"account {a.code} {a.name}{basis(obj)}")
            else:
                ind = indicators[obj.src_id]
                add(prefix, last, f"indicator {ind.code}: {ind.name}{basis(obj)}")

    reached_areas: set[int] = set()
    reached_inits: set[int] = set()
    for gi, goal in enumerate(goals):
        new = " [new]" if goal.new else ""
        prefix = add("", gi == len(goals) - 1 and False, f"{goal.code} {goal.title}{new}")
        children: list[tuple[str, Any]] = []
        for link in links.into[("national_goal", goal.id)]:
            if link.src_kind in ("focus_area", "initiative", "indicator"):
                children.append((link.src_kind, link))
        if not children:
            add(prefix, True, "(nothing linked to this goal)")
        for n, (kind, link) in enumerate(children):
            last = n == len(children) - 1
            if kind == "focus_area":
                area = areas_by_id[link.src_id]
                reached_areas.add(area.id)
                sub = add(prefix, last, f"{area.level} focus area {area.code}: {area.title}{basis(link)}")
                area_children(sub, area)
                reached_inits.update(i.id for i in inits_by_area.get(area.id, []))
            elif kind == "initiative":
                ini = next(i for i in inits if i.id == link.src_id)
                reached_inits.add(ini.id)
                sub = add(prefix, last, f"initiative {ini.code}: {ini.title}{basis(link)}")
                initiative_children(sub, ini)
            else:
                ind = indicators[link.src_id]
                add(prefix, last, f"indicator {ind.code}: {ind.name}{basis(link)}")

    # Strategic areas reach goals through their annual areas.
    for a in areas:
        for lk in links.into[("focus_area", a.id)]:
            if lk.src_kind == "focus_area" and lk.src_id in reached_areas:
                reached_areas.add(a.id)
    loose_areas = [a for a in areas if a.id not in reached_areas]
    loose_inits = [i for i in inits if i.id not in reached_inits]
    # Every account the hierarchy above did not show reaches no goal: name what it is linked
    # to, if anything (e.g. only a target group).
    loose_accounts = [a for a in accounts.values() if a.id not in shown_accounts]

    def account_targets(a: Any) -> str:
        targets = [
            f"{lk.dst_kind.replace('_', ' ')} {links.codes[lk.dst_kind][lk.dst_id]}{basis(lk)}"
            for lk in links.out[("account", a.id)]
        ]
        return f", linked to {', '.join(targets)}" if targets else ", linked to nothing"
    sections = [
        ("Focus areas linked to no national goal", [f"{a.level} {a.code}: {a.title}" for a in loose_areas]),
        ("Initiatives linked to no national goal", [f"{i.code}: {i.title}" for i in loose_inits]),
        ("Accounts linked to no national goal", [f"{a.code} {a.name}{account_targets(a)}" for a in loose_accounts]),
    ]
    for title, items in sections:
        if items:
            prefix = add("", False, title)
            for n, text in enumerate(items):
                add(prefix, n == len(items) - 1, text)
    # The loop above always draws "├─"; the very last top-level entry gets "└─".
    for idx in range(len(lines) - 1, 0, -1):
        if lines[idx].startswith("├─ "):
            lines[idx] = "└─ " + lines[idx][3:]
            for j in range(idx + 1, len(lines)):
                if lines[j].startswith("│  "):
                    lines[j] = "   " + lines[j][3:]
            break
    return "\n".join(lines) + "\n"
