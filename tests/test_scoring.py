"""Scoring a whole plan: latest values, the roll-up, --as-of, --explain and the score command.

The synthetic plan tests/data/progress-plan.yaml has round baselines and targets, so every
score below is computed by hand in the comment beside it. The bundled Kalundborg plan is
used for the promise of issue 4: every national goal shows a score or an explicit no-data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner
from helpers import BUNDLED_PLAN, REPO, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from goaltrack.engine.plan_scoring import score_plan
from goaltrack.engine.scoretree import Edge, Node, PlanScores, status_score
from goaltrack.engine.scoretree import roll_up as _roll_up
from goaltrack.errors import UsageError
from goaltrack.planfile.validate import read_plan
from goaltrack.plugins import Plugins, load_plugins
from goaltrack.reports.scores import explain, scores_report
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.measurements import latest_values
from goaltrack.store.plansync import load_plans
from goaltrack.store.recording import record_measurement, record_status

PLAN = REPO / "tests" / "data" / "progress-plan.yaml"
GOALS = ["NG1", "NG2", "NG3", "NG4", "NG5"]


class _Main:
    """Lets CliRunner run goaltrack's real entry point, which turns errors into exit codes."""

    name = "goaltrack"

    def main(self, args: Any, prog_name: str | None = None, **extra: Any) -> None:
        from goaltrack.cli import main

        main(list(args))


def gt(runner: CliRunner, *args: object) -> Any:
    return runner.invoke(_Main(), [str(a) for a in args])


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return load_plugins()


def load(url: str, path: Path = PLAN) -> tuple[Engine, int]:
    engine = open_engine(url, create=True)
    (result,) = load_plans(engine, [read_plan(path)], recorded_by="test")
    with engine.connect() as conn:
        return engine, plan_id_for(conn, result.slug)


@pytest.fixture
def plan(db_url: str) -> Any:
    engine, plan_id = load(db_url)
    yield engine, plan_id
    engine.dispose()


def record_scenario(engine: Engine, plan_id: int) -> None:
    """The values the hand computations below rest on."""
    for code, value in [("RECYCLED", "40"), ("LANDFILL", "800"), ("NO2DAYS", "11"), ("EBUS", "60")]:
        record_measurement(engine, plan_id, code, value, "2024", by="tester")
    record_status(engine, plan_id, "I2", "at-risk", by="tester", note="volunteers are hard to find")
    record_status(engine, plan_id, "I3", "on-track", by="tester")  # ignored: I3 has indicators


def scored(conn: Any, plugins: Plugins, plan_id: int, **kw: Any) -> PlanScores:
    return score_plan(conn, plugins, plan_id, **kw)


def by_code(scores: PlanScores) -> dict[str, Node]:
    return {n.code: n for group in (scores.goals, scores.areas, scores.initiatives, scores.indicators) for n in group}


# --------------------------------------------------------------------------- the roll-up by hand


