"""The ``jobindsats`` and ``statbank`` data sources.

Both read a semicolon-separated export row by row (never the whole file), find the header
row (title lines above it are skipped), keep the rows of the chosen area that pass the
``where`` filters, and turn each mapped measure of such a row into a
:class:`~goaltrack.interfaces.SourceRow`:

- ``jobindsats``: one column per measure, named by its full label (``Antal personer``,
  ``Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse: Faktisk antal``);
  every other column is the area, the period or a dimension (``Køn``, ``Ydelsesgrupper``...).
- ``statbank``: one value column (``INDHOLD``); the measure is what the row's other variables
  say (``YDELSESTYPE`` = ``Kontanthjælp``...), so a label is matched against those values.

Values are checked here (a mapped measure whose cell is not a number is a
:class:`~goaltrack.interfaces.RejectedRow` with its line) but handed on as the text found:
goaltrack parses decimal commas itself. ``..`` becomes a missing value with the reason
``suppressed ('..')``. Period codes are passed on unchanged (goaltrack normalises ``2021M03``,
``2021Q1``, ``2021K1``, ``2021``, ``2021Y01`` and keeps ``QMAT`` codes raw). Unmapped measures
and rows of other areas or dimension values are skipped, not reported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, ClassVar

from goaltrack.errors import DataError, UsageError
from goaltrack.interfaces import DataSource, RejectedRow, SourceRow
from goaltrack.values.numbers import parse_number
from goaltrack_jobindsats.areas import AreaFilter
from goaltrack_jobindsats.mapping import MapEntry, Settings, normalise_key, parse_settings

PERIOD_COLUMNS = ("periode", "period", "tid", "time")
AREA_COLUMNS = (
    "område", "omraade", "omrade", "area", "kommune", "komk", "bopkom", "bopomr", "region",
)
VALUE_COLUMNS = ("indhold", "value", "værdi")
HEADER_SEARCH = 20
#: Cells of a dimension's column that mean "all of them": the total, not a breakdown.
TOTAL_MARKS = frozenset({"i alt", "total", "alle", "in total", "all"})
"""How many lines may stand above the header row (a table title, a query description)."""
FIELD_LIMIT = 64 * 1024
"""A longer field is refused with its line number rather than held in memory."""
_TRACK_LIMIT = 1000
"""At most this many distinct areas / measure keys are remembered for error messages."""

_AMBIGUOUS = re.compile(r"[+\-\u2212]?[1-9][0-9]{0,2}\.[0-9]{3}(?:\s*(?:%|pct\.?))?", re.IGNORECASE)
_PERCENT_SUFFIX = re.compile(r"\s*(?:%|pct\.?)\Z", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_CODE_HEAD = re.compile(r"[^\sa-zæøå]+")  # a Statistikbanken value code: no lower-case letters


class _Bad(Exception):
    """A mapped value that cannot be imported; the message goes into a RejectedRow."""


_SKIP = object()


def _open(path: Path, encoding: str) -> IO[str]:
    try:
        return path.open("r", encoding=encoding, errors="strict", newline="")
    except LookupError:
        raise UsageError(f"-O encoding={encoding!r}: unknown text encoding") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a file") from None
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _plain(value: float) -> str:
    """``7332.0`` -> ``7332``, ``0.1`` -> ``0.1``: text every goaltrack reads the same way."""
    text = f"{Decimal(repr(value)).normalize():f}"
    return "0" if text in ("-0", "") else text


class _Matcher:
    """Does a cell hold the wanted dimension value? Case and spacing do not matter; with
    ``codes`` a Statistikbanken ``CodeAndValue`` cell (``TOT I alt``) matches its code or
    its text."""

    def __init__(self, wanted: str, codes: bool) -> None:
        self.wanted = normalise_key(wanted)
        self.codes = codes
        self._cache: dict[str, bool] = {}

    def __call__(self, cell: str) -> bool:
        hit = self._cache.get(cell)
        if hit is None:
            key = normalise_key(cell)
            hit = key == self.wanted
            if not hit and self.codes and " " in key:
                head, tail = cell.strip().split(None, 1)
                hit = bool(_CODE_HEAD.fullmatch(head)) and self.wanted in (
                    normalise_key(head), normalise_key(tail),
                )
            if len(self._cache) < _TRACK_LIMIT:
                self._cache[cell] = hit
        return hit


@dataclass
class _Target:
    """A mapping compiled against the file's header."""

    entry: MapEntry
    value_idx: int
    where: tuple[tuple[int, _Matcher], ...]
    note_idx: tuple[int, ...]
    label: str = ""  # the measure label as the file writes it (jobindsats)
    hits: int = 0

    def wanted(self, row: Sequence[str]) -> bool:
        return all(match(row[i]) for i, match in self.where)


