"""Labels and numbers in the reader's language: gettext catalogs and Babel's locale data.

Every label a report prints (headings, column names, status words) is an English ``msgid``
translated through the ``goaltrack`` gettext catalogs in ``goaltrack/locale/<lang>/
LC_MESSAGES/goaltrack.mo``, built with Babel from the ``.po`` files beside them (see
``docs/reports.md``, "Translating"). Plan content (titles, names, notes) is never
translated: it stays in the plan's own language.

Numbers and dates follow the locale through Babel: Danish ``540.225`` and ``12,4 %``,
English ``540,225`` and ``12.4%``. English uses the ``en_GB`` locale data, so dates read
``18 Oct 2020`` rather than the American ``Oct 18, 2020``; numbers are the same in both.

Nothing here is global: :func:`formatter` builds a :class:`Formatter` for one render. (The
:mod:`gettext` module caches parsed ``.mo`` files by path, which is read-only data.)
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from goaltrack.interfaces import RefsText, RuleText
from goaltrack.vocab import LANGUAGES, unit_class

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "goaltrack"
LANGS = LANGUAGES
BABEL_LOCALES = {"da": "da_DK", "en": "en_GB"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogs without translating it now."""
    return message


# Words that reports print for values of the data (``status: on-track``). The keys are what
# the JSON holds; the values are msgids.
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "on-track": N_("on track"),
        "at-risk": N_("at risk"),
        "off-track": N_("off track"),
        "no-data": N_("no data"),
        "not-scorable": N_("not scorable (no baseline/target)"),
        "not-started": N_("not started"),
        "done": N_("done"),
        "cancelled": N_("cancelled"),
    },
    "coverage": {
        "covered": N_("covered"),
        "partial": N_("partly covered"),
        "uncovered": N_("not covered"),
    },
    "basis": {"explicit": N_("explicit"), "inferred": N_("inferred")},
    "severity": {"error": N_("error"), "warning": N_("warning"), "info": N_("note")},
    "verdict": {"exact": N_("exact"), "rounding": N_("rounding difference"), "error": N_("error")},
    "level": {"strategic": N_("strategic"), "annual": N_("annual")},
    "kind": {"observed": N_("observed"), "forecast": N_("forecast")},
    # How a part of an account's money was allocated, why a part was not, and the allocation
    # table's closing rows (whose code column holds these words instead of a goal's code).
    "allocation": {
        "share": N_("by the plan's share"),
        "whole": N_("whole amount"),
        "even": N_("split evenly"),
        "no_link": N_("account linked to nothing"),
        "target_groups_only": N_("linked to target groups only"),
        "shares_below_100": N_("shares add up to less than 100 %"),
        "item_without_goal": N_("linked to an item that serves no national goal"),
        "not_allocated": N_("Not allocated"),
        "total": N_("Total"),
    },
    "change": {"added": N_("added"), "removed": N_("removed"), "renamed": N_("renamed"), "moved": N_("moved"),
               "recoded": N_("recoded")},
    "source": {"measured": N_("measured"), "self-reported": N_("self-reported"),
               "both": N_("measured and self-reported")},
    "budget_kind": {"budget": N_("budget"), "corrected": N_("corrected budget"), "actual": N_("accounts")},
    "direction": {
        "increase": N_("higher is better"),
        "decrease": N_("lower is better"),
        "range": N_("within a range"),
        "maintain": N_("keep the level"),
    },
    "item_kind": {
        "national_goal": N_("national goal"),
        "focus_area": N_("focus area"),
        "initiative": N_("initiative"),
        "target_group": N_("target group"),
        "indicator": N_("indicator"),
        "account": N_("account"),
        "declared_total": N_("declared total"), "dimension": N_("dimension"),
    },
    "data": {"example": N_("example data")},
}

# The words before ": " in the built-in reports' titles ("Budget: Beskæftigelsesplan 2021"),
# which formats without templates (the terminal table, XLSX) translate; the rest is plan text.
REPORT_TITLES = (N_("Goal coverage"), N_("Budget"), N_("Progress"), N_("Checks"), N_("Scores"),
                 N_("Plan diff"))

# The last line of ``goaltrack check``.
FINDING_COUNTS = N_("%(errors)s errors, %(warnings)s warnings, %(notes)s notes")

