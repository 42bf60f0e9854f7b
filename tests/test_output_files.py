"""Output files (issue 11, "Data safety"): a file a command writes is never the database, one
of its side files, an input of the command or another of its outputs, and once written it is
announced on stderr as ``wrote FILE (SIZE)``.

:func:`goaltrack.fileio.check_outputs` is the one guard; the bad-input corpus
(``tests/bad_inputs/cases.toml``, category ``output``) runs every command through it. Here: the
guard's rules one by one, what it lets through, and the ``wrote`` line of each command.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import REPO, db_dump, run_cli

from goaltrack.errors import UsageError
from goaltrack.fileio import check_outputs, human_size, wrote_message

TINY = REPO / "tests" / "data" / "tiny.yaml"
UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """``tmp_path/goaltrack.db`` (also GOALTRACK_DB, see conftest) with the tiny plan loaded."""
    path = tmp_path / "goaltrack.db"
    proc = run_cli("--db", path, "plan", "load", TINY)
    assert proc.returncode == 0, proc.stderr
    return path


def _refused(outputs: list[tuple[str, Path | None]], **kw: object) -> str:
    with pytest.raises(UsageError) as info:
        check_outputs(outputs, **kw)  # type: ignore[arg-type]
    assert info.value.exit_code == 2
    return info.value.message


# --------------------------------------------------------------------------- the guard


@pytest.mark.parametrize("spelling", ["name", "dot", "absolute", "dotdot", "symlink", "symlink-chain", "hardlink"])
def test_every_way_of_naming_the_database_is_refused(tmp_path: Path, spelling: str) -> None:
    database = tmp_path / "goaltrack.db"
    database.write_bytes(b"SQLite format 3\x00")
    (tmp_path / "sub").mkdir()
    output = {
        "name": Path("goaltrack.db"),
        "dot": Path("./goaltrack.db"),
        "absolute": database,
        "dotdot": Path("sub/../goaltrack.db"),
        "symlink": tmp_path / "link.html",
        "symlink-chain": tmp_path / "a.html",
        "hardlink": tmp_path / "hard.html",
    }[spelling]
    (tmp_path / "link.html").symlink_to(database)
    (tmp_path / "b.html").symlink_to("link.html")
    (tmp_path / "a.html").symlink_to("b.html")
    os.link(database, tmp_path / "hard.html")
    message = _refused([("-o", output)], database=Path("goaltrack.db"))
    assert message == f"-o {output}: refusing to write over the database goaltrack.db"


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_the_database_side_files_are_refused_whether_they_exist_or_not(tmp_path: Path, suffix: str) -> None:
    database = tmp_path / "goaltrack.db"
    database.write_bytes(b"")
    message = _refused([("-o", Path(f"goaltrack.db{suffix}"))], database=database)
    assert f"refusing to write over the database's {suffix} file {database}{suffix}" in message
    Path(f"{database}{suffix}").write_bytes(b"")
    os.link(f"{database}{suffix}", tmp_path / "side.out")
    assert "refusing to write over the database's" in _refused([("-o", tmp_path / "side.out")], database=database)


def test_side_files_of_a_symlinked_database_are_those_of_its_target(tmp_path: Path) -> None:
    """SQLite keeps ``-wal`` beside the file a symlinked database name points to."""
    real = tmp_path / "data" / "real.db"
    real.parent.mkdir()
    real.write_bytes(b"")
    (tmp_path / "goaltrack.db").symlink_to(real)
    message = _refused([("-o", real.parent / "real.db-wal")], database=tmp_path / "goaltrack.db")
    assert "refusing to write over the database's -wal file" in message
    assert "refusing to write over the database's -wal file" in _refused(
        [("-o", tmp_path / "goaltrack.db-wal")], database=tmp_path / "goaltrack.db"
    )


def test_inputs_and_other_outputs_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("indicator,period,value\n")
    (tmp_path / "x-link.csv").symlink_to(data)
    inputs = [("input file", Path("x.csv"))]
    assert _refused([("--rejects", data)],
                    inputs=inputs) == f"--rejects {data}: refusing to write over input file x.csv"
    assert "over input file x.csv" in _refused([("--rejects", Path("x-link.csv"))], inputs=inputs)
    # An input read through a symlink, the output named by the symlink's target.
    assert "over input file x-link.csv" in _refused([("--rejects", data)], inputs=[("input file", Path("x-link.csv"))])
    # Two outputs of one command that are one file (neither exists yet: names only).
    message = _refused([("-o", Path("out.csv")), ("--rejects", tmp_path / "out.csv")])
    assert message == f"--rejects {tmp_path / 'out.csv'}: refusing to write: same file as -o out.csv"


def test_what_the_guard_lets_through(tmp_path: Path) -> None:
    database = tmp_path / "goaltrack.db"
    database.write_bytes(b"")
    data = tmp_path / "x.csv"
    data.write_text("indicator,period,value\n")
    fine = [
        ("-o", tmp_path / "coverage.html"),  # a fresh file next to the database
        ("--rejects", Path("rejects.csv")),
        ("--also", Path("goaltrack.db.bak")),
        ("--also", Path("goaltrack.db-wal.txt")),
        ("--also", Path("x.csv.rejects")),
        ("--skipped", None),
    ]
    check_outputs(fine, inputs=[("input file", data), ("config file", None)], database=database)
    # A server database (PostgreSQL) has no file: a local goaltrack.db is just a file then.
    check_outputs([("-o", database)], database=None)
    check_outputs([("-o", None), ("--rejects", None)], inputs=[("input file", None)], database=database)


def test_a_symlink_loop_is_no_crash(tmp_path: Path) -> None:
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    database = tmp_path / "goaltrack.db"
    database.write_bytes(b"")
    check_outputs([("-o", tmp_path / "loop1")], database=database)
    assert "same file as -o" in _refused([("-o", tmp_path / "loop1"), ("--rejects", Path("loop1"))])


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"), (10_188, "9.9 KiB"),
     (10_240, "10 KiB"), (49_152, "48 KiB"), (1024**2 - 1, "1.0 MiB"), (3_355_443, "3.2 MiB"),
     (5 * 1024**3, "5.0 GiB")],
)
def test_human_size(size: int, shown: str) -> None:
    assert human_size(size) == shown


def _assert_wrote(line: str, path: Path) -> None:
    """``line`` is ``wrote PATH (N UNIT)`` with N UNIT the file's real size, to rounding."""
    size = path.stat().st_size
    assert line == wrote_message(path) == f"wrote {path} ({human_size(size)})"
    m = re.fullmatch(r"wrote .+ \(([\d.]+) (B|KiB|MiB|GiB)\)", line)
    assert m, line
    shown = float(m[1]) * UNITS[m[2]]
    assert abs(shown - size) <= 0.05 * size + 1, (line, size)


