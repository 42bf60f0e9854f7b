"""The JSON API (/api/v1) on a real database through the whole ASGI stack: token auth
(valid, unknown, expired, revoked, deactivated, missing, a session cookie is not enough),
every endpoint's JSON, the reports byte-identical to the command line's, recording under
review, the review moves (and a lost race), permission refusals, validation error codes,
the body size limit, the OpenAPI schema and ``api_token.last_used_at``.

People (:mod:`reviewfixtures`): carl contributor for FA2 (I2, indicator ``ledighed``), anna
approver for the plan, admin admin of every plan; holmstad-2023 requires review.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from reviewfixtures import admin_actor, current_values, gt
from sqlalchemy import event, select, text, update
from sqlalchemy.engine import Engine
from webfixtures import SLUG, client, signed_in, web_db

from goaltrack.people import accounts
from goaltrack.people import tables as pt

API = "/api/v1"


def token(engine: Engine, login: str, days: int = 30) -> str:
    return accounts.create_token(engine, login, f"{login}-script", days, actor=admin_actor(engine)).token


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def err(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    return str(body["error"]["message"])


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path}/t.db"
    return url, web_db(url, tmp_path)


# --------------------------------------------------------------------------- auth


def test_token_auth(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    c = client(db_url)
    good, expired, revoked, dora = token(engine, "carl"), token(engine, "carl"), token(engine, "anna"), \
        token(engine, "dora")
    with engine.begin() as conn:
        conn.execute(update(pt.api_token).where(pt.api_token.c.token_hash == accounts._token_hash(expired))
                     .values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    revoked_id = accounts.list_tokens(engine.connect(), "anna")[-1]["id"]
    accounts.revoke_token(engine, "anna", revoked_id, actor=admin_actor(engine))

    me = c.get(f"{API}/me", headers=bearer(good))
    assert me.status_code == 200
    assert me.json() == {"login": "carl", "name": "Carl", "site_admin": False, "grants": [
        {"role": "contributor", "plan": SLUG, "scope": "focus_area", "code": "FA2",
         "text": f"contributor for FA2 in {SLUG}"}]}

    missing = c.get(f"{API}/me")
    assert "API token" in err(missing, 401, "not_signed_in")
    assert missing.headers["www-authenticate"] == "Bearer"
    err(c.get(f"{API}/me", headers={"Authorization": "Basic Y2FybDp4"}), 401, "not_signed_in")
    assert err(c.get(f"{API}/me", headers=bearer("gt_nonsense")), 401, "invalid_token") == "unknown API token"
    assert "expired on 2020-01-01" in err(c.get(f"{API}/me", headers=bearer(expired)), 401, "invalid_token")
    assert "was revoked" in err(c.get(f"{API}/plans", headers=bearer(revoked)), 401, "invalid_token")
    assert c.get(f"{API}/me", headers=bearer(dora)).status_code == 200
    accounts.deactivate(engine, "dora", actor=admin_actor(engine))
    err(c.get(f"{API}/me", headers=bearer(dora)), 401, "invalid_token")
    # Nothing was written by the refused requests (only the good tokens were used).
    with engine.connect() as conn:
        used = dict(conn.execute(select(pt.api_token.c.token_hash, pt.api_token.c.last_used_at)).all())
    assert [used[accounts._token_hash(t)] is not None for t in (good, expired, revoked)] == [True, False, False]


def test_session_cookie_does_not_open_the_api(sqlite_db: tuple[str, Engine]) -> None:
    url, _ = sqlite_db
    c = signed_in(url, "anna")
    assert c.cookies.get("goaltrack_session")  # signed in, for the pages
    err(c.get(f"{API}/me"), 401, "not_signed_in")
    err(c.post(f"{API}/review/1/approve", json={}), 401, "not_signed_in")


def test_last_used_at_written_at_most_once_a_minute(sqlite_db: tuple[str, Engine],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from goaltrack.web import api

    url, engine = sqlite_db
    tok = token(engine, "carl")
    c = client(url)
    app_engine = c.app.state.goaltrack.engine
    writes: list[str] = []

    @event.listens_for(app_engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            writes.append(statement)

    def last_used() -> dt.datetime | None:
        with engine.connect() as conn:
            return conn.execute(select(pt.api_token.c.last_used_at)).scalar()

    assert last_used() is None
    for _ in range(5):
        assert c.get(f"{API}/plans", headers=bearer(tok)).status_code == 200
    first = last_used()
    assert first is not None and len(writes) == 1
    # A second process (another worker) sees the database's time and does not write either.
    c2 = client(url)
    assert c2.get(f"{API}/me", headers=bearer(tok)).status_code == 200
    assert last_used() == first
    later = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2)
    monkeypatch.setattr(api, "utcnow", lambda: later)
    assert c.get(f"{API}/me", headers=bearer(tok)).status_code == 200
    assert len(writes) == 2 and last_used() == later.replace(tzinfo=None)
    assert accounts.list_tokens(engine.connect(), "carl")[0]["last_used_at"] == later.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- reads


def test_reads(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    c, h = client(url), bearer(token(engine, "carl"))
    plans = c.get(f"{API}/plans", headers=h).json()
    assert [p["slug"] for p in plans] == [SLUG] and plans[0]["review"] == "required"
    detail = c.get(f"{API}/plans/{SLUG}", headers=h).json()
    assert detail["slug"] == SLUG and detail["review"] == "required" and detail["self_approval"] is False
    assert detail["counts"]["indicator"] == 1 and detail["counts"]["initiative"] == 3
    assert len(detail["content_hash"]) == 64 and detail["loaded_at"]
    assert detail["reports"]["checks"] == f"{API}/plans/{SLUG}/reports/checks"

    ind = c.get(f"{API}/plans/{SLUG}/indicators/ledighed", headers=h).json()
    assert ind["code"] == "ledighed" and ind["unit"] == "pct" and ind["direction"] == "decrease"
    assert ind["baseline"] == {"value": 4.1, "period": "2021"} and ind["target"] == {"value": 3.5, "period": "2023"}
    progress = gt(url, "report", "progress", "--plan", SLUG, "--format", "json").stdout
    import json

    [expected] = [i for i in json.loads(progress)["indicators"] if i["code"] == "ledighed"]
    assert ind["series"] == expected["series"] and ind["score"] == expected["score"]
    assert ind["status"] == expected["status"]

    err(c.get(f"{API}/plans/nowhere", headers=h), 404, "not_found")
    assert "no indicator 'nope'" in err(c.get(f"{API}/plans/{SLUG}/indicators/nope", headers=h), 404, "not_found")
    err(c.get(f"{API}/plans/{SLUG}/reports/nonsense", headers=h), 422, "invalid")
    err(c.get(f"{API}/plans/{SLUG}/reports/coverage?as_of=yesterday", headers=h), 422, "invalid")


def test_a_person_without_a_role_sees_no_plan(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    accounts.add_person(engine, "eve", "Eve", email=None, password=None, actor=admin_actor(engine))
    c, h = client(url), bearer(token(engine, "eve"))
    assert c.get(f"{API}/plans", headers=h).json() == []
    assert err(c.get(f"{API}/plans/{SLUG}", headers=h), 403, "permission_denied") == \
        f"eve may not view {SLUG}: no role in {SLUG}"
    err(c.get(f"{API}/plans/{SLUG}/reports/progress", headers=h), 403, "permission_denied")
    assert c.get(f"{API}/review", headers=h).json() == []


@pytest.mark.parametrize("kind", ["coverage", "budget", "progress", "checks"])
def test_report_json_is_byte_identical_to_the_cli(sqlite_db: tuple[str, Engine], kind: str) -> None:
    url, engine = sqlite_db
    c, h = client(url), bearer(token(engine, "anna"))
    for query, extra in (("", []), ("?as_of=2022-12-31", ["--as-of", "2022-12-31"]), ("?lang=da", ["--lang", "da"])):
        args = ["check"] if kind == "checks" else ["report", kind]
        cli = gt(url, *args, "--plan", SLUG, "--format", "json", *extra, code=None)
        r = c.get(f"{API}/plans/{SLUG}/reports/{kind}{query}", headers=h)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.content == cli.stdout_bytes
        assert r.json()["meta"]["report"] in (kind, "check", "checks")


# --------------------------------------------------------------------------- writes and review


def test_record_lands_as_a_review_entry_and_goes_through_review(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    c = client(db_url)
    carl, anna, dora = (bearer(token(engine, who)) for who in ("carl", "anna", "dora"))
    before = current_values(db_url)

    r = c.post(f"{API}/plans/{SLUG}/indicators/ledighed/values", headers=carl,
               json={"period": "2024", "value": "3,6", "note": "from the jobcenter"})
    assert r.status_code == 200, r.text
    filed = r.json()
    assert filed["result"] == "filed" and filed["state"] == "draft" and filed["revision"] == 1
    assert filed["value"] == 3.6 and filed["period"] == "2024"
    assert filed["message"] == (f"Filed ledighed 2024 = 3.6 as review entry {filed['entry']}, a draft: "
                                f"POST {API}/review/{filed['entry']}/submit sends it to an approver; "
                                "reports use it once it is approved")
    entry_id = filed["entry"]
    assert current_values(db_url) == before  # nothing reaches the reports yet

    assert c.post(f"{API}/review/{entry_id}/submit", headers=carl).json()["state"] == "submitted"
    queue = c.get(f"{API}/review", headers=anna).json()
    assert [(q["id"], q["for"], q["plan"], q["state"]) for q in queue] == [(entry_id, "approve", SLUG, "submitted")]
    assert queue[0]["proposed"]["value"] == 3.6
    assert c.get(f"{API}/review", headers=carl).json() == []  # carl waits for nobody's entries

    # carl may not approve his own (nor is he an approver)
    err(c.post(f"{API}/review/{entry_id}/approve", headers=carl), 403, "permission_denied")
    assert "needs --reason" in err(c.post(f"{API}/review/{entry_id}/return", headers=anna, json={}), 422,
                                   "invalid")
    moved = c.post(f"{API}/review/{entry_id}/approve", headers=anna, json={}).json()
    assert moved == {"entry": entry_id, "subject": "measurement", "what": "ledighed 2024", "state": "approved",
                     "written": 1}
    # the second approver lost the race: a conflict naming who won
    msg = err(c.post(f"{API}/review/{entry_id}/approve", headers=dora), 409, "conflict")
    assert msg.startswith(f"entry {entry_id} (ledighed 2024) is approved by anna at ")
    err(c.post(f"{API}/review/{entry_id}/return", headers=dora, json={"reason": "late"}), 409, "conflict")

    full = c.get(f"{API}/review/{entry_id}", headers=carl).json()
    assert [(e["actor"], e["from"], e["to"]) for e in full["events"]] == [
        ("carl", None, "draft"), ("carl", "draft", "submitted"), ("anna", "submitted", "approved")]
    with engine.connect() as conn:
        values = conn.execute(text("SELECT value, recorded_by FROM measurement WHERE period_code = '2024' "
                                   "AND superseded_at IS NULL AND breakdown = ''")).all()
    assert [tuple(v) for v in values] == [(3.6, "carl")]
    again = c.post(f"{API}/plans/{SLUG}/indicators/ledighed/values", headers=carl,
                   json={"period": "2024", "value": 3.6})
    assert again.json()["result"] == "unchanged" and again.json()["message"].startswith("Unchanged: ledighed 2024")
    err(c.get(f"{API}/review/9999", headers=anna), 404, "not_found")


def test_status_and_permission_denied(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path)
    c, carl = client(db_url), bearer(token(engine, "carl"))
    denied = c.post(f"{API}/plans/{SLUG}/initiatives/I1/statuses", headers=carl, json={"status": "on-track"})
    assert err(denied, 403, "permission_denied") == "carl may not record I1: contributor for FA2 only"
    assert "needs --note" in err(c.post(f"{API}/plans/{SLUG}/initiatives/I2/statuses", headers=carl,
                                        json={"status": "at-risk"}), 422, "invalid")
    r = c.post(f"{API}/plans/{SLUG}/initiatives/I2/statuses", headers=carl,
               json={"status": "at-risk", "note": "late start", "submit": True}).json()
    assert (r["result"], r["state"], r["revision"]) == ("filed", "submitted", 1)
    with engine.connect() as conn:
        rows = conn.execute(select(pt.review_entry.c.subject, pt.review_entry.c.target_code,
                                   pt.review_entry.c.state, pt.review_entry.c.author)).all()
    assert [tuple(x) for x in rows] == [("status", "I2", "submitted", "carl")]
    err(c.post(f"{API}/plans/{SLUG}/initiatives/I9/statuses", headers=carl, json={"status": "done"}),
        404, "not_found")


def test_record_without_review_is_recorded(db_url: str, tmp_path: Path) -> None:
    engine = web_db(db_url, tmp_path, review=None)
    c, carl = client(db_url), bearer(token(engine, "carl"))
    r = c.post(f"{API}/plans/{SLUG}/indicators/ledighed/values", headers=carl,
               json={"period": "2024", "missing": "not published yet"}).json()
    assert r["result"] == "recorded" and r["value"] is None and r["entry"] is None
    assert r["message"] == "Recorded ledighed 2024 = missing"
    with engine.connect() as conn:
        got = conn.execute(text("SELECT missing_reason, recorded_by FROM measurement WHERE period_code = '2024' "
                                "AND superseded_at IS NULL")).all()
    assert [tuple(g) for g in got] == [("not published yet", "carl")]


def test_validation_errors(sqlite_db: tuple[str, Engine]) -> None:
    url, engine = sqlite_db
    c, carl = client(url), bearer(token(engine, "carl"))
    values = f"{API}/plans/{SLUG}/indicators/ledighed/values"
    cases = [
        ({"period": "2024", "value": "3", "missing": "x"}, "VALUE or --missing"),
        ({"period": "2024"}, "VALUE or --missing"),
        ({"period": "the year", "value": "3"}, "period"),
        ({"period": "2024", "value": "N/A"}, "value"),
        ({"period": "2024", "value": "150"}, "value"),
        ({"value": "3"}, "period"),
        ({"period": "2024", "value": "3", "colour": "red"}, "colour"),
    ]
    for body, word in cases:
        assert word in err(c.post(values, headers=carl, json=body), 422, "invalid"), body
    err(c.post(values, headers={**carl, "Content-Type": "application/json"}, content=b"{not json"), 422, "invalid")
    err(c.post(f"{API}/plans/{SLUG}/indicators/nope/values", headers=carl, json={"period": "2024", "value": "1"}),
        404, "not_found")
    err(c.post(f"{API}/review/1/explode", headers=carl), 422, "invalid")
    err(c.delete(f"{API}/me", headers=carl), 405, "method_not_allowed")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_entry")).scalar() == 0


def test_body_size_limit(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from webfixtures import SECRET

    from goaltrack.context import AppContext
    from goaltrack.web.app import create_app

    url = f"sqlite:///{tmp_path}/t.db"
    engine = web_db(url, tmp_path)
    config = tmp_path / "goaltrack.toml"
    config.write_text("[web]\nmax_upload_mb = 0.001\n", encoding="utf-8")  # 1048 bytes
    c = TestClient(create_app(AppContext(db=url, config_file=config), secret=SECRET))
    carl = bearer(token(engine, "carl"))
    values = f"{API}/plans/{SLUG}/indicators/ledighed/values"
    big = {"period": "2024", "value": "3", "note": "x" * 1500}
    assert "larger than 1048 bytes" in err(c.post(values, headers=carl, json=big), 413, "too_large")

    def chunks() -> Any:  # no Content-Length: refused while streaming
        yield b'{"period": "2024", "value": "3", "note": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    err(c.post(values, headers={**carl, "Content-Type": "application/json"}, content=chunks()), 413, "too_large")
    ok = c.post(values, headers=carl, json={"period": "2024", "value": "3", "note": "x" * 500})
    assert ok.status_code == 200 and ok.json()["result"] == "filed"


def test_openapi_documents_every_route(sqlite_db: tuple[str, Engine]) -> None:
    from goaltrack.web import api

    url, _ = sqlite_db
    c = client(url)
    schema = c.get(f"{API}/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    routes = {(r.path, method) for r in api.router.routes for method in r.methods}  # type: ignore[attr-defined]
    assert routes <= documented and len(routes) == 10
    assert not any(p.startswith(("/plans", "/admin", "/review", "/signin")) for p, _ in documented)
    value_op = schema["paths"][f"{API}/plans/{{slug}}/indicators/{{code}}/values"]["post"]
    assert value_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValueIn")
    assert value_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Recorded")
    assert "ErrorBody" in schema["components"]["schemas"]
    docs = c.get(f"{API}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
