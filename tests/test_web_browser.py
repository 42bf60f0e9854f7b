"""The web application in a real browser: ``goaltrack serve`` as a real process (uvicorn, real
HTTP) on a real database, driven by Playwright on Debian's Chromium, through the UI only.

- The whole review flow: carl records values for ``ledighed`` and submits them; anna opens
  each entry, approves one (then sees it on the indicator page and in the downloaded progress
  report) and returns the other with a reason, which carl then sees in My initiatives.
- A form error at the field (aria-invalid, the message beside the field, focusable), the typed
  value kept, in English and, after the language link, in Danish.
- axe-core: no serious or critical violation on every page of the app at 1280 and 390 px
  wide, anonymous, as admin and as carl; the page list comes from the app's own routes, so a
  new page is crawled (or the test names the path parameter it cannot fill). Everything
  focusable is reachable with Tab and shows a focus indicator.
- The hostile plan (tests/data/evil-plan.yaml) is inert: no dialog, no injected element or
  attribute, titles as written, a Content-Security-Policy header on every page.

One server and one browser serve the module; each role has its own browser context.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import browser_support
import pytest
from browser_support import axe_violations, format_violations, keyboard_problems, watch_console
from report_helpers import EVIL_PLAN
from webfixtures import PASSWORD, SLUG, web_db

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

WIDE, NARROW = 1280, 390
EVIL = "evil-plan"
#: The values carl records in the flow: approved (2023) and returned (2022).
APPROVED = ("2023", "3.4", "3.7")  # period, new value, the approved value it replaces
RETURNED = ("2022", "3.5", "3.9")
RETURN_REASON = "Check the 2022 figure against Jobindsats first"


# --------------------------------------------------------------------------- the server


@dataclass
class Server:
    base: str
    db: str
    proc: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + path


def _prepare_db(db: str, where: Path) -> None:
    from goaltrack.people import accounts
    from goaltrack.planfile.validate import read_plan
    from goaltrack.store.plansync import load_plans

    engine = web_db(db, where)
    try:
        load_plans(engine, [read_plan(EVIL_PLAN)], recorded_by="loader")
        with engine.connect() as conn:
            admin = accounts.actor_for_login(conn, "admin")
        accounts.add_person(engine, "eve", "Eve", email=None, password=PASSWORD, actor=admin)
        accounts.grant(engine, "eve", "viewer", EVIL, "plan", "", actor=admin)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``goaltrack --db URL serve --port 0`` on holmstad-2023 + the hostile plan, with the
    worktree's own sources (PYTHONPATH of the goaltrack package imported here)."""
    import goaltrack

    where = tmp_path_factory.mktemp("web-browser")
    db = f"sqlite:///{where}/web.db"
    _prepare_db(db, where)
    src = str(Path(goaltrack.__file__).resolve().parent.parent)
    home = where / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALTRACK_")}
    env.update(PYTHONPATH=os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               PYTHONUNBUFFERED="1", HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    proc = subprocess.Popen([sys.executable, "-m", "goaltrack", "--db", db, "serve", "--port", "0",
                             "--no-access-log"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=where)
    assert proc.stdout is not None
    log: list[str] = []
    base = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        log.append(line.rstrip("\n"))
        if m := re.search(r"goaltrack is serving .* at (http://127\.0\.0\.1:\d+/)", line):
            base = m[1]
        if "Application startup complete" in line:
            break
    if base is None or proc.poll() is not None:
        proc.kill()
        pytest.fail("goaltrack serve did not start:\n" + "\n".join(log))
    # Keep reading its output, so a full pipe never blocks the server.
    threading.Thread(target=lambda: log.extend(ln.rstrip("\n") for ln in proc.stdout or ()), daemon=True).start()
    srv = Server(base, db, proc, log)
    try:
        yield srv
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "\n".join(log[-40:])
    assert not any("Traceback" in ln for ln in log), "\n".join(log[-80:])


# --------------------------------------------------------------------------- contexts and signing in


def _new_page(browser: Browser, *, locale: str = "en-GB") -> tuple[BrowserContext, Page]:
    browser_support.loop_marker_on()
    context = browser.new_context(viewport={"width": WIDE, "height": 900}, locale=locale, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def sign_in(page: Page, server: Server, login: str) -> None:
    """Through the sign-in form, submitted with Enter."""
    page.goto(server.url("/signin"))
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r"Signed in as ")).count() == 1, page.content()[:2000]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signin$"))


@pytest.fixture(scope="module")
def signed_in_pages(browser: Browser, server: Server) -> Iterator[Callable[[str | None], Page]]:
    """One context per login (None: anonymous), signed in once and kept for the module."""
    made: dict[str | None, tuple[BrowserContext, Page]] = {}

    def get(login: str | None) -> Page:
        if login not in made:
            made[login] = _new_page(browser)
            if login is not None:
                sign_in(made[login][1], server, login)
        return made[login][1]

    yield get
    browser_support.loop_marker_on()
    for context, _ in made.values():
        context.close()


def main_text(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def flash_text(page: Page) -> str:
    return " ".join(t.strip() for t in page.locator(".notice").all_inner_texts())


# --------------------------------------------------------------------------- 1. the whole flow


def _record(page: Page, period: str, value: str, *, submit: bool = True) -> None:
    """On the record form: period, value, "submit for review" ticked with the keyboard."""
    page.get_by_label("Period").fill(period)
    page.get_by_label("Value", exact=True).fill(value)
    if submit:
        box = page.get_by_label(re.compile(r"^Submit for review now"))
        box.focus()
        page.keyboard.press("Space")
        assert box.is_checked()
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_load_state()


def _open_entry_from_queue(page: Page, period: str) -> None:
    """Review → the entry about ledighed PERIOD."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Review"
    link = page.get_by_role("link", name=re.compile(rf"^Entry \d+: .*ledighed.*{period}"))
    assert link.count() == 1, main_text(page)
    link.click()
    assert re.match(r"Entry \d+: ", page.get_by_role("heading", level=1).inner_text())


def test_record_submit_approve_return_and_download(browser: Browser, server: Server) -> None:
    # carl: My initiatives → record two values for ledighed, submitted for review.
    context, page = _new_page(browser)
    console = watch_console(page)
    try:
        sign_in(page, server, "carl")
        page.get_by_role("link", name="My initiatives").click()
        assert page.get_by_role("heading", level=1).inner_text() == "My initiatives"
        for period, value, _ in (APPROVED, RETURNED):
            page.get_by_role("link", name="Record a value for ledighed").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Record a value for ledighed"
            _record(page, period, value)
            assert re.search(r"entry \d+", flash_text(page), re.I), (page.url, main_text(page))
            if page.get_by_role("link", name="My initiatives").count():
                page.get_by_role("navigation", name="Main").get_by_role("link", name="My initiatives").click()
        mine = main_text(page)
        assert "ledighed" in mine and "submitted" in mine, mine
        sign_out(page)
    finally:
        context.close()

    # anna: Review → each entry, with what it replaces → approve one, return the other.
    context, page = _new_page(browser)
    console += watch_console(page)
    try:
        sign_in(page, server, "anna")
        period, value, replaced = APPROVED
        _open_entry_from_queue(page, period)
        facts = " ".join(page.locator("dl").first.inner_text().split())
        assert value in facts and replaced in facts, facts  # proposed and approved now
        assert re.search(rf"Proposed\s+{re.escape(value)}", facts) and re.search(
            rf"Approved now\s+{re.escape(replaced)}", facts), facts
        page.get_by_role("button", name=re.compile(r"^Approve entry \d+$")).click()
        assert "Approved entry" in flash_text(page), main_text(page)

        period, value, replaced = RETURNED
        _open_entry_from_queue(page, period)
        assert value in main_text(page) and replaced in main_text(page)
        reason = page.get_by_label("Reason for returning it")
        reason.fill(RETURN_REASON)
        reason.press("Enter")  # the reason's form: its Return button
        page.wait_for_load_state()
        assert "Returned entry" in flash_text(page), main_text(page)

        # The dashboard → NG2 → ledighed: the approved value is the indicator's now.
        page.get_by_role("link", name="Plans", exact=True).click()
        page.get_by_role("link", name=re.compile(r"Beskæftigelsesplan 2023")).click()
        page.get_by_role("link", name=re.compile(r"^NG2\b")).click()
        page.get_by_role("link", name=re.compile(r"ledighed")).first.click()
        assert "ledighed" in page.get_by_role("heading", level=1).inner_text()
        table = page.get_by_role("table", name=re.compile(r"Every current value of ledighed"))
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=APPROVED[0], exact=True))
        totals = [" ".join(t.split()) for t in row.all_inner_texts() if "total" in t]
        assert totals and APPROVED[1] in totals[0] and "carl" in totals[0], row.all_inner_texts()
        assert RETURNED[1] not in table.inner_text()  # the returned one is not approved

        # The progress report, downloaded through its link: the value is in the file.
        page.goto(server.url(f"/plans/{SLUG}"))
        page.get_by_role("link", name="Progress", exact=True).click()
        downloads = page.get_by_role("navigation", name="Downloads")
        with page.expect_download() as info:
            downloads.get_by_role("link", name=re.compile(r"^csv\b")).click()
        download = info.value
        assert download.suggested_filename.endswith(".csv"), download.suggested_filename
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = [r for r in csv.reader(io.StringIO(text)) if any("ledighed" in c for c in r)]
        assert any(APPROVED[1] in r for r in rows), rows
        sign_out(page)
    finally:
        context.close()

    # carl again: the returned entry and its reason in My initiatives.
    context, page = _new_page(browser)
    console += watch_console(page)
    try:
        sign_in(page, server, "carl")
        page.get_by_role("link", name="My initiatives").click()
        entries = page.get_by_role("table", name=re.compile(r"Your review entries"))
        row = entries.get_by_role("row").filter(has_text=RETURN_REASON)
        assert row.count() == 1, main_text(page)
        assert "returned" in row.inner_text() and RETURNED[1] in row.inner_text(), row.inner_text()
    finally:
        context.close()
    assert not console, console


# --------------------------------------------------------------------------- 2. a form error


def _check_value_error(page: Page, typed: str) -> str:
    """The value field after a rejected submission: marked invalid, described by its error
    message beside it, focusable, still holding what was typed. Returns the message."""
    field = page.locator("#value")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == typed
    described = (field.get_attribute("aria-describedby") or "").split()
    assert "value-error" in described, described
    error = page.locator("#value-error")
    assert error.is_visible()
    # Beside the field: in the same .field wrapper, and just above it on screen.
    assert page.locator(".field.invalid").filter(has=page.locator("#value")).locator("#value-error").count() == 1
    eb, fb = error.bounding_box(), field.bounding_box()
    assert eb and fb and 0 <= fb["y"] - (eb["y"] + eb["height"]) < 60, (eb, fb)
    field.focus()
    assert page.evaluate("document.activeElement.id") == "value"
    return " ".join(error.inner_text().split())


def _message_only(page: Page) -> str:
    """The value error's own message, without the domain's detail in brackets after it."""
    text: str = page.locator("#value-error").evaluate(
        "e => [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('')")
    return " ".join(text.split())


def test_a_form_error_is_shown_at_the_field_in_english_and_danish(browser: Browser, server: Server) -> None:
    context, page = _new_page(browser)
    try:
        sign_in(page, server, "carl")
        page.goto(server.url(f"/plans/{SLUG}/indicators/ledighed/record"))
        page.get_by_label("Period").fill("2021")
        page.get_by_label("Value", exact=True).fill("lots")
        page.get_by_label("Value", exact=True).press("Enter")
        page.wait_for_load_state()
        assert page.get_by_label("Period").input_value() == "2021"
        _check_value_error(page, "lots")
        found = axe_violations(page)  # the page with an error is a page too
        assert not found, format_violations(found, where="the record form with an error")
        english = _message_only(page)
        assert english.startswith("Write a number"), english

        page.get_by_role("link", name="Dansk").click()
        assert page.locator("html").get_attribute("lang") == "da"
        page.locator("#period").fill("2021")
        page.locator("#value").fill("mange")
        page.locator("#value").press("Enter")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "da"
        _check_value_error(page, "mange")
        danish = _message_only(page)
        assert page.locator("#period").input_value() == "2021"
        nav = page.get_by_role("navigation").first.inner_text()
        assert "Planer" in nav, nav
        assert danish != english and danish.startswith("Skriv et tal"), danish
    finally:
        context.close()


# --------------------------------------------------------------------------- 3. accessibility

#: Path parameters filled from holmstad-2023: by (route name, parameter), else by parameter.
#: A route with a parameter missing here fails the crawl, so a new page is never skipped.
FILL_BY_ROUTE: dict[tuple[str, str], list[str]] = {
    ("goal_page", "code"): ["NG2"],
    ("focus_area_page", "code"): ["FA2"],
    ("initiative_page", "code"): ["I2"],
    ("status_form", "code"): ["I2"],
    ("indicator_page", "code"): ["ledighed"],
    ("record_form", "code"): ["ledighed"],
}
FILL_BY_PARAM: dict[str, list[str]] = {
    "slug": [SLUG],
    "kind": ["coverage", "budget", "progress", "checks"],
    "login": ["carl"],
}
#: GET routes that are not pages (answered with a redirect or a file), and why.
NOT_PAGES = {
    "set_lang": "redirects back (the language link)",
    "report_download": "a file, not a page (the flow test downloads one)",
    "admin_plan_file": "a file, not a page (the plan file's YAML)",
    "openapi": "the API's OpenAPI document (JSON)",
    "swagger_ui_html": "FastAPI's API docs page, which loads Swagger UI from a CDN",
    "swagger_ui_redirect": "FastAPI's OAuth2 redirect helper of the API docs",
}


def _app_routes(routes: Any) -> Iterator[Any]:
    """The app's routes, with those of included routers (FastAPI >= 0.16x keeps an included
    router as one entry holding the original router)."""
    from starlette.routing import Mount

    for route in routes:
        if hasattr(route, "original_router"):
            yield from _app_routes(route.original_router.routes)
        elif not isinstance(route, Mount):  # /static
            yield route


def _entry_ids(db: str) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return [str(i) for i in conn.execute(text("SELECT id FROM review_entry ORDER BY id")).scalars()]
    finally:
        engine.dispose()


def _ensure_an_entry(db: str) -> None:
    """A submitted entry for the review pages, if the flow test has not made one (writer
    records ledighed 2021, as `goaltrack record --submit` would)."""
    if _entry_ids(db):
        return
    from goaltrack.people import accounts
    from goaltrack.store.database import open_engine, plan_id_for
    from goaltrack.store.recording import record_measurement

    engine = open_engine(db)
    try:
        with engine.connect() as conn:
            writer = accounts.actor_for_login(conn, "writer")
            plan_id = plan_id_for(conn, SLUG)
        record_measurement(engine, plan_id, "ledighed", "4.0", "2021", by="writer", actor=writer, submit=True)
    finally:
        engine.dispose()


def page_paths(db: str) -> list[str]:
    """Every page of the app: its GET routes (outside the API and the static files), path
    parameters filled as above; plus a missing page (the error page)."""
    from starlette.routing import Route
    from webfixtures import app_for

    app = app_for(db)
    paths: list[str] = []
    unknown: list[str] = []
    for route in _app_routes(app.routes):
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        if route.path.startswith("/api/") or route.name in NOT_PAGES:
            continue
        choices: list[dict[str, str]] = [{}]
        for param in route.param_convertors:
            if param == "entry_id":
                values = _entry_ids(db)[-2:]
            else:
                values = FILL_BY_ROUTE.get((route.name, param)) or FILL_BY_PARAM.get(param, [])
            if not values:
                unknown.append(f"{route.name} {route.path}: {param}")
                continue
            choices = [{**c, param: v} for c in choices for v in values]
        for params in choices:
            if len(params) == len(route.param_convertors):
                paths.append(app.url_path_for(route.name, **params))
    assert not unknown, f"path parameters this test cannot fill (add them to FILL_BY_*): {unknown}"
    return [*dict.fromkeys(paths), "/no-such-page"]


def _audit(page: Page, server: Server, path: str, *, keyboard: bool, status: int | None = None) -> list[str]:
    """axe at both widths and (KEYBOARD) the Tab walk at the wide one, on PATH (answered
    with STATUS, if given; never a server error)."""
    problems: list[str] = []
    page.set_viewport_size({"width": WIDE, "height": 900})
    response = page.goto(server.url(path))
    assert response is not None
    if response.status >= 500 or status not in (None, response.status):
        return [f"{path}: HTTP {response.status}"]
    for width in (WIDE, NARROW):
        if width != WIDE:
            page.set_viewport_size({"width": width, "height": 900})
        found = axe_violations(page)
        if found:
            problems.append(format_violations(found, where=f"{path} at {width} px"))
    if keyboard:
        page.set_viewport_size({"width": WIDE, "height": 900})
        # extra: a date field takes three Tab stops (day, month, year).
        problems += [f"{path}: {p}" for p in keyboard_problems(page, extra=4)]
    return problems


def test_every_page_is_accessible(server: Server, signed_in_pages: Callable[[str | None], Page]) -> None:
    _ensure_an_entry(server.db)
    paths = page_paths(server.db)
    problems: list[str] = []
    anonymous = signed_in_pages(None)
    problems += _audit(anonymous, server, "/signin", keyboard=True, status=200)
    for login in ("admin", "carl"):
        page = signed_in_pages(login)
        for path in paths:
            if path == "/signin":
                continue
            # admin may see every page; carl meets some refusals (error pages are pages too).
            expect = 404 if path == "/no-such-page" else 200 if login == "admin" else None
            problems += _audit(page, server, path, keyboard=True, status=expect)
        assert page.get_by_text(re.compile(r"Signed in as ")).count() == 1, f"{login} was signed out"
    assert not problems, "\n".join(problems)
    assert len(paths) >= 3, paths


# --------------------------------------------------------------------------- 4. hostile plan titles

EVIL_PAGES = ["/plans/evil-plan", "/plans/evil-plan/goals/G1", "/plans/evil-plan/goals/G2",
              "/plans/evil-plan/goals/G3", "/plans/evil-plan/focus-areas/A1", "/plans/evil-plan/focus-areas/A2",
              "/plans/evil-plan/initiatives/I1", "/plans/evil-plan/initiatives/I2",
              "/plans/evil-plan/indicators/K1", "/plans/evil-plan/indicators/K2",
              *(f"/plans/evil-plan/reports/{k}" for k in ("coverage", "budget", "progress", "checks"))]

_INJECTED_JS = """() => {
  const out = [];
  if (document.body.hasAttribute('data-pwned')) out.push('body[data-pwned]');
  if (document.title === 'PWNED' || document.title === '') out.push('document.title replaced: ' + document.title);
  for (const sel of ['script:not([src])', 'iframe', 'marquee', 'object', 'embed', 'details[open]',
                     'img[src="x"]', 'svg circle[r="5"]', 'a[href^="javascript:" i]', 'a[href*="evil.example"]',
                     'main style', 'b', 'i']) {
    const n = document.querySelectorAll(sel).length;
    if (n) out.push(`${n} × ${sel}`);
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) out.push(`${el.tagName.toLowerCase()}[${a.name}]`);
    }
  }
  return out;
}"""


def test_hostile_plan_titles_are_inert(browser: Browser, server: Server) -> None:
    context, page = _new_page(browser)
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    console = watch_console(page)
    try:
        sign_in(page, server, "eve")
        problems: list[str] = []
        for path in ["/", *EVIL_PAGES]:
            response = page.goto(server.url(path))
            assert response is not None
            if response.status != 200:
                problems.append(f"{path}: HTTP {response.status}")
                continue
            csp = response.headers.get("content-security-policy", "")
            if "script-src 'self'" not in csp or "unsafe-inline" in csp.split("script-src")[1].split(";")[0]:
                problems.append(f"{path}: Content-Security-Policy {csp!r}")
            page.mouse.move(200, 200)  # an onmouseover would fire now
            problems += [f"{path}: {p}" for p in page.evaluate(_INJECTED_JS)]
        page.goto(server.url("/plans/evil-plan"))
        h1 = page.get_by_role("heading", level=1).inner_text()
        assert h1 == "Evil plan <script>document.title='PWNED'</script>", h1
        text = page.locator("body").inner_text()
        assert "<script>document.body.setAttribute('data-pwned','1')</script>Goal one" in text
        assert "{{ 7*7 }} and {% if true %}jinja{% endif %} and ${7*7}" in text
        assert "49" not in page.get_by_role("link", name=re.compile(r"^G2\b")).inner_text()
        page.goto(server.url("/plans/evil-plan/indicators/K1"))
        assert "<script>alert('indicator')</script>Indicator" in page.get_by_role("heading", level=1).inner_text()
        assert not problems, "\n".join(problems)
    finally:
        context.close()
    assert not dialogs, dialogs
    assert not console, console  # a blocked script would show as a CSP error here