class _Compiled:
    """The mappings of one read, compiled against the file's header (per read, so one source
    object can read several files at once)."""

    def __init__(self, targets: list[_Target]) -> None:
        self.targets = targets

    def keyed(self, row: Sequence[str]) -> list[tuple[_Target, str]]:
        """The targets this row feeds, each with the measure label to report."""
        return [(t, t.label or t.entry.label) for t in self.targets if not t.where or t.wanted(row)]

    def hint(self, target: _Target) -> str:
        """More words for "this mapping matched no row"."""
        return ""


@dataclass
class _Layout:
    """Where things are in this file's rows."""

    header: list[str]
    period_idx: int
    area_idx: int | None
    dimension_idx: tuple[tuple[str, int], ...] = ()  # (dimension code, column) of -O dimension.DIM

    @property
    def width(self) -> int:
        return len(self.header)


class ExportSource(DataSource):
    """What the Jobindsats and Statistikbanken sources share: options, streaming, checks."""

    statbank: ClassVar[bool] = False
    publisher: ClassVar[str] = ""

    def read(self, path: Path, options: Mapping[str, str]) -> Iterator[SourceRow | RejectedRow]:
        # Options are checked now, so a bad one fails before the file is opened.
        settings = parse_settings(options, source=self.name, statbank=self.statbank)
        area = AreaFilter(settings.area) if settings.area else None
        return self._rows(path, settings, area)

    # ------------------------------------------------------------------ the file

    def _rows(
        self, path: Path, settings: Settings, area: AreaFilter | None
    ) -> Iterator[SourceRow | RejectedRow]:
        csv.field_size_limit(FIELD_LIMIT)
        with _open(path, settings.encoding) as fh:
            reader = csv.reader(fh, delimiter=settings.delimiter, strict=True)
            rows = self._guarded(reader, path, settings)
            header = self._find_header(rows, path, settings)
            layout = self._layout(header, path, settings, area)
            self._filters(settings.where, header, path, "a where filter")
            compiled = self._compile(header, layout, path, settings)
            yield from self._process(rows, reader, path, settings, area, layout, compiled)

    def _guarded(self, reader: Iterator[list[str]], path: Path, settings: Settings) -> Iterator[list[str]]:
        """The reader's rows; decoding and CSV errors become one DataError naming the line."""
        line_num = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                hint = (
                    "; files saved by Excel are often Windows-1252: try -O encoding=cp1252"
                    if settings.encoding == "utf-8-sig" else ""
                )
                raise DataError(
                    f"{path}:{line_num + 1}: not valid {settings.encoding.removesuffix('-sig')} "
                    f"text ({exc.reason}){hint}"
                ) from None
            except csv.Error as exc:
                raise DataError(f"{path}:{line_num + 1}: malformed CSV ({exc})") from None
            line_num = getattr(reader, "line_num", line_num + 1)
            yield row

    def _find_header(self, rows: Iterator[list[str]], path: Path, settings: Settings) -> list[str]:
        wanted = (
            (normalise_key(settings.period_column),) if settings.period_column else PERIOD_COLUMNS
        )
        first = None
        for _ in range(HEADER_SEARCH):
            row = next(rows, None)
            if row is None:
                break
            if first is None and any(c.strip() for c in row):
                first = row
            if any(normalise_key(c) in wanted for c in row):
                return [c.replace("\ufeff", "").strip() for c in row]
        if first is None:
            raise DataError(f"{path}: the file is empty (expected a {self.publisher} CSV export)")
        names = settings.period_column or "Periode, Period, Tid or TID"
        hint = ""
        if len(first) == 1 and ("," in first[0] or "\t" in first[0]):
            sep = "," if "," in first[0] else "tab"
            hint = f"; the file does not seem to be ';'-separated: try -O delimiter={sep}"
        raise DataError(
            f"{path}: no header row with a period column ({names}) in the first "
            f"{HEADER_SEARCH} lines{hint}; name the column with -O period-column=NAME"
        )

    def _index(self, header: list[str], name: str | None, candidates: Sequence[str]) -> int | None:
        keys = [normalise_key(h) for h in header]
        for key in (normalise_key(name),) if name else candidates:
            if key in keys:
                return keys.index(key)
        return None

    def _layout(self, header: list[str], path: Path, settings: Settings,
                area: AreaFilter | None) -> _Layout:
        period_idx = self._index(header, settings.period_column, PERIOD_COLUMNS)
        assert period_idx is not None  # _find_header found it
        area_idx = self._index(header, settings.area_column, AREA_COLUMNS)
        if area_idx is None and settings.area_column:
            raise DataError(
                f"{path}: no column {settings.area_column!r} (-O area-column); "
                f"columns: {', '.join(header)}"
            )
        if area_idx is None and area is not None:
            raise DataError(
                f"{path}: -O area={settings.area} but the file has no area column "
                f"(looked for Område, Area, OMRÅDE, KOMK...; columns: {', '.join(header)}); "
                "name it with -O area-column=NAME, or drop -O area for a one-area file"
            )
        dims = []
        for dim, column in settings.dimensions:
            idx = self._index(header, column, ())
            if idx is None or idx in (period_idx, area_idx):
                raise DataError(f"{path}: -O dimension.{dim}={column!r} names no column of the file "
                                f"other than period and area (columns: {', '.join(header)})")
            dims.append((dim, idx))
        return _Layout(header, period_idx, area_idx, tuple(dims))

    def _filters(self, where: Sequence[tuple[str, str]], header: list[str], path: Path,
                 origin: str) -> tuple[tuple[int, _Matcher], ...]:
        out = []
        for column, value in where:
            idx = self._index(header, column, ())
            if idx is None:
                raise DataError(
                    f"{path}: {origin} names the column {column!r}, which the file does not "
                    f"have (columns: {', '.join(header)})"
                )
            out.append((idx, _Matcher(value, codes=self.statbank)))
        return tuple(out)

    def _compile(self, header: list[str], layout: _Layout, path: Path,
                 settings: Settings) -> _Compiled:
        raise NotImplementedError

    @staticmethod
    def _merged_where(settings: Settings, entry: MapEntry) -> list[tuple[str, str]]:
        """The filters a mapping applies: the global ones, with the mapping's own filter
        replacing a global one on the same column."""
        merged = {normalise_key(c): (c, v) for c, v in settings.where}
        merged.update((normalise_key(c), (c, v)) for c, v in entry.where)
        return list(merged.values())

    # ------------------------------------------------------------------ the rows

    def _process(
        self,
        rows: Iterator[list[str]],
        reader: object,
        path: Path,
        settings: Settings,
        area: AreaFilter | None,
        layout: _Layout,
        compiled: _Compiled,
    ) -> Iterator[SourceRow | RejectedRow]:
        width = layout.width
        period_idx, area_idx, dim_idx = layout.period_idx, layout.area_idx, layout.dimension_idx
        areas_seen: dict[str, int] = {}
        first_area: tuple[str, int] | None = None
        data_rows = area_rows = 0
        delimiter = settings.delimiter
        for row in rows:
            line = int(getattr(reader, "line_num", 0))
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != width:
                if len(row) == 1:
                    continue  # a note under the table, such as "Kilde: Jobindsats.dk"
                yield RejectedRow(line, f"expected {width} fields, found {len(row)}",
                                  delimiter.join(row)[:200])
                continue
            data_rows += 1
            if area_idx is not None:
                cell = row[area_idx]
                if area is not None:
                    if not area(cell):
                        if len(areas_seen) < _TRACK_LIMIT:
                            areas_seen.setdefault(cell.strip(), line)
                        continue
                    area_rows += 1
            hits = compiled.keyed(row)
            if not hits:
                continue
            if area_idx is not None and area is None:
                here = row[area_idx].strip()
                if first_area is None:
                    first_area = (here, line)
                elif here != first_area[0]:
                    raise DataError(
                        f"{path}:{line}: the file holds rows for more than one area "
                        f"({first_area[0]!r} on line {first_area[1]}, {here!r} on line {line}); "
                        "choose one with -O area=CODE or -O area=NAME (e.g. -O area=326)"
                    )
            period = row[period_idx].strip()
            # A dimension's "I alt" (or "Total") row is the total: no breakdown on it.
            dims = {d: ("" if row[i].strip().casefold() in TOTAL_MARKS else row[i].strip())
                    for d, i in dim_idx} if dim_idx else None
            for target, label in hits:
                target.hits += 1
                try:
                    value, missing = self._value(row[target.value_idx], settings)
                except _Bad as exc:
                    yield RejectedRow(line, f"{label}: {exc}", delimiter.join(row)[:200])
                    continue
                if value is _SKIP:
                    continue
                yield SourceRow(
                    line,
                    target.entry.indicator,
                    period,
                    value,  # type: ignore[arg-type]
                    missing,
                    self._note(row, layout, target),
                    self._title(label, settings),
                    dimensions=dims,
                )
        if area is not None and data_rows and not area_rows:
            seen = ", ".join(sorted(areas_seen)[:15])
            raise DataError(
                f"{path}: no row for area {area.describe()!r} (-O area={settings.area}); "
                f"areas in the file: {seen or 'none'}"
            )
        if data_rows and (area is None or area_rows):
            for target in compiled.targets:
                if not target.hits:
                    raise DataError(self._unmatched(path, target, settings, area) + compiled.hint(target))

    def _unmatched(self, path: Path, target: _Target, settings: Settings,
                   area: AreaFilter | None) -> str:
        entry = target.entry
        filters = self._merged_where(settings, entry)
        parts = [f"{path}: the mapping {entry.label!r} -> {entry.indicator} ({entry.origin}) "
                 "matched no row"]
        if filters:
            parts.append(" with " + ", ".join(f"{c}={v!r}" for c, v in filters))
        if area is not None:
            parts.append(f" of area {area.describe()!r}")
        return "".join(parts)

    def _value(self, raw: str, settings: Settings) -> tuple[object, str | None]:
        """``(value, missing)`` for a mapped cell, ``(_SKIP, None)`` to drop it; raise _Bad."""
        text = raw.strip()
        if _DIGITS.fullmatch(text):
            return text, None  # by far the most common cell
        if text in settings.missing_marks:
            return None, f"suppressed ({text!r})"
        if not text:
            if settings.empty == "missing":
                return None, "no value in the source (empty cell)"
            if settings.empty == "skip":
                return _SKIP, None
            raise _Bad(
                "empty value (use -O empty=missing to record it as missing, "
                "or -O empty=skip to leave it out)"
            )
        try:
            number = parse_number(text, decimal=settings.decimal, allow_percent=True)  # type: ignore[arg-type]
        except DataError as exc:
            raise _Bad(exc.message) from None
        if settings.decimal == "auto":
            if _AMBIGUOUS.fullmatch(text):
                danish = parse_number(text, decimal=",", allow_percent=True)
                raise _Bad(
                    f"ambiguous number {_quote(text)}: Danish thousands ({_plain(danish)}) "
                    f"or English decimals ({_plain(number)})? Say which with -O decimal=, "
                    "or -O decimal=."
                )
            return text, None
        # An explicit decimal mark: hand on the text unless goaltrack (which reads numbers in
        # auto mode) would read it differently, e.g. Danish "7.332" (7332).
        try:
            auto = parse_number(text, allow_percent=True)
        except DataError:
            auto = None
        if auto == number:
            return text, None
        suffix = "%" if _PERCENT_SUFFIX.search(text) else ""
        return _plain(number) + suffix, None

    def _title(self, label: str, settings: Settings) -> str:
        if settings.source:
            return settings.source
        table = f" {settings.table}" if settings.table else ""
        return f"{self.publisher}{table}: {label}"

    def _note(self, row: Sequence[str], layout: _Layout, target: _Target) -> str | None:
        parts = []
        for i in target.note_idx:
            cell = row[i].strip()
            if cell:
                parts.append(f"{layout.header[i]}: {cell}")
        return "; ".join(parts) or None


