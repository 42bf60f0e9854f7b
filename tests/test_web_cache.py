"""The web application's report cache: a report is built once per change of its plan's
data, and a change (a value recorded, approved, a plan loaded again) shows at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reviewfixtures import plan_file
from webfixtures import app_for, web_db

from goaltrack.planfile.validate import read_plan
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import record_measurement


class _Request:
    """What reading.py needs of a request: the application."""

    def __init__(self, app: Any) -> None:
        self.app = app


@pytest.fixture
def setup(db_url: str, tmp_path: Path) -> tuple[str, Any, int]:
    web_db(db_url, tmp_path, review=None).dispose()
    app = app_for(db_url)
    with open_engine(db_url).connect() as conn:
        plan_id = plan_id_for(conn, "holmstad-2023")
    return db_url, app, plan_id


def _latest(report: Any, code: str) -> Any:
    """The value of May 2023 (the month the test records)."""
    ind = next(i for i in report.data["indicators"] if i["code"] == code)
    return next((p["value"] for p in ind["series"] if p["end"] == "2023-05-31"), None)


def test_a_report_is_built_once_until_the_plan_changes(setup: tuple[str, Any, int], tmp_path: Path) -> None:
    from goaltrack.web.reading import report_for

    url, app, plan_id = setup
    req = _Request(app)
    cache = app.state.goaltrack.cache
    first = report_for(req, plan_id, "progress", lang="en")  # type: ignore[arg-type]
    assert report_for(req, plan_id, "progress", lang="en") is first  # type: ignore[arg-type]
    assert (cache.hits, cache.misses) == (1, 1)
    assert report_for(req, plan_id, "progress", lang="da") is not first  # type: ignore[arg-type]

    engine = open_engine(url)
    record_measurement(engine, plan_id, "ledighed", "3.9", "2023-05", by="admin")
    changed = report_for(req, plan_id, "progress", lang="en")  # type: ignore[arg-type]
    assert changed is not first and _latest(changed, "ledighed") == 3.9
    # A correction supersedes; the new row is what the report shows.
    record_measurement(engine, plan_id, "ledighed", "3.8", "2023-05", by="admin", correct=True, note="typo")
    assert _latest(report_for(req, plan_id, "progress", lang="en"), "ledighed") == 3.8  # type: ignore[arg-type]

    before = report_for(req, plan_id, "coverage", lang="en")  # type: ignore[arg-type]
    edited = plan_file(tmp_path, review=None, name="edited.yaml")
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "title: Flere unge skal have en uddannelse", "title: Flere unge skal have en uddannelse (edited)"),
        encoding="utf-8")
    load_plans(engine, [read_plan(edited)], recorded_by="admin")
    after = report_for(req, plan_id, "coverage", lang="en")  # type: ignore[arg-type]
    assert after is not before
    assert after.data["goals"][0]["title"].endswith("(edited)")
    engine.dispose()


def test_entries_expire(setup: tuple[str, Any, int]) -> None:
    from goaltrack.web.reading import report_for

    _url, app, plan_id = setup
    req = _Request(app)
    app.state.goaltrack.cache.ttl = 0.0
    first = report_for(req, plan_id, "budget", lang="en")  # type: ignore[arg-type]
    assert report_for(req, plan_id, "budget", lang="en") is not first  # type: ignore[arg-type]
