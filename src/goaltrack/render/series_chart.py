"""An indicator's whole series as a chart: the indicator page of the web application.

:func:`series_chart` takes the progress report's entry for one indicator (the dict the JSON
format writes under ``indicators[i]``: ``series``, ``baseline``, ``target``,
``target_range``, ``unit``) and draws every value by period on a value axis, with the
baseline and the target as labelled reference lines. Like the charts of
:mod:`goaltrack.render.charts` it is deterministic, escapes every piece of text (it is
built from :mod:`goaltrack.render.svg_elements` only) and is accessible: ``role="img"``,
an ``aria-label``, a ``<title>`` and a ``<desc>`` that says what it shows in words; the
page shows the same figures in a table beside it. Observed values are filled dots,
forecasts hollow ones; the baseline is grey dashes, the target green dashes (a band for a
target range), each named in text, not by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from goaltrack.render.charts import _day
from goaltrack.render.i18n import Formatter
from goaltrack.render.svg_elements import BASELINE, BLUE, GRID, MUTED, TARGET, _clip, _el, _n, _svg, _text, _tip


@dataclass(frozen=True)
class _Frame:
    """The plotting area inside the chart and the value range it shows."""

    lo: float
    hi: float
    width: float = 640.0
    height: float = 280.0
    left: float = 64.0
    right: float = 150.0
    top: float = 20.0
    bottom: float = 40.0

    def y(self, value: float) -> float:
        inner = self.height - self.top - self.bottom
        return self.top + inner - (value - self.lo) / (self.hi - self.lo) * inner

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round values from ``lo`` to ``hi`` (steps of 1, 2 or 5 × 10^k)."""
    import math

    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= raw)
    first = math.ceil(lo / step) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def _range(values: list[float], refs: list[float]) -> tuple[float, float]:
    lo, hi = min(values + refs), max(values + refs)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def series_chart(indicator: dict[str, Any], fmt: Formatter) -> Markup:
    """Every value of the indicator by period, with its baseline and target."""
    _ = fmt.gettext
    points = [p for p in indicator.get("series", []) if p.get("value") is not None]
    unit = indicator.get("unit")
    baseline = (indicator.get("baseline") or {}).get("value")
    target = (indicator.get("target") or {}).get("value")
    band = indicator.get("target_range")
    band = band if band and len(band) == 2 and None not in band else None
    name = str(indicator.get("code") or "")
    refs = [float(v) for v in (baseline, target) if v is not None] + [float(v) for v in band or ()]
    values = [float(p["value"]) for p in points]
    if not values and not refs:
        f0 = _Frame(0.0, 1.0)
        body = [_el("line", x1=f0.x0, y1=f0.height / 2, x2=f0.x1, y2=f0.height / 2, stroke=GRID,
                    stroke_dasharray="3 4"),
                _text((f0.x0 + f0.x1) / 2, f0.height / 2 - 8, _("no data"), text_anchor="middle", fill=MUTED)]
        return _svg(f0.width, f0.height, _("%(name)s: no data") % {"name": name},
                    _("No value has been recorded for this indicator."), body, "series-chart")
    frame = _Frame(*_range(values, refs))
    body = _axes(frame, points, unit, fmt)
    body += _references(frame, baseline, target, band, unit, fmt)
    body += _line(frame, points, values, unit, fmt)
    return _svg(frame.width, frame.height, _title(name, points, values, unit, fmt),
                _desc(points, values, baseline, target, band, unit, fmt), body, "series-chart")


def _xs(frame: _Frame, points: list[dict[str, Any]]) -> list[float]:
    """Each point's x: by its period's end date (start date if it has none), in order."""
    days = [_day(p.get("end")) or _day(p.get("start")) for p in points]
    ordinals = [d.toordinal() if d else i for i, d in enumerate(days)]
    if not ordinals:
        return []
    first, last = min(ordinals), max(ordinals)
    pad = 24.0
    if last == first:
        return [(frame.x0 + frame.x1) / 2 for _ in ordinals]
    return [frame.x0 + pad + (o - first) / (last - first) * (frame.x1 - frame.x0 - 2 * pad) for o in ordinals]


