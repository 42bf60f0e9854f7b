"""Test plugin: registers an output format named ``clash``, as does clash_b.py."""

from __future__ import annotations

from goaltrack import hookimpl
from goaltrack.interfaces import OutputFormat


class Clash(OutputFormat):
    name = "clash"
    extension = "txt"
    media_type = "text/plain"

    def render(self, report, options):
        return "a\n"


@hookimpl
def register_output_formats(register):
    register(Clash())