def test_scores_computed_by_hand(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))

    # Indicators.
    assert n["RECYCLED"].score == pytest.approx(0.5)  # linear (40-30)/(50-30)
    assert n["LANDFILL"].score == pytest.approx(0.75)  # threshold, decrease: 600/800
    assert n["LANDFILL"].status == "at-risk"  # its own bands: on track >= 0.8, at risk >= 0.5
    assert n["NO2DAYS"].score == pytest.approx(0.6)  # decrease-to (11-20)/(5-20)
    assert n["EBUS"].score == 0.0  # binary: 60 < 100
    assert n["WASTE-BUDGET"].score == pytest.approx(0.75)  # computed +15 %, linear (15-0)/(20-0)
    assert n["PARTICIPANTS"].score is None and n["PARTICIPANTS"].status == "no-data"
    assert n["RECYCLED"].method == "linear" and n["EBUS"].method == "binary"
    assert n["RECYCLED"].latest_period == "2024"

    # Initiatives: their indicators, else their status (the middle of its band).
    assert n["I1"].score == pytest.approx(0.5)  # RECYCLED alone (weight 2)
    assert n["I1"].explanation == "I1: weighted mean of 1 of 1 items with data: (2×0.50 (RECYCLED)) / 2 = 0.50"
    assert n["I2"].score == pytest.approx(0.8)  # at-risk: (0.9 + 0.7) / 2
    assert n["I2"].status == "at-risk"
    assert n["I3"].score == pytest.approx(0.3)  # (0.6 + 0) / 2; its recorded on-track is not used
    assert n["I4"].score == 1.0  # on-track as the plan file declares it
    assert n["I5"].score is None and n["I5"].without_data == 1

    # Focus areas.
    assert n["A1"].score == pytest.approx((0.5 + 0.8 + 0.75) / 3)  # I1, I2, LANDFILL = 0.683
    assert n["A1"].status == "off-track"
    assert n["A2"].score == pytest.approx(0.65)  # (0.3 + 1.0) / 2
    assert n["A3"].score is None and n["A3"].status == "no-data"
    assert n["S1"].score == pytest.approx(((2.05 / 3) + 0.75) / 2)  # A1 and WASTE-BUDGET = 0.717
    assert n["S1"].status == "at-risk"

    # National goals: everything linked to them, with the links' weights, each item once.
    # G1 <- S1 (1), A1 (1), I1 (1), RECYCLED (link weight 3); but S1 holds A1 (A1 serves S1),
    # A1 holds I1, I1 holds RECYCLED: A1 and I1 count once, through S1; RECYCLED's link gives
    # a weight of its own, so it counts directly too, as the plan asks:
    # (0.7167 + 3 × 0.5) / 4 = 2.2167 / 4 = 0.554
    assert n["G1"].score == pytest.approx(((2.05 / 3 + 0.75) / 2 + 1.5) / 4)
    assert (n["G1"].with_data, n["G1"].without_data) == (2, 0)
    assert n["G1"].status == "off-track"
    assert n["G1"].counted_once == [("A1", "S1"), ("I1", "S1")]
    assert n["G1"].counted_twice == [("RECYCLED", "S1")]
    assert n["G2"].score == pytest.approx(0.65)
    # G3 has only items without data: no-data, counted, never zero.
    assert n["G3"].score is None and n["G3"].status == "no-data"
    assert (n["G3"].with_data, n["G3"].without_data) == (0, 2)
    assert n["G3"].explanation == "G3: none of its 2 linked items has data"


def test_nothing_recorded_means_no_data_everywhere_but_computed_and_declared(plan: tuple[Engine, int],
                                                                             plugins: Plugins) -> None:
    engine, plan_id = plan
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))
    assert n["I4"].score == 1.0  # declared on-track in the plan file
    assert "status on-track in the plan file" in n["I4"].explanation
    assert n["WASTE-BUDGET"].score == pytest.approx(0.75)  # computed from the budget
    assert n["A1"].score is None and n["A1"].without_data == 3
    assert n["G1"].score == pytest.approx(0.75)  # S1 <- WASTE-BUDGET only
    assert (n["G1"].with_data, n["G1"].without_data) == (1, 1)  # S1, RECYCLED (A1, I1 through S1)
    assert "; 1 without data not counted; also linked directly, counted once: A1, I1 (through S1)" in (
        n["G1"].explanation)


@pytest.mark.parametrize(
    ("status", "score", "shown"),
    [
        ("on-track", 1.0, "on-track"),
        ("done", 1.0, "on-track"),
        ("at-risk", 0.8, "at-risk"),  # middle of [0.7, 0.9)
        ("off-track", 0.35, "off-track"),  # middle of [0, 0.7)
        ("not-started", None, "no-data"),
    ],
)
def test_status_scores_sit_in_the_middle_of_their_band(plan: tuple[Engine, int], plugins: Plugins,
                                                        status: str, score: float | None, shown: str) -> None:
    engine, plan_id = plan
    record_status(engine, plan_id, "I2", status, by="tester", note="why")
    with engine.connect() as conn:
        i2 = by_code(scored(conn, plugins, plan_id))["I2"]
    assert i2.score == (None if score is None else pytest.approx(score))
    assert i2.status == shown
    assert status_score(status, 0.9, 0.7) == (None if score is None else pytest.approx(score))


