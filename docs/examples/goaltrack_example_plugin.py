"""An example goaltrack plugin: a planned path from baseline to target, and scoring by pace.

- Indicator kind ``planned-path``: the value the plan expects at the end of each year on a
  straight line from the indicator's baseline to its target. Plot it next to the measured
  series to see at a glance whether the measurements keep up.
- Scoring method ``pace``: how much of the progress expected *by now* has been made. An
  indicator halfway through its plan period that has made half of the whole way to its
  target scores 1.0; one that has made a quarter of the way scores 0.5.

Periods are read by their year (``2021``, ``2021Q3``, ``2021M03`` all start with one).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from goaltrack import hookimpl
from goaltrack.interfaces import (
    ComputedValue,
    IndicatorKind,
    IndicatorSpec,
    Observation,
    Score,
    ScoringMethod,
    Status,
)

if TYPE_CHECKING:  # only for type checkers: plugins import nothing heavy at module level
    from sqlalchemy.engine import Connection


def _year(period: str | None) -> int | None:
    if period and period[:4].isdigit():
        return int(period[:4])
    return None


def _position(day: dt.date) -> float:
    """A date as a fractional year: 2021-12-31 is 2022.0, 2021-07-02 is about 2021.5."""
    return day.year + day.timetuple().tm_yday / (366 if calendar.isleap(day.year) else 365)


def _path(indicator: IndicatorSpec) -> tuple[float, float, int, int] | None:
    """Baseline value, target value, baseline year and target year, if the plan gives them."""
    start, end = _year(indicator.baseline_period), _year(indicator.target_period)
    if indicator.baseline is None or indicator.target is None or start is None or end is None:
        return None
    if end <= start:
        return None
    return indicator.baseline, indicator.target, start, end


def _expected(path: tuple[float, float, int, int], at: float) -> float:
    """The value on the path at fractional year ``at`` (clamped to the plan period)."""
    baseline, target, start, end = path
    # The baseline holds at the end of its year, the target at the end of its year.
    share = min(max((at - (start + 1)) / (end - start), 0.0), 1.0)
    return baseline + (target - baseline) * share


class PlannedPath(IndicatorKind):
    name = "planned-path"
    description = "The value the plan expects each year, on a straight line from baseline to target."
    parameters = {}  # it needs only the indicator's own baseline and target

    def compute(self, conn: Connection, plan_id: int, indicator: IndicatorSpec) -> list[ComputedValue]:
        path = _path(indicator)
        if path is None:
            return []  # no baseline or target: nothing to draw
        _, _, start, end = path
        return [
            ComputedValue(str(year), round(_expected(path, year + 1), 6), note="planned")
            for year in range(start, end + 1)
        ]


class Pace(ScoringMethod):
    name = "pace"
    description = "Share of the progress expected by the latest measurement's date that was made."

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        path = _path(indicator)
        if path is None:
            return Score(None, "no-data", f"{indicator.code}: pace needs a baseline and a later target")
        if not observations:
            return Score(None, "no-data", f"{indicator.code}: no measurements yet")
        baseline, target, start, end = path
        latest = observations[-1]
        expected = _expected(path, _position(latest.end))
        needed = expected - baseline
        made = latest.value - baseline
        if needed == 0:  # measured at or before the baseline: only the direction counts
            value = 1.0 if made * (target - baseline) >= 0 else 0.0
        else:
            value = min(max(made / needed, 0.0), 1.0)
        status: Status
        if value >= indicator.on_track:
            status = "on-track"
        elif value >= indicator.at_risk:
            status = "at-risk"
        else:
            status = "off-track"
        explanation = (
            f"{latest.value:g} in {latest.period} vs {expected:g} expected on the path from "
            f"{baseline:g} ({start}) to {target:g} ({end}) -> {value:.2f} of the expected progress"
        )
        return Score(value, status, explanation)


@hookimpl
def register_indicators(register: Callable[[IndicatorKind], None]) -> None:
    register(PlannedPath())


@hookimpl
def register_scoring_methods(register: Callable[[ScoringMethod], None]) -> None:
    register(Pace())
