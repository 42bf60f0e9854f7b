"""The bad-input corpus (issue 7): every wrong file or command gets a clear answer, and the
database is left exactly as it was.

The cases live in ``tests/bad_inputs/cases.toml``, one ``[[case]]`` table each, and their files
in ``tests/bad_inputs/<category>/`` (see ``tests/bad_inputs/README.md`` for the keys). Each case
runs ``python -m goaltrack`` in a subprocess against a SQLite database holding the bundled plan,
and the test asserts, for a failing case:

- the exit code (1 bad data, 2 bad usage);
- no traceback, and not the "unexpected error" fallback of ``goaltrack.cli.main``;
- an ``Error: ...`` line, the expected message fragment, and, where they exist, the file, the
  line (``FILE:LINE:``) and the field path; every line is short (a 1 MB input line is never
  echoed back);
- the database row for row unchanged (``db_dump`` before and after), the input files byte for
  byte unchanged, and no file left behind in the working directory.

A few cases are positive controls (exit 0): they show the corpus does not simply refuse
everything, e.g. a plan or CSV file with a UTF-8 byte-order mark.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import pytest
from helpers import bundled_db_in, cli_env, db_dump, permissions_prefix, unavailable

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES_FILE = CORPUS / "cases.toml"
CATEGORIES = ("plan", "csv", "cli", "config", "output", "db")
UNEXPECTED = "run with --debug for the traceback"  # goaltrack.errors.describe_unexpected
MAX_LINE = 1000  # no stderr line may be longer: inputs are quoted, never echoed whole
MAX_STDERR = 40_000
# One million characters in a single CSV line (issue 7: "1 MB single line").
LONG_LINE = 1_000_000


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    exit: int
    message: str = ""
    file: str | None = None
    file2: str | None = None
    generate: str | None = None
    as_name: str | None = None  # copy the input under this name (e.g. goaltrack.toml)
    line: int | None = None
    field: str | None = None
    names_file: bool = False
    problems: int | None = None  # exact number of Error lines (one per problem)
    stdout: str = ""
    db: str = "bundled"  # "bundled": the bundled plan loaded; "none": no database file
    env: dict[str, str] = dc_field(default_factory=dict)
    # (kind, name, target): a "symlink" or "hardlink" NAME in the case's directory to TARGET
    # (placeholders allowed), made before the run, so it is no file the command created
    links: tuple[tuple[str, str, str], ...] = ()
    # (path, mode): chmod PATH (placeholders allowed) just before the run, undone after it; the
    # command then runs as a process the mode applies to, also when the tests run as root
    chmod: tuple[tuple[str, int], ...] = ()
    mkdirs: tuple[str, ...] = ()  # directories made in the case's directory before the run
    note: str = ""

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]


def load_cases() -> list[Case]:
    raw = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    cases = []
    for entry in raw["case"]:
        entry = dict(entry)
        entry["args"] = tuple(entry["args"])
        entry["links"] = tuple(tuple(link) for link in entry.get("links", ()))
        entry["chmod"] = tuple(tuple(change) for change in entry.get("chmod", ()))
        entry["mkdirs"] = tuple(entry.get("mkdirs", ()))
        cases.append(Case(**entry))
    return cases


CASES = load_cases()


# --------------------------------------------------------------------------- generated inputs


def _huge_plan(path: Path) -> None:
    """A plan file just over the 20 MB limit of goaltrack.planfile.yamlio (valid otherwise)."""
    from goaltrack.planfile.yamlio import MAX_PLAN_BYTES

    head = (
        "goaltrack: 1\nplan:\n  slug: huge\n  title: Huge (synthetic)\n"
        "  organisation: goaltrack tests\n  years: [2021]\n"
    )
    filler = "# " + "x" * 97 + "\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        fh.write(filler * (MAX_PLAN_BYTES // len(filler) + 2))


def _long_value_csv(path: Path) -> None:
    """A CSV whose second row holds a value one million digits long."""
    path.write_text(f"indicator,period,value\nMM13,2021,41.5\nMM17,2021,{'9' * LONG_LINE}\n")


def _long_line_csv(path: Path) -> None:
    """A CSV whose second row is one line of a million characters without a delimiter."""
    path.write_text(f"indicator,period,value\nMM13,2021,41.5\n{'x' * LONG_LINE}\n")


def _long_header_csv(path: Path) -> None:
    """A CSV file that is one single line of a million characters, without a newline."""
    path.write_text("x" * LONG_LINE)


def _long_header_columns_csv(path: Path) -> None:
    """A header of a million characters in 100,000 columns: the message must not list them all."""
    path.write_text("indicator,period,value," + ",".join(f"c{i:05d}" for i in range(LONG_LINE // 7)) + "\n")


GENERATORS = {
    "huge-plan.yaml": _huge_plan,
    "long-value.csv": _long_value_csv,
    "long-line.csv": _long_line_csv,
    "long-header.csv": _long_header_csv,
    "long-header-columns.csv": _long_header_columns_csv,
}


# --------------------------------------------------------------------------- the bundled database


def _clean_env(**overrides: str) -> dict[str, str]:
    """``helpers.cli_env`` without the caller's GOALTRACK_* settings (but with OVERRIDES).

    Session fixtures run outside conftest's per-test isolation, so a developer's own
    GOALTRACK_DB or GOALTRACK_DISABLE_PLUGINS must be dropped here by hand.
    """
    env = cli_env()
    for name in [k for k in env if k.startswith("GOALTRACK_") and not k.startswith("GOALTRACK_REQUIRE_")]:
        del env[name]
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Template:
    path: Path
    sha256: str
    dump: list[tuple[Any, ...]]


@pytest.fixture(scope="session")
def bundled_template(bundled_db: Path) -> Template:
    """The bundled database with its hash and dump, taken once: every case starts from a copy."""
    return Template(bundled_db, _sha(bundled_db) or "", db_dump(bundled_db))


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the bundled plan loaded, made once and copied for every case."""
    where = tmp_path_factory.mktemp("bundled-db")
    db = bundled_db_in(where, _clean_env(HOME=str(where), XDG_CONFIG_HOME=str(where / ".config")))
    for suffix in ("-wal", "-shm"):  # the last connection's close checkpoints the WAL
        assert not Path(f"{db}{suffix}").exists() or Path(f"{db}{suffix}").stat().st_size == 0
    return db


