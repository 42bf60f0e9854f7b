"""Fuzzing the validators and importers (issue 7) with hypothesis.

Generated plan documents (valid ones mutated: wrong types, missing and unknown keys, random
strings and nesting, and raw text damage), period strings, numbers in Danish and English
notation and CSV/JSON Lines rows go through goaltrack's own entry points. The only outcomes
allowed are success or goaltrack's own error type (:class:`goaltrack.errors.GoaltrackError`)
with a message; any other exception, or a hang, fails the test.

Failing examples are kept in ``tests/.hypothesis-examples`` (the ``goaltrack-fuzz`` settings
profile below), which is committed: a failure found once is replayed first on every later run,
on every machine, until it is fixed. Commit new files that appear there.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from sqlalchemy import func, select

from goaltrack.errors import DataError, GoaltrackError
from goaltrack.planfile.validate import read_plan
from goaltrack.plugins import load_plugins
from goaltrack.store import tables as m
from goaltrack.store.database import open_engine, plan_id_for
from goaltrack.store.importing import import_file
from goaltrack.store.plansync import load_plans
from goaltrack.values.numbers import parse_number
from goaltrack.values.periods import MAX_YEAR, MIN_YEAR, parse_period
from goaltrack.values.units import parse_value

EXAMPLES = REPO / "tests" / ".hypothesis-examples"

settings.register_profile(
    "goaltrack-fuzz",
    database=DirectoryBasedExampleDatabase(str(EXAMPLES)),
    deadline=None,  # a slow example on a busy machine is not a failure; a hang still is
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("goaltrack-fuzz")
FUZZ_DB = settings(FUZZ, max_examples=60)  # each example touches a database


def outcome(call: Callable[[], Any]) -> Any:
    """Run ``call``: its result, or ``None`` after goaltrack's own error with a message.

    Any other exception propagates and fails the test, with hypothesis's shrunk example.
    """
    try:
        return call()
    except GoaltrackError as exc:
        assert exc.message.strip(), f"{type(exc).__name__} without a message"
        assert exc.exit_code in (1, 2)
        return None


# --------------------------------------------------------------------------- plan documents

BASE_PLAN: dict[str, Any] = {
    "goaltrack": 1,
    "plan": {
        "slug": "fuzz",
        "title": "Fuzz plan (synthetic)",
        "organisation": "goaltrack tests",
        "years": [2021, 2022],
        "language": "da",
        "currency": "DKK",
        "amount_unit": "1000 DKK",
        "amount_scale": 1000,
        "synthetic": True,
    },
    "national_goals": [{"code": "G1", "title": "Goal", "years": [2021], "new": True}],
    "focus_areas": [
        {"code": "S1", "level": "strategic", "title": "Strategy",
         "national_goals": [{"ref": "G1", "basis": "explicit", "quote": "q"}]},
        {"code": "A1", "level": "annual", "title": "Area", "priorities": ["p1", "p2"],
         "strategic_areas": [{"ref": "S1", "basis": "inferred", "note": "n"}]},
    ],
    "target_groups": [{"code": "tg", "name": "Group"}],
    "initiatives": [
        {"code": "I1", "title": "Initiative", "focus_area": "A1", "status": "on-track",
         "start": "2021-01-01", "end": "2021-12-31",
         "national_goals": [{"ref": "G1", "basis": "explicit", "weight": 2}],
         "target_groups": [{"ref": "tg", "basis": "explicit"}]},
    ],
    "accounts": [
        {"code": "055771", "name": "Account",
         "budget": [{"year": 2021, "amount": 7332}, {"year": 2022, "kind": "actual", "amount": -1.5}],
         "links": [{"initiative": "I1", "share": 60, "basis": "inferred", "note": "n"},
                   {"target_group": "tg", "share": 40, "basis": "explicit"}]},
    ],
    "declared_totals": [{"label": "I alt", "year": 2021, "amount": 7332, "accounts": ["055771"]}],
    "indicators": [
        {"code": "K1", "name": "Share", "unit": "pct", "direction": "increase",
         "baseline": {"value": 10, "period": "2020"}, "target": {"value": 20, "period": "2022"},
         "scoring": {"method": "linear", "weight": 1, "thresholds": {"on_track": 0.8, "at_risk": 0.5}},
         "measures": [{"national_goal": "G1", "basis": "explicit"}],
         "measurements": [{"period": "2021Q1", "value": 12}, {"period": "2021", "missing": "not yet"}]},
        {"code": "K2", "name": "Range", "unit": "persons", "direction": "range", "target_range": [1, 3]},
    ],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["7.332", "1.234,5", "2021Q5", "2021-02-30", "055771", "55771", "", " ", "N/A",
                     "<script>alert(1)</script>", "{{ 7*7 }}", "=1+1", "a" * 300, "G1", "A1", "S1",
                     "I1", "tg", "K1", "annual", "strategic", "explicit", "inferred", "2021"]),
)
junk = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def plan_documents(draw: st.DrawFn) -> Any:
    """The base plan with a few random mutations."""
    doc = copy.deepcopy(BASE_PLAN)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        action = draw(st.sampled_from(["replace", "delete", "add-key", "duplicate", "wrap", "swap-type"]))
        key = path[-1]
        if action == "replace":
            parent[key] = draw(junk)
        elif action == "delete":
            del parent[key]
        elif action == "add-key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(junk)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action == "wrap":
            parent[key] = draw(st.sampled_from([[parent[key]], {"value": parent[key]}]))
        elif action == "swap-type":
            value = parent[key]
            parent[key] = str(value) if not isinstance(value, str) else draw(st.integers() | st.floats())
    return doc


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    """A valid plan file's text with a few insertions of characters YAML cares about."""
    text = _dump(BASE_PLAN)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        piece = draw(
            st.sampled_from(["\t", ":", " ", "\n", "- ", "'", '"', "[", "{", "&a ", "*a", "!!python/object ",
                             "<<: ", "---\n", "\x00", "\ufeff", "#", "%", "@", "`", "? ", "|"])
            | st.text(max_size=5)
        )
        text = text[:at] + piece + text[at:]
    return text