# What each built-in check finds, for readers of a report in another language than the
# checks' English messages. Checks from plugins show their own message.
RULES: dict[str, str] = {
    "GT001": N_("National goal without initiative"),
    "GT002": N_("National goal without indicator"),
    "GT003": N_("Initiative without indicator"),
    "GT004": N_("Indicator without baseline, target or direction"),
    "GT005": N_("Indicator without data"),
    "GT006": N_("Indicator with data older than allowed"),
    "GT007": N_("Target group that no initiative serves"),
    "GT008": N_("Annual focus area linked to no national goal"),
    "GT009": N_("Account with budget but no link"),
    "GT010": N_("Declared total off beyond rounding"),
    "GT011": N_("Declared total off within rounding"),
    "GT012": N_("National goal with no allocated money"),
    "GT013": N_("Review entry waiting too long for an approver"),
}

# Titles and column labels of the built-in reports' flat tables (``Report.tables``), which the
# report builders write in English; the table, HTML and Markdown formats translate them. Listed
# here so that extraction keeps them in the catalogs; tests/test_i18n.py fails when a report
# gains a label that is missing here or untranslated. A label ending in a year ("Budget 2021")
# is translated through its first part.
TABLE_LABELS = (
    N_("Account"), N_("Accounts"), N_("Actual"), N_("As printed"), N_("Baseline"), N_("Budget"),
    N_("By"), N_("Change"), N_("Change %"), N_("Code"), N_("Corrected"), N_("Coverage"),
    N_("Declared total"), N_("Difference"), N_("Direction"), N_("Explanation"), N_("Findings"),
    N_("Focus area"), N_("Focus areas"), N_("Function"), N_("Gaps"), N_("Goal"),
    N_("Main account"), N_("Main function"), N_("Main functions"), N_("Indicator"), N_("Indicator series"),
    N_("Indicators"), N_("Initiative"), N_("Initiative status history"), N_("Initiatives"),
    N_("Item"), N_("Kind"), N_("Latest"), N_("Level"), N_("Linked areas"), N_("Measures"),
    N_("Message"), N_("Name"), N_("National goal × focus area"),
    N_("National goal × target group (initiatives)"), N_("National goals"), N_("New"),
    N_("Note"), N_("Period"), N_("Period end"), N_("Plan"), N_("Priorities"),
    N_("Reconciliation with declared totals"), N_("Recorded"), N_("Rounding tolerance"),
    N_("Rule"), N_("Score"), N_("Severity"), N_("Source"), N_("Status"), N_("Sum of lines"),
    N_("Target"), N_("Target groups"), N_("Title"), N_("Unit"), N_("Value"), N_("Verdict"),
    N_("Year"), N_("yes"), N_("no"),
    # the allocation view (budget and coverage reports)
    N_("Allocated"), N_("Of which split evenly"), N_("Split"), N_("Percent"),
    N_("Money per national goal"), N_("Accounts split over the national goals"),
    # where a score comes from (issue 13)
    N_("Based on"), N_("Measured %"), N_("Example data"),
    # plan diff
    N_("Changes by kind"), N_("Changes"), N_("Added"), N_("Removed"), N_("Renamed"), N_("Moved"),
    N_("Unchanged"), N_("Before"), N_("After"), N_("Problems"), N_("Problem"),
    # price basis of the budget; with several --kind, each year's actual minus its base
    N_("Price basis"), N_("Actual − budget"), N_("Actual − budget %"), N_("Actual − corrected"),
    N_("Actual − corrected %"),  # then report coverage --compare-plan
    N_("Compared with another plan"), N_("Other plan's code"), N_("Coverage in the other plan"),
    N_("Score in the other plan"), N_("Status in the other plan"), N_("Allocated (latest year)"),
    N_("Allocated in the other plan (latest year)"), N_("Latest in the other plan"), N_("Period in the other plan"),
    N_("Target in the other plan"), N_("Breakdown by dimension"), N_("Breakdown"),  # progress, history
    # report coverage --all-plans
    N_("With data"), N_("National goal"), N_("Plans"), N_("Covered"), N_("Partial"), N_("Uncovered"),
    N_("No initiative"), N_("No indicator data"), N_("No account"), N_("National goals by plan"),
    N_("National goals across plans"),
)

