"""Per-invocation state shared by CLI commands: settings, the database, the plugins.

Everything is created on first use, so ``goaltrack --help`` touches neither the database
nor a plugin, and nothing is global between invocations (or tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from goaltrack.people.access import Actor
    from goaltrack.plugins import Plugins
    from goaltrack.settings import Config



@dataclass
class AppContext:
    db: str | None = None
    config_file: Path | None = None
    debug: bool = False
    plugins_dirs: tuple[Path, ...] = ()
    acting_as: str | None = None
    _config: Config | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _plugins: Plugins | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            # Imported here: the settings model is pydantic, which `--help` must not load.
            from goaltrack.settings import load_config

            self._config = load_config(self.config_file)
        return self._config

    @property
    def db_url(self) -> str:
        """``--db``, else ``GOALTRACK_DB``, else the config file, else ``./goaltrack.db``."""
        from goaltrack.store.database import normalise_url

        raw = self.db or os.environ.get("GOALTRACK_DB")
        if not raw:
            raw = str(self.config.get("database", "url"))  # the default when the file has none
            if self.config.path is not None and "://" not in raw and not Path(raw).is_absolute():
                raw = str(self.config.path.parent / raw)
        return normalise_url(raw)

    def engine(self, *, create: bool = False) -> Engine:
        """The database engine; ``create`` allows making a new database (``init``)."""
        if self._engine is None:
            from goaltrack.store.database import open_engine

            self._engine = open_engine(self.db_url, create=create, busy_timeout_ms=self.busy_timeout_ms)
        return self._engine

    @property
    def busy_timeout_ms(self) -> int:
        """How long a writer waits for another writer: ``[database] busy_timeout`` seconds."""
        return round(float(self.config.get("database", "busy_timeout")) * 1000)

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            from goaltrack.plugins import load_plugins

            dirs = [*self.plugins_dirs, *self.config.plugin_dirs()]
            self._plugins = load_plugins(plugin_dirs=dirs)
        return self._plugins

    def actor(self, conn: Connection, by: str | None = None) -> Actor:
        """The person this command acts as (:func:`goaltrack.people.accounts.resolve_actor`).

        ``by`` is the old ``--by``: the recorder's name in a database without people. Where
        there are people, who records is who acts, and ``--by`` naming someone else is refused.
        """
        from goaltrack.errors import UsageError
        from goaltrack.people.accounts import resolve_actor
        from goaltrack.settings import recorder_name
        from goaltrack.store.database import sqlite_path

        login = self.acting_as or os.environ.get("GOALTRACK_USER") or str(self.config.get("people", "user")) or None
        token = None if self.acting_as else os.environ.get("GOALTRACK_TOKEN") or None
        fallback = recorder_name(None, self.config) if sqlite_path(self.db_url) is not None else None
        actor = resolve_actor(conn, login=login, token=token, fallback=fallback,
                              recorder=recorder_name(by, self.config))
        if not actor.open and by and by != actor.login:
            raise UsageError(f"--by {by}: this database has people, and {actor.login} records as themselves; "
                             f"use --as {by} to act as {by}")
        return actor

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def setting(self, section: str, key: str) -> Any:
        return self.config.get(section, key)
