"""The admin pages on a real database through the whole ASGI stack: adding a person,
granting a role (then that person signs in and sees the plan), revoking, field errors at
the field with the values kept, deactivation ending a live session on its next request,
a password set, an API token shown once and revoked, the plans page and its plan file
(the bytes of ``goaltrack plan export``), and a 403 for non-admins on every admin route.

People (:mod:`reviewfixtures`): admin is admin of every plan; anna an approver, carl a
contributor for FA2 of holmstad-2023; ``pat`` (made here) admin of holmstad-2023 only.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pytest
from reviewfixtures import admin_actor, gt
from sqlalchemy import select
from sqlalchemy.engine import Engine
from webfixtures import PASSWORD, SLUG, client, csrf_of, sign_in, web_db

from goaltrack.people import accounts
from goaltrack.people import tables as pt

#: Pages the site bar links to that other branches build; stand-ins until they are merged,
#: so these tests render the real layout.
ELSEWHERE = {"my_work": "/mine", "review_queue": "/review", "goal_page": "/plans/{slug}/goals/{code}",
             "report_page": "/plans/{slug}/reports/{kind}"}


def web(url: str, login: str | None = None) -> Any:
    from fastapi.responses import PlainTextResponse
    from starlette.routing import NoMatchFound

    c = client(url)
    for name, path in ELSEWHERE.items():
        try:
            c.app.url_path_for(name, **dict.fromkeys(re.findall(r"\{(\w+)\}", path), "x"))
        except NoMatchFound:
            c.app.add_api_route(path, lambda: PlainTextResponse("elsewhere"), name=name, include_in_schema=False)
    return sign_in(c, login) if login else c


def post(c: Any, page: str, action: str, data: dict[str, Any]) -> Any:
    got = c.get(page)
    assert got.status_code == 200, (page, got.status_code, got.text[:300])
    return c.post(action, data={**data, "csrf": csrf_of(got.text)}, follow_redirects=False)


def grants_of(engine: Engine, login: str) -> list[tuple[str, str, str, str]]:
    g, p = pt.role_grant, pt.person
    with engine.connect() as conn:
        rows = conn.execute(select(g.c.role, g.c.plan, g.c.scope_kind, g.c.scope_code)
                            .join(p, p.c.id == g.c.person_id)
                            .where(p.c.login == login, g.c.revoked_at.is_(None)).order_by(g.c.id)).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def error_at(html: str, field_id: str) -> str:
    m = re.search(rf'<span class="error" id="{field_id}-error">([^<]*)</span>', html)
    assert m, f"no error at {field_id}"
    assert f'id="{field_id}"' in html and 'aria-invalid="true"' in html
    assert f'aria-describedby="{field_id}-error' in html
    return html_lib.unescape(m[1])


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path}/t.db"
    return url, web_db(url, tmp_path)


def test_add_grant_then_the_person_signs_in_and_sees_the_plan(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    c = web(db_url, "admin")
    r = post(c, "/admin/people", "/admin/people",
             {"login": "eva", "name": "Eva Example", "email": "eva@example.org", "password": "a-long-secret"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/people/eva"
    page = c.get("/admin/people/eva")
    assert "Added eva." in page.text and "Eva Example" in page.text and "eva@example.org" in page.text
    assert "Added eva." not in c.get("/admin/people/eva").text  # the message is shown once

    r = post(c, "/admin/people", "/admin/people/grants",
             {"login": "eva", "role": "contributor", "plan": SLUG, "scope_kind": "focus_area", "scope_code": "FA2"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/people"
    listing = c.get("/admin/people").text
    assert "Granted contributor to eva." in listing and f"contributor for FA2 in {SLUG}" in listing
    assert grants_of(engine, "eva") == [("contributor", SLUG, "focus_area", "FA2")]

    eva = sign_in(web(db_url), "eva", "a-long-secret")
    home = eva.get("/")
    assert home.status_code == 200 and f'href="/plans/{SLUG}"' in home.text
    assert eva.get(f"/plans/{SLUG}").status_code == 200
    assert eva.get("/admin/people").status_code == 403

    r = post(c, "/admin/people", "/admin/people/grants/revoke",
             {"login": "eva", "role": "contributor", "plan": SLUG, "scope_kind": "focus_area", "scope_code": "FA2"})
    assert r.status_code == 303 and grants_of(engine, "eva") == []
    assert "Revoked contributor from eva." in c.get("/admin/people").text
    assert eva.get(f"/plans/{SLUG}").status_code == 403  # the role is looked up on every request


def test_field_errors_keep_the_values(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    c = web(url, "admin")
    cases = [
        ({"login": "Bad Login", "name": "B", "email": "", "password": ""}, "add-login", "lower-case letters"),
        ({"login": "carl", "name": "Carl Again", "email": "", "password": ""}, "add-login", "exists already"),
        ({"login": "newbie", "name": "New", "email": "not-an-address", "password": ""}, "add-email",
         "not an e-mail address"),
        ({"login": "newbie", "name": "New", "email": "", "password": "short"}, "add-password", "at least 8"),
        ({"login": "newbie", "name": " ", "email": "", "password": ""}, "add-name", "may not be empty"),
    ]
    for data, field, says in cases:
        r = post(c, "/admin/people", "/admin/people", data)
        assert r.status_code == 422, (data, r.status_code)
        assert says in error_at(r.text, field)
        if data["login"] != "Bad Login":
            assert f'value="{data["login"]}"' in r.text
        assert "short" not in r.text.replace("shorter", "")  # a password is never echoed
    with engine.connect() as conn:
        assert "newbie" not in [p["login"] for p in accounts.list_people(conn)]

    bad_grant = post(c, "/admin/people", "/admin/people/grants",
                     {"login": "carl", "role": "contributor", "plan": SLUG, "scope_kind": "focus_area",
                      "scope_code": "FA9"})
    assert bad_grant.status_code == 422
    assert "unknown focus area 'FA9'" in error_at(bad_grant.text, "grant-scope_code")
    assert 'value="FA9"' in bad_grant.text and '<option value="focus_area" selected>' in bad_grant.text
    assert grants_of(engine, "carl") == [("contributor", SLUG, "focus_area", "FA2")]

    short = post(c, "/admin/people/carl", "/admin/people/carl/password", {"password": "1234"})
    assert short.status_code == 422 and "at least 8 characters" in error_at(short.text, "password")
    self_off = post(c, "/admin/people/admin", "/admin/people/admin/deactivate", {})
    assert self_off.status_code == 422 and "may not deactivate themselves" in self_off.text


def test_deactivation_ends_the_session_on_the_next_request(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    anna = web(db_url, "anna")
    assert anna.get(f"/plans/{SLUG}").status_code == 200
    tok = accounts.create_token(engine, "anna", "script", 30, actor=admin_actor(engine)).token
    admin = web(db_url, "admin")
    r = post(admin, "/admin/people/anna", "/admin/people/anna/deactivate", {})
    assert r.status_code == 303
    assert "Deactivated anna; 1 API token(s) revoked." in admin.get("/admin/people/anna").text
    gone = anna.get(f"/plans/{SLUG}", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/signin")
    assert client(db_url).get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).status_code == 401
    fresh = client(db_url)
    page = fresh.get("/signin")
    refused = fresh.post("/signin", data={"login": "anna", "password": PASSWORD,
                                                   "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert refused.status_code == 401
    with engine.connect() as conn:
        [anna_row] = [p for p in accounts.list_people(conn) if p["login"] == "anna"]
    assert anna_row["active"] is False


def test_password_set_then_sign_in_with_it(sqlite_db: tuple[str, Engine]) -> None:
    url, _ = sqlite_db
    admin = web(url, "admin")
    r = post(admin, "/admin/people/carl", "/admin/people/carl/password", {"password": "carl-new-password"})
    assert r.status_code == 303 and "Set a new password for carl." in admin.get("/admin/people/carl").text
    sign_in(web(url), "carl", "carl-new-password")
    fresh = web(url)
    page = fresh.get("/signin")
    old = fresh.post("/signin", data={"login": "carl", "password": PASSWORD, "csrf": csrf_of(page.text)})
    assert old.status_code == 401


def test_token_is_shown_once_and_can_be_revoked(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    admin = web(db_url, "admin")
    made = post(admin, "/admin/people/carl", "/admin/people/carl/tokens", {"name": "nightly import", "days": "7"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    found = re.search(r'<code id="token-value">(gt_[A-Za-z0-9_\-]+)</code>', made.text)
    assert found, made.text
    tok = found[1]
    api = client(db_url)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"})
    assert me.status_code == 200 and me.json()["login"] == "carl"
    again = admin.get("/admin/people/carl").text
    assert tok not in again and "nightly import" in again and tok[:10] in again  # the prefix only
    assert tok not in str(admin.cookies.get("goaltrack_session"))
    with engine.connect() as conn:
        [row] = accounts.list_tokens(conn, "carl")
        stored = conn.execute(select(pt.api_token.c.token_hash)).scalar()
    assert row["name"] == "nightly import" and row["state"] == "active" and stored != tok

    bad = post(admin, "/admin/people/carl", "/admin/people/carl/tokens", {"name": "", "days": ""})
    assert bad.status_code == 422 and "say what the token is for" in error_at(bad.text, "token_name")
    too_long = post(admin, "/admin/people/carl", "/admin/people/carl/tokens", {"name": "x", "days": "99999"})
    assert too_long.status_code == 422 and 'value="99999"' in too_long.text
    assert "between 1 and 3650" in error_at(too_long.text, "days")

    r = post(admin, "/admin/people/carl", f"/admin/people/carl/tokens/{row['id']}/revoke", {})
    assert r.status_code == 303
    assert "Revoked the API token nightly import of carl." in admin.get("/admin/people/carl").text
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"}).json()["error"]["code"] == \
        "invalid_token"


def test_plans_page_and_plan_file(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    admin = web(url, "admin")
    page = admin.get("/admin/plans")
    assert page.status_code == 200
    with engine.connect() as conn:
        content_hash = conn.exec_driver_sql("SELECT content_hash FROM plan").scalar()
    assert SLUG in page.text and f'title="{content_hash}"' in page.text and "required" in page.text
    assert "/admin/plans/holmstad-2023.yaml" in page.text
    f = admin.get(f"/admin/plans/{SLUG}.yaml")
    assert f.status_code == 200 and f.headers["content-type"].startswith("application/yaml")
    assert f.headers["content-disposition"] == f'attachment; filename="{SLUG}.yaml"'
    assert f.content == gt(url, "plan", "export", SLUG).stdout_bytes
    assert admin.get("/admin/plans/nowhere.yaml").status_code == 404


def test_a_plan_admin_sees_and_changes_only_their_plan(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    admin = admin_actor(engine)
    accounts.add_person(engine, "pat", "Pat", email=None, password=PASSWORD, actor=admin)
    accounts.grant(engine, "pat", "admin", SLUG, "plan", "", actor=admin)
    accounts.grant(engine, "carl", "viewer", "*", "plan", "", actor=admin)
    pat = web(url, "pat")
    listing = pat.get("/admin/people").text
    assert f"contributor for FA2 in {SLUG}" in listing and "viewer for every plan" not in listing
    assert "Add a person" not in listing and '<option value="*"' not in listing
    r = post(pat, "/admin/people", "/admin/people/grants",
             {"login": "bo", "role": "viewer", "plan": SLUG, "scope_kind": "plan", "scope_code": ""})
    assert r.status_code == 303 and ("viewer", SLUG, "plan", "") in grants_of(engine, "bo")
    assert post(pat, "/admin/people", "/admin/people",
                {"login": "zed", "name": "Zed", "email": "", "password": ""}).status_code == 403
    assert post(pat, "/admin/people/carl", "/admin/people/carl/deactivate", {}).status_code == 403
    assert pat.get(f"/admin/plans/{SLUG}.yaml").status_code == 200


def test_non_admins_get_403_on_every_admin_route(sqlite_db: tuple[str, Engine]) -> None:
    from goaltrack.web import routes_admin

    url, _ = sqlite_db
    routes = [(r.path, m) for r in routes_admin.router.routes for m in r.methods]  # type: ignore[attr-defined]
    assert len(routes) == 11
    params = {"login": "carl", "token_id": "1", "slug": SLUG}
    for who in ("carl", "anna", "writer"):
        c = web(url, who)
        csrf = csrf_of(c.get("/").text)
        for path, method in routes:
            concrete = re.sub(r"\{(\w+)\}", lambda m: params[m[1]], path)
            r = c.request(method, concrete, data={"csrf": csrf, "login": "carl", "role": "admin", "plan": "*",
                                                  "scope_kind": "plan", "name": "x", "password": "long-enough-1"},
                          follow_redirects=False) if method == "POST" else c.get(concrete, follow_redirects=False)
            assert r.status_code == 403, (who, method, path, r.status_code)
            assert "may not" in r.text
    anonymous = web(url)
    for path, method in routes:
        concrete = re.sub(r"\{(\w+)\}", lambda m: params[m[1]], path)
        r = anonymous.request(method, concrete, follow_redirects=False)
        assert r.status_code in (303, 403), (method, path)  # sign in first; a POST without CSRF is refused
    with sqlite_db[1].connect() as conn:
        assert [p["login"] for p in accounts.list_people(conn) if not p["active"]] == []
    assert grants_of(sqlite_db[1], "carl") == [("contributor", SLUG, "focus_area", "FA2")]
