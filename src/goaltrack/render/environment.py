"""The one Jinja2 environment factory for templated report formats (HTML, Markdown).

Templates are looked up in this order (the first that has the name wins):

1. ``default:NAME`` always means the built-in template NAME, so an override can extend the
   template it replaces: ``{% extends "default:coverage.html" %}``;
2. the user's directory (``--templates DIR``, config ``[reports] templates_dir``);
3. the ``templates/`` directories of plugin packages (:meth:`Plugins.template_dirs`);
4. the built-in templates in ``goaltrack/templates/``.

A report of kind ``K`` renders ``K.html`` (``K.md``), or ``tables.html`` (``tables.md``)
when there is no template for its kind: that one shows the report's flat tables, so any
report, a plugin's too, has an HTML and a Markdown form.

Escaping. HTML autoescapes everything (``select_autoescape`` with HTML on and every other
name on too). HTML escaping is not enough for Markdown (``[x](javascript:...)`` has no
``<``), so the Markdown environment escapes for Markdown instead: ``finalize`` sends every
``{{ value }}`` that is not :class:`markupsafe.Markup` through :func:`md_escape`, which
neutralises Markdown syntax, HTML and autolinks, and the environment runs in autoescape
mode so that what templates build themselves (macros, blocks, ``super()``) stays
:class:`Markup` and is not escaped twice. The filters and gettext functions that would
otherwise HTML-escape (``join``, ``replace``, ``e``, ``tojson``..., gettext's
``%(name)s`` variables) are replaced by Markdown-escaping ones. Plan content thus cannot
inject a tag, a link or table cells, whichever template prints it. Report data is never
compiled as a template: ``{{ 7*7 }}`` in a title prints as written.

``StrictUndefined``: a misspelt name in a template is an error, not an empty string.

Plugins customise the environment through the ``prepare_jinja2_environment`` hook, which
:func:`goaltrack.render.output.render` hands over as :attr:`RenderOptions.jinja_hook`; the factory
itself knows no plugin manager, so nothing outlives one render.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from markupsafe import Markup

from goaltrack.errors import UsageError
from goaltrack.render.i18n import Formatter

if TYPE_CHECKING:
    import jinja2

    from goaltrack.interfaces import RenderOptions, Report

Flavour = Literal["html", "markdown"]

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"  # package data, beside locale/
SUFFIX: dict[str, str] = {"html": ".html", "markdown": ".md"}
GENERIC = "tables"
SCHEMA_KINDS = ("coverage", "budget", "progress")
_KIND = re.compile(r"[a-z0-9][a-z0-9_-]*")

# --------------------------------------------------------------------------- Markdown escaping

# Backslash-escaped: inline Markdown syntax (emphasis, code, links, images, tables,
# strikethrough, math) and the backslash itself. CommonMark allows a backslash before any
# ASCII punctuation, so the escaped text reads the same once rendered.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~$])")
# Block syntax at the start of a value: headings, quotes, lists, thematic breaks.
_MD_BLOCK_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[+\-](?=\s|$)|\d{1,9}[.)](?=\s|$)|[-=]{2,})")
# GFM turns bare URLs and www. into links: break the pattern with a backslash (\: renders
# as :), so the text stays readable but is no link.
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|javascript|data|vbscript|file|mailto):")
_MD_WWW = re.compile(r"(?i)\bwww\.")


_WHITESPACE = re.compile(r"\s+")


def md_escape(value: object) -> Markup:
    """Text for a Markdown document: no raw HTML, no link, no emphasis, one line.

    ``<``, ``>`` and ``&`` become entities (every renderer shows them as text), Markdown
    punctuation gets a backslash, line breaks become spaces (a value can never start a new
    block or table row), and URL schemes lose their power to autolink.
    """
    if isinstance(value, Markup):
        return value
    # Runs of whitespace (line breaks too) become one space; a value's own spaces at its ends
    # stay, so a separator such as ", " in ``|join(", ")`` keeps them.
    text = _WHITESPACE.sub(" ", str(value)) if value is not None else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCT.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: m[1] + "\\:", text)
    text = _MD_WWW.sub(lambda m: m[0][:3] + "\\.", text)
    text = _MD_BLOCK_START.sub(_escape_block_start, text)
    return Markup(text)


def _escape_block_start(m: re.Match[str]) -> str:
    marker = m[2]
    if marker[0].isdigit():  # "1. " becomes "1\. " (a backslash before a digit is no escape)
        return m[1] + marker[:-1] + "\\" + marker[-1]
    return m[1] + "\\" + marker


def _md_finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return md_escape(value)


# --------------------------------------------------------------------------- the environment


def make_environment(flavour: Flavour, options: RenderOptions) -> jinja2.Environment:
    """A new environment for one render in ``options.lang``, with goaltrack's filters and
    gettext installed and the plugins' ``prepare_jinja2_environment`` hook applied."""
    import jinja2

    if flavour not in SUFFIX:
        raise ValueError(f"unknown template flavour {flavour!r} (expected html or markdown)")
    builtin = jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))
    chain: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": builtin}, delimiter=":")]
    if options.templates_dir is not None:
        chain.append(jinja2.FileSystemLoader(str(options.templates_dir)))
    chain += [jinja2.FileSystemLoader(str(d)) for d in options.plugin_templates]
    chain.append(builtin)

    autoescape: bool | Callable[[str | None], bool]
    if flavour == "html":
        # On for .html (and .svg/.xml) by name, and on for everything else too: a user's
        # "partial.txt" included in an HTML report must not print plan content raw.
        autoescape = jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "svg"),
            default_for_string=True,
            default=True,
        )
        finalize = None
    else:
        # Markup marks what is safe *for Markdown* here; finalize escapes everything else.
        autoescape = True
        finalize = _md_finalize

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(chain),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        finalize=finalize,
    )
    fmt = Formatter(options.lang)
    # Added to the environment by the i18n extension at run time, so not in its type.
    cast(Any, env).install_gettext_translations(fmt.translations, newstyle=True)
    env.filters.update(_filters(fmt, flavour))
    if flavour == "markdown":
        env.filters.update(_md_filters(env))
        env.globals.update(_md_gettext(fmt))
        for name in ("number", "integer", "percent", "signed", "date"):
            env.filters[name] = _formatted(env.filters[name])
    env.globals.update(
        lang=fmt.lang,
        fmt=fmt,
        flavour=flavour,
        stamp=options.stamp,
    )
    if flavour == "html":
        from goaltrack.render import charts as svg
        from goaltrack.render.series_chart import series_chart

        env.globals.update(
            coverage_matrix=lambda data: svg.coverage_matrix(data, fmt),
            budget_bars=lambda data: svg.budget_bars(data, fmt),
            budget_changes=lambda data: svg.budget_changes(data, fmt),
            sparkline=lambda indicator: svg.sparkline(indicator, fmt),
            series_chart=lambda indicator: series_chart(indicator, fmt),
            coverage_bar=lambda summary: svg.coverage_bar(summary, fmt),
        )
    if options.jinja_hook is not None:
        options.jinja_hook(env)
    return env


