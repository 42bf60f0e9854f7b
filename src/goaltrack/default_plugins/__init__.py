"""goaltrack's built-in plugins.

Each module here is an ordinary plugin: it implements hooks from :mod:`goaltrack.hookspecs`
with ``@hookimpl`` and is registered by :func:`goaltrack.plugins.load_plugins` like any
third-party plugin, under its module path (e.g. ``goaltrack.default_plugins.formats``). That
is what lets a user replace a built-in: block it with ``GOALTRACK_DISABLE_PLUGINS`` and
register their own objects under the same names. The core never imports these modules
directly, and this package imports nothing, so importing one module loads only that one.

To add a built-in, write a module here and append its path to
:data:`goaltrack.plugins.DEFAULT_PLUGINS`.
"""
