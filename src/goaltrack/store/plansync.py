"""Loading plan files into the database: an idempotent upsert by natural keys.

Items are matched by code, budget lines by (account, year, kind), declared totals by
(label, year, kind), links by their two ends. Loading the same file twice changes nothing.
What the file no longer has is reported, and deleted only with ``prune``; recorded
measurements and statuses are never deleted, so an item that has them is kept.
Measurements in the file are appended: a changed value supersedes the current one.
All of it happens in one transaction per call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from goaltrack.clock import utcnow
from goaltrack.people.access import Actor, require, require_site_admin
from goaltrack.planfile import schema as s
from goaltrack.planfile.dimensions import breakdown_key
from goaltrack.planfile.validate import ParsedPlan
from goaltrack.store import tables as m
from goaltrack.store.database import writer
from goaltrack.store.plandiff import LoadResult, _changed, _dump, _sync, _sync_keyed, content_hash
from goaltrack.values.accounts import AccountScheme, parse_account_code
from goaltrack.values.periods import parse_period


def load_plans(
    engine: Engine,
    parsed: Sequence[ParsedPlan],
    *,
    prune: bool = False,
    recorded_by: str = "plan-file",
    dry_run: bool = False,
    actor: Actor | None = None,
) -> list[LoadResult]:
    """Load every plan in one transaction: all of them land, or none (``dry_run``: none).

    ``actor`` must be an admin of each plan loaded again, and an admin of every plan to
    load a new one."""
    results = []
    with Session(writer(engine)) as session:
        try:
            for p in parsed:
                _may_load(session, actor, p.plan.plan.slug)
                origin = f"plan:{p.path.name}#{hashlib.sha256(p.content).hexdigest()[:16]}"
                results.append(_load(session, p.plan, prune=prune, origin=origin, recorded_by=recorded_by))
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    return results


def _may_load(session: Session, actor: Actor | None, slug: str) -> None:
    if actor is None or actor.open:
        return
    plan_id = session.exec(select(m.Plan.id).where(col(m.Plan.slug) == slug)).one_or_none()
    if plan_id is None:
        require_site_admin(actor, f"load the new plan {slug}")
    else:
        require(session.connection(), actor, "manage", plan_id)


def _now() -> dt.datetime:
    return utcnow()


def _load(session: Session, plan: s.PlanFile, *, prune: bool, origin: str, recorded_by: str) -> LoadResult:
    h = plan.plan
    result = LoadResult(slug=h.slug)
    header = {
        "title": h.title,
        "organisation": h.organisation,
        "years": h.years,
        "language": h.language,
        "currency": h.currency,
        "amount_unit": h.amount_unit,
        "amount_scale": h.amount_scale,
        "source": _dump(h.source),
        "approved_by": h.approved_by,
        "approved_on": h.approved_on,
        "hearing_bodies": h.hearing_bodies or None,
        "synthetic": h.synthetic,
        "notes": h.notes,
        "follows": h.follows,
        "price_basis": h.price_basis,
        "review": h.review,
        "self_approval": h.self_approval,
        "account_scheme": h.account_scheme if isinstance(h.account_scheme, str | None) else _dump(h.account_scheme),
        "dimensions": [_dump(d) for d in plan.dimensions] or None,
        "content_hash": content_hash(plan),
    }
    row = session.exec(select(m.Plan).where(col(m.Plan.slug) == h.slug)).one_or_none()
    if row is None:
        row = m.Plan(slug=h.slug, **header)
        session.add(row)
        session.flush()
        result.created = True
    elif _changed(row, header):
        result.bump(result.updated, "plan")
    plan_id = row.id
    assert plan_id is not None

    goals = _sync(session, result, m.NationalGoal, "national_goal", plan_id, {
        g.code: {
            "position": i, "title": g.title, "description": g.description, "issuer": g.issuer,
            "years": g.years or None, "new": g.new, "continued_from": g.continued_from,
            "source": _dump(g.source),
        } for i, g in enumerate(plan.national_goals)
    })
    areas = _sync(session, result, m.FocusArea, "focus_area", plan_id, {
        a.code: {
            "position": i, "level": a.level, "title": a.title, "description": a.description,
            "years": a.years or None, "priorities": a.priorities or None,
        } for i, a in enumerate(plan.focus_areas)
    })
    groups = _sync(session, result, m.TargetGroup, "target_group", plan_id, {
        t.code: {"position": i, "name": t.name, "description": t.description}
        for i, t in enumerate(plan.target_groups)
    })
    initiatives = _sync(session, result, m.Initiative, "initiative", plan_id, {
        ini.code: {
            "position": i, "title": ini.title, "description": ini.description,
            "focus_area_id": areas[ini.focus_area] if ini.focus_area else None,
            "owner": ini.owner, "status": ini.status, "start": ini.start, "end": ini.end,
        } for i, ini in enumerate(plan.initiatives)
    })
    accounts = _sync(session, result, m.Account, "account", plan_id, {
        a.code: _account_fields(a, i, h.scheme) for i, a in enumerate(plan.accounts)
    })
    indicators = _sync(session, result, m.Indicator, "indicator", plan_id, {
        ind.code: _indicator_fields(ind, i) for i, ind in enumerate(plan.indicators)
    })

    ids = {
        "national_goal": goals, "focus_area": areas, "target_group": groups,
        "initiative": initiatives, "account": accounts, "indicator": indicators,
    }
    _sync_links(session, result, plan, plan_id, ids, prune=prune)
    _sync_budget(session, result, plan, accounts, prune=prune)
    _sync_totals(session, result, plan, plan_id, prune=prune)
    _sync_measurements(session, result, plan, indicators, origin=origin, recorded_by=recorded_by)
    if prune:
        _prune_items(session, result, plan_id, ids)
    if result.changed:
        row.loaded_at = _now()
    return result


def _account_fields(a: s.AccountSpec, position: int, scheme: AccountScheme) -> dict[str, Any]:
    fields: dict[str, Any] = {"position": position, "name": a.name, "replaces": a.replaces,
                              "hovedkonto": None, "hovedfunktion": None, "funktion": None, "dotted": None}
    if scheme.danish:
        code = parse_account_code(a.code)
        fields.update(hovedkonto=code.hovedkonto, hovedfunktion=code.hovedfunktion,
                      funktion=code.funktion, dotted=code.dotted)
    return fields


def _indicator_fields(ind: s.IndicatorSpec, position: int) -> dict[str, Any]:
    return {
        "position": position, "name": ind.name, "unit": ind.unit, "direction": ind.direction,
        "baseline_value": ind.baseline.value if ind.baseline else None,
        "baseline_period": ind.baseline.period if ind.baseline else None,
        "target_value": ind.target.value if ind.target else None,
        "target_period": ind.target.period if ind.target else None,
        "target_low": ind.target_range[0] if ind.target_range else None,
        "target_high": ind.target_range[1] if ind.target_range else None,
        "area": ind.area, "definition": ind.definition, "source": _dump(ind.source),
        "computed": ind.computed, "parameters": dict(ind.parameters) or None,
        "scoring": _dump(ind.scoring) or None,
        "dimensions": list(ind.dimensions) or None, "targets_by": [_dump(t) for t in ind.targets_by] or None,
    }


def _desired_links(plan: s.PlanFile, ids: dict[str, dict[str, int]]) -> dict[tuple[str, int, str, int], dict[str, Any]]:
    out: dict[tuple[str, int, str, int], dict[str, Any]] = {}

    def add(src_kind: str, src: str, dst_kind: str, dst: str, link: Any, position: int,
            share: float | None = None) -> None:
        out[(src_kind, ids[src_kind][src], dst_kind, ids[dst_kind][dst])] = {
            "basis": link.basis, "quote": link.quote, "note": link.note,
            "weight": getattr(link, "weight", None), "share": share, "position": position,
        }

    for a in plan.focus_areas:
        for i, link in enumerate(a.strategic_areas):
            add("focus_area", a.code, "focus_area", link.ref, link, i)
        for i, link in enumerate(a.national_goals):
            add("focus_area", a.code, "national_goal", link.ref, link, i)
    for ini in plan.initiatives:
        for i, link in enumerate(ini.national_goals):
            add("initiative", ini.code, "national_goal", link.ref, link, i)
        for i, link in enumerate(ini.target_groups):
            add("initiative", ini.code, "target_group", link.ref, link, i)
    for acc in plan.accounts:
        for i, alink in enumerate(acc.links):
            kind, code = alink.target
            add("account", acc.code, kind, code, alink, i, share=alink.share)
    for ind in plan.indicators:
        for i, mlink in enumerate(ind.measures):
            kind, code = mlink.target
            add("indicator", ind.code, kind, code, mlink, i)
    return out


def _sync_links(session: Session, result: LoadResult, plan: s.PlanFile, plan_id: int,
                ids: dict[str, dict[str, int]], *, prune: bool) -> None:
    names = {kind: {v: k for k, v in table.items()} for kind, table in ids.items()}
    _sync_keyed(
        session, result, "link",
        session.exec(select(m.Link).where(col(m.Link.plan_id) == plan_id)),
        ("src_kind", "src_id", "dst_kind", "dst_id"),
        _desired_links(plan, ids),
        lambda key, values: m.Link(plan_id=plan_id, src_kind=key[0], src_id=key[1], dst_kind=key[2], dst_id=key[3],
                                   **values),
        lambda key: f"{names[key[0]].get(key[1], key[1])}->{names[key[2]].get(key[3], key[3])}",
        prune=prune,
    )


def _sync_budget(session: Session, result: LoadResult, plan: s.PlanFile, accounts: dict[str, int], *,
                 prune: bool) -> None:
    codes = {v: k for k, v in accounts.items()}
    _sync_keyed(
        session, result, "budget_line",
        session.exec(select(m.BudgetLine).where(col(m.BudgetLine.account_id).in_(list(accounts.values())))),
        ("account_id", "year", "kind"),
        {
            (accounts[a.code], line.year, line.kind): {"amount": line.amount, "position": i,
                                                        "price_basis": line.price_basis}
            for a in plan.accounts for i, line in enumerate(a.budget)
        },
        lambda key, values: m.BudgetLine(account_id=key[0], year=key[1], kind=key[2], **values),
        lambda key: f"{codes.get(key[0], key[0])} {key[1]} {key[2]}",
        prune=prune,
    )


def _sync_totals(session: Session, result: LoadResult, plan: s.PlanFile, plan_id: int, *, prune: bool) -> None:
    _sync_keyed(
        session, result, "declared_total",
        session.exec(select(m.DeclaredTotal).where(col(m.DeclaredTotal.plan_id) == plan_id)),
        ("label", "year", "kind"),
        {
            (t.label, t.year, t.kind): {"amount": t.amount, "accounts": t.accounts, "source": _dump(t.source),
                                        "position": i}
            for i, t in enumerate(plan.declared_totals)
        },
        lambda key, values: m.DeclaredTotal(plan_id=plan_id, label=key[0], year=key[1], kind=key[2], **values),
        lambda key: f"{key[0]} {key[1]} {key[2]}",
        prune=prune,
    )


def _sync_measurements(session: Session, result: LoadResult, plan: s.PlanFile, indicators: dict[str, int],
                       *, origin: str, recorded_by: str) -> None:
    """Append the file's measurements; a changed value supersedes, an equal one is skipped.

    The file is compared with the last value *the file* gave for each period (current or
    not), so a value recorded later by hand is not overridden by reloading the same file.
    """
    ind_ids = [indicators[ind.code] for ind in plan.indicators]
    current: dict[tuple[int, str, str], m.Measurement] = {}
    for r in session.exec(m.plan_file_measurements(ind_ids)):
        current[(r.indicator_id, r.period_code, r.breakdown)] = r
    in_file: set[tuple[int, str, str]] = set()
    now = _now()
    for ind in plan.indicators:
        ind_id = indicators[ind.code]
        for i, meas in enumerate(ind.measurements):
            breakdown = breakdown_key(meas.dimensions)
            key = (ind_id, meas.period, breakdown)
            in_file.add(key)
            values = {
                "value": meas.value, "missing_reason": meas.missing, "kind": meas.kind,
                "source": _dump(meas.source), "note": meas.note, "position": i,
            }
            old = current.get(key)
            if old is not None and all(getattr(old, k) == v for k, v in values.items()):
                result.measurements_unchanged += 1
                continue
            period = parse_period(meas.period)
            new = m.Measurement(
                indicator_id=ind_id, period_code=meas.period, freq=period.freq,
                period_start=period.start, period_end=period.end, recorded_by=recorded_by,
                recorded_at=now, origin=origin, breakdown=breakdown, **values,
            )
            # Whatever is current for the period (from the file, by hand or imported) is
            # superseded: the changed file is the newest word on it.
            # The same period is the same span and frequency however it is written
            # (2021K1 and 2021Q1), as in recording and importing.
            olds = session.exec(
                select(m.Measurement).where(
                    col(m.Measurement.indicator_id) == ind_id,
                    col(m.Measurement.freq) == period.freq,
                    col(m.Measurement.period_start) == period.start,
                    col(m.Measurement.period_end) == period.end,
                    col(m.Measurement.breakdown) == breakdown,
                    col(m.Measurement.superseded_at).is_(None),
                ).order_by(col(m.Measurement.id))
            ).all()
            for previous in olds:
                previous.superseded_at = now
            if olds:
                session.flush()  # free the one-current-value slot before the insert
                new.supersedes_id = olds[-1].id
                result.measurements_superseded += 1
            session.add(new)
            session.flush()
            result.measurements_added += 1
    result.measurements_not_in_file = len(set(current) - in_file)


def _prune_items(session: Session, result: LoadResult, plan_id: int, ids: dict[str, dict[str, int]]) -> None:
    """Delete items the file no longer has, except those with recorded data."""
    for entry in list(result.not_in_file):
        kind, _, code = entry.partition(" ")
        if kind not in m.ITEM_TABLES:
            continue
        item_id = ids[kind][code]
        if kind == "indicator" and session.exec(
            select(func.count()).select_from(m.Measurement).where(col(m.Measurement.indicator_id) == item_id)
        ).one():
            result.kept.append(f"{entry} (has recorded measurements)")
            continue
        if kind == "initiative" and session.exec(
            select(func.count()).select_from(m.InitiativeStatus).where(col(m.InitiativeStatus.initiative_id) == item_id)
        ).one():
            result.kept.append(f"{entry} (has recorded statuses)")
            continue
        if kind in ("indicator", "initiative") and _proposed(session, kind, item_id):
            # Deleting it would delete what review entries propose for it (nothing is lost).
            result.kept.append(f"{entry} (has {'values' if kind == 'indicator' else 'statuses'} filed for review)")
            continue
        session.execute(
            delete(m.Link).where(
                ((col(m.Link.src_kind) == kind) & (col(m.Link.src_id) == item_id))
                | ((col(m.Link.dst_kind) == kind) & (col(m.Link.dst_id) == item_id))
            )
        )
        if kind == "focus_area":
            orphaned = update(m.Initiative).where(col(m.Initiative.focus_area_id) == item_id)
            session.execute(orphaned.values(focus_area_id=None))
        if kind == "account":
            session.execute(delete(m.BudgetLine).where(col(m.BudgetLine.account_id) == item_id))
        item_table = m.table_of(m.ITEM_TABLES[kind])
        session.execute(delete(item_table).where(item_table.c.id == item_id))
        result.pruned.append(entry)
    session.flush()


def _proposed(session: Session, kind: str, item_id: int) -> bool:
    """Whether a review entry proposes a value of indicator (or a status of initiative) ``item_id``."""
    from sqlalchemy import select as core_select

    from goaltrack.people import tables as pt

    t = pt.pending_measurement if kind == "indicator" else pt.pending_status
    column = t.c.indicator_id if kind == "indicator" else t.c.initiative_id
    return session.connection().execute(core_select(column).where(column == item_id).limit(1)).first() is not None
