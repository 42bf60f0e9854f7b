"""Real-browser test support: Playwright driving Debian's Chromium, axe-core, keyboard checks.

The fixtures (``browser``, ``page``) live in ``tests/conftest.py``; this module holds what they
and the tests use::

    from browser_support import axe_violations, format_violations, tab_order

    def test_page_is_accessible(page):
        page.goto(url)
        found = axe_violations(page)
        assert not found, format_violations(found)

axe-core is the npm package ``axe-core`` at exactly :data:`AXE_VERSION`. :func:`axe_js` finds
``axe.min.js``: ``$GOALTRACK_AXE_JS`` if set, else ``tests/.cache/axe-core-<version>/axe.min.js``
(gitignored), which it fills with ``npm pack`` (checked against :data:`AXE_INTEGRITY`, the
registry's ``dist.integrity``) when missing. ``.ci/run`` fetches it before pytest with::

    .venv/bin/python tests/browser_support.py fetch-axe

Missing Chromium, Playwright, npm or network: the test is skipped locally with the reason and
fails in CI (``CI=true`` or ``GOALTRACK_REQUIRE_BROWSER=1``), as :func:`helpers.need` does.

The event loop: Playwright's sync API keeps an asyncio loop that it marks as running in the
main thread between its calls, so ``asyncio.run()`` fails there while a browser is open.
:func:`loop_marker_off` and :func:`loop_marker_on` (called by the autouse fixture in
conftest.py) take the mark away during tests that do not use the browser, and put it back for
those that do. Within a browser test, run asyncio code in another thread (FastAPI's
``TestClient`` and a uvicorn server thread already do).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import REPO, unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: The axe-core release the tests inject (npm package ``axe-core``), pinned exactly.
AXE_VERSION = "4.14.1"
#: ``npm view axe-core@4.14.1 dist.integrity``: the tarball ``npm pack`` must give.
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_ENV = "GOALTRACK_AXE_JS"
CACHE = REPO / "tests" / ".cache"
#: The HOME of the shell that started pytest (read at import, before the tests' isolation
#: replaces it), so ``npm`` sees the user's own npm config (registry, proxy) and cache.
_REAL_HOME = os.environ.get("HOME", "")

#: Flags for Playwright's launch (it adds --headless and its own automation flags).
CHROMIUM_ARGS = (
    "--no-sandbox",  # root needs it
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

IMPACTS = ("minor", "moderate", "serious", "critical")


# --------------------------------------------------------------------------- axe-core: the file


class AxeUnavailable(Exception):
    """axe.min.js could not be found or fetched; the message says why."""


def axe_cache_path(version: str = AXE_VERSION) -> Path:
    return CACHE / f"axe-core-{version}" / "axe.min.js"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_axe(dest: Path | None = None, *, timeout: float = 180) -> Path:
    """Put axe.min.js of :data:`AXE_VERSION` at DEST (default :func:`axe_cache_path`) with
    ``npm pack axe-core@<version>`` and return DEST; a file already there is kept.

    The tarball must match :data:`AXE_INTEGRITY`. The file is written atomically, so runs in
    parallel do not see half a file. Raises :class:`AxeUnavailable` with the reason.
    """
    dest = dest or axe_cache_path()
    if dest.is_file():
        return dest
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailable(f"npm not installed (apt-get install npm), so axe-core {AXE_VERSION} cannot be fetched")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="axe-", dir=dest.parent) as tmp:
        env = dict(os.environ)
        if _REAL_HOME:
            env["HOME"] = _REAL_HOME
        try:
            proc = subprocess.run(
                [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
                cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                env=env, timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AxeUnavailable(f"npm pack axe-core@{AXE_VERSION} took over {timeout:.0f} s") from exc
        tgz = Path(tmp) / f"axe-core-{AXE_VERSION}.tgz"
        if proc.returncode != 0 or not tgz.is_file():
            raise AxeUnavailable(
                f"npm pack axe-core@{AXE_VERSION} failed (rc={proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-1500:]}"
            )
        got = _integrity(tgz.read_bytes())
        if got != AXE_INTEGRITY:
            raise AxeUnavailable(f"axe-core-{AXE_VERSION}.tgz has integrity {got}, expected {AXE_INTEGRITY}")
        with tarfile.open(tgz, "r:gz") as tar:
            member = tar.extractfile("package/axe.min.js")
            if member is None:
                raise AxeUnavailable(f"axe-core-{AXE_VERSION}.tgz holds no package/axe.min.js")
            data = member.read()
        part = Path(tmp) / "axe.min.js"
        part.write_bytes(data)
        os.replace(part, dest)
    return dest


def axe_version(path: Path) -> str | None:
    """The version in axe.min.js's banner (``/*! axe v4.14.1``), or None if it is not axe."""
    with open(path, "rb") as f:
        head = f.read(200).decode("utf-8", "replace")
    m = re.match(r"/\*! axe v(\S+)", head)
    return m.group(1) if m else None


