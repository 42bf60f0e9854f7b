"""What a contributor does: "My initiatives", recording a value or a status, importing a file.

Each form calls the function the command calls (``goaltrack record``, ``status``,
``import``) with ``actor=`` the signed-in person, so the one permission check decides. A
refused or invalid input is shown at its field (status 422), the form keeping what was typed;
the domain's own message is shown beside it as the detail.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from goaltrack.errors import GoaltrackError
from goaltrack.people.access import PermissionDenied, require
from goaltrack.render.i18n import N_
from goaltrack.vocab import INITIATIVE_STATUSES
from goaltrack.web import work_data
from goaltrack.web.pages import flash, formatter, pop_flash, url
from goaltrack.web.routes_home import plan_for_viewer
from goaltrack.web.session import check_csrf, require_actor
from goaltrack.web.uploads import UploadForm, import_page, import_post, upload_form

router = APIRouter()


def _state(request: Request) -> Any:
    return request.app.state.goaltrack


@router.get("/mine", name="my_work")
def my_work(request: Request) -> Response:
    actor = require_actor(request)
    st = _state(request)
    with st.engine.connect() as conn:
        work = work_data.my_work(conn, actor)
    return st.pages.render(request, "web/my_work.html", actor=actor, work=work, flash=pop_flash(request))


# --------------------------------------------------------------------------- a value


def field_of(message: str) -> tuple[str, str]:
    """(field, error code) of a message of :func:`~goaltrack.store.recording.record_measurement`
    (:mod:`goaltrack.values.periods`, :mod:`goaltrack.values.units`); ("", "other") for one
    that concerns no single field."""
    if message.startswith("invalid period"):
        return "period", "bad_period"
    if ": value: " in message:
        detail = message.split(": value: ", 1)[1]
        if " is outside " in detail:
            return "value", "out_of_range"
        return "value", "not_number"
    if message.startswith("give either VALUE or --missing"):
        return "value", "neither"
    return "", "other"


def _indicator_page(request: Request, slug: str, code: str) -> tuple[Any, int, dict[str, Any]]:
    """The signed-in person, the plan's id and what the record form shows; 404 for an unknown
    indicator, 403 for one the person may not record."""
    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    with _state(request).engine.connect() as conn:
        ind = work_data.indicator(conn, plan_id, code)
        if ind is None:
            raise HTTPException(404, f"no indicator '{code}' in {slug}")
        require(conn, actor, "record", plan_id, "indicator", code)
        plan = work_data.plan_row(conn, plan_id)
        from goaltrack.store.measurements import latest_values

        latest = latest_values(conn, [ind.id]).get(ind.id)
        entries = work_data.own_entries(conn, actor, plan_id, target=code)
    return actor, plan_id, {"slug": slug, "plan": plan, "ind": ind, "latest": latest, "entries": entries,
                            "review": plan.review == "required", "plan_lang": plan.language,
                            "routes": work_data.route_names(request)}


@router.get("/plans/{slug}/indicators/{code}/record", name="record_form")
def record_form(request: Request, slug: str, code: str, period: str = "") -> Response:
    actor, _plan_id, page = _indicator_page(request, slug, code)
    typed = {"period": period, "value": "", "missing": False, "reason": "", "note": "", "source": "",
             "submit": False}
    return _state(request).pages.render(request, "web/record_form.html", actor=actor, form=typed, errors={},
                                        **page)


@router.post("/plans/{slug}/indicators/{code}/record")
def record_post(request: Request, slug: str, code: str, csrf: str = Form(""), period: str = Form(""),
                value: str = Form(""), missing: str = Form(""), reason: str = Form(""), note: str = Form(""),
                source: str = Form(""), submit: str = Form("")) -> Response:
    from goaltrack.store.recording import record_measurement

    check_csrf(request, csrf)
    actor, plan_id, page = _indicator_page(request, slug, code)
    typed = {"period": period, "value": value, "missing": bool(missing), "reason": reason, "note": note,
             "source": source, "submit": bool(submit)}
    errors: dict[str, tuple[str, str | None]] = {}
    if not period.strip():
        errors["period"] = ("required", None)
    if missing and value.strip():
        errors["value"] = ("both", None)
    elif not missing and not value.strip():
        errors["value"] = ("neither", None)
    elif missing and not reason.strip():
        errors["reason"] = ("no_reason", None)
    if not errors:
        try:
            r = record_measurement(
                _state(request).engine, plan_id, code, None if missing else value.strip(), period.strip(),
                by=actor.login, note=note.strip() or None, source=source.strip() or None,
                missing=reason.strip() if missing else None, actor=actor, submit=bool(submit) and page["review"])
        except PermissionDenied:
            raise
        except GoaltrackError as exc:
            where, what = field_of(exc.message)
            errors[where or "form"] = (what, exc.message)
            if where == "period" and not missing:  # the value is checked after the period: check it too
                errors.update(_value_error(value, page["ind"].unit))
    if errors:
        return _state(request).pages.render(request, "web/record_form.html", actor=actor, form=typed,
                                            errors=errors, status=422, **page)
    flash(request, _recorded_message(request, r, page["ind"].unit))
    return RedirectResponse(url(request, "my_work"), status_code=303)


def _value_error(value: str, unit: str) -> dict[str, tuple[str, str | None]]:
    from goaltrack.values.units import parse_value

    try:
        parse_value(value.strip(), unit)
    except GoaltrackError as exc:
        return {"value": ("out_of_range" if " is outside " in exc.message else "not_number", exc.message)}
    return {}


def _recorded_message(request: Request, r: Any, unit: str) -> str:
    fmt = formatter(request)
    shown = fmt.gettext(N_("missing")) if r.value is None else fmt.value(r.value, unit)
    what = f"{r.indicator} {r.period}"
    if r.entry is not None:
        return _filed_message(request, what + f" = {shown}", r.entry, r.state or "", r.revision)
    if r.unchanged:
        return fmt.gettext(N_("Unchanged: %(what)s is already %(value)s; nothing was written.")) % {
            "what": what, "value": shown}
    if r.replaced:
        old = fmt.gettext(N_("missing")) if r.superseded is None else fmt.value(r.superseded, unit)
        return fmt.gettext(N_("Recorded %(what)s = %(value)s (superseding %(old)s).")) % {
            "what": what, "value": shown, "old": old}
    return fmt.gettext(N_("Recorded %(what)s = %(value)s.")) % {"what": what, "value": shown}


def _filed_message(request: Request, what: str, entry: int, state: str, revision: int) -> str:
    fmt = formatter(request)
    params = {"what": what, "entry": entry, "revision": revision}
    if state == "submitted":
        text = (N_("Filed %(what)s as review entry %(entry)s, submitted: it waits for an approver.")
                if revision == 1 else
                N_("Revised review entry %(entry)s (revision %(revision)s, %(what)s), submitted: it waits for an "
                   "approver."))
    else:
        text = (N_("Filed %(what)s as review entry %(entry)s, a draft: submit it when it is ready.")
                if revision == 1 else
                N_("Revised review entry %(entry)s (revision %(revision)s, %(what)s), a draft: submit it when it "
                   "is ready."))
    return str(fmt.gettext(text) % params)


# --------------------------------------------------------------------------- a status


def _initiative_page(request: Request, slug: str, code: str) -> tuple[Any, int, dict[str, Any]]:
    from goaltrack.store.scoring_rows import latest_statuses

    actor = require_actor(request)
    plan_id = plan_for_viewer(request, actor, slug)
    with _state(request).engine.connect() as conn:
        ini = work_data.initiative(conn, plan_id, code)
        if ini is None:
            raise HTTPException(404, f"no initiative '{code}' in {slug}")
        require(conn, actor, "record", plan_id, "initiative", code)
        plan = work_data.plan_row(conn, plan_id)
        current = latest_statuses(conn, [ini.id], None).get(ini.id, (None,))[0]
        entries = work_data.own_entries(conn, actor, plan_id, target=code)
    return actor, plan_id, {"slug": slug, "plan": plan, "ini": ini, "current": current, "entries": entries,
                            "review": plan.review == "required", "plan_lang": plan.language,
                            "statuses": INITIATIVE_STATUSES, "routes": work_data.route_names(request)}


@router.get("/plans/{slug}/initiatives/{code}/status", name="status_form")
def status_form(request: Request, slug: str, code: str) -> Response:
    actor, _plan_id, page = _initiative_page(request, slug, code)
    typed = {"state": page["current"] or "", "note": "", "submit": False}
    return _state(request).pages.render(request, "web/status_form.html", actor=actor, form=typed, errors={},
                                        **page)


@router.post("/plans/{slug}/initiatives/{code}/status")
def status_post(request: Request, slug: str, code: str, csrf: str = Form(""), state: str = Form(""),
                note: str = Form(""), submit: str = Form("")) -> Response:
    from goaltrack.store.recording import NEEDS_NOTE, record_status

    check_csrf(request, csrf)
    actor, plan_id, page = _initiative_page(request, slug, code)
    typed = {"state": state, "note": note, "submit": bool(submit)}
    errors: dict[str, tuple[str, str | None]] = {}
    if state not in INITIATIVE_STATUSES:
        errors["state"] = ("no_state", None)
    elif state in NEEDS_NOTE and not note.strip():
        errors["note"] = ("note_required", None)
    filed = None
    if not errors:
        try:
            filed = record_status(_state(request).engine, plan_id, code, state, by=actor.login,
                                  note=note.strip() or None, actor=actor, submit=bool(submit) and page["review"])
        except PermissionDenied:
            raise
        except GoaltrackError as exc:
            errors["note" if "needs --note" in exc.message else "form"] = (
                "note_required" if "needs --note" in exc.message else "other", exc.message)
    if errors:
        return _state(request).pages.render(request, "web/status_form.html", actor=actor, form=typed,
                                            errors=errors, status=422, **page)
    fmt = formatter(request)
    shown = fmt.label(state, "status")
    if filed is not None:
        flash(request, _filed_message(request, f"{code}: {shown}", filed.entry, filed.state, filed.revision))
    else:
        flash(request, fmt.gettext(N_("Recorded the status of %(code)s: %(state)s.")) % {"code": code,
                                                                                         "state": shown})
    return RedirectResponse(url(request, "my_work"), status_code=303)


# --------------------------------------------------------------------------- an import


@router.get("/plans/{slug}/import", name="import_form")
def import_form(request: Request, slug: str) -> Response:
    return import_page(request, slug)


@router.post("/plans/{slug}/import")
def import_submit(request: Request, slug: str, form: UploadForm = Depends(upload_form)) -> Response:
    try:
        return import_post(request, slug, form)
    finally:
        form.close()

