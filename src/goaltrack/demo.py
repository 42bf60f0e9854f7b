"""``goaltrack demo``: the bundled plan in a fresh database, example progress, scores, and
the reports a manager takes to the committee.

The example series and statuses ship beside the bundled plan (``<slug>.example.csv`` and
``<slug>.example-statuses.csv``); every value in them has the source ``example`` and every
report marks what rests on them. The plan's own figures are never touched.

Files written to the output directory: ``goaltrack.db``, and :data:`DEMO_REPORTS`
(``coverage.html``, ``budget.html``, ``progress.html``, ``coverage.md``, ``coverage.json``)
in the plan's language.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goaltrack.context import AppContext
from goaltrack.engine.plan_scoring import EXAMPLE_SOURCE
from goaltrack.vocab import SEVERITIES

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from goaltrack.interfaces import Report

DEMO_REPORTS: tuple[tuple[str, str], ...] = (
    ("coverage", "html"),
    ("budget", "html"),
    ("progress", "html"),
    ("coverage", "markdown"),
    ("coverage", "json"),
)
"""(report, format) pairs the demo writes, as ``<report>.<extension>``."""


def demo_files(app: AppContext, out_dir: Path) -> list[Path]:
    """The files :func:`run_demo` writes into ``out_dir``: the database, then the reports."""
    reports = [out_dir / f"{kind}.{app.plugins.get('output_formats', fmt).extension}" for kind, fmt in DEMO_REPORTS]
    return [out_dir / "goaltrack.db", *reports]


def run_demo(
    app: AppContext, out_dir: Path, *, echo: Callable[[str], None], wrote: Callable[[Path], None] | None = None
) -> Path:
    """Load the bundled plan into ``out_dir/goaltrack.db`` (made anew) and show it at work.

    ``wrote`` is called with each report once it is in place, and with the database once it
    is closed.
    """
    from goaltrack.settings import recorder_name
    from goaltrack.store.database import open_engine

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "goaltrack.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{db_path}", create=True)
    who = recorder_name(None, app.config)
    try:
        plan_id = _load_example(app, engine, who, echo)
        _echo_plan_and_scores(app, engine, plan_id, echo)
        with engine.connect() as conn:
            written, summary, counts = _write_reports(app, conn, plan_id, out_dir, wrote)
    finally:
        engine.dispose()
    if wrote is not None:
        wrote(db_path)  # closed: the last connection has moved the WAL into the file
    _echo_results(db_path, out_dir, written, summary, counts, echo)
    return db_path


def _load_example(app: AppContext, engine: Engine, who: str, echo: Callable[[str], None]) -> int:
    """Load the bundled plan, then its example series and statuses; the plan's id."""
    from goaltrack.planfile.bundled import bundled_plan
    from goaltrack.planfile.validate import read_plan
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.importing import import_file
    from goaltrack.store.plansync import load_plans
    from goaltrack.store.recording import record_status

    plan_path = bundled_plan()
    parsed = read_plan(plan_path)
    (result,) = load_plans(engine, [parsed], recorded_by=who)
    echo(f"Loaded the bundled plan {plan_path.name}: {result.summary()}")
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, result.slug)
    series = plan_path.with_name(f"{result.slug}.example.csv")
    if series.exists():
        imported = import_file(engine, plan_id, app.plugins.get("data_sources", "csv"), series,
                               recorded_by=f"{who} (goaltrack demo)")
        echo(f"Imported EXAMPLE measurements (source '{EXAMPLE_SOURCE}', not real figures): {imported.summary()}")
    statuses = plan_path.with_name(f"{result.slug}.example-statuses.csv")
    if statuses.exists():
        with statuses.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            record_status(engine, plan_id, row["initiative"], row["status"], by=f"{who} (goaltrack demo)",
                          note=row["note"], origin=EXAMPLE_SOURCE)
        echo(f"Recorded {len(rows)} EXAMPLE initiative statuses (not real statuses).")
    return plan_id


