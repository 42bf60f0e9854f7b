"""Calling hooks one plugin at a time, so that one failing plugin is named and the rest run.

Every call goes through pluggy's subset caller (not ``impl.function``) so that tracing and
opt-in arguments work as for a normal hook call.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pluggy

from goaltrack.plugins.blame import one_line

#: How a misbehaving plugin is reported: a warning, or :class:`PluginError` in strict mode.
Problem = Callable[[str, "BaseException | None"], None]


def impls_by_plugin(pm: pluggy.PluginManager, hook_name: str) -> dict[str, object]:
    """Plugin name -> plugin implementing ``hook_name``, in registration order."""
    caller: pluggy.HookCaller = getattr(pm.hook, hook_name)
    return {impl.plugin_name: impl.plugin for impl in caller.get_hookimpls()}


def call_one(
    pm: pluggy.PluginManager,
    hook_name: str,
    plugin_name: str,
    kwargs: Mapping[str, Any],
    problem: Problem,
    *,
    on_failure: str = "",
) -> tuple[bool, list[Any]]:
    """Call one plugin's implementation of a hook; ``(ok, results)``."""
    others = [p for n, p in impls_by_plugin(pm, hook_name).items() if n != plugin_name]
    caller = pm.subset_hook_caller(hook_name, remove_plugins=others)
    try:
        results = caller(**kwargs)
    except (Exception, SystemExit) as exc:
        problem(f"plugin {plugin_name} failed in {hook_name} ({one_line(exc)}){on_failure}", exc)
        return False, []
    return True, list(results)


class ContainedHooks:
    """``plugins.hook``: like pluggy's hook relay, with per-plugin error containment."""

    def __init__(self, pm: pluggy.PluginManager, hook_names: Sequence[str], problem: Problem) -> None:
        self._pm = pm
        self._hook_names = hook_names
        self._problem = problem

    def __getattr__(self, name: str) -> ContainedHookCaller:
        if name not in self._hook_names:
            raise AttributeError(f"goaltrack has no hook {name!r}")
        return ContainedHookCaller(self._pm, name, self._problem)


class ContainedHookCaller:
    def __init__(self, pm: pluggy.PluginManager, name: str, problem: Problem) -> None:
        self._pm = pm
        self._problem = problem
        self.name = name

    def __call__(self, **kwargs: Any) -> list[Any]:
        results: list[Any] = []
        # Reversed registration order is pluggy's own call order (last registered first).
        for plugin_name in reversed(list(impls_by_plugin(self._pm, self.name))):
            commands = _commands_of(kwargs.get("cli")) if self.name == "register_commands" else None
            before = set(commands) if commands is not None else set()
            ok, found = call_one(self._pm, self.name, plugin_name, kwargs, self._problem)
            if ok:
                results.extend(found)
            elif commands is not None:
                # Undo the commands a failing plugin added before it raised: half a plugin's
                # commands would be more confusing than none.
                for added in set(commands) - before:
                    del commands[added]
        return results


def _commands_of(group: object) -> dict[str, Any] | None:
    commands = getattr(group, "commands", None)
    return commands if isinstance(commands, dict) else None


def trace_before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]) -> None:
    names = ", ".join(impl.plugin_name for impl in impls) or "no plugin"
    print(f"goaltrack: trace: {hook_name}({', '.join(kwargs)}) -> {names}", file=sys.stderr)


def trace_after(
    outcome: pluggy.Result[object],
    hook_name: str,
    impls: Sequence[pluggy.HookImpl],
    kwargs: Mapping[str, object],
) -> None:
    if outcome.exception is not None:
        print(f"goaltrack: trace: {hook_name} raised {one_line(outcome.exception)}", file=sys.stderr)
    else:
        text = repr(outcome.get_result())
        text = text if len(text) <= 200 else text[:197] + "..."
        print(f"goaltrack: trace: {hook_name} returned {text}", file=sys.stderr)
