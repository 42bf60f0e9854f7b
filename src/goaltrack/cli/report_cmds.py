"""``goaltrack report coverage|budget|progress`` and ``goaltrack check``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from goaltrack import vocab
from goaltrack.cli.common import (
    emit,
    guard_outputs,
    include_pending_option,
    lang_option,
    output_option,
    pass_app,
    pending_included,
    plan_option,
    terminal_width,
)
from goaltrack.context import AppContext

F = TypeVar("F", bound=Callable[..., Any])


def report_options(f: F) -> F:
    for decorator in reversed([
        plan_option(),
        click.option("--format", "fmt", default="table", show_default=True, metavar="FORMAT",
                     help="table, markdown, html, json, csv, or xlsx (with goaltrack-xlsx)."),
        output_option(),
        lang_option(),
        click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Directory with templates that override the built-in ones."),
        click.option("--stamp", is_flag=True, help="Print the time of generation (makes output differ between runs)."),
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
                     help="As of DATE (YYYY-MM-DD): only values for periods that end by then, and statuses "
                                                                        "recorded by then."),
        include_pending_option,
    ]):
        f = decorator(f)
    return f


@click.group(name="report")
def report_group() -> None:
    """Reports: goal coverage, budget, progress. The same database and command give
    byte-identical output (unless --stamp)."""


def _run(app: AppContext, report_kind: str, plan_slug: str | None, fmt: str, output: Path | None, lang: str | None,
         templates_dir: Path | None, stamp: bool, as_of: dt.datetime | None, include_pending: bool,
         **extra: Any) -> None:
    from goaltrack.clock import utcnow
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import check_format, render
    from goaltrack.reports.registry import build_report

    guard_outputs([("-o", output)], app=app)
    options = RenderOptions(lang=lang, templates_dir=templates_dir, as_of=as_of.date() if as_of else None,
                            stamp=utcnow().strftime("%Y-%m-%d %H:%M UTC") if stamp else None,
                            width=terminal_width(output))
    check_format(app.plugins, fmt)
    all_plans = extra.pop("all_plans", False)
    with app.engine().connect() as conn, pending_included(conn, include_pending, plan_slug, all_plans=all_plans):
        report = build_report(conn, app.plugins, report_kind, options, plan_slug=plan_slug,
                              compare_slug=extra.pop("compare_plan", None), all_plans=all_plans,
                              settings=app.config.values, **extra)
    emit(render(app, report, fmt, options), output)


@report_group.command(name="coverage")
@report_options
@click.option("--compare-plan", metavar="SLUG",
              help="Compare the goals with another loaded plan (e.g. another year's).")
@click.option("--all-plans", is_flag=True,
              help="Every plan in the database: each plan's goals with their coverage level, and each goal "
                   "across plans.")
@pass_app
def report_coverage(app: AppContext, **kw: Any) -> None:
    """Goal coverage: for each national goal its focus areas, initiatives, target groups,
    indicators, budget, score and coverage level; two matrices; the gaps. With
    --all-plans, the national view: every plan's goals and their coverage level, and per
    goal in how many plans it has no initiative, no indicator data or no account."""
    _run(app, "coverage", **kw)


BUDGET_KINDS = (*vocab.BUDGET_KINDS, "all")


def _budget_kinds(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """``--kind budget --kind actual`` and ``--kind budget,actual`` alike: the kinds in the
    order given, each once (``all`` is resolved against the plan by the report)."""
    out: list[str] = []
    for part in (p.strip() for v in value for p in v.split(",")):
        if part not in BUDGET_KINDS:
            raise click.BadParameter(f"{part!r} is not one of {', '.join(BUDGET_KINDS)}", ctx=ctx, param=param)
        if part not in out:
            out.append(part)
    return tuple(out)


@report_group.command(name="budget")
@report_options
@click.option("--year", type=int, help="The year to report (default: the latest).")
@click.option("--compare", type=int, help="The year to compare with (default: the one before).")
@click.option("--kind", multiple=True, default=("budget",), show_default=True, metavar="KIND[,KIND...]",
              callback=_budget_kinds,
              help="budget, corrected, actual (regnskab), or all (every kind the plan has lines for). "
                   "Repeat it or separate kinds by commas to show them side by side, with the "
                   "deviation of the actual from the (corrected) budget per year.")
@click.option("--compare-plan", metavar="SLUG",
              help="Take missing years from another loaded plan, matching accounts by code or by the "
                   "code they replace (replaces:).")
@pass_app
def report_budget(app: AppContext, **kw: Any) -> None:
    """Budget by account group (the plan's account scheme: hovedkonto, hovedfunktion,
    funktion in the Danish chart), changes between years, the largest changes, and
    reconciliation with the declared totals as printed. With several kinds (--kind
    budget,actual) each year's kinds side by side and the actual's deviation from the budget."""
    _run(app, "budget", **kw)


@report_group.command(name="progress")
@report_options
@click.option("--by", metavar="DIMENSION",
              help="Break the indicators down by one of the plan's dimensions (e.g. sex): each value's "
                   "latest figure, target and score beside the total.")
@click.option("--compare-plan", metavar="SLUG",
              help="Compare each indicator with the same-coded one of another loaded plan (e.g. last "
                   "year's): latest value, target, score and status in each.")
@pass_app
def report_progress(app: AppContext, **kw: Any) -> None:
    """Progress: each indicator's series, baseline, target, score and explanation;
    each initiative's status history; with --by, the indicators broken down by a dimension."""
    _run(app, "progress", **kw)


@click.command(name="check")
@plan_option()
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Reference date for stale data (default: the plan's last day).")
@lang_option(default="English, or config [reports] lang")
@include_pending_option
@pass_app
def check_cmd(app: AppContext, plan_slug: str | None, strict: bool, fmt: str, as_of: dt.datetime | None,
              lang: str | None, include_pending: bool) -> None:
    """Run the coverage and lint checks on a plan. Exits 0 when clean, 1 when an error
    is found (or a warning, with --strict): made for a plan repository's CI."""
    from goaltrack.engine.checking import run_checks
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import render
    from goaltrack.reports.findings import checks_report
    from goaltrack.store.database import plan_id_for

    options = RenderOptions(as_of=as_of.date() if as_of else None, lang=lang)
    with app.engine().connect() as conn, pending_included(conn, include_pending, plan_slug):
        plan_id = plan_id_for(conn, plan_slug)
        findings = run_checks(conn, app.plugins, plan_id, settings=app.config.values.get("checks", {}), options=options)
        report = checks_report(conn, plan_id, findings, options)
    counts = report.data["counts"]
    if fmt == "json":
        emit(render(app, report, "json"), None)
    else:
        from goaltrack.render.i18n import FINDING_COUNTS, Formatter

        # English (what CI scripts read since 0.1) unless a language is asked for; in another
        # language each finding is its rule's translated summary and the item it is about.
        words = Formatter(lang or str(app.setting("reports", "lang") or "") or "en")
        for f in findings:
            what = words.rule(f.rule_id, f.message)
            if words.lang != "en" and f.item_code:
                what += f" ({f.item_code})"
            click.echo(f"{words.label(f.severity, 'severity').upper():<8} {f.rule_id}  {what}")
        click.echo(words.gettext(FINDING_COUNTS)
                   % {"errors": counts["error"], "warnings": counts["warning"], "notes": counts["info"]})
    if counts["error"] or (strict and counts["warning"]):
        raise SystemExit(1)
