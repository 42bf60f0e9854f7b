"""Writing files atomically, so a killed run never leaves half a file in place of the old one.

Content goes to a temporary file beside the target (``.NAME.XXXX.tmp``, same directory, so
the rename cannot cross file systems), is flushed to disk, and is renamed over the target in
one step. On an error the temporary file is removed and the target is left as it was; a
process killed outright (SIGKILL, power cut) can leave the hidden temporary file behind, but
never a half-written target.

The new file gets the permissions of the file it replaces, or the usual ones for a new file
(0666 less the umask), not the owner-only mode temporary files are created with.

:func:`check_outputs` is the guard every command runs before it does any work: an output
that is the database (or one of its ``-wal``/``-shm``/``-journal`` files), one of the
command's input files, or another of its outputs is refused, whatever the spelling, symlink
or hard link that leads there. :func:`wrote_message` is the ``wrote FILE (SIZE)`` line a
command prints once a file is in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from goaltrack.errors import UsageError


def _mode_for(path: Path) -> int:
    with contextlib.suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _temporary(path: Path, what: str) -> tuple[int, str]:
    """A new temporary file beside ``path``: ``(fd, name)``; :class:`UsageError` if it cannot be."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"{path}: cannot write{what}: directory {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write{what}: {exc.strerror}") from None
    with contextlib.suppress(OSError):  # a file system without permissions (FAT) keeps its own
        os.fchmod(fd, _mode_for(path))
    return fd, tmp


def write_atomic(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = _temporary(path, "")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AtomicTextFile:
    """A text file written bit by bit (e.g. rows as they are read) and put in place at the end.

    :attr:`handle` writes to the temporary file; :meth:`commit` renames it over the target;
    :meth:`discard` removes it and leaves the target as it was. ``what`` names the file in
    error messages (``"rejects file"`` -> ``FILE: cannot write rejects file: ...``).
    """

    def __init__(self, path: Path, *, newline: str | None = None, what: str = "") -> None:
        self.path = path
        self._what = f" {what}" if what else ""
        fd, self._tmp = _temporary(path, self._what)
        try:
            self.handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        except BaseException:
            os.close(fd)
            Path(self._tmp).unlink(missing_ok=True)
            raise

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.discard()
            raise UsageError(f"{self.path}: cannot write{self._what}: {exc.strerror}") from None

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        Path(self._tmp).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the output guard

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps beside a database file ``NAME``, as ``NAME-wal`` and so on."""


@dataclass(frozen=True)
class _Identity:
    """What makes two paths the same file: the name they resolve to, or the inode they share."""

    resolved: Path
    inode: tuple[int, int] | None  # (st_dev, st_ino) when the file exists

    def same(self, other: _Identity) -> bool:
        return self.resolved == other.resolved or (self.inode is not None and self.inode == other.inode)


def _identity(path: Path) -> _Identity:
    try:
        # resolve() follows symlinks (a dangling one as far as it goes) and removes ./ and ..;
        # a file that does not exist yet can only be matched by its name.
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        resolved = Path(os.path.abspath(path))
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return _Identity(resolved, None)
    # A hard link has a name of its own: only the inode shows it is the same file.
    return _Identity(resolved, (st.st_dev, st.st_ino))


def _database_files(database: Path) -> list[tuple[str, Path]]:
    """``(description, path)`` of the database and its side files, under both the name given
    and the resolved one (SQLite puts the ``-wal`` beside the file a symlink points to)."""
    files = [("the database", database)]
    names = dict.fromkeys([str(database), str(_identity(database).resolved)])
    for suffix in SQLITE_SIDE_FILES:
        for name in names:
            files.append((f"the database's {suffix} file", Path(f"{name}{suffix}")))
    return files


def check_outputs(
    outputs: Iterable[tuple[str, Path | None]],
    *,
    inputs: Iterable[tuple[str, Path | None]] = (),
    database: Path | None = None,
) -> None:
    """Refuse, with a :class:`UsageError`, an output that is the database, an input or another output.

    ``outputs`` and ``inputs`` are ``(label, path)`` pairs, ``None`` paths being skipped: an
    output's label is the option that names it (``-o``, ``--rejects``), an input's says what it
    is (``input file``, ``config file``). ``database`` is the SQLite file (``None`` for a
    server database, which has no file to protect). Two paths are the same file when they
    resolve to the same name (``./x``, an absolute path, a symlink) or, for files that exist,
    share device and inode (a hard link). Run it before any work, so a refused command writes
    nothing at all.
    """
    given = [(label, path) for label, path in outputs if path is not None]
    if not given:
        return
    protected: list[tuple[str, Path, _Identity]] = []
    if database is not None:
        protected += [(what, path, _identity(path)) for what, path in _database_files(database)]
    protected += [(what, path, _identity(path)) for what, path in inputs if path is not None]
    seen: list[tuple[str, Path, _Identity]] = []
    for label, path in given:
        this = _identity(path)
        for what, other, other_id in protected:
            if this.same(other_id):
                raise UsageError(f"{label} {path}: refusing to write over {what} {other}")
        for other_label, other, other_id in seen:
            if this.same(other_id):
                raise UsageError(f"{label} {path}: refusing to write: same file as {other_label} {other}")
        seen.append((label, path, this))


# --------------------------------------------------------------------------- what was written


def human_size(size: int) -> str:
    """``size`` bytes for people: ``512 B``, ``1.5 KiB``, ``48 KiB``, ``3.2 MiB``."""
    if size < 1024:
        return f"{size} B"

    def digits(value: float) -> str:
        # one decimal while it says something (1.5 KiB), none from 10 up (48 KiB)
        return f"{value:.1f}" if value < 9.95 else f"{value:.0f}"

    value = size / 1024
    for unit in ("KiB", "MiB"):
        if float(digits(value)) < 1024:  # 1023.7 KiB is shown as 1.0 MiB, not 1024 KiB
            return f"{digits(value)} {unit}"
        value /= 1024
    return f"{digits(value)} GiB"


def wrote_message(path: Path) -> str:
    """``wrote PATH (SIZE)``, the size of the file as it now is on disk."""
    return f"wrote {path} ({human_size(path.stat().st_size)})"
