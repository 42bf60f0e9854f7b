"""Packaging: what ``pip install goaltrack`` gives a user.

- every package the code imports is declared as a dependency (an undeclared one works in
  the developer's virtualenv and fails on a user's machine);
- the version is written once (``goaltrack.__version__``) and the installed metadata agrees;
- the wheel and sdist build with the *lowest* setuptools the build requirement allows
  (the SPDX ``license`` string needs 77), and ship ``py.typed`` and the LICENSE;
- ``pip install 'goaltrack[xlsx]'`` brings the xlsx plugin, found beside goaltrack's wheel.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from helpers import REPO, unavailable
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import goaltrack

PROJECTS = [REPO, *sorted(p for p in (REPO / "plugins").iterdir() if (p / "pyproject.toml").is_file())]


def _pyproject(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def _imports(package_dir: Path) -> dict[str, str]:
    """Top-level names of the absolute imports in ``package_dir``: name -> a file importing it."""
    found: dict[str, str] = {}
    for path in sorted(package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def _declared(root: Path) -> set[str]:
    project = _pyproject(root)["project"]
    reqs = list(project.get("dependencies", []))
    for extra, extra_reqs in project.get("optional-dependencies", {}).items():
        if extra != "dev":
            reqs += extra_reqs
    return {canonicalize_name(Requirement(r).name) for r in reqs}


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_imported_package_is_declared(root: Path) -> None:
    src = root / "src"
    own = {p.name for p in src.iterdir() if p.is_dir() and not p.name.endswith(".egg-info")}
    distributions = metadata.packages_distributions()
    declared = _declared(root) | {"goaltrack"}  # a plugin depends on goaltrack
    undeclared = {}
    for name, where in _imports(src).items():
        if name in sys.stdlib_module_names or name in own or name == "__future__":
            continue
        dists = {canonicalize_name(d) for d in distributions.get(name, [])}
        assert dists, f"{where} imports {name}, which no installed distribution provides"
        if not dists & declared:
            undeclared[name] = (sorted(dists), where)
    assert not undeclared, f"imported but not declared in {root.name}/pyproject.toml: {undeclared}"


def test_the_version_is_written_once() -> None:
    project = _pyproject(REPO)["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject(REPO)["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "goaltrack.__version__"}
    assert metadata.version("goaltrack") == goaltrack.__version__
    out = subprocess.run([sys.executable, "-m", "goaltrack", "--version"], capture_output=True, text=True, check=True)
    assert goaltrack.__version__ in out.stdout


def test_license_and_typed_marker_are_in_the_tree() -> None:
    for root in PROJECTS:
        assert "Apache License" in (root / "LICENSE").read_text(encoding="utf-8"), root
        assert _pyproject(root)["project"]["license"] == "Apache-2.0"
        packages = [p for p in (root / "src").iterdir() if p.is_dir() and not p.name.endswith(".egg-info")]
        assert all((p / "py.typed").is_file() for p in packages), root


def _lowest_setuptools(root: Path) -> str:
    """The lowest released setuptools that ``root``'s build requirement allows."""
    [req] = [Requirement(r) for r in _pyproject(root)["build-system"]["requires"]
             if canonicalize_name(Requirement(r).name) == "setuptools"]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "setuptools", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    match = re.search(r"Available versions: (.*)", proc.stdout)
    if proc.returncode != 0 or not match:
        unavailable("NETWORK", f"cannot list setuptools releases (no package index?): {proc.stderr.strip()[-300:]}")
    assert match is not None
    versions = sorted(Version(v.strip()) for v in match.group(1).split(","))
    spec = SpecifierSet(str(req.specifier))
    allowed = [v for v in versions if v in spec]
    assert allowed, f"no setuptools release satisfies {req}"
    return str(allowed[0])


def _pip(python: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)
    if proc.returncode != 0 and re.search(r"No matching distribution|Could not find a version|connection", proc.stderr):
        unavailable("NETWORK", f"pip could not reach the package index: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.slow
def test_build_with_the_lowest_setuptools_and_install_an_extra(tmp_path: Path) -> None:
    lowest = _lowest_setuptools(REPO)
    assert all(_lowest_setuptools(p) == lowest for p in PROJECTS[1:]), "plugins pin another setuptools"
    env_dir = tmp_path / "build-env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _pip(python, "install", "-q", f"setuptools=={lowest}", "build>=1.2,<2")
    wheels = tmp_path / "wheels"
    for root in PROJECTS:
        # --no-isolation: build with the setuptools installed above, not the newest one.
        proc = subprocess.run([str(python), "-m", "build", "--no-isolation", "--outdir", str(wheels), str(root)],
                              capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(list(wheels.glob("*.tar.gz"))) == len(PROJECTS)
    [wheel] = wheels.glob(f"goaltrack-{goaltrack.__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"goaltrack-{goaltrack.__version__}.dist-info/METADATA").decode()
    assert "goaltrack/py.typed" in names
    assert f"goaltrack-{goaltrack.__version__}.dist-info/licenses/LICENSE" in names
    assert "License-Expression: Apache-2.0" in meta
    assert re.search(r"^Requires-Dist: markupsafe", meta, re.M | re.I)
    assert re.search(r'^Requires-Dist: goaltrack-xlsx.*extra == "xlsx"', meta, re.M)
    assert "goaltrack/templates/base.html" in names and "goaltrack/data/plans/kalundborg-2021.yaml" in names

    # A user's install: a fresh virtualenv, goaltrack[xlsx] from the built wheels, its
    # dependencies from the package index.
    user = tmp_path / "user-env"
    venv.create(user, with_pip=True)
    upy = user / "bin" / "python"
    _pip(upy, "install", "-q", "--find-links", str(wheels), "goaltrack[xlsx]")
    listed = subprocess.run([str(user / "bin" / "goaltrack"), "plugins"], capture_output=True, text=True,
                            timeout=120, check=False, cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path)})
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^xlsx \d", listed.stdout, re.M), listed.stdout
    shown = subprocess.run([str(upy), "-c", "import json, importlib.metadata as m; "
                            "print(json.dumps(sorted(d.metadata['Name'] for d in m.distributions())))"],
                           capture_output=True, text=True, check=True)
    assert {"goaltrack", "goaltrack-xlsx", "openpyxl"} <= set(json.loads(shown.stdout))