def test_status_bands_follow_the_config(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_status(engine, plan_id, "I2", "off-track", by="tester", note="why")
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id, settings={"on_track": 0.8, "at_risk": 0.4}))
    assert n["I2"].score == pytest.approx(0.2)  # middle of [0, 0.4)
    assert n["I2"].status == "off-track"


def test_a_cancelled_initiative_is_left_out(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_status(engine, plan_id, "I4", "cancelled", by="tester")
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))
    assert n["I4"].status == "cancelled" and n["I4"].score is None
    assert "I4" not in [e.node.code for e in n["A2"].children]


def test_the_latest_recorded_status_counts(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_status(engine, plan_id, "I2", "off-track", by="tester", note="stalled")
    record_status(engine, plan_id, "I2", "on-track", by="tester")
    with engine.connect() as conn:
        assert by_code(scored(conn, plugins, plan_id))["I2"].score == 1.0


def test_the_latest_period_counts_and_supersession(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "34", "2023", by="tester")
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024Q1", by="tester")
    record_measurement(engine, plan_id, "RECYCLED", "32", "2022", by="tester")  # older period, recorded last
    with engine.connect() as conn:
        assert by_code(scored(conn, plugins, plan_id))["RECYCLED"].score == pytest.approx(0.5)
    record_measurement(engine, plan_id, "RECYCLED", "44", "2024Q1", by="tester", note="revised", correct=True)
    with engine.connect() as conn:
        assert by_code(scored(conn, plugins, plan_id))["RECYCLED"].score == pytest.approx(0.7)  # 14/20
    # A value recorded as missing is no value: the latest real one still counts.
    record_measurement(engine, plan_id, "RECYCLED", None, "2024Q2", by="tester", missing="survey delayed")
    with engine.connect() as conn:
        assert by_code(scored(conn, plugins, plan_id))["RECYCLED"].latest_period == "2024Q1"


def test_as_of_excludes_later_data(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "34", "2023", by="tester")  # (34-30)/20 = 0.2
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="tester")  # 0.5
    record_status(engine, plan_id, "I2", "at-risk", by="tester", note="late")  # recorded today
    with engine.connect() as conn:
        now = by_code(scored(conn, plugins, plan_id))
        then = by_code(scored(conn, plugins, plan_id, as_of=dt.date(2023, 12, 31)))
    assert now["RECYCLED"].score == pytest.approx(0.5)
    assert then["RECYCLED"].score == pytest.approx(0.2)
    assert then["RECYCLED"].latest_period == "2023"
    assert now["I2"].score == pytest.approx(0.8)
    assert then["I2"].score is None  # its status was recorded after the date
    assert now["WASTE-BUDGET"].score is not None
    assert then["WASTE-BUDGET"].score is None  # the computed value is for 2024
    # The day a period ends is included.
    with engine.connect() as conn:
        edge = by_code(scored(conn, plugins, plan_id, as_of=dt.date(2024, 12, 31)))
    assert edge["RECYCLED"].latest_period == "2024"


