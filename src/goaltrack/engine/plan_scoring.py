"""Scoring a plan: indicators by their scoring method, then everything above them rolled up.

Roll-up, as the plan's links say:

- initiative <- the indicators that measure it; with none, its current status (the latest
  recorded one, else the one its plan file declares)
  (on-track and done 1, at-risk and off-track the middle of their bands; not-started has
  no data; cancelled is left out);
- annual focus area <- its initiatives and the indicators that measure it;
- strategic focus area <- the annual areas that serve it (and indicators on it);
- national goal <- every focus area, initiative and indicator linked to it.

:func:`score_plan` runs four steps: :func:`load` reads what scoring needs (few set-based
queries, :mod:`goaltrack.store.scoring_rows`), :func:`score_indicators` and
:func:`score_initiatives` score the leaves, :func:`roll_up_plan` rolls them up through
focus areas to the national goals. The arithmetic and the explanations are in
:mod:`goaltrack.engine.scoretree`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.engine.scoretree import (
    EXAMPLE_SOURCE,
    Edge,
    Node,
    PlanScores,
    count_once,
    roll_up,
    status_score,
    weight_of,
)
from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import ComputedValue, IndicatorSpec, Observation, Score
from goaltrack.settings import DEFAULTS
from goaltrack.store import tables as m
from goaltrack.store.links import Links
from goaltrack.store.measurements import Latest, latest_values_of_plan
from goaltrack.store.scoring_rows import (
    IndicatorRow,
    indicator_rows,
    latest_statuses,
    plan_rows,
    value_series,
)
from goaltrack.values.periods import parse_period

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

__all__ = [
    "EXAMPLE_SOURCE", "Edge", "Node", "PlanScores", "goals_summary", "indicator_spec", "load", "method_name",
    "score_plan", "score_with",
    "status_score",
]


@dataclass(frozen=True)
class Thresholds:
    method: str
    on_track: float
    at_risk: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> Thresholds:
        """``[scoring]`` settings over the defaults (:data:`goaltrack.settings.DEFAULTS`)."""
        settings = settings or {}
        defaults = DEFAULTS.scoring
        return cls(
            str(settings.get("method") or defaults.method),
            float(settings.get("on_track", defaults.on_track)),
            float(settings.get("at_risk", defaults.at_risk)),
        )


@dataclass
class PlanInputs:
    """Everything scoring reads of one plan, read before anything is scored."""

    slug: str
    title: str
    indicators: list[IndicatorRow]
    initiatives: list[Any]
    areas: list[Any]
    goals: list[Any]
    links: Links
    latest: dict[int, Latest]
    series: dict[int, list[Observation]]
    statuses: dict[int, tuple[str, str]]
    method_of: dict[int, str]
    own_weight: dict[int, float]
    """An indicator's own weight (``scoring.weight``), for links that give none."""


def score_plan(
    conn: Connection,
    plugins: Plugins,
    plan_id: int,
    *,
    as_of: dt.date | None = None,
    settings: Mapping[str, Any] | None = None,
) -> PlanScores:
    limits = Thresholds.from_settings(settings)
    data = load(conn, plugins, plan_id, as_of=as_of, default_method=limits.method)
    indicators = score_indicators(conn, plugins, plan_id, data, limits, as_of=as_of)
    initiatives = score_initiatives(data, indicators, limits)
    areas, goals = roll_up_plan(data, indicators, initiatives, limits)
    return PlanScores(
        data.slug, data.title, as_of, goals, [areas[a.id] for a in data.areas],
        [initiatives[r.id] for r in data.initiatives], [indicators[r.id] for r in data.indicators],
    )


def load(conn: Connection, plugins: Plugins, plan_id: int, *, as_of: dt.date | None, default_method: str) -> PlanInputs:
    """Read the plan's items, links, latest values, the series the methods that want one
    need, and the initiatives' statuses."""
    pt = m.table_of(m.Plan)
    plan = conn.execute(select(pt.c.slug, pt.c.title).where(pt.c.id == plan_id)).one()
    ind_rows = indicator_rows(conn, plan_id)
    ini_rows = plan_rows(conn, m.Initiative, plan_id)
    methods = plugins.scoring_methods
    method_of = {r.id: method_name(r, default_method) for r in ind_rows}
    series_needed = [
        r.id for r in ind_rows if not r.computed and getattr(methods.get(method_of[r.id]), "needs_series", False)
    ]
    return PlanInputs(
        plan.slug, plan.title, ind_rows, ini_rows, plan_rows(conn, m.FocusArea, plan_id),
        plan_rows(conn, m.NationalGoal, plan_id), Links(conn, [plan_id], codes=False),
        latest_values_of_plan(conn, plan_id, as_of=as_of), value_series(conn, series_needed, as_of),
        latest_statuses(conn, [r.id for r in ini_rows], as_of), method_of,
        {r.id: weight_of((r.scoring or {}).get("weight")) for r in ind_rows},
    )


