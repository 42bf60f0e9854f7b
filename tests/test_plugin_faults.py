"""Plugin faults (issue 7): a misbehaving plugin is named, and goaltrack keeps working.

A plugin that fails or exits on import, hangs on import (the user presses Ctrl-C), raises in
any hook, registers the wrong type or a clashing name, or breaks when goaltrack uses what it
registered (an output format's ``render``, a data source's ``read``, a check's ``run``, a
scoring method, a computed indicator) is reported by its name; the core commands keep
working; ``GOALTRACK_STRICT_PLUGINS=1`` turns every such warning into an error.

And plugins come only from where the user put them: the installed entry points and the
configured plugin directories. Nothing in the current directory is loaded by surprise.

tests/test_plugins.py covers the plugin manager itself; this module drives the real command
line (``python -m goaltrack`` in a subprocess) with plugin files written by each test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import bundled_db_in, cli_env, run_cli

HOOK_RAISES = {
    "register_data_sources": "register",
    "register_scoring_methods": "register",
    "register_output_formats": "register",
    "register_indicators": "register",
    "register_checks": "register",
    "register_commands": "cli",
    "prepare_jinja2_environment": "env",
}


@pytest.fixture(scope="module")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("faults-db")
    return bundled_db_in(where, cli_env({"GOALTRACK_DB": str(where / "bundled.db")}))


@pytest.fixture
def db(bundled_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "goaltrack.db"
    copy.write_bytes(bundled_db.read_bytes())
    return copy


def plugin_dir(tmp_path: Path, **files: str) -> Path:
    directory = tmp_path / "myplugins"
    directory.mkdir(exist_ok=True)
    for name, body in files.items():
        (directory / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return directory


def gt(db: Path, plugins: Path | None, *args: str, strict: bool = False,
       **env: str) -> subprocess.CompletedProcess[str]:
    extra = {"GOALTRACK_STRICT_PLUGINS": "1"} if strict else {}
    extra.update(env)
    where = ["--plugins-dir", str(plugins)] if plugins else []
    return run_cli("--db", db, *where, *args, env=extra)


def core_commands_work(db: Path, plugins: Path, plugin: str) -> None:
    """The commands that do not need the broken plugin still work, each warning about it.

    ``check`` and a report load every plugin and all they register; ``plan list`` needs none.
    """
    for args in (["plan", "list"], ["check"], ["report", "coverage", "--format", "markdown"]):
        proc = gt(db, plugins, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert f"plugin {plugin}" in proc.stderr or proc.stderr == "", (args, proc.stderr)


def assert_one_clear_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    error = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in error[0], proc.stderr


# --------------------------------------------------------------------------- failing on import


IMPORT_FAILURES = {
    "raises": "raise RuntimeError('no licence key configured')\n",
    "missing-dependency": "import goaltrack_no_such_dependency  # noqa: F401\n",
    "syntax-error": "def broken(:\n",
    "exits": "import sys\nsys.exit(3)\n",
    "exits-zero": "raise SystemExit(0)\n",
}


@pytest.mark.parametrize("body", IMPORT_FAILURES.values(), ids=IMPORT_FAILURES.keys())
def test_a_plugin_failing_on_import_is_named_and_skipped(db: Path, tmp_path: Path, body: str) -> None:
    plugins = plugin_dir(tmp_path, broken_one=body)
    proc = gt(db, plugins, "check")  # a command that loads the plugins (plan list need not)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("goaltrack: could not load plugin broken_one ("), proc.stderr
    assert "GT011" in proc.stdout

    strict = gt(db, plugins, "check", strict=True)
    assert_one_clear_error(strict, "could not load plugin broken_one")


def test_a_plugin_that_hangs_on_import_is_named_when_interrupted(db: Path, tmp_path: Path) -> None:
    """No timeout: the user presses Ctrl-C, and the message says which plugin was loading."""
    plugins = plugin_dir(
        tmp_path,
        slow_start="""
            import pathlib, time
            pathlib.Path(__file__).with_suffix(".started").write_text("importing")
            time.sleep(600)
        """,
    )
    started = plugins / "slow_start.started"
    proc = subprocess.Popen(
        [sys.executable, "-m", "goaltrack", "--db", str(db), "--plugins-dir", str(plugins), "check"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert started.exists(), "the plugin never started importing"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted while loading plugin slow_start" in err
    assert "GOALTRACK_DISABLE_PLUGINS=slow_start" in err
    assert "Traceback" not in err
    # ... and the advice works:
    blocked = gt(db, plugins, "check", GOALTRACK_DISABLE_PLUGINS="slow_start")
    assert blocked.returncode == 0 and blocked.stderr == "", blocked.stderr


def test_a_keyboard_interrupt_raised_by_a_plugin_is_not_swallowed(db: Path, tmp_path: Path) -> None:
    plugins = plugin_dir(tmp_path, ctrl_c="raise KeyboardInterrupt\n")
    proc = gt(db, plugins, "check")
    assert proc.returncode == 130
    assert "interrupted while loading plugin ctrl_c" in proc.stderr


# --------------------------------------------------------------------------- raising in a hook


@pytest.mark.parametrize("hook", HOOK_RAISES)
def test_a_plugin_raising_in_any_hook_is_named_and_the_rest_works(db: Path, tmp_path: Path, hook: str) -> None:
    plugins = plugin_dir(
        tmp_path,
        raises_here=f"""
            from goaltrack import hookimpl

            @hookimpl
            def {hook}({HOOK_RAISES[hook]}):
                raise ValueError("out of cheese in {hook}")
        """,
    )
    # every command touching the hook names the plugin and the hook, and still succeeds
    args = {
        "register_data_sources": ["import", "csv", str(tmp_path / "none.csv"), "--dry-run"],
        "register_scoring_methods": ["score"],
        "register_output_formats": ["report", "coverage", "--format", "json"],
        "register_indicators": ["score"],
        "register_checks": ["check"],
        "register_commands": ["plugins"],
        "prepare_jinja2_environment": ["report", "coverage", "--format", "html"],
    }[hook]
    (tmp_path / "none.csv").write_text("indicator,period,value\n")
    proc = gt(db, plugins, *args)
    assert proc.returncode == 0, proc.stderr
    assert f"goaltrack: plugin raises_here failed in {hook} (ValueError: out of cheese in {hook})" in proc.stderr
    core_commands_work(db, plugins, "raises_here")

    strict = gt(db, plugins, *args, strict=True)
    assert_one_clear_error(strict, f"plugin raises_here failed in {hook}")


# --------------------------------------------------------------------------- wrong types, clashes


def test_registering_the_wrong_type_is_named(db: Path, tmp_path: Path) -> None:
    plugins = plugin_dir(
        tmp_path,
        wrong_kind="""
            from goaltrack import hookimpl

            @hookimpl
            def register_checks(register):
                register("GT999: everything is fine")
        """,
    )
    proc = gt(db, plugins, "check")
    assert proc.returncode == 0, proc.stderr
    assert "plugin wrong_kind failed in register_checks (TypeError: register() for register_checks takes" in proc.stderr
    assert_one_clear_error(gt(db, plugins, "check", strict=True), "plugin wrong_kind failed")


def test_a_name_clashing_with_a_builtin_is_an_error_naming_both(db: Path, tmp_path: Path) -> None:
    plugins = plugin_dir(
        tmp_path,
        my_json="""
            from goaltrack import hookimpl
            from goaltrack.interfaces import OutputFormat

            class Json(OutputFormat):
                name = "json"
                extension = "json"
                media_type = "application/json"

                def render(self, report, options):
                    return "{}"

            @hookimpl
            def register_output_formats(register):
                register(Json())
        """,
    )
    clash = gt(db, plugins, "report", "coverage", "--format", "json")
    assert_one_clear_error(clash, "output format 'json' is registered by two plugins", "my_json")
    # commands that need no output format keep working
    for args in (["plan", "list"], ["tree"]):
        assert gt(db, plugins, *args).returncode == 0
    # and blocking one of the two, as the message says, resolves it
    blocked = gt(db, plugins, "report", "coverage", "--format", "json", GOALTRACK_DISABLE_PLUGINS="my_json")
    assert blocked.returncode == 0, blocked.stderr


MISBEHAVING_OBJECTS = """
from goaltrack import hookimpl
from goaltrack.interfaces import Check, DataSource, IndicatorKind, OutputFormat, ScoringMethod


