"""The downloads of every page: CSV and JSON of what it shows, the plan file, the reports.

``downloads/{slug}/`` holds, for one plan, what :func:`write_downloads` writes: ``plan.yaml``
(goaltrack's export of the plan), ``index.csv|json`` (the dashboard: goals with their
status), one CSV and JSON per goal, focus area, initiative and indicator (an indicator's CSV
is its series), and the coverage, budget and progress reports as JSON (and CSV through the
``csv`` output format, like ``goaltrack report --format csv``). ``downloads/plans.csv|json``
(:func:`write_site_downloads`) lists the plans. The files are language-neutral: codes and
column keys, not translated labels.

Like the data package, they hold only approved, current values, and never who recorded one:
keys that name a person are dropped wherever they occur.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from goaltrack.interfaces import RenderOptions, Report
from goaltrack.publish.tables import write_csv, write_json
from goaltrack.reports import items

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from goaltrack.plugins import Plugins

#: Page key -> the page's downloads as (label, path relative to the site's root). A page key
#: is ``("plan",)``, ``("goal", code)``, ``("focus_area", code)``, ``("initiative", code)``,
#: ``("indicator", code)`` or ``("report", kind)``.
Downloads = dict[tuple[str, ...], list[tuple[str, str]]]

#: Keys that name a person (who recorded, approved or wrote something): never published.
PRIVATE = frozenset({"recorded_by", "author", "actor", "approved_by_person"})
REPORTS = ("coverage", "budget", "progress")
#: The lists of linked items an item page shows, in the order it shows them.
LINKED = ("goals", "focus_areas", "focus_area", "initiatives", "target_groups", "indicators", "accounts")
LINK_COLUMNS = ("kind", "code", "title", "basis", "via", "status")
SERIES_COLUMNS = ("period", "start", "end", "value", "missing", "kind", "source", "example_data")
GOAL_COLUMNS = ("code", "title", "status", "score", "coverage", "measured_share", "example_data")
PLAN_COLUMNS = ("slug", "title", "organisation", "years", "language", "synthetic")
_SAFE = re.compile(r"[A-Za-z0-9._-]")


def file_name(code: str) -> str:
    """``code`` as a file name: every character outside ``[A-Za-z0-9._-]`` percent-encoded
    (UTF-8), and ``.``/``..`` too, so no code can leave its folder. The site's page files
    are to use this same function, so a page and its downloads share a name."""
    if code in (".", ".."):
        return code.replace(".", "%2E")
    return "".join(ch if _SAFE.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in code)


def write_downloads(conn: Connection, plugins: Plugins, root: Path, plan_id: int, data: items.PlanData) -> Downloads:
    """Write ``root/downloads/{slug}/...`` for plan ``plan_id`` (whose pages ``data`` builds);
    answer each page's downloads."""
    from goaltrack.reports.progress import series_of
    from goaltrack.store import tables as m
    from goaltrack.store.planexport import export_plan

    check_file_names(data)  # before anything is written: a refused plan leaves no files
    slug = str(data.meta["plan"])
    base = Path("downloads") / file_name(slug)
    out: Downloads = {}
    plan_yaml = root / base / "plan.yaml"
    plan_yaml.parent.mkdir(parents=True, exist_ok=True)
    plan_yaml.write_text(export_plan(conn.engine, plan_id), encoding="utf-8")
    goals = [[g.get(c) for c in GOAL_COLUMNS] for g in data.coverage["goals"]]
    out[("plan",)] = [("YAML", (base / "plan.yaml").as_posix()),
                      *_both(root, base / "index", GOAL_COLUMNS, goals, data.coverage["goals"])]
    for key, kind, folder, view in (("goal", "national-goals", "goals", items.goal_view),
                                    ("focus_area", "focus-areas", "focus-areas", items.area_view),
                                    ("initiative", "initiatives", "initiatives", items.initiative_view)):
        for code in sorted(data.lists[kind]):
            shown = view(data, code)
            if shown is not None:
                out[(key, code)] = _both(root, base / folder / file_name(code), LINK_COLUMNS,
                                         _linked_rows(shown), shown)
    it = m.table_of(m.Indicator)
    ids = dict(conn.execute(select(it.c.code, it.c.id).where(it.c.plan_id == plan_id)).all())
    series = series_of(conn, sorted(ids.values()), None)
    for code in sorted(data.lists["indicators"]):
        shown = items.indicator_view(data, code, {"entries": [], "reviews": []})
        if shown is None:
            continue
        points = series.get(ids[code], [])
        for gone in ("values", "superseded", "pending"):  # the history's; the series says it all
            shown.pop(gone, None)
        shown["series"] = points
        out[("indicator", code)] = _both(root, base / "indicators" / file_name(code), SERIES_COLUMNS,
                                         [[p.get(c) for c in SERIES_COLUMNS] for p in points], shown)
    for kind in REPORTS:
        out[("report", kind)] = _report(conn, plugins, root, base / "reports" / kind, kind, slug)
    return out


