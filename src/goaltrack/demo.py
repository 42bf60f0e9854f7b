"""``goaltrack demo``: the bundled plan in a fresh database, and a look at what it holds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from goaltrack.context import AppContext


def run_demo(app: AppContext, out_dir: Path, *, echo: Callable[[str], None]) -> Path:
    """Load the bundled plan into ``out_dir/goaltrack.db`` (made anew) and summarise it."""
    from goaltrack.bundled import bundled_plan
    from goaltrack.config import recorder_name
    from goaltrack.db import open_engine, plan_id_for
    from goaltrack.planfile.load import load_plans
    from goaltrack.planfile.validate import read_plan
    from goaltrack.plans import plan_detail
    from goaltrack.tree import render_tree

    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "goaltrack.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    engine = open_engine(url, create=True)
    try:
        parsed = read_plan(bundled_plan())
        (result,) = load_plans(engine, [parsed], recorded_by=recorder_name(None, app.config))
        echo(f"Loaded the bundled plan {parsed.path.name}: {result.summary()}")
        with engine.connect() as conn:
            plan_id = plan_id_for(conn, result.slug)
            detail = plan_detail(conn, plan_id)
            echo("")
            echo(f"{detail['title']} — {detail['organisation']}")
            counts = detail["counts"]
            echo(
                f"{counts['national_goal']} national goals, {counts['focus_area']} focus areas, "
                f"{counts['initiative']} initiatives, {counts['target_group']} target groups, "
                f"{counts['account']} budget accounts, {counts['indicator']} indicators, "
                f"{counts['measurement']} measurements, {counts['link']} links"
            )
            echo("")
            echo(render_tree(conn, plan_id).rstrip("\n"))
    finally:
        engine.dispose()
    echo("")
    echo(f"Database: {db_path}")
    echo(f"Try: goaltrack --db {db_path} list national-goals")
    return db_path
