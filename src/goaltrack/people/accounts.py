"""People, passwords, API tokens and grants, and finding the person a command acts as.

Passwords are hashed with argon2id (argon2-cffi's defaults, which follow RFC 9106's
recommendations); an API token is 32 random bytes shown once, of which only the sha256 is
kept: a token is not guessable, so a slow hash would only slow every request down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from goaltrack.clock import as_utc, utc_text, utcnow
from goaltrack.errors import DataError, UsageError
from goaltrack.people import tables as pt
from goaltrack.people.access import EVERY_PLAN, SCOPE_KINDS, Actor, Grant, active_grants, has_people
from goaltrack.store.database import writer
from goaltrack.vocab import ROLES

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,63}$")
TOKEN_PREFIX = "gt_"


def _hasher() -> Any:
    from argon2 import PasswordHasher  # imported when needed: most commands never hash

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise DataError("password: at least 8 characters")
    return str(_hasher().hash(password))


def check_password(conn: Connection, login: str, password: str) -> Actor:
    """The person, when ``password`` is theirs; one message for every failure, so a caller
    cannot learn which logins exist."""
    from argon2.exceptions import InvalidHashError, VerificationError

    p = pt.person
    row = conn.execute(select(p).where(p.c.login == login)).first()
    failed = DataError("unknown login or wrong password")
    if row is None or not row.active or not row.password_hash:
        raise failed
    try:
        _hasher().verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise failed from None
    return _actor(conn, row)


@dataclass(frozen=True)
class Added:
    login: str
    first: bool  # the first person of the database, made admin of every plan


def add_person(engine: Engine, login: str, display_name: str, *, email: str | None, password: str | None,
               actor: Actor | None) -> Added:
    if not LOGIN.match(login):
        raise UsageError(f"login '{login}': lower-case letters, digits, '.', '_' and '-', at most 64")
    if email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise UsageError(f"--email '{email}' is not an e-mail address")
    if not display_name.strip():
        raise UsageError("--name: the person's name may not be empty")
    hashed = hash_password(password) if password is not None else None
    p = pt.person
    with writer(engine).begin() as conn:
        first = not has_people(conn)
        if not first:
            _require_people_admin(conn, actor, f"add {login}")
        if conn.execute(select(p.c.id).where(p.c.login == login)).first() is not None:
            raise DataError(f"person '{login}' exists already (goaltrack user list)")
        now = utcnow()
        person_id = conn.execute(insert(p).values(
            login=login, display_name=display_name, email=email, active=True, password_hash=hashed, created_at=now,
        ).returning(p.c.id)).scalar_one()
        if first:  # someone must be able to grant roles; the first person can
            conn.execute(insert(pt.role_grant).values(
                person_id=person_id, role="admin", plan=EVERY_PLAN, scope_kind="plan", scope_code="",
                granted_by=login, granted_at=now))
    return Added(login, first)


def _require_people_admin(conn: Connection, actor: Actor | None, what: str) -> None:
    from goaltrack.people.access import require_site_admin

    if actor is None or (actor.open and not has_people(conn)):  # nobody to protect yet
        return
    if actor.open:  # people exist but the command runs without one: refuse, do not guess
        raise DataError(f"may not {what}: this database has people; say who you are with --as or GOALTRACK_USER")
    require_site_admin(actor, what)


def _person(conn: Connection, login: str) -> Any:
    p = pt.person
    row = conn.execute(select(p).where(p.c.login == login)).first()
    if row is None:
        from goaltrack.suggest import unknown

        raise DataError(unknown("person", login, list(conn.execute(select(p.c.login).order_by(p.c.login)).scalars())))
    return row


def list_people(conn: Connection) -> list[dict[str, Any]]:
    p, g = pt.person, pt.role_grant
    people = conn.execute(select(p).order_by(p.c.login)).all()
    grants = conn.execute(select(g).where(g.c.revoked_at.is_(None)).order_by(g.c.id)).all()
    out = []
    for r in people:
        mine = [Grant(x.role, x.plan, x.scope_kind, x.scope_code) for x in grants if x.person_id == r.id]
        out.append({
            "login": r.login, "name": r.display_name, "email": r.email, "active": bool(r.active),
            "password": r.password_hash is not None,
            "deactivated_at": utc_text(r.deactivated_at),
            "roles": [{"role": x.role, "plan": x.plan, "scope": x.scope_kind, "code": x.scope_code or None,
                       "text": x.describe(with_plan=True)} for x in mine],
        })
    return out


def deactivate(engine: Engine, login: str, *, actor: Actor | None) -> int:
    """Deactivate ``login`` (the row stays, so history keeps naming them) and revoke their
    API tokens; the number of tokens revoked."""
    p = pt.person
    with writer(engine).begin() as conn:
        _require_people_admin(conn, actor, f"deactivate {login}")
        row = _person(conn, login)
        if not row.active:
            raise DataError(f"{login} is deactivated already (since {row.deactivated_at:%Y-%m-%d})")
        if actor is not None and actor.login == login:
            raise DataError(f"{login} may not deactivate themselves; another admin can")
        now = utcnow()
        conn.execute(update(p).where(p.c.id == row.id).values(active=False, deactivated_at=now))
        t = pt.api_token
        return int(conn.execute(update(t).where(t.c.person_id == row.id, t.c.revoked_at.is_(None))
                                .values(revoked_at=now)).rowcount)


def set_password(engine: Engine, login: str, password: str, *, actor: Actor | None) -> None:
    hashed = hash_password(password)
    p = pt.person
    with writer(engine).begin() as conn:
        if actor is None or actor.login != login:  # one's own password needs no admin
            _require_people_admin(conn, actor, f"set the password of {login}")
        row = _person(conn, login)
        conn.execute(update(p).where(p.c.id == row.id).values(password_hash=hashed))


def grant(engine: Engine, login: str, role: str, plan: str, scope_kind: str, scope_code: str, *,
          actor: Actor | None) -> bool:
    """Grant ``role``; False when the person holds exactly that grant already."""

    _check_grant(role, plan, scope_kind, scope_code)
    g = pt.role_grant
    with writer(engine).begin() as conn:
        plan_id = _may_change_grants(conn, actor, f"grant {role}", login, plan)
        if plan_id is not None and scope_kind != "plan":
            _check_item(conn, plan_id, scope_kind, scope_code)
        row = _person(conn, login)
        if not row.active:
            raise DataError(f"{login} is deactivated; roles cannot be granted to them")
        held = conn.execute(select(g.c.id).where(
            g.c.person_id == row.id, g.c.role == role, g.c.plan == plan, g.c.scope_kind == scope_kind,
            g.c.scope_code == scope_code, g.c.revoked_at.is_(None))).first()
        if held is not None:
            return False
        conn.execute(insert(g).values(person_id=row.id, role=role, plan=plan, scope_kind=scope_kind,
                                      scope_code=scope_code, granted_by=_who(actor), granted_at=utcnow()))
    return True


def revoke(engine: Engine, login: str, role: str, plan: str, scope_kind: str, scope_code: str, *,
           actor: Actor | None) -> int:
    """Revoke a grant (kept, with who revoked it); the number revoked, 1 (holding none is
    an error)."""

    _check_grant(role, plan, scope_kind, scope_code)
    g = pt.role_grant
    with writer(engine).begin() as conn:
        _may_change_grants(conn, actor, f"revoke {role}", login, plan)
        row = _person(conn, login)
        where = (g.c.person_id == row.id, g.c.role == role, g.c.plan == plan, g.c.scope_kind == scope_kind,
                 g.c.scope_code == scope_code, g.c.revoked_at.is_(None))
        if role == "admin" and plan == EVERY_PLAN and _last_site_admin(conn, row.id):
            raise DataError(f"{login} is the last admin of every plan; grant another first")
        n = conn.execute(update(g).where(*where).values(revoked_at=utcnow(), revoked_by=_who(actor))).rowcount
    if not n:
        held = Grant(role, plan, scope_kind, scope_code).describe(with_plan=True)
        raise DataError(f"{login} does not hold {held} (goaltrack user list)")
    return int(n)


def plan_for(conn: Connection, slug: str | None) -> str:
    """The plan a grant is for: ``*``, the slug given, or (``None``) the only plan's."""
    if slug is not None:
        return slug
    from goaltrack.people.access import plan_slug

    return plan_slug(conn, _plan_id(conn, None))


