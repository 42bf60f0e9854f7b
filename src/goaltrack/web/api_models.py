"""The JSON API's request and response bodies (:mod:`goaltrack.web.api`), typed so that the
OpenAPI schema at ``/api/v1/openapi.json`` documents every endpoint.

Responses that carry a core structure (a review entry, an indicator's series) name the
fields clients rely on and allow the rest, so a new field in the core reaches the API
without a change here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

REPORT_KINDS = ("coverage", "budget", "progress", "checks")
ReportKind = Literal["coverage", "budget", "progress", "checks"]
ReviewAction = Literal["approve", "return", "submit", "withdraw"]
Lang = Literal["da", "en"]
RecordResult = Literal["recorded", "unchanged", "filed"]


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable code (docs/web.md): branch on this, not on the message.")
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class GrantOut(BaseModel):
    role: str
    plan: str = Field(description="A plan's slug, or * for every plan.")
    scope: str = Field(description="plan, focus_area, initiative or indicator.")
    code: str | None = Field(description="The item's code; null for a whole plan.")
    text: str = Field(description="The grant in words: 'contributor for FA2 in holmstad-2023'.")


class Me(BaseModel):
    login: str
    name: str
    site_admin: bool = Field(description="Admin of every plan (manages people).")
    grants: list[GrantOut]


class PlanSummary(BaseModel):
    slug: str
    title: str
    organisation: str
    years: list[int]
    review: str = Field(description="required (values wait for an approver) or off.")
    synthetic: bool


class PlanDetail(PlanSummary):
    language: str
    currency: str
    self_approval: bool
    content_hash: str = Field(description="sha256 of the plan's canonical export.")
    loaded_at: str | None = Field(description="When the plan file was last loaded (UTC).")
    counts: dict[str, int] = Field(description="How many of each kind of item the plan holds.")
    reports: dict[str, str] = Field(description="The path of each report's JSON.")


class Point(BaseModel):
    model_config = ConfigDict(extra="allow")
    period: str
    start: str | None
    end: str | None
    value: float | None
    missing: str | None = Field(description="The reason, where the value is recorded as missing.")


class IndicatorOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    plan: str
    code: str
    name: str
    unit: str | None
    direction: str | None
    baseline: dict[str, Any] | None
    target: dict[str, Any] | None
    series: list[Point] = Field(description="The current (approved) value of each period, oldest first.")
    score: float | None = Field(description="0..1, as in the progress report; null when it cannot be scored.")
    status: str | None
    explanation: str | None


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(description="2021, 2021-03, 2021Q1, 2021H1...", min_length=1, max_length=40)
    value: str | float | None = Field(None, description="The value (12.4 or '12,4'); or give missing.")
    missing: str | None = Field(None, description="The value is explicitly missing, for this reason.",
                                max_length=2000)
    note: str | None = Field(None, max_length=2000)
    source: str | None = Field(None, max_length=500)
    dimensions: dict[str, str] | None = Field(None, description="For one breakdown ({'sex': 'women'}), "
                                                                 "not the total.")
    submit: bool = Field(False, description="Where review is required: submit at once instead of a draft.")


class Recorded(BaseModel):
    result: RecordResult = Field(
        description="recorded: now current; unchanged: the same was current, nothing written; "
                    "filed: a review entry (see entry).")
    indicator: str
    period: str
    value: float | None
    dimensions: dict[str, str]
    superseded: float | None = Field(description="The value it replaced (recorded), if any.")
    replaced: bool
    current_since: str | None = Field(description="unchanged: when and by whom the current value was recorded.")
    entry: int | None = Field(description="filed: the review entry's id.")
    state: str | None = Field(description="filed: draft or submitted.")
    revision: int | None = Field(description="filed: 1 for a new entry, more when it revised an open one.")
    message: str = Field(description="What the command line would have printed.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(description="planned, on-track, at-risk, off-track, done, cancelled...", min_length=1)
    note: str | None = Field(None, description="Required for at-risk and off-track.", max_length=2000)
    submit: bool = False


class StatusRecorded(BaseModel):
    result: Literal["recorded", "filed"]
    initiative: str
    status: str
    entry: int | None
    state: str | None
    revision: int | None
    message: str


class ReviewItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    plan: str
    subject: str = Field(description="measurement, status or batch.")
    what: str
    state: str
    author: str
    revision: int
    updated_at: str | None
    reason: str | None = Field(description="Why it was returned, when it is returned.")


class ReviewQueueItem(ReviewItem):
    waits_for: str | None = Field(alias="for", description="approve: you may approve it; author: it waits for you.")


class ReviewEntry(ReviewItem):
    events: list[dict[str, Any]] = Field(description="Every transition: at, actor, from, to, reason, revision.")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, description="Required to return an entry; shown to its author.",
                               max_length=2000)


class Moved(BaseModel):
    entry: int
    subject: str
    what: str
    state: str
    written: int = Field(description="Values written, on approval.")