def _echo_plan_and_scores(app: AppContext, engine: Engine, plan_id: int, echo: Callable[[str], None]) -> None:
    """What the plan holds, and the score of each national goal."""
    from goaltrack.engine.plan_scoring import score_plan
    from goaltrack.store.plan_queries import plan_detail

    with engine.connect() as conn:
        detail = plan_detail(conn, plan_id)
        scores = score_plan(conn, app.plugins, plan_id, settings=app.config.values.get("scoring", {}))
    echo("")
    echo(f"{detail['title']} — {detail['organisation']}")
    counts = detail["counts"]
    echo(
        f"{counts['national_goal']} national goals, {counts['focus_area']} focus areas, "
        f"{counts['initiative']} initiatives, {counts['target_group']} target groups, "
        f"{counts['account']} budget accounts, {counts['indicator']} indicators, "
        f"{counts['measurement']} current measurements, {counts['link']} links"
    )
    echo("")
    echo("National goals (scores rest on EXAMPLE data where marked *):")
    for goal in scores.goals:
        score = "  no data" if goal.score is None else f"{goal.score:>9.2f}"
        mark = "*" if goal.example else " "
        echo(f"  {goal.code:<6}{score}{mark} {goal.status:<10} "
             f"{goal.with_data}/{goal.with_data + goal.without_data} linked items with data  {goal.title}")


def _echo_results(
    db_path: Path, out_dir: Path, written: list[Path], summary: dict[str, Any], counts: dict[str, int],
    echo: Callable[[str], None],
) -> None:
    """The coverage and check counts, the files written, and what to try next."""
    echo("")
    echo(
        f"Coverage: {summary['covered']} of {summary['goals']} national goals covered, "
        f"{summary['partial']} partly covered, {summary['uncovered']} not covered "
        f"(overall: {summary['overall']})."
    )
    echo(
        f"Checks: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes "
        f"(goaltrack --db {db_path} check lists them)."
    )
    echo("")
    echo(f"Reports written to {out_dir}{'' if str(out_dir).endswith('/') else '/'}:")
    for path in written:
        echo(f"  {path.name:<15} {_DESCRIPTIONS.get(path.name, '')}")
    echo(f"Open {written[0]} in a browser; it prints on A4. The database is {db_path}.")
    echo(f"Next: goaltrack --db {db_path} report budget --lang en    |    "
         f"goaltrack --db {db_path} score --explain NG3")


_DESCRIPTIONS = {
    "coverage.html": "goal coverage: goals, focus areas, target groups, budget, gaps",
    "budget.html": "budget by main function, change between the years, reconciliation",
    "progress.html": "indicator series with baseline and target, initiative statuses",
    "coverage.md": "goal coverage as Markdown (for a wiki or a pull request)",
    "coverage.json": "goal coverage as JSON (schema in docs/reports.md)",
}


def _write_reports(
    app: AppContext, conn: Connection, plan_id: int, out_dir: Path, wrote: Callable[[Path], None] | None = None
) -> tuple[list[Path], dict[str, Any], dict[str, int]]:
    """Render :data:`DEMO_REPORTS` into ``out_dir``; the coverage summary and check counts."""
    from goaltrack.engine.checking import run_checks
    from goaltrack.fileio import write_atomic
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import render
    from goaltrack.reports.budget import build_budget
    from goaltrack.reports.coverage import build_coverage
    from goaltrack.reports.progress import build_progress

    options = RenderOptions()
    settings = app.config.values
    reports: dict[str, Report] = {
        "coverage": build_coverage(conn, app.plugins, plan_id, options, settings=settings),
        "budget": build_budget(conn, plan_id, options),
        "progress": build_progress(conn, app.plugins, plan_id, options, settings=settings),
    }
    written = []
    for (kind, fmt), path in zip(DEMO_REPORTS, demo_files(app, out_dir)[1:], strict=True):
        write_atomic(path, render(app, reports[kind], fmt))
        written.append(path)
        if wrote is not None:
            wrote(path)
    findings = run_checks(conn, app.plugins, plan_id, settings=settings.get("checks", {}), options=options)
    counts: dict[str, int] = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    return written, reports["coverage"].data["summary"], counts
