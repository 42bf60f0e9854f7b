"""The review workflow (issue 14) on SQLite and PostgreSQL: draft, submit, return (with a
reason), revise, approve, withdraw; statuses and import batches under review; self-approval;
two approvers at once; bad input; and that nothing pending ever reaches a report.

The people and the plan come from :mod:`reviewfixtures`: carl is a contributor for FA2
(which holds I2, measured by ``ledighed``), anna and dora approvers for the whole plan, bo an
approver for FA1, writer a contributor for the whole plan, admin the first person.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import cli_env
from reviewfixtures import (
    SLUG,
    admin_actor,
    as_json,
    current_values,
    dump,
    error,
    gt,
    plan_file,
    review_db,
    rows,
)

from goaltrack.people import accounts

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
REPORTS = (("report", "coverage"), ("report", "progress"), ("report", "budget"), ("score",))


def reports(url: str, which: tuple[tuple[str, ...], ...] = REPORTS) -> dict[str, str]:
    """Every report's JSON (or ``which``), as printed."""
    return {" ".join(r): gt(url, *r, "--plan", SLUG, "--format", "json").stdout for r in which}


def series(url: str, indicator: str = "ledighed") -> dict[str, float | None]:
    data = as_json(url, "report", "progress", "--plan", SLUG)
    [ind] = [i for i in data["indicators"] if i["code"] == indicator]
    return {p["period"]: p["value"] for p in ind["series"]}


def events(entry: dict[str, Any]) -> list[tuple[Any, ...]]:
    for ev in entry["events"]:
        assert STAMP.match(ev["at"]), ev
    return [(ev["actor"], ev["from"], ev["to"], ev["reason"], ev["revision"]) for ev in entry["events"]]


def entry_number(stdout: str) -> int:
    m = re.search(r"(?:review )?entry (\d+)", stdout)
    assert m, stdout
    return int(m.group(1))


# --------------------------------------------------------------------------- the workflow


