"""The building blocks of the SVG charts: the palette and escaped elements.

Every chart in :mod:`goaltrack.render.charts` and :mod:`goaltrack.render.budget_charts` is
built from these; they are the only functions that put text into markup, and each escapes it
(:func:`markupsafe.escape`). Coordinates go through :func:`_n`, so equal data gives equal bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

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
