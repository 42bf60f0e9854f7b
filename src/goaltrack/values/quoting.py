"""How error messages quote what the user wrote."""

from __future__ import annotations

# Error messages quote the input; a whole garbage cell from a spreadsheet would make an
# unreadable one-line message, so quote only its start.
QUOTE_LIMIT = 40


def quote(value: object) -> str:
    """``value`` as text in quotes, cut to :data:`QUOTE_LIMIT` characters and ``...``."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT] + "..."
    return repr(text)
