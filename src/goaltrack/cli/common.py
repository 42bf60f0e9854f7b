"""Pieces shared by command modules: the app context, shared options, output helpers."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from goaltrack.context import AppContext

F = TypeVar("F", bound=Callable[..., Any])


def ensure_app(ctx: click.Context) -> AppContext:
    """The invocation's :class:`AppContext`, made from the root group's options once.

    Click resolves a subcommand before the root callback runs, so plugin-command lookup may
    need the context first; both paths come here.
    """
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        p = root.params
        app = AppContext(
            db=p.get("db"),
            config_file=p.get("config_file"),
            debug=bool(p.get("debug")),
            plugins_dirs=tuple(p.get("plugins_dirs") or ()),
            acting_as=p.get("acting_as"),
        )
        root.obj = app
        root.call_on_close(app.close)
    assert isinstance(root.obj, AppContext)
    return root.obj


_pass_app_object = click.make_pass_decorator(AppContext)


def pass_app(f: F) -> F:
    """Pass the :class:`AppContext` as the first argument, after reading the config file.

    The config is otherwise read only when a setting is needed, so a broken or missing
    ``--config`` file (a typo in a setting) would pass silently for commands that happen not
    to need it. Reading it here, once the command's own arguments are parsed, reports it for
    every command that uses the app, while ``--help`` still works.

    A database refusing the command with an error raised on the driver's own connection
    (the bulk path of ``import``), which SQLAlchemy never sees, becomes the same one-line
    error as on the engine (:func:`goaltrack.store.database.database_error`).
    """

    @functools.wraps(f)
    def with_config(app: AppContext, *args: Any, **kwargs: Any) -> Any:
        app.config  # noqa: B018  (reads and checks the file; raises ConfigError)
        try:
            return f(app, *args, **kwargs)
        except Exception as exc:
            from goaltrack.store.database import database_error

            if (error := database_error(exc, app.db_url, busy_timeout_ms=app.busy_timeout_ms)) is not None:
                raise error from exc
            raise

    return cast(F, _pass_app_object(with_config))


def plan_option(required: bool = False) -> Callable[[F], F]:
    return click.option(
        "--plan",
        "plan_slug",
        metavar="SLUG",
        required=required,
        help="The plan to use (default: the only plan in the database).",
    )


def format_option(choices: tuple[str, ...] = ("table", "json", "csv"), default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def lang_option(default: str = "the plan's") -> Callable[[F], F]:
    """``--lang``: the language of labels, words and numbers in every format for people."""
    return click.option("--lang", type=click.Choice(["da", "en"]),
                        help=f"Language of labels and numbers (default: {default}).")


def print_table(table: Any, width: int | None) -> str:
    """A :class:`~goaltrack.interfaces.Table` as the ``table`` format prints it (English)."""
    from goaltrack.default_plugins.formats import table_text

    return table_text(table, width)


def terminal_width(output: Path | None) -> int | None:
    """How wide a table may be: the terminal's width when standard output is one, else
    ``$COLUMNS`` if set; ``None`` (whole lines) when writing a file with ``-o`` or to a pipe,
    so that files and redirected output stay byte-identical wherever they are made."""
    if output is not None:
        return None
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def output_option() -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE (atomically) instead of standard output.",
    )


def guard_outputs(
    outputs: Iterable[tuple[str, Path | None]],
    inputs: Iterable[tuple[str, Path | None]] = (),
    *,
    app: AppContext | None = None,
) -> None:
    """Refuse, before any work, an output that is the database, an input or another output.

    Every command that writes a file calls this first with ``(option, path)`` pairs for what
    it writes and ``(what, path)`` pairs for what it reads (see
    :func:`goaltrack.fileio.check_outputs`); the database and the config file are added here.
    Nothing is looked up when no output is given, so writing to stdout needs no config.
    """
    outputs = list(outputs)
    if all(path is None for _label, path in outputs):
        return
    from goaltrack.fileio import check_outputs
    from goaltrack.store.database import sqlite_file_or_none

    if app is None:
        app = ensure_app(click.get_current_context())
    database = sqlite_file_or_none(app.db_url)
    config = [("config file", app.config.path)]
    check_outputs(outputs, inputs=[*inputs, *config], database=database)


def announce_written(path: Path) -> None:
    """``wrote PATH (SIZE)`` on stderr, once the file is in place (stdout stays the output)."""
    from goaltrack.fileio import wrote_message

    click.echo(wrote_message(path), err=True)


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to ``output`` atomically (and say so on stderr), or to stdout.

    The command must have called :func:`guard_outputs` for ``output`` before its work; the
    check is repeated here (the database and config file only) for a plugin's command that
    did not, since refusing late still beats replacing the database.
    """
    if output is None:
        if isinstance(text, bytes):
            import sys

            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    from goaltrack.fileio import write_atomic

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        guard_outputs([("-o", output)], app=ensure_app(ctx))
    write_atomic(output, text)
    announce_written(output)


submit_option = click.option(
    "--submit", is_flag=True,
    help="Where the plan requires review: submit the entry for approval at once (default: a draft, "
         "for `goaltrack submit`).")


def filed_message(what: str, entry: int, state: str, revision: int) -> str:
    """What recording under review says: the entry, its state, and what comes next."""
    verb = "Filed" if revision == 1 else f"Revised (revision {revision})"
    nxt = ("waiting for an approver" if state == "submitted"
           else f"a draft: `goaltrack submit {entry}` sends it to an approver")
    return f"{verb} {what} as review entry {entry}, {nxt}; reports use it once it is approved"


include_pending_option = click.option(
    "--include-pending", is_flag=True,
    help="Include values and statuses submitted for review but not yet approved, marked as pending "
         "(default: approved ones only).")


@contextlib.contextmanager
def pending_included(conn: Any, enabled: bool, plan_slug: str | None, *, all_plans: bool = False) -> Iterator[None]:
    """With ``enabled``, what follows sees every submitted entry as if approved, in a
    transaction rolled back afterwards (:mod:`goaltrack.review.overlay`)."""
    if not enabled:
        yield
        return
    from goaltrack.review.overlay import including_pending
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.plan_queries import plan_ids

    with including_pending(conn, plan_ids(conn) if all_plans else [plan_id_for(conn, plan_slug)]):
        yield
