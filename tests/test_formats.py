"""The built-in output formats one by one: table (people), csv and json (machines), html and
markdown (registered and wired); what each does with numbers, empty cells and hostile text."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal

import pytest

from goaltrack.default_plugins.formats import csv_cell
from goaltrack.interfaces import Column, OutputFormat, RenderOptions, Report, Table
from goaltrack.plugins import load_plugins


def fmt(name: str) -> OutputFormat:
    return load_plugins(entrypoints=False).get("output_formats", name)


def _report() -> Report:
    cols = [
        Column("code", "Account"),
        Column("amount", "Amount", "number"),
        Column("lines", "Lines", "int"),
        Column("pct", "Change %", "percent"),
        Column("FA1", "FA1"),  # a plan code heading a matrix column: never translated
        Column("ok", "Verdict"),
    ]
    rows = [
        ("055778", 106652.0, 18, 41.55555, "E", True),
        ("056891", -3417.0, 2, -100.0, None, False),
        ("055774", 0.123456, 0, None, "", None),
        ("x", None, None, 0.04, "two\nlines", None),
    ]
    return Report("budget", "Budget", {"version": 1}, [Table("t", "Accounts", cols, rows)])


# --------------------------------------------------------------------------- table


def test_table_numbers_per_type_and_language() -> None:
    en = fmt("table").render(_report(), RenderOptions(lang="en"))
    assert en.splitlines() == [
        "Accounts",
        "Account   Amount  Lines  Change %  FA1        Verdict",
        "-------  -------  -----  --------  ---------  -------",
        "055778   106,652     18     41.6%  E          yes",
        "056891    -3,417      2   -100.0%             no",
        "055774      0.12      0",
        "x                            0.0%  two lines",
    ]
    da = fmt("table").render(_report(), RenderOptions(lang="da"))
    assert da.splitlines()[:5] == [
        "Konti",
        "Konto    Amount  Linjer  Ændring %  FA1        Vurdering",
        "------  -------  ------  ---------  ---------  ---------",
        "055778  106.652      18     41,6 %  E          ja",
        "056891   -3.417       2   -100,0 %             nej",
    ]
    assert "\u00a0" not in da  # the terminal gets plain spaces


def test_table_unknown_language_falls_back_to_english() -> None:
    assert fmt("table").render(_report(), RenderOptions(lang="fr")) == fmt("table").render(
        _report(), RenderOptions(lang="en")
    )


def test_table_without_tables_prints_the_title() -> None:
    assert fmt("table").render(Report("x", "Only a title", {}), RenderOptions()) == "Only a title\n"


# --------------------------------------------------------------------------- csv


def test_csv_keeps_numbers_machine_readable() -> None:
    out = fmt("csv").render(_report(), RenderOptions(lang="da"))
    assert isinstance(out, str)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["code", "amount", "lines", "pct", "FA1", "ok"]
    assert rows[1] == ["055778", "106652", "18", "41.55555", "E", "true"]  # no grouping, no ".0"
    assert rows[2] == ["056891", "-3417", "2", "-100", "", "false"]  # a negative number stays a number
    assert rows[3][1] == "0.123456" and rows[3][3] == ""  # None is empty
    assert rows[4][4] == "two\nlines"  # quoted, not flattened: it is data


def test_csv_in_the_language_asked_for() -> None:
    """With --lang (lang_asked) the header and coded values are words of that language;
    numbers stay plain numbers. Without it, keys and codes whatever the language."""
    report = Report("x", "X", {}, [Table("t", "T", [Column("code", "Code"), Column("status", "Status", labels="status"),
                                                     Column("ok", "Example data"), Column("FA1", "FA1"),
                                                     Column("y2021", "Budget 2021", "number")],
                                         [("NG1", "on-track", True, "E", 1234.5)])])
    rows = list(csv.reader(io.StringIO(str(fmt("csv").render(report, RenderOptions(lang="da", lang_asked=True))))))
    assert rows == [["Kode", "Status", "Eksempeldata", "FA1", "Budget 2021"],
                    ["NG1", "på rette spor", "ja", "E", "1234.5"]]
    machine = list(csv.reader(io.StringIO(str(fmt("csv").render(report, RenderOptions(lang="da"))))))
    assert machine == [["code", "status", "ok", "FA1", "y2021"], ["NG1", "on-track", "true", "E", "1234.5"]]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-5", "-5"),  # text that is a plain number reads back as that number
        ("-2.5", "-2.5"),
        ("1e3", "1e3"),
        ("plain", "plain"),
        (-3, -3),
        (2.0, 2),
        (2.5, 2.5),
        (Decimal("1.10"), Decimal("1.10")),
        (float("nan"), ""),
        (math.inf, ""),
        (None, ""),
        (["=a", "b"], "'=a; b"),
    ],
)
def test_csv_cell(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


def test_csv_header_keys_are_neutralised() -> None:
    """Matrix columns are keyed by plan codes; a hostile code must not run as a formula."""
    table = Table("m", "M", [Column("goal", "Goal"), Column("=cmd", "=cmd", "int")], [("G1", 1)])
    out = fmt("csv").render(Report("x", "X", {}, [table]), RenderOptions())
    assert out == "goal,'=cmd\nG1,1\n"


# --------------------------------------------------------------------------- json


def test_json_writes_data_as_built() -> None:
    report = Report("budget", "Budget", {"version": 1, "report": "budget", "meta": {"plan": "p"}, "ø": 1.5})
    out = fmt("json").render(report, RenderOptions(lang="da"))
    assert out == '{\n  "version": 1,\n  "report": "budget",\n  "meta": {\n    "plan": "p"\n  },\n  "ø": 1.5\n}\n'
    assert json.loads(out)["ø"] == 1.5


# --------------------------------------------------------------------------- html and markdown


def test_templated_formats_are_registered() -> None:
    p = load_plugins(entrypoints=False)
    assert p.registered_by("output_formats", "html") == "goaltrack.default_plugins.formats_templated"
    html, md = p.get("output_formats", "html"), p.get("output_formats", "markdown")
    assert (html.extension, html.media_type, html.binary) == ("html", "text/html; charset=utf-8", False)
    assert (md.extension, md.media_type) == ("md", "text/markdown; charset=utf-8")


@pytest.mark.parametrize("name", ["html", "markdown"])
def test_templated_formats_render_any_report(name: str) -> None:
    """A report kind without a template of its own falls back to its tables."""
    out = fmt(name).render(_report(), RenderOptions(lang="en"))
    assert isinstance(out, str) and out.endswith("\n") and not out.endswith("\n\n")
    assert "106,652" in out and "41.6%" in out and "Accounts" in out
    weird = Report("../../etc/passwd", "Weird", {}, _report().tables)  # never a template path
    assert "106,652" in fmt(name).render(weird, RenderOptions(lang="en"))


def test_html_table_cells() -> None:
    out = fmt("html").render(_report(), RenderOptions(lang="da"))
    assert '<th scope="col" class="num">Ændring %</th>' in out
    assert '<td class="num">106.652</td>' in out and '<td class="num">41,6\u00a0%</td>' in out
    assert "<td>ja</td>" in out and '<th scope="col">FA1</th>' in out
