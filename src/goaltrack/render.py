"""Rendering a report with a registered output format (built-in or from a plugin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from goaltrack.errors import UsageError
from goaltrack.interfaces import RenderOptions, Report

if TYPE_CHECKING:
    from goaltrack.context import AppContext


def render(app: AppContext, report: Report, fmt: str, *, lang: str | None = None) -> str | bytes:
    formats = app.plugins.output_formats
    if fmt not in formats:
        known = ", ".join(sorted(formats)) or "none"
        raise UsageError(f"unknown format '{fmt}' (available: {known})")
    options = RenderOptions(lang=lang or str(report.meta.get("lang") or "en"))
    return formats[fmt].render(report, options)
