"""Rendering a :class:`~goaltrack.interfaces.Report` as an XLSX workbook.

The workbook:

- a first sheet ``About``: the report's title, a visible note when the report rests on
  example data, the report's metadata (plan, content hash, language...) and a list of the
  other sheets with their titles;
- one sheet per :class:`~goaltrack.interfaces.Table`, named from ``table.name`` in every
  language (formulas refer to sheets by name; at most 31 characters, characters Excel
  forbids replaced, unique without regard to case);
- on every table sheet: the header row bold and frozen (``A2``) with an autofilter, column
  widths from the content (capped), real numbers (never numbers as text) with a number
  format by column type: ``int`` ``#,##0``; ``number`` with as many decimals as the column's
  values need, at most two (amounts in whole thousands show ``355,414``, not ``355,414.0``);
  ``percent`` ``0.0 %``. Report values of percent columns are percent points (12.4 means
  12.4 %); the cell holds the fraction (0.124), as spreadsheets expect, and shows
  ``12.4 %``. Dates are real dates. The spreadsheet shows the separators of its user's
  locale (``355.414`` in Danish);
- one language: titles, column labels, coded values (``on-track`` -> "på rette spor") and
  yes/no in the report's language, through goaltrack's catalog (``Formatter.heading``,
  ``Formatter.coded``), as in the table, Markdown and HTML formats;
- print setup on every table sheet: A4, fit to one page wide, the header row repeated on
  every printed page, landscape when the table is wide.

Formula injection: text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with ``'`` and stored as text, the same rule as goaltrack's CSV format
(text that is a plain number such as ``-5`` cannot run and is left alone). Every text cell
is stored as a string, so ``#N/A`` or ``=1+2`` never become errors or formulas. Numbers are
never touched.

Reproducible: the same report gives the same bytes. The document properties are fixed
(creator ``goaltrack``; created and modified :data:`FIXED_TIME`, or the time of
``RenderOptions.stamp`` when one is given), and the zip archive is rewritten with a fixed
timestamp on every member (openpyxl stamps members and ``docProps/core.xml`` with the
current time).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from goaltrack.interfaces import Column, OutputFormat, RenderOptions, Report, Table

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from goaltrack.render.i18n import Formatter

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Created/modified time of every workbook rendered without a stamp, and the zip members'."""

ABOUT_SHEET = "About"
NUMBER_FORMATS = {"int": "#,##0", "number": "#,##0.0#", "percent": "0.0 %"}
DECIMAL_FORMATS = ("#,##0", "#,##0.0", "#,##0.00")  # a number column, by the decimals it needs
LANDSCAPE_WIDTH = 110  # characters of column width above which a sheet prints landscape
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH = 6
MAX_WIDTH = 60
MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32_767
_HEADER_FILL = "FFE7E6E6"
_NOTE_FILL = "FFFFE699"

# Excel forbids these in sheet names; "History" is reserved.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEETS = {"history"}
# What a spreadsheet reads as a number rather than a formula (goaltrack's CSV rule).
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 cannot hold (tab, LF and CR are fine).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_LABELS = {
    "en": {
        "example": "EXAMPLE DATA: this report rests (partly) on made-up example figures, "
        "not on real measurements.",
        "report": "Report",
        "sheet": "Sheet",
        "table": "Table",
        "rows": "Rows",
        "yes": "yes",
        "no": "no",
        "meta": {
            "plan": "Plan",
            "plan_title": "Plan title",
            "organisation": "Organisation",
            "years": "Years",
            "content_hash": "Content hash",
            "language": "Plan language",
            "lang": "Report language",
            "as_of": "As of",
            "generated_at": "Generated at",
            "source": "Source",
            "currency": "Currency",
            "amount_unit": "Amount unit",
            "amount_scale": "Amount scale",
        },
    },
    "da": {
        "example": "EKSEMPELDATA: rapporten bygger (delvist) på opdigtede eksempeltal, "
        "ikke på rigtige målinger.",
        "report": "Rapport",
        "sheet": "Ark",
        "table": "Tabel",
        "rows": "Rækker",
        "yes": "ja",
        "no": "nej",
        "meta": {
            "plan": "Plan",
            "plan_title": "Plantitel",
            "organisation": "Organisation",
            "years": "År",
            "content_hash": "Indholds-hash",
            "language": "Planens sprog",
            "lang": "Rapportens sprog",
            "as_of": "Opgjort pr.",
            "generated_at": "Dannet",
            "source": "Kilde",
            "currency": "Valuta",
            "amount_unit": "Beløbsenhed",
            "amount_scale": "Beløbsskala",
        },
    },
}
# Shown first on the About sheet, in this order; other metadata follows in the report's order.
_META_FIRST = ("plan", "plan_title", "organisation", "years", "content_hash", "language", "lang",
               "as_of", "generated_at")