# --------------------------------------------------------------------------- the commands


def test_report_o_says_what_it_wrote(db: Path, tmp_path: Path) -> None:
    """Positive control: ``-o`` a fresh file next to the database works, and is announced."""
    before = db_dump(db)
    proc = run_cli("--db", db, "report", "coverage", "--format", "html", "-o", "out.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert out.stat().st_size > 1024  # so the line shows KiB
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    _assert_wrote(line, Path("out.html"))
    assert line.endswith(" KiB)")
    assert db_dump(db) == before


def test_refused_output_leaves_database_and_directory_alone(db: Path, tmp_path: Path) -> None:
    before, files = db.read_bytes(), sorted(tmp_path.iterdir())
    proc = run_cli("--db", db, "report", "coverage", "-o", "./goaltrack.db", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"Error: -o goaltrack.db: refusing to write over the database {db}\n"
    assert db.read_bytes() == before and sorted(tmp_path.iterdir()) == files


def test_export_list_score_and_schema_say_what_they_wrote(db: Path, tmp_path: Path, cli_runner: CliRunner) -> None:
    for args, name in [
        (["plan", "export", "tiny-library"], "plan.yaml"),
        (["list", "indicators", "--format", "csv"], "indicators.csv"),
        (["score", "--format", "json"], "scores.json"),
    ]:
        proc = run_cli("--db", db, *args, "-o", tmp_path / name)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == ""
        (line,) = proc.stderr.splitlines()
        _assert_wrote(line, tmp_path / name)
    from goaltrack.cli import cli

    result = cli_runner.invoke(cli, ["plan", "schema", "-o", "schema.json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    _assert_wrote(result.stderr.rstrip("\n"), Path("schema.json"))


def test_import_rejects_file_is_announced_and_guarded(db: Path, tmp_path: Path) -> None:
    data = tmp_path / "k1.csv"
    data.write_text("indicator,period,value\nK1,2024Q2,45\nNOPE,2024Q2,1\n")
    rejects = tmp_path / "rejects.csv"
    proc = run_cli("--db", db, "import", "csv", data, "--skip-invalid", "--rejects", rejects)
    assert proc.returncode == 0, proc.stderr
    assert "1 rejected rows written to" in proc.stdout and "wrote" not in proc.stdout
    (line,) = proc.stderr.splitlines()
    _assert_wrote(line, rejects)
    assert line.endswith(" B)")
    # --rejects the input file: refused before the import, which would have added a value.
    before, text = db_dump(db), data.read_text()
    proc = run_cli("--db", db, "import", "csv", data, "--skip-invalid", "--rejects", "./k1.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"Error: --rejects k1.csv: refusing to write over input file {data}\n"
    assert db_dump(db) == before and data.read_text() == text


def test_demo_says_what_it_wrote_and_spares_the_database(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = run_cli("demo", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "wrote " not in proc.stdout
    lines = proc.stderr.splitlines()
    names = ["coverage.html", "budget.html", "progress.html", "coverage.md", "coverage.json", "goaltrack.db"]
    assert [line.split(" ")[1] for line in lines] == [str(out / n) for n in names]
    for line, name in zip(lines, names, strict=True):
        _assert_wrote(line, out / name)
    # The --db database as the demo's: the demo would delete it, so it is refused.
    before = db_dump(out / "goaltrack.db")
    again = run_cli("--db", out / "goaltrack.db", "demo", "--out", out)
    assert again.returncode == 2
    assert again.stderr == (
        f"Error: --out {out / 'goaltrack.db'}: refusing to write over the database {out / 'goaltrack.db'}\n"
    )
    assert db_dump(out / "goaltrack.db") == before


def test_db_copy_to_a_hard_link_of_the_source_is_refused(db: Path, tmp_path: Path) -> None:
    os.link(db, tmp_path / "copy.db")
    before = db_dump(db)
    proc = run_cli("--db", db, "db", "copy", "--to", tmp_path / "copy.db", "--force")
    assert proc.returncode == 2
    assert proc.stderr == f"Error: --to {tmp_path / 'copy.db'}: refusing to write over the database {db}\n"
    assert db_dump(db) == before
    fresh = run_cli("--db", db, "db", "copy", "--to", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert fresh.returncode == 0, fresh.stderr


def test_a_postgresql_database_has_no_file_to_protect(tmp_path: Path) -> None:
    """With a server database, ``goaltrack.db`` in the working directory is an ordinary name
    (``plan schema`` never connects, so no server is needed)."""
    proc = run_cli("--db", "postgresql+psycopg://u@localhost/nothing", "plan", "schema", "-o", "goaltrack.db")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "goaltrack.db").read_text(encoding="utf-8").startswith("{")


def test_a_plugin_command_writing_through_emit_is_guarded_too(db: Path, tmp_path: Path) -> None:
    """A plugin's command that never calls guard_outputs: emit() refuses the database anyway."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "dump_cmd.py").write_text(textwrap.dedent(
        """\
        from pathlib import Path

        import click

        from goaltrack import hookimpl
        from goaltrack.cli.common import emit, output_option


        @hookimpl
        def register_commands(cli):
            @cli.command(name="dump")
            @output_option()
            def dump_cmd(output: Path | None) -> None:
                emit("dumped\\n", output)
        """
    ))
    before = db.read_bytes()
    proc = run_cli("--db", db, "--plugins-dir", plugins, "dump", "-o", db)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"Error: -o {db}: refusing to write over the database {db}\n"
    assert db.read_bytes() == before
    ok = run_cli("--db", db, "--plugins-dir", plugins, "dump", "-o", tmp_path / "dump.txt")
    assert ok.returncode == 0, ok.stderr
    _assert_wrote(ok.stderr.rstrip("\n"), tmp_path / "dump.txt")