def _both(root: Path, stem: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          data: Any) -> list[tuple[str, str]]:
    csv_path, json_path = stem.with_name(stem.name + ".csv"), stem.with_name(stem.name + ".json")
    write_csv(root / csv_path, columns, rows)
    write_json(root / json_path, data, drop=PRIVATE)
    return [("CSV", csv_path.as_posix()), ("JSON", json_path.as_posix())]


def _linked_rows(view: dict[str, Any]) -> list[list[Any]]:
    """An item page's linked items as one table: what it links to, how, and their status."""
    rows = []
    for key in LINKED:
        refs = view.get(key)
        for ref in [refs] if isinstance(refs, dict) else refs or []:
            rows.append([key, ref.get("code"), ref.get("title") or ref.get("name"), ref.get("basis"),
                         ref.get("via"), ref.get("status")])
    measures = view.get("measures") or {}
    for kind in sorted(measures):
        for ref in measures[kind]:
            rows.append([f"measures:{kind}", ref.get("code"), ref.get("title") or ref.get("name"),
                         ref.get("basis"), ref.get("via"), ref.get("status")])
    return rows


def check_file_names(data: items.PlanData) -> None:
    """Two codes of one kind that percent-encode to one file name would overwrite each other."""
    from goaltrack.errors import UsageError

    for kind, listed in data.lists.items():
        seen: dict[str, str] = {}
        for code in listed:
            other = seen.setdefault(file_name(code).lower(), code)
            if other != code:
                raise UsageError(f"{kind} codes {other!r} and {code!r} give the same file name")


def _report(conn: Connection, plugins: Plugins, root: Path, stem: Path, kind: str,
            slug: str) -> list[tuple[str, str]]:
    from goaltrack.reports.registry import build_report

    report = _without_people(build_report(conn, plugins, kind, RenderOptions(), plan_slug=slug))
    json_path = stem.with_name(stem.name + ".json")
    write_json(root / json_path, report.data, drop=PRIVATE)
    links = [("JSON", json_path.as_posix())]
    csv_format = plugins.output_formats.get("csv")
    if csv_format is not None and report.tables:
        csv_path = stem.with_name(stem.name + ".csv")
        (root / csv_path).write_text(str(csv_format.render(report, RenderOptions())), encoding="utf-8")
        links.insert(0, ("CSV", csv_path.as_posix()))
    return links


def _without_people(report: Report) -> Report:
    """The report's tables without the columns that name a person."""
    tables = []
    for table in report.tables:
        keep = [i for i, c in enumerate(table.columns) if c.key not in PRIVATE]
        tables.append(dataclasses.replace(table, columns=[table.columns[i] for i in keep],
                                          rows=[tuple(row[i] for i in keep) for row in table.rows]))
    return dataclasses.replace(report, tables=tables)


def write_site_downloads(root: Path, plans: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Write ``root/downloads/plans.csv|json``, one row per plan, by slug. ``plans`` are the
    plans' report ``meta`` (``PlanData.meta``: ``plan``, ``plan_title``, ...)."""
    rows = [{"slug": p["plan"], "title": p.get("plan_title"), "organisation": p.get("organisation"),
             "years": " ".join(str(y) for y in p.get("years") or ()), "language": p.get("language"),
             "synthetic": bool(p.get("synthetic"))} for p in plans]
    rows.sort(key=lambda r: str(r["slug"]))
    return _both(root, Path("downloads") / "plans", PLAN_COLUMNS, [[r[c] for c in PLAN_COLUMNS] for r in rows], rows)
