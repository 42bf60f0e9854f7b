"""Who may do what (issue 14): every command that writes, for every role and scope.

carl holds one role for one scope of holmstad-2023 (or none) and tries each command; the
outcome must be what :data:`COVERS` and :data:`COMMANDS` say, written out here from the plan
file rather than asked of :mod:`goaltrack.people.access`: allowed (exit 0) or refused (exit 1)
with ``carl may not <verb> <item>: <what carl holds>``.

The matrix runs in-process on SQLite, each case on a copy of one prepared database; a few
cases run on PostgreSQL too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from reviewfixtures import H2022, SLUG, add_people, admin_actor, error, gt, review_db
from sqlalchemy.engine import Engine

from goaltrack.people import accounts
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.recording import record_measurement, record_status

ROLES = ("viewer", "contributor", "approver", "admin")
LEVEL = {role: i for i, role in enumerate(ROLES)}
#: A scope's name -> the grant's (scope kind, scope code).
SCOPES = {
    "plan": ("plan", ""),
    "FA2": ("focus_area", "FA2"),
    "FA1": ("focus_area", "FA1"),
    "I2": ("initiative", "I2"),
    "ledighed": ("indicator", "ledighed"),
}
#: What a grant for each scope covers, read off holmstad-2023.yaml: the whole plan covers
#: the plan itself and everything in it; FA2 holds initiatives I2 and I3, and ledighed
#: measures I2, so FA2 covers ledighed too; FA1 holds I1 only (no indicator measures it); I2
#: covers itself and ledighed, which measures it; ledighed covers only itself (not I2).
COVERS = {
    "plan": {"plan", "ledighed", "I1", "I2", "I3"},
    "FA2": {"ledighed", "I2", "I3"},
    "FA1": {"I1"},
    "I2": {"ledighed", "I2"},
    "ledighed": {"ledighed"},
}
#: Entries prepared in the database, all by writer (a contributor for the whole plan):
#: 1 a draft (for submit), 2 a draft (withdraw), 3 and 4 submitted (approve, return), 5 a
#: submitted status of I1.
#: command -> (the role it needs, on which item, how a refusal names what was tried).
#: Submitting or withdrawing someone else's entry needs an admin of the whole plan; loading
#: a new plan, an admin of every plan (which no grant for holmstad-2023 is).
COMMANDS = {
    "record": ("contributor", "ledighed", "record ledighed"),
    "status I2": ("contributor", "I2", "record I2"),
    "status I1": ("contributor", "I1", "record I1"),
    "import": ("contributor", "ledighed", "record ledighed"),
    "plan load": ("admin", "plan", f"manage {SLUG}"),
    "plan load new": ("admin", "every plan", "load the new plan holmstad-2022"),
    "submit": ("admin", "plan", "submit entry 1 (ledighed 2024)"),
    "withdraw": ("admin", "plan", "withdraw entry 2 (ledighed 2025)"),
    "approve": ("approver", "ledighed", "review ledighed"),
    "return": ("approver", "ledighed", "review ledighed"),
    "approve I1": ("approver", "I1", "review I1"),
}


def held(role: str | None, scope: str) -> str:
    """What a refusal says carl holds."""
    if role is None:
        return f"no role in {SLUG}"
    return f"{role} for {SLUG}" if scope == "plan" else f"{role} for {scope} only"


def expected(role: str | None, scope: str, command: str) -> tuple[int, str]:
    """(exit code, error) of ``command`` by carl holding ``role`` for ``scope``; scope "*"
    is admin of every plan."""
    if scope == "*":
        return 0, ""
    need, item, what = COMMANDS[command]
    if role is not None and LEVEL[role] >= LEVEL[need] and item in COVERS[scope]:
        return 0, ""
    if command == "plan load new":
        return 1, f"carl may not {what}: that needs admin for every plan"
    if command in ("submit", "withdraw"):
        return 1, f"carl may not {what}: it is writer's, and only they or an admin of the plan may"
    return 1, f"carl may not {what}: {held(role, scope)}"


CASES = [(None, "plan")] + [(role, scope) for role in ROLES for scope in SCOPES] + [("admin", "*")]


def _case_id(case: tuple[str | None, str]) -> str:
    role, scope = case
    return "none" if role is None else f"{role}-{'every-plan' if scope == '*' else scope}"


def prepare(url: str, where: Path) -> Engine:
    """holmstad-2023 under review, admin, writer and carl (without a role), and entries 1-5."""
    engine = review_db(url, where, people=False)
    add_people(engine, {"writer": [("contributor", "plan", "")], "carl": []})
    with engine.connect() as conn:
        writer = accounts.actor_for_login(conn, "writer")
        plan_id = plan_id_for(conn, SLUG)
    for period, submit in (("2024", False), ("2025", False), ("2026", True), ("2027", True)):
        record_measurement(engine, plan_id, "ledighed", "3.3", period, by="writer", actor=writer, submit=submit)
    record_status(engine, plan_id, "I1", "on-track", by="writer", actor=writer, submit=True)
    (where / "values.csv").write_text("indicator,period,value\nledighed,2030,2.5\n", encoding="utf-8")
    return engine


def grant(engine: Engine, role: str | None, scope: str) -> None:
    if role is None:
        return
    kind, code = ("plan", "") if scope == "*" else SCOPES[scope]
    accounts.grant(engine, "carl", role, "*" if scope == "*" else SLUG, kind, code, actor=admin_actor(engine))


def outcomes(url: str, where: Path) -> dict[str, tuple[int, str]]:
    """Every command of :data:`COMMANDS` by carl: (exit code, error)."""
    args = {
        "record": ["record", "ledighed", "3.1", "-p", "2029"],
        "status I2": ["status", "I2", "on-track"],
        "status I1": ["status", "I1", "done"],
        "import": ["import", "csv", str(where / "values.csv")],
        "plan load": ["plan", "load", str(where / "holmstad-2023.yaml")],
        "plan load new": ["plan", "load", str(H2022)],
        "submit": ["submit", "1"],
        "withdraw": ["withdraw", "2"],
        "approve": ["approve", "3"],
        "return": ["return", "4", "--reason", "check the source"],
        "approve I1": ["approve", "5"],
    }
    out = {}
    for command, argv in args.items():
        r = gt(url, *argv, as_="carl", code=None)
        out[command] = (r.exit_code, error(r) if r.exit_code else "")
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("permissions")
    engine = prepare(f"sqlite:///{where}/template.db", where)
    engine.dispose()
    yield where


def _copy(template: Path, target: Path) -> str:
    with sqlite3.connect(template / "template.db") as src, sqlite3.connect(target / "t.db") as dst:
        src.backup(dst)
    for name in ("values.csv", "holmstad-2023.yaml"):
        (target / name).write_bytes((template / name).read_bytes())
    return f"sqlite:///{target}/t.db"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_permission_matrix(case: tuple[str | None, str], template: Path, tmp_path: Path) -> None:
    role, scope = case
    url = _copy(template, tmp_path)
    engine = open_engine(url)
    grant(engine, role, scope)
    engine.dispose()
    assert outcomes(url, tmp_path) == {c: expected(role, scope, c) for c in COMMANDS}


@pytest.mark.parametrize("case", [("contributor", "FA2"), ("approver", "I2")], ids=_case_id)
def test_permission_matrix_on_postgresql(case: tuple[str | None, str], pg_url: str, tmp_path: Path) -> None:
    role, scope = case
    engine = prepare(pg_url, tmp_path)
    grant(engine, role, scope)
    engine.dispose()
    assert outcomes(pg_url, tmp_path) == {c: expected(role, scope, c) for c in COMMANDS}


def test_the_table_is_not_trivial() -> None:
    """Each command is allowed for some cases and refused for others, and the matrix holds
    every role and scope."""
    for command in COMMANDS:
        results = {expected(role, scope, command)[0] for role, scope in CASES}
        assert results == {0, 1}, command
    assert len(CASES) == 1 + len(ROLES) * len(SCOPES) + 1


def test_a_grant_for_the_whole_plan_names_no_item(tmp_path: Path) -> None:
    from goaltrack.errors import UsageError

    engine = review_db(f"sqlite:///{tmp_path}/t.db", tmp_path)
    try:
        with pytest.raises(UsageError, match="a grant for a whole plan names no item"):
            accounts.grant(engine, "carl", "admin", SLUG, "plan", "FA2", actor=admin_actor(engine))
        with engine.connect() as conn:
            assert accounts.actor_for_login(conn, "carl").grants == (
                accounts.Grant("contributor", SLUG, "focus_area", "FA2"),)
    finally:
        engine.dispose()
