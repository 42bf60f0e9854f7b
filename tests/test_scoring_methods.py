"""The built-in scoring methods: linear, target-type, threshold and binary.

Every expectation below is computed by hand in the comment beside it, so a reader can check
the method against the formula in docs/progress.md. The properties at the end hold for every
input hypothesis finds: a score lies in [0, 1], and it never falls as the value moves in the
wanted direction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from goaltrack.default_plugins.scoring import fmt
from goaltrack.interfaces import IndicatorSpec, Observation, Score, ScoringMethod
from goaltrack.plugins import load_plugins
from goaltrack.values.periods import parse_period


@pytest.fixture(scope="module")
def methods() -> dict[str, ScoringMethod]:
    return load_plugins().scoring_methods


def spec(**kw: Any) -> IndicatorSpec:
    base: dict[str, Any] = {"code": "X1", "name": "Test indicator", "unit": "pct", "direction": "increase"}
    base.update(kw)
    return IndicatorSpec(**base)


def obs(value: float, period: str = "2024") -> list[Observation]:
    p = parse_period(period)
    return [Observation(p.code, p.start, p.end, value)]


def run(methods: dict[str, ScoringMethod], name: str, s: IndicatorSpec, observations: Sequence[Observation]) -> Score:
    return methods[name].score(s, observations)


def test_the_four_methods_are_registered(methods: dict[str, ScoringMethod]) -> None:
    assert {"linear", "target-type", "threshold", "binary"} <= set(methods)
    for name in ("linear", "target-type", "threshold", "binary"):
        assert methods[name].description


# --------------------------------------------------------------------------- linear


def test_linear_the_example_of_the_issue(methods: dict[str, ScoringMethod]) -> None:
    # Kalundborg's unemployment rose 5.8 % while a fall to -2 % from 0 % was wanted:
    # (5.8 - 0) / (-2 - 0) = -2.9, clamped to 0.
    s = spec(unit="pct-change", direction="decrease", baseline=0.0, target=-2.0)
    r = run(methods, "linear", s, obs(5.8, "2020-03-08/2020-10-18"))
    assert r.score == 0.0
    assert r.status == "off-track"
    assert r.explanation == (
        "5.8 % (2020-03-08/2020-10-18) vs baseline 0 % and target −2 % → 0.00, decrease wanted"
    )


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "value", "expected", "status"),
    [
        ("increase", 30, 50, 42, 0.6, "off-track"),  # (42-30)/(50-30) = 12/20
        ("increase", 30, 50, 46, 0.8, "at-risk"),  # 16/20
        ("increase", 30, 50, 48, 0.9, "on-track"),  # 18/20, exactly the on-track band
        ("increase", 30, 50, 55, 1.0, "on-track"),  # 25/20 = 1.25, clamped to 1
        ("increase", 30, 50, 25, 0.0, "off-track"),  # -5/20, clamped to 0
        ("increase", 30, 50, 30, 0.0, "off-track"),  # still at the baseline
        ("decrease", 20, 5, 11, 0.6, "off-track"),  # (11-20)/(5-20) = -9/-15
        ("decrease", 20, 5, 5, 1.0, "on-track"),
        ("decrease", 20, 5, 2, 1.0, "on-track"),  # beyond the target: clamped
        ("decrease", 20, 5, 23, 0.0, "off-track"),  # worse than the baseline
        (None, 1000, 600, 800, 0.5, "off-track"),  # no direction: taken from target < baseline
    ],
)
def test_linear(methods: dict[str, ScoringMethod], direction: str | None, baseline: float, target: float,
                value: float, expected: float, status: str) -> None:
    r = run(methods, "linear", spec(unit="tonnes", direction=direction, baseline=baseline, target=target), obs(value))
    assert r.score == pytest.approx(expected)
    assert r.status == status


def test_linear_explanation_increase(methods: dict[str, ScoringMethod]) -> None:
    r = run(methods, "linear", spec(baseline=30.0, target=50.0), obs(42.0, "2024Q2"))
    assert r.explanation == "42 % (2024Q2) vs baseline 30 % and target 50 % → 0.60, increase wanted"


def test_linear_explanation_other_units_and_big_numbers(methods: dict[str, ScoringMethod]) -> None:
    r = run(methods, "linear", spec(unit="persons", baseline=1000.0, target=3000.0), obs(1500.5))
    # (1500.5 - 1000) / 2000 = 0.25025
    assert r.explanation == (
        "1,500.5 persons (2024) vs baseline 1,000 persons and target 3,000 persons → 0.25, increase wanted"
    )


def test_linear_maintain(methods: dict[str, ScoringMethod]) -> None:
    s = spec(unit="persons", direction="maintain", baseline=100.0, target=100.0)
    # Tolerance 5 % of the target = 5: within it the score is 1.
    assert run(methods, "linear", s, obs(103)).score == 1.0
    assert run(methods, "linear", s, obs(95)).score == 1.0
    # 7.5 away: 1 - (7.5 - 5) / 5 = 0.5
    r = run(methods, "linear", s, obs(107.5))
    assert r.score == pytest.approx(0.5)
    assert "within ±5 persons of 100 persons wanted" in r.explanation
    # 10 or more beyond the tolerance: 0
    assert run(methods, "linear", s, obs(85)).score == 0.0


def test_linear_range(methods: dict[str, ScoringMethod]) -> None:
    s = spec(unit="loans", direction="range", target_range=(1.5, 3.0))
    assert run(methods, "linear", s, obs(2.0)).score == 1.0
    # 0.75 above the range, which is 1.5 wide: 1 - 0.75 / 1.5 = 0.5
    r = run(methods, "linear", s, obs(3.75))
    assert r.score == pytest.approx(0.5)
    assert r.explanation == (
        "3.75 loans (2024) vs range 1.5 loans–3 loans → 0.50 (distance 0.75 loans, range width 1.5 loans)"
    )


def test_linear_no_data(methods: dict[str, ScoringMethod]) -> None:
    r = run(methods, "linear", spec(baseline=30.0, target=50.0), [])
    assert (r.score, r.status, r.explanation) == (None, "no-data", "X1: no measurement")
    # A value but nothing to compare it with is no data for scoring, and says so.
    r = run(methods, "linear", spec(target=50.0), obs(43.5, "2021M06"))
    assert (r.score, r.status) == (None, "no-data")
    assert r.explanation == "X1: 43.5 % (2021M06), but no baseline and target to score against"


def test_linear_uses_the_latest_observation(methods: dict[str, ScoringMethod]) -> None:
    series = obs(32, "2024Q1") + obs(40, "2024Q2")
    r = run(methods, "linear", spec(baseline=30.0, target=50.0), series)
    assert r.score == pytest.approx(0.5)  # (40-30)/20
    assert "(2024Q2)" in r.explanation


def test_indicator_thresholds_move_the_bands(methods: dict[str, ScoringMethod]) -> None:
    s = spec(baseline=30.0, target=50.0, on_track=0.8, at_risk=0.6)
    assert run(methods, "linear", s, obs(46)).status == "on-track"  # 0.8
    assert run(methods, "linear", s, obs(43)).status == "at-risk"  # 0.65
    assert run(methods, "linear", s, obs(41)).status == "off-track"  # 0.55


# --------------------------------------------------------------------------- target-type


@pytest.mark.parametrize(
    ("target_type", "baseline", "target", "value", "expected"),
    [
        ("at-or-above", None, 80, 90, 1.0),  # at or above: met
        ("at-or-above", None, 80, 80, 1.0),
        ("at-or-above", None, 80, 60, 0.75),  # 60/80
        ("at-or-above", None, 80, -5, 0.0),
        ("at-or-below", None, 10, 8, 1.0),  # at or below: met
        ("at-or-below", None, 10, 12.5, 0.8),  # 10/12.5
        ("at-or-below", None, 10, 40, 0.25),  # 10/40
        ("increase-to", 30, 50, 40, 0.5),  # (40-30)/(50-30)
        ("increase-to", 30, 50, 60, 1.0),
        ("decrease-to", 20, 5, 8, 0.8),  # (8-20)/(5-20) = -12/-15
        ("decrease-to", 20, 5, 25, 0.0),
    ],
)
def test_target_type(methods: dict[str, ScoringMethod], target_type: str, baseline: float | None,
                     target: float, value: float, expected: float) -> None:
    s = spec(unit="days", target_type=target_type, baseline=baseline, target=target)
    assert run(methods, "target-type", s, obs(value)).score == pytest.approx(expected)


def test_target_type_explanations(methods: dict[str, ScoringMethod]) -> None:
    r = run(methods, "target-type", spec(unit="days", target_type="at-or-below", target=10.0), obs(12.5))
    assert r.explanation == "12.5 days (2024) vs target 10 days (at-or-below, stay at or below) → 0.80"
    r = run(methods, "target-type", spec(unit="days", direction="decrease", baseline=20.0, target=5.0), obs(8))
    assert r.explanation == "8 days (2024) vs target 5 days (decrease-to, from baseline 20 days) → 0.80"


def test_target_type_follows_the_direction_when_no_type_is_given(methods: dict[str, ScoringMethod]) -> None:
    inc = spec(direction="increase", baseline=30.0, target=50.0)
    assert run(methods, "target-type", inc, obs(40)).score == pytest.approx(0.5)  # increase-to
    keep = spec(unit="persons", direction="maintain", target=100.0)
    r = run(methods, "target-type", keep, obs(90))
    assert r.score == pytest.approx(0.9)  # at-or-above: 90/100
    assert "(at-or-above, stay at or above)" in r.explanation


def test_target_type_no_data(methods: dict[str, ScoringMethod]) -> None:
    assert run(methods, "target-type", spec(target=50.0), []).status == "no-data"
    r = run(methods, "target-type", spec(), obs(40))
    assert (r.score, r.explanation) == (None, "X1: 40 % (2024), but no target")
    r = run(methods, "target-type", spec(target_type="increase-to", target=50.0), obs(40))
    assert (r.score, r.explanation) == (None, "X1: increase-to needs a baseline")


# --------------------------------------------------------------------------- threshold


@pytest.mark.parametrize(
    ("direction", "target", "value", "expected", "status"),
    [
        ("increase", 200, 190, 0.95, "on-track"),  # 190/200, above 0.9
        ("increase", 200, 150, 0.75, "at-risk"),  # 150/200, between 0.7 and 0.9
        ("increase", 200, 100, 0.5, "off-track"),  # 100/200
        ("increase", 200, 260, 1.0, "on-track"),  # 1.3, clamped
        ("decrease", 600, 750, 0.8, "at-risk"),  # 600/750
        ("decrease", 600, 500, 1.0, "on-track"),  # 1.2, clamped
        ("decrease", 600, 0, 1.0, "on-track"),  # nothing at all: target reached
    ],
)
def test_threshold(methods: dict[str, ScoringMethod], direction: str, target: float, value: float,
                   expected: float, status: str) -> None:
    r = run(methods, "threshold", spec(unit="tonnes", direction=direction, target=target), obs(value))
    assert r.score == pytest.approx(expected)
    assert r.status == status


def test_threshold_explanation_and_own_bands(methods: dict[str, ScoringMethod]) -> None:
    s = spec(unit="tonnes", direction="decrease", target=600.0, on_track=0.8, at_risk=0.5)
    r = run(methods, "threshold", s, obs(750))
    assert r.status == "on-track"  # 0.8 reaches this indicator's own on-track band
    assert r.explanation == (
        "750 tonnes (2024) vs target 600 tonnes: target / value, decrease wanted = 0.80 → 0.80; "
        "bands on track ≥ 0.8, at risk ≥ 0.5"
    )
    r = run(methods, "threshold", spec(unit="persons", target=200.0), obs(150))
    assert r.explanation == (
        "150 persons (2024) vs target 200 persons: value / target = 0.75 → 0.75; bands on track ≥ 0.9, at risk ≥ 0.7"
    )


@pytest.mark.parametrize("target", [None, 0.0, -2.0])
def test_threshold_needs_a_target_above_zero(methods: dict[str, ScoringMethod], target: float | None) -> None:
    # "Share of the target reached" has no meaning for a target of 0 or below.
    r = run(methods, "threshold", spec(unit="pct-change", target=target), obs(1.0))
    assert (r.score, r.status) == (None, "no-data")
    assert "target" in r.explanation


# --------------------------------------------------------------------------- binary


@pytest.mark.parametrize(
    ("direction", "target", "value", "met"),
    [
        ("increase", 100, 100, True),
        ("increase", 100, 99.9, False),
        ("decrease", 5, 5, True),
        ("decrease", 5, 6, False),
        ("maintain", 100, 104, True),  # within 5 % of 100
        ("maintain", 100, 106, False),
        (None, 100, 120, True),  # no direction: at or above
    ],
)
def test_binary(methods: dict[str, ScoringMethod], direction: str | None, target: float, value: float,
                met: bool) -> None:
    r = run(methods, "binary", spec(direction=direction, target=target), obs(value))
    assert r.score == (1.0 if met else 0.0)
    assert r.status == ("on-track" if met else "off-track")


def test_binary_explanation_and_range(methods: dict[str, ScoringMethod]) -> None:
    r = run(methods, "binary", spec(target=100.0), obs(60))
    assert r.explanation == "60 % (2024) misses the target: at or above 100 % → 0"
    s = spec(unit="loans", direction="range", target_range=(1.5, 3.0))
    r = run(methods, "binary", s, obs(2))
    assert (r.score, r.explanation) == (1.0, "2 loans (2024) meets the target: within 1.5 loans–3 loans → 1")
    assert run(methods, "binary", spec(), obs(2)).status == "no-data"
    assert run(methods, "binary", spec(target=1.0), []).status == "no-data"


# --------------------------------------------------------------------------- number format


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (5.8, "pct", "5.8 %"),
        (-2.0, "pct-change", "−2 %"),
        (0.0, "%", "0 %"),
        (41.55, "pct", "41.55 %"),
        (1234567.0, "1000 DKK", "1,234,567 1000 DKK"),
        (2.5, "", "2.5"),
        (None, "pct", "?"),
    ],
)
def test_numbers_in_explanations(value: float | None, unit: str, text: str) -> None:
    assert fmt(value, unit) == text


# --------------------------------------------------------------------------- properties

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
METHODS = ("linear", "target-type", "threshold", "binary")
DIRECTIONS = ("increase", "decrease", "maintain", "range", None)
TARGET_TYPES = (None, "at-or-above", "at-or-below", "increase-to", "decrease-to")


@st.composite
def any_spec(draw: st.DrawFn) -> IndicatorSpec:
    low, high = sorted((draw(finite), draw(finite)))
    at_risk = draw(st.floats(min_value=0, max_value=1))
    on_track = draw(st.floats(min_value=at_risk, max_value=1))
    return spec(
        unit=draw(st.sampled_from(["pct", "persons", "pct-change"])),
        direction=draw(st.sampled_from(DIRECTIONS)),
        baseline=draw(st.none() | finite),
        target=draw(st.none() | finite),
        target_range=draw(st.none() | st.just((low, high))),
        target_type=draw(st.sampled_from(TARGET_TYPES)),
        on_track=on_track,
        at_risk=at_risk,
    )


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.sampled_from(METHODS), any_spec(), st.lists(finite, max_size=3))
def test_score_is_in_0_1_or_no_data(methods: dict[str, ScoringMethod], name: str, s: IndicatorSpec,
                                    values: list[float]) -> None:
    series = [Observation(f"{2020 + i}", dt.date(2020 + i, 1, 1), dt.date(2020 + i, 12, 31), v)
              for i, v in enumerate(values)]
    r = run(methods, name, s, series)
    if r.score is None:
        assert r.status == "no-data"
    else:
        assert 0.0 <= r.score <= 1.0
        assert r.status in ("on-track", "at-risk", "off-track")
    assert r.explanation


@st.composite
def directed_spec(draw: st.DrawFn, direction: str) -> IndicatorSpec:
    """A consistent indicator: for increase the target lies above the baseline, for decrease below."""
    a, b = draw(finite), draw(finite)
    assume(a != b)
    baseline, target = (min(a, b), max(a, b)) if direction == "increase" else (max(a, b), min(a, b))
    kinds = [None, "at-or-above", "increase-to"] if direction == "increase" else [None, "at-or-below", "decrease-to"]
    return spec(unit="persons", direction=direction, baseline=baseline, target=target,
                target_type=draw(st.sampled_from(kinds)))


def _score(methods: dict[str, ScoringMethod], name: str, s: IndicatorSpec, value: float) -> float:
    r = run(methods, name, s, obs(value))
    assert r.score is not None
    return r.score


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.sampled_from(METHODS), directed_spec("increase"), finite, finite)
def test_monotone_for_increase(methods: dict[str, ScoringMethod], name: str, s: IndicatorSpec, v1: float,
                               v2: float) -> None:
    lo, hi = sorted((v1, v2))
    if name == "threshold":
        assume(s.target is not None and s.target > 0)
    assert _score(methods, name, s, lo) <= _score(methods, name, s, hi)


@settings(deadline=None)  # pure computation; a loaded CI machine must not fail it
@given(st.sampled_from(METHODS), directed_spec("decrease"), finite, finite)
def test_monotone_reversed_for_decrease(methods: dict[str, ScoringMethod], name: str, s: IndicatorSpec,
                                        v1: float, v2: float) -> None:
    lo, hi = sorted((v1, v2))
    if name == "threshold":
        assume(s.target is not None and s.target > 0)
    assert _score(methods, name, s, lo) >= _score(methods, name, s, hi)
