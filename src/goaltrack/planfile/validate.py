"""Validating plan files: structure (pydantic) and references between items (here).

Every problem in a file is collected and reported at once, each as
``FILE:LINE:COL: path.to.field: message``.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pydantic

from goaltrack.errors import DataError, Problem, ValidationError
from goaltrack.planfile import schema as s
from goaltrack.planfile.dimension_checks import check_dimensions
from goaltrack.planfile.dimensions import breakdown_key
from goaltrack.planfile.schema import PlanFile
from goaltrack.planfile.yamlio import Located, PathKey, read_yaml

MAX_REPORTED = 200


@dataclass
class ParsedPlan:
    plan: PlanFile
    located: Located
    path: Path
    content: bytes


def read_plan(path: Path) -> ParsedPlan:
    """Parse and validate one plan file; raise :class:`ValidationError` with every problem."""
    plans, problems = read_plans([path])
    if problems:
        raise ValidationError(problems, limit=MAX_REPORTED)
    return plans[0]


def read_plans(paths: Sequence[Path]) -> tuple[list[ParsedPlan], list[Problem]]:
    """Parse and validate several files; problems of all of them are returned together."""
    plans: list[ParsedPlan] = []
    problems: list[Problem] = []
    seen_slugs: dict[str, str] = {}
    for path in paths:
        parsed, found = _read_one(path)
        problems.extend(found)
        if parsed is None:
            continue
        slug = parsed.plan.plan.slug
        if slug in seen_slugs:
            problems.append(
                parsed.located.problem(
                    ("plan", "slug"), f"plan '{slug}' is also defined in {seen_slugs[slug]}"
                )
            )
            continue
        seen_slugs[slug] = str(path)
        plans.append(parsed)
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0))
    return plans, problems


def _read_one(path: Path) -> tuple[ParsedPlan | None, list[Problem]]:
    # A YAML syntax error leaves no data to check; a duplicate key does (the first value is
    # kept), so checking goes on and the file's other problems are reported with it.
    located, problems = read_yaml(path)
    if located is None:
        return None, problems
    if located.data is None and not problems:  # "---", "~" or "null" alone
        return None, [Problem("the file is empty", file=located.file, line=1)]
    if not isinstance(located.data, dict):
        return None, [
            *problems,
            located.problem((), "a plan file must be a mapping with 'goaltrack:' and 'plan:' keys"),
        ]
    try:
        plan = PlanFile.model_validate(located.data)
    except pydantic.ValidationError as exc:
        # A value the YAML reader refused already (an unknown tag, a recursive alias) is
        # None by now; pydantic's "should be a valid string (got None)" would repeat it.
        reported = {p.path for p in problems if p.path}
        for err in exc.errors():
            problem = _from_pydantic(located, err)
            if not (err.get("input") is None and problem.path in reported):
                problems.append(problem)
        # Check the references of the items that are valid on their own too, so one run
        # reports every problem ("unknown key" and "unknown target group" together).
        problems += check_references(_partial_plan(located.data), located)
        return None, problems
    problems += check_references(plan, located)
    if problems:
        return None, problems
    return ParsedPlan(plan=plan, located=located, path=path, content=path.read_bytes()), []


_SECTIONS: dict[str, type[pydantic.BaseModel]] = {
    "national_goals": s.NationalGoalSpec,
    "focus_areas": s.FocusAreaSpec,
    "target_groups": s.TargetGroupSpec,
    "dimensions": s.DimensionSpec,
    "initiatives": s.InitiativeSpec,
    "accounts": s.AccountSpec,
    "indicators": s.IndicatorSpec,
    "declared_totals": s.DeclaredTotalSpec,
}


_SCHEME_ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(s.AccountSchemeField | None)


def _partial_plan(data: dict[str, Any]) -> PlanFile:
    """A plan of the items that validate on their own, for checking references.

    An item that does not validate (its problems are reported already) is replaced by a
    placeholder with no links that keeps its list position (problem paths use positions)
    and its code (so references to it are not reported as unknown).
    """
    sections: dict[str, Any] = {}
    for name, model in _SECTIONS.items():
        raw = data.get(name)
        items: list[Any] = []
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            try:
                items.append(model.model_validate(item))
            except pydantic.ValidationError:
                items.append(_placeholder(model, item, i))
        sections[name] = items
    # The header names the account scheme the codes are checked against. A header with
    # problems elsewhere still gives its scheme; one whose scheme is invalid gives none, and
    # the codes are then not checked (against a scheme the plan does not use).
    raw_header = data.get("plan")
    try:
        sections["plan"] = s.PlanHeader.model_validate(raw_header)
    except pydantic.ValidationError:
        declared = raw_header.get("account_scheme") if isinstance(raw_header, dict) else None
        with contextlib.suppress(pydantic.ValidationError):
            sections["plan"] = s.PlanHeader.model_construct(
                account_scheme=_SCHEME_ADAPTER.validate_python(declared))
    return PlanFile.model_construct(**sections)


def _placeholder(model: type[pydantic.BaseModel], item: Any, index: int) -> Any:
    raw = item if isinstance(item, dict) else {}
    code = raw.get("code")
    values: dict[str, Any] = {
        # A code nobody can refer to when the item has none, so placeholders never clash.
        "code": str(code).strip() if isinstance(code, str | int) else f"\0item {index}",
        "label": f"\0item {index}",
        "year": 0,
        "kind": "",
    }
    if model is s.FocusAreaSpec:
        level = raw.get("level")
        values["level"] = level if level in ("strategic", "annual") else None
    return model.model_construct(**{k: v for k, v in values.items() if k in model.model_fields})


def _from_pydantic(located: Located, err: Any) -> Problem:
    loc: PathKey = tuple(
        part for part in err["loc"]
        if not (isinstance(part, str) and (part.startswith("function-") or part in s.UNION_TAGS))
    )
    kind = err["type"]
    if kind == "extra_forbidden":
        return located.problem(loc, f"unknown key '{loc[-1]}'", key=True)
    if kind == "missing":
        return located.problem(loc, f"missing required key '{loc[-1]}'", key=True)
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    value = err.get("input")
    if kind in {"string_type", "int_type", "float_type", "bool_type", "list_type", "dict_type",
                "int_parsing", "float_parsing", "bool_parsing", "date_from_datetime_parsing",
                "date_parsing", "literal_error", "model_type", "string_pattern_mismatch",
                "less_than_equal", "greater_than_equal", "less_than", "greater_than",
                "finite_number"}:
        message = f"{message} (got {_show(value)})"
    if (kind in {"float_type", "float_parsing", "int_parsing"} and isinstance(value, str)
            and any(c.isdigit() for c in value)):
        message += "; write numbers without quotes and thousands separators, e.g. 7332 not '7.332'"
    return located.problem(loc, message)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Known(NamedTuple):
    """The codes defined in one plan, by section (focus areas with their items)."""

    goals: set[str]
    areas: dict[str, s.FocusAreaSpec]
    groups: set[str]
    initiatives: set[str]
    accounts: set[str]

    @classmethod
    def of(cls, plan: PlanFile) -> _Known:
        return cls(
            goals={g.code for g in plan.national_goals},
            areas={a.code: a for a in plan.focus_areas},
            groups={t.code for t in plan.target_groups},
            initiatives={i.code for i in plan.initiatives},
            accounts={a.code for a in plan.accounts},
        )


@dataclass
class _Checker:
    """The checks every section uses, reporting against one file's positions."""

    located: Located

    def dupes(self, kind: str, codes: list[str]) -> Iterable[Problem]:
        counts = Counter(codes)
        seen: set[str] = set()
        for i, code in enumerate(codes):
            if counts[code] > 1:
                if code in seen:
                    yield self.located.problem((kind, i, "code"), f"duplicate code '{code}' in {kind}")
                seen.add(code)

    def ref(self, path: PathKey, code: str, known: Iterable[str], what: str) -> Iterable[Problem]:
        if code not in known:
            yield self.located.problem(path, f"unknown {what} '{code}'")

    def no_repeats(self, path: PathKey, refs: list[str], what: str) -> Iterable[Problem]:
        seen: set[str] = set()
        for j, code in enumerate(refs):
            if code in seen:
                yield self.located.problem((*path, j), f"{what} '{code}' is linked twice")
            seen.add(code)


