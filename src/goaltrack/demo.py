"""``goaltrack demo``: the bundled plan in a fresh database, example progress, scores, and
the reports a manager takes to the committee.

The example series and statuses ship beside the bundled plan (``<slug>.example.csv`` and
``<slug>.example-statuses.csv``); every value in them has the source ``example`` and every
report marks what rests on them. The plan's own figures are never touched.

Then it adds :data:`EXAMPLE_PEOPLE` (every display name says it is an example), requires
review for the plan in the demo's database only, and takes one example value through the
review workflow (:data:`REVIEW_EXAMPLE`): submitted, returned with a reason, corrected,
submitted again and approved. The approved value is the figure the example series already
holds for that month, so the reports are the same as without the review step; ``goaltrack
history`` shows both, and every transition.

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
    from goaltrack.people.access import Actor

DEMO_REPORTS: tuple[tuple[str, str], ...] = (
    ("coverage", "html"),
    ("budget", "html"),
    ("progress", "html"),
    ("coverage", "markdown"),
    ("coverage", "json"),
)
"""(report, format) pairs the demo writes, as ``<report>.<extension>``."""

#: The demo's example people: (login, display name, (role, scope kind, scope code) in the
#: bundled plan). The first person of a database is made admin of every plan; that admin
#: grants the others their role. Each display name says it is an example.
#: The example people's password, so that ``goaltrack serve`` on the demo database can be
#: tried at once (it prints it only when it still works). An example: never use it elsewhere.
EXAMPLE_PASSWORD = "example-password"

EXAMPLE_PEOPLE: tuple[tuple[str, str, tuple[str, str, str] | None], ...] = (
    ("alma.example", "Alma Eksempel (example admin)", None),
    ("anders.example", "Anders Eksempel (example approver)", ("approver", "plan", "")),
    ("eva.example", "Eva Eksempel (example contributor)", ("contributor", "indicator", "MM13")),
)

#: The value the demo reviews: Eva checks June again (Jobindsats revises past months), types
#: 34.5 for 43.5, is returned, and records 43.5, the figure the example series holds: the
#: approved value replaces an equal one, so no report changes. ``other`` is an indicator
#: her grant does not cover.
REVIEW_EXAMPLE: dict[str, str] = {
    "indicator": "MM13", "period": "2021M06", "typed": "34.5", "corrected": "43.5", "other": "MM17",
    "note": "EXAMPLE DATA - invented for the demo; June checked again (Jobindsats revises past months)",
    "reason": "34.5 is far below May (42.9) and the current 43.5: two digits swapped? Check June again.",
}


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
        entry = _review_example(engine, plan_id, echo)
        with engine.connect() as conn:
            written, summary, counts = _write_reports(app, conn, plan_id, out_dir, wrote)
    finally:
        engine.dispose()
    if wrote is not None:
        wrote(db_path)  # closed: the last connection has moved the WAL into the file
    _echo_results(db_path, out_dir, written, summary, counts, echo)
    gt = f"goaltrack --db {db_path}"
    echo(f"Review: {gt} history {REVIEW_EXAMPLE['indicator']}   (both June values, every transition)")
    echo(f"        {gt} review {entry}   (the entry: its revisions and events)")
    echo(f"        {gt} review --all   (what still waits: nothing, the entry is approved)")
    echo(f"This database has people: commands that write need --as LOGIN ({EXAMPLE_PEOPLE[0][0]} is the "
         "example admin).")
    echo(f"Web application: {gt} serve   (then sign in as {EXAMPLE_PEOPLE[0][0]}, password "
         f"'{EXAMPLE_PASSWORD}': EXAMPLE people, made up for the demo)")
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


def _add_example_people(engine: Engine, slug: str, echo: Callable[[str], None]) -> dict[str, Actor]:
    """Add :data:`EXAMPLE_PEOPLE` and their grants through the people API; each as an actor."""
    from goaltrack.people.accounts import actor_for_login, add_person, grant

    admin: Actor | None = None
    for login, name, role in EXAMPLE_PEOPLE:
        added = add_person(engine, login, name, email=None, password=EXAMPLE_PASSWORD, actor=admin)
        if role is not None:
            grant(engine, login, role[0], slug, role[1], role[2], actor=admin)
        if added.first:
            with engine.connect() as conn:
                admin = actor_for_login(conn, login)
    with engine.connect() as conn:
        actors = {login: actor_for_login(conn, login) for login, *_ in EXAMPLE_PEOPLE}
    echo("")
    echo("EXAMPLE people (made up for the demo, not real people):")
    for login, actor in actors.items():
        roles = ", ".join(g.describe() for g in actor.grants)
        echo(f"  {login:<15} {actor.display_name:<36} {roles}")
    return actors


def _review_example(engine: Engine, plan_id: int, echo: Callable[[str], None]) -> int:
    """People, review required, and :data:`REVIEW_EXAMPLE` submitted, returned, corrected and
    approved; the review entry's id."""
    from sqlalchemy import select, update

    from goaltrack.people.access import PermissionDenied, require
    from goaltrack.review.transitions import move
    from goaltrack.store import tables as m
    from goaltrack.store.database import writer

    plan = m.table_of(m.Plan)
    with engine.connect() as conn:
        slug = conn.execute(select(plan.c.slug).where(plan.c.id == plan_id)).scalar_one()
    people = _add_example_people(engine, slug, echo)
    approver, author = people[EXAMPLE_PEOPLE[1][0]], people[EXAMPLE_PEOPLE[2][0]]
    # The bundled plan's file transcribes a source and says nothing about review, so the demo
    # turns review on in its own database, as `review: required` in a plan file would (loading
    # the file again sets it back). It is said, not hidden.
    with writer(engine).begin() as conn:
        conn.execute(update(plan).where(plan.c.id == plan_id).values(review="required"))
    echo("The demo requires review for this plan in its own database "
         "(a plan file says so with `review: required`).")
    echo(f"One EXAMPLE value (source '{EXAMPLE_SOURCE}') through review:")
    ex = REVIEW_EXAMPLE
    entry = _record_example(engine, plan_id, author, ex["typed"], submit=False, echo=echo)
    move(engine, entry, "submit", author)
    echo(f"  {author.login} submitted entry {entry}")
    move(engine, entry, "return", approver, reason=ex["reason"])
    echo(f"  {approver.login} returned entry {entry}: \"{ex['reason']}\"")
    _record_example(engine, plan_id, author, ex["corrected"], submit=True, echo=echo)
    moved = move(engine, entry, "approve", approver)
    echo(f"  {approver.login} approved entry {entry}: {moved.what} = {ex['corrected']} is the current value, "
         "the figure the example series holds (so the reports are the same)")
    with engine.connect() as conn:  # the check every write makes, here without writing
        try:
            require(conn, author, "record", plan_id, "indicator", ex["other"])
        except PermissionDenied as refused:
            echo(f"  and {refused.message}")
    return entry


def _record_example(engine: Engine, plan_id: int, author: Actor, value: str, *, submit: bool,
                    echo: Callable[[str], None]) -> int:
    """``author`` records :data:`REVIEW_EXAMPLE`'s value ``value``; the review entry's id."""
    from goaltrack.store.recording import record_measurement

    ex = REVIEW_EXAMPLE
    r = record_measurement(engine, plan_id, ex["indicator"], value, ex["period"], by=author.login, note=ex["note"],
                           source=EXAMPLE_SOURCE, actor=author, submit=submit)
    if r.entry is None:
        raise RuntimeError("the demo's plan requires review, yet a value was recorded without it")
    what = "and submitted it again" if submit else "as a draft"
    echo(f"  {author.login} recorded {ex['indicator']} {ex['period']} = {value} {what}: "
         f"entry {r.entry}, {r.state}, revision {r.revision}")
    return r.entry


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
