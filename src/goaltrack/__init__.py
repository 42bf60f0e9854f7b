"""goaltrack: track public-sector goals, initiatives, budgets and progress indicators.

Only the plugin markers are re-exported here, so that ``from goaltrack import hookimpl``
works for plugin authors without pulling in SQLAlchemy or pydantic.
"""

from goaltrack.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