def _may_change_grants(conn: Connection, actor: Actor | None, what: str, login: str, plan: str) -> int | None:
    """Refuse unless ``actor`` may grant or revoke roles in ``plan`` (an admin of it; for
    every plan, an admin of every plan); the plan's id (None for every plan)."""
    from goaltrack.people.access import require

    if plan == EVERY_PLAN:
        _require_people_admin(conn, actor, f"{what} for every plan")
        return None
    plan_id = _plan_id(conn, plan)
    if actor is not None and actor.open and has_people(conn):
        _require_people_admin(conn, actor, f"{what} to {login}")
    require(conn, actor, "manage", plan_id)
    return plan_id


def _check_grant(role: str, plan: str, scope_kind: str, scope_code: str) -> None:
    if role not in ROLES:
        raise UsageError(f"unknown role '{role}' (one of: {', '.join(ROLES)})")
    if scope_kind not in SCOPE_KINDS:
        raise UsageError(f"unknown scope '{scope_kind}' (one of: {', '.join(SCOPE_KINDS)})")
    what = scope_kind.replace("_", " ")
    if scope_kind == "plan" and scope_code:
        raise UsageError(f"a grant for a whole plan names no item ('{scope_code}')")
    if scope_kind != "plan" and not scope_code:
        raise UsageError(f"a grant for one {what} needs its code")
    if scope_kind != "plan" and plan == EVERY_PLAN:
        raise UsageError(f"a grant for one {what} needs the plan it belongs to: --plan SLUG, not '*'")


