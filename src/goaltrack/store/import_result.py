"""What one import did (:class:`ImportResult`), and the digest that names its file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from goaltrack.errors import Problem


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
    # Where the plan requires review: the batch's review entry, its state, and its rows
    # against the approved values (new, changed; the unchanged ones are not filed).
    review_entry: int | None = None
    review_state: str | None = None
    new: int = 0
    changed: int = 0

    def summary(self) -> str:
        head = "dry run, nothing written: " if self.dry_run else ""
        if self.review_state == "unchanged":
            return (f"{head}{self.file}: {self.rows_read:,} rows read, nothing to review: all {self.unchanged:,} "
                    f"are the approved values already, {self.rejected:,} rejected, {self.seconds:.2f} s")
        if self.review_entry is not None or (self.dry_run and self.review_state):
            filed = (f"would be filed for review ({self.review_state})" if self.dry_run else
                     f"filed for review as entry {self.review_entry} ({self.review_state})")
            return (f"{head}{self.file}: {self.rows_read:,} rows read, {filed}: {self.new:,} new, "
                    f"{self.changed:,} changed against the approved values, {self.unchanged:,} unchanged "
                    f"(not filed), {self.rejected:,} rejected, {self.seconds:.2f} s")
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


def more_problems(result: ImportResult) -> list[Problem]:
    """The closing problem of an aborted import: how many more rows were invalid, or how
    to import the good ones."""
    hidden = result.rejected - len(result.problems)
    if hidden > 0:
        return [Problem(f"... and {hidden:,} more invalid rows; nothing was imported", file=result.file)]
    return [Problem("nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)",
                    file=result.file)]