# The unit word printed after a difference of percentages (vocab.PERCENT_POINT_UNITS).
PERCENT_POINTS = N_("pct. points")

_TRAILING_NUMBER = re.compile(r"^(.*\S)\s+(\d+)$")
_PLAN_COUNT = re.compile(r"([0-9]+) plans?")


def normalise_lang(lang: str | None) -> str:
    """``da``, ``da-DK``, ``da_DK`` -> ``da``; anything without labels -> ``en``."""
    base = (lang or "").replace("-", "_").split("_")[0].lower()
    return base if base in LANGS else "en"


def translations(lang: str) -> _gettext.NullTranslations:
    """The gettext catalog for ``lang``; English (the msgids) when there is none."""
    return _gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[normalise_lang(lang)], fallback=True
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimal(value: int | float | Decimal) -> Decimal:
    # repr() gives the shortest digits that read back as the same float, so 0.1 is 0.1 and not
    # 0.1000000000000000055511151231257827.
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)


class Formatter:
    """Labels, numbers and dates for one language: what the templates' filters call."""

    def __init__(self, lang: str | None) -> None:
        self.lang = normalise_lang(lang)  # None (options made by hand): English
        self.translations = translations(self.lang)

    @cached_property
    def locale(self) -> Any:
        from babel import Locale

        return Locale.parse(BABEL_LOCALES[self.lang])

    # ------------------------------------------------------------------ labels

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def label(self, value: object, kind: str) -> str:
        """The translated word for a value of the data (``label("on-track", "status")``)."""
        if value is None:
            return ""
        text = str(value)
        words = LABELS.get(kind, {})
        # "national goal" as some tables print a kind (since 0.1) is the code national_goal.
        msgid = words.get(text) or words.get(text.replace(" ", "_"))
        return self.gettext(msgid) if msgid is not None else text

    def rule(self, rule_id: str, message: str) -> str:
        """What a finding says in this language: the built-in rule's translated summary in
        Danish, the check's own (English, more detailed) message otherwise."""
        if self.lang != "en" and rule_id in RULES:
            return self.gettext(RULES[rule_id])
        return message

    def heading(self, column: Any) -> str:
        """A :class:`~goaltrack.interfaces.Column`'s label in this language. A label equal to
        its key is plan content (a focus-area or target-group code heading a matrix column)
        and stays as it is."""
        return str(column.label) if column.label == column.key else self.column(str(column.label))

    def coded(self, value: object, column: Any) -> object:
        """A cell's value for people: a coded value (``on-track`` in a column whose
        ``labels`` is ``status``) as its word, yes/no for booleans; anything else as it is."""
        if isinstance(value, bool):
            return self.gettext("yes") if value else self.gettext("no")
        if isinstance(value, RuleText):
            return self.rule(value.rule, str(value))
        if isinstance(value, RefsText) and value.refs:
            return ", ".join(f"{self.label(kind, 'item_kind')} {code}".strip() for kind, code in value.refs)
        if column.labels is not None and isinstance(value, str):
            return self.label(value, column.labels)
        return value

    def title(self, title: str) -> str:
        """A report's title with its leading words translated (``Budget: …``, ``Goal
        coverage: 3 plans``); what follows ": " is plan text or a count and stays."""
        head, sep, rest = title.partition(": ")
        if not sep:
            return self.column(title)
        if m := _PLAN_COUNT.fullmatch(rest):  # "Scores: 3 plans"
            n = int(m[1])
            rest = self.ngettext("%(n)s plan", "%(n)s plans", n) % {"n": n}
        return f"{self.gettext(head)}{sep}{rest}"

    def column(self, label: str) -> str:
        """A report table's title or column label: ``Budget 2021`` -> ``Budget 2021``
        through the msgid ``Budget`` when the whole label has no translation of its own."""
        translated = self.gettext(label)
        if translated != label or self.lang == "en":
            return translated
        if m := _TRAILING_NUMBER.match(label):
            return f"{self.gettext(m[1])} {m[2]}"
        return translated

    # ------------------------------------------------------------------ numbers

    def _quantized(self, value: int | float | Decimal, decimals: int) -> Decimal | None:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        d = _decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
        return d.copy_abs() if d.is_zero() else d  # never "-0"

    def number(self, value: object, decimals: int = 2, min_decimals: int = 0, empty: str = "") -> str:
        """``540225`` -> ``540.225`` (da); up to ``decimals`` decimals, at least
        ``min_decimals``; ``None`` -> ``empty``; text passes through."""
        if value is None:
            return empty
        if not _is_number(value):
            return str(value)
        from babel.numbers import format_decimal

        assert isinstance(value, int | float | Decimal)
        q = self._quantized(value, decimals)
        if q is None:
            return "n/a"
        pattern = "#,##0" + ("." + "0" * min_decimals + "#" * (decimals - min_decimals) if decimals else "")
        return str(format_decimal(q, format=pattern, locale=self.locale, decimal_quantization=True))

    def integer(self, value: object, empty: str = "") -> str:
        return self.number(value, decimals=0, empty=empty)

    def percent(self, points: object, decimals: int = 1, empty: str = "", signed: bool = False) -> str:
        """A value in percent points: ``12.4`` -> ``12,4 %`` (da, no-break space) or
        ``12.4%`` (en); always ``decimals`` decimals."""
        if points is None:
            return empty
        if not _is_number(points):
            return str(points)
        from babel.numbers import format_percent

        assert isinstance(points, int | float | Decimal)
        q = self._quantized(points, decimals)
        if q is None:
            return "n/a"
        base = self.locale.percent_formats[None].pattern.split(";")[0]
        pattern = _with_decimals(base, decimals)
        text = str(format_percent(q / 100, format=pattern, locale=self.locale, decimal_quantization=True))
        return self._sign(q, text) if signed else text

    def signed(self, value: object, decimals: int = 2, empty: str = "") -> str:
        """Like :meth:`number`, with ``+`` before a positive value (a change)."""
        if value is None:
            return empty
        text = self.number(value, decimals=decimals, empty=empty)
        if _is_number(value):
            assert isinstance(value, int | float | Decimal)
            q = self._quantized(value, decimals)
            if q is not None:
                return self._sign(q, text)
        return text

    @staticmethod
    def _sign(q: Decimal, text: str) -> str:
        return "+" + text if q > 0 else text

    def value(self, value: object, unit: str | None, empty: str = "") -> str:
        """An indicator's value with its unit: percent units as percent, others as
        ``number unit``."""
        if value is None:
            return empty
        u = (unit or "").strip()
        # The same unit classes as range checking uses (goaltrack.vocab), so that what is
        # checked as a percentage is printed as one.
        kind = unit_class(u)
        if kind == "percent":
            return self.percent(value)
        if kind == "percent-change":
            return self.percent(value, signed=True)
        if kind == "percent-point":
            return f"{self.signed(value, decimals=1)} {self.gettext(PERCENT_POINTS)}"
        text = self.number(value)
        return f"{text} {u}" if u else text

    # ------------------------------------------------------------------ dates

    def date(self, value: object, empty: str = "") -> str:
        """``2020-10-18`` -> ``18. okt. 2020`` (da), ``18 Oct 2020`` (en); other text as is."""
        if value is None or value == "":
            return empty
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value[:10])
            except ValueError:
                return str(value)
        if not isinstance(value, dt.date):
            return str(value)
        from babel.dates import format_date

        day = value.date() if isinstance(value, dt.datetime) else value
        return str(format_date(day, format="medium", locale=self.locale))


def _with_decimals(pattern: str, decimals: int) -> str:
    """``#,##0 %`` -> ``#,##0.0 %``: the locale's percent pattern with fixed decimals."""
    if not decimals:
        return pattern
    i = pattern.rfind("0")
    return pattern[: i + 1] + "." + "0" * decimals + pattern[i + 1 :]


def formatter(lang: str) -> Formatter:
    return Formatter(lang)


__all__ = [
    "BABEL_LOCALES",
    "DOMAIN",
    "LABELS",
    "LANGS",
    "LOCALE_DIR",
    "RULES",
    "REPORT_TITLES",
    "TABLE_LABELS",
    "Formatter",
    "N_",
    "formatter",
    "normalise_lang",
    "translations",
]
