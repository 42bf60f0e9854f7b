"""Fixtures for goaltrack-jobindsats' tests (the repository's tests/conftest.py does not
reach here, so the isolation it gives is repeated, under names of our own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GOALTRACK_ENV_VARS = (
    "GOALTRACK_DISABLE_PLUGINS",
    "GOALTRACK_STRICT_PLUGINS",
    "GOALTRACK_TRACE_PLUGINS",
    "GOALTRACK_LOAD_PLUGINS",
    "GOALTRACK_PLUGINS_DIR",
    "GOALTRACK_CONFIG",
    "GOALTRACK_LANG",
    "GOALTRACK_TEMPLATES",
)

WriteExport = Callable[..., Path]


@pytest.fixture(autouse=True)
def _jobindsats_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test in its own tmp_path, with its own database, home and no plugin settings."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GOALTRACK_DB", str(tmp_path / "goaltrack.db"))
    for var in GOALTRACK_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def jobindsats_export(tmp_path: Path) -> WriteExport:
    """Write an export file: ``jobindsats_export(text, name=..., bom=False, encoding=...)``.

    ``text`` is written as given (lines joined by the caller, ``\\n`` or ``\\r\\n``), with a
    UTF-8 byte-order mark in front when ``bom`` is true.
    """

    def write(text: str, name: str = "export.csv", *, bom: bool = False,
              encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = text.encode(encoding)
        if bom:
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
        return path

    return write
