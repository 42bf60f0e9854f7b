"""Built-in templated output formats: ``html`` (one self-contained page) and ``markdown``.

Both render Jinja2 templates through :mod:`goaltrack.render.environment` (imported when a report is
rendered, so loading this plugin costs nothing): ``<kind>.html`` / ``<kind>.md`` for the
coverage, budget and progress reports, ``tables.html`` / ``tables.md`` for any other report.
Users override templates with ``--templates DIR``; plugins add filters through
``prepare_jinja2_environment``. Registered exactly like a third-party plugin's formats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

from goaltrack.hookspecs import hookimpl
from goaltrack.interfaces import OutputFormat, RenderOptions, Report


class _TemplatedFormat(OutputFormat):
    flavour: ClassVar[Literal["html", "markdown"]]

    def render(self, report: Report, options: RenderOptions) -> str:
        from goaltrack.render.environment import render_report

        return render_report(report, options, self.flavour)


class HtmlFormat(_TemplatedFormat):
    """One self-contained HTML page: inline CSS and SVG charts, no scripts, no network,
    a print stylesheet for A4."""

    name = "html"
    extension = "html"
    media_type = "text/html; charset=utf-8"
    description = "One self-contained HTML page with charts (prints on A4)."
    flavour = "html"


class MarkdownFormat(_TemplatedFormat):
    """GitHub-flavoured Markdown: headings, lists and tables, plan content escaped."""

    name = "markdown"
    extension = "md"
    media_type = "text/markdown; charset=utf-8"
    description = "Markdown (GitHub-flavoured tables) for wikis and pull requests."
    flavour = "markdown"


@hookimpl
def register_output_formats(register: Callable[[OutputFormat], None]) -> None:
    register(HtmlFormat())
    register(MarkdownFormat())


__all__ = ["HtmlFormat", "MarkdownFormat", "register_output_formats"]
