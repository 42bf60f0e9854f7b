"""The score reports: one plan's score tree (``goaltrack score``), every plan's goals
(``score --all-plans``) and one item's calculation trace (``score --explain``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from goaltrack.engine.scoretree import Edge, Node, PlanScores
from goaltrack.interfaces import Column, Report, Table


def _short(title: str, room: int = 60) -> str:
    title = " ".join(title.split())
    return title if len(title) <= room else title[: room - 1] + "…"


def scores_report(scores: PlanScores) -> Report:
    """The score tree as a report: nested JSON, and a flat table with indented codes."""
    rows: list[tuple[Any, ...]] = []

    def walk(node: Node, depth: int, seen: tuple[str, ...]) -> None:
        rows.append((
            "  " * depth + node.code, node.kind.replace("_", " "), _short(node.title),
            None if node.score is None else round(node.score, 2), node.status, node.source,
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
    cols = [Column("code", "Code"), Column("kind", "Kind", labels="item_kind"), Column("title", "Title"),
            Column("score", "Score", "number"), Column("status", "Status", labels="status"),
            Column("source", "Based on", labels="source"), Column("data", "With data"),
            Column("example", "Data", labels="data")]
    data = {
        "plan": scores.plan_slug, "as_of": scores.as_of.isoformat() if scores.as_of else None,
        "national_goals": [g.to_json() for g in scores.goals],
        "example_data": any(g.example for g in scores.goals),
    }
    return Report("score", f"Scores: {scores.plan_title}", data, [Table("scores", "Scores", cols, rows)],
                  meta={"plan": scores.plan_slug})


def scores_report_all(summaries: Iterable[dict[str, Any]], as_of: dt.date | None) -> Report:
    """Every plan's scores (``score --all-plans``), the national view: each plan's national
    goals with their scores (:func:`goals_summary`; ``score --plan SLUG`` gives one plan's
    whole tree)."""
    plans = list(summaries)
    cols = [Column("plan", "Plan"), Column("code", "Goal"), Column("title", "Title"),
            Column("score", "Score", "number"),
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
