"""The checks report (``goaltrack check``): findings with their counts by severity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from goaltrack.interfaces import Column, Finding, RenderOptions, Report, Table
from goaltrack.reports.common import envelope, plan_meta
from goaltrack.vocab import SEVERITIES


def finding_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule_id, "severity": f.severity, "message": f.message, "item_kind": f.item_kind,
            "item": f.item_code}


def checks_report(conn: Connection, plan_id: int, findings: list[Finding], options: RenderOptions) -> Report:
    meta = plan_meta(conn, plan_id, "check", options)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    data = envelope(meta, counts=counts, findings=[finding_json(f) for f in findings])
    cols = [Column("rule", "Rule"), Column("severity", "Severity", labels="severity"), Column("item", "Item"),
            Column("message", "Message")]
    rows = [(f.rule_id, f.severity, f.item_code or "", f.message) for f in findings]
    return Report("check", f"Checks: {meta['plan_title']}", data, [Table("findings", "Findings", cols, rows)], meta)
