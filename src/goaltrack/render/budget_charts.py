"""The budget charts: bars per main function and the change per account.

Drawn like every chart (see :mod:`goaltrack.render.charts`, which re-exports these), from the
report's data and a :class:`goaltrack.render.i18n.Formatter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from goaltrack.render.i18n import Formatter
from goaltrack.render.svg_elements import (
    BLUE,
    DECREASE,
    GRID,
    INCREASE,
    INK,
    MUTED,
    PREVIOUS,
    _clip,
    _el,
    _svg,
    _text,
    _tip,
)


def _group_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The innermost level's groups (hovedfunktioner in the Danish chart)."""
    levels = data.get("level_groups") or []
    return list(levels[-1]["groups"]) if levels else []


def _scale(values: Sequence[float], span: float) -> tuple[float, float]:
    """(x of zero, pixels per unit) for values that may be negative."""
    lo = min([0.0, *values])
    hi = max([0.0, *values])
    if hi == lo:
        return 0.0, 0.0
    per = span / (hi - lo)
    return -lo * per, per


def budget_bars(data: dict[str, Any], fmt: Formatter) -> Markup:
    """Horizontal bars per group of the innermost level (hovedfunktion in the Danish chart):
    the compared year (grey) over the reported year (blue), with the change in amount and
    percent at the right."""
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
    unit = data.get("meta", {}).get("amount_unit") or ""
    if (data.get("scheme") or {}).get("danish", True):
        title = _("Budget per main function")
        if y0 is not None and y1 is not None:
            desc = _("Amounts per main function in %(y0)s and %(y1)s (%(unit)s), with the change.") % {
                "y0": y0, "y1": y1, "unit": unit}
        else:
            desc = _("Amounts per main function (%(unit)s).") % {"unit": unit}
    else:  # a plan's own scheme: its innermost level, named as the plan names it
        level = data["level_groups"][-1]["level"]
        title = _("Budget by %(level)s") % {"level": level}
        if y0 is not None and y1 is not None:
            desc = _("Amounts by %(level)s in %(y0)s and %(y1)s (%(unit)s), with the change.") % {
                "level": level, "y0": y0, "y1": y1, "unit": unit}
        else:
            desc = _("Amounts by %(level)s (%(unit)s).") % {"level": level, "unit": unit}
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
        pct = fmt.percent(a.get("change_pct"), signed=True)
        tip = f"{a['code']} {a.get('name') or ''}: {fmt.signed(v, decimals=0)} ({pct})"
        body.append(
            f"<g>{_tip(tip)}"
            + _text(0, y + 16, a["code"], font_weight="bold", font_size=12)
            + _text(56, y + 16, _clip(a.get("name") or "", 40), font_size=12)
            + _el("rect", x=x, y=y + 4, width=max(abs(v) * per, 1.0), height=16.0, rx=2, fill=colour)
            + _text(width, y + 16,
                    f"{fmt.signed(v, decimals=0)}  ({fmt.percent(a.get('change_pct'), signed=True, empty='–')})",
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