def check_references(plan: PlanFile, located: Located) -> Iterable[Problem]:
    """Duplicate codes, dangling references, misplaced links, bad periods and shares."""
    check = _Checker(located)
    known = _Known.of(plan)
    yield from check.dupes("national_goals", [g.code for g in plan.national_goals])
    yield from check.dupes("focus_areas", [a.code for a in plan.focus_areas])
    yield from check.dupes("target_groups", [t.code for t in plan.target_groups])
    yield from check.dupes("initiatives", [i.code for i in plan.initiatives])
    yield from check.dupes("accounts", [a.code for a in plan.accounts])
    yield from check.dupes("indicators", [i.code for i in plan.indicators])
    yield from _check_focus_areas(plan, known, check)
    yield from _check_initiatives(plan, known, check)
    yield from _check_accounts(plan, known, check)
    yield from _check_declared_totals(plan, known, check)
    yield from _check_indicators(plan, known, check)
    yield from check_dimensions(plan, located)


def _check_focus_areas(plan: PlanFile, known: _Known, check: _Checker) -> Iterable[Problem]:
    located = check.located
    for i, area in enumerate(plan.focus_areas):
        base: PathKey = ("focus_areas", i)
        if area.strategic_areas and area.level != "annual":
            yield located.problem(
                (*base, "strategic_areas"),
                "only annual focus areas link to strategic areas (this one is strategic)",
                key=True,
            )
        for j, link in enumerate(area.strategic_areas):
            target = known.areas.get(link.ref)
            if target is None:
                yield located.problem((*base, "strategic_areas", j, "ref"), f"unknown focus area '{link.ref}'")
            elif target.level not in ("strategic", None):  # None: the area itself is invalid
                yield located.problem(
                    (*base, "strategic_areas", j, "ref"),
                    f"focus area '{link.ref}' is {target.level}, not strategic",
                )
        yield from check.no_repeats((*base, "strategic_areas"), [x.ref for x in area.strategic_areas], "focus area")
        for j, link in enumerate(area.national_goals):
            yield from check.ref((*base, "national_goals", j, "ref"), link.ref, known.goals, "national goal")
        yield from check.no_repeats((*base, "national_goals"), [x.ref for x in area.national_goals], "national goal")


