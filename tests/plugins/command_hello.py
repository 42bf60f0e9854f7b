"""Test plugin: a command ``goaltrack hello [NAME]``."""

from __future__ import annotations

import click

from goaltrack import hookimpl


@hookimpl
def register_commands(cli):
    @cli.command(name="hello")
    @click.argument("name", default="world")
    def hello_cmd(name):
        """Say hello."""
        click.echo(f"Hello, {name}!")
