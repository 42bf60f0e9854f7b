"""Plugin loading, the hooks, failure containment, the env switches, ``goaltrack plugins``, and
the built-in output formats (themselves a plugin).

Every test gets a fresh ``load_plugins()``; the real test plugins in ``tests/plugins/`` are
copied into a plugin directory under the test's ``tmp_path`` (they must not all load at once).
Entry points are off (``entrypoints=False``) except in the tests about entry points, which
install a fake distribution on ``sys.path``, and the CLI tests, which set
``GOALTRACK_LOAD_PLUGINS=""`` so that installed first-party plugins cannot change their output.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import cli_env, run_cli

import goaltrack
from goaltrack import hookspecs, plugins
from goaltrack.cli import cli
from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import (
    Column,
    ComputedValue,
    DataSource,
    Finding,
    IndicatorSpec,
    Observation,
    RejectedRow,
    RenderOptions,
    Report,
    Score,
    SourceRow,
    Table,
)
from goaltrack.plugins import load_plugins

TEST_PLUGINS = Path(__file__).resolve().parent / "plugins"
BUILTIN_FORMATS = "goaltrack.default_plugins.formats"
BUILTINS = list(plugins.DEFAULT_PLUGINS)  # more built-ins land over time
NO_ENTRY_POINTS = {"GOALTRACK_LOAD_PLUGINS": ""}

PluginDir = Callable[..., Path]


@pytest.fixture
def plugin_dir(tmp_path: Path) -> PluginDir:
    """``plugin_dir("a", "b", name="plugins")``: a directory holding copies of test plugins."""

    def make(*names: str, name: str = "plugins") -> Path:
        directory = tmp_path / name
        directory.mkdir(exist_ok=True)
        for plugin in names:
            shutil.copy(TEST_PLUGINS / f"{plugin}.py", directory)
        return directory

    return make


def test_plugin_commands_do_not_leak_between_runs(plugin_dir, cli_runner) -> None:
    """A plugin dir's command exists for that run only, even in the same process."""
    directory = plugin_dir("command_hello")
    first = cli_runner.invoke(cli, ["--plugins-dir", str(directory), "hello"])
    assert first.exit_code == 0, first.output
    second = cli_runner.invoke(cli, ["hello"])
    assert second.exit_code == 2
    assert "No such command 'hello'" in second.output
    assert "hello" not in cli.commands


def load(*dirs: Path) -> plugins.Plugins:
    return load_plugins(plugin_dirs=list(dirs), entrypoints=False)


def spec(**kw: object) -> IndicatorSpec:
    fields: dict[str, object] = {"code": "I1", "name": "Employment", "unit": "count", "direction": "increase"}
    return IndicatorSpec(**{**fields, **kw})  # type: ignore[arg-type]


def small_report() -> Report:
    table = Table("goals", "Goals", [Column("code", "Code")], [("NG1",)])
    return Report(kind="coverage", title="Coverage", data={"goals": ["NG1"]}, tables=[table])


# --------------------------------------------------------------------------- one test per hook


def test_every_hook_has_a_test() -> None:
    hooks = {name for name, f in vars(hookspecs).items() if hasattr(f, "goaltrack_spec")}
    tested = {name.removeprefix("test_hook_") for name in globals() if name.startswith("test_hook_")}
    assert hooks, "no hooks found in goaltrack.hookspecs"
    assert hooks == tested  # also fails for a test left behind by a removed hook
    assert set(load().hook_names) == hooks


def test_hook_register_data_sources(plugin_dir: PluginDir, tmp_path: Path) -> None:
    p = load(plugin_dir("source_tsv"))
    source = p.get("data_sources", "tsv")
    assert isinstance(source, DataSource)
    assert p.registered_by("data_sources", "tsv") == "source_tsv"
    data = tmp_path / "m.tsv"
    data.write_text("indicator\tperiod\tvalue\nI1\t2021Q1\t5,5\nbad line\n", encoding="utf-8")
    assert list(source.read(data, {})) == [
        SourceRow(2, "I1", "2021Q1", "5,5"),
        RejectedRow(3, "expected 3 fields, got 1", "bad line\n"),
    ]


