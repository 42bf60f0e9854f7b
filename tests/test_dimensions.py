"""Dimensions (issue 13's disaggregation): measurements broken down by sex, age band or any
dimension a plan declares, with targets per value, imports that map columns to dimensions,
and the progress report broken down by one dimension.

The other plan is the synthetic Holmstad Kommune (tests/data/holmstad-2023.yaml): its
unemployment indicator has totals and values by sex and by age band, one cross-breakdown,
and targets for women and for 16-29-year-olds. The bundled plan declares no dimensions.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import REPO, db_dump, run_cli

from goaltrack.cli import cli
from goaltrack.planfile.validate import read_plan
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.plandiff import content_hash
from goaltrack.store.plansync import load_plans

DATA = Path(__file__).parent / "data"
H2022, H2023 = DATA / "holmstad-2022.yaml", DATA / "holmstad-2023.yaml"
BUNDLED = REPO / "config" / "plans" / "kalundborg-2021.yaml"
SLUG = "holmstad-2023"


class _Main:
    """CliRunner running goaltrack's real entry point, which turns errors into exit codes."""

    name = "goaltrack"

    def main(self, args: Any, prog_name: str | None = None, **extra: Any) -> None:
        from goaltrack.cli import main

        main(list(args))


def gt(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(_Main(), ["--db", "t.db", *args])  # type: ignore[arg-type]
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def holmstad() -> None:
    gt("plan", "load", str(H2022), str(H2023))


def progress(*extra: str) -> dict[str, Any]:
    return json.loads(gt("report", "progress", "--plan", SLUG, "--format", "json", *extra).stdout)


def current_rows() -> list[tuple[Any, ...]]:
    with sqlite3.connect("t.db") as conn:
        return conn.execute(
            "SELECT i.code, m.period_code, m.breakdown, m.value FROM measurement m "
            "JOIN indicator i ON i.id = m.indicator_id WHERE m.superseded_at IS NULL "
            "ORDER BY i.code, m.period_code, m.breakdown").fetchall()


# --------------------------------------------------------------------------- plan files


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = H2023.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("dimensions: [sex, age]", "dimensions: [sex, region]", "dimensions: [sex, region]",
     "indicators[0].dimensions[1]: unknown dimension 'region'"),
    ("dimensions: {sex: men}}", "dimensions: {sex: boys}}", "sex: boys",
     "'boys' is not a value of dimension 'sex' (allowed: women, men)"),
    ("dimensions: {sex: men}}", "dimensions: {area: men}}", "area: men",
     "indicator 'ledighed' has no dimension 'area' (its dimensions: sex, age)"),
    ('{period: "2023", value: 3.8, dimensions: {sex: men}}', '{period: "2023", value: 3.8, dimensions: {sex: women}}',
     "value: 3.8, dimensions: {sex: women}", "period '2023' for sex=women is given twice"),
    ("{dimension: age, value: 16-29, target: 3.0,", "{dimension: age, value: 18-24, target: 3.0,",
     "value: 18-24", "'18-24' is not a value of dimension 'age'"),
    ("      - {code: men, name: Mænd}", "      - {code: women, name: Mænd}", "{code: women, name: Mænd}",
     "value 'women' is given twice in dimension 'sex'"),
])
def test_bad_dimensions_are_errors_at_their_line(tmp_path: Path, old: str, new: str, needle: str,
                                                 message: str) -> None:
    """Each member of the class: an undeclared dimension, a value the dimension does not
    allow, a dimension the indicator lacks, a period given twice for one breakdown, a target
    for an unknown value, a value declared twice. One line, file:line, exit 1, nothing loaded."""
    bad = _variant(tmp_path, old, new)
    result = gt("plan", "load", str(bad), code=1)
    assert f"{bad}:{_line_of(bad, needle)}:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not Path("t.db").exists() or not current_rows()


def test_targets_by_needs_the_indicators_target(tmp_path: Path) -> None:
    bad = _variant(tmp_path, '    target: {value: 3.5, period: "2023"}\n    dimensions', "    dimensions")
    result = gt("plan", "validate", str(bad), code=1)
    assert "targets_by needs the indicator's target" in result.output


