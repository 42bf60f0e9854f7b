"""Test plugin: an indicator kind ``constant`` whose value is a parameter, for every period given."""

from __future__ import annotations

from goaltrack import hookimpl
from goaltrack.interfaces import ComputedValue, IndicatorKind, IndicatorSpec


class Constant(IndicatorKind):
    name = "constant"
    description = "The parameter `value` for each period in the parameter `periods`."
    parameters = {"value": "the number", "periods": "list of period codes"}

    def compute(self, conn, plan_id: int, indicator: IndicatorSpec) -> list[ComputedValue]:
        value = float(indicator.parameters["value"])
        return [ComputedValue(p, value) for p in indicator.parameters["periods"]]


@hookimpl
def register_indicators(register):
    register(Constant())
