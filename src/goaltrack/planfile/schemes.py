"""The ``account_scheme:`` of a plan header: a plan's own account scheme (issue 13).

Kept apart from :mod:`goaltrack.planfile.schema`, which re-exports every name; the scheme
they describe is :class:`goaltrack.values.accounts.AccountScheme`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator

from goaltrack.planfile.fields import _Model
from goaltrack.values.accounts import DK_MUNICIPAL


class AccountLevelSpec(_Model):
    """A level the budget report groups accounts by: the code's first ``segments`` segments."""

    name: str = Field(description="What the level is called, e.g. 'Programme'.")
    segments: int = Field(default=1, ge=1, le=10,
                          description="How many leading segments of the code form the group, "
                                      "e.g. 1: 'CLIM' of 'CLIM-01'.")
    names: dict[str, str] = Field(default_factory=dict,
                                  description="Names of the groups by key, e.g. {CLIM: Climate}.")


class AccountSchemeSpec(_Model):
    """A plan's own account scheme, for plans outside the Danish municipal chart."""

    name: str = Field(description="The scheme's name, e.g. 'Riverton capital programme'.")
    pattern: str | None = Field(default=None,
                                description="A regular expression every account code must match, "
                                            "e.g. '[A-Z]+-[0-9]{2}'.")
    separator: str = Field(default="-", min_length=1, max_length=3,
                           description="What separates the code's segments, e.g. '-' in 'CLIM-01'.")
    levels: list[AccountLevelSpec] = Field(default_factory=list,
                                           description="Grouping levels, outermost first; none: no grouping.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern is not a regular expression: {exc}") from None
        return value

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, value: str) -> str:
        if value == DK_MUNICIPAL:
            raise ValueError(f"'{DK_MUNICIPAL}' is the built-in scheme; write account_scheme: {DK_MUNICIPAL}")
        return value


def _scheme_kind(value: Any) -> str:
    return "builtin-scheme" if isinstance(value, str) else "own-scheme"


# A name or a mapping: the discriminator tries only the branch the value's shape asks for,
# so an error in a plan's own scheme is reported once, not once per branch of the union.
AccountSchemeField = Annotated[
    Annotated[Literal["dk-municipal"], Tag("builtin-scheme")] | Annotated[AccountSchemeSpec, Tag("own-scheme")],
    Discriminator(_scheme_kind),
]
UNION_TAGS = frozenset({"builtin-scheme", "own-scheme"})  # not part of an error's path
