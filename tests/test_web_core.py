"""The web application's frame: signing in and out, the session cookie, CSRF, the sign-in
limit, the language, security headers, static files, and the dashboard.

Every request goes through the whole ASGI stack (Starlette's TestClient) on a real
database; ``goaltrack serve`` itself is started as a real process at the end.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from webfixtures import PASSWORD, SLUG, client, csrf_of, sign_in, signed_in, web_db


@pytest.fixture
def url(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path}/web.db"
    web_db(db, tmp_path).dispose()
    return db


def test_anonymous_is_sent_to_sign_in_and_back(url: str) -> None:
    c = client(url)
    r = c.get(f"/plans/{SLUG}?x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/signin?next=%2Fplans%2Fholmstad-2023%3Fx%3D1"
    page = c.get(r.headers["location"])
    assert 'name="next" value="/plans/holmstad-2023?x=1"' in page.text
    done = c.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(page.text),
                                   "next": "/plans/holmstad-2023?x=1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/plans/holmstad-2023?x=1"
    assert "Signed in as Anna" in c.get("/").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_sign_in_never_redirects_off_the_site(url: str, target: str) -> None:
    c = client(url)
    page = c.get("/signin")
    r = c.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(page.text), "next": target},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert c.get(f"/lang/da?next={target}", follow_redirects=False).headers["location"] == "/"


def test_wrong_password_and_unknown_login_read_the_same(url: str) -> None:
    c = client(url)
    texts = []
    for login, password in (("anna", "wrong-password"), ("nobody", PASSWORD)):
        page = c.get("/signin")
        r = c.post("/signin", data={"login": login, "password": password, "csrf": csrf_of(page.text)})
        assert r.status_code == 401
        assert "Unknown login or wrong password." in r.text
        assert f'value="{login}"' in r.text  # what was typed stays
        texts.append(re.sub(r'value="[^"]*"', "", r.text))
    assert texts[0] == texts[1]
    assert c.get("/", follow_redirects=False).status_code == 303  # still nobody signed in


def test_sign_in_is_rate_limited_per_login_and_per_address(url: str) -> None:
    c = client(url)
    for _ in range(5):
        page = c.get("/signin")
        assert c.post("/signin", data={"login": "anna", "password": "nope-nope", "csrf": csrf_of(page.text)}
                      ).status_code == 401
    page = c.get("/signin")
    # The right password is refused too while the limit holds: guessing gains nothing.
    r = c.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(page.text)})
    assert r.status_code == 429
    assert 0 < int(r.headers["retry-after"]) <= 300
    assert "Too many failed attempts" in r.text
    assert c.get("/", follow_redirects=False).status_code == 303
    # The address is blocked for other logins as well (five guesses from here already).
    page = c.get("/signin")
    assert c.post("/signin", data={"login": "carl", "password": PASSWORD, "csrf": csrf_of(page.text)}
                  ).status_code == 429


def test_forms_without_the_sessions_csrf_token_are_refused(url: str) -> None:
    c = client(url)
    c.get("/signin")
    r = c.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "The form has expired" in r.text
    assert c.get("/", follow_redirects=False).status_code == 303
    c = signed_in(url, "anna")
    assert c.post("/signout", data={}).status_code == 403
    assert c.get("/").status_code == 200  # still signed in
    other = signed_in(url, "carl")  # another session's token is no good here either
    token = csrf_of(other.get("/").text)
    assert c.post("/signout", data={"csrf": token}).status_code == 403


def test_sign_out_ends_the_session(url: str) -> None:
    c = signed_in(url, "anna")
    cookie = c.cookies.get("goaltrack_session")
    r = c.post("/signout", data={"csrf": csrf_of(c.get("/").text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    assert c.get("/", follow_redirects=False).status_code == 303
    replay = client(url)
    replay.cookies.set("goaltrack_session", cookie)
    # The old cookie still names anna (signed cookies cannot be recalled), which is why
    # the session is short ([web] session_hours) and the person is looked up each request.
    assert replay.get("/").status_code == 200


def test_a_new_session_at_sign_in(url: str) -> None:
    c = client(url)
    before = csrf_of(c.get("/signin").text)
    sign_in(c, "anna")
    assert csrf_of(c.get("/").text) != before


def test_session_cookie_flags(url: str) -> None:
    c = client(url)
    c.get("/signin")
    r = c.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(c.get("/signin").text)},
               follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    s = client(url, base_url="https://testserver")
    r = s.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(s.get("/signin").text)},
               follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie
    forced = client(url, https=True)
    assert "; secure" in forced.get("/signin").headers["set-cookie"].lower()


def test_a_deactivated_person_is_signed_out_at_the_next_request(url: str) -> None:
    from goaltrack.people import accounts
    from goaltrack.store.database import open_engine

    c = signed_in(url, "carl")
    assert c.get("/").status_code == 200
    engine = open_engine(url)
    with engine.connect() as conn:
        admin = accounts.actor_for_login(conn, "admin")
    accounts.deactivate(engine, "carl", actor=admin)
    engine.dispose()
    assert c.get("/", follow_redirects=False).status_code == 303


def test_language_from_accept_language_then_the_switch(url: str) -> None:
    c = signed_in(url, "anna")
    assert '<html lang="en">' in c.get("/").text
    c.headers["accept-language"] = "da-DK,da;q=0.9,en;q=0.8"
    page = c.get("/").text
    assert '<html lang="da">' in page and "Planer" in page
    c.headers["accept-language"] = "fr, en;q=0.5, da;q=0.7"
    assert '<html lang="da">' in c.get("/").text
    assert c.get("/lang/en?next=/", follow_redirects=False).headers["location"] == "/"
    assert '<html lang="en">' in c.get("/").text  # the choice beats the header
    c.get("/lang/xx?next=/")
    assert '<html lang="en">' in c.get("/").text


def test_security_headers_on_every_page(url: str) -> None:
    c = client(url)
    for path in ("/signin", "/nowhere", "/static/robots.txt"):
        r = c.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in \
            csp.split("script-src")[1].split(";")[0]
    assert "no-store" in signed_in(url, "anna").get("/").headers["cache-control"]


@pytest.mark.parametrize("path", [
    "/static/", "/static", "/static/../web/app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/static//etc/passwd", "/static/../../../../etc/passwd",
])
def test_static_files_have_no_listing_and_no_way_out(url: str, path: str) -> None:
    r = client(url).get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "from __future__" not in r.text and "root:x:" not in r.text and "[project]" not in r.text


def test_static_files_are_served(url: str) -> None:
    r = client(url).get("/static/favicon.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_plans_page_shows_only_plans_the_person_has_a_role_in(url: str, tmp_path: Path) -> None:
    from goaltrack.people import accounts
    from goaltrack.store.database import open_engine

    engine = open_engine(url)
    admin = accounts.actor_for_login(engine.connect(), "admin")
    accounts.add_person(engine, "nora", "Nora", email=None, password=PASSWORD, actor=admin)
    engine.dispose()
    assert "Beskæftigelsesplan 2023 (synthetic)" in signed_in(url, "carl").get("/").text
    nora = signed_in(url, "nora")
    page = nora.get("/").text
    assert "Beskæftigelsesplan 2023" not in page and "You have no role in any plan yet" in page
    r = nora.get(f"/plans/{SLUG}")
    assert r.status_code == 403 and "nora may not view holmstad-2023: no role in holmstad-2023" in r.text
    assert signed_in(url, "carl").get("/plans/no-such-plan").status_code == 404


def test_dashboard_cards_say_what_each_status_rests_on(url: str) -> None:
    page = signed_in(url, "carl").get(f"/plans/{SLUG}").text
    for code in ("NG1", "NG2", "NG3", "NG4"):
        assert f'<span class="code">{code}</span>' in page
    cards = page.split('<li class="goalcard">')[1:]
    assert len(cards) == 4
    for card in cards:
        assert re.search(r"Rests on (measured indicators|self-reported initiative statuses|measured indicators "
                         r"and self-reported)|Nothing to score it by yet", card), card
    assert f'href="/plans/{SLUG}/goals/NG1"' in page
    assert f'href="/plans/{SLUG}/reports/coverage"' in page


def _serve(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "goaltrack", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "Application startup complete" in line:
            break
    return proc, lines


@pytest.mark.slow
def test_serve_on_the_demo_database_prints_the_address_and_the_example_sign_in(tmp_path: Path) -> None:
    import httpx

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    demo = subprocess.run([sys.executable, "-m", "goaltrack", "demo", "--out", str(tmp_path / "demo")],
                          capture_output=True, text=True, env=env, check=True)
    assert "goaltrack --db" in demo.stdout and " serve " in demo.stdout
    proc, lines = _serve(["--db", str(tmp_path / "demo" / "goaltrack.db"), "serve", "--port", "0"], env)
    try:
        text = "\n".join(lines)
        m = re.search(r"goaltrack is serving .*goaltrack\.db at (http://127\.0\.0\.1:(\d+)/) \(1 worker", text)
        assert m, text
        assert "EXAMPLE sign-in (people made up for the demo; password 'example-password' for each):" in text
        assert "alma.example" in text and "anders.example" in text and "eva.example" in text
        with httpx.Client(base_url=m[1], follow_redirects=True) as http:
            page = http.get("/signin")
            assert page.status_code == 200
            r = http.post("/signin", data={"login": "alma.example", "password": "example-password",
                                           "csrf": csrf_of(page.text)})
            assert r.status_code == 200 and "Beskæftigelsesplan 2021" in r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_serve_refuses_a_database_without_people(tmp_path: Path) -> None:
    from reviewfixtures import review_db

    db = f"sqlite:///{tmp_path}/nobody.db"
    review_db(db, tmp_path, people=False).dispose()
    r = subprocess.run([sys.executable, "-m", "goaltrack", "--db", db, "serve", "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"Error: {db}: no people, so nobody could sign in; add the first (an admin) with "
        "`goaltrack user add LOGIN --name NAME --password-stdin`"]


@pytest.mark.slow
def test_serve_with_two_workers_shares_one_secret(url: str) -> None:
    """A sign-in made by one worker is good in the other: both sign with the same secret."""
    import httpx

    proc, lines = _serve(["--db", url, "serve", "--port", "0", "--workers", "2", "--no-access-log"],
                         {**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+/) \(2 workers", "\n".join(lines))
        assert m, lines
        deadline = time.monotonic() + 30
        while True:  # the second worker may still be starting
            try:
                page = httpx.get(m[1] + "signin")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        with httpx.Client(base_url=m[1], follow_redirects=True) as http:
            page = http.get("/signin")
            http.post("/signin", data={"login": "anna", "password": PASSWORD, "csrf": csrf_of(page.text)})
            # Fresh connections, so the requests spread over both workers.
            for _ in range(12):
                r = httpx.get(m[1], cookies=http.cookies, follow_redirects=False)
                assert r.status_code == 200 and "Signed in as Anna" in r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
