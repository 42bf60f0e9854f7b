"""One language (issue 13): with ``--lang da`` no English label leaks into any format.

Every report (coverage, budget, progress, check, score, plan diff) is rendered in Danish
in every format for people (table, Markdown, HTML, XLSX) and as CSV with ``--lang``, on the
bundled plan and on the Holmstad test plans; the test fails when the output holds the
English text of a catalog string whose Danish translation differs, naming the string and
where it appeared. Plan content (Danish in these plans) is never translated and does not
count; HTML is read as text (tags, attributes and CSS are not words a reader sees).
"""

from __future__ import annotations

import html.parser
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from helpers import BUNDLED_PLAN
from report_helpers import DATA, invoke

from goaltrack.render.i18n import LABELS

PO = Path(__file__).resolve().parents[1] / "src" / "goaltrack" / "locale" / "da" / "LC_MESSAGES" / "goaltrack.po"
HOLMSTAD_OLD, HOLMSTAD = DATA / "holmstad-2022.yaml", DATA / "holmstad-2023.yaml"
PEOPLE_FORMATS = ("table", "markdown", "html", "xlsx", "csv")


def _english_fragments() -> dict[str, str]:
    """English text that must not appear in Danish output -> the msgid it comes from.

    A msgid whose Danish is the same word ("Status", "Budget") is no sign of a leak. One
    with placeholders gives its literal pieces of three words or more. Single words are
    taken when they cannot be Danish plan text: at least four letters."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    out: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        if not message.string or message.string == message.id:
            continue
        for piece in re.split(r"%\([a-z_0-9]+\)[sd]|%%", message.id):
            piece = piece.strip(" .,:;()–-")
            words = piece.split()
            if (len(words) >= 3 if "%(" in message.id else words and len(piece) >= 4) and piece not in out:
                out[piece] = message.id
    return out


FRAGMENTS = _english_fragments()
# English words that are also Danish words (or names) a Danish plan's text may hold.
ALSO_DANISH = {"plan", "Plan", "Status", "Score", "Budget", "note", "Note", "Total", "total", "Kilde"}


class _Text(html.parser.HTMLParser):
    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _xlsx_text(data: bytes) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    # Sheet names are the tables' names in every language (formulas refer to them): not words.
    names = set(wb.sheetnames)
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                     if c.value is not None and c.value not in names)


def _leaks(text: str) -> list[str]:
    found = []
    for piece, msgid in FRAGMENTS.items():
        if piece in ALSO_DANISH:
            continue
        if re.search(rf"(?<![\w-]){re.escape(piece)}(?![\w-])", text):
            found.append(f"{piece!r} (msgid {msgid!r})")
    return found


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    where = tmp_path_factory.mktemp("one-language")
    out = {}
    for name, plans in (("bundled", [BUNDLED_PLAN]), ("holmstad", [HOLMSTAD_OLD, HOLMSTAD])):
        db = where / f"{name}.db"
        invoke("--db", db, "plan", "load", *plans)
        out[name] = db
    yield out


def _render(db: Path, args: list[str], fmt: str, tmp_path: Path) -> str:
    if fmt == "xlsx":
        target = tmp_path / "out.xlsx"
        invoke("--db", db, *args, "--format", "xlsx", "--lang", "da", "--output", target)
        return _xlsx_text(target.read_bytes())
    text = invoke("--db", db, *args, "--format", fmt, "--lang", "da")
    return "\n".join(_Text(text).parts) if fmt == "html" else text


def _plan(name: str) -> list[str]:
    return ["--plan", "holmstad-2023"] if name == "holmstad" else []


REPORTS = [["report", "coverage"], ["report", "budget"], ["report", "progress"], ["check"], ["score"]]


@pytest.mark.parametrize("name", ["bundled", "holmstad"])
@pytest.mark.parametrize("fmt", PEOPLE_FORMATS)
@pytest.mark.parametrize("command", REPORTS, ids=lambda c: "-".join(c))
def test_no_english_in_danish_output(dbs: dict[str, Path], name: str, fmt: str, command: list[str],
                                     tmp_path: Path) -> None:
    if (command[0] == "score" and fmt in ("markdown", "html")) or (command[0] == "check" and fmt != "table"):
        pytest.skip(f"goaltrack {command[0]} has no {fmt} format")
    text = _render(dbs[name], [*command, *_plan(name)], fmt, tmp_path)
    assert text.strip()
    leaks = _leaks(text)
    assert not leaks, f"goaltrack {' '.join(command)} --format {fmt} --lang da prints English: {', '.join(leaks)}"


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_plan_diff_in_danish(dbs: dict[str, Path], fmt: str, tmp_path: Path) -> None:
    text = _render(dbs["holmstad"], ["plan", "diff", "holmstad-2022", "holmstad-2023"], fmt, tmp_path)
    assert not _leaks(text), _leaks(text)


def test_the_check_finds_a_leak() -> None:
    """The check itself: an English label in Danish output is found and named."""
    assert "'partly covered' (msgid 'partly covered')" in _leaks("Mål  Dækning\nNG1  partly covered")
    assert not _leaks("Mål  Dækning\nNG1  delvist dækket")
    assert LABELS["coverage"]["partial"] == "partly covered"
