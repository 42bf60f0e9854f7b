"""People and review for the tests of issue 14: the Holmstad 2023 plan with ``review:
required``, a few people with roles, and a CliRunner that runs goaltrack's real entry point.

People are made with the Python API (:mod:`goaltrack.people.accounts`), not a CLI group:
the first one, ``admin``, is admin of every plan. :data:`PEOPLE` says who else holds what.

In holmstad-2023, indicator ``ledighed`` measures national goal NG2 and initiative I2; I2
and I3 belong to focus area FA2, I1 to FA1, and FA3 has no initiatives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from dbfixtures import new_engine
from helpers import REPO
from sqlalchemy import text
from sqlalchemy.engine import Engine

from goaltrack.people import accounts
from goaltrack.people.access import Actor
from goaltrack.planfile.validate import read_plan
from goaltrack.store.database import plan_id_for
from goaltrack.store.plansync import load_plans

H2022 = REPO / "tests" / "data" / "holmstad-2022.yaml"
H2023 = REPO / "tests" / "data" / "holmstad-2023.yaml"
SLUG = "holmstad-2023"

#: login -> the grants it holds in holmstad-2023: (role, scope kind, scope code).
PEOPLE: dict[str, list[tuple[str, str, str]]] = {
    "carl": [("contributor", "focus_area", "FA2")],
    "anna": [("approver", "plan", "")],
    "bo": [("approver", "focus_area", "FA1")],
    "dora": [("approver", "plan", "")],
    "writer": [("contributor", "plan", "")],
}

#: The tables review and people write to: what "nothing changed" compares.
REVIEW_TABLES = ("measurement", "initiative_status", "import_batch", "review_entry", "review_event",
                 "pending_measurement", "pending_status", "person", "role_grant", "api_token", "plan")


def plan_file(where: Path, *, review: str | None = "required", self_approval: bool | None = None,
              name: str = "holmstad-2023.yaml") -> Path:
    """holmstad-2023.yaml with ``review`` and ``self_approval`` in its header (None: left out)."""
    text_ = H2023.read_text(encoding="utf-8")
    extra = ""
    if review is not None:
        extra += f"\n  review: {review}"
    if self_approval is not None:
        extra += f"\n  self_approval: {'true' if self_approval else 'false'}"
    marker = "\n  slug: holmstad-2023"
    assert marker in text_
    path = where / name
    path.write_text(text_.replace(marker, marker + extra, 1), encoding="utf-8")
    return path


def admin_actor(engine: Engine) -> Actor:
    with engine.connect() as conn:
        return accounts.actor_for_login(conn, "admin")


def add_people(engine: Engine, people: dict[str, list[tuple[str, str, str]]] | None = None) -> None:
    """``admin`` (the first person: admin of every plan), then each of ``people`` (default
    :data:`PEOPLE`) with its grants."""
    accounts.add_person(engine, "admin", "Admin", email=None, password=None, actor=None)
    admin = admin_actor(engine)
    for login, grants in (PEOPLE if people is None else people).items():
        accounts.add_person(engine, login, login.title(), email=None, password=None, actor=admin)
        for role, kind, code in grants:
            accounts.grant(engine, login, role, SLUG, kind, code, actor=admin)


def review_db(url: str, where: Path, *, review: str | None = "required", self_approval: bool | None = None,
              people: bool = True) -> Engine:
    """A new database at ``url`` with holmstad-2023 loaded (with ``review``) and, unless not
    ``people``, the people of :data:`PEOPLE`."""
    engine = new_engine(url)
    load_plans(engine, [read_plan(plan_file(where, review=review, self_approval=self_approval))],
               recorded_by="loader")
    if people:
        add_people(engine)
    return engine


def plan_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return plan_id_for(conn, SLUG)


class _Main:
    """CliRunner running goaltrack's real entry point, which turns errors into exit codes."""

    name = "goaltrack"

    def main(self, args: Any, prog_name: str | None = None, **extra: Any) -> None:
        from goaltrack.cli import main

        main(list(args))


def gt(url: str, *args: str, as_: str | None = None, code: int | None = 0) -> Result:
    """``goaltrack --db URL [--as AS_] ARGS...`` in-process; asserts the exit code (unless None)."""
    who = ["--as", as_] if as_ else []
    result = CliRunner().invoke(_Main(), ["--db", url, *who, *args])  # type: ignore[arg-type]
    assert code is None or result.exit_code == code, (args, result.output)
    return result


def error(result: Result) -> str:
    """The one-line error a failed command printed, without ``Error: ``."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0].removeprefix("Error: ")


def as_json(url: str, *args: str, as_: str | None = None) -> Any:
    return json.loads(gt(url, *args, "--format", "json", as_=as_).stdout)


def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def current_values(url: str) -> list[tuple[Any, ...]]:
    """(indicator, period, breakdown, value, recorded_by) of every current measurement."""
    return rows(url, "SELECT i.code, m.period_code, m.breakdown, m.value, m.recorded_by FROM measurement m "
                     "JOIN indicator i ON i.id = m.indicator_id WHERE m.superseded_at IS NULL "
                     "ORDER BY i.code, m.period_code, m.breakdown")


def dump(url: str) -> list[tuple[Any, ...]]:
    """:data:`REVIEW_TABLES`' rows, for "the database is unchanged" (as :func:`helpers.db_dump`
    lists them, from the models' tables rather than reflected ones: a dump per refused
    command adds up on PostgreSQL)."""
    from sqlalchemy import create_engine, select
    from sqlmodel import SQLModel

    import goaltrack.people.tables
    import goaltrack.store.tables  # noqa: F401

    engine = create_engine(url)
    try:
        out: list[tuple[Any, ...]] = []
        with engine.connect() as conn:
            for name in REVIEW_TABLES:
                found = [tuple(r) for r in conn.execute(select(SQLModel.metadata.tables[name]))]
                out.extend((name, row) for row in sorted(found, key=repr))
        return out
    finally:
        engine.dispose()
