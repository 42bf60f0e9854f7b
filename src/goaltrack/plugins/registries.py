"""The registries plugins fill: what each accepts, and building one from every plugin.

Each plugin's registry hook is called separately, with a ``register`` callback bound to that
plugin, so goaltrack knows who registered what and one failing plugin loses only its own
registrations. Two plugins registering the same name is always an error, strict or not:
picking one silently would make output depend on installation order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pluggy

from goaltrack.errors import PluginError
from goaltrack.interfaces import REGISTRY_TYPES, Check
from goaltrack.plugins.calling import Problem, call_one, impls_by_plugin
from goaltrack.vocab import SEVERITIES

Kind = Literal["data_sources", "scoring_methods", "output_formats", "indicators", "checks"]


@dataclass(frozen=True)
class KindSpec:
    hook: str
    base: type
    key: str  # the attribute objects are keyed by
    label: str  # for messages: "output format 'x'"
    required: tuple[str, ...]  # class attributes that must be non-empty strings


def _spec(kind: str, label: str, key: str = "name", required: tuple[str, ...] = ("name",)) -> KindSpec:
    # The base classes come from interfaces.REGISTRY_TYPES, the one place that says what
    # each registry accepts.
    return KindSpec(f"register_{kind}", REGISTRY_TYPES[kind], key, label, required)


#: Keys are the hook names without ``register_``.
KINDS: dict[str, KindSpec] = {
    "data_sources": _spec("data_sources", "data source"),
    "scoring_methods": _spec("scoring_methods", "scoring method"),
    "output_formats": _spec("output_formats", "output format", required=("name", "extension", "media_type")),
    "indicators": _spec("indicators", "indicator kind"),
    "checks": _spec("checks", "check", key="rule_id", required=("rule_id",)),
}


def build_registry(
    pm: pluggy.PluginManager, spec: KindSpec, problem: Problem, *, disable_hint: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(name -> object, name -> plugin name)`` for one registry, both sorted by name."""
    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for plugin_name in impls_by_plugin(pm, spec.hook):
        staged: list[Any] = []
        open_ = [True]

        def register(obj: object, _staged: list[Any] = staged, _open: list[bool] = open_) -> None:
            if not _open[0]:
                raise RuntimeError(f"register() was called after {spec.hook} returned")
            check_object(spec, obj)
            _staged.append(obj)

        ok, _ = call_one(
            pm, spec.hook, plugin_name, {"register": register}, problem,
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
                    f"{plugin_name}; remove or block one with {disable_hint}"
                )
            found[key] = obj
            owners[key] = plugin_name
    order = sorted(found)  # stable order for listings and --format choices
    return {k: found[k] for k in order}, {k: owners[k] for k in order}


def check_object(spec: KindSpec, obj: object) -> None:
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
    if isinstance(obj, Check) and obj.severity not in SEVERITIES:
        raise TypeError(
            f"{type(obj).__name__}.severity must be one of {', '.join(SEVERITIES)}, "
            f"got {obj.severity!r}"
        )