# --------------------------------------------------------------------------- running the cases


@dataclass
class Run:
    """One case, run: its inputs, the command's outcome and the state it started from."""

    case: Case
    root: Path  # the case's working directory
    subs: dict[str, str]
    inputs: dict[Path, str | None]  # input file -> its sha256 before the run
    files_before: set[str]
    db: Path
    args: list[str] = dc_field(default_factory=list)
    proc: subprocess.CompletedProcess[str] | None = None
    not_run: str = ""  # why a case with chmod could not run (see helpers.permissions_prefix)


def _sha(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(root: Path) -> set[str]:
    """Files under ``root``, minus the SQLite side files and the isolated home directory."""
    out = set()
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if rel.startswith("home") or rel.endswith(("-wal", "-shm", "-journal")):
            continue
        out.add(rel + ("/" if p.is_dir() else ""))
    return out


def prepare(case: Case, root: Path, bundled: Path) -> Run:
    """Copy the case's inputs (never run on the corpus files themselves) and the database."""
    inputs_dir = root / "input"
    inputs_dir.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    db = root / "goaltrack.db"
    if case.db == "bundled":
        shutil.copyfile(bundled, db)
    else:
        assert case.db == "none", case.db
    subs = {"db": str(db), "tmp": str(root), "missing": str(root / "no-such-file")}
    inputs: list[Path] = []
    for key, rel in (("file", case.file), ("file2", case.file2)):
        if rel is None:
            continue
        src = CORPUS / rel
        dest = (root / case.as_name) if (case.as_name and key == "file") else inputs_dir / src.name
        shutil.copyfile(src, dest)
        subs[key] = str(dest)
        inputs.append(dest)
    if case.generate:
        dest = inputs_dir / case.generate
        GENERATORS[case.generate](dest)
        subs["file"] = str(dest)
        inputs.append(dest)
    for name in case.mkdirs:
        (root / name).mkdir(parents=True)
    for kind, name, target in case.links:
        link = root / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if kind == "symlink":
            link.symlink_to(target.format(**subs))
        else:
            assert kind == "hardlink", kind
            os.link(target.format(**subs), link)
    run = Run(case, root, subs, {p: _sha(p) for p in inputs}, _tree(root), db)
    run.args = [a.format(**subs) for a in case.args]
    return run


def _isolated_env(run: Run) -> dict[str, str]:
    """What tests/conftest.py's ``_isolate`` sets up, for a run outside any one test."""
    home = run.root / "home"
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GOALTRACK_DB": str(run.db),
    }
    env.update(run.case.env)
    return _clean_env(**env)


def execute(run: Run) -> Run:
    prefix: list[str] = []
    modes: list[tuple[Path, int]] = []
    if run.case.chmod:
        prefix, run.not_run = permissions_prefix()
        if run.not_run:
            return run
    try:
        for path, mode in run.case.chmod:
            target = Path(path.format(**run.subs))
            modes.append((target, stat.S_IMODE(target.stat().st_mode)))
            target.chmod(mode)
        run.proc = subprocess.run(
            [*prefix, sys.executable, "-m", "goaltrack", *run.args],
            input="",
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_isolated_env(run),
            cwd=run.root,
            timeout=300,
            check=False,
        )
    finally:
        for target, mode in reversed(modes):
            target.chmod(mode)
    return run


