"""Test-only start-up hook: cap every SQLite connection of this Python process at N pages.

``tests/test_db_environment.py`` puts this folder on the PYTHONPATH of a ``python -m goaltrack``
it runs, with ``GOALTRACK_TEST_MAX_PAGE_COUNT=N``. Python imports ``sitecustomize`` at start-up;
this one listens on every SQLAlchemy pool's new connections and sets SQLite's
``PRAGMA max_page_count``, so a write that would grow the database past N pages fails with
SQLite's own ``SQLITE_FULL`` ("database or disk is full"), the error a full disk gives, on any
machine and without root. Without the variable it does nothing.
"""

from __future__ import annotations

import os
from typing import Any

_PAGES = os.environ.get("GOALTRACK_TEST_MAX_PAGE_COUNT")

if _PAGES:
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def _cap(dbapi_conn: Any, _record: Any) -> None:
        if type(dbapi_conn).__module__.startswith("sqlite3"):
            dbapi_conn.execute(f"PRAGMA max_page_count = {int(_PAGES)}")

    event.listen(Pool, "connect", _cap)