class IntFormat(OutputFormat):
    name = "int-format"
    extension = "txt"
    media_type = "text/plain"

    def render(self, report, options):
        return 42


class RaisingFormat(OutputFormat):
    name = "raising-format"
    extension = "txt"
    media_type = "text/plain"

    def render(self, report, options):
        raise RuntimeError("printer on fire")


class DictSource(DataSource):
    name = "dict-source"

    def read(self, path, options):
        yield {"indicator": "MM13", "period": "2021", "value": "5"}


class RaisingSource(DataSource):
    name = "raising-source"

    def read(self, path, options):
        raise RuntimeError("the API is down")
        yield


class RaisingCheck(Check):
    rule_id = "X001"
    severity = "warning"
    description = "raises"

    def run(self, conn, plan_id, settings):
        raise RuntimeError("check crashed")


class StringCheck(Check):
    rule_id = "X002"
    severity = "warning"
    description = "yields text"

    def run(self, conn, plan_id, settings):
        yield "all good"


class NoneScore(ScoringMethod):
    name = "none-score"
    description = "returns None"

    def score(self, indicator, observations):
        return None


class RaisingKind(IndicatorKind):
    name = "raising-kind"
    description = "raises"

    def compute(self, conn, plan_id, indicator):
        raise ZeroDivisionError("division by zero")


