"""Dimensions: plan.dimensions, indicator.dimensions and targets_by, measurement.breakdown

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Disaggregation (issue 13): a plan declares dimensions (sex, age band, area...) with their
values, an indicator the dimensions its values may carry and targets per dimension value, and
a measurement its dimension values as one canonical text (``sex=women``; ``''`` for a total).
"One current value per indicator and period" becomes "per indicator, period and breakdown",
so both partial indexes on current measurements gain the column. Existing measurements are
totals (``''``), which is what they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CURRENT = sa.text("superseded_at IS NULL")


def _indexes(unique_columns: list[str], latest_columns: list[str]) -> None:
    op.create_index("ux_measurement_current", "measurement", unique_columns, unique=True,
                    sqlite_where=CURRENT, postgresql_where=CURRENT)
    op.create_index("ix_measurement_latest", "measurement", latest_columns,
                    sqlite_where=CURRENT, postgresql_where=CURRENT)


def upgrade() -> None:
    op.add_column("plan", sa.Column("dimensions", sa.JSON(), nullable=True))
    op.add_column("indicator", sa.Column("dimensions", sa.JSON(), nullable=True))
    op.add_column("indicator", sa.Column("targets_by", sa.JSON(), nullable=True))
    op.add_column("measurement", sa.Column("breakdown", sa.String(), nullable=False, server_default=""))
    op.drop_index("ux_measurement_current", table_name="measurement")
    op.drop_index("ix_measurement_latest", table_name="measurement")
    _indexes(["indicator_id", "period_code", "breakdown"], ["indicator_id", "breakdown", "period_end", "value"])


def downgrade() -> None:
    # A total per indicator and period is all the older schema can hold.
    op.execute("DELETE FROM measurement WHERE breakdown <> ''")
    op.drop_index("ux_measurement_current", table_name="measurement")
    op.drop_index("ix_measurement_latest", table_name="measurement")
    _indexes(["indicator_id", "period_code"], ["indicator_id", "period_end", "value"])
    op.execute('ALTER TABLE "measurement" DROP COLUMN breakdown')
    op.execute('ALTER TABLE "indicator" DROP COLUMN targets_by')
    op.execute('ALTER TABLE "indicator" DROP COLUMN dimensions')
    op.execute('ALTER TABLE "plan" DROP COLUMN dimensions')
