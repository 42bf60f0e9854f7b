"""The HTML reports are accessible: axe-core in a real browser, and the keyboard.

The demo's coverage, budget and progress reports (bundled plan + example data, as in
``test_browser.py``) are loaded in Debian's Chromium through Playwright, at a desktop width
(1280 px) and a phone width (390 px), and checked with axe-core (``browser_support``): no
violation of impact serious or critical. Tab must reach every link, each with a name and a
visible focus indicator. The static site and ``goaltrack serve`` reuse these templates.

Chromium, Playwright or axe-core missing: skipped locally with the reason, failed in CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from browser_support import axe_violations, format_violations, keyboard_problems, watch_console
from report_helpers import KINDS, demo_reports_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return demo_reports_in(tmp_path_factory.mktemp("demo"))


def open_report(page: Page, path: Path, width: int) -> list[str]:
    page.set_viewport_size({"width": width, "height": 900})
    console = watch_console(page)
    page.goto(path.as_uri())
    return console


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
@pytest.mark.parametrize("kind", KINDS)
def test_report_has_no_serious_axe_violations(page: Page, demo_reports: dict[str, Path], kind: str, width: int) -> None:
    console = open_report(page, demo_reports[kind], width)
    found = axe_violations(page, ("serious", "critical"))
    assert not found, format_violations(found, where=f"{kind}.html at {width} px")
    assert console == [], console


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
@pytest.mark.parametrize("kind", KINDS)
def test_report_works_with_the_keyboard(page: Page, demo_reports: dict[str, Path], kind: str, width: int) -> None:
    open_report(page, demo_reports[kind], width)
    problems = keyboard_problems(page)
    assert problems == [], "\n".join(problems)