class JobindsatsSource(ExportSource):
    name = "jobindsats"
    description = (
        "Jobindsats.dk CSV export (';', one column per measure with its full label); "
        "-O map='LABEL=INDICATOR', -O area=326, -O where='COLUMN=VALUE', -O mapping=FILE.toml."
    )
    publisher = "Jobindsats"

    def _compile(self, header: list[str], layout: _Layout, path: Path,
                 settings: Settings) -> _Compiled:
        fixed = {layout.period_idx, layout.area_idx, *(i for _, i in layout.dimension_idx)}
        targets = []
        for entry in settings.entries:
            idx = None if entry.wildcard else self._index(header, entry.label, ())
            if idx is None or idx in fixed:
                measures = [h for i, h in enumerate(header) if i not in fixed]
                raise DataError(
                    f"{path}: {entry.origin} maps the measure {entry.label!r}, which is not a "
                    f"column of the file (columns: {', '.join(measures)}); "
                    "write -O map='MEASURE LABEL=INDICATOR'"
                )
            where = self._filters(self._merged_where(settings, entry), header, path, entry.origin)
            note_cols = [layout.area_idx, *(i for i, _ in where)]
            note_idx = tuple(dict.fromkeys(i for i in note_cols if i is not None))
            targets.append(_Target(entry, idx, where, note_idx, header[idx]))
        return _Compiled(targets)


