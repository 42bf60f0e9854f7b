"""Inline SVG charts for the HTML reports, drawn in Python.

Each function takes a report's data (the same dicts the JSON format writes) and a
:class:`goaltrack.render.i18n.Formatter`, and returns the chart as :class:`markupsafe.Markup`.

- Deterministic: coordinates are rounded to one decimal and nothing depends on the clock
  or on dict order beyond the report's own, so equal data gives equal bytes.
- Safe: every piece of text (plan titles, codes, labels) goes through
  :func:`markupsafe.escape`; the chart modules (this one, ``budget_charts`` and the
  ``svg_elements`` they are drawn with) are the only place that builds markup by hand, and
  they never interpolate a value unescaped.
- Accessible: the root ``<svg>`` has ``role="img"``, an ``aria-label``, a ``<title>`` and a
  ``<desc>`` that says in words what the chart shows; cells and bars carry their own
  ``<title>`` (a tooltip on hover). The page also shows the same figures as tables.
- Self-contained: no ``xmlns`` URL, no external fonts or images (inline SVG in HTML needs
  none); text inherits the page's font.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

# The budget charts and the drawing primitives live in their own modules; every name
# stays importable from here.
from goaltrack.render.budget_charts import _group_rows as _group_rows
from goaltrack.render.budget_charts import _scale as _scale
from goaltrack.render.budget_charts import budget_bars, budget_changes
from goaltrack.render.i18n import Formatter
from goaltrack.render.svg_elements import (
    BASELINE,
    BLUE,
    BLUE_LIGHT,
    GRID,
    INK,
    LEVEL_COLOURS,
    LEVEL_TEXT,
    MUTED,
    TARGET,
    _clip,
    _el,
    _n,
    _svg,
    _text,
    _tip,
)
from goaltrack.render.svg_elements import DECREASE as DECREASE
from goaltrack.render.svg_elements import INCREASE as INCREASE
from goaltrack.render.svg_elements import PREVIOUS as PREVIOUS
from goaltrack.render.svg_elements import _attrs as _attrs

# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class _MatrixLayout:
    """Where the parts of the coverage matrix go: goal labels at the left, then one column
    per focus area, then the goal's coverage level."""

    columns: int
    label_w: float = 330.0
    cell_w: float = 54.0
    cell_h: float = 38.0
    gap: float = 4.0
    level_w: float = 150.0
    top: float = 58.0

    @property
    def level_x(self) -> float:
        return self.label_w + self.columns * (self.cell_w + self.gap) + 16


def coverage_matrix(data: dict[str, Any], fmt: Formatter) -> Markup:
    """Heat-map of national goals (rows) × focus areas (columns): explicit link (dark),
    inferred link (light, dashed border), no link (blank); the number in a linked cell is
    the focus area's initiatives. The goal's coverage level closes each row."""
    _ = fmt.gettext
    matrix = data["matrix_focus_areas"]
    columns: list[dict[str, Any]] = matrix["columns"]
    rows: list[dict[str, Any]] = matrix["rows"]
    goals = {g["code"]: g for g in data.get("goals", [])}
    lay = _MatrixLayout(columns=len(columns))
    width = lay.label_w + len(columns) * (lay.cell_w + lay.gap) + 16 + lay.level_w
    height = lay.top + len(rows) * (lay.cell_h + lay.gap) + 50
    body = _matrix_header(columns, lay, fmt)
    explicit = inferred = 0
    for r, row in enumerate(rows):
        goal = goals.get(row["goal"], {})
        body += _matrix_row(lay.top + r * (lay.cell_h + lay.gap), row, goal, columns, lay, fmt)
        bases = [cell.get("basis") for cell in row["cells"]]
        explicit += bases.count("explicit")
        inferred += bases.count("inferred")
    body += _matrix_legend(lay.top + len(rows) * (lay.cell_h + lay.gap) + 18, fmt)
    title = _("National goals × focus areas")
    desc = _("%(goals)s national goals and %(areas)s focus areas: %(explicit)s explicit and "
             "%(inferred)s inferred links.") % {
        "goals": len(rows), "areas": len(columns), "explicit": explicit, "inferred": inferred}
    return _svg(width, height, title, desc, body, "coverage-matrix")


def _matrix_header(columns: list[dict[str, Any]], lay: _MatrixLayout, fmt: Formatter) -> list[str]:
    """Column groups (strategic / annual areas), column codes and the coverage heading."""
    _ = fmt.gettext
    body: list[str] = []
    x0 = lay.label_w
    cell_w, gap, top = lay.cell_w, lay.gap, lay.top
    groups: list[tuple[str, int, int]] = []
    for i, col in enumerate(columns):
        level = str(col.get("level") or "")
        if groups and groups[-1][0] == level:
            groups[-1] = (level, groups[-1][1], i)
        else:
            groups.append((level, i, i))
    for level, first, last in groups:
        gx = x0 + first * (cell_w + gap)
        gw = (last - first + 1) * (cell_w + gap) - gap
        body.append(_el("line", x1=gx, y1=18.0, x2=gx + gw, y2=18.0, stroke=MUTED, stroke_width=1))
        body.append(_text(gx + gw / 2, 13, fmt.label(level, "level").capitalize() if level else "",
                          text_anchor="middle", fill=MUTED, font_size=12))
    for i, col in enumerate(columns):
        cx = x0 + i * (cell_w + gap) + cell_w / 2
        body.append(f"<g>{_tip(str(col['code']) + ' ' + str(col.get('title') or ''))}"
                    + _text(cx, top - 12, col["code"], text_anchor="middle", font_weight="bold") + "</g>")
    body.append(_text(lay.level_x, top - 12, _("Coverage"), font_weight="bold"))
    return body


