"""The goaltrack plugin (entry point ``xlsx``): registers the output format ``xlsx``.

Importing this module does not import openpyxl; rendering does.
"""

from __future__ import annotations

from collections.abc import Callable

from goaltrack import hookimpl
from goaltrack.interfaces import OutputFormat


@hookimpl
def register_output_formats(register: Callable[[OutputFormat], None]) -> None:
    from goaltrack_xlsx.render import XlsxFormat

    register(XlsxFormat())


__all__ = ["register_output_formats"]
