"""Every closed list goaltrack knows, in one place: the words a plan file, a command or a
report may use for statuses, severities, directions, languages, item kinds and units.

The ``Literal`` types are what the schema and the plugin interfaces are typed with; the
tuples are derived from them, so a word added to a type is known everywhere at once.
Labels for these words (in Danish and English) live in :mod:`goaltrack.render.i18n`.
"""

from __future__ import annotations

from typing import Literal, get_args

# ---------------------------------------------------------------------------- languages

Language = Literal["da", "en"]
#: The languages reports, commands and the catalogs have labels in.
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"

# ---------------------------------------------------------------------------- statuses

#: What scoring says about an indicator, an initiative or a goal. ``not-scorable``: an
#: indicator that has values its method cannot score (no baseline or target, say).
Status = Literal["on-track", "at-risk", "off-track", "no-data", "not-scorable"]
STATUSES: tuple[Status, ...] = get_args(Status)

#: What a score rests on: measured indicator values, statuses people recorded, or both.
ScoreSource = Literal["measured", "self-reported", "both"]
SCORE_SOURCES: tuple[ScoreSource, ...] = get_args(ScoreSource)

#: What a manager records about an initiative (``goaltrack status``, ``status:`` in a plan).
InitiativeStatus = Literal["not-started", "on-track", "at-risk", "off-track", "done", "cancelled"]
INITIATIVE_STATUSES: tuple[InitiativeStatus, ...] = get_args(InitiativeStatus)

# ---------------------------------------------------------------------------- checks

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
#: Most severe first: how findings are sorted and which severity makes ``--strict`` fail.
SEVERITY_ORDER: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

# ---------------------------------------------------------------------------- indicators

Direction = Literal["increase", "decrease", "maintain", "range"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)

# ---------------------------------------------------------------------------- plan facts

#: Whether a link is stated in the plan's text or only inferred by whoever wrote the file.
Basis = Literal["explicit", "inferred"]
BASES: tuple[Basis, ...] = get_args(Basis)
FocusLevel = Literal["strategic", "annual"]
#: Budget lines: the adopted budget, a corrected budget, or the accounts (regnskab).
BudgetKind = Literal["budget", "corrected", "actual"]
BUDGET_KINDS: tuple[BudgetKind, ...] = get_args(BudgetKind)
MeasurementKind = Literal["observed", "forecast"]

# ---------------------------------------------------------------------------- item kinds

#: The kinds of item a plan holds, as ``goaltrack list KIND`` spells them, with the
#: singular the database, JSON and labels use.
ITEM_KINDS: dict[str, str] = {
    "national-goals": "national_goal",
    "focus-areas": "focus_area",
    "target-groups": "target_group",
    "initiatives": "initiative",
    "indicators": "indicator",
    "accounts": "account",
}
LIST_KINDS: tuple[str, ...] = tuple(ITEM_KINDS)

# ---------------------------------------------------------------------------- people

#: The roles a person may hold, each including the ones before it (:mod:`goaltrack.people.access`).
Role = Literal["viewer", "contributor", "approver", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# ---------------------------------------------------------------------------- units

#: Shares written in percent: 12.4 means 12.4 %, and a value must lie in 0-100.
PERCENT_UNITS = frozenset({"pct", "%", "percent", "procent", "pct.", "share-pct"})
#: Differences between two percentages: printed as percentage points, any sign.
PERCENT_POINT_UNITS = frozenset({"pct-point", "pct-points", "procentpoint"})
#: Changes in percent (+17.7 %): printed with a sign, may be negative or above 100.
PERCENT_CHANGE_UNITS = frozenset({"pct-change"})
#: Shares written as fractions: 0.124 means 12.4 %, and a value must lie in 0-1.
SHARE_UNITS = frozenset({"share", "ratio", "andel"})

UnitClass = Literal["percent", "percent-point", "percent-change", "share", "other"]


def unit_class(unit: str | None) -> UnitClass:
    """How values in ``unit`` are checked and printed (case and spaces do not matter)."""
    u = (unit or "").strip().lower()
    if u in PERCENT_UNITS:
        return "percent"
    if u in PERCENT_POINT_UNITS:
        return "percent-point"
    if u in PERCENT_CHANGE_UNITS:
        return "percent-change"
    if u in SHARE_UNITS:
        return "share"
    return "other"
