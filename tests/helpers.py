"""Helpers shared by goaltrack's tests: paths, running the CLI, dumping a database, and
driving the real programs (headless Chromium, LibreOffice) the report tests check with.

Import them in a test module with ``from helpers import ...`` (``tests/`` is on ``sys.path``
through ``tests/conftest.py``).

Real-program policy (:func:`need`): a missing program skips the test locally, with the reason,
and fails it in CI (``CI=true``) or when ``GOALTRACK_REQUIRE_<NAME>=1`` is set, so a green CI
run means the program really ran. ``GOALTRACK_REQUIRE_<NAME>=0`` turns the requirement off even
under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: The repository's root (the directory holding pyproject.toml).
REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
#: The editable source of the bundled plan.
BUNDLED_PLAN = REPO / "config" / "plans" / "kalundborg-2021.yaml"
#: The plan text the bundled plan transcribes (shared/ lies beside the clone, also in CI).
SEED = REPO.parent / "shared" / "seeds" / "000_0863a4d303067c74.txt"

#: Which GOALTRACK_REQUIRE_<NAME> variable makes a program mandatory.
REQUIRE_NAMES = {
    "chromium": "BROWSER",
    "chromium-browser": "BROWSER",
    "soffice": "SOFFICE",
    "libreoffice": "SOFFICE",
    "pdftoppm": "POPPLER",
    "pdfinfo": "POPPLER",
    "initdb": "PG",
    "pg_ctl": "PG",
    "postgres": "PG",
}

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # root needs it
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",  # console messages show as INFO:CONSOLE lines
    "--v=0",
)
#: LibreOffice CSV export filter: comma, double quote, UTF-8 (76), first line 1.
SOFFICE_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"
#: As SOFFICE_CSV, one file per sheet: ``<stem>-<Sheet>.csv``.
SOFFICE_CSV_ALL_SHEETS = (
    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
)
#: Import filter for CSV input (otherwise LibreOffice reads it as Windows-1252).
SOFFICE_CSV_IN = "CSV:44,34,76,1"


# --------------------------------------------------------------------------- requirements


def required(name: str) -> bool:
    """Whether the thing called NAME (``PG``, ``BROWSER``, ``SOFFICE``, ...) must be present.

    ``GOALTRACK_REQUIRE_<NAME>`` decides when set (``1`` yes, anything else no); otherwise it
    is required exactly when ``CI=true``.
    """
    value = os.environ.get(f"GOALTRACK_REQUIRE_{name.upper()}", "")
    if value != "":
        return value == "1"
    return os.environ.get("CI") == "true"


def unavailable(name: str, reason: str) -> None:
    """Skip the current test with REASON, or fail it when :func:`required` says NAME is a must."""
    if required(name):
        pytest.fail(
            f"{reason} (required: CI=true or GOALTRACK_REQUIRE_{name.upper()}=1)", pytrace=False
        )
    pytest.skip(reason)


def require_name(tool: str) -> str:
    """The GOALTRACK_REQUIRE_<NAME> suffix for a program name."""
    return REQUIRE_NAMES.get(tool, re.sub(r"[^A-Za-z0-9]", "_", tool).upper())


def need(tool: str) -> str:
    """Absolute path of the program TOOL on PATH.

    Missing: skip locally, fail in CI or with ``GOALTRACK_REQUIRE_<NAME>=1`` (NAME from
    :data:`REQUIRE_NAMES`, e.g. ``chromium`` -> ``BROWSER``, ``soffice`` -> ``SOFFICE``;
    otherwise the tool's name upper-cased).
    """
    path = shutil.which(tool)
    if path is None:
        unavailable(require_name(tool), f"{tool} not installed (apt-get install it; .ci/run does)")
    assert path is not None
    return path


# --------------------------------------------------------------------------- the CLI


def cli_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment :func:`run_cli` uses: the test's own (already isolated by conftest),
    with ``src/`` first on PYTHONPATH so the working tree's code runs, plus ENV."""
    merged = dict(os.environ)
    paths = [str(SRC)] + [
        str(Path(p).resolve()) for p in merged.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    merged["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    merged.setdefault("PYTHONIOENCODING", "utf-8")
    if env:
        merged.update(env)
    return merged


def run_cli(
    *args: str | os.PathLike[str],
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m goaltrack ARGS...`` in a subprocess, as a user would.

    Text mode; stdout and stderr are captured separately; stdin is INPUT or empty (never the
    terminal); never raises on a non-zero exit: assert on ``returncode`` yourself.
    """
    return subprocess.run(
        [sys.executable, "-m", "goaltrack", *map(str, args)],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(env),
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- databases


def bundled_db_in(where: Path, env: Mapping[str, str]) -> Path:
    """``WHERE/bundled.db`` with the bundled plan loaded by ``goaltrack plan load`` in a
    subprocess run in ``where`` with environment ``env``: the starting point many test
    modules copy for each case."""
    db = where / "bundled.db"
    proc = subprocess.run(
        [sys.executable, "-m", "goaltrack", "--db", str(db), "plan", "load", str(BUNDLED_PLAN)],
        capture_output=True, text=True, cwd=where, env=dict(env), timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return db



def db_dump(url: str | os.PathLike[str]) -> list[tuple[Any, ...]]:
    """Every table's rows, for "the database is unchanged" assertions.

    URL is an SQLAlchemy URL or a plain SQLite file path. The result starts with
    ``("", (table names...))`` and then holds one ``(table, row_tuple)`` per row, tables in
    name order and rows sorted (by ``repr``), so two dumps compare equal exactly when the
    databases hold the same tables and rows.
    """
    from sqlalchemy import MetaData, create_engine, inspect, select

    text = os.fspath(url)
    if "://" not in text:
        text = f"sqlite:///{Path(text).resolve()}"
    engine = create_engine(text)
    try:
        names = sorted(inspect(engine).get_table_names())
        meta = MetaData()
        meta.reflect(bind=engine, only=names)
        out: list[tuple[Any, ...]] = [("", tuple(names))]
        with engine.connect() as conn:
            for name in names:
                rows = [tuple(r) for r in conn.execute(select(meta.tables[name]))]
                out.extend((name, row) for row in sorted(rows, key=repr))
        return out
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- file permissions

#: The capabilities that let root ignore file permission bits (write anything; read anything,
#: enter any folder). Without them root is an ordinary owner of its files.
DAC_CAPS = ("dac_override", "dac_read_search")


def _probe_permissions() -> tuple[list[str], str]:
    """(prefix, "") if ``prefix + [program, ...]`` runs a program that file permission bits
    apply to, else ([], why not). Not root: the bits apply anyway. Root: ``setpriv`` drops
    :data:`DAC_CAPS` from the bounding set, so the program runs as root, the owner of the
    test's files and of the interpreter (which an unprivileged user, e.g. ``nobody``, may not
    reach: it may live under ``/root``), without the right to bypass their modes. Checked by
    trying to append to a read-only file."""
    if os.geteuid() != 0:
        return [], ""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return [], "running as root and setpriv (util-linux) is not installed"
    prefix = [setpriv, "--bounding-set=" + ",".join(f"-{cap}" for cap in DAC_CAPS)]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "read-only"
        probe.write_text("")
        probe.chmod(0o444)
        proc = subprocess.run(
            [*prefix, sys.executable, "-c", f"open({str(probe)!r}, 'a')"],
            capture_output=True, text=True, timeout=60, check=False,
        )
    if proc.returncode == 0:
        return [], "running as root and setpriv could not drop CAP_DAC_OVERRIDE (no CAP_SETPCAP?)"
    if "PermissionError" not in proc.stderr:
        return [], f"running as root and setpriv failed: {proc.stderr.strip()[-500:]}"
    return prefix, ""


_PERMISSIONS: list[tuple[list[str], str]] = []


def permissions_prefix() -> tuple[list[str], str]:
    """Cached :func:`_probe_permissions`: a command prefix under which chmod counts (the empty
    list when not root), or the reason there is none (then call :func:`unavailable` with
    ``"UNPRIVILEGED"`` in the test itself)."""
    if not _PERMISSIONS:
        _PERMISSIONS.append(_probe_permissions())
    return _PERMISSIONS[0]


def run_cli_with_permissions(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """:func:`run_cli` as a process that file permission bits apply to (see
    :func:`permissions_prefix`): what a user meets with a read-only file or folder. Skips, or
    fails in CI, when no such process can be made."""
    prefix, why_not = permissions_prefix()
    if why_not:
        unavailable("UNPRIVILEGED", f"cannot run a process that file permissions apply to: {why_not}")
    return subprocess.run(
        [*prefix, sys.executable, "-m", "goaltrack", *map(str, args)],
        input="", capture_output=True, text=True, encoding="utf-8", env=cli_env(env), cwd=cwd,
        timeout=timeout, check=False,
    )


# --------------------------------------------------------------------------- Chromium


@dataclass
class ChromiumRun:
    """What :func:`chromium_screenshot` / :func:`chromium_pdf` produced."""

    output: Path
    returncode: int
    stderr: str
    console: list[str] = field(default_factory=list)
    """The page's console messages (``console.log``/``error`` and uncaught errors such as
    ``Uncaught ReferenceError: ...``), one per entry; Chromium's own noise is left out."""


_CONSOLE = re.compile(r':INFO:CONSOLE[^\]]*\] (".*)$')


def _chromium(
    html_path: Path, out: Path, tmp_path: Path, mode_args: list[str], timeout: float
) -> ChromiumRun:
    chromium = need("chromium")
    home = tmp_path / "chromium-home"  # crashpad and dconf write under $HOME even with a profile
    profile = tmp_path / "chromium-profile"
    home.mkdir(parents=True, exist_ok=True)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    url = Path(html_path).resolve().as_uri()
    proc = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *mode_args, url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        env={**os.environ, "HOME": str(home)},
        timeout=timeout,
        check=False,
    )
    # Chromium prints many harmless dbus/vaapi errors: the output file is the only real verdict.
    if not out.is_file() or out.stat().st_size == 0:
        pytest.fail(
            f"chromium wrote no {out.name} (rc={proc.returncode}):\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return ChromiumRun(out, proc.returncode, proc.stderr, console)


def chromium_screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    tmp_path: str | os.PathLike[str],
    *,
    width: int = 1280,
    height: int = 2000,
    timeout: float = 120,
) -> ChromiumRun:
    """Screenshot HTML_PATH with Debian's headless Chromium into PNG_PATH (WIDTHxHEIGHT).

    Uses ``HOME`` and a profile under TMP_PATH, skips/fails through :func:`need`, and fails
    the test unless the PNG was written. Check ``.console`` for page errors.
    """
    return _chromium(
        Path(html_path),
        Path(png_path),
        Path(tmp_path),
        [f"--screenshot={Path(png_path).resolve()}", f"--window-size={width},{height}"],
        timeout,
    )


def chromium_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    tmp_path: str | os.PathLike[str],
    *,
    timeout: float = 120,
) -> ChromiumRun:
    """Print HTML_PATH to PDF_PATH with headless Chromium (no header/footer; paper from CSS)."""
    return _chromium(
        Path(html_path),
        Path(pdf_path),
        Path(tmp_path),
        ["--no-pdf-header-footer", f"--print-to-pdf={Path(pdf_path).resolve()}"],
        timeout,
    )


