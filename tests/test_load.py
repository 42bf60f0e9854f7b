"""Loading plan files: an idempotent upsert by natural keys, on SQLite and PostgreSQL.

Loading the same file twice changes nothing; an edited file updates and adds, and what it no
longer has is reported (deleted only with ``prune``, and never when recorded measurements
hang on it); a changed measurement supersedes the old one instead of replacing it; and a
load of several files is one transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers import BUNDLED_PLAN, db_dump
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from goaltrack.cli import cli
from goaltrack.planfile.validate import read_plan
from goaltrack.planfile.yamlio import read_yaml
from goaltrack.store import plansync as load_module
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine
from goaltrack.store.plansync import LoadResult, load_plans

TINY = Path(__file__).parent / "data" / "tiny.yaml"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_engine(db_url, create=True)
    yield eng
    eng.dispose()


def load(engine: Engine, *paths: Path, prune: bool = False) -> list[LoadResult]:
    return load_plans(engine, [read_plan(p) for p in paths], prune=prune, recorded_by="test")


def tiny_data() -> dict[str, Any]:
    located, problems = read_yaml(TINY)
    assert located is not None and not problems
    return copy.deepcopy(located.data)


def write_plan(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def edited(tmp_path: Path, change: Callable[[dict[str, Any]], None], name: str = "edited.yaml") -> Path:
    data = tiny_data()
    change(data)
    return write_plan(tmp_path / name, data)


def rows(engine: Engine, model: type[Any], **where: Any) -> list[Any]:
    with Session(engine) as session:
        q = select(model)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        return list(session.exec(q).scalars())  # type: ignore[call-overload]


def one(engine: Engine, model: type[Any], **where: Any) -> Any:
    (row,) = rows(engine, model, **where)
    return row


def total(counts: dict[str, int]) -> int:
    return sum(counts.values())


# --------------------------------------------------------------------------- idempotence


@pytest.mark.parametrize("plan", [BUNDLED_PLAN, TINY], ids=["bundled", "tiny"])
def test_loading_twice_changes_nothing(engine: Engine, db_url: str, plan: Path) -> None:
    (first,) = load(engine, plan)
    assert first.created and total(first.added) > 0 and first.measurements_added > 0
    after_first = db_dump(db_url)

    (second,) = load(engine, plan)
    assert not second.created
    assert total(second.added) == 0, second.added
    assert total(second.updated) == 0, second.updated
    assert total(second.unchanged) == total(first.added)
    assert second.measurements_added == 0 and second.measurements_superseded == 0
    assert second.not_in_file == [] and second.pruned == []
    assert not second.changed
    assert db_dump(db_url) == after_first


def test_bundled_load_counts(engine: Engine) -> None:
    (result,) = load(engine, BUNDLED_PLAN)
    assert result.slug == "kalundborg-2021"
    assert result.added["national_goal"] == 5
    assert result.added["focus_area"] == 8
    assert result.added["initiative"] == 23
    assert result.added["account"] == 18
    assert result.added["budget_line"] == 36
    assert result.added["declared_total"] == 2


# --------------------------------------------------------------------------- edited files


def _edit_title_add_remove(data: dict[str, Any]) -> None:
    data["plan"]["title"] = "Reading plan 2024–2025, revised (synthetic)"
    data["initiatives"] = [i for i in data["initiatives"] if i["code"] != "I3"]
    data["initiatives"].append(
        {"code": "I4", "title": "Audiobooks for commuters", "focus_area": "A2",
         "target_groups": [{"ref": "adults", "basis": "inferred", "note": "Commuters are adults."}]}
    )


def test_edited_file_updates_adds_and_reports_removed(engine: Engine, tmp_path: Path) -> None:
    load(engine, TINY)
    (result,) = load(engine, edited(tmp_path, _edit_title_add_remove))
    assert result.updated == {"plan": 1}
    assert result.added == {"initiative": 1, "link": 1}
    assert result.not_in_file == ["initiative I3"]
    assert result.pruned == []
    assert result.changed

    plan = one(engine, m.Plan, slug="tiny-library")
    assert plan.title == "Reading plan 2024–2025, revised (synthetic)"
    codes = {i.code: i for i in rows(engine, m.Initiative)}
    assert set(codes) == {"I1", "I2", "I3", "I4"}  # I3 is kept: no --prune
    area = one(engine, m.FocusArea, code="A2")
    assert codes["I4"].focus_area_id == area.id


def test_edited_file_reports_removed_through_the_cli(
    engine: Engine, db_url: str, tmp_path: Path, cli_runner: CliRunner
) -> None:
    engine.dispose()
    assert cli_runner.invoke(cli, ["--db", db_url, "plan", "load", str(TINY)]).exit_code == 0
    path = edited(tmp_path, _edit_title_add_remove)
    result = cli_runner.invoke(cli, ["--db", db_url, "plan", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "tiny-library: loaded, 2 added, 1 updated" in result.stdout
    assert "not in file: initiative I3 (kept; use --prune to delete)" in result.stdout

    result = cli_runner.invoke(cli, ["--db", db_url, "plan", "load", "--prune", str(path)])
    assert result.exit_code == 0, result.output
    assert "pruned: initiative I3" in result.stdout
    assert "I3" not in {i.code for i in rows(engine, m.Initiative)}


def test_prune_deletes_what_the_file_no_longer_has(engine: Engine, tmp_path: Path) -> None:
    load(engine, TINY)

    def drop(data: dict[str, Any]) -> None:
        data["initiatives"] = [i for i in data["initiatives"] if i["code"] != "I3"]
        # The account 033251 and its link to target group kids, and the 2025 declared total.
        data["accounts"] = [a for a in data["accounts"] if a["code"] != "033251"]
        data["declared_totals"] = [t for t in data["declared_totals"] if t["year"] != 2025]
        # One budget line of an account that stays.
        data["accounts"][0]["budget"] = data["accounts"][0]["budget"][:2]

    path = edited(tmp_path, drop)
    (dry,) = load_plans(engine, [read_plan(path)], prune=True, dry_run=True)
    assert "initiative I3" in dry.pruned
    assert {i.code for i in rows(engine, m.Initiative)} == {"I1", "I2", "I3"}  # dry run: kept

    (result,) = load(engine, path, prune=True)
    assert sorted(result.pruned) == sorted([
        "initiative I3", "account 033251", "link 033251->kids",
        "budget_line 033250 2024 actual", "budget_line 033251 2024 budget",
        "declared_total Total 2025 budget",
    ])
    assert result.kept == []
    assert {i.code for i in rows(engine, m.Initiative)} == {"I1", "I2"}
    assert {a.code for a in rows(engine, m.Account)} == {"033250"}
    assert len(rows(engine, m.BudgetLine)) == 2
    assert [t.year for t in rows(engine, m.DeclaredTotal)] == [2024]
    kids = one(engine, m.TargetGroup, code="kids")
    assert not [lk for lk in rows(engine, m.Link) if lk.src_kind == "account" and lk.dst_id == kids.id
                and lk.dst_kind == "target_group"]

    (again,) = load(engine, path, prune=True)
    assert not again.changed and again.not_in_file == []


def test_prune_of_a_focus_area_unlinks_its_initiatives(engine: Engine, tmp_path: Path) -> None:
    load(engine, TINY)

    def drop_area(data: dict[str, Any]) -> None:
        data["focus_areas"] = [a for a in data["focus_areas"] if a["code"] != "A2"]
        for ini in data["initiatives"]:
            if ini.get("focus_area") == "A2":
                del ini["focus_area"]

    (result,) = load(engine, edited(tmp_path, drop_area), prune=True)
    assert "focus_area A2" in result.pruned
    assert one(engine, m.Initiative, code="I2").focus_area_id is None


def test_indicator_with_measurements_is_never_pruned(engine: Engine, tmp_path: Path) -> None:
    load(engine, TINY)
    k1 = one(engine, m.Indicator, code="K1")
    before = len(rows(engine, m.Measurement, indicator_id=k1.id))
    assert before == 3

    def drop_indicators(data: dict[str, Any]) -> None:
        data["indicators"] = []

    (result,) = load(engine, edited(tmp_path, drop_indicators), prune=True)
    assert "indicator K2" in result.pruned  # no measurements: deleted
    assert result.kept == ["indicator K1 (has recorded measurements)"]
    assert one(engine, m.Indicator, code="K1").id == k1.id
    assert len(rows(engine, m.Measurement, indicator_id=k1.id)) == before
    assert rows(engine, m.Indicator, code="K2") == []


def test_indicator_with_a_recorded_value_is_never_pruned(engine: Engine, tmp_path: Path) -> None:
    """A value recorded by hand (not from the plan file) keeps its indicator too."""
    load(engine, TINY)
    k2 = one(engine, m.Indicator, code="K2")
    import datetime as dt

    with Session(engine) as session:
        session.add(m.Measurement(
            indicator_id=k2.id, period_code="2024", freq="year", period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 12, 31), value=2.2, recorded_by="someone",
            recorded_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC), origin="record",
        ))
        session.commit()

    def drop_k2(data: dict[str, Any]) -> None:
        data["indicators"] = [i for i in data["indicators"] if i["code"] != "K2"]

    (result,) = load(engine, edited(tmp_path, drop_k2), prune=True)
    assert result.kept == ["indicator K2 (has recorded measurements)"]
    assert one(engine, m.Indicator, code="K2").id == k2.id
    assert len(rows(engine, m.Measurement, indicator_id=k2.id)) == 1


# --------------------------------------------------------------------------- measurements


def _k1_2024q1(data: dict[str, Any], value: float) -> None:
    (k1,) = [i for i in data["indicators"] if i["code"] == "K1"]
    (meas,) = [x for x in k1["measurements"] if x["period"] == "2024Q1"]
    meas["value"] = value


def test_changed_measurement_supersedes(engine: Engine, db_url: str, tmp_path: Path) -> None:
    load(engine, TINY)
    k1 = one(engine, m.Indicator, code="K1")
    (old,) = rows(engine, m.Measurement, indicator_id=k1.id, period_code="2024Q1")
    assert old.value == 43 and old.superseded_at is None

    path = edited(tmp_path, lambda d: _k1_2024q1(d, 44.5))
    (result,) = load(engine, path)
    assert result.measurements_added == 1
    assert result.measurements_superseded == 1
    assert total(result.added) == 0
    assert result.updated == {"plan": 1}  # only its content hash

    both = sorted(rows(engine, m.Measurement, indicator_id=k1.id, period_code="2024Q1"), key=lambda r: r.id)
    assert [r.id for r in both][0] == old.id
    kept, new = both
    assert kept.value == 43 and kept.superseded_at is not None  # the old row stays
    assert new.value == 44.5 and new.superseded_at is None
    assert new.supersedes_id == old.id
    assert new.recorded_by == "test" and new.origin.startswith("plan:edited.yaml#")
    # The other periods are untouched.
    assert len(rows(engine, m.Measurement, indicator_id=k1.id)) == 4

    dump = db_dump(db_url)
    (again,) = load(engine, path)
    assert again.measurements_added == 0 and not again.changed
    assert db_dump(db_url) == dump

    # Going back to the first value is a change too: a third row, superseding the second.
    (back,) = load(engine, TINY)
    assert back.measurements_added == 1 and back.measurements_superseded == 1
    current = [r for r in rows(engine, m.Measurement, indicator_id=k1.id, period_code="2024Q1")
               if r.superseded_at is None]
    assert [(r.value, r.supersedes_id) for r in current] == [(43, new.id)]


def test_measurement_removed_from_file_is_kept(engine: Engine, tmp_path: Path) -> None:
    load(engine, TINY)

    def drop(data: dict[str, Any]) -> None:
        (k1,) = [i for i in data["indicators"] if i["code"] == "K1"]
        k1["measurements"] = k1["measurements"][:1]

    (result,) = load(engine, edited(tmp_path, drop), prune=True)
    assert result.measurements_not_in_file == 2
    k1 = one(engine, m.Indicator, code="K1")
    assert len(rows(engine, m.Measurement, indicator_id=k1.id)) == 3


# --------------------------------------------------------------------------- transactions


def test_two_files_second_invalid_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path, cli_runner: CliRunner
) -> None:
    load(engine, TINY)
    engine.dispose()
    before = db_dump(db_url)
    good = edited(tmp_path, _edit_title_add_remove)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BUNDLED_PLAN.read_text(encoding="utf-8").replace("level: annual", "level: yearly", 1),
                   encoding="utf-8")
    result = cli_runner.invoke(cli, ["--db", db_url, "plan", "load", str(good), str(bad)])
    assert result.exit_code == 1
    assert "level" in str(result.exception)
    assert db_dump(db_url) == before


def test_failure_while_loading_the_second_plan_rolls_back_the_first(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two files are valid, but the database write of the second fails midway."""
    load(engine, TINY)
    before = db_dump(db_url)
    real = load_module._sync_measurements

    def failing(session: Any, result: LoadResult, plan: Any, *args: Any, **kwargs: Any) -> None:
        real(session, result, plan, *args, **kwargs)
        if result.slug == "kalundborg-2021":
            raise RuntimeError("disk full")

    monkeypatch.setattr(load_module, "_sync_measurements", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        load(engine, edited(tmp_path, _edit_title_add_remove), BUNDLED_PLAN)
    assert db_dump(db_url) == before


def test_dry_run_changes_nothing(engine: Engine, db_url: str, tmp_path: Path) -> None:
    load(engine, TINY)
    before = db_dump(db_url)
    (result,) = load_plans(engine, [read_plan(edited(tmp_path, _edit_title_add_remove))], dry_run=True)
    assert result.updated == {"plan": 1}
    assert db_dump(db_url) == before


def test_two_plans_side_by_side(engine: Engine) -> None:
    tiny, bundled = load(engine, TINY, BUNDLED_PLAN)
    assert tiny.created and bundled.created
    assert {p.slug for p in rows(engine, m.Plan)} == {"tiny-library", "kalundborg-2021"}
    (again_tiny,) = load(engine, TINY)
    assert not again_tiny.changed
