"""Inline SVG charts for the HTML reports, drawn in Python.

Each function takes a report's data (the same dicts the JSON format writes) and a
:class:`goaltrack.render.i18n.Formatter`, and returns the chart as :class:`markupsafe.Markup`.

- Deterministic: coordinates are rounded to one decimal and nothing depends on the clock
  or on dict order beyond the report's own, so equal data gives equal bytes.
- Safe: every piece of text (plan titles, codes, labels) goes through
  :func:`markupsafe.escape`; this module is the only place that builds markup by hand, and
  it never interpolates a value unescaped.
- Accessible: the root ``<svg>`` has ``role="img"``, an ``aria-label``, a ``<title>`` and a
  ``<desc>`` that says in words what the chart shows; cells and bars carry their own
  ``<title>`` (a tooltip on hover). The page also shows the same figures as tables.
- Self-contained: no ``xmlns`` URL, no external fonts or images (inline SVG in HTML needs
  none); text inherits the page's font.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape

from goaltrack.render.i18n import Formatter

# Colours, chosen to read in greyscale too (each pair differs in lightness, not only hue).
INK = "#1b2631"
MUTED = "#5d6d7e"
GRID = "#d5dbe1"
BLUE = "#1d4e89"
BLUE_LIGHT = "#b9cfe8"
PREVIOUS = "#aab4bf"
INCREASE = "#1d4e89"
DECREASE = "#c0562b"
LEVEL_COLOURS = {"covered": "#2e7d32", "partial": "#e0a100", "uncovered": "#b3261e"}
LEVEL_TEXT = {"covered": "#ffffff", "partial": "#1b2631", "uncovered": "#ffffff"}
BASELINE = "#7f8c8d"
TARGET = "#2e7d32"


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no ``-0``, no trailing ``.0``."""
    text = f"{round(value, 1):.1f}"
    if text in ("-0.0", "0.0"):
        return "0"
    return text[:-2] if text.endswith(".0") else text


def _clip(text: object, limit: int) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _attrs(**attrs: object) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = _n(value) if isinstance(value, float) else str(value)
        parts.append(f' {name}="{escape(text)}"')
    return "".join(parts)


def _el(tag: str, content: str = "", **attrs: object) -> str:
    return f"<{tag}{_attrs(**attrs)}>{content}</{tag}>" if content else f"<{tag}{_attrs(**attrs)}/>"


def _text(x: float, y: float, content: object, **attrs: object) -> str:
    return f"<text{_attrs(x=float(x), y=float(y), **attrs)}>{escape(str(content))}</text>"


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _svg(width: float, height: float, title: str, desc: str, body: Iterable[str], cls: str) -> Markup:
    head = (
        f'<svg class="chart {escape(cls)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{escape(title)}" '
        f'font-size="13" fill="{INK}">'
    )
    parts = [head, f"<title>{escape(title)}</title>", f"<desc>{escape(desc)}</desc>", *body, "</svg>"]
    return Markup("\n".join(parts))


# --------------------------------------------------------------------------- coverage