def test_round_trip_and_hash_of_plans_without_dimensions(tmp_path: Path, holmstad: None) -> None:
    """The export gives back the dimensions, targets and breakdowns; exporting the reloaded
    export gives the same bytes. A plan that does not use dimensions hashes as before."""
    first = gt("plan", "export", SLUG).stdout
    assert "dimensions:" in first and "targets_by:" in first and "sex: women" in first
    again = tmp_path / "again.yaml"
    again.write_text(first, encoding="utf-8")
    CliRunner().invoke(cli, ["--db", "t2.db", "plan", "load", str(again)], catch_exceptions=False)
    second = CliRunner().invoke(cli, ["--db", "t2.db", "plan", "export", SLUG]).stdout
    assert second == first
    plain = read_plan(H2022).plan
    with_empty = plain.model_copy(update={"dimensions": []})
    assert content_hash(with_empty) == content_hash(plain)
    # The hash the file had before dimensions existed (plan-format field added later).
    assert "dimensions" not in plain.model_dump(exclude_defaults=True)


# --------------------------------------------------------------------------- scores and reports


def test_scores_rest_on_the_totals(holmstad: None) -> None:
    """The indicator's series and score are its totals: 4.1 -> 3.7 of 4.1 -> 3.5 is 0.67,
    whatever the breakdowns say (the cross-breakdown 3.1 would give 1.0)."""
    data = progress()
    (ind,) = [i for i in data["indicators"] if i["code"] == "ledighed"]
    assert [(p["period"], p["value"]) for p in ind["series"]] == [("2022", 3.9), ("2023", 3.7)]
    assert ind["score"] == pytest.approx(0.6667, abs=1e-4)
    assert "breakdown" not in data  # only with --by


def test_breakdown_by_sex_scores_each_value_against_its_own_target(holmstad: None) -> None:
    b = progress("--by", "sex")["breakdown"]
    assert (b["dimension"], b["name"], b["values"]) == ("sex", "Køn", ["women", "men"])
    (ind,) = b["indicators"]
    women, men = ind["values"]
    # Women: baseline 4.3 and target 3.4 from targets_by, latest 3.6: (4.3-3.6)/(4.3-3.4).
    assert women["latest"] == {"period": "2023", "value": 3.6}
    assert (women["baseline"], women["target"]) == (4.3, 3.4)
    assert women["score"] == pytest.approx(0.7778, abs=1e-4)
    # Men: a value but no target of their own: not scored against the total's target.
    assert men["latest"]["value"] == 3.8 and men["target"] is None
    assert (men["score"], men["status"]) == (None, "not-scorable")
    assert ind["total_score"] == pytest.approx(0.6667, abs=1e-4)


def test_breakdown_by_age_takes_a_measured_baseline_and_skips_cross_breakdowns(holmstad: None) -> None:
    (ind,) = progress("--by", "age")["breakdown"]["indicators"]
    young, older = ind["values"]
    # No baseline in targets_by: the 16-29 figure of the baseline period 2021 (3.6) is it;
    # (3.6-3.3)/(3.6-3.0) = 0.5. The cross-breakdown age=16-29;sex=women (3.1) is not 16-29.
    assert young["baseline"] == 3.6 and young["latest"]["value"] == 3.3
    assert young["score"] == pytest.approx(0.5)
    assert older["latest"]["value"] == 3.9 and older["status"] == "not-scorable"


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_breakdown_in_every_format_and_both_languages(holmstad: None, fmt: str) -> None:
    en = gt("report", "progress", "--plan", SLUG, "--by", "sex", "--format", fmt, "--lang", "en").stdout
    da = gt("report", "progress", "--plan", SLUG, "--by", "sex", "--format", fmt, "--lang", "da").stdout
    assert "Kvinder" in en and "Kvinder" in da  # the plan's value names, as written
    if fmt == "csv":
        assert "# Breakdown by dimension\nIndicator,Køn,Period" in en
    else:
        assert "Breakdown by dimension" in en and "Opdeling efter dimension" in da
        assert "Breakdown by dimension" not in da