def score_indicators(
    conn: Connection, plugins: Plugins, plan_id: int, data: PlanInputs, limits: Thresholds, *, as_of: dt.date | None
) -> dict[int, Node]:
    """Each indicator by its scoring method, on its computed values, its series or its
    latest value."""
    methods = plugins.scoring_methods
    # Loaded whether or not this plan has a computed indicator: scoring is where a broken
    # indicator plugin is named, so a plan that should use it learns why it is missing.
    kinds = plugins.indicator_kinds
    indicators: dict[int, Node] = {}
    for r in data.indicators:
        spec = indicator_spec(r, on_track=limits.on_track, at_risk=limits.at_risk)
        name = data.method_of[r.id]
        if name not in methods:
            raise UsageError(f"indicator {r.code}: unknown scoring method '{name}' (available: "
                             f"{', '.join(sorted(methods))})")
        example = False
        if r.computed:
            obs = _computed(conn, plugins, kinds, plan_id, r, spec, as_of)
        elif r.id in data.series:
            obs = data.series[r.id]
        elif r.id in data.latest:
            lv = data.latest[r.id]
            p = parse_period(lv.period_code)
            obs = [Observation(lv.period_code, p.start, p.end, float(lv.value))]
            example = lv.source_title == EXAMPLE_SOURCE
        else:
            obs = []
        result, status = score_with(plugins, name, spec, obs)
        indicators[r.id] = Node(
            "indicator", r.code, r.name, result.score, status, text=result.explanation,
            with_data=int(result.score is not None), without_data=int(result.score is None),
            example=example, method=name, latest_period=obs[-1].period if obs else None,
            measured=None if result.score is None else 1.0,
        )
    return indicators


def score_with(plugins: Plugins, name: str, spec: IndicatorSpec, obs: list[Observation]) -> tuple[Score, str]:
    """Scoring method ``name``'s score of ``obs`` and the status to show: values the method
    cannot score (no baseline or target) are "not-scorable", not "no data". A method that
    returns something other than a :class:`Score` is named as the plugin at fault."""
    result = plugins.scoring_methods[name].score(spec, obs)
    if not isinstance(result, Score):
        raise PluginError(
            f"plugin {plugins.registered_by('scoring_methods', name)} failed: scoring method "
            f"'{name}' returned {type(result).__name__}, not a Score (indicator {spec.code})"
        )
    status = "not-scorable" if result.score is None and obs and result.status == "no-data" else result.status
    return result, status


def _computed(
    conn: Connection, plugins: Plugins, kinds: Mapping[str, Any], plan_id: int, r: IndicatorRow,
    spec: IndicatorSpec, as_of: dt.date | None,
) -> list[Observation]:
    """A computed indicator's values from its plugin, up to ``as_of``, oldest first."""
    kind = kinds.get(r.computed or "")
    if kind is None:
        raise UsageError(f"indicator {r.code}: unknown computed indicator '{r.computed}' (available: "
                         f"{', '.join(sorted(kinds))})")
    obs = []
    for v in kind.compute(conn, plan_id, spec):
        if not isinstance(v, ComputedValue):
            raise PluginError(
                f"plugin {plugins.registered_by('indicators', r.computed or '')} failed: computed "
                f"indicator '{r.computed}' gave {type(v).__name__}, not a ComputedValue "
                f"(indicator {r.code})"
            )
        p = parse_period(v.period)
        if as_of is None or p.end <= as_of:
            obs.append(Observation(p.code, p.start, p.end, v.value))
    obs.sort(key=lambda o: (o.end, o.start))
    return obs


def _indicator_edges(data: PlanInputs, indicators: dict[int, Node], kind: str, item_id: int) -> list[Edge]:
    """The indicators measuring an item, weighted by the link, else by the indicator's own
    weight (``scoring.weight``)."""
    return [
        Edge(indicators[lk.src_id], data.own_weight[lk.src_id] if lk.weight is None else float(lk.weight), lk.basis,
             given=lk.weight is not None)
        for lk in data.links.into[(kind, item_id)]
        if lk.src_kind == "indicator"
    ]


def score_initiatives(data: PlanInputs, indicators: dict[int, Node], limits: Thresholds) -> dict[int, Node]:
    """Each initiative from its indicators; with none, from its current status."""
    on_track, at_risk = limits.on_track, limits.at_risk
    initiatives: dict[int, Node] = {}
    for r in data.initiatives:
        node = Node("initiative", r.code, r.title)
        node.children = _indicator_edges(data, indicators, "initiative", r.id)
        if node.children:
            roll_up(node, on_track, at_risk)
        else:
            _score_by_status(node, r, data.statuses.get(r.id), limits)
        initiatives[r.id] = node
    return initiatives