class _StatbankCompiled(_Compiled):
    """Statistikbanken rows carry one value; the measure is what their variables say."""

    def __init__(self, targets: list[_Target], measure_idx: tuple[int, ...], value_name: str) -> None:
        super().__init__(targets)
        self.measure_idx = measure_idx
        self.value_name = value_name
        self.keys_seen: dict[str, None] = {}
        self.by_key: dict[str, list[_Target]] = {}
        self.wildcards = [t for t in targets if t.entry.wildcard]
        for t in targets:
            if not t.entry.wildcard:
                self.by_key.setdefault(normalise_key(t.entry.label), []).append(t)

    def key(self, row: Sequence[str]) -> str:
        if not self.measure_idx:
            return self.value_name  # only area, period and value: the table's one measure
        return ", ".join(row[i].strip() for i in self.measure_idx)

    def keyed(self, row: Sequence[str]) -> list[tuple[_Target, str]]:
        key = self.key(row)
        if len(self.keys_seen) < _TRACK_LIMIT:
            self.keys_seen[key] = None
        found = self.by_key.get(normalise_key(key), ())
        return [(t, key) for t in (*found, *self.wildcards) if not t.where or t.wanted(row)]

    def hint(self, target: _Target) -> str:
        label = normalise_key(target.entry.label)
        if target.entry.wildcard or any(normalise_key(k) == label for k in self.keys_seen):
            return ""
        what = (
            "the value of -O measure-column" if len(self.measure_idx) == 1
            else "the row's variables other than area, period and value, joined with ', '"
        )
        examples = "; ".join(repr(k) for k in list(self.keys_seen)[:8])
        return f"; a statbank measure label is {what}, e.g. {examples}"


