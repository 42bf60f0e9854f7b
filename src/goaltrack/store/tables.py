"""The database schema, as SQLModel tables.

A plan owns every item in it; items are keyed by ``(plan_id, code)`` (their natural key in
the plan file), so loading a file again updates rows in place. ``position`` keeps the file's
order, which makes ``plan export`` reproduce the file's layout.

Links between items live in one table, :class:`Link`, because they all carry the same
facts (``basis``, quote, note, weight, share) and are queried the same way; the item kinds
are the names in :data:`ITEM_KINDS`.

Measurements and initiative statuses are append-only: a new value for the same indicator
and period supersedes the current one (``supersedes_id``/``superseded_at``) and never replaces it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import JSON, Column, DateTime, Index, Table, UniqueConstraint, text
from sqlalchemy import inspect as sa_inspect
from sqlmodel import AutoString, Field, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from goaltrack.vocab import Basis, BudgetKind, MeasurementKind

ITEM_KINDS = (
    "national_goal",
    "focus_area",
    "target_group",
    "initiative",
    "account",
    "indicator",
)


def _when(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class Plan(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True)
    title: str
    organisation: str
    years: list[int] = Field(sa_column=Column(JSON, nullable=False))
    language: str = "en"
    currency: str = "EUR"
    amount_unit: str = "1"
    amount_scale: int = 1
    source: dict[str, Any] | None = _json()
    approved_by: str | None = None
    approved_on: dt.date | None = None
    hearing_bodies: list[str] | None = _json()
    synthetic: bool = False
    notes: str | None = None
    follows: str | None = None  # the slug of the plan this one follows (need not be loaded)
    price_basis: str | None = None  # of the plan's amounts, e.g. "2021-priser" (migration 0005)
    # As the header writes it: None (the Danish chart), "dk-municipal", or the plan's own scheme.
    account_scheme: dict[str, Any] | str | None = _json()
    # The plan's dimensions as the file declares them (migration 0006): [{code, name, values}].
    dimensions: list[dict[str, Any]] | None = _json()
    # Whether recorded values wait for an approver (migration 0007): "required" or "off";
    # None where the plan file does not say, which is "off".
    review: str | None = None
    self_approval: bool | None = None  # may an approver approve their own entries (default no)
    content_hash: str = Field(default="", description="sha256 of the plan's canonical export")
    source_file: str | None = None
    loaded_at: dt.datetime | None = _when()


class _PlanItem(SQLModel):
    """What every item of a plan has: its plan, its code (unique in the plan) and its place
    in the plan file."""

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    code: str
    position: int = 0


class NationalGoal(_PlanItem, table=True):
    __tablename__ = "national_goal"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    title: str
    description: str | None = None
    issuer: str | None = None
    years: list[int] | None = _json()
    new: bool = False
    continued_from: int | None = None
    source: dict[str, Any] | None = _json()


class FocusArea(_PlanItem, table=True):
    __tablename__ = "focus_area"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    level: str  # strategic | annual
    title: str
    description: str | None = None
    years: list[int] | None = _json()
    priorities: list[str] | None = _json()


class TargetGroup(_PlanItem, table=True):
    __tablename__ = "target_group"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    name: str
    description: str | None = None


class Initiative(_PlanItem, table=True):
    __tablename__ = "initiative"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    title: str
    description: str | None = None
    focus_area_id: int | None = Field(default=None, foreign_key="focus_area.id", ondelete="SET NULL")
    owner: str | None = None
    status: str | None = None  # as declared in the plan file
    start: dt.date | None = None
    end: dt.date | None = None


class Account(_PlanItem, table=True):
    """An account; ``code`` is its code as the plan writes it (e.g. 055771, or CLIM-01)."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    name: str
    # Derived from a Danish chart code (goaltrack.values.accounts); None in other schemes.
    hovedkonto: int | None = None
    hovedfunktion: int | None = None
    funktion: int | None = None
    dotted: str | None = None  # 5.57.71
    replaces: str | None = None  # the predecessor plan's account code, as the plan writes it