def _check_initiatives(plan: PlanFile, known: _Known, check: _Checker) -> Iterable[Problem]:
    for i, ini in enumerate(plan.initiatives):
        base: PathKey = ("initiatives", i)
        if ini.focus_area is not None:
            yield from check.ref((*base, "focus_area"), ini.focus_area, known.areas, "focus area")
        for j, link in enumerate(ini.national_goals):
            yield from check.ref((*base, "national_goals", j, "ref"), link.ref, known.goals, "national goal")
        yield from check.no_repeats((*base, "national_goals"), [x.ref for x in ini.national_goals], "national goal")
        for j, link in enumerate(ini.target_groups):
            yield from check.ref((*base, "target_groups", j, "ref"), link.ref, known.groups, "target group")
        yield from check.no_repeats((*base, "target_groups"), [x.ref for x in ini.target_groups], "target group")


def _check_accounts(plan: PlanFile, known: _Known, check: _Checker) -> Iterable[Problem]:
    located = check.located
    known_by_kind = {"focus_area": known.areas, "initiative": known.initiatives, "target_group": known.groups}
    # A partial plan (some item did not validate) has no header if its scheme is invalid.
    header = getattr(plan, "plan", None)
    scheme = header.scheme if header is not None else None
    for i, account in enumerate(plan.accounts):
        base: PathKey = ("accounts", i)
        # A placeholder (see _partial_plan) sets no name; its code's problems are reported.
        wrong = scheme.problem(account.code) if scheme and "name" in account.model_fields_set else None
        if wrong is not None:
            yield located.problem((*base, "code"), wrong)
        seen_lines: set[tuple[int, str]] = set()
        for j, line in enumerate(account.budget):
            if (line.year, line.kind) in seen_lines:
                yield located.problem(
                    (*base, "budget", j), f"a {line.kind} line for {line.year} is given twice"
                )
            seen_lines.add((line.year, line.kind))
        shares = 0.0
        seen_links: set[tuple[str, str]] = set()
        for j, alink in enumerate(account.links):
            kind, code = alink.target
            yield from check.ref((*base, "links", j, kind), code, known_by_kind[kind], kind.replace("_", " "))
            if (kind, code) in seen_links:
                yield located.problem((*base, "links", j), f"{kind.replace('_', ' ')} '{code}' is linked twice")
            seen_links.add((kind, code))
            shares += alink.share or 0.0
        if shares > 100.0 + 1e-9:
            yield located.problem((*base, "links"), f"the shares add up to {shares:g} %, more than 100 %", key=True)


