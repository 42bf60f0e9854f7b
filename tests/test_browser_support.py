"""The real-browser test support itself (``browser_support`` and the ``browser``/``page``
fixtures): axe-core finds what is planted, the keyboard helpers see what a keyboard user
meets, fetching axe-core checks what it got, and Playwright's event loop leaves other tests'
``asyncio.run()`` alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import browser_support
import pytest
from browser_support import (
    AXE_VERSION,
    AxeUnavailable,
    axe_js,
    axe_version,
    axe_violations,
    fetch_axe,
    find_axe,
    focusable_selectors,
    format_violations,
    keyboard_problems,
    tab_order,
)
from helpers import REPO, need

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser  # also the axe-core file tests: only the browser tests need it

PLANTED = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Planted</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>#plain:focus { outline: none; } a:focus-visible { outline: 3px solid #1d4e89; }
#shadow:focus { outline: none; box-shadow: 0 0 0 3px #1d4e89; }</style></head>
<body><main><h1>Planted problems</h1>
<p style="color: #cccccc; background: #ffffff">Pale text</p>
<img src="data:,">
<input id="nolabel">
<a href="#x">A link</a>
<button id="plain">No ring</button>
<button id="shadow">Shadow ring</button>
<label for="f">Field</label> <input id="f">
<div tabindex="-1">not in the tab order</div>
<button hidden>hidden</button>
</main></body></html>"""


def test_axe_reports_planted_violations(page: Page) -> None:
    page.set_content(PLANTED)
    found = axe_violations(page)
    ids = {v["id"]: v["impact"] for v in found}
    assert ids == {"color-contrast": "serious", "image-alt": "critical", "label": "critical"}, ids
    assert {v["id"] for v in axe_violations(page, ("critical",))} == {"image-alt", "label"}
    message = format_violations(found, where="the planted page")
    assert message.startswith("3 axe violation(s) in the planted page:")
    assert "- image-alt [critical] Images must have alternative text (1 element(s))" in message
    assert "#nolabel" in message and '<img src="data:,">' in message
    with pytest.raises(ValueError, match="unknown axe impacts"):
        axe_violations(page, ("severe",))


def test_axe_runs_in_a_page_with_a_strict_csp(page: Page) -> None:
    """The planted page forbids every script; axe is injected all the same, and the page's
    own (blocked) scripts stay blocked."""
    page.set_content(PLANTED)
    assert "image-alt" in {v["id"] for v in axe_violations(page)}
    assert page.evaluate("typeof window.axe") == "object"
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.ran = true")


def test_tab_order_and_focus_indicators(page: Page) -> None:
    page.set_content(PLANTED)
    order = tab_order(page, 6)
    assert [(f.tag, f.name) for f in order] == [
        ("input", ""), ("a", "A link"), ("button", "No ring"), ("button", "Shadow ring"), ("input", "Field"),
        ("body", ""),
    ]
    assert [f.indicator_visible for f in order] == [True, True, False, True, True, False]
    assert order[1].outline.startswith("solid 3px") and order[3].box_shadow != "none"
    assert all(f.focus_visible for f in order[:5])
    assert tab_order(page, 6) == order  # from the top again, wherever the focus was
    assert focusable_selectors(page) == [f.selector for f in order[:5]]
    assert keyboard_problems(page) == [
        "focusable element without a name: #nolabel",
        # (Chromium 156 keeps outline-width 3px, "medium", with outline: none.)
        "no visible focus indicator on #plain ('No ring'): outline none 3px rgb(0, 0, 0), box-shadow none",
    ]


def test_keyboard_problems_names_what_tab_misses(page: Page) -> None:
    page.set_content('<a href="#a">first</a><span tabindex="0">x</span>'
                     '<a href="#b" id="trap">trap</a><a href="#c" id="after">after</a>'
                     "<script>document.getElementById('trap').addEventListener('keydown', (e) => {"
                     " if (e.key === 'Tab') e.preventDefault(); });</script>")
    problems = keyboard_problems(page)
    assert "not reachable with Tab: #after" in problems, problems