class BudgetLine(SQLModel, table=True):
    __tablename__ = "budget_line"
    __table_args__ = (UniqueConstraint("account_id", "year", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    year: int
    kind: BudgetKind = Field(default="budget", sa_type=AutoString)
    amount: float
    position: int = 0
    price_basis: str | None = None  # where it differs from the plan's (migration 0005)


class DeclaredTotal(SQLModel, table=True):
    """A total as printed in the source; compared with the lines, never recomputed."""

    __tablename__ = "declared_total"
    __table_args__ = (UniqueConstraint("plan_id", "label", "year", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    position: int = 0
    label: str
    year: int
    kind: BudgetKind = Field(default="budget", sa_type=AutoString)
    amount: float
    accounts: list[str] | None = _json()  # None: all accounts of the plan
    source: dict[str, Any] | None = _json()


class Indicator(_PlanItem, table=True):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    name: str
    unit: str
    direction: str | None = None
    baseline_value: float | None = None
    baseline_period: str | None = None
    target_value: float | None = None
    target_period: str | None = None
    target_low: float | None = None
    target_high: float | None = None
    area: str | None = None
    definition: str | None = None
    source: dict[str, Any] | None = _json()
    computed: str | None = None
    parameters: dict[str, Any] | None = _json()
    scoring: dict[str, Any] | None = _json()
    dimensions: list[str] | None = _json()  # codes of the plan's dimensions (migration 0006)
    targets_by: list[dict[str, Any]] | None = _json()  # [{dimension, value, target, baseline?, note?}]


class Link(SQLModel, table=True):
    """A link from one item to another, with its basis (explicit or inferred)."""

    __tablename__ = "link"
    __table_args__ = (
        UniqueConstraint("src_kind", "src_id", "dst_kind", "dst_id"),
        Index("ix_link_dst", "dst_kind", "dst_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    src_kind: str
    src_id: int
    dst_kind: str
    dst_id: int
    position: int = 0
    basis: Basis = Field(sa_type=AutoString)
    quote: str | None = None
    note: str | None = None
    weight: float | None = None
    share: float | None = None  # percent, for account links


CURRENT = "superseded_at IS NULL"


def use_dialect(name: str) -> None:
    """Give the partial indexes (``info["where"]``) their condition in dialect ``name``.

    In SQLAlchemy a partial index's WHERE is a per-dialect option (``sqlite_where``,
    ``postgresql_where``), and naming one imports that dialect: the PostgreSQL one took
    ~50 ms of every command's start-up on SQLite. So the condition is kept once in the
    index's ``info`` and set here for the database in use (:func:`goaltrack.store.database.open_engine`
    and the migration environment call this). Setting it again is harmless."""
    if name not in ("sqlite", "postgresql"):
        return
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            where = index.info.get("where")
            if where is not None:
                index.dialect_kwargs[f"{name}_where"] = text(where)


class Measurement(SQLModel, table=True):
    """One value of an indicator for one period. Append-only: see the module docstring."""

    __tablename__ = "measurement"
    __table_args__ = (
        # At most one current value per indicator, period and breakdown.
        Index("ux_measurement_current", "indicator_id", "period_code", "breakdown", unique=True,
              info={"where": CURRENT}),
        # Covers the latest-value-as-of query: current rows by indicator, breakdown and period end.
        Index("ix_measurement_latest", "indicator_id", "breakdown", "period_end", "value", info={"where": CURRENT}),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    period_code: str
    freq: str
    period_start: dt.date
    period_end: dt.date
    value: float | None = None
    missing_reason: str | None = None
    kind: MeasurementKind = Field(default="observed", sa_type=AutoString)
    source: dict[str, Any] | None = _json()
    note: str | None = None
    recorded_by: str
    recorded_at: dt.datetime = _when(nullable=False)
    origin: str  # "plan:<file>#<sha256>", "record", "import:<file>#<sha256>"
    correction: bool = False
    position: int = 0  # order within the plan file, for plan-origin rows
    # The row this one replaces; the replaced row gets ``superseded_at`` and stops being
    # current. Pointing new -> old keeps every step of a supersession valid under the
    # foreign key and the one-current-value index.
    supersedes_id: int | None = Field(default=None, foreign_key="measurement.id")
    superseded_at: dt.datetime | None = _when()
    # The value's dimension values as canonical text (``age=16-29;sex=women``), ``""`` for the
    # indicator's total (goaltrack.planfile.dimensions.breakdown_key; migration 0006).
    breakdown: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # The review entry whose approval wrote this row (migration 0007); None for values
    # recorded where review is off, which count as approved by their recorder.
    review_entry_id: int | None = None


class InitiativeStatus(SQLModel, table=True):
    """A recorded status of an initiative; append-only, the latest one is current."""

    __tablename__ = "initiative_status"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    status: str
    note: str | None = None
    recorded_by: str
    recorded_at: dt.datetime = _when(nullable=False)
    origin: str = "status"
    review_entry_id: int | None = None  # as Measurement.review_entry_id (migration 0007)


ITEM_TABLES: dict[str, type[SQLModel]] = {
    "national_goal": NationalGoal,
    "focus_area": FocusArea,
    "target_group": TargetGroup,
    "initiative": Initiative,
    "account": Account,
    "indicator": Indicator,
}


class ImportBatch(SQLModel, table=True):
    """One run of ``goaltrack import``: the file (name and sha256), the data source, who ran it
    and when, and what it did. ``origin`` is the value the import wrote into
    ``measurement.origin`` (``import:<file>#<sha256[:16]>``), which links rows to batches.

    Added by migration 0002, which reconstructs a batch for each earlier import from the
    measurements' origins; there ``sha256``, ``source`` and the counts it cannot know are NULL.
    """

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    origin: str = Field(index=True)
    file_name: str
    sha256: str | None = None
    source: str | None = None  # the data source: csv, jsonl, a plugin's
    rows_read: int | None = None
    inserted: int = 0
    superseded: int = 0
    unchanged: int | None = None
    rejected: int | None = None
    recorded_by: str
    recorded_at: dt.datetime = _when(nullable=False)
    note: str | None = None


def table_of(model: type[SQLModel]) -> Table:
    """The Core :class:`~sqlalchemy.Table` of a table class, for set-based statements
    (``insert(table_of(Measurement))``, ``t.c.plan_id``). SQLModel sets ``__table__`` at
    class creation without declaring it, so the mapper's table is the typed way to reach it."""
    return cast(Table, sa_inspect(model).local_table)


def plan_file_measurements(indicator_ids: list[int]) -> SelectOfScalar[Measurement]:
    """The measurements that plan files gave these indicators (current or superseded), in the
    order they were recorded: what ``plan load`` compares a file with and ``plan export``
    writes back."""
    return (
        select(Measurement)
        .where(col(Measurement.indicator_id).in_(indicator_ids), col(Measurement.origin).like("plan:%"))
        .order_by(col(Measurement.id))
    )


# Registers the people and review tables on the same metadata (migrations compare with it).
from goaltrack.people import tables as _people_tables  # noqa: E402, F401