def _last_site_admin(conn: Connection, person_id: int) -> bool:
    g, p = pt.role_grant, pt.person
    others = conn.execute(
        select(func.count()).select_from(g.join(p, p.c.id == g.c.person_id)).where(
            g.c.role == "admin", g.c.plan == EVERY_PLAN, g.c.scope_kind == "plan", g.c.revoked_at.is_(None),
            g.c.person_id != person_id, p.c.active.is_(True))
    ).scalar_one()
    return not others


def _who(actor: Actor | None) -> str:
    return actor.login if actor is not None else "goaltrack"


def _plan_id(conn: Connection, slug: str | None) -> int:
    from goaltrack.store.database import plan_id_for

    return plan_id_for(conn, slug)


def _check_item(conn: Connection, plan_id: int, kind: str, code: str) -> None:
    from goaltrack.store import tables as m

    t = m.table_of(m.ITEM_TABLES[kind])
    if conn.execute(select(t.c.id).where(t.c.plan_id == plan_id, t.c.code == code)).first() is None:
        from goaltrack.suggest import unknown

        known = list(conn.execute(select(t.c.code).where(t.c.plan_id == plan_id).order_by(t.c.code)).scalars())
        raise DataError(unknown(kind.replace("_", " "), code, known))


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class NewToken:
    id: int
    token: str  # shown once
    name: str
    expires_at: dt.datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, login: str, name: str, days: int, *, actor: Actor | None) -> NewToken:
    if not 1 <= days <= 3650:
        raise UsageError("--days: between 1 and 3650")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + dt.timedelta(days=days)
    with writer(engine).begin() as conn:
        if actor is None or actor.login != login:
            _require_people_admin(conn, actor, f"make a token for {login}")
        row = _person(conn, login)
        if not row.active:
            raise DataError(f"{login} is deactivated; no token can be made for them")
        token_id = conn.execute(insert(pt.api_token).values(
            person_id=row.id, name=name, token_hash=_token_hash(token), prefix=token[:10], created_at=now,
            expires_at=expires).returning(pt.api_token.c.id)).scalar_one()
    return NewToken(int(token_id), token, name, expires)