def _matrix_row(
    y: float, row: dict[str, Any], goal: dict[str, Any], columns: list[dict[str, Any]],
    lay: _MatrixLayout, fmt: Formatter,
) -> list[str]:
    """One goal: its code and title, a cell per focus area, its coverage level."""
    _ = fmt.gettext
    x0, cell_w, cell_h, gap, level_w, lx = lay.label_w, lay.cell_w, lay.cell_h, lay.gap, lay.level_w, lay.level_x
    body = [f"<g>{_tip(str(row['goal']) + ' ' + str(goal.get('title') or ''))}"
            + _text(0, y + cell_h / 2 + 5, row["goal"], font_weight="bold")
            + _text(44, y + cell_h / 2 + 5, _clip(goal.get("title") or "", 40), fill=INK)
            + "</g>"]
    for c, cell in enumerate(row["cells"]):
        x = x0 + c * (cell_w + gap)
        basis = cell.get("basis")
        code = columns[c]["code"]
        if basis == "explicit":
            fill, stroke, dash, ink = BLUE, BLUE, None, "#ffffff"
        elif basis == "inferred":
            fill, stroke, dash, ink = BLUE_LIGHT, BLUE, "4 3", INK
        else:
            fill, stroke, dash, ink = "#f4f6f8", GRID, None, MUTED
        n = int(cell.get("initiatives") or 0)
        if basis:
            tip = _("%(goal)s × %(area)s: %(basis)s link, %(n)s initiatives") % {
                "goal": row["goal"], "area": code, "basis": fmt.label(basis, "basis"), "n": n}
        else:
            tip = _("%(goal)s × %(area)s: no link") % {"goal": row["goal"], "area": code}
        rect = _el("rect", x=x, y=y, width=cell_w, height=cell_h, rx=4, fill=fill, stroke=stroke,
                   stroke_width=1.5 if basis else 1, stroke_dasharray=dash)
        label = _text(x + cell_w / 2, y + cell_h / 2 + 5, n if basis else "·", text_anchor="middle",
                      fill=ink, font_weight="bold" if basis == "explicit" else None)
        body.append(f"<g>{_tip(tip)}{rect}{label}</g>")
    level = str(goal.get("coverage") or "")
    if level:
        colour = LEVEL_COLOURS.get(level, MUTED)
        body.append(_el("rect", x=lx, y=y + 7, width=level_w - 10, height=cell_h - 14, rx=12, fill=colour))
        body.append(_text(lx + (level_w - 10) / 2, y + cell_h / 2 + 4, fmt.label(level, "coverage"),
                          text_anchor="middle", fill=LEVEL_TEXT.get(level, "#ffffff"), font_size=12))
    return body


def _matrix_legend(ly: float, fmt: Formatter) -> list[str]:
    """The three kinds of cell, and what the numbers in them are."""
    _ = fmt.gettext
    legend = [
        (BLUE, BLUE, None, _("explicit link (the plan says so)")),
        (BLUE_LIGHT, BLUE, "4 3", _("inferred link (read from the plan)")),
        ("#f4f6f8", GRID, None, _("no link")),
    ]
    body: list[str] = []
    lx2 = 0.0
    for fill, stroke, dash, text in legend:
        body.append(_el("rect", x=lx2, y=ly, width=18.0, height=14.0, rx=3, fill=fill, stroke=stroke,
                        stroke_dasharray=dash))
        body.append(_text(lx2 + 24, ly + 12, text, font_size=12, fill=MUTED))
        lx2 += 34 + len(text) * 6.6
    body.append(_text(0, ly + 32, _("Numbers in the cells: initiatives of the focus area."), font_size=12, fill=MUTED))
    return body


def coverage_bar(summary: dict[str, Any], fmt: Formatter) -> Markup:
    """One stacked bar: how many goals are covered, partly covered, not covered."""
    _ = fmt.gettext
    total = int(summary.get("goals") or 0)
    width, height = 520.0, 46.0
    body: list[str] = []
    x = 0.0
    parts = []
    for level in ("covered", "partial", "uncovered"):
        n = int(summary.get(level) or 0)
        parts.append(f"{n} {fmt.label(level, 'coverage')}")
        if not n or not total:
            continue
        w = width * n / total
        body.append(f"<g>{_tip(f'{n} ' + fmt.label(level, 'coverage'))}"
                    + _el("rect", x=x, y=0.0, width=w, height=30.0, fill=LEVEL_COLOURS[level])
                    + _text(x + w / 2, 20, f"{n} {fmt.label(level, 'coverage')}" if w > 90 else str(n),
                            text_anchor="middle", fill=LEVEL_TEXT[level], font_weight="bold")
                    + "</g>")
        x += w
    if not total:
        body.append(_el("rect", x=0.0, y=0.0, width=width, height=30.0, fill="#f4f6f8", stroke=GRID))
    title = _("Coverage of the national goals")
    desc = _("%(total)s national goals: %(parts)s.") % {"total": total, "parts": ", ".join(parts)}
    return _svg(width, height, title, desc, body, "coverage-bar")


