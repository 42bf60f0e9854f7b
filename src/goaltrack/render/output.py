"""Rendering a report with a registered output format (built-in or from a plugin)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import RenderOptions, Report
from goaltrack.vocab import LANGUAGES

if TYPE_CHECKING:
    from goaltrack.plugins import Plugins
    from goaltrack.settings import Config


class Host(Protocol):
    """What rendering needs of the application (an :class:`~goaltrack.context.AppContext`,
    the web app's state): its plugins and its settings."""

    @property
    def plugins(self) -> Plugins: ...

    @property
    def config(self) -> Config: ...

    def setting(self, section: str, key: str) -> Any: ...



def check_format(plugins: Plugins, fmt: str) -> None:
    """Refuse an output format no plugin provides, naming the ones there are (before any
    work, so that a typo costs nothing)."""
    formats = plugins.output_formats
    if fmt not in formats:
        from goaltrack.suggest import did_you_mean, install_hint

        known = ", ".join(sorted(formats)) or "none"
        extra = install_hint("output_formats", fmt) or did_you_mean(fmt, formats)
        raise UsageError(f"unknown format '{fmt}'{extra} (available: {known})")


def render(app: Host, report: Report, fmt: str, options: RenderOptions | None = None) -> str | bytes:
    """``report`` as ``fmt`` gives it: ``options`` completed with the language (the one asked
    for, else config ``[reports] lang``, else the report's), the templates directory (else
    config ``[reports] templates_dir``) and the plugins' templates and Jinja2 hook; a
    ``jinja_hook`` the caller set runs after the plugins' (the web application adds its
    site bar that way)."""
    check_format(app.plugins, fmt)
    asked = options or RenderOptions()
    chosen = (
        asked.lang
        or str(app.setting("reports", "lang") or "")
        or str(report.meta.get("lang") or report.meta.get("language") or "en")
    )
    if chosen not in LANGUAGES:
        chosen = "en"  # labels exist in these languages; plan content stays in its own
    templates = asked.templates_dir or app.config.path_setting("reports", "templates_dir")
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: not a directory")
    plugins = app.plugins
    complete = replace(
        asked,
        lang=chosen,
        lang_asked=bool(asked.lang or app.setting("reports", "lang")),
        templates_dir=templates,
        plugin_templates=tuple(plugins.template_dirs()),
        jinja_hook=lambda env: _prepare(plugins, env, asked.jinja_hook),
    )
    result = plugins.output_formats[fmt].render(report, complete)
    if not isinstance(result, str | bytes):
        owner = plugins.registered_by("output_formats", fmt)
        raise PluginError(
            f"plugin {owner} failed: output format '{fmt}' returned {type(result).__name__}, not text or bytes"
        )
    return result


def _prepare(plugins: Plugins, env: object, own: Callable[[Any], None] | None = None) -> None:
    """Let every plugin customise a templated format's Jinja2 environment, then the caller's
    own hook (``options.jinja_hook``: the web application's site bar), which has the last word."""
    plugins.hook.prepare_jinja2_environment(env=env)
    if own is not None:
        own(env)
