"""The mapping from an export's measures to goaltrack indicators, and the sources' options.

Everything comes from ``goaltrack import SOURCE FILE -O KEY=VALUE ...`` (the ``options`` a
:class:`~goaltrack.interfaces.DataSource` receives) and, optionally, from a TOML mapping file
named by ``-O mapping=FILE.toml``. The README documents both; in short:

Command line::

    -O map='Antal personer=MM17-count'                 # LABEL=INDICATOR
    -O map='Antal personer=MM17-count;Andel (pct.)=MM17'  # several, separated by ';'
    -O map.share='Andel (pct.)=MM17'                   # or one per map.NAME key
    -O where='Ydelsesgrupper=I alt;Køn=I alt'          # keep only these rows
    -O where.Alder='I alt'                             # or one filter per where.COLUMN key
    -O area=326                                        # code, name or "326 Kalundborg"
    -O dimension.sex=Køn                               # the column Køn holds dimension 'sex'
    -O mapping=kalundborg.toml                         # everything above, from a file

Mapping file::

    area = "Kalundborg"
    decimal = ","
    [where]
    Ydelsesgrupper = "I alt"
    [measures]                      # short form: LABEL = INDICATOR
    "Antal personer" = "MM17-count"
    [dimensions]                    # DIMENSION = "COLUMN": the values become a breakdown
    sex = "Køn"
    [[map]]                         # long form, with filters of its own
    measure = "Andel (pct.)"
    indicator = "MM17"
    where = { Ydelsesgrupper = "Kontanthjælp" }

Command-line options win over the file's; mappings and filters from both are combined
(a ``where`` on the command line replaces the file's filter on the same column).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goaltrack.errors import DataError, UsageError

SCALAR_OPTIONS: dict[str, str] = {
    "area": "keep only rows of this area: a code (326), a name (Kalundborg) or both",
    "decimal": "decimal mark of the values: auto (default), ',' (Danish) or '.' (English)",
    "empty": "an empty value cell of a mapped measure: reject (default), missing or skip",
    "missing-marks": "comma-separated cell values that mean suppressed (default '..')",
    "encoding": "text encoding of the file (default utf-8, with or without BOM)",
    "delimiter": "field separator (default ';')",
    "period-column": "the column holding period codes (default: Periode/Period/Tid/TID)",
    "area-column": "the column holding areas (default: Område/Area/OMRÅDE/...)",
    "value-column": "statbank: the column holding values (default INDHOLD)",
    "measure-column": "statbank: the column whose value is the measure label "
    "(default: every column but area, period and value, joined with ', ')",
    "table": "the export's table id (e.g. Y36A02, AUK01), recorded with each value",
    "source": "the source title recorded with each value (default: built from table and label)",
}
"""Options taking one value, with their help text (also used in error messages)."""

OTHER_OPTIONS: dict[str, str] = {
    "map": "LABEL=INDICATOR[;LABEL=INDICATOR...]; also map.NAME=LABEL=INDICATOR",
    "where": "COLUMN=VALUE[;COLUMN=VALUE...]; also where.COLUMN=VALUE",
    "mapping": "a TOML mapping file (see the README)",
    "dimension": "dimension.DIM=COLUMN: the column holds the values of the plan's dimension DIM "
                 "('I alt'/'Total' rows are the total)",
}

DECIMAL_MARKS = {
    "auto": "auto",
    ",": ",",
    "comma": ",",
    "da": ",",
    ".": ".",
    "point": ".",
    "dot": ".",
    "en": ".",
}
EMPTY_POLICIES = ("reject", "missing", "skip")


def normalise_key(text: str) -> str:
    """Column names and measure labels compare without regard to case, spacing or a BOM."""
    return " ".join(text.replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True)
class MapEntry:
    """One mapping: rows whose measure is ``label`` (and that pass ``where``) feed ``indicator``."""

    label: str
    indicator: str
    where: tuple[tuple[str, str], ...] = ()
    origin: str = "-O map"

    @property
    def wildcard(self) -> bool:
        return self.label.strip() == "*"


@dataclass
class Settings:
    """The parsed options of one import."""

    entries: list[MapEntry]
    where: tuple[tuple[str, str], ...] = ()
    area: str | None = None
    decimal: str = "auto"
    empty: str = "reject"
    missing_marks: tuple[str, ...] = ("..",)
    encoding: str = "utf-8-sig"
    delimiter: str = ";"
    period_column: str | None = None
    area_column: str | None = None
    value_column: str | None = None
    measure_column: str | None = None
    table: str | None = None
    source: str | None = None
    files: list[str] = field(default_factory=list)
    dimensions: tuple[tuple[str, str], ...] = ()
    """(dimension code, column name) pairs: columns whose cells are dimension values."""


def parse_pairs(text: str, what: str, origin: str, *, last: bool) -> list[tuple[str, str]]:
    """``A=x;B=y`` -> ``[(A, x), (B, y)]``; split each item at its last ``=`` when ``last``
    (measure labels may contain ``=``; indicator codes may not), else at the first (column
    names may not, filter values may)."""
    pairs: list[tuple[str, str]] = []
    for item in text.split(";"):
        if not item.strip():
            continue
        left, sep, right = item.rpartition("=") if last else item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise UsageError(f"{origin}: {item.strip()!r} is not {what}")
        pairs.append((left.strip(), right.strip()))
    return pairs


def _str(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DataError(f"{where}: expected text, got {type(value).__name__}")
    return str(value)


def _where_table(value: Any, where: str, shape: str = "COLUMN = VALUE") -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        raise DataError(f"{where}: expected a table of {shape}")
    return [(str(k).strip(), _str(v, f"{where}.{k}").strip()) for k, v in value.items()]


def read_mapping_file(
    path: Path,
) -> tuple[dict[str, str], list[tuple[str, str]], list[MapEntry], list[tuple[str, str]]]:
    """The scalar options, ``where`` filters, mappings and dimension columns of a TOML
    mapping file."""
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise UsageError(f"{path}: mapping file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a mapping file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read mapping file: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a valid TOML mapping file: {exc}") from None
    scalars: dict[str, str] = {}
    where: list[tuple[str, str]] = []
    entries: list[MapEntry] = []
    dimensions: list[tuple[str, str]] = []
    for key, value in doc.items():
        if key in SCALAR_OPTIONS:
            scalars[key] = _str(value, f"{path}: {key}")
        elif key == "dimensions":
            dimensions.extend(_where_table(value, f"{path}: dimensions", "DIMENSION = \"COLUMN\""))
        elif key == "where":
            where.extend(_where_table(value, f"{path}: where"))
        elif key == "measures":
            if not isinstance(value, dict):
                raise DataError(f"{path}: [measures] must be a table of \"LABEL\" = \"INDICATOR\"")
            for label, indicator in value.items():
                entries.append(
                    MapEntry(str(label), _str(indicator, f"{path}: measures.{label}").strip(),
                             origin=f"{path} [measures]")
                )
        elif key == "map":
            if not isinstance(value, list):
                raise DataError(f"{path}: map must be an array of tables ([[map]])")
            for n, item in enumerate(value, start=1):
                origin = f"{path} [[map]] #{n}"
                if not isinstance(item, dict):
                    raise DataError(f"{origin}: expected a table")
                unknown = sorted(set(item) - {"measure", "label", "indicator", "where"})
                if unknown:
                    raise DataError(
                        f"{origin}: unknown key(s) {', '.join(unknown)} "
                        "(known: measure, indicator, where)"
                    )
                label = item.get("measure", item.get("label"))
                indicator = item.get("indicator")
                if label is None or indicator is None:
                    raise DataError(f"{origin}: needs both measure and indicator")
                filters = _where_table(item.get("where", {}), f"{origin}: where")
                entries.append(
                    MapEntry(_str(label, f"{origin}: measure"),
                             _str(indicator, f"{origin}: indicator").strip(),
                             tuple(filters), origin)
                )
        else:
            known = [*SCALAR_OPTIONS, "where", "measures", "map", "dimensions"]
            raise DataError(f"{path}: unknown key {key!r} (known: {', '.join(known)})")
    return scalars, where, entries, dimensions


def parse_settings(options: Mapping[str, str], *, source: str, statbank: bool) -> Settings:
    """Turn ``-O`` options (and the mapping file they name) into :class:`Settings`."""
    scalars: dict[str, str] = {}
    where: dict[str, tuple[str, str]] = {}
    entries: list[MapEntry] = []
    files: list[str] = []
    dimensions: dict[str, str] = {}

    if "mapping" in options:
        path = Path(options["mapping"]).expanduser()
        f_scalars, f_where, f_entries, f_dimensions = read_mapping_file(path)
        dimensions.update(f_dimensions)
        scalars.update(f_scalars)
        where.update((normalise_key(c), (c, v)) for c, v in f_where)
        entries.extend(f_entries)
        files.append(str(path))

    for key in sorted(options, key=lambda k: (k != "map", k)):  # "map" first, then map.X by name
        value = options[key]
        if key in SCALAR_OPTIONS:
            scalars[key] = value
        elif key == "mapping":
            continue
        elif key == "map" or key.startswith("map."):
            origin = f"-O {key}"
            entries.extend(
                MapEntry(label, indicator, origin=origin)
                for label, indicator in parse_pairs(value, "LABEL=INDICATOR", origin, last=True)
            )
        elif key == "where":
            for col, val in parse_pairs(value, "COLUMN=VALUE", "-O where", last=False):
                where[normalise_key(col)] = (col, val)
        elif key.startswith("where.") and key[6:].strip():
            where[normalise_key(key[6:])] = (key[6:].strip(), value.strip())
        elif key.startswith("dimension.") and key[10:].strip() and value.strip():
            dimensions[key[10:].strip()] = value.strip()
        else:
            known = [*OTHER_OPTIONS, *SCALAR_OPTIONS]
            raise UsageError(
                f"data source {source}: unknown option {key!r} (known: {', '.join(known)}; "
                "see the goaltrack-jobindsats README)"
            )

    if not entries:
        raise UsageError(
            f"data source {source} needs a mapping from the file's measures to indicators: "
            "-O map='LABEL=INDICATOR' or -O mapping=FILE.toml"
        )
    for key in ("value-column", "measure-column"):
        if key in scalars and not statbank:
            raise UsageError(f"data source {source}: option {key!r} is for the statbank source only")

    decimal = DECIMAL_MARKS.get(scalars.get("decimal", "auto").strip().lower())
    if decimal is None:
        raise UsageError(
            f"-O decimal={scalars['decimal']!r}: expected auto, ',' (Danish) or '.' (English)"
        )
    empty = scalars.get("empty", "reject").strip().lower()
    if empty not in EMPTY_POLICIES:
        raise UsageError(f"-O empty={scalars['empty']!r}: expected {', '.join(EMPTY_POLICIES)}")
    marks = tuple(m.strip() for m in scalars.get("missing-marks", "..").split(",") if m.strip())
    encoding = scalars.get("encoding", "utf-8").strip() or "utf-8"
    if normalise_key(encoding).replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        encoding = "utf-8-sig"  # drops a byte-order mark when there is one
    delimiter = scalars.get("delimiter", ";")
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise UsageError(f"-O delimiter={delimiter!r}: expected one character")
    area = scalars.get("area", "").strip() or None

    def column(key: str) -> str | None:
        return scalars.get(key, "").strip() or None

    return Settings(
        entries=entries,
        where=tuple(where.values()),
        area=area,
        decimal=decimal,
        empty=empty,
        missing_marks=marks,
        encoding=encoding,
        delimiter=delimiter,
        period_column=column("period-column"),
        area_column=column("area-column"),
        value_column=column("value-column"),
        measure_column=column("measure-column"),
        table=column("table"),
        source=column("source"),
        files=files,
        dimensions=tuple(dimensions.items()),
    )


__all__ = [
    "MapEntry",
    "Settings",
    "normalise_key",
    "parse_pairs",
    "parse_settings",
    "read_mapping_file",
]