@pytest.fixture(scope="module")
def plan_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz-plans') / 'plans.db'}", create=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


def _read_and_load(path: Path, engine: Any) -> None:
    """read_plan, and when the file is valid, load it: both may only fail with our errors."""
    parsed = outcome(lambda: read_plan(path))
    if parsed is not None:
        outcome(lambda: load_plans(engine, [parsed], recorded_by="fuzz"))


def test_the_base_plan_is_valid(scratch: Path, plan_engine: Any) -> None:
    """The mutations start from a valid plan, so they test one mistake at a time."""
    path = scratch / "base.yaml"
    path.write_text(_dump(BASE_PLAN), encoding="utf-8")
    parsed = read_plan(path)
    (result,) = load_plans(plan_engine, [parsed], recorded_by="fuzz")
    assert result.slug == "fuzz"


def _with(path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(BASE_PLAN)
    _parent(doc, path)[path[-1]] = value
    return doc


# Regressions the corpus and the fuzzing found, replayed on every run (hypothesis drops an
# example from its database once it passes, so the ones worth keeping are written here).
REGRESSION_TEXTS = [
    "\x00" + _dump(BASE_PLAN),  # a NUL byte: PyYAML's reader raised outside the error handling
    "goaltrack: 1\nplan: &loop\n  slug: x\n  self: *loop\n",  # a recursive alias
    "goaltrack: 1\nplan: " + "[" * 1000 + "]" * 1000 + "\n",  # nesting beyond the recursion limit
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"  # "billion laughs": exponential aliases
    + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)),
]


@FUZZ_DB
@given(doc=plan_documents())
@example(doc=_with(("accounts", 0, "budget", 0, "amount"), math.nan))  # stored as NULL: IntegrityError
@example(doc=_with(("declared_totals", 0, "amount"), math.inf))  # loaded as infinity
@example(doc=_with(("accounts", 0, "links", 0, "share"), math.nan))
@example(doc=_with(("initiatives", 0, "national_goals", 0, "weight"), math.inf))
def test_mutated_plan_documents(doc: Any, scratch: Path, plan_engine: Any) -> None:
    path = scratch / "mutated.yaml"
    try:
        path.write_text(_dump(doc), encoding="utf-8", errors="surrogatepass")
    except (UnicodeEncodeError, yaml.YAMLError):
        assume(False)  # not representable as a file: nothing to test
    _read_and_load(path, plan_engine)


