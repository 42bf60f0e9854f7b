"""The plan's pages in the web application: goal, focus area, initiative and indicator pages,
every report viewed with the site bar, and every report downloaded in every output format.

On holmstad-2023 (tests/data/holmstad-2023.yaml, read it beside these tests): NG2 is served
by FA2 (explicit) and through it by I2 and I3; indicator ``ledighed`` measures NG2
(explicit) and I2 (inferred); FA3 serves no goal and has account 056890; accounts 055773
(40 % to I2), 055778 (FA2 and I3, no share, inferred) and 056894 (75 % to I3) reach NG2.
Downloads are compared byte for byte with ``goaltrack report`` run through CliRunner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from report_helpers import EVIL_PLAN
from reviewfixtures import gt
from webfixtures import PASSWORD, SLUG, app_for, sign_in, web_db

from goaltrack.people import accounts

P = f"/plans/{SLUG}"
#: Routes other parts of the site own; a test app gets a stand-in where one is not there yet,
#: so the site bar (which links to them) renders on its own branch too.
OTHER_ROUTES = (("my_work", "/mine"), ("review_queue", "/review"), ("review_entry", "/review/{entry_id}"),
                ("admin_people", "/admin/people"))


def web_client(url: str) -> Any:
    from fastapi.testclient import TestClient
    from starlette.routing import NoMatchFound

    app = app_for(url)
    for name, path in OTHER_ROUTES:
        try:
            app.url_path_for(name, **({"entry_id": "1"} if "{" in path else {}))
        except NoMatchFound:
            app.add_api_route(path, lambda: None, name=name)
    return TestClient(app)


def as_(url: str, login: str) -> Any:
    return sign_in(web_client(url), login)


@pytest.fixture
def url(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path}/web.db"
    web_db(db, tmp_path).dispose()
    return db


@pytest.fixture
def open_url(tmp_path: Path) -> str:
    """holmstad-2023 without review: what is recorded is current at once."""
    db = f"sqlite:///{tmp_path}/open.db"
    web_db(db, tmp_path, review=None).dispose()
    return db


def text_of(html: str) -> str:
    """The page's words, tags dropped, whitespace folded (what a reader sees)."""
    import html as h

    main = html[html.index("<main"):] if "<main" in html else html
    return re.sub(r"\s+", " ", h.unescape(re.sub(r"<[^>]+>", " ", main)))


def section(html: str, ident: str) -> str:
    """The <section> labelled by heading ``ident``."""
    m = re.search(rf'<section aria-labelledby="{ident}">(.*?)</section>', html, re.S)
    assert m, ident
    return m[1]


