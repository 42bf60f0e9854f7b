"""``goaltrack tree``."""

from __future__ import annotations

import click

from goaltrack.cli.common import pass_app, plan_option
from goaltrack.context import AppContext


@click.command(name="tree")
@plan_option()
@click.option("--width", type=click.IntRange(40, 400), default=100, show_default=True, help="Line width.")
@pass_app
def tree_cmd(app: AppContext, plan_slug: str | None, width: int) -> None:
    """Show the plan as a tree: national goal -> focus areas -> initiatives ->
    target groups, accounts and indicators; then what reaches no goal."""
    from goaltrack.reports.tree import render_tree
    from goaltrack.store.database import plan_id_for

    with app.engine().connect() as conn:
        text = render_tree(conn, plan_id_for(conn, plan_slug), width=width)
    click.echo(text, nl=False)