@FUZZ_DB
@given(text=damaged_text())
@example(text=REGRESSION_TEXTS[0])
@example(text=REGRESSION_TEXTS[1])
@example(text=REGRESSION_TEXTS[2])
@example(text=REGRESSION_TEXTS[3])
def test_damaged_plan_text(text: str, scratch: Path, plan_engine: Any) -> None:
    path = scratch / "damaged.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    _read_and_load(path, plan_engine)


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_as_a_plan_file(data: bytes, scratch: Path) -> None:
    path = scratch / "bytes.yaml"
    path.write_bytes(data)
    outcome(lambda: read_plan(path))


@FUZZ
@given(doc=junk)
def test_arbitrary_documents(doc: Any, scratch: Path) -> None:
    path = scratch / "junk.yaml"
    try:
        text = _dump(doc)
    except yaml.YAMLError:
        assume(False)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    outcome(lambda: read_plan(path))


# --------------------------------------------------------------------------- periods

period_like = st.one_of(
    st.text(max_size=25),
    st.builds(
        lambda y, sep, n: f"{y}{sep}{n}",
        st.integers(min_value=-10, max_value=99999).map(str),
        st.sampled_from(["", "Q", "K", "M", "H", "Y", "-", "QMAT", "q", "m", "/", "W", " "]),
        st.integers(min_value=-5, max_value=120).map(lambda n: f"{n:02d}"),
    ),
    st.builds(
        lambda a, b: f"{a}/{b}",
        st.dates().map(str) | st.text(max_size=10),
        st.dates().map(str) | st.text(max_size=10),
    ),
    st.integers() | st.floats() | st.none(),  # not text at all (a YAML number, a JSON null)
)


@FUZZ
@given(code=period_like)
def test_period_strings(code: Any) -> None:
    period = outcome(lambda: parse_period(code))
    if period is not None:
        assert period.start <= period.end
        assert period.start.year >= MIN_YEAR - 1 and period.end.year <= MAX_YEAR
        assert period.code == code.strip()


# --------------------------------------------------------------------------- numbers


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, float, str]:
    """``(text, value, decimal mark)``: a number written the Danish or the English way."""
    integer = draw(st.integers(min_value=0, max_value=10**12))
    decimals = draw(st.integers(min_value=0, max_value=4))
    fraction = draw(st.integers(min_value=0, max_value=10**decimals - 1)) if decimals else 0
    negative = draw(st.booleans())
    mark = draw(st.sampled_from([",", "."]))
    group = draw(st.sampled_from(["", " ", "\u00a0", "." if mark == "," else ","]))
    digits = str(integer)
    text = _group(digits, group) if group else digits
    if decimals:
        text += mark + f"{fraction:0{decimals}d}"
    sign = draw(st.sampled_from(["-", "\u2212"])) if negative else draw(st.sampled_from(["", "+"]))
    value = (integer + (fraction / 10**decimals if decimals else 0)) * (-1 if negative else 1)
    return sign + text, value, mark


@FUZZ
@given(written=written_numbers())
def test_numbers_written_danish_or_english_read_back(written: tuple[str, float, str]) -> None:
    text, value, mark = written
    assert parse_number(text, decimal=mark) == pytest.approx(value, rel=1e-12, abs=1e-9)  # type: ignore[arg-type]


