"""Account schemes: how a plan's account codes are written and grouped; budget changes.

A plan declares its scheme (``account_scheme:`` in its header). The default, ``dk-municipal``,
is the Danish municipal chart of accounts described below; any other plan declares its own
(a name, optionally a pattern its codes must match, and the levels its budget report groups
by, each level the code's first segments): a city climate plan's ``CLIM-01`` is grouped
under ``CLIM``, and nothing Danish is assumed of it.

In the Danish scheme a budget line's code is six digits, ``055771`` = hovedkonto ``05`` (zero-padded 5),
hovedfunktion ``57``, funktion ``71``; officially written ``5.57.71`` and also ``05.57.71``
(domain notes §3.1). The chart has hovedkonti 0-9 only, so a six-digit code must start with
``0``; anything else is a typo or a longer account string, and is refused.

Names change between budget years and municipalities shorten them (§3.3), so the code is the
key everywhere; :func:`chart_names` only gives a reference name for display, from the bundled
``data/chart_of_accounts.json``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from goaltrack.errors import DataError
from goaltrack.values.quoting import quote

ACCOUNT_CODE_HELP = "account code must be 6 digits like '055771' or dotted like '5.57.71'"

# [0-9] rather than \d: \d also matches non-ASCII digits.
_SIX = re.compile(r"0([0-9])([0-9]{2})([0-9]{2})")
_DOTTED = re.compile(r"0?([0-9])\.([0-9]{2})\.([0-9]{2})")


@dataclass(frozen=True, order=True)
class AccountCode:
    """A parsed account code; ``code`` is the six-digit form, and orders the codes."""

    code: str
    hovedkonto: int
    hovedfunktion: int
    funktion: int

    @property
    def dotted(self) -> str:
        """The official notation, e.g. ``5.57.71``."""
        return f"{self.hovedkonto}.{self.hovedfunktion:02d}.{self.funktion:02d}"

    @property
    def hovedkonto_code(self) -> str:
        return f"{self.hovedkonto:02d}"

    @property
    def hovedfunktion_code(self) -> str:
        return f"{self.hovedfunktion:02d}"

    @property
    def funktion_code(self) -> str:
        return f"{self.funktion:02d}"

    @property
    def hovedfunktion_dotted(self) -> str:
        """The hovedfunktion as the chart names it, e.g. ``5.57``."""
        return f"{self.hovedkonto}.{self.hovedfunktion:02d}"

    def __str__(self) -> str:
        return self.code


DK_MUNICIPAL = "dk-municipal"


@dataclass(frozen=True)
class SchemeLevel:
    """One grouping level: the code's first ``segments`` segments, and their names."""

    name: str
    segments: int
    names: tuple[tuple[str, str], ...] = ()

    def key(self, code: str, separator: str) -> str:
        return separator.join(code.split(separator)[: self.segments])

    def name_of(self, key: str) -> str | None:
        return dict(self.names).get(key)


@dataclass(frozen=True)
class AccountScheme:
    """How a plan writes and groups its account codes (see the module docstring)."""

    name: str
    pattern: str | None = None
    separator: str = "-"
    levels: tuple[SchemeLevel, ...] = ()

    @property
    def danish(self) -> bool:
        return self.name == DK_MUNICIPAL

    def problem(self, code: str) -> str | None:
        """Why ``code`` is not a code of this scheme, or None."""
        if self.danish:
            if not _SIX_TEXT.fullmatch(code):
                return f"account code must be 6 digits, got {code!r}"
            if not code.startswith("0"):
                return f"account code must start with 0 (hovedkonto 0-9 is written 00-09), got {code!r}"
            return None
        if self.pattern is not None and not re.fullmatch(self.pattern, code):
            return f"account code {code!r} does not match the scheme's pattern {self.pattern!r}"
        return None

    def normalise(self, code: str) -> str:
        """The code as it is compared: the six-digit form in the Danish scheme (``5.68.91``
        and ``056891`` are one account), as written otherwise."""
        return parse_account_code(code).code if self.danish else code.strip()

    def groups_of(self, code: str) -> list[tuple[str, str | None]]:
        """(key, reference name) of the code's group at each level, outermost first."""
        if self.danish:
            account = parse_account_code(code)
            hk, hf, _fn = chart_names(account)
            return [(str(account.hovedkonto), hk), (account.hovedfunktion_dotted, hf)]
        return [(lv.key(code, self.separator), lv.name_of(lv.key(code, self.separator))) for lv in self.levels]

    def level_names(self) -> list[str]:
        """The levels' names; the Danish ones are msgids (translated when shown)."""
        if self.danish:
            return ["Main account", "Main function"]
        return [lv.name for lv in self.levels]


