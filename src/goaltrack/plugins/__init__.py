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

Registries (:attr:`Plugins.output_formats` and friends) are built on first access by calling
each plugin's registry hook separately, with a ``register`` callback bound to that plugin, so
goaltrack knows who registered what and one failing plugin loses only its own
registrations. Two plugins registering the same name is always an error, strict or not:
picking one silently would make output depend on installation order.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, overload

import pluggy

from goaltrack import hookspecs
from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import (
    REGISTRY_TYPES,
    Check,
    DataSource,
    IndicatorKind,
    OutputFormat,
    ScoringMethod,
)

DEFAULT_PLUGINS: tuple[str, ...] = (
    "goaltrack.default_plugins.formats",
    "goaltrack.default_plugins.formats_templated",
    "goaltrack.default_plugins.sources",
    "goaltrack.default_plugins.scoring",
    "goaltrack.default_plugins.indicators",
    "goaltrack.default_plugins.checks",
)
"""Module paths of the built-in plugins, registered first, in this order."""

ENTRY_POINT_GROUP = "goaltrack"

ENV_DISABLE = "GOALTRACK_DISABLE_PLUGINS"
ENV_LOAD = "GOALTRACK_LOAD_PLUGINS"
ENV_STRICT = "GOALTRACK_STRICT_PLUGINS"
ENV_TRACE = "GOALTRACK_TRACE_PLUGINS"

Kind = Literal["data_sources", "scoring_methods", "output_formats", "indicators", "checks"]


@dataclass(frozen=True)
class _KindSpec:
    hook: str
    base: type
    key: str  # the attribute objects are keyed by
    label: str  # for messages: "output format 'x'"
    required: tuple[str, ...]  # class attributes that must be non-empty strings


# Keys are the hook names without "register_"; the base classes come from
# interfaces.REGISTRY_TYPES, the one place that says what each registry accepts.
KINDS: dict[str, _KindSpec] = {
    "data_sources": _KindSpec(
        "register_data_sources", REGISTRY_TYPES["data_sources"], "name", "data source", ("name",)
    ),
    "scoring_methods": _KindSpec(
        "register_scoring_methods",
        REGISTRY_TYPES["scoring_methods"],
        "name",
        "scoring method",
        ("name",),
    ),
    "output_formats": _KindSpec(
        "register_output_formats",
        REGISTRY_TYPES["output_formats"],
        "name",
        "output format",
        ("name", "extension", "media_type"),
    ),
    "indicators": _KindSpec(
        "register_indicators", REGISTRY_TYPES["indicators"], "name", "indicator kind", ("name",)
    ),
    "checks": _KindSpec("register_checks", REGISTRY_TYPES["checks"], "rule_id", "check", ("rule_id",)),
}

_SEVERITIES = ("error", "warning", "info")
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class _Origin:
    kind: Literal["builtin", "entrypoint", "file"]
    version: str | None
    source: str  # module path, "dist-name (module:attr)", or file path


