"""Tables of the published data: a Table Schema for each, and CSV and JSON written byte-identically.

The same database must give the same bytes, so every value has exactly one text: numbers
without a trailing ``.0`` and never in exponent form (``12``, ``0.5``, ``1500000``), booleans
as ``true``/``false``, dates as ISO 8601, timestamps in UTC with a ``Z``. Rows are written as
they come (an iterable), so a table of millions of rows never sits in memory; the size and
sha256 are counted on the way, for the data package's ``bytes`` and ``hash``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from goaltrack.clock import as_utc


@dataclass(frozen=True)
class Field:
    """One column: its name, Table Schema type and what it holds."""

    name: str
    type: str = "string"  # string | integer | number | boolean | date | datetime
    description: str = ""
    required: bool = False

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.description:
            out["description"] = self.description
        if self.required:
            out["constraints"] = {"required": True}
        return out


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table's name, title, columns, primary key and foreign keys (by resource name)."""

    name: str
    title: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": [f.descriptor() for f in self.fields]}
        if self.primary_key:
            out["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            out["foreignKeys"] = [
                {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference)}}
                for fk in self.foreign_keys
            ]
        return out


def number_text(value: float | int) -> str:
    """A number as the published files write it: ``12`` for 12.0, no exponent form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"cannot publish the number {value!r}")
    if value.is_integer():
        return str(int(value))
    text = repr(value)  # the shortest text that reads back as the same float
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def cell(value: Any) -> str:
    """One value's text in a CSV cell ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def iso_utc(value: dt.datetime) -> str:
    """A timestamp as Table Schema's ``datetime`` (``2026-12-07T11:29:49Z``), to the second.
    Not :func:`goaltrack.clock.utc_text`, whose text is for people, not for ISO 8601 readers."""
    return as_utc(value).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def json_value(value: Any) -> Any:
    """One value for a JSON file: whole floats become ints, dates ISO text."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Counter:
    """A binary file that counts and hashes what is written to it."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")
        self.size = 0
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)
        self.sha.update(data)

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class Written:
    path: Path
    bytes: int
    sha256: str
    rows: int


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else cell(value)


#: Per Table Schema type, what turns a database value into its text; None: the value as it
#: is (text, or None, which :mod:`csv` writes as an empty cell). Choosing once per column
#: instead of testing every value's type halves the time of a table of millions of rows.
CONVERTERS: dict[str, Any] = {"string": None, "number": number_text, "integer": number_text, "boolean": _bool,
                              "date": _date, "datetime": cell}


def write_csv(path: Path, names: Sequence[str], rows: Iterable[Sequence[Any]], *,
              types: Sequence[str] | None = None, chunk: int = 2000) -> Written:
    """Write a header and ``rows`` as UTF-8 CSV with ``\\n`` line ends, a chunk at a time.
    ``types`` are the columns' Table Schema types; without them every value's type decides."""
    path.parent.mkdir(parents=True, exist_ok=True)
    converters = [CONVERTERS.get(t, cell) for t in types] if types is not None else [cell] * len(names)
    todo = [(i, f) for i, f in enumerate(converters) if f is not None]

    def text(row: Sequence[Any]) -> list[Any]:
        out = list(row)
        for i, convert in todo:
            if out[i] is not None:
                out[i] = convert(out[i])
        return out

    out = _Counter(path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    count = 0
    source = iter(rows)
    try:
        while batch := list(itertools.islice(source, chunk)):
            writer.writerows(map(text, batch))
            count += len(batch)
            out.write(buf.getvalue().encode("utf-8"))
            buf.seek(0)
            buf.truncate()
        out.write(buf.getvalue().encode("utf-8"))
    finally:
        out.close()
    return Written(path, out.size, out.sha.hexdigest(), count)


def dumps(data: Any, *, pretty: bool = False, drop: frozenset[str] = frozenset()) -> str:
    """JSON as every published file writes it: sorted keys, a final newline, keys in ``drop``
    left out at any depth. Compact unless ``pretty``: with an indent, :mod:`json` falls back
    from its C encoder to pure Python, several times slower over a national site's downloads."""
    text = json.dumps(_clean(data, drop), ensure_ascii=False, sort_keys=True,
                      **({"indent": 2} if pretty else {"separators": (",", ":")}))
    return text + "\n"


_PLAIN = frozenset({str, int, bool, type(None)})


def _clean(data: Any, drop: frozenset[str]) -> Any:
    # Exact type tests first: a plan's downloads walk millions of values, most of them text.
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is dict or isinstance(data, dict):
        return {str(k): _clean(v, drop) for k, v in data.items() if k not in drop}
    if kind is list or kind is tuple:
        return [_clean(v, drop) for v in data]
    return json_value(data)


def write_json(path: Path, data: Any, *, pretty: bool = False, drop: frozenset[str] = frozenset()) -> Written:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = dumps(data, pretty=pretty, drop=drop).encode("utf-8")
    path.write_bytes(raw)
    return Written(path, len(raw), hashlib.sha256(raw).hexdigest(), len(data) if isinstance(data, list) else 1)
