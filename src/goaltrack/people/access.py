"""Who may do what: roles, scopes, and the one permission check.

Roles are ordered; each includes the ones below it:

- ``viewer`` reads (the web application enforces it; anyone who can open a database file
  can read it, so the CLI does not pretend otherwise),
- ``contributor`` records values and statuses, and imports,
- ``approver`` approves and returns what others recorded,
- ``admin`` loads and removes plan files and grants roles within the plan; an admin of
  every plan (plan ``*``) also manages people.

A role is granted for a whole plan or for one focus area, initiative or indicator of it. A
focus area covers its initiatives and the indicators that measure it or them; an initiative
covers the indicators that measure it. An indicator that measures only a national goal is
covered by plan-wide grants and by grants for itself.

A database with no people is *open*: nothing is checked and values are recorded under the
``--by`` name, which is how goaltrack worked before people existed. The first person added
becomes an admin of every plan, and from then on every write is checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.errors import DataError
from goaltrack.people import tables as pt
from goaltrack.store import tables as m
from goaltrack.vocab import ROLES

SCOPE_KINDS = ("plan", "focus_area", "initiative", "indicator")
#: What each action needs.
ACTIONS = {"view": "viewer", "record": "contributor", "approve": "approver", "manage": "admin"}
#: How a refusal names the action.
VERBS = {"view": "view", "record": "record", "approve": "review", "manage": "manage"}
EVERY_PLAN = "*"


class PermissionDenied(DataError):
    """A person lacks the role for what they tried (exit 1, like other refused data)."""


@dataclass(frozen=True)
class Grant:
    role: str
    plan: str  # slug or "*"
    scope_kind: str
    scope_code: str

    def describe(self, *, with_plan: bool = False) -> str:
        """``contributor for FA4``; ``with_plan``: ``contributor for FA4 in kalundborg-2021``
        (a refusal names the plan already; a listing of every grant must)."""
        where = "every plan" if self.plan == EVERY_PLAN else self.plan
        if self.scope_kind == "plan":
            return f"{self.role} for {where}"
        return f"{self.role} for {self.scope_code}" + (f" in {where}" if with_plan else "")


@dataclass(frozen=True)
class Actor:
    """The person a command acts as. ``open`` is a database without people: anything goes,
    under ``login`` as the recorder's name."""

    login: str
    display_name: str = ""
    person_id: int | None = None
    open: bool = False
    grants: tuple[Grant, ...] = field(default=())

    @property
    def is_site_admin(self) -> bool:
        return self.open or any(g.role == "admin" and g.plan == EVERY_PLAN and g.scope_kind == "plan"
                                for g in self.grants)


def rank(role: str) -> int:
    return ROLES.index(role)


def has_people(conn: Connection) -> bool:
    # Every write command asks: one row looked at, not a count of them all.
    return conn.execute(select(pt.person.c.id).limit(1)).first() is not None


def active_grants(conn: Connection, person_id: int) -> tuple[Grant, ...]:
    g = pt.role_grant
    rows = conn.execute(
        select(g.c.role, g.c.plan, g.c.scope_kind, g.c.scope_code)
        .where(g.c.person_id == person_id, g.c.revoked_at.is_(None)).order_by(g.c.id)
    ).all()
    return tuple(Grant(*r) for r in rows)


def containers(conn: Connection, plan_id: int, kind: str, code: str) -> set[tuple[str, str]]:
    """The scopes that hold item ``(kind, code)`` of a plan, itself and the plan included."""
    return scopes_of(conn, plan_id, kind, [code])[code]