def test_hook_register_web_routes(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("web_hello"))
    routers: list[object] = []
    p.hook.register_web_routes(register=routers.append)
    [router] = routers
    assert [r.path for r in router.routes] == ["/plugins/web-hello"]  # type: ignore[attr-defined]
    assert p.warnings == []


def test_hook_register_scoring_methods(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("scoring_always_half"))
    method = p.scoring_methods["always-half"]
    obs = [Observation("2021", dt.date(2021, 1, 1), dt.date(2021, 12, 31), 3.0)]
    assert method.score(spec(), obs) == Score(0.5, "at-risk", "I1: always 0.50")
    assert method.score(spec(), []) == Score(None, "no-data", "I1: no data")
    assert p.registered_by("scoring_methods", "always-half") == "scoring_always_half"


def test_hook_register_output_formats(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("format_upper"))
    assert {"table", "json", "csv", "upper"} <= set(p.output_formats)
    assert p.get("output_formats", "upper").render(small_report(), RenderOptions()) == "COVERAGE\nGOALS\n"
    assert p.registered_by("output_formats", "upper") == "format_upper"
    # The built-ins are registered through the same hook, by a plugin like any other.
    assert p.registered_by("output_formats", "json") == BUILTIN_FORMATS


def test_hook_register_indicators(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("indicator_constant"))
    kind = p.indicator_kinds["constant"]
    indicator = spec(parameters={"value": 2, "periods": ["2021", "2022"]})
    assert kind.compute(None, 1, indicator) == [ComputedValue("2021", 2.0), ComputedValue("2022", 2.0)]  # type: ignore[arg-type]
    assert p.registered_by("indicators", "constant") == "indicator_constant"


def test_hook_register_checks(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("check_t001"))
    check = p.checks["T001"]  # checks are keyed by rule id
    assert list(check.run(None, 1, {"flag": ["I9"]})) == [  # type: ignore[arg-type]
        Finding("T001", "info", "indicator I9 is flagged", "indicator", "I9")
    ]
    assert p.registered_by("checks", "T001") == "check_t001"


