"""Every hook goaltrack offers to plugins. The docstrings below are the reference.

A plugin is a module (or any object) with functions named after these hooks and marked with
:data:`hookimpl`::

    from goaltrack import hookimpl

    @hookimpl
    def register_output_formats(register):
        register(MyFormat())

Rules that hold for every hook:

- goaltrack always calls hooks with keyword arguments, so an implementation may accept only
  the arguments it needs, in any order. Its parameters must not have default values (pluggy
  treats a parameter with a default as not being a hook argument at all).
- Each implementation is called on its own, inside its own error handling: one that raises
  is named in a one-line warning and what it did in that call is dropped; the rest of
  goaltrack keeps working (``GOALTRACK_STRICT_PLUGINS=1`` makes it an error instead). For
  that reason hook wrappers (``wrapper=True``/``hookwrapper=True``) are not supported.
- A misspelled hook name is reported after loading; use ``@hookimpl(optionalhook=True)`` only
  for hooks that another plugin defines.
- No hook here is ``firstresult``: every implementation is called.

This module imports nothing but pluggy at runtime, because ``goaltrack/__init__.py`` imports
it for ``from goaltrack import hookimpl``; the types below are for type checkers only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from collections.abc import Callable

    import click
    import fastapi
    import jinja2

    from goaltrack.interfaces import (
        Check,
        DataSource,
        IndicatorKind,
        OutputFormat,
        ScoringMethod,
    )

PROJECT_NAME = "goaltrack"

hookspec = HookspecMarker(PROJECT_NAME)
hookimpl = HookimplMarker(PROJECT_NAME)


@hookspec
def register_data_sources(register: Callable[[DataSource], None]) -> None:
    """Register data sources: readers of measurements for ``goaltrack import NAME FILE``.

    Fires the first time goaltrack needs the list of data sources (an import, ``goaltrack
    plugins``), at most once per run.

    :param register: call it once per source with an instance of a
        :class:`goaltrack.interfaces.DataSource` subclass. Its ``name`` is what users type
        after ``goaltrack import``; it must be unique across all plugins.
    """


@hookspec
def register_scoring_methods(register: Callable[[ScoringMethod], None]) -> None:
    """Register scoring methods: rules that turn an indicator's data into a score and status.

    Fires the first time goaltrack needs the list of scoring methods (scoring, reports,
    ``goaltrack plugins``), at most once per run. A plan chooses a method by its ``name``
    per indicator; the config file's ``[scoring] method`` is the default.

    :param register: call it once per method with an instance of a
        :class:`goaltrack.interfaces.ScoringMethod` subclass; the ``name`` must be unique
        across all plugins.
    """


@hookspec
def register_output_formats(register: Callable[[OutputFormat], None]) -> None:
    """Register output formats: renderers of a report to text or bytes (``--format NAME``).

    Fires the first time goaltrack needs the list of output formats (any command with
    ``--format`` that renders a report, ``goaltrack plugins``), at most once per run.

    :param register: call it once per format with an instance of a
        :class:`goaltrack.interfaces.OutputFormat` subclass, which declares its ``name``,
        file ``extension`` and ``media_type``; the ``name`` must be unique across all plugins.
    """


@hookspec
def register_indicators(register: Callable[[IndicatorKind], None]) -> None:
    """Register computed indicator kinds, whose values goaltrack derives instead of recording.

    Fires the first time goaltrack needs the list of indicator kinds (loading a plan that
    declares ``computed: NAME``, scoring, ``goaltrack plugins``), at most once per run.

    :param register: call it once per kind with an instance of a
        :class:`goaltrack.interfaces.IndicatorKind` subclass; the ``name`` must be unique
        across all plugins.
    """


@hookspec
def register_checks(register: Callable[[Check], None]) -> None:
    """Register coverage and lint checks run by ``goaltrack check`` and shown in reports.

    Fires the first time goaltrack needs the list of checks (``goaltrack check``, the
    coverage report, ``goaltrack plugins``), at most once per run.

    :param register: call it once per check with an instance of a
        :class:`goaltrack.interfaces.Check` subclass. Its ``rule_id`` (e.g. ``"GT101"``) is
        stable across releases, because plan repositories refer to it; it must be unique
        across all plugins.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``goaltrack`` command line.

    Fires when the command line is asked for a command name it does not know, so that
    ``goaltrack --help`` and the built-in commands never load plugins. It may fire more than
    once in a run, on different groups (``goaltrack plugins`` calls it on a scratch group to
    list each plugin's commands), so add commands to the group you are given and keep no
    state of your own.

    :param cli: the :class:`click.Group` of goaltrack's top-level commands; add commands
        with ``cli.add_command(cmd)`` or the ``@cli.command()`` decorator. Import heavy
        libraries inside the command body, not at module level.
    """


@hookspec
def prepare_jinja2_environment(env: jinja2.Environment) -> None:
    """Customise the Jinja2 environment that renders templated reports (HTML, Markdown).

    Fires once per environment, after goaltrack has set up its own loaders, filters and
    autoescaping and before any template is rendered.

    :param env: the :class:`jinja2.Environment`; add to ``env.filters``, ``env.globals`` or
        ``env.tests``. To ship templates of your own, append a loader after goaltrack's
        (``env.loader = jinja2.ChoiceLoader([env.loader, jinja2.PackageLoader("my_plugin")])``)
        and give them names of your own, so user overrides and built-ins keep precedence.
        Do not turn autoescaping off: report data comes from plan files.
    """


@hookspec
def register_web_routes(register: Callable[[fastapi.APIRouter], None]) -> None:
    """Add pages or API routes to the web application (``goaltrack serve``).

    Fires once when the application is built, at the start of ``goaltrack serve`` (and of
    each of its worker processes), never in the command line.

    :param register: call it once per :class:`fastapi.APIRouter`. Its routes are added after
        goaltrack's own, so a plugin can add paths but not replace a built-in one; put API
        routes under ``/api/v1/plugins/NAME/`` and pages under ``/plugins/NAME/``. A route
        reaches goaltrack through ``request.app.state.goaltrack`` (the settings, database
        and plugins); :func:`goaltrack.web.session.require_actor` gives the signed-in
        person (or redirects to sign-in), :func:`goaltrack.people.access.require` checks a
        role, and ``request.app.state.goaltrack.pages.render(request, "my/page.html",
        actor=actor, ...)`` renders a template that ``{% extends "web/layout.html" %}`` with
        the site's look, navigation and language. A form must carry the CSRF token
        (``<input type="hidden" name="csrf" value="{{ csrf }}">``) and its route must call
        :func:`goaltrack.web.session.check_csrf`.
    """


__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "prepare_jinja2_environment",
    "register_checks",
    "register_commands",
    "register_data_sources",
    "register_indicators",
    "register_output_formats",
    "register_scoring_methods",
    "register_web_routes",
]
