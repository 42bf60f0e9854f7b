"""What recording under review returns, and the states of an entry (import-light: the
recording path imports it on every ``record``)."""

from __future__ import annotations

from dataclasses import dataclass

STATES = ("draft", "submitted", "returned", "approved", "withdrawn")
#: States in which the author may still change an entry.
OPEN = ("draft", "returned")
#: States that wait for someone: the author (draft, returned) or an approver (submitted).
PENDING = ("draft", "submitted", "returned")


@dataclass(frozen=True)
class Filed:
    """A review entry made or revised: its id, state and revision."""

    entry: int
    state: str
    revision: int
    subject: str = "measurement"