@pytest.fixture(scope="session")
def corpus_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bundled_template: Template
) -> dict[str, Run]:
    """Every selected case, run once, several at a time (each is a subprocess of its own).

    Running them side by side keeps the corpus to a few minutes even on a small machine;
    every case still has its own directory, home, config search path and database copy.
    """
    wanted = {
        item.callspec.params["case"].id
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_bad_input" and hasattr(item, "callspec")
    }
    runs = [
        prepare(case, tmp_path_factory.mktemp("case"), bundled_template.path)
        for case in CASES
        if case.id in wanted
    ]
    workers = max(2, min(8, 2 * (os.cpu_count() or 1)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {run.case.id: run for run in pool.map(execute, runs)}


def _error_lines(stderr: str) -> list[str]:
    """The problem lines of goaltrack's own report: ``Error: first`` and the lines after it."""
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Error: "):
            return [line[len("Error: "):], *lines[i + 1 :]]
    return []


def _unchanged(db: Path, template: Template) -> None:
    """Byte for byte the template (cheap), or else row for row (``db_dump``)."""
    wal = Path(f"{db}-wal")
    if _sha(db) == template.sha256 and (not wal.exists() or wal.stat().st_size == 0):
        return
    assert db_dump(db) == template.dump, "the database changed"


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, corpus_runs: dict[str, Run], bundled_template: Template) -> None:
    run = corpus_runs[case.id]
    if run.not_run:
        unavailable("UNPRIVILEGED", f"cannot run a process that file permissions apply to: {run.not_run}")
    proc = run.proc
    assert proc is not None
    out, err = proc.stdout, proc.stderr
    file = run.subs.get("file", "")
    shown = (
        f"goaltrack {' '.join(run.args)[:300]}\nexit {proc.returncode}\n"
        f"stdout: {out[:2000]}\nstderr: {err[:3000]}"
    )

    assert proc.returncode == case.exit, shown
    assert "Traceback" not in out + err, shown
    assert UNEXPECTED not in err, f"an unanticipated exception reached the user:\n{shown}"
    assert len(err) < MAX_STDERR and all(len(line) <= MAX_LINE for line in err.splitlines()), (
        f"stderr is not a few short lines ({len(err):,} characters)"
    )
    assert ":secret@" not in out + err, "a password from --db was shown"
    if case.exit == 0:
        assert "Error" not in err, shown
        assert case.stdout in out, shown
    else:
        problems = _error_lines(err)
        assert problems, f"no 'Error: ...' line:\n{shown}"
        if case.exit == 1:
            # goaltrack's own errors: nothing but the problem lines on stderr
            assert err.startswith("Error: "), shown
        assert case.message in err, shown
        if case.names_file or case.line is not None:
            assert file in err, f"the message does not name the file:\n{shown}"
        if case.line is not None:
            assert f"{file}:{case.line}:" in err, f"not at line {case.line}:\n{shown}"
        if case.field is not None:
            assert f" {case.field}: " in err, f"the message does not name field {case.field}:\n{shown}"
        if case.problems is not None:
            assert len(problems) == case.problems, shown

    if case.db == "bundled":
        _unchanged(run.db, bundled_template)
    else:
        assert not run.db.exists(), "a database was created"
    for path, digest in run.inputs.items():
        assert _sha(path) == digest, f"{path.name} was changed"
    assert _tree(run.root) == run.files_before, "files were created or removed in the working directory"


def test_corpus_is_complete() -> None:
    """At least 60 cases, each category represented, ids unique, every corpus file used."""
    ids = Counter(c.id for c in CASES)
    assert not [i for i, n in ids.items() if n > 1], "duplicate case ids"
    assert len(CASES) >= 60
    per_category = Counter(c.category for c in CASES)
    assert set(per_category) == set(CATEGORIES), per_category
    assert per_category["plan"] >= 30 and per_category["csv"] >= 15
    assert per_category["cli"] >= 10 and per_category["config"] >= 8
    assert per_category["output"] >= 20
    assert per_category["db"] >= 10
    link_kinds = {kind for c in CASES for kind, _name, _target in c.links}
    assert link_kinds == {"symlink", "hardlink"}, link_kinds
    used = {c.file for c in CASES} | {c.file2 for c in CASES}
    on_disk = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.parent != CORPUS
    }
    assert on_disk - used == set(), "corpus files no case uses"
    assert {u for u in used if u} - on_disk == set(), "cases naming missing files"
    for case in CASES:
        assert case.exit in (0, 1, 2), case.id
        assert case.exit == 0 or case.message, f"{case.id}: a failing case needs a message fragment"
        assert case.generate is None or case.generate in GENERATORS, case.id
        used_placeholders = " ".join(case.args)
        if case.file or case.generate:
            assert "{file}" in used_placeholders or case.as_name, case.id
    positive = [c.id for c in CASES if c.exit == 0]
    assert any("bom" in i for i in positive), "the BOM positive controls are missing"


def test_corpus_files_stay_small() -> None:
    """Large inputs are generated by the tests, not committed."""
    for p in CORPUS.rglob("*"):
        if p.is_file() and p.parent != CORPUS:
            assert p.stat().st_size < 16_384, p
