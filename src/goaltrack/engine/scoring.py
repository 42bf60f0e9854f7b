"""Scoring a plan: indicators by their scoring method, then everything above them rolled up.

Roll-up, as the plan's links say:

- initiative <- the indicators that measure it; with none, its current status (the latest
  recorded one, else the one its plan file declares)
  (on-track and done 1, at-risk and off-track the middle of their bands; not-started has
  no data; cancelled is left out);
- annual focus area <- its initiatives and the indicators that measure it;
- strategic focus area <- the annual areas that serve it (and indicators on it);
- national goal <- every focus area, initiative and indicator linked to it.

Each score is the weighted mean of the children that have data (weights from links, or the
indicator's scoring weight, default 1); children without data are counted and shown, never
treated as zero. Latest values come from one set-based query (:mod:`goaltrack.store.measurements`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Text, cast, select
from sqlalchemy.engine import Connection

from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import (
    Column,
    ComputedValue,
    IndicatorSpec,
    Observation,
    Report,
    Score,
    Table,
)
from goaltrack.settings import DEFAULTS
from goaltrack.store import tables as m
from goaltrack.store.measurements import latest_values_of_plan
from goaltrack.values.periods import parse_period

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

def status_score(status: str, on_track: float, at_risk: float) -> float | None:
    """The score a recorded status stands for: the middle of its band, so that one at-risk
    initiative rolls up as at risk (not, say, 0.5, which would read as off track)."""
    return {
        "on-track": 1.0,
        "done": 1.0,
        "at-risk": (on_track + at_risk) / 2,
        "off-track": at_risk / 2,
    }.get(status)
EXAMPLE_SOURCE = "example"


@dataclass(eq=False)
class Node:
    kind: str
    code: str
    title: str
    score: float | None = None
    status: str = "no-data"
    text: str | None = None
    """The explanation when it is given (indicators, initiatives scored by status); ``None``
    for a roll-up, whose explanation is written from its children when first asked for:
    ``score --all-plans`` shows none of them, and writing them all was a tenth of its time."""
    children: list[Edge] = field(default_factory=list)
    with_data: int = 0
    without_data: int = 0
    example: bool = False  # the score rests (partly) on example data
    method: str | None = None
    latest_period: str | None = None

    @property
    def explanation(self) -> str:
        if self.text is None:
            self.text = _roll_up_explanation(self)
        return self.text

    def to_json(self, seen: set[tuple[str, str]] | None = None) -> dict[str, Any]:
        return {
            "kind": self.kind, "code": self.code, "title": self.title,
            "score": None if self.score is None else round(self.score, 4),
            "status": self.status, "explanation": self.explanation,
            "with_data": self.with_data, "without_data": self.without_data,
            "example_data": self.example, "method": self.method, "latest_period": self.latest_period,
            "children": [
                {"weight": e.weight, "basis": e.basis, **e.node.to_json()} for e in self.children
            ],
        }


@dataclass
class Edge:
    node: Node
    weight: float
    basis: str


@dataclass
class PlanScores:
    plan_slug: str
    plan_title: str
    as_of: dt.date | None
    goals: list[Node]
    areas: list[Node]
    initiatives: list[Node]
    indicators: list[Node]

    def find(self, code: str) -> Node:
        for group in (self.goals, self.areas, self.initiatives, self.indicators):
            for node in group:
                if node.code == code:
                    return node
        raise UsageError(f"no national goal, focus area, initiative or indicator '{code}' in this plan")


def _band(score: float, on_track: float, at_risk: float) -> str:
    return "on-track" if score >= on_track else "at-risk" if score >= at_risk else "off-track"


def indicator_spec(row: Any, *, on_track: float, at_risk: float) -> IndicatorSpec:
    scoring = row.scoring or {}
    thresholds = scoring.get("thresholds") or {}
    return IndicatorSpec(
        code=row.code, name=row.name, unit=row.unit, direction=row.direction,
        baseline=row.baseline_value, baseline_period=row.baseline_period,
        target=row.target_value, target_period=row.target_period,
        target_range=(row.target_low, row.target_high) if row.target_low is not None and row.target_high is not None else None,
        target_type=scoring.get("target_type"),
        on_track=float(thresholds.get("on_track", on_track)),
        at_risk=float(thresholds.get("at_risk", at_risk)),
        parameters=row.parameters or {},
    )


def score_plan(
    conn: Connection,
    plugins: Plugins,
    plan_id: int,
    *,
    as_of: dt.date | None = None,
    settings: Mapping[str, Any] | None = None,
) -> PlanScores:
    settings = settings or {}
    defaults = DEFAULTS.scoring
    default_method = str(settings.get("method") or defaults.method)
    on_track = float(settings.get("on_track", defaults.on_track))
    at_risk = float(settings.get("at_risk", defaults.at_risk))
    pt = m.table_of(m.Plan)
    plan = conn.execute(select(pt).where(pt.c.id == plan_id)).one()

    def rows(model: type[Any], *columns: str) -> list[Any]:
        t = m.table_of(model)
        chosen = [t.c[c] for c in columns] if columns else [t]
        return list(conn.execute(select(*chosen).where(t.c.plan_id == plan_id).order_by(t.c.position, t.c.code)).all())

    # Only the columns scoring reads (an indicator's texts and sources are not needed here).
    ind_rows = _indicator_rows(conn, plan_id)
    ini_rows, area_rows, goal_rows = rows(m.Initiative), rows(m.FocusArea), rows(m.NationalGoal)
    links = _LinksInto(conn, plan_id)
    methods = plugins.scoring_methods
    kinds = plugins.indicator_kinds

    latest = latest_values_of_plan(conn, plan_id, as_of=as_of)
    method_of = {r.id: _method_name(r, default_method) for r in ind_rows}
    series_needed = [r.id for r in ind_rows if not r.computed and getattr(
        methods.get(method_of[r.id]), "needs_series", False)]
    series = _series(conn, series_needed, as_of)

    indicators: dict[int, Node] = {}
    for r in ind_rows:
        spec = indicator_spec(r, on_track=on_track, at_risk=at_risk)
        name = method_of[r.id]
        if name not in methods:
            raise UsageError(f"indicator {r.code}: unknown scoring method '{name}' (available: {', '.join(sorted(methods))})")
        example = False
        if r.computed:
            kind = kinds.get(r.computed)
            if kind is None:
                raise UsageError(f"indicator {r.code}: unknown computed indicator '{r.computed}' (available: {', '.join(sorted(kinds))})")
            obs = []
            for v in kind.compute(conn, plan_id, spec):
                if not isinstance(v, ComputedValue):
                    raise PluginError(
                        f"plugin {plugins.registered_by('indicators', r.computed)} failed: computed "
                        f"indicator '{r.computed}' gave {type(v).__name__}, not a ComputedValue "
                        f"(indicator {r.code})"
                    )
                p = parse_period(v.period)
                if as_of is None or p.end <= as_of:
                    obs.append(Observation(p.code, p.start, p.end, v.value))
            obs.sort(key=lambda o: (o.end, o.start))
        elif r.id in series:
            obs = series[r.id]
        elif r.id in latest:
            lv = latest[r.id]
            p = parse_period(lv.period_code)
            obs = [Observation(lv.period_code, p.start, p.end, float(lv.value))]
            example = lv.source_title == EXAMPLE_SOURCE
        else:
            obs = []
        result: Score = methods[name].score(spec, obs)
        if not isinstance(result, Score):
            raise PluginError(
                f"plugin {plugins.registered_by('scoring_methods', name)} failed: scoring method "
                f"'{name}' returned {type(result).__name__}, not a Score (indicator {r.code})"
            )
        indicators[r.id] = Node(
            "indicator", r.code, r.name, result.score, result.status, text=result.explanation,
            with_data=int(result.score is not None), without_data=int(result.score is None),
            example=example, method=name, latest_period=obs[-1].period if obs else None,
        )

    statuses = _latest_statuses(conn, [r.id for r in ini_rows], as_of)

    # An indicator's own weight (scoring.weight), for links that give none.
    own_weight = {r.id: _weight((r.scoring or {}).get("weight")) for r in ind_rows}

    def indicator_edges(kind: str, item_id: int) -> list[Edge]:
        return [
            Edge(indicators[lk.src_id], own_weight[lk.src_id] if lk.weight is None else float(lk.weight), lk.basis)
            for lk in links.into[(kind, item_id)]
            if lk.src_kind == "indicator"
        ]

    initiatives: dict[int, Node] = {}
    for r in ini_rows:
        node = Node("initiative", r.code, r.title)
        node.children = indicator_edges("initiative", r.id)
        if node.children:
            _roll_up(node, on_track, at_risk)
        else:
            status, status_origin = statuses.get(r.id) or (r.status, "plan")
            if status == "cancelled":
                node.status, node.text = "cancelled", f"{r.code}: cancelled; left out of roll-ups"
            elif status is not None and status_score(status, on_track, at_risk) is not None:
                node.score = status_score(status, on_track, at_risk)
                node.status = status if status != "done" else "on-track"
                said = f"status {status} in the plan file" if status_origin == "plan" else f"recorded status {status}"
                node.text = f"{r.code}: no indicator; {said} → {node.score:.2f}"
                node.with_data = 1
                node.example = status_origin == EXAMPLE_SOURCE
            else:
                node.text = f"{r.code}: no indicator and no recorded status" + (f" ({status})" if status else "")
                node.without_data = 1
        initiatives[r.id] = node

    by_area: dict[int, list[int]] = defaultdict(list)
    for r in ini_rows:
        if r.focus_area_id is not None:
            by_area[r.focus_area_id].append(r.id)
    areas: dict[int, Node] = {}
    for r in [a for a in area_rows if a.level == "annual"] + [a for a in area_rows if a.level != "annual"]:
        node = Node("focus_area", r.code, r.title)
        if r.level == "annual":
            node.children = [Edge(initiatives[i], 1.0, "explicit") for i in by_area[r.id] if initiatives[i].status != "cancelled"]
        else:
            node.children = [
                Edge(areas[lk.src_id], _weight(lk.weight), lk.basis)
                for lk in links.into[("focus_area", r.id)]
                if lk.src_kind == "focus_area" and lk.src_id in areas
            ]
        node.children += indicator_edges("focus_area", r.id)
        _roll_up(node, on_track, at_risk)
        areas[r.id] = node

    goals = []
    for r in goal_rows:
        node = Node("national_goal", r.code, r.title)
        for lk in links.into[("national_goal", r.id)]:
            weight = _weight(lk.weight)
            if lk.src_kind == "focus_area":
                node.children.append(Edge(areas[lk.src_id], weight, lk.basis))
            elif lk.src_kind == "initiative" and initiatives[lk.src_id].status != "cancelled":
                node.children.append(Edge(initiatives[lk.src_id], weight, lk.basis))
        node.children += indicator_edges("national_goal", r.id)
        _roll_up(node, on_track, at_risk)
        goals.append(node)

    area_order = [areas[a.id] for a in area_rows]
    return PlanScores(plan.slug, plan.title, as_of, goals, area_order, [initiatives[r.id] for r in ini_rows],
                      [indicators[r.id] for r in ind_rows])


def _weight(value: float | None) -> float:
    """A weight as the plan gives it; absent means 1. A weight of 0 is kept: the item is
    shown but does not count."""
    return 1.0 if value is None else float(value)


_INDICATOR_COLUMNS = (
    "id", "code", "name", "unit", "direction", "baseline_value", "baseline_period", "target_value",
    "target_period", "target_low", "target_high", "computed",
)
_INDICATOR_JSON = ("parameters", "scoring")


@dataclass(slots=True)
class _IndicatorRow:
    id: int
    code: str
    name: str
    unit: str
    direction: str | None
    baseline_value: float | None
    baseline_period: str | None
    target_value: float | None
    target_period: str | None
    target_low: float | None
    target_high: float | None
    computed: str | None
    parameters: dict[str, Any] | None
    scoring: dict[str, Any] | None


def _indicator_rows(conn: Connection, plan_id: int) -> list[_IndicatorRow]:
    """The plan's indicators, with the columns scoring reads. The JSON columns are fetched as
    text and each distinct text decoded once: a national plan's 500 indicators share a few
    scoring settings, and decoding them row by row was a tenth of scoring's time. Rows that
    share a text share the decoded dict, which scoring only reads."""
    t = m.table_of(m.Indicator)
    decoded: dict[str, Any] = {}

    def load(text: str | None) -> Any:
        if text is None:
            return None
        if text not in decoded:
            decoded[text] = json.loads(text)
        return decoded[text]

    q = (
        select(*[t.c[c] for c in _INDICATOR_COLUMNS], *[cast(t.c[c], Text) for c in _INDICATOR_JSON])
        .where(t.c.plan_id == plan_id)
        .order_by(t.c.position, t.c.code)
    )
    return [_indicator_row((*r[:-2], load(r[-2]), load(r[-1]))) for r in conn.execute(q).all()]


def _indicator_row(values: tuple[Any, ...]) -> _IndicatorRow:
    """The row's columns are the dataclass's fields, in order."""
    return _IndicatorRow(*values)


class _Link(NamedTuple):
    src_kind: str
    src_id: int
    weight: float | None
    basis: str


class _LinksInto:
    """The plan's links by target (``into[(kind, id)]``), in file order: what scoring needs of
    :class:`goaltrack.reports.listings.Links`, in one query (no item codes, no quotes or notes), as
    plain tuples (a national plan has thousands of links, and every one is read here)."""

    def __init__(self, conn: Connection, plan_id: int) -> None:
        lt = m.table_of(m.Link)
        self.into: dict[tuple[str, int], list[_Link]] = defaultdict(list)
        rows = conn.execute(
            select(lt.c.src_kind, lt.c.src_id, lt.c.dst_kind, lt.c.dst_id, lt.c.weight, lt.c.basis)
            .where(lt.c.plan_id == plan_id)
            .order_by(lt.c.position, lt.c.id)
        ).all()
        for src_kind, src_id, dst_kind, dst_id, weight, basis in rows:
            self.into[(dst_kind, dst_id)].append(_Link(src_kind, src_id, weight, basis))


def _method_name(row: Any, default: str) -> str:
    return str((row.scoring or {}).get("method") or default)


def _roll_up(node: Node, on_track: float, at_risk: float) -> None:
    # One pass over the children: this runs for every initiative and area of every plan.
    with_data, total, weighted, example = 0, 0.0, 0.0, False
    for e in node.children:
        child = e.node
        if child.score is not None:
            with_data += 1
            total += e.weight
            weighted += e.weight * child.score
            example = example or child.example
    node.with_data = with_data
    node.without_data = len(node.children) - with_data
    node.example = example
    if not with_data or total == 0:
        node.score, node.status = None, "no-data"
        return
    node.score = weighted / total
    node.status = _band(node.score, on_track, at_risk)


def _roll_up_explanation(node: Node) -> str:
    """How :func:`_roll_up` arrived at ``node``'s score, from the same children."""
    scored = [e for e in node.children if e.node.score is not None]
    total = sum(e.weight for e in scored)
    if node.score is None:
        return (
            f"{node.code}: the {len(scored)} of its {len(node.children)} linked items with data all have weight 0"
            if scored else f"{node.code}: none of its {len(node.children)} linked items has data"
            if node.children else f"{node.code}: nothing is linked to it"
        )
    parts = " + ".join(f"{e.weight:g}×{e.node.score:.2f} ({e.node.code})" for e in scored)
    return (
        f"{node.code}: weighted mean of {len(scored)} of {len(node.children)} items with data: "
        f"({parts}) / {total:g} = {node.score:.2f}"
        + (f"; {node.without_data} without data not counted" if node.without_data else "")
    )


