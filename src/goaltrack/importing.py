"""Importing measurements from a data source: validated, streamed, set-based, one transaction.

Rows stream from the source, are checked in Python (indicator known, period valid, value
fits the unit) and go in batches into a temporary staging table through the driver
(``executemany`` on SQLite, ``COPY`` on PostgreSQL: :mod:`goaltrack.bulk`). The merge into
``measurement`` is then a few SQL statements: values equal to the current ones are
unchanged, changed ones supersede the current row, new ones are inserted. Memory does not
grow with the file: nothing per row is kept in Python.

By default one invalid row aborts the whole import, after every invalid row (up to
:data:`ERROR_LIMIT`) has been reported as ``FILE:LINE: message``; with ``skip_invalid`` the
good rows land and the bad ones are written to a rejects file with their reasons.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from goaltrack import models as m
from goaltrack.bulk import BATCH_SIZE, Stager
from goaltrack.clock import utcnow
from goaltrack.db import writer
from goaltrack.errors import DataError, Problem, UsageError, ValidationError
from goaltrack.interfaces import DataSource, RejectedRow
from goaltrack.periods import parse_period
from goaltrack.values import parse_value

ERROR_LIMIT = 100


@dataclass
class ImportResult:
    file: str
    rows_read: int = 0
    inserted: int = 0
    superseded: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        head = "dry run, nothing written: " if self.dry_run else ""
        return (
            f"{head}{self.file}: {self.rows_read:,} rows read, {self.inserted:,} inserted "
            f"({self.superseded:,} superseding older values), {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected, {self.seconds:.2f} s"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _indicators(engine: Engine, plan_id: int) -> dict[str, tuple[int, str, str | None]]:
    t = m.Indicator.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            r.code: (r.id, r.unit, r.computed)
            for r in conn.execute(select(t.c.id, t.c.code, t.c.unit, t.c.computed).where(t.c.plan_id == plan_id))
        }


def import_file(
    engine: Engine,
    plan_id: int,
    source: DataSource,
    path: Path,
    *,
    options: Mapping[str, str] | None = None,
    recorded_by: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import ``path`` with ``source`` into plan ``plan_id``; see the module docstring."""
    if skip_invalid and rejects is None:
        raise UsageError("--skip-invalid needs --rejects FILE for the rows it skips")
    started = time.perf_counter()
    display = str(path)
    if not path.exists():
        raise DataError(f"{display}: file not found")
    if path.is_dir():
        raise DataError(f"{display}: is a directory, not a file")
    digest = file_sha256(path)
    origin = f"import:{path.name}#{digest[:16]}"
    stamp = now or utcnow()
    known = _indicators(engine, plan_id)
    result = ImportResult(file=display, dry_run=dry_run)
    rejects_fh: IO[str] | None = None
    rejects_writer = None
    if skip_invalid and rejects is not None:
        try:
            rejects_fh = rejects.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise UsageError(f"{rejects}: cannot write rejects file: {exc.strerror}") from None
        rejects_writer = csv.writer(rejects_fh)
        rejects_writer.writerow(["line", "reason", "indicator", "period", "value"])

    def reject(line: int, message: str, row: tuple[str, ...] = ()) -> None:
        result.rejected += 1
        if rejects_writer is not None:
            rejects_writer.writerow([line, message, *row])
        elif len(result.problems) < ERROR_LIMIT:
            result.problems.append(Problem(message, file=display, line=line))

    with writer(engine).connect() as conn:
        stager = Stager(conn)
        try:
            with conn.begin():
                stager.create()
                batch: list[tuple[object, ...]] = []
                for item in source.read(path, options or {}):
                    result.rows_read += 1
                    if isinstance(item, RejectedRow):
                        reject(item.line, item.message)
                        continue
                    line = item.line
                    entry = known.get(item.indicator)
                    if entry is None:
                        reject(line, f"unknown indicator '{item.indicator}'", (item.indicator, item.period, str(item.value)))
                        continue
                    ind_id, unit, computed = entry
                    if computed:
                        reject(line, f"indicator '{item.indicator}' is computed ({computed}); its values cannot be imported",
                               (item.indicator, item.period, str(item.value)))
                        continue
                    try:
                        period = parse_period(item.period)
                        if item.missing:
                            value = None
                        elif item.value is None or item.value == "":
                            raise DataError("no value (give a number, or a reason in the 'missing' column)")
                        else:
                            value = parse_value(item.value, unit)
                    except DataError as exc:
                        reject(line, exc.message, (item.indicator, item.period, str(item.value)))
                        continue
                    if result.rejected and not skip_invalid:
                        continue  # the import will abort; keep reading only to report every problem
                    batch.append((
                        ind_id, period.code, line, period.freq, period.start.isoformat(), period.end.isoformat(), value,
                        item.missing, item.note, item.source, item.recorded_by or recorded_by,
                    ))
                    if len(batch) >= BATCH_SIZE:
                        stager.add(batch)
                        batch = []
                        if progress:
                            progress(result.rows_read)
                if batch:
                    stager.add(batch)
                if progress:
                    progress(result.rows_read)
                if result.rejected and not skip_invalid:
                    raise ValidationError(result.problems + _more(result), limit=ERROR_LIMIT + 1)
                duplicates = stager.duplicates()
                if duplicates:
                    problems = [
                        Problem(f"indicator '{code_of(known, ind)}' period '{per}' is given again (first on line {first})",
                                file=display, line=later)
                        for ind, per, first, later in duplicates[:ERROR_LIMIT]
                    ]
                    raise ValidationError(problems, limit=ERROR_LIMIT)
                counts = stager.merge(now=stamp, origin=origin)
                result.inserted, result.superseded, result.unchanged = counts
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        finally:
            if rejects_fh is not None:
                rejects_fh.close()
    result.seconds = time.perf_counter() - started
    return result


def code_of(known: Mapping[str, tuple[int, str, str | None]], ind_id: int) -> str:
    return next((code for code, (i, _, _) in known.items() if i == ind_id), str(ind_id))


def _more(result: ImportResult) -> list[Problem]:
    hidden = result.rejected - len(result.problems)
    if hidden > 0:
        return [Problem(f"... and {hidden:,} more invalid rows; nothing was imported", file=result.file)]
    return [Problem("nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)", file=result.file)]


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""
