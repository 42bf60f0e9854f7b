"""The reports of ``goaltrack report NAME``: a table from name to builder, one way to call them.

A builder takes a connection, the plugins and a :class:`ReportRequest`, and returns a
:class:`~goaltrack.interfaces.Report`; the command line, and later the web application,
look a report up here by name rather than knowing each builder's own arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from goaltrack.errors import UsageError
from goaltrack.interfaces import RenderOptions, Report

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins


@dataclass(frozen=True)
class ReportRequest:
    """One report asked for: of which plan, with which options and settings."""

    plan_id: int
    options: RenderOptions
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The whole ``goaltrack.toml`` (scoring thresholds and the like)."""
    compare_plan_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """The report's own options (``budget``: ``year``, ``compare``, ``kind``)."""


Builder = Callable[[Connection, "Plugins", ReportRequest], Report]


def _coverage(conn: Connection, plugins: Plugins, r: ReportRequest) -> Report:
    from goaltrack.reports.coverage import build_coverage

    return build_coverage(conn, plugins, r.plan_id, r.options, settings=dict(r.settings),
                          compare_plan_id=r.compare_plan_id)


def _budget(conn: Connection, plugins: Plugins, r: ReportRequest) -> Report:
    from goaltrack.reports.budget import build_budget

    return build_budget(conn, r.plan_id, r.options, compare_plan_id=r.compare_plan_id, **r.extra)


def _progress(conn: Connection, plugins: Plugins, r: ReportRequest) -> Report:
    from goaltrack.reports.progress import build_progress

    return build_progress(conn, plugins, r.plan_id, r.options, settings=dict(r.settings),
                          compare_plan_id=r.compare_plan_id, **r.extra)


#: Report name -> builder. Builders import their module when called, so listing the
#: reports (``--help``) costs nothing.
REPORTS: dict[str, Builder] = {"coverage": _coverage, "budget": _budget, "progress": _progress}


def build_report(
    conn: Connection,
    plugins: Plugins,
    name: str,
    options: RenderOptions,
    *,
    plan_slug: str | None,
    compare_slug: str | None = None,
    all_plans: bool = False,
    settings: Mapping[str, Any] | None = None,
    **extra: Any,
) -> Report:
    """Report ``name`` of plan ``plan_slug`` (or the only plan), or with ``all_plans`` the
    national view across every plan (coverage only)."""
    from goaltrack.store.database import plan_id_for

    if name not in REPORTS:
        raise UsageError(f"unknown report {name!r} (reports: {', '.join(REPORTS)})")
    if all_plans:
        if name != "coverage":
            raise UsageError("--all-plans exists for the coverage report only")
        if plan_slug or compare_slug:
            raise UsageError("--all-plans covers every plan; it cannot be combined with --plan or --compare-plan")
        from goaltrack.reports.all_plans import build_national_coverage

        return build_national_coverage(conn, options)
    request = ReportRequest(
        plan_id=plan_id_for(conn, plan_slug),
        options=options,
        settings=settings or {},
        compare_plan_id=plan_id_for(conn, compare_slug) if compare_slug else None,
        extra=extra,
    )
    return REPORTS[name](conn, plugins, request)
