"""``goaltrack demo``."""

from __future__ import annotations

from pathlib import Path

import click

from goaltrack.cli.common import announce_written, guard_outputs, pass_app
from goaltrack.context import AppContext


@click.command(name="demo")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"), show_default=True, help="Directory for the demo database and files.",
)
@pass_app
def demo_cmd(app: AppContext, out_dir: Path) -> None:
    """Load the bundled plan into a fresh database under --out and show what it holds."""
    from goaltrack.demo import demo_files, run_demo

    # The demo deletes and remakes DIR/goaltrack.db: never when that is the --db database.
    guard_outputs([("--out", path) for path in demo_files(app, out_dir)], app=app)
    run_demo(app, out_dir, echo=click.echo, wrote=announce_written)
