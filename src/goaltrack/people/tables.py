"""The tables of people, their roles and the review of what they record (migration 0007).

Plain Core tables on SQLModel's metadata rather than SQLModel classes: every write command
reads them (who is acting, may they), and each declarative class costs a few milliseconds of
start-up that a command writing one value notices (see ``make bench``).

- ``person``: an account. Never deleted, only deactivated, so history keeps pointing at it.
- ``api_token``: a token for scripts; only its sha256 is stored (the token itself is 32
  random bytes, so a slow hash adds nothing), with an expiry and a revocation time.
- ``role_grant``: a role for a whole plan (``scope_kind`` "plan"), or for one focus area,
  initiative or indicator of it, by code, so grants survive reloading the plan file. A plan
  of ``*`` is every plan. Revoked grants are kept, with who revoked them and when.
- ``review_entry``: one thing under review: a measurement, an initiative status or an
  import batch. ``state`` is where it stands; ``revision`` counts the author's edits.
- ``review_event``: every transition of an entry, append-only.
- ``pending_measurement`` / ``pending_status``: what an entry proposes, per revision; an
  approval writes its latest revision into ``measurement`` / ``initiative_status``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    false,
    true,
)
from sqlmodel import SQLModel

_meta = SQLModel.metadata


def _when(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


person = Table(
    "person", _meta,
    Column("id", Integer, primary_key=True),
    Column("login", String, nullable=False, unique=True),
    Column("display_name", String, nullable=False),
    Column("email", String, nullable=True),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("password_hash", String, nullable=True),
    _when("created_at", nullable=False),
    _when("deactivated_at"),
)

api_token = Table(
    "api_token", _meta,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("token_hash", String, nullable=False, unique=True),
    Column("prefix", String, nullable=False),
    _when("created_at", nullable=False),
    _when("expires_at", nullable=False),
    _when("revoked_at"),
    _when("last_used_at"),
)

role_grant = Table(
    "role_grant", _meta,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id"), nullable=False, index=True),
    Column("role", String, nullable=False),
    Column("plan", String, nullable=False),  # a plan's slug, or "*" for every plan
    Column("scope_kind", String, nullable=False),  # plan | focus_area | initiative | indicator
    Column("scope_code", String, nullable=False, server_default=""),  # "" for a whole plan
    Column("granted_by", String, nullable=False),
    _when("granted_at", nullable=False),
    _when("revoked_at"),
    Column("revoked_by", String, nullable=True),
)

review_entry = Table(
    "review_entry", _meta,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("subject", String, nullable=False),  # measurement | status | batch
    Column("state", String, nullable=False),  # draft | submitted | returned | approved | withdrawn
    Column("author", String, nullable=False),  # the person's login
    Column("revision", Integer, nullable=False, server_default="1"),
    # What the entry is about, for scope checks and for finding an open entry again:
    Column("target_code", String, nullable=True),  # indicator or initiative code; NULL for a batch
    Column("period_code", String, nullable=True),
    Column("breakdown", String, nullable=True),
    Column("batch_id", Integer, ForeignKey("import_batch.id"), nullable=True),
    _when("created_at", nullable=False),
    _when("updated_at", nullable=False),
)

review_event = Table(
    "review_event", _meta,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("actor", String, nullable=False),
    _when("at", nullable=False),
    Column("from_state", String, nullable=True),  # NULL when the entry is created
    Column("to_state", String, nullable=False),
    Column("reason", String, nullable=True),
)

pending_measurement = Table(
    "pending_measurement", _meta,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("line", Integer, nullable=True),  # the row's line in an imported file
    Column("indicator_id", Integer, ForeignKey("indicator.id", ondelete="CASCADE"), nullable=False),
    Column("period_code", String, nullable=False),
    Column("freq", String, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=True),
    Column("missing_reason", String, nullable=True),
    Column("kind", String, nullable=False, server_default="observed"),
    Column("source", JSON, nullable=True),
    Column("note", String, nullable=True),
    Column("recorded_by", String, nullable=False),
    Column("breakdown", String, nullable=False, server_default=""),
    Column("correction", Boolean, nullable=False, server_default=false()),
)

pending_status = Table(
    "pending_status", _meta,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("review_entry.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("revision", Integer, nullable=False),
    Column("initiative_id", Integer, ForeignKey("initiative.id", ondelete="CASCADE"), nullable=False),
    Column("status", String, nullable=False),
    Column("note", String, nullable=True),
)
