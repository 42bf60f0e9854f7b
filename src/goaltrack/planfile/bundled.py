"""Plans that ship inside the package (their editable source is ``config/plans/``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from goaltrack.errors import UsageError

DEFAULT_PLAN = "kalundborg-2021"


def bundled_plans() -> dict[str, Path]:
    """Slug -> path of every bundled plan file."""
    root = resources.files("goaltrack") / "data" / "plans"
    return {
        entry.name.removesuffix(".yaml"): Path(str(entry))
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


def bundled_plan(slug: str = DEFAULT_PLAN) -> Path:
    plans = bundled_plans()
    if slug not in plans:
        raise UsageError(f"no bundled plan '{slug}' (bundled: {', '.join(plans) or 'none'})")
    return plans[slug]
