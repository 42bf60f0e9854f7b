"""The JSON API under ``/api/v1``: the same reads and writes as the pages and the command
line, with the same permission checks (:mod:`goaltrack.people.access`).

Authentication is an API token only (``Authorization: Bearer gt_...``, made by
``goaltrack user token`` or on the admin page), never the session cookie, so no request
here can be forged by another site and none needs a CSRF token. Errors are JSON,
``{"error": {"code", "message"}}``, with the stable codes listed in docs/web.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import select, update
from starlette.exceptions import HTTPException

from goaltrack.clock import as_utc, utcnow
from goaltrack.errors import DataError, GoaltrackError
from goaltrack.people.access import Actor, PermissionDenied
from goaltrack.web import api_models as am
from goaltrack.web.app import API_PREFIX
from goaltrack.web.routes_home import plan_for_viewer, state, visible_plans
from goaltrack.web.session import SignInRequired

#: last_used_at is written at most this often per token, so reads rarely take the write lock.
TOUCH_EVERY = dt.timedelta(minutes=1)


class ApiError(HTTPException):
    """An error with its own stable code (app.py's handler answers it as JSON)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers=headers)
        self.code = code


class LimitedRoute(APIRoute):
    """A route whose request body may be at most ``[web] max_upload_mb``: refused (413) from
    its ``Content-Length`` before anything is read, or as soon as a streamed body passes it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                limit = int(float(state(request).setting("web", "max_upload_mb")) * 1024 * 1024)
                too_large = ApiError(413, "too_large", f"the request body is larger than {limit} bytes "
                                                       "([web] max_upload_mb)")
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise too_large
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limit:
                        raise too_large
                request._body = bytes(body)  # what FastAPI then parses, read once
            return await handler(request)

        return limited


router = APIRouter(prefix=API_PREFIX, route_class=LimitedRoute, tags=["goaltrack"],
                   responses={401: {"model": am.ErrorBody}, 403: {"model": am.ErrorBody},
                              404: {"model": am.ErrorBody}, 422: {"model": am.ErrorBody}})


# --------------------------------------------------------------------------- who is calling


def api_actor(request: Request) -> Actor:
    """The person whose token the request carries, looked up on every request."""
    from goaltrack.people.accounts import actor_for_token

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise SignInRequired()
    engine = state(request).engine
    with engine.connect() as conn:
        try:
            actor = actor_for_token(conn, token)
        except DataError as exc:
            raise ApiError(401, "invalid_token", exc.message,
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        _touch(request, conn, token)
    return actor


def _touch(request: Request, conn: Any, token: str) -> None:
    """Write the token's ``last_used_at``, unless it was written less than a minute ago (by
    this process, remembered; or by another, as the database says)."""
    from goaltrack.people import tables as pt
    from goaltrack.people.accounts import _token_hash
    from goaltrack.store.database import writer

    seen: dict[str, dt.datetime] = getattr(request.app.state, "api_token_used", None) or {}
    request.app.state.api_token_used = seen
    key, now = _token_hash(token), utcnow()
    if key in seen and now - seen[key] < TOUCH_EVERY:
        return
    t = pt.api_token
    row = conn.execute(select(t.c.id, t.c.last_used_at).where(t.c.token_hash == key)).one()
    if row.last_used_at is not None and now - as_utc(row.last_used_at) < TOUCH_EVERY:
        seen[key] = as_utc(row.last_used_at)
        return
    conn.rollback()  # end the read transaction before taking the write lock
    with writer(state(request).engine).begin() as w:
        w.execute(update(t).where(t.c.id == row.id).values(last_used_at=now))
    seen[key] = now


@contextmanager
def _domain() -> Iterator[None]:
    """The core's refusals as the API's errors: permission_denied stays 403, an unknown
    indicator or initiative is 404, any other bad input 422."""
    try:
        yield
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        if exc.message.startswith(("unknown indicator", "unknown initiative", "no review entry")):
            raise ApiError(404, "not_found", exc.message) from None
        raise ApiError(422, "invalid", exc.message) from None


# --------------------------------------------------------------------------- reads


@router.get("/me", response_model=am.Me, summary="Who the token belongs to, and their roles")
def me(actor: Actor = Depends(api_actor)) -> am.Me:
    return am.Me(login=actor.login, name=actor.display_name, site_admin=actor.is_site_admin,
                 grants=[_grant(g) for g in actor.grants])


def _grant(g: Any) -> am.GrantOut:
    return am.GrantOut(role=g.role, plan=g.plan, scope=g.scope_kind, code=g.scope_code or None,
                       text=g.describe(with_plan=True))


@router.get("/plans", response_model=list[am.PlanSummary], summary="The plans the token's person may view")
def plans(request: Request, actor: Actor = Depends(api_actor)) -> list[am.PlanSummary]:
    return [am.PlanSummary(slug=p["slug"], title=p["title"], organisation=p["organisation"], years=p["years"],
                           review=p["review"] or "off", synthetic=bool(p["synthetic"]))
            for p in visible_plans(request, actor)]


@router.get("/plans/{slug}", response_model=am.PlanDetail, summary="One plan: its header and counts")
def plan(request: Request, slug: str, actor: Actor = Depends(api_actor)) -> am.PlanDetail:
    from goaltrack.clock import utc_text
    from goaltrack.store import tables as m
    from goaltrack.store.plan_queries import plan_detail
    from goaltrack.web.pages import url

    plan_id = plan_for_viewer(request, actor, slug)
    t = m.table_of(m.Plan)
    with state(request).engine.connect() as conn:
        d = plan_detail(conn, plan_id)
        extra = conn.execute(select(t.c.review, t.c.self_approval, t.c.loaded_at).where(t.c.id == plan_id)).one()
    return am.PlanDetail(
        slug=d["slug"], title=d["title"], organisation=d["organisation"], years=d["years"], language=d["language"],
        currency=d["currency"], synthetic=d["synthetic"], content_hash=d["content_hash"], counts=d["counts"],
        review=extra.review or "off", self_approval=bool(extra.self_approval), loaded_at=utc_text(extra.loaded_at),
        reports={k: url(request, "api_report", slug=slug, kind=k) for k in am.REPORT_KINDS})


@router.get("/plans/{slug}/reports/{kind}", name="api_report", response_class=Response,
            summary="A report's JSON, byte for byte what `goaltrack report KIND --format json` prints",
            responses={200: {"content": {"application/json": {}},
                             "description": "The report's JSON (docs/reports.md describes each)."}})
def report(request: Request, slug: str, kind: am.ReportKind, as_of: dt.date | None = None,
           lang: am.Lang | None = None, actor: Actor = Depends(api_actor)) -> Response:
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import render

    plan_id = plan_for_viewer(request, actor, slug)
    st = state(request)
    with st.engine.connect() as conn, _domain():
        if kind == "checks":  # as `goaltrack check --format json`
            from goaltrack.engine.checking import run_checks
            from goaltrack.reports.findings import checks_report

            options = RenderOptions(as_of=as_of, lang=lang)
            findings = run_checks(conn, st.ctx.plugins, plan_id, settings=st.ctx.config.values.get("checks", {}),
                                  options=options)
            text = render(st.ctx, checks_report(conn, plan_id, findings, options), "json")
        else:
            from goaltrack.reports.registry import build_report

            options = RenderOptions(lang=lang, as_of=as_of)
            built = build_report(conn, st.ctx.plugins, kind, options, plan_slug=slug, settings=st.ctx.config.values)
            text = render(st.ctx, built, "json", options)
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(body if body.endswith(b"\n") else body + b"\n", media_type="application/json")


@router.get("/plans/{slug}/indicators/{code}", response_model=am.IndicatorOut,
            summary="An indicator: its series, baseline, target and score, as the progress report has them")
def indicator(request: Request, slug: str, code: str, as_of: dt.date | None = None,
              actor: Actor = Depends(api_actor)) -> am.IndicatorOut:
    from goaltrack.interfaces import RenderOptions
    from goaltrack.reports.progress import build_progress

    plan_id = plan_for_viewer(request, actor, slug)
    st = state(request)
    with st.engine.connect() as conn:
        data = build_progress(conn, st.ctx.plugins, plan_id, RenderOptions(as_of=as_of),
                              settings=st.ctx.config.values).data
    found = next((i for i in data["indicators"] if i["code"] == code), None)
    if found is None:
        raise ApiError(404, "not_found", f"no indicator '{code}' in {slug}")
    return am.IndicatorOut(plan=slug, **found)


# --------------------------------------------------------------------------- writes


@router.post("/plans/{slug}/indicators/{code}/values", response_model=am.Recorded,
             summary="Record a value (or a missing value with its reason), as `goaltrack record`")
def record_value(request: Request, slug: str, code: str, body: am.ValueIn,
                 actor: Actor = Depends(api_actor)) -> am.Recorded:
    from goaltrack.store.recording import record_measurement
    from goaltrack.values.dimensions import breakdown_values

    plan_id = plan_for_viewer(request, actor, slug)
    raw = None if body.value is None else str(body.value)
    with _domain():
        r = record_measurement(state(request).engine, plan_id, code, raw, body.period, by=actor.login,
                               note=body.note, source=body.source, missing=body.missing,
                               dimensions=body.dimensions or None, actor=actor, submit=body.submit)
    dims = breakdown_values(r.breakdown)
    shown = "missing" if r.value is None else f"{r.value:g}"
    what = f"{r.indicator} {r.period}" + "".join(f" {d}={v}" for d, v in dims.items())
    result: am.RecordResult
    if r.entry is not None:
        result, message = "filed", _filed(request, f"{what} = {shown}", r.entry, r.state or "", r.revision)
    elif r.unchanged:
        result, message = "unchanged", f"Unchanged: {what} is already {shown} (recorded {r.current_since}); " \
                                       "nothing written"
    else:
        result, message = "recorded", f"Recorded {what} = {shown}"
    return am.Recorded(result=result, indicator=r.indicator, period=r.period, value=r.value, dimensions=dims,
                       superseded=r.superseded, replaced=r.replaced, current_since=r.current_since, entry=r.entry,
                       state=r.state, revision=r.revision if r.entry is not None else None, message=message)


@router.post("/plans/{slug}/initiatives/{code}/statuses", response_model=am.StatusRecorded,
             summary="Record an initiative's status, as `goaltrack status`")
def record_status(request: Request, slug: str, code: str, body: am.StatusIn,
                  actor: Actor = Depends(api_actor)) -> am.StatusRecorded:
    from goaltrack.store.recording import record_status as record

    plan_id = plan_for_viewer(request, actor, slug)
    with _domain():
        filed = record(state(request).engine, plan_id, code, body.status, by=actor.login, note=body.note,
                       actor=actor, submit=body.submit)
    if filed is None:
        return am.StatusRecorded(result="recorded", initiative=code, status=body.status, entry=None, state=None,
                                 revision=None, message=f"Recorded {code}: {body.status}")
    return am.StatusRecorded(result="filed", initiative=code, status=body.status, entry=filed.entry,
                             state=filed.state, revision=filed.revision,
                             message=_filed(request, f"{code}: {body.status}", filed.entry, filed.state,
                                                   filed.revision))


def _filed(request: Request, what: str, entry: int, state_: str, revision: int) -> str:
    """What recording under review says (as the command line does, with the API's next step)."""
    from goaltrack.web.pages import url

    verb = "Filed" if revision == 1 else f"Revised (revision {revision})"
    nxt = ("waiting for an approver" if state_ == "submitted"
           else f"a draft: POST {url(request, 'api_review_action', entry_id=entry, action='submit')} "
                "sends it to an approver")
    return f"{verb} {what} as review entry {entry}, {nxt}; reports use it once it is approved"


# --------------------------------------------------------------------------- review


@router.get("/review", response_model=list[am.ReviewQueueItem], response_model_by_alias=True,
            summary="What waits for the token's person: entries to approve, and their own drafts and returns")
def review_queue(request: Request, plan: str | None = None, actor: Actor = Depends(api_actor)) -> list[Any]:
    from goaltrack.review.queue import queue
    from goaltrack.store.database import plan_id_for

    slugs = [plan] if plan is not None else [p["slug"] for p in visible_plans(request, actor)]
    if plan is not None:
        plan_for_viewer(request, actor, plan)
    out: list[Any] = []
    with state(request).engine.connect() as conn:
        for slug in slugs:
            out += [{**item, "plan": slug} for item in queue(conn, actor, plan_id_for(conn, slug))]
    return out


def _entry_plan(request: Request, actor: Actor, entry_id: int) -> str:
    """The slug of the entry's plan, which ``actor`` must be able to view (else 404: an
    entry of a plan one may not see is not revealed)."""
    from goaltrack.people.access import plan_slug
    from goaltrack.review.transitions import _entry

    with state(request).engine.connect() as conn, _domain():
        slug = plan_slug(conn, _entry(conn, entry_id).plan_id)
    from goaltrack.web.routes_home import may_view

    if not may_view(actor, slug):
        raise ApiError(404, "not_found", f"no review entry {entry_id}")
    return slug


@router.get("/review/{entry_id}", response_model=am.ReviewEntry, summary="One review entry in full")
def review_entry(request: Request, entry_id: int, actor: Actor = Depends(api_actor)) -> Any:
    from goaltrack.review.queue import entry

    slug = _entry_plan(request, actor, entry_id)
    with state(request).engine.connect() as conn:
        return {**entry(conn, entry_id), "plan": slug}


@router.post("/review/{entry_id}/{action}", response_model=am.Moved, name="api_review_action",
             summary="Approve, return (with a reason), submit or withdraw an entry",
             responses={409: {"model": am.ErrorBody, "description": "The entry is no longer in a state the "
                                                                    "action applies to (another reviewer won)."}})
def review_action(request: Request, entry_id: int, action: am.ReviewAction, body: am.ActionIn | None = None,
                  actor: Actor = Depends(api_actor)) -> am.Moved:
    from goaltrack.review.transitions import MOVES, _entry, move

    _entry_plan(request, actor, entry_id)
    engine = state(request).engine
    reason = body.reason if body is not None else None
    try:
        moved = move(engine, entry_id, action, actor, reason=reason)
    except PermissionDenied:
        raise
    except GoaltrackError as exc:
        with engine.connect() as conn:
            now = _entry(conn, entry_id).state
        code = (409, "conflict") if now not in MOVES[action][0] else (422, "invalid")
        raise ApiError(*code, exc.message) from None
    return am.Moved(entry=moved.entry, subject=moved.subject, what=moved.what, state=moved.state,
                    written=moved.written)


def api_only_schema(app: Any) -> None:
    """Make the OpenAPI schema (``/api/v1/openapi.json``) document the API only, not the
    HTML pages, whichever router or plugin added them."""
    full = app.openapi

    def schema() -> dict[str, Any]:
        out = dict(full())
        out["paths"] = {p: ops for p, ops in out.get("paths", {}).items() if p.startswith(API_PREFIX)}
        return out

    app.openapi = schema
