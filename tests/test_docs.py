"""The documentation is checked against the code, so it cannot drift from it.

- ``docs/cli.md`` is what ``docs/gen_cli.py`` generates, every command has help text and a
  section there, and its hand-written part documents the exit codes, the environment
  variables, every config setting and the exact JSON keys of ``goaltrack list``;
- ``config/goaltrack.toml`` documents every setting with its true default and loads;
- ``docs/plan-format.md`` documents every key of every plan-file model with its default and
  every allowed value, and its example plan validates, loads and round-trips;
- ``README.md`` opens with ``make demo`` / ``make test``, and its tour names real commands;
- ``docs/index.md`` lists every page of ``docs/``.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"
PLAN_FORMAT_MD = DOCS / "plan-format.md"
CONFIG_TOML = ROOT / "config" / "goaltrack.toml"
README = ROOT / "README.md"
INDEX_MD = DOCS / "index.md"
BUNDLED_PLAN = ROOT / "config" / "plans" / "kalundborg-2021.yaml"

#: Commands the README tour describes that other work of this release is still adding. A
#: command may be missing from the click tree only while it is listed here; take it out when
#: it lands.
PENDING_COMMANDS: set[str] = set()


def _gen_cli() -> ModuleType:
    spec = importlib.util.spec_from_file_location("goaltrack_docs_gen_cli", DOCS / "gen_cli.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(text: str, heading: str) -> str:
    """The text under the first heading line containing ``heading``, up to the next heading."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#") and heading in line:
            body = []
            for rest in lines[i + 1 :]:
                if rest.startswith("#"):
                    break
                body.append(rest)
            return "\n".join(body)
    raise AssertionError(f"no heading containing {heading!r}")


_ROW = re.compile(r"^\| `([A-Za-z_][A-Za-z0-9_]*)` \|(.*)$")


