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


def roll_up(node: Node, on_track: float, at_risk: float) -> None:
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
    """How :func:`roll_up` arrived at ``node``'s score, from the same children."""
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
