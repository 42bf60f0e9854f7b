"""Test plugin: fails on import, as a plugin with a missing dependency does."""

from __future__ import annotations

import goaltrack_no_such_dependency  # noqa: F401

from goaltrack import hookimpl


@hookimpl
def register_output_formats(register):  # never reached
    raise AssertionError("unreachable")