def _table_rows(section: str) -> dict[str, list[str]]:
    """``| `key` | a | b |`` rows of a Markdown table: key -> the other cells, stripped."""
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if m := _ROW.match(line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", m[2].rstrip().rstrip("|"))]
            assert m[1] not in rows, f"{m[1]!r} documented twice in one table"
            rows[m[1]] = cells
    return rows


def _first_block(text: str, lang: str) -> str:
    m = re.search(rf"^```{lang}\n(.*?)^```", text, re.S | re.M)
    assert m, f"no ```{lang} block"
    return m[1]


# --------------------------------------------------------------------------- docs/cli.md


def test_cli_reference_is_up_to_date() -> None:
    # A fresh process: the command tree of this one may hold commands that tests added.
    result = subprocess.run(
        [sys.executable, str(DOCS / "gen_cli.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{result.stderr}{result.stdout}\ndocs/cli.md is stale: run `python docs/gen_cli.py`"
    )


def test_gen_cli_rewrites_only_the_generated_part(tmp_path: Path) -> None:
    gen = _gen_cli()
    head = CLI_MD.read_text(encoding="utf-8").partition(gen.MARKER)[0]
    stale = tmp_path / "cli.md"
    stale.write_text(head + gen.MARKER + "\n\n## goaltrack frobnicate\n", encoding="utf-8")
    assert gen.main(["--check", "--file", str(stale)]) == 1
    assert gen.main(["--file", str(stale)]) == 0
    assert gen.main(["--check", "--file", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith(head + gen.MARKER + "\n")
    assert "frobnicate" not in text
    assert "## goaltrack plan load\n" in text


def test_gen_cli_output_is_deterministic() -> None:
    gen = _gen_cli()
    first = gen.reference()
    assert first == gen.reference()
    # The fixed width, not the terminal's: no line of help is wider than 100 columns.
    assert max(len(line) for line in first.splitlines()) <= gen.WIDTH


def _commands() -> list[tuple[str, Any]]:
    return [(path, command) for path, command, _ctx in _gen_cli().walk()]


def test_every_command_has_help_and_a_section() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    commands = _commands()
    paths = [path for path, _ in commands]
    assert {"goaltrack", "goaltrack plan", "goaltrack plan load", "goaltrack list"} <= set(paths)
    for path, command in commands:
        assert (command.help or "").strip(), f"`{path}` has no help text"
        assert f"\n## {path}\n" in text, f"`{path}` is missing from docs/cli.md"


def test_exit_codes_documented() -> None:
    from goaltrack.errors import EXIT_DATA, EXIT_USAGE

    text = _section(CLI_MD.read_text(encoding="utf-8"), "## Exit codes")
    for code, word in ((0, "Success"), (EXIT_DATA, "Bad data"), (EXIT_USAGE, "Bad usage")):
        assert f"| `{code}` | {word}" in text


def test_environment_variables_documented() -> None:
    from goaltrack import plugins

    rows = _table_rows(_section(CLI_MD.read_text(encoding="utf-8"), "## Environment variables"))
    wanted = {"GOALTRACK_DB", plugins.ENV_STRICT, plugins.ENV_DISABLE, plugins.ENV_LOAD, plugins.ENV_TRACE}
    assert wanted <= set(rows), f"undocumented: {sorted(wanted - set(rows))}"


def _plan_file_data() -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(_first_block(PLAN_FORMAT_MD.read_text(encoding="utf-8"), "yaml"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def example_plan(tmp_path: Path) -> Path:
    path = tmp_path / "example-plan.yaml"
    path.write_text(_first_block(PLAN_FORMAT_MD.read_text(encoding="utf-8"), "yaml"), encoding="utf-8")
    return path


def _load(db: Path, plan: Path) -> Any:
    from goaltrack.planfile.validate import read_plan
    from goaltrack.store.database import open_engine
    from goaltrack.store.plansync import load_plans

    engine = open_engine(f"sqlite:///{db}", create=True)
    load_plans(engine, [read_plan(plan)], recorded_by="test")
    return engine


def _keys(objects: list[dict[str, Any]]) -> set[str]:
    return {key for obj in objects for key in obj}


def test_list_json_keys_documented(example_plan: Path, tmp_path: Path) -> None:
    from goaltrack.reports.listings import KINDS, list_items

    engine = _load(tmp_path / "list.db", example_plan)
    text = CLI_MD.read_text(encoding="utf-8")
    try:
        with engine.connect() as conn:
            for kind in KINDS:
                data = list_items(conn, kind, None).data
                assert data, f"the example plan has no {kind}"
                documented = set(_table_rows(_section(text, f"### `list {kind}`")))
                actual = _keys(data)
                assert actual == documented, (
                    f"list {kind}: undocumented keys {sorted(actual - documented)}, "
                    f"documented but absent {sorted(documented - actual)}"
                )
                # References are {code, basis[, share]} (documented once, above the tables).
                for obj in data:
                    for value in obj.values():
                        if isinstance(value, list) and value and isinstance(value[0], dict):
                            for ref in value:
                                assert {"code", "basis"} <= set(ref) or {"year", "amount"} <= set(ref)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- settings


def _settings() -> Iterator[tuple[str, str, Any]]:
    from goaltrack.settings import SETTINGS

    for section, keys in SETTINGS.items():
        for key, (_type, default) in keys.items():
            yield section, key, default


_COMMENTED_SETTING = re.compile(r"^# ([a-z_]+) = (.+)$")


def test_config_file_loads() -> None:
    from goaltrack.settings import load_config

    config = load_config(CONFIG_TOML)
    assert config.path == CONFIG_TOML
    # Everything is commented out: the documented file changes nothing.
    for section, key, default in _settings():
        assert config.get(section, key) == default


def test_config_file_documents_every_setting_with_its_default(tmp_path: Path) -> None:
    from goaltrack.settings import load_config

    # Uncomment the `# key = value` lines and load the result: the documented values must be
    # valid settings and equal the defaults in SETTINGS.
    out, section, found = [], None, set()
    for line in CONFIG_TOML.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^\[([a-z_]+)\]$", line):
            section = m[1]
        elif (m := _COMMENTED_SETTING.match(line)) and section is not None:
            line = f"{m[1]} = {m[2]}"
            found.add((section, m[1]))
        out.append(line)
    wanted = {(section, key) for section, key, _ in _settings()}
    assert found == wanted, f"missing {sorted(wanted - found)}, unknown {sorted(found - wanted)}"
    uncommented = tmp_path / "goaltrack.toml"
    uncommented.write_text("\n".join(out) + "\n", encoding="utf-8")
    tomllib.loads(uncommented.read_text(encoding="utf-8"))
    config = load_config(uncommented)
    for section, key, default in _settings():
        assert config.values[section][key] == default, f"[{section}] {key}: wrong default in the file"


def test_docs_document_every_setting_with_its_default() -> None:
    text = _section(CLI_MD.read_text(encoding="utf-8"), "## The config file")
    for section, key, default in _settings():
        assert tomllib.loads(f"v = {_toml(default)}")["v"] == default
        assert f"| `{section}.{key}` | `{_toml(default)}` |" in text, (
            f"docs/cli.md: setting {section}.{key} (default {_toml(default)}) is not documented"
        )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


# --------------------------------------------------------------------------- docs/plan-format.md


def _models() -> list[type[BaseModel]]:
    """Every plan-file model: schema's own and those it re-exports from schemes."""
    from goaltrack.planfile import schema, schemes

    return [
        obj
        for obj in vars(schema).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ in (schema.__name__, schemes.__name__)
        and not obj.__name__.startswith("_")
    ]


def _default_cell(field: Any) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return f"`{field.default_factory()!r}`".replace("'", '"')
    default = field.default
    if default is None or default is PydanticUndefined:
        return "`—`"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    return f"`{default}`"


def test_every_plan_model_and_key_documented_with_its_default() -> None:
    text = PLAN_FORMAT_MD.read_text(encoding="utf-8")
    models = _models()
    assert len(models) >= 15
    for model in models:
        rows = _table_rows(_section(text, f"({model.__name__})"))
        fields = model.model_fields
        assert set(rows) == set(fields), (
            f"{model.__name__}: undocumented {sorted(set(fields) - set(rows))}, "
            f"documented but not in the model {sorted(set(rows) - set(fields))}"
        )
        for name, field in fields.items():
            cells = rows[name]
            assert len(cells) == 3, f"{model.__name__}.{name}: want | key | type | default | meaning |"
            assert cells[1] == _default_cell(field), (
                f"{model.__name__}.{name}: default documented as {cells[1]}, is {_default_cell(field)}"
            )
            assert cells[2], f"{model.__name__}.{name}: no meaning given"


def test_every_top_level_key_documented() -> None:
    from goaltrack.planfile.schema import PlanFile

    text = PLAN_FORMAT_MD.read_text(encoding="utf-8")
    for key in PlanFile.model_fields:
        assert f"`{key}`" in text


def _enum_values(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "enum" in node:
            yield from node["enum"]
        if "const" in node:
            yield node["const"]
        for value in node.values():
            yield from _enum_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enum_values(value)


def test_every_allowed_value_documented() -> None:
    from goaltrack.planfile.schema import json_schema

    text = PLAN_FORMAT_MD.read_text(encoding="utf-8")
    values = set(_enum_values(json_schema()))
    assert {"explicit", "inferred", "strategic", "annual", "range", "forecast"} <= values
    for value in values:
        assert f"`{value}`" in text, f"allowed value {value!r} is not documented"


def test_plan_schema_command_mentioned() -> None:
    assert "goaltrack plan schema" in PLAN_FORMAT_MD.read_text(encoding="utf-8")


def test_period_forms_documented() -> None:
    from goaltrack.values.periods import parse_period

    section = _section(PLAN_FORMAT_MD.read_text(encoding="utf-8"), "## Period codes")
    codes = re.findall(r"^\| `([^`]+)`", section, re.M)
    assert len(codes) >= 9
    freqs = set()
    for code in codes:
        freqs.add(parse_period(code).freq)
    from goaltrack.values.periods import FREQS

    assert freqs == set(FREQS), f"period kinds without an example: {set(FREQS) - freqs}"


def test_example_plan_validates(example_plan: Path) -> None:
    from goaltrack.planfile.schema import PlanFile
    from goaltrack.planfile.validate import read_plan

    parsed = read_plan(example_plan)
    assert parsed.plan.plan.synthetic, "the example must be labelled synthetic"
    assert "synthetic" in parsed.plan.plan.title.lower()
    # A complete example: every top-level key is used.
    assert set(_plan_file_data()) == set(PlanFile.model_fields)


@pytest.mark.parametrize("which", ["example", "bundled"])
def test_round_trip(which: str, example_plan: Path, tmp_path: Path) -> None:
    """What docs/plan-format.md promises: the export loads back into an identical database
    (the same plan content and the same number of rows of every kind), and exporting that
    again gives the same bytes."""
    from goaltrack.store.database import plan_id_for
    from goaltrack.store.plan_queries import plan_detail
    from goaltrack.store.planexport import export_plan

    def load_and_export(db: Path, plan: Path) -> tuple[str, dict[str, Any]]:
        engine = _load(db, plan)
        try:
            with engine.connect() as conn:
                slug = conn.exec_driver_sql("select slug from plan").scalar_one()
                plan_id = plan_id_for(conn, slug)
                detail = plan_detail(conn, plan_id)
            return export_plan(engine, plan_id), detail
        finally:
            engine.dispose()

    source = example_plan if which == "example" else BUNDLED_PLAN
    exported, original = load_and_export(tmp_path / "first.db", source)
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    again, reloaded = load_and_export(tmp_path / "second.db", path)
    assert reloaded == original
    assert again == exported


def test_error_format_documented() -> None:
    text = PLAN_FORMAT_MD.read_text(encoding="utf-8")
    assert "FILE:LINE:COL: path.to.field: message" in text


def test_error_example_is_real(tmp_path: Path) -> None:
    """The sample session in docs/plan-format.md shows what goaltrack prints for its file."""
    from goaltrack.errors import ValidationError
    from goaltrack.planfile.validate import read_plan

    section = _section(PLAN_FORMAT_MD.read_text(encoding="utf-8"), "## Error messages")
    (tmp_path / "libraries.yaml").write_text(_first_block(section, "yaml"), encoding="utf-8")
    command, _, shown = _first_block(section, "console").partition("\n")
    assert command == "$ goaltrack plan validate libraries.yaml"
    with pytest.raises(ValidationError) as info:
        read_plan(Path("libraries.yaml"))  # the tests run in tmp_path
    assert len(info.value.problems) >= 3
    assert shown.rstrip("\n") == "Error: " + info.value.message


# --------------------------------------------------------------------------- README, index


def test_readme_opens_with_make_demo_and_make_test() -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# "), "README.md starts with its title"
    assert lines[1] == "" and lines[2] and lines[3] == "", "then one sentence"
    assert lines[4] == "```", "then the two commands"
    m = re.search(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)
    assert m and m[1] == "make demo\nmake test\n"
    assert "`make demo`" in text and "`make test`" in text


_GLOBAL_WITH_VALUE = {"--as", "--db", "--config", "--plugins-dir"}


def _readme_commands() -> Iterator[list[str]]:
    text = README.read_text(encoding="utf-8")
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)
            if not words or words[0] != "goaltrack":
                continue
            words.pop(0)
            while words and words[0].startswith("-"):
                option = words.pop(0)
                if option in _GLOBAL_WITH_VALUE and words:
                    words.pop(0)
            yield words


def test_readme_tour_names_real_commands() -> None:
    tree = {path for path, _ in _commands()}
    missing = set()
    seen = 0
    for words in _readme_commands():
        seen += 1
        top = f"goaltrack {words[0]}"
        if top not in tree:
            missing.add(words[0])
            continue
        if f"{top} {words[1] if len(words) > 1 else ''}" not in tree and any(
            p.startswith(top + " ") for p in tree
        ):
            pytest.fail(f"README.md: `{top} {words[1:2]}` is not a command")
    assert seen >= 15
    assert missing <= PENDING_COMMANDS, f"README.md names commands that do not exist: {missing - PENDING_COMMANDS}"


def test_index_lists_every_page() -> None:
    text = INDEX_MD.read_text(encoding="utf-8")
    pages = {"plan-format", "cli", "plugins", "progress", "reports", "performance", "deployment",
             "security", "troubleshooting"}
    pages |= {p.stem for p in DOCS.glob("*.md") if p.name != "index.md"}
    for page in sorted(pages):
        assert f"]({page}.md)" in text, f"docs/index.md does not list {page}.md"
