"""The contributor's pages: "My initiatives", the record and status forms, and the import
(upload, dry run, confirmation), through the real application on SQLite and PostgreSQL.

Every refused input is checked to leave the database as it was (:func:`reviewfixtures.dump`
before and after) and to keep what was typed; every accepted one by what the database holds.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from reviewfixtures import PEOPLE, SLUG, add_people, admin_actor, dump, plan_file, rows
from webfixtures import PASSWORD, csrf_of, post_form, sign_in, signed_in

from goaltrack.people import accounts

RECORD = f"/plans/{SLUG}/indicators/ledighed/record"
OTHER = f"/plans/{SLUG}/indicators/uddannelse/record"
STATUS = f"/plans/{SLUG}/initiatives/I2/status"
IMPORT = f"/plans/{SLUG}/import"

#: An indicator of initiative I1 (focus area FA1): outside carl's scope (contributor for FA2).
EXTRA_INDICATOR = """
  - code: uddannelse
    name: Unge i uddannelse
    unit: count
    measures:
      - initiative: I1
        basis: explicit
        quote: flere unge i uddannelse
"""


def work_db(url: str, where: Path, *, review: str | None = "required") -> str:
    """holmstad-2023 (with an indicator of FA1 added) and the people of reviewfixtures."""
    from dbfixtures import new_engine

    from goaltrack.planfile.validate import read_plan
    from goaltrack.store.plansync import load_plans

    path = plan_file(where, review=review)
    path.write_text(path.read_text(encoding="utf-8") + EXTRA_INDICATOR, encoding="utf-8")
    engine = new_engine(url)
    load_plans(engine, [read_plan(path)], recorded_by="loader")
    add_people(engine)
    admin = admin_actor(engine)
    for login in ["admin", *PEOPLE]:
        accounts.set_password(engine, login, PASSWORD, actor=admin)
    engine.dispose()
    return url


@pytest.fixture
def url(db_url: str, tmp_path: Path) -> str:
    return work_db(db_url, tmp_path)


def main(page: str) -> str:
    """The page's <main>, unescaped, tags kept."""
    return html.unescape(page[page.index("<main"):page.index("</main>")])


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main(page)))


def value_of(page: str, name: str) -> str:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert m, name
    return html.unescape(m[1])


def pending(url: str) -> list[tuple[Any, ...]]:
    return rows(url, "SELECT e.id, e.state, e.revision, p.value, p.missing_reason FROM review_entry e "
                     "JOIN pending_measurement p ON p.entry_id = e.id AND p.revision = e.revision ORDER BY e.id")


# --------------------------------------------------------------------------- my work


def test_my_work_lists_what_carl_may_record(url: str) -> None:
    c = signed_in(url, "carl")
    page = c.get("/mine")
    assert page.status_code == 200
    t = text_of(page.text)
    assert "ledighed" in t and "3.7%" in t  # FA2's indicator with its latest approved value
    assert "uddannelse" not in t  # FA1's: not carl's
    assert "I2" in t and "I3" in t and "I1" not in t
    assert f'href="{RECORD}"' in page.text and f'href="{STATUS}"' in page.text
    assert f'href="{IMPORT}"' in page.text