def _names(value: str | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; ``None`` (unset) stays ``None``."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _one_line(exc: BaseException) -> str:
    """``ExcType: message`` on one line; pluggy's validation messages span several lines."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Plugins:
    """The plugins of one goaltrack run: made by :func:`load_plugins`, not directly."""

    def __init__(self, *, strict: bool, trace: bool) -> None:
        self.strict = strict
        self.warnings: list[str] = []
        """Every warning printed so far, without the ``goaltrack: `` prefix."""
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._origins: dict[str, _Origin] = {}
        self._registries: dict[str, dict[str, Any]] = {}
        self._owners: dict[str, dict[str, str]] = {}  # kind -> object name -> plugin name
        self._commands: dict[str, list[str]] | None = None
        self.hook_names: tuple[str, ...] = tuple(
            sorted(
                name
                for name, caller in vars(self._pm.hook).items()
                if not name.startswith("_") and caller.has_spec()
            )
        )
        if trace:
            self._pm.add_hookcall_monitoring(_trace_before, _trace_after)

    # ------------------------------------------------------------------ problems

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        print(f"goaltrack: {message}", file=sys.stderr)

    def _problem(self, message: str, cause: BaseException | None = None) -> None:
        """A plugin misbehaved: a warning, or an error in strict mode."""
        if self.strict:
            raise PluginError(message) from cause
        self._warn(message)

    def _load_failed(self, name: str, exc: BaseException) -> None:
        self._problem(f"could not load plugin {name} ({_one_line(exc)})", exc)

    def _interrupted(self, name: str, source: str) -> None:
        """Ctrl-C while a plugin was importing (one that hangs, say): name it, then stop."""
        print(
            f"goaltrack: interrupted while loading plugin {name} ({source}); if it hangs, "
            f"block it with {ENV_DISABLE}={name}",
            file=sys.stderr,
        )

    def report_failure(self, kind: str, name: str, exc: BaseException, *, skipped: str) -> None:
        """A registered object (a check, ...) raised or returned the wrong type while goaltrack
        used it: a warning naming its plugin, or :class:`PluginError` in strict mode."""
        owner = self._owners.get(kind, {}).get(name, "?")
        self._problem(
            f"plugin {owner} failed in {KINDS[kind].label} {name!r} ({_one_line(exc)}); {skipped}", exc
        )

    # ------------------------------------------------------------------ loading

    def _load(
        self,
        plugin_dirs: Sequence[Path],
        *,
        entrypoints: bool,
        disabled: list[str] | None,
        allowed: list[str] | None,
    ) -> None:
        for name in disabled or ():
            self._pm.set_blocked(name)
        seen: set[str] = set()  # every plugin name found, blocked or not
        self._load_builtins(seen)
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
                        f" (plugins found: {', '.join(sorted(seen)) or 'none'})"
                    )
        self._check_pending()

    def _load_builtins(self, seen: set[str]) -> None:
        from goaltrack import __version__

        for module_name in DEFAULT_PLUGINS:
            seen.add(module_name)
            if self._pm.is_blocked(module_name):
                continue
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:  # the module exists but imports something missing
                    self._load_failed(module_name, exc)
                elif self.strict:
                    # Tolerated otherwise, so that DEFAULT_PLUGINS can list a built-in whose
                    # module lands in a later change without breaking every command.
                    raise PluginError(
                        f"built-in plugin {module_name} is listed in DEFAULT_PLUGINS but "
                        "its module does not exist"
                    ) from exc
                continue
            except Exception as exc:
                self._load_failed(module_name, exc)
                continue
            self._register(module, module_name, _Origin("builtin", __version__, module_name))
            _MODULE_OWNERS[module_name] = module_name

    def _load_entrypoints(self, allowed: list[str] | None, seen: set[str]) -> None:
        # Sorted so that loading order (and which of two same-named plugins is refused)
        # does not depend on the order of sys.path.
        eps = sorted(
            importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
        )
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
                self._load_failed(ep.name, exc)
                continue
            except KeyboardInterrupt:
                self._interrupted(ep.name, where)
                raise
            self._register(plugin, ep.name, _Origin("entrypoint", version, where))
            top = ep.module.partition(".")[0]
            _MODULE_OWNERS[ep.module if top == "goaltrack" else top] = ep.name

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
                self._problem(f"could not load plugins from {directory} (no such directory)")
                continue
            for path in sorted(directory.glob("*.py")):
                if path.name.startswith(("_", ".")):
                    continue
                name = path.stem
                seen.add(name)
                if self._pm.is_blocked(name) or not self._name_free(name, str(path)):
                    continue
                try:
                    module = _import_file(path)
                except (Exception, SystemExit) as exc:
                    self._load_failed(name, exc)
                    continue
                except KeyboardInterrupt:
                    self._interrupted(name, str(path))
                    raise
                self._register(module, name, _Origin("file", None, str(path)))
                _MODULE_OWNERS[module.__name__] = name

    def _name_free(self, name: str, source: str) -> bool:
        if name not in self._origins:
            return True
        other = self._origins[name].source
        self._problem(
            f"could not load plugin {name} from {source} (the name is taken by {other}; "
            f"rename one, or block one with {ENV_DISABLE})"
        )
        return False

    def _register(self, plugin: object, name: str, origin: _Origin) -> None:
        try:
            if self._pm.register(plugin, name=name) is None:
                return  # blocked
        except (pluggy.PluginValidationError, ValueError) as exc:
            self._load_failed(name, exc)
            return
        wrappers = sorted(
            impl.function.__name__
            for caller in self._pm.get_hookcallers(plugin) or ()
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin and caller.has_spec() and (impl.wrapper or impl.hookwrapper)
        )
        if wrappers:
            # Hooks are called one plugin at a time (see _call_one), so a wrapper would wrap
            # nothing; refuse it rather than let it silently misbehave.
            self._pm.unregister(plugin)
            self._problem(
                f"could not load plugin {name} (hook wrappers are not supported: "
                f"{', '.join(wrappers)})"
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
                    close = difflib.get_close_matches(hook_name, self.hook_names, n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    problems.append(
                        f"plugin {impl.plugin_name} implements unknown hook {hook_name}{hint}"
                    )
            for message in problems or [_one_line(exc)]:
                self._problem(message, exc)

    # ------------------------------------------------------------------ calling hooks

    def _impls_by_plugin(self, hook_name: str) -> dict[str, object]:
        """Plugin name -> plugin implementing ``hook_name``, in registration order."""
        caller: pluggy.HookCaller = getattr(self._pm.hook, hook_name)
        return {impl.plugin_name: impl.plugin for impl in caller.get_hookimpls()}

    def _call_one(
        self,
        hook_name: str,
        plugin_name: str,
        kwargs: Mapping[str, Any],
        *,
        on_failure: str = "",
    ) -> tuple[bool, list[Any]]:
        """Call one plugin's implementation of a hook; ``(ok, results)``.

        Goes through pluggy's subset caller (not ``impl.function``) so that tracing and
        opt-in arguments work as for a normal hook call.
        """
        plugins = self._impls_by_plugin(hook_name)
        others = [p for n, p in plugins.items() if n != plugin_name]
        caller = self._pm.subset_hook_caller(hook_name, remove_plugins=others)
        try:
            results = caller(**kwargs)
        except (Exception, SystemExit) as exc:
            self._problem(
                f"plugin {plugin_name} failed in {hook_name} ({_one_line(exc)}){on_failure}",
                exc,
            )
            return False, []
        return True, list(results)

    @property
    def hook(self) -> _ContainedHooks:
        """Call a hook on every plugin, each inside its own error handling.

        ``plugins.hook.register_commands(cli=group)`` works like pluggy's ``pm.hook`` (keyword
        arguments only, a list of the non-``None`` results) except that a plugin raising is
        reported (or, in strict mode, raised as :class:`PluginError`) and the others still
        run.
        """
        return _ContainedHooks(self)

    # ------------------------------------------------------------------ registries

    def _registry(self, kind: str) -> dict[str, Any]:
        if kind not in KINDS:
            raise ValueError(f"unknown registry {kind!r} (registries: {', '.join(KINDS)})")
        if kind not in self._registries:
            self._registries[kind], self._owners[kind] = self._build(KINDS[kind])
        return self._registries[kind]

    def _build(self, spec: _KindSpec) -> tuple[dict[str, Any], dict[str, str]]:
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin_name in self._impls_by_plugin(spec.hook):
            staged: list[Any] = []
            open_ = [True]

            def register(obj: object, _staged: list[Any] = staged, _open: list[bool] = open_) -> None:
                if not _open[0]:
                    raise RuntimeError(f"register() was called after {spec.hook} returned")
                _check_object(spec, obj)
                _staged.append(obj)

            ok, _ = self._call_one(
                spec.hook,
                plugin_name,
                {"register": register},
                on_failure="; skipped everything it registered there",
            )
            open_[0] = False
            if not ok:
                continue
            for obj in staged:
                key = getattr(obj, spec.key)
                if key in owners:
                    other = owners[key]
                    if other == plugin_name:
                        raise PluginError(f"plugin {plugin_name} registers {spec.label} {key!r} twice")
                    raise PluginError(
                        f"{spec.label} {key!r} is registered by two plugins, {other} and "
                        f"{plugin_name}; remove or block one with {ENV_DISABLE}"
                    )
                found[key] = obj
                owners[key] = plugin_name
        order = sorted(found)  # stable order for listings and --format choices
        return {k: found[k] for k in order}, {k: owners[k] for k in order}

    @property
    def data_sources(self) -> dict[str, DataSource]:
        """Name -> data source, from ``register_data_sources``."""
        return dict(self._registry("data_sources"))

    @property
    def scoring_methods(self) -> dict[str, ScoringMethod]:
        """Name -> scoring method, from ``register_scoring_methods``."""
        return dict(self._registry("scoring_methods"))

    @property
    def output_formats(self) -> dict[str, OutputFormat]:
        """Name -> output format, from ``register_output_formats``."""
        return dict(self._registry("output_formats"))

    @property
    def indicator_kinds(self) -> dict[str, IndicatorKind]:
        """Name -> computed indicator kind, from ``register_indicators`` (kind ``indicators``)."""
        return dict(self._registry("indicators"))

    @property
    def checks(self) -> dict[str, Check]:
        """Rule id -> check, from ``register_checks``."""
        return dict(self._registry("checks"))

    @overload
    def get(self, kind: Literal["data_sources"], name: str) -> DataSource: ...
    @overload
    def get(self, kind: Literal["scoring_methods"], name: str) -> ScoringMethod: ...
    @overload
    def get(self, kind: Literal["output_formats"], name: str) -> OutputFormat: ...
    @overload
    def get(self, kind: Literal["indicators"], name: str) -> IndicatorKind: ...
    @overload
    def get(self, kind: Literal["checks"], name: str) -> Check: ...
    @overload
    def get(self, kind: str, name: str) -> Any: ...

    def get(self, kind: str, name: str) -> Any:
        """The object of ``kind`` registered as ``name``; :class:`UsageError` listing the known
        names when there is none (a user typed it: ``--format``, ``import SOURCE``...)."""
        registry = self._registry(kind)
        if name not in registry:
            from goaltrack.suggest import install_hint, unknown

            if extra := install_hint(kind, name):
                raise UsageError(f"unknown {KINDS[kind].label} {name!r}{extra}")
            if not registry:
                raise UsageError(f"unknown {KINDS[kind].label} {name!r} (known: none)")
            raise UsageError(unknown(KINDS[kind].label, name, registry, limit=len(registry)))
        return registry[name]

    def registered_by(self, kind: str, name: str) -> str:
        """The name of the plugin that registered ``name`` of ``kind``."""
        self.get(kind, name)
        return self._owners[kind][name]

    # ------------------------------------------------------------------ listing

    def is_builtin(self, name: str) -> bool:
        origin = self._origins.get(name)
        return origin is not None and origin.kind == "builtin"

    @property
    def names(self) -> list[str]:
        """Names of the loaded plugins, in loading order."""
        return list(self._origins)

    def template_dirs(self) -> list[Path]:
        """The ``templates/`` directories of loaded plugin packages, in loading order.

        Only a plugin that is a package (an entry point naming ``my_plugin`` with
        ``my_plugin/templates/``) has one; built-ins and single-file plugins do not (a single
        file's directory is shared, and users have ``--templates`` for their own).
        """
        found: list[Path] = []
        for name, origin in self._origins.items():
            if origin.kind == "builtin":
                continue
            plugin = self._pm.get_plugin(name)
            file = getattr(plugin, "__file__", None)
            if not file or Path(file).name != "__init__.py":
                continue
            candidate = Path(file).parent / "templates"
            if candidate.is_dir() and candidate not in found:
                found.append(candidate)
        return found

    def _command_names(self) -> dict[str, list[str]]:
        """Plugin name -> the commands its ``register_commands`` adds (on a scratch group)."""
        if self._commands is None:
            import click

            self._commands = {}
            for plugin_name in self._impls_by_plugin("register_commands"):
                scratch = click.Group()
                ok, _ = self._call_one("register_commands", plugin_name, {"cli": scratch})
                if ok and scratch.commands:
                    self._commands[plugin_name] = sorted(scratch.commands)
        return self._commands

    def describe(self, all: bool = False, hook: str | None = None) -> list[dict[str, Any]]:
        """For each plugin: ``name``, ``version``, ``hooks`` and ``registered``.

        ``version`` is the distribution's for entry points, goaltrack's for built-ins and
        ``None`` for plugin files; ``hooks`` is sorted; ``registered`` maps a registry kind
        (``output_formats``..., plus ``commands``) to the sorted names the plugin added.
        Built-ins are left out unless ``all``; ``hook`` keeps the plugins implementing it.
        """
        if hook is not None and hook not in self.hook_names:
            raise UsageError(f"unknown hook {hook!r} (hooks: {', '.join(self.hook_names)})")
        registered: dict[str, dict[str, list[str]]] = {name: {} for name in self._origins}
        for kind in KINDS:
            self._registry(kind)
            for obj_name, plugin_name in self._owners[kind].items():
                registered[plugin_name].setdefault(kind, []).append(obj_name)
        for plugin_name, commands in self._command_names().items():
            registered[plugin_name]["commands"] = commands
        out: list[dict[str, Any]] = []
        for name, origin in self._origins.items():
            if origin.kind == "builtin" and not all:
                continue
            plugin = self._pm.get_plugin(name)
            hooks = sorted(
                caller.name
                for caller in self._pm.get_hookcallers(plugin) or ()
                if caller.has_spec()
            )
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


class _ContainedHooks:
    """``plugins.hook``: like pluggy's hook relay, with per-plugin error containment."""

    def __init__(self, plugins: Plugins) -> None:
        self._plugins = plugins

    def __getattr__(self, name: str) -> _ContainedHookCaller:
        if name not in self._plugins.hook_names:
            raise AttributeError(f"goaltrack has no hook {name!r}")
        return _ContainedHookCaller(self._plugins, name)


class _ContainedHookCaller:
    def __init__(self, plugins: Plugins, name: str) -> None:
        self._plugins = plugins
        self.name = name

    def __call__(self, **kwargs: Any) -> list[Any]:
        results: list[Any] = []
        # Reversed registration order is pluggy's own call order (last registered first).
        for plugin_name in reversed(list(self._plugins._impls_by_plugin(self.name))):
            commands = _commands_of(kwargs.get("cli")) if self.name == "register_commands" else None
            before = set(commands) if commands is not None else set()
            ok, found = self._plugins._call_one(self.name, plugin_name, kwargs)
            if ok:
                results.extend(found)
            elif commands is not None:
                # Undo the commands a failing plugin added before it raised: half a plugin's
                # commands would be more confusing than none.
                for added in set(commands) - before:
                    del commands[added]
        return results


#: Module (or top-level package, for entry points) -> the name of the plugin it belongs to.
#: Used only to name a plugin in an error message (:func:`plugin_in_traceback`); filled as
#: plugins load, never read to decide what to load.
_MODULE_OWNERS: dict[str, str] = {}


def plugin_in_traceback(exc: BaseException) -> str | None:
    """The plugin whose code raised ``exc`` (the innermost plugin frame), if any did."""
    import traceback

    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames):
        module = str(frame.f_globals.get("__name__", ""))
        while module:
            if module in _MODULE_OWNERS:
                return _MODULE_OWNERS[module]
            module = module.rpartition(".")[0]
    return None