def find_axe() -> Path:
    """axe.min.js: ``$GOALTRACK_AXE_JS``, else the cache (fetched when missing). Raises
    :class:`AxeUnavailable`."""
    if given := os.environ.get(AXE_ENV):
        path = Path(given)
        if not path.is_file():
            raise AxeUnavailable(f"{AXE_ENV}={given}: no such file")
        if axe_version(path) is None:
            raise AxeUnavailable(f"{AXE_ENV}={given} is not axe-core (no '/*! axe v' banner)")
        return path
    return fetch_axe()


_AXE_SOURCE: list[str] = []


def axe_js() -> str:
    """The text of axe.min.js, read once; skips the test (fails in CI) when unavailable."""
    if not _AXE_SOURCE:
        try:
            path = find_axe()
        except AxeUnavailable as exc:
            unavailable("BROWSER", f"axe-core: {exc}")
            raise  # not reached: unavailable() skips or fails
        _AXE_SOURCE.append(path.read_text(encoding="utf-8"))
    return _AXE_SOURCE[0]


# --------------------------------------------------------------------------- axe-core: running it


def inject_axe(page: Page) -> None:
    """Define ``window.axe`` in PAGE (once per document). Evaluated through the DevTools
    protocol rather than as a ``<script>`` tag, so the page's Content-Security-Policy, which
    the app under test should keep strict, does not block it."""
    if page.evaluate("typeof window.axe === 'object'"):
        return
    page.evaluate(f"(() => {{ {axe_js()}\n }}).call(window)")
    if not page.evaluate("typeof window.axe === 'object'"):
        raise AssertionError("axe-core did not load into the page")


def axe_results(page: Page, options: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
    """The full result of ``axe.run(CONTEXT or document, OPTIONS)`` on PAGE (violations only,
    unless OPTIONS says otherwise)."""
    inject_axe(page)
    opts: dict[str, Any] = {"resultTypes": ["violations"], **(options or {})}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => window.axe.run(context || document, options)", [context, opts]
    )
    return result


def axe_violations(
    page: Page,
    impacts: Iterable[str] = ("serious", "critical"),
    *,
    options: dict[str, Any] | None = None,
    context: Any = None,
) -> list[dict[str, Any]]:
    """axe-core's violations on PAGE's current document whose impact is one of IMPACTS.

    Each is axe's own dict: ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` (each with
    ``target`` selectors, ``html`` and ``failureSummary``). OPTIONS go to ``axe.run`` (e.g.
    ``{"runOnly": ["wcag2a", "wcag2aa"]}``); CONTEXT limits it to part of the page.
    """
    wanted = set(impacts)
    unknown = wanted - set(IMPACTS)
    if unknown:
        raise ValueError(f"unknown axe impacts {sorted(unknown)}; axe has {IMPACTS}")
    found = axe_results(page, options, context)["violations"]
    return [v for v in found if v.get("impact") in wanted]


