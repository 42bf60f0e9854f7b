"""Test plugin: a Jinja2 filter ``shout`` and a global ``plugin_name``."""

from __future__ import annotations

from goaltrack import hookimpl


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["shout"] = lambda text: f"{str(text).upper()}!"
    env.globals["plugin_name"] = "jinja_shout"
