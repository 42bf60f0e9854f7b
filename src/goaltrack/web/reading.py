"""What the pages read: reports and the dashboard, built by the report builders (the same
code as ``goaltrack report``) and kept in the process's :class:`~goaltrack.web.cache.ReportCache`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request

    from goaltrack.interfaces import Report


def _options(lang: str, as_of: dt.date | None) -> Any:
    from goaltrack.interfaces import RenderOptions

    return RenderOptions(lang=lang, as_of=as_of)


def report_for(request: Request, plan_id: int, kind: str, *, lang: str, as_of: dt.date | None = None,
               **extra: Any) -> Report:
    """Report ``kind`` (coverage, budget, progress, checks) of the plan, as
    ``goaltrack report KIND --lang LANG [--as-of DATE]`` builds it."""
    st = request.app.state.goaltrack
    key = ("report", kind, lang, as_of, tuple(sorted(extra.items())))
    with st.engine.connect() as conn:
        return st.cache.get(conn, plan_id, key, lambda: build(conn, st.ctx, plan_id, kind, lang, as_of, extra))


def build(conn: Any, ctx: Any, plan_id: int, kind: str, lang: str, as_of: dt.date | None,
          extra: dict[str, Any]) -> Report:
    """The report itself, not cached (pages showing pending values call this inside
    :func:`goaltrack.review.overlay.including_pending`)."""
    options = _options(lang, as_of)
    if kind == "checks":
        from goaltrack.engine.checking import run_checks
        from goaltrack.reports.findings import checks_report

        findings = run_checks(conn, ctx.plugins, plan_id, settings=ctx.config.values.get("checks", {}),
                              options=options)
        return checks_report(conn, plan_id, findings, options)
    from goaltrack.people.access import plan_slug
    from goaltrack.reports.registry import build_report

    return build_report(conn, ctx.plugins, kind, options, plan_slug=plan_slug(conn, plan_id),
                        settings=ctx.config.values, **extra)


def dashboard_for(request: Request, plan_id: int, *, lang: str) -> dict[str, Any]:
    from goaltrack.reports.dashboard import dashboard

    st = request.app.state.goaltrack
    with st.engine.connect() as conn:
        return st.cache.get(conn, plan_id, ("dashboard", lang), lambda: dashboard(
            conn, st.ctx.plugins, plan_id, _options(lang, None), settings=st.ctx.config.values))
