"""Reading dimension values as people and sources write them (issue 13).

A plan declares its dimensions and their values (:mod:`goaltrack.planfile.dimensions`); a
value recorded by hand or imported names them. Sources seldom use the plan's codes: a
Jobindsats export says ``Kvinder`` where the plan's code is ``women``. So a value is matched
by its code, else by its name, ignoring case and surrounding space; anything else is an
error that lists what is allowed. One resolver per indicator, built once per import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from goaltrack.errors import DataError


def breakdown_key(values: Mapping[str, str]) -> str:
    """The canonical text of a set of dimension values: ``age=16-29;sex=women``, sorted by
    dimension; ``""`` for a total. Codes hold neither ``=`` nor ``;`` (the plan's ``Code``)."""
    return ";".join(f"{d}={v}" for d, v in sorted(values.items()))


def breakdown_values(key: str) -> dict[str, str]:
    """The dimension values of a breakdown key (the inverse of :func:`breakdown_key`)."""
    if not key:
        return {}
    return dict(part.split("=", 1) for part in key.split(";"))


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class DimensionResolver:
    """The dimensions one indicator's values may carry, with the spellings each value accepts."""

    def __init__(self, plan_dimensions: Iterable[Mapping[str, Any]] | None, indicator_dimensions: Iterable[str] | None,
                 indicator: str) -> None:
        self.indicator = indicator
        self.own = list(indicator_dimensions or [])
        self.values: dict[str, dict[str, str]] = {}  # dimension -> folded code or name -> code
        self.allowed: dict[str, list[str]] = {}
        declared = {d["code"]: d for d in plan_dimensions or []}
        for code in self.own:
            spellings: dict[str, str] = {}
            for value in declared.get(code, {}).get("values", []):
                if value.get("name"):
                    spellings.setdefault(_fold(value["name"]), value["code"])
            for value in declared.get(code, {}).get("values", []):
                spellings[_fold(value["code"])] = value["code"]  # a code wins over a name
            self.values[code] = spellings
            self.allowed[code] = [v["code"] for v in declared.get(code, {}).get("values", [])]

    def key(self, given: Mapping[str, str | None]) -> str:
        """The breakdown key of ``given`` (dimension -> value as written; an empty value is
        no breakdown on that dimension); :class:`DataError` for an unknown dimension or value."""
        codes: dict[str, str] = {}
        for dim, raw in given.items():
            if raw is None or not str(raw).strip():
                continue
            spellings = self.values.get(dim)
            if spellings is None:
                own = f" (its dimensions: {', '.join(self.own)})" if self.own else " (it has no dimensions)"
                raise DataError(f"indicator '{self.indicator}' has no dimension '{dim}'{own}")
            code = spellings.get(_fold(str(raw)))
            if code is None:
                raise DataError(f"'{raw}' is not a value of dimension '{dim}' "
                                f"(allowed: {', '.join(self.allowed[dim])})")
            codes[dim] = code
        return breakdown_key(codes)


def parse_dimension_options(pairs: Iterable[str], what: str = "--dim") -> dict[str, str]:
    """``["sex=women", "age=16-29"]`` -> ``{"sex": "women", "age": "16-29"}``; a
    :class:`~goaltrack.errors.UsageError` for a pair without ``=`` or a dimension given twice."""
    from goaltrack.errors import UsageError

    out: dict[str, str] = {}
    for pair in pairs:
        dim, sep, value = pair.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise UsageError(f"{what} {pair!r}: write DIMENSION=VALUE, e.g. sex=women")
        if dim.strip() in out:
            raise UsageError(f"{what}: dimension '{dim.strip()}' is given twice")
        out[dim.strip()] = value.strip()
    return out
