"""The progress report: each indicator's series, baseline, target, score and explanation;
each initiative's status history. Current (not superseded) values only; the full record
with superseded values is ``goaltrack history``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.engine.plan_scoring import EXAMPLE_SOURCE, score_plan
from goaltrack.interfaces import Column, RenderOptions, Report, Table
from goaltrack.reports.common import envelope, plan_meta
from goaltrack.review.overlay import pending_entries
from goaltrack.store import tables as m

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def build_progress(
    conn: Connection, plugins: Plugins, plan_id: int, options: RenderOptions, *, settings: dict[str, Any],
    by: str | None = None, compare_plan_id: int | None = None,
) -> Report:
    """The report; ``by`` adds the breakdown of the indicators by that dimension (key
    ``breakdown``), ``compare_plan_id`` each indicator against the other plan's (``comparison``)."""
    meta = plan_meta(conn, plan_id, "progress", options)
    scores = score_plan(conn, plugins, plan_id, as_of=options.as_of, settings=settings.get("scoring", {}))
    nodes = {n.code: n for n in scores.indicators}
    it = m.table_of(m.Indicator)
    indicators = list(conn.execute(select(it).where(it.c.plan_id == plan_id).order_by(it.c.position, it.c.code)))
    pending = pending_entries(conn)  # None unless --include-pending
    series = series_of(conn, [i.id for i in indicators], options.as_of, pending)
    ind_entries = []
    for i in indicators:
        node = nodes[i.code]
        ind_entries.append({
            "code": i.code, "name": i.name, "unit": i.unit, "direction": i.direction, "area": i.area,
            "baseline": (
                {"value": i.baseline_value, "period": i.baseline_period} if i.baseline_value is not None else None
            ),
            "target": {"value": i.target_value, "period": i.target_period} if i.target_value is not None else None,
            "target_range": [i.target_low, i.target_high] if i.target_low is not None else None,
            "source": (i.source or {}).get("title"), "computed": i.computed,
            "series": series.get(i.id, []), "score": None if node.score is None else round(node.score, 4),
            "status": node.status, "method": node.method, "explanation": node.explanation,
            "example_data": any(p["example_data"] for p in series.get(i.id, [])),
            **({"pending": any(p["pending"] for p in series.get(i.id, []))} if pending is not None else {}),
        })
    ini_entries = _initiative_entries(conn, plan_id)
    ini_nodes = {n.code: n for n in scores.initiatives}
    for e in ini_entries:  # what the initiative's score rests on: its indicators, or its status
        e["score_source"] = ini_nodes[e["code"]].source
    example = any(e["example_data"] for e in ind_entries) or any(
        h["example_data"] for e in ini_entries for h in e["history"]
    )
    meta["example_data"] = example
    extra: dict[str, Any] = {}
    tables = _progress_tables(ind_entries, ini_entries, pending is not None)
    if by is not None:
        from goaltrack.reports.breakdown import build_breakdown

        extra["breakdown"], table = build_breakdown(conn, plugins, plan_id, by, nodes, as_of=options.as_of,
                                                    settings=settings.get("scoring", {}))
        tables.append(table)
    if compare_plan_id is not None:
        from goaltrack.reports.progress_compare import compare_progress

        extra["comparison"], table = compare_progress(conn, plugins, compare_plan_id, ind_entries,
                                                      as_of=options.as_of, settings=settings)
        tables.append(table)
    data = envelope(meta, indicators=ind_entries, initiatives=ini_entries, example_data=example, **extra)
    return Report("progress", f"Progress: {meta['plan_title']}", data, tables, meta)


def series_of(conn: Connection, indicator_ids: list[int], as_of: dt.date | None,
              pending: frozenset[int] | None = None) -> dict[int, list[dict[str, Any]]]:
    """Each indicator's current values (totals, not breakdowns), by period, as the report
    lists them; ``pending`` the review entries shown as pending (``--include-pending``)."""
    mt = m.table_of(m.Measurement)
    q = (
        select(mt.c.indicator_id, mt.c.period_code, mt.c.period_start, mt.c.period_end, mt.c.value,
               mt.c.missing_reason, mt.c.kind, mt.c.source, mt.c.review_entry_id)
        .where(mt.c.indicator_id.in_(indicator_ids), mt.c.superseded_at.is_(None),
               mt.c.breakdown == "")  # the totals; a breakdown is the --by table's
        .order_by(mt.c.indicator_id, mt.c.period_end, mt.c.period_start, mt.c.period_code)
    )
    if as_of is not None:
        q = q.where(mt.c.period_end <= as_of)
    series: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(q):
        series[r.indicator_id].append({
            "period": r.period_code, "start": _iso(r.period_start), "end": _iso(r.period_end), "value": r.value,
            "missing": r.missing_reason, "kind": r.kind, "source": (r.source or {}).get("title"),
            "example_data": (r.source or {}).get("title") == EXAMPLE_SOURCE,
            **({"pending": r.review_entry_id in pending} if pending is not None else {}),
        })
    return series


