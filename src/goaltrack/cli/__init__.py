"""The ``goaltrack`` command line.

The root group only parses global options; each command lives in a small module of this
package and is imported when it is run or its help is shown (:class:`LazyGroup`), and the
commands call domain modules for the work. Heavy libraries (SQLAlchemy, pydantic, jinja2)
and plugins are imported inside command bodies, so ``goaltrack --help`` stays fast.

``goaltrack --help`` imports click, pluggy and this package's ``__init__`` and ``lazy``, and
nothing else of goaltrack's: not even :mod:`pathlib` (the path options become
:class:`~pathlib.Path` in their callbacks), the config or the error types (imported when
an error is being reported). ``tests/test_perf_paths.py`` checks it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from goaltrack import __version__
from goaltrack.cli.lazy import LazyGroup

if TYPE_CHECKING:
    from pathlib import Path

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> "module:attribute"; the order here is the order in --help.
COMMANDS = {
    "init": "goaltrack.cli.db_cmds:init_cmd",
    "db": "goaltrack.cli.db_cmds:db_group",
    "plan": "goaltrack.cli.plan_cmds:plan_group",
    "list": "goaltrack.cli.list_cmd:list_cmd",
    "tree": "goaltrack.cli.tree_cmd:tree_cmd",
    "record": "goaltrack.cli.progress_cmds:record_cmd",
    "status": "goaltrack.cli.progress_cmds:status_cmd",
    "history": "goaltrack.cli.progress_cmds:history_cmd",
    "import": "goaltrack.cli.import_cmd:import_cmd",
    "review": "goaltrack.cli.review_cmds:review_cmd",
    "submit": "goaltrack.cli.review_cmds:submit_cmd",
    "approve": "goaltrack.cli.review_cmds:approve_cmd",
    "return": "goaltrack.cli.review_cmds:return_cmd",
    "withdraw": "goaltrack.cli.review_cmds:withdraw_cmd",
    "score": "goaltrack.cli.score_cmd:score_cmd",
    "report": "goaltrack.cli.report_cmds:report_group",
    "check": "goaltrack.cli.report_cmds:check_cmd",
    "user": "goaltrack.cli.people_cmds:user_group",
    "serve": "goaltrack.cli.serve_cmd:serve_cmd",
    "demo": "goaltrack.cli.demo_cmd:demo_cmd",
    "plugins": "goaltrack.cli.plugins_cmd:plugins_cmd",
}


# The line each command shows in `goaltrack --help`, so that listing them imports none of
# them (see goaltrack.cli.lazy); tests/test_perf_paths.py checks each against the command's
# own help. A command missing here is imported to get its line.
COMMAND_HELP = {
    "init": "Create the database, or upgrade its schema to this goaltrack's.",
    "db": "The database itself: schema version and upgrades, copying, integrity checks.",
    "plan": "Plan files: validate, load into the database, export back to YAML.",
    "list": "List the items of one KIND with their links.",
    "tree": "Show the plan as a tree: national goal -> focus areas -> initiatives -> target groups, "
    "accounts and indicators; then what reaches no goal.",
    "record": "Record VALUE of INDICATOR for a period.",
    "status": "Record the STATE of INITIATIVE (appended to its status history).",
    "history": "Show every value of indicator CODE, or every status of initiative CODE: who recorded it, "
    "when, how (by hand, import file, plan file) and why.",
    "import": "Import measurements from FILE with data source SOURCE (csv, jsonl, or a plugin's).",
    "review": "List what waits for you: entries to approve or return, and your drafts and returned entries; "
    "with ENTRY, that entry in full.",
    "submit": "Submit ENTRIES (your drafts or returned entries) for approval.",
    "approve": "Approve submitted ENTRIES: their values become current and reach reports.",
    "return": "Return submitted ENTRIES to their author with --reason saying what to change.",
    "withdraw": "Withdraw ENTRIES you filed: they stay in the history, never in a report.",
    "score": "Score every indicator and roll the scores up to initiatives, focus areas and national goals.",
    "report": "Reports: goal coverage, budget, progress.",
    "check": "Run the coverage and lint checks on a plan.",
    "user": "People, their roles and API tokens: who may record, approve and manage what.",
    "serve": "Run the web application: sign in, dashboards, forms to record progress, review, reports.",
    "demo": "Load the bundled plan into a fresh database under --out and show what it holds.",
    "plugins": "List plugins: name, version, the hooks they implement and what each registered.",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    lazy_help=COMMAND_HELP,
    context_settings=CONTEXT_SETTINGS,
    epilog="Commands added by plugins run like the ones above; `goaltrack plugins` lists them.",
)
@click.option(
    "--db",
    metavar="URL",
    help="Database: a SQLite file path or an SQLAlchemy URL (postgresql+psycopg://...). "
    "Default: $GOALTRACK_DB, the config file, then ./goaltrack.db.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    callback=lambda _ctx, _param, value: _as_paths(value),
    help="Config file. Default: ./goaltrack.toml, then goaltrack.toml in the user config dir.",
)
@click.option(
    "--plugins-dir",
    "plugins_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    callback=lambda _ctx, _param, value: _as_paths(value),
    help="Load plugins from the .py files in DIR (repeatable).",
)
@click.option(
    "--as",
    "acting_as",
    metavar="LOGIN",
    help="The person to act as, once the database has people. Default: $GOALTRACK_USER, the config's "
    "[people] user, then (on an SQLite file) the OS user; $GOALTRACK_TOKEN gives an API token instead.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, "--version", prog_name="goaltrack")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    config_file: Path | None,
    plugins_dirs: tuple[Path, ...],
    acting_as: str | None,
    debug: bool,
) -> None:
    """Track a public plan's goals, initiatives, budget and progress indicators.

    Load a plan file with `goaltrack plan load`, then ask what covers each goal with
    `goaltrack tree` or `goaltrack list`. `goaltrack demo` shows it all on a bundled plan.
    """
    from goaltrack.cli.common import ensure_app

    ensure_app(ctx)


def _as_paths(value: Any) -> Any:
    """A path option's value as :class:`~pathlib.Path` (a tuple of them for a repeated one)."""
    if not value:
        return value
    from pathlib import Path

    return tuple(Path(v) for v in value) if isinstance(value, tuple) else Path(value)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: turns goaltrack's errors into one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="goaltrack", standalone_mode=False)
    except click.exceptions.Abort as exc:
        from goaltrack.errors import EXIT_DATA

        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_DATA)
    except click.UsageError as exc:
        # One line, like goaltrack's own errors: click's usage block and "Try ..." hint
        # become a pointer to the command's help.
        command = exc.ctx.command_path if exc.ctx is not None else "goaltrack"
        message = " ".join(exc.format_message().split())
        click.echo(f"Error: {message} (see '{command} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        from goaltrack.errors import EXIT_DATA

        sys.exit(EXIT_DATA)
    except Exception as exc:
        # goaltrack.errors is imported only now, when there is an error to report.
        from goaltrack.errors import EXIT_DATA, GoaltrackError, describe_unexpected

        if debug:
            raise
        if isinstance(exc, GoaltrackError):
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        from goaltrack.plugins import plugin_in_traceback

        # An exception from a plugin's code (an output format's render, a data source's
        # read...) names the plugin, so the user knows what failed and what to disable.
        owner = plugin_in_traceback(exc)
        culprit = f"plugin {owner} failed: " if owner else ""
        click.echo(f"Error: {culprit}{describe_unexpected(exc)}", err=True)
        sys.exit(EXIT_DATA)


def __getattr__(name: str) -> Any:
    """``EXIT_DATA`` and ``EXIT_USAGE``, still importable from here, without importing
    :mod:`goaltrack.errors` for ``--help``."""
    if name in ("EXIT_DATA", "EXIT_USAGE"):
        from goaltrack import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EXIT_USAGE", "cli", "main"]
