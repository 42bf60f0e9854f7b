"""``goaltrack list KIND``."""

from __future__ import annotations

from pathlib import Path

import click

from goaltrack.cli.common import emit, guard_outputs, output_option, pass_app, plan_option, terminal_width
from goaltrack.context import AppContext
from goaltrack.vocab import LIST_KINDS


@click.command(name="list")
@click.argument("kind", type=click.Choice(LIST_KINDS))
@plan_option()
@click.option("--level", type=click.Choice(["strategic", "annual"]), help="Focus areas of one level only.")
@click.option(
    "--format", "fmt", default="table", show_default=True, metavar="FORMAT",
    help="table, json or csv (or an output format a plugin adds).",
)
@output_option()
@pass_app
def list_cmd(app: AppContext, kind: str, plan_slug: str | None, level: str | None, fmt: str,
             output: Path | None) -> None:
    """List the items of one KIND with their links.

    Without --plan, items of every loaded plan are listed. In table output an inferred
    link is marked with *. The JSON output is a list of objects with stable keys
    (see docs/cli.md).
    """
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import render
    from goaltrack.reports.listings import list_items
    from goaltrack.store.database import plan_id_for

    if level and kind != "focus-areas":
        raise click.UsageError("--level applies to focus-areas only")
    guard_outputs([("-o", output)], app=app)
    with app.engine().connect() as conn:
        plan_id = plan_id_for(conn, plan_slug) if plan_slug else None
        report = list_items(conn, kind, plan_id, level=level)
    emit(render(app, report, fmt, RenderOptions(width=terminal_width(output))), output)
