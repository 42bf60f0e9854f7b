"""``goaltrack plugins``: which plugins are loaded, their versions, hooks and registrations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from goaltrack.cli.common import format_option, pass_app

if TYPE_CHECKING:
    from goaltrack.context import AppContext


@click.command(name="plugins")
@click.option("--all", "show_all", is_flag=True, help="Include goaltrack's built-in plugins.")
@click.option("--hook", metavar="NAME", help="Only plugins that implement hook NAME.")
@format_option(choices=("table", "json"))
@pass_app
def plugins_cmd(app: AppContext, show_all: bool, hook: str | None, fmt: str) -> None:
    """List plugins: name, version, the hooks they implement and what each registered.

    Plugins come from installed packages (entry point group `goaltrack`), from the .py files
    in each --plugins-dir and in the config file's [plugins] dirs, and goaltrack's own
    built-ins (shown with --all).
    """
    rows = app.plugins.describe(all=show_all, hook=hook)
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(_as_text(rows, show_all=show_all, hook=hook), nl=False)


def _as_text(rows: list[dict[str, Any]], *, show_all: bool, hook: str | None) -> str:
    if not rows:
        if hook is not None:
            return f"No plugin implements {hook}.\n"
        return "No plugins installed." + ("" if show_all else " Use --all to include the built-ins.") + "\n"
    lines: list[str] = []
    for row in rows:
        if lines:
            lines.append("")
        version = f" {row['version']}" if row["version"] else ""
        lines.append(f"{row['name']}{version}")
        lines.append(f"  hooks: {', '.join(row['hooks']) or '-'}")
        for kind, names in row["registered"].items():
            lines.append(f"  {kind}: {', '.join(names)}")
    return "\n".join(lines) + "\n"