def _md_filters(env: jinja2.Environment) -> dict[str, Callable[..., Any]]:
    """Markdown-safe versions of the built-in filters that HTML-escape in autoescape mode."""
    from jinja2.filters import make_attrgetter

    def join(value: Any, d: str = "", attribute: str | int | None = None) -> Markup:
        items = list(value)
        if attribute is not None:
            items = list(map(make_attrgetter(env, attribute), items))
        return md_escape(d).join(md_escape(item) for item in items)

    def replace(s: Any, old: str, new: str, count: int | None = None) -> str:
        return str(s).replace(str(old), str(new), -1 if count is None else count)

    def tojson(value: Any, indent: int | None = None) -> str:
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)

    def plain(value: Any, *args: Any, **kwargs: Any) -> str:
        return "" if value is None else str(value)

    return {
        "join": join,
        "replace": replace,
        "tojson": tojson,
        "e": md_escape,
        "escape": md_escape,
        "forceescape": lambda value: md_escape(str(value)),
        "urlize": plain,  # no links from data in Markdown
        "xmlattr": plain,
    }


_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:[ T][\d:.]+)?")


def _formatted(fn: Callable[..., str]) -> Callable[..., str | Markup]:
    """A number or date filter for Markdown: what it made from a real number or date is
    digits, separators and month names, safe as it is ("31. dec." would otherwise be
    escaped as if it began a numbered list); text passed through stays escaped."""

    def apply(value: Any, *args: Any, **kwargs: Any) -> str | Markup:
        out = fn(value, *args, **kwargs)
        made = (isinstance(value, int | float | Decimal | dt.date) and not isinstance(value, bool)) or (
            isinstance(value, str) and _ISO_DATE.fullmatch(value) is not None
        )
        return Markup(out) if made else out

    return apply


