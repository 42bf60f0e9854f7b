"""plan.follows and account.replaces: plans compared across years (issue 13)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

A plan may name the plan it follows (``follows:`` in its header, last year's slug) and an
account the predecessor's account it continues under a new code (``replaces:``, a
reclassification in the chart of accounts). Both are new, nullable columns; existing plans
have neither until their file says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN needs no table rebuild on SQLite or PostgreSQL.
    op.add_column("account", sa.Column("replaces", sa.String(), nullable=True))
    op.add_column("plan", sa.Column("follows", sa.String(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop and re-create
    # "plan", which the foreign keys of every item table refuse.
    for table, column in (("plan", "follows"), ("account", "replaces")):
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')
