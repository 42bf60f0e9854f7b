"""The score tree: nodes (goal, focus area, initiative, indicator), weighted edges, and the
roll-up arithmetic. Plain data; :mod:`goaltrack.engine.plan_scoring` builds it from a plan.

Each score is the weighted mean of the children that have data (weights from links, or the
indicator's scoring weight, default 1); children without data are counted and shown, never
treated as zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from goaltrack.errors import UsageError


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
    measured: float | None = None
    """The share (0-1) of the score that rests on measured indicator values; the rest rests
    on initiative statuses people recorded. ``None`` without a score."""
    counted_once: list[tuple[str, str]] = field(default_factory=list)
    """Items linked to this one directly and also inside another of its children (an
    initiative linked to a goal and to one of the goal's focus areas), as ``(code, through)``:
    each counts once, through the child that holds it (:func:`count_once`)."""
    counted_twice: list[tuple[str, str]] = field(default_factory=list)
    """The same, where the direct link gives a weight of its own: the plan asks for the item
    to count here too, so it counts directly and through the child that holds it."""

    @property
    def source(self) -> str | None:
        """``measured``, ``self-reported`` or ``both`` (see :attr:`measured`); ``None``
        without a score."""
        if self.score is None or self.measured is None:
            return None
        return "measured" if self.measured >= 1 else "self-reported" if self.measured <= 0 else "both"

    @property
    def explanation(self) -> str:
        if self.text is None:
            self.text = _roll_up_explanation(self)
        return self.text

    def to_json(self, seen: set[tuple[str, str]] | None = None) -> dict[str, Any]:
        return {
            "kind": self.kind, "code": self.code, "title": self.title,
            "score": None if self.score is None else round(self.score, 4),
            "status": self.status, "explanation": self.explanation, "source": self.source,
            "measured_share": None if self.measured is None else round(self.measured, 4),
            "with_data": self.with_data, "without_data": self.without_data,
            "example_data": self.example, "method": self.method, "latest_period": self.latest_period,
            "counted_once": [{"code": code, "through": through} for code, through in self.counted_once],
            "counted_twice": [{"code": code, "through": through} for code, through in self.counted_twice],
            "children": [
                {"weight": e.weight, "basis": e.basis, **e.node.to_json()} for e in self.children
            ],
        }


@dataclass
class Edge:
    node: Node
    weight: float
    basis: str
    given: bool = False  # the link states its weight (not the default 1 or the indicator's own)


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


def count_once(node: Node, memo: dict[int, set[int]]) -> None:
    """Drop a direct child that another child already holds, so every item counts once in
    ``node``'s mean: an initiative linked to a goal directly and through one of the goal's
    focus areas counts through the focus area. The dropped links are noted in
    ``counted_once``. A direct link that gives a weight of its own is the plan asking for the
    item to count here as well: it is kept, and noted in ``counted_twice``. The explanation
    says both. ``memo`` caches each node's descendants."""
    holder: dict[int, Node] = {}
    for e in node.children:
        for d in _descendants(e.node, memo):
            holder.setdefault(d, e.node)
    kept, seen = [], set()
    for e in node.children:
        inside = holder.get(id(e.node))
        if inside is not None and not e.given:
            node.counted_once.append((e.node.code, inside.code))
        elif inside is not None:
            node.counted_twice.append((e.node.code, inside.code))
            kept.append(e)
        elif id(e.node) not in seen:
            seen.add(id(e.node))
            kept.append(e)
    node.children = kept


def _descendants(node: Node, memo: dict[int, set[int]]) -> set[int]:
    if id(node) not in memo:
        found: set[int] = set()
        for e in node.children:
            found.add(id(e.node))
            found |= _descendants(e.node, memo)
        memo[id(node)] = found
    return memo[id(node)]


def roll_up(node: Node, on_track: float, at_risk: float) -> None:
    # One pass over the children: this runs for every initiative and area of every plan.
    with_data, total, weighted, measured, example = 0, 0.0, 0.0, 0.0, False
    for e in node.children:
        child = e.node
        if child.score is not None:
            with_data += 1
            total += e.weight
            weighted += e.weight * child.score
            measured += e.weight * (child.measured or 0.0)
            example = example or child.example
    node.with_data = with_data
    node.without_data = len(node.children) - with_data
    node.example = example
    if not with_data or total == 0:
        node.score, node.status = None, "no-data"
        return
    node.score = weighted / total
    node.measured = measured / total
    node.status = _band(node.score, on_track, at_risk)


def _roll_up_explanation(node: Node) -> str:
    """How :func:`roll_up` arrived at ``node``'s score, from the same children."""
    text = _mean_explanation(node)
    if node.counted_once:
        text += "; also linked directly, counted once: " + _through(node.counted_once)
    if node.counted_twice:
        text += "; counted directly as its link's weight asks, and through another item too: " + _through(
            node.counted_twice)
    return text


def _through(pairs: list[tuple[str, str]]) -> str:
    """``[(I1, A1), (I2, A1)]`` -> ``I1, I2 (through A1)``."""
    through: dict[str, list[str]] = {}
    for code, holder in pairs:
        through.setdefault(holder, []).append(code)
    return "; ".join(f"{', '.join(codes)} (through {holder})" for holder, codes in through.items())


def _mean_explanation(node: Node) -> str:
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


def weight_of(value: float | None) -> float:
    """A weight as the plan gives it; absent means 1. A weight of 0 is kept: the item is
    shown but does not count."""
    return 1.0 if value is None else float(value)
