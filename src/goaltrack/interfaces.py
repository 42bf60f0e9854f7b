"""The typed objects plugins register.

Every registry hook in :mod:`goaltrack.hookspecs` passes a ``register`` callback that takes
one of the classes below. Subclass it, set the class attributes, implement the abstract
method. goaltrack records which plugin registered each object; two objects of one kind with
the same ``name`` (or ``rule_id`` for checks) are an error naming both plugins.

This module imports nothing heavy: plugins can import it at module level.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

from goaltrack.settings import DEFAULTS
from goaltrack.vocab import (  # re-exported: plugins type scores and findings with them
    Severity,
    Status,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection



# --------------------------------------------------------------------------- data sources


class SourceRow(NamedTuple):
    """One measurement as a data source read it, before goaltrack validates it.

    ``value`` is the text (or number) as found; goaltrack parses it against the indicator's
    unit, so sources need not know units. ``line`` is the 1-based line (or record number)
    in the file, used in error messages. A named tuple, not a dataclass: imports make
    millions of these, and a tuple is several times cheaper to create.
    """

    line: int
    indicator: str
    period: str
    value: str | float | int | Decimal | None
    missing: str | None = None
    note: str | None = None
    source: str | None = None
    recorded_by: str | None = None
    dimensions: Mapping[str, str] | None = None
    """The value's dimension values (dimension code -> value code or name, as the plan
    declares them), e.g. ``{"sex": "Kvinder"}``; ``None`` or ``{}`` for the indicator's
    total. An empty value is no breakdown on that dimension."""


class RejectedRow(NamedTuple):
    """A record the source could not turn into a :class:`SourceRow`, with the reason."""

    line: int
    message: str
    raw: str = ""


class DataSource(ABC):
    """Reads measurements from a file (``goaltrack import NAME FILE``)."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def read(
        self, path: Path, options: Mapping[str, str]
    ) -> Iterator[SourceRow | RejectedRow]:
        """Yield rows in file order, streaming: never read the whole file into memory.

        :param path: the file to read.
        :param options: ``--option KEY=VALUE`` pairs from the command line (e.g. a mapping).
        Raise :class:`goaltrack.errors.DataError` for a file that cannot be read at all.
        """


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Observation:
    """A current (not superseded) measurement, as scoring methods see it."""

    period: str
    start: dt.date
    end: dt.date
    value: float


@dataclass(frozen=True)
class IndicatorSpec:
    """What a scoring method or computed indicator needs to know about an indicator."""

    code: str
    name: str
    unit: str
    direction: str | None
    baseline: float | None = None
    baseline_period: str | None = None
    target: float | None = None
    target_period: str | None = None
    target_range: tuple[float, float] | None = None
    target_type: str | None = None
    on_track: float = DEFAULTS.scoring.on_track
    at_risk: float = DEFAULTS.scoring.at_risk
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    """The result of scoring one indicator: a score in [0, 1] or ``None`` when no data."""

    score: float | None
    status: Status
    explanation: str

    def __post_init__(self) -> None:
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside [0, 1]")


class ScoringMethod(ABC):
    """Turns an indicator's baseline, target, direction and data into a :class:`Score`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    needs_series: ClassVar[bool] = False
    """False: :meth:`score` gets only the latest observation (cheap at national scale).
    True: it gets every current observation as of the scoring date, oldest first."""

    @abstractmethod
    def score(self, indicator: IndicatorSpec, observations: Sequence[Observation]) -> Score:
        """Score ``indicator`` from its observations (oldest first; may be empty)."""


# --------------------------------------------------------------------------- computed indicators


@dataclass(frozen=True)
class ComputedValue:
    period: str
    value: float
    note: str | None = None


class IndicatorKind(ABC):
    """A computed indicator: its values are derived from the database, not recorded.

    A plan declares ``computed: <name>`` and ``parameters`` on an indicator; the engine calls
    :meth:`compute` whenever it needs the indicator's values.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    parameters: ClassVar[Mapping[str, str]] = {}  # parameter name -> description

    @abstractmethod
    def compute(
        self, conn: Connection, plan_id: int, indicator: IndicatorSpec
    ) -> list[ComputedValue]:
        """Return the indicator's values, oldest first, using set-based SQL on ``conn``."""


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    message: str
    item_kind: str | None = None
    item_code: str | None = None


class Check(ABC):
    """A coverage or lint rule run by ``goaltrack check`` and shown in reports as gaps."""

    rule_id: ClassVar[str]
    severity: ClassVar[Severity] = "warning"
    description: ClassVar[str] = ""

    @abstractmethod
    def run(self, conn: Connection, plan_id: int, settings: Mapping[str, Any]) -> Iterable[Finding]:
        """Yield a :class:`Finding` for every item of the plan that breaks the rule."""


