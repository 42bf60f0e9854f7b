"""Running the registered checks over a plan (``goaltrack check``, report gaps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from goaltrack.errors import GoaltrackError
from goaltrack.interfaces import Column, Finding, Report, Table
from goaltrack.reports.common import ReportOptions, envelope, plan_meta, reference_date

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def run_checks(
    conn: Connection, plugins: Plugins, plan_id: int, *, settings: dict[str, Any], options: ReportOptions
) -> list[Finding]:
    context = {
        "max_data_age_days": settings.get("max_data_age_days", 400),
        "reference_date": reference_date(conn, plan_id, options),
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


def finding_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule_id, "severity": f.severity, "message": f.message, "item_kind": f.item_kind, "item": f.item_code}


def checks_report(conn: Connection, plan_id: int, findings: list[Finding], options: ReportOptions) -> Report:
    meta = plan_meta(conn, plan_id, "check", options)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    data = envelope(meta, counts=counts, findings=[finding_json(f) for f in findings])
    cols = [Column("rule", "Rule"), Column("severity", "Severity"), Column("item", "Item"), Column("message", "Message")]
    rows = [(f.rule_id, f.severity, f.item_code or "", f.message) for f in findings]
    return Report("check", f"Checks: {meta['plan_title']}", data, [Table("findings", "Findings", cols, rows)], meta)
