"""Sign in and out, the language switch, the list of plans and each plan's dashboard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from goaltrack.errors import DataError
from goaltrack.people.access import EVERY_PLAN, Actor, PermissionDenied, refusal
from goaltrack.store import tables as m
from goaltrack.vocab import LANGUAGES
from goaltrack.web.pages import safe_next, url
from goaltrack.web.session import (
    check_csrf,
    client_address,
    require_actor,
    sign_in,
    sign_out,
    signed_in_actor,
)

router = APIRouter()


def state(request: Request) -> Any:
    return request.app.state.goaltrack


def may_view(actor: Actor, slug: str) -> bool:
    """Any role in a plan (for the plan or for one of its items) lets a person read all of
    it; scopes narrow what they may write, not what they may see."""
    return actor.open or any(g.plan in (EVERY_PLAN, slug) for g in actor.grants)


def visible_plans(request: Request, actor: Actor) -> list[dict[str, Any]]:
    t = m.table_of(m.Plan)
    with state(request).engine.connect() as conn:
        rows = conn.execute(select(t.c.slug, t.c.title, t.c.organisation, t.c.years, t.c.synthetic,
                                   t.c.review).order_by(t.c.slug)).all()
    return [dict(r._mapping) for r in rows if may_view(actor, r.slug)]


def plan_for_viewer(request: Request, actor: Actor, slug: str) -> int:
    """The id of plan ``slug`` if ``actor`` may read it; 404 for a plan that does not exist,
    403 for one they may not see."""
    from starlette.exceptions import HTTPException

    t = m.table_of(m.Plan)
    with state(request).engine.connect() as conn:
        plan_id = conn.execute(select(t.c.id).where(t.c.slug == slug)).scalar()
    if plan_id is None:
        raise HTTPException(404, f"no plan '{slug}'")
    if not may_view(actor, slug):
        raise PermissionDenied(refusal(actor, "view", slug, slug))
    return int(plan_id)


@router.get("/signin", name="signin_form")
def signin_form(request: Request, next: str = "/") -> Response:
    actor = signed_in_actor(request)
    if actor is not None:
        return RedirectResponse(safe_next(next, request), status_code=303)
    return state(request).pages.render(request, "web/signin.html", actor=None, next=safe_next(next, request),
                                       login="", error=None)


@router.post("/signin", name="signin")
def signin(request: Request, login: str = Form(""), password: str = Form(""), csrf: str = Form(""),
           next: str = Form("/")) -> Response:
    from goaltrack.people.accounts import check_password

    check_csrf(request, csrf)
    st = state(request)
    keys = (f"addr:{client_address(request)}", f"login:{login.strip().lower()}")
    wait = st.limiter.retry_after(*keys)
    target = safe_next(next, request)
    if wait:
        return st.pages.render(request, "web/signin.html", actor=None, next=target, login=login, status=429,
                               error=("too_many", wait), headers={"Retry-After": str(wait)})
    try:
        with st.engine.connect() as conn:
            actor = check_password(conn, login.strip(), password)
    except DataError:
        st.limiter.failed(*keys)
        return st.pages.render(request, "web/signin.html", actor=None, next=target, login=login, status=401,
                               error=("wrong", 0))
    st.limiter.succeeded(keys[1])  # the address keeps its count: one good account must not reset it
    sign_in(request, actor)
    return RedirectResponse(target, status_code=303)


@router.post("/signout", name="signout")
def signout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    sign_out(request)
    return RedirectResponse(url(request, "signin_form"), status_code=303)


@router.get("/lang/{lang}", name="set_lang")
def set_lang(request: Request, lang: str, next: str = "/") -> Response:
    """The language switch: a plain link (it changes nothing but the reader's own view)."""
    if lang in LANGUAGES:
        request.session["lang"] = lang
    return RedirectResponse(safe_next(next, request), status_code=303)


@router.get("/", name="home")
def home(request: Request) -> Response:
    actor = require_actor(request)
    plans = visible_plans(request, actor)
    return state(request).pages.render(request, "web/plans.html", actor=actor, plans=plans)


@router.get("/plans/{slug}", name="dashboard")
def dashboard_page(request: Request, slug: str) -> Response:
    from goaltrack.web.pages import choose_lang
    from goaltrack.web.reading import dashboard_for

    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    st = state(request)
    data = dashboard_for(request, plan_id, lang=choose_lang(request, st.pages.default_lang()))
    return st.pages.render(request, "web/dashboard.html", actor=actor, slug=slug, data=data)
