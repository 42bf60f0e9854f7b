"""Reports rendered end to end: snapshots of every format, the bundled plan against its seed
text, reproducibility, output safety, languages and the self-contained, accessible HTML.

Snapshots live in ``tests/snapshots/`` (one file per report, language and format, made from
``tests/data/report-plan.yaml``). After an intended change, regenerate them with::

    GOALTRACK_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_reports_render.py

and review the diff like any other change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import BUNDLED_PLAN, SEED, cli_env
from report_helpers import EVIL_PLAN, KINDS, REPORT_PLAN, Tags, load_db, report

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("GOALTRACK_UPDATE_SNAPSHOTS") == "1"
EXT = {"table": "txt", "json": "json", "csv": "csv", "html": "html", "markdown": "md"}
STATUSES = (("I1", "at-risk", "Mentors are hard to find", "Case worker"),)

# (kind, format, lang): every format in English, and Danish wherever labels or numbers show.
CASES = [(k, f, "en") for k in KINDS for f in EXT] + [
    (k, f, "da") for k in KINDS for f in ("table", "markdown")
] + [("coverage", "html", "da"), ("budget", "html", "da")]


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        yield load_db(tmp_path_factory.mktemp("snap") / "r.db", REPORT_PLAN, mp, STATUSES)


@pytest.fixture(scope="module")
def evil_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    statuses = (("I2", "at-risk", "<script>alert('note')</script> [x](javascript:alert(1))",
                 "<img src=x onerror=alert(1)>"),)
    with pytest.MonkeyPatch.context() as mp:
        yield load_db(tmp_path_factory.mktemp("evil") / "e.db", EVIL_PLAN, mp, statuses)


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path.name}: run with GOALTRACK_UPDATE_SNAPSHOTS=1 to write it", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        import difflib

        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), text.splitlines(keepends=True), "snapshot", "now", n=2))
        pytest.fail(f"{name} differs from its snapshot (GOALTRACK_UPDATE_SNAPSHOTS=1 rewrites it):\n{diff[:6000]}",
                    pytrace=False)


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize(("kind", "fmt", "lang"), CASES, ids=[f"{k}-{f}-{lang}" for k, f, lang in CASES])
def test_snapshot(snapshot_db: Path, kind: str, fmt: str, lang: str) -> None:
    check_snapshot(f"{kind}.{lang}.{EXT[fmt]}", report(snapshot_db, kind, fmt, "--lang", lang))


@pytest.mark.parametrize("fmt", ["html", "markdown", "table"])
def test_snapshot_check_report(snapshot_db: Path, fmt: str) -> None:
    """A report kind without a template of its own renders through tables.html / tables.md."""
    from goaltrack.context import AppContext
    from goaltrack.engine.checking import run_checks
    from goaltrack.interfaces import RenderOptions
    from goaltrack.interfaces import RenderOptions as ReportOptions
    from goaltrack.render.output import render
    from goaltrack.reports.findings import checks_report
    from goaltrack.store.database import plan_id_for

    app = AppContext(db=str(snapshot_db))
    try:
        with app.engine().connect() as conn:
            plan_id = plan_id_for(conn, None)
            options = ReportOptions()
            findings = run_checks(conn, app.plugins, plan_id, settings={}, options=options)
            rep = checks_report(conn, plan_id, findings, options)
        text = render(app, rep, fmt, RenderOptions(lang="en"))
    finally:
        app.close()
    assert isinstance(text, str)
    check_snapshot(f"check.en.{EXT[fmt]}", text)


# --------------------------------------------------------------------------- the bundled plan


@pytest.fixture(scope="module")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        yield load_db(tmp_path_factory.mktemp("bundled") / "k.db", BUNDLED_PLAN, mp)


_SEED_ROW = re.compile(r"^(0\d{5}) (.+?) (-?[\d.]+) (-?[\d.]+) *$", re.MULTILINE)
_SEED_TOTAL = re.compile(r"^I alt +([\d.]+) ([\d.]+) *$", re.MULTILINE)


def _seed_budget() -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
    if not SEED.is_file():
        pytest.skip(f"seed text {SEED} is not available")
    text = SEED.read_text(encoding="utf-8")
    rows = {code: (int(a.replace(".", "")), int(b.replace(".", ""))) for code, _, a, b in _SEED_ROW.findall(text)}
    (total,) = _SEED_TOTAL.findall(text)
    return rows, (int(total[0].replace(".", "")), int(total[1].replace(".", "")))


def test_bundled_budget_json_matches_seed(bundled_db: Path) -> None:
    rows, (total_2020, total_2021) = _seed_budget()
    data = json.loads(report(bundled_db, "budget", "json"))
    assert data["version"] == 1 and data["report"] == "budget" and data["meta"]["content_hash"]
    assert len(rows) == 18
    assert [a["code"] for a in data["accounts"]] == list(rows)
    for a in data["accounts"]:
        assert (a["amounts"]["2020"], a["amounts"]["2021"]) == rows[a["code"]], a["code"]
    # The seed prints 492.697 and 540.225; its lines sum to 492.699 and 540.226: rounding.
    assert (total_2020, total_2021) == (492697, 540225)
    assert data["totals"] == {"2020": 492699, "2021": 540226}
    recon = {r["year"]: r for r in data["reconciliation"]}
    assert (recon[2020]["declared"], recon[2020]["computed"], recon[2020]["verdict"]) == (492697, 492699, "rounding")
    assert (recon[2021]["declared"], recon[2021]["computed"], recon[2021]["verdict"]) == (540225, 540226, "rounding")
    assert recon[2021]["tolerance"] == 9  # 18 lines, half a unit each
    by_code = {a["code"]: a for a in data["accounts"]}
    largest = data["largest_changes"]
    assert largest["increase"][0] == "055778" and by_code["055778"]["change"] == 31309
    assert largest["percent"][0] == "056894" and round(by_code["056894"]["change_pct"], 1) == 167.3
    assert largest["decrease"][0] == "056891" and by_code["056891"]["change"] == -3417
    assert data["total_change"] == 540226 - 492699


def test_bundled_budget_renders_seed_figures(bundled_db: Path) -> None:
    """The figures as a Danish reader sees them: as printed, with Danish grouping."""
    text = report(bundled_db, "budget", "html", "--lang", "da")
    for figure in ("492.697", "540.225", "492.699", "540.226", "+31.309", "+167,3\u00a0%", "-3.417",
                   "afrundingsforskel"):
        assert figure in text, figure
    en = report(bundled_db, "budget", "html", "--lang", "en")
    for figure in ("492,697", "540,225", "+31,309", "+167.3%", "-3,417", "rounding difference"):
        assert figure in en, figure


def test_bundled_coverage_json(bundled_db: Path) -> None:
    if not SEED.is_file():
        pytest.skip(f"seed text {SEED} is not available")
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    data = json.loads(report(bundled_db, "coverage", "json"))
    assert data["version"] == 1 and data["report"] == "coverage"
    assert data["meta"]["plan"] == "kalundborg-2021" and data["meta"]["language"] == "da"
    assert [g["code"] for g in data["goals"]] == ["NG1", "NG2", "NG3", "NG4", "NG5"]
    for g in data["goals"]:
        assert g["title"].rstrip(".") in seed, g["title"]  # plan content as the seed has it
        assert g["coverage"] in ("covered", "partial", "uncovered")
    s = data["summary"]
    assert s["goals"] == 5 and s["covered"] + s["partial"] + s["uncovered"] == 5
    assert data["years"] == ["2020", "2021"]
    assert data["example_data"] is False  # no example data in a plain load
    # Every account of the seed reaches some goal (none is GT009 in the gaps).
    assert not [f for f in data["gaps"] if f["rule"] == "GT009"]
    assert {f["rule"] for f in data["gaps"]} <= {f"GT{n:03d}" for n in range(1, 12)}


# --------------------------------------------------------------------------- reproducible

_RUN_ALL = """
import sys
from pathlib import Path
from click.testing import CliRunner
from goaltrack.cli import cli
db, out = sys.argv[1], Path(sys.argv[2])
out.mkdir()
for kind in ("coverage", "budget", "progress"):
    for fmt in ("table", "json", "csv", "html", "markdown"):
        r = CliRunner().invoke(cli, ["--db", db, "report", kind, "--format", fmt, "-o", str(out / f"{kind}.{fmt}")])
        assert r.exit_code == 0, r.output
