"""Test plugin: a scoring method ``always-half`` that scores every indicator with data 0.5."""

from __future__ import annotations

from collections.abc import Sequence

from goaltrack import hookimpl
from goaltrack.interfaces import IndicatorSpec, Observation, Score, ScoringMethod


class AlwaysHalf(ScoringMethod):
    name = "always-half"
    description = "0.5 for any indicator with data (a test double)."

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        if not observations:
            return Score(None, "no-data", f"{indicator.code}: no data")
        return Score(0.5, "at-risk", f"{indicator.code}: always 0.50")


@hookimpl
def register_scoring_methods(register):
    register(AlwaysHalf())
