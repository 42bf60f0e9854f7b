"""People, roles and review: person, api_token, role_grant, review_entry, review_event,
pending_measurement, pending_status; plan.review and self_approval; review_entry_id on
measurement and initiative_status

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Issue 14. Values recorded before this revision were final when typed; they stay current and
count as approved by their recorder (``review_entry_id`` NULL, ``recorded_by`` as it was).
Plans say nothing about review, which is ``review: off``: recording works as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("plan", sa.Column("review", sa.String(), nullable=True))
    op.add_column("plan", sa.Column("self_approval", sa.Boolean(), nullable=True))
    op.add_column("measurement", sa.Column("review_entry_id", sa.Integer(), nullable=True))
    op.add_column("initiative_status", sa.Column("review_entry_id", sa.Integer(), nullable=True))
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(), nullable=False, unique=True),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("password_hash", sa.String(), nullable=True),
        _when("created_at", nullable=False),
        _when("deactivated_at"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False, unique=True),
        sa.Column("prefix", sa.String(), nullable=False),
        _when("created_at", nullable=False),
        _when("expires_at", nullable=False),
        _when("revoked_at"),
        _when("last_used_at"),
    )
    op.create_index("ix_api_token_person_id", "api_token", ["person_id"])
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("plan", sa.String(), nullable=False),
        sa.Column("scope_kind", sa.String(), nullable=False),
        sa.Column("scope_code", sa.String(), nullable=False, server_default=""),
        sa.Column("granted_by", sa.String(), nullable=False),
        _when("granted_at", nullable=False),
        _when("revoked_at"),
        sa.Column("revoked_by", sa.String(), nullable=True),
    )
    op.create_index("ix_role_grant_person_id", "role_grant", ["person_id"])
    op.create_table(
        "review_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("target_code", sa.String(), nullable=True),
        sa.Column("period_code", sa.String(), nullable=True),
        sa.Column("breakdown", sa.String(), nullable=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batch.id"), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
    )
    op.create_index("ix_review_entry_plan_id", "review_entry", ["plan_id"])
    op.create_table(
        "review_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        _when("at", nullable=False),
        sa.Column("from_state", sa.String(), nullable=True),
        sa.Column("to_state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
    )
    op.create_index("ix_review_event_entry_id", "review_event", ["entry_id"])
    op.create_table(
        "pending_measurement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("indicator_id", sa.Integer(), sa.ForeignKey("indicator.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_code", sa.String(), nullable=False),
        sa.Column("freq", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("missing_reason", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False, server_default="observed"),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("breakdown", sa.String(), nullable=False, server_default=""),
        sa.Column("correction", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_pending_measurement_entry_id", "pending_measurement", ["entry_id"])
    op.create_table(
        "pending_status",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiative.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_pending_status_entry_id", "pending_status", ["entry_id"])


def downgrade() -> None:
    # What waits for review has no place in the older schema and is dropped with its tables;
    # approved values are ordinary measurements and statuses and stay.
    for name in ("pending_status", "pending_measurement", "review_event", "review_entry", "role_grant",
                 "api_token", "person"):
        op.drop_table(name)
    op.execute('ALTER TABLE "initiative_status" DROP COLUMN review_entry_id')
    op.execute('ALTER TABLE "measurement" DROP COLUMN review_entry_id')
    op.execute('ALTER TABLE "plan" DROP COLUMN self_approval')
    op.execute('ALTER TABLE "plan" DROP COLUMN review')