def plugin_of(obj: object) -> str | None:
    """The plugin whose module defines ``obj``'s class (a registered source, format...)."""
    module = type(obj).__module__
    while module:
        if module in _MODULE_OWNERS:
            return _MODULE_OWNERS[module]
        module = module.rpartition(".")[0]
    return None


def _commands_of(group: object) -> dict[str, Any] | None:
    commands = getattr(group, "commands", None)
    return commands if isinstance(commands, dict) else None


def _check_object(spec: _KindSpec, obj: object) -> None:
    """Raise ``TypeError`` (reported as the plugin failing) for what ``register`` must refuse."""
    base = spec.base
    if isinstance(obj, type) and issubclass(obj, base):
        raise TypeError(f"register() takes an instance, not a class: register({obj.__name__}())")
    if not isinstance(obj, base):
        raise TypeError(
            f"register() for {spec.hook} takes a {base.__module__}.{base.__qualname__} "
            f"instance, got {type(obj).__name__}"
        )
    for attr in spec.required:
        value = getattr(obj, attr, None)
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"{type(obj).__name__}.{attr} must be a non-empty string, got {value!r}")
    if isinstance(obj, Check) and obj.severity not in _SEVERITIES:
        raise TypeError(
            f"{type(obj).__name__}.severity must be one of {', '.join(_SEVERITIES)}, "
            f"got {obj.severity!r}"
        )