def test_a_no_data_item_added_to_a_goal_changes_nothing(tmp_path: Path, plugins: Plugins) -> None:
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db")
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        before = by_code(scored(conn, plugins, plan_id))
    engine.dispose()
    text = PLAN.read_text(encoding="utf-8") + (
        "  - code: EXTRA\n    name: Measured later\n    unit: persons\n    direction: increase\n"
        "    baseline: {value: 1, period: '2023'}\n    target: {value: 2, period: '2024'}\n"
        "    measures:\n      - national_goal: G1\n        basis: inferred\n        note: test\n        weight: 100\n"
    )
    edited = tmp_path / "progress-plan.yaml"
    edited.write_text(text, encoding="utf-8")
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db", edited)
    with engine.connect() as conn:
        after = by_code(scored(conn, plugins, plan_id))
    engine.dispose()
    assert after["G1"].score == before["G1"].score
    assert (after["G1"].with_data, after["G1"].without_data) == (2, 1)


def test_a_weight_of_zero_is_kept(tmp_path: Path, plugins: Plugins) -> None:
    """Weight 0 shows an item but leaves it out of the mean; absent weights mean 1."""
    text = PLAN.read_text(encoding="utf-8")
    text = text.replace("        quote: sorting at home cuts landfill\n",
                        "        quote: sorting at home cuts landfill\n        weight: 0\n")
    text = text.replace("      method: linear\n      weight: 2\n", "      method: linear\n      weight: 0\n")
    edited = tmp_path / "p.yaml"
    edited.write_text(text, encoding="utf-8")
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db", edited)
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))
    engine.dispose()
    # I1's only indicator, RECYCLED, now weighs 0 there (its scoring weight): I1 has no score.
    assert n["I1"].score is None
    assert n["I1"].explanation == "I1: the 1 of its 1 linked items with data all have weight 0"
    # A1 <- I2 0.8, LANDFILL 0.75 (I1 without a score) = 0.775; S1 <- A1, WASTE-BUDGET = 0.7625
    assert n["A1"].score == pytest.approx(0.775)
    assert n["S1"].score == pytest.approx((0.775 + 0.75) / 2)
    # G1 <- S1 (1), A1 (0: its link gives a weight, so it is kept, and shown, not counted),
    # RECYCLED (3, its link's weight); I1 (no weight of its own) counts through S1 = (0.7625 + 1.5) / 4
    g1 = {e.node.code: e.weight for e in n["G1"].children}
    assert g1 == {"S1": 1.0, "A1": 0.0, "RECYCLED": 3.0}
    assert n["G1"].score == pytest.approx((0.7625 + 1.5) / 4)


def test_unknown_scoring_method_is_an_error(tmp_path: Path, plugins: Plugins) -> None:
    edited = tmp_path / "p.yaml"
    edited.write_text(PLAN.read_text(encoding="utf-8").replace("method: binary", "method: bianry"), encoding="utf-8")
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db", edited)
    with engine.connect() as conn, pytest.raises(UsageError, match="EBUS: unknown scoring method 'bianry'"):
        scored(conn, plugins, plan_id)
    engine.dispose()


def test_default_method_comes_from_the_config(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "PARTICIPANTS", "450", "2024", by="tester")
    with engine.connect() as conn:
        linear = by_code(scored(conn, plugins, plan_id))["PARTICIPANTS"]
        binary = by_code(scored(conn, plugins, plan_id, settings={"method": "binary"}))["PARTICIPANTS"]
    assert (linear.method, linear.score) == ("linear", pytest.approx(0.9))  # 450/500
    assert (binary.method, binary.score) == ("binary", 0.0)  # 450 < 500


# --------------------------------------------------------------------------- roll-up properties


def _leaf(code: str, score: float | None) -> Node:
    return Node("indicator", code, code, score=score, status="no-data" if score is None else "on-track")


