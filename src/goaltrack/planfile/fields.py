"""The building blocks of the plan-file models: field types and base models.

The field types (codes, years, numbers) carry the checks every item shares; ``_Model``
forbids unknown keys, and ``_OneTarget`` is a link naming exactly one item. The models
themselves are in :mod:`goaltrack.planfile.schema`, which re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from goaltrack.errors import DataError
from goaltrack.values.numbers import check_magnitude


def _written_as_text(value: object) -> object:
    """Refuse an identifier that YAML read as something other than text.

    YAML turns ``0x1F``, ``012``, ``1:20``, ``1_000``, ``1.50``, ``on`` and ``true`` into
    numbers and booleans, and the text back from them is another code (``31``, ``10``, ``80``,
    ``1000``, ``1.5``, ``True``): a code that silently changed. Quoted, it stays as written.
    """
    if isinstance(value, bool | int | float):
        raise ValueError("write the code in quotes")
    return value


def _storable(value: object) -> object:
    """A YAML number goaltrack can store (:func:`goaltrack.values.numbers.check_magnitude`); anything
    else is left to the field's own validation and message."""
    # NaN and infinities are left to pydantic ("Input should be a finite number").
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and math.isfinite(value):
        try:
            check_magnitude(value)
        except DataError as exc:
            raise ValueError(str(exc)) from None
    return value


Code = Annotated[
    str,
    BeforeValidator(_written_as_text),
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="An identifier unique within its kind in the plan: letters, digits, '.', '_', '-'.",
    ),
]
Year = Annotated[int, Field(ge=1900, le=2200)]
# A number written as a number: strict, so a string such as "7.332" (Danish for 7332, but
# 7.332 to a parser) is refused instead of silently read as a number a thousand times smaller.
# -0.0 becomes 0.0: databases do not keep the sign of zero, and the plan's hash must not
# depend on it.
# Not .nan or .inf either: an amount or share must be a figure (SQLite stores NaN as NULL).
# Within the one bound on stored numbers (goaltrack.values.numbers.MAX_MAGNITUDE).
Number = Annotated[
    float, BeforeValidator(lambda v: _storable(v)), Field(strict=True, allow_inf_nan=False),
    AfterValidator(lambda v: v + 0.0),
]
# A number that need not be written as a float (a weight, a range bound), within the bound.
Bounded = Annotated[float, BeforeValidator(lambda v: _storable(v)), Field(allow_inf_nan=False)]


class _Model(BaseModel):
    # Numbers become text where text is wanted (a period `2021`, a code `12`); an unquoted
    # account code is caught before that by its own validator (it lost its leading zero).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class _OneTarget(_Model):
    """A link naming exactly one item, in one of the keys listed in ``_targets``."""

    _targets: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _exactly_one_target(self) -> Self:
        given = [k for k in self._targets if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(self._targets)}"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def target(self) -> tuple[str, str]:
        """(kind, code) of the item linked to."""
        for kind in self._targets:
            value = getattr(self, kind)
            if value:
                return kind, value
        raise AssertionError("validated above")


def source_label(source: Mapping[str, Any] | None) -> str:
    """A source as a reader names it: its title, with the publisher and date when given
    (``Beskæftigelsesplan 2021 (Kalundborg Kommune, 2020-12-10)``), and its reference only
    when that is a web address: a file name (``000_0863a4d303067c74.txt``) says nothing to a
    reader. "" for no source."""
    if not source:
        return ""
    title = str(source.get("title") or "")
    extra = [str(source[k]) for k in ("publisher", "date") if source.get(k) and str(source[k]) not in title]
    reference = str(source.get("reference") or "")
    if reference.startswith(("http://", "https://")):
        extra.append(reference)
    return f"{title} ({', '.join(extra)})" if extra and title else title or ", ".join(extra)
