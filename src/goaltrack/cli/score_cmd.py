"""``goaltrack score``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

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


@click.command(name="score")
@plan_option()
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Score as of DATE (YYYY-MM-DD): only values for periods that end by then, and "
                   "statuses recorded by then.")
@click.option("--format", "fmt", default="table", show_default=True, metavar="FORMAT", help="table, json or csv.")
@click.option("--explain", metavar="CODE",
              help="Print the full calculation for one goal, area, initiative or indicator.")
@click.option("--all-plans", is_flag=True,
              help="Score every plan in the database (a table of each plan's national goals).")
@click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="With --all-plans: score plans in N worker processes; 0 = one per CPU (at most 4), "
                   "1 = in this process, in one transaction. The output is the same.")
@output_option()
@lang_option()
@include_pending_option
@pass_app
def score_cmd(app: AppContext, plan_slug: str | None, as_of: dt.datetime | None, fmt: str, explain: str | None,
              all_plans: bool, jobs: int, output: Path | None, lang: str | None, include_pending: bool) -> None:
    """Score every indicator and roll the scores up to initiatives, focus areas and
    national goals. Items without data are shown as no-data, never counted as zero."""
    from goaltrack.engine.plan_scoring import score_plan
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import render
    from goaltrack.reports.scores import explain as explain_item
    from goaltrack.reports.scores import scores_report
    from goaltrack.store.database import plan_id_for

    guard_outputs([("-o", output)], app=app)
    if all_plans:
        from goaltrack.errors import UsageError
        from goaltrack.reports.scores import scores_report_all

        if plan_slug or explain or include_pending:
            raise UsageError("--all-plans scores every plan; it cannot be combined with --plan, --explain or "
                             "--include-pending")
        from goaltrack.engine.national import score_all_plans
        from goaltrack.store.plan_queries import plan_ids

        day = as_of.date() if as_of else None
        settings = app.config.values.get("scoring", {})
        with app.engine().connect() as conn:
            ids = plan_ids(conn)
            summaries = score_all_plans(conn, app.db_url, app.plugins, ids, as_of=day, settings=settings, jobs=jobs)
        emit(render(app, scores_report_all(summaries, day), fmt,
                    RenderOptions(lang=lang, width=terminal_width(output))), output)
        return
    if jobs:
        from goaltrack.errors import UsageError

        raise UsageError("--jobs applies to --all-plans")
    with app.engine().connect() as conn, pending_included(conn, include_pending, plan_slug):
        plan_id = plan_id_for(conn, plan_slug)
        scores = score_plan(conn, app.plugins, plan_id, as_of=as_of.date() if as_of else None,
                            settings=app.config.values.get("scoring", {}))
    if explain:
        explain_item(scores, explain, echo=click.echo)
        return
    emit(render(app, scores_report(scores), fmt, RenderOptions(lang=lang, width=terminal_width(output))), output)