children = st.lists(
    st.tuples(st.none() | st.floats(min_value=0, max_value=1), st.floats(min_value=0.01, max_value=100)),
    max_size=8,
)


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(children, st.floats(min_value=0, max_value=100))
def test_roll_up_ignores_items_without_data(kids: list[tuple[float | None, float]], weight: float) -> None:
    parent = Node("focus_area", "P", "P",
                  children=[Edge(_leaf(f"c{i}", s), w, "explicit") for i, (s, w) in enumerate(kids)])
    _roll_up(parent, 0.9, 0.7)
    before = (parent.score, parent.status, parent.with_data)
    parent.children.append(Edge(_leaf("new", None), weight, "inferred"))
    _roll_up(parent, 0.9, 0.7)
    assert (parent.score, parent.status, parent.with_data) == before
    assert parent.without_data == sum(1 for s, _ in kids if s is None) + 1
    scores = [s for s, _ in kids if s is not None]
    if scores:
        assert min(scores) - 1e-9 <= parent.score <= max(scores) + 1e-9  # type: ignore[operator]
    else:
        assert parent.score is None and parent.status == "no-data"


def test_roll_up_weighted_mean_by_hand() -> None:
    parent = Node("national_goal", "G", "G", children=[
        Edge(_leaf("a", 1.0), 3, "explicit"),
        Edge(_leaf("b", 0.2), 1, "inferred"),
        Edge(_leaf("c", None), 5, "inferred"),
    ])
    _roll_up(parent, 0.9, 0.7)
    assert parent.score == pytest.approx(0.8)  # (3×1.0 + 1×0.2) / 4
    assert parent.status == "at-risk"
    assert parent.explanation == (
        "G: weighted mean of 2 of 3 items with data: (3×1.00 (a) + 1×0.20 (b)) / 4 = 0.80; 1 without data not counted"
    )


# --------------------------------------------------------------------------- explain and the report


