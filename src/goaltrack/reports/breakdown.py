"""An indicator broken down by one dimension: ``goaltrack report progress --by DIMENSION``.

For each indicator that has the dimension, each of the dimension's values with its latest
current value, its baseline and target where ``targets_by`` gives them, and a score by the
indicator's own scoring method on that value's series; the indicator's total beside them.
A value is the breakdown by that dimension alone (``sex=women``): a cross-breakdown
(``age=16-29;sex=women``) belongs to neither one-dimension view and is left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.engine.plan_scoring import Thresholds, indicator_spec, method_name, score_with
from goaltrack.errors import UsageError
from goaltrack.interfaces import Column, Observation, Table
from goaltrack.store import tables as m
from goaltrack.store.scoring_rows import indicator_rows

if TYPE_CHECKING:
    from goaltrack.engine.scoretree import Node
    from goaltrack.plugins import Plugins


def declared_dimension(conn: Connection, plan_id: int, code: str) -> dict[str, Any]:
    """The plan's dimension ``code`` as declared; a usage error naming those it has."""
    pt = m.table_of(m.Plan)
    declared = conn.execute(select(pt.c.dimensions).where(pt.c.id == plan_id)).scalar_one() or []
    for dim in declared:
        if dim["code"] == code:
            return dict(dim)
    from goaltrack.suggest import did_you_mean

    names = ", ".join(d["code"] for d in declared)
    known = did_you_mean(code, [d["code"] for d in declared]) or (
        f" (its dimensions: {names})" if names else " (it declares no dimensions)")
    raise UsageError(f"--by {code}: the plan has no dimension '{code}'{known}")


def build_breakdown(conn: Connection, plugins: Plugins, plan_id: int, code: str, totals: dict[str, Node], *,
                    as_of: dt.date | None, settings: dict[str, Any]) -> tuple[dict[str, Any], Table]:
    """The ``breakdown`` of the progress report's JSON, and its table. ``totals`` are the
    indicators' own scores (by code), shown beside the values."""
    dim = declared_dimension(conn, plan_id, code)
    limits = Thresholds.from_settings(settings)
    it = m.table_of(m.Indicator)
    having = {iid for iid, dims in conn.execute(select(it.c.id, it.c.dimensions).where(it.c.plan_id == plan_id))
              if code in (dims or [])}
    rows = [r for r in indicator_rows(conn, plan_id) if r.id in having]
    series = _series(conn, [r.id for r in rows], code, as_of)
    targets = _targets(conn, [r.id for r in rows], code)
    indicators = []
    for r in rows:
        spec = indicator_spec(r, on_track=limits.on_track, at_risk=limits.at_risk)
        method = method_name(r, limits.method)
        values = []
        for value in dim["values"]:
            own = dict(targets.get((r.id, value["code"]), {}))
            obs = series.get((r.id, value["code"]), [])
            if own.get("baseline") is None and r.baseline_period:
                # No baseline of its own: the value's figure for the indicator's baseline
                # period, where one is recorded (measured, not assumed from the total).
                own["baseline"] = next((o.value for o in obs if o.period == r.baseline_period), None)
            # The value's own target and baseline; without a target, no score (a breakdown is
            # never scored against the total's target).
            vspec = dataclasses.replace(spec, baseline=own.get("baseline"), target=own.get("target"),
                                        target_range=spec.target_range if own.get("target") is None else None)
            score, status = score_with(plugins, method, vspec, obs)
            last = obs[-1] if obs else None
            values.append({
                "value": value["code"], "name": value.get("name") or value["code"],
                "latest": None if last is None else {"period": last.period, "value": last.value},
                "baseline": own.get("baseline"), "target": own.get("target"), "note": own.get("note"),
                "score": None if score.score is None else round(score.score, 4),
                "status": status, "explanation": score.explanation if obs else None,
            })
        total = totals.get(r.code)
        indicators.append({
            "code": r.code, "name": r.name, "unit": r.unit, "values": values,
            "total_status": total.status if total is not None else None,
            "total_score": None if total is None or total.score is None else round(total.score, 4),
        })
    data = {"dimension": code, "name": dim["name"], "values": [v["code"] for v in dim["values"]],
            "indicators": indicators}
    return data, _table(data)


def _targets(conn: Connection, ids: list[int], code: str) -> dict[tuple[int, str], dict[str, Any]]:
    it = m.table_of(m.Indicator)
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for iid, targets in conn.execute(select(it.c.id, it.c.targets_by).where(it.c.id.in_(ids))):
        for t in targets or []:
            if t["dimension"] == code:
                out[(iid, t["value"])] = t
    return out


def _series(conn: Connection, ids: list[int], code: str,
            as_of: dt.date | None) -> dict[tuple[int, str], list[Observation]]:
    """(indicator id, value code) -> its current observed values, oldest first: one query
    for the plan, on the breakdown's prefix (``sex=``) and then exact single-dimension keys."""
    mt = m.table_of(m.Measurement)
    q = (
        select(mt.c.indicator_id, mt.c.breakdown, mt.c.period_code, mt.c.period_start, mt.c.period_end, mt.c.value)
        .where(mt.c.indicator_id.in_(ids), mt.c.superseded_at.is_(None), mt.c.kind == "observed",
               mt.c.value.is_not(None), mt.c.breakdown.startswith(f"{code}=", autoescape=True))
        .order_by(mt.c.indicator_id, mt.c.period_end, mt.c.period_start)
    )
    if as_of is not None:
        q = q.where(mt.c.period_end <= as_of)
    out: dict[tuple[int, str], list[Observation]] = defaultdict(list)
    for r in conn.execute(q):
        if ";" in r.breakdown:
            continue  # a cross-breakdown: not a value of this dimension alone
        value = r.breakdown.split("=", 1)[1]
        out[(r.indicator_id, value)].append(Observation(r.period_code, r.period_start, r.period_end, float(r.value)))
    return out


def _table(data: dict[str, Any]) -> Table:
    cols = [Column("indicator", "Indicator"), Column("value", data["name"]), Column("period", "Period"),
            Column("latest", "Latest", "number"), Column("baseline", "Baseline", "number"),
            Column("target", "Target", "number"), Column("score", "Score", "number"),
            Column("status", "Status", labels="status")]
    rows = [
        (i["code"], v["name"], (v["latest"] or {}).get("period", ""), (v["latest"] or {}).get("value"),
         v["baseline"], v["target"], v["score"], v["status"])
        for i in data["indicators"] for v in i["values"]
    ]
    # The dimension's name (plan text) heads its column; the title is the catalog's.
    return Table("breakdown", "Breakdown by dimension", cols, rows)
