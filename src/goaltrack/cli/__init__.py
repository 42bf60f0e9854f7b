"""The ``goaltrack`` command line.

The root group only parses global options; each command lives in a small module of this
package and is imported when it is run or its help is shown (:class:`LazyGroup`), and the
commands call domain modules for the work. Heavy libraries (SQLAlchemy, pydantic, jinja2)
and plugins are imported inside command bodies, so ``goaltrack --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from goaltrack import __version__
from goaltrack.cli.common import ensure_app
from goaltrack.cli.lazy import LazyGroup
from goaltrack.errors import EXIT_DATA, EXIT_USAGE, GoaltrackError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> "module:attribute"; the order here is the order in --help.
COMMANDS = {
    "init": "goaltrack.cli.db_cmds:init_cmd",
    "plan": "goaltrack.cli.plan_cmds:plan_group",
    "list": "goaltrack.cli.list_cmd:list_cmd",
    "tree": "goaltrack.cli.tree_cmd:tree_cmd",
    "record": "goaltrack.cli.progress_cmds:record_cmd",
    "status": "goaltrack.cli.progress_cmds:status_cmd",
    "history": "goaltrack.cli.progress_cmds:history_cmd",
    "import": "goaltrack.cli.import_cmd:import_cmd",
    "score": "goaltrack.cli.score_cmd:score_cmd",
    "report": "goaltrack.cli.report_cmds:report_group",
    "check": "goaltrack.cli.report_cmds:check_cmd",
    "demo": "goaltrack.cli.demo_cmd:demo_cmd",
    "plugins": "goaltrack.cli.plugins_cmd:plugins_cmd",
}


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
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
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file. Default: ./goaltrack.toml, then goaltrack.toml in the user config dir.",
)
@click.option(
    "--plugins-dir",
    "plugins_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Load plugins from the .py files in DIR (repeatable).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, "--version", prog_name="goaltrack")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    config_file: Path | None,
    plugins_dirs: tuple[Path, ...],
    debug: bool,
) -> None:
    """Track a public plan's goals, initiatives, budget and progress indicators.

    Load a plan file with `goaltrack plan load`, then ask what covers each goal with
    `goaltrack tree` or `goaltrack list`. `goaltrack demo` shows it all on a bundled plan.
    """
    ensure_app(ctx)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: turns goaltrack's errors into one line and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="goaltrack", standalone_mode=False)
    except GoaltrackError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_DATA)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_DATA)
    except Exception as exc:
        if debug:
            raise
        from goaltrack.errors import describe_unexpected

        click.echo(f"Error: {describe_unexpected(exc)}", err=True)
        sys.exit(EXIT_DATA)


__all__ = ["EXIT_USAGE", "cli", "main"]