# --------------------------------------------------------------------------- progress


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def sparkline(indicator: dict[str, Any], fmt: Formatter) -> Markup:
    """An indicator's series as a small line (observed: filled dots; forecast: hollow),
    with its baseline (grey dashes) and target (green dashes, or a band for a range)."""
    _ = fmt.gettext
    width, height, pad_x, pad_y = 200.0, 54.0, 8.0, 9.0
    points = [p for p in indicator.get("series", []) if p.get("value") is not None]
    unit = indicator.get("unit")
    baseline = (indicator.get("baseline") or {}).get("value")
    target = (indicator.get("target") or {}).get("value")
    band = indicator.get("target_range")
    name = f"{indicator.get('code')}"
    if not points:
        empty = [
            _el("line", x1=pad_x, y1=height / 2, x2=width - pad_x, y2=height / 2, stroke=GRID,
                stroke_dasharray="3 4"),
            _text(width / 2, height / 2 - 6, _("no data"), text_anchor="middle", fill=MUTED, font_size=12),
        ]
        return _svg(width, height, _("%(name)s: no data") % {"name": name},
                    _("No value has been recorded for this indicator."), empty, "sparkline")

    values = [float(p["value"]) for p in points]
    refs = [float(v) for v in (baseline, target) if v is not None]
    if band:
        refs += [float(v) for v in band if v is not None]
    lo, hi = min(values + refs), max(values + refs)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    days = [_day(p.get("end")) or _day(p.get("start")) for p in points]
    ordinals = [d.toordinal() if d else i for i, d in enumerate(days)]
    first, last = min(ordinals), max(ordinals)

    def px(i: int) -> float:
        if last == first:
            return width / 2
        return pad_x + (ordinals[i] - first) / (last - first) * (width - 2 * pad_x)

    def py(v: float) -> float:
        return height - pad_y - (v - lo) / (hi - lo) * (height - 2 * pad_y)

    body: list[str] = []
    if band and len(band) == 2 and None not in band:
        y_hi, y_lo = py(float(max(band))), py(float(min(band)))
        body.append(_el("rect", x=pad_x, y=y_hi, width=width - 2 * pad_x, height=max(y_lo - y_hi, 1.0),
                        fill=TARGET, fill_opacity="0.12"))
    if baseline is not None:
        body.append(_el("line", x1=pad_x, y1=py(float(baseline)), x2=width - pad_x, y2=py(float(baseline)),
                        stroke=BASELINE, stroke_width=1.2, stroke_dasharray="4 3"))
    if target is not None:
        body.append(_el("line", x1=pad_x, y1=py(float(target)), x2=width - pad_x, y2=py(float(target)),
                        stroke=TARGET, stroke_width=1.6, stroke_dasharray="6 3"))
    if len(points) > 1:
        coords = " ".join(f"{_n(px(i))},{_n(py(v))}" for i, v in enumerate(values))
        body.append(_el("polyline", points=coords, fill="none", stroke=BLUE, stroke_width=2,
                        stroke_linejoin="round", stroke_linecap="round"))
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        forecast = p.get("kind") == "forecast"
        latest = i == len(points) - 1
        tip = f"{p.get('period')}: {fmt.value(v, unit)}" + (f" ({fmt.label('forecast', 'kind')})" if forecast else "")
        body.append(f"<g>{_tip(tip)}" + _el(
            "circle", cx=px(i), cy=py(v), r=4.0 if latest else 2.6,
            fill="#ffffff" if forecast else BLUE, stroke=BLUE, stroke_width=1.5) + "</g>")

    latest_point = points[-1]
    title = _("%(name)s: %(n)s values, latest %(value)s (%(period)s)") % {
        "name": name, "n": len(points), "value": fmt.value(values[-1], unit), "period": latest_point.get("period")}
    desc_parts = [_("From %(first)s to %(last)s.") % {
        "first": fmt.value(values[0], unit), "last": fmt.value(values[-1], unit)}]
    if baseline is not None:
        desc_parts.append(_("Baseline %(value)s.") % {"value": fmt.value(baseline, unit)})
    if target is not None:
        desc_parts.append(_("Target %(value)s.") % {"value": fmt.value(target, unit)})
    if band:
        desc_parts.append(_("Target range %(low)s to %(high)s.") % {
            "low": fmt.value(band[0], unit), "high": fmt.value(band[1], unit)})
    return _svg(width, height, title, " ".join(desc_parts), body, "sparkline")


__all__ = ["budget_bars", "budget_changes", "coverage_bar", "coverage_matrix", "sparkline"]
