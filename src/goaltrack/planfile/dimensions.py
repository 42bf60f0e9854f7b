"""Disaggregation in plan files: the ``dimensions:`` a plan declares (issue 13).

A dimension is what a measurement can be broken down by (sex, age band, area, origin, or
any other the plan names), with the values it allows. An indicator says which dimensions its
values may carry, and may set a target per dimension value (``targets_by``); a measurement
names its values (``dimensions: {sex: women}``). A measurement without dimensions is the
indicator's total, which is what scores and statuses rest on.

Kept apart from :mod:`goaltrack.planfile.schema`, which re-exports every name. A set of
dimension values is stored as one canonical text (:func:`breakdown_key`), so the store can
keep "one current value per indicator, period and breakdown" with a plain unique index
(:mod:`goaltrack.values.dimensions`).
"""

from __future__ import annotations

from pydantic import Field

from goaltrack.planfile.fields import Code, Number, _Model
from goaltrack.values.dimensions import breakdown_key as breakdown_key
from goaltrack.values.dimensions import breakdown_values as breakdown_values


class DimensionValueSpec(_Model):
    code: Code = Field(description="The value's code, e.g. 'women' or '16-29'.")
    name: str | None = Field(default=None, description="How it is shown and how sources may name it, "
                                                       "e.g. 'Kvinder'.")


class DimensionSpec(_Model):
    """A dimension measurements may be broken down by, with its allowed values."""

    code: Code = Field(description="The dimension's code, e.g. 'sex', 'age', 'area'.")
    name: str = Field(description="What it is called, e.g. 'Køn'.")
    description: str | None = None
    values: list[DimensionValueSpec] = Field(min_length=1, description="The values it allows.")


class DimensionTargetSpec(_Model):
    """A target for one value of a dimension (e.g. the share of women reached)."""

    dimension: Code = Field(description="Code of one of the indicator's dimensions.")
    value: Code = Field(description="Code of one of that dimension's values.")
    target: Number = Field(description="The target for that value, in the indicator's unit.")
    baseline: Number | None = Field(default=None, description="The baseline for that value, if the "
                                                              "source gives one.")
    note: str | None = None