def test_anonymous_is_sent_to_sign_in(url: str) -> None:
    from webfixtures import client

    r = client(url).get("/mine", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")


# --------------------------------------------------------------------------- recording


def test_record_draft_and_submit(url: str) -> None:
    c = signed_in(url, "carl")
    r = post_form(c, RECORD, RECORD, {"period": "2024", "value": "3,2", "note": "from the jobcentre"},
                  follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/mine"
    assert pending(url) == [(1, "draft", 1, 3.2, None)]
    mine = text_of(c.get("/mine").text)
    assert "as review entry 1, a draft" in mine and "draft" in mine
    r = post_form(c, RECORD, RECORD, {"period": "2024", "missing": "1", "reason": "not published yet",
                                      "submit": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert pending(url) == [(1, "submitted", 2, None, "not published yet")]
    assert "Revised review entry 1 (revision 2" in text_of(c.get("/mine").text)


def test_record_without_review_is_current_at_once(db_url: str, tmp_path: Path) -> None:
    url = work_db(db_url, tmp_path, review=None)
    c = signed_in(url, "carl")
    r = post_form(c, RECORD, RECORD, {"period": "2024", "value": "3.1"})
    assert r.status_code == 200 and "Recorded ledighed 2024 = 3.1%." in text_of(r.text)
    assert ("ledighed", "2024", "", 3.1, "carl") in rows(
        url, "SELECT i.code, m.period_code, m.breakdown, m.value, m.recorded_by FROM measurement m "
             "JOIN indicator i ON i.id = m.indicator_id WHERE m.superseded_at IS NULL")
    r = post_form(c, RECORD, RECORD, {"period": "2024", "value": "3.1"})
    assert "Unchanged: ledighed 2024 is already 3.1%" in text_of(r.text)


BAD_RECORDS = [
    ({"period": "2024Q5", "value": "3.2"}, {"period": "This is not a period"}),
    ({"period": "2024", "value": "three"}, {"value": "Write a number"}),
    ({"period": "2024", "value": "140"}, {"value": "outside what this indicator's unit allows"}),
    ({"period": "2024", "value": "3.2", "missing": "1", "reason": "late"}, {"value": "not both"}),
    ({"period": "2024"}, {"value": "Give a value, or tick"}),
    ({"period": "2024", "missing": "1", "reason": "  "}, {"reason": "Say why the value is missing."}),
    ({"period": "", "value": "3.2"}, {"period": "This field is required."}),
    ({"period": "2024-13", "value": "N/A", "note": "typed"}, {"period": "not a period", "value": "Write a number"}),
]


@pytest.mark.parametrize("sent,expected", BAD_RECORDS, ids=[f"bad{i}" for i in range(len(BAD_RECORDS))])
def test_record_field_errors(url: str, sent: dict[str, str], expected: dict[str, str]) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    r = post_form(c, RECORD, RECORD, sent)
    assert r.status_code == 422
    assert dump(url) == before
    page = main(r.text)
    for name, message in expected.items():
        error = re.search(rf'<span class="error" id="{name}-error">(.*?)</span>\s*$', page, re.M | re.S)
        assert error and message in error[1], (name, page)
        assert re.search(rf'name="{name}"[^>]*aria-describedby="[^"]*{name}-error"[^>]*aria-invalid="true"', page)
    for name in ("period", "value", "reason"):
        assert value_of(r.text, name) == sent.get(name, "")  # what was typed is kept
    if sent.get("note"):
        assert f">{sent['note']}</textarea>" in page
    if sent.get("missing"):
        assert re.search(r'id="missing"[^>]*checked', page)


def test_record_errors_in_danish(url: str) -> None:
    c = signed_in(url, "carl")
    c.get("/lang/da")
    r = post_form(c, RECORD, RECORD, {"period": "2024", "value": "three"})
    assert r.status_code == 422 and '<html lang="da">' in r.text
    assert "not a number: 'three'" in main(r.text)  # the domain's message, as the detail


def test_carl_may_not_record_outside_fa2(url: str) -> None:
    c = signed_in(url, "carl")
    assert c.get(OTHER).status_code == 403
    before = dump(url)
    r = c.post(OTHER, data={"period": "2024", "value": "12", "csrf": csrf_of(c.get(RECORD).text)})
    assert r.status_code == 403
    assert "carl may not record uddannelse: contributor for FA2 only" in text_of(r.text)
    assert dump(url) == before
    r = c.post(f"/plans/{SLUG}/initiatives/I1/status",
               data={"state": "on-track", "csrf": csrf_of(c.get(RECORD).text)})
    assert r.status_code == 403 and dump(url) == before


def test_csrf_missing_or_wrong_writes_nothing(url: str) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    for data in ({"period": "2024", "value": "3.2"}, {"period": "2024", "value": "3.2", "csrf": "forged"}):
        r = c.post(RECORD, data=data)
        assert r.status_code == 403 and "The form has expired" in r.text
    assert c.post(STATUS, data={"state": "on-track"}).status_code == 403
    assert c.post(IMPORT, files={"file": ("v.csv", b"indicator,period,value\nledighed,2024,3\n", "text/csv")},
                  data={"source": "csv"}).status_code == 403
    assert dump(url) == before


def test_unknown_indicator_is_404(url: str) -> None:
    assert signed_in(url, "carl").get(f"/plans/{SLUG}/indicators/nope/record").status_code == 404


# --------------------------------------------------------------------------- statuses


def test_status_needs_a_note_for_at_risk(url: str) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    for state in ("at-risk", "off-track"):
        r = post_form(c, STATUS, STATUS, {"state": state, "note": " "})
        assert r.status_code == 422 and dump(url) == before
        assert "This status needs a note saying why." in text_of(r.text)
        assert re.search(rf'<option value="{state}" selected>', r.text)
    r = post_form(c, STATUS, STATUS, {"state": "nonsense"})
    assert r.status_code == 422 and "Choose a status." in text_of(r.text) and dump(url) == before
    r = post_form(c, STATUS, STATUS, {"state": "at-risk", "note": "supplier late", "submit": "1"},
                  follow_redirects=False)
    assert r.status_code == 303
    assert rows(url, "SELECT e.state, s.status, s.note FROM review_entry e JOIN pending_status s "
                     "ON s.entry_id = e.id") == [("submitted", "at-risk", "supplier late")]
    assert "as review entry 1, submitted" in text_of(c.get("/mine").text)


# --------------------------------------------------------------------------- import

CSV = b"indicator,period,value\nledighed,2024,3.4\nledighed,2023,3.5\nledighed,2022,3.9\n"


def upload(c: Any, content: bytes, name: str = "values.csv", media: str = "text/csv", source: str = "csv",
           **extra: str) -> Any:
    token = csrf_of(c.get(IMPORT).text)
    return c.post(IMPORT, data={"source": source, "csrf": token, **extra}, files={"file": (name, content, media)})


def confirm_token(page: str) -> str:
    m = re.search(r'name="token" value="([^"]+)"', page)
    assert m, "no confirmation form"
    return m[1]


def test_import_dry_run_then_confirm(url: str) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    r = upload(c, CSV)
    assert r.status_code == 200, text_of(r.text)
    t = text_of(r.text)
    assert "Dry run of values.csv" in t
    assert "Rows read 3" in t and "New values 1" in t and "Changed values (against the approved ones) 1" in t
    assert "Unchanged values 1" in t
    assert dump(url) == before  # the dry run wrote nothing
    token = confirm_token(r.text)
    r = c.post(IMPORT, data={"token": token, "submit": "1", "csrf": csrf_of(r.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/mine"
    # (The dry run's entry id was rolled back, but on PostgreSQL the sequence moved on.)
    [(entry, subject, state, author)] = rows(url, "SELECT id, subject, state, author FROM review_entry")
    assert (subject, state, author) == ("batch", "submitted", "carl")
    assert f"filed for review as entry {entry}, submitted: 1 new and 1 changed" in text_of(c.get("/mine").text)
    # The token is used up.
    again = c.post(IMPORT, data={"token": token, "csrf": csrf_of(r.text or c.get(IMPORT).text)})
    assert again.status_code == 422 and "expired or belongs to another session" in text_of(again.text)


def test_import_without_review(db_url: str, tmp_path: Path) -> None:
    url = work_db(db_url, tmp_path, review=None)
    c = signed_in(url, "carl")
    r = upload(c, CSV)
    assert "New values 1" in text_of(r.text) and "Changed values 1" in text_of(r.text)
    r = c.post(IMPORT, data={"token": confirm_token(r.text), "csrf": csrf_of(r.text)})
    assert "Imported values.csv: 3 rows read, 2 values written (1 superseding older values), 1 unchanged" \
        in text_of(r.text)
    assert rows(url, "SELECT m.value FROM measurement m JOIN indicator i ON i.id = m.indicator_id WHERE "
                     "m.period_code = '2024' AND m.superseded_at IS NULL AND m.breakdown = ''") == [(3.4,)]


def test_import_invalid_rows_with_line_numbers(url: str) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    r = upload(c, b"indicator,period,value\nledighed,2024,3.4\nledighed,2024Q9,3\nledighed,2023,lots\n")
    assert r.status_code == 422 and dump(url) == before
    t = text_of(r.text)
    assert "nothing was imported" in t
    assert re.search(r"\b3 [^|]*2024Q9", t) and re.search(r"\b4 [^|]*lots", t)
    assert 'name="token"' not in r.text


def test_import_of_an_indicator_outside_scope_is_refused(url: str) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    r = upload(c, b"indicator,period,value\nledighed,2024,3.4\nuddannelse,2024,12\n")
    assert r.status_code == 403 and "carl may not record uddannelse" in text_of(r.text)
    assert dump(url) == before


def test_oversize_upload_is_413(url: str, tmp_path: Path) -> None:
    config = tmp_path / "goaltrack.toml"
    config.write_text("[web]\nmax_upload_mb = 0.01\n", encoding="utf-8")
    from fastapi.testclient import TestClient
    from webfixtures import SECRET

    from goaltrack.context import AppContext
    from goaltrack.web.app import create_app

    c = sign_in(TestClient(create_app(AppContext(db=url, config_file=config), secret=SECRET)), "carl")
    before = dump(url)
    big = b"indicator,period,value\n" + b"ledighed,2024,3.4\n" * 2000  # ~36 KB > 10 KB
    r = upload(c, big)
    assert r.status_code == 413 and "larger than the limit of 0.01 MB" in text_of(r.text)
    assert dump(url) == before
    assert upload(c, CSV).status_code == 200  # a small one still passes


@pytest.mark.parametrize("name,media,content", [
    ("values.png", "image/png", CSV),
    ("values.csv", "text/html", CSV),
    ("values.csv", "text/csv", b"\x89PNG\r\n\x1a\n\0\0\0IHDR"),
    ("values.jsonl", "application/x-ndjson", CSV),  # for the csv source
])
def test_wrong_type_is_415(url: str, name: str, media: str, content: bytes) -> None:
    c = signed_in(url, "carl")
    before = dump(url)
    r = upload(c, content, name=name, media=media)
    assert r.status_code == 415 and "does not fit the chosen data source" in text_of(r.text)
    assert dump(url) == before


def test_confirm_token_of_another_session_does_not_work(url: str) -> None:
    carl = signed_in(url, "carl")
    token = confirm_token(upload(carl, CSV).text)
    before = dump(url)
    for other in (signed_in(url, "carl"), signed_in(url, "writer")):  # carl elsewhere; someone else
        page = other.get(IMPORT)
        r = other.post(IMPORT, data={"token": token, "csrf": csrf_of(page.text)})
        assert r.status_code == 422 and "expired or belongs to another session" in text_of(r.text)
    for forged in ("../../etc", "x" * 32):
        r = carl.post(IMPORT, data={"token": forged, "csrf": csrf_of(carl.get(IMPORT).text)})
        assert r.status_code == 422
    assert dump(url) == before
    # ... and it still works in its own session.
    r = carl.post(IMPORT, data={"token": token, "csrf": csrf_of(carl.get(IMPORT).text)}, follow_redirects=False)
    assert r.status_code == 303
    assert rows(url, "SELECT subject, state FROM review_entry") == [("batch", "draft")]


def test_uploads_are_kept_under_a_server_chosen_name(url: str) -> None:
    from goaltrack.web.uploads import upload_root

    c = signed_in(url, "carl")
    r = upload(c, CSV, name="../../evil name.csv")
    token = confirm_token(r.text)
    where = upload_root() / token
    assert sorted(p.name for p in where.iterdir()) == ["meta.json", "upload.csv"]
    c.post(IMPORT, data={"token": token, "cancel": "1", "csrf": csrf_of(r.text)})
    assert not where.exists()