def test_explain_prints_the_whole_trace(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        scores = scored(conn, plugins, plan_id)
    lines: list[str] = []
    explain(scores, "I3", echo=lines.append)
    assert lines == [
        "initiative I3: 0.30 off-track",
        "  I3: weighted mean of 2 of 2 items with data: (1×0.60 (NO2DAYS) + 1×0.00 (EBUS)) / 2 = 0.30",
        "  indicator NO2DAYS (weight 1, explicit): 0.60 off-track",
        "    11 days (2024) vs target 5 days (decrease-to, from baseline 20 days) → 0.60",
        "  indicator EBUS (weight 1, explicit): 0.00 off-track",
        "    60 % (2024) misses the target: at or above 100 % → 0",
    ]
    lines.clear()
    explain(scores, "G3", echo=lines.append)
    assert lines[0] == "national goal G3: no data"
    with pytest.raises(UsageError, match="no national goal, focus area, initiative or indicator 'NOPE'"):
        explain(scores, "NOPE", echo=lines.append)


def test_the_traces_in_docs_progress_are_real(tmp_path: Path, plugins: Plugins) -> None:
    """docs/progress.md shows --explain output for this scenario; it must be what goaltrack prints."""
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db")
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        scores = scored(conn, plugins, plan_id)
    engine.dispose()
    doc = (REPO / "docs" / "progress.md").read_text(encoding="utf-8")
    for code, lines in (("I3", 6), ("G1", 2)):
        printed: list[str] = []
        explain(scores, code, echo=printed.append)
        assert "\n".join(printed[:lines]) in doc, code
    for code in ("RECYCLED", "LANDFILL", "NO2DAYS", "EBUS", "WASTE-BUDGET"):
        assert scores.find(code).explanation in doc, code


def test_scores_report(plan: tuple[Engine, int], plugins: Plugins) -> None:
    engine, plan_id = plan
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        tomorrow = dt.date.today() + dt.timedelta(days=1)  # statuses recorded today count
        report = scores_report(scored(conn, plugins, plan_id, as_of=tomorrow))
    data = json.loads(json.dumps(report.data))
    assert data["plan"] == "harbour-town-waste" and data["as_of"] == tomorrow.isoformat()
    assert [g["code"] for g in data["national_goals"]] == ["G1", "G2", "G3"]
    g1 = data["national_goals"][0]
    assert g1["score"] == pytest.approx(2.2167 / 4, abs=1e-4)
    assert g1["counted_once"] == [{"code": "A1", "through": "S1"}, {"code": "I1", "through": "S1"}]
    assert g1["counted_twice"] == [{"code": "RECYCLED", "through": "S1"}]
    assert {c["code"]: c["weight"] for c in g1["children"]}["RECYCLED"] == 3
    assert data["national_goals"][2]["status"] == "no-data" and data["national_goals"][2]["score"] is None
    rows = report.tables[0].rows
    assert rows[0][:2] == ("G1", "national goal") and rows[0][4] == "off-track"
    assert ("  A3", "focus area") in [r[:2] for r in rows]


# --------------------------------------------------------------------------- the latest-value query


def test_latest_value_query_uses_the_covering_index(tmp_path: Path) -> None:
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db")
    for period, value in [("2023", "34"), ("2024Q1", "38"), ("2024", "40")]:
        record_measurement(engine, plan_id, "RECYCLED", value, period, by="tester")
    # Without statistics SQLite breaks a tie between two usable indexes by their order in
    # the schema; make the one-current-value index the newest, the order that once made
    # the query skip ix_measurement_latest.
    with engine.begin() as conn:
        (ddl,) = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'ux_measurement_current'").one()
        conn.exec_driver_sql("DROP INDEX ux_measurement_current")
        conn.exec_driver_sql(ddl)
    statements: list[tuple[str, Any]] = []

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    ids = list(range(1, 10))
    for as_of in (None, dt.date(2024, 3, 31)):
        statements.clear()
        with engine.connect() as conn:
            latest = latest_values(conn, ids, as_of=as_of)
            # One set-based query for all the indicators, whatever else the connection ran.
            (statement, params), = [s for s in statements if "from measurement" in s[0].lower()
                                    or "join measurement" in s[0].lower()]
            plan_rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        text = "\n".join(str(r[-1]) for r in plan_rows)
        assert "ix_measurement_latest" in text, text
        (only,) = latest.values()
        assert only.period_code == ("2024" if as_of is None else "2024Q1")
    engine.dispose()


def test_latest_values_on_both_backends(plan: tuple[Engine, int]) -> None:
    engine, plan_id = plan
    record_measurement(engine, plan_id, "RECYCLED", "34", "2023", by="tester")
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="tester")
    record_measurement(engine, plan_id, "LANDFILL", "900", "2023H2", by="tester")
    with engine.connect() as conn:
        ids = dict(conn.exec_driver_sql("SELECT code, id FROM indicator").all())
        latest = latest_values(conn, list(ids.values()))
        assert {k: (v.period_code, v.value) for k, v in latest.items()} == {
            ids["RECYCLED"]: ("2024", 40.0), ids["LANDFILL"]: ("2023H2", 900.0)}
        assert latest_values(conn, [ids["RECYCLED"]], as_of=dt.date(2023, 12, 30)) == {}
        assert latest_values(conn, []) == {}


# --------------------------------------------------------------------------- the command line