def png_size(png_path: str | os.PathLike[str]) -> tuple[int, int]:
    """(width, height) of a PNG file, read from its header; fails if it is not a PNG."""
    head = Path(png_path).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{png_path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


# --------------------------------------------------------------------------- LibreOffice


def soffice_convert(
    src: str | os.PathLike[str],
    fmt: str,
    outdir: str | os.PathLike[str],
    tmp_path: str | os.PathLike[str],
    *,
    infilter: str | None = None,
    timeout: float = 180,
) -> Path:
    """Convert SRC with headless LibreOffice into OUTDIR and return the written file.

    FMT is ``csv`` (UTF-8, comma, first sheet), ``csv-sheets`` (one UTF-8 CSV per sheet:
    returns the first; glob ``<stem>-*.csv`` for the rest), ``pdf``, ``xlsx``, ... or a
    full ``ext:filter`` string. For CSV input, INFILTER defaults to UTF-8 (:data:`SOFFICE_CSV_IN`).
    Each call has its own profile under TMP_PATH (shared profiles lose work when run in
    parallel) and ``HOME`` there. soffice exits 0 even when it fails, so the output file is
    checked, and the test fails with soffice's output when it is missing.
    """
    soffice = need("soffice")
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tmp_path)
    n = 0
    while (tmp / f"soffice-{n}").exists():
        n += 1
    work = tmp / f"soffice-{n}"
    (work / "home").mkdir(parents=True)
    convert_to = {"csv": SOFFICE_CSV, "csv-sheets": SOFFICE_CSV_ALL_SHEETS}.get(fmt, fmt)
    ext = convert_to.split(":", 1)[0]
    if infilter is None and src.suffix.lower() == ".csv":
        infilter = SOFFICE_CSV_IN
    cmd = [
        soffice,
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
    ]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", convert_to, "--outdir", str(outdir), str(src)]
    expected = outdir / f"{src.stem}.{ext}"
    for old in [expected, *outdir.glob(f"{src.stem}-*.{ext}")]:
        old.unlink(missing_ok=True)
    proc = subprocess.run(
        cmd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        env={**os.environ, "HOME": str(work / "home")},
        timeout=timeout,
        check=False,
    )
    written = [expected] if expected.is_file() else sorted(outdir.glob(f"{src.stem}-*.{ext}"))
    if not written:
        pytest.fail(
            f"soffice wrote no {ext} for {src.name} (rc={proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}",
            pytrace=False,
        )
    return written[0]
