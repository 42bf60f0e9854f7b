"""A click group that imports each command's module only when the command is needed.

Commands added by plugins (``register_commands``) are looked up per invocation: an unknown
name loads the plugins and asks them, on a scratch group kept in the root context's
``meta``. Nothing is added to the module-level group, so one run's plugins never leak into
the next (in tests, several runs share a process).

The group's own ``--help`` lists every command with its one-line help. Click gets that line
from the command object, which would import every command's module (and through them the
config, pathlib, ...) just to print the list; ``lazy_help`` gives the lines instead, and a
test keeps them equal to the commands' own.
"""

from __future__ import annotations

import importlib
import os
import sys
from gettext import gettext as _
from typing import Any

import click
from click import formatting

META_KEY = "goaltrack.plugin_commands"


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing :mod:`shutil` (which brings
    bz2, lzma and more: a few milliseconds of ``goaltrack --help``)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            stream = sys.__stdout__  # None when Python runs without a stdout
            columns = (os.get_terminal_size(stream.fileno()).columns if stream else 0) or 80
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns


class _Context(click.Context):
    def make_formatter(self) -> click.HelpFormatter:
        """Click's formatter, its width worked out as click does (see :func:`_terminal_columns`)."""
        if self.terminal_width is None and formatting.FORCED_WIDTH is None:
            width = max(min(_terminal_columns(), self.max_content_width or 80) - 2, 50)
            return self.formatter_class(width=width, max_width=self.max_content_width)
        return super().make_formatter()


class LazyGroup(click.Group):
    context_class = _Context

    def __init__(
        self,
        *args: Any,
        lazy_commands: dict[str, str] | None = None,
        lazy_help: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        self.lazy_help = {k: v for k, v in (lazy_help or {}).items() if k in self.lazy_commands}

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's command list, taking a lazy command's line from ``lazy_help`` (no import)."""
        listed: list[tuple[str, click.Command | None]] = []
        for name in self.list_commands(ctx):
            if name in self.lazy_help:
                listed.append((name, None))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                listed.append((name, command))
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        rows = [
            # A bare Command shortens the line exactly as the real one would (click's own rule).
            (name, (command or click.Command(name, help=self.lazy_help[name])).get_short_help_str(limit))
            for name, command in listed
        ]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = [name for name in super().list_commands(ctx) if name not in self.lazy_commands]
        return [*self.lazy_commands, *sorted(eager)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attr = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = self.plugin_commands(ctx).get(cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Click's, with a did-you-mean over every command (click's own looks only at the
        commands added eagerly, not the lazy ones or the plugins')."""
        name = args[0] if args else ""
        if (
            name and not name.startswith("-") and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            from goaltrack.suggest import close_matches

            known = [*self.list_commands(ctx), *self.plugin_commands(ctx)]
            visible = [n for n in known if not getattr(self.get_command(ctx, n), "hidden", False)]
            matches = close_matches(name, visible)
            hint = ""
            if len(matches) == 1:
                hint = f" Did you mean {matches[0]!r}?"
            elif matches:
                hint = f" (Did you mean one of: {', '.join(matches)}?)"
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        """The commands plugins add, loaded once per invocation."""
        root = ctx.find_root()
        if META_KEY not in root.meta:
            from goaltrack.cli.common import ensure_app

            scratch = click.Group()
            ensure_app(ctx).plugins.hook.register_commands(cli=scratch)
            root.meta[META_KEY] = dict(scratch.commands)
        commands: dict[str, click.Command] = root.meta[META_KEY]
        return commands
