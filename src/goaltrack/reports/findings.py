"""The checks report (``goaltrack check``): findings with their counts by severity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from goaltrack.interfaces import Column, Finding, RenderOptions, Report, RuleText, Table
from goaltrack.reports.common import envelope, plan_meta
from goaltrack.vocab import SEVERITIES


def finding_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule_id, "severity": f.severity, "message": f.message, "item_kind": f.item_kind,
            "item": f.item_code}


def checks_report(conn: Connection, plan_id: int, findings: list[Finding], options: RenderOptions) -> Report:
    meta = plan_meta(conn, plan_id, "check", options)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    data = envelope(meta, counts=counts, findings=[finding_json(f) for f in findings])
    return Report("check", f"Checks: {meta['plan_title']}", data, [findings_table("findings", "Findings", findings)],
                  meta)


def findings_table(name: str, title: str, findings: list[Finding]) -> Table:
    """Findings as a table: rule, severity, item and message (in the reader's language in
    the formats for people: :class:`~goaltrack.interfaces.RuleText`)."""
    cols = [Column("rule", "Rule"), Column("severity", "Severity", labels="severity"), Column("item", "Item"),
            Column("message", "Message")]
    return Table(name, title, cols, [(f.rule_id, f.severity, f.item_code or "", RuleText(f.message, f.rule_id))
                                     for f in findings])