"""


def test_byte_identical_across_runs(snapshot_db: Path, tmp_path: Path) -> None:
    """Two processes with different hash seeds write the same bytes for every report and format."""
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"run{seed}"
        proc = subprocess.run(
            [sys.executable, "-c", _RUN_ALL, str(snapshot_db), str(out)],
            env=cli_env({"PYTHONHASHSEED": seed}), capture_output=True, text=True, timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    files = sorted(p.name for p in outs[0].iterdir())
    assert len(files) == 15
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_stamp_only_when_asked(snapshot_db: Path) -> None:
    plain = report(snapshot_db, "coverage", "html")
    assert "Generated" not in plain
    stamped = report(snapshot_db, "coverage", "html", "--stamp")
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", stamped)
    md = report(snapshot_db, "coverage", "markdown", "--stamp")
    assert re.search(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", md)


def test_content_hash_in_footer(snapshot_db: Path) -> None:
    digest = json.loads(report(snapshot_db, "coverage", "json"))["meta"]["content_hash"]
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    for kind in KINDS:
        html_text = report(snapshot_db, kind, "html")
        footer = html_text[html_text.index("<footer>"):]
        assert f"<code>{digest}</code>" in footer
        assert f"`{digest}`" in report(snapshot_db, kind, "markdown")


# --------------------------------------------------------------------------- languages


def test_lang_switches_labels_and_numbers(snapshot_db: Path) -> None:
    da = report(snapshot_db, "budget", "table", "--lang", "da")
    en = report(snapshot_db, "budget", "table", "--lang", "en")
    assert "Konto" in da and "Account" in en
    assert "1.350" in da and "1,350" in en  # grouping
    assert "-20,0 %" in da and "-20.0%" in en  # percent: one decimal
    html_da = report(snapshot_db, "coverage", "html", "--lang", "da")
    assert '<html lang="da">' in html_da and "Måldækning" in html_da
    # Plan content stays in its own language (English here) and says so.
    assert '<span lang="en">More young people in education or work</span>' in html_da
    html_en = report(snapshot_db, "coverage", "html", "--lang", "en")
    assert '<html lang="en">' in html_en and "Goal coverage" in html_en
    assert '<span lang="en">' not in html_en


def test_default_lang_is_the_plans(bundled_db: Path) -> None:
    assert '<html lang="da">' in report(bundled_db, "coverage", "html")


# --------------------------------------------------------------------------- marks


def test_example_and_synthetic_marks(snapshot_db: Path) -> None:
    for kind in ("coverage", "progress"):
        text = report(snapshot_db, kind, "html")
        assert 'class="banner example"' in text and 'class="badge example"' in text
        assert 'class="banner synthetic"' in text
        md = report(snapshot_db, kind, "markdown")
        assert "> **Example data:**" in md and "*(example data)*" in md and "> **Synthetic plan:**" in md
    # The budget has no example data, but the plan is still synthetic.
    budget = report(snapshot_db, "budget", "html")
    assert 'class="banner example"' not in budget and 'class="banner synthetic"' in budget


def test_bundled_plan_has_no_marks(bundled_db: Path) -> None:
    text = report(bundled_db, "coverage", "html")
    assert 'class="banner' not in text


# --------------------------------------------------------------------------- HTML: self-contained, accessible

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "div", "header", "main", "footer", "section",
    "article", "aside", "h1", "h2", "h3", "p", "span", "strong", "code", "br", "ul", "ol", "li", "dl",
    "dt", "dd", "a", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "svg", "desc", "g", "rect", "line", "text", "circle", "polyline",
}


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_self_contained_and_accessible(snapshot_db: Path, kind: str) -> None:
    text = report(snapshot_db, kind, "html")
    tags = Tags(text)
    assert tags.names <= ALLOWED_TAGS, tags.names - ALLOWED_TAGS
    assert "script" not in tags.names
    for attr in ("src", "href", "action", "xlink:href", "srcset", "poster", "data"):
        for value in tags.attributes(attr):
            assert value.startswith("#"), (attr, value)  # in-page anchors only
    assert "http" not in text and "//" not in re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    assert "@import" not in text and "url(" not in text
    # Accessibility: language, one h1 and no skipped heading level, headed tables, charts.
    assert tags.attributes("lang")[0] == "en"
    levels = [int(t[1]) for t, _ in tags.tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert len(re.findall(r"<table[ >]", text)) == len(re.findall(r"<caption[ >]", text))
    # A box a wide table scrolls in is a named region Tab reaches (axe: scrollable-region-focusable).
    ids = set(tags.attributes("id"))
    boxes = [dict(attrs) for (t, attrs), (nxt, _) in zip(tags.tags, tags.tags[1:], strict=False)
             if t == "div" and "chart-wrap" in (dict(attrs).get("class") or "") and nxt == "table"]
    assert boxes
    for a in boxes:
        assert a.get("role") == "region" and a.get("tabindex") == "0", a
        assert a.get("aria-label") or a.get("aria-labelledby") in ids, a
    assert all(v in ("col", "row", "colgroup") for v in tags.attributes("scope"))
    svgs = [attrs for t, attrs in tags.tags if t == "svg"]
    assert svgs
    for attrs in svgs:
        a = dict(attrs)
        assert a.get("role") == "img" and a.get("aria-label")
    assert text.count("<svg") == text.count("<desc>")
    # Print stylesheet for A4.
    assert "@media print" in text and "size: A4" in text


def test_html_charts_present(snapshot_db: Path) -> None:
    assert 'class="chart coverage-matrix"' in report(snapshot_db, "coverage", "html")
    budget = report(snapshot_db, "budget", "html")
    assert 'class="chart budget-bars"' in budget and 'class="chart budget-changes"' in budget
    progress = report(snapshot_db, "progress", "html")
    assert progress.count('class="chart sparkline"') == 2  # K1, K2: a target; K3 is a single forecast
    assert 'stroke-dasharray="6 3"' in progress  # K1's target line


# --------------------------------------------------------------------------- output safety

PAYLOAD_TAGS = ("script", "img", "iframe", "style", "marquee", "details", "b", "i", "svg onload")


@pytest.mark.parametrize("kind", KINDS)
def test_evil_plan_inert_in_html(evil_db: Path, kind: str) -> None:
    text = report(evil_db, kind, "html")
    tags = Tags(text)
    assert tags.names <= ALLOWED_TAGS, tags.names - ALLOWED_TAGS
    assert "script" not in tags.names and "img" not in tags.names and "iframe" not in tags.names
    assert [t for t, _ in tags.tags].count("style") == 1  # ours, in <head>
    for _, attrs in tags.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert "javascript:" not in (value or "").lower(), (name, value)
            if name in ("href", "src"):
                assert (value or "").startswith("#"), (name, value)
    assert not re.search(r"<(script|img|iframe|marquee|details)\b", text, re.I)
    assert "document.title" not in tags.attributes("onload")
    # Template syntax in plan content is printed, not evaluated.
    if kind == "coverage":
        assert "{{ 7*7 }} and {% if true %}jinja{% endif %} and ${7*7}" in text
        assert ">49<" not in text and " 49 " not in text
        escaped = "&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;,&#39;1&#39;)&lt;/script&gt;"
        assert escaped + "Goal one" in text


@pytest.mark.parametrize("kind", KINDS)
def test_evil_plan_inert_in_markdown(evil_db: Path, kind: str) -> None:
    text = report(evil_db, kind, "markdown")
    assert "<" not in text  # no raw HTML at all: plan content's < became &lt;
    assert not re.search(r"(?<!\\)\]\(", text)  # no [text](url) link
    assert not re.search(r"(?<!\\)!\[", text)
    assert not re.search(r"(?i)(?<![\\])\b(https?|javascript):", text.replace("\\:", ""))
    assert "https\\://evil.example" in text or kind != "coverage"
    if kind == "coverage":
        assert "{{ 7\\*7 }} and {% if true %}jinja{% endif %} and \\${7\\*7}" in text
        assert " 49 " not in text
        # A title cannot break out of its table cell or start a block.
        row = next(line for line in text.splitlines() if line.startswith("| **G3** |"))
        assert row.count("|") - row.count("\\|") == 10


def test_evil_plan_csv_neutralised(evil_db: Path) -> None:
    text = report(evil_db, "budget", "csv")
    assert "'=HYPERLINK(" in text and "'+cmd|" in text and "'@SUM(1+1)" in text
    assert not re.search(r"(^|,)[=+@]", text, re.M)


# --------------------------------------------------------------------------- template errors


def test_broken_user_template_is_a_usage_error(snapshot_db: Path, tmp_path: Path) -> None:
    """A mistake in a user's template is one clear line naming file and line, exit 2."""
    from helpers import run_cli

    t = tmp_path / "t"
    t.mkdir()
    (t / "coverage.html").write_text('{% extends "default:coverage.html" %}\n{% block kicker %}{{ nope }}{% endblock '
                                     '%}\n')
    (t / "budget.md").write_text("{% extends 'default:budget.md' %}\n\n{% block content %}{{ x }\n")
    proc = run_cli("--db", snapshot_db, "report", "coverage", "--format", "html", "--templates", t)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == f"Error: template error: {t / 'coverage.html'}:2: UndefinedError: 'nope' is undefined"
    proc = run_cli("--db", snapshot_db, "report", "budget", "--format", "markdown", "--templates", t)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"Error: template error: {t / 'budget.md'}:3: TemplateSyntaxError:")


