"""A plan's items and reports: the goal, focus area, initiative and indicator pages, and
every report viewed in the site (with the site bar) or downloaded in any output format.

The pages read the reports (:mod:`goaltrack.reports.items`); a report page renders the
real HTML output format (:func:`goaltrack.render.output.render`) with the site bar put in
through :attr:`RenderOptions.jinja_hook`, and a download is byte for byte what ``goaltrack
report KIND --format FMT --lang LANG`` prints on the same database: no site bar in it.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.exceptions import HTTPException

from goaltrack.errors import DataError
from goaltrack.people.access import EVERY_PLAN, Actor, PermissionDenied, rank
from goaltrack.web.pages import choose_lang
from goaltrack.web.reading import build, report_for
from goaltrack.web.routes_home import plan_for_viewer, state
from goaltrack.web.session import require_actor

router = APIRouter()

#: The reports a plan has in the site: the three report builders and the checks.
REPORT_KINDS = ("coverage", "budget", "progress", "checks")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _lang(request: Request) -> str:
    return choose_lang(request, state(request).pages.default_lang())


def _plan_data(request: Request, slug: str) -> Any:
    """The plan's reports and listings, built once per change of its data (web/cache.py)."""
    from goaltrack.interfaces import RenderOptions
    from goaltrack.reports.items import load
    from goaltrack.store.database import plan_id_for

    st = state(request)
    lang = _lang(request)
    with st.engine.connect() as conn:
        plan_id = plan_id_for(conn, slug)
        return st.cache.get(conn, plan_id, ("plan_data", lang), lambda: load(
            conn, st.ctx.plugins, slug, RenderOptions(lang=lang), st.ctx.config.values))


def _page(request: Request, actor: Actor, slug: str, template: str, view: dict[str, Any] | None, what: str,
          code: str, data: Any) -> Response:
    if view is None:
        raise HTTPException(404, f"no {what} '{code}' in {slug}")
    meta = data.meta
    return state(request).pages.render(request, template, actor=actor, slug=slug, item=view, meta=meta,
                                       years=data.years, plan_lang=meta.get("language") or _lang(request))


@router.get("/plans/{slug}/goals/{code}", name="goal_page")
def goal_page(request: Request, slug: str, code: str) -> Response:
    from goaltrack.reports.items import goal_view

    actor = require_actor(request)
    plan_for_viewer(request, actor, slug)
    data = _plan_data(request, slug)
    return _page(request, actor, slug, "web/goal.html", goal_view(data, code), "national goal", code, data)


@router.get("/plans/{slug}/focus-areas/{code}", name="focus_area_page")
def focus_area_page(request: Request, slug: str, code: str) -> Response:
    from goaltrack.reports.items import area_view

    actor = require_actor(request)
    plan_for_viewer(request, actor, slug)
    data = _plan_data(request, slug)
    return _page(request, actor, slug, "web/focus_area.html", area_view(data, code), "focus area", code, data)


@router.get("/plans/{slug}/initiatives/{code}", name="initiative_page")
def initiative_page(request: Request, slug: str, code: str) -> Response:
    from goaltrack.reports.items import initiative_view
    from goaltrack.review.filed import PENDING
    from goaltrack.review.queue import entries_for

    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    data = _plan_data(request, slug)
    view = initiative_view(data, code)
    if view is not None:
        with state(request).engine.connect() as conn:
            view["pending"] = [e for e in entries_for(conn, plan_id, "status", code) if e["state"] in PENDING]
    return _page(request, actor, slug, "web/initiative.html", view, "initiative", code, data)


@router.get("/plans/{slug}/indicators/{code}", name="indicator_page")
def indicator_page(request: Request, slug: str, code: str) -> Response:
    from goaltrack.reports.items import indicator_view
    from goaltrack.store.recording import history

    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    data = _plan_data(request, slug)
    view = None
    if data.item("indicators", code) is not None:
        from goaltrack.reports.progress import indicator_series

        with state(request).engine.connect() as conn:
            view = indicator_view(data, code, history(conn, plan_id, code))
            if view is not None:  # the cached plan data holds each indicator's latest value only
                view["series"] = indicator_series(conn, plan_id, code, None)
    return _page(request, actor, slug, "web/indicator.html", view, "indicator", code, data)


# --------------------------------------------------------------------------- reports


