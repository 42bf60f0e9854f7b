"""``plan export`` writes YAML that loads back to an identical database.

For the bundled plan and the synthetic tiny plan, on SQLite and PostgreSQL: load the file,
export it, load the export into a fresh database, and compare what the two databases hold
(ids, timestamps and provenance columns aside); exporting again gives the same bytes.
A Hypothesis test throws generated texts and numbers at the same round trip.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import BUNDLED_PLAN, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from goaltrack.planfile.validate import read_plan
from goaltrack.planfile.yamlio import read_yaml
from goaltrack.store import tables as m
from goaltrack.store.database import create_schema, open_engine, plan_id_for
from goaltrack.store.planexport import export_plan
from goaltrack.store.plansync import load_plans

TINY = Path(__file__).parent / "data" / "tiny.yaml"
# follows: and replaces: (issue 13), in whole kroner, with actuals.
HOLMSTAD = Path(__file__).parent / "data" / "holmstad-2023.yaml"
RIVERTON = Path(__file__).parent / "data" / "riverton-climate-2025.yaml"  # its own account scheme

#: Columns that say when, by whom or from which file a row was written, not what it holds.
PROVENANCE = {"id", "recorded_at", "origin", "recorded_by", "loaded_at", "source_file", "superseded_at"}
#: Foreign keys, replaced by the natural key (code, slug) of the row they point to.
REFERENCES = {
    "plan_id": "plan",
    "account_id": "account",
    "indicator_id": "indicator",
    "initiative_id": "initiative",
    "focus_area_id": "focus_area",
}


def content(engine: Engine) -> list[tuple[str, tuple[tuple[str, Any], ...]]]:
    """What the database holds, independent of row ids and provenance: every row of every
    table as sorted (column, value) pairs, with ids replaced by the codes they stand for."""
    meta = MetaData()
    meta.reflect(bind=engine)
    out: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    with engine.connect() as conn:
        natural: dict[str, dict[int, str]] = {
            "plan": dict(conn.execute(select(meta.tables["plan"].c.id, meta.tables["plan"].c.slug)).all())  # type: ignore[arg-type]
        }
        for kind in m.ITEM_TABLES:
            t = meta.tables[kind]
            natural[kind] = dict(conn.execute(select(t.c.id, t.c.code)).all())  # type: ignore[arg-type]
        meas = meta.tables["measurement"]
        natural["measurement"] = {
            r.id: f"{natural['indicator'][r.indicator_id]}@{r.period_code}={r.value}"
            for r in conn.execute(select(meas))
        }
        for name in sorted(meta.tables):
            for row in conn.execute(select(meta.tables[name])):
                values = dict(row._mapping)
                item: dict[str, Any] = {}
                for key, value in values.items():
                    if key in PROVENANCE:
                        continue
                    if key in REFERENCES and value is not None:
                        value = natural[REFERENCES[key]][value]
                    elif key in ("src_id", "dst_id"):
                        value = natural[values[key.replace("_id", "_kind")]][value]
                    elif key == "supersedes_id" and value is not None:
                        value = natural["measurement"][value]
                    item[key] = value
                out.append((name, tuple(sorted(item.items()))))
    return sorted(out, key=repr)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An empty database on the test's backend; :func:`roundtrip` empties it again in between
    (PostgreSQL tests get one database each)."""
    eng = open_engine(db_url, create=True)
    yield eng
    eng.dispose()


def reset(engine: Engine) -> None:
    """Empty the database: drop every table, then create the schema as goaltrack does."""
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    create_schema(engine)


def export(engine: Engine, slug: str) -> str:
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, slug)
    return export_plan(engine, plan_id)


def roundtrip(engine: Engine, plan: Path, tmp_path: Path) -> tuple[str, str]:
    """Load PLAN, export; empty the database, load the export, export again. Returns both
    exports; asserts the database content is the same after both loads."""
    (first,) = load_plans(engine, [read_plan(plan)], recorded_by="first")
    original = content(engine)
    text = export(engine, first.slug)
    exported = tmp_path / f"{first.slug}-export.yaml"
    exported.write_text(text, encoding="utf-8")

    reset(engine)
    assert [row for row in content(engine) if row[0] in m.ITEM_TABLES or row[0] == "plan"] == []
    (second,) = load_plans(engine, [read_plan(exported)], recorded_by="second")
    assert second.created
    assert total(second.added) == total(first.added)
    assert second.measurements_added == first.measurements_added
    assert content(engine) == original

    # The original file, loaded over the export's database, changes nothing either.
    (again,) = load_plans(engine, [read_plan(plan)], recorded_by="third")
    assert total(again.added) == 0 and total(again.updated) == 0, (again.added, again.updated)
    assert again.measurements_added == 0
    return text, export(engine, first.slug)


def total(counts: dict[str, int]) -> int:
    return sum(counts.values())


@pytest.mark.parametrize("plan", [BUNDLED_PLAN, TINY, HOLMSTAD, RIVERTON],
                         ids=["bundled", "tiny", "holmstad", "riverton"])
