"""Paths (issue 7): what a plan file, a template or a config file names is never opened by
surprise, and relative paths mean what the user expects.

What exists today (docs/security.md, "Paths"):

- Path-like fields of plan files (``source.reference`` and the like) are text: goaltrack stores,
  exports and prints them, and never opens them. The audit-hook test below proves it for load,
  export, show and every report format. ``[paths] allow_outside_plan_dir`` (default false)
  is the switch any future field that *is* opened must obey; it is a checked setting today.
- Templates: ``{% include %}`` and ``{% extends %}`` resolve inside the template directories;
  ``..`` and absolute names are refused with a clear error.
- Relative paths in the config file (database, plugin dirs, templates dir) are relative to
  the config file's directory, not to wherever goaltrack is run.
- Output files replace a symbolic link rather than writing through it, and their temporary
  file lives beside them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from helpers import REPO, cli_env, run_cli

from goaltrack import fileio

TINY = REPO / "tests" / "data" / "tiny.yaml"

# Runs goaltrack's main() in-process with an audit hook that fails on any open() of a path
# containing SENTINEL, so "is the file ever opened" is checked where it happens.
_AUDITED = """
import os, sys
SENTINEL = os.environ["GT_SENTINEL"]

def hook(event, args):
    if event == "open" and args and SENTINEL in str(args[0]):
        os.write(2, f"OPENED {args[0]}\\n".encode())
        os._exit(99)

sys.addaudithook(hook)
from goaltrack.cli import main
main(sys.argv[1:])
"""


def _audited(tmp_path: Path, sentinel: str, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _AUDITED, *map(str, args)],
        capture_output=True, text=True, env=cli_env({"GT_SENTINEL": sentinel}), cwd=tmp_path,
        timeout=300, check=False,
    )


def test_path_like_fields_of_a_plan_are_never_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "SENTINEL-secret.txt"
    secret.write_text("not for the report\n")
    plans = tmp_path / "plans"
    plans.mkdir()
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["plan"]["source"]["reference"] = str(secret)
    data["national_goals"][1]["source"]["reference"] = "../outside/SENTINEL-secret.txt"
    data["indicators"][0]["source"]["reference"] = "file:///etc/SENTINEL-passwd"
    plan = plans / "plan.yaml"
    plan.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    db = tmp_path / "p.db"

    runs = [
        ["plan", "load", plan],
        ["plan", "show", "tiny-library"],
        ["plan", "export", "tiny-library", "-o", tmp_path / "export.yaml"],
        *(["report", kind, "--format", fmt] for kind in ("coverage", "progress", "budget")
          for fmt in ("html", "markdown", "json", "csv")),
    ]
    for args in runs:
        proc = _audited(tmp_path, "SENTINEL", "--db", db, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "not for the report" not in proc.stdout
    exported = (tmp_path / "export.yaml").read_text(encoding="utf-8")
    assert "../outside/SENTINEL-secret.txt" in exported  # kept as the text it is
    assert str(secret) in exported


def test_the_audit_hook_would_notice(tmp_path: Path) -> None:
    """The check above is not vacuous: opening the sentinel is caught."""
    target = tmp_path / "SENTINEL.yaml"
    target.write_text("goaltrack: 1\n")
    proc = _audited(tmp_path, "SENTINEL", "plan", "validate", target)
    assert proc.returncode == 99
    assert "OPENED" in proc.stderr


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/hostname", "../../../etc/hostname"])
def test_templates_cannot_include_files_outside_their_directories(tmp_path: Path, name: str) -> None:
    db = tmp_path / "t.db"
    assert run_cli("--db", db, "plan", "load", TINY).returncode == 0
    (tmp_path / "secret.txt").write_text("SECRET\n")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "coverage.md").write_text(f'{{% include "{name}" %}}\n')
    proc = run_cli("--db", db, "report", "coverage", "--format", "markdown", "--templates", templates)
    assert proc.returncode == 2, proc.stderr
    assert "SECRET" not in proc.stdout
    assert f"TemplateNotFound: {name}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_allow_outside_plan_dir_is_a_checked_setting(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert run_cli("--db", db, "plan", "load", TINY).returncode == 0
    good = tmp_path / "good.toml"
    good.write_text("[paths]\nallow_outside_plan_dir = false\n")
    assert run_cli("--db", db, "--config", good, "plan", "list").returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[paths]\nallow_outside_plan_dir = "yes"\n')
    proc = run_cli("--db", db, "--config", bad, "plan", "list")
    assert proc.returncode == 2
    assert f"{bad}:2: paths.allow_outside_plan_dir must be true or false, got str" in proc.stderr


def test_relative_paths_in_the_config_are_relative_to_it(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "templates").mkdir()
    (project / "templates" / "coverage.md").write_text("custom template for {{ report.title }}\n")
    config = project / "goaltrack.toml"
    config.write_text(
        textwrap.dedent(
            """\
            [database]
            url = "data/goaltrack.db"

            [reports]
            templates_dir = "templates"
            """
        )
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"GOALTRACK_DB": ""}  # conftest sets it; the config's database is under test here
    loaded = run_cli("--config", config, "plan", "load", TINY, cwd=elsewhere, env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert (project / "data" / "goaltrack.db").is_file()
    assert not list(elsewhere.iterdir())
    report = run_cli("--config", config, "report", "coverage", "--format", "markdown", cwd=elsewhere, env=env)
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("custom template for")


def test_an_output_path_that_is_a_symlink_is_replaced_not_written_through(tmp_path: Path) -> None:
    """``-o report.html`` where report.html is a link to another file: the link is replaced
    by the report, and the file it pointed to is left alone."""
    victim = tmp_path / "victim.txt"
    victim.write_text("important\n")
    link = tmp_path / "report.html"
    link.symlink_to(victim)
    fileio.write_atomic(link, "<p>report</p>\n")
    assert victim.read_text() == "important\n"
    assert not link.is_symlink()
    assert link.read_text() == "<p>report</p>\n"


def test_the_audit_trail_keeps_the_import_file_name_not_its_directory(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert run_cli("--db", db, "plan", "load", TINY).returncode == 0
    private = tmp_path / "home-of-someone" / "private"
    private.mkdir(parents=True)
    data = private / "k1.csv"
    data.write_text("indicator,period,value\nK1,2024Q2,45\n")
    assert run_cli("--db", db, "import", "csv", data).returncode == 0
    history = run_cli("--db", db, "history", "K1", "--format", "json")
    assert history.returncode == 0, history.stderr
    assert "k1.csv" in history.stdout
    assert "home-of-someone" not in history.stdout
