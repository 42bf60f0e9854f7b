"""The HTML reports in a real browser: headless Chromium (Debian's ``chromium``).

For the coverage, budget and progress reports of the demo database, Chromium loads the file,
takes a screenshot and dumps the DOM it built. The test asserts: no console message (the
pages have no script, so any message is an error), the charts are in the rendered DOM, and
the screenshot is not blank (decoded here with zlib and struct: more than a few colours,
real ink on the page, and the report's own blue). For the hostile plan
(``tests/data/evil-plan.yaml``) it asserts that no injected script ran: no ``<script>``
element at all, none of the attributes the payloads would set, the title as written.

Chromium missing: skipped locally with the reason, failed in CI (``tests/helpers.need``).

``GOALTRACK_UPDATE_DOCS_IMAGES=1`` also copies the screenshots to ``docs/images/``
(coverage.png, budget.png, progress.png), which ``docs/reports.md`` shows.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import _CONSOLE, CHROMIUM_FLAGS, ChromiumRun, _chromium, need
from report_helpers import EVIL_PLAN, KINDS, Tags, demo_reports_in, load_db, report

pytestmark = pytest.mark.browser

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
UPDATE_DOCS = os.environ.get("GOALTRACK_UPDATE_DOCS_IMAGES") == "1"
BRAND_BLUE = (0x1D, 0x4E, 0x89)  # --brand in base.html, BLUE in svg.py
WIDTH, HEIGHT = 1280, 1800


# --------------------------------------------------------------------------- PNG, by hand


def decode_png(path: Path, max_rows: int | None = None) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel) of an 8-bit, non-interlaced
    PNG; only the first ``max_rows`` rows are unfiltered (each row depends on the one above)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat = 8, []
    width = height = depth = ctype = interlace = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert depth == 8 and interlace == 0 and ctype in (0, 2, 4, 6), (depth, ctype, interlace)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(min(height, max_rows or height)):
        start = y * (stride + 1)
        kind_ = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind_ == 1:  # Sub
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif kind_ == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif kind_ == 3:  # Average
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + (left + prev[x]) // 2) & 0xFF
        elif kind_ == 4:  # Paeth
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind_ == 0, f"bad PNG filter {kind_}"
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def pixel_stats(path: Path, max_rows: int = 1100) -> tuple[int, float, int]:
    """(distinct colours, share of non-white pixels, pixels close to the brand blue), over
    every other pixel of every other row of the top ``max_rows`` rows."""
    _, _, rows, bpp = decode_png(path, max_rows)
    colours: set[bytes] = set()
    ink = blue = total = 0
    for row in rows[::2]:
        for x in range(0, len(row), 2 * bpp):
            px = row[x : x + 3] if bpp >= 3 else row[x : x + 1] * 3
            colours.add(px)
            total += 1
            if px != b"\xff\xff\xff":
                ink += 1
            if all(abs(px[i] - BRAND_BLUE[i]) <= 12 for i in range(3)):
                blue += 1
    return len(colours), ink / max(total, 1), blue


def test_png_decoder(tmp_path: Path) -> None:
    """The decoder itself, on a PNG built here (every filter type, RGB)."""
    width, rows = 4, [bytes([10 * y + x for x in range(12)]) for y in range(5)]
    raw = b""
    prev = bytes(12)
    for y, row in enumerate(rows):  # encode row y with filter y % 5
        f = y % 5
        if f == 0:
            enc = row
        elif f == 1:
            enc = bytes((row[x] - (row[x - 3] if x >= 3 else 0)) & 0xFF for x in range(12))
        elif f == 2:
            enc = bytes((row[x] - prev[x]) & 0xFF for x in range(12))
        elif f == 3:
            enc = bytes((row[x] - ((row[x - 3] if x >= 3 else 0) + prev[x]) // 2) & 0xFF for x in range(12))
        else:
            def paeth(a: int, b: int, c: int) -> int:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                return a if pa <= pb and pa <= pc else b if pb <= pc else c
            enc = bytes((row[x] - paeth(row[x - 3] if x >= 3 else 0, prev[x], prev[x - 3] if x >= 3 else 0)) & 0xFF
                        for x in range(12))
        raw += bytes([f]) + enc
        prev = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = tmp_path / "t.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 5, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert decode_png(png) == (4, 5, rows, 3)


# --------------------------------------------------------------------------- Chromium


def screenshot(html: Path, png: Path, tmp_path: Path) -> ChromiumRun:
    """As :func:`helpers.chromium_screenshot`, without scrollbars (the images go into the docs)."""
    return _chromium(html, png, tmp_path,
                     [f"--screenshot={png.resolve()}", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars"], 120)


def dump_dom(html: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM Chromium built for HTML_PATH (after any script would have run), and the
    page's console messages."""
    chromium = need("chromium")
    home = tmp_path / "dom-home"
    home.mkdir(exist_ok=True)
    proc = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'dom-profile'}", "--dump-dom",
         html.resolve().as_uri()],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
        env={**os.environ, "HOME": str(home)}, timeout=120, check=False,
    )
    assert "<html" in proc.stdout, f"chromium --dump-dom gave no DOM (rc={proc.returncode}):\n{proc.stderr[-2000:]}"
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := _CONSOLE.search(line))]
    return proc.stdout, console


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The demo database (bundled plan + example data), its HTML reports in the plan's
    language; statuses pinned to a fixed time so the screenshots are the same every run."""
    yield demo_reports_in(tmp_path_factory.mktemp("demo"))


@pytest.mark.parametrize("kind", KINDS)
def test_report_in_chromium(demo_reports: dict[str, Path], kind: str, tmp_path: Path) -> None:
    html = demo_reports[kind]
    png = tmp_path / f"{kind}.png"
    run = screenshot(html, png, tmp_path)
    assert run.console == [], f"console messages: {run.console}"

    dom, console = dump_dom(html, tmp_path)
    assert console == [], f"console messages: {console}"
    tags = Tags(dom)
    svgs = [dict(attrs) for t, attrs in tags.tags if t == "svg"]
    wanted = {"coverage": {"coverage-bar", "coverage-matrix"}, "budget": {"budget-bars", "budget-changes"},
              "progress": {"sparkline"}}[kind]
    classes = {c for s in svgs for c in (s.get("class") or "").split()}
    assert wanted <= classes, classes
    assert all(s.get("role") == "img" and s.get("aria-label") for s in svgs)
    assert "script" not in tags.names

    colours, ink, blue = pixel_stats(png)
    assert colours > 50, f"{png.name}: only {colours} colours: blank?"
    assert ink > 0.05, f"{png.name}: only {ink:.1%} of the pixels are not white"
    assert blue > 200, f"{png.name}: the report's blue is missing ({blue} pixels)"

    if UPDATE_DOCS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, DOCS_IMAGES / f"{kind}.png")


def test_print_to_pdf(demo_reports: dict[str, Path], tmp_path: Path) -> None:
    """The print stylesheet gives A4 pages (595 x 842 pt)."""
    from helpers import chromium_pdf

    pdf = tmp_path / "budget.pdf"
    chromium_pdf(demo_reports["budget"], pdf, tmp_path)
    head = pdf.read_bytes()
    assert head.startswith(b"%PDF")
    boxes = set(re.findall(rb"/MediaBox ?\[0 0 ([\d.]+) ([\d.]+)\]", head))
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes), boxes


@pytest.fixture(scope="module")
def evil_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    out = tmp_path_factory.mktemp("evil")
    statuses = (("I2", "at-risk", "<script>document.title='PWNED'</script>", "<img src=x onerror=alert(1)>"),)
    with pytest.MonkeyPatch.context() as mp:
        db = load_db(out / "e.db", EVIL_PLAN, mp, statuses)
    paths = {}
    for kind in KINDS:
        paths[kind] = out / f"{kind}.html"
        paths[kind].write_text(report(db, kind, "html"), encoding="utf-8")
    yield paths


@pytest.mark.parametrize("kind", KINDS)
def test_no_injected_script_runs(evil_reports: dict[str, Path], kind: str, tmp_path: Path) -> None:
    html = evil_reports[kind]
    dom, console = dump_dom(html, tmp_path)
    assert console == [], f"console messages: {console}"  # alert(), errors: nothing ran
    tags = Tags(dom)
    assert "script" not in tags.names, "a <script> element is in the DOM"
    assert not {"img", "iframe", "marquee", "details", "b", "i"} & tags.names
    for _, attrs in tags.tags:
        for name, _value in attrs:
            assert name != "data-pwned" and not name.startswith("on"), name
    title = dom[dom.index("<title>") + 7 : dom.index("</title>")]
    assert "PWNED" not in title.replace("document.title='PWNED'", "")
    assert title.startswith(("Goal coverage: Evil plan", "Budget: Evil plan", "Progress: Evil plan"))
    # The payload is on the page as text, for the reader to see.
    assert "&lt;script&gt;" in dom