def list_tokens(conn: Connection, login: str) -> list[dict[str, Any]]:
    t = pt.api_token
    row = _person(conn, login)
    rows = conn.execute(select(t).where(t.c.person_id == row.id).order_by(t.c.id)).all()
    now = utcnow()
    return [{"id": r.id, "name": r.name, "prefix": r.prefix, "created_at": utc_text(r.created_at),
             "expires_at": utc_text(r.expires_at), "revoked_at": utc_text(r.revoked_at),
             "last_used_at": utc_text(r.last_used_at),
             "state": "revoked" if r.revoked_at else "expired" if as_utc(r.expires_at) <= now else "active"}
            for r in rows]


def revoke_token(engine: Engine, login: str, token_id: int, *, actor: Actor | None) -> str:
    """Revoke token ``token_id`` of ``login``; its name."""
    t = pt.api_token
    with writer(engine).begin() as conn:
        if actor is None or actor.login != login:
            _require_people_admin(conn, actor, f"revoke a token of {login}")
        row = _person(conn, login)
        name = conn.execute(update(t).where(t.c.id == token_id, t.c.person_id == row.id, t.c.revoked_at.is_(None))
                            .values(revoked_at=utcnow()).returning(t.c.name)).scalar()
        if name is None:
            raise DataError(f"{login} has no unrevoked token {token_id} (goaltrack user tokens {login})")
    return str(name)


# --------------------------------------------------------------------------- who is acting


def _actor(conn: Connection, row: Any) -> Actor:
    return Actor(login=row.login, display_name=row.display_name, person_id=row.id,
                 grants=active_grants(conn, row.id))


def actor_for_token(conn: Connection, token: str) -> Actor:
    t = pt.api_token
    row = conn.execute(select(t).where(t.c.token_hash == _token_hash(token))).first()
    if row is None:
        raise DataError("unknown API token")
    person = conn.execute(select(pt.person).where(pt.person.c.id == row.person_id)).one()
    if row.revoked_at is not None:
        raise DataError(f"API token '{row.name}' of {person.login} was revoked on {as_utc(row.revoked_at):%Y-%m-%d}")
    if as_utc(row.expires_at) <= utcnow():
        raise DataError(f"API token '{row.name}' of {person.login} expired on {as_utc(row.expires_at):%Y-%m-%d}; "
                        "make a new one with `goaltrack user token`")
    if not person.active:
        raise DataError(f"{person.login} is deactivated")
    return _actor(conn, person)


def actor_for_login(conn: Connection, login: str) -> Actor:
    row = _person(conn, login)
    if not row.active:
        raise DataError(f"{login} is deactivated (since {as_utc(row.deactivated_at):%Y-%m-%d}) and may not act")
    return _actor(conn, row)


def resolve_actor(conn: Connection, *, login: str | None, token: str | None, fallback: str | None,
                  recorder: str) -> Actor:
    """The person a command acts as.

    ``login`` is ``--as``/``GOALTRACK_USER``/``[people] user``; ``token`` an API token;
    ``fallback`` the OS user name, used on an SQLite file only (on a shared database the
    person must be named). Without people in the database, an open actor named
    ``recorder`` (``--by``, as before people existed).
    """
    if not has_people(conn):
        return Actor(login=recorder, open=True)
    if token:
        return actor_for_token(conn, token)
    if login:
        return actor_for_login(conn, login)
    if fallback and conn.execute(select(pt.person.c.id).where(pt.person.c.login == fallback)).first():
        return actor_for_login(conn, fallback)
    raise UsageError("this database has people: say who you are with --as LOGIN, GOALTRACK_USER or "
                     "[people] user in the config (or GOALTRACK_TOKEN)")
