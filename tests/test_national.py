"""The national view: ``score --all-plans`` and ``report coverage --all-plans`` over a database
holding several plans (issue 6: the ministry loads every municipality's plan).

Each all-plans figure must be what the plan's own command says: the coverage level and the
counts of every goal are checked against ``report coverage --plan SLUG``, and every goal's
score against ``score --plan SLUG``. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_PLAN, REPO, run_cli
from report_helpers import invoke

DATA = REPO / "tests" / "data"
PLANS = (BUNDLED_PLAN, DATA / "report-plan.yaml", DATA / "progress-plan.yaml", DATA / "tiny.yaml")
SLUGS = ("harbour-town-waste", "kalundborg-2021", "riverside-2024", "tiny-library")  # slug order
EXAMPLE_CSV = REPO / "config" / "plans" / "kalundborg-2021.example.csv"


@pytest.fixture
def national(db_url: str) -> str:
    """Four plans of different fields in one database; one of them with (example) data."""
    invoke("--db", db_url, "plan", "load", *PLANS)
    invoke("--db", db_url, "import", "csv", EXAMPLE_CSV, "--plan", "kalundborg-2021", "--by", "test")
    return db_url


def _json(db: str, *args: str) -> Any:
    return json.loads(invoke("--db", db, *args, "--format", "json"))


def test_coverage_of_all_plans_is_each_plans_own_coverage(national: str) -> None:
    data = _json(national, "report", "coverage", "--all-plans")
    assert data["report"] == "coverage-national"
    assert [p["plan"] for p in data["plans"]] == list(SLUGS)
    for p in data["plans"]:
        own = _json(national, "report", "coverage", "--plan", p["plan"])
        assert p["overall"] == own["summary"]["overall"]
        assert [g["code"] for g in p["goals"]] == [g["code"] for g in own["goals"]]
        for mine, theirs in zip(p["goals"], own["goals"], strict=True):
            assert mine["coverage"] == theirs["coverage"], (p["plan"], mine["code"])
            assert mine["focus_areas"] == len(theirs["focus_areas"])
            assert mine["initiatives"] == len(theirs["initiatives"])
            assert mine["indicators"] == len(theirs["indicators"])
            assert mine["indicators_with_data"] == sum(1 for i in theirs["indicators"] if i["latest_period"])
            assert mine["accounts"] == len(theirs["accounts"])
    kalundborg = next(p for p in data["plans"] if p["plan"] == "kalundborg-2021")
    assert any(g["indicators_with_data"] for g in kalundborg["goals"]), "the imported example data counts"

    every = [g for p in data["plans"] for g in p["goals"]]
    s = data["summary"]
    assert (s["plans"], s["goals"]) == (len(SLUGS), len(every))
    assert s["covered"] + s["partial"] + s["uncovered"] == len(every)
    assert s["covered"] == sum(g["coverage"] == "covered" for g in every)
    # Per goal title: the plans that have it, split by level, and the gaps named in the issue.
    for t in data["goals_by_title"]:
        same = [g for g in every if " ".join(g["title"].lower().rstrip(".").split()) ==
                " ".join(t["title"].lower().rstrip(".").split())]
        assert t["plans"] == len(same) == t["covered"] + t["partial"] + t["uncovered"]
        assert t["no_initiative"] == sum(not g["initiatives"] for g in same)
        assert t["no_indicator_data"] == sum(not g["indicators_with_data"] for g in same)
        assert t["no_account"] == sum(not g["accounts"] for g in same)


def test_scores_of_all_plans_are_each_plans_own_scores(national: str) -> None:
    data = _json(national, "score", "--all-plans")
    assert [p["plan"] for p in data["plans"]] == list(SLUGS)
    for p in data["plans"]:
        own = _json(national, "score", "--plan", p["plan"])
        assert [(g["code"], g["score"], g["status"], g["with_data"], g["without_data"])
                for g in p["national_goals"]] == [
            (g["code"], g["score"], g["status"], g["with_data"], g["without_data"]) for g in own["national_goals"]
        ]
    assert any(g["score"] is not None for p in data["plans"] for g in p["national_goals"])


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv", "json"])
def test_national_coverage_in_every_format_is_reproducible(national: str, fmt: str) -> None:
    # CSV without --lang is the machine form (keys); the others in English.
    lang = () if fmt == "csv" else ("--lang", "en")
    first = invoke("--db", national, "report", "coverage", "--all-plans", "--format", fmt, *lang)
    again = invoke("--db", national, "report", "coverage", "--all-plans", "--format", fmt, *lang)
    assert first == again
    for slug in SLUGS:
        assert slug in first
    if fmt == "csv":  # one block per table, headed by its name; columns by key
        assert "# goals_by_title\ntitle,plans,covered,partial,uncovered,no_initiative" in first
    elif fmt != "json":
        assert "National goals across plans" in first


def test_danish_labels(national: str) -> None:
    out = invoke("--db", national, "report", "coverage", "--all-plans", "--lang", "da")
    assert "Nationale mål på tværs af planer" in out and "Ingen indsats" in out


@pytest.mark.parametrize("args", [["--plan", "tiny-library"], ["--compare-plan", "tiny-library"]])
def test_all_plans_with_one_plan_is_a_usage_error(national: str, args: list[str], tmp_path: Path) -> None:
    proc = run_cli("--db", national, "report", "coverage", "--all-plans", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "Error: --all-plans covers every plan; it cannot be combined with --plan or --compare-plan"
    )
    assert "Traceback" not in proc.stderr


def test_all_plans_in_a_subprocess(national: str, tmp_path: Path) -> None:
    proc = run_cli("--db", national, "report", "coverage", "--all-plans", "--format", "csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == [
        "# goals", "plan,code,title,coverage,focus_areas,initiatives,indicators,indicators_with_data,accounts",
    ]


def test_score_all_plans_in_worker_processes_is_the_same(national: str) -> None:
    """--jobs 2 forks two workers with their own connections; the output is byte for byte
    that of --jobs 1 (every plan in this process, one transaction)."""
    one = invoke("--db", national, "score", "--all-plans", "--format", "json", "--jobs", "1")
    two = invoke("--db", national, "score", "--all-plans", "--format", "json", "--jobs", "2")
    auto = invoke("--db", national, "score", "--all-plans", "--format", "json")
    assert one == two == auto


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_error_in_a_worker_is_the_same_one_line_error(national: str, jobs: str, tmp_path: Path) -> None:
    config = tmp_path / "goaltrack.toml"
    config.write_text('[scoring]\nmethod = "no-such-method"\n', encoding="utf-8")
    proc = run_cli("--db", national, "--config", config, "score", "--all-plans", "--jobs", jobs, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: indicator ")
    assert "unknown scoring method 'no-such-method'" in lines[0]


def test_jobs_only_with_all_plans(national: str, tmp_path: Path) -> None:
    proc = run_cli("--db", national, "score", "--plan", "tiny-library", "--jobs", "2", cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (2, "Error: --jobs applies to --all-plans")