def test_hook_register_commands(plugin_dir: PluginDir, cli_runner) -> None:
    d = plugin_dir("command_hello")
    result = cli_runner.invoke(cli, ["--plugins-dir", str(d), "hello", "Kalundborg"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello, Kalundborg!\n"
    assert load(d).describe()[0]["registered"] == {"commands": ["hello"]}


def test_hook_prepare_jinja2_environment(plugin_dir: PluginDir) -> None:
    import jinja2

    env = jinja2.Environment(autoescape=True)
    load(plugin_dir("jinja_shout")).hook.prepare_jinja2_environment(env=env)
    assert env.from_string("{{ 'hi' | shout }} {{ plugin_name }}").render() == "HI! jinja_shout"


# --------------------------------------------------------------------------- failures are contained


def test_broken_plugin_is_one_warning_and_the_rest_works(plugin_dir: PluginDir, capsys) -> None:
    p = load(plugin_dir("broken_import", "format_upper"))
    message = (
        "could not load plugin broken_import "
        "(ModuleNotFoundError: No module named 'goaltrack_no_such_dependency')"
    )
    assert capsys.readouterr().err == f"goaltrack: {message}\n"
    assert p.warnings == [message]
    assert p.names == [*BUILTINS, "format_upper"]
    assert {"table", "json", "csv", "upper"} <= set(p.output_formats)
    assert not [m for m in sys.modules if m.startswith("_goaltrack_plugin_broken_import")]


def test_broken_plugin_cli_still_works(plugin_dir: PluginDir) -> None:
    d = plugin_dir("broken_import", "format_upper")
    result = run_cli("--plugins-dir", d, "plugins", "--format", "json", env=NO_ENTRY_POINTS)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "goaltrack: could not load plugin broken_import "
        "(ModuleNotFoundError: No module named 'goaltrack_no_such_dependency')"
    ]
    assert [row["name"] for row in json.loads(result.stdout)] == ["format_upper"]


def test_raising_hook_loses_only_that_plugins_registrations(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("raises_in_hook", "format_upper"))
    formats = p.output_formats
    assert "half-done" not in formats
    assert {"upper", "json"} <= set(formats)
    assert p.warnings == [
        "plugin raises_in_hook failed in register_output_formats "
        "(RuntimeError: boom in register_output_formats); skipped everything it registered there"
    ]


def test_raising_register_commands_is_undone(plugin_dir: PluginDir, cli_runner) -> None:
    d = plugin_dir("raises_in_hook", "command_hello")
    result = cli_runner.invoke(cli, ["--plugins-dir", str(d), "oops"])
    assert result.exit_code == 2
    assert "No such command 'oops'" in result.stderr
    assert (
        "goaltrack: plugin raises_in_hook failed in register_commands "
        "(RuntimeError: boom in register_commands)\n"
    ) in result.stderr
    result = cli_runner.invoke(cli, ["--plugins-dir", str(d), "hello"])
    assert (result.exit_code, result.stdout) == (0, "Hello, world!\n")


def test_clash_is_an_error_naming_both_plugins(plugin_dir: PluginDir, monkeypatch) -> None:
    d = plugin_dir("clash_a", "clash_b")
    expected = (
        "output format 'clash' is registered by two plugins, clash_a and clash_b; "
        "remove or block one with GOALTRACK_DISABLE_PLUGINS"
    )
    with pytest.raises(PluginError) as info:
        load(d).output_formats  # noqa: B018 - the access builds the registry
    assert str(info.value) == expected
    result = run_cli("--plugins-dir", d, "plugins", env=NO_ENTRY_POINTS)
    assert (result.returncode, result.stderr) == (1, f"Error: {expected}\n")
    monkeypatch.setenv("GOALTRACK_DISABLE_PLUGINS", "clash_b")
    assert load(d).output_formats["clash"].render(small_report(), RenderOptions()) == "a\n"


def test_misspelled_hook_is_reported(plugin_dir: PluginDir, capsys) -> None:
    p = load(plugin_dir("misspelled_hook"))
    message = (
        "plugin misspelled_hook implements unknown hook register_output_format "
        "(did you mean register_output_formats?)"
    )
    assert p.warnings == [message]
    assert capsys.readouterr().err == f"goaltrack: {message}\n"
    assert "misspelled_hook" in p.names  # its typo is harmless: that function is never called


def test_wrong_type_is_refused(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("wrong_type"))
    assert "dict-format" not in p.output_formats
    assert p.warnings == [
        "plugin wrong_type failed in register_output_formats (TypeError: register() for "
        "register_output_formats takes a goaltrack.interfaces.OutputFormat instance, got dict); "
        "skipped everything it registered there"
    ]


_FORMAT = """
from goaltrack import hookimpl
from goaltrack.interfaces import Check, OutputFormat

class Fmt(OutputFormat):
    name = "fmt"
    extension = "txt"
    media_type = "text/plain"
    def render(self, report, options):
        return ""
"""


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "@hookimpl\ndef register_output_formats(register):\n    register(Fmt)\n",
            "TypeError: register() takes an instance, not a class: register(Fmt())",
        ),
        (
            "class NoExt(Fmt):\n    extension = ''\n"
            "@hookimpl\ndef register_output_formats(register):\n    register(NoExt())\n",
            "TypeError: NoExt.extension must be a non-empty string, got ''",
        ),
        (
            "class Loud(Check):\n    rule_id = 'X1'\n    severity = 'fatal'\n"
            "    def run(self, conn, plan_id, settings):\n        return []\n"
            "@hookimpl\ndef register_checks(register):\n    register(Loud())\n",
            "TypeError: Loud.severity must be one of error, warning, info, got 'fatal'",
        ),
        (
            "KEEP = []\n@hookimpl\ndef register_output_formats(register):\n    KEEP.append(register)\n"
            "@hookimpl\ndef register_checks(register):\n    KEEP[0](Fmt())\n",
            "RuntimeError: register() was called after register_output_formats returned",
        ),
    ],
    ids=["class-not-instance", "missing-attribute", "bad-severity", "late-register"],
)
def test_register_refuses_bad_objects(tmp_path: Path, body: str, error: str) -> None:
    d = tmp_path / "plugins"
    d.mkdir()
    (d / "bad.py").write_text(_FORMAT + body, encoding="utf-8")
    p = load(d)
    p.output_formats  # noqa: B018
    p.checks  # noqa: B018
    assert len(p.warnings) == 1
    assert p.warnings[0].startswith("plugin bad failed in register_")
    assert f"({error})" in p.warnings[0]