def _score_by_status(node: Node, r: Any, recorded: tuple[str, str] | None, limits: Thresholds) -> None:
    status, status_origin = recorded or (r.status, "plan")
    if status == "cancelled":
        node.status, node.text = "cancelled", f"{r.code}: cancelled; left out of roll-ups"
    elif status is not None and (score := status_score(status, limits.on_track, limits.at_risk)) is not None:
        node.score = score
        node.measured = 0.0  # a status a person recorded (or the plan declares), not a measurement
        node.status = status if status != "done" else "on-track"
        said = f"status {status} in the plan file" if status_origin == "plan" else f"recorded status {status}"
        node.text = f"{r.code}: no indicator; {said} → {node.score:.2f}"
        node.with_data = 1
        node.example = status_origin == EXAMPLE_SOURCE
    else:
        node.text = f"{r.code}: no indicator and no recorded status" + (f" ({status})" if status else "")
        node.without_data = 1


def roll_up_plan(
    data: PlanInputs, indicators: dict[int, Node], initiatives: dict[int, Node], limits: Thresholds
) -> tuple[dict[int, Node], list[Node]]:
    """Annual focus areas from their initiatives, strategic ones from the annual areas, and
    the national goals from everything linked to them."""
    on_track, at_risk = limits.on_track, limits.at_risk
    by_area: dict[int, list[int]] = defaultdict(list)
    for r in data.initiatives:
        if r.focus_area_id is not None:
            by_area[r.focus_area_id].append(r.id)
    areas: dict[int, Node] = {}
    memo: dict[int, set[int]] = {}  # each node's descendants, for count_once
    annual_first = [a for a in data.areas if a.level == "annual"] + [a for a in data.areas if a.level != "annual"]
    for r in annual_first:
        node = Node("focus_area", r.code, r.title)
        if r.level == "annual":
            node.children = [Edge(initiatives[i], 1.0, "explicit") for i in by_area[r.id]
                             if initiatives[i].status != "cancelled"]
        else:
            node.children = [
                Edge(areas[lk.src_id], weight_of(lk.weight), lk.basis, lk.weight is not None)
                for lk in data.links.into[("focus_area", r.id)]
                if lk.src_kind == "focus_area" and lk.src_id in areas
            ]
        node.children += _indicator_edges(data, indicators, "focus_area", r.id)
        count_once(node, memo)
        roll_up(node, on_track, at_risk)
        areas[r.id] = node

    goals = []
    for r in data.goals:
        node = Node("national_goal", r.code, r.title)
        for lk in data.links.into[("national_goal", r.id)]:
            weight = weight_of(lk.weight)
            given = lk.weight is not None
            if lk.src_kind == "focus_area":
                node.children.append(Edge(areas[lk.src_id], weight, lk.basis, given))
            elif lk.src_kind == "initiative" and initiatives[lk.src_id].status != "cancelled":
                node.children.append(Edge(initiatives[lk.src_id], weight, lk.basis, given))
        node.children += _indicator_edges(data, indicators, "national_goal", r.id)
        count_once(node, memo)
        roll_up(node, on_track, at_risk)
        goals.append(node)
    return areas, goals


def indicator_spec(row: Any, *, on_track: float, at_risk: float) -> IndicatorSpec:
    scoring = row.scoring or {}
    thresholds = scoring.get("thresholds") or {}
    return IndicatorSpec(
        code=row.code, name=row.name, unit=row.unit, direction=row.direction,
        baseline=row.baseline_value, baseline_period=row.baseline_period,
        target=row.target_value, target_period=row.target_period,
        target_range=(row.target_low,
                      row.target_high) if row.target_low is not None and row.target_high is not None else None,
        target_type=scoring.get("target_type"),
        on_track=float(thresholds.get("on_track", on_track)),
        at_risk=float(thresholds.get("at_risk", at_risk)),
        parameters=row.parameters or {},
    )


def method_name(row: Any, default: str) -> str:
    """The scoring method an indicator row names, else ``default``."""
    return str((row.scoring or {}).get("method") or default)


def goals_summary(s: PlanScores) -> dict[str, Any]:
    """A plan's national goals with their scores: what ``score --all-plans`` shows of it."""
    return {
        "plan": s.plan_slug, "title": s.plan_title,
        "national_goals": [
            {"code": g.code, "title": g.title, "score": None if g.score is None else round(g.score, 4),
             "status": g.status, "with_data": g.with_data, "without_data": g.without_data, "example_data": g.example}
            for g in s.goals
        ],
    }
