"""``goaltrack plan ...``: validate, load, export, list, show and describe plan files."""

from __future__ import annotations

from pathlib import Path

import click

from goaltrack.cli.common import emit, guard_outputs, output_option, pass_app, print_table, terminal_width
from goaltrack.context import AppContext


@click.group(name="plan")
def plan_group() -> None:
    """Plan files: validate, load into the database, export back to YAML."""


@plan_group.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def plan_validate(files: tuple[Path, ...]) -> None:
    """Check plan FILES without touching the database.

    Every problem is reported, one per line, as FILE:LINE:COL: field: message.
    Exits 1 if any file has a problem.
    """
    from goaltrack.errors import ValidationError
    from goaltrack.planfile.validate import MAX_REPORTED, read_plans

    plans, problems = read_plans(list(files))
    if problems:
        raise ValidationError(problems, limit=MAX_REPORTED)
    for p in plans:
        click.echo(f"{p.path}: OK ({p.plan.plan.slug})")


@plan_group.command(name="load")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Delete items the file no longer has (never recorded data).")
@click.option("--dry-run", is_flag=True, help="Validate and report what would change, then roll back.")
@pass_app
def plan_load(app: AppContext, files: tuple[Path, ...], prune: bool, dry_run: bool) -> None:
    """Load plan FILES into the database (creating it if needed).

    Loading is an upsert by code: loading the same file twice changes nothing; an edited
    file updates and adds items, and what it no longer has is reported (deleted only with
    --prune). All files load in one transaction: if one is invalid, nothing changes.
    """
    from goaltrack.planfile.validate import MAX_REPORTED, read_plans
    from goaltrack.store.plansync import load_plans

    plans, problems = read_plans(list(files))
    if problems:
        from goaltrack.errors import ValidationError

        raise ValidationError(problems, limit=MAX_REPORTED)
    engine = app.engine(create=True)
    with engine.connect() as conn:
        actor = app.actor(conn)
    # Who acts records the plan file's values: the person where there are people, else (an
    # open actor) the recorder's name as before.
    results = load_plans(engine, plans, prune=prune, recorded_by=actor.login, dry_run=dry_run, actor=actor)
    for r in results:
        click.echo(("(dry run) " if dry_run else "") + r.summary())
        for entry in r.not_in_file:
            if entry not in r.pruned:
                click.echo(f"  not in file: {entry}" + ("" if prune else " (kept; use --prune to delete)"))
        for entry in r.pruned:
            click.echo(f"  pruned: {entry}")
        for entry in r.kept:
            click.echo(f"  kept: {entry}")


@plan_group.command(name="export")
@click.argument("slug")
@output_option()
@pass_app
def plan_export(app: AppContext, slug: str, output: Path | None) -> None:
    """Write plan SLUG from the database as a plan file (YAML).

    The export loads back into an identical database.
    """
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.planexport import export_plan

    guard_outputs([("-o", output)], app=app)
    engine = app.engine()
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, slug)
    emit(export_plan(engine, plan_id), output)


@plan_group.command(name="diff")
@click.argument("plans", nargs=-1, required=True, metavar="[OLD] NEW")
@click.option("--format", "fmt", default="table", show_default=True, metavar="FORMAT",
              help="table, markdown, html, json, csv, or xlsx (with goaltrack-xlsx).")
@output_option()
@click.option("--lang", type=click.Choice(["da", "en"]), help="Language of labels (default: the new plan's).")
@pass_app
def plan_diff(app: AppContext, plans: tuple[str, ...], fmt: str, output: Path | None, lang: str | None) -> None:
    """What changed from plan OLD to plan NEW: goals, focus areas, target groups, initiatives,
    accounts and indicators added, removed, renamed (same code, new title) or moved (to another
    focus area, measuring or linked to other items), and accounts recoded (`replaces:`).

    OLD and NEW are plan files or the slugs of loaded plans. With NEW alone, OLD is the plan
    NEW names in `follows:`, loaded in the database.
    """
    from goaltrack.interfaces import RenderOptions
    from goaltrack.render.output import check_format, render
    from goaltrack.reports.plan_changes import diff_report

    guard_outputs([("-o", output)], app=app)
    check_format(app.plugins, fmt)
    needs_db = not all(Path(p).is_file() for p in plans) or len(plans) == 1
    report = diff_report(app.engine() if needs_db else None, plans)
    emit(render(app, report, fmt, RenderOptions(lang=lang, width=terminal_width(output))), output)


@plan_group.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def plan_list(app: AppContext, fmt: str) -> None:
    """List the plans in the database."""
    from goaltrack.store.plan_queries import plan_summaries

    with app.engine().connect() as conn:
        rows = plan_summaries(conn)
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No plans loaded. Load one with `goaltrack plan load FILE`.")
        return
    from goaltrack.reports.records import plans_table

    click.echo(print_table(plans_table(rows), terminal_width(None)))


@plan_group.command(name="show")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_app
def plan_show(app: AppContext, slug: str, fmt: str) -> None:
    """Show plan SLUG: its header and how many items of each kind it holds."""
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.plan_queries import plan_detail

    with app.engine().connect() as conn:
        detail = plan_detail(conn, plan_id_for(conn, slug))
    if fmt == "json":
        import json

        click.echo(json.dumps(detail, ensure_ascii=False, indent=2))
        return
    for key in ("slug", "title", "organisation", "years", "language", "currency", "amount_unit", "source",
                "content_hash"):
        value = detail[key]
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            from goaltrack.planfile.fields import source_label

            value = source_label(value)
        click.echo(f"{key:<14} {value}")
    if detail["synthetic"]:
        click.echo(f"{'synthetic':<14} yes: example data, not a real plan")
    click.echo("")
    for kind, count in detail["counts"].items():
        click.echo(f"{kind:<22} {count:>5}")


@plan_group.command(name="schema")
@output_option()
def plan_schema(output: Path | None) -> None:
    """Print the JSON Schema of plan files (generated from the validation models)."""
    import json

    from goaltrack.planfile.schema import json_schema

    # No database is used here, but `-o goaltrack.db` would still replace it.
    guard_outputs([("-o", output)])
    emit(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n", output)