# --------------------------------------------------------------------------- the demo


def test_demo_writes_the_reports(tmp_path: Path) -> None:
    from report_helpers import invoke

    out = tmp_path / "demo-out"
    text = invoke("demo", "--out", out)
    names = ["coverage.html", "budget.html", "progress.html", "coverage.md", "coverage.json"]
    for name in names:
        assert (out / name).is_file() and f"  {name} " in text, name
    assert f"Reports written to {out}/:" in text and f"Open {out / 'coverage.html'} in a browser" in text
    data = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    s = data["summary"]
    assert f"Coverage: {s['covered']} of {s['goals']} national goals covered, {s['partial']} partly covered" in text
    counts = {sev: sum(1 for g in data["gaps"] if g["severity"] == sev) for sev in ("error", "warning", "info")}
    assert f"Checks: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes" in text
    assert data["example_data"] is True  # the demo's example series and statuses
    html_text = (out / "coverage.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in html_text and 'class="banner example"' in html_text
    assert "Eksempeldata" in (out / "coverage.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- docs/reports.md


def _key_paths(value: object, prefix: str = "") -> Iterator[str]:
    """``a``, ``a.b``, ``a[].c``...; objects keyed by year stop at the object."""
    if isinstance(value, dict):
        if value and all(re.fullmatch(r"\d{4}", k) for k in value):
            return
        for key, item in value.items():
            path = f"{prefix}{key}"
            yield path
            yield from _key_paths(item, path + ".")
    elif isinstance(value, list):
        for item in value:
            yield from _key_paths(item, prefix[:-1] + "[].")


def test_docs_document_every_json_key(snapshot_db: Path) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", docs, re.M))
    check = json.loads(invoke_check_json(snapshot_db))
    national = json.loads(report(snapshot_db, "coverage", "json", "--all-plans"))
    for name, data in [(k, json.loads(report(snapshot_db, k, "json"))) for k in KINDS] + [
        ("check", check), ("coverage --all-plans", national),
    ]:
        for path in sorted(set(_key_paths(data))):
            path = path.replace("groups[].hovedfunktioner[].accounts[].", "accounts[].")
            assert path in documented, f"docs/reports.md does not document {name} JSON key {path!r}"


def invoke_check_json(db: Path) -> str:
    from report_helpers import invoke

    return invoke("--db", db, "check", "--format", "json")
