"""``goaltrack init``: create the database (or check an existing one)."""

from __future__ import annotations

import click

from goaltrack.cli.common import pass_app
from goaltrack.context import AppContext


@click.command(name="init")
@pass_app
def init_cmd(app: AppContext) -> None:
    """Create the database and its tables if they do not exist yet.

    Safe to run again: an existing goaltrack database is left as it is.
    """
    app.engine(create=True)
    click.echo(f"Database ready: {app.db_url}")
