"""docs/people-and-review.md's worked example runs as written, and says what happens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "people-and-review.md"


def _worked_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## A worked example"):]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_worked_example_runs_as_written(tmp_path: Path) -> None:
    plan = (REPO / "tests" / "data" / "holmstad-2023.yaml").read_text(encoding="utf-8")
    (tmp_path / "holmstad-2023.yaml").write_text(
        plan.replace("  slug: holmstad-2023\n", "  slug: holmstad-2023\n  review: required\n", 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALTRACK_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", COLUMNS="160")
    script = "set -e -o pipefail\n" + _worked_example()
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    # What the comments in the example say happens, happens.
    assert "Filed ledighed 2024 = 3.5 as review entry 1, waiting for an approver" in out
    assert "Jobindsats says 3.6 for 2024" in out
    assert "Revised (revision 2) ledighed 2024 = 3.6 as review entry 1, waiting for an approver" in out
    assert re.search(r"3\.6 ?% \*\(pending review\)\*", out), out
    assert "Entry 1 (ledighed 2024): approved" in out
    # ...and that carl may not approve, as the text after the example says.
    refused = subprocess.run([sys.executable, "-m", "goaltrack", "--db", "review-demo.db", "--as", "carl",
                              "approve", "1"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "carl may not review ledighed: contributor for FA2 only" in refused.stderr
