"""The review pages through the real application on SQLite and PostgreSQL: the whole flow
from carl's draft to anna's approval through the forms, the return reason shown to the
author, a return without a reason, and a lost race."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reviewfixtures import SLUG, current_values, dump, gt, rows
from test_web_work import RECORD, pending, text_of, work_db
from webfixtures import csrf_of, post_form, signed_in


@pytest.fixture
def url(db_url: str, tmp_path: Path) -> str:
    return work_db(db_url, tmp_path)


def act(c: object, entry: int, action: str, **data: str) -> object:
    page = c.get(f"/review/{entry}")  # type: ignore[attr-defined]
    assert page.status_code == 200
    return c.post(f"/review/{entry}/{action}", data={**data, "csrf": csrf_of(page.text)},  # type: ignore[attr-defined]
                  follow_redirects=False)


def test_the_whole_flow_through_the_forms(url: str) -> None:
    carl, anna = signed_in(url, "carl"), signed_in(url, "anna")
    # carl records a value: a draft, which anna does not see yet.
    post_form(carl, RECORD, RECORD, {"period": "2024", "value": "3.2"})
    assert pending(url) == [(1, "draft", 1, 3.2, None)]
    assert "Nothing waits for you." in text_of(anna.get("/review").text)
    # carl submits it from "My initiatives".
    mine = carl.get("/mine").text
    r = carl.post("/review/1/submit", data={"csrf": csrf_of(mine)}, follow_redirects=False)
    assert r.status_code == 303 and pending(url)[0][1] == "submitted"
    assert "Submitted entry 1 (ledighed 2024)" in text_of(carl.get("/mine").text)
    # anna sees it with the value beside the approved one (none yet for 2024).
    queue = text_of(anna.get("/review").text)
    assert "Entry 1: ledighed 2024" in queue and "Proposed 3.2" in queue and "nothing approved yet" in queue
    # A return needs a reason: shown at the field, nothing written.
    before = dump(url)
    r = act(anna, 1, "return", reason="   ")
    assert r.status_code == 422 and dump(url) == before  # type: ignore[attr-defined]
    assert "Say what the author should change" in text_of(r.text)  # type: ignore[attr-defined]
    r = act(anna, 1, "return", reason="Use the figure from the annual report")
    assert r.status_code == 303  # type: ignore[attr-defined]
    # carl sees the reason, records again (revision 2) and submits.
    mine = text_of(carl.get("/mine").text)
    assert "Returned: Use the figure from the annual report" in mine
    assert "Returned: Use the figure from the annual report" in text_of(carl.get(RECORD).text)
    post_form(carl, RECORD, RECORD, {"period": "2024", "value": "3,3", "submit": "1"})
    assert pending(url) == [(1, "submitted", 2, 3.3, None)]
    # anna sees revision 2 beside revision 1 and approves it.
    entry = text_of(anna.get("/review/1").text)
    assert "Proposed 3.3" in entry and "Revision before 3.2" in entry
    assert "Use the figure from the annual report" in entry  # the events, with the reason
    r = act(anna, 1, "approve")
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "Approved entry 1 (ledighed 2024)." in text_of(anna.get("/review").text)
    # The value is current, recorded by carl, and the history shows every transition.
    assert ("ledighed", "2024", "", 3.3, "carl") in current_values(url)
    h = json.loads(gt(url, "history", "ledighed", "--plan", SLUG, "--format", "json").stdout)
    moves = [(ev["from"], ev["to"], ev["actor"]) for ev in h["reviews"][0]["events"]]
    assert moves == [(None, "draft", "carl"), ("draft", "submitted", "carl"), ("submitted", "returned", "anna"),
                     ("returned", "submitted", "carl"), ("submitted", "approved", "anna")]
    # Nothing of carl's is left open.
    assert "Your review entries not yet approved" not in carl.get("/mine").text


def test_lost_race_shows_who_won(url: str) -> None:
    carl, anna, dora = signed_in(url, "carl"), signed_in(url, "anna"), signed_in(url, "dora")
    post_form(carl, RECORD, RECORD, {"period": "2024", "value": "3.2", "submit": "1"})
    anna_page, dora_page = anna.get("/review/1"), dora.get("/review/1")  # both open the entry
    r = anna.post("/review/1/approve", data={"csrf": csrf_of(anna_page.text)}, follow_redirects=False)
    assert r.status_code == 303
    before = dump(url)
    r = dora.post("/review/1/approve", data={"csrf": csrf_of(dora_page.text)}, follow_redirects=False)
    assert r.status_code == 409
    t = text_of(r.text)
    assert "has moved on since this page was loaded" in t
    assert "entry 1 (ledighed 2024) is approved by anna at" in t and "cannot be approved" in t
    assert dump(url) == before
    assert rows(url, "SELECT count(*) FROM measurement WHERE review_entry_id = 1") == [(1,)]


def test_permissions_of_the_moves(url: str) -> None:
    carl, bo = signed_in(url, "carl"), signed_in(url, "bo")
    post_form(carl, RECORD, RECORD, {"period": "2024", "value": "3.2", "submit": "1"})
    before = dump(url)
    # carl may not approve his own entry (nor has he the role); bo is approver for FA1 only.
    for c, message in ((carl, "carl may not review ledighed"), (bo, "bo may not review ledighed")):
        r = act(c, 1, "approve")
        assert r.status_code == 403 and message in text_of(r.text)  # type: ignore[attr-defined]
    assert "Nothing waits for you." in text_of(bo.get("/review").text)
    assert carl.post("/review/1/approve", data={}).status_code == 403  # no CSRF token
    assert dump(url) == before
    assert act(carl, 1, "frobnicate").status_code == 404  # type: ignore[attr-defined]
    assert carl.get("/review/99").status_code == 404


def test_batch_in_the_queue_shows_rows_against_approved_values(url: str) -> None:
    from test_web_work import CSV, IMPORT, confirm_token, upload

    carl, anna = signed_in(url, "carl"), signed_in(url, "anna")
    r = upload(carl, CSV)
    carl.post(IMPORT, data={"token": confirm_token(r.text), "submit": "1", "csrf": csrf_of(r.text)})
    queue = text_of(anna.get("/review").text)
    assert "import batch" in queue and "1 new, 1 changed against the approved values" in queue
    # line 3 changes 2023 from the approved 3.7 to 3.5; line 2 is new
    assert "3 ledighed 2023 3.5 3.7 changed" in queue and "2 ledighed 2024 3.4 – new" in queue
    [(entry,)] = rows(url, "SELECT id FROM review_entry")  # not 1 on PostgreSQL: the dry run took one
    assert act(anna, entry, "approve").status_code == 303  # type: ignore[attr-defined]
    values = current_values(url)
    assert ("ledighed", "2023", "", 3.5, "carl") in values and ("ledighed", "2024", "", 3.4, "carl") in values