def scopes_of(conn: Connection, plan_id: int, kind: str, codes: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """:func:`containers` of many items of one kind (an import's indicators) in a few queries,
    whatever their number."""
    codes = sorted(set(codes))
    if kind == "plan":
        return {c: {("plan", "")} for c in codes}
    out = {c: {("plan", ""), (kind, c)} for c in codes}
    if kind == "initiative":
        for ini_code, area in _initiative_areas(conn, plan_id, codes):
            out[ini_code].add(("focus_area", area))
    elif kind == "indicator":
        fa, ini, ind, link = (m.table_of(t) for t in (m.FocusArea, m.Initiative, m.Indicator, m.Link))
        measured = conn.execute(
            select(ind.c.code, link.c.dst_kind, fa.c.code.label("area"), ini.c.code.label("initiative"))
            .select_from(link.join(ind, ind.c.id == link.c.src_id)
                         .outerjoin(fa, (link.c.dst_kind == "focus_area") & (fa.c.id == link.c.dst_id))
                         .outerjoin(ini, (link.c.dst_kind == "initiative") & (ini.c.id == link.c.dst_id)))
            .where(link.c.plan_id == plan_id, link.c.src_kind == "indicator", ind.c.code.in_(codes),
                   link.c.dst_kind.in_(("focus_area", "initiative")))
        ).all()
        initiatives: dict[str, list[str]] = {}
        for r in measured:
            if r.area is not None:
                out[r.code].add(("focus_area", r.area))
            if r.initiative is not None:
                out[r.code].add(("initiative", r.initiative))
                initiatives.setdefault(r.initiative, []).append(r.code)
        for ini_code, area in _initiative_areas(conn, plan_id, initiatives):
            for ind_code in initiatives[ini_code]:
                out[ind_code].add(("focus_area", area))
    return out


def _initiative_areas(conn: Connection, plan_id: int, codes: Iterable[str]) -> list[tuple[str, str]]:
    """(initiative code, its focus area's code) of the initiatives that have a focus area."""
    fa, ini = m.table_of(m.FocusArea), m.table_of(m.Initiative)
    return [(a, b) for a, b in conn.execute(
        select(ini.c.code, fa.c.code).select_from(ini.join(fa, fa.c.id == ini.c.focus_area_id))
        .where(ini.c.plan_id == plan_id, ini.c.code.in_(list(codes))))]


def plan_slug(conn: Connection, plan_id: int) -> str:
    p = m.table_of(m.Plan)
    return str(conn.execute(select(p.c.slug).where(p.c.id == plan_id)).scalar_one())


def allows(actor: Actor, action: str, slug: str, scopes: set[tuple[str, str]]) -> bool:
    """Whether ``actor`` may do ``action`` on an item held by ``scopes`` of plan ``slug``."""
    if actor.open:
        return True
    need = rank(ACTIONS[action])
    return any(rank(g.role) >= need and g.plan in (EVERY_PLAN, slug) and (g.scope_kind, g.scope_code) in scopes
               for g in actor.grants)


def require(conn: Connection, actor: Actor | None, action: str, plan_id: int, kind: str = "plan",
            code: str = "") -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may do ``action`` on item
    ``(kind, code)`` of the plan (``kind`` "plan" for the plan itself). ``None`` is an
    internal caller (the demo, a migration) and is not checked."""
    if actor is None or actor.open:
        return
    slug = plan_slug(conn, plan_id)
    if not allows(actor, action, slug, containers(conn, plan_id, kind, code)):
        raise PermissionDenied(refusal(actor, action, slug, code or slug))


def require_each(conn: Connection, actor: Actor | None, action: str, plan_id: int, kind: str,
                 codes: Iterable[str]) -> None:
    """:func:`require` for many items (an import's indicators), naming the first refused."""
    if actor is None or actor.open:
        return
    slug = plan_slug(conn, plan_id)
    for code, scopes in sorted(scopes_of(conn, plan_id, kind, codes).items()):
        if not allows(actor, action, slug, scopes):
            raise PermissionDenied(refusal(actor, action, slug, code))


def require_site_admin(actor: Actor | None, what: str) -> None:
    if actor is not None and not actor.is_site_admin:
        raise PermissionDenied(f"{actor.login} may not {what}: that needs admin for every plan")


def refusal(actor: Actor, action: str, slug: str, what: str) -> str:
    """``alice may not record FA2-T1: contributor for FA4 only``."""
    mine = [g for g in actor.grants if g.plan in (EVERY_PLAN, slug)]
    if not mine:
        held = f"no role in {slug}"
    elif len(mine) == 1:
        held = mine[0].describe() + (" only" if mine[0].scope_kind != "plan" else "")
    else:
        held = ", ".join(g.describe() for g in mine) + " only"
    return f"{actor.login} may not {VERBS[action]} {what}: {held}"

