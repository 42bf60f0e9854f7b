"""Did-you-mean hints for a name the user typed that is not known.

One rule for every such message (an indicator, initiative or plan code, a format, a data
source, a setting, a command): a name equal but for case is the answer; else the closest
names by :func:`difflib.get_close_matches`, compared without case; else the known names,
the first few of them.
"""

from __future__ import annotations

from collections.abc import Iterable

LIST_LIMIT = 15


def close_matches(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names ``name`` was probably meant to be, best first; [] if none is close."""
    names = list(dict.fromkeys(known))
    same = [k for k in names if k.lower() == name.lower()]
    if same:
        return same[:n]
    import difflib

    by_lower: dict[str, str] = {}
    for k in names:
        by_lower.setdefault(k.lower(), k)
    return [by_lower[k] for k in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'X'?)``, or "" when no known name is close."""
    matches = close_matches(name, known)
    return f" (did you mean {' or '.join(repr(m) for m in matches)}?)" if matches else ""


def hint(name: str, known: Iterable[str], *, limit: int = LIST_LIMIT) -> str:
    """:func:`did_you_mean`, else `` (known: a, b, ...)``, or "" when nothing is known."""
    names = list(dict.fromkeys(known))
    if close := did_you_mean(name, names):
        return close
    if not names:
        return ""
    more = ", ..." if len(names) > limit else ""
    return f" (known: {', '.join(names[:limit])}{more})"


#: Names that goaltrack's own optional plugins register: (registry, name) -> (distribution,
#: extra). Asked for without the plugin, they get an install hint instead of a bare "unknown".
FIRST_PARTY: dict[tuple[str, str], tuple[str, str]] = {
    ("output_formats", "xlsx"): ("goaltrack-xlsx", "xlsx"),
    ("data_sources", "jobindsats"): ("goaltrack-jobindsats", "jobindsats"),
    ("data_sources", "statbank"): ("goaltrack-jobindsats", "jobindsats"),
}


def install_hint(kind: str, name: str) -> str:
    """``: it comes with the goaltrack-xlsx plugin (pip install 'goaltrack[xlsx]')`` for a
    name one of goaltrack's optional plugins registers, or "" for any other name. Says so
    when the plugin is installed but did not register it (disabled, or failed to load)."""
    entry = FIRST_PARTY.get((kind, name))
    if entry is None:
        return ""
    dist, extra = entry
    from importlib import metadata

    try:
        metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return f": it comes with the {dist} plugin; install it with pip install 'goaltrack[{extra}]'"
    return (
        f": the {dist} plugin is installed but not loaded (disabled by GOALTRACK_DISABLE_PLUGINS, "
        "or it failed to load: see `goaltrack plugins --all`)"
    )


def unknown(what: str, name: str, known: Iterable[str], *, limit: int = LIST_LIMIT) -> str:
    """``unknown WHAT 'NAME'`` with its :func:`hint`."""
    return f"unknown {what} {name!r}{hint(name, known, limit=limit)}"


__all__ = ["FIRST_PARTY", "close_matches", "did_you_mean", "hint", "install_hint", "unknown"]
