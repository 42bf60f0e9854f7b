"""Languages: the gettext catalogs are complete and compiled, every label reports print has a
Danish translation, and numbers and dates follow the locale through Babel."""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from goaltrack.render.i18n import LANGS, LOCALE_DIR, RULES, TABLE_LABELS, Formatter, normalise_lang

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
UPDATE_HINT = "see docs/reports.md, 'Translating' (pybabel extract / update / compile)"


def catalog(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "goaltrack.po").open("rb") as f:
        return read_po(f, locale=lang)


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """babel.cfg's [method: pattern] sections and their options."""
    methods: list[tuple[str, str]] = []
    options: dict[str, dict[str, str]] = {}
    current = None
    for line in BABEL_CFG.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if m := re.fullmatch(r"\[(\w+):\s*(.+)\]", line):
            current = m[2]
            methods.append((current, m[1]))
            options[current] = {}
        elif "=" in line and current and not line.startswith("#"):
            key, value = (p.strip() for p in line.split("=", 1))
            options[current][key] = value
    return methods, options


def extracted() -> dict[str, tuple[str, ...]]:
    """Every msgid marked in the sources babel.cfg names -> where it is used."""
    methods, options = _method_map()
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=methods, options_map=options
    ):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, []).append(filename)
    return {k: tuple(v) for k, v in found.items()}


@pytest.fixture(scope="module")
def sources() -> dict[str, tuple[str, ...]]:
    return extracted()


# --------------------------------------------------------------------------- catalogs


@pytest.mark.parametrize("lang", LANGS)
def test_mo_files_are_compiled_from_the_po_files(lang: str) -> None:
    """The committed .mo says exactly what the .po says (compared as catalogs, not bytes:
    the .mo header names the Babel version that compiled it)."""
    d = LOCALE_DIR / lang / "LC_MESSAGES"
    buf = io.BytesIO()
    write_mo(buf, catalog(lang))
    buf.seek(0)
    expected = gettext.GNUTranslations(buf)
    with (d / "goaltrack.mo").open("rb") as f:
        committed = gettext.GNUTranslations(f)
    hint = f"{d / 'goaltrack.mo'} is out of date: pybabel compile -d src/goaltrack/locale -D goaltrack"
    assert _messages(committed) == _messages(expected), hint
    assert committed.info().get("language") == lang, hint


def _messages(t: gettext.GNUTranslations) -> dict[object, str]:
    return {k: v for k, v in t._catalog.items() if k != ""}  # type: ignore[attr-defined]


def test_every_marked_string_is_in_the_catalogs(sources: dict[str, tuple[str, ...]]) -> None:
    assert len(sources) > 150  # the extraction found the templates and the Python labels
    for lang in LANGS:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        missing = sorted(set(sources) - ids)
        assert not missing, f"not in {lang}.po ({UPDATE_HINT}): {missing}"
        unused = sorted(ids - set(sources))
        assert not unused, f"in {lang}.po but used nowhere ({UPDATE_HINT}): {unused}"


def test_every_template_string_has_a_danish_translation(sources: dict[str, tuple[str, ...]]) -> None:
    templates = {k for k, where in sources.items() if any("/templates/" in w for w in where)}
    assert len(templates) > 100
    da = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog("da") if m.id}
    for msgid in sorted(templates | set(sources)):
        message = da[msgid]
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        assert all(strings) and not message.fuzzy, f"no Danish translation for {msgid!r}"


