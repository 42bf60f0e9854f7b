"""Built-in data sources: ``csv`` and ``jsonl``.

Both stream their file and yield one :class:`SourceRow` per record; values stay text, and
the importer parses them against each indicator's unit.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from goaltrack import hookimpl
from goaltrack.errors import DataError
from goaltrack.interfaces import DataSource, RejectedRow, SourceRow

REQUIRED = ("indicator", "period", "value")
OPTIONAL = ("note", "source", "recorded_by", "missing")
# One CSV field may not exceed this; a 1 MB line of garbage is refused with its line number
# instead of being held in memory.
FIELD_LIMIT = 64 * 1024
# Lines end at LF (or CRLF); a carriage return alone ended lines on classic Mac OS and still
# does in some exports. Read as one line, such a file would be one huge row: say what it is.
BARE_CR = (
    "a line ends with a carriage return (CR) alone, as in old Mac files; "
    "save the file with LF or CRLF line endings"
)


class Utf8Lines:
    """A UTF-8 file read one line at a time: ``readline()``, iteration, ``with``.

    Lines end at ``\n`` only (``\r\n`` is left for the csv module). ``codecs`` readers and
    ``str.splitlines()`` also end a line at U+2028, U+0085 (NEL), form feeds and other
    separators that a CSV field or a JSON string may hold, which split a record in two. Each
    line is decoded on its own, so a byte that is not UTF-8 raises on its own line, and the
    byte-order mark of the first line is dropped.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._first = True

    def readline(self) -> str:
        raw = self._handle.readline()
        if self._first:
            self._first = False
            raw = raw.removeprefix(codecs.BOM_UTF8)
        return raw.decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def rest(self) -> Iterator[str]:
        """The lines not read yet, as :meth:`readline` gives them, decoded in C (``map``)."""
        lines: Iterator[str] = map(bytes.decode, self._handle)
        if self._first:
            first = self.readline()
            return itertools.chain([first] if first else [], lines)
        return lines

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Utf8Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_text(path: Path) -> Utf8Lines:
    """Open ``path`` as UTF-8 text, dropping a byte-order mark; errors name the file."""
    try:
        handle = path.open("rb")
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a file") from None
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from None
    return Utf8Lines(handle)


def _names(names: list[str], limit: int = 8) -> str:
    """Column names for a message: a few, each cut short (a header may be one 1 MB line)."""
    shown = [n if len(n) <= 40 else n[:37] + "..." for n in names[:limit]]
    return ", ".join(shown) + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def sniff_delimiter(first_line: str) -> str:
    """``;`` or ``,``, whichever the header uses; Danish exports use ``;``."""
    semis, commas = first_line.count(";"), first_line.count(",")
    if semis == 0 and commas == 0:
        return ","
    return ";" if semis >= commas else ","


