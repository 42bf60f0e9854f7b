"""Pieces shared by command modules: the app context, shared options, output helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
    """

    @functools.wraps(f)
    def with_config(app: AppContext, *args: Any, **kwargs: Any) -> Any:
        app.config  # noqa: B018  (reads and checks the file; raises ConfigError)
        return f(app, *args, **kwargs)

    return _pass_app_object(with_config)  # type: ignore[return-value]


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


def output_option() -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to FILE (atomically) instead of standard output.",
    )


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to ``output`` atomically, or to stdout."""
    if output is None:
        if isinstance(text, bytes):
            import sys

            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    from goaltrack.fileio import write_atomic

    write_atomic(output, text)