def test_same_plugin_registering_a_name_twice_is_an_error(tmp_path: Path) -> None:
    d = tmp_path / "plugins"
    d.mkdir()
    body = "@hookimpl\ndef register_output_formats(register):\n    register(Fmt())\n    register(Fmt())\n"
    (d / "twice.py").write_text(_FORMAT + body, encoding="utf-8")
    with pytest.raises(PluginError, match=r"^plugin twice registers output format 'fmt' twice$"):
        load(d).output_formats  # noqa: B018


@pytest.mark.parametrize(
    ("plugin", "match"),
    [
        ("broken_import", r"could not load plugin broken_import \(ModuleNotFoundError"),
        ("raises_in_hook", r"plugin raises_in_hook failed in register_output_formats"),
        ("misspelled_hook", r"plugin misspelled_hook implements unknown hook"),
        ("wrong_type", r"plugin wrong_type failed in register_output_formats \(TypeError"),
    ],
)
def test_strict_mode_raises(plugin_dir: PluginDir, monkeypatch, capsys, plugin: str, match: str) -> None:
    monkeypatch.setenv("GOALTRACK_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=match):
        load(plugin_dir(plugin)).output_formats  # noqa: B018
    assert capsys.readouterr().err == ""  # an error, not a warning as well


def test_missing_builtin_module_is_an_error_only_in_strict_mode(monkeypatch, capsys) -> None:
    missing = "goaltrack.default_plugins.not_written_yet"
    monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", (*plugins.DEFAULT_PLUGINS, missing))
    p = load()
    assert (p.warnings, capsys.readouterr().err) == ([], "")
    assert "json" in p.output_formats
    monkeypatch.setenv("GOALTRACK_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=f"built-in plugin {missing} is listed in DEFAULT_PLUGINS"):
        load()


# --------------------------------------------------------------------------- finding and choosing plugins


def test_each_load_is_fresh(plugin_dir: PluginDir) -> None:
    d = plugin_dir("format_upper")
    first, second, bare = load(d), load(d), load()
    assert "upper" not in bare.output_formats  # nothing carried over from the loads before
    # The file is executed afresh each time: no module state is shared between two loads.
    assert type(first.output_formats["upper"]) is not type(second.output_formats["upper"])


def test_registries_match_the_hooks_and_interfaces() -> None:
    from goaltrack.interfaces import REGISTRY_TYPES

    assert {kind: spec.base for kind, spec in plugins.KINDS.items()} == REGISTRY_TYPES
    assert {spec.hook for spec in plugins.KINDS.values()} == {
        # register_commands adds to a click group and register_web_routes routers to the web
        # application: neither fills a registry.
        name for name in load().hook_names
        if name.startswith("register_") and name not in ("register_commands", "register_web_routes")
    }


def test_disable_blocks_a_builtin(plugin_dir: PluginDir, monkeypatch) -> None:
    monkeypatch.setenv("GOALTRACK_DISABLE_PLUGINS", f"{BUILTIN_FORMATS}, broken_import")
    p = load(plugin_dir("format_upper", "broken_import"))
    assert list(p.output_formats) == ["html", "markdown", "upper"]  # html, markdown: formats_templated
    assert p.warnings == []  # a blocked plugin is not even imported
    assert [row["name"] for row in p.describe(all=True)] == [*(b for b in BUILTINS if b != BUILTIN_FORMATS),
                                                             "format_upper"]
    with pytest.raises(UsageError, match=r"^unknown output format 'json' \(known: html, markdown, upper\)$") as info:
        p.get("output_formats", "json")
    assert info.value.exit_code == 2


def test_disable_warns_about_unknown_names(monkeypatch) -> None:
    monkeypatch.setenv("GOALTRACK_LOAD_PLUGINS", "")
    monkeypatch.setenv("GOALTRACK_DISABLE_PLUGINS", "formats")  # the short name is not a name
    p = load_plugins()
    assert len(p.warnings) == 1
    assert p.warnings[0].startswith("GOALTRACK_DISABLE_PLUGINS names no plugin: formats (plugins found: ")
    assert BUILTIN_FORMATS in p.warnings[0]


def test_plugin_dirs_rules(plugin_dir: PluginDir, tmp_path: Path) -> None:
    one = plugin_dir("format_upper", name="one")
    two = plugin_dir("format_upper", name="two")
    shutil.copy(TEST_PLUGINS / "command_hello.py", one / "_helper.py")  # "_" files are skipped
    p = load(one, one, two, tmp_path / "missing")
    assert p.names == [*BUILTINS, "format_upper"]
    assert p.warnings == [
        f"could not load plugin format_upper from {two / 'format_upper.py'} (the name is taken "
        f"by {one / 'format_upper.py'}; rename one, or block one with GOALTRACK_DISABLE_PLUGINS)",
        f"could not load plugins from {tmp_path / 'missing'} (no such directory)",
    ]


@pytest.fixture
def fake_dist(tmp_path: Path, monkeypatch):
    """An installed distribution ``fake-goaltrack-plugins 1.2.3`` with two ``goaltrack`` entry
    points: ``fake-ep`` (a scoring method) and ``fake-broken`` (its module does not exist)."""
    site = tmp_path / "site"
    info = site / "fake_goaltrack_plugins-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-goaltrack-plugins\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(
        "[goaltrack]\nfake-ep = fake_goaltrack_ep\nfake-broken = fake_goaltrack_missing\n"
    )
    shutil.copy(TEST_PLUGINS / "scoring_always_half.py", site / "fake_goaltrack_ep.py")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("fake_goaltrack_ep", None)


def test_entry_points_load_one_by_one(fake_dist: Path, capsys) -> None:
    p = load_plugins()
    assert p.warnings == [
        "could not load plugin fake-broken (ModuleNotFoundError: No module named 'fake_goaltrack_missing')"
    ]
    rows = {row["name"]: row for row in p.describe()}
    assert rows["fake-ep"] == {
        "name": "fake-ep",
        "version": "1.2.3",
        "hooks": ["register_scoring_methods"],
        "registered": {"scoring_methods": ["always-half"]},
    }


@pytest.mark.parametrize(("allow", "loaded"), [("fake-ep", ["fake-ep"]), ("", [])])
def test_load_plugins_allowlist(fake_dist: Path, monkeypatch, allow: str, loaded: list[str]) -> None:
    monkeypatch.setenv("GOALTRACK_LOAD_PLUGINS", allow)
    p = load_plugins()
    assert p.warnings == []  # fake-broken is not even tried
    assert [name for name in p.names if name.startswith("fake")] == loaded


def test_entry_points_off(fake_dist: Path) -> None:
    assert load_plugins(entrypoints=False).names == BUILTINS


def test_trace(monkeypatch, capsys) -> None:
    monkeypatch.setenv("GOALTRACK_TRACE_PLUGINS", "1")
    load().output_formats  # noqa: B018
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"goaltrack: trace: register_output_formats(register) -> {BUILTIN_FORMATS}"
    assert err[1] == "goaltrack: trace: register_output_formats returned []"


def test_describe_filters_by_hook(plugin_dir: PluginDir) -> None:
    p = load(plugin_dir("command_hello", "format_upper"))
    assert [r["name"] for r in p.describe(all=True, hook="register_output_formats")] == [
        BUILTIN_FORMATS,
        "goaltrack.default_plugins.formats_templated",
        "format_upper",
    ]
    assert [r["name"] for r in p.describe(hook="register_commands")] == ["command_hello"]
    with pytest.raises(UsageError, match=r"^unknown hook 'register_command' \(hooks: prepare_jinja2"):
        p.describe(hook="register_command")


def test_hooks_take_keywords_only() -> None:
    with pytest.raises(TypeError):
        load().hook.register_commands(object())  # type: ignore[call-arg]
    with pytest.raises(AttributeError, match="goaltrack has no hook 'register_command'"):
        load().hook.register_command  # noqa: B018


# --------------------------------------------------------------------------- goaltrack plugins


def _builtin_row_ok(row: dict) -> bool:
    return (
        row["version"] == goaltrack.__version__
        and row["hooks"] == ["register_output_formats"]
        and {"csv", "json", "table"} <= set(row["registered"]["output_formats"])
    )


THIRD_PARTY = [
    {"name": "command_hello", "version": None, "hooks": ["register_commands"], "registered": {"commands": ["hello"]}},
    {
        "name": "format_upper",
        "version": None,
        "hooks": ["register_output_formats"],
        "registered": {"output_formats": ["upper"]},
    },
]


def test_plugins_command_json(plugin_dir: PluginDir, cli_runner, monkeypatch) -> None:
    monkeypatch.setenv("GOALTRACK_LOAD_PLUGINS", "")
    d = plugin_dir("command_hello", "format_upper")
    result = cli_runner.invoke(cli, ["--plugins-dir", str(d), "plugins", "--all", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    builtins = [r for r in rows if r["name"].startswith("goaltrack.default_plugins.")]
    assert {r["name"] for r in builtins} <= set(plugins.DEFAULT_PLUGINS)
    assert _builtin_row_ok(next(r for r in builtins if r["name"] == BUILTIN_FORMATS))
    assert [r for r in rows if r not in builtins] == THIRD_PARTY


def test_plugins_command_table(plugin_dir: PluginDir, cli_runner, monkeypatch) -> None:
    monkeypatch.setenv("GOALTRACK_LOAD_PLUGINS", "")
    d = plugin_dir("command_hello", "format_upper")
    result = cli_runner.invoke(cli, ["--plugins-dir", str(d), "plugins"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "command_hello\n  hooks: register_commands\n  commands: hello\n\n"
        "format_upper\n  hooks: register_output_formats\n  output_formats: upper\n"
    )
    result = cli_runner.invoke(cli, ["plugins"])
    assert result.stdout == "No plugins installed. Use --all to include the built-ins.\n"


def test_plugins_command_subprocess(plugin_dir: PluginDir) -> None:
    d = plugin_dir("command_hello", "format_upper")
    result = run_cli("--plugins-dir", d, "plugins", "--all", "--format", "json", env=NO_ENTRY_POINTS)
    assert (result.returncode, result.stderr) == (0, "")
    rows = json.loads(result.stdout)
    assert _builtin_row_ok(rows[0])
    assert rows[-2:] == THIRD_PARTY
    hello = run_cli("--plugins-dir", d, "hello", "plugin", env=NO_ENTRY_POINTS)
    assert (hello.returncode, hello.stdout) == (0, "Hello, plugin!\n")


_NO_HEAVY_IMPORTS = """
import sys
from goaltrack.cli import cli
cli.main(sys.argv[1:], prog_name="goaltrack", standalone_mode=False)
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in {"sqlalchemy", "sqlmodel", "pydantic", "jinja2"}
    or m.startswith(("goaltrack.plugins", "goaltrack.default_plugins", "_goaltrack_plugin_"))
)
print("HEAVY:", heavy)
"""


@pytest.mark.parametrize("args", [["--help"], ["plugins", "--help"]], ids=["root", "plugins"])
def test_help_imports_no_plugin_and_no_heavy_library(plugin_dir: PluginDir, args: list[str]) -> None:
    d = plugin_dir("command_hello", "broken_import")  # broken_import would warn if imported
    result = subprocess.run(
        [sys.executable, "-c", _NO_HEAVY_IMPORTS, "--plugins-dir", str(d), *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Usage: goaltrack" in result.stdout
    assert result.stdout.endswith("HEAVY: []\n")


# --------------------------------------------------------------------------- the built-in formats


def _budget_report() -> Report:
    columns = [Column("goal", "Goal"), Column("amount", "Amount", "int"), Column("share", "Share", "percent")]
    table = Table("budget", "Budget", columns, [("Jobs", 540225, 12.4), ("Skills", None, -2.5)])
    return Report(kind="budget", title="Budget", data={}, tables=[table])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Budget\nGoal     Amount  Share\n------  -------  -----\nJobs    540,225  12.4%\nSkills           "
               "-2.5%\n"),
        # "Goal" is in the catalogs ("Mål"); "Amount" and "Share" are not, so they stay English.
        ("da", "Budget\nMål      Amount   Share\n------  -------  ------\nJobs    540.225  12,4 %\nSkills           "
               "-2,5 %\n"),
    ],
)
def test_table_format(lang: str, expected: str) -> None:
    fmt = load().get("output_formats", "table")
    assert fmt.render(_budget_report(), RenderOptions(lang=lang)) == expected


def test_json_format_is_deterministic() -> None:
    fmt = load().get("output_formats", "json")
    report = Report(kind="x", title="X", data={"b": 1, "a": "Kalundborg Kommune – æøå"})
    assert fmt.render(report, RenderOptions()) == '{\n  "b": 1,\n  "a": "Kalundborg Kommune – æøå"\n}\n'
    with pytest.raises(ValueError):
        fmt.render(Report(kind="x", title="X", data={"v": float("nan")}), RenderOptions())


def test_csv_format_neutralises_formulas_but_not_numbers() -> None:
    columns = [Column("text", "Text"), Column("value", "Value", "number")]
    rows = [("=SUM(A1:A2)", -3), ("-5", -2.5), ("+1", None), ("@cmd", 0), ("-1+2", 1), ("plain, text", 2)]
    report = Report(kind="x", title="X", data={}, tables=[Table("t", "T", columns, rows)])
    out = load().get("output_formats", "csv").render(report, RenderOptions())
    assert out == (
        "text,value\n'=SUM(A1:A2),-3\n-5,-2.5\n'+1,\n'@cmd,0\n'-1+2,1\n\"plain, text\",2\n"
    )


def test_csv_format_several_tables() -> None:
    tables = [Table(n, n.title(), [Column("k", "K")], [(n,)]) for n in ("one", "two")]
    out = load().get("output_formats", "csv").render(Report("x", "X", {}, tables), RenderOptions())
    assert out == "# one\nk\none\n\n# two\nk\ntwo\n"
    with pytest.raises(UsageError, match="the x report has no tables"):
        load().get("output_formats", "csv").render(Report("x", "X", {}), RenderOptions())
