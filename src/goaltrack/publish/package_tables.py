"""The tables of the site's data package: their schemas and the query that fills each.

Rows are keyed by plan slug and item code, never by database ids, so the files mean the same
in any copy of the database. Each query is one set-based statement, ordered so the same
database gives the same rows in the same order; nothing is built per row but the CSV text.
Only approved, current values are published: measurements that another value superseded are
left out (their replacement is current), and pending review entries live in their own
tables (``pending_measurement``, ``pending_status``), which nothing here reads. Who recorded
a value is never published.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, literal, select, union_all

from goaltrack.engine.scoretree import EXAMPLE_SOURCE
from goaltrack.publish.tables import Field, ForeignKey, Table
from goaltrack.store import tables as m

_PLAN = Field("plan", "string", "The plan's slug (plans.slug)", required=True)
_CODE = Field("code", "string", "The item's code in the plan", required=True)
_TO_PLAN = ForeignKey(("plan",), "plans", ("slug",))


def _item(name: str, title: str, *fields: Field, fks: tuple[ForeignKey, ...] = ()) -> Table:
    return Table(name, title, (_PLAN, _CODE, *fields, Field("position", "integer", "Order in the plan file")),
                 ("plan", "code"), (_TO_PLAN, *fks))


TABLES: tuple[Table, ...] = (
    Table("plans", "Plans", (
        Field("slug", "string", "The plan's identifier", required=True), Field("title"), Field("organisation"),
        Field("first_year", "integer"), Field("last_year", "integer"), Field("language"), Field("currency"),
        Field("amount_unit", "string", "The unit of the plan's amounts"), Field("amount_scale", "integer"),
        Field("price_basis"), Field("approved_by", "string", "The body that adopted the plan"),
        Field("approved_on", "date"), Field("follows", "string", "The slug of the plan this one follows"),
        Field("synthetic", "boolean", "Example or synthetic data, not a real plan"),
        Field("source_title", "string", "The document the plan was read from"),
    ), ("slug",)),
    _item("national_goals", "National goals", Field("title"), Field("description"), Field("issuer")),
    _item("focus_areas", "Focus areas", Field("level", "string", "strategic or annual"), Field("title"),
          Field("description")),
    _item("target_groups", "Target groups", Field("name"), Field("description")),
    _item("initiatives", "Initiatives", Field("title"), Field("description"),
          Field("focus_area", "string", "The code of its focus area"), Field("owner"),
          Field("declared_status", "string", "The status the plan file declares"),
          Field("start", "date"), Field("end", "date")),
    _item("indicators", "Indicators", Field("name"), Field("unit"), Field("direction"),
          Field("baseline_value", "number"), Field("baseline_period"), Field("target_value", "number"),
          Field("target_period"), Field("target_low", "number"), Field("target_high", "number"),
          Field("area"), Field("definition"), Field("computed", "string", "The formula of a computed indicator"),
          Field("source_title", "string", "Where the values come from")),
    Table("measurements", "Measurements (approved, current values)", (
        _PLAN, Field("indicator", "string", "The indicator's code", required=True),
        Field("period", "string", "The period's code (2024, 2024-Q1, 2024-03)", required=True),
        Field("breakdown", "string", "Dimension values (age=16-29;sex=women); empty for the total"),
        Field("freq"), Field("start", "date"), Field("end", "date"), Field("value", "number"),
        Field("missing_reason", "string", "Why there is no value"), Field("kind", "string", "observed or estimate"),
        Field("source_title", "string", "The value's source; 'example' marks example data"), Field("note"),
    ), ("plan", "indicator", "period", "breakdown"),
        (_TO_PLAN, ForeignKey(("plan", "indicator"), "indicators", ("plan", "code")))),
    Table("initiative_statuses", "Recorded initiative statuses (approved), oldest first", (
        _PLAN, Field("initiative", "string", required=True), Field("sequence", "integer", required=True),
        Field("status"), Field("note"), Field("recorded_at", "datetime"),
        Field("example_data", "boolean"),
    ), ("plan", "initiative", "sequence"),
        (_TO_PLAN, ForeignKey(("plan", "initiative"), "initiatives", ("plan", "code")))),
    _item("accounts", "Accounts", Field("name"), Field("dotted", "string", "The account as 5.57.71"),
          Field("hovedkonto", "integer"), Field("hovedfunktion", "integer"), Field("funktion", "integer"),
          Field("replaces", "string", "The predecessor plan's account code")),
    Table("budget", "Budget lines", (
        _PLAN, Field("account", "string", required=True), Field("year", "integer", required=True),
        Field("kind", "string", "budget, actual, ...", required=True), Field("amount", "number"),
        Field("price_basis"),
    ), ("plan", "account", "year", "kind"),
        (_TO_PLAN, ForeignKey(("plan", "account"), "accounts", ("plan", "code")))),
    Table("links", "Links between items", (
        _PLAN, Field("src_kind", required=True), Field("src_code", required=True),
        Field("dst_kind", required=True), Field("dst_code", required=True),
        Field("basis", "string", "explicit (the plan says so) or inferred (goaltrack's suggestion)"),
        Field("weight", "number"), Field("share", "number", "Percent of an account"), Field("quote"), Field("note"),
    ), ("plan", "src_kind", "src_code", "dst_kind", "dst_code"), (_TO_PLAN,)),
)

BY_NAME = {t.name: t for t in TABLES}


def _in_plans(t: Any, plan_ids: list[int]) -> Any:
    return t.c.plan_id.in_(plan_ids)


def _items(model: type[Any], plan_ids: list[int], *cols: Any, extra: Any = None) -> Select[Any]:
    t, pt = m.table_of(model), m.table_of(m.Plan)
    joined = t.join(pt, pt.c.id == t.c.plan_id)
    if extra is not None:
        joined = extra(joined, t)
    return (select(pt.c.slug, t.c.code, *(c(t) if callable(c) else t.c[c] for c in cols), t.c.position)
            .select_from(joined).where(_in_plans(t, plan_ids)).order_by(pt.c.slug, t.c.position, t.c.code))


def _plans(plan_ids: list[int]) -> Select[Any]:
    pt = m.table_of(m.Plan)
    # first_year and last_year come from the JSON years in Python (shape): JSON functions differ by database
    return (select(pt.c.slug, pt.c.title, pt.c.organisation, pt.c.years, pt.c.language, pt.c.currency,
                   pt.c.amount_unit, pt.c.amount_scale, pt.c.price_basis, pt.c.approved_by, pt.c.approved_on,
                   pt.c.follows, pt.c.synthetic, pt.c.source["title"].as_string())
            .where(pt.c.id.in_(plan_ids)).order_by(pt.c.slug))


def _initiatives(plan_ids: list[int]) -> Select[Any]:
    ft = m.table_of(m.FocusArea).alias("fa")

    def with_area(joined: Any, t: Any) -> Any:
        return joined.outerjoin(ft, ft.c.id == t.c.focus_area_id)

    return _items(m.Initiative, plan_ids, "title", "description", lambda t: ft.c.code, "owner", "status",
                  "start", "end", extra=with_area)


def _measurements(plan_ids: list[int]) -> Select[Any]:
    mt, it, pt = m.table_of(m.Measurement), m.table_of(m.Indicator), m.table_of(m.Plan)
    return (select(pt.c.slug, it.c.code, mt.c.period_code, mt.c.breakdown, mt.c.freq, mt.c.period_start,
                   mt.c.period_end, mt.c.value, mt.c.missing_reason, mt.c.kind,
                   mt.c.source["title"].as_string(), mt.c.note)
            .select_from(mt.join(it, it.c.id == mt.c.indicator_id).join(pt, pt.c.id == it.c.plan_id))
            .where(it.c.plan_id.in_(plan_ids), mt.c.superseded_at.is_(None))
            .order_by(pt.c.slug, it.c.code, mt.c.breakdown, mt.c.period_start, mt.c.period_code))


def _statuses(plan_ids: list[int]) -> Select[Any]:
    st, nt, pt = m.table_of(m.InitiativeStatus), m.table_of(m.Initiative), m.table_of(m.Plan)
    return (select(pt.c.slug, nt.c.code, st.c.id, st.c.status, st.c.note, st.c.recorded_at, st.c.origin)
            .select_from(st.join(nt, nt.c.id == st.c.initiative_id).join(pt, pt.c.id == nt.c.plan_id))
            .where(nt.c.plan_id.in_(plan_ids))
            .order_by(pt.c.slug, nt.c.code, st.c.recorded_at, st.c.id))


def _budget(plan_ids: list[int]) -> Select[Any]:
    bt, at, pt = m.table_of(m.BudgetLine), m.table_of(m.Account), m.table_of(m.Plan)
    return (select(pt.c.slug, at.c.code, bt.c.year, bt.c.kind, bt.c.amount, bt.c.price_basis)
            .select_from(bt.join(at, at.c.id == bt.c.account_id).join(pt, pt.c.id == at.c.plan_id))
            .where(at.c.plan_id.in_(plan_ids)).order_by(pt.c.slug, at.c.code, bt.c.year, bt.c.kind))


def _links(plan_ids: list[int]) -> Select[Any]:
    lt, pt = m.table_of(m.Link), m.table_of(m.Plan)
    # Every item's (kind, id, code) in one relation, so each end of a link finds its code by
    # one join whatever its kind.
    parts = []
    for kind, model in m.ITEM_TABLES.items():
        t = m.table_of(model)
        parts.append(select(literal(kind).label("kind"), t.c.id, t.c.code).where(_in_plans(t, plan_ids)))
    codes = union_all(*parts).subquery("codes")
    src, dst = codes.alias("src"), codes.alias("dst")
    return (select(pt.c.slug, lt.c.src_kind, src.c.code, lt.c.dst_kind, dst.c.code, lt.c.basis, lt.c.weight,
                   lt.c.share, lt.c.quote, lt.c.note)
            .select_from(lt.join(pt, pt.c.id == lt.c.plan_id)
                         .join(src, (src.c.kind == lt.c.src_kind) & (src.c.id == lt.c.src_id))
                         .join(dst, (dst.c.kind == lt.c.dst_kind) & (dst.c.id == lt.c.dst_id)))
            .where(_in_plans(lt, plan_ids))
            .order_by(pt.c.slug, lt.c.src_kind, src.c.code, lt.c.dst_kind, dst.c.code))


def query(name: str, plan_ids: list[int]) -> Select[Any]:
    """The statement whose rows fill table ``name`` (before :func:`shape`)."""
    if name == "plans":
        return _plans(plan_ids)
    if name == "national_goals":
        return _items(m.NationalGoal, plan_ids, "title", "description", "issuer")
    if name == "focus_areas":
        return _items(m.FocusArea, plan_ids, "level", "title", "description")
    if name == "target_groups":
        return _items(m.TargetGroup, plan_ids, "name", "description")
    if name == "initiatives":
        return _initiatives(plan_ids)
    if name == "indicators":
        return _items(m.Indicator, plan_ids, "name", "unit", "direction", "baseline_value", "baseline_period",
                      "target_value", "target_period", "target_low", "target_high", "area", "definition",
                      "computed", lambda t: t.c.source["title"].as_string())
    if name == "accounts":
        return _items(m.Account, plan_ids, "name", "dotted", "hovedkonto", "hovedfunktion", "funktion", "replaces")
    return {"measurements": _measurements, "initiative_statuses": _statuses, "budget": _budget,
            "links": _links}[name](plan_ids)


def shape(name: str, rows: Any) -> Any:
    """The query's rows as the table's rows: what SQL cannot say the same way on both databases."""
    if name == "plans":
        for r in rows:
            years = sorted(int(y) for y in (r[3] or []))
            yield (*r[:3], years[0] if years else None, years[-1] if years else None, *r[4:])
    elif name == "initiative_statuses":
        # The sequence is the status's place in its initiative's history, not its database id.
        last, n = None, 0
        for slug, code, _id, status, note, at, origin in rows:
            n = n + 1 if (slug, code) == last else 1
            last = (slug, code)
            yield slug, code, n, status, note, at, origin == EXAMPLE_SOURCE
    else:
        yield from rows
