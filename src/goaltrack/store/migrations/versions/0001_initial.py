"""The first released schema: plans, their items and links, measurements and statuses

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out by hand, not from the models, so it stays what it was when models.py changes.
Constraints are unnamed, as SQLAlchemy's ``create_all`` made them before goaltrack had
migrations: a database from then and one migrated to 0001 are the same.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CURRENT = sa.text("superseded_at IS NULL")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _plan_id() -> sa.Column:
    return sa.Column("plan_id", sa.Integer(), nullable=False)


def _plan_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], ondelete="CASCADE")


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "plan",
        _id(),
        sa.Column("slug", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("organisation", sa.String(), nullable=False),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("amount_unit", sa.String(), nullable=False),
        sa.Column("amount_scale", sa.Integer(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("approved_by", sa.String(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("hearing_bodies", sa.JSON(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("source_file", sa.String(), nullable=True),
        _when("loaded_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plan_slug", "plan", ["slug"], unique=True)

    op.create_table(
        "national_goal",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("issuer", sa.String(), nullable=True),
        sa.Column("years", sa.JSON(), nullable=True),
        sa.Column("new", sa.Boolean(), nullable=False),
        sa.Column("continued_from", sa.Integer(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_national_goal_plan_id", "national_goal", ["plan_id"])

    op.create_table(
        "focus_area",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("years", sa.JSON(), nullable=True),
        sa.Column("priorities", sa.JSON(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_focus_area_plan_id", "focus_area", ["plan_id"])

    op.create_table(
        "target_group",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_target_group_plan_id", "target_group", ["plan_id"])

    op.create_table(
        "initiative",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("focus_area_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=True),
        _plan_fk(),
        sa.ForeignKeyConstraint(["focus_area_id"], ["focus_area.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_initiative_plan_id", "initiative", ["plan_id"])

    op.create_table(
        "account",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("hovedkonto", sa.Integer(), nullable=False),
        sa.Column("hovedfunktion", sa.Integer(), nullable=False),
        sa.Column("funktion", sa.Integer(), nullable=False),
        sa.Column("dotted", sa.String(), nullable=False),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_account_plan_id", "account", ["plan_id"])

    op.create_table(
        "budget_line",
        _id(),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "year", "kind"),
    )
    op.create_index("ix_budget_line_account_id", "budget_line", ["account_id"])

    op.create_table(
        "declared_total",
        _id(),
        _plan_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "label", "year", "kind"),
    )
    op.create_index("ix_declared_total_plan_id", "declared_total", ["plan_id"])

    op.create_table(
        "indicator",
        _id(),
        _plan_id(),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("direction", sa.String(), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("baseline_period", sa.String(), nullable=True),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_period", sa.String(), nullable=True),
        sa.Column("target_low", sa.Float(), nullable=True),
        sa.Column("target_high", sa.Float(), nullable=True),
        sa.Column("area", sa.String(), nullable=True),
        sa.Column("definition", sa.String(), nullable=True),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("computed", sa.String(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.Column("scoring", sa.JSON(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "code"),
    )
    op.create_index("ix_indicator_plan_id", "indicator", ["plan_id"])

    op.create_table(
        "link",
        _id(),
        _plan_id(),
        sa.Column("src_kind", sa.String(), nullable=False),
        sa.Column("src_id", sa.Integer(), nullable=False),
        sa.Column("dst_kind", sa.String(), nullable=False),
        sa.Column("dst_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(), nullable=False),
        sa.Column("quote", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("src_kind", "src_id", "dst_kind", "dst_id"),
    )
    op.create_index("ix_link_dst", "link", ["dst_kind", "dst_id"])
    op.create_index("ix_link_plan_id", "link", ["plan_id"])

    op.create_table(
        "measurement",
        _id(),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("period_code", sa.String(), nullable=False),
        sa.Column("freq", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("missing_reason", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        _when("recorded_at", nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        _when("superseded_at"),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"]),
        sa.ForeignKeyConstraint(["supersedes_id"], ["measurement.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_measurement_indicator_id", "measurement", ["indicator_id"])
    # At most one current value per indicator and period.
    op.create_index(
        "ux_measurement_current",
        "measurement",
        ["indicator_id", "period_code"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    # Covers the latest-value-as-of query: current rows by indicator and period end.
    op.create_index(
        "ix_measurement_latest",
        "measurement",
        ["indicator_id", "period_end", "value"],
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )

    op.create_table(
        "initiative_status",
        _id(),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        _when("recorded_at", nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiative.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_initiative_status_initiative_id", "initiative_status", ["initiative_id"])


def downgrade() -> None:
    for table in (
        "initiative_status",
        "measurement",
        "link",
        "indicator",
        "declared_total",
        "budget_line",
        "account",
        "initiative",
        "target_group",
        "focus_area",
        "national_goal",
        "plan",
    ):
        op.drop_table(table)
