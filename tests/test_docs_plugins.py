"""docs/plugins.md stays true: every hook has its section, and the worked example runs.

The example plugin file is loaded from a plugin directory as a user would load it, in strict
mode so that any problem with it fails here rather than as a warning.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import shutil
from pathlib import Path

import pytest
from helpers import REPO, run_cli

from goaltrack import hookspecs
from goaltrack.interfaces import ComputedValue, IndicatorSpec, Observation, Score
from goaltrack.plugins import Plugins, load_plugins

GUIDE = REPO / "docs" / "plugins.md"
EXAMPLE = REPO / "docs" / "examples" / "goaltrack_example_plugin.py"
EXAMPLE_NAME = EXAMPLE.stem


def hook_signatures() -> set[str]:
    """``register_output_formats(register)`` for every hook in hookspecs.py."""
    return {
        f"{name}({', '.join(inspect.signature(f).parameters)})"
        for name, f in vars(hookspecs).items()
        if hasattr(f, "goaltrack_spec")
    }


def test_every_hook_has_a_section() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    sections = set(re.findall(r"^### (\w+\([\w, ]*\))$", text, flags=re.MULTILINE))
    expected = hook_signatures()
    assert expected, "no hooks found in goaltrack.hookspecs"
    assert expected - sections == set(), "hooks without a '### name(args)' section in docs/plugins.md"
    assert sections - expected == set(), "sections for hooks that do not exist (renamed? removed?)"


def test_guide_shows_the_example_file_as_it_is() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: docs/examples/goaltrack_example_plugin.py .*?-->\n\n```python\n(.*?)```\n", text,
                      re.S)
    assert match, "the example's code block is missing from docs/plugins.md"
    assert match.group(1) == EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "my-plugins"
    directory.mkdir()
    shutil.copy(EXAMPLE, directory)
    return directory


@pytest.fixture
def example(example_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Plugins:
    monkeypatch.setenv("GOALTRACK_STRICT_PLUGINS", "1")
    return load_plugins(plugin_dirs=[example_dir], entrypoints=False)


def indicator(**kw: object) -> IndicatorSpec:
    fields: dict[str, object] = {
        "code": "REF-EMPLOY",
        "name": "Refugees in employment",
        "unit": "pct",
        "direction": "increase",
        "baseline": 40.0,
        "baseline_period": "2019",
        "target": 60.0,
        "target_period": "2023",
    }
    return IndicatorSpec(**{**fields, **kw})  # type: ignore[arg-type]


def yearly(year: int, value: float) -> Observation:
    return Observation(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), value)


def test_example_registers_its_indicator_kind(example: Plugins) -> None:
    assert example.registered_by("indicators", "planned-path") == EXAMPLE_NAME
    path = example.indicator_kinds["planned-path"].compute(None, 1, indicator())  # type: ignore[arg-type]
    assert path == [
        ComputedValue(str(year), value, note="planned")
        for year, value in [(2019, 40.0), (2020, 45.0), (2021, 50.0), (2022, 55.0), (2023, 60.0)]
    ]


def test_example_scoring_method_gives_sane_scores(example: Plugins) -> None:
    assert example.registered_by("scoring_methods", "pace") == EXAMPLE_NAME
    pace = example.get("scoring_methods", "pace")
    # Halfway through 2019 -> 2023 (end of 2021) the path is at 50; 45 is half the way there.
    assert pace.score(indicator(), [yearly(2020, 41.0), yearly(2021, 45.0)]) == Score(
        0.5,
        "off-track",
        "45 in 2021 vs 50 expected on the path from 40 (2019) to 60 (2023) "
        "-> 0.50 of the expected progress",
    )
    falling = indicator(direction="decrease", baseline=10.0, baseline_period="2020", target=6.0, target_period="2024")
    assert pace.score(falling, [yearly(2022, 7.0)]).score == 1.0  # ahead of the path: capped at 1
    # Falling from 10 to 6: the path is at 8 at the end of 2022; 8.5 made 1.5 of the 2 wanted.
    assert pace.score(falling, [yearly(2022, 8.5)]) == Score(
        0.75, "at-risk",
        "8.5 in 2022 vs 8 expected on the path from 10 (2020) to 6 (2024) -> 0.75 of the expected progress",
    )
    assert pace.score(indicator(), []) == Score(None, "no-data", "REF-EMPLOY: no measurements yet")
    assert pace.score(indicator(target=None), [yearly(2021, 45.0)]).status == "no-data"
    for value in (-100.0, 0.0, 39.9, 40.0, 50.0, 60.0, 1e6):
        result = pace.score(indicator(), [yearly(2021, value)])
        assert result.score is not None and 0.0 <= result.score <= 1.0
        assert result.explanation.startswith(f"{value:g} in 2021 vs 50 expected")


def test_example_step_1_output_is_what_the_guide_shows(example_dir: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"\$ goaltrack --plugins-dir my-plugins plugins\n(.*?)```", text, re.S)
    assert match, "Step 1's console block is missing from docs/plugins.md"
    result = run_cli("--plugins-dir", example_dir, "plugins", env={"GOALTRACK_LOAD_PLUGINS": ""})
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == match.group(1)
