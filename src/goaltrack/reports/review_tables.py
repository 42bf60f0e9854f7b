"""The review queue and one review entry as tables (``goaltrack review``)."""

from __future__ import annotations

from typing import Any

from goaltrack.interfaces import Column, Table


def shown(p: dict[str, Any] | None) -> str:
    """A proposed or current value (or status) as one short text."""
    if p is None:
        return "—"
    if "status" in p:
        return p["status"] + (f" ({p['note']})" if p.get("note") else "")
    text = f"missing ({p['missing']})" if p.get("value") is None else f"{p['value']:g}"
    dims = ", ".join(f"{d}={v}" for d, v in (p.get("dimensions") or {}).items())
    return text + (f" [{dims}]" if dims else "")


def _proposes(item: dict[str, Any]) -> tuple[str, str]:
    if item["subject"] == "batch":
        return f"{item['new']} new, {item['changed']} changed", f"{item['unchanged'] or 0} unchanged"
    text = shown(item["proposed"])
    if item.get("previous") is not None:
        text += f" (revision {item['revision']}; was {shown(item['previous'])})"
    return text, shown(item["current"])


def queue_table(items: list[dict[str, Any]]) -> Table:
    cols = [Column("id", "Entry"), Column("what", "What"), Column("state", "State"), Column("author", "By"),
            Column("proposed", "Proposed"), Column("approved", "Approved now"), Column("waiting", "Waiting"),
            Column("next", "Next")]
    rows = []
    for item in items:
        proposed, approved = _proposes(item)
        nxt = {"approve": f"approve {item['id']} | return {item['id']} --reason ...",
               "author": f"submit {item['id']}" + (f" (returned: {item['reason']})" if item["reason"] else "")}
        rows.append((item["id"], item["what"], item["state"], item["author"], proposed, approved,
                     f"{item['waiting_days']} d", nxt.get(item.get("for") or "", "")))
    return Table("review", "Waiting for review", cols, rows)


def entry_tables(item: dict[str, Any]) -> list[Table]:
    """One entry: a summary, its rows (a batch) or revisions, and its transitions."""
    proposed, approved = _proposes(item)
    head = Table("entry", f"Review entry {item['id']}: {item['what']}",
                 [Column("field", "Field"), Column("value", "Value")],
                 [("State", item["state"]), ("By", item["author"]), ("Revision", item["revision"]),
                  ("Proposed", proposed), ("Approved now", approved),
                  *([("Returned because", item["reason"])] if item["reason"] else [])])
    out = [head]
    if item["subject"] == "batch":
        out.append(Table("rows", f"Rows of {item['file']} that differ from the approved values",
                         [Column("line", "Line"), Column("indicator", "Indicator"), Column("period", "Period"),
                          Column("proposed", "Proposed"), Column("approved", "Approved now"),
                          Column("change", "Change")],
                         [(r["line"], r["indicator"], r["period"], shown(r),
                           shown({"value": r["approved_value"], "missing": r["approved_missing"]})
                           if r["change"] == "changed" else "—", r["change"]) for r in item["rows"]]))
    else:
        out.append(Table("revisions", "Revisions", [Column("revision", "Revision"), Column("proposed", "Proposed")],
                         [(r["revision"], shown(r)) for r in item["revisions"] if r is not None]))
    out.append(Table("events", "History", [Column("at", "When"), Column("actor", "Who"), Column("from", "From"),
                                           Column("to", "To"), Column("reason", "Reason")],
                     [(e["at"], e["actor"], e["from"] or "—", e["to"], e["reason"] or "") for e in item["events"]]))
    return out