class CsvSource(DataSource):
    name = "csv"
    description = (
        "CSV with a header row: indicator,period,value (+ note,source,recorded_by,missing); "
        "',' or ';' separated; decimal comma accepted; UTF-8 with or without BOM. "
        "Columns holding dimension values: -O dimension.DIM=COLUMN (or -O dimensions=DIM,... for "
        "columns named as the dimensions)."
    )

    def read(self, path: Path, options: Mapping[str, str]) -> Iterator[SourceRow | RejectedRow]:
        make = SourceRow._make
        for item in self.read_tuples(path, options):
            yield item if type(item) is RejectedRow else make(item)

    def read_tuples(self, path: Path, options: Mapping[str, str]) -> Iterator[tuple[Any, ...] | RejectedRow]:
        """:meth:`read`, but each row a plain tuple in :class:`SourceRow`'s field order.

        The importer uses this when a source has it: a million rows are a million named
        tuples fewer. Lines are decoded by ``map(bytes.decode, ...)``, in C, one line at a time
        as :class:`Utf8Lines` does (so a bad byte is still reported on its own line).
        """
        csv.field_size_limit(FIELD_LIMIT)
        with open_text(path) as fh:
            try:
                header_line = fh.readline()
            except UnicodeDecodeError as exc:
                raise DataError(f"{path}:1: not valid UTF-8 ({exc.reason}); save the file as UTF-8") from None
            if not header_line.strip():
                raise DataError(f"{path}:1: the file is empty (expected a header row: indicator,period,value)")
            if "\r" in header_line.rstrip("\r\n"):
                raise DataError(f"{path}:1: {BARE_CR}")
            delimiter = options.get("delimiter") or sniff_delimiter(header_line)
            try:
                header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter))]
            except csv.Error as exc:  # e.g. a 1 MB first line: a field over FIELD_LIMIT
                raise DataError(f"{path}:1: malformed CSV header: {exc}") from None
            dim_columns = _check_header(path, header, options)
            idx = {name: header.index(name) for name in header}
            width = len(header)
            i_ind, i_per, i_val = idx["indicator"], idx["period"], idx["value"]
            i_note, i_src, i_by, i_miss = (idx.get(k) for k in ("note", "source", "recorded_by", "missing"))
            reader = csv.reader(fh.rest(), delimiter=delimiter, strict=True)
            i_dims = [(dim, idx[col]) for dim, col in dim_columns.items()]
            plain = i_note is None and i_src is None and i_by is None and i_miss is None and not i_dims
            line = 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    bare_cr = "new-line character seen in unquoted field" in str(exc)
                    why = BARE_CR if bare_cr else f"malformed CSV: {exc}"
                    yield RejectedRow(reader.line_num + 1, why)
                    break
                except UnicodeDecodeError as exc:
                    yield RejectedRow(line + 1, f"not valid UTF-8 ({exc.reason})")
                    break
                line = reader.line_num + 1  # the header was read before the reader started
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    yield RejectedRow(line, f"expected {width} fields, found {len(row)}", delimiter.join(row)[:200])
                    continue
                if plain:  # only indicator, period, value: most files, so the short way
                    yield (line, row[i_ind].strip(), row[i_per].strip(), row[i_val].strip(), None, None, None, None)
                    continue
                yield (
                    line,
                    row[i_ind].strip(),
                    row[i_per].strip(),
                    row[i_val].strip(),
                    (row[i_miss].strip() or None) if i_miss is not None else None,
                    (row[i_note] or None) if i_note is not None else None,
                    (row[i_src] or None) if i_src is not None else None,
                    (row[i_by] or None) if i_by is not None else None,
                    {dim: row[i].strip() for dim, i in i_dims} if i_dims else None,
                )


def _check_header(path: Path, header: list[str], options: Mapping[str, str]) -> dict[str, str]:
    """A CSV header's problems, as one DataError at line 1; else the dimension columns
    (:func:`dimension_columns`) the options ask for."""
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(
            f"{path}:1: header must name the columns indicator, period and value "
            f"(missing: {', '.join(missing)}; found: {_names(header) or 'nothing'})"
        )
    dim_columns = dimension_columns(options)
    absent = [c for c in dim_columns.values() if c not in header]
    if absent:
        raise DataError(f"{path}:1: no column {_names(absent)} for the dimension(s) asked for "
                        f"(found: {_names(header)})")
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL and h not in dim_columns.values()]
    if unknown:
        raise DataError(
            f"{path}:1: unknown column(s) {_names(unknown)} "
            f"(known: {', '.join(REQUIRED + OPTIONAL)}; a dimension's column needs "
            "-O dimension.DIM=COLUMN)"
        )
    repeated = [name for name, n in Counter(header).items() if n > 1]
    if repeated:
        raise DataError(f"{path}:1: column(s) named more than once: {_names(repeated)}")
    return dim_columns


def dimension_columns(options: Mapping[str, str]) -> dict[str, str]:
    """Dimension code -> the (lower-cased) column holding its values, from the options
    ``dimension.DIM=COLUMN`` and ``dimensions=DIM,DIM`` (columns named as the dimensions)."""
    out: dict[str, str] = {}
    for key, value in options.items():
        if key.startswith("dimension.") and key[len("dimension."):]:
            out[key[len("dimension."):]] = value.strip().lower()
    for dim in filter(None, (d.strip() for d in options.get("dimensions", "").split(","))):
        out.setdefault(dim, dim.lower())
    return out