def coverage_matrix(data: dict[str, Any], fmt: Formatter) -> Markup:
    """Heat-map of national goals (rows) × focus areas (columns): explicit link (dark),
    inferred link (light, dashed border), no link (blank); the number in a linked cell is
    the focus area's initiatives. The goal's coverage level closes each row."""
    _ = fmt.gettext
    matrix = data["matrix_focus_areas"]
    columns: list[dict[str, Any]] = matrix["columns"]
    rows: list[dict[str, Any]] = matrix["rows"]
    goals = {g["code"]: g for g in data.get("goals", [])}
    label_w, cell_w, cell_h, gap, level_w = 330.0, 54.0, 38.0, 4.0, 150.0
    top = 58.0
    width = label_w + len(columns) * (cell_w + gap) + 16 + level_w
    height = top + len(rows) * (cell_h + gap) + 50
    body: list[str] = []

    # Column groups (strategic / annual areas) and column codes.
    x0 = label_w
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
    lx = x0 + len(columns) * (cell_w + gap) + 16
    body.append(_text(lx, top - 12, _("Coverage"), font_weight="bold"))

    explicit = inferred = 0
    for r, row in enumerate(rows):
        y = top + r * (cell_h + gap)
        goal = goals.get(row["goal"], {})
        body.append(f"<g>{_tip(str(row['goal']) + ' ' + str(goal.get('title') or ''))}"
                    + _text(0, y + cell_h / 2 + 5, row["goal"], font_weight="bold")
                    + _text(44, y + cell_h / 2 + 5, _clip(goal.get("title") or "", 40), fill=INK)
                    + "</g>")
        for c, cell in enumerate(row["cells"]):
            x = x0 + c * (cell_w + gap)
            basis = cell.get("basis")
            code = columns[c]["code"]
            if basis == "explicit":
                explicit += 1
                fill, stroke, dash, ink = BLUE, BLUE, None, "#ffffff"
            elif basis == "inferred":
                inferred += 1
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

    # Legend.
    ly = top + len(rows) * (cell_h + gap) + 18
    legend = [
        (BLUE, BLUE, None, _("explicit link (the plan says so)")),
        (BLUE_LIGHT, BLUE, "4 3", _("inferred link (read from the plan)")),
        ("#f4f6f8", GRID, None, _("no link")),
    ]
    lx2 = 0.0
    for fill, stroke, dash, text in legend:
        body.append(_el("rect", x=lx2, y=ly, width=18.0, height=14.0, rx=3, fill=fill, stroke=stroke,
                        stroke_dasharray=dash))
        body.append(_text(lx2 + 24, ly + 12, text, font_size=12, fill=MUTED))
        lx2 += 34 + len(text) * 6.6
    body.append(_text(0, ly + 32, _("Numbers in the cells: initiatives of the focus area."), font_size=12, fill=MUTED))

    title = _("National goals × focus areas")
    desc = _("%(goals)s national goals and %(areas)s focus areas: %(explicit)s explicit and "
             "%(inferred)s inferred links.") % {
        "goals": len(rows), "areas": len(columns), "explicit": explicit, "inferred": inferred}
    return _svg(width, height, title, desc, body, "coverage-matrix")


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


# --------------------------------------------------------------------------- budget


def _group_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [hf for hk in data.get("groups", []) for hf in hk.get("hovedfunktioner", [])]


def _scale(values: Sequence[float], span: float) -> tuple[float, float]:
    """(x of zero, pixels per unit) for values that may be negative."""
    lo = min([0.0, *values])
    hi = max([0.0, *values])
    if hi == lo:
        return 0.0, 0.0
    per = span / (hi - lo)
    return -lo * per, per


def budget_bars(data: dict[str, Any], fmt: Formatter) -> Markup:
    """Horizontal bars per hovedfunktion: the compared year (grey) over the reported year
    (blue), with the change in amount and percent at the right."""
    _ = fmt.gettext
    y1, y0 = data.get("year"), data.get("compare")
    years = [y for y in (y0, y1) if y is not None]
    rows = _group_rows(data)
    label_w, bar_w, change_w = 330.0, 400.0, 190.0
    row_h = 18.0 * max(len(years), 1) + 16
    top = 34.0
    width = label_w + bar_w + change_w
    height = top + len(rows) * row_h + 10
    values = [float(r["amounts"].get(str(y)) or 0.0) for r in rows for y in years]
    zero, per = _scale(values, bar_w - 90)
    body: list[str] = []
    # Legend.
    lx = 0.0
    for y, colour in zip(years, [PREVIOUS, BLUE][-len(years):] if years else [], strict=False):
        body.append(_el("rect", x=lx, y=4.0, width=14.0, height=14.0, rx=2, fill=colour))
        text = f"{fmt.label(data.get('kind') or 'budget', 'budget_kind').capitalize()} {y}"
        body.append(_text(lx + 20, 16, text, font_size=12, fill=MUTED))
        lx += 40 + len(text) * 7
    if y0 is not None and y1 is not None:
        body.append(_text(width, 16, _("Change %(from)s–%(to)s") % {"from": y0, "to": y1},
                          text_anchor="end", font_size=12, fill=MUTED))
    for i, row in enumerate(rows):
        y = top + i * row_h
        body.append(f"<g>{_tip(str(row['code']) + ' ' + str(row.get('name') or ''))}"
                    + _text(0, y + row_h / 2, row["code"], font_weight="bold")
                    + _text(44, y + row_h / 2, _clip(row.get("name") or "", 38))
                    + "</g>")
        for j, (year, colour) in enumerate(zip(years, [PREVIOUS, BLUE][-len(years):], strict=False)):
            amount = row["amounts"].get(str(year))
            v = float(amount or 0.0)
            by = y + 6 + j * 18
            x = label_w + zero + min(0.0, v) * per
            w = abs(v) * per
            tip = f"{row['code']} {year}: {fmt.number(amount, decimals=0, empty='–')}"
            bar = _el("rect", x=x, y=by, width=max(w, 0.5), height=15.0, rx=2, fill=colour)
            value = _text(label_w + zero + max(0.0, v) * per + 6, by + 12, fmt.number(amount, decimals=0, empty="–"),
                          font_size=12, fill=MUTED if j == 0 and len(years) > 1 else INK)
            body.append(f"<g>{_tip(tip)}{bar}{value}</g>")
        if row.get("change") is not None:
            change = fmt.signed(row["change"], decimals=0)
            pct = fmt.percent(row.get("change_pct"), signed=True)
            arrow = "▲" if row["change"] > 0 else ("▼" if row["change"] < 0 else "")
            body.append(_text(width, y + row_h / 2 + 4, f"{arrow} {change}  ({pct})" if pct else f"{arrow} {change}",
                              text_anchor="end", fill=INCREASE if row["change"] >= 0 else DECREASE,
                              font_weight="bold"))
        body.append(_el("line", x1=0.0, y1=y + row_h - 1, x2=width, y2=y + row_h - 1, stroke=GRID, stroke_width=1))
    if per:
        body.append(_el("line", x1=label_w + zero, y1=top - 2, x2=label_w + zero, y2=top + len(rows) * row_h,
                        stroke=MUTED, stroke_width=1))
    title = _("Budget per main function")
    if y0 is not None and y1 is not None:
        desc = _("Amounts per main function in %(y0)s and %(y1)s (%(unit)s), with the change.") % {
            "y0": y0, "y1": y1, "unit": data.get("meta", {}).get("amount_unit") or ""}
    else:
        desc = _("Amounts per main function (%(unit)s).") % {"unit": data.get("meta", {}).get("amount_unit") or ""}
    return _svg(width, height, title, desc, body, "budget-bars")


