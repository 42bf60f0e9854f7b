"""The core CLI as a user meets it: list, plan list/show/schema, tree, init, demo, and errors.

Output is checked through click's CliRunner; exit codes, stderr and "no traceback" through a
real ``python -m goaltrack`` subprocess (:func:`helpers.run_cli`), because only the real entry
point turns errors into one line and an exit code.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import BUNDLED_PLAN, REPO, db_dump, run_cli

from goaltrack.cli import cli
from goaltrack.planfile.validate import read_plan
from goaltrack.planfile.yamlio import read_yaml
from goaltrack.store.database import open_engine
from goaltrack.store.plansync import load_plans

TINY = Path(__file__).parent / "data" / "tiny.yaml"
SLUG = "kalundborg-2021"

#: The documented, stable keys of `list KIND --format json` (docs/cli.md).
KEYS = {
    "national-goals": {"plan", "code", "title", "description", "issuer", "years", "new",
                       "continued_from", "focus_areas", "initiatives", "indicators"},
    "focus-areas": {"plan", "code", "level", "title", "description", "years", "priorities",
                    "strategic_areas", "annual_areas", "national_goals", "initiatives"},
    "target-groups": {"plan", "code", "name", "description", "initiatives", "accounts"},
    "initiatives": {"plan", "code", "title", "description", "focus_area", "owner", "status",
                    "start", "end", "national_goals", "target_groups", "indicators", "accounts"},
    "indicators": {"plan", "code", "name", "unit", "direction", "area", "baseline",
                   "baseline_period", "target", "target_period", "source", "computed", "measures",
                   "latest_value", "latest_period"},
    "accounts": {"plan", "code", "dotted", "name", "hovedkonto", "hovedfunktion", "funktion",
                 "budget", "links"},
}


@pytest.fixture(scope="module")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite database holding the bundled plan, shared by the read-only tests here."""
    path = tmp_path_factory.mktemp("bundled") / "bundled.db"
    engine = open_engine(f"sqlite:///{path}", create=True)
    load_plans(engine, [read_plan(BUNDLED_PLAN)])
    engine.dispose()
    yield path


