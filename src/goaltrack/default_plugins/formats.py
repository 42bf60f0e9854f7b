"""Built-in output formats: ``table`` (for the terminal), ``json`` and ``csv`` (for machines).

Registered through :func:`register_output_formats` exactly as a third-party plugin would be;
nothing in the core knows these names. (``html`` and ``markdown`` live in
:mod:`goaltrack.default_plugins.formats_templated`.)

- ``table`` is for people: titles and column labels go through the gettext catalogs, and
  numbers follow the language (:class:`goaltrack.render.i18n.Formatter`): ``int`` columns whole,
  ``number`` columns with up to two decimals, ``percent`` columns with one (``12,4 %`` in
  Danish, ``12.4%`` in English); ``None`` is an empty cell.
- ``csv`` is for machines: column keys as the header, numbers as numbers (dot decimal, no
  grouping, whole floats without ``.0``), and text that a spreadsheet would run as a formula
  is neutralised.
- ``json`` writes ``report.data`` as built.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from goaltrack.errors import UsageError
from goaltrack.hookspecs import hookimpl
from goaltrack.interfaces import Column, OutputFormat, RenderOptions, Report, Table

if TYPE_CHECKING:
    from goaltrack.render.i18n import Formatter

NUMERIC_TYPES = ("int", "number", "percent")


def _is_number(value: object) -> bool:
    # bool is an int subclass, but True is not the number 1 in a report.
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _formatter(options: RenderOptions) -> Formatter:
    # Imported here: Babel and the catalogs are needed only when a report is rendered.
    from goaltrack.render.i18n import Formatter

    return Formatter(options.lang)


def text_cell(value: object, column: Column, fmt: Formatter) -> str:
    """A cell as people read it: numbers per language and column type, ``None`` empty."""
    if value is None:
        return ""
    coded = fmt.coded(value, column)
    if coded is not value:  # a word for a code, yes/no, a rule's summary
        return " ".join(str(coded).splitlines())
    if _is_number(value):
        if column.type == "percent":  # values are in percent points: 12.4 means 12.4 %
            text = fmt.percent(value)
        elif column.type == "int":
            text = fmt.integer(value)
        else:
            text = fmt.number(value)
        # CLDR puts a no-break space in "12,4 %"; a terminal shows a plain one.
        return text.replace("\u00a0", " ")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(text_cell(v, column, fmt) for v in value)
    # A newline inside a cell would break the alignment of every row after it.
    return " ".join(str(value).splitlines())


def _numeric_column(table: Table, index: int) -> bool:
    """Right-align numbers: a numeric column type, or a text column that only holds numbers."""
    if table.columns[index].type in NUMERIC_TYPES:
        return True
    values = [row[index] for row in table.rows if row[index] is not None]
    return bool(values) and all(_is_number(v) for v in values)


GAP = 2  # spaces between columns
MIN_TEXT_WIDTH = 8  # a text column is not cut narrower than this to fit the terminal


def fit_widths(widths: list[int], fixed: list[bool], width: int) -> list[int]:
    """Column widths whose line fits ``width`` characters: the widest text column gives way
    first, down to :data:`MIN_TEXT_WIDTH`; number columns (``fixed``) keep their width. If
    even that does not fit, the line is as narrow as it can be and the terminal wraps it."""
    out = list(widths)
    total = sum(out) + GAP * (len(out) - 1)
    while total > width:
        shrinkable = [i for i, w in enumerate(out) if not fixed[i] and w > MIN_TEXT_WIDTH]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda k: (out[k], -k))
        # Down to the next widest column, or by what is still too much, whichever is less.
        next_widest = max((out[k] for k in shrinkable if k != i), default=MIN_TEXT_WIDTH)
        target = min(out[i] - 1, max(MIN_TEXT_WIDTH, next_widest, out[i] - (total - width)))
        total -= out[i] - target
        out[i] = target
    return out


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the cut marked with ``…``."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "\u2026"


def _render_table(table: Table, fmt: Formatter, width: int | None = None) -> list[str]:
    header = [fmt.heading(c) for c in table.columns]
    cells = [[text_cell(v, c, fmt) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    right = [_numeric_column(table, i) for i in range(len(table.columns))]
    if width is not None:
        widths = fit_widths(widths, right, width)

    def line(values: Sequence[str]) -> str:
        parts = [
            clip(v, w).rjust(w) if r else clip(v, w).ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    title = fmt.column(table.title) + (f" ({table.unit})" if table.unit else "")
    if width is not None:
        title = clip(title, width)
    return [title, line(header), "  ".join("-" * w for w in widths), *map(line, cells)]


def table_text(table: Table, width: int | None = None, lang: str = "en") -> str:
    """One table as the ``table`` format prints it, for listings outside reports."""
    from goaltrack.render.i18n import Formatter

    return "\n".join(_render_table(table, Formatter(lang), width))


class TableFormat(OutputFormat):
    """Aligned plain-text tables for the terminal, one per table of the report. With
    ``options.width`` (the command line sets the terminal's) the widest text columns are
    cut, marked ``…``, until a line fits; numbers are never cut."""

    name = "table"
    extension = "txt"
    media_type = "text/plain; charset=utf-8"
    description = "Aligned plain-text tables (the default on a terminal)."

    def render(self, report: Report, options: RenderOptions) -> str:
        fmt = _formatter(options)
        if not report.tables:
            return f"{fmt.title(report.title)}\n"
        blocks = ["\n".join(_render_table(t, fmt, options.width)) for t in report.tables]
        return "\n\n".join(blocks) + "\n"


class JsonFormat(OutputFormat):
    """The report's data as JSON, key order as built, so equal data gives equal bytes."""

    name = "json"
    extension = "json"
    media_type = "application/json"
    description = "The report's full data as JSON."

    def render(self, report: Report, options: RenderOptions) -> str:
        # allow_nan=False: NaN and Infinity are not JSON; failing beats writing a file that
        # strict parsers reject.
        return (
            json.dumps(report.data, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False)
            + "\n"
        )


# What a spreadsheet reads as a number rather than a formula, so it needs no neutralising.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
# = + - @ start formulas in Excel, LibreOffice and Google Sheets; tab and carriage return can
# smuggle one past a naive check (OWASP "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str | int | float | Decimal:
    """A cell for :mod:`csv`: numbers stay numbers (a whole float without ``.0``, others in
    their shortest exact form), text that could run as a formula is prefixed with ``'``
    (which spreadsheets show as text and do not display)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        assert isinstance(value, int | float | Decimal)
        if isinstance(value, float):
            if not math.isfinite(value):
                return ""  # NaN and infinity are no numbers a spreadsheet reads
            if value.is_integer() and abs(value) < 2**53:
                return int(value)
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvFormat(OutputFormat):
    """The report's tables as CSV: column keys as the header and coded values as codes, for
    machines; with a language asked for (``--lang``, or config ``[reports] lang``) the
    header and the coded values are in that language instead, for people. Numbers are
    always plain numbers (``1234.5``), so every program reads them."""

    name = "csv"
    extension = "csv"
    media_type = "text/csv; charset=utf-8"
    description = ("Tables as CSV (column keys as header, or labels with --lang; several tables each after "
                   "a # line).")

    def render(self, report: Report, options: RenderOptions) -> str:
        if not report.tables:
            raise UsageError(f"the {report.kind} report has no tables to write as CSV; use --format json")
        out = io.StringIO()
        # "\n" everywhere, like the "# name" lines we write ourselves, so a file never mixes
        # line endings.
        writer = csv.writer(out, lineterminator="\n")
        several = len(report.tables) > 1
        words = _formatter(options) if options.lang_asked else None
        for i, table in enumerate(report.tables):
            if several:
                if i:
                    out.write("\n")
                out.write(f"# {table.name if words is None else words.column(table.title)}\n")
            # Keys can be plan codes (matrix columns): neutralised like any other text.
            columns = table.columns
            writer.writerow([csv_cell(c.key if words is None else words.heading(c)) for c in columns])
            writer.writerows([csv_cell(v if words is None else words.coded(v, c))
                              for v, c in zip(row, columns, strict=True)] for row in table.rows)
        return out.getvalue()


@hookimpl
def register_output_formats(register: Callable[[OutputFormat], None]) -> None:
    register(TableFormat())
    register(JsonFormat())
    register(CsvFormat())


__all__ = [
    "CsvFormat",
    "JsonFormat",
    "TableFormat",
    "csv_cell",
    "register_output_formats",
    "text_cell",
]
