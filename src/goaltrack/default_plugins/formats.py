"""Built-in output formats: ``table`` (for the terminal), ``json`` and ``csv`` (for machines).

Registered through :func:`register_output_formats` exactly as a third-party plugin would be;
nothing in the core knows these names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from goaltrack.errors import UsageError
from goaltrack.hookspecs import hookimpl
from goaltrack.interfaces import Column, OutputFormat, RenderOptions, Report, Table
from goaltrack.numbers import format_number

NUMERIC_TYPES = ("int", "number", "percent")

_LANGS = ("en", "da")
_YES_NO = {"en": ("yes", "no"), "da": ("ja", "nej")}


def _lang(options: RenderOptions) -> str:
    # Labels and number styles exist for da and en; anything else falls back to English
    # rather than failing a report over its language.
    base = options.lang.replace("-", "_").split("_")[0].lower()
    return base if base in _LANGS else "en"


def _is_number(value: object) -> bool:
    # bool is an int subclass, but True is not the number 1 in a report.
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text_cell(value: object, column: Column, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = _YES_NO[lang]
        return yes if value else no
    if _is_number(value):
        assert isinstance(value, int | float | Decimal)
        number = float(value) if isinstance(value, Decimal) else value
        text = format_number(number, lang, decimals=0 if column.type == "int" else None)
        if column.type == "percent":  # values are in percent points: 12.4 means 12.4 %
            text += " %" if lang == "da" else "%"
        return text
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_text_cell(v, column, lang) for v in value)
    # A newline inside a cell would break the alignment of every row after it.
    return " ".join(str(value).splitlines())


def _numeric_column(table: Table, index: int) -> bool:
    """Right-align numbers: a numeric column type, or a text column that only holds numbers."""
    if table.columns[index].type in NUMERIC_TYPES:
        return True
    values = [row[index] for row in table.rows if row[index] is not None]
    return bool(values) and all(_is_number(v) for v in values)


def _render_table(table: Table, lang: str) -> list[str]:
    header = [c.label for c in table.columns]
    cells = [[_text_cell(v, c, lang) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    right = [_numeric_column(table, i) for i in range(len(table.columns))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [table.title, line(header), "  ".join("-" * w for w in widths), *map(line, cells)]


class TableFormat(OutputFormat):
    """Aligned plain-text tables for the terminal, one per table of the report."""

    name = "table"
    extension = "txt"
    media_type = "text/plain; charset=utf-8"
    description = "Aligned plain-text tables (the default on a terminal)."

    def render(self, report: Report, options: RenderOptions) -> str:
        lang = _lang(options)
        if not report.tables:
            return f"{report.title}\n"
        blocks = ["\n".join(_render_table(t, lang)) for t in report.tables]
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
    """A cell for :mod:`csv`: numbers stay numbers, text that could run as a formula is
    prefixed with ``'`` (which spreadsheets show as text and do not display)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        assert isinstance(value, int | float | Decimal)
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class CsvFormat(OutputFormat):
    """The report's tables as CSV for machines: column keys as the header, one row per row."""

    name = "csv"
    extension = "csv"
    media_type = "text/csv; charset=utf-8"
    description = "Tables as CSV (column keys as header; several tables each after a # line)."

    def render(self, report: Report, options: RenderOptions) -> str:
        if not report.tables:
            raise UsageError(f"the {report.kind} report has no tables to write as CSV; use --format json")
        out = io.StringIO()
        # "\n" everywhere, like the "# name" lines we write ourselves, so a file never mixes
        # line endings.
        writer = csv.writer(out, lineterminator="\n")
        several = len(report.tables) > 1
        for i, table in enumerate(report.tables):
            if several:
                if i:
                    out.write("\n")
                out.write(f"# {table.name}\n")
            writer.writerow([c.key for c in table.columns])
            writer.writerows([csv_cell(v) for v in row] for row in table.rows)
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
]