@pytest.fixture(scope="module")
def both_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database holding the bundled plan and the synthetic tiny plan."""
    path = tmp_path_factory.mktemp("both") / "both.db"
    engine = open_engine(f"sqlite:///{path}", create=True)
    load_plans(engine, [read_plan(BUNDLED_PLAN), read_plan(TINY)])
    engine.dispose()
    yield path


def invoke(runner: CliRunner, db: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def list_json(runner: CliRunner, db: Path, kind: str, *args: str) -> list[dict[str, Any]]:
    data = json.loads(invoke(runner, db, "list", kind, "--format", "json", *args))
    assert isinstance(data, list)
    return data


def list_csv(runner: CliRunner, db: Path, kind: str, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(invoke(runner, db, "list", kind, "--format", "csv", *args))))


# --------------------------------------------------------------------------- list


def test_list_national_goals_json(cli_runner: CliRunner, bundled_db: Path) -> None:
    goals = list_json(cli_runner, bundled_db, "national-goals", "--plan", SLUG)
    assert [g["code"] for g in goals] == ["NG1", "NG2", "NG3", "NG4", "NG5"]
    assert all(set(g) == KEYS["national-goals"] for g in goals)
    assert [g["code"] for g in goals if g["new"]] == ["NG1", "NG2"]
    assert all(g["plan"] == SLUG and g["years"] == [2021] for g in goals)
    assert [g["continued_from"] for g in goals] == [None, None, 2020, 2020, 2020]
    for g in goals:
        for ref in g["focus_areas"] + g["initiatives"] + g["indicators"]:
            assert set(ref) == {"code", "basis"} and ref["basis"] in ("explicit", "inferred")
    ng2 = {r["code"]: r["basis"] for r in goals[1]["focus_areas"]}
    assert ng2["FA2"] == "explicit"


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_every_list_kind_has_stable_keys(cli_runner: CliRunner, bundled_db: Path, kind: str) -> None:
    items = list_json(cli_runner, bundled_db, kind)
    assert items
    for item in items:
        assert set(item) == KEYS[kind], item.get("code")
    # The same data twice gives the same bytes.
    assert invoke(cli_runner, bundled_db, "list", kind, "--format", "json") == invoke(
        cli_runner, bundled_db, "list", kind, "--format", "json"
    )


def test_documented_keys_match(cli_runner: CliRunner) -> None:
    """docs/cli.md documents exactly the keys the JSON output has."""
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for kind, keys in KEYS.items():
        section = doc.split(f"### `list {kind}`", 1)[1].split("###", 1)[0].split("<!--", 1)[0]
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
        assert documented == keys, kind


def test_list_focus_areas_by_level(cli_runner: CliRunner, bundled_db: Path) -> None:
    strategic = list_json(cli_runner, bundled_db, "focus-areas", "--level", "strategic")
    annual = list_json(cli_runner, bundled_db, "focus-areas", "--level", "annual")
    assert [a["code"] for a in strategic] == ["SF1", "SF2", "SF3"]
    assert [a["code"] for a in annual] == ["FA1", "FA2", "FA3", "FA4", "FA5"]
    assert {a["level"] for a in strategic} == {"strategic"}
    assert {a["level"] for a in annual} == {"annual"}
    assert len(list_json(cli_runner, bundled_db, "focus-areas")) == 8
    # The links between the levels, both ways.
    fa1 = annual[0]
    assert fa1["strategic_areas"] == [{"code": "SF1", "basis": "explicit"}]
    assert {"code": "FA1", "basis": "explicit"} in strategic[0]["annual_areas"]
    # Table and CSV show the same rows.
    assert [r["code"] for r in list_csv(cli_runner, bundled_db, "focus-areas", "--level", "strategic")] == [
        "SF1", "SF2", "SF3"]
    table = invoke(cli_runner, bundled_db, "list", "focus-areas", "--level", "annual")
    codes = [line.split()[1] for line in table.splitlines() if line.startswith(SLUG)]
    assert codes == ["FA1", "FA2", "FA3", "FA4", "FA5"]


def test_level_only_applies_to_focus_areas(tmp_path: Path, bundled_db: Path) -> None:
    proc = run_cli("--db", bundled_db, "list", "initiatives", "--level", "annual")
    assert proc.returncode == 2
    assert "--level applies to focus-areas only" in proc.stderr


def test_list_accounts_both_years_json_and_csv(cli_runner: CliRunner, bundled_db: Path) -> None:
    accounts = list_json(cli_runner, bundled_db, "accounts")
    assert len(accounts) == 18
    for a in accounts:
        assert {(b["year"], b["kind"]) for b in a["budget"]} == {(2020, "budget"), (2021, "budget")}
        assert all(isinstance(b["amount"], int | float) for b in a["budget"])
        assert a["dotted"] == f"{int(a['code'][:2])}.{a['code'][2:4]}.{a['code'][4:]}"
    by_code = {a["code"]: a for a in accounts}
    assert {b["year"]: b["amount"] for b in by_code["055771"]["budget"]} == {2020: 67639, 2021: 69321}
    assert (by_code["055771"]["hovedkonto"], by_code["055771"]["hovedfunktion"],
            by_code["055771"]["funktion"]) == (5, 57, 71)

    rows = list_csv(cli_runner, bundled_db, "accounts")
    assert len(rows) == 18
    assert {"code", "dotted", "name", "budget_2020", "budget_2021"} <= set(rows[0])
    for row in rows:
        amounts = {b["year"]: b["amount"] for b in by_code[row["code"]]["budget"]}
        assert float(row["budget_2020"]) == amounts[2020]
        assert float(row["budget_2021"]) == amounts[2021]
    assert [r["code"] for r in rows] == [a["code"] for a in accounts]  # codes keep their zero

    table = invoke(cli_runner, bundled_db, "list", "accounts")
    assert "Budget 2020" in table and "Budget 2021" in table and "055771" in table


def test_list_without_plan_lists_every_plan(cli_runner: CliRunner, both_db: Path) -> None:
    goals = list_json(cli_runner, both_db, "national-goals")
    assert {g["plan"] for g in goals} == {SLUG, "tiny-library"}
    assert len(goals) == 7
    only_tiny = list_json(cli_runner, both_db, "national-goals", "--plan", "tiny-library")
    assert [g["code"] for g in only_tiny] == ["G1", "G2"]


def test_list_marks_inferred_links_in_table(cli_runner: CliRunner, both_db: Path) -> None:
    table = invoke(cli_runner, both_db, "list", "national-goals", "--plan", "tiny-library")
    g1 = next(line for line in table.splitlines() if " G1 " in f" {line} ")
    assert "S1*" in g1 and "A1*" not in g1 and "A1" in g1


# --------------------------------------------------------------------------- plan list/show/schema


def test_plan_list(cli_runner: CliRunner, both_db: Path) -> None:
    table = invoke(cli_runner, both_db, "plan", "list")
    assert SLUG in table and "tiny-library" in table
    assert "[synthetic]" in next(line for line in table.splitlines() if "tiny-library" in line)
    assert "[synthetic]" not in next(line for line in table.splitlines() if SLUG in line)
    plans = json.loads(invoke(cli_runner, both_db, "plan", "list", "--format", "json"))
    assert [p["slug"] for p in plans] == [SLUG, "tiny-library"]
    assert plans[0]["organisation"] == "Kalundborg Kommune" and plans[0]["years"] == [2021]
    assert [p["synthetic"] for p in plans] == [False, True]


def test_plan_list_empty_database(cli_runner: CliRunner) -> None:
    assert run_cli("init").returncode == 0
    result = cli_runner.invoke(cli, ["plan", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "No plans loaded" in result.stdout
    assert json.loads(cli_runner.invoke(cli, ["plan", "list", "--format", "json"]).stdout) == []


def test_plan_show(cli_runner: CliRunner, bundled_db: Path) -> None:
    text = invoke(cli_runner, bundled_db, "plan", "show", SLUG)
    assert "Beskæftigelsesplan 2021" in text and "1000 DKK" in text
    # The source by its title and publisher, not the internal file name of its reference.
    assert re.search(r"^source +Beskæftigelsesplan 2021 \(Kalundborg Kommune\)$", text, re.M), text
    assert ".txt" not in text
    detail = json.loads(invoke(cli_runner, bundled_db, "plan", "show", SLUG, "--format", "json"))
    assert detail["slug"] == SLUG and detail["currency"] == "DKK" and detail["amount_scale"] == 1000
    counts = detail["counts"]
    assert (counts["national_goal"], counts["focus_area"], counts["initiative"], counts["account"]) == (
        5, 8, 23, 18)
    assert (counts["budget_line"], counts["declared_total"]) == (36, 2)
    assert counts["measurement"] == sum(
        len(i.get("measurements", [])) for i in read_yaml(BUNDLED_PLAN)[0].data["indicators"]  # type: ignore[union-attr]
    )
    assert re.fullmatch(r"[0-9a-f]{64}", detail["content_hash"])


def test_plan_show_marks_synthetic(cli_runner: CliRunner, both_db: Path) -> None:
    text = invoke(cli_runner, both_db, "plan", "show", "tiny-library")
    assert "synthetic" in text and "example data" in text


def test_plan_schema(cli_runner: CliRunner, tmp_path: Path) -> None:
    result = cli_runner.invoke(cli, ["plan", "schema"], catch_exceptions=False)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "goaltrack plan file"
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["type"] == "object"
    assert {"goaltrack", "plan"} <= set(schema["required"])
    assert {"national_goals", "focus_areas", "target_groups", "initiatives", "accounts",
            "declared_totals", "indicators"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    out = tmp_path / "schema.json"
    assert cli_runner.invoke(cli, ["plan", "schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema
    assert not (tmp_path / "goaltrack.db").exists()  # needs no database


@pytest.mark.parametrize("plan", [BUNDLED_PLAN, TINY], ids=["bundled", "tiny"])
def test_plan_schema_with_jsonschema(cli_runner: CliRunner, plan: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(cli_runner.invoke(cli, ["plan", "schema"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    data = read_yaml(plan)[0].data  # type: ignore[union-attr]
    assert list(validator.iter_errors(data)) == []
    data["plan"]["colour"] = "red"
    errors = list(validator.iter_errors(data))
    assert len(errors) == 1 and "colour" in errors[0].message
    del data["plan"]["colour"]
    data["national_goals"][0]["titel"] = "typo"
    assert any("titel" in e.message for e in validator.iter_errors(data))


# --------------------------------------------------------------------------- tree


def test_tree_shows_every_goal_and_marks_inferred_links(cli_runner: CliRunner, bundled_db: Path) -> None:
    text = invoke(cli_runner, bundled_db, "tree", "--plan", SLUG)
    lines = text.splitlines()
    assert lines[0].startswith("Beskæftigelsesplan 2021 — Kalundborg Kommune")
    for code in ("NG1", "NG2", "NG3", "NG4", "NG5"):
        assert any(line.startswith(("├─ " + code, "└─ " + code)) for line in lines), code
    assert "[new]" in next(line for line in lines if "NG1 " in line)
    assert "[new]" not in next(line for line in lines if "NG3 " in line)
    assert "(inferred)" in text
    # FA2 -> NG2 is explicit, FA1 -> NG1 inferred (see the bundled plan).
    ng2 = lines.index(next(line for line in lines if line.startswith("├─ NG2")))
    fa2 = next(line for line in lines[ng2:] if "annual focus area FA2" in line)
    assert "(inferred)" not in fa2
    fa1 = next(line for line in lines if "annual focus area FA1" in line)
    assert fa1.endswith("(inferred)")


def test_tree_shows_every_account_and_initiative(cli_runner: CliRunner, bundled_db: Path) -> None:
    text = invoke(cli_runner, bundled_db, "tree")
    for account in list_json(cli_runner, bundled_db, "accounts"):
        assert account["code"] in text, account["code"]
    for ini in list_json(cli_runner, bundled_db, "initiatives"):
        assert f"{ini['code']}:" in text, ini["code"]
    for area in list_json(cli_runner, bundled_db, "focus-areas"):
        assert f"{area['code']}:" in text, area["code"]
    # 056897 (seniorjob) is linked to a target group only: it reaches no national goal, and
    # the tree says so.
    tail = text.split("Accounts linked to no national goal", 1)[1]
    assert "056897" in tail


def test_tree_needs_a_plan_when_several_are_loaded(both_db: Path) -> None:
    proc = run_cli("--db", both_db, "tree")
    assert proc.returncode == 2
    assert "several plans are loaded" in proc.stderr and "--plan" in proc.stderr


def test_tree_width(cli_runner: CliRunner, bundled_db: Path) -> None:
    text = invoke(cli_runner, bundled_db, "tree", "--width", "60")
    assert max(len(line) for line in text.splitlines()[1:]) <= 60


# --------------------------------------------------------------------------- init and demo


def test_init_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "goaltrack.db"
    assert not db.exists()
    proc = run_cli("init")
    assert proc.returncode == 0, proc.stderr
    assert db.is_file()
    assert str(db) in proc.stdout
    dump = db_dump(db)
    assert {"plan", "national_goal", "measurement"} <= set(dump[0][1])
    assert run_cli("init").returncode == 0
    assert db_dump(db) == dump


def test_demo_from_another_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "demo"
    proc = run_cli("demo", "--out", out, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert (out / "goaltrack.db").is_file()
    assert "5 national goals, 8 focus areas, 23 initiatives" in proc.stdout
    assert "18 budget accounts" in proc.stdout
    assert all(code in proc.stdout for code in ("NG1", "NG2", "NG3", "NG4", "NG5"))
    assert not (tmp_path / "goaltrack.db").exists()  # GOALTRACK_DB is not touched
    goals = run_cli("--db", out / "goaltrack.db", "list", "national-goals", "--format", "json")
    assert [g["code"] for g in json.loads(goals.stdout)] == ["NG1", "NG2", "NG3", "NG4", "NG5"]

    # Again: a fresh database, not a second copy of the plan.
    again = run_cli("demo", "--out", out, cwd=elsewhere)
    assert again.returncode == 0, again.stderr
    assert "created" in again.stdout


def test_demo_default_out_is_in_the_working_directory(tmp_path: Path) -> None:
    proc = run_cli("demo")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "demo-output" / "goaltrack.db").is_file()


def test_demo_adds_example_people_and_takes_one_value_through_review(tmp_path: Path) -> None:
    """Issue 14: the demo's people are labelled as examples, and its one review entry goes
    draft -> submitted -> returned (with the reason) -> submitted (revision 2) -> approved. The
    value approved is the example series' own figure, so the reports stay as they were."""
    from goaltrack.demo import REVIEW_EXAMPLE
    from goaltrack.people.accounts import list_people

    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text, db = result.stdout, out / "goaltrack.db"
    engine = open_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            people = {p["login"]: p for p in list_people(conn)}
    finally:
        engine.dispose()
    assert {login: [r["text"] for r in p["roles"]] for login, p in people.items()} == {
        "alma.example": ["admin for every plan"],  # the first person
        "anders.example": [f"approver for {SLUG}"],
        "eva.example": ["contributor for MM13 in kalundborg-2021"],
    }
    for p in people.values():
        assert re.fullmatch(r"\w+ Eksempel \(example (admin|approver|contributor)\)", p["name"]), p["name"]
        assert p["active"] and p["password"] and p["name"] in text
    assert "EXAMPLE people (made up for the demo, not real people):" in text
    assert "The demo requires review for this plan in its own database" in text
    assert "eva.example may not record MM17: contributor for MM13 only" in text
    assert f"goaltrack --db {db} history MM13" in text and f"goaltrack --db {db} review 1" in text

    def gt(*args: str) -> Any:
        r = CliRunner().invoke(cli, ["--db", str(db), *args, "--format", "json"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    entry = gt("review", "1")
    assert (entry["what"], entry["state"], entry["author"], entry["revision"]) == (
        "MM13 2021M06", "approved", "eva.example", 2)
    assert [(e["from"], e["to"], e["actor"], e["revision"], e["reason"]) for e in entry["events"]] == [
        (None, "draft", "eva.example", 1, None),
        ("draft", "submitted", "eva.example", 1, None),
        ("submitted", "returned", "anders.example", 1, REVIEW_EXAMPLE["reason"]),
        ("returned", "submitted", "eva.example", 2, "revised"),
        ("submitted", "approved", "anders.example", 2, None),
    ]
    assert [r["value"] for r in entry["revisions"]] == [34.5, 43.5]
    assert gt("review", "--all") == []

    # The approved value replaced the example series' equal June figure: history shows both,
    # the reports only the current one, as without the review step.
    with (REPO / "config" / "plans" / f"{SLUG}.example.csv").open(encoding="utf-8", newline="") as fh:
        series = [(r["period"], float(r["value"])) for r in csv.DictReader(fh) if r["indicator"] == "MM13"]
    assert ("2021M06", 43.5) in series
    history = gt("history", "MM13")
    june = [(e["value"], e["current"], e["source"], e["recorded_by"] == "eva.example")
            for e in history["entries"] if e["period"] == "2021M06"]
    assert june == [(43.5, False, "example", False), (43.5, True, "example", True)]
    assert [r["id"] for r in history["reviews"]] == [1]
    progress = gt("report", "progress")
    (mm13,) = [i for i in progress["indicators"] if i["code"] == "MM13"]
    assert [(p["period"], p["value"]) for p in mm13["series"]] == series
    assert all(p["example_data"] for p in mm13["series"])


# --------------------------------------------------------------------------- errors

#: FILE:LINE:COL: path: message
PROBLEM = re.compile(r"^[^:]+:\d+:\d+: [^\s:]+: .+$")


def assert_clean_error(proc: Any, code: int, fragment: str, *, one_line: bool = True) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines, "nothing on stderr"
    if one_line:
        assert len(lines) == 1, proc.stderr
    assert any(line.startswith("Error: ") for line in lines), proc.stderr
    assert fragment in proc.stderr


def test_invalid_plan_file_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text(encoding="utf-8").replace("level: annual", "level: yearly")
                   .replace("  organisation: Example Town Library\n", "  organisation: Example\n  size: 3\n"),
                   encoding="utf-8")
    for command in ("validate", "load"):
        proc = run_cli("plan", command, bad)
        assert_clean_error(proc, 1, "unknown key 'size'", one_line=False)
        lines = proc.stderr.removeprefix("Error: ").splitlines()
        assert len(lines) == 3  # the unknown key and the two areas with level 'yearly'
        assert all(PROBLEM.match(line) and line.startswith(f"{bad}:") for line in lines), lines
        assert proc.stdout == ""


def test_unknown_plan_slug_exit_2(bundled_db: Path) -> None:
    for args in (["list", "national-goals", "--plan", "nope"], ["plan", "show", "nope"],
                 ["plan", "export", "nope"], ["tree", "--plan", "nope"]):
        assert_clean_error(run_cli("--db", bundled_db, *args), 2, f"unknown plan 'nope' (known: {SLUG})")


def test_unknown_format_exit_2(bundled_db: Path) -> None:
    proc = run_cli("--db", bundled_db, "list", "accounts", "--format", "xml")
    assert_clean_error(proc, 2, "unknown format 'xml'")
    assert "csv" in proc.stderr and "json" in proc.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plan", "load"], "Missing argument"),
        (["plan", "validate"], "Missing argument"),
        (["plan", "export"], "Missing argument"),
        (["plan", "show"], "Missing argument"),
        (["list"], "Missing argument"),
        (["list", "goals"], "'goals' is not one of"),
        (["list", "focus-areas", "--level", "monthly"], "'monthly' is not one of"),
        (["plan", "list", "--format", "xml"], "'xml' is not one of"),
        (["no-such-command"], "No such command"),
        (["list", "accounts", "--bogus"], "No such option"),
    ],
)
def test_usage_errors_exit_2(args: list[str], fragment: str) -> None:
    proc = run_cli(*args)
    # Click's usage errors are one line too, pointing at the command's --help.
    assert_clean_error(proc, 2, fragment, one_line=True)
    assert "--help')" in proc.stderr


def test_db_pointing_at_a_directory_exit_2(tmp_path: Path) -> None:
    assert_clean_error(run_cli("--db", tmp_path, "list", "accounts"), 2, "is a directory")


def test_db_pointing_at_a_non_database_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello\n" * 200, encoding="utf-8")
    assert_clean_error(run_cli("--db", junk, "list", "accounts"), 2, "not a database")


def test_debug_shows_the_traceback(bundled_db: Path) -> None:
    proc = run_cli("--db", bundled_db, "--debug", "list", "national-goals", "--plan", "nope")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr
    assert "UsageError: unknown plan 'nope'" in proc.stderr


def test_errors_through_the_cli_runner_are_goaltrack_errors(bundled_db: Path) -> None:
    from goaltrack.errors import GoaltrackError

    with pytest.raises(GoaltrackError) as info:
        cli.main(["--db", str(bundled_db), "list", "accounts", "--plan", "nope"], standalone_mode=False)
    assert info.value.exit_code == 2
