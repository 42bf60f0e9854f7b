"""Writing files atomically, so a killed run never leaves half a file in place of the old one.

Content goes to a temporary file beside the target (``.NAME.XXXX.tmp``, same directory, so
the rename cannot cross file systems), is flushed to disk, and is renamed over the target in
one step. On an error the temporary file is removed and the target is left as it was; a
process killed outright (SIGKILL, power cut) can leave the hidden temporary file behind, but
never a half-written target.

The new file gets the permissions of the file it replaces, or the usual ones for a new file
(0666 less the umask), not the owner-only mode temporary files are created with.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
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
