"""Finding, loading and asking plugins: the one place that owns goaltrack's plugin manager.

:func:`load_plugins` builds a new :class:`Plugins` on every call; there is no module-level
manager, so nothing is loaded at import time and nothing leaks between invocations or
tests (``AppContext.plugins`` caches one per command-line run). Plugins come from three
places, registered in this order:

1. the built-ins, :data:`DEFAULT_PLUGINS` (modules of :mod:`goaltrack.default_plugins`),
   registered exactly like third-party plugins and under their module path, e.g.
   ``goaltrack.default_plugins.formats``;
2. the entry points of group ``goaltrack`` of installed distributions, under the entry
   point's name;
3. every ``*.py`` file in each plugin directory (``--plugins-dir``, config ``[plugins]
   dirs``), under the file's stem. Files whose name starts with ``_`` or ``.`` are skipped.

Each plugin loads inside its own error handling. A failure prints one line,
``goaltrack: could not load plugin NAME (ExcType: message)``, to stderr and the plugin is
skipped; with ``GOALTRACK_STRICT_PLUGINS=1`` it raises :class:`PluginError` instead.
Environment variables (read by :func:`load_plugins`, never at import time):

``GOALTRACK_DISABLE_PLUGINS=a,b``
    Block plugins by name: built-ins by their full module path (the name ``goaltrack
    plugins --all`` shows; there are deliberately no short aliases, so a name always means
    one plugin), entry points by entry-point name, plugin files by stem. A blocked plugin is
    not even imported, so this also silences a plugin that crashes on import.
``GOALTRACK_LOAD_PLUGINS=a,b``
    Allowlist for entry-point plugins; set but empty means none. Built-ins are unaffected,
    and so are plugin directories, which a user names explicitly (on the command line or
    in the config file) and so has already opted into.
``GOALTRACK_STRICT_PLUGINS=1``
    Every plugin problem is an error (:class:`PluginError`) instead of a warning.
``GOALTRACK_TRACE_PLUGINS=1``
    Print every hook call, the plugins it reaches and its outcome to stderr.

Registries (:attr:`Plugins.output_formats` and friends) are built on first access (see
:mod:`goaltrack.plugins.registries`).

The package, by concern: :mod:`~goaltrack.plugins.loading` finds and registers plugins,
:mod:`~goaltrack.plugins.registries` builds what they register, :mod:`~goaltrack.plugins.calling`
calls a hook one plugin at a time, :mod:`~goaltrack.plugins.blame` names the plugin behind an
error, :mod:`~goaltrack.plugins.describe` lists them, and :mod:`~goaltrack.plugins.host` holds
:class:`Plugins`, which ties them together. Everything public is importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from goaltrack.plugins.blame import plugin_in_traceback, plugin_of
from goaltrack.plugins.host import Plugins
from goaltrack.plugins.loading import (
    ENTRY_POINT_GROUP,
    ENV_DISABLE,
    ENV_LOAD,
    ENV_STRICT,
    ENV_TRACE,
    flag,
    names_in,
)
from goaltrack.plugins.registries import KINDS, Kind

DEFAULT_PLUGINS: tuple[str, ...] = (
    "goaltrack.default_plugins.formats",
    "goaltrack.default_plugins.formats_templated",
    "goaltrack.default_plugins.sources",
    "goaltrack.default_plugins.scoring",
    "goaltrack.default_plugins.indicators",
    "goaltrack.default_plugins.checks",
)
"""Module paths of the built-in plugins, registered first, in this order."""


def load_plugins(plugin_dirs: Sequence[Path] = (), *, entrypoints: bool = True) -> Plugins:
    """Load the built-ins, the ``goaltrack`` entry points and the plugin directories' files.

    Returns a new :class:`Plugins` on every call. Environment variables are read here (see
    the module docstring). Raises :class:`PluginError` in strict mode on any plugin problem.

    :param plugin_dirs: directories whose ``*.py`` files are plugins, loaded in this order
        (a directory given twice is loaded once; a missing one is a warning).
    :param entrypoints: look at installed distributions' entry points; tests turn this off
        so that whatever is installed in the environment cannot change their outcome.
    """
    env = os.environ
    plugins = Plugins(strict=flag(env, ENV_STRICT), trace=flag(env, ENV_TRACE))
    plugins.loader().load(
        DEFAULT_PLUGINS,  # read at call time, so a test may add a built-in that does not exist
        plugin_dirs,
        entrypoints=entrypoints,
        disabled=names_in(env.get(ENV_DISABLE)),
        allowed=names_in(env.get(ENV_LOAD)),
    )
    return plugins


__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "ENV_DISABLE",
    "ENV_LOAD",
    "ENV_STRICT",
    "ENV_TRACE",
    "KINDS",
    "Kind",
    "Plugins",
    "load_plugins",
    "plugin_in_traceback",
    "plugin_of",
]