def may_include_pending(actor: Actor, slug: str) -> bool:
    """Pending values are for those who may approve something in the plan."""
    return actor.open or any(rank(g.role) >= rank("approver") and g.plan in (EVERY_PLAN, slug)
                             for g in actor.grants)


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataError(f"as_of: {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2023-12-31)") from None


def _pending(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _build(request: Request, actor: Actor, slug: str, kind: str, as_of: str | None,
           include_pending: str | None) -> tuple[Any, Any, dict[str, str]]:
    """The report ``kind`` of plan ``slug`` as the command line builds it, its options and
    the query that asked for it (kept in the download links)."""
    from goaltrack.interfaces import RenderOptions

    plan_id = plan_for_viewer(request, actor, slug)
    if kind not in REPORT_KINDS:
        raise HTTPException(404, f"no report '{kind}' (reports: {', '.join(REPORT_KINDS)})")
    day = _as_of(as_of)
    pending = _pending(include_pending)
    if pending and not may_include_pending(actor, slug):
        raise PermissionDenied(f"{actor.login} may not see pending values of {slug}: that needs approver")
    query = {k: v for k, v in (("as_of", day.isoformat() if day else ""), ("include_pending", "1" if pending else ""))
             if v}
    lang = _lang(request)
    options = RenderOptions(lang=lang, as_of=day)
    if not pending:
        return report_for(request, plan_id, kind, lang=lang, as_of=day), options, query
    st = state(request)
    with st.engine.connect() as conn, _overlay(conn, pending, plan_id):
        report = build(conn, st.ctx, plan_id, kind, lang, day, {})  # pending: never cached
    return report, options, query


def _overlay(conn: Any, pending: bool, plan_id: int) -> AbstractContextManager[Any]:
    """As ``--include-pending`` does (:func:`goaltrack.cli.common.pending_included`)."""
    if not pending:
        return nullcontext()
    from goaltrack.review.overlay import including_pending

    return including_pending(conn, [plan_id])


def _formats(request: Request) -> list[dict[str, str]]:
    formats = state(request).ctx.plugins.output_formats
    return [{"name": name, "extension": f.extension, "media_type": f.media_type, "description": f.description}
            for name, f in sorted(formats.items())]


@router.get("/plans/{slug}/reports/{kind}.{fmt}", name="report_download")
def report_download(request: Request, slug: str, kind: str, fmt: str, as_of: str | None = None,
                    include_pending: str | None = None) -> Response:
    from goaltrack.render.output import render

    actor = require_actor(request)
    formats = state(request).ctx.plugins.output_formats
    if fmt not in formats:
        raise HTTPException(404, f"no output format '{fmt}' (formats: {', '.join(sorted(formats))})")
    report, options, _query = _build(request, actor, slug, kind, as_of, include_pending)
    out = render(state(request).ctx, report, fmt, options)
    if isinstance(out, str):  # what `goaltrack report` prints: the text, ending in one newline
        out = (out if out.endswith("\n") else out + "\n").encode("utf-8")
    f = formats[fmt]
    return Response(out, media_type=f.media_type, headers={
        "Content-Disposition": f'attachment; filename="{slug}-{kind}.{f.extension}"',
        "Cache-Control": "no-store"})


@router.get("/plans/{slug}/reports/{kind}", name="report_page")
def report_page(request: Request, slug: str, kind: str, as_of: str | None = None,
                include_pending: str | None = None) -> Response:
    from dataclasses import replace

    from fastapi.responses import HTMLResponse

    from goaltrack.render.output import render

    actor = require_actor(request)
    report, options, query = _build(request, actor, slug, kind, as_of, include_pending)
    pages = state(request).pages
    bar = Markup(pages.render_text(request, "web/_report_bar.html", actor=actor, slug=slug, kind=kind,
                                   kinds=REPORT_KINDS, formats=_formats(request), query=query,
                                   as_of=query.get("as_of", ""), pending="include_pending" in query,
                                   may_pend=may_include_pending(actor, slug)))
    style = Markup(pages.render_text(request, "web/_web.css", actor=actor))

    def site_bar(env: Any) -> None:
        env.globals.update(web_nav=bar, web_style=style)

    html = render(state(request).ctx, report, "html", replace(options, jinja_hook=site_bar))
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