def _import_file(path: Path) -> ModuleType:
    """Import a plugin file under a module name of its own.

    The name is derived from the full path, so two directories' ``formats.py`` never share a
    module, and the file is executed afresh for each :func:`load_plugins` (no state carried
    between runs or tests). The directory is not put on ``sys.path``: only the files of
    configured directories are ever imported, never a same-named module from the cwd.
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


def _trace_before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, object]) -> None:
    names = ", ".join(impl.plugin_name for impl in impls) or "no plugin"
    print(f"goaltrack: trace: {hook_name}({', '.join(kwargs)}) -> {names}", file=sys.stderr)


def _trace_after(
    outcome: pluggy.Result[object],
    hook_name: str,
    impls: Sequence[pluggy.HookImpl],
    kwargs: Mapping[str, object],
) -> None:
    if outcome.exception is not None:
        print(f"goaltrack: trace: {hook_name} raised {_one_line(outcome.exception)}", file=sys.stderr)
    else:
        text = repr(outcome.get_result())
        text = text if len(text) <= 200 else text[:197] + "..."
        print(f"goaltrack: trace: {hook_name} returned {text}", file=sys.stderr)


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


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
    plugins = Plugins(strict=_flag(env, ENV_STRICT), trace=_flag(env, ENV_TRACE))
    plugins._load(
        plugin_dirs,
        entrypoints=entrypoints,
        disabled=_names(env.get(ENV_DISABLE)),
        allowed=_names(env.get(ENV_LOAD)),
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
