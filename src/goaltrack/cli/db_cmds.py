"""``goaltrack init`` and ``goaltrack db ...``: create, upgrade, copy and check the database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from goaltrack.cli.common import guard_outputs, pass_app
from goaltrack.context import AppContext

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@contextlib.contextmanager
def _unchecked(app: AppContext, *, create: bool = False) -> Iterator[Engine]:
    """The database whatever its schema version (``open_engine(check=False)``), for ``db``."""
    from goaltrack.store.database import open_engine

    engine = open_engine(app.db_url, create=create, check=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _require_schema(engine: Engine, where: str) -> None:
    from goaltrack.errors import UsageError
    from goaltrack.store.schema_version import read_state

    with engine.connect() as conn:
        if read_state(conn).empty:
            raise UsageError(f"--db {where}: not a goaltrack database (run `goaltrack init` to create one)")


@click.command(name="init")
@pass_app
def init_cmd(app: AppContext) -> None:
    """Create the database, or upgrade its schema to this goaltrack's.

    Safe to run again: a database that is up to date is left as it is, and an older one is
    migrated (in one transaction). A PostgreSQL database must exist already (CREATE DATABASE).
    """
    from goaltrack.store.database import display_url
    from goaltrack.store.schema_version import migrate

    with _unchecked(app, create=True) as engine:
        before, after = migrate(engine)
    where = display_url(app.db_url)
    if before.empty:
        click.echo(f"Database ready: {where} (created, schema {after.revision})")
    elif before.revision != after.revision or before.unversioned:
        click.echo(f"Database ready: {where} (schema upgraded from {before.revision} to {after.revision})")
    else:
        click.echo(f"Database ready: {where} (schema {after.revision}, up to date)")


@click.group(name="db")
def db_group() -> None:
    """The database itself: schema version and upgrades, copying, integrity checks."""


@db_group.command(name="upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Upgrade the database's schema to this goaltrack's (one transaction).

    Run it after installing a newer goaltrack; commands refuse to work on an older schema
    until then. On PostgreSQL, concurrent upgrades wait for each other; back up first
    (see docs/deployment.md).
    """
    from goaltrack.store.database import display_url
    from goaltrack.store.schema_version import migrate

    with _unchecked(app) as engine:
        _require_schema(engine, display_url(app.db_url))
        before, after = migrate(engine)
    if before.revision == after.revision and not before.unversioned:
        click.echo(f"Schema already at {after.revision}, the latest; nothing to do.")
    else:
        click.echo(f"Schema upgraded from {before.describe()} to {after.revision}.")


@db_group.command(name="current")
@click.option("--check", is_flag=True, help="Exit 1 unless the schema is the latest.")
@pass_app
def db_current(app: AppContext, check: bool) -> None:
    """Show the database's schema revision, and whether it is the latest."""
    from goaltrack.errors import DataError
    from goaltrack.store.database import display_url
    from goaltrack.store.schema_version import HEAD, read_state

    with _unchecked(app) as engine:
        _require_schema(engine, display_url(app.db_url))
        with engine.connect() as conn:
            state = read_state(conn)
    if state.current:
        click.echo(f"{state.revision} (latest)")
        return
    if state.unknown:
        click.echo(f"{state.revision} (newer than this goaltrack, whose latest is {HEAD}: upgrade goaltrack)")
    else:
        click.echo(f"{state.describe()} (goaltrack needs {HEAD}: run `goaltrack db upgrade`)")
    if check:
        raise DataError(f"schema is at {state.revision}, not {HEAD}")


@db_group.command(name="history")
def db_history() -> None:
    """List the schema revisions this goaltrack knows, oldest first."""
    from goaltrack.store.schema_version import HEAD, script_revisions

    for rev, _down, doc in script_revisions():
        title = doc.splitlines()[0] if doc else ""
        click.echo(f"{rev}  {title}" + ("  (latest)" if rev == HEAD else ""))


@db_group.command(name="copy")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="Target database: a SQLite file path or an SQLAlchemy URL (postgresql+psycopg://...).")
@click.option("--force", is_flag=True, help="Delete the target's rows first if it holds data.")
@pass_app
def db_copy(app: AppContext, target_url: str, force: bool) -> None:
    """Copy the whole database into another one (SQLite to PostgreSQL, or back).

    The target is created if missing (a PostgreSQL database must exist, empty) and must hold
    no data unless --force is given. Everything is copied in one transaction on the target,
    ids included, and checked before it is committed: row counts and a sha256 checksum per
    table must match the source's; both are printed.
    """
    from goaltrack.store.copy import TableResult, copy_database
    from goaltrack.store.database import display_url, normalise_url, open_engine, sqlite_file_or_none

    target_file = sqlite_file_or_none(normalise_url(target_url))  # open_engine reports a bad URL
    # Before either database is opened: --to the source itself (--force would empty it), one
    # of its -wal/-shm files, or the config file.
    guard_outputs([("--to", target_file)], app=app)
    source = app.engine()
    target = open_engine(normalise_url(target_url), create=True)
    try:
        src_name = display_url(app.db_url)
        tgt_name = target.url.render_as_string(hide_password=True)
        click.echo(f"Copying {src_name} -> {tgt_name}")
        click.echo(f"{'table':<20}{'rows':>12}  sha256 (source = target)")

        def shown(t: TableResult) -> None:
            click.echo(f"{t.table:<20}{t.rows:>12,}  {t.sha256}")

        result = copy_database(source, target, force=force, on_table=shown)
    finally:
        target.dispose()
    for name in result.not_copied:
        click.echo(f"not copied (not a goaltrack table): {name}", err=True)
    click.echo(
        f"Copied {result.rows:,} rows in {len(result.tables)} tables; "
        "every row count and checksum matches the source."
    )


@db_group.command(name="verify")
@pass_app
def db_verify(app: AppContext) -> None:
    """Check the database's integrity and its supersession chains.

    SQLite's integrity and foreign-key checks (foreign keys on PostgreSQL too); every
    superseding value points at a superseded value of the same indicator and period; at most
    one current value per indicator and period; no value superseded without a successor;
    statuses name existing initiatives; imported values have their import record. Prints
    each problem and exits 1 if there is any, 0 when the database is clean.
    """
    from goaltrack.errors import DataError
    from goaltrack.store.database import display_url
    from goaltrack.store.verify import verify

    where = display_url(app.db_url)
    with _unchecked(app) as engine:
        _require_schema(engine, where)
        report = verify(engine)
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(problem)
    if not report.ok:
        n = len(report.problems)
        raise DataError(f"{where}: {n} problem{'s' if n != 1 else ''} found by db verify")
    click.echo(f"OK: {where}: {len(report.checks)} checks ({', '.join(report.checks)}), no problems")
