"""A click group that imports each command's module only when the command is needed."""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        self._plugin_commands_added = False

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
        if command is None and not self._plugin_commands_added:
            # An unknown name may be a plugin's command: load plugins now, not for --help.
            self._plugin_commands_added = True
            self.add_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def add_plugin_commands(self, ctx: click.Context) -> None:
        from goaltrack.cli.common import ensure_app

        ensure_app(ctx).plugins.hook.register_commands(cli=self)
