"""Exporting a plan from the database back to a plan file.

The export is built as a :class:`~goaltrack.planfile.schema.PlanFile` (so it is valid by
construction), dumped without defaults, and written as block-style YAML in the file's own
order (``position``). Loading the export into an empty database gives the same rows;
exporting again gives the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from goaltrack.planfile import schema as s
from goaltrack.planfile.dimensions import breakdown_values
from goaltrack.store import tables as m


def export_plan(engine: Engine, plan_id: int) -> str:
    with Session(engine) as session:
        plan = build_planfile(session, plan_id)
    data = _tidy(plan.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    header = (
        f"# goaltrack plan file, exported from the database.\n"
        f"# plan: {plan.plan.slug}\n"
    )
    return header + dump_yaml(data)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write YAML by hand.
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def _tidy(value: Any) -> Any:
    """Write whole numbers as integers (7332, not 7332.0)."""
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _rows(session: Session, model: type[Any], plan_id: int) -> list[Any]:
    return list(
        session.exec(select(model).where(col(model.plan_id) == plan_id).order_by(col(model.position), col(model.code)))
    )


@dataclass
class _PlanRows:
    """Everything the export reads of one plan, grouped by what it belongs to."""

    plan: m.Plan
    # The item rows as :func:`_rows` gives them: their columns are plain strings, which the
    # plan file's schema checks against its closed lists when the export is built.
    goals: list[Any]
    areas: list[Any]
    groups: list[Any]
    initiatives: list[Any]
    accounts: list[Any]
    indicators: list[Any]
    totals: list[Any]
    code_of: dict[str, dict[int, str]]  # kind -> id -> code
    links: dict[tuple[str, int], list[m.Link]]  # (src_kind, src_id) -> its links
    budget: dict[int, list[m.BudgetLine]]  # account id -> its lines
    measurements: dict[int, list[m.Measurement]]  # indicator id -> the plan file's values

    def refs(self, kind: str, item_id: int, dst_kind: str) -> list[s.LinkSpec]:
        return [
            s.LinkSpec(ref=self.code_of[dst_kind][lk.dst_id], basis=lk.basis, quote=lk.quote, note=lk.note,
                       weight=lk.weight)
            for lk in self.links[(kind, item_id)]
            if lk.dst_kind == dst_kind
        ]

    def latest_plan_values(self, ind_id: int) -> list[s.MeasurementSpec]:
        # The file's last word per period, in the file's order.
        last: dict[tuple[str, str], m.Measurement] = {}
        for meas in self.measurements[ind_id]:
            last[(meas.period_code, meas.breakdown)] = meas
        ordered = sorted(last.values(), key=lambda r: (r.position, r.period_code))
        return [
            s.MeasurementSpec(
                period=r.period_code, value=r.value, missing=r.missing_reason, kind=r.kind,
                source=s.Source(**r.source) if r.source else None, note=r.note,
                dimensions=breakdown_values(r.breakdown),
            )
            for r in ordered
        ]


def _read_plan(session: Session, plan_id: int) -> _PlanRows:
    p = session.get(m.Plan, plan_id)
    assert p is not None
    goals = _rows(session, m.NationalGoal, plan_id)
    areas = _rows(session, m.FocusArea, plan_id)
    groups = _rows(session, m.TargetGroup, plan_id)
    initiatives = _rows(session, m.Initiative, plan_id)
    accounts = _rows(session, m.Account, plan_id)
    indicators = _rows(session, m.Indicator, plan_id)
    code_of = {
        kind: {r.id: r.code for r in rows}
        for kind, rows in (
            ("national_goal", goals), ("focus_area", areas), ("target_group", groups),
            ("initiative", initiatives), ("account", accounts), ("indicator", indicators),
        )
    }
    links: dict[tuple[str, int], list[m.Link]] = defaultdict(list)
    for link in session.exec(
        select(m.Link).where(col(m.Link.plan_id) == plan_id).order_by(col(m.Link.position), col(m.Link.id))
    ):
        links[(link.src_kind, link.src_id)].append(link)

    budget: dict[int, list[m.BudgetLine]] = defaultdict(list)
    for line in session.exec(
        select(m.BudgetLine)
        .join(m.Account, col(m.Account.id) == m.BudgetLine.account_id)
        .where(col(m.Account.plan_id) == plan_id)
        .order_by(col(m.BudgetLine.position), col(m.BudgetLine.year), col(m.BudgetLine.kind))
    ):
        budget[line.account_id].append(line)

    measurements: dict[int, list[m.Measurement]] = defaultdict(list)
    ind_ids = [i.id for i in indicators]
    for meas in session.exec(m.plan_file_measurements(ind_ids)):
        measurements[meas.indicator_id].append(meas)
    totals = list(session.exec(
        select(m.DeclaredTotal).where(col(m.DeclaredTotal.plan_id) == plan_id).order_by(col(m.DeclaredTotal.position))
    ))
    return _PlanRows(p, goals, areas, groups, initiatives, accounts, indicators, totals,
                     code_of, links, budget, measurements)


def _account_scheme(stored: Any) -> Any:
    """The header's ``account_scheme`` from its stored JSON: the name or the plan's own spec."""
    return s.AccountSchemeSpec.model_validate(stored) if isinstance(stored, dict) else stored


def build_planfile(session: Session, plan_id: int) -> s.PlanFile:
    rows = _read_plan(session, plan_id)
    p, refs, code_of = rows.plan, rows.refs, rows.code_of
    return s.PlanFile(
        goaltrack=1,
        plan=s.PlanHeader(
            slug=p.slug, title=p.title, organisation=p.organisation, years=p.years,
            language=p.language, currency=p.currency, amount_unit=p.amount_unit,
            amount_scale=p.amount_scale, source=s.Source(**p.source) if p.source else None,
            approved_by=p.approved_by, approved_on=p.approved_on,
            hearing_bodies=p.hearing_bodies or [], synthetic=p.synthetic, notes=p.notes,
            follows=p.follows, price_basis=p.price_basis, review=cast(Any, p.review), self_approval=p.self_approval,
            account_scheme=_account_scheme(p.account_scheme),
        ),
        national_goals=[
            s.NationalGoalSpec(
                code=g.code, title=g.title, description=g.description, issuer=g.issuer,
                years=g.years or [], new=g.new, continued_from=g.continued_from,
                source=s.Source(**g.source) if g.source else None,
            )
            for g in rows.goals
        ],
        focus_areas=[
            s.FocusAreaSpec(
                code=a.code, level=a.level, title=a.title, description=a.description,
                years=a.years or [], priorities=a.priorities or [],
                strategic_areas=refs("focus_area", a.id, "focus_area"),
                national_goals=refs("focus_area", a.id, "national_goal"),
            )
            for a in rows.areas
        ],
        target_groups=[s.TargetGroupSpec(code=t.code, name=t.name, description=t.description) for t in rows.groups],
        dimensions=[s.DimensionSpec.model_validate(d) for d in p.dimensions or []],
        initiatives=[
            s.InitiativeSpec(
                code=i.code, title=i.title, description=i.description,
                focus_area=code_of["focus_area"].get(i.focus_area_id) if i.focus_area_id else None,
                owner=i.owner, status=i.status, start=i.start, end=i.end,
                national_goals=refs("initiative", i.id, "national_goal"),
                target_groups=refs("initiative", i.id, "target_group"),
            )
            for i in rows.initiatives
        ],
        accounts=[_account(rows, a) for a in rows.accounts],
        declared_totals=[
            s.DeclaredTotalSpec(
                label=t.label, year=t.year, kind=t.kind, amount=t.amount, accounts=t.accounts,
                source=s.Source(**t.source) if t.source else None,
            )
            for t in rows.totals
        ],
        indicators=[_indicator(rows, i) for i in rows.indicators],
    )


def _account(rows: _PlanRows, a: Any) -> s.AccountSpec:
    return s.AccountSpec(
        code=a.code, name=a.name, replaces=a.replaces,
        budget=[s.BudgetLineSpec(year=b.year, kind=b.kind, amount=b.amount, price_basis=b.price_basis)
                for b in rows.budget[a.id]],
        links=[
            s.AccountLinkSpec(
                **{lk.dst_kind: rows.code_of[lk.dst_kind][lk.dst_id]},
                share=lk.share, basis=lk.basis, quote=lk.quote, note=lk.note,
            )
            for lk in rows.links[("account", a.id)]
        ],
    )


def _indicator(rows: _PlanRows, i: Any) -> s.IndicatorSpec:
    return s.IndicatorSpec(
        code=i.code, name=i.name, unit=i.unit, direction=i.direction,
        baseline=s.Point(value=i.baseline_value, period=i.baseline_period)
        if i.baseline_value is not None and i.baseline_period else None,
        target=s.Point(value=i.target_value, period=i.target_period)
        if i.target_value is not None and i.target_period else None,
        target_range=(i.target_low, i.target_high)
        if i.target_low is not None and i.target_high is not None else None,
        area=i.area, definition=i.definition,
        source=s.Source(**i.source) if i.source else None,
        computed=i.computed, parameters=i.parameters or {},
        scoring=s.Scoring(**i.scoring) if i.scoring else None,
        measures=[
            s.IndicatorLinkSpec(
                **{lk.dst_kind: rows.code_of[lk.dst_kind][lk.dst_id]},
                basis=lk.basis, quote=lk.quote, note=lk.note, weight=lk.weight,
            )
            for lk in rows.links[("indicator", i.id)]
        ],
        dimensions=i.dimensions or [],
        targets_by=[s.DimensionTargetSpec.model_validate(t) for t in i.targets_by or []],
        measurements=rows.latest_plan_values(i.id),
    )
