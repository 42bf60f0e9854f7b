"""Reading YAML with the line and column of every value, and refusing duplicate keys.

PyYAML's composer gives nodes with marks; we build plain Python data from them ourselves
and keep a map from each value's path (``("initiatives", 3, "title")``) to where it stands
in the file, so validation errors can say ``FILE:LINE:COL``.

Timestamps are left as strings (``2021-03-31`` stays text): pydantic parses date fields
itself, and a period code that happens to look like a date must stay a period code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goaltrack.errors import Problem

MAX_PLAN_BYTES = 20 * 1024 * 1024
PathKey = tuple[str | int, ...]


#: Nesting deeper than this is refused (a plan file needs about 8 levels). PyYAML composes
#: recursively, so without a limit a deeply nested file ends in a RecursionError.
MAX_DEPTH = 64
#: Values that anchors and aliases may add by repetition. A file of nested aliases
#: ("billion laughs") would otherwise expand exponentially and never finish.
MAX_ALIAS_VALUES = 100_000


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"the data is nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Drop the timestamp resolver (see the module docstring). Copy the table first: it is shared
# with SafeLoader.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
if _CSafeLoader is not None:

    class _CLoader(_CSafeLoader):
        """libyaml's parser and composer, with :class:`_Loader`'s resolvers."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _compose_fast(text: str) -> yaml.Node | None:
    """The document's nodes composed by libyaml, when PyYAML has it: a plan file of 500
    indicators took 3.5 s to compose in Python and takes ~0.1 s here. The nodes (marks
    included) are the same. Returns ``None`` whenever the Python loader must decide: no
    libyaml, any error (so every message is the Python loader's, as documented), nesting at
    the limit (libyaml's composer recurses in C with no limit of its own; its parser, which
    counts the depth here, does not recurse), or an empty document."""
    if _CSafeLoader is None:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_CLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth >= MAX_DEPTH:
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = _CLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError:
        return None


@dataclass
class Located:
    """Parsed YAML data plus where each value (and each mapping key) stands in the file."""

    data: Any
    file: str
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of ``path``, or of its nearest located ancestor."""
        probe = tuple(path)
        while True:
            table = self.keys if key and probe in self.keys else self.values
            if probe in table:
                return table[probe]
            if not probe:
                return None, None
            probe = probe[:-1]

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(
            message=message, file=self.file, line=line, column=col, path=format_path(path) or None
        )


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def read_yaml(path: Path, *, display: str | None = None) -> tuple[Located | None, list[Problem]]:
    """Parse ``path``; return the located data, or ``None`` and the problems found."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        return None, [Problem("is a directory, not a plan file", file=name)]
    except FileNotFoundError:
        return None, [Problem("file not found", file=name)]
    except OSError as exc:
        return None, [Problem(f"cannot read: {exc.strerror}", file=name)]
    if len(raw) > MAX_PLAN_BYTES:
        return None, [
            Problem(f"file is {len(raw):,} bytes; plan files are limited to {MAX_PLAN_BYTES:,}", file=name)
        ]
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte-order mark is accepted and dropped
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Problem(
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                file=name,
                line=line,
                column=col,
            )
        ]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [Problem("the file is empty", file=name, line=1)]
    return parse_yaml_text(text, name)


