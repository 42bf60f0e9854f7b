"""``goaltrack user``: people, roles and API tokens (issue 14), on SQLite and PostgreSQL.

Most tests drive the CLI in-process through goaltrack's real entry point (errors become exit
codes); one runs the real program in a subprocess. The plan is the synthetic Holmstad
Kommune (tests/data/holmstad-2023.yaml): focus areas FA1-FA3, initiatives I1-I3, and the
indicator ``ledighed``, which measures initiative I2 of focus area FA2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import REPO, db_dump, run_cli
from sqlalchemy import create_engine, select, update

from goaltrack.errors import DataError
from goaltrack.people import tables as pt
from goaltrack.people.accounts import check_password

H2023 = Path(__file__).parent / "data" / "holmstad-2023.yaml"
SLUG = "holmstad-2023"
NOT_NAMED = "say who you are with --as LOGIN"
UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


class _Main:
    """CliRunner running goaltrack's real entry point, which turns errors into exit codes."""

    name = "goaltrack"

    def main(self, args: Any, prog_name: str | None = None, **extra: Any) -> None:
        from goaltrack.cli import main

        main(list(args))


def gt(url: str, *args: str, code: int = 0, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(_Main(), ["--db", url, *args], input=input, env=env)  # type: ignore[arg-type]
    assert result.exit_code == code, result.output
    if code:
        assert "Traceback" not in result.output
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result


def refused(url: str, *args: str, code: int = 1, input: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command that must fail with ``code`` and change nothing; its error line."""
    before = db_dump(url)
    result = gt(url, *args, code=code, input=input, env=env)
    assert db_dump(url) == before, f"{args} changed the database"
    return result.stderr


def people(url: str) -> dict[str, dict[str, Any]]:
    data = json.loads(gt(url, "user", "list", "--format", "json").stdout)
    return {p["login"]: p for p in data}


def person_row(url: str, login: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(pt.person).where(pt.person.c.login == login)).one()
    finally:
        engine.dispose()


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Holmstad plan loaded, no people yet; the OS user is nobody goaltrack knows."""
    for var in ("LOGNAME", "USER"):  # what getpass.getuser() reads first
        monkeypatch.setenv(var, "os-user")
    gt(db_url, "plan", "load", str(H2023))
    return db_url


@pytest.fixture
def alice(db: str) -> str:
    """``db`` with alice, the first person (so an admin of every plan), password "alice-secret"."""
    gt(db, "user", "add", "alice", "--name", "Alice Admin", "--password-stdin", input="alice-secret\n")
    return db


def add(url: str, login: str, *extra: str) -> None:
    gt(url, "--as", "alice", "user", "add", login, "--name", login.title(), *extra)


# --------------------------------------------------------------------------- adding people


def test_an_open_database_has_no_people(db: str) -> None:
    assert "No people" in gt(db, "user", "list").stdout
    assert people(db) == {}
    # Managing someone who does not exist says so, not that "this database has people".
    assert "unknown person 'bob'" in refused(db, "user", "deactivate", "bob")


def test_the_first_person_becomes_admin_of_every_plan(db: str) -> None:
    out = gt(db, "user", "add", "alice", "--name", "Alice Admin", "--email", "alice@example.org").stdout
    assert "alice is the first person: admin of every plan" in out
    assert people(db)["alice"] == {
        "login": "alice", "name": "Alice Admin", "email": "alice@example.org", "active": True,
        "password": False, "deactivated_at": None,
        "roles": [{"role": "admin", "plan": "*", "scope": "plan", "code": None, "text": "admin for every plan"}],
    }
    table = gt(db, "user", "list").stdout
    assert table.splitlines()[1].split() == ["Login", "Name", "E-mail", "Active", "Roles"]
    assert "admin for every plan" in table


def test_the_json_keys_are_documented(alice: str) -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## JSON output of `goaltrack user list`", 1)[1].split("\n#", 1)[0]
    documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert documented == set(people(alice)["alice"])


def test_after_the_first_only_an_admin_of_every_plan_adds_people(alice: str) -> None:
    out = gt(alice, "--as", "alice", "user", "add", "bob", "--name", "Bob Builder").stdout
    assert "first person" not in out
    assert people(alice)["bob"]["roles"] == []
    assert "bob may not add carol: that needs admin for every plan" in refused(
        alice, "--as", "bob", "user", "add", "carol", "--name", "Carol")
    # Nobody named: refused as bad usage, with how to say who you are.
    assert NOT_NAMED in refused(alice, "user", "add", "carol", "--name", "Carol", code=2)


def test_the_os_user_acts_on_sqlite_only(alice: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LOGNAME", "USER"):
        monkeypatch.setenv(var, "alice")
    if alice.startswith("sqlite"):
        gt(alice, "user", "add", "carol", "--name", "Carol")
    else:  # a shared database: the OS user's name proves nothing
        assert NOT_NAMED in refused(alice, "user", "add", "carol", "--name", "Carol", code=2)


def test_duplicate_and_bad_logins_are_refused(alice: str) -> None:
    assert "person 'alice' exists already" in refused(alice, "--as", "alice", "user", "add", "alice", "--name", "A")
    for bad in ("Bob", "_bob", "bob smith", "b" * 65, "bøb"):
        assert f"login '{bad}'" in refused(alice, "--as", "alice", "user", "add", bad, "--name", "B", code=2)
    assert "is not an e-mail address" in refused(
        alice, "--as", "alice", "user", "add", "bob", "--name", "B", "--email", "bob", code=2)
    assert "--name" in refused(alice, "--as", "alice", "user", "add", "bob", code=2)  # required


# --------------------------------------------------------------------------- passwords


def test_passwords_are_argon2id_hashes(alice: str) -> None:
    stored = person_row(alice, "alice").password_hash
    assert stored.startswith("$argon2id$") and "alice-secret" not in stored
    engine = create_engine(alice)
    try:
        with engine.connect() as conn:
            assert check_password(conn, "alice", "alice-secret").login == "alice"
            for login, password in (("alice", "wrong-secret"), ("nobody", "alice-secret")):
                with pytest.raises(DataError, match="unknown login or wrong password"):
                    check_password(conn, login, password)
    finally:
        engine.dispose()


def test_set_password_of_oneself_or_as_admin(alice: str) -> None:
    add(alice, "bob")
    assert person_row(alice, "bob").password_hash is None
    gt(alice, "--as", "bob", "user", "set-password", "bob", "--password-stdin", input="bob-secret-1\n")
    first = person_row(alice, "bob").password_hash
    assert first.startswith("$argon2id$")
    assert "bob may not set the password of alice" in refused(
        alice, "--as", "bob", "user", "set-password", "alice", "--password-stdin", input="bob-owns-it\n")
    gt(alice, "--as", "alice", "user", "set-password", "bob", "--password-stdin", input="bob-secret-2\r\n")
    assert person_row(alice, "bob").password_hash != first
    assert people(alice)["bob"]["password"] is True
    assert "at least 8 characters" in refused(
        alice, "--as", "bob", "user", "set-password", "bob", "--password-stdin", input="short\n")
    assert "standard input holds no password" in refused(
        alice, "--as", "bob", "user", "set-password", "bob", "--password-stdin", code=2)
    assert "--password-stdin" in refused(alice, "--as", "bob", "user", "set-password", "bob", code=2)


# --------------------------------------------------------------------------- deactivating


def test_deactivating_keeps_the_person_and_their_history(alice: str) -> None:
    add(alice, "bob")
    gt(alice, "--as", "alice", "user", "grant", "bob", "contributor")
    gt(alice, "--as", "bob", "record", "ledighed", "3.8", "--period", "2022", "--note", "revised figure")
    gt(alice, "--as", "bob", "user", "token", "bob")
    out = gt(alice, "--as", "alice", "user", "deactivate", "bob").stdout
    assert "Deactivated bob" in out and "1 API token revoked" in out
    bob = people(alice)["bob"]
    assert bob["active"] is False and UTC_TIME.match(bob["deactivated_at"])
    assert "no (since " in gt(alice, "user", "list").stdout
    assert person_row(alice, "bob").login == "bob"  # the row stays
    assert "bob" in gt(alice, "history", "ledighed").stdout
    assert "deactivated" in refused(alice, "--as", "bob", "user", "token", "bob")
    assert "deactivated already" in refused(alice, "--as", "alice", "user", "deactivate", "bob")
    assert "may not deactivate themselves" in refused(alice, "--as", "alice", "user", "deactivate", "alice")
    assert "grant" in refused(alice, "--as", "alice", "user", "grant", "bob", "viewer")
    assert "unknown person 'bobby' (did you mean 'bob'?)" in refused(
        alice, "--as", "alice", "user", "deactivate", "bobby")


# --------------------------------------------------------------------------- roles


def test_grants_and_their_scopes(alice: str) -> None:
    add(alice, "bob")
    grant = ("--as", "alice", "user", "grant", "bob")
    assert gt(alice, *grant, "contributor", "--focus-area", "FA1").stdout.strip() == \
        f"Granted bob contributor for FA1 in {SLUG}"
    assert gt(alice, *grant, "contributor", "--focus-area", "FA1").stdout.strip() == \
        f"bob already holds contributor for FA1 in {SLUG}; nothing changed"
    gt(alice, *grant, "approver", "--plan", SLUG, "--initiative", "I3")
    gt(alice, *grant, "viewer", "--indicator", "ledighed")
    assert gt(alice, *grant, "viewer", "--plan", "*").stdout.strip() == "Granted bob viewer for every plan"
    assert [r["text"] for r in people(alice)["bob"]["roles"]] == [
        f"contributor for FA1 in {SLUG}", f"approver for I3 in {SLUG}", f"viewer for ledighed in {SLUG}",
        "viewer for every plan"]
    # The scope is what it says: FA1 does not hold ledighed, which measures I2 of FA2.
    assert "bob may not record ledighed" in refused(alice, "--as", "bob", "record", "ledighed", "3.8", "-p", "2022")
    gt(alice, *grant, "contributor", "--focus-area", "FA2")
    gt(alice, "--as", "bob", "record", "ledighed", "3.8", "-p", "2022")


def test_grant_refusals(alice: str) -> None:
    add(alice, "bob")
    grant = ("--as", "alice", "user", "grant", "bob")
    assert "unknown focus area 'FA9' (did you mean" in refused(alice, *grant, "contributor", "--focus-area", "FA9")
    assert "unknown initiative 'i1' (did you mean 'I1'?)" in refused(alice, *grant, "viewer", "--initiative", "i1")
    assert "at most one of" in refused(alice, *grant, "viewer", "--focus-area", "FA1", "--indicator", "ledighed",
                                       code=2)
    assert "not '*'" in refused(alice, *grant, "viewer", "--plan", "*", "--focus-area", "FA1", code=2)
    assert "unknown plan 'holmstad'" in refused(alice, *grant, "viewer", "--plan", "holmstad", code=2)
    assert "'owner'" in refused(alice, *grant, "owner", code=2)
    assert "bob may not manage" in refused(alice, "--as", "bob", "user", "grant", "alice", "viewer")


def test_an_admin_of_one_plan_grants_in_it_only(alice: str) -> None:
    add(alice, "carol")
    add(alice, "bob")
    gt(alice, "--as", "alice", "user", "grant", "carol", "admin", "--plan", SLUG)
    gt(alice, "--as", "carol", "user", "grant", "bob", "approver", "--focus-area", "FA2")
    assert "carol may not grant viewer for every plan" in refused(
        alice, "--as", "carol", "user", "grant", "bob", "viewer", "--plan", "*")
    assert "carol may not add dave" in refused(alice, "--as", "carol", "user", "add", "dave", "--name", "Dave")


def test_revoke(alice: str) -> None:
    add(alice, "bob")
    gt(alice, "--as", "alice", "user", "grant", "bob", "contributor", "--focus-area", "FA1")
    assert f"bob does not hold contributor for FA2 in {SLUG}" in refused(
        alice, "--as", "alice", "user", "revoke", "bob", "contributor", "--focus-area", "FA2")
    assert f"bob does not hold approver for FA1 in {SLUG}" in refused(
        alice, "--as", "alice", "user", "revoke", "bob", "approver", "--focus-area", "FA1")
    assert gt(alice, "--as", "alice", "user", "revoke", "bob", "contributor", "--focus-area", "FA1").stdout.strip() \
        == f"Revoked contributor for FA1 in {SLUG} from bob"
    assert people(alice)["bob"]["roles"] == []
    engine = create_engine(alice)
    try:
        with engine.connect() as conn:  # kept, with who revoked it
            kept = conn.execute(select(pt.role_grant).where(pt.role_grant.c.scope_code == "FA1")).one()
    finally:
        engine.dispose()
    assert kept.revoked_by == "alice" and kept.revoked_at is not None


def test_the_last_admin_of_every_plan_stays(alice: str) -> None:
    revoke_alice = ("--as", "alice", "user", "revoke", "alice", "admin", "--plan", "*")
    assert "alice is the last admin of every plan; grant another first" in refused(alice, *revoke_alice)
    add(alice, "bob")
    gt(alice, "--as", "alice", "user", "grant", "bob", "admin", "--plan", "*")
    gt(alice, *revoke_alice)
    assert people(alice)["alice"]["roles"] == []
    assert "alice may not add carol" in refused(alice, "--as", "alice", "user", "add", "carol", "--name", "C")
    assert "bob is the last admin" in refused(alice, "--as", "bob", "user", "revoke", "bob", "admin", "--plan", "*")


# --------------------------------------------------------------------------- API tokens


def _token(url: str, login: str, *extra: str, actor: str = "alice") -> tuple[str, Result]:
    result = gt(url, "--as", actor, "user", "token", login, *extra)
    token = result.stdout.strip()
    assert token.startswith("gt_") and "\n" not in token
    return token, result


def test_a_token_is_shown_once_and_stored_as_sha256(alice: str) -> None:
    add(alice, "bob")
    token, result = _token(alice, "bob", "--name", "ci", "--days", "30", actor="bob")
    assert "shown only once" in result.stderr and "valid until" in result.stderr
    engine = create_engine(alice)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(pt.api_token)).one()
    finally:
        engine.dispose()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:10] and row.name == "ci"
    dump = repr(db_dump(alice))
    assert token not in dump and token[len("gt_"):] not in dump and token[10:30] not in dump
    listed = gt(alice, "user", "tokens", "bob").stdout
    assert token[:10] + "…" in listed and token not in listed and "active" in listed
    (item,) = json.loads(gt(alice, "user", "tokens", "bob", "--format", "json").stdout)
    assert set(item) == {"id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at", "state"}
    assert UTC_TIME.match(item["created_at"]) and UTC_TIME.match(item["expires_at"])  # either backend
    assert token not in json.dumps(item)
    assert "bob may not make a token for alice" in refused(alice, "--as", "bob", "user", "token", "alice")
    assert "--days" in refused(alice, "--as", "bob", "user", "token", "bob", "--days", "0", code=2)


def test_token_days_default_from_the_config(alice: str, tmp_path: Path) -> None:
    config = tmp_path / "people.toml"
    config.write_text("[people]\ntoken_days = 7\n", encoding="utf-8")
    gt(alice, "--config", str(config), "--as", "alice", "user", "token", "alice")
    gt(alice, "--as", "alice", "user", "token", "alice")
    short, default = json.loads(gt(alice, "user", "tokens", "alice", "--format", "json").stdout)
    made = dt.datetime.fromisoformat(short["created_at"])
    assert dt.datetime.fromisoformat(short["expires_at"]) - made == dt.timedelta(days=7)
    assert dt.datetime.fromisoformat(default["expires_at"]) - made >= dt.timedelta(days=90)


def test_a_token_identifies_its_person(alice: str) -> None:
    add(alice, "bob")
    token, _ = _token(alice, "bob")
    env = {"GOALTRACK_TOKEN": token}
    gt(alice, "user", "set-password", "bob", "--password-stdin", input="bob-secret-1\n", env=env)
    assert person_row(alice, "bob").password_hash.startswith("$argon2id$")
    assert "bob may not add carol" in refused(alice, "user", "add", "carol", "--name", "C", env=env)
    # --as wins over the token.
    gt(alice, "--as", "alice", "user", "add", "carol", "--name", "C", env=env)


def test_expired_revoked_and_unknown_tokens_are_refused(alice: str) -> None:
    add(alice, "bob")
    expired, _ = _token(alice, "bob", "--name", "old")
    revoked, _ = _token(alice, "bob", "--name", "gone")
    engine = create_engine(alice)
    try:
        with engine.begin() as conn:
            past = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
            conn.execute(update(pt.api_token).where(pt.api_token.c.name == "old").values(expires_at=past))
    finally:
        engine.dispose()
    gt(alice, "--as", "alice", "user", "revoke-token", "bob", "2")
    assert "bob has no unrevoked token 2" in refused(alice, "--as", "alice", "user", "revoke-token", "bob", "2")
    set_password = ("user", "set-password", "bob", "--password-stdin")
    for token, word in ((expired, "expired"), (revoked, "revoked"), ("gt_not-a-token", "unknown API token")):
        assert word in refused(alice, *set_password, input="bob-secret-1\n", env={"GOALTRACK_TOKEN": token})
    states = [t["state"] for t in json.loads(gt(alice, "user", "tokens", "bob", "--format", "json").stdout)]
    assert states == ["expired", "revoked"]


# --------------------------------------------------------------------------- the real program


def test_the_user_commands_as_a_user_runs_them(db: str) -> None:
    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None, code: int = 0) -> Any:
        proc = run_cli("--db", db, *args, input=input, env=env)
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stderr
        return proc

    first = run("user", "add", "alice", "--name", "Alice Admin", "--password-stdin", input="alice-secret\n")
    assert "alice is the first person: admin of every plan" in first.stdout
    run("--as", "alice", "user", "add", "bob", "--name", "Bob Builder")
    run("--as", "alice", "user", "grant", "bob", "contributor", "--focus-area", "FA2")
    token = run("--as", "alice", "user", "token", "bob", "--name", "script").stdout.strip()
    env = {"GOALTRACK_TOKEN": token}
    run("record", "ledighed", "3.8", "--period", "2022", env=env)
    assert "bob" in run("history", "ledighed").stdout
    refused_ = run("record", "ledighed", "3.8", "--period", "2022", env={"GOALTRACK_TOKEN": token + "x"}, code=1)
    assert refused_.stderr.strip() == "Error: unknown API token"
    listed = run("user", "list").stdout
    assert "contributor for FA2 in holmstad-2023" in listed and token not in listed
