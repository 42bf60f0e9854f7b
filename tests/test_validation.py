"""Validating plan files: every problem at once, each as ``FILE:LINE:COL: path: message``.

The files here are small and synthetic. ``tests/data/ten-mistakes.yaml`` holds exactly ten
distinct mistakes of different kinds (YAML, schema and reference problems mixed), and a user
must get all ten from one run, each on the line where it stands.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import db_dump, run_cli

from goaltrack.errors import Problem
from goaltrack.planfile.validate import read_plans

DATA = Path(__file__).parent / "data"
TEN_MISTAKES = DATA / "ten-mistakes.yaml"
TINY = DATA / "tiny.yaml"

#: ``FILE:LINE:COL: path: message`` (the path has no spaces; file names here have no colon).
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")

# (line, path, fragment of the message) for each of the ten mistakes, in file order. The
# lines are the ones marked "# N:" in the file (checked by test_ten_mistakes_file_is_marked).
TEN_EXPECTED = [
    (13, "national_goals[0].new", "valid boolean"),
    (20, "focus_areas[0].title", "duplicate key 'title' (first defined on line 19)"),
    (24, "target_groups[0].colour", "unknown key 'colour'"),
    (27, "target_groups[2].code", "duplicate code 'drivers'"),
    (42, "initiatives[3].target_groups[1].ref", "unknown target group 'unge2'"),
    (45, "accounts[0].code", "6 digits"),
    (47, "accounts[1].code", "write the code in quotes"),
    (53, "accounts[2].budget[0].amount", "7332 not '7.332'"),
    (58, "accounts[3].links[0].share", "less than or equal to 100"),
    (66, "indicators[0].measurements[0].period", "invalid period '2030Q5'"),
]

# A minimal valid plan; the cases below change one thing in it.
BASE = """\
goaltrack: 1
plan:
  slug: base
  title: Base plan (synthetic)
  organisation: Example
  years: [2024]
  synthetic: true
