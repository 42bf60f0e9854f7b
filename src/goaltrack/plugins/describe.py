"""Describing the loaded plugins: what ``goaltrack plugins`` lists, and their template folders."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pluggy

from goaltrack.plugins.calling import Problem, call_one, impls_by_plugin
from goaltrack.plugins.loading import Origin


def command_names(pm: pluggy.PluginManager, problem: Problem) -> dict[str, list[str]]:
    """Plugin name -> the commands its ``register_commands`` adds (on a scratch group)."""
    import click

    found: dict[str, list[str]] = {}
    for plugin_name in impls_by_plugin(pm, "register_commands"):
        scratch = click.Group()
        ok, _ = call_one(pm, "register_commands", plugin_name, {"cli": scratch}, problem)
        if ok and scratch.commands:
            found[plugin_name] = sorted(scratch.commands)
    return found


def describe_plugins(
    pm: pluggy.PluginManager,
    origins: Mapping[str, Origin],
    registered: Mapping[str, Mapping[str, list[str]]],
    *,
    all: bool,
    hook: str | None,
) -> list[dict[str, Any]]:
    """One entry per plugin (built-ins only with ``all``; only those implementing ``hook``)."""
    out: list[dict[str, Any]] = []
    for name, origin in origins.items():
        if origin.kind == "builtin" and not all:
            continue
        plugin = pm.get_plugin(name)
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or () if caller.has_spec())
        if hook is not None and hook not in hooks:
            continue
        out.append(
            {
                "name": name,
                "version": origin.version,
                "hooks": hooks,
                "registered": {k: sorted(v) for k, v in registered[name].items()},
            }
        )
    return out


def template_dirs(pm: pluggy.PluginManager, origins: Mapping[str, Origin]) -> list[Path]:
    """The ``templates/`` directories of loaded plugin packages, in loading order."""
    found: list[Path] = []
    for name, origin in origins.items():
        if origin.kind == "builtin":
            continue
        file = getattr(pm.get_plugin(name), "__file__", None)
        if not file or Path(file).name != "__init__.py":
            continue
        candidate = Path(file).parent / "templates"
        if candidate.is_dir() and candidate not in found:
            found.append(candidate)
    return found
