"""Where a status comes from (issue 13), on the demo a municipal manager reads: the bundled
plan with its EXAMPLE series and statuses. Its goals are "on track" because the example
statuses say so, while its indicators cannot be scored (values, but no baseline or target);
every format must say that, in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_helpers import invoke, report


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("demo") / "out"
    invoke("demo", "--out", out)
    yield out / "goaltrack.db"


def test_goals_on_track_by_self_reported_statuses_say_so(demo_db: Path) -> None:
    cov = json.loads(report(demo_db, "coverage", "json"))
    scored = [g for g in cov["goals"] if g["score"] is not None]
    assert scored, "the demo's example statuses give the goals a score"
    for g in scored:
        assert g["source"] in ("self-reported", "both"), g["code"]
        assert 0 <= g["measured_share"] < 1
    for g in cov["goals"]:
        if g["score"] is None:
            assert g["source"] is None and g["measured_share"] is None
    # The summary counts measured and self-reported goals apart, and adds up.
    statuses = {s["status"]: s for s in cov["summary"]["statuses"]}
    assert list(statuses) == ["on-track", "at-risk", "off-track", "no-data", "not-scorable"]
    for s in statuses.values():
        if s["status"] in ("no-data", "not-scorable"):
            assert s["measured"] == s["self-reported"] == s["both"] == 0
        else:
            assert s["measured"] + s["self-reported"] + s["both"] == s["goals"]
    assert sum(s["goals"] for s in statuses.values()) == len(cov["goals"])
    assert sum(s["self-reported"] for s in statuses.values()) == sum(
        g["source"] == "self-reported" for g in cov["goals"])


def test_indicators_with_values_but_no_target_are_not_scorable(demo_db: Path) -> None:
    progress = json.loads(report(demo_db, "progress", "json"))
    mm13 = next(i for i in progress["indicators"] if i["code"] == "MM13")
    assert any(p["value"] is not None for p in mm13["series"])
    assert mm13["baseline"] is None and mm13["target"] is None
    assert mm13["status"] == "not-scorable"
    for i in progress["indicators"]:  # a forecast is not a value to score (it is shown, not scored)
        has_value = any(p["value"] is not None and p["kind"] == "observed" for p in i["series"])
        if i["score"] is None and not i["computed"]:
            assert i["status"] == ("not-scorable" if has_value else "no-data"), i["code"]


@pytest.mark.parametrize(("fmt", "lang", "words"), [
    ("table", "en", ["Based on", "self-reported"]),
    ("table", "da", ["Bygger på", "selvrapporteret"]),
    ("markdown", "en", ["self-reported", "National goals by status, and what each status rests on:"]),
    ("markdown", "da", ["selvrapporteret", "Nationale mål efter status"]),
    ("html", "en", ["self-reported", "% measured"]),
    ("html", "da", ["selvrapporteret", "målt"]),
    ("csv", "", [",source,measured_share,", ",self-reported,0,"]),  # no --lang: keys and codes
    ("csv", "da", [",Bygger på,Målt %,", ",selvrapporteret,0,"]),
])
def test_every_format_says_what_a_status_rests_on(demo_db: Path, fmt: str, lang: str, words: list[str]) -> None:
    text = report(demo_db, "coverage", fmt, *(("--lang", lang) if lang else ()))
    for word in words:
        assert word in text, (fmt, lang, word)


@pytest.mark.parametrize("lang", ["en", "da"])
def test_progress_says_not_scorable(demo_db: Path, lang: str) -> None:
    text = report(demo_db, "progress", "table", "--lang", lang)
    assert ("not scorable (no baseline/target)" if lang == "en" else "kan ikke scores") in text
    html = report(demo_db, "progress", "html", "--lang", lang)
    assert ("self-reported" if lang == "en" else "selvrapporteret") in html


def test_score_table_has_the_source(demo_db: Path) -> None:
    text = invoke("--db", demo_db, "score", "--format", "table")
    assert "Based on" in text.splitlines()[1]
    data = json.loads(invoke("--db", demo_db, "score", "--format", "json"))
    assert all("source" in g and "measured_share" in g for g in data["national_goals"])