# Metadata that the About sheet shows in other ways, or that says nothing to a reader.
_META_HIDDEN = {"title", "report", "schema_version", "example_data", "example", "synthetic"}


# A plan's or a figure's source (goaltrack.planfile.schema.Source).
_SOURCE_KEYS = {"title", "reference", "publisher", "date"}


def _lang(options: RenderOptions) -> str:
    base = (options.lang or "en").replace("-", "_").split("_")[0].lower()
    return base if base in _LABELS else "en"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def neutralise(text: str) -> str:
    """Text as it may go into a cell: no formula start, no XML-illegal characters, not too
    long. ``"=1+2"`` -> ``"'=1+2"``; ``"-5"`` stays (goaltrack's CSV rule)."""
    text = _ILLEGAL_XML.sub("\ufffd", text)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "\u2026"
    return text


def _as_text(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return _LABELS[lang]["yes" if value else "no"]  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return "; ".join(_as_text(v, lang) for v in value)
    if isinstance(value, dict) and "title" in value and set(value) <= _SOURCE_KEYS:  # a source
        from goaltrack.planfile.schema import source_label

        return source_label(value)
    if isinstance(value, dict):
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:  # Excel has no time zones: store UTC
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def sheet_names(tables: Sequence[Table], taken: Iterable[str] = (ABOUT_SHEET,)) -> list[str]:
    """A valid, unique sheet name per table, from ``table.name`` (Excel rules: at most 31
    characters, none of ``[]:*?/\\``, no leading or trailing ``'``, unique ignoring case)."""
    used = {name.casefold() for name in taken}
    names = []
    for i, table in enumerate(tables, start=1):
        base = _SHEET_FORBIDDEN.sub("_", " ".join(str(table.name).split())).strip("'").strip()
        base = base or f"Table {i}"
        if base.casefold() in _RESERVED_SHEETS:
            base += "_"
        base = base[:MAX_SHEET_NAME].rstrip("'")
        name, n = base, 1
        while name.casefold() in used:
            n += 1
            suffix = f" ({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
        used.add(name.casefold())
        names.append(name)
    return names


class _Cell:
    """What goes into one cell: a value, its number format, and its display width."""

    __slots__ = ("fmt", "text", "value", "width")

    def __init__(self, value: Any, fmt: str | None, width: int, text: bool) -> None:
        self.value = value
        self.fmt = fmt
        self.width = width
        self.text = text


def decimals_needed(values: Iterable[object]) -> int:
    """The decimals (0, 1 or 2) the numbers among ``values`` need to show as they are, up to
    two: whole thousands need none, 12.5 one."""
    need = 0
    for value in values:
        if not _is_number(value):
            continue
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            continue
        for places in range(need, 3):
            if abs(round(number, places) - number) < 1e-9 * max(1.0, abs(number)):
                break
        need = max(need, places)
        if need == 2:
            break
    return need


def _cell(value: object, column: Column, lang: str, number_format: str | None = None) -> _Cell | None:
    if value is None:
        return None
    if _is_number(value):
        number = float(value) if isinstance(value, Decimal) else value
        assert isinstance(number, int | float)
        if isinstance(number, float) and not math.isfinite(number):
            return _Cell("n/a", None, 3, True)
        kind = column.type
        if kind == "percent":
            return _Cell(number / 100, NUMBER_FORMATS["percent"], len(f"{number:,.1f} %"), False)
        if kind == "int":
            return _Cell(number, NUMBER_FORMATS["int"], len(f"{number:,.0f}"), False)
        if kind == "number":
            fmt = number_format or NUMBER_FORMATS["number"]
            places = fmt.count("0") - 1 if "." in fmt else 0
            return _Cell(number, fmt, len(f"{number:,.{places}f}"), False)
        return _Cell(number, None, len(repr(number)), False)  # a number in a text column stays one
    if isinstance(value, dt.datetime):
        return _Cell(_naive(value), DATETIME_FORMAT, 19, False)
    if isinstance(value, dt.date):
        return _Cell(value, DATE_FORMAT, 10, False)
    if column.type == "date" and isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return _Cell(dt.date.fromisoformat(value.strip()), DATE_FORMAT, 10, False)
        except ValueError:
            pass
    text = neutralise(_as_text(value, lang))
    width = max((len(line) for line in text.splitlines()), default=0)
    return _Cell(text, None, width, True)


def _put(ws: Worksheet, row: int, col: int, cell: _Cell) -> Any:
    target = ws.cell(row=row, column=col)
    target.value = cell.value
    if cell.text:
        target.data_type = "s"  # never a formula (openpyxl infers one from "=") or an error code
    if cell.fmt:
        target.number_format = cell.fmt
    return target


def _width(chars: int) -> float:
    return float(min(MAX_WIDTH, max(MIN_WIDTH, chars + 2)))


def _stamp_time(stamp: str | None) -> dt.datetime:
    """The time a ``--stamp`` names (ISO, or goaltrack's ``2024-05-01 10:00 UTC``), in UTC;
    :data:`FIXED_TIME` without a stamp or for one that is not a time."""
    if not stamp:
        return FIXED_TIME
    text = stamp.strip()
    utc = text.upper().endswith("UTC")
    if utc:
        text = text[:-3].strip()
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return FIXED_TIME
    if utc and when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return _naive(when).replace(microsecond=0)


class XlsxFormat(OutputFormat):
    """A report as an Excel workbook: an About sheet, then one sheet per table."""

    name = "xlsx"
    extension = "xlsx"
    media_type = MEDIA_TYPE
    binary = True
    description = (
        "Excel workbook: one sheet per table, real numbers with number formats, frozen bold "
        "header, an About sheet with the report's metadata (plugin goaltrack-xlsx)."
    )

    def render(self, report: Report, options: RenderOptions) -> bytes:
        from openpyxl import Workbook

        from goaltrack.render.i18n import formatter

        lang = _lang(options)
        words = formatter(lang)  # goaltrack's catalog: the labels every other format prints
        when = _stamp_time(options.stamp)
        wb = Workbook()
        about = wb.active
        assert about is not None
        about.title = ABOUT_SHEET
        # Sheets keep the table names in every language: formulas and queries refer to them
        # (as scripts to CSV keys); the About sheet gives each its title in the language.
        names = sheet_names(report.tables)
        self._about(about, report, options, lang, names, words)
        for table, name in zip(report.tables, names, strict=True):
            self._table(wb.create_sheet(name), table, lang, words)
        props = wb.properties
        props.creator = "goaltrack"
        props.lastModifiedBy = "goaltrack"
        props.title = neutralise(words.title(report.title))[:255]
        props.subject = report.kind
        props.language = lang
        content_hash = report.meta.get("content_hash")
        props.identifier = str(content_hash) if content_hash else None
        props.created = when
        props.modified = when
        buffer = io.BytesIO()
        wb.save(buffer)
        return _reproducible(buffer.getvalue(), wb, when)

    # ------------------------------------------------------------------ sheets

    def _about(self, ws: Worksheet, report: Report, options: RenderOptions, lang: str,
               names: list[str], words: Formatter) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        labels = _LABELS[lang]
        meta_labels: dict[str, str] = labels["meta"]  # type: ignore[assignment]
        text_col = Column("value", "value")
        title = _put(ws, 1, 1, _Cell(neutralise(words.title(report.title)), None, 0, True))
        title.font = Font(bold=True, size=14)
        row = 2
        if _is_example(report):
            note = _put(ws, row, 1, _Cell(labels["example"], None, 0, True))
            note.font = Font(bold=True, color="FF9C0006")
            note.fill = PatternFill("solid", fgColor=_NOTE_FILL)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
            row += 1
        row += 1
        widths = [len(str(labels["report"])), 0, 0]

        def line(label: str, value: object) -> None:
            nonlocal row
            cell = _cell(value, text_col, lang)
            if cell is None:
                return
            _put(ws, row, 1, _Cell(neutralise(label), None, 0, True)).font = Font(bold=True)
            _put(ws, row, 2, cell).alignment = Alignment(horizontal="left")
            widths[0] = max(widths[0], len(label))
            widths[1] = max(widths[1], cell.width)
            row += 1

        line(str(labels["report"]), report.kind)
        meta = dict(report.meta)
        if options.stamp:
            meta["generated_at"] = options.stamp
        for key in (*[k for k in _META_FIRST if k in meta], *[k for k in meta if k not in _META_FIRST]):
            if key in _META_HIDDEN:
                continue
            value = meta[key]
            if value is None or value == "" or value == []:
                continue
            line(meta_labels.get(key, key), value)

        if names:
            row += 1
            head = [labels["sheet"], labels["table"], labels["rows"]]
            for col, text in enumerate(head, start=1):
                _put(ws, row, col, _Cell(str(text), None, 0, True)).font = Font(bold=True)
            row += 1
            for name, table in zip(names, report.tables, strict=True):
                _put(ws, row, 1, _Cell(neutralise(name), None, 0, True))
                table_title = words.column(table.title)
                _put(ws, row, 2, _Cell(neutralise(table_title), None, 0, True))
                _put(ws, row, 3, _Cell(len(table.rows), NUMBER_FORMATS["int"], 0, False))
                widths[0] = max(widths[0], len(name))
                widths[1] = max(widths[1], len(table_title))
                row += 1
            widths[2] = max(widths[2], len(str(labels["rows"])))
        for letter, chars in zip("ABC", widths, strict=True):
            ws.column_dimensions[letter].width = _width(chars)

    def _table(self, ws: Worksheet, table: Table, lang: str, words: Formatter) -> None:
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor=_HEADER_FILL)
        widths = []
        formats = [DECIMAL_FORMATS[decimals_needed(row[i] for row in table.rows)] if c.type == "number" else None
                   for i, c in enumerate(table.columns)]
        for col, column in enumerate(table.columns, start=1):
            label = neutralise(words.heading(column))
            cell = _put(ws, 1, col, _Cell(label, None, 0, True))
            cell.font = bold
            cell.fill = fill
            widths.append(max((len(x) for x in label.splitlines()), default=0))
        width = len(table.columns)
        for r, values in enumerate(table.rows, start=2):
            if len(values) != width:
                raise ValueError(
                    f"table {table.name!r} row {r - 1} has {len(values)} values for {width} columns"
                )
            for c, (value, column) in enumerate(zip(values, table.columns, strict=True), start=1):
                cell = _cell(words.coded(value, column), column, lang, formats[c - 1])
                if cell is None:
                    continue
                _put(ws, r, c, cell)
                if cell.width > widths[c - 1]:
                    widths[c - 1] = cell.width
        for c, chars in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = _width(chars)
        ws.freeze_panes = "A2"
        if table.columns:
            last = get_column_letter(width)
            ws.auto_filter.ref = f"A1:{last}{max(1, len(table.rows) + 1)}"
        _print_setup(ws, sum(_width(w) for w in widths))


def _print_setup(ws: Worksheet, width: float) -> None:
    """A4, one page wide however long, the header row on every page, landscape if wide."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if width > LANDSCAPE_WIDTH else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.print_title_rows = "1:1"


def _is_example(report: Report) -> bool:
    meta = report.meta
    if any(meta.get(k) for k in ("example_data", "example", "synthetic")):
        return True
    return isinstance(report.data, dict) and bool(report.data.get("example_data"))


def _reproducible(data: bytes, wb: Any, when: dt.datetime) -> bytes:
    """The workbook's zip with a fixed timestamp on every member and the document
    properties' times restored (``Workbook.save`` sets ``modified`` to now)."""
    from openpyxl.xml.functions import tostring

    wb.properties.modified = when
    wb.properties.created = when
    core = tostring(wb.properties.to_tree())
    stamp = max(when, dt.datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = core
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 3
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, member, compresslevel=6)
    return out.getvalue()


__all__ = ["FIXED_TIME", "MEDIA_TYPE", "XlsxFormat", "decimals_needed", "neutralise", "sheet_names"]
