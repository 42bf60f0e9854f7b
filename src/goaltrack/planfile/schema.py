"""The plan-file format, as pydantic models.

These models are the single definition of a plan file: validation, the JSON Schema
(``goaltrack plan schema``) and ``docs/plan-format.md`` all follow from them. Unknown keys
are errors (``extra="forbid"``). Cross-references between items (codes) are checked
afterwards by :mod:`goaltrack.planfile.validate`, because pydantic sees one field at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from goaltrack.planfile.dimensions import DimensionSpec as DimensionSpec
from goaltrack.planfile.dimensions import DimensionTargetSpec as DimensionTargetSpec
from goaltrack.planfile.dimensions import DimensionValueSpec as DimensionValueSpec

# The field types and base models live in fields; every name stays importable from here.
from goaltrack.planfile.fields import (
    Bounded,
    Code,
    Number,
    Year,
    _Model,
    _OneTarget,
    _written_as_text,
)
from goaltrack.planfile.fields import _storable as _storable
from goaltrack.planfile.fields import source_label as source_label
from goaltrack.planfile.schemes import UNION_TAGS as UNION_TAGS
from goaltrack.planfile.schemes import AccountLevelSpec as AccountLevelSpec
from goaltrack.planfile.schemes import AccountSchemeField as AccountSchemeField
from goaltrack.planfile.schemes import AccountSchemeSpec
from goaltrack.settings import DEFAULTS
from goaltrack.values.accounts import AccountScheme, scheme_from
from goaltrack.vocab import (
    Basis,
    BudgetKind,
    Direction,
    FocusLevel,
    InitiativeStatus,
    MeasurementKind,
)

FORMAT_VERSION = 1



class Source(_Model):
    """Where a plan, a figure or a link comes from."""

    title: str = Field(description="Title of the source document or data set.")
    reference: str | None = Field(
        default=None, description="File name, URL, table id or page reference."
    )
    publisher: str | None = None
    date: dt.date | None = Field(default=None, description="Publication date, if known.")


class LinkSpec(_Model):
    """A link to another item of the plan, with the basis for it.

    ``basis: explicit`` means the source text states the link; ``inferred`` means the plan's
    author concluded it, and ``note`` should say why.
    """

    ref: Code = Field(description="Code of the item linked to.")
    basis: Basis
    quote: str | None = Field(default=None, description="The words of the source that state the link.")
    note: str | None = Field(default=None, description="Why the link holds, above all when inferred.")
    weight: Bounded | None = Field(
        default=None, ge=0, description="Weight of this link when scores roll up (default 1)."
    )



class AccountLinkSpec(_OneTarget):
    """A link from a budget account to exactly one focus area, initiative or target group."""

    _targets: ClassVar[tuple[str, ...]] = ("focus_area", "initiative", "target_group")

    focus_area: Code | None = None
    initiative: Code | None = None
    target_group: Code | None = None
    share: Number | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Percent of the account's amount that belongs to the item (default: not apportioned).",
    )
    basis: Basis
    quote: str | None = None
    note: str | None = None


class IndicatorLinkSpec(_OneTarget):
    """What an indicator measures: exactly one national goal, focus area or initiative."""

    _targets: ClassVar[tuple[str, ...]] = ("national_goal", "focus_area", "initiative")

    national_goal: Code | None = None
    focus_area: Code | None = None
    initiative: Code | None = None
    basis: Basis
    quote: str | None = None
    note: str | None = None
    weight: Bounded | None = Field(default=None, ge=0)


class PlanHeader(_Model):
    slug: Annotated[str, BeforeValidator(_written_as_text),
                    Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=80)] = Field(
        description="Stable identifier of the plan, e.g. 'kalundborg-2021'."
    )
    title: str
    organisation: str
    years: list[Year] = Field(min_length=1, description="The years the plan covers.")
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = Field(
        default="en", description="ISO 639-1 code of the plan's own language, e.g. 'da'."
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    amount_unit: str = Field(
        default="1",
        description="How budget amounts are written, e.g. '1000 DKK' for whole thousands.",
    )
    amount_scale: int = Field(
        default=1, ge=1, le=10**9, description="Currency units per written unit, e.g. 1000 for '1000 DKK'."
    )
    source: Source | None = None
    approved_by: str | None = None
    approved_on: dt.date | None = None
    hearing_bodies: list[str] = Field(default_factory=list)
    synthetic: bool = Field(
        default=False, description="True for example or generated plans; reports label them as such."
    )
    notes: str | None = None
    follows: Annotated[str, BeforeValidator(_written_as_text),
                       Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=80)] | None = Field(
        default=None,
        description="Slug of the plan this one follows (last year's), e.g. 'kalundborg-2020'; "
                    "`goaltrack plan diff` compares the two.",
    )
    price_basis: str | None = Field(
        default=None, min_length=1, max_length=80,
        description="The price basis of the plan's amounts, e.g. '2021-priser' or 'current prices'; "
                    "a budget line may give its own.",
    )
    account_scheme: AccountSchemeField | None = Field(
        default=None,
        description="How the account codes are written and grouped: 'dk-municipal' (the Danish "
                    "municipal chart, the default) or the plan's own scheme.",
    )
    review: Literal["required", "off"] | None = Field(
        default=None,
        description="'required': recorded values and statuses wait for an approver before reports "
                    "use them; 'off' (the default): they count as soon as they are recorded.",
    )
    self_approval: bool | None = Field(
        default=None,
        description="Whether an approver may approve their own entries (default: no).",
    )

    @property
    def scheme(self) -> AccountScheme:
        raw = self.account_scheme
        return scheme_from(raw.model_dump() if isinstance(raw, AccountSchemeSpec) else raw)

    @field_validator("years")
    @classmethod
    def _sorted_unique(cls, years: list[int]) -> list[int]:
        if len(set(years)) != len(years):
            raise ValueError("years must not repeat")
        return sorted(years)


class NationalGoalSpec(_Model):
    code: Code
    title: str
    description: str | None = None
    issuer: str | None = Field(default=None, description="Who set the goal, e.g. the minister.")
    years: list[Year] = Field(default_factory=list, description="Years the goal applies to.")
    new: bool = Field(default=False, description="True if the goal is new in the plan's year.")
    continued_from: Year | None = Field(
        default=None, description="The earlier year this goal is carried over from."
    )
    source: Source | None = None


class FocusAreaSpec(_Model):
    code: Code
    level: FocusLevel
    title: str
    description: str | None = None
    years: list[Year] = Field(default_factory=list)
    priorities: list[str] = Field(
        default_factory=list, description="The area's priorities (the 'Fokus ...' bullets), in order."
    )
    strategic_areas: list[LinkSpec] = Field(
        default_factory=list, description="For an annual area: the strategic areas it serves."
    )
    national_goals: list[LinkSpec] = Field(default_factory=list)


class TargetGroupSpec(_Model):
    code: Code
    name: str
    description: str | None = None


class InitiativeSpec(_Model):
    code: Code
    title: str
    description: str | None = None
    focus_area: Code | None = Field(default=None, description="Code of the focus area it belongs to.")
    owner: str | None = None
    status: InitiativeStatus | None = Field(
        default=None, description="Status declared in the plan (recorded statuses come later)."
    )
    start: dt.date | None = None
    end: dt.date | None = None
    national_goals: list[LinkSpec] = Field(default_factory=list)
    target_groups: list[LinkSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_in_order(self) -> InitiativeSpec:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        return self


class BudgetLineSpec(_Model):
    year: Year
    kind: BudgetKind = "budget"
    amount: Number = Field(description="Amount in the plan's amount_unit; a number, never a string.")
    price_basis: str | None = Field(default=None, min_length=1, max_length=80,
                                    description="This line's price basis, where it is not the plan's.")


class AccountSpec(_Model):
    code: Annotated[str, Field(
        min_length=1, max_length=40,
        description="The account code in the plan's scheme: 6 digits in the Danish municipal chart "
                    "(e.g. '055771'), as the scheme says otherwise (e.g. 'CLIM-01').")]
    name: str
    replaces: Annotated[str, BeforeValidator(_written_as_text)] | None = Field(
        default=None,
        description="The code of the predecessor plan's account this one continues under a new "
                    "code (a reclassification), e.g. '5.68.91'.",
    )
    budget: list[BudgetLineSpec] = Field(default_factory=list)
    links: list[AccountLinkSpec] = Field(default_factory=list)

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, value: object) -> object:
        # Whether the code fits the plan's scheme is checked with the plan (validate.py):
        # the scheme is in the header, which an item does not see.
        if isinstance(value, bool | int | float):
            raise ValueError(
                "write the code in quotes (e.g. '055771'); an unquoted number loses its leading zero"
            )
        if isinstance(value, str) and value != value.strip():
            raise ValueError(f"account code has spaces around it: {value!r}")
        return value


class DeclaredTotalSpec(_Model):
    """A total as the source prints it ("I alt"), kept as stated and never recomputed."""

    label: str = Field(description="The label as printed, e.g. 'I alt'.")
    year: Year
    kind: BudgetKind = "budget"
    amount: Number
    accounts: list[Annotated[str, BeforeValidator(_written_as_text)]] | None = Field(
        default=None, description="Codes of the accounts the total covers; default: all accounts."
    )
    source: Source | None = None


class Threshold(_Model):
    on_track: float = Field(default=DEFAULTS.scoring.on_track, ge=0, le=1)
    at_risk: float = Field(default=DEFAULTS.scoring.at_risk, ge=0, le=1)


class Scoring(_Model):
    method: str | None = Field(default=None, description="Name of a registered scoring method.")
    weight: Bounded | None = Field(default=None, ge=0)
    target_type: (
        Literal["at-or-above", "at-or-below", "increase-to", "decrease-to"] | None
    ) = None
    thresholds: Threshold | None = None


# A year period is usually written bare (`period: 2021`) and read as text; say so in the
# JSON Schema too, or editors using it flag every such line.
_PERIOD_SCHEMA: JsonDict = {"type": ["string", "integer"]}


class Point(_Model):
    value: Number
    period: str = Field(
        description="A period code, e.g. '2021', '2021M03', '2021Q1'.",
        json_schema_extra=_PERIOD_SCHEMA,
    )


class MeasurementSpec(_Model):
    period: str = Field(
        description=(
            "Period code: 2021, 2021-03, 2021-03-31, 2021M03, 2021Q1, 2021K1, 2021Y01, 2021H1, "
            "a QMAT code, or an interval 2020-03-08/2020-10-18."
        ),
        json_schema_extra=_PERIOD_SCHEMA,
    )
    value: Number | None = None
    missing: str | None = Field(default=None, description="Why the value is missing, instead of value.")
    kind: MeasurementKind = "observed"
    source: Source | None = None
    note: str | None = None
    dimensions: dict[Code, Code] = Field(
        default_factory=dict, description="The value's dimension values, e.g. {sex: women}; none: the total."
    )

    @model_validator(mode="after")
    def _value_or_missing(self) -> MeasurementSpec:
        if (self.value is None) == (self.missing is None):
            raise ValueError("give either value or missing (with the reason)")
        return self


class IndicatorSpec(_Model):
    code: Code
    name: str
    unit: str = Field(description="e.g. 'pct', 'persons', 'fuldtidspersoner', '1000 DKK'.")
    direction: Direction | None = None
    baseline: Point | None = None
    target: Point | None = None
    target_range: tuple[Bounded, Bounded] | None = Field(
        default=None, description="For direction 'range': the lower and upper bound."
    )
    area: str | None = Field(default=None, description="The area measured, e.g. 'Kalundborg (326)'.")
    definition: str | None = None
    source: Source | None = None
    computed: str | None = Field(
        default=None, description="Name of a registered computed-indicator kind."
    )
    parameters: dict[str, str | int | float | list[str]] = Field(
        default_factory=dict, description="Parameters for a computed indicator."
    )
    scoring: Scoring | None = None
    measures: list[IndicatorLinkSpec] = Field(
        default_factory=list, description="The goals, focus areas or initiatives it measures."
    )
    dimensions: list[Code] = Field(
        default_factory=list, description="Codes of the plan's dimensions its values may be broken down by."
    )
    targets_by: list[DimensionTargetSpec] = Field(
        default_factory=list, description="Targets for single dimension values (the target period is the indicator's)."
    )
    measurements: list[MeasurementSpec] = Field(default_factory=list)


class PlanFile(_Model):
    """A whole plan file."""

    goaltrack: Literal[1] = Field(description="Plan-format version; currently 1.")
    plan: PlanHeader
    national_goals: list[NationalGoalSpec] = Field(default_factory=list)
    focus_areas: list[FocusAreaSpec] = Field(default_factory=list)
    target_groups: list[TargetGroupSpec] = Field(default_factory=list)
    dimensions: list[DimensionSpec] = Field(
        default_factory=list, description="What measurements may be broken down by (sex, age band, area...)."
    )
    initiatives: list[InitiativeSpec] = Field(default_factory=list)
    accounts: list[AccountSpec] = Field(default_factory=list)
    declared_totals: list[DeclaredTotalSpec] = Field(default_factory=list)
    indicators: list[IndicatorSpec] = Field(default_factory=list)


def json_schema() -> dict[str, object]:
    """The JSON Schema of a plan file, generated from the models above."""
    schema = PlanFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "goaltrack plan file"
    return schema