def format_violations(violations: Sequence[dict[str, Any]], *, targets: int = 3, where: str = "") -> str:
    """A readable assertion message: one block per rule with its impact, help, link and the
    first TARGETS elements (CSS selector and what axe says is wrong)."""
    if not violations:
        return "no axe violations"
    head = f"{len(violations)} axe violation(s)" + (f" in {where}" if where else "") + ":"
    lines = [head]
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(f"- {v.get('id')} [{v.get('impact')}] {v.get('help')} ({len(nodes)} element(s))"
                     f" {v.get('helpUrl', '')}")
        for node in nodes[:targets]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary[:300]}")
            lines.append(f"      {' '.join((node.get('html') or '').split())[:200]}")
        if len(nodes) > targets:
            lines.append(f"    ... and {len(nodes) - targets} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------- keyboard


@dataclass(frozen=True)
class Focused:
    """The element that had the focus after a Tab press."""

    tag: str
    """Lower-case tag name (``a``, ``button``, ``input``, ...; ``body`` when nothing is focused)."""
    name: str
    """Its accessible name, roughly: aria-label, the text of aria-labelledby, the label of a form
    field, alt, title, value or the text inside, with whitespace collapsed."""
    selector: str
    """A CSS selector that picks out just this element (``main > div:nth-of-type(2) > a``,
    from the nearest ancestor with an id), as :func:`focusable_selectors` gives."""
    focus_visible: bool
    """Whether it matches ``:focus-visible`` (browsers show a focus ring then)."""
    outline: str
    """Computed ``outline`` (style, width, colour) while focused."""
    box_shadow: str
    """Computed ``box-shadow`` while focused."""

    @property
    def indicator_visible(self) -> bool:
        """A focus indicator shows: a non-zero outline that is not ``none``, or a box-shadow."""
        style, _, width = self.outline.partition(" ")
        outline = style not in ("none", "hidden", "") and not width.startswith("0px")
        return outline or self.box_shadow not in ("none", "")


#: ``cssPath(el)``: a selector for exactly EL, from its nearest ancestor with an id.
_CSS_PATH_JS = """
  const cssPath = (el) => {
    const steps = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      if (e.id) { steps.unshift('#' + CSS.escape(e.id)); break; }
      const tag = e.tagName.toLowerCase();
      if (tag === 'html' || tag === 'body') { steps.unshift(tag); break; }
      const same = e.parentElement ? [...e.parentElement.children].filter((c) => c.tagName === e.tagName) : [e];
      steps.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(e) + 1})` : tag);
    }
    return steps.join(' > ');
  };
"""

_FOCUSED_JS = """() => {""" + _CSS_PATH_JS + """
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {tag: 'body', name: '', selector: 'body', focusVisible: false, outline: 'none', boxShadow: 'none'};
  }
  const text = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  let name = text(el.getAttribute('aria-label'));
  if (!name && el.getAttribute('aria-labelledby')) {
    name = text(el.getAttribute('aria-labelledby').split(/\\s+/)
      .map((id) => (document.getElementById(id) || {}).textContent).join(' '));
  }
  if (!name && el.labels && el.labels.length) name = text([...el.labels].map((l) => l.textContent).join(' '));
  if (!name) name = text(el.getAttribute('alt') || el.getAttribute('title'));
  if (!name && (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type))) name = text(el.value);
  if (!name) name = text(el.innerText || el.textContent);
  if (!name) name = text(el.getAttribute('placeholder') || el.getAttribute('name'));
  const cs = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), name, selector: cssPath(el), focusVisible: el.matches(':focus-visible'),
          outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, boxShadow: cs.boxShadow};
}"""


def focused(page: Page) -> Focused:
    """What has the focus in PAGE now (see :class:`Focused`)."""
    d = page.evaluate(_FOCUSED_JS)
    return Focused(d["tag"], d["name"], d["selector"], d["focusVisible"], d["outline"], d["boxShadow"])


def tab_order(page: Page, n: int, *, from_start: bool = True) -> list[Focused]:
    """Press Tab N times in PAGE and return what had the focus after each press.

    FROM_START: start from the top of the page, so the first Tab goes to the page's first
    focusable element (else from the focused element, or where the last one was). Past the
    last one the focus leaves the page (``tag='body'``), and then comes back to the first.
    """
    if from_start:  # blur() alone would leave Chromium's starting point where the focus was
        page.evaluate(_START_JS)
    out: list[Focused] = []
    for _ in range(n):
        page.keyboard.press("Tab")
        if from_start and not out:
            page.evaluate("() => document.getElementById('__tab_start__')?.remove()")
        out.append(focused(page))
    return out


_START_JS = """() => {
  document.getElementById('__tab_start__')?.remove();
  const start = document.createElement('span');
  start.id = '__tab_start__';
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus();
}"""


_FOCUSABLE_JS = """() => {""" + _CSS_PATH_JS + """
  const sel = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe, '
            + '[tabindex], [contenteditable=""], [contenteditable=true]';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    if (el.disabled || el.tabIndex < 0 || el.closest('[inert]')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || !el.getClientRects().length) continue;
    out.push(cssPath(el));
  }
  return out;
}"""


def focusable_selectors(page: Page) -> list[str]:
    """Selectors (as :attr:`Focused.selector`) of every visible element in PAGE that Tab
    should reach, in document order: links, buttons, fields, ``tabindex >= 0``. Compare them
    with :func:`tab_order`'s to check that the keyboard reaches every control."""
    result: list[str] = page.evaluate(_FOCUSABLE_JS)
    return result


def keyboard_problems(page: Page, *, extra: int = 2) -> list[str]:
    """Tab through PAGE once (as many presses as it has focusable elements, plus EXTRA) and
    list what is wrong: elements Tab never reached, and focused elements without a visible
    focus indicator or without a name. Empty when all is well."""
    wanted = focusable_selectors(page)
    seen = tab_order(page, len(wanted) + extra)
    problems = []
    reached = [f.selector for f in seen if f.tag != "body"]
    for sel in wanted:
        if sel not in reached:
            problems.append(f"not reachable with Tab: {sel}")
    for f in seen:
        if f.tag == "body":
            continue
        if not f.indicator_visible:
            problems.append(f"no visible focus indicator on {f.selector} ({f.name!r}): "
                            f"outline {f.outline}, box-shadow {f.box_shadow}")
        if not f.name:
            problems.append(f"focusable element without a name: {f.selector}")
    return list(dict.fromkeys(problems))  # Tab may come round to an element twice


# --------------------------------------------------------------------------- console


def watch_console(page: Page) -> list[str]:
    """A list that collects PAGE's console errors and warnings and uncaught exceptions from now
    on (``"error: ..."``, ``"pageerror: ..."``); assert it is empty at the end of a test."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen.append(f"pageerror: {e}"))
    return seen


# --------------------------------------------------------------------------- the event loop mark

_LOOP: list[asyncio.AbstractEventLoop] = []


def remember_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Record Playwright's loop (None: forget it, Playwright has stopped)."""
    _LOOP.clear()
    if loop is not None:
        _LOOP.append(loop)


def loop_marker_off() -> None:
    """Let ``asyncio.run()`` work in this thread: clear the running-loop mark Playwright left.
    Only while no Playwright call is made (a call needs the mark: :func:`loop_marker_on`)."""
    if _LOOP and asyncio._get_running_loop() is _LOOP[0]:
        asyncio._set_running_loop(None)


def loop_marker_on() -> None:
    """Put back Playwright's running-loop mark (its sync API keeps its loop marked as
    running between calls, and callbacks in that loop rely on it)."""
    if _LOOP and not _LOOP[0].is_closed() and asyncio._get_running_loop() is None:
        asyncio._set_running_loop(_LOOP[0])


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str]) -> int:
    """``python tests/browser_support.py fetch-axe``: fetch axe.min.js into the cache (or
    check ``$GOALTRACK_AXE_JS``) and print its path; exit 1 with the reason when it cannot."""
    if list(argv) != ["fetch-axe"]:
        print("usage: python tests/browser_support.py fetch-axe", file=sys.stderr)
        return 2
    try:
        path = find_axe()
    except AxeUnavailable as exc:
        print(f"axe-core: {exc}", file=sys.stderr)
        return 1
    print(f"axe-core {axe_version(path)}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