def parse_yaml_text(text: str, name: str) -> tuple[Located | None, list[Problem]]:
    try:
        loader = _Loader(text)  # checks the whole text for characters YAML does not allow
    except yaml.reader.ReaderError as exc:
        at = exc.position
        return None, [
            Problem(
                f"character U+{exc.character:04X} is not allowed in a YAML file; remove it",
                file=name,
                line=text.count("\n", 0, at) + 1,
                column=at - (text.rfind("\n", 0, at) + 1) + 1,
            )
        ]
    try:
        node = _compose_fast(text) or loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or str(exc)
        # PyYAML writes a tab as '\t' (backslash, t) in "found character '\t' that cannot
        # start any token".
        if "\t" in message or "'\\t'" in message or "tab" in message.lower():
            message = f"{message} (YAML does not allow tabs for indentation; use spaces)"
        elif exc.context and exc.problem:
            start = exc.context_mark
            if start is not None and mark is not None and start.line != mark.line:
                # e.g. an unclosed quote: the error shows where the file ends, the start is
                # what the user must look at.
                message = f"{exc.context} that starts on line {start.line + 1}: {exc.problem}"
            else:
                message = f"{exc.context}: {exc.problem}"
        return None, [
            Problem(
                message,
                file=name,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(f"invalid YAML: {' '.join(str(exc).split())}", file=name)]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem("the file is empty", file=name, line=1)]
    located = Located(data=None, file=name)
    problems: list[Problem] = []
    try:
        located.data = _build(node, (), located, problems, loader, _Walk())
    except _TooManyAliasValues as exc:
        line, col = _mark(exc.node)
        return None, [
            Problem(
                f"anchors and aliases expand to more than {MAX_ALIAS_VALUES:,} values; "
                "write the data out instead of repeating aliases",
                file=name,
                line=line,
                column=col,
            )
        ]
    return located, problems


class _TooManyAliasValues(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("too many alias values")
        self.node = node


@dataclass
class _Walk:
    """What :func:`_build` tracks to refuse recursive and exploding aliases."""

    built: set[int] = field(default_factory=set)  # id() of every node built so far
    open: set[int] = field(default_factory=set)  # id() of the collections being built
    repeated: int = 0  # values built a second time or more, through an alias


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(
    node: yaml.Node,
    path: PathKey,
    located: Located,
    problems: list[Problem],
    loader: _Loader,
    walk: _Walk,
) -> Any:
    located.values[path] = _mark(node)
    key_id = id(node)
    if key_id in walk.open:  # an alias inside the collection it names
        problems.append(
            located.problem(path, "a recursive alias: it refers to a mapping or list that contains it")
        )
        return None
    if key_id in walk.built:
        walk.repeated += 1
        if walk.repeated > MAX_ALIAS_VALUES:
            raise _TooManyAliasValues(node)
    walk.built.add(key_id)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        walk.open.add(key_id)
        try:
            return _build_collection(node, path, located, problems, loader, walk)
        finally:
            walk.open.discard(key_id)
    return _construct(node, path, located, problems, loader)


def _build_collection(
    node: yaml.MappingNode | yaml.SequenceNode,
    path: PathKey,
    located: Located,
    problems: list[Problem],
    loader: _Loader,
    walk: _Walk,
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(located.problem(path, "mapping keys must be plain text"))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                problems.append(located.problem(path, "YAML merge keys (<<) are not supported"))
                continue
            found = len(problems)
            key = _construct(key_node, path, located, problems, loader)
            if len(problems) > found:  # an unknown tag on the key: reported, skip the entry
                continue
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            if key in result:
                first_line = located.keys[child][0]
                line, col = _mark(key_node)
                problems.append(
                    Problem(
                        f"duplicate key '{key}' (first defined on line {first_line})",
                        file=located.file,
                        line=line,
                        column=col,
                        path=format_path(child),
                    )
                )
                continue
            located.keys[child] = _mark(key_node)
            result[key] = _build(value_node, child, located, problems, loader, walk)
        return result
    return [
        _build(item, (*path, i), located, problems, loader, walk) for i, item in enumerate(node.value)
    ]


def _construct(
    node: yaml.Node, path: PathKey, located: Located, problems: list[Problem], loader: _Loader
) -> Any:
    """A scalar's value; an unknown tag (``!foo``, ``!!python/...``) is a problem, not a crash,
    and so is a control character that an escape such as ``"\\e"`` put into text."""
    try:
        value = loader.construct_object(node)
    except yaml.YAMLError as exc:
        line, col = _mark(node)
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(
            Problem(reason, file=located.file, line=line, column=col, path=format_path(path) or None)
        )
        return None
    if isinstance(value, str) and (control := _CONTROL.search(value)):
        # e.g. ESC, which starts terminal control sequences when `goaltrack tree` prints it.
        line, col = _mark(node)
        problems.append(
            Problem(
                f"control character U+{ord(control.group()):04X} in the text; remove it",
                file=located.file, line=line, column=col, path=format_path(path) or None,
            )
        )
        return None
    return value


# C0 and C1 control characters other than tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
