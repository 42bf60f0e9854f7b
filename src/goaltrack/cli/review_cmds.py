"""``goaltrack review``, ``submit``, ``approve``, ``return`` and ``withdraw``: the review
workflow of plans with ``review: required`` (see :mod:`goaltrack.review`)."""

from __future__ import annotations

from typing import Any

import click

from goaltrack.cli.common import pass_app, plan_option, print_table, terminal_width
from goaltrack.context import AppContext


@click.command(name="review")
@click.argument("entry", type=int, required=False)
@plan_option()
@click.option("--all", "everything", is_flag=True, help="Every entry still waiting, not only those waiting for you.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def review_cmd(app: AppContext, entry: int | None, plan_slug: str | None, everything: bool, fmt: str) -> None:
    """List what waits for you: entries to approve or return, and your drafts and returned
    entries; with ENTRY, that entry in full.

    Each entry shows what it proposes beside the current approved value, and a revised
    entry the revision before; an import batch lists its rows that differ from the
    approved values. ENTRY's full view adds every transition (who, when, why).
    """
    from goaltrack.people.access import Actor
    from goaltrack.review.queue import entry as entry_detail
    from goaltrack.review.queue import queue
    from goaltrack.store.database import plan_id_for

    with app.engine().connect() as conn:
        if entry is not None:
            data: Any = entry_detail(conn, entry)
        else:
            # Anyone who can open the database may list everything; "for you" needs a person.
            actor = app.actor(conn) if not everything else Actor(login="")
            data = queue(conn, actor, plan_id_for(conn, plan_slug), everything=everything)
    if fmt == "json":
        import json

        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from goaltrack.reports.review_tables import entry_tables, queue_table

    width = terminal_width(None)
    if entry is not None:
        click.echo("\n\n".join(print_table(t, width) for t in entry_tables(data)))
    elif not data:
        click.echo("Nothing waits for you." if not everything else "Nothing waits for review.")
    else:
        click.echo(print_table(queue_table(data), width))


def _move_command(action: str, summary: str, *, reason: bool = False) -> click.Command:
    @click.argument("entries", type=int, nargs=-1, required=True)
    @pass_app
    def command(app: AppContext, entries: tuple[int, ...], reason_text: str | None = None) -> None:
        from goaltrack.errors import DataError, GoaltrackError
        from goaltrack.review.transitions import MOVES, move

        engine = app.engine()
        with engine.connect() as conn:
            actor = app.actor(conn)
        refused: list[GoaltrackError] = []
        for entry_id in entries:  # each its own transaction: a refused entry does not stop the others
            try:
                moved = move(engine, entry_id, action, actor, reason=reason_text)
            except GoaltrackError as exc:
                if len(entries) == 1:
                    raise
                click.echo(f"Error: {exc.message}", err=True)
                refused.append(exc)
                continue
            extra = f", {moved.written} value(s) written" if action == "approve" and moved.subject == "batch" else ""
            click.echo(f"Entry {moved.entry} ({moved.what}): {moved.state}{extra}")
        if refused:
            raise DataError(f"{len(refused)} of {len(entries)} entries were not {MOVES[action][1]} (see above)",
                            exit_code=max(e.exit_code for e in refused))

    command.__doc__ = summary
    if reason:
        command = click.option("--reason", "reason_text", required=True,
                               help="What the author should change; shown to them and kept in the history.")(command)
    return click.command(name=action)(command)


submit_cmd = _move_command("submit", """Submit ENTRIES (your drafts or returned entries) for approval.""")
withdraw_cmd = _move_command("withdraw", """Withdraw ENTRIES you filed: they stay in the history, never in a report.""")
approve_cmd = _move_command("approve", """Approve submitted ENTRIES: their values become current and reach reports.

An approver may not approve their own entries unless the plan says `self_approval: true`.
When two approvers act on one entry at once, exactly one succeeds; the other is told who
did, and when.""")
return_cmd = _move_command("return", """Return submitted ENTRIES to their author with --reason saying what to change.

The author revises the entry (by recording again) and submits it again; every revision
and the reason stay in the entry's history.""", reason=True)
