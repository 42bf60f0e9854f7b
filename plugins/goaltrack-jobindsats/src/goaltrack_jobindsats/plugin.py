"""The goaltrack plugin (entry point ``jobindsats``): registers ``jobindsats`` and ``statbank``.

goaltrack imports this module only when it needs its data sources; it imports nothing
heavier than goaltrack's own light modules.
"""

from __future__ import annotations

from collections.abc import Callable

from goaltrack import hookimpl
from goaltrack.interfaces import DataSource


@hookimpl
def register_data_sources(register: Callable[[DataSource], None]) -> None:
    from goaltrack_jobindsats.sources import JobindsatsSource, StatbankSource

    register(JobindsatsSource())
    register(StatbankSource())


__all__ = ["register_data_sources"]
