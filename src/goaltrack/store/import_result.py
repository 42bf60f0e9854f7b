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


def more_problems(result: ImportResult) -> list[Problem]:
    """The closing problem of an aborted import: how many more rows were invalid, or how
    to import the good ones."""
    hidden = result.rejected - len(result.problems)
    if hidden > 0:
        return [Problem(f"... and {hidden:,} more invalid rows; nothing was imported", file=result.file)]
    return [Problem("nothing was imported (fix the rows above, or use --skip-invalid --rejects FILE)",
                    file=result.file)]
