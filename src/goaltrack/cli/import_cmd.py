"""``goaltrack import SOURCE FILE``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from goaltrack.cli.common import announce_written, guard_outputs, pass_app, plan_option, submit_option
from goaltrack.context import AppContext


@click.command(name="import")
@click.argument("source")
@click.argument("file", type=click.Path(path_type=Path))
@plan_option()
@click.option("--dry-run", is_flag=True, help="Check and count everything, then roll back.")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; write the bad ones to --rejects.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="File for rows skipped by --skip-invalid.")
@click.option("--option", "-O", "options", multiple=True, metavar="KEY=VALUE",
              help="An option for the data source (repeatable).")
@click.option("--by", help="Recorded by (default: config [recording] by, else the OS user).")
@submit_option
@pass_app
def import_cmd(app: AppContext, source: str, file: Path, plan_slug: str | None, dry_run: bool,
               skip_invalid: bool, rejects: Path | None, options: tuple[str, ...], by: str | None,
               submit: bool) -> None:
    """Import measurements from FILE with data source SOURCE (csv, jsonl, or a plugin's).

    One transaction: any invalid row aborts the import and every invalid row is reported
    as FILE:LINE: message. Re-importing the same file adds nothing; changed values
    supersede the old ones (see `goaltrack history`).

    Where the plan requires review, the rows that change something become one review entry
    (an import batch), approved or returned as a whole; `goaltrack review ID` shows each row
    against the approved value.
    """
    from goaltrack.errors import UsageError
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.importing import import_file

    opts: dict[str, str] = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {item!r}: expected KEY=VALUE")
        opts[key.strip()] = value
    # A data source's option may name a file it reads (jobindsats' -O mapping=FILE): an input too.
    named = [(f"the file of -O {key}", Path(value)) for key, value in opts.items() if value and Path(value).is_file()]
    guard_outputs([("--rejects", rejects)], [("input file", file), *named], app=app)
    data_source = app.plugins.get("data_sources", source)
    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, plan_slug)
        actor = app.actor(conn, by)
    progress: Callable[[int], None] | None = None
    if sys.stderr.isatty():
        def show(rows: int) -> None:
            click.echo(f"\r  {rows:,} rows read", nl=False, err=True)

        progress = show
    result = import_file(engine, plan_id, data_source, file, options=opts, recorded_by=actor.login,
                         dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, progress=progress, actor=actor,
                         submit=submit)
    if progress:
        click.echo("", err=True)
    click.echo(result.summary())
    if result.rejected and rejects is not None:
        click.echo(f"{result.rejected:,} rejected rows written to {rejects}")
    if skip_invalid and rejects is not None:  # written (if only its header) whenever the import completes
        announce_written(rejects)
