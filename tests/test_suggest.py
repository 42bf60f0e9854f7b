"""Did-you-mean hints (issue 11): unknown commands, codes, plans, formats and the install hint
for goaltrack's own optional plugins, through the real command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import REPO, bundled_db_in, cli_env, run_cli

from goaltrack.suggest import close_matches, hint, unknown

PLUGINS = REPO / "tests" / "plugins"


def test_close_matches_prefers_a_case_insensitive_equal() -> None:
    assert close_matches("mm13", ["MM17", "MM13", "mm-13"]) == ["MM13"]
    assert close_matches("reprot", ["report", "record", "score"]) == ["report"]
    assert close_matches("zzz", ["report", "record"]) == []


def test_hint_lists_the_known_names_when_none_is_close() -> None:
    assert hint("zzz", ["a", "b"]) == " (known: a, b)"
    assert hint("zzz", [f"c{i:02d}" for i in range(20)], limit=3) == " (known: c00, c01, c02, ...)"
    assert hint("zzz", []) == ""
    assert unknown("plan", "Kalundborg", ["kalundborg"]) == "unknown plan 'Kalundborg' (did you mean 'kalundborg'?)"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("suggest")
    return bundled_db_in(where, cli_env({"HOME": str(where)}))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["record", "mm13", "4", "-p", "2022"], "unknown indicator 'mm13' (did you mean 'MM13'?)"),
        (["status", "fa1-t1", "done"], "unknown initiative 'fa1-t1' (did you mean 'FA1-T1'?)"),
        (["history", "mm13"], "no indicator or initiative 'mm13' in this plan (did you mean 'MM13'?)"),
        (["list", "indicators", "--plan", "Kalundborg-2021"],
         "unknown plan 'Kalundborg-2021' (did you mean 'kalundborg-2021'?)"),
        (["report", "coverage", "--format", "htm"],
         "unknown format 'htm' (did you mean 'html'?) (available: csv, html, json, markdown, table, xlsx)"),
        (["import", "cvs", "x.csv"], "unknown data source 'cvs' (did you mean 'csv'?)"),
    ],
)
def test_unknown_codes_suggest_the_close_one(db: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    (tmp_path / "x.csv").write_text("indicator,period,value\n", encoding="utf-8")
    proc = run_cli("--db", db, *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"Error: {expected}\n"


def test_an_import_row_with_a_miscased_code_suggests_it(db: Path, tmp_path: Path) -> None:
    data = tmp_path / "values.csv"
    data.write_text("indicator,period,value\nmm13,2022,4\nnope,2022,5\n", encoding="utf-8")
    proc = run_cli("--db", db, "import", "csv", data, "--dry-run")
    assert proc.returncode == 1
    assert f"{data}:2: unknown indicator 'mm13' (did you mean 'MM13'?)" in proc.stderr
    assert f"{data}:3: unknown indicator 'nope'\n" in proc.stderr  # nothing close: no hint


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["reprot"], "No such command 'reprot'. Did you mean 'report'?"),
        (["Plan", "list"], "No such command 'Plan'. Did you mean 'plan'?"),
        (["--plugins-dir", "{plugins}", "helo"], "No such command 'helo'. Did you mean 'hello'?"),  # a plugin's
        (["xyzzy"], "No such command 'xyzzy'. (see"),
    ],
)
def test_unknown_commands_suggest_the_close_one(tmp_path: Path, args: list[str], expected: str) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(PLUGINS / "command_hello.py", plugins)
    proc = run_cli(*[a.format(plugins=plugins) for a in args], cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_first_party_plugin_that_is_not_loaded_says_how_to_get_it(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "coverage.xlsx"
    proc = run_cli("--db", db, "report", "coverage", "--format", "xlsx", "-o", out,
                   env={"GOALTRACK_DISABLE_PLUGINS": "xlsx"})
    assert proc.returncode == 2
    assert "unknown format 'xlsx': the goaltrack-xlsx plugin is installed but not loaded" in proc.stderr
    assert not out.exists()
    proc = run_cli("--db", db, "import", "jobindsats", tmp_path / "x.csv",
                   env={"GOALTRACK_DISABLE_PLUGINS": "jobindsats"})
    assert proc.returncode == 2
    assert (
        "unknown data source 'jobindsats': the goaltrack-jobindsats plugin is installed but not loaded" in proc.stderr
    )


def test_the_install_hint_for_a_plugin_that_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Uninstalling a package inside the test run would break the other tests: ask the hint for
    # a distribution that is not installed instead, as a user without the plugin meets it.
    from goaltrack import suggest

    monkeypatch.setitem(suggest.FIRST_PARTY, ("output_formats", "pdf"), ("goaltrack-pdf-not-installed", "pdf"))
    assert suggest.install_hint("output_formats", "pdf") == (
        ": it comes with the goaltrack-pdf-not-installed plugin; install it with pip install 'goaltrack[pdf]'"
    )
    assert suggest.install_hint("output_formats", "html") == ""


def test_every_install_hint_names_a_real_extra_and_plugin() -> None:
    import tomllib

    from goaltrack.plugins import load_plugins
    from goaltrack.suggest import FIRST_PARTY

    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    plugins = load_plugins()
    for (kind, name), (dist, extra) in FIRST_PARTY.items():
        assert any(req.startswith(dist) for req in extras[extra]), (extra, dist)
        assert name in getattr(plugins, kind), f"{dist} does not register the {kind} {name!r}"
