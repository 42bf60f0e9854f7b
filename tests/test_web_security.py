"""Every route of the web application × every role, anonymous included.

The table :data:`ROUTES` gives, for each route the application has, a request and the
access it needs; :data:`ROLES` holds one person per kind of role in holmstad-2023. For
each pair the test sends the request (pages with the session cookie and the form's CSRF
token, the API with the person's token) and checks:

- allowed: the answer is not a refusal (no 401/403, no redirect to the sign-in page);
- refused: 403 (pages and API), the sign-in page for anonymous page requests, 401 for
  anonymous API requests; and a refused write leaves the database exactly as it was.

A route the table does not list fails the test, so a new page cannot be added without
saying who may use it. Allowed writes run on a fresh copy of the database each.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reviewfixtures import REVIEW_TABLES, SLUG, rows
from webfixtures import PASSWORD, SECRET, csrf_of, sign_in, web_db

from goaltrack.people import accounts
from goaltrack.store.database import plan_id_for
from goaltrack.store.recording import record_measurement

P = f"/plans/{SLUG}"

#: role -> login (None: nobody signed in). Beyond reviewfixtures.PEOPLE: nora has no role,
#: vera is a viewer of the plan, pam an admin of the plan (not of every plan).
ROLES: dict[str, str | None] = {
    "anonymous": None, "outsider": "nora", "viewer": "vera", "contributor": "carl", "fa1_approver": "bo",
    "approver": "anna", "plan_admin": "pam", "site_admin": "admin",
}
ALLOWED = {
    "anyone": set(ROLES),
    "signed_in": set(ROLES) - {"anonymous"},
    "viewer": set(ROLES) - {"anonymous", "outsider"},
    # ledighed measures initiative I2 of focus area FA2: carl's scope; bo's FA1 does not hold it.
    "record": {"contributor", "approver", "plan_admin", "site_admin"},
    # carl's own submitted entry: approvers of the plan (and admins), not its author.
    "approve": {"approver", "plan_admin", "site_admin"},
    # a role that records something in the plan (bo's approver for FA1 includes contributor)
    "contributes": {"contributor", "fa1_approver", "approver", "plan_admin", "site_admin"},
    "admin": {"plan_admin", "site_admin"},
    "site_admin": {"site_admin"},
}

CSV = b"indicator,period,value\nledighed,2023-07,3.2\n"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    access: str
    data: dict[str, str] = field(default_factory=dict)
    upload: bool = False

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


#: route name -> the request made of it and the access it needs.
ROUTES = {c.name: c for c in [
    Case("openapi", "GET", "/api/v1/openapi.json", "anyone"),
    Case("swagger_ui_html", "GET", "/api/v1/docs", "anyone"),
    Case("static", "GET", "/static/robots.txt", "anyone"),
    Case("signin_form", "GET", "/signin", "anyone"),
    Case("signin", "POST", "/signin", "anyone", {"login": "nobody", "password": "wrong-password"}),
    Case("signout", "POST", "/signout", "anyone"),
    Case("set_lang", "GET", "/lang/da?next=/", "anyone"),
    Case("home", "GET", "/", "signed_in"),
    Case("my_work", "GET", "/mine", "signed_in"),
    Case("review_queue", "GET", "/review", "signed_in"),
    Case("dashboard", "GET", P, "viewer"),
    Case("goal_page", "GET", f"{P}/goals/NG2", "viewer"),
    Case("focus_area_page", "GET", f"{P}/focus-areas/FA2", "viewer"),
    Case("initiative_page", "GET", f"{P}/initiatives/I2", "viewer"),
    Case("indicator_page", "GET", f"{P}/indicators/ledighed", "viewer"),
    Case("report_page", "GET", f"{P}/reports/coverage", "viewer"),
    Case("report_download", "GET", f"{P}/reports/progress.csv", "viewer"),
    Case("review_entry", "GET", "/review/{entry}", "viewer"),
    Case("record_form", "GET", f"{P}/indicators/ledighed/record", "record"),
    Case("record_post", "POST", f"{P}/indicators/ledighed/record", "record", {"period": "2023-06", "value": "3.3"}),
    Case("status_form", "GET", f"{P}/initiatives/I2/status", "record"),
    Case("status_post", "POST", f"{P}/initiatives/I2/status", "record", {"state": "on-track"}),
    Case("import_form", "GET", f"{P}/import", "contributes"),
    Case("import_submit", "POST", f"{P}/import", "record", {"source": "csv"}, upload=True),
    Case("review_action", "POST", "/review/{entry}/approve", "approve"),
    Case("admin_people", "GET", "/admin/people", "admin"),
    Case("admin_person", "GET", "/admin/people/carl", "admin"),
    Case("admin_person_add", "POST", "/admin/people", "site_admin",
         {"login": "newbie", "name": "New Person", "password": "a-long-password"}),
    Case("admin_grant", "POST", "/admin/people/grants", "admin",
         {"login": "nora", "role": "viewer", "plan": SLUG, "scope_kind": "plan"}),
    Case("admin_revoke", "POST", "/admin/people/grants/revoke", "admin",
         {"login": "vera", "role": "viewer", "plan": SLUG, "scope_kind": "plan"}),
    Case("admin_deactivate", "POST", "/admin/people/nora/deactivate", "site_admin"),
    Case("admin_set_password", "POST", "/admin/people/nora/password", "site_admin",
         {"password": "another-long-password"}),
    Case("admin_token_create", "POST", "/admin/people/nora/tokens", "site_admin", {"name": "script"}),
    Case("admin_token_revoke", "POST", "/admin/people/nora/tokens/{nora_token}/revoke", "site_admin"),
    Case("admin_plans", "GET", "/admin/plans", "admin"),
    Case("admin_plan_file", "GET", f"/admin/plans/{SLUG}.yaml", "admin"),
    Case("api_me", "GET", "/api/v1/me", "signed_in"),
    Case("api_plans", "GET", "/api/v1/plans", "signed_in"),
    Case("api_plan", "GET", f"/api/v1{P}", "viewer"),
    Case("api_report", "GET", f"/api/v1{P}/reports/coverage", "viewer"),
    Case("api_indicator", "GET", f"/api/v1{P}/indicators/ledighed", "viewer"),
    Case("api_record_value", "POST", f"/api/v1{P}/indicators/ledighed/values", "record",
         {"period": "2023-06", "value": "3.3"}),
    Case("api_record_status", "POST", f"/api/v1{P}/initiatives/I2/statuses", "record", {"status": "on-track"}),
    Case("api_review_queue", "GET", "/api/v1/review", "signed_in"),
    Case("api_review_entry", "GET", "/api/v1/review/{entry}", "viewer"),
    Case("api_review_action", "POST", "/api/v1/review/{entry}/approve", "approve"),
]}


def _route_names(app: Any) -> set[str]:
    def walk(routes: list[Any]) -> Iterator[Any]:
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI keeps an included router whole
                yield from walk(r.original_router.routes)
            else:
                yield r

    return {r.name for r in walk(app.router.routes)}


@dataclass
class World:
    base: Path
    entry: int
    tokens: dict[str, str]
    nora_token: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    where = tmp_path_factory.mktemp("security")
    url = f"sqlite:///{where}/base.db"
    engine = web_db(url, where)
    with engine.connect() as conn:
        admin = accounts.actor_for_login(conn, "admin")
        plan_id = plan_id_for(conn, SLUG)
    for login, role in (("nora", None), ("vera", "viewer"), ("pam", "admin")):
        accounts.add_person(engine, login, login.title(), email=None, password=PASSWORD, actor=admin)
        if role:
            accounts.grant(engine, login, role, SLUG, "plan", "", actor=admin)
    tokens = {login: accounts.create_token(engine, login, "matrix", 30, actor=admin).token
              for login in ROLES.values() if login}
    nora_token = accounts.list_tokens(engine.connect(), "nora")[0]["id"]
    with engine.connect() as conn:
        carl = accounts.actor_for_login(conn, "carl")
    filed = record_measurement(engine, plan_id, "ledighed", "3.4", "2023-05", by="carl", actor=carl, submit=True)
    engine.dispose()
    assert filed.entry is not None
    return World(where / "base.db", filed.entry, tokens, nora_token)


def _copy(world: World, where: Path) -> str:
    db = where / "t.db"
    shutil.copy(world.base, db)
    return f"sqlite:///{db}"


def _snapshot(url: str) -> dict[str, list[str]]:
    """What a refused request must leave alone. Using a token notes when it was last used,
    which is not a change of the data, so api_token is compared without that column."""
    out = {t: sorted(map(repr, rows(url, f"SELECT * FROM {t}"))) for t in REVIEW_TABLES if t != "api_token"}
    kept = "id, person_id, name, token_hash, prefix, created_at, expires_at, revoked_at"
    out["api_token"] = sorted(map(repr, rows(url, f"SELECT {kept} FROM api_token")))
    return out


def _client(url: str) -> Any:
    from fastapi.testclient import TestClient

    from goaltrack.context import AppContext
    from goaltrack.web.app import create_app

    return TestClient(create_app(AppContext(db=url), secret=SECRET))


def _send(c: Any, case: Case, world: World, role: str) -> Any:
    path = case.path.format(entry=world.entry, nora_token=world.nora_token)
    login = ROLES[role]
    if case.api:
        headers = {"Authorization": f"Bearer {world.tokens[login]}"} if login else {}
        if case.method == "GET":
            return c.get(path, headers=headers, follow_redirects=False)
        return c.post(path, json=case.data, headers=headers, follow_redirects=False)
    if case.method == "GET":
        return c.get(path, follow_redirects=False)
    csrf = csrf_of(c.get("/signin" if login is None else "/mine").text)
    if case.upload:
        return c.post(path, data={**case.data, "csrf": csrf}, files={"file": ("values.csv", CSV, "text/csv")},
                      follow_redirects=False)
    return c.post(path, data={**case.data, "csrf": csrf}, follow_redirects=False)


def _refused(case: Case, role: str, r: Any) -> bool:
    if role == "anonymous" and not case.api:
        return r.status_code == 303 and r.headers["location"].startswith("/signin")
    if role == "anonymous":
        return r.status_code == 401
    # The API does not say whether an entry exists in a plan one may not see.
    return r.status_code == 403 or (case.api and "{entry}" in case.path and r.status_code == 404)


def test_every_route_is_in_the_table(world: World, tmp_path: Path) -> None:
    names = _route_names(_client(_copy(world, tmp_path)).app)
    assert names - set(ROUTES) == set(), "routes without a row in ROUTES: say who may use them"
    assert set(ROUTES) - names == set(), "rows in ROUTES for routes that do not exist"


@pytest.mark.parametrize("role", list(ROLES))
def test_reads_and_refused_writes(world: World, tmp_path: Path, role: str) -> None:
    """Every GET, and every write the role may not make (which must change nothing), on one
    copy of the database signed in once."""
    url = _copy(world, tmp_path)
    c = _client(url)
    if ROLES[role]:
        sign_in(c, ROLES[role])
    before = _snapshot(url)
    wrong = []
    for case in ROUTES.values():
        allowed = role in ALLOWED[case.access]
        if case.method == "POST" and allowed:
            continue  # in test_allowed_writes, each on its own copy
        r = _send(c, case, world, role)
        if allowed and (_refused(case, role, r) or r.status_code in (401, 403) or r.status_code >= 500):
            wrong.append(f"{case.name}: {role} may, got {r.status_code} {r.text[:160]!r}")
        if not allowed and not _refused(case, role, r):
            wrong.append(f"{case.name}: {role} may not, got {r.status_code} {r.text[:160]!r}")
        if case.method == "POST" and not allowed:
            after = _snapshot(url)
            if after != before:
                wrong.append(f"{case.name}: refused for {role}, but the database changed")
        if case.name == "signout" and ROLES[role]:
            sign_in(c, ROLES[role])  # signing out is allowed to all: sign in again for the rest
    assert wrong == []


def _allowed_writes() -> list[tuple[str, str]]:
    return [(name, role) for name, case in ROUTES.items() if case.method == "POST"
            for role in ROLES if role in ALLOWED[case.access] and case.access != "anyone"]


@pytest.mark.parametrize(("name", "role"), _allowed_writes())
def test_allowed_writes(world: World, tmp_path: Path, name: str, role: str) -> None:
    url = _copy(world, tmp_path)
    c = _client(url)
    if ROLES[role]:
        sign_in(c, ROLES[role])
    case = ROUTES[name]
    r = _send(c, case, world, role)
    assert not _refused(case, role, r) and r.status_code not in (401, 403) and r.status_code < 500, \
        (r.status_code, r.text[:300])
