"""``goaltrack record``, ``status`` and ``history``: progress recorded by hand."""

from __future__ import annotations

import click

from goaltrack.cli.common import pass_app, plan_option, print_table, terminal_width
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
@pass_app
def record_cmd(app: AppContext, indicator: str, value: str | None, period: str, plan_slug: str | None,
               note: str | None, by: str | None, source: str | None, missing: str | None, correct: bool,
               dims: tuple[str, ...]) -> None:
    """Record VALUE of INDICATOR for a period.

    Nothing is overwritten: a new value for the same period supersedes the current one,
    which stays in the history. Recording the value that is already current (with no other
    note or source) writes nothing and says so. Numbers may be written 12.4 or 12,4;
    percentages must lie in 0-100; text and "N/A" are refused (use --missing REASON instead).
    """
    from goaltrack.settings import recorder_name
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import record_measurement
    from goaltrack.values.dimensions import breakdown_values, parse_dimension_options

    dimensions = parse_dimension_options(dims)
    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, plan_slug)
    r = record_measurement(engine, plan_id, indicator, value, period, by=recorder_name(by, app.config),
                           note=note, source=source, missing=missing, correct=correct, dimensions=dimensions)
    shown = "missing" if r.value is None else f"{r.value:g}"
    of = "".join(f" {d}={v}" for d, v in breakdown_values(r.breakdown).items())
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
@pass_app
def status_cmd(app: AppContext, initiative: str, state: str, plan_slug: str | None, note: str | None,
               by: str | None) -> None:
    """Record the STATE of INITIATIVE (appended to its status history)."""
    from goaltrack.settings import recorder_name
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import record_status

    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, plan_slug)
    record_status(engine, plan_id, initiative, state, by=recorder_name(by, app.config), note=note)
    click.echo(f"Recorded {initiative}: {state}")


@click.command(name="history")
@click.argument("code")
@plan_option()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def history_cmd(app: AppContext, code: str, plan_slug: str | None, fmt: str) -> None:
    """Show every value of indicator CODE, or every status of initiative CODE: who
    recorded it, when, how (by hand, import file, plan file) and why."""
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.recording import history

    with app.engine().connect() as conn:
        h = history(conn, plan_id_for(conn, plan_slug), code)
    if fmt == "json":
        import json

        click.echo(json.dumps(h, ensure_ascii=False, indent=2))
        return
    if not h["entries"]:
        click.echo(f"{h['kind']} {h['code']}: {h['name']}")
        click.echo("  (nothing recorded)")
        return
    from goaltrack.reports.records import history_table

    click.echo(print_table(history_table(h), terminal_width(None)))