def indicator_series(conn: Connection, plan_id: int, code: str, as_of: dt.date | None) -> list[dict[str, Any]]:
    """:func:`series_of` for one indicator of the plan, by code (the web's indicator page)."""
    it = m.table_of(m.Indicator)
    ind_id = conn.execute(select(it.c.id).where(it.c.plan_id == plan_id, it.c.code == code)).scalar()
    return series_of(conn, [ind_id], as_of).get(ind_id, []) if ind_id is not None else []


def _initiative_entries(conn: Connection, plan_id: int) -> list[dict[str, Any]]:
    """Each initiative with its status history (oldest first) and its current status."""
    nt, st = m.table_of(m.Initiative), m.table_of(m.InitiativeStatus)
    initiatives = list(conn.execute(select(nt).where(nt.c.plan_id == plan_id).order_by(nt.c.position, nt.c.code)))
    sq = select(st).where(st.c.initiative_id.in_([i.id for i in initiatives])).order_by(st.c.recorded_at, st.c.id)
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    pending = pending_entries(conn)
    for r in conn.execute(sq):
        history[r.initiative_id].append({
            "status": r.status, "note": r.note, "recorded_by": r.recorded_by, "recorded_at": _iso(r.recorded_at),
            "example_data": r.origin == EXAMPLE_SOURCE,
            **({"pending": r.review_entry_id in pending} if pending is not None else {}),
        })
    ft = m.table_of(m.FocusArea)
    area_codes = dict(conn.execute(select(ft.c.id, ft.c.code).where(ft.c.plan_id == plan_id)).all())
    return [
        {"code": i.code, "title": i.title, "focus_area": area_codes.get(i.focus_area_id), "declared_status": i.status,
         "status": history[i.id][-1]["status"] if history[i.id] else i.status, "history": history[i.id]}
        for i in initiatives
    ]


def latest_point(entry: dict[str, Any]) -> dict[str, Any] | None:
    """An indicator entry's latest observed point with a value (its ``series`` is oldest first)."""
    return next((p for p in reversed(entry["series"]) if p["value"] is not None and p["kind"] == "observed"), None)


def _progress_tables(ind_entries: list[dict[str, Any]], ini_entries: list[dict[str, Any]],
                     pending: bool = False) -> list[Table]:
    """The report's tables; with ``pending`` (``--include-pending``) each gains a column
    saying which values (and statuses) wait for review."""
    ind_cols = [Column("code", "Indicator"), Column("name", "Name"), Column("unit", "Unit"),
                Column("baseline", "Baseline", "number"), Column("target", "Target", "number"),
                Column("latest", "Latest", "number"), Column("period", "Period"), Column("score", "Score", "number"),
                Column("status", "Status", labels="status"), Column("example_data", "Example data"),
                Column("explanation", "Explanation")]
    ind_rows = []
    for e in ind_entries:
        last = latest_point(e)
        ind_rows.append((e["code"], e["name"], e["unit"], (e["baseline"] or {}).get("value"),
                         (e["target"] or {}).get("value"),
                         last["value"] if last else None, last["period"] if last else "", e["score"],
                         e["status"], e["example_data"], e["explanation"],
                         *([bool(last and last["pending"])] if pending else [])))
    series_cols = [Column("indicator", "Indicator"), Column("period", "Period"), Column("end", "Period end", "date"),
                   Column("value", "Value", "number"), Column("kind", "Kind", labels="kind"),
                   Column("source", "Source")]
    series_rows = [(e["code"], p["period"], p["end"], p["value"], p["kind"], p["source"] or "",
                    *([p["pending"]] if pending else [])) for e in ind_entries for p in e["series"]]
    status_cols = [Column("initiative", "Initiative"), Column("status", "Status", labels="status"),
                   Column("recorded_at", "Recorded"), Column("recorded_by", "By"), Column("note", "Note")]
    status_rows = [(e["code"], h["status"], h["recorded_at"], h["recorded_by"], h["note"] or "",
                    *([h["pending"]] if pending else [])) for e in ini_entries for h in e["history"]]
    if pending:
        for cols in (ind_cols, series_cols, status_cols):
            cols.append(Column("pending", "Pending review"))
    return [
        Table("indicators", "Indicators", ind_cols, ind_rows),
        Table("series", "Indicator series", series_cols, series_rows),
        Table("statuses", "Initiative status history", status_cols, status_rows),
    ]