@hookimpl
def register_output_formats(register):
    register(IntFormat())
    register(RaisingFormat())


@hookimpl
def register_data_sources(register):
    register(DictSource())
    register(RaisingSource())


@hookimpl
def register_checks(register):
    register(RaisingCheck())
    register(StringCheck())


@hookimpl
def register_scoring_methods(register):
    register(NoneScore())


@hookimpl
def register_indicators(register):
    register(RaisingKind())
"""


@pytest.mark.parametrize(
    "args, fragments",
    [
        pytest.param(["report", "coverage", "--format", "int-format"],
                     ["plugin misbehaving failed", "output format 'int-format' returned int"], id="render-wrong-type"),
        pytest.param(["report", "coverage", "--format", "raising-format"],
                     ["plugin misbehaving failed", "RuntimeError: printer on fire"], id="render-raises"),
        pytest.param(["import", "dict-source", "{csv}"],
                     ["plugin misbehaving failed",
                      "data source 'dict-source' gave dict for a row"], id="read-wrong-type"),
        pytest.param(["import", "raising-source", "{csv}"],
                     ["plugin misbehaving failed", "RuntimeError: the API is down"], id="read-raises"),
    ],
)
def test_what_a_plugin_registered_fails_naming_the_plugin(
    db: Path, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    plugins = plugin_dir(tmp_path, misbehaving=MISBEHAVING_OBJECTS)
    csv = tmp_path / "data.csv"
    csv.write_text("indicator,period,value\nMM13,2021,5\n")
    proc = gt(db, plugins, *[a.format(csv=csv) for a in args])
    assert_one_clear_error(proc, *fragments)


def test_a_failing_check_is_skipped_and_the_others_run(db: Path, tmp_path: Path) -> None:
    plugins = plugin_dir(tmp_path, misbehaving=MISBEHAVING_OBJECTS)
    proc = gt(db, plugins, "check")
    assert proc.returncode == 0, proc.stderr
    for message in (
        "plugin misbehaving failed in check 'X001' (RuntimeError: check crashed); the check was skipped",
        "plugin misbehaving failed in check 'X002' (TypeError: run() must yield Finding objects, not str)",
    ):
        assert message in proc.stderr
    assert "GT011" in proc.stdout  # the built-in checks ran
    assert_one_clear_error(gt(db, plugins, "check", strict=True), "plugin misbehaving failed in check 'X001'")
    core_commands_work(db, plugins, "misbehaving")


def _plan_with_plugin_methods(tmp_path: Path, scoring: str | None, computed: str | None) -> Path:
    extra = []
    if scoring:
        extra.append(f"    scoring: {{method: {scoring}}}\n")
    if computed:
        extra.append(f"    computed: {computed}\n")
    plan = tmp_path / "plugin-plan.yaml"
    plan.write_text(
        "goaltrack: 1\nplan: {slug: plugin-plan, title: Plugin plan (synthetic), organisation: tests, years: [2021]}\n"
        "indicators:\n  - code: K1\n    name: One\n    unit: persons\n" + "".join(extra),
        encoding="utf-8",
    )
    return plan


@pytest.mark.parametrize(
    "scoring, computed, fragment",
    [
        pytest.param("none-score", None, "scoring method 'none-score' returned NoneType, not a Score",
                     id="score-wrong-type"),
        pytest.param(None, "raising-kind", "ZeroDivisionError: division by zero", id="compute-raises"),
    ],
)
def test_scoring_with_a_broken_plugin_method_names_it(
    tmp_path: Path, scoring: str | None, computed: str | None, fragment: str
) -> None:
    plugins = plugin_dir(tmp_path, misbehaving=MISBEHAVING_OBJECTS)
    db = tmp_path / "p.db"
    loaded = gt(db, plugins, "plan", "load", str(_plan_with_plugin_methods(tmp_path, scoring, computed)))
    assert loaded.returncode == 0, loaded.stderr
    assert_one_clear_error(gt(db, plugins, "score"), "plugin misbehaving failed", fragment)
    assert gt(db, plugins, "plan", "list").returncode == 0


# --------------------------------------------------------------------------- turning plugins off


def test_disable_and_allow_lists_silence_a_broken_plugin(db: Path, tmp_path: Path) -> None:
    plugins = plugin_dir(tmp_path, broken_one="raise RuntimeError('broken')\n")
    assert "could not load plugin broken_one" in gt(db, plugins, "check").stderr
    quiet = gt(db, plugins, "check", GOALTRACK_DISABLE_PLUGINS="broken_one")
    assert quiet.returncode == 0 and quiet.stderr == ""
    # GOALTRACK_LOAD_PLUGINS='' loads no entry-point plugin (xlsx, jobindsats...) at all
    listed = gt(db, None, "plugins", "--format", "json", GOALTRACK_LOAD_PLUGINS="")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]"


# --------------------------------------------------------------------------- nothing from the cwd


def _booby_trapped(directory: Path) -> Path:
    """A directory full of things a careless loader would pick up; each writes a marker."""
    marker = directory / "MARKERS"
    marker.mkdir()
    trap = f"open({str(marker)!r} + '/' + __name__, 'w').write('loaded')\n"
    (directory / "plugins").mkdir()
    (directory / "plugins" / "cwd_plugin_dir.py").write_text(trap)
    (directory / "goaltrack_cwd.py").write_text(trap)
    (directory / "goaltrack_plugins.py").write_text(trap)
    (directory / "conftest_like.py").write_text(trap)
    # an "installed" distribution with a goaltrack entry point, as pip would leave it
    dist = directory / "trap-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: trap\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[goaltrack]\ntrap = goaltrack_cwd\n")
    (directory / "goaltrack.toml").write_text("[recording]\nby = \"tester\"\n")  # no [plugins]
    return marker


@pytest.mark.parametrize("runner", ["python-m", "console-script"])
def test_nothing_is_loaded_from_the_current_directory(db: Path, tmp_path: Path, runner: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    marker = _booby_trapped(work)
    if runner == "python-m":
        cmd = [sys.executable, "-m", "goaltrack"]
    else:
        script = Path(sys.executable).with_name("goaltrack")
        if not script.exists():
            pytest.skip("no goaltrack console script beside this Python")
        cmd = [str(script)]
    for args in (["plugins", "--all"], ["plan", "list"], ["report", "coverage", "--format", "html"]):
        proc = subprocess.run(
            [*cmd, "--db", str(db), *args], capture_output=True, text=True, cwd=work,
            env=cli_env(), timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "trap" not in proc.stdout and "cwd" not in proc.stdout
    assert sorted(os.listdir(marker)) == []


def test_plugin_dirs_come_from_the_config_file_relative_to_it(db: Path, tmp_path: Path) -> None:
    """``[plugins] dirs`` is read relative to the config file, not to the current directory."""
    project = tmp_path / "project"
    (project / "plugins").mkdir(parents=True)
    (project / "plugins" / "configured.py").write_text(
        "from goaltrack import hookimpl\n\n@hookimpl\ndef register_checks(register):\n    pass\n"
    )
    (project / "goaltrack.toml").write_text('[plugins]\ndirs = ["plugins"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run_cli("--db", db, "--config", project / "goaltrack.toml", "plugins", "--format", "json", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert '"name": "configured"' in proc.stdout