class StatbankSource(ExportSource):
    name = "statbank"
    description = (
        "Danmarks Statistik (Statistikbanken) CSV (';', value column INDHOLD, '..' suppressed); "
        "-O map='VALUE[, VALUE...]=INDICATOR' matches the row's variables; -O area=326."
    )
    publisher = "Danmarks Statistik"
    statbank = True

    def _compile(self, header: list[str], layout: _Layout, path: Path,
                 settings: Settings) -> _Compiled:
        value_idx = self._index(header, settings.value_column, VALUE_COLUMNS)
        if value_idx is None:
            raise DataError(
                f"{path}: no value column {settings.value_column or 'INDHOLD'!r} "
                f"(columns: {', '.join(header)}); name it with -O value-column=NAME"
            )
        # A variable mapped to a dimension is the value's breakdown, not part of its measure.
        fixed = {layout.period_idx, layout.area_idx, value_idx, *(i for _, i in layout.dimension_idx)}
        dims = tuple(i for i in range(len(header)) if i not in fixed)
        measure_idx = dims
        if settings.measure_column:
            idx = self._index(header, settings.measure_column, ())
            if idx is None or idx in fixed:
                raise DataError(
                    f"{path}: -O measure-column={settings.measure_column!r} is not a variable "
                    f"of the file (variables: {', '.join(header[i] for i in dims)})"
                )
            measure_idx = (idx,)
        note_idx = tuple(i for i in (layout.area_idx, *dims) if i is not None)
        targets = [
            _Target(entry, value_idx,
                    self._filters(self._merged_where(settings, entry), header, path, entry.origin),
                    note_idx)
            for entry in settings.entries
        ]
        return _StatbankCompiled(targets, measure_idx, header[value_idx])


__all__ = ["ExportSource", "JobindsatsSource", "StatbankSource"]