def _series(conn: Connection, ids: list[int], as_of: dt.date | None) -> dict[int, list[Observation]]:
    if not ids:
        return {}
    t = m.table_of(m.Measurement)
    q = (
        select(t.c.indicator_id, t.c.period_code, t.c.period_start, t.c.period_end, t.c.value)
        .where(t.c.indicator_id.in_(ids), t.c.superseded_at.is_(None), t.c.kind == "observed", t.c.value.is_not(None))
        .order_by(t.c.indicator_id, t.c.period_end, t.c.period_start)
    )
    if as_of is not None:
        q = q.where(t.c.period_end <= as_of)
    out: dict[int, list[Observation]] = defaultdict(list)
    for r in conn.execute(q):
        out[r.indicator_id].append(Observation(r.period_code, r.period_start, r.period_end, float(r.value)))
    return out


def _latest_statuses(conn: Connection, ids: list[int], as_of: dt.date | None) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    from sqlalchemy import func

    st = m.table_of(m.InitiativeStatus)
    q = select(
        st.c.initiative_id, st.c.status, st.c.origin,
        func.row_number().over(partition_by=st.c.initiative_id, order_by=(st.c.recorded_at.desc(), st.c.id.desc())).label("rn"),
    ).where(st.c.initiative_id.in_(ids))
    if as_of is not None:
        q = q.where(st.c.recorded_at < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    sub = q.subquery()
    return {
        r.initiative_id: (r.status, r.origin)
        for r in conn.execute(select(sub.c.initiative_id, sub.c.status, sub.c.origin).where(sub.c.rn == 1))
    }


# --------------------------------------------------------------------------- presentation


def _short(title: str, room: int = 60) -> str:
    title = " ".join(title.split())
    return title if len(title) <= room else title[: room - 1] + "…"


def scores_report(scores: PlanScores) -> Report:
    """The score tree as a report: nested JSON, and a flat table with indented codes."""
    rows: list[tuple[Any, ...]] = []

    def walk(node: Node, depth: int, seen: tuple[str, ...]) -> None:
        rows.append((
            "  " * depth + node.code, node.kind.replace("_", " "), _short(node.title),
            None if node.score is None else round(node.score, 2), node.status,
            f"{node.with_data}/{node.with_data + node.without_data}" if node.kind != "indicator" else "",
            "example" if node.example else "",
        ))
        key = node.kind + ":" + node.code
        if key in seen:
            return
        for e in node.children:
            walk(e.node, depth + 1, (*seen, key))

    for g in scores.goals:
        walk(g, 0, ())
    cols = [Column("code", "Code"), Column("kind", "Kind"), Column("title", "Title"), Column("score", "Score", "number"),
            Column("status", "Status"), Column("data", "With data"), Column("example", "Data")]
    data = {
        "plan": scores.plan_slug, "as_of": scores.as_of.isoformat() if scores.as_of else None,
        "national_goals": [g.to_json() for g in scores.goals],
        "example_data": any(g.example for g in scores.goals),
    }
    return Report("score", f"Scores: {scores.plan_title}", data, [Table("scores", "Scores", cols, rows)],
                  meta={"plan": scores.plan_slug})


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


def scores_report_all(summaries: Iterable[dict[str, Any]], as_of: dt.date | None) -> Report:
    """Every plan's scores (``score --all-plans``), the national view: each plan's national
    goals with their scores (:func:`goals_summary`; ``score --plan SLUG`` gives one plan's
    whole tree)."""
    plans = list(summaries)
    cols = [Column("plan", "Plan"), Column("code", "Goal"), Column("title", "Title"), Column("score", "Score", "number"),
            Column("status", "Status"), Column("data", "With data"), Column("example", "Data")]
    rows = [
        (p["plan"], g["code"], _short(g["title"]), None if g["score"] is None else round(g["score"], 2), g["status"],
         f"{g['with_data']}/{g['with_data'] + g['without_data']}", "example" if g["example_data"] else "")
        for p in plans for g in p["national_goals"]
    ]
    data = {
        "as_of": as_of.isoformat() if as_of else None,
        "plans": plans,
        "example_data": any(g["example_data"] for p in plans for g in p["national_goals"]),
    }
    return Report("score", f"Scores: {len(plans)} plans", data, [Table("scores", "Scores", cols, rows)], meta={})


def explain(scores: PlanScores, code: str, *, echo: Callable[[str], None]) -> None:
    """Print the full calculation trace of one item."""
    node = scores.find(code)

    def walk(n: Node, depth: int, edge: Edge | None) -> None:
        pad = "  " * depth
        head = f"{n.kind.replace('_', ' ')} {n.code}"
        if edge is not None:
            head += f" (weight {edge.weight:g}, {edge.basis})"
        score = "no data" if n.score is None else f"{n.score:.2f} {n.status}"
        echo(f"{pad}{head}: {score}" + (" [example data]" if n.example else ""))
        echo(f"{pad}  {n.explanation}")
        for e in n.children:
            walk(e.node, depth + 1, e)

    walk(node, 0, None)
