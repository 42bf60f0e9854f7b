"""A database with a bit of everything in it, for the migration, copy and verify tests.

:func:`populate` loads the bundled Kalundborg plan (its items, links, budget and plan-file
measurements), imports the bundled example CSV and a small CSV without sources, records values by hand (new ones, a
superseding one, a correction, a missing one, one with a source) and initiative statuses.
At schema revision ``0001`` (before ``import_batch`` existed) the import is done the way
goaltrack did it then: the same staging merge, without the batch row.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

from helpers import BUNDLED_PLAN
from sqlalchemy.engine import Engine

from goaltrack.planfile.validate import read_plan
from goaltrack.store.database import open_engine, plan_id_for, writer
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import record_measurement, record_status

EXAMPLE_CSV = BUNDLED_PLAN.with_name("kalundborg-2021.example.csv")
SLUG = "kalundborg-2021"


def new_engine(url: str, revision: str | None = None) -> Engine:
    """A new database at ``url``: at the latest schema, or at ``revision``."""
    if revision is None:
        return open_engine(url, create=True)
    from goaltrack.store.schema_version import migrate

    engine = open_engine(url, create=True, check=False)
    migrate(engine, revision)
    return engine


def populated_at(url: str, revision: str) -> Engine:
    """A database at ``url`` holding :func:`populate`'s rows (imports as 0001 made them), at
    schema ``revision``: filled by today's code at the latest schema, then migrated down, so
    it holds what that revision's columns can (a later column is dropped with its values)."""
    from alembic import command

    from goaltrack.store.schema_version import alembic_config, check_foreign_keys, rebuildable

    engine = new_engine(url)
    populate(engine, old_import=True)
    with engine.connect() as conn, rebuildable(conn), conn.begin():
        command.downgrade(alembic_config(conn), revision)
        check_foreign_keys(conn)
    return engine


def populate(engine: Engine, *, old_import: bool = False) -> int:
    """Fill ``engine``'s database (see the module docstring); returns the plan's id."""
    load_plans(engine, [read_plan(BUNDLED_PLAN)], recorded_by="loader")
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, SLUG)
    # A second file without a source column: its rows have SQL NULL in measurement.source,
    # where rows recorded by hand without a source have JSON null.
    second = Path(tempfile.mkdtemp(prefix="gt-populate.")) / "more-values.csv"
    second.write_text("indicator,period,value\nMM17,2021M01,12.5\nMM17,2021M02,13\n", encoding="utf-8")
    if old_import:
        import_as_in_0001(engine, plan_id, EXAMPLE_CSV, by="importer")
        import_as_in_0001(engine, plan_id, second, by="importer")
    else:
        from goaltrack.plugins import load_plugins
        from goaltrack.store.importing import import_file

        source = load_plugins().get("data_sources", "csv")
        import_file(engine, plan_id, source, EXAMPLE_CSV, recorded_by="importer")
        import_file(engine, plan_id, source, second, recorded_by="importer")
    shutil.rmtree(second.parent)
    rec = record_measurement
    rec(engine, plan_id, "forsikrede-ledige-kalundborg", "812", "2021M05", by="anna", note="first")
    rec(engine, plan_id, "forsikrede-ledige-kalundborg", "815", "2021M05", by="bo", source="Jobindsats")
    rec(engine, plan_id, "forsikrede-ledige-kalundborg", "814", "2021M05", by="anna", note="typo", correct=True)
    rec(engine, plan_id, "chr-hansen-nye-arbejdspladser", None, "2021", by="bo", missing="not published yet")
    rec(engine, plan_id, "MM13", "43,5", "2021M09", by="cecilie", note="æøå – unicode note")
    rec(engine, plan_id, "MM13", "44.25", "2021M09", by="cecilie")
    record_status(engine, plan_id, "FA1-T1", "on-track", by="anna")
    record_status(engine, plan_id, "FA1-T3", "at-risk", by="bo", note="staff shortage")
    record_status(engine, plan_id, "FA1-T3", "on-track", by="bo")
    return plan_id


def import_as_in_0001(engine: Engine, plan_id: int, path: Path, *, by: str) -> None:
    """An import as goaltrack 0001 made it: staged, merged, origin ``import:<file>#<sha16>``."""
    from sqlalchemy import select

    from goaltrack.clock import utcnow
    from goaltrack.store import tables as m
    from goaltrack.store.bulk import Stager
    from goaltrack.store.importing import file_sha256
    from goaltrack.values.periods import parse_period

    t = m.Indicator.__table__  # type: ignore[attr-defined]
    with writer(engine).connect() as conn, conn.begin():
        ids: dict[str, int] = dict(conn.execute(select(t.c.code, t.c.id).where(t.c.plan_id == plan_id)).all())
        stager = Stager(conn)
        stager.create()
        rows = []
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                p = parse_period(row["period"])
                rows.append((
                    ids[row["indicator"]], p.code, line, p.freq, p.start.isoformat(), p.end.isoformat(),
                    float(row["value"]), None, row.get("note") or None, row.get("source") or None, by,
                    "",  # totals: 0001 had no breakdowns
                ))
        stager.add(rows)
        stager.merge(now=utcnow(), origin=f"import:{path.name}#{file_sha256(path)[:16]}")
