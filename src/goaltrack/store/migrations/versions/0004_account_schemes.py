"""Account schemes: plan.account_scheme; an account's Danish chart fields become optional

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

A plan declares how its account codes are written (issue 13): the Danish municipal chart,
as before and by default, or its own scheme (a city climate plan's ``CLIM-01``). The
hovedkonto / hovedfunktion / funktion / dotted columns are derived from a Danish code, so
they are NULL for an account of any other scheme. Existing rows keep their values.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_DANISH = (("hovedkonto", sa.Integer()), ("hovedfunktion", sa.Integer()), ("funktion", sa.Integer()),
           ("dotted", sa.String()))


def upgrade() -> None:
    op.add_column("plan", sa.Column("account_scheme", sa.JSON(), nullable=True))
    # SQLite rebuilds the table for this; goaltrack runs migrations with foreign keys off
    # (schema_version.rebuildable), so the rebuild deletes no budget line or link.
    with op.batch_alter_table("account") as batch:
        for name, type_ in _DANISH:
            batch.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    # Refused (nothing changes) while an account of another scheme has no Danish fields.
    with op.batch_alter_table("account") as batch:
        for name, type_ in _DANISH:
            batch.alter_column(name, existing_type=type_, nullable=False)
    op.execute('ALTER TABLE "plan" DROP COLUMN account_scheme')
