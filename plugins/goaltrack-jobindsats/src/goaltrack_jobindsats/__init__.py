"""goaltrack data sources for Jobindsats.dk and Danmarks Statistik (Statistikbanken) exports.

The goaltrack plugin itself is :mod:`goaltrack_jobindsats.plugin` (entry point ``jobindsats``
of group ``goaltrack``); it registers the data sources ``jobindsats`` and ``statbank``.
Importing this package imports nothing else.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
