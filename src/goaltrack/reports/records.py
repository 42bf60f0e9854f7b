"""The tables ``goaltrack history`` and ``goaltrack plan list`` print: headed columns, as
every other listing, through the table format (so they fit the terminal too)."""

from __future__ import annotations

from typing import Any

from goaltrack.interfaces import Column, Table


def _years(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]) if years else ""


def plans_table(rows: list[dict[str, Any]]) -> Table:
    """One row per loaded plan (``plan_summaries``); a synthetic plan says so in its title."""
    cols = [Column("slug", "Plan"), Column("years", "Years"), Column("organisation", "Organisation"),
            Column("title", "Title"), Column("language", "Language")]
    return Table("plans", "Plans", cols, [
        (r["slug"], _years(r["years"]), r["organisation"], r["title"] + ("  [synthetic]" if r["synthetic"] else ""),
         r["language"])
        for r in rows
    ])


def history_table(h: dict[str, Any]) -> Table:
    """Every entry of ``store.recording.history`` for an indicator or an initiative, oldest
    first: what was recorded, whether it is current, when, by whom, how and why."""
    title = f"{h['kind']} {h['code']}: {h['name']}"
    rows: list[tuple[Any, ...]]
    if h["kind"] == "indicator":
        # A breakdown column only where some value is for one (issue 13's dimensions).
        broken = any(e.get("dimensions") for e in h["entries"])
        cols = [Column("period", "Period"), *([Column("breakdown", "Breakdown")] if broken else []),
                Column("value", "Value"), Column("state", "State"),
                Column("recorded_at", "Recorded"), Column("recorded_by", "By"), Column("origin", "Via"),
                Column("note", "Note")]
        rows = [(
            e["period"],
            *([", ".join(f"{d}={v}" for d, v in e["dimensions"].items()) or "total"] if broken else []),
            f"missing ({e['missing']})" if e["value"] is None else f"{e['value']:g}",
            "current" if e["current"] else f"superseded {e['superseded_at']}",
            e["recorded_at"], e["recorded_by"], e["origin"] + (" correction" if e["correction"] else ""),
            e["note"] or "",
        ) for e in h["entries"]]
    else:
        cols = [Column("current", "Current"), Column("status", "Status"), Column("recorded_at", "Recorded"),
                Column("recorded_by", "By"), Column("note", "Note")]
        rows = [("*" if e["current"] else "", e["status"], e["recorded_at"], e["recorded_by"], e["note"] or "")
                for e in h["entries"]]
    return Table("history", title, cols, rows)


def review_history_table(h: dict[str, Any]) -> Table | None:
    """Every transition of every review entry in a history: who moved it, when, and why."""
    from goaltrack.reports.review_tables import shown

    rows = []
    for e in h.get("reviews") or []:
        proposed = (f"{e['new']} new, {e['changed']} changed" if e["subject"] == "batch"
                    else shown(e["proposed"]))
        for ev in e["events"]:
            rows.append((e["id"], e["what"], ev["at"], ev["actor"], ev["from"] or "—", ev["to"], ev["reason"] or "",
                         proposed if ev is e["events"][-1] else ""))
    if not rows:
        return None
    cols = [Column("entry", "Entry"), Column("what", "What"), Column("at", "When"), Column("actor", "Who"),
            Column("from", "From"), Column("to", "To"), Column("reason", "Reason"), Column("proposed", "Proposed")]
    return Table("reviews", "Review", cols, rows)