number_like = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789.,-+ %\u00a0\u2212eE", max_size=16),
    written_numbers().map(lambda w: w[0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.booleans(),
    st.none(),
)


@FUZZ
@given(text=number_like, decimal=st.sampled_from([",", ".", "auto"]), percent=st.booleans())
def test_parse_number_only_numbers_or_data_errors(text: Any, decimal: str, percent: bool) -> None:
    value = outcome(lambda: parse_number(text, decimal=decimal, allow_percent=percent))  # type: ignore[arg-type]
    if value is not None:
        assert isinstance(value, float) and math.isfinite(value)


UNITS = ["pct", "%", "percent", "procent", "share", "andel", "persons", "pct-change", "1000 DKK", "score", ""]


@FUZZ
@given(text=number_like.filter(lambda v: v is not None), unit=st.sampled_from(UNITS) | st.text(max_size=8))
def test_parse_value_only_values_or_data_errors(text: Any, unit: str) -> None:
    # parse_value takes text or a number (its callers turn a missing value into a message).
    value = outcome(lambda: parse_value(text, unit))
    if value is not None:
        assert math.isfinite(value)
        if unit.strip().lower() in ("pct", "%", "percent", "procent"):
            assert 0 <= value <= 100


# --------------------------------------------------------------------------- CSV and JSON Lines rows

IMPORT_PLAN = """\
goaltrack: 1
plan:
  slug: fuzz-import
  title: Fuzz import (synthetic)
  organisation: goaltrack tests
  years: [2021]
  synthetic: true
indicators:
  - {code: PCT, name: A percentage, unit: pct}
  - {code: COUNT, name: A count, unit: persons}
  - {code: SHARE, name: A share, unit: share}
"""

cells = st.one_of(
    st.sampled_from(["PCT", "COUNT", "SHARE", "pct", "NOPE", ""]),
    st.sampled_from(["2021", "2021Q1", "2021K2", "2021M03", "2021-03", "2021-03-31", "2021H2",
                     "2021Y01", "2020-03-08/2020-10-18", "2021Q5", "21", "2021-02-30"]),
    st.sampled_from(["12", "12,5", "12.5", "1.234", "1.234,5", "-3", "101", "N/A", "..", "nan", "1e3",
                     "0,5", "", " 7 ", "12 %"]),
    st.text(max_size=12),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(
        st.sampled_from([
            ["indicator", "period", "value"],
            ["indicator", "period", "value", "note"],
            ["Period", "VALUE", "indicator", "missing"],
            ["indicator", "period"],
            ["indicator", "period", "value", "value"],
        ])
        | st.lists(st.text(max_size=8), max_size=4)
    )
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=5), max_size=12))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # damage: cut the end, or put in a stray quote or byte
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.sampled_from(["", '"', "\x00", "\ufffd", "\n\n", ";", ","]))
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        data += b"\xff\xfe"
    return data


@pytest.fixture(scope="module")
def import_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int, Path]]:
    where = tmp_path_factory.mktemp("fuzz-import")
    plan = where / "plan.yaml"
    plan.write_text(IMPORT_PLAN, encoding="utf-8")
    engine = open_engine(f"sqlite:///{where / 'import.db'}", create=True)
    load_plans(engine, [read_plan(plan)], recorded_by="fuzz")
    with engine.connect() as conn:
        plan_id = plan_id_for(conn, "fuzz-import")
    yield engine, plan_id, where
    engine.dispose()


def _row_count(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.Measurement)).scalar_one())


SOURCES = load_plugins(entrypoints=False).data_sources


def _import(engine: Any, plan_id: int, source: str, path: Path, **kw: Any) -> None:
    before = _row_count(engine)
    result = outcome(lambda: import_file(engine, plan_id, SOURCES[source], path, recorded_by="fuzz", **kw))
    if result is None or kw.get("dry_run"):
        assert _row_count(engine) == before, "a failed import changed the database"
    else:
        assert result.rows_read >= result.inserted + result.unchanged


@FUZZ_DB
@given(data=csv_files(), dry_run=st.booleans(), skip=st.booleans())
def test_csv_rows_import(data: bytes, dry_run: bool, skip: bool, import_db: tuple[Any, int, Path]) -> None:
    engine, plan_id, where = import_db
    path = where / "rows.csv"
    path.write_bytes(data)
    options = {"skip_invalid": True, "rejects": where / "rejects.csv"} if skip else {}
    _import(engine, plan_id, "csv", path, dry_run=dry_run, **options)


json_values = st.one_of(
    cells, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@FUZZ_DB
@given(
    lines=st.lists(
        st.one_of(
            st.fixed_dictionaries({"indicator": json_values, "period": json_values, "value": json_values}),
            st.dictionaries(st.sampled_from(["indicator", "period", "value", "missing", "note", "x"]), json_values),
            json_values,
        ).map(lambda obj: json.dumps(obj, allow_nan=True))
        | st.text(max_size=20),
        max_size=10,
    )
)
def test_jsonl_rows_import(lines: list[str], import_db: tuple[Any, int, Path]) -> None:
    engine, plan_id, where = import_db
    path = where / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    _import(engine, plan_id, "jsonl", path)


def test_the_example_database_is_kept_in_the_repository() -> None:
    """The directory is in the repository (not ignored), so found failures stay caught."""
    import subprocess

    assert EXAMPLES.is_dir()
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        [git, "check-ignore", "-q", str(EXAMPLES / "any-key" / "any-example")],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert ignored.returncode == 1, "tests/.hypothesis-examples is git-ignored"


def test_data_errors_are_goaltrack_errors() -> None:
    """The contract the fuzz tests rely on."""
    assert issubclass(DataError, GoaltrackError)
