"""The budget report: accounts grouped by their code's structure, changes, reconciliation.

Amounts are summed in SQL per account and year; the grouping follows the plan's account
scheme (:class:`goaltrack.values.accounts.AccountScheme`): in the Danish chart hovedkonto
-> hovedfunktion -> funktion with names from the bundled chart of accounts, in a plan's own
scheme the levels it declares. ``level_groups`` holds the grouping for any scheme; the
nested ``groups`` (hovedkonto -> hovedfunktioner) is kept for the Danish chart, which
scripts read since the first release, and is empty otherwise.

Declared totals are compared with the sum of their lines and shown as printed: a
difference within rounding (half a unit per line) is reported as rounding, a larger one as
an error. Percent changes are over the first-year amount, and there are none from 0 or
below (:func:`goaltrack.values.accounts.percent_change`). The allocation block splits each
account's amount over the national goals it serves (:mod:`goaltrack.reports.allocation`).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from goaltrack.engine.allocation import allocate
from goaltrack.errors import DataError, UsageError
from goaltrack.interfaces import Column, RenderOptions, Report, Table
from goaltrack.reports import budget_kinds as kinds_of
from goaltrack.reports.allocation import allocation_json, allocation_tables
from goaltrack.reports.common import envelope, plan_meta
from goaltrack.store import tables as m
from goaltrack.store.plan_queries import account_amounts, plan_scheme
from goaltrack.values.accounts import AccountScheme, chart_names, percent_change

LARGEST = 5


def _change(amounts: dict[str, float], y0: int | None, y1: int | None) -> tuple[float | None, float | None]:
    if y0 is None or y1 is None or str(y0) not in amounts or str(y1) not in amounts:
        return None, None
    a, b = amounts[str(y0)], amounts[str(y1)]
    return b - a, percent_change(a, b)


def reconcile(declared: float, computed: float, lines: int) -> dict[str, Any]:
    """Compare a declared total with the sum of its lines (both in the plan's unit)."""
    difference = computed - declared
    tolerance = 0.5 * lines  # every line rounded to a whole unit may be off by half a unit
    if difference == 0:
        verdict = "exact"
    elif abs(difference) <= tolerance:
        verdict = "rounding"
    else:
        verdict = "error"
    return {"declared": declared, "computed": computed, "difference": difference,
            "lines": lines, "tolerance": tolerance, "verdict": verdict}


def build_budget(
    conn: Connection,
    plan_id: int,
    options: RenderOptions,
    *,
    year: int | None = None,
    compare: int | None = None,
    kind: str | Sequence[str] = "budget",
    compare_plan_id: int | None = None,
) -> Report:
    """The report of ``kind``, or of several kinds side by side (the first one's amounts,
    changes and allocation as with one kind; see :mod:`goaltrack.reports.budget_kinds`)."""
    meta = plan_meta(conn, plan_id, "budget", options)
    at = m.table_of(m.Account)
    accounts = list(conn.execute(select(at).where(at.c.plan_id == plan_id).order_by(at.c.position, at.c.code)))
    scheme = plan_scheme(conn, plan_id)
    kinds = kinds_of.resolve_kinds(conn, plan_id, kind)
    kind = kinds[0]
    by_kind = {k: _amounts(conn, plan_id, accounts, k, compare_plan_id, scheme) for k in kinds}
    amounts = by_kind[kind]
    years = sorted({int(y) for d in amounts.values() for y in d})
    for option, asked in (("--year", year), ("--compare", compare)):
        if asked is not None and asked not in years:
            raise UsageError(f"{option} {asked}: the plan has no {kind} lines for it "
                             f"(years: {', '.join(map(str, years)) or 'none'})")
    y1 = year if year is not None else (years[-1] if years else None)
    y0 = compare if compare is not None else next((y for y in reversed(years) if y1 is not None and y < y1), None)

    flat = [_account_entry(a, amounts.get(a.id, {}), years, y0, y1, scheme) for a in accounts]
    level_groups = _level_groups(flat, scheme, years, y0, y1)
    totals = {str(y): sum(a["amounts"][str(y)] or 0.0 for a in flat) for y in years}
    total_change, total_pct = _change(totals, y0, y1)
    price_basis_by_kind = {k: _price_bases(conn, plan_id, k) for k in kinds}
    price_basis = price_basis_by_kind[kind]
    several: dict[str, Any] = {}
    if len(kinds) > 1:
        several = _several_kinds(kinds, flat, level_groups, [a.id for a in accounts], by_kind, price_basis_by_kind)
    reconciliation = _reconciliation(conn, plan_id, flat, kinds)
    differs = (y0 is not None and y1 is not None and bool(price_basis.get(str(y0))) and bool(price_basis.get(str(y1)))
               and price_basis[str(y0)] != price_basis[str(y1)])
    # After the kinds' figures, which the Danish groups carry too.
    groups = _danish_groups(level_groups, flat) if scheme.danish else []
    allocation = allocation_json(allocate(conn, plan_id, kind))
    data = envelope(
        meta, kind=kind, years=years, year=y1, compare=y0,
        scheme={"name": scheme.name, "danish": scheme.danish, "levels": scheme.level_names()},
        level_groups=level_groups, groups=groups, accounts=flat,
        totals=totals, total_change=total_change, total_change_pct=total_pct,
        largest_changes=_largest_changes(flat), reconciliation=reconciliation, allocation=allocation,
        price_basis=price_basis, price_basis_differs=differs, **several,
    )
    tables = _budget_tables(flat, scheme, level_groups, reconciliation, *_figures(years, kind, several))
    tables += allocation_tables(allocation)
    for table in tables:  # every table of the budget report holds amounts
        table.unit = meta.get("amount_unit") or meta.get("currency")
    tables += _price_basis_tables(price_basis, several)
    return Report("budget", f"Budget: {meta['plan_title']}", data, tables, meta)


def _several_kinds(kinds: list[str], flat: list[dict[str, Any]], level_groups: list[dict[str, Any]],
                   ids: list[int], by_kind: dict[str, dict[int, dict[str, float]]],
                   price_basis_by_kind: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """The report's keys for more than one kind, every account and group given its figures
    of each kind and its deviation on the way."""
    cols = kinds_of.columns(kinds, kinds_of.kind_years(by_kind), price_basis_by_kind)
    totals = kinds_of.add_figures(flat, level_groups, ids, by_kind, cols)
    return {"kinds": kinds, "columns": cols, **totals, "price_basis_by_kind": price_basis_by_kind,
            "deviation_price_basis_differs": kinds_of.any_differs(cols)}


Figures = tuple[list[Column], Callable[[dict[str, Any]], list[Any]]]


def _figures(years: list[int], kind: str, several: dict[str, Any]) -> Figures:
    """The amount columns of the accounts and group tables and an entry's cells under them:
    one kind's years and the change, or each year's kinds and deviation."""
    if several:
        cols = several["columns"]
        return kinds_of.figure_columns(cols), lambda e: kinds_of.figure_values(e, cols)
    figures = [Column(f"y{y}", kinds_of.amount_label(kind, y), "number") for y in years]
    figures += [Column("change", "Change", "number"), Column("change_pct", "Change %", "percent")]
    return figures, lambda e: [*(e["amounts"][str(y)] for y in years), e["change"], e["change_pct"]]


def _price_basis_tables(price_basis: dict[str, list[str]], several: dict[str, Any]) -> list[Table]:
    """The ``price_basis`` table where any basis is stated: per year, and per kind too when
    there are several."""
    if several:
        by_kind = several["price_basis_by_kind"]
        if not any(b for bases in by_kind.values() for b in bases.values()):
            return []
        cols = [Column("year", "Year"), Column("kind", "Kind", labels="budget_kind"),
                Column("price_basis", "Price basis")]
        return [Table("price_basis", "Price basis", cols, kinds_of.price_basis_rows(by_kind))]
    if not any(price_basis.values()):
        return []
    cols = [Column("year", "Year"), Column("price_basis", "Price basis")]
    return [Table("price_basis", "Price basis", cols, [(y, ", ".join(b) or None) for y, b in price_basis.items()])]


def _amounts(conn: Connection, plan_id: int, accounts: list[Any], kind: str,
             compare_plan_id: int | None, scheme: AccountScheme) -> dict[int, dict[str, float]]:
    """Account id -> year (as text) -> the sum of its lines of ``kind``; years the plan lacks
    are taken from ``compare_plan_id``'s account with the same code, or with the code this
    account ``replaces`` (a recoded account continues its predecessor's series)."""
    at, bt = m.table_of(m.Account), m.table_of(m.BudgetLine)
    amounts: dict[int, dict[str, float]] = defaultdict(dict, account_amounts(conn, plan_id, kind))
    if compare_plan_id is not None:
        by_code = {a.code: a for a in accounts}
        for a in accounts:
            if a.replaces:
                with contextlib.suppress(DataError):
                    by_code.setdefault(scheme.normalise(a.replaces), a)
        # Another year's plan: its accounts are matched by code (names change between years).
        for code, y, total in conn.execute(
            select(at.c.code, bt.c.year, func.sum(bt.c.amount))
            .select_from(bt.join(at, at.c.id == bt.c.account_id))
            .where(at.c.plan_id == compare_plan_id, bt.c.kind == kind)
            .group_by(at.c.code, bt.c.year)
        ):
            if code in by_code and str(y) not in amounts[by_code[code].id]:
                amounts[by_code[code].id][str(y)] = float(total)
    return amounts


def _account_entry(a: Any, am: dict[str, float], years: list[int], y0: int | None, y1: int | None,
                   scheme: AccountScheme) -> dict[str, Any]:
    change, pct = _change(am, y0, y1)
    danish = scheme.danish
    return {
        "code": a.code, "dotted": a.dotted, "name": a.name, "hovedkonto": a.hovedkonto,
        "hovedfunktion": f"{a.hovedkonto}.{a.hovedfunktion:02d}" if danish else None,
        "funktion": a.dotted, "function_name": chart_names(a.code)[2] if danish else None,
        "groups": [key for key, _name in scheme.groups_of(a.code)],
        "amounts": {str(y): am.get(str(y)) for y in years}, "change": change, "change_pct": pct,
    }


def _level_groups(flat: list[dict[str, Any]], scheme: AccountScheme, years: list[int],
                  y0: int | None, y1: int | None) -> list[dict[str, Any]]:
    """Per level of the scheme, outermost first: its groups in the order they first appear,
    each with its name, the group it sits in one level up, the codes of its accounts and
    their summed amounts and change."""
    levels: list[dict[str, dict[str, Any]]] = [{} for _ in scheme.level_names()]
    for acc in flat:
        parent = None
        for groups, (key, name) in zip(levels, scheme.groups_of(acc["code"]), strict=True):
            groups.setdefault(key, {"code": key, "name": name, "parent": parent, "accounts": []})["accounts"].append(
                acc["code"])
            parent = key
    by_code = {a["code"]: a for a in flat}
    for groups in levels:
        for g in groups.values():
            g["amounts"] = {str(y): sum(by_code[c]["amounts"][str(y)] or 0.0 for c in g["accounts"]) for y in years}
            g["change"], g["change_pct"] = _change(g["amounts"], y0, y1)
    return [{"level": name, "groups": list(groups.values())} for name, groups in zip(scheme.level_names(), levels,
                                                                                      strict=True)]


def _danish_groups(level_groups: list[dict[str, Any]], flat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Danish chart's two levels in the nested shape of 0.1 (``groups``: hovedkonto ->
    hovedfunktioner -> accounts), read off ``level_groups``."""
    by_code = {a["code"]: a for a in flat}
    hovedkonti, hovedfunktioner = level_groups

    def figures(g: dict[str, Any]) -> dict[str, Any]:
        return {"amounts": g["amounts"], "change": g["change"], "change_pct": g["change_pct"],
                **{k: g[k] for k in ("amounts_by_kind", "deviation") if k in g}}

    return [
        {"hovedkonto": int(hk["code"]), "name": hk["name"],
         "hovedfunktioner": [{"code": hf["code"], "name": hf["name"],
                              "accounts": [by_code[c] for c in hf["accounts"]], **figures(hf)}
                             for hf in hovedfunktioner["groups"] if hf["parent"] == hk["code"]],
         **figures(hk)}
        for hk in hovedkonti["groups"]
    ]


def _price_bases(conn: Connection, plan_id: int, kind: str) -> dict[str, list[str]]:
    """Year (as text) -> the price bases its lines of ``kind`` are in (a line's own, else
    the plan's), sorted; an empty list where the plan states none."""
    at, bt, pt = m.table_of(m.Account), m.table_of(m.BudgetLine), m.table_of(m.Plan)
    basis = func.coalesce(bt.c.price_basis, pt.c.price_basis)
    out: dict[str, list[str]] = defaultdict(list)
    for year, value in conn.execute(
        select(bt.c.year, basis).distinct()
        .select_from(bt.join(at, at.c.id == bt.c.account_id).join(pt, pt.c.id == at.c.plan_id))
        .where(at.c.plan_id == plan_id, bt.c.kind == kind).order_by(bt.c.year, basis)
    ):
        bases = out.setdefault(str(year), [])  # a year without a stated basis is still listed
        if value is not None:
            bases.append(str(value))
    return dict(out)


def _largest_changes(flat: list[dict[str, Any]]) -> dict[str, list[str]]:
    with_change = [a for a in flat if a["change"] is not None]

    def top(accounts: Any, key: Any) -> list[str]:
        return [a["code"] for a in sorted(accounts, key=key)[:LARGEST]]

    return {
        "increase": top((a for a in with_change if a["change"] > 0), lambda a: (-a["change"], a["code"])),
        "decrease": top((a for a in with_change if a["change"] < 0), lambda a: (a["change"], a["code"])),
        "percent": top((a for a in with_change if a["change_pct"] is not None and a["change"] != 0),
                       lambda a: (-abs(a["change_pct"]), a["code"])),
    }


def _reconciliation(conn: Connection, plan_id: int, flat: list[dict[str, Any]],
                    kinds: list[str]) -> list[dict[str, Any]]:
    """Each declared total of the kinds reported against the sum of the lines it covers."""
    dt_ = m.table_of(m.DeclaredTotal)
    out = []
    for t in conn.execute(select(dt_).where(dt_.c.plan_id == plan_id).order_by(dt_.c.position, dt_.c.year)):
        if t.kind not in kinds:
            continue
        # The first kind's amounts are the accounts' own; the others' are beside them.
        of = {a["code"]: a["amounts"] if t.kind == kinds[0] else a["amounts_by_kind"][t.kind] for a in flat}
        covered = [a for a in flat if t.accounts is None or a["code"] in t.accounts]
        lines = [a for a in covered if of[a["code"]].get(str(t.year)) is not None]
        computed = sum(of[a["code"]][str(t.year)] for a in lines)
        out.append({"label": t.label, "year": t.year, "kind": t.kind, **reconcile(t.amount, computed, len(lines))})
    return out


def _budget_tables(flat: list[dict[str, Any]], scheme: AccountScheme, level_groups: list[dict[str, Any]],
                   reconciliation: list[dict[str, Any]], figures: list[Column],
                   values: Callable[[dict[str, Any]], list[Any]]) -> list[Table]:
    # The dotted funktion is a Danish notion; a plan's own scheme has only its codes.
    cols = [Column("code", "Account")] + ([Column("funktion", "Function")] if scheme.danish else [])
    cols += [Column("name", "Name"), *figures]
    rows = [(a["code"], *([a["funktion"]] if scheme.danish else []), a["name"],
             *values(a)) for a in flat]
    group_tables = [
        Table("groups" if scheme.danish else f"groups_{depth + 1}",
              "Main functions" if scheme.danish else lv["level"],
              [Column("code", lv["level"]), Column("name", "Name"), *figures],
              [(g["code"], g["name"] or "", *values(g)) for g in lv["groups"]])
        # The Danish table has been the main functions alone since the first release.
        for depth, lv in enumerate(level_groups) if not scheme.danish or depth == len(level_groups) - 1
    ]
    rec_cols = [Column("label", "Declared total"), Column("year", "Year"), Column("declared", "As printed", "number"),
                Column("computed", "Sum of lines", "number"), Column("difference", "Difference", "number"),
                Column("tolerance", "Rounding tolerance", "number"), Column("verdict", "Verdict", labels="verdict")]
    rec_rows = [(r["label"], str(r["year"]), r["declared"], r["computed"], r["difference"], r["tolerance"],
                 r["verdict"])
                for r in reconciliation]
    return [
        Table("accounts", "Accounts", cols, rows),
        *group_tables,
        Table("reconciliation", "Reconciliation with declared totals", rec_cols, rec_rows),
    ]
