"""Naming the plugin to blame: which plugin's code raised, or defined an object.

:data:`MODULE_OWNERS` is filled as plugins load and read only to name a plugin in a message,
never to decide what to load.
"""

from __future__ import annotations

import traceback

#: Module (or top-level package, for entry points) -> the name of the plugin it belongs to.
MODULE_OWNERS: dict[str, str] = {}


def one_line(exc: BaseException) -> str:
    """``ExcType: message`` on one line; pluggy's validation messages span several lines."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _owner(module: str) -> str | None:
    """The plugin owning ``module`` or the nearest package above it."""
    while module:
        if module in MODULE_OWNERS:
            return MODULE_OWNERS[module]
        module = module.rpartition(".")[0]
    return None


def plugin_in_traceback(exc: BaseException) -> str | None:
    """The plugin whose code raised ``exc`` (the innermost plugin frame), if any did."""
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames):
        owner = _owner(str(frame.f_globals.get("__name__", "")))
        if owner is not None:
            return owner
    return None


def plugin_of(obj: object) -> str | None:
    """The plugin whose module defines ``obj``'s class (a registered source, format...)."""
    return _owner(type(obj).__module__)
