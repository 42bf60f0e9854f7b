"""The plugins of one goaltrack run (:class:`Plugins`), made by :func:`goaltrack.plugins.load_plugins`.

:class:`Plugins` owns the pluggy manager and holds what was learnt while loading; the work is
done by the modules of this package named for it (loading, calling, registries, describe).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, overload

import pluggy

from goaltrack import hookspecs
from goaltrack.errors import PluginError, UsageError
from goaltrack.interfaces import Check, DataSource, IndicatorKind, OutputFormat, ScoringMethod
from goaltrack.plugins.blame import one_line
from goaltrack.plugins.calling import ContainedHooks, trace_after, trace_before
from goaltrack.plugins.describe import command_names, describe_plugins
from goaltrack.plugins.describe import template_dirs as _template_dirs
from goaltrack.plugins.loading import ENV_DISABLE, Loader, Origin
from goaltrack.plugins.registries import KINDS, build_registry


class Plugins:
    """The plugins of one goaltrack run: made by :func:`~goaltrack.plugins.load_plugins`, not directly."""

    def __init__(self, *, strict: bool, trace: bool) -> None:
        self.strict = strict
        self.warnings: list[str] = []
        """Every warning printed so far, without the ``goaltrack: `` prefix."""
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._origins: dict[str, Origin] = {}
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
            self._pm.add_hookcall_monitoring(trace_before, trace_after)

    def loader(self) -> Loader:
        """The loader that registers plugins with this run's manager (see :mod:`.loading`)."""
        return Loader(self._pm, self._origins, self._problem, strict=self.strict, hook_names=self.hook_names)

    # ------------------------------------------------------------------ problems

    def _problem(self, message: str, cause: BaseException | None = None) -> None:
        """A plugin misbehaved: a warning, or an error in strict mode."""
        if self.strict:
            raise PluginError(message) from cause
        self.warnings.append(message)
        print(f"goaltrack: {message}", file=sys.stderr)

    def report_failure(self, kind: str, name: str, exc: BaseException, *, skipped: str) -> None:
        """A registered object (a check, ...) raised or returned the wrong type while goaltrack
        used it: a warning naming its plugin, or :class:`PluginError` in strict mode."""
        owner = self._owners.get(kind, {}).get(name, "?")
        self._problem(f"plugin {owner} failed in {KINDS[kind].label} {name!r} ({one_line(exc)}); {skipped}", exc)

    # ------------------------------------------------------------------ calling hooks

    @property
    def hook(self) -> ContainedHooks:
        """Call a hook on every plugin, each inside its own error handling.

        ``plugins.hook.register_commands(cli=group)`` works like pluggy's ``pm.hook`` (keyword
        arguments only, a list of the non-``None`` results) except that a plugin raising is
        reported (or, in strict mode, raised as :class:`PluginError`) and the others still
        run.
        """
        return ContainedHooks(self._pm, self.hook_names, self._problem)

    # ------------------------------------------------------------------ registries

    def _registry(self, kind: str) -> dict[str, Any]:
        if kind not in KINDS:
            raise ValueError(f"unknown registry {kind!r} (registries: {', '.join(KINDS)})")
        if kind not in self._registries:
            self._registries[kind], self._owners[kind] = build_registry(
                self._pm, KINDS[kind], self._problem, disable_hint=ENV_DISABLE
            )
        return self._registries[kind]

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
        return _template_dirs(self._pm, self._origins)

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
        if self._commands is None:
            self._commands = command_names(self._pm, self._problem)
        for plugin_name, commands in self._commands.items():
            registered[plugin_name]["commands"] = commands
        return describe_plugins(self._pm, self._origins, registered, all=all, hook=hook)


__all__ = ["Plugins"]
