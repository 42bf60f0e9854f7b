"""The review pages: what waits for the signed-in person, one entry in full, and the moves.

The queue is :func:`goaltrack.review.queue.queue` for each plan with entries waiting in which
the person may approve or has entries of their own; a move is
:func:`goaltrack.review.transitions.move`, whose compare-and-set decides a race: the one who
loses is shown the domain's message (who moved it, when), not an error page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.exceptions import HTTPException

from goaltrack.errors import GoaltrackError
from goaltrack.people import tables as pt
from goaltrack.people.access import PermissionDenied, plan_slug
from goaltrack.render.i18n import N_
from goaltrack.review.filed import PENDING
from goaltrack.review.transitions import MOVES
from goaltrack.web import work_data
from goaltrack.web.pages import flash, formatter, pop_flash, url
from goaltrack.web.routes_home import may_view, plan_for_viewer
from goaltrack.web.session import check_csrf, require_actor

router = APIRouter()


def _state(request: Request) -> Any:
    return request.app.state.goaltrack


@router.get("/review", name="review_queue")
def review_queue(request: Request) -> Response:
    from goaltrack.review.queue import queue

    actor = require_actor(request)
    e = pt.review_entry
    sections = []
    with _state(request).engine.connect() as conn:
        waiting = set(conn.execute(select(e.c.plan_id).distinct().where(e.c.state.in_(PENDING))).scalars())
        authored = set(conn.execute(select(e.c.plan_id).distinct().where(
            e.c.state.in_(PENDING), e.c.author == actor.login)).scalars())
        for plan in work_data.plans(conn):
            if plan.id not in waiting or not may_view(actor, plan.slug):
                continue
            if plan.id not in authored and not work_data.may_in_plan(actor, plan.slug, "approve"):
                continue
            items = queue(conn, actor, plan.id)
            if items:
                sections.append({"slug": plan.slug, "title": plan.title, "language": plan.language, "entries": items})
    return _state(request).pages.render(request, "web/review_queue.html", actor=actor, sections=sections,
                                        flash=pop_flash(request))


def _entry_page(request: Request, actor: Any, entry_id: int, *, status: int = 200,
                errors: dict[str, Any] | None = None, reason: str = "") -> Response:
    from goaltrack.review.queue import entry

    e = pt.review_entry
    with _state(request).engine.connect() as conn:
        row = conn.execute(select(e.c.plan_id).where(e.c.id == entry_id)).first()
        if row is None:
            raise HTTPException(404, f"no review entry {entry_id}")
        slug = plan_slug(conn, row.plan_id)
    plan_id = plan_for_viewer(request, actor, slug)
    with _state(request).engine.connect() as conn:
        data = entry(conn, entry_id)
        plan = work_data.plan_row(conn, plan_id)
    may = {
        "approve": data["state"] == "submitted" and work_data.may_in_plan(actor, slug, "approve"),
        "author": actor.login == data["author"] or work_data.may_in_plan(actor, slug, "manage"),
    }
    return _state(request).pages.render(
        request, "web/review_entry.html", actor=actor, e=data, slug=slug, plan=plan, plan_lang=plan.language,
        may=may, errors=errors or {}, reason=reason, status=status, flash=pop_flash(request),
        routes=work_data.route_names(request))


@router.get("/review/{entry_id}", name="review_entry")
def review_entry(request: Request, entry_id: int) -> Response:
    actor = require_actor(request)
    return _entry_page(request, actor, entry_id)


DONE = {
    "approve": N_("Approved entry %(id)s (%(what)s)."),
    "return": N_("Returned entry %(id)s (%(what)s) to its author with your reason."),
    "submit": N_("Submitted entry %(id)s (%(what)s): it waits for an approver."),
    "withdraw": N_("Withdrew entry %(id)s (%(what)s)."),
}


@router.post("/review/{entry_id}/{action}", name="review_action")
def review_action(request: Request, entry_id: int, action: str, csrf: str = Form(""),
                  reason: str = Form("")) -> Response:
    from goaltrack.review.transitions import move

    check_csrf(request, csrf)
    actor = require_actor(request)
    if action not in MOVES:
        raise HTTPException(404, f"no action '{action}' (one of: {', '.join(MOVES)})")
    if action == "return" and not reason.strip():
        return _entry_page(request, actor, entry_id, status=422, errors={"reason": ("reason_required", None)},
                           reason=reason)
    try:
        moved = move(_state(request).engine, entry_id, action, actor, reason=reason if action == "return" else None)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        # Another approver (or the author) moved it first, or it is in a state this move does
        # not start from: the domain's message says who did what, and when.
        return _entry_page(request, actor, entry_id, status=409, errors={"form": ("conflict", exc.message)},
                           reason=reason)
    flash(request, formatter(request).gettext(DONE[action]) % {"id": moved.entry, "what": moved.what})
    target = "review_queue" if action in ("approve", "return") else "my_work"
    return RedirectResponse(url(request, target), status_code=303)
