"""Admin pages: people, their roles and API tokens; the plans loaded and their files.

An admin of every plan (``actor.is_site_admin``) manages people and every grant; an admin
of one plan sees everyone (to grant them a role) but only the grants of the plans they
administer, and may grant and revoke only there. Every change goes through
:mod:`goaltrack.people.accounts` with ``actor=actor``, which decides who may do what, as it
does for ``goaltrack user``; a refusal is a 403 page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from goaltrack.errors import GoaltrackError
from goaltrack.people.access import Actor, PermissionDenied
from goaltrack.render.i18n import N_
from goaltrack.vocab import ROLES
from goaltrack.web.pages import flash, pop_flash, url
from goaltrack.web.routes_home import state
from goaltrack.web.session import check_csrf, require_actor

router = APIRouter()

#: Which field of a form a core message is about, by how the message starts.
PERSON_FIELDS = (("login", "login"), ("person ", "login"), ("--email", "email"), ("--name", "name"),
                 ("password", "password"))
GRANT_FIELDS = (("unknown person", "login"), ("person", "login"), ("unknown role", "role"),
                ("unknown scope", "scope_kind"), ("a grant for", "scope_code"), ("unknown focus area", "scope_code"),
                ("unknown initiative", "scope_code"), ("unknown indicator", "scope_code"), ("unknown plan", "plan"),
                ("no plan", "plan"), ("several plans", "plan"))
TOKEN_FIELDS = (("--days", "days"),)


def administered(actor: Actor) -> set[str] | None:
    """The plans ``actor`` is admin of; None for every plan. 403 for someone who
    administers nothing: no admin page is theirs."""
    if actor.is_site_admin:
        return None
    plans = {g.plan for g in actor.grants if g.role == "admin" and g.scope_kind == "plan"}
    if not plans:
        raise PermissionDenied(f"{actor.login} may not use the admin pages: that needs admin of a plan")
    return plans


def _field(message: str, fields: tuple[tuple[str, str], ...], default: str) -> str:
    return next((f for start, f in fields if message.startswith(start)), default)


def _admin(request: Request, csrf: str | None = None) -> tuple[Actor, set[str] | None]:
    actor = require_actor(request)
    if csrf is not None:
        check_csrf(request, csrf)
    return actor, administered(actor)


# --------------------------------------------------------------------------- people


def _people(request: Request, plans: set[str] | None) -> list[dict[str, Any]]:
    from goaltrack.people.accounts import list_people

    with state(request).engine.connect() as conn:
        people = list_people(conn)
    for p in people:  # a plan admin sees the grants of their plans only
        p["roles"] = [r for r in p["roles"] if plans is None or r["plan"] in plans]
    return people


def _plan_slugs(request: Request, plans: set[str] | None) -> list[str]:
    from goaltrack.store.plan_queries import plan_summaries

    with state(request).engine.connect() as conn:
        slugs = [p["slug"] for p in plan_summaries(conn)]
    return [s for s in slugs if plans is None or s in plans]


def _people_page(request: Request, actor: Actor, plans: set[str] | None, *, status: int = 200,
                 add: dict[str, Any] | None = None, grant: dict[str, Any] | None = None) -> Response:
    slugs = _plan_slugs(request, plans)
    people = _people(request, plans)
    return state(request).pages.render(
        request, "web/admin_people.html", actor=actor, status=status, people=people,
        logins=[(p["login"], f"{p['login']} ({p['name']})") for p in people if p["active"]],
        plans=[(s, s) for s in slugs], roles=[(r, r) for r in ROLES], site_admin=plans is None,
        flash=pop_flash(request),
        add=add or {"typed": {}, "errors": {}},
        grant=grant or {"typed": {"plan": slugs[0] if len(slugs) == 1 else "", "scope_kind": "plan"},
                        "errors": {}})


@router.get("/admin/people", name="admin_people")
def admin_people(request: Request) -> Response:
    actor, plans = _admin(request)
    return _people_page(request, actor, plans)


@router.post("/admin/people", name="admin_person_add")
def admin_person_add(request: Request, csrf: str = Form(""), login: str = Form(""), name: str = Form(""),
                     email: str = Form(""), password: str = Form("")) -> Response:
    from goaltrack.people.accounts import add_person

    actor, plans = _admin(request, csrf)
    values = {"login": login.strip(), "name": name.strip(), "email": email.strip()}
    try:
        add_person(state(request).engine, values["login"], values["name"], email=values["email"] or None,
                   password=password or None, actor=actor)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        errors = {_field(exc.message, PERSON_FIELDS, "login"): exc.message}
        return _people_page(request, actor, plans, status=422, add={"typed": values, "errors": errors})
    flash(request, N_("Added %(login)s."), login=values["login"])
    return RedirectResponse(url(request, "admin_person", login=values["login"]), status_code=303)


@router.post("/admin/people/grants", name="admin_grant")
def admin_grant(request: Request, csrf: str = Form(""), login: str = Form(""), role: str = Form(""),
                plan: str = Form(""), scope_kind: str = Form("plan"), scope_code: str = Form("")) -> Response:
    from goaltrack.people.accounts import grant

    actor, plans = _admin(request, csrf)
    values = {"login": login.strip(), "role": role, "plan": plan, "scope_kind": scope_kind,
              "scope_code": scope_code.strip()}
    try:
        new = grant(state(request).engine, values["login"], role, plan, scope_kind, values["scope_code"],
                    actor=actor)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        errors = {_field(exc.message, GRANT_FIELDS, "scope_code"): exc.message}
        return _people_page(request, actor, plans, status=422, grant={"typed": values, "errors": errors})
    flash(request, N_("Granted %(role)s to %(login)s.") if new else N_("%(login)s holds that role already."),
          role=role, login=values["login"])
    return RedirectResponse(url(request, "admin_people"), status_code=303)


@router.post("/admin/people/grants/revoke", name="admin_revoke")
def admin_revoke(request: Request, csrf: str = Form(""), login: str = Form(""), role: str = Form(""),
                 plan: str = Form(""), scope_kind: str = Form("plan"), scope_code: str = Form("")) -> Response:
    from goaltrack.people.accounts import revoke

    actor, _ = _admin(request, csrf)
    revoke(state(request).engine, login, role, plan, scope_kind, scope_code, actor=actor)  # DataError: 422 page
    flash(request, N_("Revoked %(role)s from %(login)s."), role=role, login=login)
    return RedirectResponse(url(request, "admin_people"), status_code=303)


# --------------------------------------------------------------------------- one person


def _person_page(request: Request, actor: Actor, plans: set[str] | None, login: str, *, status: int = 200,
                 errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                 new_token: Any = None) -> Response:
    from goaltrack.people.accounts import list_tokens

    person = next((p for p in _people(request, plans) if p["login"] == login), None)
    if person is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404, f"no person '{login}'")
    tokens = []
    if plans is None:  # tokens are managed by admins of every plan (and by their owner, on the CLI)
        with state(request).engine.connect() as conn:
            tokens = list_tokens(conn, login)
    headers = {"Cache-Control": "no-store"}
    return state(request).pages.render(
        request, "web/admin_person.html", actor=actor, status=status, person=person, tokens=tokens,
        site_admin=plans is None, flash=pop_flash(request), errors=errors or {}, values=values or {},
        new_token=new_token, token_days=int(state(request).setting("people", "token_days")), headers=headers)


@router.get("/admin/people/{login}", name="admin_person")
def admin_person(request: Request, login: str) -> Response:
    actor, plans = _admin(request)
    return _person_page(request, actor, plans, login)


@router.post("/admin/people/{login}/deactivate", name="admin_deactivate")
def admin_deactivate(request: Request, login: str, csrf: str = Form("")) -> Response:
    from goaltrack.people.accounts import deactivate

    actor, plans = _admin(request, csrf)
    try:
        tokens = deactivate(state(request).engine, login, actor=actor)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        return _person_page(request, actor, plans, login, status=422, errors={"deactivate": exc.message})
    flash(request, N_("Deactivated %(login)s; %(tokens)s API token(s) revoked."), login=login, tokens=tokens)
    return RedirectResponse(url(request, "admin_person", login=login), status_code=303)


@router.post("/admin/people/{login}/password", name="admin_set_password")
def admin_set_password(request: Request, login: str, csrf: str = Form(""), password: str = Form("")) -> Response:
    from goaltrack.people.accounts import set_password

    actor, plans = _admin(request, csrf)
    try:
        set_password(state(request).engine, login, password, actor=actor)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        return _person_page(request, actor, plans, login, status=422, errors={"password": exc.message})
    flash(request, N_("Set a new password for %(login)s."), login=login)
    return RedirectResponse(url(request, "admin_person", login=login), status_code=303)


@router.post("/admin/people/{login}/tokens", name="admin_token_create")
def admin_token_create(request: Request, login: str, csrf: str = Form(""), name: str = Form(""),
                       days: str = Form("")) -> Response:
    """Make a token and show it on the page this POST answers, once: it is never stored
    (only its hash), nor put in the session cookie or a URL for a redirect to show it."""
    from goaltrack.people.accounts import create_token

    actor, plans = _admin(request, csrf)
    values = {"name": name.strip(), "days": days.strip()}
    try:
        if not values["name"]:
            raise GoaltrackError("name: say what the token is for (e.g. the script that uses it)")
        if values["days"] and not values["days"].isdigit():
            raise GoaltrackError("--days: between 1 and 3650")
        valid = int(values["days"]) if values["days"] else int(state(request).setting("people", "token_days"))
        new = create_token(state(request).engine, login, values["name"], valid, actor=actor)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        errors = {_field(exc.message, TOKEN_FIELDS, "token_name"): exc.message}
        return _person_page(request, actor, plans, login, status=422, errors=errors, values=values)
    return _person_page(request, actor, plans, login, new_token=new)


@router.post("/admin/people/{login}/tokens/{token_id}/revoke", name="admin_token_revoke")
def admin_token_revoke(request: Request, login: str, token_id: int, csrf: str = Form("")) -> Response:
    from goaltrack.people.accounts import revoke_token

    actor, _ = _admin(request, csrf)
    name = revoke_token(state(request).engine, login, token_id, actor=actor)
    flash(request, N_("Revoked the API token %(name)s of %(login)s."), name=name, login=login)
    return RedirectResponse(url(request, "admin_person", login=login), status_code=303)


# --------------------------------------------------------------------------- plans


@router.get("/admin/plans", name="admin_plans")
def admin_plans(request: Request) -> Response:
    from goaltrack.clock import utc_text
    from goaltrack.store import tables as m

    actor, plans = _admin(request)
    t = m.table_of(m.Plan)
    with state(request).engine.connect() as conn:
        rows = conn.execute(select(t.c.slug, t.c.title, t.c.organisation, t.c.years, t.c.review, t.c.self_approval,
                                   t.c.content_hash, t.c.source_file, t.c.loaded_at, t.c.synthetic)
                            .order_by(t.c.slug)).all()
    shown = [{**r._mapping, "loaded_at": utc_text(r.loaded_at)} for r in rows if plans is None or r.slug in plans]
    return state(request).pages.render(request, "web/admin_plans.html", actor=actor, plans=shown,
                                       flash=pop_flash(request))


@router.get("/admin/plans/{slug}.yaml", name="admin_plan_file")
def admin_plan_file(request: Request, slug: str) -> Response:
    """The plan exported back to a plan file: the bytes of ``goaltrack plan export SLUG``."""
    from starlette.exceptions import HTTPException

    from goaltrack.people.access import require
    from goaltrack.store import tables as m
    from goaltrack.store.planexport import export_plan

    actor, _ = _admin(request)
    engine = state(request).engine
    t = m.table_of(m.Plan)
    with engine.connect() as conn:
        plan_id = conn.execute(select(t.c.id).where(t.c.slug == slug)).scalar()
        if plan_id is None:
            raise HTTPException(404, f"no plan '{slug}'")
        require(conn, actor, "manage", int(plan_id))
    return Response(export_plan(engine, int(plan_id)).encode("utf-8"), media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"',
                             "Cache-Control": "no-store"})
