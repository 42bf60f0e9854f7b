"""Fixtures for goaltrack's tests.

Every test is isolated (autouse :func:`_isolate`): ``GOALTRACK_DB`` points at a SQLite file in
its ``tmp_path``, ``HOME`` and the XDG dirs are empty temp dirs (no user config leaks in), the
working directory is ``tmp_path``, and the plugin-control variables are unset (entry-point
plugins, i.e. the installed first-party ones, stay on), as are ``GOALTRACK_USER`` and
``GOALTRACK_TOKEN`` (who acts).

Databases:
- ``pg_server_url`` (session): a PostgreSQL server tests may create databases on, in this order:
  ``GOALTRACK_TEST_PG_URL`` (``.ci/run`` sets it) -> a throwaway cluster started from the local
  server binaries (as the ``postgres`` user via ``runuser`` when root) -> skip with the reason,
  or fail when ``GOALTRACK_REQUIRE_PG=1`` (or ``CI=true``).
- ``pg_url``: a fresh, empty PostgreSQL database for one test, dropped afterwards.
- ``db_url``: parametrized ``sqlite`` / ``postgresql``; a test that takes it runs on both
  backends. Tests using PostgreSQL carry the ``postgres`` mark (``-m "not postgres"`` skips them).

Real browser (Playwright's sync API driving Debian's ``chromium``; helpers in ``browser_support``):
- ``browser`` (session): a Playwright ``Browser``; skipped locally with the reason, failed in CI
  or with ``GOALTRACK_REQUIRE_BROWSER=1``, when Chromium or Playwright is missing. Closed, and
  Playwright stopped, at the end of the session.
- ``page``: a ``Page`` in a fresh browser context (own cookies and storage), 1280x900; closed
  after the test. Tests using either carry the ``browser`` mark.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:  # pytest's default import mode adds it; importlib mode does not
    sys.path.insert(0, TESTS)

import browser_support  # noqa: E402
from helpers import need, unavailable  # noqa: E402

PG_URL_ENV = "GOALTRACK_TEST_PG_URL"
PLUGIN_ENV_VARS = (
    "GOALTRACK_DISABLE_PLUGINS",
    "GOALTRACK_STRICT_PLUGINS",
    "GOALTRACK_TRACE_PLUGINS",
    "GOALTRACK_LOAD_PLUGINS",
    "GOALTRACK_PLUGINS_DIR",
)
OTHER_ENV_VARS = ("GOALTRACK_CONFIG", "GOALTRACK_LANG", "GOALTRACK_TEMPLATES", "GOALTRACK_USER", "GOALTRACK_TOKEN")


# --------------------------------------------------------------------------- isolation


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test in its own tmp_path with its own database, home and config dirs."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    # Tables fit $COLUMNS when set (a terminal's width): tests that need it set it themselves.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GOALTRACK_DB", str(tmp_path / "goaltrack.db"))
    for var in (*PLUGIN_ENV_VARS, *OTHER_ENV_VARS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli_runner() -> CliRunner:
    """A click ``CliRunner`` (click >= 8.2: ``result.stdout`` and ``result.stderr`` are kept
    apart, ``result.output`` is both interleaved as a terminal shows them)."""
    return CliRunner()


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> str | None:
    def version(path: str) -> int:
        v = path.split("/")[-2]
        return int(v) if v.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates = [os.environ.get("GOALTRACK_PG_BINDIR", ""), *found]
    if on_path := shutil.which("pg_ctl"):
        candidates.append(os.path.dirname(os.path.realpath(on_path)))
    for d in candidates:
        if d and all(os.access(f"{d}/{b}", os.X_OK) for b in ("initdb", "pg_ctl")):
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """``postgresql+psycopg://`` URL of a server on which tests may create databases."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable(
            "PG", "PostgreSQL tests: psycopg is not installed (pip install 'psycopg[binary]')"
        )
    if url := os.environ.get(PG_URL_ENV):
        yield url
        return
    bindir = _pg_bindir()
    if bindir is None:
        unavailable(
            "PG",
            f"PostgreSQL tests: no initdb/pg_ctl found; apt-get install postgresql or set {PG_URL_ENV}",
        )
    assert bindir is not None
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("PG", "PostgreSQL tests: running as root and there is no 'postgres' user")
        prefix = ["runuser", "-u", "postgres", "--"]
    tmp = tempfile.mkdtemp(prefix="gt-pg.", dir="/tmp")  # short: unix socket path limit ~107
    if owner:
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
    data, log, port = f"{tmp}/data", f"{tmp}/server.log", _free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args],
            cwd="/",  # the postgres user may not enter the test's cwd
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    opts = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    started = False
    try:
        r = run(
            f"{bindir}/initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        if r.returncode == 0:
            r = run(
                f"{bindir}/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", opts, "start"
            )
            started = r.returncode == 0
        if not started:
            detail = (r.stdout + r.stderr)[-1500:]
            if os.path.exists(log):
                with open(log) as f:
                    detail += "\n" + f.read()[-1500:]
            unavailable(
                "PG", f"PostgreSQL tests: could not start a cluster with {bindir}:\n{detail}"
            )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started or os.path.exists(f"{data}/postmaster.pid"):
            run(f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "30", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    u = make_url(pg_server_url)

    def admin() -> psycopg.Connection:
        return psycopg.connect(
            host=u.host,
            port=u.port,
            user=u.username,
            password=u.password,
            dbname=u.database,
            autocommit=True,
        )

    name = "t_" + uuid.uuid4().hex[:12]
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield u.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database's SQLAlchemy URL: a SQLite file in tmp_path, or a fresh PostgreSQL
    database (``pg_url``). Tests taking it run once per backend: ``test_x[sqlite]``,
    ``test_x[postgresql]``."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/t.db"
    return str(request.getfixturevalue("pg_url"))


# --------------------------------------------------------------------------- real browser

BROWSER_FIXTURES = ("browser", "page")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A Playwright ``Browser`` on Debian's headless Chromium, for the whole session."""
    chromium = need("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("BROWSER", "playwright is not installed (pip install -e '.[dev]')")
    home = tmp_path_factory.mktemp("chromium-home")  # crashpad and dconf write under $HOME
    pw = sync_playwright().start()
    browser_support.remember_loop(pw._loop)  # type: ignore[attr-defined]
    try:
        try:
            launched = pw.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=list(browser_support.CHROMIUM_ARGS),
                env={**os.environ, "HOME": str(home)},
                timeout=60_000,
            )
        except Exception as exc:  # e.g. a driver needing a newer Chromium
            pytest.fail(f"Playwright could not launch {chromium}: {exc}", pytrace=False)
        try:
            yield launched
        finally:
            browser_support.loop_marker_on()
            launched.close()
    finally:
        browser_support.loop_marker_on()
        pw.stop()
        browser_support.remember_loop(None)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A ``Page`` in its own browser context (1280x900 viewport, 20 s timeouts)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _playwright_loop_mark(request: pytest.FixtureRequest) -> Iterator[None]:
    """Playwright marks its asyncio loop as running in this thread between its calls, which
    makes ``asyncio.run()`` fail: keep the mark only during tests that use the browser."""
    if any(name in request.fixturenames for name in BROWSER_FIXTURES):
        browser_support.loop_marker_on()
    else:
        browser_support.loop_marker_off()
    yield
    browser_support.loop_marker_off()


# --------------------------------------------------------------------------- hooks


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses PostgreSQL with ``postgres``, and every one that uses the
    ``browser`` fixture with ``browser``, so ``-m`` can select them."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if any(n in names for n in BROWSER_FIXTURES) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
        if ("pg_url" in names or "pg_server_url" in names) and not item.get_closest_marker(
            "postgres"
        ):
            item.add_marker(pytest.mark.postgres)


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get(PG_URL_ENV):
        where = f"{PG_URL_ENV}={os.environ[PG_URL_ENV]}"
    elif bindir := _pg_bindir():
        where = f"throwaway cluster from {bindir}"
    else:
        where = "no server binaries (PostgreSQL tests skip)"
    return f"goaltrack: PostgreSQL: {where}"
