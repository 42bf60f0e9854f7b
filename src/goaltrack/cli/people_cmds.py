"""``goaltrack user ...``: people, their roles and their API tokens (see :mod:`goaltrack.people`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from goaltrack.cli.common import pass_app, print_table, terminal_width
from goaltrack.context import AppContext
from goaltrack.vocab import ROLES

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from goaltrack.people.access import Actor


@click.group(name="user")
def user_group() -> None:
    """People, their roles and API tokens: who may record, approve and manage what.

    A database without people is open: anyone who can write to it records under --by, as
    before. The first person added becomes an admin of every plan, and from then on every
    write is checked against the roles of the person acting: --as LOGIN, else
    $GOALTRACK_USER, the config's [people] user or (on an SQLite file) the OS user;
    $GOALTRACK_TOKEN acts with an API token instead. People are never deleted, only
    deactivated, so the history keeps naming who did what.

    \b
    Roles, each including the ones before it:
      viewer       reads (enforced by the web application, not the command line)
      contributor  records values and statuses, imports
      approver     approves and returns what others recorded
      admin        loads plan files and grants roles in the plan; an admin of
                   every plan (--plan '*') also manages people
    """


def _password(given: bool) -> str | None:
    """The password on standard input (one line), or a hidden prompt on a terminal."""
    if not given:
        return None
    import sys

    stream = sys.stdin
    if stream.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))
    line = stream.readline().rstrip("\r\n")
    if not line:
        from goaltrack.errors import UsageError

        raise UsageError("--password-stdin: standard input holds no password (give it as one line)")
    return line


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _acting(app: AppContext) -> tuple[Engine, Actor]:
    """The engine, and the person this command acts as."""
    engine = app.engine()
    with engine.connect() as conn:
        return engine, app.actor(conn)


password_option = click.option(
    "--password-stdin", "password_stdin", is_flag=True,
    help="Read the password from standard input, one line (at least 8 characters); never give it as an "
         "argument. On a terminal, ask for it without echoing.")


@user_group.command(name="add")
@click.argument("login")
@click.option("--name", "display_name", metavar="NAME", required=True,
              help="The person's name as reports and lists show it.")
@click.option("--email", metavar="ADDRESS", help="The person's e-mail address.")
@password_option
@pass_app
def user_add(app: AppContext, login: str, display_name: str, email: str | None, password_stdin: bool) -> None:
    """Add the person LOGIN (lower-case letters, digits, '.', '_' and '-').

    The first person of a database becomes an admin of every plan; after that only an
    admin of every plan may add people. Without --password-stdin the person has no
    password: they act with --as or an API token (`goaltrack user token`) and may set one
    later (`goaltrack user set-password LOGIN`). Passwords are stored as argon2id hashes,
    never as text.
    """
    from goaltrack.people.accounts import add_person

    engine, actor = _acting(app)
    password = _password(password_stdin)
    added = add_person(engine, login, display_name, email=email, password=password, actor=actor)
    click.echo(f"Added {added.login} ({display_name})")
    if added.first:
        click.echo(f"{added.login} is the first person: admin of every plan. From now on every write is checked; "
                   f"act as someone with --as LOGIN, GOALTRACK_USER or GOALTRACK_TOKEN.")
    else:
        click.echo(f"Grant a role with `goaltrack user grant {added.login} ROLE`.")


@user_group.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format. JSON: one object per person with the keys login, name, email, active, "
                   "password (whether one is set), deactivated_at and roles.")
@pass_app
def user_list(app: AppContext, fmt: str) -> None:
    """List every person, active or not, with their roles."""
    from goaltrack.people.accounts import list_people

    with app.engine().connect() as conn:
        people = list_people(conn)
    if fmt == "json":
        _echo_json(people)
        return
    if not people:
        click.echo("No people: the database is open (`goaltrack user add LOGIN --name NAME` adds the first, "
                   "who becomes admin of every plan).")
        return
    from goaltrack.interfaces import Column, Table

    rows = [(p["login"], p["name"], p["email"] or "",
             "yes" if p["active"] else f"no (since {p['deactivated_at'][:10]})",
             "; ".join(r["text"] for r in p["roles"]) or "none") for p in people]
    cols = [Column("login", "Login"), Column("name", "Name"), Column("email", "E-mail"),
            Column("active", "Active"), Column("roles", "Roles")]
    click.echo(print_table(Table("people", "People", cols, rows), terminal_width(None)))


@user_group.command(name="deactivate")
@click.argument("login")
@pass_app
def user_deactivate(app: AppContext, login: str) -> None:
    """Deactivate LOGIN: they may no longer act, and their API tokens are revoked.

    Nobody is deleted: what they recorded keeps their name in the history. Needs an admin
    of every plan, and nobody may deactivate themselves.
    """
    from goaltrack.people.accounts import deactivate

    engine, actor = _acting(app)
    revoked = deactivate(engine, login, actor=actor)
    tokens = f"; {revoked} API token{'s' if revoked != 1 else ''} revoked" if revoked else ""
    click.echo(f"Deactivated {login}: they may no longer act, and the history keeps their name{tokens}")


@user_group.command(name="set-password")
@click.argument("login")
@password_option
@pass_app
def user_set_password(app: AppContext, login: str, password_stdin: bool) -> None:
    """Set the password of LOGIN, read with --password-stdin.

    Anyone may set their own password; setting another person's needs an admin of every
    plan.
    """
    from goaltrack.people.accounts import set_password

    if not password_stdin:
        raise click.UsageError("give the new password on standard input with --password-stdin")
    engine, actor = _acting(app)
    password = _password(password_stdin)
    assert password is not None
    set_password(engine, login, password, actor=actor)
    click.echo(f"Password set for {login}")


def _scope_options(f: Any) -> Any:
    f = click.option("--indicator", metavar="CODE", help="Only for this indicator.")(f)
    f = click.option("--initiative", metavar="CODE",
                     help="Only for this initiative and the indicators that measure it.")(f)
    f = click.option("--focus-area", "focus_area", metavar="CODE",
                     help="Only for this focus area, its initiatives and the indicators that measure them.")(f)
    return click.option("--plan", "plan_slug", metavar="SLUG|*",
                        help="The plan, or '*' for every plan (default: the only plan in the database).")(f)


def _grant_args(app: AppContext, plan_slug: str | None, focus_area: str | None, initiative: str | None,
                indicator: str | None) -> tuple[Engine, Actor, str, str, str]:
    """The engine, the actor, and the plan, scope kind and code the options name."""
    given = [(kind, code) for kind, code in (("focus_area", focus_area), ("initiative", initiative),
                                             ("indicator", indicator)) if code is not None]
    if len(given) > 1:
        raise click.UsageError("give at most one of --focus-area, --initiative and --indicator")
    kind, code = given[0] if given else ("plan", "")
    if kind != "plan" and plan_slug == "*":
        raise click.UsageError(f"--{kind.replace('_', '-')} needs the plan it belongs to: --plan SLUG, not '*'")
    from goaltrack.people.accounts import plan_for

    engine = app.engine()
    with engine.connect() as conn:
        actor = app.actor(conn)
        plan = plan_for(conn, plan_slug)
    return engine, actor, plan, kind, code


@user_group.command(name="grant")
@click.argument("login")
@click.argument("role", metavar="ROLE", type=click.Choice(ROLES))
@_scope_options
@pass_app
def user_grant(app: AppContext, login: str, role: str, plan_slug: str | None, focus_area: str | None,
               initiative: str | None, indicator: str | None) -> None:
    """Grant LOGIN the ROLE for a plan, every plan, or one item of a plan.

    ROLE is viewer, contributor, approver or admin (see `goaltrack user --help`).
    A grant for a focus area, initiative or indicator is kept by code, so it survives
    reloading the plan file. An admin of a plan may grant roles in it; a grant for every
    plan needs an admin of every plan. Granting what the person holds already changes
    nothing and says so.
    """
    from goaltrack.people.access import Grant
    from goaltrack.people.accounts import grant

    engine, actor, plan, kind, code = _grant_args(app, plan_slug, focus_area, initiative, indicator)
    what = Grant(role, plan, kind, code).describe(with_plan=True)
    if grant(engine, login, role, plan, kind, code, actor=actor):
        click.echo(f"Granted {login} {what}")
    else:
        click.echo(f"{login} already holds {what}; nothing changed")


@user_group.command(name="revoke")
@click.argument("login")
@click.argument("role", metavar="ROLE", type=click.Choice(ROLES))
@_scope_options
@pass_app
def user_revoke(app: AppContext, login: str, role: str, plan_slug: str | None, focus_area: str | None,
                initiative: str | None, indicator: str | None) -> None:
    """Revoke a ROLE LOGIN holds, named with the same options it was granted with.

    The grant is kept, with who revoked it and when. The last admin of every plan cannot
    be revoked: grant another first.
    """
    from goaltrack.people.access import Grant
    from goaltrack.people.accounts import revoke

    engine, actor, plan, kind, code = _grant_args(app, plan_slug, focus_area, initiative, indicator)
    revoke(engine, login, role, plan, kind, code, actor=actor)
    click.echo(f"Revoked {Grant(role, plan, kind, code).describe(with_plan=True)} from {login}")


@user_group.command(name="token")
@click.argument("login")
@click.option("--name", metavar="NAME", default="default", show_default=True,
              help="What the token is for (a script, a CI job).")
@click.option("--days", type=int, metavar="N", help="How many days the token is valid (default: the config's [people] "
                                       "token_days, 90 unless set).")
@pass_app
def user_token(app: AppContext, login: str, name: str, days: int | None) -> None:
    """Make an API token for LOGIN and print it, once.

    Give it to a script as GOALTRACK_TOKEN: the script then acts as LOGIN. Only the
    token's sha256 is stored, so it cannot be shown again; make a new one if it is lost.
    Anyone may make tokens for themselves; for another person it needs an admin of every
    plan. The token is printed alone on standard output, the note about it on standard
    error.
    """
    from goaltrack.people.accounts import create_token

    valid = days if days is not None else int(app.setting("people", "token_days"))
    engine, actor = _acting(app)
    new = create_token(engine, login, name, valid, actor=actor)
    click.echo(new.token)
    click.echo(f"API token {new.id} '{new.name}' of {login}, valid until {new.expires_at:%Y-%m-%d %H:%M} UTC. "
               "It is shown only once: store it now. Revoke it with "
               f"`goaltrack user revoke-token {login} {new.id}`.", err=True)


@user_group.command(name="tokens")
@click.argument("login")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@pass_app
def user_tokens(app: AppContext, login: str, fmt: str) -> None:
    """List the API tokens of LOGIN, by their first characters only.

    Each shows its id (for `goaltrack user revoke-token`), name, when it was made, when it
    expires, and whether it is active, expired or revoked. The token itself was shown once,
    when it was made, and is not stored.
    """
    from goaltrack.people.accounts import list_tokens

    with app.engine().connect() as conn:
        tokens = list_tokens(conn, login)
    if fmt == "json":
        _echo_json(tokens)
        return
    if not tokens:
        click.echo(f"{login} has no API tokens (`goaltrack user token {login}` makes one).")
        return
    from goaltrack.interfaces import Column, Table

    rows = [(t["id"], t["name"], t["prefix"] + "…", t["created_at"], t["expires_at"],
             t["state"] + (f" {t['revoked_at'][:10]}" if t["revoked_at"] else "")) for t in tokens]
    cols = [Column("id", "ID", "int"), Column("name", "Name"), Column("prefix", "Token"),
            Column("created_at", "Made"), Column("expires_at", "Expires"), Column("state", "State")]
    click.echo(print_table(Table("tokens", f"API tokens of {login}", cols, rows), terminal_width(None)))


@user_group.command(name="revoke-token")
@click.argument("login")
@click.argument("token_id", metavar="ID", type=int)
@pass_app
def user_revoke_token(app: AppContext, login: str, token_id: int) -> None:
    """Revoke API token ID of LOGIN (the ID `goaltrack user tokens` shows).

    A script using it is refused from then on. Anyone may revoke their own tokens; another
    person's needs an admin of every plan.
    """
    from goaltrack.people.accounts import revoke_token

    engine, actor = _acting(app)
    name = revoke_token(engine, login, token_id, actor=actor)
    click.echo(f"Revoked API token {token_id} '{name}' of {login}")
