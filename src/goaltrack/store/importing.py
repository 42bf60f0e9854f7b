"""Importing measurements from a data source: validated, streamed, set-based, one transaction.

Rows stream from the source, are checked in Python (indicator known, period valid, value
fits the unit) and go in batches into a temporary staging table through the driver
(``executemany`` on SQLite, ``COPY`` on PostgreSQL: :mod:`goaltrack.store.bulk`). The merge into
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
import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from goaltrack.clock import utcnow
from goaltrack.errors import DataError, PluginError, Problem, UsageError, ValidationError
from goaltrack.fileio import AtomicTextFile
from goaltrack.interfaces import DataSource, RejectedRow
from goaltrack.people.access import Actor
from goaltrack.review.entries import file_batch
from goaltrack.store.bulk import BATCH_SIZE, STAGING, Stager
from goaltrack.store.database import writer
from goaltrack.store.import_batch import may_record, record_batch
from goaltrack.store.import_result import ImportResult as ImportResult
from goaltrack.store.import_result import file_sha256 as file_sha256
from goaltrack.store.import_result import more_problems
from goaltrack.store.plan_queries import indicators_for_import
from goaltrack.store.recording import review_required
from goaltrack.values.dimensions import DimensionResolver
from goaltrack.values.periods import parse_period
from goaltrack.values.units import bounds, parse_value

ERROR_LIMIT = 100
# Distinct period codes remembered per import (a file holds few; a pathological one is
# parsed per row past this, and memory stays flat).
PERIOD_CACHE = 100_000


@dataclass(frozen=True)
class _Run:
    """What one import is asked to do: the same for the direct attempt and the staged one."""

    plan_id: int
    source: DataSource
    path: Path
    options: Mapping[str, str]
    known: Mapping[str, tuple[int, str, str | None]]
    dimensions: Mapping[str, DimensionResolver]  # indicator code -> its dimensions (those that have any)
    origin: str
    digest: str
    stamp: dt.datetime
    recorded_by: str
    dry_run: bool
    skip_invalid: bool
    rejects: Path | None
    progress: Callable[[int], None] | None
    actor: Actor | None = None
    review: bool = False  # the plan requires review: rows become one review entry
    submit: bool = False


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
    actor: Actor | None = None,
    submit: bool = False,
) -> ImportResult:
    """Import ``path`` with ``source`` into plan ``plan_id``; see the module docstring.

    ``actor`` must be allowed to record every indicator the file gives values for. Where
    the plan requires review, the rows that change something become one review entry (an
    import batch), a draft or, with ``submit``, submitted; nothing else is written."""
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
    known, dimensions = indicators_for_import(engine, plan_id)
    with engine.connect() as conn:
        review = review_required(conn, plan_id)
    run = _Run(plan_id, source, path, options or {}, known, dimensions, origin=origin, digest=digest, stamp=stamp,
               recorded_by=recorded_by, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects,
               progress=progress, actor=actor, review=review, submit=submit)
    try:
        result = _import(engine, run, direct=not review)
    except _UseStaging:
        result = _import(engine, run, direct=False)
    result.seconds = time.perf_counter() - started
    return result


def _import(engine: Engine, run: _Run, *, direct: bool) -> ImportResult:
    """One attempt at the import, in one transaction. With ``direct``, when the plan has no
    current values, rows go straight into ``measurement``; a repeated period (or one period
    written two ways) raises :class:`_UseStaging`, after a rollback, for a run through the
    staging table instead."""
    checker = _RowChecker(run, ImportResult(file=str(run.path), dry_run=run.dry_run))
    with writer(engine).connect() as conn:
        stager = Stager(conn)
        cache = stager.tune()
        completed = False
        try:
            with conn.begin():
                if direct and stager.can_insert_directly(run.plan_id):
                    _insert_directly(conn, stager, run, checker)
                else:
                    _stage_and_merge(stager, run, checker)
                if run.dry_run:
                    raise _DryRun
            completed = True
        except _DryRun:
            completed = True
        finally:
            checker.close_rejects(completed)
            stager.untune(cache)
    return checker.result


def _insert_directly(conn: Connection, stager: Stager, run: _Run, checker: _RowChecker) -> None:
    """Rows straight into ``measurement`` (a plan with no current values)."""
    result = checker.result
    try:
        result.inserted = stager.insert_directly(checker.rows(True), now=run.stamp, origin=run.origin,
                                                 recorded_by=run.recorded_by)
    except conn.dialect.loaded_dbapi.IntegrityError:
        raise _UseStaging from None
    if result.rejected and not run.skip_invalid:
        raise ValidationError(result.problems + more_problems(result), limit=ERROR_LIMIT + 1)
    # The plan had no current values, so the current ones are the rows just inserted.
    may_record(conn, run, "measurement WHERE superseded_at IS NULL AND")
    record_batch(conn, run, result)


def _stage_and_merge(stager: Stager, run: _Run, checker: _RowChecker) -> None:
    """Rows in batches into the staging table, then merged into ``measurement``."""
    result = checker.result
    stager.create()
    rows = checker.rows(False)
    while batch := list(itertools.islice(rows, BATCH_SIZE)):
        stager.add(batch)
    if result.rejected and not run.skip_invalid:
        raise ValidationError(result.problems + more_problems(result), limit=ERROR_LIMIT + 1)
    duplicates = stager.duplicates()
    if duplicates:
        problems = [
            Problem(f"indicator '{code_of(run.known, ind)}' period '{per}'"
                    + (f" for {breakdown.replace(';', ', ')}" if breakdown else "")
                    + f" is given again (first on line {first})", file=result.file, line=later)
            for ind, per, breakdown, first, later in duplicates[:ERROR_LIMIT]
        ]
        raise ValidationError(problems, limit=ERROR_LIMIT)
    may_record(stager.conn, run, f"{STAGING} WHERE")
    if run.review:
        filed, (result.new, result.changed, result.unchanged) = file_batch(
            stager, run.plan_id, record_batch(stager.conn, run, result), run.recorded_by, submit=run.submit)
        result.review_entry = filed.entry if filed.entry and not run.dry_run else None
        result.review_state = filed.state
        return
    counts = stager.merge(now=run.stamp, origin=run.origin)
    result.inserted, result.superseded, result.unchanged = counts
    record_batch(stager.conn, run, result)


class _RowChecker:
    """One attempt's rows, checked: the valid ones in staged form, the invalid ones counted in
    ``result`` and reported (or, with ``skip_invalid``, written to the rejects file)."""

    def __init__(self, run: _Run, result: ImportResult) -> None:
        self.run = run
        self.result = result
        # Written under a temporary name and put in place only when the import completes: an
        # import that fails (or is killed) leaves no rejects file claiming rows it never read.
        self.rejects_out: AtomicTextFile | None = None
        self.rejects_writer = None
        if run.skip_invalid and run.rejects is not None:
            self.rejects_out = AtomicTextFile(run.rejects, newline="", what="rejects file")
            self.rejects_writer = csv.writer(self.rejects_out.handle)
            self.rejects_writer.writerow(["line", "reason", "indicator", "period", "value"])
        # Per distinct value, not per row: an indicator's id and unit bounds, a period's parsed
        # form (or its error). A file holds few distinct periods; the cache is bounded anyway.
        self.indicators = {
            code: (ind_id, computed, unit, *bounds(unit)) for code, (ind_id, unit, computed) in run.known.items()
        }
        self.periods: dict[str, tuple[str, str, str, str] | DataError] = {}
        self.unknown_codes: dict[str, str] = {}  # code -> its did-you-mean hint
        self.spans: dict[tuple[str, str, str], str] = {}
        self.breakdowns: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = {}

    def reject(self, line: int, message: str, row: tuple[str, ...] = ()) -> None:
        result = self.result
        result.rejected += 1
        if self.rejects_writer is not None:
            self.rejects_writer.writerow([line, message, *row])
        elif len(result.problems) < ERROR_LIMIT:
            result.problems.append(Problem(message, file=result.file, line=line))

    def close_rejects(self, completed: bool) -> None:
        """Put the rejects file in place if the import completed; else leave none."""
        if self.rejects_out is not None:
            if completed:
                self.rejects_out.commit()
            else:
                self.rejects_out.discard()

    def rows(self, direct: bool) -> Iterator[tuple[object, ...]]:
        """The valid rows in staged form (see :mod:`goaltrack.store.bulk`); the invalid ones rejected.

        With ``direct`` (rows for :meth:`Stager.insert_directly`), a row with nothing but an
        indicator, a period and a value comes as the short ``(indicator_id, period_code, freq,
        period_start, period_end, value)``, and two spellings of one period stop the direct
        import (:class:`_UseStaging`)."""
        # Locals, not attributes, in the loop below: it runs once per row.
        run, result, reject, indicators, periods = self.run, self.result, self.reject, self.indicators, self.periods
        source, progress, skip_invalid, recorded_by = run.source, run.progress, run.skip_invalid, run.recorded_by
        fast = getattr(source, "read_tuples", None)
        items: Iterable[Any] = fast(run.path, run.options) if fast is not None else source.read(run.path, run.options)
        next_progress = BATCH_SIZE
        for item in items:
            result.rows_read += 1
            if progress and result.rows_read >= next_progress:
                progress(result.rows_read)
                next_progress += BATCH_SIZE
            if isinstance(item, RejectedRow):
                reject(item.line, item.message)
                continue
            try:
                if len(item) == 8:  # as sources wrote rows before dimensions: a total
                    line, code, raw_period, raw_value, missing, note, src, by = item
                    dims = None
                else:
                    line, code, raw_period, raw_value, missing, note, src, by, dims = item
            except (TypeError, ValueError):  # a plugin's source gave something else than a row
                raise _bad_row(source, item) from None
            entry = indicators.get(code)
            if entry is None:
                reject(line, f"unknown indicator '{code}'{self._hint(code)}", (code, raw_period, str(raw_value)))
                continue
            ind_id, computed, unit, lo, hi = entry
            if computed:
                reject(line, f"indicator '{code}' is computed ({computed}); its values cannot be imported",
                       (code, raw_period, str(raw_value)))
                continue
            period = periods.get(raw_period)
            if period is None:
                period = self._new_period(raw_period, direct)
            if isinstance(period, DataError):
                reject(line, period.message, (code, raw_period, str(raw_value)))
                continue
            try:
                breakdown = self._breakdown(code, dims) if dims else ""
                if by:
                    self._recorder(by)
                if missing:
                    if raw_value is not None and raw_value != "":
                        raise DataError("give either a value or a reason in the 'missing' column, not both")
                    value = None
                elif raw_value is None or raw_value == "":
                    raise DataError("no value (give a number, or a reason in the 'missing' column)")
                elif type(raw_value) is str:
                    # parse_value's own fast path, inlined: a plain number inside the unit's
                    # range is taken as float() reads it; anything else gets the full parser.
                    try:
                        value = float(raw_value)
                    except ValueError:
                        value = parse_value(raw_value, unit)
                    else:
                        if (not lo <= value <= hi or value == 0.0
                                or "e" in raw_value or "E" in raw_value or "_" in raw_value):
                            value = parse_value(raw_value, unit)
                else:
                    value = parse_value(raw_value, unit)
            except DataError as exc:
                reject(line, exc.message, (code, raw_period, str(raw_value)))
                continue
            if result.rejected and not skip_invalid:
                continue  # the import will abort; keep reading only to report every problem
            p_code, freq, start, end = period
            if direct and missing is None and note is None and src is None and by is None and not breakdown:
                yield (ind_id, p_code, freq, start, end, value)
            else:
                yield (ind_id, p_code, line, freq, start, end, value, missing, note, src, by or recorded_by,
                       breakdown)
        if progress:
            progress(result.rows_read)

    def _breakdown(self, code: str, dims: Any) -> str:
        """The breakdown key of a row's dimension values (cached: a file repeats few)."""
        if not isinstance(dims, Mapping):
            raise DataError(f"dimensions must be a mapping of dimension to value, got {type(dims).__name__}")
        cache_key = (code, tuple(dims.items()))
        key = self.breakdowns.get(cache_key)
        if key is None:
            resolver = self.run.dimensions.get(code)
            if resolver is None:
                resolver = DimensionResolver(None, None, code)
            key = resolver.key(dims)
            if len(self.breakdowns) < PERIOD_CACHE:
                self.breakdowns[cache_key] = key
        return key

    def _recorder(self, by: str) -> None:
        """A row's own recorder: refused where the database has people, who record as themselves."""
        actor = self.run.actor
        if actor is not None and not actor.open and by != actor.login:
            raise DataError(f"recorded_by '{by}': this database has people, and {actor.login} records as themselves")

    def _hint(self, code: str) -> str:
        """The did-you-mean hint for an unknown indicator code."""
        close = self.unknown_codes.get(code)
        if close is None:  # a file may name one wrong code a million times: once each
            from goaltrack.suggest import did_you_mean

            close = ""
            if len(self.unknown_codes) < PERIOD_CACHE:
                close = self.unknown_codes[code] = did_you_mean(code, self.indicators)
        return close

    def _new_period(self, raw_period: str, direct: bool) -> tuple[str, str, str, str] | DataError:
        """A period code not seen yet: parsed (or its error), and remembered."""
        period = _period(raw_period)
        if len(self.periods) < PERIOD_CACHE:
            self.periods[raw_period] = period
        if direct and not isinstance(period, DataError):
            # Two spellings of one period (2024-03, 2024M03) are one period, which the
            # unique index on the code alone would not catch: let the staging table judge.
            span = period[1:]
            if self.spans.setdefault(span, period[0]) != period[0]:
                raise _UseStaging
        return period


def _period(raw: str) -> tuple[str, str, str, str] | DataError:
    """``(code, freq, start, end)`` of a period code, dates in ISO form; or the error."""
    try:
        p = parse_period(raw)
    except DataError as exc:
        return exc
    return p.code, p.freq, p.start.isoformat(), p.end.isoformat()


def code_of(known: Mapping[str, tuple[int, str, str | None]], ind_id: int) -> str:
    return next((code for code, (i, _, _) in known.items() if i == ind_id), str(ind_id))


def _bad_row(source: DataSource, item: object) -> PluginError:
    from goaltrack.plugins import plugin_of

    owner = plugin_of(source)
    return PluginError(
        (f"plugin {owner} failed: " if owner else "")
        + f"data source '{getattr(source, 'name', '?')}' gave {type(item).__name__} for a row, "
        "not a SourceRow or RejectedRow"
    )


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class _UseStaging(Exception):
    """Raised inside a direct import's transaction: roll back, go through the staging table."""