def test_export_loads_back_identically(engine: Engine, plan: Path, tmp_path: Path) -> None:
    text, again = roundtrip(engine, plan, tmp_path)
    assert again == text  # same bytes


@pytest.mark.parametrize("plan", [BUNDLED_PLAN, TINY, HOLMSTAD, RIVERTON],
                         ids=["bundled", "tiny", "holmstad", "riverton"])
def test_export_is_the_same_plan(engine: Engine, plan: Path) -> None:
    """The export validates to the same plan file as the source, item for item."""
    (result,) = load_plans(engine, [read_plan(plan)])
    text = export(engine, result.slug)
    exported_data = yaml.load(text, Loader=_loader())
    source_data = read_yaml(plan)[0].data  # type: ignore[union-attr]
    from goaltrack.planfile.schema import PlanFile

    assert PlanFile.model_validate(exported_data) == PlanFile.model_validate(source_data)


def _loader() -> type[yaml.SafeLoader]:
    from goaltrack.planfile.yamlio import _Loader

    return _Loader


def test_export_through_the_cli(tmp_path: Path) -> None:
    """`plan export SLUG -o FILE` and to stdout give the same bytes; the file loads back."""
    assert run_cli("plan", "load", TINY).returncode == 0
    out = tmp_path / "out.yaml"
    proc = run_cli("plan", "export", "tiny-library", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    stdout = run_cli("plan", "export", "tiny-library")
    assert stdout.returncode == 0
    assert stdout.stdout == out.read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8").startswith("# goaltrack plan file")
    other = tmp_path / "other.db"
    proc = run_cli("--db", other, "plan", "load", out)
    assert proc.returncode == 0, proc.stderr
    again = run_cli("--db", other, "plan", "export", "tiny-library")
    assert again.stdout == stdout.stdout


def test_export_unknown_plan_is_a_usage_error() -> None:
    assert run_cli("plan", "load", TINY).returncode == 0
    proc = run_cli("plan", "export", "no-such-plan")
    assert proc.returncode == 2
    assert proc.stderr == "Error: unknown plan 'no-such-plan' (known: tiny-library)\n"


def test_export_to_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    assert run_cli("plan", "load", TINY).returncode == 0
    proc = run_cli("plan", "export", "tiny-library", "-o", tmp_path / "no" / "such" / "x.yaml")
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- Hypothesis

_TINY_DATA: dict[str, Any] | None = None


def tiny_data() -> dict[str, Any]:
    global _TINY_DATA
    if _TINY_DATA is None:
        located, problems = read_yaml(TINY)
        assert located is not None and not problems
        _TINY_DATA = located.data
    return copy.deepcopy(_TINY_DATA)


# Any text a plan author might type, Danish letters, typographic quotes, line breaks and
# YAML's own punctuation included; no surrogates (not encodable) and no NUL-like controls
# beyond what a double-quoted YAML string can escape.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
amounts = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


_SHARED: dict[str, Any] = {}


def shared_engine() -> tuple[Engine, Path]:
    """One SQLite database for all generated examples (creating one per example is slow):
    each example upserts the same plan into it."""
    if not _SHARED:
        tmp = Path(tempfile.mkdtemp(prefix="gt-hypothesis-"))
        _SHARED["dir"] = tmp
        _SHARED["engine"] = open_engine(f"sqlite:///{tmp / 'h.db'}", create=True)
    return _SHARED["engine"], _SHARED["dir"]


@pytest.fixture(scope="module", autouse=True)
def _dispose_shared() -> Iterator[None]:
    yield
    if _SHARED:
        _SHARED.pop("engine").dispose()
        shutil.rmtree(_SHARED.pop("dir"), ignore_errors=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=texts,
    description=texts,
    priorities=st.lists(texts, max_size=3),
    amount=amounts,
    value=amounts,
    quote=texts,
)
def test_roundtrip_of_generated_content(
    title: str, description: str, priorities: list[str], amount: float, value: float, quote: str
) -> None:
    """Load a plan with generated texts and numbers, export it: the export validates to the
    same plan, loading it back changes nothing, and exporting again gives the same bytes."""
    data = tiny_data()
    data["national_goals"][0]["title"] = title
    data["national_goals"][0]["description"] = description
    data["focus_areas"][1]["priorities"] = priorities
    data["focus_areas"][1]["strategic_areas"][0]["quote"] = quote
    data["accounts"][0]["budget"][0]["amount"] = amount
    data["indicators"][0]["measurements"][1]["value"] = value
    engine, tmp = shared_engine()
    src = tmp / "plan.yaml"
    src.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    parsed = read_plan(src)
    load_plans(engine, [parsed])
    text = export(engine, "tiny-library")
    exported = tmp / "export.yaml"
    exported.write_text(text, encoding="utf-8")
    reparsed = read_plan(exported)
    assert reparsed.plan == parsed.plan
    (again,) = load_plans(engine, [reparsed])
    assert total(again.added) == 0 and total(again.updated) == 0, (again.added, again.updated)
    assert again.measurements_added == 0
    assert export(engine, "tiny-library") == text