def budget_changes(data: dict[str, Any], fmt: Formatter) -> Markup:
    """Diverging bars: each account's change between the two years, largest increase first."""
    _ = fmt.gettext
    y1, y0 = data.get("year"), data.get("compare")
    rows = [a for a in data.get("accounts", []) if a.get("change") is not None]
    rows.sort(key=lambda a: (-a["change"], a["code"]))
    label_w, bar_w, value_w = 330.0, 420.0, 170.0
    row_h, top = 24.0, 8.0
    width = label_w + bar_w + value_w
    height = top + max(len(rows), 1) * row_h + 8
    zero, per = _scale([float(a["change"]) for a in rows], bar_w - 20)
    body: list[str] = []
    for i, a in enumerate(rows):
        y = top + i * row_h
        v = float(a["change"])
        colour = INCREASE if v >= 0 else DECREASE
        x = label_w + 10 + zero + min(0.0, v) * per
        tip = f"{a['code']} {a.get('name') or ''}: {fmt.signed(v, decimals=0)} ({fmt.percent(a.get('change_pct'), signed=True)})"
        body.append(
            f"<g>{_tip(tip)}"
            + _text(0, y + 16, a["code"], font_weight="bold", font_size=12)
            + _text(56, y + 16, _clip(a.get("name") or "", 40), font_size=12)
            + _el("rect", x=x, y=y + 4, width=max(abs(v) * per, 1.0), height=16.0, rx=2, fill=colour)
            + _text(width, y + 16, f"{fmt.signed(v, decimals=0)}  ({fmt.percent(a.get('change_pct'), signed=True, empty='–')})",
                    text_anchor="end", font_size=12, fill=colour)
            + "</g>"
        )
    if rows:
        body.append(_el("line", x1=label_w + 10 + zero, y1=top, x2=label_w + 10 + zero, y2=top + len(rows) * row_h,
                        stroke=MUTED, stroke_width=1))
    else:
        body.append(_text(0, top + 16, _("No account has amounts in both years."), fill=MUTED))
    ups = sum(1 for a in rows if a["change"] > 0)
    downs = sum(1 for a in rows if a["change"] < 0)
    title = _("Change per account")
    desc = _("Change per account from %(y0)s to %(y1)s: %(up)s accounts up, %(down)s down.") % {
        "y0": y0, "y1": y1, "up": ups, "down": downs}
    return _svg(width, height, title, desc, body, "budget-changes")


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
