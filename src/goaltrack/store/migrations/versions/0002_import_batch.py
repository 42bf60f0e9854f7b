"""import_batch: an audit row for every import (file, sha256, source, counts, who, when)

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Earlier imports left their trace only in ``measurement.origin`` (``import:<file>#<16 hex
digits of the file's sha256>``) and ``recorded_at`` (one time stamp per import run), so one
batch is reconstructed per (plan, origin, recorded_at): the file name and the rows it inserted
are known; the full hash, the data source and the counts of rows read, unchanged and rejected
are not (NULL), and ``note`` says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RECONSTRUCTED = "reconstructed by migration 0002 from measurement origins"


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=True),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("superseded", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=True),
        sa.Column("rejected", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_batch_plan_id", "import_batch", ["plan_id"])
    op.create_index("ix_import_batch_origin", "import_batch", ["origin"])

    # origin = 'import:' (7 characters) || file name || '#' || 16 hex digits (17 characters).
    op.execute(
        sa.text(
            "INSERT INTO import_batch (plan_id, origin, file_name, inserted, superseded, "
            "recorded_by, recorded_at, note) "
            "SELECT i.plan_id, m.origin, "
            "CASE WHEN length(m.origin) > 24 AND substr(m.origin, length(m.origin) - 16, 1) = '#' "
            "THEN substr(m.origin, 8, length(m.origin) - 24) ELSE substr(m.origin, 8) END, "
            "count(*), count(m.supersedes_id), "
            "CASE WHEN count(DISTINCT m.recorded_by) = 1 THEN min(m.recorded_by) ELSE 'several' END, "
            "m.recorded_at, :note "
            "FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
            "WHERE m.origin LIKE 'import:%' "
            "GROUP BY i.plan_id, m.origin, m.recorded_at "
            "ORDER BY m.recorded_at, i.plan_id, m.origin"
        ).bindparams(note=RECONSTRUCTED)
    )


def downgrade() -> None:
    op.drop_table("import_batch")
