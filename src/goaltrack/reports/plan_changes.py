"""The ``plan diff`` report: what changed from a plan to its successor
(:mod:`goaltrack.planfile.diff`), as JSON and as flat tables that every format renders."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from goaltrack.errors import UsageError
from goaltrack.interfaces import Column, RefsText, Report, Table
from goaltrack.planfile.diff import PlanDiff, diff_plans
from goaltrack.reports.common import REPORT_SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from goaltrack.planfile.schema import PlanFile


def plan_side(engine: Engine | None, ref: str) -> PlanFile:
    """One side of a diff: a plan file (a path that exists) or a loaded plan (its slug)."""
    if Path(ref).is_file():
        from goaltrack.planfile.validate import read_plan

        return read_plan(Path(ref)).plan
    if engine is None:
        raise UsageError(f"{ref}: no such plan file")
    from sqlmodel import Session

    from goaltrack.store.database import plan_id_for
    from goaltrack.store.planexport import build_planfile

    with Session(engine) as session:
        return build_planfile(session, plan_id_for(session, ref))


def diff_report(engine: Engine | None, refs: tuple[str, ...], *, stamp: str | None = None) -> Report:
    """``plan diff OLD NEW``, or ``plan diff NEW`` against the plan NEW ``follows`` (loaded
    in the database)."""
    if len(refs) not in (1, 2):
        raise UsageError(f"give NEW, or OLD and NEW (got {len(refs)} plans)")
    new = plan_side(engine, refs[-1])
    if len(refs) == 2:
        old = plan_side(engine, refs[0])
    elif new.plan.follows is None:
        raise UsageError(f"plan {new.plan.slug} names no predecessor (follows:); give OLD and NEW")
    else:
        old = plan_side(engine, new.plan.follows)
    return build_plan_diff(diff_plans(old, new), stamp=stamp)


def build_plan_diff(diff: PlanDiff, *, stamp: str | None = None) -> Report:
    data = {"schema_version": REPORT_SCHEMA_VERSION, "report": "plan-diff", "generated_at": stamp, **diff.to_json()}
    summary_cols = [Column("kind", "Kind", labels="item_kind"), Column("added", "Added", "int"),
                    Column("removed", "Removed", "int"), Column("renamed", "Renamed", "int"),
                    Column("moved", "Moved", "int"), Column("unchanged", "Unchanged", "int")]
    summary_rows = [(k.kind, len(k.added), len(k.removed), len(k.renamed), len(k.moved), k.unchanged)
                    for k in diff.kinds]
    change_cols = [Column("kind", "Kind", labels="item_kind"), Column("change", "Change", labels="change"),
                   Column("code", "Code"), Column("old", "Before"), Column("new", "After")]
    rows: list[tuple[Any, ...]] = []
    for k in diff.kinds:
        rows += [(k.kind, "added", e["code"], "", e["title"]) for e in k.added]
        rows += [(k.kind, "removed", e["code"], e["title"], "") for e in k.removed]
        rows += [(k.kind, "renamed", e["code"], e["old"], e["new"]) for e in k.renamed]
        rows += [(k.kind, "moved", e["code"], RefsText(e["from"]), RefsText(e["to"])) for e in k.moved]
    rows += [("account", "recoded", r["new_code"], f"{r['old_code']} {r['old_name']}",
              f"{r['new_code']} {r['new_name']}") for r in diff.recoded]
    tables = [Table("summary", "Changes by kind", summary_cols, summary_rows),
              Table("changes", "Changes", change_cols, rows)]
    if diff.problems:
        tables.append(Table("problems", "Problems", [Column("problem", "Problem")], [(p,) for p in diff.problems]))
    title = f"Plan diff: {diff.old} → {diff.new}"
    return Report("plan-diff", title, data, tables, meta={"plan": diff.new, "title": title, "language": diff.language})