def test_draft_submit_approve_reaches_reports_only_when_approved(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    scored = (("report", "progress"), ("score",))
    before = reports(db_url, scored)
    assert "2024" not in series(db_url)

    r = gt(db_url, "record", "ledighed", "3.5", "-p", "2024", as_="carl")
    assert r.stdout.startswith("Filed ledighed 2024 = 3.5 as review entry 1, a draft: `goaltrack submit 1`")
    assert reports(db_url, scored) == before
    r = gt(db_url, "submit", "1", as_="carl")
    assert r.stdout.strip() == "Entry 1 (ledighed 2024): submitted"
    assert reports(db_url, scored) == before
    assert rows(db_url, "SELECT count(*) FROM measurement WHERE review_entry_id IS NOT NULL") == [(0,)]

    r = gt(db_url, "approve", "1", as_="anna")
    assert r.stdout.strip() == "Entry 1 (ledighed 2024): approved"
    assert series(db_url)["2024"] == 3.5
    after = reports(db_url, scored)
    assert after["report progress"] != before["report progress"] and after["score"] != before["score"]
    assert rows(db_url, "SELECT value, recorded_by, origin, review_entry_id FROM measurement "
                        "WHERE period_code = '2024'") == [(3.5, "carl", "record", 1)]

    h = as_json(db_url, "history", "ledighed")
    [entry] = h["reviews"]
    assert (entry["id"], entry["state"], entry["author"], entry["revision"]) == (1, "approved", "carl", 1)
    assert events(entry) == [
        ("carl", None, "draft", None, 1),
        ("carl", "draft", "submitted", None, 1),
        ("anna", "submitted", "approved", None, 1),
    ]
    [value] = [e for e in h["entries"] if e["period"] == "2024"]
    assert (value["value"], value["recorded_by"], value["current"]) == (3.5, "carl", True)


def test_return_needs_a_reason_and_a_revision_keeps_both(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    gt(db_url, "record", "ledighed", "3.5", "-p", "2024", "--submit", as_="carl")
    before = dump(db_url)
    for reason in ("", "   ", "\t "):
        r = gt(db_url, "return", "1", "--reason", reason, as_="anna", code=2)
        assert error(r) == "return needs --reason saying what to change (it is shown to the author)"
    r = gt(db_url, "return", "1", as_="anna", code=2)
    assert "--reason" in error(r)
    assert dump(db_url) == before

    why = "That is the 2023 figure; 2024's is in the March release"
    r = gt(db_url, "return", "1", "--reason", f"  {why} ", as_="anna")
    assert r.stdout.strip() == "Entry 1 (ledighed 2024): returned"
    [waiting] = as_json(db_url, "review", as_="carl")
    assert (waiting["id"], waiting["state"], waiting["reason"], waiting["for"]) == (1, "returned", why, "author")
    assert as_json(db_url, "review", as_="anna") == []

    r = gt(db_url, "record", "ledighed", "3.6", "-p", "2024", as_="carl")
    assert r.stdout.startswith("Revised (revision 2) ledighed 2024 = 3.6 as review entry 1, a draft")
    assert rows(db_url, "SELECT revision, value, recorded_by FROM pending_measurement WHERE entry_id = 1 "
                        "ORDER BY revision") == [(1, 3.5, "carl"), (2, 3.6, "carl")]
    detail = as_json(db_url, "review", "1")
    assert [(v["revision"], v["value"]) for v in detail["revisions"]] == [(1, 3.5), (2, 3.6)]
    assert (detail["state"], detail["proposed"]["value"], detail["previous"]["value"]) == ("draft", 3.6, 3.5)
    assert detail["current"] is None  # nothing approved for 2024 yet
    assert "2024" not in series(db_url)

    gt(db_url, "submit", "1", as_="carl")
    gt(db_url, "approve", "1", as_="anna")
    assert series(db_url)["2024"] == 3.6
    assert rows(db_url, "SELECT count(*) FROM measurement WHERE period_code = '2024'") == [(1,)]
    [entry] = as_json(db_url, "history", "ledighed")["reviews"]
    assert events(entry) == [
        ("carl", None, "submitted", None, 1),
        ("anna", "submitted", "returned", why, 1),
        ("carl", "returned", "draft", "revised", 2),
        ("carl", "draft", "submitted", None, 2),
        ("anna", "submitted", "approved", None, 2),
    ]


def test_submitted_entry_is_withdrawn_before_it_changes(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    gt(db_url, "record", "ledighed", "3.5", "-p", "2024", "--submit", as_="carl")
    before = dump(db_url)
    r = gt(db_url, "record", "ledighed", "3.6", "-p", "2024", as_="carl", code=1)
    assert error(r) == ("ledighed 2024 is submitted for review already (entry 1); withdraw it first "
                        "(goaltrack withdraw 1) to change it")
    assert dump(db_url) == before

    # Only its author (or an admin of the plan) withdraws it; an approver may not.
    r = gt(db_url, "withdraw", "1", as_="anna", code=1)
    assert error(r) == ("anna may not withdraw entry 1 (ledighed 2024): it is carl's, and only they or an admin "
                        "of the plan may")
    assert dump(db_url) == before
    assert gt(db_url, "withdraw", "1", as_="carl").stdout.strip() == "Entry 1 (ledighed 2024): withdrawn"

    withdrawn = dump(db_url)
    for action, who in (("approve", "anna"), ("return", "anna"), ("submit", "carl"), ("withdraw", "carl")):
        extra = ["--reason", "no"] if action == "return" else []
        r = gt(db_url, action, "1", *extra, as_=who, code=1)
        msg = error(r)
        assert msg.startswith("entry 1 (ledighed 2024) is withdrawn by carl at "), msg
        past = {"approve": "approved", "return": "returned", "submit": "submitted", "withdraw": "withdrawn"}[action]
        assert msg.endswith(f"; it cannot be {past}"), msg
    assert dump(db_url) == withdrawn
    assert "2024" not in series(db_url)

    # Recording again starts a new entry: a withdrawn one is never revised.
    r = gt(db_url, "record", "ledighed", "3.6", "-p", "2024", as_="carl")
    assert r.stdout.startswith("Filed ledighed 2024 = 3.6 as review entry 2, a draft")
    gt(db_url, "withdraw", "2", as_="admin")  # an admin may withdraw anyone's
    assert rows(db_url, "SELECT id, state FROM review_entry ORDER BY id") == [(1, "withdrawn"), (2, "withdrawn")]


def test_self_approval_needs_the_plan_to_allow_it(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    gt(db_url, "record", "ledighed", "3.5", "-p", "2024", "--submit", as_="anna")
    before = dump(db_url)
    for action, extra in (("approve", []), ("return", ["--reason", "mine"])):
        r = gt(db_url, action, "1", *extra, as_="anna", code=1)
        assert error(r) == (f"anna may not {action} entry 1 (ledighed 2024): it is their own, and this plan does "
                            "not allow self-approval (plan file: self_approval: true)")
    assert dump(db_url) == before
    assert as_json(db_url, "review", as_="anna") == []  # not waiting for her
    [waiting] = as_json(db_url, "review", as_="dora")
    assert (waiting["id"], waiting["for"]) == (1, "approve")

    path = plan_file(tmp_path, self_approval=True, name="self.yaml")
    gt(db_url, "plan", "load", str(path), as_="admin")
    assert as_json(db_url, "review", as_="anna")[0]["for"] == "approve"
    gt(db_url, "approve", "1", as_="anna")
    assert series(db_url)["2024"] == 3.5
    assert rows(db_url, "SELECT recorded_by, review_entry_id FROM measurement WHERE period_code = '2024'") == [
        ("anna", 1)]


# --------------------------------------------------------------------------- statuses and imports


def test_status_under_review(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    statuses = (("report", "progress"), ("report", "coverage"))
    before = reports(db_url, statuses)
    r = gt(db_url, "status", "I2", "at-risk", "--note", "Late start", as_="carl")
    assert r.stdout.startswith("Filed I2: at-risk as review entry 1, a draft")
    gt(db_url, "status", "I2", "at-risk", as_="carl", code=2)  # at-risk needs a note, under review too
    r = gt(db_url, "status", "I2", "at-risk", "--note", "Late start; partners found", "--submit", as_="carl")
    assert r.stdout.startswith("Revised (revision 2) I2: at-risk as review entry 1, waiting for an approver")
    assert reports(db_url, statuses) == before
    assert rows(db_url, "SELECT count(*) FROM initiative_status") == [(0,)]
    detail = as_json(db_url, "review", "1")
    assert [(v["status"], v["note"]) for v in detail["revisions"]] == [
        ("at-risk", "Late start"), ("at-risk", "Late start; partners found")]
    assert detail["current"] is None

    r = gt(db_url, "approve", "1", as_="bo", code=1)
    assert error(r) == "bo may not review I2: approver for FA1 only"
    gt(db_url, "approve", "1", as_="anna")
    assert rows(db_url, "SELECT status, note, recorded_by, origin, review_entry_id FROM initiative_status") == [
        ("at-risk", "Late start; partners found", "carl", "status", 1)]
    initiatives = as_json(db_url, "report", "progress", "--plan", SLUG)["initiatives"]
    assert {i["code"]: i["status"] for i in initiatives}["I2"] == "at-risk"
    h = as_json(db_url, "history", "I2")
    assert [(e["status"], e["recorded_by"], e["current"]) for e in h["entries"]] == [("at-risk", "carl", True)]
    assert [ev[2] for ev in events(h["reviews"][0])] == ["draft", "submitted", "approved"]


def _csv(path: Path, *lines: str) -> Path:
    path.write_text("indicator,period,value\n" + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_import_under_review(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    approved = current_values(db_url)
    assert ("ledighed", "2023", "", 3.7, "loader") in approved and ("ledighed", "2022", "", 3.9, "loader") in approved

    # Nothing differs from the approved values: no entry.
    same = _csv(tmp_path / "same.csv", "ledighed,2022,3.9", "ledighed,2023,3.7")
    r = gt(db_url, "import", "csv", str(same), as_="carl")
    assert "2 rows read, nothing to review: all 2 are the approved values already" in r.stdout
    assert rows(db_url, "SELECT count(*) FROM review_entry") == [(0,)]
    assert rows(db_url, "SELECT count(*) FROM pending_measurement") == [(0,)]

    changed = _csv(tmp_path / "changed.csv", "ledighed,2023,3.2", "ledighed,2025,3.0", "ledighed,2022,3.9")
    r = gt(db_url, "import", "csv", str(changed), as_="carl")
    entry = entry_number(r.stdout)
    assert (f"3 rows read, filed for review as entry {entry} (draft): 1 new, 1 changed against the approved "
            "values, 1 unchanged (not filed)") in r.stdout
    assert current_values(db_url) == approved
    detail = as_json(db_url, "review", str(entry))
    assert (detail["subject"], detail["new"], detail["changed"], detail["unchanged"]) == ("batch", 1, 1, 1)
    assert [(x["line"], x["period"], x["value"], x["approved_value"], x["change"]) for x in detail["rows"]] == [
        (2, "2023", 3.2, 3.7, "changed"), (3, "2025", 3.0, None, "new")]

    gt(db_url, "submit", str(entry), as_="carl")
    r = gt(db_url, "approve", str(entry), as_="bo", code=1)
    assert error(r) == "bo may not review ledighed: approver for FA1 only"
    r = gt(db_url, "approve", str(entry), as_="anna")
    assert r.stdout.strip().endswith("approved, 2 value(s) written")
    now = current_values(db_url)
    assert ("ledighed", "2023", "", 3.2, "carl") in now and ("ledighed", "2025", "", 3.0, "carl") in now
    assert ("ledighed", "2022", "", 3.9, "loader") in now
    assert len(now) == len(approved) + 1
    assert rows(db_url, "SELECT period_code FROM measurement WHERE review_entry_id = :e ORDER BY period_code",
                e=entry) == [("2023",), ("2025",)]
    assert rows(db_url, "SELECT inserted, superseded, unchanged, recorded_by FROM import_batch WHERE file_name = "
                        "'changed.csv'") == [(2, 1, 1, "carl")]
    assert series(db_url)["2025"] == 3.0
    # Once approved, the batch still shows what each row changed then (not "changed" to itself).
    detail = as_json(db_url, "review", str(entry))
    assert (detail["state"], detail["new"], detail["changed"]) == ("approved", 1, 1)
    assert [(x["period"], x["approved_value"], x["change"]) for x in detail["rows"]] == [
        ("2023", 3.7, "changed"), ("2025", None, "new")]

    # A batch returned: nothing of it is written.
    later = _csv(tmp_path / "later.csv", "ledighed,2026,2.9")
    r = gt(db_url, "import", "csv", str(later), "--submit", as_="carl")
    second = entry_number(r.stdout)
    assert f"filed for review as entry {second} (submitted): 1 new" in r.stdout
    gt(db_url, "return", str(second), "--reason", "2026 is not over yet", as_="dora")
    assert rows(db_url, "SELECT state FROM review_entry WHERE id = :e", e=second) == [("returned",)]
    assert current_values(db_url) == now
    assert "2026" not in series(db_url)


# --------------------------------------------------------------------------- who records


@pytest.mark.parametrize("review", ["required", None])
def test_who_acts_is_who_records(db_url: str, tmp_path: Path, review: str | None) -> None:
    """Where there are people, values are recorded under the acting person's login: an
    import file's recorded_by column may not name someone else, and a plan file's values
    are the loading admin's."""
    review_db(db_url, tmp_path, review=review).dispose()
    before = dump(db_url)
    forged = tmp_path / "forged.csv"
    forged.write_text("indicator,period,value,recorded_by\nledighed,2024,3.5,anna\nledighed,2025,3.4,carl\n",
                      encoding="utf-8")
    r = gt(db_url, "import", "csv", str(forged), as_="carl", code=1)
    assert f"{forged}:2: recorded_by 'anna': this database has people, and carl records as themselves" in r.stderr
    assert ":3:" not in r.stderr  # carl's own name is fine
    assert dump(db_url) == before
    rejects = tmp_path / "rejects.csv"
    gt(db_url, "import", "csv", str(forged), "--skip-invalid", "--rejects", str(rejects), "--submit", as_="carl")
    assert "recorded_by 'anna'" in rejects.read_text(encoding="utf-8")
    if review:
        gt(db_url, "approve", "1", as_="anna")
    assert rows(db_url, "SELECT period_code, recorded_by FROM measurement WHERE period_code IN ('2024', '2025')"
                ) == [("2025", "carl")]

    changed = tmp_path / "changed.yaml"
    changed.write_text(plan_file(tmp_path, review=review).read_text(encoding="utf-8").replace(
        '{period: "2022", value: 3.9}', '{period: "2022", value: 3.95}'), encoding="utf-8")
    gt(db_url, "plan", "load", str(changed), as_="admin")
    assert rows(db_url, "SELECT value, recorded_by FROM measurement WHERE period_code = '2022' AND breakdown = '' "
                        "ORDER BY id") == [(3.9, "loader"), (3.95, "admin")]


def test_pruning_keeps_what_is_filed_for_review(db_url: str, tmp_path: Path) -> None:
    """An initiative the plan file no longer has is pruned unless a status of it is filed
    for review: deleting it would delete the proposal with it."""
    import yaml

    review_db(db_url, tmp_path).dispose()
    gt(db_url, "status", "I3", "on-track", "--submit", as_="carl")
    plan = yaml.safe_load(plan_file(tmp_path).read_text(encoding="utf-8"))
    plan["initiatives"] = [i for i in plan["initiatives"] if i["code"] != "I3"]
    for account in plan["accounts"]:
        if "links" in account:
            account["links"] = [x for x in account["links"] if x.get("initiative") != "I3"]
    without = tmp_path / "without-i3.yaml"
    without.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = gt(db_url, "plan", "load", str(without), "--prune", as_="admin")
    assert "kept: initiative I3 (has statuses filed for review)" in r.stdout
    assert rows(db_url, "SELECT count(*) FROM pending_status WHERE entry_id = 1") == [(1,)]
    gt(db_url, "approve", "1", as_="anna")
    assert rows(db_url, "SELECT status, recorded_by FROM initiative_status") == [("on-track", "carl")]


# --------------------------------------------------------------------------- review off


def test_review_off_records_at_once_but_checks_permissions(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path, review=None).dispose()
    r = gt(db_url, "record", "ledighed", "3.5", "-p", "2024", as_="carl")
    assert r.stdout.strip() == "Recorded ledighed 2024 = 3.5"
    assert series(db_url)["2024"] == 3.5
    assert rows(db_url, "SELECT recorded_by, review_entry_id FROM measurement WHERE period_code = '2024'") == [
        ("carl", None)]
    assert gt(db_url, "status", "I3", "on-track", as_="carl").stdout.strip() == "Recorded I3: on-track"
    new = _csv(tmp_path / "new.csv", "ledighed,2025,3.4")
    assert "1 inserted" in gt(db_url, "import", "csv", str(new), as_="carl").stdout

    before = dump(db_url)
    assert error(gt(db_url, "status", "I1", "on-track", as_="carl", code=1)) == (
        "carl may not record I1: contributor for FA2 only")
    assert error(gt(db_url, "record", "ledighed", "3", "-p", "2026", as_="bo", code=1)) == (
        "bo may not record ledighed: approver for FA1 only")
    more = _csv(tmp_path / "more.csv", "ledighed,2026,3.3")
    assert error(gt(db_url, "import", "csv", str(more), as_="bo", code=1)) == (
        "bo may not record ledighed: approver for FA1 only")
    assert dump(db_url) == before
    assert rows(db_url, "SELECT count(*) FROM review_entry") == [(0,)]


# --------------------------------------------------------------------------- two approvers at once

# Runs goaltrack's CLI in-process once the start file appears: one `approve` per entry, in
# order; prints each one's exit code and error.
WORKER = r"""
import contextlib, io, json, os, sys, time
from goaltrack.cli import main
import goaltrack.review.transitions, goaltrack.store.recording, goaltrack.store.database  # loaded before the start
start, url, who, entries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
open(start + "." + who, "w").close()
while not os.path.exists(start):
    time.sleep(0.002)
out = []
for entry in entries:
    err = io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["--db", url, "--as", who, "approve", entry])
        except SystemExit as exc:
            code = exc.code or 0
    out.append({"entry": int(entry), "code": code, "stderr": err.getvalue().strip()})
print(json.dumps(out))
"""
ROUNDS = 4


def test_two_approvers_at_once_one_wins(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    for year in range(2024, 2024 + ROUNDS):
        gt(db_url, "record", "ledighed", f"3.{year - 2020}", "-p", str(year), "--submit", as_="carl")
    entries = [str(e) for e in range(1, ROUNDS + 1)]
    start = tmp_path / "start"
    procs = {
        who: subprocess.Popen([sys.executable, "-c", WORKER, str(start), db_url, who, *entries],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=tmp_path)
        for who in ("anna", "dora")
    }
    deadline = time.monotonic() + 120
    while not all(Path(f"{start}.{who}").exists() for who in procs):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs.values()), [
            p.communicate() for p in procs.values() if p.poll() is not None]
        time.sleep(0.01)
    start.touch()  # both at once
    results: dict[str, list[dict[str, Any]]] = {}
    for who, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results[who] = json.loads(out)

    for i, entry in enumerate(range(1, ROUNDS + 1)):
        got = {who: results[who][i] for who in procs}
        codes = sorted(g["code"] for g in got.values())
        assert codes == [0, 1], got
        [winner] = [who for who, g in got.items() if g["code"] == 0]
        [loser] = [g for g in got.values() if g["code"] == 1]
        assert re.fullmatch(rf"Error: entry {entry} \(ledighed {2023 + entry}\) is approved by {winner} at "
                            r"\d{4}-\d\d-\d\d \d\d:\d\d; it cannot be approved", loser["stderr"]), loser
        assert rows(db_url, "SELECT count(*) FROM measurement WHERE review_entry_id = :e", e=entry) == [(1,)]
        assert rows(db_url, "SELECT actor FROM review_event WHERE entry_id = :e AND to_state = 'approved'",
                    e=entry) == [(winner,)]
    values = series(db_url)
    assert [values[str(y)] for y in range(2024, 2024 + ROUNDS)] == [3.4, 3.5, 3.6, 3.7]


# --------------------------------------------------------------------------- bad input


def test_bad_input_changes_nothing(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = review_db(db_url, tmp_path)
    accounts.deactivate(engine, "bo", actor=admin_actor(engine))
    engine.dispose()
    gt(db_url, "record", "ledighed", "3.5", "-p", "2024", "--submit", as_="carl")
    values = _csv(tmp_path / "v.csv", "ledighed,2025,3.1")
    before = dump(db_url)
    record = ("record", "ledighed", "3.6", "-p", "2025")
    lit = re.escape
    refused: list[tuple[tuple[str, ...], str | None, int, str]] = [
        (record, "nobody", 1, lit("unknown person 'nobody' (known: admin, anna, bo, carl, dora, writer)")),
        (record, "carll", 1, lit("unknown person 'carll' (did you mean 'carl'?)")),
        (("approve", "1"), "Anna", 1, lit("unknown person 'Anna' (did you mean 'anna'?)")),
        (record, "bo", 1, r"bo is deactivated \(since \d{4}-\d\d-\d\d\) and may not act"),
        (("approve", "1"), "bo", 1, r"bo is deactivated \(since \d{4}-\d\d-\d\d\) and may not act"),
        (("approve", "99"), "anna", 1, r"no review entry 99 \(goaltrack review lists them\)"),
        (("review", "99"), "anna", 1, r"no review entry 99 \(goaltrack review lists them\)"),
        (("submit", "0"), "carl", 1, r"no review entry 0 \(goaltrack review lists them\)"),
        (("approve", "x"), "anna", 2, r"Invalid value for 'ENTRIES\.\.\.': 'x' is not a valid integer.*"),
        ((*record, "--by", "anna"), "carl", 2,
         lit("--by anna: this database has people, and carl records as themselves; use --as anna to act as anna")),
        (("status", "I2", "on-track", "--by", "anna"), "carl", 2, "--by anna: .*use --as anna to act as anna"),
        (("import", "csv", str(values), "--by", "anna"), "carl", 2, "--by anna: .*use --as anna to act as anna"),
        (("approve", "1"), "writer", 1, lit("writer may not review ledighed: contributor for holmstad-2023")),
        (record, None, 2, r"this database has people: say who you are with --as LOGIN, GOALTRACK_USER or "
                          r"\[people\] user in the config \(or GOALTRACK_TOKEN\)"),
        (("approve", "1"), None, 2, "this database has people: say who you are .*"),
    ]
    for args, who, code, pattern in refused:
        r = gt(db_url, *args, as_=who, code=code)
        assert re.fullmatch(pattern, error(r)), (args, who, r.stderr)
        assert dump(db_url) == before, (args, who)

    monkeypatch.setenv("GOALTRACK_USER", "nobody")
    assert "unknown person 'nobody'" in error(gt(db_url, *record, code=1))
    assert dump(db_url) == before
    monkeypatch.setenv("GOALTRACK_USER", "carl")  # who acts, from the environment
    assert gt(db_url, *record).stdout.startswith("Filed ledighed 2025 = 3.6 as review entry 2")
    assert rows(db_url, "SELECT author FROM review_entry WHERE id = 2") == [("carl",)]


# --------------------------------------------------------------------------- reports


def test_reports_use_approved_values_only(db_url: str, tmp_path: Path) -> None:
    review_db(db_url, tmp_path).dispose()
    before = reports(db_url)
    rec = ("record", "ledighed")
    gt(db_url, *rec, "3.5", "-p", "2024", as_="carl")  # draft
    gt(db_url, *rec, "3.4", "-p", "2025", "--submit", as_="carl")  # submitted
    gt(db_url, *rec, "3.3", "-p", "2026", "--submit", as_="carl")
    gt(db_url, "return", "3", "--reason", "check it", as_="anna")  # returned
    gt(db_url, *rec, "3.2", "-p", "2027", as_="carl")
    gt(db_url, "withdraw", "4", as_="carl")  # withdrawn
    gt(db_url, *rec, "3.0", "-p", "2023", "--dim", "sex=women", "--submit", as_="carl")  # a breakdown's
    gt(db_url, *rec, "3.1", "-p", "2023", "--submit", as_="writer")  # changes an approved value
    gt(db_url, "status", "I2", "done", as_="carl")
    gt(db_url, "status", "I3", "at-risk", "--note", "no staff", "--submit", as_="carl")
    batch = _csv(tmp_path / "b.csv", "ledighed,2022,4.4", "ledighed,2028,2.0")
    gt(db_url, "import", "csv", str(batch), "--submit", as_="carl")
    assert rows(db_url, "SELECT state, count(*) FROM review_entry GROUP BY state ORDER BY state") == [
        ("draft", 2), ("returned", 1), ("submitted", 5), ("withdrawn", 1)]
    assert reports(db_url) == before
    gt(db_url, "approve", "2", as_="anna")  # and the comparison can tell: approving one changes them
    assert reports(db_url, (("report", "progress"),))["report progress"] != before["report progress"]


def test_recording_the_approved_value_revises_an_open_entry(db_url: str, tmp_path: Path) -> None:
    # 2023's approved value is 3.7 (from the plan file). A returned entry proposing 3.5 is put
    # back to 3.7 by recording 3.7 again: a new revision, not "Unchanged" with the draft left.
    review_db(db_url, tmp_path).dispose()
    gt(db_url, "record", "ledighed", "3.5", "-p", "2023", "--submit", as_="carl")
    gt(db_url, "return", "1", "--reason", "3.5 is not what Jobindsats says", as_="anna")
    r = gt(db_url, "record", "ledighed", "3.7", "-p", "2023", as_="carl")
    assert r.stdout.startswith("Revised (revision 2) ledighed 2023 = 3.7 as review entry 1"), r.stdout
    entry = as_json(db_url, "review", "1")
    assert [v["value"] for v in entry["revisions"]] == [3.5, 3.7]
    # With no open entry, the approved value again is unchanged and files nothing.
    r = gt(db_url, "record", "ledighed", "3.7", "-p", "2023", as_="anna")
    assert r.stdout.startswith("Unchanged: ledighed 2023 is already 3.7"), r.stdout
    assert rows(db_url, "SELECT count(*) FROM review_entry") == [(1,)]