def _check_declared_totals(plan: PlanFile, known: _Known, check: _Checker) -> Iterable[Problem]:
    for i, total in enumerate(plan.declared_totals):
        for j, code in enumerate(total.accounts or []):
            yield from check.ref(("declared_totals", i, "accounts", j), code, known.accounts, "account")
    total_keys = Counter((t.label, t.year, t.kind) for t in plan.declared_totals)
    for i, total in enumerate(plan.declared_totals):
        if total_keys[(total.label, total.year, total.kind)] > 1:
            yield check.located.problem(
                ("declared_totals", i), f"declared total '{total.label}' for {total.year} ({total.kind}) is given twice"
            )


def _check_indicators(plan: PlanFile, known: _Known, check: _Checker) -> Iterable[Problem]:
    from goaltrack.values.periods import parse_period

    located = check.located
    item_known = {"national_goal": known.goals, "focus_area": known.areas, "initiative": known.initiatives}
    for i, ind in enumerate(plan.indicators):
        base: PathKey = ("indicators", i)
        for j, mlink in enumerate(ind.measures):
            kind, code = mlink.target
            yield from check.ref((*base, "measures", j, kind), code, item_known[kind], kind.replace("_", " "))
        for point in ("baseline", "target"):
            value = getattr(ind, point)
            if value is not None:
                try:
                    parse_period(value.period)
                except DataError as exc:
                    yield located.problem((*base, point, "period"), exc.message)
        if ind.direction == "range" and ind.target_range is None:
            yield located.problem((*base, "direction"), "direction 'range' needs target_range: [low, high]")
        if ind.target_range is not None and ind.target_range[0] > ind.target_range[1]:
            yield located.problem((*base, "target_range"), "the lower bound is above the upper bound")
        periods: dict[tuple[str, str], int] = {}
        for j, m in enumerate(ind.measurements):
            try:
                parse_period(m.period)
            except DataError as exc:
                yield located.problem((*base, "measurements", j, "period"), exc.message)
                continue
            key = (m.period, breakdown_key(m.dimensions))  # a period once per breakdown
            if key in periods:
                of = f" for {key[1].replace(';', ', ')}" if key[1] else ""
                yield located.problem(
                    (*base, "measurements", j, "period"),
                    f"period '{m.period}'{of} is given twice (first at measurements[{periods[key]}])",
                )
            periods.setdefault(key, j)
