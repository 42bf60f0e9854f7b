"""Price basis: plan.price_basis and budget_line.price_basis

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

The price basis of the amounts (issue 13): the plan's ("2021-priser"), and a budget line's
own where it differs, so that the budget report says which prices each year is in and never
compares years in different prices without saying so. Existing rows get none (unknown).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plan", sa.Column("price_basis", sa.String(), nullable=True))
    op.add_column("budget_line", sa.Column("price_basis", sa.String(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE "budget_line" DROP COLUMN price_basis')
    op.execute('ALTER TABLE "plan" DROP COLUMN price_basis')
