"""Running the registered checks over a plan (``goaltrack check``, a coverage report's gaps)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.engine import Connection

from goaltrack.clock import utcnow
from goaltrack.errors import GoaltrackError
from goaltrack.interfaces import Finding
from goaltrack.settings import DEFAULTS
from goaltrack.store.plan_queries import reference_date
from goaltrack.vocab import SEVERITY_ORDER

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

class AsOf(Protocol):
    """What checks need of a report's options: the date "stale data" is measured against."""

    @property
    def as_of(self) -> dt.date | None: ...


def run_checks(
    conn: Connection, plugins: Plugins, plan_id: int, *, settings: dict[str, Any], options: AsOf
) -> list[Finding]:
    context = {
        "max_data_age_days": settings.get("max_data_age_days", DEFAULTS.checks.max_data_age_days),
        "reference_date": reference_date(conn, plan_id, options.as_of),
        "max_review_wait_days": settings.get("max_review_wait_days", DEFAULTS.checks.max_review_wait_days),
        # Waiting for review is measured against the day asked for, else today (not the
        # plan's last day, which stale data is measured against).
        "review_date": options.as_of or utcnow().date(),
        "_facts": {},  # checks share one read of the plan (see default_plugins.checks.facts)
    }
    findings: list[Finding] = []
    for rule_id in sorted(plugins.checks):
        check = plugins.checks[rule_id]
        # A check that raises or yields something else than Findings is reported by its
        # plugin's name (PluginError in strict mode) and skipped: the other checks still run.
        try:
            found = list(check.run(conn, plan_id, context))
            wrong = next((f for f in found if not isinstance(f, Finding)), None)
            if wrong is not None:
                raise TypeError(f"run() must yield Finding objects, not {type(wrong).__name__}")
        except GoaltrackError:
            raise
        except Exception as exc:
            plugins.report_failure("checks", rule_id, exc, skipped="the check was skipped")
            continue
        findings.extend(found)
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.rule_id, f.item_kind or "", f.item_code or ""))
    return findings
