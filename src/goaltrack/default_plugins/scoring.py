"""Built-in scoring methods: ``linear``, ``target-type``, ``threshold`` and ``binary``.

Each turns an indicator's latest value, baseline, target and direction into a score in
[0, 1] and a status, with an explanation a person can check by hand. Status bands come
from the indicator (``scoring.thresholds``) or the config file: score >= on_track is
on track, >= at_risk is at risk, below is off track.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from goaltrack import hookimpl
from goaltrack.interfaces import IndicatorSpec, Observation, Score, ScoringMethod, Status
from goaltrack.settings import DEFAULTS
from goaltrack.vocab import unit_class


def clamp(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if value < 0:
        text = text.replace("-", "−")
    return text + _suffix(unit)


@lru_cache(maxsize=256)
def _suffix(unit: str) -> str:
    """What follows a number in ``unit`` (scoring formats three numbers per indicator, and
    a plan has few units)."""
    kind = unit_class(unit)
    if kind in ("percent", "percent-change"):
        return " %"
    if kind == "percent-point":
        return " pct. points"
    return f" {unit}".rstrip() if unit.strip() else ""


def band(score: float, spec: IndicatorSpec) -> Status:
    if score >= spec.on_track:
        return "on-track"
    if score >= spec.at_risk:
        return "at-risk"
    return "off-track"


def no_data(spec: IndicatorSpec, why: str) -> Score:
    return Score(None, "no-data", f"{spec.code}: {why}")


def latest(observations: Sequence[Observation]) -> Observation | None:
    return observations[-1] if observations else None


class Linear(ScoringMethod):
    name = "linear"
    description = "Progress from baseline to target, clamped to [0, 1]; works for increase and decrease."

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        spec, obs = indicator, latest(observations)
        if obs is None:
            return no_data(spec, "no measurement")
        if spec.direction == "range" and spec.target_range:
            return _range_score(spec, obs)
        if spec.baseline is None or spec.target is None:
            return no_data(spec,
                           f"{fmt(obs.value, spec.unit)} ({obs.period}), but no baseline and target to score against")
        b, t, v = spec.baseline, spec.target, obs.value
        wanted = spec.direction or ("increase" if t > b else "decrease")
        if wanted == "maintain" or t == b:
            tolerance = abs(t) * 0.05 or 1.0
            s = clamp(1.0 - max(0.0, abs(v - t) - tolerance) / tolerance)
            how = f"within ±{fmt(tolerance, spec.unit)} of {fmt(t, spec.unit)} wanted"
        else:
            s = clamp((v - b) / (t - b))
            how = f"{wanted} wanted"
        return Score(
            s, band(s, spec),
            f"{fmt(v, spec.unit)} ({obs.period}) vs baseline {fmt(b, spec.unit)} and target "
            f"{fmt(t, spec.unit)} → {s:.2f}, {how}",
        )


def _range_score(spec: IndicatorSpec, obs: Observation) -> Score:
    assert spec.target_range is not None
    low, high = spec.target_range
    v = obs.value
    width = (high - low) or 1.0
    distance = max(0.0, low - v, v - high)
    s = clamp(1.0 - distance / width)
    return Score(
        s, band(s, spec),
        f"{fmt(v, spec.unit)} ({obs.period}) vs range {fmt(low, spec.unit)}–{fmt(high, spec.unit)} "
        f"→ {s:.2f} (distance {fmt(distance, spec.unit)}, range width {fmt(width, spec.unit)})",
    )


TARGET_TYPES = ("at-or-above", "at-or-below", "increase-to", "decrease-to")


class TargetType(ScoringMethod):
    name = "target-type"
    description = "Stay at or above / at or below a target, or increase / decrease to it."

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        spec, obs = indicator, latest(observations)
        if obs is None:
            return no_data(spec, "no measurement")
        if spec.target is None:
            return no_data(spec, f"{fmt(obs.value, spec.unit)} ({obs.period}), but no target")
        kind = spec.target_type or {
            "increase": "increase-to", "decrease": "decrease-to", "maintain": "at-or-above",
        }.get(spec.direction or "", "at-or-above")
        v, t = obs.value, spec.target
        if kind in ("increase-to", "decrease-to"):
            if spec.baseline is None:
                return no_data(spec, f"{kind} needs a baseline")
            s = 1.0 if spec.baseline == t else clamp((v - spec.baseline) / (t - spec.baseline))
            detail = f"from baseline {fmt(spec.baseline, spec.unit)}"
        elif kind == "at-or-above":
            s = 1.0 if v >= t else clamp(v / t) if t > 0 else 0.0
            detail = "stay at or above"
        else:
            s = 1.0 if v <= t else clamp(t / v) if v > 0 and t >= 0 else 0.0
            detail = "stay at or below"
        return Score(
            s, band(s, spec),
            f"{fmt(v, spec.unit)} ({obs.period}) vs target {fmt(t, spec.unit)} ({kind}, {detail}) → {s:.2f}",
        )


class Threshold(ScoringMethod):
    name = "threshold"
    description = (
        f"Share of the target reached; on track at >= on_track ({DEFAULTS.scoring.on_track}), "
        f"at risk at >= at_risk ({DEFAULTS.scoring.at_risk})."
    )

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        spec, obs = indicator, latest(observations)
        if obs is None:
            return no_data(spec, "no measurement")
        if spec.target is None or spec.target <= 0:
            # A share of the target only means something for a target above 0; with a
            # negative one, value / target would reward moving away from it.
            return no_data(spec, f"{fmt(obs.value, spec.unit)} ({obs.period}), but no target above 0 "
                                 "(threshold scores the share of the target reached)")
        v, t = obs.value, spec.target
        if spec.direction == "decrease":
            ratio = t / v if v > 0 else 1.0
            how = "target / value, decrease wanted"
        else:
            ratio = v / t
            how = "value / target"
        s = clamp(ratio)
        return Score(
            s, band(s, spec),
            f"{fmt(v, spec.unit)} ({obs.period}) vs target {fmt(t, spec.unit)}: {how} = {ratio:.2f} "
            f"→ {s:.2f}; bands on track ≥ {spec.on_track:g}, at risk ≥ {spec.at_risk:g}",
        )


class Binary(ScoringMethod):
    name = "binary"
    description = "Met (1) or not (0): at or beyond the target in the wanted direction."

    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        spec, obs = indicator, latest(observations)
        if obs is None:
            return no_data(spec, "no measurement")
        v = obs.value
        if spec.direction == "range" and spec.target_range:
            low, high = spec.target_range
            met = low <= v <= high
            rule = f"within {fmt(low, spec.unit)}–{fmt(high, spec.unit)}"
        elif spec.target is None:
            return no_data(spec, f"{fmt(v, spec.unit)} ({obs.period}), but no target")
        elif spec.direction == "decrease":
            met, rule = v <= spec.target, f"at or below {fmt(spec.target, spec.unit)}"
        elif spec.direction == "maintain":
            met, rule = abs(v - spec.target) <= abs(spec.target) * 0.05, f"within 5 % of {fmt(spec.target, spec.unit)}"
        else:
            met, rule = v >= spec.target, f"at or above {fmt(spec.target, spec.unit)}"
        s = 1.0 if met else 0.0
        return Score(s, "on-track" if met else "off-track",
                     f"{fmt(v, spec.unit)} ({obs.period}) {'meets' if met else 'misses'} the target: {rule} → {s:.0f}")


@hookimpl
def register_scoring_methods(register):
    for method in (Linear(), TargetType(), Threshold(), Binary()):
        register(method)