def links_in(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def _person(url: str, login: str, grants: list[tuple[str, str, str]]) -> None:
    from goaltrack.store.database import open_engine

    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            admin = accounts.actor_for_login(conn, "admin")
        accounts.add_person(engine, login, login.title(), email=None, password=PASSWORD, actor=admin)
        for role, kind, code in grants:
            accounts.grant(engine, login, role, SLUG, kind, code, actor=admin)
    finally:
        engine.dispose()


def _engine_actor(url: str, login: str) -> tuple[Any, Any, int]:
    from goaltrack.store.database import open_engine, plan_id_for

    engine = open_engine(url)
    with engine.connect() as conn:
        return engine, accounts.actor_for_login(conn, login), plan_id_for(conn, SLUG)


# --------------------------------------------------------------------------- the item pages


def test_goal_and_focus_area_pages_show_their_links_and_money(db_url: str, tmp_path: Path) -> None:
    web_db(db_url, tmp_path).dispose()
    c = as_(db_url, "carl")
    r = c.get(f"{P}/goals/NG2")
    assert r.status_code == 200
    page = r.text
    assert "<h1><span class=\"code\">NG2</span> <span lang=\"da\">Flere skal i job frem for at være på offentlig " \
           "forsørgelse</span></h1>" in page
    assert {f"{P}/focus-areas/FA2", f"{P}/initiatives/I2", f"{P}/initiatives/I3",
            f"{P}/indicators/ledighed"} <= links_in(page)
    assert f"{P}/focus-areas/FA1" not in links_in(page) and f"{P}/initiatives/I1" not in links_in(page)
    inits = text_of(section(page, "initiatives"))
    assert "I2 Virksomhedsrettede forløb explicit via FA2" in inits
    assert "I3 Jobkonsulenter i virksomhederne explicit via FA2" in inits
    assert "Forsikrede ledige" in section(page, "groups") and "via I2" in text_of(section(page, "groups"))
    assert "Rests on measured indicators." in text_of(page)
    money = text_of(section(page, "money"))
    # Each linked account with its link, share and budget by year; then the coverage report's sums.
    assert "5.57.78 Dagpenge til forsikrede ledige inferred via FA2 none given 2,000,000 2,100,001" in money
    assert "5.57.73 Kontant- og uddannelseshjælp explicit via I2 40% 1,250,000 1,300,001" in money
    assert "5.68.94 Løntilskud explicit via I3 75% 400,000 420,000" in money
    assert "Allocated to this goal 1,400,000 1,467,501" in money
    assert "5.68.90" not in money  # FA3's account reaches no goal

    ng4 = text_of(c.get(f"{P}/goals/NG4").text)
    assert "No initiative." in ng4 and "No indicator." in ng4 and "No account is linked to it." in ng4
    assert "national goal NG4 has no initiative" in ng4  # its gaps, as the coverage report lists them

    fa2 = c.get(f"{P}/focus-areas/FA2").text
    assert {f"{P}/goals/NG2", f"{P}/goals/NG3", f"{P}/initiatives/I2", f"{P}/initiatives/I3",
            f"{P}/indicators/ledighed"} <= links_in(fa2)
    assert "ledighed Ledige i pct. af arbejdsstyrken inferred via I2" in text_of(section(fa2, "indicators"))
    fa2_money = text_of(section(fa2, "money"))
    assert "5.57.78 Dagpenge til forsikrede ledige inferred none given 2,000,000 2,100,001" in fa2_money
    assert "5.57.73 Kontant- og uddannelseshjælp explicit via I2 40%" in fa2_money
    assert "5.68.94 Løntilskud explicit via I3 75%" in fa2_money
    assert "Linked accounts in total 3,650,000 3,820,002" in fa2_money

    fa3 = text_of(c.get(f"{P}/focus-areas/FA3").text)
    assert "Linked to no national goal." in fa3
    assert "5.68.90 Driftsudgifter til den kommunale beskæftigelsesindsats explicit none given 900,000 950,000" in fa3
    assert "annual focus area FA3 is linked to no national goal" in fa3


def test_initiative_page_status_history_and_links(open_url: str) -> None:
    from goaltrack.store.recording import record_status

    engine, writer, plan_id = _engine_actor(open_url, "writer")
    record_status(engine, plan_id, "I3", "on-track", by="writer", note="started in March", actor=writer)
    record_status(engine, plan_id, "I3", "at-risk", by="writer", note="two consultants left", actor=writer)
    engine.dispose()
    page = as_(open_url, "carl").get(f"{P}/initiatives/I3").text
    history = section(page, "history")
    rows = re.findall(r"<tr><th scope=\"row\"[^>]*>[^<]+</th>(.*?)</tr>", history)
    assert len(rows) == 2
    assert "at risk" in rows[0] and "two consultants left" in rows[0]  # the latest first
    assert "on track" in rows[1] and "started in March" in rows[1] and "writer" in rows[1]
    assert f'href="{P}/focus-areas/FA2"' in section(page, "standing")
    goals = text_of(section(page, "goals"))
    # NG3 directly (the plan says so) and through FA2; NG2 through FA2.
    assert "NG2 Flere skal i job" in goals and "NG3 Virksomhederne skal have den arbejdskraft" in goals
    money = text_of(section(page, "money"))
    assert "5.68.94 Løntilskud explicit 75% 400,000 420,000" in money
    assert "5.57.78 Dagpenge til forsikrede ledige inferred none given 2,000,000 2,100,001" in money
    assert "No indicator." in text_of(section(page, "indicators"))

    i1 = text_of(as_(open_url, "carl").get(f"{P}/initiatives/I1").text)
    assert "FA1 Unge i uddannelse" in i1 and "unge Unge under 30 år (explicit)" in i1
    assert "No status has been recorded for this initiative." in i1


def test_indicator_page_chart_table_superseded_values(open_url: str) -> None:
    from goaltrack.store.recording import record_measurement

    engine, writer, plan_id = _engine_actor(open_url, "writer")
    record_measurement(engine, plan_id, "ledighed", "3.4", "2023", by="writer", note="revised figure",
                       source="Jobindsats", actor=writer)
    engine.dispose()
    page = as_(open_url, "carl").get(f"{P}/indicators/ledighed").text
    svg = re.search(r"<svg [^>]*series-chart.*?</svg>", page, re.S)
    assert svg, "no chart"
    chart = svg[0]
    assert 'role="img"' in chart and 'aria-label="ledighed: 2 values, latest 3.4% (2023)"' in chart
    assert "<desc>From 3.9% to 3.4%. Baseline 4.1%. Target 3.5%.</desc>" in chart
    assert 'class="baseline"' in chart and 'class="target"' in chart
    assert ">Baseline 4.1%</text>" in chart and ">Target 3.5%</text>" in chart
    assert chart.count("<circle") == 2  # the totals of 2022 and 2023
    values = text_of(section(page, "chart"))
    assert "2022 total 3.9% observed loader" in values
    assert "2023 total 3.4% observed Jobindsats writer" in values
    assert "2023 age=16-29, sex=women 3.1%" in values
    superseded = text_of(section(page, "superseded"))
    assert "2023 total 3.7% loader" in superseded and "3.4%" not in superseded
    assert "Baseline 4.1% (2021)" in text_of(section(page, "standing"))
    goals = text_of(section(page, "goals"))
    assert "NG2 Flere skal i job frem for at være på offentlig forsørgelse explicit" in goals
    assert "NG3" in goals and "via I2" in goals
    assert f'href="{P}/initiatives/I2"' in section(page, "measures")


def test_entries_waiting_for_review_are_listed_on_their_pages(url: str) -> None:
    from goaltrack.store.recording import record_measurement, record_status

    engine, carl, plan_id = _engine_actor(url, "carl")
    filed = record_measurement(engine, plan_id, "ledighed", "3.4", "2023", by="carl", actor=carl, submit=True)
    record_status(engine, plan_id, "I2", "off-track", by="carl", note="no companies signed up", actor=carl)
    engine.dispose()
    c = as_(url, "anna")
    pending = section(c.get(f"{P}/indicators/ledighed").text, "pending")
    assert f'href="/review/{filed.entry}"' in pending and "submitted" in pending and "carl" in pending
    # Not approved: the chart and the table still show the approved 3.7.
    assert "3.4%" not in section(c.get(f"{P}/indicators/ledighed").text, "chart")
    pending_status = text_of(section(c.get(f"{P}/initiatives/I2").text, "pending"))
    assert "draft" in pending_status and "carl" in pending_status
    assert "Nothing waits for review." in text_of(section(c.get(f"{P}/initiatives/I3").text, "pending"))


@pytest.mark.parametrize("page", ["goals/NG9", "focus-areas/FA9", "initiatives/I9", "indicators/nope",
                                  "goals/FA1", "indicators/I2", "reports/nope", "reports/coverage.pdf",
                                  "reports/nope.json"])
def test_unknown_codes_are_404_pages(url: str, page: str) -> None:
    r = as_(url, "carl").get(f"{P}/{page}")
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text
    assert as_(url, "carl").get("/plans/no-such-plan/goals/NG1").status_code == 404


def test_who_may_read_the_plan(url: str) -> None:
    _person(url, "vera", [("viewer", "focus_area", "FA1")])
    _person(url, "nora", [])
    vera = as_(url, "vera")
    # A role for one focus area lets a person read all of the plan, its other areas too.
    for page in ("goals/NG2", "focus-areas/FA2", "initiatives/I3", "indicators/ledighed", "reports/budget",
                 "reports/coverage.json"):
        assert vera.get(f"{P}/{page}").status_code == 200, page
    assert "NG2" in vera.get(f"{P}/goals/NG2").text
    nora = as_(url, "nora")
    for page in ("goals/NG2", "focus-areas/FA2", "initiatives/I3", "indicators/ledighed", "reports/budget",
                 "reports/coverage.json"):
        r = nora.get(f"{P}/{page}")
        assert r.status_code == 403 and "nora may not view holmstad-2023: no role in holmstad-2023" in r.text
        assert "Flere skal i job" not in r.text and "DKK" not in r.text
    anonymous = web_client(url)
    for page in ("goals/NG2", "indicators/ledighed", "reports/coverage", "reports/coverage.csv"):
        r = anonymous.get(f"{P}/{page}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
        assert "/signin?next=%2Fplans%2Fholmstad-2023%2F" in r.headers["location"]


# --------------------------------------------------------------------------- reports


def test_report_page_is_the_html_report_with_the_site_bar_and_every_download(url: str) -> None:
    from goaltrack.context import AppContext

    formats = AppContext(db=url).plugins.output_formats
    assert {"json", "csv", "markdown", "html", "table"} <= set(formats)
    c = as_(url, "carl")
    page = c.get(f"{P}/reports/coverage").text
    download = c.get(f"{P}/reports/coverage.html").text
    assert page.count("<h1>") == 1 and "<h1><span lang=\"da\">Beskæftigelsesplan 2023 (synthetic)</span></h1>" in page
    assert '<a class="skip" href="#main">' in page and '<main id="main">' in page
    assert "Signed in as Carl" in page and 'name="csrf"' in page  # the site bar, with sign-out
    for name, f in formats.items():
        assert f'href="{P}/reports/coverage.{name}"' in page, name
        assert f"(.{f.extension})" in page
    for kind in ("budget", "progress", "checks"):
        assert f'href="{P}/reports/{kind}"' in page
    # The page is the report: the download's <main> is in it, as it is.
    body = download[download.index("<main>") + len("<main>"):download.index("</main>")]
    assert body in page
    assert "Signed in as" not in download and "goaltrack_session" not in download and 'class="site"' not in download
    checks = c.get(f"{P}/reports/checks")
    assert checks.status_code == 200 and "GT008" in checks.text and "Signed in as Carl" in checks.text


def test_downloads_are_byte_identical_to_the_command_line(db_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    web_db(db_url, tmp_path).dispose()
    c = as_(db_url, "carl")
    for kind in ("coverage", "budget", "progress"):
        for fmt, media in (("json", "application/json"), ("csv", "text/csv; charset=utf-8"),
                           ("markdown", "text/markdown; charset=utf-8"), ("html", "text/html; charset=utf-8"),
                           ("table", "text/plain; charset=utf-8")):
            r = c.get(f"{P}/reports/{kind}.{fmt}")
            assert r.status_code == 200, (kind, fmt, r.text[:300])
            assert r.headers["content-type"] == media
            ext = {"markdown": "md", "table": "txt"}.get(fmt, fmt)
            assert r.headers["content-disposition"] == f'attachment; filename="{SLUG}-{kind}.{ext}"'
            cli = gt(db_url, "report", kind, "--format", fmt, "--lang", "en").stdout_bytes
            assert r.content == cli, (kind, fmt)
    checks = c.get(f"{P}/reports/checks.json")
    assert checks.content == gt(db_url, "check", "--format", "json", "--lang", "en", code=None).stdout_bytes
    assert json.loads(checks.content)["counts"]["warning"] >= 1


def test_downloads_in_the_readers_language_as_of_a_date(url: str) -> None:
    c = as_(url, "carl")
    c.get("/lang/da")
    md = c.get(f"{P}/reports/progress.markdown")
    assert md.content == gt(url, "report", "progress", "--format", "markdown", "--lang", "da").stdout_bytes
    page = c.get(f"{P}/reports/progress").text
    assert '<html lang="da">' in page
    assert c.get(f"{P}/goals/NG2").text.startswith("<!DOCTYPE html>\n<html lang=\"da\">")
    dated = c.get(f"{P}/reports/coverage.json", params={"as_of": "2022-12-31"})
    assert json.loads(dated.content)["meta"]["as_of"] == "2022-12-31"
    assert dated.content == gt(url, "report", "coverage", "--format", "json", "--lang", "da",
                               "--as-of", "2022-12-31").stdout_bytes
    page = c.get(f"{P}/reports/coverage", params={"as_of": "2022-12-31"}).text
    assert f'href="{P}/reports/coverage.csv?as_of=2022-12-31"' in page
    for bad in ("2023-13-01", "31-12-2022", "yesterday", "2022-12-31T00:00"):
        for where in ("reports/coverage", "reports/coverage.json"):
            r = c.get(f"{P}/{where}", params={"as_of": bad})
            assert r.status_code == 422, (bad, where)
            assert "is not a date; write it as YYYY-MM-DD" in r.text


def test_pending_values_only_for_approvers(url: str) -> None:
    from goaltrack.store.recording import record_measurement

    engine, carl, plan_id = _engine_actor(url, "carl")
    record_measurement(engine, plan_id, "ledighed", "3.4", "2023", by="carl", actor=carl, submit=True)
    engine.dispose()
    carl_c = as_(url, "carl")
    r = carl_c.get(f"{P}/reports/progress.json", params={"include_pending": "1"})
    assert r.status_code == 403 and "may not see pending values" in r.text
    assert 'name="include_pending"' not in carl_c.get(f"{P}/reports/progress").text
    anna = as_(url, "anna")
    assert 'name="include_pending"' in anna.get(f"{P}/reports/progress").text
    approved = json.loads(anna.get(f"{P}/reports/progress.json").content)
    pending = anna.get(f"{P}/reports/progress.json", params={"include_pending": "1"})
    latest = {i["code"]: i["series"][-1]["value"] for i in json.loads(pending.content)["indicators"]}
    assert latest["ledighed"] == 3.4
    assert {i["code"]: i["series"][-1]["value"] for i in approved["indicators"]}["ledighed"] == 3.7
    assert pending.content == gt(url, "report", "progress", "--format", "json", "--lang", "en",
                                 "--include-pending").stdout_bytes
    # Nothing was approved by looking.
    assert json.loads(anna.get(f"{P}/reports/progress.json").content) == approved


# --------------------------------------------------------------------------- hostile plan text


def test_hostile_plan_text_is_escaped(tmp_path: Path) -> None:
    from dbfixtures import new_engine

    from goaltrack.planfile.validate import read_plan
    from goaltrack.store.plansync import load_plans

    url = f"sqlite:///{tmp_path}/evil.db"
    engine = new_engine(url)
    load_plans(engine, [read_plan(EVIL_PLAN)], recorded_by="loader")
    accounts.add_person(engine, "admin", "Admin", email=None, password=PASSWORD, actor=None)
    engine.dispose()
    c = as_(url, "admin")
    evil = "/plans/evil-plan"
    pages = [f"{evil}/goals/G1", f"{evil}/goals/G3", f"{evil}/focus-areas/A1", f"{evil}/focus-areas/A2",
             f"{evil}/initiatives/I1", f"{evil}/indicators/K1", f"{evil}/reports/coverage", f"{evil}/reports/progress"]
    for path in pages:
        r = c.get(path)
        assert r.status_code == 200, path
        html = r.text
        for raw in ("<script>document", "<img src=x", "<svg onload", "<iframe", "<style>body{display:none}",
                    '<a href="javascript'):
            assert raw not in html, (path, raw)
        assert "&lt;" in html, path
    g1 = c.get(f"{evil}/goals/G1").text
    assert "&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;,&#39;1&#39;)&lt;/script&gt;Goal one" in g1
    assert "{{ 7*7 }}" in c.get(f"{evil}/goals/G2").text  # template syntax in a title is printed, not run
