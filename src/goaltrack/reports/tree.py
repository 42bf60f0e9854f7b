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
from goaltrack.store.plan_queries import PlanItems

WIDTH = 100
INFERRED = " (inferred)"


def _short(text: str, room: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: max(room - 1, 10)] + "…"


def render_tree(conn: Connection, plan_id: int, *, width: int = WIDTH) -> str:
    tree = _Tree(conn, plan_id, width)
    for goal in tree.goals:
        tree.goal(goal)
    tree.loose_items()
    return tree.text()


def _basis(link: Any) -> str:
    return INFERRED if link.basis == "inferred" else ""


class _Tree:
    """The lines of one plan's tree, drawn top-down; it remembers which focus areas,
    initiatives and accounts it has shown, so that what reaches no goal can be listed after."""

    def __init__(self, conn: Connection, plan_id: int, width: int) -> None:
        pt = m.table_of(m.Plan)
        plan = conn.execute(select(pt).where(pt.c.id == plan_id)).one()
        self.links = Links(conn, [plan_id])
        self.width = width

        items = PlanItems(conn, plan_id)
        self.goals, self.areas, self.inits = items.goals, items.areas, items.initiatives
        self.groups = {r.id: r for r in items.groups}
        self.accounts = {r.id: r for r in items.accounts}
        self.indicators = {r.id: r for r in items.indicators}
        self.areas_by_id = {a.id: a for a in self.areas}
        self.inits_by_id = {i.id: i for i in self.inits}
        self.inits_by_area = items.inits_by_area
        self.lines: list[str] = [f"{plan.title} — {plan.organisation} ({plan.slug})"]
        if plan.synthetic:
            self.lines[0] += " [SYNTHETIC EXAMPLE DATA]"
        self.shown_accounts: set[int] = set()
        self.reached_areas: set[int] = set()
        self.reached_inits: set[int] = set()

    def add(self, prefix: str, last: bool, label: str) -> str:
        """Draw one line under ``prefix``; returns the prefix for its children."""
        branch = "└─ " if last else "├─ "
        # Shorten the text, never the "(inferred)" mark at its end.
        mark = INFERRED if label.endswith(INFERRED) else ""
        text = label.removesuffix(mark) if mark else label
        self.lines.append(prefix + branch + _short(text, self.width - len(prefix) - 3 - len(mark)) + mark)
        return prefix + ("   " if last else "│  ")

    def _account(self, link: Any) -> str:
        a = self.accounts[link.src_id]
        self.shown_accounts.add(a.id)
        return f"account {a.code} {a.name}{_basis(link)}"

    def _indicator(self, link: Any) -> str:
        ind = self.indicators[link.src_id]
        return f"indicator {ind.code}: {ind.name}{_basis(link)}"

    def initiative_children(self, prefix: str, ini: Any) -> None:
        children: list[str] = []
        for link in self.links.out[("initiative", ini.id)]:
            if link.dst_kind == "target_group":
                group = self.groups[link.dst_id]
                children.append(f"target group {group.code}: {group.name}{_basis(link)}")
        for link in self.links.into[("initiative", ini.id)]:
            if link.src_kind == "account":
                children.append(self._account(link))
            elif link.src_kind == "indicator":
                children.append(self._indicator(link))
        for n, text in enumerate(children):
            self.add(prefix, n == len(children) - 1, text)

    def area_children(self, prefix: str, area: Any) -> None:
        links = self.links
        # An annual area first names the strategic areas it serves: they have no other place.
        children: list[tuple[str, Any]] = [
            ("sf", lk) for lk in links.out[("focus_area", area.id)] if lk.dst_kind == "focus_area"
        ]
        children += [("ini", i) for i in self.inits_by_area.get(area.id, [])]
        children += [("acc", lk) for lk in links.into[("focus_area", area.id)] if lk.src_kind == "account"]
        children += [("ind", lk) for lk in links.into[("focus_area", area.id)] if lk.src_kind == "indicator"]
        for n, (what, obj) in enumerate(children):
            last = n == len(children) - 1
            if what == "sf":
                sf = self.areas_by_id[obj.dst_id]
                self.add(prefix, last, f"serves strategic focus area {sf.code}: {sf.title}{_basis(obj)}")
            elif what == "ini":
                self.initiative_children(self.add(prefix, last, f"initiative {obj.code}: {obj.title}"), obj)
            elif what == "acc":
                self.add(prefix, last, self._account(obj))
            else:
                self.add(prefix, last, self._indicator(obj))

    def goal(self, goal: Any) -> None:
        new = " [new]" if goal.new else ""
        prefix = self.add("", False, f"{goal.code} {goal.title}{new}")
        children = [lk for lk in self.links.into[("national_goal", goal.id)]
                    if lk.src_kind in ("focus_area", "initiative", "indicator")]
        if not children:
            self.add(prefix, True, "(nothing linked to this goal)")
        for n, link in enumerate(children):
            last = n == len(children) - 1
            if link.src_kind == "focus_area":
                area = self.areas_by_id[link.src_id]
                self.reached_areas.add(area.id)
                sub = self.add(prefix, last, f"{area.level} focus area {area.code}: {area.title}{_basis(link)}")
                self.area_children(sub, area)
                self.reached_inits.update(i.id for i in self.inits_by_area.get(area.id, []))
            elif link.src_kind == "initiative":
                ini = self.inits_by_id[link.src_id]
                self.reached_inits.add(ini.id)
                self.initiative_children(self.add(prefix, last, f"initiative {ini.code}: {ini.title}{_basis(link)}"),
                                         ini)
            else:
                self.add(prefix, last, self._indicator(link))

    def _account_targets(self, a: Any) -> str:
        targets = [
            f"{lk.dst_kind.replace('_', ' ')} {self.links.codes[lk.dst_kind][lk.dst_id]}{_basis(lk)}"
            for lk in self.links.out[("account", a.id)]
        ]
        return f", linked to {', '.join(targets)}" if targets else ", linked to nothing"

    def loose_items(self) -> None:
        """The focus areas, initiatives and accounts that reach no national goal."""
        # Strategic areas reach goals through their annual areas.
        for a in self.areas:
            for lk in self.links.into[("focus_area", a.id)]:
                if lk.src_kind == "focus_area" and lk.src_id in self.reached_areas:
                    self.reached_areas.add(a.id)
        loose_areas = [a for a in self.areas if a.id not in self.reached_areas]
        loose_inits = [i for i in self.inits if i.id not in self.reached_inits]
        # Every account the hierarchy above did not show reaches no goal: name what it is
        # linked to, if anything (e.g. only a target group).
        loose_accounts = [a for a in self.accounts.values() if a.id not in self.shown_accounts]
        sections = [
            ("Focus areas linked to no national goal", [f"{a.level} {a.code}: {a.title}" for a in loose_areas]),
            ("Initiatives linked to no national goal", [f"{i.code}: {i.title}" for i in loose_inits]),
            ("Accounts linked to no national goal",
             [f"{a.code} {a.name}{self._account_targets(a)}" for a in loose_accounts]),
        ]
        for title, items in sections:
            if items:
                prefix = self.add("", False, title)
                for n, text in enumerate(items):
                    self.add(prefix, n == len(items) - 1, text)

    def text(self) -> str:
        lines = list(self.lines)
        # Top-level entries are drawn with "├─"; the very last one gets "└─".
        for idx in range(len(lines) - 1, 0, -1):
            if lines[idx].startswith("├─ "):
                lines[idx] = "└─ " + lines[idx][3:]
                for j in range(idx + 1, len(lines)):
                    if lines[j].startswith("│  "):
                        lines[j] = "   " + lines[j][3:]
                break
        return "\n".join(lines) + "\n"
