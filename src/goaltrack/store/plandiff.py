"""Comparing a plan file's rows with the database's, by natural key, and applying the difference.

Items are matched by code (:func:`_sync`), rows without a code by a composite key
(:func:`_sync_keyed`: links, budget lines, declared totals). What is new is added, what
changed is updated in place, and what the file no longer has is reported; :class:`LoadResult`
counts each. :mod:`goaltrack.store.plansync` says what each table should hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from goaltrack.planfile import schema as s


@dataclass
class LoadResult:
    slug: str
    created: bool = False
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    not_in_file: list[str] = field(default_factory=list)  # "kind code"
    pruned: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # would prune, but has recorded data
    measurements_added: int = 0
    measurements_superseded: int = 0
    measurements_unchanged: int = 0
    measurements_not_in_file: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or any(self.added.values())
            or any(self.updated.values())
            or self.pruned
            or self.measurements_added
        )

    def bump(self, table: dict[str, int], kind: str, n: int = 1) -> None:
        table[kind] = table.get(kind, 0) + n

    def summary(self) -> str:
        def total(d: dict[str, int]) -> int:
            return sum(d.values())

        parts = [
            f"{self.slug}: " + ("created" if self.created else "loaded"),
            f"{total(self.added)} added",
            f"{total(self.updated)} updated",
            f"{total(self.unchanged)} unchanged",
            f"measurements {self.measurements_added} added"
            + (f" ({self.measurements_superseded} superseding older values)" if self.measurements_superseded else ""),
        ]
        if self.not_in_file:
            parts.append(f"{len(self.not_in_file)} in the database but not in the file")
        if self.pruned:
            parts.append(f"{len(self.pruned)} pruned")
        return ", ".join(parts)


# Added by issue 13 (and budget_line.price_basis), and by issue 14 (review, self_approval).
_LATER_HEADER_FIELDS = ("account_scheme", "price_basis", "review", "self_approval")


def content_hash(plan: s.PlanFile) -> str:
    """sha256 of the plan's content (not its layout or comments)."""
    content = plan.model_dump(mode="json")
    # A header field added after a plan was written leaves its hash as it was while unused,
    # so upgrading goaltrack does not make every loaded plan look edited.
    for later in _LATER_HEADER_FIELDS:
        if content["plan"].get(later) is None:
            content["plan"].pop(later, None)
    for account in content.get("accounts") or []:
        for line in account.get("budget") or []:
            if line.get("price_basis") is None:
                line.pop("price_basis", None)
    # Likewise the dimensions (issue 13), where a plan declares none.
    if not content.get("dimensions"):
        content.pop("dimensions", None)
    for ind in content.get("indicators") or []:
        for later in ("dimensions", "targets_by"):
            if not ind.get(later):
                ind.pop(later, None)
        for meas in ind.get("measurements") or []:
            if not meas.get("dimensions"):
                meas.pop("dimensions", None)
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _changed(row: SQLModel, values: dict[str, Any]) -> bool:
    dirty = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            dirty = True
    return dirty


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json", exclude_none=True) if obj is not None else None


def _sync(
    session: Session, result: LoadResult, model: type[Any], kind: str, plan_id: int,
    wanted: dict[str, dict[str, Any]],
) -> dict[str, int]:
    """Upsert the items of one kind; return code -> id for every item in the database."""
    existing = {r.code: r for r in session.exec(select(model).where(col(model.plan_id) == plan_id))}
    for code, values in wanted.items():
        row = existing.get(code)
        if row is None:
            row = model(plan_id=plan_id, code=code, **values)
            session.add(row)
            existing[code] = row
            result.bump(result.added, kind)
        elif _changed(row, values):
            result.bump(result.updated, kind)
        else:
            result.bump(result.unchanged, kind)
    session.flush()
    for code in sorted(set(existing) - set(wanted)):
        result.not_in_file.append(f"{kind} {code}")
    return {code: row.id for code, row in existing.items()}


def _sync_keyed(
    session: Session, result: LoadResult, kind: str, rows: Iterable[Any], key_fields: tuple[str, ...],
    wanted: dict[tuple[Any, ...], dict[str, Any]], make: Callable[[tuple[Any, ...], dict[str, Any]], Any],
    label: Callable[[tuple[Any, ...]], str], *, prune: bool,
) -> None:
    """Upsert rows that have no code but a composite key (links, budget lines, declared
    totals): add what is new, count what changed, and report (with ``prune``, delete) what
    the file no longer holds, as ``"KIND LABEL"``."""
    existing = {tuple(getattr(r, f) for f in key_fields): r for r in rows}
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(make(key, values))
            result.bump(result.added, kind)
        elif _changed(row, values):
            result.bump(result.updated, kind)
        else:
            result.bump(result.unchanged, kind)
    for key in sorted(set(existing) - set(wanted)):
        text = f"{kind} {label(key)}"
        result.not_in_file.append(text)
        if prune:
            session.delete(existing[key])
            result.pruned.append(text)
    session.flush()
