"""Test plugin: registers a loose dict instead of an OutputFormat instance."""

from __future__ import annotations

from goaltrack import hookimpl


@hookimpl
def register_output_formats(register):
    register({"name": "dict-format", "extension": "txt"})
