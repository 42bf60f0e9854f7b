"""Several kinds of amount side by side in the budget report (``--kind budget,actual``).

With one kind the report is what it has always been; with more, every account and group
gains ``amounts_by_kind`` (kind -> year -> amount) and ``deviation`` (year -> actual minus
its base), and the tables get one column per year and kind that has lines, the kinds
grouped within a year, followed by that year's deviation. A year's deviation compares the
actual (regnskab) with the corrected budget when it is asked for and the year has one,
else with the budget; its percent is over that base and there is none from 0 or below
(:func:`goaltrack.values.accounts.percent_change`, as for a change between years). A
deviation between amounts in different stated price bases is flagged, as a change between
years is.

The functions here are pure: :mod:`goaltrack.reports.budget` reads the amounts and price
bases and hands them over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from goaltrack.interfaces import Column
from goaltrack.store import tables as m
from goaltrack.values.accounts import percent_change
from goaltrack.vocab import BUDGET_KINDS

#: Every kind of budget line, in the order ``--kind all`` reports them.
KINDS = BUDGET_KINDS
#: What a deviation is taken from, most preferred first.
BASES = ("corrected", "budget")


def resolve_kinds(conn: Connection, plan_id: int, asked: str | Sequence[str]) -> list[str]:
    """The kinds to report, in the order asked, each once; ``all`` stands for every kind the
    plan has lines for (in :data:`KINDS` order). Budget alone when nothing is left (``all``
    on a plan without lines), as the report has always defaulted to."""
    wanted = [asked] if isinstance(asked, str) else list(asked)
    out: list[str] = []
    for kind in wanted:
        for k in kinds_present(conn, plan_id) if kind == "all" else [kind]:
            if k not in out:
                out.append(k)
    return out or ["budget"]


def kinds_present(conn: Connection, plan_id: int) -> list[str]:
    """The kinds the plan's own lines have, in :data:`KINDS` order."""
    at, bt = m.table_of(m.Account), m.table_of(m.BudgetLine)
    found = set(conn.execute(select(bt.c.kind).distinct().select_from(bt.join(at, at.c.id == bt.c.account_id))
                             .where(at.c.plan_id == plan_id)).scalars())
    return [k for k in KINDS if k in found]


def kind_years(by_kind: dict[str, dict[int, dict[str, float]]]) -> dict[str, list[int]]:
    """Kind -> the years it has amounts for, ascending."""
    return {k: sorted({int(y) for d in am.values() for y in d}) for k, am in by_kind.items()}


def columns(kinds: list[str], years_of: dict[str, list[int]],
            price_basis_by_kind: dict[str, dict[str, list[str]]]) -> list[dict[str, Any]]:
    """One entry per year any kind has amounts for: the kinds with amounts that year (in the
    order asked) and, where an actual and a base to compare it with are both there, the
    deviation's base and whether the two are in different stated price bases."""
    out = []
    for y in sorted({y for k in kinds for y in years_of[k]}):
        present = [k for k in kinds if y in years_of[k]]
        base = next((b for b in BASES if b in present), None)
        deviation = None
        if "actual" in present and base is not None:
            a, b = price_basis_by_kind["actual"].get(str(y)), price_basis_by_kind[base].get(str(y))
            deviation = {"base": base, "price_basis_differs": bool(a) and bool(b) and a != b}
        out.append({"year": y, "kinds": present, "deviation": deviation})
    return out


def deviation(amounts_by_kind: dict[str, dict[str, float | None]], cols: list[dict[str, Any]]) -> dict[str, Any]:
    """Year -> the actual minus its base and that in percent of the base; ``None`` where
    either amount is missing, and no percent from a base of 0 or below."""
    out: dict[str, Any] = {}
    for col in cols:
        if col["deviation"] is None:
            continue
        y = str(col["year"])
        actual, base = amounts_by_kind["actual"].get(y), amounts_by_kind[col["deviation"]["base"]].get(y)
        if actual is None or base is None:
            out[y] = {"amount": None, "pct": None}
        else:
            out[y] = {"amount": actual - base, "pct": percent_change(base, actual)}
    return out


def add_figures(flat: list[dict[str, Any]], level_groups: list[dict[str, Any]], ids: list[int],
                by_kind: dict[str, dict[int, dict[str, float]]], cols: list[dict[str, Any]]) -> dict[str, Any]:
    """Give every account (``flat``, whose ids are ``ids``) and group its ``amounts_by_kind``
    and ``deviation``; return the report's totals of both. Missing amounts count as 0 in a
    sum, as in the report's one-kind totals."""
    years_of = kind_years(by_kind)
    for acc, account_id in zip(flat, ids, strict=True):
        acc["amounts_by_kind"] = {k: {str(y): am.get(account_id, {}).get(str(y)) for y in years_of[k]}
                                  for k, am in by_kind.items()}
        acc["deviation"] = deviation(acc["amounts_by_kind"], cols)
    by_code = {a["code"]: a for a in flat}
    for level in level_groups:
        for g in level["groups"]:
            g["amounts_by_kind"] = _sums([by_code[c] for c in g["accounts"]], years_of)
            g["deviation"] = deviation(g["amounts_by_kind"], cols)
    totals = _sums(flat, years_of)
    return {"totals_by_kind": totals, "total_deviation": deviation(totals, cols)}


def _sums(entries: list[dict[str, Any]], years_of: dict[str, list[int]]) -> dict[str, dict[str, float | None]]:
    return {k: {str(y): sum(e["amounts_by_kind"][k][str(y)] or 0.0 for e in entries) for y in ys}
            for k, ys in years_of.items()}


def amount_label(kind: str, year: int) -> str:
    """``Actual 2022``: the English label, translated through its first part like every
    "label year" column (:meth:`goaltrack.render.i18n.Formatter.column`)."""
    return f"{kind.capitalize()} {year}"


def deviation_label(base: str, year: int, pct: bool = False) -> str:
    """``Actual − budget 2022`` (``… % 2022`` for the percent), as :func:`amount_label`."""
    return f"Actual − {base}{' %' if pct else ''} {year}"


def figure_columns(cols: list[dict[str, Any]]) -> list[Column]:
    """The table columns of the amounts: per year its kinds, then its deviation."""
    out = []
    for col in cols:
        y = col["year"]
        out += [Column(f"{k}_{y}", amount_label(k, y), "number") for k in col["kinds"]]
        if col["deviation"] is not None:
            base = col["deviation"]["base"]
            out += [Column(f"deviation_{y}", deviation_label(base, y), "number"),
                    Column(f"deviation_pct_{y}", deviation_label(base, y, pct=True), "percent")]
    return out


def figure_values(entry: dict[str, Any], cols: list[dict[str, Any]]) -> list[float | None]:
    """An account's or group's cells under :func:`figure_columns`."""
    out: list[float | None] = []
    for col in cols:
        y = str(col["year"])
        out += [entry["amounts_by_kind"][k][y] for k in col["kinds"]]
        if col["deviation"] is not None:
            out += [entry["deviation"][y]["amount"], entry["deviation"][y]["pct"]]
    return out


def price_basis_rows(price_basis_by_kind: dict[str, dict[str, list[str]]]) -> list[tuple[Any, ...]]:
    """Rows of the ``price_basis`` table: year, kind, its bases; years ascending."""
    return sorted(((y, k, ", ".join(b) or None) for k, by_year in price_basis_by_kind.items()
                   for y, b in by_year.items()), key=lambda r: (r[0], KINDS.index(r[1])))


def any_differs(cols: list[dict[str, Any]]) -> bool:
    return any(c["deviation"] is not None and c["deviation"]["price_basis_differs"] for c in cols)