# --------------------------------------------------------------------------- output formats


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: its key (the CSV header), its label (English; the
    formats for people translate it) and the type of its values. ``labels`` names the kind
    of coded value the column holds (``"status"``, ``"coverage"``, ... : the keys of
    ``goaltrack.render.i18n.LABELS``): formats for people print each value's word in the
    report's language (``on-track`` -> "on track", "i god gænge"), CSV keeps the code."""

    key: str
    label: str
    type: Literal["text", "int", "number", "percent", "date"] = "text"
    labels: str | None = None


class RuleText(str):
    """A finding's message in a table cell: the check's own (English) text, which CSV and
    ``table --lang en`` print, and the rule it comes from, so that formats for people in
    another language print the rule's translated summary instead
    (:meth:`goaltrack.render.i18n.Formatter.coded`)."""

    rule: str

    def __new__(cls, text: str, rule: str) -> RuleText:
        obj = super().__new__(cls, text)
        obj.rule = rule
        return obj


class RefsText(str):
    """Items named by kind and code in a table cell (``initiative:I2, national_goal:NG2``,
    as CSV prints them): formats for people print the kinds as words of their language
    ("indsats I2, nationalt mål NG2")."""

    refs: tuple[tuple[str, str], ...]

    def __new__(cls, refs: list[str]) -> RefsText:
        obj = super().__new__(cls, ", ".join(refs) if refs else "–")
        obj.refs = tuple(tuple(r.split(":", 1)) if ":" in r else ("", r) for r in refs)  # type: ignore[misc]
        return obj


@dataclass
class Table:
    """A named table of a report; formats that only know rows (CSV, XLSX, table) use these."""

    name: str
    title: str
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    unit: str | None = None
    """The unit of its amounts (``1000 DKK``), which formats for people print with the title."""


@dataclass
class Report:
    """A report's data, built once and rendered by any :class:`OutputFormat`.

    ``data`` is JSON-ready (the JSON format writes it as is); ``tables`` hold the same
    content as flat tables; ``meta`` holds the title, plan slug, language and content hash.
    """

    kind: str
    title: str
    data: Any
    tables: list[Table] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class RenderOptions:
    """The one options object of a report: what it is built as of, and how it is rendered.

    The command line makes one from ``--lang``, ``--templates``, ``--stamp`` and ``--as-of``;
    report builders read ``as_of``, ``lang`` and ``stamp`` (they appear in the report's
    ``meta``), and :func:`goaltrack.render.output.render` completes it before calling a
    format: a format always gets the language chosen (never ``None``) and, for templated
    formats, the last two fields, so it never needs the plugin manager itself. Constructed
    by hand (tests, scripts) the defaults mean English labels and "no plugins".
    """

    lang: str | None = None
    """Language of labels and number formats; ``None`` before rendering means the report's
    own (its plan's, or config ``[reports] lang``)."""
    templates_dir: Path | None = None
    """The user's template directory (``--templates`` or config ``[reports] templates_dir``)."""
    stamp: str | None = None
    """Time of generation to print; ``None`` keeps the output reproducible."""
    plugin_templates: tuple[Path, ...] = ()
    """Template directories shipped by plugins: searched after ``templates_dir``, before the
    built-in templates."""
    jinja_hook: Callable[[Any], None] | None = None
    """Called with each new :class:`jinja2.Environment` once goaltrack has set it up;
    ``render()`` passes the plugins' ``prepare_jinja2_environment`` hook here."""
    as_of: dt.date | None = None
    """Build the report as of this day (``--as-of``): only values of periods that end by
    then, statuses recorded by then. ``None``: everything recorded."""
    width: int | None = None
    """Characters a line of the ``table`` format may take (the terminal's width); ``None``:
    no limit (a file, a pipe). Set by the command line, never by ``render()``."""
    lang_asked: bool = False
    """Set by ``render()``: the language was asked for (``--lang`` or config ``[reports]
    lang``), not taken from the plan. Formats for machines (CSV) keep their keys and codes
    unless it is."""


class OutputFormat(ABC):
    """Renders a :class:`Report` to text or bytes (``--format NAME``)."""

    name: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]
    binary: ClassVar[bool] = False
    description: ClassVar[str] = ""

    @abstractmethod
    def render(self, report: Report, options: RenderOptions) -> str | bytes:
        """Return the rendered report; ``bytes`` if and only if :attr:`binary` is true."""


REGISTRY_TYPES: dict[str, type] = {
    "data_sources": DataSource,
    "scoring_methods": ScoringMethod,
    "output_formats": OutputFormat,
    "indicators": IndicatorKind,
    "checks": Check,
}
"""Which base class each registry hook accepts (hook ``register_<key>``)."""

__all__ = [
    "REGISTRY_TYPES",
    "Check",
    "Column",
    "ComputedValue",
    "DataSource",
    "Finding",
    "IndicatorKind",
    "IndicatorSpec",
    "Observation",
    "OutputFormat",
    "RejectedRow",
    "RenderOptions",
    "Report",
    "Score",
    "ScoringMethod",
    "Severity",
    "SourceRow",
    "Status",
    "Table",
]