def _md_gettext(fmt: Formatter) -> dict[str, Callable[..., Any]]:
    """gettext for Markdown: the translation and every ``%(name)s`` value Markdown-escaped
    (Jinja's own newstyle gettext would HTML-escape the values only)."""

    def gettext(__string: str, **variables: Any) -> Markup:
        # Always %: like Jinja's newstyle gettext, "%%" means a literal "%".
        return md_escape(fmt.gettext(__string)) % {k: md_escape(v) for k, v in variables.items()}

    def ngettext(__singular: str, __plural: str, __num: int, **variables: Any) -> Markup:
        variables.setdefault("num", __num)
        text = md_escape(fmt.ngettext(__singular, __plural, __num))
        return text % {k: md_escape(v) for k, v in variables.items()}

    return {"gettext": gettext, "ngettext": ngettext}


def _filters(fmt: Formatter, flavour: Flavour) -> dict[str, Callable[..., Any]]:
    filters: dict[str, Callable[..., Any]] = {
        "number": fmt.number,
        "integer": fmt.integer,
        "percent": fmt.percent,
        "signed": fmt.signed,
        "value": fmt.value,
        "date": fmt.date,
        "label": fmt.label,
        "coded": fmt.coded,
        "report_title": fmt.title,
        "column": fmt.column,
        "rule": fmt.rule,
    }
    if flavour == "markdown":
        # Markdown escaping leaves quotes alone: as Markup in an HTML attribute it would let a
        # value out, so the filter exists only where it is the right escaping.
        filters["md"] = md_escape
    return filters


# --------------------------------------------------------------------------- rendering


def template_names(report: Report, flavour: Flavour) -> list[str]:
    """The templates to try, first found wins: the kind's own, then the generic one.

    The built-in kinds' templates read the documented JSON document (``data["report"]`` names
    the kind), so a report that merely shares a built-in kind's name (a plugin's) gets the
    generic template. A kind that is not a plain name is never used in a template path.
    """
    suffix = SUFFIX[flavour]
    kind = report.kind
    names = []
    if _KIND.fullmatch(kind):
        data = report.data if isinstance(report.data, dict) else {}
        if kind not in SCHEMA_KINDS or data.get("report") == kind:
            names.append(f"{kind}{suffix}")
    return [*names, f"{GENERIC}{suffix}"]


def context(report: Report, options: RenderOptions) -> dict[str, Any]:
    meta: Mapping[str, Any] = report.meta or (report.data.get("meta", {}) if isinstance(report.data, dict) else {})
    data = report.data if isinstance(report.data, dict) else {}
    return {
        "report": report,
        "data": data,
        "meta": meta,
        "tables": report.tables,
        "plan_lang": str(meta.get("language") or options.lang),
        "example_data": bool(meta.get("example_data") or data.get("example_data")),
        "synthetic": bool(meta.get("synthetic")),
    }


_BLANK_RUNS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"


def render_report(report: Report, options: RenderOptions, flavour: Flavour) -> str:
    """Render ``report`` with its kind's template, or the generic tables template.

    A broken template (a user's override, most likely) is a :class:`UsageError` naming the
    file and line, not a traceback.
    """
    import jinja2

    env = make_environment(flavour, options)
    try:
        template = env.select_template(template_names(report, flavour))
        text = template.render(context(report, options))
    except jinja2.TemplateError as exc:
        raise UsageError(f"template error: {_where(exc)}{type(exc).__name__}: {exc.message or exc}") from exc
    return tidy(text)


def _where(exc: BaseException) -> str:
    """``FILE:LINE: `` of the template where ``exc`` happened, from the error or from the
    traceback (Jinja rewrites template frames to the template's file and line)."""
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    if filename is None:
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name.endswith((".html", ".md", ".htm", ".txt", ".svg", ".xml")):
                filename, lineno = name, tb.tb_lineno
            tb = tb.tb_next
    if filename is None:
        return ""
    return f"{filename}:{lineno}: " if lineno else f"{filename}: "


__all__ = [
    "BUILTIN_TEMPLATES",
    "Flavour",
    "context",
    "make_environment",
    "md_escape",
    "render_report",
    "template_names",
    "tidy",
]
