"""Test plugin: an output format ``upper`` writing the report's title and table titles in capitals."""

from __future__ import annotations

from goaltrack import hookimpl
from goaltrack.interfaces import OutputFormat, RenderOptions, Report


class UpperFormat(OutputFormat):
    name = "upper"
    extension = "txt"
    media_type = "text/plain; charset=utf-8"

    def render(self, report: Report, options: RenderOptions) -> str:
        return "".join(f"{t.upper()}\n" for t in [report.title, *(t.title for t in report.tables)])


@hookimpl
def register_output_formats(register):
    register(UpperFormat())
