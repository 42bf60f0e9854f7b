"""Alembic environment for goaltrack's migrations.

goaltrack runs these itself (``goaltrack init``, ``goaltrack db upgrade``; see
:mod:`goaltrack.store.schema_version`), handing over an open connection in
``config.attributes["connection"]``; the migrations run inside the caller's transaction, so
an upgrade either completes or changes nothing.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

from goaltrack.store import tables as models  # registers the tables on SQLModel.metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "goaltrack's migrations run through goaltrack: `goaltrack init` or `goaltrack db upgrade` "
        "(developers: python -m goaltrack.store.schema_version revision MESSAGE)"
    )
if context.is_offline_mode():
    raise RuntimeError("goaltrack's migrations do not support offline (--sql) mode")



def _render_item(type_: str, obj: Any, autogen_context: Any) -> Any:
    # Write SQLModel's AutoString as plain sa.String(), so revisions do not import sqlmodel.
    if type_ == "type" and type(obj).__name__ == "AutoString":
        return "sa.String()"
    return False


models.use_dialect(connection.dialect.name)
context.configure(
    connection=connection,
    render_item=_render_item,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite = copy the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
