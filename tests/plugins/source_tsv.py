"""Test plugin: a data source ``tsv`` reading tab-separated ``indicator, period, value`` files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from goaltrack import hookimpl
from goaltrack.interfaces import DataSource, RejectedRow, SourceRow


class TsvSource(DataSource):
    name = "tsv"
    description = "Tab-separated values with a header row: indicator, period, value."

    def read(self, path: Path, options: Mapping[str, str]) -> Iterator[SourceRow | RejectedRow]:
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split("\t")
            for line_no, line in enumerate(fh, start=2):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != len(header):
                    yield RejectedRow(line_no, f"expected {len(header)} fields, got {len(fields)}", line)
                    continue
                row = dict(zip(header, fields, strict=True))
                yield SourceRow(line_no, row["indicator"], row["period"], row["value"])


@hookimpl
def register_data_sources(register):
    register(TsvSource())