def test_placeholders_match() -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in catalog("da"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else [message.id]
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        wanted = set(placeholder.findall(ids[-1])) - {"num"}
        for s in strings:
            assert isinstance(s, str)
            assert set(placeholder.findall(s)) - {"num"} == wanted, (message.id, s)
            assert s.count("%%") == ids[0].count("%%"), (message.id, s)


def test_rules_cover_the_builtin_checks() -> None:
    from goaltrack.plugins import load_plugins

    builtin = {rid for rid in load_plugins(entrypoints=False).checks if rid.startswith("GT")}
    assert builtin == set(RULES)


# --------------------------------------------------------------------------- labels of the reports' tables


@pytest.fixture(scope="module")
def report_labels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Every title and column label of the built-in reports' tables (and of `list`)."""
    from report_helpers import REPORT_PLAN, load_db

    from goaltrack.context import AppContext
    from goaltrack.engine.checking import run_checks
    from goaltrack.interfaces import RenderOptions as ReportOptions
    from goaltrack.reports.all_plans import build_national_coverage
    from goaltrack.reports.budget import build_budget
    from goaltrack.reports.coverage import build_coverage
    from goaltrack.reports.findings import checks_report
    from goaltrack.reports.progress import build_progress
    from goaltrack.store.database import plan_id_for

    with pytest.MonkeyPatch.context() as mp:
        db = load_db(tmp_path_factory.mktemp("labels") / "r.db", REPORT_PLAN, mp)
    app = AppContext(db=str(db))
    labels: set[str] = set()
    try:
        with app.engine().connect() as conn:
            pid = plan_id_for(conn, None)
            o = ReportOptions()
            reports = [
                build_coverage(conn, app.plugins, pid, o, settings={}),
                build_national_coverage(conn, o),
                build_budget(conn, pid, o),
                build_progress(conn, app.plugins, pid, o, settings={}),
                checks_report(conn, pid, run_checks(conn, app.plugins, pid, settings={}, options=o), o),
            ]
        for r in reports:
            for t in r.tables:
                labels.add(t.title)
                labels.update(c.label for c in t.columns if c.label != c.key)
    finally:
        app.close()
    yield labels


def test_every_report_table_label_is_translated(report_labels: set[str]) -> None:
    da = {m.id: m.string for m in catalog("da") if m.id and isinstance(m.id, str)}
    for label in sorted(report_labels):
        head = re.sub(r"\s+\d+$", "", label)  # "Budget 2021" goes through "Budget"
        assert head in TABLE_LABELS, f"add {head!r} to goaltrack.render.i18n.TABLE_LABELS and da.po"
        assert da.get(head), f"no Danish translation for {head!r}"


def test_column_translates_year_suffixed_labels() -> None:
    da = Formatter("da")
    assert da.column("Change %") == "Ændring %"
    assert da.column("Corrected 2021") == "Korrigeret 2021"
    assert da.column("Not a label 2021") == "Not a label 2021"
    assert Formatter("en").column("Corrected 2021") == "Corrected 2021"


# --------------------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("lang", "number", "percent", "signed", "small", "negative_zero"),
    [
        ("da", "540.225", "12,4\u00a0%", "-3.417", "0,83", "0"),
        ("en", "540,225", "12.4%", "-3,417", "0.83", "0"),
    ],
)
def test_numbers_follow_the_locale(lang: str, number: str, percent: str, signed: str, small: str,
                                   negative_zero: str) -> None:
    f = Formatter(lang)
    assert f.number(540225) == number
    assert f.number(540225.0, decimals=0) == number
    assert f.percent(12.4) == percent
    assert f.percent(12.44) == percent  # one decimal
    assert f.signed(-3417.0, decimals=0) == signed
    assert f.signed(31309, decimals=0).startswith("+31")
    assert f.number(0.8281) == small  # at most two decimals
    assert f.number(-0.001) == negative_zero  # never "-0"
    assert f.number(None) == "" and f.number(None, empty="–") == "–"
    assert f.number("text") == "text"
    assert f.number(float("nan")) == "n/a"


def test_percent_and_values() -> None:
    da, en = Formatter("da"), Formatter("en")
    assert da.percent(167.333, signed=True) == "+167,3\u00a0%"
    assert en.percent(-100.0, signed=True) == "-100.0%"
    assert en.percent(0.0, signed=True) == "0.0%"
    assert da.value(43.5, "pct") == "43,5\u00a0%"
    assert en.value(17.7, "pct-change") == "+17.7%"
    assert en.value(1234.5, "persons") == "1,234.5 persons"
    assert en.value(2, None) == "2"


def test_dates_follow_the_locale() -> None:
    assert Formatter("da").date("2021-04-30") == "30. apr. 2021"
    assert Formatter("en").date(dt.date(2021, 4, 30)) == "30 Apr 2021"
    assert Formatter("en").date("2021-04-30 12:00:00") == "30 Apr 2021"
    assert Formatter("en").date("2021Q1") == "2021Q1"  # not a date: as is
    assert Formatter("en").date(None) == ""


def test_labels() -> None:
    da = Formatter("da")
    assert da.label("on-track", "status") == "på rette spor"
    assert da.label("partial", "coverage") == "delvist dækket"
    assert da.label("something-new", "status") == "something-new"
    assert da.label(None, "status") == ""
    assert da.rule("GT010", "declared total 'I alt' ...") == "Angivet total afviger mere end afrunding"
    assert da.rule("X100", "a plugin's message") == "a plugin's message"
    assert Formatter("en").rule("GT010", "the check's message") == "the check's message"


@pytest.mark.parametrize(("given", "lang"), [("da", "da"), ("da-DK", "da"), ("da_DK", "da"), ("EN", "en"),
                                              ("en-GB", "en"), ("fr", "en"), ("", "en"), (None, "en")])
def test_normalise_lang(given: str | None, lang: str) -> None:
    assert normalise_lang(given) == lang
