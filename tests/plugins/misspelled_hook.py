"""Test plugin: a hook name with a typo (``register_output_format``, no ``s``)."""

from __future__ import annotations

from goaltrack import hookimpl


@hookimpl
def register_output_format(register):
    raise AssertionError("never called: no such hook")