def test_score_command_on_the_synthetic_plan(cli_runner: CliRunner, plan: tuple[Engine, int], db_url: str) -> None:
    engine, plan_id = plan
    record_scenario(engine, plan_id)
    r = gt(cli_runner, "--db", db_url, "score", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [(g["code"], g["status"]) for g in data["national_goals"]] == [
        ("G1", "off-track"), ("G2", "off-track"), ("G3", "no-data")]
    r = gt(cli_runner, "--db", db_url, "score", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "code,kind,title,score,status,source,data,example"
    r = gt(cli_runner, "--db", db_url, "score", "--explain", "A2")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("focus area A2: 0.65 off-track\n")
    r = gt(cli_runner, "--db", db_url, "score", "--explain", "NOPE")
    assert r.exit_code == 2 and "no national goal, focus area, initiative or indicator 'NOPE'" in r.stderr


@pytest.fixture
def bundled(tmp_path: Path) -> str:
    db = str(tmp_path / "goaltrack.db")
    r = run_cli("--db", db, "plan", "load", BUNDLED_PLAN)
    assert r.returncode == 0, r.stderr
    return db


def _goal_rows(table: str) -> dict[str, str]:
    return {line.split()[0]: line for line in table.splitlines() if re.match(r"NG\d ", line)}


def test_score_shows_every_national_goal_of_the_bundled_plan(cli_runner: CliRunner, bundled: str) -> None:
    r = gt(cli_runner, "--db", bundled, "score", "--plan", "kalundborg-2021")
    assert r.exit_code == 0, r.output
    rows = _goal_rows(r.stdout)
    assert sorted(rows) == GOALS
    for code, line in rows.items():
        # The terminal table prints the status words, not the codes.
        assert "no data" in line or re.search(r"\s\d(\.\d+)?\s+(on track|at risk|off track)", line), (code, line)
    r = gt(cli_runner, "--db", bundled, "score", "--plan", "kalundborg-2021", "--format", "json")
    data = json.loads(r.stdout)
    assert [g["code"] for g in data["national_goals"]] == GOALS
    for g in data["national_goals"]:
        assert (g["score"] is None) == (g["status"] == "no-data")
        assert g["with_data"] + g["without_data"] > 0


def test_score_on_the_bundled_plan_with_example_data(cli_runner: CliRunner, bundled: str) -> None:
    example = REPO / "config" / "plans" / "kalundborg-2021.example.csv"
    r = gt(cli_runner, "--db", bundled, "import", "csv", example)
    assert r.exit_code == 0, r.output
    for ini, status, note in [("FA4-T1", "on-track", ""), ("FA4-T2", "at-risk", "slow start")]:
        r = gt(cli_runner, "--db", bundled, "status", ini, status, "--note", note, "--by", "tester")
        assert r.exit_code == 0, r.output
    r = gt(cli_runner, "--db", bundled, "score", "--plan", "kalundborg-2021", "--format", "json")
    goals = {g["code"]: g for g in json.loads(r.stdout)["national_goals"]}
    assert sorted(goals) == GOALS
    # NG3 <- FA4 (FA4-T1 1.0, FA4-T2 0.8 -> 0.9); FA4-T1 .. T4 are linked to NG3 directly too,
    # but count once, through FA4; FA5 and MM13 have no data = 0.9
    assert goals["NG3"]["score"] == pytest.approx(0.9)
    assert [c["code"] for c in goals["NG3"]["counted_once"]] == ["FA4-T1", "FA4-T3", "FA4-T4", "FA4-T2"]
    r = gt(cli_runner, "--db", bundled, "score", "--explain", "NG3")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "national goal NG3: 0.90 on-track"
    assert lines[1] == ("  NG3: weighted mean of 1 of 3 items with data: (1×0.90 (FA4)) / 1 = 0.90; 2 without data "
                        "not counted; also linked directly, counted once: FA4-T1, FA4-T3, FA4-T4, FA4-T2 (through FA4)")
    assert sum(line.strip().startswith("initiative FA4-T1 ") for line in lines) == 1  # shown once
    assert any(line.strip().startswith("indicator MM13 (weight 1, inferred): no data") for line in lines)
    assert "    MM13: 43.5 % (2021M06), but no baseline and target to score against" in lines
    # --as-of: before anything was recorded, the goals have no data.
    r = gt(cli_runner, "--db", bundled, "score", "--as-of", "2020-12-31", "--format", "json")
    data = json.loads(r.stdout)
    assert data["as_of"] == "2020-12-31"
    assert all(g["status"] == "no-data" for g in data["national_goals"])
    r = gt(cli_runner, "--db", bundled, "score", "--as-of", "31-12-2020")
    assert r.exit_code == 2


def test_demo_prints_a_score_for_every_national_goal(tmp_path: Path) -> None:
    out = tmp_path / "demo out"
    first = run_cli("demo", "--out", out, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "EXAMPLE measurements (source 'example', not real figures)" in first.stdout
    assert "EXAMPLE initiative statuses" in first.stdout
    assert "scores rest on EXAMPLE data where marked *" in first.stdout
    goals = _demo_goals(first.stdout)
    assert [line.split()[0] for line in goals] == GOALS
    for line in goals:
        assert re.match(r"\s+NG\d\s+\d\.\d\d\* (on-track|at-risk|off-track) ", line), line
    db = out / "goaltrack.db"
    r = run_cli("--db", db, "score", "--format", "json")
    data = json.loads(r.stdout)
    assert data["example_data"] is True
    assert all(g["example_data"] for g in data["national_goals"] if g["score"] is not None)
    # Running it again starts afresh: the same scores, no example data imported twice.
    again = run_cli("demo", "--out", out, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _demo_goals(again.stdout) == goals
    assert "10 inserted" in again.stdout


def _demo_goals(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"\s+NG\d ", line)]


# --------------------------------------------------------------------------- what a score rests on


def test_every_score_says_whether_it_was_measured_or_self_reported(plan: tuple[Engine, int],
                                                                   plugins: Plugins) -> None:
    """Issue 13: a goal "on track" because managers said so reads differently from one whose
    indicators say so; the share of each is weighted as the score is."""
    engine, plan_id = plan
    record_scenario(engine, plan_id)
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))
    assert (n["RECYCLED"].source, n["RECYCLED"].measured) == ("measured", 1.0)
    assert (n["I1"].source, n["I1"].measured) == ("measured", 1.0)  # by its indicator
    assert (n["I2"].source, n["I2"].measured) == ("self-reported", 0.0)  # recorded at-risk, no indicator
    assert n["I4"].source == "self-reported"  # declared on-track in the plan file
    # A1 <- I1 (measured), I2 (self-reported), LANDFILL (measured), weight 1 each.
    assert n["A1"].source == "both" and n["A1"].measured == pytest.approx(2 / 3)
    # S1 <- A1 (2/3), WASTE-BUDGET (computed from the budget: measured); G1 <- S1 (1), RECYCLED (3).
    assert n["S1"].measured == pytest.approx((2 / 3 + 1) / 2)
    assert n["G1"].measured == pytest.approx(((2 / 3 + 1) / 2 + 3) / 4)
    # G2 <- A2 <- I3 (by its indicators, its recorded status ignored) and I4 (declared status).
    assert n["G2"].source == "both" and n["G2"].measured == pytest.approx(0.5)
    # No score, no source.
    assert n["G3"].source is None and n["G3"].measured is None
    data = n["G1"].to_json()
    assert (data["source"], data["measured_share"]) == ("both", round(((2 / 3 + 1) / 2 + 3) / 4, 4))


def test_values_without_baseline_or_target_are_not_scorable_not_no_data(tmp_path: Path,
                                                                         plugins: Plugins) -> None:
    text = PLAN.read_text(encoding="utf-8").replace(
        '    baseline: {value: 30, period: "2022"}\n    target: {value: 50, period: "2025"}\n', "", 1)
    edited = tmp_path / "p.yaml"
    edited.write_text(text, encoding="utf-8")
    engine, plan_id = load(f"sqlite:///{tmp_path}/a.db", edited)
    with engine.connect() as conn:
        assert by_code(scored(conn, plugins, plan_id))["RECYCLED"].status == "no-data"  # no value yet
    record_measurement(engine, plan_id, "RECYCLED", "40", "2024", by="tester")
    with engine.connect() as conn:
        n = by_code(scored(conn, plugins, plan_id))
    engine.dispose()
    assert n["RECYCLED"].status == "not-scorable" and n["RECYCLED"].score is None
    assert "no baseline" in n["RECYCLED"].explanation
    assert n["I1"].status == "no-data"  # its only indicator has no score: nothing to roll up