def test_by_an_undeclared_dimension_is_a_usage_error(holmstad: None) -> None:
    result = gt("report", "progress", "--plan", SLUG, "--by", "sexx", code=2)
    assert "the plan has no dimension 'sexx' (did you mean 'sex'?)" in result.output


def test_bundled_plan_declares_no_dimensions() -> None:
    gt("plan", "load", str(BUNDLED))
    result = gt("report", "progress", "--by", "sex", code=2)
    assert "it declares no dimensions" in result.output
    data = json.loads(gt("report", "progress", "--format", "json").stdout)
    assert "breakdown" not in data


def test_breakdown_through_a_subprocess(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    assert run_cli("--db", db, "plan", "load", H2022, H2023).returncode == 0
    done = run_cli("--db", db, "report", "progress", "--plan", SLUG, "--by", "age", "--format", "markdown",
                   "--lang", "da")
    assert done.returncode == 0, done.stderr
    assert "## Opdeling efter dimension" in done.stdout and "| ledighed | 16-29 år | 2023 | 3,3 | 3,6 | 3 | 0,5 |" \
        in done.stdout
    bad = run_cli("--db", db, "report", "progress", "--plan", SLUG, "--by", "region")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- progress --compare-plan


def test_progress_compared_with_the_predecessor(holmstad: None) -> None:
    c = progress("--compare-plan", "holmstad-2022")["comparison"]
    assert c["plan"] == "holmstad-2022"
    (both,) = c["in_both"]
    assert (both["code"], both["latest"], both["period"], both["other_latest"], both["other_period"]) == (
        "ledighed", 3.7, "2023", 3.9, "2022")
    assert both["change"] == -0.2
    # 2022 was scored against the 2022 plan's own target: (4.1-3.9)/(4.1-3.5).
    assert both["other_score"] == pytest.approx(0.3333, abs=1e-4)
    assert (c["only_here"], c["only_there"]) == ([], [])
    md = gt("report", "progress", "--plan", SLUG, "--compare-plan", "holmstad-2022", "--format", "markdown",
            "--lang", "da").stdout
    assert "## Sammenlignet med en anden plan: holmstad-2022" in md and "-0,2" in md
    html = gt("report", "progress", "--plan", SLUG, "--compare-plan", "holmstad-2022", "--format", "html",
              "--lang", "en").stdout
    assert "Latest in the other plan" in html
    csv = gt("report", "progress", "--plan", SLUG, "--compare-plan", "holmstad-2022", "--format", "csv").stdout
    assert "other_latest" in csv


def test_progress_compared_on_the_bundled_plan_with_itself() -> None:
    gt("plan", "load", str(BUNDLED))
    data = json.loads(gt("report", "progress", "--compare-plan", "kalundborg-2021", "--format", "json").stdout)
    c = data["comparison"]
    assert c["only_here"] == c["only_there"] == []
    assert all(i["change"] in (0, None) and i["status"] == i["other_status"] for i in c["in_both"])
    assert len(c["in_both"]) == len(data["indicators"])


# --------------------------------------------------------------------------- recording


def test_record_with_dimensions(holmstad: None) -> None:
    out = gt("record", "ledighed", "3,5", "-p", "2024", "--plan", SLUG, "--dim", "sex=Kvinder").output
    assert "Recorded ledighed 2024 sex=women = 3.5" in out
    assert "Unchanged" in gt("record", "ledighed", "3.5", "-p", "2024", "--plan", SLUG, "--dim", "sex=women").output
    hist = json.loads(gt("history", "ledighed", "--plan", SLUG, "--format", "json").stdout)
    assert {"period": "2024", "dimensions": {"sex": "women"}, "value": 3.5}.items() <= hist["entries"][-1].items()
    table = gt("history", "ledighed", "--plan", SLUG).output
    assert "Breakdown" in table and "age=16-29, sex=women" in table
    # The total for 2024 is a separate value, not superseded by the breakdown.
    gt("record", "ledighed", "3.6", "-p", "2024", "--plan", SLUG)
    assert ("ledighed", "2024", "sex=women", 3.5) in current_rows()
    assert ("ledighed", "2024", "", 3.6) in current_rows()
    # One current value per indicator, period *and breakdown*: what db verify checks.
    assert "no problems" in gt("db", "verify").output


@pytest.mark.parametrize(("dims", "code", "message"), [
    (["sex=x"], 1, "'x' is not a value of dimension 'sex' (allowed: women, men)"),
    (["region=nord"], 1, "indicator 'ledighed' has no dimension 'region' (its dimensions: sex, age)"),
    (["sex"], 2, "--dim 'sex': write DIMENSION=VALUE"),
    (["sex=women", "sex=men"], 2, "dimension 'sex' is given twice"),
])
def test_record_bad_dimensions_change_nothing(holmstad: None, dims: list[str], code: int, message: str) -> None:
    before = db_dump("t.db")
    args = [a for d in dims for a in ("--dim", d)]
    result = gt("record", "ledighed", "3.5", "-p", "2024", "--plan", SLUG, *args, code=code)
    assert message in result.output and "Traceback" not in result.output
    assert db_dump("t.db") == before


# --------------------------------------------------------------------------- importing


def _engine_with_plan(url: str, plan: Path = H2023) -> tuple[Any, int]:
    engine = open_engine(url, create=True)
    load_plans(engine, [read_plan(plan)], recorded_by="test")
    with engine.connect() as conn:
        return engine, plan_id_for(conn, SLUG)


def _import(url: str, path: Path, source: str = "csv", plan: Path = H2023, **options: str) -> Any:
    from goaltrack.plugins import load_plugins
    from goaltrack.store.importing import import_file

    engine, plan_id = _engine_with_plan(url, plan)
    try:
        return import_file(engine, plan_id, load_plugins().data_sources[source], path, options=options,
                           recorded_by="importer")
    finally:
        engine.dispose()


def _breakdowns(url: str, period: str) -> dict[str, float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT breakdown, value FROM measurement WHERE period_code = :p AND superseded_at IS NULL"),
                {"p": period})
            return {r[0]: r[1] for r in rows}
    finally:
        engine.dispose()


CSV = "indicator;period;value;Køn;alder\nledighed;2024;3,4;;\nledighed;2024;3,3;Kvinder;\n" \
      "ledighed;2024;3,5;mænd;\nledighed;2024;3,0;Kvinder;16-29 år\n"


def test_import_csv_maps_columns_to_dimensions(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "dims.csv"
    path.write_text(CSV, encoding="utf-8")
    result = _import(db_url, path, **{"dimension.sex": "Køn", "dimension.age": "alder"})
    assert (result.inserted, result.rejected) == (4, 0)
    assert _breakdowns(db_url, "2024") == {"": 3.4, "sex=women": 3.3, "sex=men": 3.5, "age=16-29;sex=women": 3.0}
    again = _import(db_url, path, **{"dimension.sex": "Køn", "dimension.age": "alder"})
    assert (again.inserted, again.unchanged) == (0, 4)


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """The Holmstad 2023 plan without its measurements: nothing current to supersede."""
    text = H2023.read_text(encoding="utf-8")
    start = text.index("    measurements:\n      - {period: \"2022\"")
    end = text.index("\n", text.index("dimensions: {age: 16-29, sex: women}}"))
    bare = tmp_path / "bare.yaml"
    bare.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    return bare


def test_import_into_a_plan_without_values_takes_the_direct_path(db_url: str, tmp_path: Path, bare: Path) -> None:
    """A plan with no current values gets rows straight into ``measurement`` (no staging):
    breakdowns go that way too, and a breakdown given twice still sends the import through
    the staging table, which names both lines."""
    path = tmp_path / "dims.csv"
    path.write_text(CSV, encoding="utf-8")
    result = _import(db_url, path, plan=bare, **{"dimension.sex": "Køn", "dimension.age": "alder"})
    assert (result.inserted, result.superseded, result.unchanged) == (4, 0, 0)
    assert _breakdowns(db_url, "2024") == {"": 3.4, "sex=women": 3.3, "sex=men": 3.5, "age=16-29;sex=women": 3.0}


def test_a_repeated_breakdown_on_the_direct_path_is_reported(db_url: str, tmp_path: Path, bare: Path) -> None:
    from goaltrack.errors import ValidationError

    path = tmp_path / "dup.csv"
    path.write_text("indicator,period,value,køn\nledighed,2024,3.3,Kvinder\nledighed,2024,3.4,\n"
                    "ledighed,2024,3.2,women\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        _import(db_url, path, plan=bare, **{"dimension.sex": "køn"})
    assert info.value.problems[0].line == 4
    assert "for sex=women is given again (first on line 2)" in info.value.problems[0].message
    assert _breakdowns(db_url, "2024") == {}


def test_import_csv_dimension_problems(db_url: str, tmp_path: Path) -> None:
    from goaltrack.errors import DataError, ValidationError

    path = tmp_path / "dims.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(DataError, match=r"dims.csv:1: unknown column\(s\) køn"):
        _import(db_url, path)
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,period,value,køn\nledighed,2024,3.3,Kvinder\nledighed,2024,3.1,ikke-binær\n"
                   "ledighed,2024,3.2,women\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        _import(db_url, bad, **{"dimension.sex": "køn"})
    assert [(p.line, p.message) for p in info.value.problems][0] == (
        3, "'ikke-binær' is not a value of dimension 'sex' (allowed: women, men)")
    bad.write_text("indicator,period,value,køn\nledighed,2024,3.3,Kvinder\nledighed,2024,3.2,women\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        _import(db_url, bad, **{"dimension.sex": "køn"})
    assert "period '2024' for sex=women is given again (first on line 2)" in str(info.value.problems[0].message)
    assert _breakdowns(db_url, "2024") == {}


def test_import_jsonl_dimensions(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "dims.jsonl"
    path.write_text('{"indicator": "ledighed", "period": "2024", "value": "3.3", "dimensions": {"sex": "women"}}\n'
                    '{"indicator": "ledighed", "period": "2024", "value": "3.6", "dimensions": ["women"]}\n',
                    encoding="utf-8")
    from goaltrack.errors import ValidationError

    with pytest.raises(ValidationError) as info:
        _import(db_url, path, "jsonl")
    assert info.value.problems[0].line == 2 and "dimensions must be an object" in info.value.problems[0].message
    path.write_text(path.read_text().splitlines()[0] + "\n", encoding="utf-8")
    assert _import(db_url, path, "jsonl").inserted == 1
    assert _breakdowns(db_url, "2024") == {"sex=women": 3.3}


def test_breakdown_and_comparison_keys_documented(holmstad: None) -> None:
    import re

    from test_reports_render import _key_paths

    docs = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", docs, re.M))
    data = progress("--by", "sex", "--compare-plan", "holmstad-2022")
    gt("plan", "load", str(BUNDLED))
    data["comparison"]["only_here"] = json.loads(gt(
        "report", "progress", "--plan", SLUG, "--compare-plan", "kalundborg-2021", "--format", "json",
    ).stdout)["comparison"]["only_here"]
    assert data["comparison"]["only_here"]
    for path in sorted(set(_key_paths(data))):
        assert path in documented, f"docs/reports.md does not document progress JSON key {path!r}"


def test_the_dimension_example_in_docs_progress_imports(db_url: str, tmp_path: Path) -> None:
    text = (REPO / "docs" / "progress.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].lstrip("\n") for b in text.split("```\n")[1:]]
    (block,) = [b for b in blocks if b.startswith("indicator;period;value;Køn")]
    path = tmp_path / "doc.csv"
    path.write_text(block, encoding="utf-8")
    assert _import(db_url, path, **{"dimension.sex": "Køn"}).inserted == 3
    assert _breakdowns(db_url, "2024") == {"": 3.5, "sex=women": 3.4, "sex=men": 3.6}
