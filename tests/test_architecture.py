"""The package's shape (docs/architecture.md): imports run one way, from input to output.

Each stage may import the stages before it and the shared base, never one after it. The
check reads every module's imports with ``ast`` (imports under ``if TYPE_CHECKING:`` count
too: a type from a later stage is still a dependency on it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "goaltrack"
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

#: The stages, first to last, and the modules each holds (a package name covers its modules).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("goaltrack", "goaltrack.errors", "goaltrack.clock", "goaltrack.suggest", "goaltrack.vocab",
              "goaltrack.interfaces", "goaltrack.hookspecs", "goaltrack.settings", "goaltrack.fileio")),
    ("values", ("goaltrack.values",)),
    ("planfile", ("goaltrack.planfile",)),
    ("plugins", ("goaltrack.plugins",)),
    ("store", ("goaltrack.store", "goaltrack.people", "goaltrack.review")),
    ("engine", ("goaltrack.engine",)),
    ("reports", ("goaltrack.reports",)),
    ("render", ("goaltrack.render",)),
    ("app", ("goaltrack.context", "goaltrack.demo", "goaltrack.default_plugins")),
    ("publish", ("goaltrack.publish",)),
    ("web", ("goaltrack.web",)),
    ("cli", ("goaltrack.cli", "goaltrack.__main__")),
]


def _layer(module: str) -> int | None:
    """The index of the stage holding ``module`` (the longest matching prefix wins)."""
    best: tuple[int, int] | None = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            exact_root = prefix == "goaltrack" and module != "goaltrack"
            matches = not exact_root and (module == prefix or module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return best[0] if best else None


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "goaltrack":
                found += [(node.lineno, f"goaltrack.{alias.name}") for alias in node.names]
            elif node.module.startswith("goaltrack."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("goaltrack.")]
    return found


def backward_imports() -> list[str]:
    wrong = []
    for path in _modules():
        module = _module_name(path)
        mine = _layer(module)
        for line, target in _imports(path):
            theirs = _layer(target)
            if theirs is None:  # ``from goaltrack import hookimpl``: a name, not a module
                theirs = _layer(target.rsplit(".", 1)[0])
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(
                    f"{path.relative_to(SRC.parent)}:{line}: {module} ({LAYERS[mine][0]}) imports "
                    f"{target} ({LAYERS[theirs][0]})"
                )
    return wrong


def test_every_module_belongs_to_a_stage() -> None:
    lost = [_module_name(p) for p in _modules() if _layer(_module_name(p)) is None]
    assert lost == []


def test_imports_run_from_input_to_output() -> None:
    assert backward_imports() == []


def test_the_check_finds_an_import_against_the_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a store module importing a report is caught."""
    fake = tmp_path / "goaltrack"
    (fake / "store").mkdir(parents=True)
    (fake / "store" / "bad.py").write_text("from goaltrack.reports.coverage import build_coverage\n")
    monkeypatch.setitem(globals(), "SRC", fake)
    assert backward_imports() == [
        "goaltrack/store/bad.py:1: goaltrack.store.bad (store) imports goaltrack.reports.coverage (reports)"
    ]


def test_architecture_doc_names_every_stage_and_package() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, prefixes in LAYERS:
        assert re.search(rf"\b{name}\b", text), f"docs/architecture.md does not name the stage {name}"
        for prefix in prefixes:
            short = prefix.removeprefix("goaltrack.").removeprefix("goaltrack")
            if short and not short.startswith("_"):
                named = f"`{short}`" in text or f"`{prefix}`" in text
                assert named, f"docs/architecture.md does not name {prefix}"


#: Size limits (issue 12): a module a reader can hold in mind, a function that fits a screen.
#: Migrations are exempt: each is one frozen step of the schema, read top to bottom once.
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _oversized() -> list[str]:
    found = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SRC.parent)
        if text.count("\n") > MAX_MODULE_LINES:
            found.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{node.lineno}: {node.name}() has {length} lines")
    return found


def test_no_module_or_function_is_over_the_size_limits() -> None:
    assert _oversized() == []


def test_no_two_modules_have_near_identical_names() -> None:
    """``plans.py`` beside ``planfile/``, ``checks.py`` beside ``checking.py``: names a
    newcomer confuses. Stems are compared without their package."""
    import difflib

    stems = sorted({p.stem for p in _modules() if p.stem != "__init__"} | {p.parent.name for p in _modules()})
    close = [
        (a, b) for i, a in enumerate(stems) for b in stems[i + 1:]
        if a.rstrip("s") == b.rstrip("s") or difflib.SequenceMatcher(None, a, b).ratio() > 0.85
    ]
    assert close == []