DANISH_SCHEME = AccountScheme(DK_MUNICIPAL)

_SIX_TEXT = re.compile(r"[0-9]{6}")


def scheme_from(declared: Any) -> AccountScheme:
    """The scheme a plan header declares: None or ``"dk-municipal"`` is the Danish chart; a
    mapping (as :class:`goaltrack.planfile.schema.AccountSchemeSpec` dumps it) is the plan's own."""
    if declared is None or declared == DK_MUNICIPAL:
        return DANISH_SCHEME
    if isinstance(declared, str):
        raise DataError(f"unknown account scheme {quote(declared)} (the built-in one is {DK_MUNICIPAL!r})")
    levels = tuple(
        SchemeLevel(str(lv["name"]), int(lv.get("segments", i + 1)),
                    tuple(sorted((str(k), str(v)) for k, v in (lv.get("names") or {}).items())))
        for i, lv in enumerate(declared.get("levels") or [])
    )
    return AccountScheme(str(declared["name"]), declared.get("pattern"), str(declared.get("separator") or "-"), levels)


def parse_account_code(code: str) -> AccountCode:
    """Parse ``055771``, ``05.57.71`` or ``5.57.71``; raise :class:`DataError` otherwise."""
    if not isinstance(code, str):
        # An unquoted 055771 in YAML or a spreadsheet arrives as the int 55771, minus its zero.
        raise DataError(f"{ACCOUNT_CODE_HELP}, got {type(code).__name__} {quote(code)}")
    text = code.strip()
    m = _SIX.fullmatch(text) or _DOTTED.fullmatch(text)
    if m is None:
        raise DataError(f"{ACCOUNT_CODE_HELP}, got {quote(code)}")
    hk, hf, fn = int(m[1]), int(m[2]), int(m[3])
    return AccountCode(f"0{hk}{hf:02d}{fn:02d}", hk, hf, fn)


@cache
def chart_of_accounts() -> dict[str, Any]:
    """The bundled reference table, read once on first use."""
    path = resources.files("goaltrack").joinpath("data", "chart_of_accounts.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def chart_names(code: str | AccountCode) -> tuple[str | None, str | None, str | None]:
    """Reference names of the code's (hovedkonto, hovedfunktion, funktion); None where unknown."""
    account = code if isinstance(code, AccountCode) else parse_account_code(code)
    chart = chart_of_accounts()

    def name(section: str, key: str) -> str | None:
        entry = chart.get(section, {}).get(key)
        return None if entry is None else str(entry["name"])

    return (
        name("hovedkonti", str(account.hovedkonto)),
        name("hovedfunktioner", account.hovedfunktion_dotted),
        name("funktioner", account.dotted),
    )


def percent_change(old: float, new: float) -> float | None:
    """The change from ``old`` to ``new`` in percent of ``old``; None when there is none.

    Only a positive base has a percentage. From 0 there is none; from a negative base (a net
    income line, 054665 Repatriering: -95 -> -96) a percentage reads wrongly whichever way it
    is signed (issue 13: a manager read "-1.1 %" as less money), so it is None too, and reports
    show "n/a" beside the change in amount, which stays. So does a NaN or infinite input:
    tables call this per row.
    """
    if old <= 0 or not (math.isfinite(old) and math.isfinite(new)):
        return None
    return (new - old) / old * 100.0


__all__ = [
    "ACCOUNT_CODE_HELP",
    "DANISH_SCHEME",
    "DK_MUNICIPAL",
    "AccountCode",
    "AccountScheme",
    "SchemeLevel",
    "chart_names",
    "chart_of_accounts",
    "parse_account_code",
    "percent_change",
    "scheme_from",
]