def test_playwright_loop_mark_is_managed(page: Page, browser: object) -> None:
    """During a browser test Playwright's loop is marked running (its sync API needs that);
    taken off, asyncio.run() works, and put back, Playwright goes on working."""
    page.set_content("<p>one</p>")
    loop = asyncio._get_running_loop()
    assert loop is not None and [loop] == browser_support._LOOP
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="running event loop"):
        asyncio.run(coro)
    coro.close()
    browser_support.loop_marker_off()
    try:
        assert asyncio.run(asyncio.sleep(0, result=42)) == 42
    finally:
        browser_support.loop_marker_on()
    page.set_content("<p>two</p>")
    assert page.inner_text("p") == "two"


def test_asyncio_run_works_in_a_test_without_the_browser() -> None:
    """Runs after the browser tests above: the browser is still open, and asyncio.run()
    (e.g. anyio or a server's startup code under test) works all the same."""
    assert asyncio._get_running_loop() is None
    assert asyncio.run(asyncio.sleep(0, result="ok")) == "ok"


# --------------------------------------------------------------------------- finding axe-core


def test_axe_js_is_the_pinned_version() -> None:
    source = axe_js()
    assert source.startswith(f"/*! axe v{AXE_VERSION}")


def test_axe_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "axe.min.js"
    own.write_text("/*! axe v4.0.0 */ window.axe = {};")
    monkeypatch.setenv(browser_support.AXE_ENV, str(own))
    assert find_axe() == own and axe_version(own) == "4.0.0"
    not_axe = tmp_path / "other.js"
    not_axe.write_text("console.log(1)")
    monkeypatch.setenv(browser_support.AXE_ENV, str(not_axe))
    with pytest.raises(AxeUnavailable, match="is not axe-core"):
        find_axe()


@pytest.mark.parametrize(("require", "outcome"), [("0", pytest.skip.Exception), ("1", pytest.fail.Exception)])
def test_missing_axe_skips_locally_and_fails_when_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(browser_support, "_AXE_SOURCE", [])
    monkeypatch.setenv(browser_support.AXE_ENV, str(tmp_path / "missing.js"))
    monkeypatch.setenv("GOALTRACK_REQUIRE_BROWSER", require)
    with pytest.raises(outcome, match=r"axe-core: GOALTRACK_AXE_JS=.*missing\.js: no such file"):
        axe_js()


def test_fetch_axe_checks_the_tarball(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``npm pack`` for real (the registry must be reachable): the file lands where asked,
    and a tarball that does not match the pinned integrity is refused."""
    need("npm")
    dest = tmp_path / "axe" / "axe.min.js"
    try:
        assert fetch_axe(dest) == dest
    except AxeUnavailable as exc:
        browser_support.unavailable("BROWSER", f"axe-core: {exc}")
    assert axe_version(dest) == AXE_VERSION and dest.stat().st_size > 100_000
    monkeypatch.setattr(browser_support, "AXE_INTEGRITY", "sha512-bogus")
    with pytest.raises(AxeUnavailable, match="has integrity sha512-.*expected sha512-bogus"):
        fetch_axe(tmp_path / "again" / "axe.min.js")
    assert not (tmp_path / "again" / "axe.min.js").exists()


def test_fetch_axe_command(tmp_path: Path) -> None:
    """``.ci/run``'s step: prints the version and path; exit 1 with the reason on failure."""
    script = REPO / "tests" / "browser_support.py"
    axe_js()  # skips (fails in CI) when there is none
    given = find_axe()
    ok = subprocess.run([sys.executable, str(script), "fetch-axe"], capture_output=True, text=True, timeout=120,
                        env={**os.environ, browser_support.AXE_ENV: str(given)}, check=False)
    assert ok.returncode == 0 and ok.stdout.strip() == f"axe-core {axe_version(given)}: {given}", ok
    bad = subprocess.run([sys.executable, str(script), "fetch-axe"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, browser_support.AXE_ENV: str(tmp_path / "nope.js")}, check=False)
    assert bad.returncode == 1 and "no such file" in bad.stderr, bad
