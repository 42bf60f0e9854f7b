"""Shared by the report tests: databases holding the test plans, and rendering reports.

Everything runs in-process through click's ``CliRunner`` (fast, and the same code path as a
user's command); ``recorded_at`` of initiative statuses is pinned so reports are fixed.
"""

from __future__ import annotations

import datetime as dt
import html.parser
from pathlib import Path

import pytest
from click.testing import CliRunner

from goaltrack.cli import cli

DATA = Path(__file__).resolve().parent / "data"
REPORT_PLAN = DATA / "report-plan.yaml"
EVIL_PLAN = DATA / "evil-plan.yaml"
KINDS = ("coverage", "budget", "progress")
FIXED_TIME = dt.datetime(2024, 6, 30, 12, 0, 0)


def invoke(*args: str | Path, expect: int = 0) -> str:
    """Run ``goaltrack ARGS`` in-process; assert the exit code; return stdout."""
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == expect, f"goaltrack {' '.join(map(str, args))}: exit {result.exit_code}\n{result.output}"
    return result.stdout


def load_db(
    path: Path,
    plan: Path,
    monkeypatch: pytest.MonkeyPatch,
    statuses: tuple[tuple[str, ...], ...] = (),
) -> Path:
    """A SQLite database at ``path`` with ``plan`` loaded and ``statuses`` recorded
    (``(initiative, state, note, by)``) at :data:`FIXED_TIME`."""
    monkeypatch.setattr("goaltrack.store.recording.utcnow", lambda: FIXED_TIME)
    invoke("--db", path, "plan", "load", plan)
    for initiative, state, note, by in statuses:
        invoke("--db", path, "status", initiative, state, "--note", note, "--by", by)
    return path


def report(db: Path, kind: str, fmt: str, *args: str | Path) -> str:
    return invoke("--db", db, "report", kind, "--format", fmt, *args)


def demo_reports_in(out: Path) -> dict[str, Path]:
    """``goaltrack demo --out OUT/demo`` (bundled plan + example data), then its HTML reports
    in the plan's language as ``OUT/<kind>.html``, one per :data:`KINDS`; statuses pinned to
    :data:`FIXED_TIME`, so the pages are the same every run."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("goaltrack.store.recording.utcnow", lambda: FIXED_TIME)
        mp.setenv("GOALTRACK_DB", str(out / "unused.db"))
        invoke("demo", "--out", out / "demo")
    db = out / "demo" / "goaltrack.db"
    paths = {}
    for kind in KINDS:
        paths[kind] = out / f"{kind}.html"
        paths[kind].write_text(report(db, kind, "html"), encoding="utf-8")
    return paths


class Tags(html.parser.HTMLParser):
    """Every start tag of an HTML document with its attributes, and the text of <style>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    @property
    def names(self) -> set[str]:
        return {t for t, _ in self.tags}

    def attributes(self, name: str) -> list[str]:
        return [v or "" for _, attrs in self.tags for k, v in attrs if k == name]
