"""Finding plugins in their three places and registering them, each in its own error handling.

Order: the built-ins (``goaltrack.plugins.DEFAULT_PLUGINS``), the entry points of group ``goaltrack``,
then the ``*.py`` files of each plugin directory. A failure is one line naming the plugin
(or :class:`PluginError` in strict mode) and the plugin is skipped.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal

import pluggy

from goaltrack.errors import PluginError
from goaltrack.plugins.blame import MODULE_OWNERS, one_line
from goaltrack.plugins.calling import Problem

ENTRY_POINT_GROUP = "goaltrack"

ENV_DISABLE = "GOALTRACK_DISABLE_PLUGINS"
ENV_LOAD = "GOALTRACK_LOAD_PLUGINS"
ENV_STRICT = "GOALTRACK_STRICT_PLUGINS"
ENV_TRACE = "GOALTRACK_TRACE_PLUGINS"

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Origin:
    kind: Literal["builtin", "entrypoint", "file"]
    version: str | None
    source: str  # module path, "dist-name (module:attr)", or file path


def names_in(value: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; ``None`` (unset) stays ``None``."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


class Loader:
    """Registers every plugin it finds into ``pm``, recording where each came from."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        origins: dict[str, Origin],
        problem: Problem,
        *,
        strict: bool,
        hook_names: Sequence[str],
    ) -> None:
        self._pm = pm
        self._origins = origins
        self._problem = problem
        self._strict = strict
        self._hook_names = hook_names

    def load(
        self,
        builtins: Sequence[str],
        plugin_dirs: Sequence[Path],
        *,
        entrypoints: bool,
        disabled: list[str] | None,
        allowed: list[str] | None,
    ) -> None:
        for name in disabled or ():
            self._pm.set_blocked(name)
        seen: set[str] = set()  # every plugin name found, blocked or not
        self._load_builtins(builtins, seen)
        if entrypoints:
            self._load_entrypoints(allowed, seen)
        self._load_dirs(plugin_dirs, seen)
        # A typo in these lists would otherwise silently do nothing. Without entry points we
        # cannot know all names, so only check when every source was looked at.
        if entrypoints:
            for var, names in ((ENV_DISABLE, disabled), (ENV_LOAD, allowed)):
                unknown = sorted(set(names or ()) - seen)
                if unknown:
                    self._problem(
                        f"{var} names no plugin: {', '.join(unknown)}"
                        f" (plugins found: {', '.join(sorted(seen)) or 'none'})",
                        None,
                    )
        self._check_pending()

    def _failed(self, name: str, exc: BaseException) -> None:
        self._problem(f"could not load plugin {name} ({one_line(exc)})", exc)

    def _load_builtins(self, builtins: Sequence[str], seen: set[str]) -> None:
        from goaltrack import __version__

        for module_name in builtins:
            seen.add(module_name)
            if self._pm.is_blocked(module_name):
                continue
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:  # the module exists but imports something missing
                    self._failed(module_name, exc)
                elif self._strict:
                    # Tolerated otherwise, so that DEFAULT_PLUGINS can list a built-in whose
                    # module lands in a later change without breaking every command.
                    raise PluginError(
                        f"built-in plugin {module_name} is listed in DEFAULT_PLUGINS but "
                        "its module does not exist"
                    ) from exc
                continue
            except Exception as exc:
                self._failed(module_name, exc)
                continue
            self._register(module, module_name, Origin("builtin", __version__, module_name))
            MODULE_OWNERS[module_name] = module_name

    def _load_entrypoints(self, allowed: list[str] | None, seen: set[str]) -> None:
        # Sorted so that loading order (and which of two same-named plugins is refused)
        # does not depend on the order of sys.path.
        eps = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            seen.add(ep.name)
            if allowed is not None and ep.name not in allowed:
                continue
            if self._pm.is_blocked(ep.name) or not self._name_free(ep.name, ep.value):
                continue
            # Loaded one by one (not pm.load_setuptools_entrypoints, which stops at the
            # first failure) so that one broken distribution cannot take goaltrack down.
            dist = ep.dist
            version = dist.version if dist is not None else None
            where = f"{dist.name} ({ep.value})" if dist is not None else ep.value
            try:
                plugin = ep.load()
            except (Exception, SystemExit) as exc:  # sys.exit() in a plugin must not end goaltrack
                self._failed(ep.name, exc)
                continue
            except KeyboardInterrupt:
                _interrupted(ep.name, where)
                raise
            self._register(plugin, ep.name, Origin("entrypoint", version, where))
            top = ep.module.partition(".")[0]
            MODULE_OWNERS[ep.module if top == "goaltrack" else top] = ep.name

    def _load_dirs(self, plugin_dirs: Sequence[Path], seen: set[str]) -> None:
        visited: set[Path] = set()
        for raw in plugin_dirs:
            directory = Path(raw).expanduser()
            key = directory.resolve()
            # The same directory may come from --plugins-dir and from the config file.
            if key in visited:
                continue
            visited.add(key)
            if not directory.is_dir():
                self._problem(f"could not load plugins from {directory} (no such directory)", None)
                continue
            for path in sorted(directory.glob("*.py")):
                if not path.name.startswith(("_", ".")):
                    self._load_file(path, seen)

    def _load_file(self, path: Path, seen: set[str]) -> None:
        name = path.stem
        seen.add(name)
        if self._pm.is_blocked(name) or not self._name_free(name, str(path)):
            return
        try:
            module = import_file(path)
        except (Exception, SystemExit) as exc:
            self._failed(name, exc)
            return
        except KeyboardInterrupt:
            _interrupted(name, str(path))
            raise
        self._register(module, name, Origin("file", None, str(path)))
        MODULE_OWNERS[module.__name__] = name

    def _name_free(self, name: str, source: str) -> bool:
        if name not in self._origins:
            return True
        other = self._origins[name].source
        self._problem(
            f"could not load plugin {name} from {source} (the name is taken by {other}; "
            f"rename one, or block one with {ENV_DISABLE})",
            None,
        )
        return False

    def _register(self, plugin: object, name: str, origin: Origin) -> None:
        try:
            if self._pm.register(plugin, name=name) is None:
                return  # blocked
        except (pluggy.PluginValidationError, ValueError) as exc:
            self._failed(name, exc)
            return
        wrappers = sorted(
            impl.function.__name__
            for caller in self._pm.get_hookcallers(plugin) or ()
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin and caller.has_spec() and (impl.wrapper or impl.hookwrapper)
        )
        if wrappers:
            # Hooks are called one plugin at a time (see calling.call_one), so a wrapper would
            # wrap nothing; refuse it rather than let it silently misbehave.
            self._pm.unregister(plugin)
            self._problem(
                f"could not load plugin {name} (hook wrappers are not supported: {', '.join(wrappers)})",
                None,
            )
            return
        self._origins[name] = origin

    def _check_pending(self) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            # check_pending stops at the first unknown hook; report every one, each naming
            # its plugin, so that fixing one typo does not reveal the next only on rerun.
            problems: list[str] = []
            for hook_name, caller in sorted(vars(self._pm.hook).items()):
                if hook_name.startswith("_") or caller.has_spec():
                    continue
                for impl in caller.get_hookimpls():
                    if impl.optionalhook:
                        continue
                    close = difflib.get_close_matches(hook_name, self._hook_names, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    problems.append(f"plugin {impl.plugin_name} implements unknown hook {hook_name}{hint}")
            for message in problems or [one_line(exc)]:
                self._problem(message, exc)


def _interrupted(name: str, source: str) -> None:
    """Ctrl-C while a plugin was importing (one that hangs, say): name it, then stop."""
    print(
        f"goaltrack: interrupted while loading plugin {name} ({source}); if it hangs, "
        f"block it with {ENV_DISABLE}={name}",
        file=sys.stderr,
    )


def import_file(path: Path) -> ModuleType:
    """Import a plugin file under a module name of its own.

    The name is derived from the full path, so two directories' ``formats.py`` never share a
    module, and the file is executed afresh for each load (no state carried between runs or
    tests). The directory is not put on ``sys.path``: only the files of configured
    directories are ever imported, never a same-named module from the cwd.
    """
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    module_name = f"_goaltrack_plugin_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    # In sys.modules while it runs: dataclasses and typing look a class's module up there.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module
