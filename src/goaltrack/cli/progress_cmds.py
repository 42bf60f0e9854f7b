"""``goaltrack record``, ``status`` and ``history``: progress recorded by hand."""

from __future__ import annotations

import click

from goaltrack.cli.common import filed_message, pass_app, plan_option, print_table, submit_option, terminal_width
from goaltrack.context import AppContext
from goaltrack.vocab import INITIATIVE_STATUSES


@click.command(name="record")
@click.argument("indicator")
@click.argument("value", required=False)
@click.option("--period", "-p", required=True, metavar="P",
              help="Period: 2021, 2021-03, 2021-03-31, 2021M03, 2021Q1, 2021K1, 2021Y01, 2021H1.")
@plan_option()
@click.option("--note", help="Why, or anything a reader of the history should know.")
@click.option("--by", help="Who records (default: config [recording] by, else the OS user).")
@click.option("--source", help="Where the value comes from.")
@click.option("--missing", metavar="REASON", help="Record the value as explicitly missing, with the reason.")
@click.option("--correct", is_flag=True, help="This value corrects a wrong one (needs --note).")
@click.option("--dim", "dims", multiple=True, metavar="DIMENSION=VALUE",
              help="The value is for one value of a dimension the plan declares (e.g. sex=women), "
                   "not the total; repeat for several dimensions.")
@submit_option
@pass_app
def record_cmd(app: AppContext, indicator: str, value: str | None, period: str, plan_slug: str | None,
               note: str | None, by: str | None, source: str | None, missing: str | None, correct: bool,
               dims: tuple[str, ...], submit: bool) -> None:
    """Record VALUE of INDICATOR for a period.

    Nothing is overwritten: a new value for the same period supersedes the current one,
    which stays in the history. Recording the value that is already current (with no other
    note or source) writes nothing and says so. Numbers may be written 12.4 or 12,4;
    percentages must lie in 0-100; text and "N/A" are refused (use --missing REASON instead).

    Where the plan requires review (`review: required`), the value becomes a review entry,
    a draft (or, with --submit, submitted) that reports use once an approver approves it;
    recording it again while it is a draft or returned revises the entry.
    """
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import record_measurement
    from goaltrack.values.dimensions import breakdown_values, parse_dimension_options

    dimensions = parse_dimension_options(dims)
    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, plan_slug)
        actor = app.actor(conn, by)
    r = record_measurement(engine, plan_id, indicator, value, period, by=actor.login, note=note, source=source,
                           missing=missing, correct=correct, dimensions=dimensions, actor=actor, submit=submit)
    shown = "missing" if r.value is None else f"{r.value:g}"
    of = "".join(f" {d}={v}" for d, v in breakdown_values(r.breakdown).items())
    if r.entry is not None:
        click.echo(filed_message(f"{r.indicator} {r.period}{of} = {shown}", r.entry, r.state or "", r.revision))
        return
    if r.unchanged:
        click.echo(f"Unchanged: {r.indicator} {r.period}{of} is already {shown} (recorded {r.current_since}); "
                   "nothing written")
        return
    msg = f"Recorded {r.indicator} {r.period}{of} = {shown}"
    if r.replaced:
        old = "missing" if r.superseded is None else f"{r.superseded:g}"
        msg += f" ({'correcting' if correct else 'superseding'} {old}; see `goaltrack history {r.indicator}`)"
    click.echo(msg)


@click.command(name="status")
@click.argument("initiative")
@click.argument("state", type=click.Choice(INITIATIVE_STATUSES))
@plan_option()
@click.option("--note", help="Why; required for at-risk and off-track.")
@click.option("--by", help="Who records (default: config [recording] by, else the OS user).")
@submit_option
@pass_app
def status_cmd(app: AppContext, initiative: str, state: str, plan_slug: str | None, note: str | None,
               by: str | None, submit: bool) -> None:
    """Record the STATE of INITIATIVE (appended to its status history).

    Where the plan requires review, the status becomes a review entry, as with `record`.
    """
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import record_status

    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, plan_slug)
        actor = app.actor(conn, by)
    filed = record_status(engine, plan_id, initiative, state, by=actor.login, note=note, actor=actor, submit=submit)
    if filed is not None:
        click.echo(filed_message(f"{initiative}: {state}", filed.entry, filed.state, filed.revision))
        return
    click.echo(f"Recorded {initiative}: {state}")


@click.command(name="history")
@click.argument("code")
@plan_option()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def history_cmd(app: AppContext, code: str, plan_slug: str | None, fmt: str) -> None:
    """Show every value of indicator CODE, or every status of initiative CODE: who
    recorded it, when, how (by hand, import file, plan file) and why.

    Where the plan requires review, every transition of every review entry about CODE
    follows: who submitted, returned, approved or withdrew it, when, and the reason."""
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import history

    with app.engine().connect() as conn:
        h = history(conn, plan_id_for(conn, plan_slug), code)
    if fmt == "json":
        import json

        click.echo(json.dumps(h, ensure_ascii=False, indent=2))
        return
    from goaltrack.reports.records import history_table, review_history_table

    if not h["entries"]:
        click.echo(f"{h['kind']} {h['code']}: {h['name']}")
        click.echo("  (nothing recorded)")
    else:
        click.echo(print_table(history_table(h), terminal_width(None)))
    if (reviews := review_history_table(h)) is not None:
        click.echo("\n" + print_table(reviews, terminal_width(None)))
