"""Test plugin: registers something, then raises, in two hooks.

goaltrack must drop what it registered in the failing call (not keep half of it) and name it.
"""

from __future__ import annotations

import click

from goaltrack import hookimpl
from goaltrack.interfaces import OutputFormat


class HalfDone(OutputFormat):
    name = "half-done"
    extension = "txt"
    media_type = "text/plain"

    def render(self, report, options):
        return report.title


@hookimpl
def register_output_formats(register):
    register(HalfDone())
    raise RuntimeError("boom in register_output_formats")


@hookimpl
def register_commands(cli):
    @cli.command(name="oops")
    def oops_cmd():
        click.echo("should never be reachable")

    raise RuntimeError("boom in register_commands")
