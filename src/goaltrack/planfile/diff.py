"""What changed between two plans (``goaltrack plan diff``): a plan and its predecessor, as
plan files or as loaded plans (both arrive here as :class:`~goaltrack.planfile.schema.PlanFile`).

Items carry over by code: an item with the same code in both plans is the same item, and is
``renamed`` when its title (or name) changed and ``moved`` when what it belongs to changed
(an initiative's focus area, an annual focus area's strategic areas, what an indicator
measures, what an account is linked to). An account of the new plan that says
``replaces: CODE`` is the old account ``CODE`` under a new code (a reclassification in the
chart of accounts, such as 5.68.91 → 5.68.94 in 2021), so it is ``recoded``, not removed and
added. Pure: reads two plan models, touches no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from goaltrack.errors import DataError
from goaltrack.planfile import schema as s
from goaltrack.values.accounts import AccountScheme

#: The kinds compared, in report order: (plan-file section, singular, the field that names an item).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("national_goals", "national_goal", "title"),
    ("focus_areas", "focus_area", "title"),
    ("target_groups", "target_group", "name"),
    ("dimensions", "dimension", "name"),
    ("initiatives", "initiative", "title"),
    ("accounts", "account", "name"),
    ("indicators", "indicator", "name"),
)


@dataclass
class KindDiff:
    kind: str
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    renamed: list[dict[str, Any]] = field(default_factory=list)
    moved: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.removed) + len(self.renamed) + len(self.moved)


@dataclass
class PlanDiff:
    old: str
    new: str
    follows: bool  # the new plan names the old one as its predecessor
    kinds: list[KindDiff]
    recoded: list[dict[str, Any]]
    problems: list[str]
    language: str = "en"  # the new plan's: the report's default language

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old, "new": self.new, "follows": self.follows,
            "summary": {k.kind: {"added": len(k.added), "removed": len(k.removed), "renamed": len(k.renamed),
                                 "moved": len(k.moved), "unchanged": k.unchanged} for k in self.kinds}
                       | {"recoded_accounts": len(self.recoded)},
            "changes": {k.kind: {"added": k.added, "removed": k.removed, "renamed": k.renamed, "moved": k.moved}
                        for k in self.kinds},
            "recoded_accounts": self.recoded,
            "problems": self.problems,
        }


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _account_key(scheme: AccountScheme) -> Callable[[str], str]:
    """An account code in one spelling: the scheme's (in the Danish chart ``5.68.91`` and
    ``056891`` are the same account); as written when the two plans' schemes differ."""
    def key(code: str) -> str:
        try:
            return scheme.normalise(code)
        except DataError:
            return code.strip()
    return key


def _belongs_to(kind: str, item: Any) -> list[str]:
    """What an item belongs to, for "moved": sorted ``kind:code`` strings."""
    if kind == "initiative":
        return [f"focus_area:{item.focus_area}"] if item.focus_area else []
    if kind == "focus_area":
        return sorted(f"focus_area:{lk.ref}" for lk in item.strategic_areas)
    if kind == "indicator":
        return sorted(":".join(lk.target) for lk in item.measures)
    if kind == "account":
        return sorted(":".join(lk.target) for lk in item.links)
    return []


def _entry(item: Any, name_field: str) -> dict[str, Any]:
    return {"code": item.code, "title": getattr(item, name_field)}


def _compare(kind: str, name_field: str, old: Iterable[Any], new: Iterable[Any],
             key: Callable[[str], str] = str) -> KindDiff:
    mine = {key(i.code): i for i in old}
    theirs = {key(i.code): i for i in new}
    out = KindDiff(kind)
    for k, item in theirs.items():
        if k not in mine:
            out.added.append(_entry(item, name_field))
            continue
        before = mine[k]
        changed = False
        if not _same_text(getattr(before, name_field), getattr(item, name_field)):
            out.renamed.append({"code": item.code, "old": getattr(before, name_field),
                                "new": getattr(item, name_field)})
            changed = True
        was, now = _belongs_to(kind, before), _belongs_to(kind, item)
        if was != now:
            out.moved.append({"code": item.code, "title": getattr(item, name_field), "from": was, "to": now})
            changed = True
        out.unchanged += not changed
    out.removed = [_entry(i, name_field) for k, i in mine.items() if k not in theirs]
    return out


def diff_plans(old: s.PlanFile, new: s.PlanFile) -> PlanDiff:
    """Everything added, removed, renamed, moved or recoded from ``old`` to ``new``."""
    kinds: list[KindDiff] = []
    recoded: list[dict[str, Any]] = []
    problems: list[str] = []
    for section, kind, name_field in KINDS:
        before, after = list(getattr(old, section)), list(getattr(new, section))
        if section == "accounts":
            same = old.plan.scheme == new.plan.scheme
            key = _account_key(new.plan.scheme if same else AccountScheme("as written"))
            before, after, recoded, problems = _recode(before, after, key)
            kinds.append(_compare(kind, name_field, before, after, key=key))
        else:
            kinds.append(_compare(kind, name_field, before, after))
    return PlanDiff(old.plan.slug, new.plan.slug, new.plan.follows == old.plan.slug, kinds, recoded, problems,
                    new.plan.language)


def _recode(old: list[s.AccountSpec], new: list[s.AccountSpec], key: Callable[[str], str]) -> tuple[
        list[s.AccountSpec], list[s.AccountSpec], list[dict[str, Any]], list[str]]:
    """Pair each new account that ``replaces`` an old one; return the accounts left to
    compare by code, the pairs, and the replacements that name no old account."""
    by_key = {key(a.code): a for a in old}
    paired_old: set[str] = set()
    paired_new: set[str] = set()
    recoded, problems = [], []
    for a in new:
        if not a.replaces:
            continue
        k = key(a.replaces)
        if k not in by_key:
            problems.append(f"account {a.code} replaces {a.replaces}, which the older plan does not have")
            continue
        was = by_key[k]
        recoded.append({"old_code": was.code, "new_code": a.code, "old_name": was.name, "new_name": a.name})
        paired_old.add(k)
        paired_new.add(key(a.code))
    keep_old = [a for a in old if key(a.code) not in paired_old]
    keep_new = [a for a in new if key(a.code) not in paired_new]
    return keep_old, keep_new, recoded, problems
