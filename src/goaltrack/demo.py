"""``goaltrack demo``: the bundled plan in a fresh database, example progress, and scores.

The example series and statuses ship beside the bundled plan (``<slug>.example.csv`` and
``<slug>.example-statuses.csv``); every value in them has the source ``example`` and every
report marks what rests on them. The plan's own figures are never touched.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from goaltrack.context import AppContext
from goaltrack.scoring import EXAMPLE_SOURCE


def run_demo(app: AppContext, out_dir: Path, *, echo: Callable[[str], None]) -> Path:
    """Load the bundled plan into ``out_dir/goaltrack.db`` (made anew) and show it at work."""
    from goaltrack.bundled import bundled_plan
    from goaltrack.config import recorder_name
    from goaltrack.db import open_engine, plan_id_for
    from goaltrack.importing import import_file
    from goaltrack.planfile.load import load_plans
    from goaltrack.planfile.validate import read_plan
    from goaltrack.plans import plan_detail
    from goaltrack.recording import record_status
    from goaltrack.scoring import score_plan

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "goaltrack.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{db_path}", create=True)
    who = recorder_name(None, app.config)
    try:
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
    finally:
        engine.dispose()
    echo("")
    echo(f"Database: {db_path}")
    echo(f"Next: goaltrack --db {db_path} tree    |    goaltrack --db {db_path} score --explain NG3")
    return db_path
