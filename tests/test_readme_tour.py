"""The README's tour runs as written: every ``sh`` command of "A short tour", in order.

Each line runs through ``bash`` in a fresh folder that holds what a fresh clone has
(``config/`` and ``examples/``), with goaltrack on PATH and no database or config of the
developer's. Every command must exit 0 without a traceback, and a command that names an
output file must write it. ``pip install`` lines are not run (goaltrack is installed
already); the extra they name must exist. The PostgreSQL lines run against a real server
(the ``pg_url`` fixture) with the README's URL replaced by it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import REPO

README = REPO / "README.md"
README_PG_URL = "postgresql+psycopg://goaltrack@dbhost/goaltrack"


def tour_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## A short tour")
    end = text.index("\n## ", start + 1)
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text[start:end], re.S):
        lines += [line for line in block.splitlines() if line.strip()]
    return lines


COMMANDS = tour_commands()


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALTRACK_") or k.startswith("GOALTRACK_REQUIRE_")}
    env.update(HOME=str(cwd), XDG_CONFIG_HOME=str(cwd / ".config"), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
               COLUMNS="120")
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", line], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def _fresh_clone(tmp_path: Path) -> Path:
    where = tmp_path / "clone"
    where.mkdir()
    for name in ("config", "examples"):
        (where / name).symlink_to(REPO / name)
    return where


def _check(line: str, proc: subprocess.CompletedProcess[str], cwd: Path) -> None:
    shown = f"$ {line}\nexit {proc.returncode}\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
    assert proc.returncode == 0, shown
    assert "Traceback" not in proc.stdout + proc.stderr, shown
    words = shlex.split(line, comments=True)
    if "-o" in words:
        out = cwd / words[words.index("-o") + 1]
        assert out.is_file() and out.stat().st_size > 0, shown
        assert f"wrote {out.name}" in proc.stderr, shown


def test_the_tour_has_commands() -> None:
    # A README rewrite that drops the tour's code blocks must not pass as an empty tour.
    assert len(COMMANDS) >= 20
    assert any(line.startswith("goaltrack plan load") for line in COMMANDS)


def test_readme_tour_runs_as_written(tmp_path: Path) -> None:
    cwd = _fresh_clone(tmp_path)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for line in COMMANDS:
        if line.startswith("pip install"):
            for extra in re.findall(r"\[([a-z0-9,-]+)\]", line):
                assert set(extra.split(",")) <= set(extras), line
            continue
        if README_PG_URL in line:
            continue  # test_readme_postgresql_commands
        _check(line, _run(line, cwd), cwd)
    assert (cwd / "goaltrack.db").is_file()


@pytest.mark.postgres
def test_readme_postgresql_commands(tmp_path: Path, pg_url: str) -> None:
    cwd = _fresh_clone(tmp_path)
    # `db copy` moves the tour's SQLite database over: make it as the tour does.
    load = "goaltrack plan load config/plans/kalundborg-2021.yaml"
    _check(load, _run(load, cwd), cwd)
    pg_lines = [line for line in COMMANDS if README_PG_URL in line]
    assert len(pg_lines) >= 3
    for line in pg_lines:
        real = line.replace(README_PG_URL, pg_url)
        _check(real, _run(real, cwd), cwd)
    listed = _run(f"goaltrack --db '{pg_url}' plan list", cwd)
    assert "kalundborg-2021" in listed.stdout, listed.stderr