def _axes(frame: _Frame, points: list[dict[str, Any]], unit: str | None, fmt: Formatter) -> list[str]:
    """Grid lines with the values at the left, the periods along the bottom."""
    body: list[str] = []
    for v in _ticks(frame.lo, frame.hi):
        y = frame.y(v)
        body.append(_el("line", x1=frame.x0, y1=y, x2=frame.x1, y2=y, stroke=GRID, stroke_width=1))
        body.append(_text(frame.x0 - 8, y + 4, fmt.value(v, unit), text_anchor="end", fill=MUTED, font_size=12))
    base_y = frame.height - frame.bottom
    body.append(_el("line", x1=frame.x0, y1=base_y, x2=frame.x1, y2=base_y, stroke=MUTED, stroke_width=1))
    xs = _xs(frame, points)
    every = max(1, len(points) // 8)  # at most about eight period labels, so they never overlap
    for i, (p, x) in enumerate(zip(points, xs, strict=True)):
        if i % every == 0 or i == len(points) - 1:
            body.append(_text(x, base_y + 18, _clip(p.get("period") or "", 10), text_anchor="middle",
                              fill=MUTED, font_size=12))
    return body


def _references(frame: _Frame, baseline: Any, target: Any, band: list[Any] | None, unit: str | None,
                fmt: Formatter) -> list[str]:
    """The target band, then the baseline and target lines, each with its name and value."""
    _ = fmt.gettext
    body: list[str] = []
    label_x = frame.x1 + 8
    if band:
        y_hi, y_lo = frame.y(float(max(band))), frame.y(float(min(band)))
        body.append(_el("rect", x=frame.x0, y=y_hi, width=frame.x1 - frame.x0, height=max(y_lo - y_hi, 1.0),
                        fill=TARGET, fill_opacity="0.12"))
        body.append(_text(label_x, (y_hi + y_lo) / 2 + 4, _("target range"), fill=TARGET, font_size=12))
    labels: list[tuple[float, str, str]] = []
    if baseline is not None:
        y = frame.y(float(baseline))
        body.append(_el("line", x1=frame.x0, y1=y, x2=frame.x1, y2=y, stroke=BASELINE, stroke_width=1.5,
                        stroke_dasharray="5 4", class_="baseline"))
        labels.append((y, _("Baseline %(value)s") % {"value": fmt.value(baseline, unit)}, BASELINE))
    if target is not None:
        y = frame.y(float(target))
        body.append(_el("line", x1=frame.x0, y1=y, x2=frame.x1, y2=y, stroke=TARGET, stroke_width=2,
                        stroke_dasharray="8 4", class_="target"))
        labels.append((y, _("Target %(value)s") % {"value": fmt.value(target, unit)}, TARGET))
    if len(labels) == 2 and abs(labels[0][0] - labels[1][0]) < 16:  # keep the two labels apart
        (y0, t0, c0), (y1, t1, c1) = sorted(labels)
        mid = (y0 + y1) / 2
        labels = [(mid - 8, t0, c0), (mid + 8, t1, c1)]
    for y, text, colour in labels:
        body.append(_text(label_x, y + 4, text, fill=colour, font_size=12, font_weight="bold"))
    return body


def _line(frame: _Frame, points: list[dict[str, Any]], values: list[float], unit: str | None,
          fmt: Formatter) -> list[str]:
    """The values joined by a line, one dot each (hollow for a forecast), each with a tooltip."""
    body: list[str] = []
    xs = _xs(frame, points)
    if len(points) > 1:
        coords = " ".join(f"{_n(x)},{_n(frame.y(v))}" for x, v in zip(xs, values, strict=True))
        body.append(_el("polyline", points=coords, fill="none", stroke=BLUE, stroke_width=2.5,
                        stroke_linejoin="round", stroke_linecap="round"))
    for p, x, v in zip(points, xs, values, strict=True):
        forecast = p.get("kind") == "forecast"
        tip = f"{p.get('period')}: {fmt.value(v, unit)}" + (f" ({fmt.label('forecast', 'kind')})" if forecast else "")
        body.append(f"<g>{_tip(tip)}" + _el("circle", cx=x, cy=frame.y(v), r=4.5,
                                            fill="#ffffff" if forecast else BLUE, stroke=BLUE, stroke_width=2)
                    + "</g>")
    return body


def _title(name: str, points: list[dict[str, Any]], values: list[float], unit: str | None, fmt: Formatter) -> str:
    _ = fmt.gettext
    if not points:
        return _("%(name)s: no data") % {"name": name}
    return _("%(name)s: %(n)s values, latest %(value)s (%(period)s)") % {
        "name": name, "n": len(points), "value": fmt.value(values[-1], unit), "period": points[-1].get("period")}


def _desc(points: list[dict[str, Any]], values: list[float], baseline: Any, target: Any, band: list[Any] | None,
          unit: str | None, fmt: Formatter) -> str:
    _ = fmt.gettext
    parts = []
    if points:
        parts.append(_("From %(first)s to %(last)s.") % {"first": fmt.value(values[0], unit),
                                                        "last": fmt.value(values[-1], unit)})
    else:
        parts.append(_("No value has been recorded for this indicator."))
    if baseline is not None:
        parts.append(_("Baseline %(value)s.") % {"value": fmt.value(baseline, unit)})
    if target is not None:
        parts.append(_("Target %(value)s.") % {"value": fmt.value(target, unit)})
    if band:
        parts.append(_("Target range %(low)s to %(high)s.") % {"low": fmt.value(band[0], unit),
                                                              "high": fmt.value(band[1], unit)})
    return " ".join(parts)


__all__ = ["series_chart"]
