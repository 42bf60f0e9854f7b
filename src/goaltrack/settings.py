"""The configuration file (``goaltrack.toml``).

Search order: ``--config FILE``, then ``./goaltrack.toml``, then ``goaltrack.toml`` in the
user config directory (``click.get_app_dir("goaltrack")``). Every setting is listed in
:class:`Settings` (a pydantic model) with its type and default, and documented in ``config/goaltrack.toml``;
an unknown section or key is an error, so a typo never passes silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, cast, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from goaltrack.errors import ConfigError


class _Section(BaseModel):
    # strict: a string is not a number, true is not 1 (an int is a float, as in TOML).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _wanted(text: str) -> Any:
    """What a limited setting must be, in the words of its error message."""
    return Field(json_schema_extra={"wanted": text})


class DatabaseSettings(_Section):
    url: str = "goaltrack.db"
    busy_timeout: Annotated[float, Field(ge=0, le=86_400), _wanted("a number of seconds from 0 to 86400")] = 30


class PluginSettings(_Section):
    dirs: list[str] = []


class RecordingSettings(_Section):
    by: str = ""


class PeopleSettings(_Section):
    user: str = ""
    token_days: Annotated[int, Field(ge=1, le=3650), _wanted("between 1 and 3650")] = 90


class ScoringSettings(_Section):
    method: str = "linear"
    on_track: Annotated[float, Field(ge=0, le=1), _wanted("between 0 and 1")] = 0.9
    at_risk: Annotated[float, Field(ge=0, le=1), _wanted("between 0 and 1")] = 0.7


class CheckSettings(_Section):
    max_data_age_days: Annotated[int, Field(ge=0), _wanted("0 or more")] = 400
    max_review_wait_days: Annotated[int, Field(ge=0), _wanted("0 or more")] = 14


class ReportSettings(_Section):
    templates_dir: str = ""
    lang: Annotated[str, _wanted("a language reports have labels in (da, en)")] = ""

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str) -> str:
        from goaltrack.vocab import LANGUAGES

        if value and value not in LANGUAGES:
            raise ValueError("unknown language")
        return value


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535), _wanted("a port number from 0 to 65535")] = 8000
    workers: Annotated[int, Field(ge=1, le=64), _wanted("between 1 and 64")] = 1
    secret_file: str = ""
    https: bool = False
    session_hours: Annotated[int, Field(ge=1, le=8760), _wanted("between 1 and 8760")] = 12
    signin_attempts: Annotated[int, Field(ge=1, le=1000), _wanted("between 1 and 1000")] = 5
    max_upload_mb: Annotated[float, Field(gt=0, le=1024), _wanted("more than 0, at most 1024")] = 20


class PublishSettings(_Section):
    # The open data licence of `goaltrack publish`, as an SPDX identifier; empty: the package
    # says CC-BY-4.0 and that this is an assumption (goaltrack.publish.datapackage).
    license: str = ""


class PathSettings(_Section):
    allow_outside_plan_dir: bool = False


class Settings(BaseModel):
    """Every setting of ``goaltrack.toml`` with its default: the one place defaults live."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database: DatabaseSettings = DatabaseSettings()
    plugins: PluginSettings = PluginSettings()
    recording: RecordingSettings = RecordingSettings()
    people: PeopleSettings = PeopleSettings()
    scoring: ScoringSettings = ScoringSettings()
    checks: CheckSettings = CheckSettings()
    reports: ReportSettings = ReportSettings()
    web: WebSettings = WebSettings()
    publish: PublishSettings = PublishSettings()
    paths: PathSettings = PathSettings()


#: The settings of a run without a config file.
DEFAULTS = Settings()

_SECTIONS: dict[str, type[_Section]] = {
    name: cast(type[_Section], info.annotation) for name, info in Settings.model_fields.items()
}


def _python_type(annotation: Any) -> type | tuple[type, ...]:
    """The TOML value types a setting accepts, for the "must be a number" messages."""
    if annotation is float:
        return (int, float)
    origin = get_origin(annotation)
    return cast(type, origin or annotation)


# section -> key -> (type, default), derived from the model (docs and tests read it).
SETTINGS: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    section: {key: (_python_type(info.annotation), info.default) for key, info in model.model_fields.items()}
    for section, model in _SECTIONS.items()
}

CONFIG_NAME = "goaltrack.toml"


@dataclass
class Config:
    path: Path | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        if section in self.values and key in self.values[section]:
            return self.values[section][key]
        return SETTINGS[section][key][1]

    @property
    def settings(self) -> Settings:
        """The file's settings over the defaults, typed (checked on load, so this cannot fail)."""
        return Settings.model_validate(self.values)

    def path_setting(self, section: str, key: str) -> Path | None:
        """A path setting, resolved against the config file's directory."""
        value = self.get(section, key)
        if not value:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute() and self.path is not None:
            p = self.path.parent / p
        return p

    def plugin_dirs(self) -> list[Path]:
        base = self.path.parent if self.path else Path.cwd()
        return [p if (p := Path(d).expanduser()).is_absolute() else base / p for d in self.get("plugins", "dirs")]