"""


def problems_of(path: Path) -> list[Problem]:
    plans, problems = read_plans([path])
    assert not plans or problems == []
    return problems


def summary(problems: list[Problem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.path, p.message) for p in problems]


def write(tmp_path: Path, text: str | bytes, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def assert_one_problem(path: Path, line: int, field: str | None, fragment: str) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, summary(problems)
    (p,) = problems
    assert (p.line, p.path) == (line, field), summary(problems)
    assert fragment in p.message, p.message
    assert p.file == str(path)
    return p


# --------------------------------------------------------------------------- ten mistakes


def test_ten_mistakes_file_is_marked() -> None:
    """The expected lines are the ones the file marks, so the file and the test agree."""
    marked = [
        (n, int(m.group(1)))
        for n, text in enumerate(TEN_MISTAKES.read_text(encoding="utf-8").splitlines(), 1)
        if (m := re.search(r"# (\d+):", text))
    ]
    assert [number for _, number in marked] == list(range(1, 11))
    assert [line for line, _ in marked] == [line for line, _, _ in TEN_EXPECTED]


def test_ten_mistakes_all_reported_with_lines() -> None:
    problems = problems_of(TEN_MISTAKES)
    assert len(problems) == 10, "\n".join(map(str, problems))
    for p, (line, field, fragment) in zip(problems, TEN_EXPECTED, strict=True):
        assert (p.line, p.path) == (line, field), str(p)
        assert fragment in p.message, str(p)
        assert p.column is not None and p.column >= 1


def test_ten_mistakes_through_the_cli(tmp_path: Path) -> None:
    proc = run_cli("plan", "validate", TEN_MISTAKES)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 10, proc.stderr
    lines[0] = lines[0].removeprefix("Error: ")
    got = []
    for text in lines:
        m = PROBLEM_LINE.match(text)
        assert m, f"not FILE:LINE:COL: path: message: {text!r}"
        assert m["file"] == str(TEN_MISTAKES)
        got.append((int(m["line"]), m["path"], m["msg"]))
    for (line, field, msg), (want_line, want_field, fragment) in zip(got, TEN_EXPECTED, strict=True):
        assert (line, field) == (want_line, want_field)
        assert fragment in msg


def test_failed_load_leaves_the_database_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "goaltrack.db"
    assert run_cli("plan", "load", TINY).returncode == 0
    before = db_dump(db)
    proc = run_cli("plan", "load", TEN_MISTAKES)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "unknown target group 'unge2'" in proc.stderr
    assert db_dump(db) == before


def test_failed_load_creates_no_database(tmp_path: Path) -> None:
    proc = run_cli("plan", "load", TEN_MISTAKES)
    assert proc.returncode == 1
    assert not (tmp_path / "goaltrack.db").exists()


# --------------------------------------------------------------------------- one mistake each

# (name, text added to or replacing BASE, line, path, message fragment)
SINGLE_CASES = [
    ("unknown-key", BASE + "  colour: blue\n", 8, "plan.colour", "unknown key 'colour'"),
    ("unknown-top-level-key", BASE + "goals: []\n", 8, "goals", "unknown key 'goals'"),
    ("wrong-type-list", BASE.replace("years: [2024]", "years: 2024"), 6, "plan.years", "valid list"),
    ("wrong-type-text", BASE.replace("title: Base plan (synthetic)", "title: [a, b]"), 4,
     "plan.title", "valid string (got a list)"),
    ("missing-key", BASE.replace("  organisation: Example\n", ""), 2, "plan.organisation",
     "missing required key 'organisation'"),
    ("bad-literal", BASE + "focus_areas:\n  - {code: F1, level: yearly, title: T}\n", 9,
     "focus_areas[0].level", "'strategic' or 'annual'"),
    ("bad-version", BASE.replace("goaltrack: 1", "goaltrack: 2"), 1, "goaltrack", "1"),
    ("invalid-year", BASE.replace("years: [2024]", "years: [20244]"), 6, "plan.years[0]",
     "less than or equal to 2200"),
    ("duplicate-yaml-key", BASE + "  title: Again\n", 8, "plan.title",
     "duplicate key 'title' (first defined on line 4)"),
    ("duplicate-code", BASE + "target_groups:\n  - {code: kids, name: A}\n  - {code: kids, name: B}\n",
     10, "target_groups[1].code", "duplicate code 'kids' in target_groups"),
    ("dangling-focus-area", BASE + "initiatives:\n  - code: I1\n    title: T\n    focus_area: F9\n",
     11, "initiatives[0].focus_area", "unknown focus area 'F9'"),
    ("account-5-digits", BASE + "accounts:\n  - code: '05577'\n    name: A\n", 9, "accounts[0].code",
     "must be 6 digits, got '05577'"),
    ("account-7-digits", BASE + "accounts:\n  - code: '0557711'\n    name: A\n", 9, "accounts[0].code",
     "must be 6 digits"),
    ("account-letters", BASE + "accounts:\n  - code: '05577a'\n    name: A\n", 9, "accounts[0].code",
     "must be 6 digits"),
    ("account-non-ascii-digits", BASE + "accounts:\n  - code: '٠٥٥٧٧١'\n    name: A\n", 9,
     "accounts[0].code", "must be 6 digits"),
    ("account-not-starting-0", BASE + "accounts:\n  - code: '155771'\n    name: A\n", 9,
     "accounts[0].code", "must start with 0"),
    ("account-unquoted", BASE + "accounts:\n  - code: 055771\n    name: A\n", 9, "accounts[0].code",
     "an unquoted number loses its leading zero"),
    ("amount-danish-string", BASE + "accounts:\n  - code: '055771'\n    name: A\n    budget:\n"
     "      - {year: 2024, amount: '7.332'}\n", 12, "accounts[0].budget[0].amount", "7332 not '7.332'"),
    ("amount-quoted-number", BASE + "accounts:\n  - code: '055771'\n    name: A\n    budget:\n"
     "      - {year: 2024, amount: '7332'}\n", 12, "accounts[0].budget[0].amount", "valid number"),
    ("total-danish-string", BASE + "declared_totals:\n  - {label: I alt, year: 2024, amount: '540.225'}\n",
     9, "declared_totals[0].amount", "valid number"),
    ("budget-line-twice", BASE + "accounts:\n  - code: '055771'\n    name: A\n    budget:\n"
     "      - {year: 2024, amount: 1}\n      - {year: 2024, amount: 2}\n", 13,
     "accounts[0].budget[1]", "a budget line for 2024 is given twice"),
    ("share-over-100", BASE + "focus_areas:\n  - {code: F1, level: annual, title: T}\n"
     "accounts:\n  - code: '055771'\n    name: A\n    links:\n"
     "      - {focus_area: F1, share: 150, basis: inferred}\n", 14, "accounts[0].links[0].share",
     "less than or equal to 100 (got 150)"),
    ("share-negative", BASE + "focus_areas:\n  - {code: F1, level: annual, title: T}\n"
     "accounts:\n  - code: '055771'\n    name: A\n    links:\n"
     "      - {focus_area: F1, share: -5, basis: inferred}\n", 14, "accounts[0].links[0].share",
     "greater than or equal to 0 (got -5)"),
    ("shares-add-up-over-100", BASE + "focus_areas:\n  - {code: F1, level: annual, title: T}\n"
     "  - {code: F2, level: annual, title: U}\naccounts:\n  - code: '055771'\n    name: A\n"
     "    links:\n      - {focus_area: F1, share: 60, basis: inferred}\n"
     "      - {focus_area: F2, share: 50, basis: inferred}\n", 14, "accounts[0].links",
     "add up to 110 %"),
    ("account-link-two-targets", BASE + "focus_areas:\n  - {code: F1, level: annual, title: T}\n"
     "target_groups:\n  - {code: g, name: G}\naccounts:\n  - code: '055771'\n    name: A\n"
     "    links:\n      - {focus_area: F1, target_group: g, basis: inferred}\n", 16,
     "accounts[0].links[0]", "exactly one of focus_area, initiative, target_group"),
    ("bad-basis", BASE + "focus_areas:\n  - code: F1\n    level: annual\n    title: T\n"
     "    national_goals: [{ref: N1, basis: guessed}]\nnational_goals:\n  - {code: N1, title: N}\n",
     12, "focus_areas[0].national_goals[0].basis", "'explicit' or 'inferred'"),
    ("bad-measurement-period", BASE + "indicators:\n  - code: K1\n    name: K\n    unit: pct\n"
     "    measurements:\n      - {period: 2024-13, value: 1}\n", 13,
     "indicators[0].measurements[0].period", "invalid period '2024-13'"),
    ("bad-baseline-period", BASE + "indicators:\n  - code: K1\n    name: K\n    unit: pct\n"
     "    baseline: {value: 1, period: last year}\n", 12, "indicators[0].baseline.period",
     "invalid period 'last year'"),
    ("period-given-twice", BASE + "indicators:\n  - code: K1\n    name: K\n    unit: pct\n"
     "    measurements:\n      - {period: 2024, value: 1}\n      - {period: 2024, value: 2}\n", 14,
     "indicators[0].measurements[1].period", "given twice"),
    ("measurement-value-and-missing", BASE + "indicators:\n  - code: K1\n    name: K\n    unit: pct\n"
     "    measurements:\n      - {period: 2024, value: 1, missing: n/a}\n", 13,
     "indicators[0].measurements[0]", "either value or missing"),
    ("measurement-value-text", BASE + "indicators:\n  - code: K1\n    name: K\n    unit: pct\n"
     "    measurements:\n      - {period: 2024, value: '12,4'}\n", 13,
     "indicators[0].measurements[0].value", "valid number"),
    ("strategic-links-strategic", BASE + "focus_areas:\n  - {code: S1, level: strategic, title: A}\n"
     "  - code: S2\n    level: strategic\n    title: B\n    strategic_areas:\n"
     "      - {ref: S1, basis: inferred}\n", 13, "focus_areas[1].strategic_areas",
     "only annual focus areas link to strategic areas"),
    ("annual-links-annual", BASE + "focus_areas:\n  - {code: A1, level: annual, title: A}\n"
     "  - code: A2\n    level: annual\n    title: B\n    strategic_areas:\n"
     "      - {ref: A1, basis: inferred}\n", 14, "focus_areas[1].strategic_areas[0].ref",
     "focus area 'A1' is annual, not strategic"),
    ("end-before-start", BASE + "initiatives:\n  - code: I1\n    title: T\n    start: 2024-05-01\n"
     "    end: 2024-01-01\n", 9, "initiatives[0]", "end is before start"),
    ("bad-date", BASE + "initiatives:\n  - code: I1\n    title: T\n    start: 2024-02-30\n", 11,
     "initiatives[0].start", "valid date"),
    ("bad-code", BASE + "target_groups:\n  - {code: 'two words', name: A}\n", 9,
     "target_groups[0].code", "should match pattern"),
    ("not-a-mapping", "- just\n- a list\n", 1, None, "must be a mapping"),
    ("unknown-tag", BASE + "  notes: !python/object:os.system echo\n", 8, "plan.notes", "tag"),
    ("unknown-tag-on-key", BASE + "!foo bar: 1\n", 8, None, "tag"),
    ("merge-key", BASE + "national_goals:\n  - &g {code: N1, title: A}\n  - <<: *g\n    code: N2\n"
     "    title: B\n",
     10, "national_goals[1]", "merge keys"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [pytest.param(t, ln, f, frag, id=name) for name, t, ln, f, frag in SINGLE_CASES],
)
def test_single_mistake(tmp_path: Path, text: str, line: int, field: str | None, fragment: str) -> None:
    assert_one_problem(write(tmp_path, text), line, field, fragment)


def test_base_plan_is_valid(tmp_path: Path) -> None:
    """The cases above each add one mistake to a valid plan."""
    assert problems_of(write(tmp_path, BASE)) == []


def test_dangling_reference_message_names_the_position(tmp_path: Path) -> None:
    text = BASE + (
        "target_groups:\n  - {code: unge, name: Young people}\n"
        "initiatives:\n"
        + "".join(f"  - {{code: I{i}, title: T{i}}}\n" for i in range(3))
        + "  - code: I3\n    title: T3\n    target_groups:\n"
        "      - {ref: unge, basis: explicit, quote: q}\n"
        "      - {ref: unge2, basis: explicit, quote: q}\n"
    )
    p = assert_one_problem(write(tmp_path, text), 18, "initiatives[3].target_groups[1].ref", "")
    assert p.message == "unknown target group 'unge2'"
    assert str(p) == (
        f"{tmp_path / 'plan.yaml'}:18:15: initiatives[3].target_groups[1].ref: unknown target group 'unge2'"
    )


def test_schema_and_reference_problems_reported_together(tmp_path: Path) -> None:
    """An unknown key elsewhere must not hide a dangling reference (or the reverse)."""
    text = BASE + (
        "target_groups:\n  - {code: g1, name: G, colour: red}\n"
        "initiatives:\n  - code: I1\n    title: T\n    focus_area: nowhere\n"
    )
    problems = problems_of(write(tmp_path, text))
    assert summary(problems) == [
        (9, "target_groups[0].colour", "unknown key 'colour'"),
        (13, "initiatives[0].focus_area", "unknown focus area 'nowhere'"),
    ]


def test_reference_to_an_invalid_item_is_not_reported_as_unknown(tmp_path: Path) -> None:
    text = BASE + (
        "target_groups:\n  - {code: g1, name: G, colour: red}\n"
        "initiatives:\n  - code: I1\n    title: T\n    target_groups: [{ref: g1, basis: inferred}]\n"
    )
    problems = problems_of(write(tmp_path, text))
    assert summary(problems) == [(9, "target_groups[0].colour", "unknown key 'colour'")]


# --------------------------------------------------------------------------- YAML and encoding


def test_tab_indentation(tmp_path: Path) -> None:
    p = assert_one_problem(write(tmp_path, BASE + "\tcolour: blue\n"), 8, None, "tab")
    assert "use spaces" in p.message
    assert p.column == 1


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = BASE.replace("title: Base plan (synthetic)", 'title: "unterminated')
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 1
    assert problems[0].line is not None and problems[0].line >= 4


@pytest.mark.parametrize("text", ["", "\n\n   \n", "# only a comment\n\n# and another\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert_one_problem(write(tmp_path, text), 1, None, "the file is empty")


def test_bom_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    plans, problems = read_plans([path])
    assert problems == []
    assert plans[0].plan.plan.slug == "base"


def test_bom_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + (BASE + "  colour: blue\n").encode("utf-8"))
    assert_one_problem(path, 8, "plan.colour", "unknown key")


def test_non_utf8_bytes_reported_with_line(tmp_path: Path) -> None:
    data = BASE.replace("Example", "K\xf8benhavn").encode("latin-1")  # ø as one Latin-1 byte
    p = assert_one_problem(write(tmp_path, data), 5, None, "not valid UTF-8")
    assert "0xf8" in p.message
    assert p.column == 18


def test_missing_file_and_directory(tmp_path: Path) -> None:
    (missing,) = problems_of(tmp_path / "nope.yaml")
    assert "file not found" in missing.message
    (directory,) = problems_of(tmp_path)
    assert "directory" in directory.message


def test_same_slug_in_two_files(tmp_path: Path) -> None:
    a = write(tmp_path, BASE, "a.yaml")
    b = write(tmp_path, BASE, "b.yaml")
    plans, problems = read_plans([a, b])
    assert len(problems) == 1
    assert problems[0].file == str(b) and problems[0].path == "plan.slug"
    assert "also defined in" in problems[0].message


def test_problems_of_several_files_all_reported(tmp_path: Path) -> None:
    a = write(tmp_path, BASE + "  colour: blue\n", "a.yaml")
    b = write(tmp_path, BASE.replace("slug: base", "slug: other") + "  size: 3\n", "b.yaml")
    proc = run_cli("plan", "validate", a, TINY, b)
    assert proc.returncode == 1
    lines = proc.stderr.removeprefix("Error: ").splitlines()
    assert lines == [
        f"{a}:8:3: plan.colour: unknown key 'colour'",
        f"{b}:8:3: plan.size: unknown key 'size'",
    ]


def test_valid_files_report_ok() -> None:
    proc = run_cli("plan", "validate", TINY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{TINY}: OK (tiny-library)\n"


def test_tiny_plan_is_labelled_synthetic() -> None:
    plans, problems = read_plans([TINY])
    assert problems == []
    header = plans[0].plan.plan
    assert header.synthetic is True
    assert "synthetic" in TINY.read_text(encoding="utf-8").splitlines()[0].lower()


# --------------------------------------------------------------------------- libyaml


def _yaml_cases() -> list[Path]:
    repo = Path(__file__).resolve().parent.parent
    return sorted(
        [*(repo / "config" / "plans").glob("*.yaml"), *(repo / "tests" / "data").glob("*.yaml"),
         *(repo / "tests" / "bad_inputs" / "plan").glob("*.y*ml")]
    )


@pytest.mark.parametrize("path", _yaml_cases(), ids=lambda p: p.name)
def test_libyaml_reads_exactly_what_the_python_loader_reads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan files are composed by libyaml when PyYAML has it (50 times faster): the data, the
    line and column of every value and key, and every problem must be what the pure-Python
    loader gives, for good files and for every broken one in the bad-input corpus."""
    from goaltrack.planfile import yamlio

    if yamlio._CSafeLoader is None:
        pytest.skip("PyYAML without libyaml")
    fast, fast_problems = yamlio.read_yaml(path)
    monkeypatch.setattr(yamlio, "_CSafeLoader", None)
    slow, slow_problems = yamlio.read_yaml(path)
    assert fast_problems == slow_problems
    assert (fast is None) == (slow is None)
    if fast is not None and slow is not None:
        assert (fast.data, fast.values, fast.keys) == (slow.data, slow.values, slow.keys)
