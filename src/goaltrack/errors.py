"""The project's own error types.

Every error a user can meet is a :class:`GoaltrackError` carrying the exit code the CLI
uses: 1 for bad data, 2 for bad usage. The CLI prints ``str(error)`` as one line (or
several, one per problem, for validation reports) and never a traceback unless
``--debug`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_DATA = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None  # dotted field path, e.g. ``initiatives[3].target_groups[1]``

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class GoaltrackError(Exception):
    """Base class: a message for the user and an exit code."""

    exit_code = EXIT_DATA

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class DataError(GoaltrackError):
    """Bad data: a plan file, a measurement file or a value that cannot be accepted."""

    exit_code = EXIT_DATA


class UsageError(GoaltrackError):
    """Bad usage: an unknown plan, format or option combination."""

    exit_code = EXIT_USAGE


class ValidationError(DataError):
    """A set of problems found in one or more input files, all reported at once."""

    def __init__(self, problems: list[Problem], *, limit: int | None = None) -> None:
        self.problems = problems
        shown = problems if limit is None else problems[:limit]
        lines = [str(p) for p in shown]
        if limit is not None and len(problems) > limit:
            lines.append(f"... and {len(problems) - limit} more problems")
        super().__init__("\n".join(lines))


class PluginError(GoaltrackError):
    """A plugin could not be loaded or misbehaved (raised in strict mode, or on clashes)."""

    exit_code = EXIT_DATA


class ConfigError(GoaltrackError):
    """The configuration file is unreadable or holds unknown settings."""

    exit_code = EXIT_USAGE


def describe_unexpected(exc: BaseException) -> str:
    """One line for an exception goaltrack did not anticipate (the database's, the OS's)."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # SQLAlchemy wraps driver errors as "(sqlite3.DatabaseError) file is not a database".
    if text.startswith("(") and ") " in text:
        text = text.split(") ", 1)[1]
    hint = " (run with --debug for the traceback)"
    return f"{name}: {text}{hint}" if text else f"{name}{hint}"