def user_config_dir() -> Path:
    import click

    return Path(click.get_app_dir("goaltrack"))


def find_config(explicit: Path | None) -> Path | None:
    """``explicit``, else the first config file in the search order that exists, else None.

    Something at a searched place that is not a readable file (a directory, a dangling
    symbolic link) is an error, as for ``--config``: a config file the user meant to use
    never passes unread.
    """
    if explicit is not None:
        _require_file(explicit)
        return explicit
    for candidate in (Path.cwd() / CONFIG_NAME, user_config_dir() / CONFIG_NAME):
        if _require_file(candidate, missing_ok=True):
            return candidate
    return None


def _require_file(path: Path, *, missing_ok: bool = False) -> bool:
    """True if ``path`` is a file; False if nothing is there (with ``missing_ok``); else a
    :class:`ConfigError` saying what is there instead."""
    try:
        if path.is_file():
            return True
        if path.is_symlink() and not path.exists():
            raise ConfigError(
                f"{path}: config file not found (a symbolic link to {os.readlink(path)}, which does not exist)"
            )
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory, not a config file")
        if path.exists():
            raise ConfigError(f"{path}: not a regular file, cannot be a config file")
    except OSError as exc:  # a folder on the way that we may not enter
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    if missing_ok:
        return False
    raise ConfigError(f"{path}: config file not found")


def load_config(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config()
    import tomllib  # here, not at the top: only a command that finds a config file needs it

    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" at the end of its message; move it to the front.
        message = str(exc)
        if m := re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL):
            raise ConfigError(f"{path}:{m[2]}:{m[3]}: invalid TOML: {m[1]}") from None
        raise ConfigError(f"{path}: invalid TOML: {message}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    return Config(path=path, values=_check(path, raw, text))


def _where(path: Path, text: str, section: str, key: str | None = None) -> str:
    """``FILE:LINE`` of ``[section]`` (or of ``key`` in it), or ``FILE`` if it is not found."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if m := re.match(r"\[\s*([^\]\s]+)\s*\]", stripped):
            current = m[1].strip("\"'")
            if key is None and current == section:
                return f"{path}:{number}"
            continue
        if key is not None and current == section:
            name = stripped.split("=", 1)[0].strip().strip("\"'")
            if "=" in stripped and name == key:
                return f"{path}:{number}"
        if key is None and current == "" and stripped.split("=", 1)[0].strip().strip("\"'") == section:
            return f"{path}:{number}"  # a top-level key rather than a section
    return str(path)


def _check(path: Path, raw: dict[str, Any], text: str = "") -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for section, table in raw.items():
        if section not in SETTINGS:
            known = ", ".join(sorted(SETTINGS))
            if not isinstance(table, dict):
                raise ConfigError(
                    f"{_where(path, text, section)}: {section}: settings belong in a section, "
                    f"e.g. [reports] (sections: {known})"
                )
            raise ConfigError(f"{_where(path, text, section)}: unknown section [{section}] (known: {known})")
        if not isinstance(table, dict):
            raise ConfigError(f"{_where(path, text, section)}: [{section}] must be a table")
        for key, value in table.items():
            where = _where(path, text, section, key)
            if key not in SETTINGS[section]:
                known = ", ".join(sorted(SETTINGS[section]))
                raise ConfigError(f"{where}: unknown setting {section}.{key} (known: {known})")
            expected = SETTINGS[section][key][0]
            # bool is an int in Python; refuse it where a number is wanted.
            if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
                raise ConfigError(
                    f"{where}: {section}.{key} must be {_type_name(expected)}, got {type(value).__name__}"
                )
            if isinstance(value, list) and not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{where}: {section}.{key} must be a list of strings")
            _check_limits(section, key, value, where)
        values[section] = dict(table)
    return values


def _check_limits(section: str, key: str, value: Any, where: str) -> None:
    """The model's limits on one setting (a range, a known language), as one line."""
    model = _SECTIONS[section]
    try:
        model.model_validate({key: value})
    except PydanticValidationError:
        extra = model.model_fields[key].json_schema_extra
        wanted = extra.get("wanted") if isinstance(extra, dict) else None
        raise ConfigError(f"{where}: {section}.{key} must be {wanted or 'valid'}, got {value!r}") from None


def _type_name(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        return "a number"
    return {str: "a string", list: "a list", int: "an integer", bool: "true or false"}.get(t, t.__name__)


def recorder_name(explicit: str | None, config: Config) -> str:
    """Who records: ``--by``, else the config file, else the OS user."""
    if explicit:
        return explicit
    if configured := config.get("recording", "by"):
        return str(configured)
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return os.environ.get("USER", "unknown")