#: JSON nested deeper than this is refused: a measurement row is one flat object, and
#: Python's parser would end a deeply nested line in a RecursionError.
MAX_JSON_DEPTH = 32


class _JsonRefused(ValueError):
    """A JSON line that parses but that goaltrack will not read; the message says why."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; a row with two values must not pass as one.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JsonRefused(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise _JsonRefused(f"{name} is not a number (JSON has no NaN or Infinity)")


def _depth(text: str) -> int:
    """How deeply ``text`` nests arrays and objects (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


# Numbers are read exactly (Decimal), so a 400-digit integer or 1e400 is "too large" when
# its value is checked (goaltrack.values.numbers.check_magnitude), not an int that float() overflows
# on, an inf, or Python's 4300-digit limit on int().
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_float=Decimal, parse_int=Decimal)


def decode_json_line(text: str) -> Any:
    """One JSON value from ``text``; :class:`ValueError` with a one-line message if it is not
    valid JSON, nests deeper than :data:`MAX_JSON_DEPTH`, repeats a key in an object, or
    writes NaN or Infinity."""
    # Counting brackets first is cheap; only a line with many of them is walked.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise _JsonRefused(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise _JsonRefused(f"invalid JSON: {exc.msg} (column {exc.colno})") from None


_TEXT_KEYS = ("indicator", "period", "missing", "note", "source", "recorded_by")


class JsonlSource(DataSource):
    name = "jsonl"
    description = (
        "JSON Lines: one object per line with indicator, period, value "
        "(+ note, source, recorded_by, missing, and dimensions: an object such as {\"sex\": \"women\"})."
    )

    def read(self, path: Path, options: Mapping[str, str]) -> Iterator[SourceRow | RejectedRow]:
        allowed = {*REQUIRED, *OPTIONAL, "dimensions"}
        with open_text(path) as fh:
            line = 0
            while True:
                try:
                    text = fh.readline()
                except UnicodeDecodeError as exc:
                    yield RejectedRow(line + 1, f"not valid UTF-8 ({exc.reason})")
                    break
                if not text:
                    break
                line += 1
                if not text.strip():
                    continue
                try:
                    obj = decode_json_line(text.rstrip("\r\n"))  # so an error at the end gets its column
                except _JsonRefused as exc:
                    yield RejectedRow(line, str(exc), text[:200])
                    continue
                if not isinstance(obj, dict):
                    yield RejectedRow(line, "each line must be a JSON object", text[:200])
                    continue
                extra = sorted(set(obj) - allowed)
                if extra:
                    yield RejectedRow(line, f"unknown key(s): {', '.join(extra)}", text[:200])
                    continue
                absent = [k for k in ("indicator", "period") if not obj.get(k)]
                if absent or ("value" not in obj and not obj.get("missing")):
                    yield RejectedRow(line, f"missing key(s): {', '.join(absent or ['value'])}", text[:200])
                    continue
                value = obj.get("value")
                if isinstance(value, bool) or not isinstance(value, str | Decimal | None):
                    yield RejectedRow(line, f"value must be a number or text, got {type(value).__name__}", text[:200])
                    continue
                texts = [obj.get(k) for k in _TEXT_KEYS]
                wrong = next((k for k, v in zip(_TEXT_KEYS, texts, strict=True)
                              if v is not None and not isinstance(v, str | Decimal)), None)
                if wrong is not None:
                    kind = type(obj[wrong]).__name__.replace("dict", "object").replace("list", "array")
                    yield RejectedRow(line, f"{wrong} must be text, got {kind}", text[:200])
                    continue
                dims = obj.get("dimensions")
                if dims is not None and not (isinstance(dims, dict)
                                             and all(isinstance(v, str | None) for v in dims.values())):
                    yield RejectedRow(line, 'dimensions must be an object of texts, e.g. {"sex": "women"}',
                                      text[:200])
                    continue
                # A number where text is wanted ("period": 2021) is that text.
                ind, per, miss, note, src, by = (v if v is None or isinstance(v, str) else str(v) for v in texts)
                yield SourceRow(line, ind or "", per or "", value, miss, note, src, by, dims or None)


@hookimpl
def register_data_sources(register):
    register(CsvSource())
    register(JsonlSource())
