"""The cross-reference checks of a plan's dimensions (see :mod:`goaltrack.planfile.dimensions`):
each reported at the file and line of the field at fault, as every other plan check is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from goaltrack.errors import Problem
from goaltrack.planfile.schema import PlanFile
from goaltrack.planfile.yamlio import Located, PathKey


def check_dimensions(plan: PlanFile, located: Located) -> Iterable[Problem]:
    """Duplicate dimension and value codes; indicators naming undeclared dimensions; targets
    and measurements naming a dimension the indicator lacks or a value the dimension lacks."""
    declared: dict[str, list[str]] = {}  # dimension -> its values, in the file's order
    counts = Counter(d.code for d in plan.dimensions)
    for i, dim in enumerate(plan.dimensions):
        if counts[dim.code] > 1 and dim.code in declared:
            yield located.problem(("dimensions", i, "code"), f"duplicate code '{dim.code}' in dimensions")
        values: list[str] = []
        # A placeholder for a dimension that did not validate has no values.
        for j, value in enumerate(getattr(dim, "values", [])):
            if value.code in values:
                yield located.problem(("dimensions", i, "values", j, "code"),
                                      f"value '{value.code}' is given twice in dimension '{dim.code}'")
            else:
                values.append(value.code)
        declared.setdefault(dim.code, values)
    for i, ind in enumerate(plan.indicators):
        base: PathKey = ("indicators", i)
        own: list[str] = []
        for j, code in enumerate(ind.dimensions):
            if code not in declared:
                yield located.problem((*base, "dimensions", j), _unknown_dimension(code, declared))
            elif code in own:
                yield located.problem((*base, "dimensions", j), f"dimension '{code}' is named twice")
            own.append(code)
        seen_targets: set[tuple[str, str]] = set()
        for j, target in enumerate(ind.targets_by):
            path: PathKey = (*base, "targets_by", j)
            for _, field, message in _value_problems({target.dimension: target.value}, own, declared, ind.code):
                yield located.problem((*path, field), message)
            if (target.dimension, target.value) in seen_targets:
                yield located.problem(path, f"a target for {target.dimension}={target.value} is given twice")
            seen_targets.add((target.dimension, target.value))
        if ind.targets_by and ind.target is None:
            yield located.problem((*base, "targets_by"), "targets_by needs the indicator's target "
                                  "(its period is the targets' period)", key=True)
        for j, meas in enumerate(ind.measurements):
            for dimension, _, message in _value_problems(meas.dimensions, own, declared, ind.code):
                yield located.problem((*base, "measurements", j, "dimensions", dimension), message)


def _value_problems(values: dict[str, str], own: list[str], declared: dict[str, list[str]],
                    indicator: str) -> Iterable[tuple[str, str, str]]:
    """(dimension, field, message) for each dimension the indicator lacks (field
    "dimension") or value the dimension does not allow (field "value")."""
    for dim, value in values.items():
        if dim not in own:
            yield dim, "dimension", (f"indicator '{indicator}' has no dimension '{dim}'"
                                     + (f" (its dimensions: {', '.join(own)})" if own else
                                        " (add it to the indicator's dimensions:)"))
        elif dim in declared and value not in declared[dim]:
            yield dim, "value", f"'{value}' is not a value of dimension '{dim}' (allowed: {', '.join(declared[dim])})"


def _unknown_dimension(code: str, declared: dict[str, list[str]]) -> str:
    from goaltrack.suggest import did_you_mean

    known = f" (declared: {', '.join(declared)})" if declared else " (the plan declares no dimensions:)"
    return f"unknown dimension '{code}'{did_you_mean(code, declared) or known}"
